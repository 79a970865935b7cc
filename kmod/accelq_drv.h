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
#include <linux/types.h>
#include <linux/xarray.h>

#define ACCELQ_MAX_ENGINES	64
#define ACCELQ_MAX_COST_NS	(10ULL * NSEC_PER_SEC)
#define ACCELQ_JOB_SIZE_MAX	4096

struct accelq_engine;
struct accelq_tenant;
struct dentry;

/* Module parameters, validated once at load (see accelq_drv.c). */
extern unsigned int accelq_sim_engines;
extern unsigned int accelq_max_queues;
extern unsigned int accelq_max_depth;
extern unsigned int accelq_max_batch;
extern unsigned int accelq_max_client_jobs;
extern bool accelq_allow_default_tenant;

u64 accelq_job_timeout_ns(void);
u64 accelq_timeslice_ns(void);

/**
 * struct accelq_stats - device-wide job ledger
 *
 * Every accepted job is counted once in @jobs_accepted and, when it
 * completes, once in @jobs_completed and once in one status counter. Its
 * record is later either read (@completions_read) or dropped because its
 * client closed the file (@completions_discarded). Tests check that the
 * books balance.
 */
struct accelq_stats {
	atomic64_t jobs_accepted;
	atomic64_t jobs_completed;
	atomic64_t completions_read;
	atomic64_t completions_discarded;
	atomic64_t status_ok;
	atomic64_t status_canceled;
	atomic64_t status_timedout;
	atomic64_t status_io;
	atomic64_t preemptions;
	atomic64_t engine_resets;
};

/**
 * struct accelq_device - the one accelq device
 * @misc: the /dev/accelq character device.
 * @engines: @nr_engines engines, fixed for the module's lifetime.
 * @nr_engines: number of engines.
 * @queues: every live queue by id; holds one reference on each. Lookups take
 *	their own reference under the xarray lock.
 * @next_queue_id: cyclic allocation cursor for @queues.
 * @next_client_id: last client id handed out.
 * @clients_lock: protects @clients.
 * @clients: every open client, for debugfs and netlink dumps.
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
	struct mutex clients_lock; /* Protects @clients. */
	struct list_head clients;
	atomic_t queues_gen;
	struct accelq_stats stats;
	struct dentry *debugfs;
};

extern struct accelq_device *accelq_dev;

#endif /* __ACCELQ_DRV_H__ */
