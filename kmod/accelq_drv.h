/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - device-wide state and module parameters.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef __ACCELQ_DRV_H__
#define __ACCELQ_DRV_H__

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <linux/xarray.h>

#define ACCELQ_MAX_ENGINES	64
#define ACCELQ_MAX_COST_NS	(10ULL * NSEC_PER_SEC)
#define ACCELQ_JOB_SIZE_MAX	4096

struct accelq_device;
struct accelq_engine;
struct accelq_tenant;
struct dentry;

/* Module parameters, validated once at load (see accelq_drv.c). */
extern unsigned int accelq_sim_engines;
extern unsigned int accelq_max_queues;
extern unsigned int accelq_max_depth;
extern unsigned int accelq_max_batch;
extern unsigned int accelq_max_client_jobs;
extern unsigned int accelq_max_user_jobs;
extern bool accelq_allow_default_tenant;

u64 accelq_job_timeout_ns(void);
u64 accelq_timeslice_ns(void);
u64 accelq_wakeup_granularity_ns(void);

/**
 * struct accelq_stats - device-wide job ledger, one copy per CPU
 *
 * Every accepted job is counted once in JOBS_ACCEPTED and, when it
 * completes, once in JOBS_COMPLETED and once in one STATUS_* counter. Its
 * record is later either read (COMPLETIONS_READ) or dropped because its
 * client closed the file (COMPLETIONS_DISCARDED). Tests check that the
 * books balance. Updated with accelq_stat_add(), summed by
 * accelq_stats_read().
 */
enum accelq_stat {
	ACCELQ_STAT_JOBS_ACCEPTED,
	ACCELQ_STAT_JOBS_COMPLETED,
	ACCELQ_STAT_COMPLETIONS_READ,
	ACCELQ_STAT_COMPLETIONS_DISCARDED,
	ACCELQ_STAT_STATUS_OK,
	ACCELQ_STAT_STATUS_CANCELED,
	ACCELQ_STAT_STATUS_TIMEDOUT,
	ACCELQ_STAT_STATUS_IO,
	ACCELQ_STAT_PREEMPTIONS,
	ACCELQ_STAT_ENGINE_RESETS,
	ACCELQ_STAT_NR,
};

struct accelq_stats {
	u64 v[ACCELQ_STAT_NR];
};

void accelq_stats_read(struct accelq_device *adev, struct accelq_stats *sum);

/**
 * struct accelq_device - the one accelq device
 * @misc: the /dev/accelq character device.
 * @engines: @nr_engines engines, fixed for the module's lifetime.
 * @nr_engines: number of engines.
 * @queues: every live queue by id; holds one reference on each. Lookups take
 *	their own reference under the xarray lock.
 * @next_queue_id: cyclic allocation cursor for @queues.
 * @next_client_id: last client id handed out.
 * @clients_lock: protects @clients and @users.
 * @clients: every open client, for debugfs and netlink dumps.
 * @users: &struct accelq_user by uid, one per user with an open client.
 * @queues_gen: bumped on every queue creation and destruction, so netlink
 *	dumps can flag NLM_F_DUMP_INTR.
 * @stats: the job ledger.
 * @debugfs: debugfs directory.
 */
struct accelq_device {
	struct miscdevice misc;
	struct accelq_engine **engines;
	unsigned int nr_engines;
	struct xarray queues;
	u32 next_queue_id;
	atomic64_t next_client_id;
	struct mutex clients_lock; /* Protects @clients and @users. */
	struct list_head clients;
	struct xarray users;
	atomic_t queues_gen;
	struct accelq_stats __percpu *stats;
	struct dentry *debugfs;
};

extern struct accelq_device *accelq_dev;

static inline void accelq_stat_add(struct accelq_device *adev,
				   enum accelq_stat stat, u64 n)
{
	this_cpu_add(adev->stats->v[stat], n);
}

/**
 * accelq_reserve - reserve up to @want units of @limit in @count
 * @count: units in use
 * @limit: most units; 0 means no limit
 * @want: units wanted
 *
 * Return: how many were reserved, 0..@want.
 */
static inline u32 accelq_reserve(atomic_t *count, u32 limit, u32 want)
{
	int cur = atomic_read(count);
	u32 n;

	if (!limit) {
		atomic_add(want, count);
		return want;
	}
	do {
		if ((u32)cur >= limit)
			return 0;
		n = min(want, limit - (u32)cur);
	} while (!atomic_try_cmpxchg(count, &cur, cur + n));
	return n;
}

#endif /* __ACCELQ_DRV_H__ */
