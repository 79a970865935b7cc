/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - tenants: who pays for the engine time.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef __ACCELQ_TENANT_H__
#define __ACCELQ_TENANT_H__

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "accelq_sched.h"

struct accelq_device;

#define ACCELQ_TENANT_DEFAULT_ID	0
#define ACCELQ_TENANT_NAME_MAX		64

/**
 * struct accelq_tenant_stats - per-tenant counters, all monotonic
 * @jobs_accepted: jobs accepted.
 * @jobs_ok: jobs completed with status 0.
 * @jobs_canceled: jobs completed with -ECANCELED.
 * @jobs_timedout: jobs completed with -ETIMEDOUT.
 * @jobs_io: jobs completed with -EIO.
 * @wait_ns: sum of the jobs' wait times.
 * @preemptions: times a job of the tenant was preempted.
 */
struct accelq_tenant_stats {
	atomic64_t jobs_accepted;
	atomic64_t jobs_ok;
	atomic64_t jobs_canceled;
	atomic64_t jobs_timedout;
	atomic64_t jobs_io;
	atomic64_t wait_ns;
	atomic64_t preemptions;
};

/**
 * struct accelq_tenant - a customer sharing the engines
 * @ref: held by the tenant table and by every client attributed to it.
 * @adev: the device.
 * @id: tenant id; %ACCELQ_TENANT_DEFAULT_ID is the default tenant.
 * @name: NUL-terminated name.
 * @weight: share weight, %ACCELQ_WEIGHT_MIN..%ACCELQ_WEIGHT_MAX. Read by the
 *	scheduler under an engine lock, written with WRITE_ONCE.
 * @stats: counters.
 * @busy_ns: engine time per engine (array of nr_engines).
 * @se: the tenant's entity on each engine (nr_engines of them).
 */
struct accelq_tenant {
	struct kref ref;
	struct accelq_device *adev;
	u32 id;
	char name[ACCELQ_TENANT_NAME_MAX];
	u32 weight;
	struct accelq_tenant_stats stats;
	atomic64_t *busy_ns;
	struct accelq_sched_entity se[];
};

int accelq_tenants_init(struct accelq_device *adev);
void accelq_tenants_fini(struct accelq_device *adev);
struct accelq_tenant *accelq_tenant_resolve(struct accelq_device *adev);
void accelq_tenant_put(struct accelq_tenant **ptenant);
void accelq_tenant_account_status(struct accelq_tenant *tenant, int status);
bool accelq_tenant_throttled(struct accelq_tenant *tenant);
void accelq_tenant_charge_locked(struct accelq_tenant *tenant, u64 run_ns);

#endif /* __ACCELQ_TENANT_H__ */
