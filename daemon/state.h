/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelqd - persistent state: budgets and the tenants the daemon created.
 *
 * STATE_DIR/state is a small text file, replaced atomically (temporary
 * file, fsync, rename, fsync of the directory), so after a crash or
 * SIGKILL it holds either the previous or the new contents, never a mix.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQD_STATE_H
#define ACCELQD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

#define STATE_FILE	"state"
#define STATE_VERSION	1

struct state_tenant {
	char name[TENANT_NAME_MAX + 1];
	uint32_t kernel_id;		/* tenant object the baseline belongs to */
	bool has_kernel_id;
	uint64_t baseline_busy_ns;	/* kernel busy counter at the last sample */
	uint64_t busy_total_ns;		/* engine time seen since first sample */
	uint64_t window_start_ns;	/* CLOCK_REALTIME */
	uint64_t used_ns;
	bool exhausted;
	bool notified;
};

struct state {
	char (*created)[TENANT_NAME_MAX + 1];	/* tenants the daemon created */
	size_t n_created;
	struct state_tenant *tenants;
	size_t n_tenants;
	bool sorted;	/* both arrays sorted by name, no duplicates */
};

void state_init(struct state *s);
void state_done(struct state *s);

/*
 * Lookups sort both arrays on first use after a change (O(n log n) once,
 * then O(log n)), so thousands of tenants cost little. Adding appends;
 * duplicates disappear at the next sort.
 */
int state_add_created(struct state *s, const char *name);
void state_remove_created(struct state *s, const char *name);
bool state_is_created(struct state *s, const char *name);
/* The entry for @name, added zeroed if missing; NULL on ENOMEM. */
struct state_tenant *state_tenant(struct state *s, const char *name);
const struct state_tenant *state_find_tenant(struct state *s,
					     const char *name);
void state_sort(struct state *s);

/* Serialise / parse the text form (unit-tested). */
int state_format(struct state *s, FILE *f);
int state_parse(const char *text, struct state *s, char **error);

/* Read DIR/state (missing: empty state, 0) / replace it atomically. */
int state_load(const char *dir, struct state *s, char **error);
int state_save(const char *dir, struct state *s);

#endif /* ACCELQD_STATE_H */
