/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelqd - budget windows, cap selection and utilization arithmetic.
 *
 * Pure functions of their arguments (no clock, no I/O), unit-tested on the
 * host (tests/daemon/unit/test_budget.c).
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQD_BUDGET_H
#define ACCELQD_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* The kernel's smallest cap: what "suspend" puts in force. */
#define SUSPEND_QUOTA_NS	100000ULL	/* 100 us ... */
#define SUSPEND_PERIOD_NS	1000000000ULL	/* ... per second */
#define CAP_QUOTA_MIN_NS	100000ULL

/*
 * Budget windows are fixed intervals aligned to the Unix epoch (UTC): an
 * hour window starts on the full hour, a day window at 00:00 UTC, a 600s
 * window at every multiple of 600 s since 1970. A restart or a reload with
 * the same length keeps the window; nothing depends on when the daemon
 * started.
 */
uint64_t budget_window_start(uint64_t now_realtime_ns, uint64_t window_ns);

/* Growth of a kernel counter since @prev; a reset (a new tenant object
 * with the same name, a module reload) counts from zero. */
uint64_t counter_delta(uint64_t prev, uint64_t cur, bool same_object);

struct cap {
	uint64_t quota_ns;	/* 0 = no cap */
	uint64_t period_ns;
	uint64_t burst_ns;
};

/*
 * The cap to put in force. Not exhausted: the configured one. Exhausted
 * with BUDGET_THROTTLE: floor_ppm of one engine over the configured period
 * (at least the kernel's 100 us, never above the configured cap), no burst.
 * Exhausted with BUDGET_SUSPEND: 100 us per second, the smallest cap the
 * kernel accepts (0.01% of one engine: work still trickles, see
 * docs/daemon.md).
 */
void budget_effective_cap(const struct cap *configured, bool exhausted,
			  enum budget_action action, uint32_t floor_ppm,
			  struct cap *out);

struct budget_state {
	uint64_t window_start_ns;	/* CLOCK_REALTIME */
	uint64_t used_ns;		/* engine time in this window */
	bool exhausted;
	bool notified;			/* QuotaExceeded sent in this window */
};

enum {
	BUDGET_ROLLED = 1 << 0,		/* a new window began */
	BUDGET_NOW_EXHAUSTED = 1 << 1,	/* crossed the budget */
	BUDGET_NOW_AVAILABLE = 1 << 2,	/* exhausted -> not (roll, raise) */
	BUDGET_NOTIFY = 1 << 3,		/* send QuotaExceeded now */
};

/*
 * Charge @delta_ns at wall time @now_ns: roll the window first if @now_ns
 * is past it (the delta goes to the new window), then add, then compare
 * with @budget_ns (0 = no budget, never exhausted). Returns BUDGET_* bits.
 */
unsigned int budget_charge(struct budget_state *s, uint64_t now_ns,
			   uint64_t window_ns, uint64_t budget_ns,
			   uint64_t delta_ns);

/* ------------------------------------------------------- utilization -- */

/*
 * Every tenant is sampled at the same instants, so the sample times live
 * once, in a util_clock, and each tenant keeps only its cumulative busy
 * time per sample in a util_hist of the same capacity (8 bytes a sample).
 */
struct util_clock {
	uint64_t *t_ns;		/* CLOCK_MONOTONIC per slot */
	size_t cap;
	size_t head;		/* slot of the newest sample */
	size_t len;		/* samples taken, at most cap */
};

/*
 * Cumulative engine time per slot in microseconds, modulo 2^32: only
 * differences within the longest window are used, and those stay below
 * 2^32 us (71 minutes, more than 64 engines for 60 s). Half the memory of
 * full counters, which matters at thousands of tenants.
 */
struct util_hist {
	uint32_t *busy_us;
	size_t len;		/* samples of this series, at most clock len */
};

/* Capacity for windows up to @max_window_ns sampled every @interval_ns. */
size_t util_ring_capacity(uint64_t max_window_ns, uint64_t interval_ns);

int util_clock_init(struct util_clock *c, size_t cap);
void util_clock_done(struct util_clock *c);
/* Start a new sample at @t_ns; then push every series once. */
void util_clock_tick(struct util_clock *c, uint64_t t_ns);

int util_hist_init(struct util_hist *h, const struct util_clock *c);
void util_hist_done(struct util_hist *h);
void util_hist_reset(struct util_hist *h);
void util_hist_push(struct util_hist *h, const struct util_clock *c,
		    uint64_t busy_ns);

/*
 * Busy time over wall time across (about) the last @window_ns: from the
 * sample whose age is closest to @window_ns up to the newest one. With less
 * history the span is shorter. One engine fully busy is 1.0; a tenant on
 * several engines can reach the number of engines. 0 with < 2 samples.
 */
double util_ratio(const struct util_hist *h, const struct util_clock *c,
		  uint64_t window_ns);

#endif /* ACCELQD_BUDGET_H */
