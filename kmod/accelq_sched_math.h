/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - scheduling arithmetic, free of kernel dependencies so that the
 * host-side unit tests compile the very same code (tests/unit/).
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef __ACCELQ_SCHED_MATH_H__
#define __ACCELQ_SCHED_MATH_H__

#ifdef __KERNEL__
#include <linux/math64.h>
#include <linux/types.h>
#define accelq_mul_div(a, mul, div)	mul_u64_u32_div(a, mul, div)
#else
#include <stdbool.h>
#include <linux/types.h>
typedef __u64 u64;
typedef __s64 s64;
typedef __u32 u32;
static inline u64 accelq_mul_div(u64 a, u32 mul, u32 div)
{
	return (u64)(((__uint128_t)a * mul) / div);
}
#endif

#define ACCELQ_WEIGHT_MIN	1
#define ACCELQ_WEIGHT_DEFAULT	100
#define ACCELQ_WEIGHT_MAX	10000

/*
 * Virtual time advances by run time scaled by DEFAULT/weight, so a tenant of
 * weight 200 ages half as fast as one of weight 100. It is a free-running
 * u64: at weight 1 it advances 100 ns per ns of engine time and wraps after
 * about 5.8 years of one tenant's engine time, so every comparison is made on
 * the signed difference, which stays correct across the wrap as long as two
 * live entities are less than 2^63 apart (they are kept within one clamp of
 * the engine's minimum).
 */
static inline u64 accelq_vtime_delta(u64 run_ns, u32 weight)
{
	if (weight < ACCELQ_WEIGHT_MIN)
		weight = ACCELQ_WEIGHT_MIN;
	return accelq_mul_div(run_ns, ACCELQ_WEIGHT_DEFAULT, weight);
}

static inline bool accelq_vtime_before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

static inline u64 accelq_vtime_max(u64 a, u64 b)
{
	return accelq_vtime_before(a, b) ? b : a;
}

/*
 * An entity waking up after idling resumes no earlier than the engine's
 * floor: it does not bank credit for the time it had nothing to run.
 */
static inline u64 accelq_vtime_wake(u64 vtime, u64 min_vtime)
{
	return accelq_vtime_max(vtime, min_vtime);
}

/*
 * Hard cap bookkeeping, as cpu.max with cpu.max.burst: each period grants
 * @quota ns; unused runtime carries over up to @burst extra; overrun (a job
 * that ran past the quota before it could be stopped) is debt repaid from the
 * next grants, so the long-run share never exceeds quota/period.
 * @runtime is the signed runtime left in the current period.
 */
static inline s64 accelq_cap_refill(s64 runtime, u64 quota, u64 burst)
{
	s64 limit = (s64)(quota + burst);
	s64 r = runtime + (s64)quota;

	return r > limit ? limit : r;
}

/* Debt saturates at -2^62 ns (146 years): never wraps. */
#define ACCELQ_CAP_DEBT_MIN	(-(s64)(1ULL << 62))

static inline s64 accelq_cap_charge(s64 runtime, u64 run_ns)
{
	/* runtime is at least ACCELQ_CAP_DEBT_MIN and at most quota + burst. */
	if (run_ns > (u64)(runtime - ACCELQ_CAP_DEBT_MIN))
		return ACCELQ_CAP_DEBT_MIN;
	return runtime - (s64)run_ns;
}

#endif /* __ACCELQ_SCHED_MATH_H__ */
