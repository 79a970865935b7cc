// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-side tests of the scheduling arithmetic in kmod/accelq_sched_math.h:
 * virtual time scaling, wrap-safe ordering, idle clamping, cap refill and
 * debt, and a simulated weighted-fair run checked against the ideal shares.
 */
#include <stdint.h>
#include <string.h>

#include "accelq_sched_math.h"
#include "tap.h"

static void test_vtime_delta(void)
{
	TAP_CHECK(accelq_vtime_delta(1000, ACCELQ_WEIGHT_DEFAULT) == 1000,
		  "default weight ages 1:1");
	TAP_CHECK(accelq_vtime_delta(1000, 200) == 500,
		  "weight 200 ages at half speed");
	TAP_CHECK(accelq_vtime_delta(1000, 1) == 100000,
		  "weight 1 ages 100x");
	TAP_CHECK(accelq_vtime_delta(1000, 0) == 100000,
		  "weight 0 is treated as the minimum, no division by zero");
	TAP_CHECK(accelq_vtime_delta(UINT64_MAX / 2, 10000) == (UINT64_MAX / 2) / 100,
		  "large run times do not overflow the multiplication");
	TAP_CHECK(accelq_vtime_delta(10ULL * 1000000000, ACCELQ_WEIGHT_MAX) ==
		  100000000ULL, "max cost at max weight");
}

static void test_vtime_order(void)
{
	u64 near_wrap = UINT64_MAX - 50;

	TAP_CHECK(accelq_vtime_before(1, 2), "1 before 2");
	TAP_CHECK(!accelq_vtime_before(2, 1), "2 not before 1");
	TAP_CHECK(!accelq_vtime_before(5, 5), "equal is not before");
	TAP_CHECK(accelq_vtime_before(near_wrap, near_wrap + 100),
		  "ordering survives the u64 wrap");
	TAP_CHECK(accelq_vtime_max(near_wrap, near_wrap + 100) == near_wrap + 100,
		  "max across the wrap picks the later value");
	TAP_CHECK(accelq_vtime_wake(10, 500) == 500,
		  "an idle entity is clamped up to the engine floor");
	TAP_CHECK(accelq_vtime_wake(900, 500) == 900,
		  "an entity ahead of the floor keeps its vtime");
	TAP_CHECK(accelq_vtime_wake(near_wrap, near_wrap + 10) == near_wrap + 10,
		  "clamping works across the wrap");
}

static void test_cap(void)
{
	const u64 q = 25000000, burst = 10000000;
	s64 rt = q;

	rt = accelq_cap_charge(rt, 30000000);
	TAP_CHECK(rt == -5000000, "overrun becomes debt");
	rt = accelq_cap_refill(rt, q, 0);
	TAP_CHECK(rt == 20000000, "debt is repaid from the next grant");
	rt = accelq_cap_refill(rt, q, 0);
	TAP_CHECK(rt == (s64)q, "without burst unused quota does not accumulate");
	rt = accelq_cap_refill(rt, q, burst);
	TAP_CHECK(rt == (s64)(q + burst), "burst allows carry-over up to quota+burst");
	rt = accelq_cap_refill(rt, q, burst);
	TAP_CHECK(rt == (s64)(q + burst), "carry-over saturates at quota+burst");
	rt = accelq_cap_charge(0, UINT64_MAX);
	TAP_CHECK(rt == -(s64)(1ULL << 62), "charge saturates instead of wrapping");
	TAP_CHECK(accelq_cap_charge(rt, 1000) == rt, "debt saturates at -2^62");
}

/*
 * Three always-runnable tenants with weights 1:2:4 on one engine, jobs of
 * random lengths: pick the smallest vtime, charge it. Shares over the run
 * must be within 0.5 pp of 1/7, 2/7, 4/7.
 */
static void test_weighted_shares(void)
{
	const u32 w[3] = { 100, 200, 400 };
	u64 vt[3] = { 0, 0, 0 }, busy[3] = { 0, 0, 0 }, total = 0;
	uint32_t seed = 12345;
	int i, k;

	/* Start near the wrap point to prove long uptimes are fine. */
	for (k = 0; k < 3; k++)
		vt[k] = UINT64_MAX - 1000000;
	for (i = 0; i < 200000; i++) {
		int best = 0;
		u64 run;

		for (k = 1; k < 3; k++)
			if (accelq_vtime_before(vt[k], vt[best]))
				best = k;
		seed = seed * 1103515245 + 12345;
		run = 10000 + (seed >> 8) % 1000000;
		vt[best] += accelq_vtime_delta(run, w[best]);
		busy[best] += run;
		total += run;
	}
	for (k = 0; k < 3; k++) {
		double share = (double)busy[k] / (double)total;
		double ideal = (double)w[k] / 700.0;

		TAP_CHECK(share > ideal - 0.005 && share < ideal + 0.005,
			  "weight %u share %.4f ideal %.4f", w[k], share, ideal);
	}
}

/* A capped tenant's long-run use never exceeds quota/period with debt. */
static void test_cap_long_run(void)
{
	const u64 q = 25, period = 100, job = 7;
	s64 rt = q;
	u64 used = 0, t;

	for (t = 0; t < 100000; t++) {
		if (t % period == 0 && t)
			rt = accelq_cap_refill(rt, q, 0);
		/* Dispatch only while quota remains; a job runs whole. */
		if (rt > 0 && t % job == 0) {
			rt = accelq_cap_charge(rt, job);
			used += job;
		}
	}
	TAP_CHECK(used <= 100000 * q / period + q + job,
		  "long-run use %llu stays within the cap", (unsigned long long)used);
	TAP_CHECK(used >= 100000 * q / period - q - job,
		  "long-run use %llu reaches the cap", (unsigned long long)used);
}

int main(void)
{
	TAP_PLAN_START();
	test_vtime_delta();
	test_vtime_order();
	test_cap();
	test_weighted_shares();
	test_cap_long_run();
	return TAP_DONE();
}
