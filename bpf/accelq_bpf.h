/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq BPF collectors: types shared by the BPF programs (accelq.bpf.c)
 * and userspace (libaccelq-bpf). Plain C, fixed-width, no kernel headers
 * beyond <linux/types.h>. See docs/bpf.md.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQ_BPF_H
#define ACCELQ_BPF_H

#include <linux/types.h>

#define ACCELQ_BPF_HIST_BUCKETS	40	/* log2(ns) buckets: 1 ns .. ~18 min */
#define ACCELQ_BPF_MAX_ENGINES	1024	/* usage of higher engine ids is lost */
#define ACCELQ_BPF_SLOT_PROBES	8	/* slots tried per {tenant, engine} */

/* Map names: also the file names under the pin directory. */
#define ACCELQ_BPF_MAP_USAGE	"usage"
#define ACCELQ_BPF_MAP_SLOTS	"slots"
#define ACCELQ_BPF_MAP_THROTTLE	"throttle"
#define ACCELQ_BPF_MAP_LOST	"lost"
#define ACCELQ_BPF_MAP_EVENTS	"events"

/* Final job status, from the errno of accelq_job_end. */
enum accelq_bpf_status {
	ACCELQ_BPF_ST_OK,		/* 0 */
	ACCELQ_BPF_ST_CANCELED,		/* -ECANCELED */
	ACCELQ_BPF_ST_TIMEDOUT,		/* -ETIMEDOUT */
	ACCELQ_BPF_ST_IO,		/* -EIO */
	ACCELQ_BPF_ST_OTHER,		/* anything else (the kernel counts it as io) */
	ACCELQ_BPF_ST_MAX,
};

/* A {tenant, engine} pair, whose usage is counted in a slot. */
struct accelq_bpf_key {
	__u32 tenant;
	__u32 engine;
};

/*
 * Owner of usage slot i (value i of the "slots" array; the counters are
 * value i of the per-CPU "usage" array). All zero: free. A program claims
 * a free slot with one compare-and-swap of the whole 8 bytes, so one slot
 * has one owner on every CPU. The slots of a pair are tried from
 * hash(tenant, engine) on, ACCELQ_BPF_SLOT_PROBES of them (see
 * docs/bpf.md); a pair may own more than one (readers add them up).
 */
struct accelq_bpf_slot {
	__u32 tenant;
	__u16 engine;
	__u16 used;			/* 1: owned by {tenant, engine} */
};

/*
 * Value of the usage array (per-CPU; userspace sums over possible CPUs).
 * busy_ns sums run_ns of job_end, job_preempt and job_tick: the engine time
 * of every stint, so it equals the kernel's own per-tenant busy counter.
 * wait_ns_sum and wait_hist count each job once, at its end, with the wait
 * from acceptance to first start (jobs that never started are left out of
 * wait_hist); run_hist holds each job's whole engine time, at its end.
 * Bucket i of a histogram holds values v with floor(log2(v)) == i (v = 0
 * goes to bucket 0, values beyond the last bucket to the last one).
 */
struct accelq_bpf_usage {
	__u64 busy_ns;
	__u64 jobs[ACCELQ_BPF_ST_MAX];
	__u64 submitted;		/* only with ACCELQ_COLLECTOR_SUBMITTED */
	__u64 preemptions;
	__u64 ticks;			/* timeslice renewals */
	__u64 wait_ns_sum;
	__u64 wait_hist[ACCELQ_BPF_HIST_BUCKETS];
	__u64 run_hist[ACCELQ_BPF_HIST_BUCKETS];
};

/*
 * Per-tenant throttling counters (per-CPU), keyed by __u32 tenant id.
 * The tenant is throttled right now when nr_throttled > nr_unthrottled.
 */
struct accelq_bpf_throttle {
	__u64 nr_throttled;		/* throttle begins (kernel nr_throttled) */
	__u64 nr_unthrottled;		/* throttle ends */
	__u64 throttled_ns;		/* sum of ended throttled intervals */
};

enum accelq_bpf_event_type {
	ACCELQ_BPF_EV_TIMEOUT = 1,	/* job hung, engine reset */
	ACCELQ_BPF_EV_RESET,		/* administrator engine reset */
	ACCELQ_BPF_EV_BAN,		/* tenant banned (value=1) or cleared (0) */
	ACCELQ_BPF_EV_THROTTLE,		/* throttled (value=1) or refilled (0) */
};

#define ACCELQ_BPF_NO_ENGINE	0xffffffffu

/* Ring buffer record. */
struct accelq_bpf_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns(), CLOCK_MONOTONIC */
	__u32 type;		/* enum accelq_bpf_event_type */
	__u32 tenant;
	__u32 engine;		/* ACCELQ_BPF_NO_ENGINE for ban, throttle */
	__u32 queue;		/* the job's queue for timeout, reset; else 0 */
	__u32 value;		/* ban, throttle: 1 on, 0 off; else 0 */
	__u32 pad;
	__u64 arg;		/* seqno, throttled_ns or guilty count */
};

/* Indexes of the per-CPU "lost" counter array. */
enum accelq_bpf_lost {
	ACCELQ_BPF_LOST_USAGE,		/* no usage slot free for the pair */
	ACCELQ_BPF_LOST_THROTTLE,	/* throttle map full */
	ACCELQ_BPF_LOST_EVENTS,		/* ring buffer full */
	ACCELQ_BPF_LOST_MAX,
};

#endif /* ACCELQ_BPF_H */
