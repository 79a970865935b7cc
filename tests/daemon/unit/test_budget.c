// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of daemon/budget.c: windows, counter deltas, cap selection,
 * budget transitions, utilization ratios.
 *
 * Copyright (C) 2026 The accelq authors
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "budget.h"
#include "tap.h"

#define S	1000000000ULL
#define MS	1000000ULL

static void test_windows(void)
{
	/* 2026-11-28 13:37:12.5 UTC */
	uint64_t now = 1795959432ULL * S + 500 * MS;

	TAP_CHECK(budget_window_start(now, 3600 * S) == 1795957200ULL * S,
		  "hour window starts on the full hour");
	TAP_CHECK(budget_window_start(now, 86400 * S) == 1795910400ULL * S,
		  "day window starts at 00:00 UTC");
	TAP_CHECK(budget_window_start(now, 10 * S) == 1795959430ULL * S,
		  "10s window aligned to the epoch");
	TAP_CHECK(budget_window_start(1795959430ULL * S, 10 * S) ==
		  1795959430ULL * S, "window start is inside its window");
	TAP_CHECK(budget_window_start(1795959430ULL * S - 1, 10 * S) ==
		  1795959420ULL * S, "1 ns earlier is the previous window");
}

static void test_delta(void)
{
	TAP_CHECK(counter_delta(100, 250, true) == 150, "delta of a growing counter");
	TAP_CHECK(counter_delta(100, 100, true) == 0, "no growth, no delta");
	TAP_CHECK(counter_delta(500, 40, true) == 40,
		  "counter went backwards (module reload): counts from zero");
	TAP_CHECK(counter_delta(500, 900, false) == 900,
		  "another tenant object: counts from zero");
}

static void test_caps(void)
{
	struct cap conf = { 25 * MS, 100 * MS, 5 * MS }, out;

	budget_effective_cap(&conf, false, BUDGET_THROTTLE, 50000, &out);
	TAP_CHECK(out.quota_ns == 25 * MS && out.period_ns == 100 * MS &&
		  out.burst_ns == 5 * MS, "not exhausted: configured cap");

	budget_effective_cap(&conf, true, BUDGET_THROTTLE, 50000, &out);
	TAP_CHECK(out.quota_ns == 5 * MS && out.period_ns == 100 * MS &&
		  out.burst_ns == 0, "throttle: 5%% floor of the period, no burst");

	budget_effective_cap(&conf, true, BUDGET_THROTTLE, 500000, &out);
	TAP_CHECK(out.quota_ns == 25 * MS,
		  "throttle: a floor above the cap keeps the cap");

	conf.quota_ns = 0;
	conf.burst_ns = 0;
	budget_effective_cap(&conf, true, BUDGET_THROTTLE, 500000, &out);
	TAP_CHECK(out.quota_ns == 50 * MS, "throttle: uncapped tenant gets the floor");

	conf.period_ns = 1 * MS;
	budget_effective_cap(&conf, true, BUDGET_THROTTLE, 1, &out);
	TAP_CHECK(out.quota_ns == CAP_QUOTA_MIN_NS,
		  "throttle: floor never below the kernel's 100 us");

	budget_effective_cap(&conf, true, BUDGET_SUSPEND, 50000, &out);
	TAP_CHECK(out.quota_ns == 100000 && out.period_ns == S && !out.burst_ns,
		  "suspend: 100 us per second");
}

static void test_charge(void)
{
	struct budget_state s = { 0 };
	uint64_t w = 10 * S, t0 = 1000 * S;
	unsigned int f;

	f = budget_charge(&s, t0 + 1 * S, w, 2 * S, 0);
	TAP_CHECK(f == BUDGET_ROLLED && s.window_start_ns == t0,
		  "first charge opens the window");
	f = budget_charge(&s, t0 + 2 * S, w, 2 * S, S);
	TAP_CHECK(f == 0 && s.used_ns == S && !s.exhausted, "1 s of 2 s used");
	f = budget_charge(&s, t0 + 3 * S, w, 2 * S, S);
	TAP_CHECK((f & BUDGET_NOW_EXHAUSTED) && (f & BUDGET_NOTIFY) &&
		  s.exhausted, "reaching the budget exhausts it and notifies");
	f = budget_charge(&s, t0 + 4 * S, w, 2 * S, S / 10);
	TAP_CHECK(f == 0 && s.exhausted && s.used_ns == 2 * S + S / 10,
		  "further use: no second notification");
	f = budget_charge(&s, t0 + 4 * S, w, 5 * S, 0);
	TAP_CHECK((f & BUDGET_NOW_AVAILABLE) && !s.exhausted,
		  "raising the budget makes it available again");
	f = budget_charge(&s, t0 + 4 * S, w, 2 * S, 0);
	TAP_CHECK((f & BUDGET_NOW_EXHAUSTED) && !(f & BUDGET_NOTIFY),
		  "exhausted again in the same window: notified once per window");
	f = budget_charge(&s, t0 + 10 * S, w, 2 * S, S / 2);
	TAP_CHECK((f & BUDGET_ROLLED) && (f & BUDGET_NOW_AVAILABLE) &&
		  s.used_ns == S / 2 && s.window_start_ns == t0 + 10 * S,
		  "new window: usage restarts with this sample's delta");
	f = budget_charge(&s, t0 + 11 * S, w, 0, 100 * S);
	TAP_CHECK(!s.exhausted && !(f & BUDGET_NOW_EXHAUSTED),
		  "no budget: never exhausted");
}

static void test_util(void)
{
	size_t cap = util_ring_capacity(60 * S, S);
	struct util_clock c;
	struct util_hist h, late;
	uint64_t t;

	TAP_CHECK(cap == 63, "ring for 60 s at 1 s holds 63 samples");
	TAP_CHECK(util_clock_init(&c, cap) == 0 && util_hist_init(&h, &c) == 0,
		  "clock and series");
	TAP_CHECK(util_ratio(&h, &c, S) == 0.0, "empty: 0");
	util_clock_tick(&c, 0);
	util_hist_push(&h, &c, 0);
	TAP_CHECK(util_ratio(&h, &c, S) == 0.0, "one sample: 0");

	/* Half an engine for 100 s, sampled every second with jitter. */
	for (t = 1; t <= 100; t++) {
		util_clock_tick(&c, t * S + (t % 3) * MS);
		util_hist_push(&h, &c, t * S / 2);
	}
	TAP_CHECK(fabs(util_ratio(&h, &c, S) - 0.5) < 0.01, "1 s: 0.5 (%f)",
		  util_ratio(&h, &c, S));
	TAP_CHECK(fabs(util_ratio(&h, &c, 10 * S) - 0.5) < 0.01, "10 s: 0.5");
	TAP_CHECK(fabs(util_ratio(&h, &c, 60 * S) - 0.5) < 0.01, "60 s: 0.5");

	/* A series that starts late shares the clock. */
	TAP_CHECK(util_hist_init(&late, &c) == 0, "late series");

	/* Then two engines fully busy for 10 s. */
	for (t = 101; t <= 110; t++) {
		util_clock_tick(&c, t * S);
		util_hist_push(&h, &c, 50 * S + (t - 100) * 2 * S);
		util_hist_push(&late, &c, (t - 101) * S / 4);
	}
	TAP_CHECK(fabs(util_ratio(&h, &c, S) - 2.0) < 0.01,
		  "two busy engines: ratio 2 (%f)", util_ratio(&h, &c, S));
	TAP_CHECK(fabs(util_ratio(&h, &c, 10 * S) - 2.0) < 0.01, "10 s: 2");
	TAP_CHECK(fabs(util_ratio(&h, &c, 60 * S) - (20.0 + 25.0) / 60.0) < 0.01,
		  "60 s mixes both phases (%f)", util_ratio(&h, &c, 60 * S));
	TAP_CHECK(fabs(util_ratio(&late, &c, 60 * S) - 0.25) < 0.01,
		  "less history than the window: ratio over what there is (%f)",
		  util_ratio(&late, &c, 60 * S));
	util_hist_reset(&late);
	TAP_CHECK(util_ratio(&late, &c, S) == 0.0, "reset series: 0");

	/* 32-bit microsecond counters wrap after 71 minutes of engine time. */
	for (t = 111; t <= 115; t++) {
		util_clock_tick(&c, t * S);
		util_hist_push(&late, &c, 4294 * S + (t - 111) * 3 * S / 2);
	}
	TAP_CHECK(fabs(util_ratio(&late, &c, S) - 1.5) < 0.001 &&
		  fabs(util_ratio(&late, &c, 10 * S) - 1.5) < 0.001,
		  "ratio right across the wrap of the 32-bit counter (%f)",
		  util_ratio(&late, &c, 10 * S));
	util_hist_done(&late);
	util_hist_done(&h);
	util_clock_done(&c);
}

int main(void)
{
	TAP_PLAN_START();
	test_windows();
	test_delta();
	test_caps();
	test_charge();
	test_util();
	return TAP_DONE();
}
