/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelqd - the BPF collectors (bpf/libaccelq-bpf), optional at run time.
 *
 * The daemon's budgets and counters come from the kernel's own netlink
 * counters; the collectors add what only tracepoints see: the log2 wait
 * histograms and the drop counters. Built without the library (bpf/ not
 * built), every call fails with -EOPNOTSUPP and the daemon says so.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQD_COLLECTOR_H
#define ACCELQD_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accelq_bpf.h"

struct collector;

struct collector_tenant {
	uint32_t tenant;
	uint64_t wait_ns_sum;
	uint64_t wait_hist[ACCELQ_BPF_HIST_BUCKETS];
};

struct collector_sample {
	size_t n_tenants;
	struct collector_tenant *tenants;	/* sorted by tenant id */
	uint64_t lost[ACCELQ_BPF_LOST_MAX];
};

bool collector_available(void);
int collector_open(struct collector **ret);
void collector_close(struct collector *c);
int collector_sample(struct collector *c, struct collector_sample *s);
void collector_sample_done(struct collector_sample *s);
const struct collector_tenant *collector_sample_find(
		const struct collector_sample *s, uint32_t tenant);
void collector_forget(struct collector *c, uint32_t tenant);

#endif /* ACCELQD_COLLECTOR_H */
