/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - tenants: who pays for the engine time.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef __ACCELQ_TENANT_H__
#define __ACCELQ_TENANT_H__

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include <uapi/linux/accelq.h>

#include "accelq_drv.h"
#include "accelq_sched.h"

struct accelq_device;
struct netlink_ext_ack;

#define ACCELQ_TENANT_DEFAULT_ID	0
#define ACCELQ_TENANT_NAME_MAX		ACCELQ_TENANT_NAME_LEN

enum accelq_match {
	ACCELQ_MATCH_NONE,	/* the default tenant */
	ACCELQ_MATCH_CGROUP,	/* a cgroup v2 subtree */
	ACCELQ_MATCH_UID,	/* an effective uid */
};

/**
 * struct accelq_tenant_config - settable properties of a tenant
 * @weight: share weight, %ACCELQ_WEIGHT_MIN..%ACCELQ_WEIGHT_MAX.
 * @cap_quota_ns: engine time per period, 0 for no cap.
 * @cap_period_ns: cap period.
 * @cap_burst_ns: unused quota that may carry over, at most @cap_quota_ns.
 * @classes: %ACCELQ_CLASS_MASK_* the tenant may create queues of.
 * @max_queues: queues at once over all its clients, 0 = unlimited.
 * @max_inflight: accepted, uncompleted jobs, 0 = unlimited.
 * @max_depth: largest queue depth, 0 = unlimited.
 * @guilty_limit: hangs after which the tenant is banned, 0 = never.
 */
struct accelq_tenant_config {
	u32 weight;
	u64 cap_quota_ns;
	u64 cap_period_ns;
	u64 cap_burst_ns;
	u32 classes;
	u32 max_queues;
	u32 max_inflight;
	u32 max_depth;
	u32 guilty_limit;
};

/**
 * struct accelq_tenant_stats - per-tenant counters, all monotonic
 * @jobs_accepted: jobs accepted.
 * @jobs_ok: jobs completed with status 0.
 * @jobs_canceled: jobs completed with -ECANCELED.
 * @jobs_timedout: jobs completed with -ETIMEDOUT (hangs).
 * @jobs_io: jobs completed with -EIO.
 * @wait_ns: sum of the jobs' wait times (acceptance to first start).
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
 * @ref: held by the tenant table while the tenant exists, by every client
 *	attributed to it and by lookups in progress.
 * @adev: the device.
 * @id: tenant id; %ACCELQ_TENANT_DEFAULT_ID is the default tenant.
 * @name: NUL-terminated name, unique.
 * @match: how processes are attributed to it.
 * @cgroup_id: cgroup v2 id for %ACCELQ_MATCH_CGROUP.
 * @uid: uid for %ACCELQ_MATCH_UID.
 * @name_node: in the tenant table's name hash. Protected by its lock.
 * @queues_lock: protects @queues.
 * @queues: live queues of its clients, for a forced deletion.
 * @dead: deleted; its clients can no longer create queues or submit.
 *	Written under the tenant table lock, read locklessly.
 * @weight: share weight; written with WRITE_ONCE, read by the schedulers.
 * @lock: protects @cfg and the cap state below (@runtime_ns ...
 *	@throttled_ns). Taken in softirq context and under engine locks.
 * @cfg: settable properties. Protected by @lock.
 * @runtime_ns: cap runtime left in this period (negative: debt). Protected
 *	by @lock.
 * @throttled: out of cap quota; read locklessly by the schedulers.
 * @period_active: @period_timer is running. Protected by @lock.
 * @idle_periods: consecutive periods without use. Protected by @lock.
 * @throttle_start: when the current throttling began. Protected by @lock.
 * @nr_periods: periods elapsed while active. Protected by @lock.
 * @nr_throttled: periods that ended throttled. Protected by @lock.
 * @throttled_ns: total throttled time. Protected by @lock.
 * @period_timer: refills the cap quota each period while active.
 * @guilty: hangs charged to the tenant since the last ban clearing.
 * @banned: submissions refused until an administrator clears it.
 * @nr_queues: live queues of its clients.
 * @nr_clients: open files attributed to it.
 * @nr_inflight: accepted, uncompleted jobs.
 * @stats: counters.
 * @busy_ns: engine time per engine (array of nr_engines).
 * @se: the tenant's entity on each engine (nr_engines of them).
 */
struct accelq_tenant {
	struct kref ref;
	struct accelq_device *adev;
	u32 id;
	char name[ACCELQ_TENANT_NAME_MAX];
	enum accelq_match match;
	u64 cgroup_id;
	kuid_t uid;
	struct hlist_node name_node;
	spinlock_t queues_lock; /* Protects @queues. */
	struct list_head queues;
	bool dead;
	u32 weight;

	spinlock_t lock; /* Protects @cfg and the cap state; see kernel-doc. */
	struct accelq_tenant_config cfg;
	s64 runtime_ns;
	bool throttled;
	bool period_active;
	u32 idle_periods;
	bool used_in_period;
	ktime_t throttle_start;
	u64 nr_periods;
	u64 nr_throttled;
	u64 throttled_ns;
	struct hrtimer period_timer;

	atomic_t guilty;
	bool banned;
	atomic_t nr_queues;
	atomic_t nr_clients;
	atomic_t nr_inflight;
	struct accelq_tenant_stats stats;
	atomic64_t *busy_ns;
	struct accelq_sched_entity se[];
};

/**
 * struct accelq_tenant_snapshot - consistent copy for netlink and debugfs
 *
 * Busy times include the part of a job still running, so that samples
 * taken at any instant add up (as task_sched_runtime() does for CPU time).
 */
struct accelq_tenant_snapshot {
	u32 id;
	char name[ACCELQ_TENANT_NAME_MAX];
	enum accelq_match match;
	u64 cgroup_id;
	u32 uid;
	struct accelq_tenant_config cfg;
	u32 flags;	/* ACCELQ_TENANT_F_* */
	u32 guilty;
	u32 nr_queues;
	u32 nr_clients;
	u32 nr_inflight;
	u64 nr_periods;
	u64 nr_throttled;
	u64 throttled_ns;
	u64 busy_ns;
	u64 engine_busy_ns[ACCELQ_MAX_ENGINES];
	u64 jobs_accepted;
	u64 jobs_ok;
	u64 jobs_canceled;
	u64 jobs_timedout;
	u64 jobs_io;
	u64 wait_ns;
	u64 preemptions;
};

/* Lifecycle, for accelq_drv.c. */
int accelq_tenants_init(struct accelq_device *adev);
void accelq_tenants_fini(struct accelq_device *adev);

/* Attribution of a client at open (current task); ERR_PTR(-EACCES). */
struct accelq_tenant *accelq_tenant_resolve(struct accelq_device *adev);
void accelq_tenant_put(struct accelq_tenant **ptenant);

/*
 * Control plane, for accelq_netlink.c. Each returns 0 or a negative errno
 * and sets an extack message naming the offending attribute on error.
 * A config passed to _create/_update is complete: callers start from
 * accelq_tenant_config_default() or from accelq_tenant_get_config().
 */
void accelq_tenant_config_default(struct accelq_tenant_config *cfg);
int accelq_tenant_config_check(const struct accelq_tenant_config *cfg,
			       struct netlink_ext_ack *extack);
int accelq_tenant_create(struct accelq_device *adev, const char *name,
			 enum accelq_match match, const char *cgroup_path,
			 u32 uid, const struct accelq_tenant_config *cfg,
			 u32 *id, struct netlink_ext_ack *extack);
int accelq_tenant_update(struct accelq_tenant *tenant,
			 const struct accelq_tenant_config *cfg,
			 struct netlink_ext_ack *extack);
int accelq_tenant_delete(struct accelq_tenant *tenant, bool force,
			 struct netlink_ext_ack *extack);
void accelq_tenant_clear_ban(struct accelq_tenant *tenant);
void accelq_tenant_get_config(struct accelq_tenant *tenant,
			      struct accelq_tenant_config *cfg);
void accelq_tenant_snapshot(struct accelq_tenant *tenant,
			    struct accelq_tenant_snapshot *snap);
bool accelq_tenant_name_valid(const char *name);

/* Referenced lookups; NULL if absent or dead. */
struct accelq_tenant *accelq_tenant_get(struct accelq_device *adev, u32 id);
struct accelq_tenant *accelq_tenant_get_by_name(struct accelq_device *adev,
						const char *name);
/* For dumps: the live tenant with the smallest id >= *id, referenced. */
struct accelq_tenant *accelq_tenant_get_next(struct accelq_device *adev,
					     u32 *id);
/* Bumped whenever a tenant is created or deleted, for NLM_F_DUMP_INTR. */
u32 accelq_tenants_generation(struct accelq_device *adev);

/* Data path, for the queue and engine code. */
int accelq_tenant_queue_admit(struct accelq_tenant *tenant, u32 class,
			      u32 depth);
void accelq_tenant_queue_release(struct accelq_tenant *tenant);
int accelq_tenant_submit_admit(struct accelq_tenant *tenant, u32 *n);
void accelq_tenant_submit_unreserve(struct accelq_tenant *tenant, u32 n);
void accelq_tenant_detach(struct accelq_tenant *tenant);
void accelq_tenant_job_done(struct accelq_tenant *tenant, int status);
bool accelq_tenant_throttled(struct accelq_tenant *tenant);
void accelq_tenant_charge_locked(struct accelq_tenant *tenant, u64 run_ns);
void accelq_tenant_guilty(struct accelq_tenant *tenant);

#endif /* __ACCELQ_TENANT_H__ */
