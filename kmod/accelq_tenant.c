// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq - tenants: attribution, caps, limits, hang accounting.
 *
 * Copyright (C) 2026 The accelq authors
 */

#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/xarray.h>

#include "accelq_drv.h"
#include "accelq_engine.h"
#include "accelq_queue.h"
#include "accelq_tenant.h"
#include "accelq_trace.h"

/**
 * DOC: tenants
 *
 * A tenant is who pays for engine time. Administrators create tenants over
 * netlink; each has a match rule, a cgroup v2 subtree or an effective uid.
 *
 * Attribution happens once, when a process opens /dev/accelq, from what the
 * kernel knows of the opener and never from anything it passes: the nearest
 * ancestor of the opener's cgroup (v2) that a tenant matches wins; else a
 * tenant matching the opener's effective uid; else the default tenant (id 0)
 * when the module parameter default_tenant is on; else the open fails with
 * -EACCES. The client keeps that tenant for the life of the file, like a
 * file keeps the credentials it was opened with: migrating the process to
 * another cgroup afterwards, or passing the file to another process, does
 * not move its work to another tenant. Reopen to be attributed anew.
 *
 * Hard caps work like cpu.max with cpu.max.burst. Engine time is charged to
 * the tenant when a job leaves the engine or its timeslice is renewed; when
 * the runtime left in the period drops to zero or below, the tenant is
 * throttled: the schedulers of all engines skip it (lazily, when they meet
 * it) and a preemptible job of it is preempted at its next slice boundary.
 * The period timer refills the quota; overrun is debt carried into the next
 * periods, so the long-run share never exceeds quota/period. The timer only
 * runs while the tenant is active and stops after two idle periods.
 *
 * Limits give distinct errors: QUEUE_CREATE of a class the tenant may not
 * use fails with -EACCES, beyond max_queues with -EDQUOT, a depth beyond
 * max_depth with -ERANGE; SUBMIT beyond max_inflight with -EDQUOT, from a
 * banned tenant with -EPERM, and from a deleted tenant's clients with
 * -ENOLINK.
 *
 * A job that hangs (runs past the job timeout without yielding) marks its
 * tenant guilty; reaching guilty_limit bans the tenant until an
 * administrator clears the ban.
 */

/**
 * struct accelq_tenant_table - every tenant
 * @lock: protects @by_id, @by_cgroup and @by_uid modifications and the
 *	uniqueness of names and match rules; readers under the xarray lock.
 * @by_id: tenants by id; holds one reference on each.
 * @by_cgroup: tenants by matched cgroup id.
 * @by_uid: tenants by matched uid.
 * @by_name: tenants by name. Protected by @lock.
 * @next_id: cyclic id allocation cursor.
 * @generation: bumped by every creation and deletion.
 * @default_tenant: tenant 0, never deleted.
 */
struct accelq_tenant_table {
	struct mutex lock; /* Serialises changes to the tables. */
	struct xarray by_id;
	struct xarray by_cgroup;
	struct xarray by_uid;
	DECLARE_HASHTABLE(by_name, 12);
	u32 next_id;
	atomic_t generation;
	struct accelq_tenant *default_tenant;
};

static struct accelq_tenant_table accelq_tenants;

static void accelq_tenant_release(struct kref *ref)
{
	struct accelq_tenant *tenant = container_of(ref, struct accelq_tenant,
						    ref);

	hrtimer_cancel(&tenant->period_timer);
	kfree(tenant->busy_ns);
	kfree(tenant);
}

/**
 * accelq_tenant_put - drop a tenant reference and clear the caller's pointer
 * @ptenant: the reference
 */
void accelq_tenant_put(struct accelq_tenant **ptenant)
{
	if (*ptenant)
		kref_put(&(*ptenant)->ref, accelq_tenant_release);
	*ptenant = NULL;
}

/**
 * accelq_tenant_name_valid - is @name an acceptable tenant name?
 * @name: NUL-terminated string
 *
 * 1 to 63 characters of [A-Za-z0-9_.-], not starting with '.' or '-'.
 */
bool accelq_tenant_name_valid(const char *name)
{
	size_t i, len = strnlen(name, ACCELQ_TENANT_NAME_MAX);

	if (!len || len >= ACCELQ_TENANT_NAME_MAX || name[0] == '.' ||
	    name[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

void accelq_tenant_config_default(struct accelq_tenant_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->weight = ACCELQ_WEIGHT_DEFAULT;
	cfg->cap_period_ns = ACCELQ_CAP_PERIOD_DEFAULT_NS;
	cfg->classes = ACCELQ_CLASS_MASK_ALL;
}

int accelq_tenant_config_check(const struct accelq_tenant_config *cfg,
			       struct netlink_ext_ack *extack)
{
	if (cfg->weight < ACCELQ_WEIGHT_MIN || cfg->weight > ACCELQ_WEIGHT_MAX) {
		NL_SET_ERR_MSG(extack, "ACCELQ_A_TENANT_WEIGHT must be 1..10000");
		return -EINVAL;
	}
	if (cfg->cap_period_ns < ACCELQ_CAP_PERIOD_MIN_NS ||
	    cfg->cap_period_ns > ACCELQ_CAP_PERIOD_MAX_NS) {
		NL_SET_ERR_MSG(extack,
			       "ACCELQ_A_TENANT_CAP_PERIOD_NS must be 1 ms..1 s");
		return -EINVAL;
	}
	if (cfg->cap_quota_ns && cfg->cap_quota_ns < ACCELQ_CAP_QUOTA_MIN_NS) {
		NL_SET_ERR_MSG(extack,
			       "ACCELQ_A_TENANT_CAP_QUOTA_NS must be 0 (no cap) or at least 100 us");
		return -EINVAL;
	}
	/* A quota above nr_engines * period is no cap at all, but harmless. */
	if (cfg->cap_quota_ns > 64 * ACCELQ_CAP_PERIOD_MAX_NS) {
		NL_SET_ERR_MSG(extack,
			       "ACCELQ_A_TENANT_CAP_QUOTA_NS is larger than 64 engines' periods");
		return -EINVAL;
	}
	if (cfg->cap_burst_ns > cfg->cap_quota_ns) {
		NL_SET_ERR_MSG(extack,
			       "ACCELQ_A_TENANT_CAP_BURST_NS must not exceed the quota");
		return -EINVAL;
	}
	if (!cfg->classes || cfg->classes & ~ACCELQ_CLASS_MASK_ALL) {
		NL_SET_ERR_MSG(extack,
			       "ACCELQ_A_TENANT_CLASSES must be a non-empty set of known classes");
		return -EINVAL;
	}
	if (cfg->max_queues > ACCELQ_TENANT_LIMIT_MAX ||
	    cfg->max_inflight > ACCELQ_TENANT_LIMIT_MAX ||
	    cfg->max_depth > ACCELQ_TENANT_LIMIT_MAX) {
		NL_SET_ERR_MSG(extack, "tenant limit above 2^24");
		return -EINVAL;
	}
	return 0;
}

static enum hrtimer_restart accelq_tenant_period_fn(struct hrtimer *t);

static struct accelq_tenant *accelq_tenant_alloc(struct accelq_device *adev,
						 const char *name)
{
	struct accelq_tenant *tenant;
	unsigned int i;

	tenant = kzalloc(struct_size(tenant, se, adev->nr_engines),
			 GFP_KERNEL_ACCOUNT);
	if (!tenant)
		return NULL;
	tenant->busy_ns = kcalloc(adev->nr_engines, sizeof(*tenant->busy_ns),
				  GFP_KERNEL_ACCOUNT);
	if (!tenant->busy_ns) {
		kfree(tenant);
		return NULL;
	}
	kref_init(&tenant->ref);
	tenant->adev = adev;
	strscpy(tenant->name, name, sizeof(tenant->name));
	spin_lock_init(&tenant->lock);
	spin_lock_init(&tenant->queues_lock);
	INIT_LIST_HEAD(&tenant->queues);
	accelq_tenant_config_default(&tenant->cfg);
	tenant->weight = tenant->cfg.weight;
	hrtimer_init(&tenant->period_timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_REL_SOFT);
	tenant->period_timer.function = accelq_tenant_period_fn;
	for (i = 0; i < adev->nr_engines; i++)
		accelq_se_init(&tenant->se[i], tenant, adev->engines[i]);
	return tenant;
}

static struct accelq_tenant *accelq_tenant_tryget(struct xarray *xa,
						  unsigned long index)
{
	struct accelq_tenant *tenant;

	xa_lock(xa);
	tenant = xa_load(xa, index);
	if (tenant && !kref_get_unless_zero(&tenant->ref))
		tenant = NULL;
	xa_unlock(xa);
	return tenant;
}

/**
 * accelq_tenant_resolve - the tenant of the current task
 * @adev: the device
 *
 * See "tenants" above for the rules.
 *
 * Return: a referenced tenant, its client count raised, or
 * ERR_PTR(-EACCES).
 */
struct accelq_tenant *accelq_tenant_resolve(struct accelq_device *adev)
{
	struct accelq_tenant_table *tbl = &accelq_tenants;
	struct accelq_tenant *tenant = NULL;
	struct cgroup *cgrp;

	xa_lock(&tbl->by_cgroup);
	rcu_read_lock();
	for (cgrp = task_dfl_cgroup(current); cgrp; cgrp = cgroup_parent(cgrp)) {
		tenant = xa_load(&tbl->by_cgroup, cgroup_id(cgrp));
		if (tenant && kref_get_unless_zero(&tenant->ref))
			break;
		tenant = NULL;
	}
	rcu_read_unlock();
	xa_unlock(&tbl->by_cgroup);

	if (!tenant)
		tenant = accelq_tenant_tryget(&tbl->by_uid,
					      from_kuid(&init_user_ns,
							current_euid()));
	if (!tenant && READ_ONCE(accelq_allow_default_tenant)) {
		tenant = tbl->default_tenant;
		kref_get(&tenant->ref);
	}
	if (!tenant)
		return ERR_PTR(-EACCES);
	atomic_inc(&tenant->nr_clients);
	return tenant;
}

/**
 * accelq_tenant_detach - a client of @tenant closed
 * @tenant: the tenant
 */
void accelq_tenant_detach(struct accelq_tenant *tenant)
{
	atomic_dec(&tenant->nr_clients);
}

struct accelq_tenant *accelq_tenant_get(struct accelq_device *adev, u32 id)
{
	return accelq_tenant_tryget(&accelq_tenants.by_id, id);
}

static u32 accelq_name_hash(const char *name)
{
	return full_name_hash(NULL, name, strlen(name));
}

static struct accelq_tenant *accelq_tenant_find_name_locked(const char *name)
{
	struct accelq_tenant_table *tbl = &accelq_tenants;
	struct accelq_tenant *tenant;

	lockdep_assert_held(&tbl->lock);

	hash_for_each_possible(tbl->by_name, tenant, name_node,
			       accelq_name_hash(name))
		if (!strcmp(tenant->name, name))
			return tenant;
	return NULL;
}

struct accelq_tenant *accelq_tenant_get_by_name(struct accelq_device *adev,
						const char *name)
{
	struct accelq_tenant_table *tbl = &accelq_tenants;
	struct accelq_tenant *tenant;

	mutex_lock(&tbl->lock);
	tenant = accelq_tenant_find_name_locked(name);
	if (tenant && !kref_get_unless_zero(&tenant->ref))
		tenant = NULL;
	mutex_unlock(&tbl->lock);
	return tenant;
}

struct accelq_tenant *accelq_tenant_get_next(struct accelq_device *adev,
					     u32 *id)
{
	struct xarray *xa = &accelq_tenants.by_id;
	struct accelq_tenant *tenant;
	unsigned long index = *id;

	xa_lock(xa);
	for (;;) {
		tenant = xa_find(xa, &index, U32_MAX, XA_PRESENT);
		if (!tenant || kref_get_unless_zero(&tenant->ref))
			break;
		index++;
	}
	xa_unlock(xa);
	*id = index;
	return tenant;
}

u32 accelq_tenants_generation(struct accelq_device *adev)
{
	return atomic_read(&accelq_tenants.generation);
}

int accelq_tenant_create(struct accelq_device *adev, const char *name,
			 enum accelq_match match, const char *cgroup_path,
			 u32 uid, const struct accelq_tenant_config *cfg,
			 u32 *id, struct netlink_ext_ack *extack)
{
	struct accelq_tenant_table *tbl = &accelq_tenants;
	struct accelq_tenant *tenant;
	struct xarray *xa;
	unsigned long key;
	int ret;

	if (!accelq_tenant_name_valid(name)) {
		NL_SET_ERR_MSG(extack,
			       "ACCELQ_A_TENANT_NAME must be 1-63 characters of [A-Za-z0-9_.-], not starting with '.' or '-'");
		return -EINVAL;
	}
	ret = accelq_tenant_config_check(cfg, extack);
	if (ret)
		return ret;

	if (match == ACCELQ_MATCH_CGROUP) {
		struct cgroup *cgrp = cgroup_get_from_path(cgroup_path);

		if (IS_ERR(cgrp)) {
			NL_SET_ERR_MSG(extack,
				       "ACCELQ_A_TENANT_MATCH_CGROUP names no cgroup v2 directory");
			return PTR_ERR(cgrp) == -ENOENT ? -ENOENT : -EINVAL;
		}
		key = cgroup_id(cgrp);
		cgroup_put(cgrp);
		xa = &tbl->by_cgroup;
	} else if (match == ACCELQ_MATCH_UID) {
		if (!uid_valid(make_kuid(&init_user_ns, uid))) {
			NL_SET_ERR_MSG(extack,
				       "ACCELQ_A_TENANT_MATCH_UID is not a valid uid");
			return -EINVAL;
		}
		key = uid;
		xa = &tbl->by_uid;
	} else {
		NL_SET_ERR_MSG(extack, "a tenant needs a match rule");
		return -EINVAL;
	}

	tenant = accelq_tenant_alloc(adev, name);
	if (!tenant)
		return -ENOMEM;
	tenant->match = match;
	if (match == ACCELQ_MATCH_CGROUP)
		tenant->cgroup_id = key;
	else
		tenant->uid = make_kuid(&init_user_ns, uid);
	tenant->cfg = *cfg;
	tenant->weight = cfg->weight;
	tenant->runtime_ns = cfg->cap_quota_ns;

	mutex_lock(&tbl->lock);
	if (accelq_tenant_find_name_locked(name)) {
		NL_SET_ERR_MSG(extack, "ACCELQ_A_TENANT_NAME is already taken");
		ret = -EEXIST;
		goto err_unlock;
	}
	if (xa_load(xa, key)) {
		NL_SET_ERR_MSG(extack,
			       "another tenant already matches this cgroup or uid");
		ret = -EEXIST;
		goto err_unlock;
	}
	ret = xa_alloc_cyclic(&tbl->by_id, &tenant->id, tenant,
			      XA_LIMIT(1, U32_MAX - 1), &tbl->next_id,
			      GFP_KERNEL);
	if (ret < 0)
		goto err_unlock;
	ret = xa_insert(xa, key, tenant, GFP_KERNEL);
	if (ret)
		goto err_erase_id;
	hash_add(tbl->by_name, &tenant->name_node, accelq_name_hash(name));
	atomic_inc(&tbl->generation);
	*id = tenant->id;
	mutex_unlock(&tbl->lock);
	return 0;

err_erase_id:
	xa_erase(&tbl->by_id, tenant->id);
err_unlock:
	mutex_unlock(&tbl->lock);
	accelq_tenant_put(&tenant);
	return ret;
}

/* Make every engine consider the tenant again. Called without locks. */
static void accelq_tenant_unthrottle_engines(struct accelq_tenant *tenant)
{
	struct accelq_device *adev = tenant->adev;
	unsigned int i;

	for (i = 0; i < adev->nr_engines; i++) {
		struct accelq_engine *engine = adev->engines[i];

		spin_lock_bh(&engine->lock);
		accelq_sched_unthrottle_locked(&tenant->se[i]);
		accelq_engine_kick_locked(engine);
		spin_unlock_bh(&engine->lock);
	}
}

static void accelq_tenant_unthrottle_locked(struct accelq_tenant *tenant,
					    ktime_t now)
{
	u64 ns;

	lockdep_assert_held(&tenant->lock);

	ns = ktime_to_ns(ktime_sub(now, tenant->throttle_start));
	tenant->throttled_ns += ns;
	WRITE_ONCE(tenant->throttled, false);
	trace_accelq_tenant_throttle(tenant->id, 0, ns);
}

static enum hrtimer_restart accelq_tenant_period_fn(struct hrtimer *t)
{
	struct accelq_tenant *tenant = container_of(t, struct accelq_tenant,
						    period_timer);
	enum hrtimer_restart restart = HRTIMER_RESTART;
	bool unthrottle = false;
	ktime_t now = ktime_get();
	u64 overrun, i;

	spin_lock(&tenant->lock);
	overrun = hrtimer_forward(t, now, ns_to_ktime(tenant->cfg.cap_period_ns));
	tenant->nr_periods += overrun;
	/* Refilling saturates at quota + burst, a few rounds are enough. */
	for (i = 0; i < min_t(u64, overrun, 64); i++)
		tenant->runtime_ns = accelq_cap_refill(tenant->runtime_ns,
						       tenant->cfg.cap_quota_ns,
						       tenant->cfg.cap_burst_ns);
	if (!tenant->cfg.cap_quota_ns)
		tenant->runtime_ns = 0;
	if (tenant->throttled &&
	    (tenant->runtime_ns > 0 || !tenant->cfg.cap_quota_ns)) {
		accelq_tenant_unthrottle_locked(tenant, now);
		unthrottle = true;
	}
	if (tenant->used_in_period || tenant->throttled)
		tenant->idle_periods = 0;
	else
		tenant->idle_periods++;
	tenant->used_in_period = false;
	if (!tenant->cfg.cap_quota_ns || tenant->idle_periods >= 2) {
		tenant->period_active = false;
		restart = HRTIMER_NORESTART;
	}
	spin_unlock(&tenant->lock);

	if (unthrottle)
		accelq_tenant_unthrottle_engines(tenant);
	return restart;
}

/**
 * accelq_tenant_charge_locked - charge engine time against the tenant's cap
 * @tenant: the tenant
 * @run_ns: engine time used
 *
 * Called under an engine lock.
 */
void accelq_tenant_charge_locked(struct accelq_tenant *tenant, u64 run_ns)
{
	spin_lock(&tenant->lock);
	if (!tenant->cfg.cap_quota_ns)
		goto out;
	tenant->used_in_period = true;
	tenant->runtime_ns = accelq_cap_charge(tenant->runtime_ns, run_ns);
	if (tenant->runtime_ns <= 0 && !tenant->throttled) {
		WRITE_ONCE(tenant->throttled, true);
		tenant->throttle_start = ktime_get();
		tenant->nr_throttled++;
		trace_accelq_tenant_throttle(tenant->id, 1, 0);
	}
	if (!tenant->period_active) {
		tenant->period_active = true;
		tenant->idle_periods = 0;
		hrtimer_start(&tenant->period_timer,
			      ns_to_ktime(tenant->cfg.cap_period_ns),
			      HRTIMER_MODE_REL_SOFT);
	}
out:
	spin_unlock(&tenant->lock);
}

/**
 * accelq_tenant_throttled - is the tenant out of cap quota?
 * @tenant: the tenant
 */
bool accelq_tenant_throttled(struct accelq_tenant *tenant)
{
	return READ_ONCE(tenant->throttled);
}

int accelq_tenant_update(struct accelq_tenant *tenant,
			 const struct accelq_tenant_config *cfg,
			 struct netlink_ext_ack *extack)
{
	bool unthrottle = false;
	int ret;

	ret = accelq_tenant_config_check(cfg, extack);
	if (ret)
		return ret;

	spin_lock_bh(&tenant->lock);
	if (cfg->cap_quota_ns != tenant->cfg.cap_quota_ns ||
	    cfg->cap_period_ns != tenant->cfg.cap_period_ns) {
		/* A new cap starts with a full period's quota. */
		tenant->runtime_ns = cfg->cap_quota_ns;
		if (tenant->throttled) {
			accelq_tenant_unthrottle_locked(tenant, ktime_get());
			unthrottle = true;
		}
	}
	tenant->cfg = *cfg;
	WRITE_ONCE(tenant->weight, cfg->weight);
	spin_unlock_bh(&tenant->lock);

	if (unthrottle)
		accelq_tenant_unthrottle_engines(tenant);
	return 0;
}

int accelq_tenant_delete(struct accelq_tenant *tenant, bool force,
			 struct netlink_ext_ack *extack)
{
	struct accelq_tenant_table *tbl = &accelq_tenants;
	struct accelq_tenant *ref;

	if (tenant->id == ACCELQ_TENANT_DEFAULT_ID) {
		NL_SET_ERR_MSG(extack, "the default tenant cannot be deleted");
		return -EPERM;
	}

	mutex_lock(&tbl->lock);
	if (tenant->dead) {
		mutex_unlock(&tbl->lock);
		NL_SET_ERR_MSG(extack, "tenant already deleted");
		return -ENOENT;
	}
	if (atomic_read(&tenant->nr_queues) && !force) {
		mutex_unlock(&tbl->lock);
		NL_SET_ERR_MSG(extack,
			       "tenant still has queues; delete with ACCELQ_TENANT_DEL_FORCE to cancel them");
		return -EBUSY;
	}
	WRITE_ONCE(tenant->dead, true);
	ref = xa_erase(&tbl->by_id, tenant->id);
	hash_del(&tenant->name_node);
	if (tenant->match == ACCELQ_MATCH_CGROUP)
		xa_erase(&tbl->by_cgroup, tenant->cgroup_id);
	else
		xa_erase(&tbl->by_uid, from_kuid(&init_user_ns, tenant->uid));
	atomic_inc(&tbl->generation);
	mutex_unlock(&tbl->lock);

	/* Every job of its queues completes with -ECANCELED, exactly once. */
	if (force)
		accelq_queues_kill_tenant(tenant->adev, tenant);
	accelq_tenant_put(&ref);
	return 0;
}

void accelq_tenant_clear_ban(struct accelq_tenant *tenant)
{
	atomic_set(&tenant->guilty, 0);
	if (READ_ONCE(tenant->banned)) {
		WRITE_ONCE(tenant->banned, false);
		trace_accelq_tenant_ban(tenant->id, 0, 0);
	}
}

void accelq_tenant_get_config(struct accelq_tenant *tenant,
			      struct accelq_tenant_config *cfg)
{
	spin_lock_bh(&tenant->lock);
	*cfg = tenant->cfg;
	spin_unlock_bh(&tenant->lock);
}

void accelq_tenant_snapshot(struct accelq_tenant *tenant,
			    struct accelq_tenant_snapshot *snap)
{
	struct accelq_tenant_stats *st = &tenant->stats;
	unsigned int i;

	memset(snap, 0, sizeof(*snap));
	snap->id = tenant->id;
	strscpy(snap->name, tenant->name, sizeof(snap->name));
	snap->match = tenant->match;
	snap->cgroup_id = tenant->cgroup_id;
	snap->uid = from_kuid(&init_user_ns, tenant->uid);

	spin_lock_bh(&tenant->lock);
	snap->cfg = tenant->cfg;
	snap->nr_periods = tenant->nr_periods;
	snap->nr_throttled = tenant->nr_throttled;
	snap->throttled_ns = tenant->throttled_ns;
	if (tenant->throttled) {
		snap->flags |= ACCELQ_TENANT_F_THROTTLED;
		snap->throttled_ns += ktime_to_ns(ktime_sub(ktime_get(),
						  tenant->throttle_start));
	}
	spin_unlock_bh(&tenant->lock);

	if (READ_ONCE(tenant->banned))
		snap->flags |= ACCELQ_TENANT_F_BANNED;
	if (tenant->id == ACCELQ_TENANT_DEFAULT_ID)
		snap->flags |= ACCELQ_TENANT_F_DEFAULT;
	snap->guilty = atomic_read(&tenant->guilty);
	snap->nr_queues = atomic_read(&tenant->nr_queues);
	snap->nr_clients = atomic_read(&tenant->nr_clients);
	snap->nr_inflight = atomic_read(&tenant->nr_inflight);
	for (i = 0; i < tenant->adev->nr_engines; i++) {
		struct accelq_engine *engine = tenant->adev->engines[i];
		u64 busy, running = 0;

		spin_lock_bh(&engine->lock);
		busy = atomic64_read(&tenant->busy_ns[i]);
		if (engine->running_se == &tenant->se[i])
			running = ktime_to_ns(ktime_sub(ktime_get(),
							engine->stint_start));
		spin_unlock_bh(&engine->lock);
		snap->engine_busy_ns[i] = busy + running;
		snap->busy_ns += busy + running;
	}
	snap->jobs_accepted = atomic64_read(&st->jobs_accepted);
	snap->jobs_ok = atomic64_read(&st->jobs_ok);
	snap->jobs_canceled = atomic64_read(&st->jobs_canceled);
	snap->jobs_timedout = atomic64_read(&st->jobs_timedout);
	snap->jobs_io = atomic64_read(&st->jobs_io);
	snap->wait_ns = atomic64_read(&st->wait_ns);
	snap->preemptions = atomic64_read(&st->preemptions);
}

/**
 * accelq_tenant_queue_admit - may the tenant have one more queue?
 * @tenant: the tenant
 * @class: %ACCELQ_CLASS_*
 * @depth: requested depth
 *
 * Return: 0 with the queue counted, or -ENOLINK (tenant deleted), -EACCES
 * (class not allowed), -ERANGE (depth above max_depth), -EDQUOT (max_queues
 * reached).
 */
int accelq_tenant_queue_admit(struct accelq_tenant *tenant, u32 class,
			      u32 depth)
{
	struct accelq_tenant_config cfg;

	if (READ_ONCE(tenant->dead))
		return -ENOLINK;
	accelq_tenant_get_config(tenant, &cfg);
	if (!(cfg.classes & BIT(class)))
		return -EACCES;
	if (cfg.max_depth && depth > cfg.max_depth)
		return -ERANGE;
	if (!accelq_reserve(&tenant->nr_queues, cfg.max_queues, 1))
		return -EDQUOT;
	return 0;
}

void accelq_tenant_queue_release(struct accelq_tenant *tenant)
{
	atomic_dec(&tenant->nr_queues);
}

/**
 * accelq_tenant_submit_admit - reserve in-flight room for up to *@n jobs
 * @tenant: the tenant
 * @n: in: jobs wanted; out: jobs granted (at least one on success)
 *
 * Return: 0, or -ENOLINK (deleted), -EPERM (banned), -EDQUOT (max_inflight
 * reached).
 */
int accelq_tenant_submit_admit(struct accelq_tenant *tenant, u32 *n)
{
	if (READ_ONCE(tenant->dead))
		return -ENOLINK;
	if (READ_ONCE(tenant->banned))
		return -EPERM;
	*n = accelq_reserve(&tenant->nr_inflight,
			    READ_ONCE(tenant->cfg.max_inflight), *n);
	return *n ? 0 : -EDQUOT;
}

/**
 * accelq_tenant_submit_unreserve - give back in-flight room not used
 * @tenant: the tenant
 * @n: jobs reserved but not accepted
 */
void accelq_tenant_submit_unreserve(struct accelq_tenant *tenant, u32 n)
{
	atomic_sub(n, &tenant->nr_inflight);
}

/**
 * accelq_tenant_job_done - a job of the tenant completed
 * @tenant: the tenant charged for the job
 * @status: the job's status
 */
void accelq_tenant_job_done(struct accelq_tenant *tenant, int status)
{
	atomic_dec(&tenant->nr_inflight);
	switch (status) {
	case 0:
		atomic64_inc(&tenant->stats.jobs_ok);
		break;
	case -ECANCELED:
		atomic64_inc(&tenant->stats.jobs_canceled);
		break;
	case -ETIMEDOUT:
		atomic64_inc(&tenant->stats.jobs_timedout);
		break;
	default:
		atomic64_inc(&tenant->stats.jobs_io);
		break;
	}
}

/**
 * accelq_tenant_guilty - a job of the tenant hung
 * @tenant: the tenant
 */
void accelq_tenant_guilty(struct accelq_tenant *tenant)
{
	u32 limit = READ_ONCE(tenant->cfg.guilty_limit);
	u32 guilty = atomic_inc_return(&tenant->guilty);

	if (limit && guilty >= limit && !READ_ONCE(tenant->banned)) {
		WRITE_ONCE(tenant->banned, true);
		pr_warn_ratelimited("accelq: tenant %s banned after %u hangs\n",
				    tenant->name, guilty);
		trace_accelq_tenant_ban(tenant->id, 1, guilty);
	}
}

int accelq_tenants_init(struct accelq_device *adev)
{
	struct accelq_tenant_table *tbl = &accelq_tenants;
	struct accelq_tenant *tenant;
	int ret;

	mutex_init(&tbl->lock);
	xa_init_flags(&tbl->by_id, XA_FLAGS_ALLOC);
	xa_init(&tbl->by_cgroup);
	xa_init(&tbl->by_uid);
	hash_init(tbl->by_name);
	tbl->next_id = 1;
	atomic_set(&tbl->generation, 0);

	tenant = accelq_tenant_alloc(adev, "default");
	if (!tenant)
		return -ENOMEM;
	tenant->id = ACCELQ_TENANT_DEFAULT_ID;
	ret = xa_insert(&tbl->by_id, ACCELQ_TENANT_DEFAULT_ID, tenant,
			GFP_KERNEL);
	if (ret) {
		accelq_tenant_put(&tenant);
		return ret;
	}
	hash_add(tbl->by_name, &tenant->name_node, accelq_name_hash(tenant->name));
	tbl->default_tenant = tenant;
	return 0;
}

void accelq_tenants_fini(struct accelq_device *adev)
{
	struct accelq_tenant_table *tbl = &accelq_tenants;
	struct accelq_tenant *tenant;
	unsigned long id;

	/* No client is left; the table holds the last references. */
	xa_for_each(&tbl->by_id, id, tenant) {
		xa_erase(&tbl->by_id, id);
		hash_del(&tenant->name_node);
		accelq_tenant_put(&tenant);
	}
	xa_destroy(&tbl->by_id);
	xa_destroy(&tbl->by_cgroup);
	xa_destroy(&tbl->by_uid);
	tbl->default_tenant = NULL;
	mutex_destroy(&tbl->lock);
}
