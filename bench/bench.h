/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq benchmarks: shared helpers (device, tenants over netlink, worker
 * processes, statistics, environment, JSON results).
 *
 * Copyright (C) 2026 The accelq authors
 *
 * Every benchmark reports ratios against a baseline measured in the same
 * run: the guest runs under QEMU (often TCG emulation), so absolute times
 * say nothing about real hardware. Absolute numbers only appear in the JSON
 * "raw" sections, for diagnosis.
 */
#ifndef ACCELQ_BENCH_H
#define ACCELQ_BENCH_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <linux/accelq.h>

#define NS_PER_US	1000ULL
#define NS_PER_MS	1000000ULL
#define NS_PER_SEC	1000000000ULL

#define AQ_DEV		"/dev/accelq"
#define STALL_NS	(2 * NS_PER_MS)
#define AQ_REC		sizeof(struct accelq_completion)

/* ------------------------------------------------------------ general -- */

extern const char *bench_prog;
extern bool bench_smoke;

void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t now_ns(void);
void sleep_ns(uint64_t ns);
void sleep_until_ns(uint64_t t);
void *xcalloc(size_t n, size_t size);
/* Anonymous shared memory, visible to forked children. */
void *shm_alloc(size_t size);
void pin_cpu(int cpu);

/* ------------------------------------------------------------- device -- */

int aq_open(void);
void aq_get_info(int fd, struct accelq_info *info);
/* QUEUE_CREATE; returns the queue id or dies. */
uint32_t aq_queue(int fd, uint32_t engine, uint32_t class, uint32_t depth);
/* QUEUE_CREATE; 0 or -errno. */
int aq_queue_try(int fd, uint32_t engine, uint32_t class, uint32_t depth,
		 uint32_t *qid);
/* SUBMIT: accepted count (>= 1) or -errno. */
int aq_submit(int fd, uint32_t qid, const struct accelq_job *jobs, uint32_t n);
void aq_jobs_fill(struct accelq_job *jobs, uint32_t n, uint64_t cost_ns,
		  uint32_t flags);
/* read() records: number read or -errno. */
int aq_read(int fd, struct accelq_completion *c, uint32_t max);
/* Read exactly @n records (blocking reads), dies on error. */
void aq_read_n(int fd, struct accelq_completion *c, uint32_t n);
uint64_t aq_param(const char *name);

/* ------------------------------------------------- netlink (tenants) -- */

struct aq_tenant_cfg {
	uint32_t weight;		/* 0 = default */
	uint64_t cap_quota_ns;		/* 0 = none */
	uint64_t cap_period_ns;		/* 0 = default */
	uint32_t classes;		/* 0 = default (all) */
};

struct aq_tenant_stats {
	uint64_t busy_ns;
	uint64_t jobs_ok;
	uint64_t wait_ns;
	uint64_t preemptions;
	uint64_t nr_periods;
	uint64_t nr_throttled;
	uint64_t throttled_ns;
};

void nl_init(void);
void nl_fini(void);
/* TENANT_NEW matching @uid: tenant id, or -errno. */
int nl_tenant_new(const char *name, uint32_t uid,
		  const struct aq_tenant_cfg *cfg);
/* TENANT_DEL with ACCELQ_TENANT_DEL_FORCE (its queues are destroyed). */
int nl_tenant_del(uint32_t id);
/* TENANT_DEL without force: -EBUSY while the tenant has queues. */
int nl_tenant_del_noforce(uint32_t id);
int nl_tenant_stats(uint32_t id, struct aq_tenant_stats *st);
/* ENGINE_RESET: 0 or -errno. */
int nl_engine_reset(uint32_t engine);

/* ------------------------------------------------------------ workers -- */

/*
 * A worker is a forked child that becomes @uid (setresuid: the tenant that
 * matches the uid gets its work), runs @fn and exits. *stop in shared
 * memory ends it.
 */
struct worker {
	pid_t pid;
	int ready_fd;			/* parent side of the ready pipe */
};

typedef void (*worker_fn)(void *arg, volatile int *stop, int ready_fd);

void worker_start(struct worker *w, uint32_t uid, worker_fn fn, void *arg,
		  volatile int *stop);
/* Wait until the worker wrote its ready byte (dies after 30 s). */
void worker_wait_ready(struct worker *w);
void worker_signal_ready(int ready_fd);
/* Wait for the worker; dies if it failed. */
void worker_join(struct worker *w);

/*
 * Saturating worker: one queue on @engine of @class, kept @depth jobs of
 * @cost_ns (@flags) deep; poll() + read() the completions, refill.
 */
struct saturate_arg {
	uint32_t engine;
	uint32_t class;
	uint32_t depth;
	uint64_t cost_ns;
	uint32_t job_flags;
	volatile uint64_t *completed;	/* shared counter, may be NULL */
	/*
	 * shared counter, may be NULL: engine time charged beyond the cost
	 * of jobs that overran it by more than STALL_NS (sum of run_ns -
	 * cost_ns): a simulated engine's job is charged wall time, so when
	 * the host deschedules the guest's vCPU the job "runs" that long
	 */
	volatile uint64_t *excess_ns;
};

void saturate_worker(void *arg, volatile int *stop, int ready_fd);

/*
 * Sample the busy counters of @n tenants @count + 1 times, every
 * @interval_ns (absolute deadlines): busy[k * n + i] and t[k], k = 0..count;
 * throttled (may be NULL) likewise gets throttled_ns.
 */
void sample_busy(const uint32_t *ids, int n, uint64_t interval_ns, int count,
		 uint64_t *busy, uint64_t *t, uint64_t *throttled);
/* The same, also sampling @n shared counters @extra into @extra_out. */
void sample_busy_x(const uint32_t *ids, int n, uint64_t interval_ns,
		   int count, uint64_t *busy, uint64_t *t, uint64_t *throttled,
		   volatile uint64_t *const *extra, uint64_t *extra_out);

/* A data file next to the JSON result: OUT minus ".json" plus SUFFIX. */
FILE *data_open(const char *out, const char *suffix);

/*
 * io_uring NOPs per second: @batch NOP SQEs, io_uring_submit_and_wait(batch),
 * reap the CQEs, for @dur_ns (P1's baseline, and a speed reference that
 * tracks how fast the emulated machine runs at the moment).
 */
double uring_nop_rate(uint32_t batch, uint64_t dur_ns);

/* ---------------------------------------------------------- statistics -- */

struct summary {
	double min, median, max, mean;
	size_t n;
};

int cmp_double(const void *a, const void *b);
int cmp_u64(const void *a, const void *b);
struct summary summarize(const double *v, size_t n);
/* Percentile (0..100) of sorted values, nearest-rank. */
double pct_sorted_u64(const uint64_t *sorted, size_t n, double p);

/* --------------------------------------------------------------- JSON -- */

/*
 * A small streaming JSON writer: objects and arrays are opened and closed
 * explicitly; commas are handled.
 */
struct json {
	FILE *f;
	int depth;
	bool first[32];
};

struct json *json_open(const char *path);
void json_close(struct json *j);
void json_obj(struct json *j, const char *key);	/* key NULL inside arrays */
void json_obj_end(struct json *j);
void json_arr(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_num(struct json *j, const char *key, double v);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_str(struct json *j, const char *key, const char *s);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_summary(struct json *j, const char *key, struct summary s);
void json_darray(struct json *j, const char *key, const double *v, size_t n);

/*
 * The common head of a benchmark's result file: id, title, method,
 * environment, whether it ran in smoke mode.
 */
void json_bench_head(struct json *j, const char *id, const char *title,
		     const char *method);
/*
 * One reported figure: a ratio (or share error, ...) with min/median/max
 * over repetitions (or windows), the goal and whether it is met.
 *   goal_op: ">=" or "<=", NULL = no goal;
 *   goal_stat: which of "min", "median", "max" is compared with the goal.
 * Returns whether the goal is met (true without a goal).
 */
bool json_result(struct json *j, const char *name, const char *unit,
		 struct summary s, const char *goal_op, double goal,
		 const char *goal_stat, const char *meaning);

/* Environment, printed as "# env: ..." lines and put in JSON. */
void env_print(FILE *f);
void env_json(struct json *j);

/*
 * Parse the common options: -o FILE (JSON result, default stdout-less
 * /dev/null), --smoke (a tiny run). Returns the output path.
 */
const char *bench_args(int argc, char **argv);

#endif /* ACCELQ_BENCH_H */
