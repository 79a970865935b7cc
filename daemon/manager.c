// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqd - the Manager.
 *
 * Once per sampling interval the Manager reads every tenant's counters from
 * the kernel, charges the engine time since the previous sample to the
 * tenant's budget window, lowers or restores caps as budgets run out or
 * windows roll, brings the kernel's tenants in line with the configuration
 * (creating, updating and deleting as needed, so a reloaded module or a
 * change behind the daemon's back is repaired within one interval),
 * publishes the metrics, emits PropertiesChanged and saves the state.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include <systemd/sd-daemon.h>

#include <linux/accelq.h>

#include "manager.h"
#include "util.h"

/* ------------------------------------------------------------ tenants -- */

static int tenant_config_copy(struct tenant_config *dst,
			      const struct tenant_config *src)
{
	*dst = *src;
	dst->file = src->file ? strdup(src->file) : NULL;
	dst->cgroup = src->cgroup ? strdup(src->cgroup) : NULL;
	if ((src->file && !dst->file) || (src->cgroup && !dst->cgroup)) {
		tenant_config_done(dst);
		return -ENOMEM;
	}
	return 0;
}

static void tenant_settings_from_config(struct tenant_settings *s,
					const struct tenant_config *c)
{
	s->weight = c->weight;
	s->cap_quota_ns = c->cap_quota_ns;
	s->cap_period_ns = c->cap_period_ns;
	s->burst_ns = c->burst_ns;
	s->budget_ns = c->budget_ns;
}

static void tenant_free(Tenant *t)
{
	if (!t)
		return;
	tenant_config_done(&t->cfg);
	util_hist_done(&t->hist);
	free(t->engine_busy);
	free(t->wait_hist);
	free(t->path);
	free(t->last_error);
	free(t);
}

static int tenant_new(Manager *m, const struct tenant_config *cfg,
		      Tenant **ret)
{
	const struct state_tenant *st;
	Tenant *t;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->manager = m;
	r = tenant_config_copy(&t->cfg, cfg);
	if (r < 0)
		goto err;
	tenant_settings_from_config(&t->set, cfg);
	r = sd_bus_path_encode(TENANT_PREFIX, cfg->name, &t->path);
	if (r < 0)
		goto err;
	r = util_hist_init(&t->hist, &m->clock);
	if (r < 0)
		goto err;
	t->k.id = ID_NONE;
	t->created = state_is_created(&m->state, cfg->name);

	/* Budgets and baselines survive restarts. */
	st = state_find_tenant(&m->state, cfg->name);
	if (st) {
		t->have_baseline = st->has_kernel_id;
		t->baseline_id = st->kernel_id;
		t->baseline_busy_ns = st->baseline_busy_ns;
		t->busy_total_ns = st->busy_total_ns;
		t->budget.window_start_ns = st->window_start_ns;
		t->budget.used_ns = st->used_ns;
		t->budget.exhausted = st->exhausted;
		t->budget.notified = st->notified;
	}
	*ret = t;
	return 0;
err:
	tenant_free(t);
	return r;
}

static int tenant_ptr_cmp(const void *a, const void *b)
{
	return strcmp((*(Tenant *const *)a)->cfg.name,
		      (*(Tenant *const *)b)->cfg.name);
}

Tenant *manager_find_tenant(Manager *m, const char *name)
{
	size_t lo = 0, hi = m->n_tenants;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, m->tenants[mid]->cfg.name);

		if (!c)
			return m->tenants[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

Tenant *manager_find_tenant_by_owner(Manager *m, uid_t uid)
{
	Tenant *owned = NULL;
	size_t i;

	for (i = 0; i < m->n_tenants; i++) {
		Tenant *t = m->tenants[i];

		if (!t->cfg.has_owner || t->cfg.owner_uid != uid)
			continue;
		/* The tenant the caller's own processes land in comes first. */
		if (t->cfg.match == MATCH_UID && t->cfg.uid == uid)
			return t;
		if (!owned)
			owned = t;
	}
	return owned;
}

void tenant_desired_settings(const Tenant *t, struct kernel_settings *s)
{
	struct cap conf = {
		.quota_ns = t->set.cap_quota_ns,
		.period_ns = t->set.cap_period_ns,
		.burst_ns = t->set.burst_ns,
	};
	struct cap eff;

	budget_effective_cap(&conf, t->budget.exhausted, t->cfg.action,
			     t->cfg.floor_ppm, &eff);
	s->weight = t->set.weight;
	s->cap_quota_ns = eff.quota_ns;
	s->cap_period_ns = eff.period_ns;
	s->cap_burst_ns = eff.burst_ns;
	s->classes = t->cfg.classes;
	s->max_queues = t->cfg.max_queues;
	s->max_inflight = t->cfg.max_inflight;
	s->max_depth = t->cfg.max_depth;
	s->guilty_limit = t->cfg.guilty_limit;
}

/* Log a failure once until it changes or clears. */
static void tenant_fail(Tenant *t, const char *what, int r,
			const char *errmsg)
{
	_cleanup_free_ char *msg = strdup_printf("%s: %s", what,
						  errmsg ?: strerror(-r));

	if (msg && t->last_error && !strcmp(msg, t->last_error))
		return;
	log_error("Tenant %s: %s (will retry every sample)", t->cfg.name,
		  msg ?: what);
	free(t->last_error);
	t->last_error = TAKE_PTR(msg);
}

static void tenant_ok(Tenant *t)
{
	if (t->last_error) {
		log_info("Tenant %s: in force again", t->cfg.name);
		free(t->last_error);
		t->last_error = NULL;
	}
}

/* Take the kernel's view of @t from a dump entry. */
static int tenant_set_kernel(Tenant *t, const struct kernel_tenant *kt)
{
	uint64_t *busy = t->engine_busy;

	if (kt->nr_engine_busy != t->k.nr_engine_busy || !busy) {
		busy = realloc(t->engine_busy,
			       (kt->nr_engine_busy ?: 1) * sizeof(*busy));
		if (!busy)
			return -ENOMEM;
		t->engine_busy = busy;
	}
	t->k = *kt;
	t->k.engine_busy_ns = busy;
	if (kt->nr_engine_busy)
		memcpy(busy, kt->engine_busy_ns,
		       kt->nr_engine_busy * sizeof(*busy));
	t->in_kernel = true;
	return 0;
}

static void tenant_mark_created(Manager *m, Tenant *t)
{
	if (t->created)
		return;
	if (state_add_created(&m->state, t->cfg.name) > 0) {
		t->created = true;
		m->state_dirty = true;
	}
}

/* ---------------------------------------------------------- reconcile -- */

/* Does the kernel tenant match what the configuration says it matches? */
static bool tenant_match_same(const Tenant *t, const struct kernel_tenant *k)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;

	if (t->cfg.match == MATCH_UID)
		return k->has_uid && k->uid == t->cfg.uid;
	if (!k->has_cgroup_id)
		return false;
	path = strdup_printf("%s%s", CGROUP_ROOT, t->cfg.cgroup);
	/* Cannot tell (cgroup gone or unreadable): leave it alone. */
	if (!path || stat(path, &st) < 0)
		return true;
	/* On 64-bit kernels a cgroup's id is its inode number. */
	return (uint64_t)st.st_ino == k->cgroup_id;
}

static int tenant_create(Manager *m, Tenant *t, char **error)
{
	struct kernel_settings want;
	char *errmsg = NULL;
	uint32_t id = ID_NONE;
	int r;

	tenant_desired_settings(t, &want);
	r = kernel_tenant_new(m->kernel, t->cfg.name, t->cfg.match,
			      t->cfg.cgroup, t->cfg.uid, &want, &id, &errmsg);
	if (r < 0) {
		tenant_fail(t, "cannot create the kernel tenant", r, errmsg);
		if (error)
			*error = TAKE_PTR(errmsg);
		free(errmsg);
		return r;
	}
	log_info("Tenant %s: created in the kernel (id %" PRIu32 ")",
		 t->cfg.name, id);
	tenant_mark_created(m, t);
	t->changed_seq = m->sample_seq;
	memset(&t->k, 0, sizeof(t->k));
	t->k.engine_busy_ns = t->engine_busy;
	t->k.id = id;
	snprintf(t->k.name, sizeof(t->k.name), "%s", t->cfg.name);
	t->k.set = want;
	t->in_kernel = true;
	tenant_ok(t);
	return 0;
}

static int tenant_delete(Manager *m, const char *name, bool quiet_busy,
			 char **errmsg)
{
	int r;

	r = kernel_tenant_del(m->kernel, name, false, errmsg);
	if (r == -ENOENT)
		r = 0;
	if (r == 0) {
		state_remove_created(&m->state, name);
		m->state_dirty = true;
	} else if (!(quiet_busy && r == -EBUSY)) {
		log_warning("Failed to delete kernel tenant %s: %s", name,
			    *errmsg ?: strerror(-r));
	}
	return r;
}

int manager_apply_tenant(Manager *m, Tenant *t, char **error)
{
	struct kernel_settings want;
	char *errmsg = NULL;
	int r;

	if (!m->kernel_present)
		return 0;	/* applied when the module appears */
	if (!t->in_kernel)
		return tenant_create(m, t, error);

	if (!tenant_match_same(t, &t->k)) {
		/* Match rules are immutable: re-create. */
		log_notice("Tenant %s: match rule changed, re-creating it",
			   t->cfg.name);
		r = kernel_tenant_del(m->kernel, t->cfg.name, false, &errmsg);
		if (r < 0 && r != -ENOENT) {
			tenant_fail(t, "cannot delete it to change its match rule (it keeps the old one)",
				    r, errmsg);
			if (error)
				*error = TAKE_PTR(errmsg);
			free(errmsg);
			return r;
		}
		t->in_kernel = false;
		t->changed_seq = m->sample_seq;
		return tenant_create(m, t, error);
	}

	/* Someone else made it; from now on it is ours to manage. */
	tenant_mark_created(m, t);

	tenant_desired_settings(t, &want);
	if (kernel_settings_equal(&want, &t->k.set)) {
		tenant_ok(t);
		return 0;
	}
	r = kernel_tenant_set(m->kernel, t->cfg.name, &want, &errmsg);
	if (r < 0) {
		tenant_fail(t, "cannot apply settings", r, errmsg);
		if (error)
			*error = TAKE_PTR(errmsg);
		free(errmsg);
		return r;
	}
	log_info("Tenant %s: weight %" PRIu32 ", cap %" PRIu64 "/%" PRIu64
		 " us, burst %" PRIu64 " us%s", t->cfg.name, want.weight,
		 want.cap_quota_ns / 1000, want.cap_period_ns / 1000,
		 want.cap_burst_ns / 1000,
		 t->budget.exhausted ? " (budget exhausted)" : "");
	t->k.set = want;
	t->changed_seq = m->sample_seq;
	tenant_ok(t);
	return 0;
}

static int kt_name_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(struct kernel_tenant *const *)elem)->name);
}

/* In a dump sorted by name. */
static bool kt_find(struct kernel_tenant *const *kt, size_t n,
		    const char *name)
{
	return n && bsearch(name, kt, n, sizeof(*kt), kt_name_cmp);
}

/*
 * A kernel tenant the configuration does not name: delete it if we created
 * it (never the default tenant, never someone else's).
 */
static void reconcile_stray(Manager *m, const struct kernel_tenant *k)
{
	char *errmsg = NULL;
	int r;

	if (k->id == 0 || (k->flags & ACCELQ_TENANT_F_DEFAULT) ||
	    !state_is_created(&m->state, k->name))
		return;
	m->sample_created++;
	r = tenant_delete(m, k->name, true, &errmsg);
	if (r == 0) {
		log_info("Tenant %s: removed from the configuration, deleted from the kernel",
			 k->name);
		collector_forget(m->collector, k->id);
	} else if (r == -EBUSY) {
		log_debug("Tenant %s: still has queues, deleting it later",
			  k->name);
	}
	free(errmsg);
}

/* Forget names we created that are gone from both. @kt is sorted by name. */
static void reconcile_created(Manager *m, struct kernel_tenant *const *kt,
			      size_t n)
{
	size_t i;

	state_sort(&m->state);
	for (i = 0; i < m->state.n_created;) {
		const char *name = m->state.created[i];

		if (!kt_find(kt, n, name) && !manager_find_tenant(m, name)) {
			state_remove_created(&m->state, name);
			m->state_dirty = true;
			continue;
		}
		i++;
	}
}

/* --------------------------------------------------------- accounting -- */

static void tenant_account(Manager *m, Tenant *t, uint64_t now_real)
{
	uint64_t delta = 0;
	unsigned int flags;

	if (t->in_kernel) {
		if (t->have_baseline)
			delta = counter_delta(t->baseline_busy_ns, t->k.busy_ns,
					      t->baseline_id == t->k.id);
		if (!t->have_baseline || t->baseline_id != t->k.id)
			m->state_dirty = true;
		t->have_baseline = true;
		t->baseline_id = t->k.id;
		t->baseline_busy_ns = t->k.busy_ns;
	}
	t->busy_total_ns += delta;

	flags = budget_charge(&t->budget, now_real, t->cfg.window_ns,
			      t->set.budget_ns, delta);
	if (flags & (BUDGET_ROLLED | BUDGET_NOW_EXHAUSTED |
		     BUDGET_NOW_AVAILABLE))
		m->state_dirty = true;
	if (flags & BUDGET_NOW_EXHAUSTED)
		log_notice("Tenant %s: budget of %.3f s used up (%.3f s) in this window; %s",
			   t->cfg.name, (double)t->set.budget_ns / 1e9,
			   (double)t->budget.used_ns / 1e9,
			   t->cfg.action == BUDGET_SUSPEND ?
			   "suspending it" : "throttling it to its floor");
	if ((flags & BUDGET_NOW_AVAILABLE) && !(flags & BUDGET_ROLLED))
		log_notice("Tenant %s: budget available again, cap restored",
			   t->cfg.name);
	if ((flags & BUDGET_ROLLED) && (flags & BUDGET_NOW_AVAILABLE))
		log_notice("Tenant %s: new budget window, cap restored",
			   t->cfg.name);
	if (flags & BUDGET_NOTIFY) {
		if (m->bus)
			manager_bus_emit_quota_exceeded(m, t);
		else
			t->budget.notified = false; /* again once on the bus */
	}

	util_hist_push(&t->hist, &m->clock, t->busy_total_ns);
	t->util[0] = util_ratio(&t->hist, &m->clock, 1 * NSEC_PER_SEC);
	t->util[1] = util_ratio(&t->hist, &m->clock, 10 * NSEC_PER_SEC);
	t->util[2] = util_ratio(&t->hist, &m->clock, 60 * NSEC_PER_SEC);
}

void manager_tenant_budget_changed(Manager *m, Tenant *t)
{
	unsigned int flags;

	flags = budget_charge(&t->budget, now_ns(CLOCK_REALTIME),
			      t->cfg.window_ns, t->set.budget_ns, 0);
	if (flags)
		m->state_dirty = true;
	if (flags & BUDGET_NOTIFY)
		manager_bus_emit_quota_exceeded(m, t);
}

static void engines_free(Manager *m)
{
	size_t i;

	for (i = 0; i < m->n_engines; i++)
		util_hist_done(&m->engines[i].hist);
	free(m->engines);
	m->engines = NULL;
	m->n_engines = 0;
}

static void engines_update(Manager *m, const struct sample *s)
{
	size_t i, n = s->n_engines;

	if (s->engine_err < 0) {
		log_warning("Failed to read the engines: %s",
			    strerror(-s->engine_err));
		return;
	}
	if (n != m->n_engines) {
		engines_free(m);
		m->engines = calloc(n ?: 1, sizeof(*m->engines));
		if (!m->engines)
			return;
		for (i = 0; i < n; i++) {
			if (util_hist_init(&m->engines[i].hist, &m->clock) < 0)
				return;
			m->n_engines = i + 1;
		}
	}
	for (i = 0; i < m->n_engines; i++) {
		struct engine_state *e = &m->engines[i];

		/* A module reload resets the counter: start over. */
		if (e->k.busy_ns > s->engines[i].busy_ns)
			util_hist_reset(&e->hist);
		e->k = s->engines[i];
		util_hist_push(&e->hist, &m->clock, e->k.busy_ns);
		e->util = util_ratio(&e->hist, &m->clock, ENGINE_UTIL_WINDOW_NS);
	}
}

/* Attach or detach the collectors as configured; read from the next sample. */
static void collector_reconfigure(Manager *m)
{
	int r;

	if (!m->config->daemon.bpf) {
		if (m->collector) {
			log_info("BPF collectors detached (bpf=no)");
			collector_close(m->collector);
			m->collector = NULL;
		}
		m->bpf_lost_valid = false;
		return;
	}
	/* The programs attach to the module's tracepoints; after a failure,
	 * try again when the module or the configuration changes, not every
	 * sample. */
	if (m->collector || !m->kernel_present || m->collector_failed_logged)
		return;
	r = collector_open(&m->collector);
	if (r < 0) {
		log_error("BPF collectors unavailable: %s; running without wait histograms and drop counters (set bpf=no in accelqd.conf to silence this)",
			  r == -EOPNOTSUPP ?
			  "accelqd was built without bpf/libaccelq-bpf" :
			  strerror(-r));
		m->collector_failed_logged = true;
		m->collector = NULL;
		return;
	}
	log_info("BPF collectors attached");
}

/* The wait histogram of @t from the sample's BPF maps, if there is one. */
static void tenant_update_bpf(Manager *m, Tenant *t)
{
	const struct sample *s = &m->sample;
	const struct collector_tenant *ct;

	t->has_wait_hist = false;
	if (!t->in_kernel || !s->has_bpf || s->bpf_err < 0)
		return;
	ct = collector_sample_find(&s->bpf, t->k.id);
	if (!ct)
		return;
	if (!t->wait_hist) {
		t->wait_hist = calloc(ACCELQ_BPF_HIST_BUCKETS,
				      sizeof(*t->wait_hist));
		if (!t->wait_hist)
			return;
	}
	t->has_wait_hist = true;
	t->wait_ns_sum = ct->wait_ns_sum;
	memcpy(t->wait_hist, ct->wait_hist,
	       ACCELQ_BPF_HIST_BUCKETS * sizeof(*t->wait_hist));
}

/* ------------------------------------------------------------ metrics -- */

#define ALIGN8(x)	(((x) + 7) & ~(size_t)7)

/* Has the kernel tenant had a job (or been throttled) since it was made? */
static bool kernel_tenant_used(const struct kernel_tenant *k)
{
	return k->jobs_accepted || k->busy_ns || k->nr_throttled;
}

/*
 * Has @t ever used the device? Then its usage series are exported, from
 * then on: the engine time charged to it only grows, and is kept in the
 * state file across restarts and module reloads (docs/daemon.md).
 */
static bool tenant_used(const Tenant *t)
{
	return t->busy_total_ns || (t->in_kernel && kernel_tenant_used(&t->k));
}

/*
 * Copy a kernel tenant's counters into a snapshot entry, for at most
 * @max_engines engines (what the arena has room for: the engines of the
 * sample; a view older than the sample may have more).
 */
static int metrics_tenant_fill(struct metrics_snapshot *s,
			       struct metrics_tenant *mt,
			       const struct kernel_tenant *k,
			       uint32_t max_engines)
{
	uint32_t n = k->nr_engine_busy < max_engines ? k->nr_engine_busy :
						       max_engines;
	uint64_t *busy = NULL;

	if (n) {
		busy = metrics_snapshot_alloc(s, n * sizeof(*busy));
		if (!busy)
			return -ENOMEM;
		memcpy(busy, k->engine_busy_ns, n * sizeof(*busy));
	}
	mt->n_engines = n;
	mt->engine_busy_ns = busy;
	mt->jobs[METRICS_JOB_OK] = k->jobs_ok;
	mt->jobs[METRICS_JOB_CANCELED] = k->jobs_canceled;
	mt->jobs[METRICS_JOB_TIMEDOUT] = k->jobs_timedout;
	mt->jobs[METRICS_JOB_IO] = k->jobs_io;
	mt->nr_throttled = k->nr_throttled;
	mt->throttled_ns = k->throttled_ns;
	return 0;
}

/*
 * The metrics endpoint gets a self-contained copy of the numbers (it
 * formats them only if someone scrapes), filled tenant by tenant as a
 * sample is worked through and published at its end. The arena is sized
 * for the worst case; pages never written are never touched.
 */
static void metrics_begin(Manager *m)
{
	const struct sample *s = &m->sample;
	struct metrics_snapshot *x;
	size_t arena, n_bpf;

	metrics_snapshot_free(m->sample_metrics);
	m->sample_metrics = NULL;
	if (!m->metrics)
		return;
	n_bpf = s->has_bpf && s->bpf_err >= 0 ? s->bpf.n_tenants : 0;
	arena = ALIGN8(sizeof(ACCELQD_VERSION)) + ALIGN8(sizeof("default")) +
		m->names_size +
		(m->n_tenants + 1) * ALIGN8(s->max_engines * sizeof(uint64_t)) +
		n_bpf * ALIGN8(ACCELQ_BPF_HIST_BUCKETS * sizeof(uint64_t));
	x = metrics_snapshot_new(m->n_tenants + 1, m->n_engines, arena);
	if (!x) {
		log_warning("Failed to snapshot the metrics: out of memory");
		return;
	}
	x->version = metrics_snapshot_strdup(x, ACCELQD_VERSION);
	m->sample_metrics = x;

	/* Processes of no tenant: the kernel's default tenant. */
	if (m->kernel_present && m->has_default &&
	    kernel_tenant_used(&m->default_tenant))
		m->default_used = true;
	if (m->kernel_present && m->has_default && m->default_used) {
		struct metrics_tenant *mt = &x->tenants[x->n_tenants++];

		mt->name = metrics_snapshot_strdup(x, "default");
		mt->used = true;
		if (metrics_tenant_fill(x, mt, &m->default_tenant,
					s->max_engines) < 0) {
			metrics_snapshot_free(x);
			m->sample_metrics = NULL;
		}
	}
}

static void metrics_add_tenant(Manager *m, const Tenant *t)
{
	struct metrics_snapshot *x = m->sample_metrics;
	struct metrics_tenant *mt;
	bool used = tenant_used(t);

	/* Tenants that never ran a job show only their budget, if any. */
	if (!x || (!used && !t->set.budget_ns))
		return;
	mt = &x->tenants[x->n_tenants++];
	mt->name = metrics_snapshot_strdup(x, t->cfg.name);
	mt->used = used;
	if (!mt->name ||
	    (used && t->in_kernel &&
	     metrics_tenant_fill(x, mt, &t->k, m->sample.max_engines) < 0))
		goto oom;
	memcpy(mt->util, t->util, sizeof(mt->util));
	mt->has_budget = t->set.budget_ns > 0;
	mt->budget_ns = t->set.budget_ns;
	mt->budget_used_ns = t->budget.used_ns;
	mt->exhausted = t->budget.exhausted;
	if (used && t->in_kernel && t->has_wait_hist) {
		uint64_t *h = metrics_snapshot_alloc(x,
			ACCELQ_BPF_HIST_BUCKETS * sizeof(*h));

		if (!h)
			goto oom;
		memcpy(h, t->wait_hist, ACCELQ_BPF_HIST_BUCKETS * sizeof(*h));
		mt->has_wait_hist = true;
		mt->wait_hist = h;
		mt->wait_ns_sum = t->wait_ns_sum;
	}
	return;
oom:
	log_warning("Failed to snapshot the metrics: out of memory");
	metrics_snapshot_free(x);
	m->sample_metrics = NULL;
}

static void metrics_publish(Manager *m)
{
	struct metrics_snapshot *x = TAKE_PTR(m->sample_metrics);
	size_t i;

	if (!x)
		return;
	x->module_loaded = m->kernel_present;
	x->bpf = m->bpf_lost_valid;
	memcpy(x->bpf_lost, m->bpf_lost, sizeof(x->bpf_lost));
	for (i = 0; m->kernel_present && i < m->n_engines; i++) {
		x->engines[i].id = m->engines[i].k.id;
		x->engines[i].busy_ns = m->engines[i].k.busy_ns;
		x->engines[i].util = m->engines[i].util;
	}
	x->n_engines = m->kernel_present ? m->n_engines : 0;
	if (m->metrics)
		metrics_server_publish(m->metrics, x);
	else
		metrics_snapshot_free(x);
}

/* Bytes the tenants' names take in a metrics snapshot. */
static void metrics_names_size(Manager *m)
{
	size_t i;

	m->names_size = 0;
	for (i = 0; i < m->n_tenants; i++)
		m->names_size += ALIGN8(strlen(m->tenants[i]->cfg.name) + 1);
}

/* -------------------------------------------------------------- state -- */

/*
 * Save a copy of the state on the sampler thread: formatting thousands of
 * tenants and fsync() would stall the loop. The tenant entries are rebuilt
 * from the tenants (sorted by name); those no longer configured are dropped.
 */
static void state_save_now(Manager *m, uint64_t now_mono)
{
	struct state copy;
	size_t i;
	int r;

	state_init(&copy);
	state_sort(&m->state);
	copy.tenants = calloc(m->n_tenants + 1, sizeof(*copy.tenants));
	copy.created = malloc((m->state.n_created ?: 1) *
			      sizeof(*copy.created));
	if (!copy.tenants || !copy.created) {
		state_done(&copy);
		log_error("Failed to save the state: out of memory");
		return;
	}
	memcpy(copy.created, m->state.created,
	       m->state.n_created * sizeof(*copy.created));
	copy.n_created = m->state.n_created;
	for (i = 0; i < m->n_tenants; i++) {
		const Tenant *t = m->tenants[i];
		struct state_tenant *st = &copy.tenants[i];

		strcpy(st->name, t->cfg.name);
		st->has_kernel_id = t->have_baseline;
		st->kernel_id = t->baseline_id;
		st->baseline_busy_ns = t->baseline_busy_ns;
		st->busy_total_ns = t->busy_total_ns;
		st->window_start_ns = t->budget.window_start_ns;
		st->used_ns = t->budget.used_ns;
		st->exhausted = t->budget.exhausted;
		st->notified = t->budget.notified;
	}
	copy.n_tenants = m->n_tenants;
	copy.sorted = true;

	r = sampler_save(m->sampler, m->config->daemon.state_dir, &copy);
	if (r < 0) {
		log_error("Failed to save the state: %s", strerror(-r));
		return;
	}
	/* A failure comes back with the next reading (sample.save_err). */
	m->state_dirty = false;
	m->state_saved_ns = now_mono;
}

static void manager_notify_ready(Manager *m)
{
	if (m->ready || !m->kernel_configured || !m->bus)
		return;
	m->ready = true;
	sd_notifyf(false, "READY=1\nSTATUS=Managing %zu tenant%s",
		   m->n_tenants, m->n_tenants == 1 ? "" : "s");
	log_info("Ready: %zu tenant%s, bus name %s", m->n_tenants,
		 m->n_tenants == 1 ? "" : "s", BUS_NAME);
}

/* ----------------------------------------------------------- sampling -- */

/*
 * A sample is read by the sampler thread and worked through here, on the
 * event loop, in slices of about SAMPLE_SLICE_NS between which the loop
 * serves D-Bus and everything else (the slices run from a defer source of
 * idle priority): the configured tenants and the kernel's, both sorted by
 * name, are merged; each configured tenant takes its counters, is charged,
 * has its settings enforced, its metrics entry filled and its changes
 * announced; a kernel tenant no file names is deleted if it is ours. At
 * the end the metrics are published and the state is saved. At most one
 * sample is in flight: a tick that finds one still running is skipped.
 */
#define SAMPLE_SLICE_NS		(1 * NSEC_PER_MSEC)

static void sample_begin(Manager *m)
{
	struct sample *s = &m->sample;
	const struct kernel_tenant *d;
	uint64_t *busy;

	m->sample_phase = SAMPLE_PROCESSING;
	if (s->present >= 0) {
		if (s->changed) {
			if (s->present > 0) {
				log_notice("The accelq module is loaded: applying the configuration");
				m->collector_failed_logged = false;
			} else {
				log_warning("The accelq module is not loaded; waiting for it");
			}
		}
		kernel_set_family(m->kernel, s->family);
	}
	m->kernel_present = s->present > 0;
	if (m->kernel_present && s->dump_err < 0) {
		log_warning("Failed to read the kernel's tenants: %s",
			    strerror(-s->dump_err));
		/* Without the kernel's view, change nothing. */
		m->kernel_present = false;
	}
	if (!m->kernel_present)
		s->n_tenants = 0;	/* merge nothing from the kernel */
	if (s->save_err < 0)
		m->state_dirty = true;	/* try again */

	util_clock_tick(&m->clock, s->mono_ns);
	if (m->kernel_present)
		engines_update(m, s);

	/* Keep the default tenant's counters (for the metrics). */
	m->has_default = false;
	d = m->kernel_present ? s->dflt : NULL;
	if (d) {
		busy = realloc(m->default_tenant.engine_busy_ns,
			       (d->nr_engine_busy ?: 1) * sizeof(*busy));
		if (busy) {
			m->default_tenant = *d;
			m->default_tenant.engine_busy_ns = busy;
			if (d->nr_engine_busy)
				memcpy(busy, d->engine_busy_ns,
				       d->nr_engine_busy * sizeof(*busy));
			m->has_default = true;
		}
	}

	if (s->has_bpf && s->bpf_err >= 0) {
		memcpy(m->bpf_lost, s->bpf.lost, sizeof(m->bpf_lost));
		m->bpf_lost_valid = true;
	} else if (s->has_bpf) {
		log_warning("Failed to read the BPF maps: %s",
			    strerror(-s->bpf_err));
	}

	metrics_begin(m);
	m->sample_tenant = 0;
	m->sample_kernel = 0;
	m->sample_created = 0;
}

/* One configured tenant against its kernel entry @k (NULL: none). */
static void sample_tenant(Manager *m, Tenant *t, const struct kernel_tenant *k)
{
	/* Changed by us since the reading was asked for: our view is newer. */
	bool stale = t->changed_seq == m->sample_seq;

	if (!stale) {
		t->in_kernel = false;
		if (k && tenant_set_kernel(t, k) < 0)
			log_error("Tenant %s: out of memory", t->cfg.name);
		if (!t->in_kernel)
			t->k.id = ID_NONE;
	}
	tenant_account(m, t, m->sample.real_ns);
	if (m->kernel_present && !stale)
		manager_apply_tenant(m, t, NULL);
	if (t->created)
		m->sample_created++;
	tenant_update_bpf(m, t);
	metrics_add_tenant(m, t);
	manager_bus_tenant_changed(m, t);
}

/*
 * Merge the configured tenants with the kernel's until @deadline (0: to
 * the end); true when done.
 */
static bool sample_merge(Manager *m, uint64_t deadline)
{
	const struct sample *s = &m->sample;
	unsigned int n = 0;

	while (m->sample_tenant < m->n_tenants ||
	       m->sample_kernel < s->n_tenants) {
		Tenant *t = m->sample_tenant < m->n_tenants ?
			    m->tenants[m->sample_tenant] : NULL;
		const struct kernel_tenant *k =
			m->sample_kernel < s->n_tenants ?
			s->tenants[m->sample_kernel] : NULL;
		int c = !t ? 1 : !k ? -1 : strcmp(t->cfg.name, k->name);

		if (c <= 0) {
			sample_tenant(m, t, c == 0 ? k : NULL);
			m->sample_tenant++;
		} else {
			reconcile_stray(m, k);
		}
		if (c >= 0)
			m->sample_kernel++;
		/* The clock may be slow to read (an emulated HPET). */
		if (deadline && ++n % 8 == 0 &&
		    now_ns(CLOCK_MONOTONIC) >= deadline)
			return false;
	}
	return true;
}

static void sample_request(Manager *m);

static void sample_finish(Manager *m)
{
	uint64_t now_mono = now_ns(CLOCK_MONOTONIC);

	if (m->kernel_present) {
		/* Every created name met in the merge: nothing is gone. */
		if (m->sample_created != m->state.n_created)
			reconcile_created(m, m->sample.tenants,
					  m->sample.n_tenants);
		if (!m->kernel_configured)
			log_info("Kernel configured: %zu tenant%s", m->n_tenants,
				 m->n_tenants == 1 ? "" : "s");
		m->kernel_configured = true;
	}
	sampler_recycle(m->sampler, &m->sample);
	m->sample_phase = SAMPLE_IDLE;

	collector_reconfigure(m);
	metrics_publish(m);
	manager_bus_manager_changed(m);
	if (m->state_dirty ||
	    now_mono - m->state_saved_ns >= STATE_SAVE_INTERVAL_NS)
		state_save_now(m, now_mono);
	manager_notify_ready(m);

	if (m->resample) {
		m->resample = false;
		sample_request(m);
	}
}

/* Work through the rest of the sample being processed, at once. */
static void sample_complete(Manager *m)
{
	if (m->sample_phase != SAMPLE_PROCESSING)
		return;
	sample_merge(m, 0);
	if (m->sample_step)
		sd_event_source_set_enabled(m->sample_step, SD_EVENT_OFF);
	sample_finish(m);
}

void manager_sample(Manager *m)
{
	if (m->sample_phase != SAMPLE_IDLE)
		return;
	m->sample_seq++;
	sampler_read_now(m->sampler, m->collector, &m->sample);
	sample_begin(m);
	sample_complete(m);
}

/* Have the sampler thread read; the loop carries on meanwhile. */
static void sample_request(Manager *m)
{
	int r;

	if (m->sample_phase != SAMPLE_IDLE)
		return;
	m->sample_seq++;
	r = sampler_request(m->sampler, m->collector);
	if (r < 0) {
		log_error("Failed to start a sample: %s", strerror(-r));
		return;
	}
	m->sample_phase = SAMPLE_READING;
}

/* ------------------------------------------------------- event sources -- */

static int on_sample_read(sd_event_source *s _unused_, int fd _unused_,
			  uint32_t revents _unused_, void *userdata)
{
	Manager *m = userdata;
	int r;

	if (m->sample_phase != SAMPLE_READING ||
	    sampler_take(m->sampler, &m->sample) < 0)
		return 0;
	sample_begin(m);
	r = sd_event_source_set_enabled(m->sample_step, SD_EVENT_ON);
	if (r < 0) {
		log_error("Failed to process the sample in slices: %s",
			  strerror(-r));
		sample_complete(m);
	}
	return 0;
}

static int on_sample_step(sd_event_source *s, void *userdata)
{
	Manager *m = userdata;

	if (!sample_merge(m, now_ns(CLOCK_MONOTONIC) + SAMPLE_SLICE_NS))
		return 0;
	sd_event_source_set_enabled(s, SD_EVENT_OFF);
	sample_finish(m);
	return 0;
}

static int on_sample_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Manager *m = userdata;
	uint64_t interval, now = 0, next;
	int r;

	if (m->sample_phase == SAMPLE_IDLE)
		sample_request(m);
	else
		log_debug("The previous sample is still running, skipping a tick");

	/* A steady rhythm: the next tick one interval after this one's
	 * deadline, or one interval from now if a sample ran late. */
	interval = m->config->daemon.sample_interval_ns / NSEC_PER_USEC;
	next = usec + interval;
	if (sd_event_now(sd_event_source_get_event(s), CLOCK_MONOTONIC, &now) >= 0 &&
	    next <= now)
		next = now + interval;
	r = sd_event_source_set_time(s, next);
	if (r >= 0)
		r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	if (r < 0)
		log_error("Failed to re-arm the sampling timer: %s",
			  strerror(-r));
	return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si,
		      void *userdata _unused_)
{
	log_info("Received %s, stopping", strsignal((int)si->ssi_signo));
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_sighup(sd_event_source *s _unused_,
		     const struct signalfd_siginfo *si _unused_,
		     void *userdata)
{
	_cleanup_free_ char *error = NULL;

	manager_reload(userdata, &error);
	return 0;
}

/* ------------------------------------------------------------- reload -- */

static int metrics_reconfigure(Manager *m, const char *listen)
{
	struct metrics_server *ms = NULL;
	char *copy;
	int r;

	if (m->metrics_listen && !strcmp(m->metrics_listen, listen))
		return 0;
	copy = strdup(listen);
	if (!copy)
		return -ENOMEM;
	if (*listen) {
		r = metrics_server_start(listen, &ms);
		if (r < 0) {
			free(copy);
			return log_error_errno(r, "Failed to serve metrics on %s: %m",
					       listen);
		}
		log_info("Serving metrics on http://%s/metrics", listen);
	}
	metrics_server_stop(m->metrics);
	m->metrics = ms;
	free(m->metrics_listen);
	m->metrics_listen = copy;
	return 0;
}

int manager_reload(Manager *m, char **error)
{
	_cleanup_(config_freep) struct config *c = NULL;
	_cleanup_free_ struct tenant_config *copies = NULL;
	_cleanup_free_ Tenant **v = NULL;
	struct config *old_config;
	Tenant **old;
	size_t i, old_n;
	uint64_t old_interval;
	int r = 0;

	*error = NULL;
	log_info("Reloading the configuration from %s", m->config_root);
	r = config_load(m->config_root, &c, error);
	if (r < 0) {
		log_error("Reload failed, keeping the running configuration: %s",
			  *error ?: strerror(-r));
		return r;
	}
	r = metrics_reconfigure(m, c->daemon.metrics_listen);
	if (r < 0) {
		*error = strdup_printf("cannot serve metrics on %s: %s",
				       c->daemon.metrics_listen, strerror(-r));
		return r;
	}

	/* A sample being worked through refers to tenants by position. */
	sample_complete(m);

	/*
	 * First everything that can fail: new Tenant objects for new names,
	 * copies of the new files for the others. Tenants that stay keep
	 * their budget and history.
	 */
	v = calloc(c->n_tenants + 1, sizeof(*v));
	copies = calloc(c->n_tenants + 1, sizeof(*copies));
	if (!v || !copies)
		goto oom;
	old_config = m->config;
	m->config = c;
	for (i = 0; i < c->n_tenants && r >= 0; i++) {
		if (manager_find_tenant(m, c->tenants[i].name))
			r = tenant_config_copy(&copies[i], &c->tenants[i]);
		else
			r = tenant_new(m, &c->tenants[i], &v[i]);
	}
	m->config = old_config;
	if (r < 0) {
		for (i = 0; i < c->n_tenants; i++) {
			tenant_free(v[i]);
			if (copies[i].file)
				tenant_config_done(&copies[i]);
		}
		goto oom;
	}

	/* Nothing fails from here on. */
	for (i = 0; i < c->n_tenants; i++) {
		Tenant *t = manager_find_tenant(m, c->tenants[i].name);

		if (!t) {
			log_info("Tenant %s: added", c->tenants[i].name);
			continue;
		}
		tenant_config_done(&t->cfg);
		t->cfg = copies[i];
		/* SetTenantQuota changes last until a reload. */
		tenant_settings_from_config(&t->set, &t->cfg);
		free(t->last_error);
		t->last_error = NULL;
		v[i] = t;
	}
	old = m->tenants;
	old_n = m->n_tenants;
	m->tenants = TAKE_PTR(v);
	m->n_tenants = c->n_tenants;
	for (i = 0; i < old_n; i++) {
		if (manager_find_tenant(m, old[i]->cfg.name) == old[i])
			continue;
		log_info("Tenant %s: removed", old[i]->cfg.name);
		tenant_free(old[i]);
	}
	free(old);
	metrics_names_size(m);

	old_interval = old_config->daemon.sample_interval_ns;
	m->config = TAKE_PTR(c);
	config_free(old_config);

	if (m->config->daemon.sample_interval_ns != old_interval) {
		/* A new clock of the right size; histories start over. */
		util_clock_done(&m->clock);
		if (util_clock_init(&m->clock,
				    util_ring_capacity(UTIL_MAX_WINDOW_NS,
					m->config->daemon.sample_interval_ns)) < 0)
			log_error("Out of memory for utilization history");
		for (i = 0; i < m->n_tenants; i++) {
			util_hist_done(&m->tenants[i]->hist);
			if (util_hist_init(&m->tenants[i]->hist, &m->clock) < 0)
				log_error("Tenant %s: out of memory for its history",
					  m->tenants[i]->cfg.name);
		}
		engines_free(m);
	}
	m->state_dirty = true;
	m->collector_failed_logged = false;
	log_info("Configuration reloaded: %zu tenant%s", m->n_tenants,
		 m->n_tenants == 1 ? "" : "s");
	/* Apply at once rather than at the next tick. */
	if (m->sample_phase == SAMPLE_IDLE)
		sample_request(m);
	else
		m->resample = true;
	sd_notifyf(false, "STATUS=Managing %zu tenant%s", m->n_tenants,
		   m->n_tenants == 1 ? "" : "s");
	return 0;
oom:
	*error = strdup("out of memory");
	return log_error_errno(-ENOMEM, "Reload failed: out of memory");
}

/* ---------------------------------------------------------- lifecycle -- */

int manager_new(Manager **ret, const char *config_root, struct config *config,
		enum bus_kind bus_kind, const char *bus_address)
{
	_cleanup_(manager_freep) Manager *m = NULL;
	_cleanup_free_ char *err = NULL;
	size_t i;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	state_init(&m->state);
	m->config = config;
	m->bus_kind = bus_kind;
	m->config_root = strdup(config_root);
	m->bus_address = bus_address ? strdup(bus_address) : NULL;
	if (!m->config_root || (bus_address && !m->bus_address))
		return -ENOMEM;

	r = util_clock_init(&m->clock,
			    util_ring_capacity(UTIL_MAX_WINDOW_NS,
					       config->daemon.sample_interval_ns));
	if (r < 0)
		return r;

	r = state_load(config->daemon.state_dir, &m->state, &err);
	if (r < 0) {
		/* Atomic writes make this unlikely; never refuse to run. */
		log_error("Ignoring unreadable state: %s", err ?: strerror(-r));
		state_done(&m->state);
		state_init(&m->state);
	}

	m->tenants = calloc(config->n_tenants + 1, sizeof(*m->tenants));
	if (!m->tenants)
		return -ENOMEM;
	for (i = 0; i < config->n_tenants; i++) {
		r = tenant_new(m, &config->tenants[i], &m->tenants[i]);
		if (r < 0)
			return r;
		m->n_tenants++;
	}
	qsort(m->tenants, m->n_tenants, sizeof(*m->tenants), tenant_ptr_cmp);
	metrics_names_size(m);
	/* The tenant entries are rebuilt at every save; only the created
	 * names are needed in between. */
	free(m->state.tenants);
	m->state.tenants = NULL;
	m->state.n_tenants = 0;
	*ret = TAKE_PTR(m);
	return 0;
}

Manager *manager_free(Manager *m)
{
	size_t i;

	if (!m)
		return NULL;
	sd_event_source_unref(m->sample_timer);
	sd_event_source_unref(m->sample_read);
	sd_event_source_unref(m->sample_step);
	if (m->bus) {
		sd_bus_flush(m->bus);
		sd_bus_flush_close_unref(m->bus);
	}
	/* Waits for a reading in progress, which may use the collector. */
	if (m->sampler)
		sampler_recycle(m->sampler, &m->sample);
	sampler_free(m->sampler);
	metrics_snapshot_free(m->sample_metrics);
	metrics_server_stop(m->metrics);
	collector_close(m->collector);
	kernel_free(m->kernel);
	for (i = 0; i < m->n_tenants; i++)
		tenant_free(m->tenants[i]);
	free(m->tenants);
	engines_free(m);
	util_clock_done(&m->clock);
	free(m->default_tenant.engine_busy_ns);
	state_done(&m->state);
	config_free(m->config);
	sd_event_unref(m->event);
	free(m->metrics_listen);
	free(m->config_root);
	free(m->bus_address);
	free(m);
	return NULL;
}

int manager_start(Manager *m)
{
	int r;

	r = sd_event_default(&m->event);
	if (r < 0)
		return log_error_errno(r, "Failed to allocate the event loop: %m");
	/* Pings the service manager when WatchdogSec= is set. */
	r = sd_event_set_watchdog(m->event, true);
	if (r < 0)
		return log_error_errno(r, "Failed to enable the watchdog: %m");
	r = sd_event_add_signal(m->event, NULL, SIGTERM, on_sigterm, m);
	if (r >= 0)
		r = sd_event_add_signal(m->event, NULL, SIGINT, on_sigterm, m);
	if (r >= 0)
		r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add signal sources: %m");

	/* Kernel first: the tenants are in force before anyone asks. */
	r = kernel_new(&m->kernel);
	if (r < 0)
		return log_error_errno(r, "Failed to open netlink: %m");
	r = sampler_new(&m->sampler);
	if (r < 0)
		return log_error_errno(r, "Failed to start the sampler: %m");
	r = metrics_reconfigure(m, m->config->daemon.metrics_listen);
	if (r < 0)
		return r;
	manager_sample(m);
	if (!m->kernel_present)
		sd_notify(false, "STATUS=Waiting for the accelq kernel module");

	r = manager_bus_setup(m);
	if (r < 0)
		return r;

	/* Samples are read on a thread and worked through in slices at idle
	 * priority: the bus (normal priority) is served in between. */
	r = sd_event_add_io(m->event, &m->sample_read,
			    sampler_fd(m->sampler), EPOLLIN, on_sample_read, m);
	if (r < 0)
		return log_error_errno(r, "Failed to watch the sampler: %m");
	r = sd_event_add_defer(m->event, &m->sample_step, on_sample_step, m);
	if (r >= 0)
		r = sd_event_source_set_priority(m->sample_step,
						 SD_EVENT_PRIORITY_IDLE);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->sample_step, SD_EVENT_OFF);
	if (r < 0)
		return log_error_errno(r, "Failed to add the sample source: %m");

	r = sd_event_add_time_relative(m->event, &m->sample_timer,
				       CLOCK_MONOTONIC,
				       m->config->daemon.sample_interval_ns /
				       NSEC_PER_USEC,
				       0, on_sample_timer, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the sampling timer: %m");

	manager_notify_ready(m);
	return 0;
}
