// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqd - budget windows, cap selection and utilization arithmetic.
 *
 * Copyright (C) 2026 The accelq authors
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"

uint64_t budget_window_start(uint64_t now_realtime_ns, uint64_t window_ns)
{
	if (!window_ns)
		return 0;
	return now_realtime_ns - now_realtime_ns % window_ns;
}

uint64_t counter_delta(uint64_t prev, uint64_t cur, bool same_object)
{
	if (!same_object || cur < prev)
		return cur;
	return cur - prev;
}

void budget_effective_cap(const struct cap *configured, bool exhausted,
			  enum budget_action action, uint32_t floor_ppm,
			  struct cap *out)
{
	uint64_t q;

	*out = *configured;
	if (!exhausted)
		return;

	if (action == BUDGET_SUSPEND) {
		out->quota_ns = SUSPEND_QUOTA_NS;
		out->period_ns = SUSPEND_PERIOD_NS;
		out->burst_ns = 0;
		return;
	}

	/* period <= 1 s and ppm <= 1e6: no overflow. */
	q = configured->period_ns * floor_ppm / 1000000;
	if (q < CAP_QUOTA_MIN_NS)
		q = CAP_QUOTA_MIN_NS;
	if (configured->quota_ns && configured->quota_ns < q)
		q = configured->quota_ns;
	out->quota_ns = q;
	out->burst_ns = 0;
}

unsigned int budget_charge(struct budget_state *s, uint64_t now_ns,
			   uint64_t window_ns, uint64_t budget_ns,
			   uint64_t delta_ns)
{
	uint64_t start = budget_window_start(now_ns, window_ns);
	bool was = s->exhausted;
	unsigned int ret = 0;

	if (start != s->window_start_ns) {
		s->window_start_ns = start;
		s->used_ns = 0;
		s->exhausted = false;
		s->notified = false;
		ret |= BUDGET_ROLLED;
	}

	if (s->used_ns > UINT64_MAX - delta_ns)
		s->used_ns = UINT64_MAX;
	else
		s->used_ns += delta_ns;

	s->exhausted = budget_ns && s->used_ns >= budget_ns;
	if (s->exhausted && !was)
		ret |= BUDGET_NOW_EXHAUSTED;
	if (!s->exhausted && was)
		ret |= BUDGET_NOW_AVAILABLE;
	if (s->exhausted && !s->notified) {
		s->notified = true;
		ret |= BUDGET_NOTIFY;
	}
	return ret;
}

size_t util_ring_capacity(uint64_t max_window_ns, uint64_t interval_ns)
{
	if (!interval_ns)
		interval_ns = 1;
	/* One more for the far edge, one for jitter, one for the newest. */
	return (size_t)(max_window_ns / interval_ns) + 3;
}

int util_clock_init(struct util_clock *c, size_t cap)
{
	memset(c, 0, sizeof(*c));
	if (cap < 2)
		cap = 2;
	c->t_ns = calloc(cap, sizeof(*c->t_ns));
	if (!c->t_ns)
		return -ENOMEM;
	c->cap = cap;
	c->head = cap - 1;
	return 0;
}

void util_clock_done(struct util_clock *c)
{
	free(c->t_ns);
	memset(c, 0, sizeof(*c));
}

void util_clock_tick(struct util_clock *c, uint64_t t_ns)
{
	if (!c->cap)
		return;
	c->head = (c->head + 1) % c->cap;
	c->t_ns[c->head] = t_ns;
	if (c->len < c->cap)
		c->len++;
}

int util_hist_init(struct util_hist *h, const struct util_clock *c)
{
	memset(h, 0, sizeof(*h));
	h->busy_us = calloc(c->cap ?: 1, sizeof(*h->busy_us));
	return h->busy_us ? 0 : -ENOMEM;
}

void util_hist_done(struct util_hist *h)
{
	free(h->busy_us);
	memset(h, 0, sizeof(*h));
}

void util_hist_reset(struct util_hist *h)
{
	h->len = 0;
}

void util_hist_push(struct util_hist *h, const struct util_clock *c,
		    uint64_t busy_ns)
{
	if (!h->busy_us || !c->cap)
		return;
	h->busy_us[c->head] = (uint32_t)(busy_ns / 1000);
	if (h->len < c->len)
		h->len++;
}

double util_ratio(const struct util_hist *h, const struct util_clock *c,
		  uint64_t window_ns)
{
	uint64_t best_err = UINT64_MAX, t_new, t_best = 0;
	uint32_t b_new, b_best = 0;
	size_t i, len = h->len < c->len ? h->len : c->len;

	if (len < 2 || !h->busy_us)
		return 0.0;
	t_new = c->t_ns[c->head];
	b_new = h->busy_us[c->head];
	for (i = 1; i < len; i++) {
		size_t slot = (c->head + c->cap - i) % c->cap;
		uint64_t age = t_new - c->t_ns[slot];
		uint64_t err = age > window_ns ? age - window_ns : window_ns - age;

		if (err < best_err) {
			best_err = err;
			t_best = c->t_ns[slot];
			b_best = h->busy_us[slot];
		}
		if (age > window_ns)
			break;	/* older ones only get further away */
	}
	if (t_new <= t_best)
		return 0.0;
	/* Modular difference: right across a wrap of the 32-bit counter. */
	return (double)(uint32_t)(b_new - b_best) * 1000.0 /
	       (double)(t_new - t_best);
}
