/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelqd - the Manager: event loop, bus, netlink, BPF, timers, tenants.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQD_MANAGER_H
#define ACCELQD_MANAGER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "budget.h"
#include "collector.h"
#include "config.h"
#include "kernel.h"
#include "metrics.h"
#include "sampler.h"
#include "state.h"

#define BUS_NAME		"org.accelq.Scheduler1"
#define MANAGER_PATH		"/org/accelq/Scheduler1"
#define MANAGER_IFACE		"org.accelq.Scheduler1.Manager"
#define TENANT_PREFIX		"/org/accelq/Scheduler1/tenant"
#define TENANT_IFACE		"org.accelq.Scheduler1.Tenant"
#define ERROR_NO_SUCH_TENANT	"org.accelq.Scheduler1.Error.NoSuchTenant"
#define ERROR_BAD_CONFIG	"org.accelq.Scheduler1.Error.BadConfig"

#define CGROUP_ROOT		"/sys/fs/cgroup"
#define ID_NONE			UINT32_MAX	/* not in the kernel */
#define UTIL_MAX_WINDOW_NS	(60 * NSEC_PER_SEC)
#define ENGINE_UTIL_WINDOW_NS	(10 * NSEC_PER_SEC)
#define STATE_SAVE_INTERVAL_NS	(30 * NSEC_PER_SEC)

enum bus_kind {
	BUS_SYSTEM,
	BUS_USER,
	BUS_ADDRESS,
};

typedef struct Manager Manager;

/* Settings a tenant runs with: its file, changed by SetTenantQuota. */
struct tenant_settings {
	uint32_t weight;
	uint64_t cap_quota_ns;
	uint64_t cap_period_ns;
	uint64_t burst_ns;
	uint64_t budget_ns;
};

typedef struct Tenant {
	Manager *manager;
	struct tenant_config cfg;	/* from tenants.d; owns its strings */
	struct tenant_settings set;
	char *path;			/* D-Bus object path */

	bool created;			/* in state: ours to delete */

	/* The kernel's view at the last sample (or after our last change);
	 * k.engine_busy_ns points to @engine_busy. */
	bool in_kernel;
	struct kernel_tenant k;
	uint64_t *engine_busy;
	char *last_error;		/* last failure, logged once */

	/* Accounting. */
	bool have_baseline;
	uint32_t baseline_id;
	uint64_t baseline_busy_ns;
	uint64_t busy_total_ns;		/* across tenant re-creations */
	struct budget_state budget;
	struct util_hist hist;
	double util[3];

	/* From BPF, allocated when the tenant first shows up there. */
	bool has_wait_hist;
	uint64_t *wait_hist;		/* ACCELQ_BPF_HIST_BUCKETS */
	uint64_t wait_ns_sum;

	uint64_t props_hash;		/* for PropertiesChanged */
	/* Manager.sample_seq when we last changed it in the kernel. */
	uint64_t changed_seq;
} Tenant;

struct engine_state {
	struct kernel_engine k;
	struct util_hist hist;
	double util;
};

enum sample_phase {
	SAMPLE_IDLE,
	SAMPLE_READING,			/* the sampler thread reads */
	SAMPLE_PROCESSING,		/* the loop works through @sample */
};

struct Manager {
	sd_event *event;
	sd_bus *bus;
	enum bus_kind bus_kind;
	char *bus_address;

	char *config_root;
	struct config *config;
	Tenant **tenants;		/* sorted by name */
	size_t n_tenants;

	struct util_clock clock;	/* sample times of every util_hist */

	struct kernel *kernel;
	bool kernel_present;
	bool kernel_configured;		/* one reconcile against the module */
	struct engine_state *engines;
	size_t n_engines;
	bool has_default;
	struct kernel_tenant default_tenant;	/* engine_busy_ns: own copy */
	bool default_used;		/* it had a job: in the metrics */

	struct collector *collector;
	bool collector_failed_logged;
	bool bpf_lost_valid;
	uint64_t bpf_lost[ACCELQ_BPF_LOST_MAX];

	struct metrics_server *metrics;
	char *metrics_listen;		/* what @metrics listens on, "" = none */
	size_t names_size;		/* tenant names in a metrics snapshot */

	/* Sampling (manager.c): read on a thread, processed in slices. */
	struct sampler *sampler;
	sd_event_source *sample_timer;
	sd_event_source *sample_read;	/* the sampler has a reading */
	sd_event_source *sample_step;	/* one slice of its processing */
	enum sample_phase sample_phase;
	uint64_t sample_seq;		/* readings asked for so far */
	bool resample;			/* another one when this is done */
	struct sample sample;		/* being processed */
	size_t sample_tenant;		/* merge position in @tenants */
	size_t sample_kernel;		/* merge position in sample.tenants */
	size_t sample_created;		/* created names met in the merge */
	struct metrics_snapshot *sample_metrics;	/* being filled */

	struct state state;		/* names created; budgets at save */
	bool state_dirty;
	uint64_t state_saved_ns;

	bool ready;
	uint64_t manager_props_hash;
};

int manager_new(Manager **ret, const char *config_root, struct config *config,
		enum bus_kind bus_kind, const char *bus_address);
Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m)
{
	manager_free(*m);
}

/* Everything up to READY=1; then sd_event_loop(). */
int manager_start(Manager *m);

/* Re-read the configuration; on failure keep the old one and return the
 * reason in *@error (also logged). */
int manager_reload(Manager *m, char **error);

/* One whole sample at once, on the loop: read, account, enforce,
 * reconcile, publish (start-up; afterwards the timer runs them). */
void manager_sample(Manager *m);

Tenant *manager_find_tenant(Manager *m, const char *name);
Tenant *manager_find_tenant_by_owner(Manager *m, uid_t uid);

/* Put @t's settings (and budget state) into force in the kernel now. */
int manager_apply_tenant(Manager *m, Tenant *t, char **error);
/* Re-evaluate @t's budget after its limit changed (no new usage). */
void manager_tenant_budget_changed(Manager *m, Tenant *t);

/* manager-bus.c */
int manager_bus_setup(Manager *m);
/* PropertiesChanged for what changed since the last call. */
void manager_bus_tenant_changed(Manager *m, Tenant *t);
void manager_bus_manager_changed(Manager *m);
void manager_bus_emit_quota_exceeded(Manager *m, Tenant *t);
void tenant_desired_settings(const Tenant *t, struct kernel_settings *s);

#endif /* ACCELQD_MANAGER_H */
