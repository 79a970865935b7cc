/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelqd - the sampler: a thread that reads the kernel's counters (the
 * tenant and engine dumps over netlink) and the BPF maps, and writes the
 * state file, so the event loop keeps serving D-Bus while thousands of
 * tenants are read, parsed and saved. The loop asks for a reading, waits
 * for sampler_fd() to become readable, takes the reading, works through it
 * in slices (manager.c) and gives it back for reuse.
 *
 * Ownership is handed over, never shared: from sampler_request() until the
 * reading is taken, the thread alone uses its netlink socket and the
 * collector it was lent, and the loop touches neither. A state to save is
 * the thread's copy.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQD_SAMPLER_H
#define ACCELQD_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector.h"
#include "kernel.h"
#include "state.h"

struct sample {
	uint64_t mono_ns;		/* when the kernel was read */
	uint64_t real_ns;

	int present;			/* kernel_resolve(): 1, 0 or -errno */
	bool changed;			/* the family appeared, went or moved */
	int family;			/* its id, 0 when absent */
	int dump_err;			/* the tenant dump failed */
	struct kernel_tenant_list dump;	/* sorted by id */
	struct kernel_tenant **tenants;	/* the same, sorted by name */
	size_t n_tenants;
	size_t tenants_cap;
	struct kernel_tenant *dflt;	/* the default tenant, if there */
	uint32_t max_engines;		/* most engine_busy_ns of a tenant */
	int engine_err;
	struct kernel_engine *engines;
	size_t n_engines;

	bool has_bpf;			/* a collector was read... */
	int bpf_err;			/* ...with this result */
	struct collector_sample bpf;

	int save_err;			/* a state save since the last reading failed */
};

struct sampler;

int sampler_new(struct sampler **ret);
/* Finishes a reading and a save in progress. NULL is fine. */
void sampler_free(struct sampler *s);

/* Readable (an eventfd) when a requested reading is ready. */
int sampler_fd(struct sampler *s);

/* Start a reading on the thread; @c (may be NULL) is lent until taken. */
int sampler_request(struct sampler *s, struct collector *c);
/* The finished reading: 0, or -EAGAIN while there is none. */
int sampler_take(struct sampler *s, struct sample *ret);
/* A reading on the calling thread, while the thread reads nothing. */
void sampler_read_now(struct sampler *s, struct collector *c,
		      struct sample *ret);
/* Hand a processed reading back: freed, its arrays reused, on the thread. */
void sampler_recycle(struct sampler *s, struct sample *sample);

/*
 * Write @state (taken over; a newer one replaces one still waiting) to
 * @dir/state on the thread. A failure is logged there and reported in the
 * next reading's save_err.
 */
int sampler_save(struct sampler *s, const char *dir, struct state *state);

#endif /* ACCELQD_SAMPLER_H */
