/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libaccelq-bpf: load, attach and read the accelq BPF collectors.
 * Used by accelqd and accelq-top. All functions return 0 or a negative
 * errno unless stated otherwise. A collector is not thread-safe: use it
 * from one thread at a time. Link with $(pkg-config --libs libbpf).
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef LIBACCELQ_BPF_H
#define LIBACCELQ_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accelq_bpf.h"

#define ACCELQ_BPF_PIN_DIR	"/sys/fs/bpf/accelq"

/* accelq_collector_opts.flags */
#define ACCELQ_COLLECTOR_NO_ATTACH	(1u << 0) /* load only (tests, PROG_TEST_RUN) */
#define ACCELQ_COLLECTOR_NO_EVENTS	(1u << 1) /* no ring buffer records */
#define ACCELQ_COLLECTOR_UNPIN_ON_CLOSE	(1u << 2) /* close() also unpins */
/*
 * Also attach accelq_job_submit, to count usage.submitted: a second program
 * run per job, which costs about as much as the first (docs/bpf.md). The
 * kernel counts accepted jobs anyway (ACCELQ_A_STATS_JOBS_ACCEPTED).
 */
#define ACCELQ_COLLECTOR_SUBMITTED	(1u << 3)

struct accelq_collector;

struct accelq_collector_opts {
	size_t sz;			/* sizeof(struct accelq_collector_opts) */
	/*
	 * {tenant, engine} usage slots (rounded up to a power of 2) and
	 * entries of the throttle (tenant) map; 0 = 4096. Preallocated:
	 * max_entries * 720 bytes per possible CPU.
	 */
	uint32_t max_entries;
	const char *pin_dir;		/* NULL = ACCELQ_BPF_PIN_DIR; "" = no pinning */
	int verbose;			/* libbpf debug output to stderr */
	/* since v1 of this library: */
	uint32_t flags;			/* ACCELQ_COLLECTOR_* */
	uint32_t ringbuf_size;		/* bytes, power of 2 >= page; 0 = 256 KiB */
	/*
	 * If set, libbpf's messages during open (warnings, the verifier log
	 * of a rejected program, with verbose also debug) are appended here,
	 * NUL-terminated, truncated to log_size.
	 */
	char *log_buf;
	size_t log_size;
};

/* One tenant's totals over engines and CPUs. */
struct accelq_tenant_usage {
	uint32_t tenant;
	uint64_t busy_ns;
	uint64_t *engine_busy_ns;	/* nr_engines entries, owned by the snapshot */
	uint64_t jobs[ACCELQ_BPF_ST_MAX];
	uint64_t submitted;		/* 0 unless ACCELQ_COLLECTOR_SUBMITTED */
	uint64_t preemptions;
	uint64_t ticks;
	uint64_t wait_ns_sum;
	uint64_t wait_hist[ACCELQ_BPF_HIST_BUCKETS];
	uint64_t run_hist[ACCELQ_BPF_HIST_BUCKETS];
	uint64_t nr_throttled;
	uint64_t nr_unthrottled;
	uint64_t throttled_ns;
	bool throttled;			/* throttled right now */
};

struct accelq_snapshot {
	uint64_t taken_ns;		/* CLOCK_MONOTONIC */
	uint32_t nr_engines;		/* highest engine id seen + 1 (at most 1024) */
	size_t nr_tenants;
	struct accelq_tenant_usage *tenants;	/* sorted by tenant id */
	uint64_t lost[ACCELQ_BPF_LOST_MAX];
	/* runs the kernel skipped (prog recursion); 0 when opened pinned */
	uint64_t prog_misses;
	int nr_cpus;			/* possible CPUs summed over */
};

/*
 * Open, set map sizes and tunables, load, attach (unless NO_ATTACH) and pin
 * (when pin_dir != ""). Maps already pinned in pin_dir are reused, so the
 * counters continue across restarts; a pinned map of another layout is
 * replaced. Only one collector may use a pin directory at a time (-EBUSY).
 * opts may be NULL.
 */
int accelq_collector_open(const struct accelq_collector_opts *opts,
			  struct accelq_collector **out);
/*
 * Read-only access to the maps pinned by another collector (the daemon):
 * no programs. pin_dir NULL = ACCELQ_BPF_PIN_DIR.
 */
int accelq_collector_open_pinned(const char *pin_dir,
				 struct accelq_collector **out);
/* Detach and free; pinned maps stay unless UNPIN_ON_CLOSE. NULL is fine. */
void accelq_collector_close(struct accelq_collector *c);
/* Remove the pins (the maps live on while open); the pin dir if empty. */
int accelq_collector_unpin(struct accelq_collector *c);

/* Read every map into a snapshot; free with accelq_snapshot_free(). */
int accelq_collector_snapshot(struct accelq_collector *c,
			      struct accelq_snapshot *snap);
void accelq_snapshot_free(struct accelq_snapshot *snap);
/* The entry of @tenant in @snap, or NULL. */
const struct accelq_tenant_usage *
accelq_snapshot_tenant(const struct accelq_snapshot *snap, uint32_t tenant);

/* Forget a tenant's entries (after it was deleted). */
int accelq_collector_forget_tenant(struct accelq_collector *c, uint32_t tenant);

/*
 * Ring buffer of struct accelq_bpf_event: an fd to poll (epoll) and a
 * consumer. consume() calls fn for each available record and returns the
 * number of records consumed, or fn's negative return value, which stops it.
 */
typedef int (*accelq_event_fn)(void *ctx, const struct accelq_bpf_event *ev);
int accelq_collector_events_fd(struct accelq_collector *c);
int accelq_collector_events_consume(struct accelq_collector *c,
				    accelq_event_fn fn, void *ctx);

/*
 * The fd of the program attached to @tracepoint ("accelq_job_end"), for
 * BPF_PROG_TEST_RUN; -ENOENT if none (or opened pinned).
 */
int accelq_collector_prog_fd(struct accelq_collector *c, const char *tracepoint);
/* The fd of map @name (ACCELQ_BPF_MAP_*), or -ENOENT. */
int accelq_collector_map_fd(struct accelq_collector *c, const char *name);

/*
 * The value below which a fraction q (0..1) of a log2 histogram's samples
 * lie, as the upper edge 2^(i+1) of the bucket holding that quantile; 0 for
 * an empty histogram.
 */
uint64_t accelq_hist_quantile(const uint64_t *hist, double q);

#endif /* LIBACCELQ_BPF_H */
