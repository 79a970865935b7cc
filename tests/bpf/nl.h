/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal client of the "accelq" generic netlink family for the BPF tests:
 * create, read and delete tenants. Functions return 0 or a negative errno;
 * aqnl_open() returns -ENOENT when the family is not registered.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQ_BPF_TEST_NL_H
#define ACCELQ_BPF_TEST_NL_H

#include <stdint.h>

#define AQNL_MAX_ENGINES	64

struct aqnl;

struct aqnl_stats {
	uint64_t busy_ns;
	uint64_t engine_busy_ns[AQNL_MAX_ENGINES];
	uint64_t jobs_accepted;
	uint64_t jobs_ok;
	uint64_t jobs_canceled;
	uint64_t jobs_timedout;
	uint64_t jobs_io;
	uint64_t wait_ns;
	uint64_t preemptions;
	uint64_t nr_throttled;
	uint64_t throttled_ns;
	uint32_t flags;		/* ACCELQ_TENANT_F_* */
};

int aqnl_open(struct aqnl **nl);
void aqnl_close(struct aqnl *nl);
/* A tenant matching @uid; a cap of @quota_ns per @period_ns unless 0. */
int aqnl_tenant_new_uid(struct aqnl *nl, const char *name, uint32_t uid,
			uint64_t quota_ns, uint64_t period_ns, uint32_t *id);
int aqnl_tenant_get(struct aqnl *nl, uint32_t id, struct aqnl_stats *st);
int aqnl_tenant_del(struct aqnl *nl, uint32_t id);

#endif /* ACCELQ_BPF_TEST_NL_H */
