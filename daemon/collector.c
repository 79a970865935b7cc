// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqd - the BPF collectors through libaccelq-bpf.
 *
 * Copyright (C) 2026 The accelq authors
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "util.h"

#ifdef HAVE_LIBACCELQ_BPF
#include "libaccelq_bpf.h"

struct collector {
	struct accelq_collector *c;
};

bool collector_available(void)
{
	return true;
}

/* The last few lines of libbpf's log: the verifier's verdict. */
static void log_tail(const char *buf)
{
	const char *p = buf + strlen(buf);
	int lines = 0;

	while (p > buf && lines < 4)
		if (*--p == '\n' && p[1])
			lines++;
	if (*p == '\n')
		p++;
	if (*p)
		log_error("libbpf said:\n%s", p);
}

int collector_open(struct collector **ret)
{
	_cleanup_free_ char *log = calloc(1, 65536);
	struct accelq_collector_opts opts = {
		.sz = sizeof(opts),
		.pin_dir = NULL,	/* ACCELQ_BPF_PIN_DIR: survive restarts */
		.flags = ACCELQ_COLLECTOR_NO_EVENTS,
		.log_buf = log,
		.log_size = log ? 65536 : 0,
	};
	struct collector *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = accelq_collector_open(&opts, &c->c);
	if (r < 0) {
		if (log)
			log_tail(log);
		free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void collector_close(struct collector *c)
{
	if (!c)
		return;
	accelq_collector_close(c->c);
	free(c);
}

int collector_sample(struct collector *c, struct collector_sample *s)
{
	struct accelq_snapshot snap;
	size_t i;
	int r;

	memset(s, 0, sizeof(*s));
	memset(&snap, 0, sizeof(snap));
	r = accelq_collector_snapshot(c->c, &snap);
	if (r < 0)
		return r;
	memcpy(s->lost, snap.lost, sizeof(s->lost));
	if (snap.nr_tenants) {
		s->tenants = calloc(snap.nr_tenants, sizeof(*s->tenants));
		if (!s->tenants) {
			accelq_snapshot_free(&snap);
			return -ENOMEM;
		}
	}
	for (i = 0; i < snap.nr_tenants; i++) {
		const struct accelq_tenant_usage *u = &snap.tenants[i];
		struct collector_tenant *t = &s->tenants[i];

		t->tenant = u->tenant;
		t->wait_ns_sum = u->wait_ns_sum;
		memcpy(t->wait_hist, u->wait_hist, sizeof(t->wait_hist));
	}
	s->n_tenants = snap.nr_tenants;
	accelq_snapshot_free(&snap);
	return 0;
}

void collector_forget(struct collector *c, uint32_t tenant)
{
	if (c)
		accelq_collector_forget_tenant(c->c, tenant);
}

#else /* !HAVE_LIBACCELQ_BPF */

bool collector_available(void)
{
	return false;
}

int collector_open(struct collector **ret _unused_)
{
	return -EOPNOTSUPP;
}

void collector_close(struct collector *c _unused_)
{
}

int collector_sample(struct collector *c _unused_, struct collector_sample *s)
{
	memset(s, 0, sizeof(*s));
	return -EOPNOTSUPP;
}

void collector_forget(struct collector *c _unused_, uint32_t tenant _unused_)
{
}

#endif /* HAVE_LIBACCELQ_BPF */

void collector_sample_done(struct collector_sample *s)
{
	free(s->tenants);
	memset(s, 0, sizeof(*s));
}

static int tenant_cmp(const void *key, const void *elem)
{
	uint32_t a = *(const uint32_t *)key;
	uint32_t b = ((const struct collector_tenant *)elem)->tenant;

	return a < b ? -1 : a > b;
}

const struct collector_tenant *collector_sample_find(
		const struct collector_sample *s, uint32_t tenant)
{
	if (!s->n_tenants)
		return NULL;
	return bsearch(&tenant, s->tenants, s->n_tenants, sizeof(*s->tenants),
		       tenant_cmp);
}
