// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqd - persistent state, written atomically.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "util.h"

void state_init(struct state *s)
{
	memset(s, 0, sizeof(*s));
}

void state_done(struct state *s)
{
	free(s->created);
	free(s->tenants);
	memset(s, 0, sizeof(*s));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int tenant_cmp(const void *a, const void *b)
{
	return strcmp(((const struct state_tenant *)a)->name,
		      ((const struct state_tenant *)b)->name);
}

void state_sort(struct state *s)
{
	size_t i, n;

	if (s->sorted)
		return;
	if (s->n_created > 1) {
		qsort(s->created, s->n_created, sizeof(*s->created), name_cmp);
		for (i = 1, n = 1; i < s->n_created; i++)
			if (strcmp(s->created[i], s->created[n - 1]))
				memcpy(s->created[n++], s->created[i],
				       sizeof(*s->created));
		s->n_created = n;
	}
	if (s->n_tenants > 1) {
		/* Stable enough: a later duplicate (from parsing) wins. */
		qsort(s->tenants, s->n_tenants, sizeof(*s->tenants), tenant_cmp);
		for (i = 1, n = 1; i < s->n_tenants; i++) {
			if (strcmp(s->tenants[i].name, s->tenants[n - 1].name))
				n++;
			s->tenants[n - 1] = s->tenants[i];
		}
		s->n_tenants = n;
	}
	s->sorted = true;
}

bool state_is_created(struct state *s, const char *name)
{
	state_sort(s);
	return s->n_created &&
	       bsearch(name, s->created, s->n_created, sizeof(*s->created),
		       name_cmp);
}

int state_add_created(struct state *s, const char *name)
{
	char (*n)[TENANT_NAME_MAX + 1];

	if (strlen(name) > TENANT_NAME_MAX)
		return -EINVAL;
	n = realloc(s->created, (s->n_created + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->created = n;
	strcpy(s->created[s->n_created++], name);
	s->sorted = false;
	return 1;
}

void state_remove_created(struct state *s, const char *name)
{
	char (*p)[TENANT_NAME_MAX + 1];
	size_t i;

	state_sort(s);
	if (!s->n_created)
		return;
	p = bsearch(name, s->created, s->n_created, sizeof(*s->created),
		    name_cmp);
	if (!p)
		return;
	i = (size_t)(p - s->created);
	memmove(&s->created[i], &s->created[i + 1],
		(s->n_created - i - 1) * sizeof(*s->created));
	s->n_created--;
}

const struct state_tenant *state_find_tenant(struct state *s,
					     const char *name)
{
	struct state_tenant key;

	state_sort(s);
	if (!s->n_tenants || strlen(name) > TENANT_NAME_MAX)
		return NULL;
	strcpy(key.name, name);
	return bsearch(&key, s->tenants, s->n_tenants, sizeof(*s->tenants),
		       tenant_cmp);
}

static struct state_tenant *append_tenant(struct state *s, const char *name)
{
	struct state_tenant *t;

	if (strlen(name) > TENANT_NAME_MAX)
		return NULL;
	t = realloc(s->tenants, (s->n_tenants + 1) * sizeof(*t));
	if (!t)
		return NULL;
	s->tenants = t;
	t = &s->tenants[s->n_tenants++];
	memset(t, 0, sizeof(*t));
	strcpy(t->name, name);
	s->sorted = false;
	return t;
}

struct state_tenant *state_tenant(struct state *s, const char *name)
{
	struct state_tenant *t = (struct state_tenant *)state_find_tenant(s, name);

	return t ?: append_tenant(s, name);
}

int state_format(struct state *s, FILE *f)
{
	size_t i;

	state_sort(s);
	fprintf(f, "# accelqd state; rewritten by the daemon, do not edit\n");
	fprintf(f, "version %d\n", STATE_VERSION);
	for (i = 0; i < s->n_created; i++)
		fprintf(f, "created %s\n", s->created[i]);
	for (i = 0; i < s->n_tenants; i++) {
		const struct state_tenant *t = &s->tenants[i];

		fprintf(f, "tenant %s", t->name);
		if (t->has_kernel_id)
			fprintf(f, " id=%" PRIu32, t->kernel_id);
		fprintf(f, " baseline_busy_ns=%" PRIu64 " busy_total_ns=%" PRIu64
			" window_start_ns=%" PRIu64 " used_ns=%" PRIu64
			" exhausted=%d notified=%d\n",
			t->baseline_busy_ns, t->busy_total_ns,
			t->window_start_ns, t->used_ns, t->exhausted,
			t->notified);
	}
	return ferror(f) ? -EIO : 0;
}

static int parse_field(struct state_tenant *t, const char *key,
		       const char *val)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (errno || *end || !*val)
		return -EINVAL;
	if (!strcmp(key, "id")) {
		if (v > UINT32_MAX)
			return -EINVAL;
		t->kernel_id = (uint32_t)v;
		t->has_kernel_id = true;
	} else if (!strcmp(key, "baseline_busy_ns")) {
		t->baseline_busy_ns = v;
	} else if (!strcmp(key, "busy_total_ns")) {
		t->busy_total_ns = v;
	} else if (!strcmp(key, "window_start_ns")) {
		t->window_start_ns = v;
	} else if (!strcmp(key, "used_ns")) {
		t->used_ns = v;
	} else if (!strcmp(key, "exhausted")) {
		t->exhausted = !!v;
	} else if (!strcmp(key, "notified")) {
		t->notified = !!v;
	}
	/* Unknown fields: from a newer daemon, ignored. */
	return 0;
}

int state_parse(const char *text, struct state *s, char **error)
{
	_cleanup_free_ char *copy = strdup(text);
	char *line, *save = NULL;
	int lineno = 0, r;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tok, *tsave = NULL, *kind;

		lineno++;
		if (line[0] == '#' || !line[0])
			continue;
		kind = strtok_r(line, " ", &tsave);
		if (!strcmp(kind, "version")) {
			tok = strtok_r(NULL, " ", &tsave);
			if (!tok || atoi(tok) != STATE_VERSION)
				goto bad;
		} else if (!strcmp(kind, "created")) {
			tok = strtok_r(NULL, " ", &tsave);
			if (!tok || !tenant_name_valid(tok))
				goto bad;
			r = state_add_created(s, tok);
			if (r < 0)
				return r;
		} else if (!strcmp(kind, "tenant")) {
			struct state_tenant *t;

			tok = strtok_r(NULL, " ", &tsave);
			if (!tok || !tenant_name_valid(tok))
				goto bad;
			t = append_tenant(s, tok);
			if (!t)
				return -ENOMEM;
			while ((tok = strtok_r(NULL, " ", &tsave))) {
				char *eq = strchr(tok, '=');

				if (!eq)
					goto bad;
				*eq = 0;
				if (parse_field(t, tok, eq + 1) < 0)
					goto bad;
			}
		}
		/* Unknown line kinds: from a newer daemon, ignored. */
	}
	return 0;
bad:
	if (error)
		*error = strdup_printf("line %d is malformed", lineno);
	return -EBADMSG;
}

int state_load(const char *dir, struct state *s, char **error)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t len = 0;
	ssize_t n;
	int r;

	*error = NULL;
	path = strdup_printf("%s/%s", dir, STATE_FILE);
	if (!path)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		*error = strdup_printf("%s: %s", path, strerror(errno));
		return r;
	}
	n = getdelim(&text, &len, '\0', f);
	if (n < 0) {
		if (ferror(f)) {
			*error = strdup_printf("%s: read error", path);
			return -EIO;
		}
		return 0;	/* empty */
	}
	r = state_parse(text, s, error);
	if (r < 0 && *error) {
		char *m = strdup_printf("%s: %s", path, *error);

		free(*error);
		*error = m;
	}
	return r;
}

int state_save(const char *dir, struct state *s)
{
	_cleanup_free_ char *tmp = NULL, *path = NULL, *buf = NULL;
	_cleanup_close_ int dfd = -1;
	size_t len = 0, off = 0;
	FILE *mem;
	int fd, r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;

	mem = open_memstream(&buf, &len);
	if (!mem)
		return -ENOMEM;
	r = state_format(s, mem);
	if (fclose(mem) || r < 0)
		return -ENOMEM;

	path = strdup_printf("%s/%s", dir, STATE_FILE);
	tmp = strdup_printf("%s/.%s.XXXXXX", dir, STATE_FILE);
	if (!path || !tmp)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto err_unlink;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		r = -errno;
		goto err_unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto err_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto err_unlink;
	}
	/* Make the rename itself durable. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		return -errno;
	return 0;

err_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}
