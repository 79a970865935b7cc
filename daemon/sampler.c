// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqd - the sampler thread. See sampler.h.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "sampler.h"
#include "util.h"

struct sampler {
	struct kernel *kernel;		/* the thread's own netlink socket */
	int efd;
	pthread_t thread;

	pthread_mutex_t lock;		/* Protects everything below. */
	pthread_cond_t cond;
	bool stop;
	bool requested;			/* a reading is asked for or running */
	bool ready;			/* @reading is finished, not yet taken */
	struct collector *collector;	/* lent with the request */
	struct sample reading;
	struct sample spare;		/* given back, for its arrays */
	char *save_dir;			/* a state waiting to be saved */
	struct state save;
	int save_err;
};

static void sample_clear(struct sample *s)
{
	kernel_tenant_list_clear(&s->dump);
	free(s->engines);
	collector_sample_done(&s->bpf);
	s->engines = NULL;
	s->n_engines = 0;
	s->n_tenants = 0;
}

static void sample_free(struct sample *s)
{
	sample_clear(s);
	kernel_tenant_list_free(&s->dump);
	free(s->tenants);
	memset(s, 0, sizeof(*s));
}

static int kt_name_cmp(const void *a, const void *b)
{
	return strcmp((*(struct kernel_tenant *const *)a)->name,
		      (*(struct kernel_tenant *const *)b)->name);
}

static void read_kernel(struct kernel *k, struct sample *s)
{
	size_t i;

	s->present = kernel_resolve(k, &s->changed);
	s->family = s->present > 0 ? kernel_family(k) : 0;
	if (s->present <= 0)
		return;

	s->dump_err = kernel_tenant_dump(k, &s->dump);
	if (s->dump_err < 0)
		return;
	/* The loop merges them with its tenants, which are sorted by name. */
	if (s->dump.n > s->tenants_cap) {
		struct kernel_tenant **v = realloc(s->tenants,
						   s->dump.n * sizeof(*v));

		if (!v) {
			s->dump_err = -ENOMEM;
			kernel_tenant_list_clear(&s->dump);
			return;
		}
		s->tenants = v;
		s->tenants_cap = s->dump.n;
	}
	for (i = 0; i < s->dump.n; i++) {
		struct kernel_tenant *t = &s->dump.v[i];

		s->tenants[i] = t;
		if (t->id == 0)
			s->dflt = t;
		if (t->nr_engine_busy > s->max_engines)
			s->max_engines = t->nr_engine_busy;
	}
	s->n_tenants = s->dump.n;
	qsort(s->tenants, s->n_tenants, sizeof(*s->tenants), kt_name_cmp);

	s->engine_err = kernel_engine_dump(k, &s->engines, &s->n_engines);
	if (s->engine_err < 0) {
		s->engines = NULL;
		s->n_engines = 0;
	}
}

/* Read into @s, reusing the arrays of @spare (consumed). */
static void read_all(struct kernel *k, struct collector *c,
		     struct sample *spare, struct sample *s)
{
	sample_clear(spare);
	memset(s, 0, sizeof(*s));
	s->dump = spare->dump;
	s->tenants = spare->tenants;
	s->tenants_cap = spare->tenants_cap;
	memset(spare, 0, sizeof(*spare));

	s->mono_ns = now_ns(CLOCK_MONOTONIC);
	s->real_ns = now_ns(CLOCK_REALTIME);
	read_kernel(k, s);
	if (c) {
		s->has_bpf = true;
		s->bpf_err = collector_sample(c, &s->bpf);
	}
}

static void *sampler_thread(void *userdata)
{
	struct sampler *s = userdata;
	struct sample reading, spare;
	struct collector *c;
	struct state state;
	uint64_t one = 1;
	char *dir;
	int r;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->save_dir && !s->stop && (!s->requested || s->ready))
			pthread_cond_wait(&s->cond, &s->lock);

		/* A save first: it is the older request, and never dropped. */
		if (s->save_dir) {
			dir = TAKE_PTR(s->save_dir);
			state = s->save;
			state_init(&s->save);
			pthread_mutex_unlock(&s->lock);

			r = state_save(dir, &state);
			if (r < 0)
				log_error("Failed to save the state to %s/%s: %s",
					  dir, STATE_FILE, strerror(-r));
			state_done(&state);
			free(dir);

			pthread_mutex_lock(&s->lock);
			if (r < 0)
				s->save_err = r;
			continue;
		}
		if (s->stop)
			break;

		c = s->collector;
		spare = s->spare;
		memset(&s->spare, 0, sizeof(s->spare));
		pthread_mutex_unlock(&s->lock);

		read_all(s->kernel, c, &spare, &reading);

		pthread_mutex_lock(&s->lock);
		reading.save_err = s->save_err;
		s->save_err = 0;
		s->reading = reading;
		s->ready = true;
		if (write(s->efd, &one, sizeof(one)) < 0)
			log_warning("Failed to wake the event loop: %m");
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int sampler_new(struct sampler **ret)
{
	struct sampler *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	state_init(&s->save);
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0) {
		r = -errno;
		free(s);
		return r;
	}
	r = kernel_new(&s->kernel);
	if (r < 0) {
		close(s->efd);
		free(s);
		return r;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	r = -pthread_create(&s->thread, NULL, sampler_thread, s);
	if (r < 0) {
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		kernel_free(s->kernel);
		close(s->efd);
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	sample_free(&s->reading);
	sample_free(&s->spare);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	kernel_free(s->kernel);
	close(s->efd);
	free(s);
}

int sampler_fd(struct sampler *s)
{
	return s->efd;
}

int sampler_request(struct sampler *s, struct collector *c)
{
	int r = 0;

	pthread_mutex_lock(&s->lock);
	if (s->requested) {
		r = -EBUSY;
	} else {
		s->requested = true;
		s->collector = c;
		pthread_cond_signal(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int sampler_take(struct sampler *s, struct sample *ret)
{
	uint64_t v;
	int r = -EAGAIN;

	/* Drain the eventfd first: a wakeup after this finds a reading. */
	(void)!read(s->efd, &v, sizeof(v));
	pthread_mutex_lock(&s->lock);
	if (s->ready) {
		*ret = s->reading;
		memset(&s->reading, 0, sizeof(s->reading));
		s->ready = false;
		s->requested = false;
		s->collector = NULL;
		r = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

void sampler_read_now(struct sampler *s, struct collector *c,
		      struct sample *ret)
{
	struct sample spare;

	pthread_mutex_lock(&s->lock);
	spare = s->spare;
	memset(&s->spare, 0, sizeof(s->spare));
	pthread_mutex_unlock(&s->lock);
	read_all(s->kernel, c, &spare, ret);
	pthread_mutex_lock(&s->lock);
	ret->save_err = s->save_err;
	s->save_err = 0;
	pthread_mutex_unlock(&s->lock);
}

void sampler_recycle(struct sampler *s, struct sample *sample)
{
	struct sample old;

	pthread_mutex_lock(&s->lock);
	old = s->spare;
	s->spare = *sample;
	pthread_mutex_unlock(&s->lock);
	memset(sample, 0, sizeof(*sample));
	/* Two given back without a reading in between: keep one. */
	sample_free(&old);
}

int sampler_save(struct sampler *s, const char *dir, struct state *state)
{
	char *copy = strdup(dir);

	if (!copy) {
		state_done(state);
		return -ENOMEM;
	}
	pthread_mutex_lock(&s->lock);
	free(s->save_dir);
	state_done(&s->save);
	s->save_dir = copy;
	s->save = *state;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	state_init(state);
	return 0;
}
