/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelqd - the kernel side over the "accelq" generic netlink family
 * (libnl-genl): tenants, engines and their counters.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQD_KERNEL_H
#define ACCELQD_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define KERNEL_MAX_ENGINES	64

/* What a tenant may be told to be: the settable attributes. */
struct kernel_settings {
	uint32_t weight;
	uint64_t cap_quota_ns;
	uint64_t cap_period_ns;
	uint64_t cap_burst_ns;
	uint32_t classes;
	uint32_t max_queues;
	uint32_t max_inflight;
	uint32_t max_depth;
	uint32_t guilty_limit;
};

/* One tenant as the kernel reports it (ACCELQ_CMD_TENANT_GET). */
struct kernel_tenant {
	uint32_t id;
	char name[TENANT_NAME_MAX + 1];
	bool has_cgroup_id;
	uint64_t cgroup_id;
	bool has_uid;
	uint32_t uid;
	struct kernel_settings set;
	uint32_t flags;			/* ACCELQ_TENANT_F_* */
	uint32_t nr_queues;
	uint32_t nr_clients;
	uint32_t nr_inflight;

	uint64_t busy_ns;
	uint32_t nr_engine_busy;
	uint64_t *engine_busy_ns;	/* nr_engine_busy entries, malloc()ed */
	uint64_t jobs_accepted;
	uint64_t jobs_ok;
	uint64_t jobs_canceled;
	uint64_t jobs_timedout;
	uint64_t jobs_io;
	uint64_t wait_ns;
	uint64_t preemptions;
	uint64_t nr_periods;
	uint64_t nr_throttled;
	uint64_t throttled_ns;
	uint32_t guilty;
};

struct kernel_engine {
	uint32_t id;
	char name[32];
	uint64_t busy_ns;
	uint32_t nr_queues;
	uint64_t resets;
	uint64_t preemptions;
};

struct kernel;

int kernel_new(struct kernel **ret);
void kernel_free(struct kernel *k);

/*
 * Look the family up again. Returns 1 if it is registered (the module is
 * loaded), 0 if not, negative errno on failure. *@changed is set when
 * presence or the family id changed since the last call.
 */
int kernel_resolve(struct kernel *k, bool *changed);
bool kernel_present(const struct kernel *k);
/* The family id (0: absent), to hand a resolution to another socket. */
int kernel_family(const struct kernel *k);
void kernel_set_family(struct kernel *k, int family);

/* Tenants of a dump, sorted by id; the array is reused by the next dump
 * into the same list. */
struct kernel_tenant_list {
	struct kernel_tenant *v;
	size_t n, cap;
};

int kernel_tenant_dump(struct kernel *k, struct kernel_tenant_list *l);
/* Drop the entries, keep the array / free everything. */
void kernel_tenant_list_clear(struct kernel_tenant_list *l);
void kernel_tenant_list_free(struct kernel_tenant_list *l);

/* Engines, malloc()ed: free() them. */
int kernel_engine_dump(struct kernel *k, struct kernel_engine **ret,
		       size_t *n);

/*
 * Changes. On failure *@errmsg (if set) gets the kernel's extack message
 * or strerror(); the caller frees it.
 */
int kernel_tenant_new(struct kernel *k, const char *name,
		      enum match_kind match, const char *cgroup, uint32_t uid,
		      const struct kernel_settings *set, uint32_t *ret_id,
		      char **errmsg);
int kernel_tenant_set(struct kernel *k, const char *name,
		      const struct kernel_settings *set, char **errmsg);
int kernel_tenant_del(struct kernel *k, const char *name, bool force,
		      char **errmsg);

bool kernel_settings_equal(const struct kernel_settings *a,
			   const struct kernel_settings *b);

#endif /* ACCELQD_KERNEL_H */
