/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelqd - Prometheus metrics: snapshot, rendering and the HTTP endpoint.
 *
 * After each sample the main loop publishes a compact, self-contained
 * snapshot of the numbers (names copied, no pointers into daemon state).
 * The libmicrohttpd thread renders it to the text format when a scraper
 * asks (once per snapshot, shared by concurrent scrapes) and serves it. So
 * the main loop never formats text nobody reads, a slow or stalled scraper
 * never blocks D-Bus or enforcement, and a scrape never touches live state.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQD_METRICS_H
#define ACCELQD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accelq_bpf.h"

enum {
	METRICS_JOB_OK,
	METRICS_JOB_CANCELED,
	METRICS_JOB_TIMEDOUT,
	METRICS_JOB_IO,
	_METRICS_JOB_MAX,
};

#define METRICS_HIST_BUCKETS	ACCELQ_BPF_HIST_BUCKETS
#define METRICS_LOST_MAX	ACCELQ_BPF_LOST_MAX

struct metrics_tenant {
	const char *name;
	/* Has had a job: its usage series are exported (else only budget). */
	bool used;
	uint32_t n_engines;		/* entries of engine_busy_ns */
	const uint64_t *engine_busy_ns;	/* index = engine id */
	uint64_t jobs[_METRICS_JOB_MAX];
	uint64_t nr_throttled;
	uint64_t throttled_ns;
	double util[3];			/* 1 s, 10 s, 60 s */
	bool has_budget;
	uint64_t budget_ns;
	uint64_t budget_used_ns;
	bool exhausted;
	bool has_wait_hist;		/* from BPF */
	const uint64_t *wait_hist;	/* METRICS_HIST_BUCKETS log2(ns) slots */
	uint64_t wait_ns_sum;
};

struct metrics_engine {
	uint32_t id;
	uint64_t busy_ns;
	double util;			/* over the last 10 s */
};

struct metrics_snapshot {
	const char *version;
	bool module_loaded;
	struct metrics_tenant *tenants;
	size_t n_tenants;
	struct metrics_engine *engines;
	size_t n_engines;
	bool bpf;
	uint64_t bpf_lost[METRICS_LOST_MAX];
};

/*
 * One allocation holding the snapshot, room for @n_tenants tenants and
 * @n_engines engines, and @arena bytes for metrics_snapshot_alloc() (names,
 * arrays). Free with metrics_snapshot_free().
 */
struct metrics_snapshot *metrics_snapshot_new(size_t n_tenants,
					      size_t n_engines, size_t arena);
/* @size bytes (8-aligned) of the arena, NULL when it is used up. */
void *metrics_snapshot_alloc(struct metrics_snapshot *s, size_t size);
char *metrics_snapshot_strdup(struct metrics_snapshot *s, const char *str);
void metrics_snapshot_free(struct metrics_snapshot *s);

/*
 * Render @s in the Prometheus text format 0.0.4, ending with
 * accelq_scrape_duration_seconds (the time this rendering took).
 * *@buf is malloc()ed.
 */
int metrics_render(const struct metrics_snapshot *s, char **buf, size_t *len);

/* Upper bound, in ns, of log2 histogram slot @i (slot i holds values in
 * [2^i, 2^(i+1)), slot 0 also 0 and 1); the last slot is open (+Inf). */
uint64_t metrics_hist_upper_ns(unsigned int i);

struct metrics_server;

/* Listen on "ADDR:PORT"; serve GET /metrics from the published buffer. */
int metrics_server_start(const char *listen, struct metrics_server **ret);
void metrics_server_stop(struct metrics_server *m);
/* Replace the served snapshot; takes ownership of @s. */
void metrics_server_publish(struct metrics_server *m,
			    struct metrics_snapshot *s);

#endif /* ACCELQD_METRICS_H */
