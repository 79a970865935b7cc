// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqd - configuration parsing with inih.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <ini.h>

#include <linux/accelq.h>

#include "config.h"
#include "util.h"

/* Longest line accepted: a cgroup path may be long. */
#define CONFIG_MAX_LINE		(PATH_MAX + 64)

const char *budget_action_to_string(enum budget_action a)
{
	return a == BUDGET_SUSPEND ? "suspend" : "throttle";
}

bool tenant_name_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len < 1 || len > TENANT_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!isascii(name[i]) ||
		    (!isalnum(name[i]) && !strchr("_.-", name[i])))
			return false;
	return true;
}

/* ------------------------------------------------------------ values -- */

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	uint64_t v;
	int r = parse_u64(s, min, max, &v);

	if (r == 0)
		*ret = (uint32_t)v;
	return r;
}

/* "12.5%" -> 125000 ppm. At most four decimals. */
static int parse_percent(const char *s, uint32_t max_ppm, uint32_t *ret)
{
	uint64_t whole = 0, frac = 0, scale = 10000;
	const char *p = s;
	int digits = 0;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p)) {
		whole = whole * 10 + (uint64_t)(*p++ - '0');
		if (whole > 1000000)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		while (isdigit((unsigned char)*p)) {
			if (++digits > 4)
				return -EINVAL;
			scale /= 10;
			frac += (uint64_t)(*p++ - '0') * scale;
		}
	}
	if (strcmp(p, "%"))
		return -EINVAL;
	whole = whole * 10000 + frac;
	if (whole == 0 || whole > max_ppm)
		return -ERANGE;
	*ret = (uint32_t)whole;
	return 0;
}

static int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ELEMENTSOF(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_listen_address(const char *s, struct sockaddr_storage *sa,
			 unsigned int *salen)
{
	struct sockaddr_storage tmp;
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	uint32_t port = 0;
	size_t hlen;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = 0;
	if (parse_u32(colon + 1, 1, 65535, &port) < 0)
		return -EINVAL;

	memset(&tmp, 0, sizeof(tmp));
	if (*s == '[') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&tmp;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		if (salen)
			*salen = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&tmp;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -EINVAL;
		if (salen)
			*salen = sizeof(*in);
	}
	if (sa)
		*sa = tmp;
	return 0;
}

/* ----------------------------------------------------------- parsing -- */

/* Every key of both file kinds; its bit in parse_ctx.seen. */
enum key_id {
	K_METRICS_LISTEN,
	K_SAMPLE_INTERVAL_MS,
	K_STATE_DIR,
	K_BPF,
	K_CGROUP,
	K_UID,
	K_OWNER_UID,
	K_WEIGHT,
	K_CAP,
	K_CAP_QUOTA_US,
	K_CAP_PERIOD_US,
	K_BURST_US,
	K_CLASSES,
	K_MAX_QUEUES,
	K_MAX_INFLIGHT,
	K_MAX_DEPTH,
	K_GUILTY_LIMIT,
	K_SECONDS,
	K_WINDOW,
	K_ON_EXHAUSTED,
	K_FLOOR,
	_K_MAX,
};

struct key_desc {
	const char *section;
	const char *key;
	enum key_id id;
};

static const struct key_desc daemon_keys[] = {
	{ "daemon", "metrics_listen", K_METRICS_LISTEN },
	{ "daemon", "sample_interval_ms", K_SAMPLE_INTERVAL_MS },
	{ "daemon", "state_dir", K_STATE_DIR },
	{ "daemon", "bpf", K_BPF },
};

static const struct key_desc tenant_keys[] = {
	{ "tenant", "cgroup", K_CGROUP },
	{ "tenant", "uid", K_UID },
	{ "tenant", "owner_uid", K_OWNER_UID },
	{ "tenant", "weight", K_WEIGHT },
	{ "tenant", "cap", K_CAP },
	{ "tenant", "cap_quota_us", K_CAP_QUOTA_US },
	{ "tenant", "cap_period_us", K_CAP_PERIOD_US },
	{ "tenant", "burst_us", K_BURST_US },
	{ "tenant", "classes", K_CLASSES },
	{ "tenant", "max_queues", K_MAX_QUEUES },
	{ "tenant", "max_inflight", K_MAX_INFLIGHT },
	{ "tenant", "max_depth", K_MAX_DEPTH },
	{ "tenant", "guilty_limit", K_GUILTY_LIMIT },
	{ "budget", "seconds", K_SECONDS },
	{ "budget", "window", K_WINDOW },
	{ "budget", "on_exhausted", K_ON_EXHAUSTED },
	{ "budget", "floor", K_FLOOR },
};

struct parse_ctx {
	const char *path;
	FILE *f;
	int lineno;			/* line being parsed */
	bool at_line_start;
	char *error;			/* first error, without "path:line: " */
	int error_line;
	const struct key_desc *keys;
	size_t n_keys;
	int line_of[_K_MAX];		/* 0 = not seen */
	struct daemon_config *d;
	struct tenant_config *t;
	uint32_t cap_ppm;		/* cap=N% */
};

static int ctx_fail(struct parse_ctx *ctx, const char *fmt, ...)
	_printf_(2, 3);

static int ctx_fail(struct parse_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->error) {
		va_start(ap, fmt);
		if (vasprintf(&ctx->error, fmt, ap) < 0)
			ctx->error = NULL;
		va_end(ap);
		ctx->error_line = ctx->lineno;
	}
	return 0;	/* inih: handler error */
}

/* fgets() that counts lines, so the handler knows where it is. */
static char *ctx_reader(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	char *s = fgets(str, num, ctx->f);

	if (!s)
		return NULL;
	if (ctx->at_line_start)
		ctx->lineno++;
	ctx->at_line_start = strchr(s, '\n') != NULL;
	return s;
}

static int value_error(struct parse_ctx *ctx, const char *key,
		       const char *value, int r, const char *want)
{
	return ctx_fail(ctx, "%s=%s: %s; want %s", key, value,
			r == -ERANGE ? "out of range" : "invalid value", want);
}

static int handle_daemon_key(struct parse_ctx *ctx, enum key_id id,
			     const char *key, const char *value)
{
	struct daemon_config *d = ctx->d;
	uint32_t ms = 0;
	char *s;
	int r;

	switch (id) {
	case K_METRICS_LISTEN:
		if (!*value || !strcmp(value, "no"))
			value = "";
		else if (parse_listen_address(value, NULL, NULL) < 0)
			return ctx_fail(ctx,
					"%s=%s: want IPV4:PORT, [IPV6]:PORT or \"no\"",
					key, value);
		s = strdup(value);
		if (!s)
			return ctx_fail(ctx, "out of memory");
		free(d->metrics_listen);
		d->metrics_listen = s;
		return 1;
	case K_SAMPLE_INTERVAL_MS:
		r = parse_u32(value, 100, 60000, &ms);
		if (r < 0)
			return value_error(ctx, key, value, r,
					   "milliseconds, 100..60000");
		d->sample_interval_ns = (uint64_t)ms * NSEC_PER_MSEC;
		return 1;
	case K_STATE_DIR:
		if (value[0] != '/')
			return ctx_fail(ctx, "%s=%s: want an absolute path",
					key, value);
		s = strdup(value);
		if (!s)
			return ctx_fail(ctx, "out of memory");
		free(d->state_dir);
		d->state_dir = s;
		return 1;
	case K_BPF:
		if (parse_bool(value, &d->bpf) < 0)
			return value_error(ctx, key, value, -EINVAL,
					   "yes or no");
		return 1;
	default:
		return ctx_fail(ctx, "internal error: key %s", key);
	}
}

static bool cgroup_path_valid(const char *p)
{
	const char *c;

	if (p[0] != '/' || strlen(p) >= PATH_MAX)
		return false;
	/* No "." or ".." components, no empty components except a final '/'. */
	for (c = p; *c; c++) {
		if (c[0] != '/')
			continue;
		if (c[1] == '/')
			return false;
		if (c[1] == '.' && (c[2] == '/' || !c[2]))
			return false;
		if (c[1] == '.' && c[2] == '.' && (c[3] == '/' || !c[3]))
			return false;
	}
	return true;
}

static int parse_classes(const char *value, uint32_t *ret)
{
	_cleanup_free_ char *copy = strdup(value);
	char *tok, *save = NULL;
	uint32_t mask = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (!strcmp(tok, "latency"))
			mask |= ACCELQ_CLASS_MASK_LATENCY;
		else if (!strcmp(tok, "batch"))
			mask |= ACCELQ_CLASS_MASK_BATCH;
		else
			return -EINVAL;
	}
	if (!mask)
		return -EINVAL;
	*ret = mask;
	return 0;
}

static int handle_tenant_key(struct parse_ctx *ctx, enum key_id id,
			     const char *key, const char *value)
{
	struct tenant_config *t = ctx->t;
	uint64_t v;
	int r;

	switch (id) {
	case K_CGROUP:
		if (!cgroup_path_valid(value))
			return ctx_fail(ctx,
					"%s=%s: want an absolute cgroup v2 path without . or .. components, e.g. /accelq.slice/team-a",
					key, value);
		free(t->cgroup);
		t->cgroup = strdup(value);
		if (!t->cgroup)
			return ctx_fail(ctx, "out of memory");
		/* "/a/b/" and "/a/b" are the same cgroup. */
		v = strlen(t->cgroup);
		if (v > 1 && t->cgroup[v - 1] == '/')
			t->cgroup[v - 1] = 0;
		t->match = MATCH_CGROUP;
		return 1;
	case K_UID:
	case K_OWNER_UID:
		r = parse_u64(value, 0, UINT32_MAX - 1, &v);
		if (r < 0)
			return value_error(ctx, key, value, r,
					   "a numeric uid, 0..4294967294");
		if (id == K_UID) {
			t->uid = (uint32_t)v;
			t->match = MATCH_UID;
		} else {
			t->owner_uid = (uint32_t)v;
			t->has_owner = true;
		}
		return 1;
	case K_WEIGHT:
		r = parse_u32(value, ACCELQ_TENANT_WEIGHT_MIN,
			      ACCELQ_TENANT_WEIGHT_MAX, &t->weight);
		return r < 0 ? value_error(ctx, key, value, r, "1..10000") : 1;
	case K_CAP:
		r = parse_percent(value, 6400 * 10000, &ctx->cap_ppm);
		return r < 0 ? value_error(ctx, key, value, r,
				"a share of one engine, e.g. 25% (0 < cap <= 6400%)") : 1;
	case K_CAP_QUOTA_US:
		r = parse_u64(value, 0, 64 * ACCELQ_CAP_PERIOD_MAX_NS / 1000, &v);
		if (r < 0)
			return value_error(ctx, key, value, r,
					   "microseconds, 0 (no cap) or 100..64000000");
		if (v && v * 1000 < ACCELQ_CAP_QUOTA_MIN_NS)
			return value_error(ctx, key, value, -ERANGE,
					   "microseconds, 0 (no cap) or 100..64000000");
		t->cap_quota_ns = v * NSEC_PER_USEC;
		return 1;
	case K_CAP_PERIOD_US:
		r = parse_u64(value, ACCELQ_CAP_PERIOD_MIN_NS / 1000,
			      ACCELQ_CAP_PERIOD_MAX_NS / 1000, &v);
		if (r < 0)
			return value_error(ctx, key, value, r,
					   "microseconds, 1000..1000000");
		t->cap_period_ns = v * NSEC_PER_USEC;
		return 1;
	case K_BURST_US:
		r = parse_u64(value, 0, 64 * ACCELQ_CAP_PERIOD_MAX_NS / 1000, &v);
		if (r < 0)
			return value_error(ctx, key, value, r,
					   "microseconds, at most the cap quota");
		t->burst_ns = v * NSEC_PER_USEC;
		return 1;
	case K_CLASSES:
		r = parse_classes(value, &t->classes);
		return r < 0 ? value_error(ctx, key, value, r,
				"a list of latency, batch") : 1;
	case K_MAX_QUEUES:
	case K_MAX_INFLIGHT:
	case K_MAX_DEPTH: {
		uint32_t *p = id == K_MAX_QUEUES ? &t->max_queues :
			      id == K_MAX_INFLIGHT ? &t->max_inflight :
			      &t->max_depth;

		r = parse_u32(value, 0, ACCELQ_TENANT_LIMIT_MAX, p);
		return r < 0 ? value_error(ctx, key, value, r,
				"0 (unlimited)..16777216") : 1;
	}
	case K_GUILTY_LIMIT:
		r = parse_u32(value, 0, UINT32_MAX, &t->guilty_limit);
		return r < 0 ? value_error(ctx, key, value, r,
				"0 (never ban)..4294967295") : 1;
	case K_SECONDS:
		/* Up to ten years of one engine: no overflow in ns. */
		r = parse_u64(value, 1, 10ULL * 366 * 86400, &v);
		if (r < 0)
			return value_error(ctx, key, value, r,
					   "whole engine-seconds, at least 1");
		t->budget_ns = v * NSEC_PER_SEC;
		return 1;
	case K_WINDOW:
		if (!strcmp(value, "hour")) {
			t->window_ns = 3600 * NSEC_PER_SEC;
		} else if (!strcmp(value, "day")) {
			t->window_ns = 86400 * NSEC_PER_SEC;
		} else {
			size_t len = strlen(value);
			_cleanup_free_ char *num = NULL;

			if (len < 2 || value[len - 1] != 's')
				return value_error(ctx, key, value, -EINVAL,
						   "hour, day or a number of seconds such as 600s");
			num = strndup(value, len - 1);
			if (!num)
				return ctx_fail(ctx, "out of memory");
			r = parse_u64(num, 1, 366ULL * 86400, &v);
			if (r < 0)
				return value_error(ctx, key, value, r,
						   "hour, day or 1s..31622400s");
			t->window_ns = v * NSEC_PER_SEC;
		}
		return 1;
	case K_ON_EXHAUSTED:
		if (!strcmp(value, "throttle"))
			t->action = BUDGET_THROTTLE;
		else if (!strcmp(value, "suspend"))
			t->action = BUDGET_SUSPEND;
		else
			return value_error(ctx, key, value, -EINVAL,
					   "throttle or suspend");
		return 1;
	case K_FLOOR:
		r = parse_percent(value, 100 * 10000, &t->floor_ppm);
		return r < 0 ? value_error(ctx, key, value, r,
				"a share of one engine, 0% < floor <= 100%") : 1;
	default:
		return ctx_fail(ctx, "internal error: key %s", key);
	}
}

static int accelq_ini_handler(void *user, const char *section, const char *name,
		       const char *value)
{
	struct parse_ctx *ctx = user;
	const struct key_desc *k = NULL;
	bool section_known = false;
	size_t i;

	for (i = 0; i < ctx->n_keys; i++) {
		if (strcmp(ctx->keys[i].section, section))
			continue;
		section_known = true;
		if (!strcmp(ctx->keys[i].key, name)) {
			k = &ctx->keys[i];
			break;
		}
	}
	if (!*section)
		return ctx_fail(ctx, "%s= outside of a section", name);
	if (!section_known)
		return ctx_fail(ctx, "unknown section [%s]", section);
	if (!k)
		return ctx_fail(ctx, "unknown key %s in [%s]", name, section);
	if (ctx->line_of[k->id])
		return ctx_fail(ctx, "%s= given twice (first on line %d)",
				name, ctx->line_of[k->id]);
	ctx->line_of[k->id] = ctx->lineno;

	if (ctx->d)
		return handle_daemon_key(ctx, k->id, name, value);
	return handle_tenant_key(ctx, k->id, name, value);
}

/* One global inih setup: strict, one error is enough, long lines. */
static void ini_setup(void)
{
	ini_stop_on_first_error = true;
	ini_allow_multiline = false;
	ini_allow_no_value = false;
	ini_allow_inline_comments = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = CONFIG_MAX_LINE;
}

/*
 * Parse @path with @ctx. Returns 0, or -errno with *@error set to
 * "path:line: message" (or "path: message" for a problem of no one line).
 */
static int run_parser(struct parse_ctx *ctx, char **error)
{
	_cleanup_fclose_ FILE *f = NULL;
	int r;

	ini_setup();
	f = fopen(ctx->path, "re");
	if (!f) {
		r = -errno;
		*error = strdup_printf("%s: cannot open: %s", ctx->path,
				       strerror(errno));
		return r;
	}
	ctx->f = f;
	ctx->at_line_start = true;
	r = ini_parse_stream(ctx_reader, ctx, accelq_ini_handler, ctx);
	if (r == 0 && !ctx->error)
		return 0;
	if (r > 0 && !ctx->error) {
		/* inih's own syntax error on line r. */
		*error = strdup_printf("%s:%d: syntax error: want [section] or key=value",
				       ctx->path, r);
	} else if (r < 0 && !ctx->error) {
		*error = strdup_printf("%s: %s", ctx->path,
				       r == -2 ? "out of memory" : "read error");
	} else {
		*error = strdup_printf("%s:%d: %s", ctx->path,
				       r > 0 ? r : ctx->error_line, ctx->error);
	}
	free(ctx->error);
	ctx->error = NULL;
	return -EINVAL;
}

void daemon_config_init(struct daemon_config *d)
{
	memset(d, 0, sizeof(*d));
	d->metrics_listen = strdup(METRICS_LISTEN_DEFAULT);
	d->sample_interval_ns = SAMPLE_INTERVAL_MS_DEFAULT * NSEC_PER_MSEC;
	d->state_dir = strdup(STATE_DIR_DEFAULT);
	d->bpf = true;
}

void daemon_config_done(struct daemon_config *d)
{
	free(d->metrics_listen);
	free(d->state_dir);
	memset(d, 0, sizeof(*d));
}

int config_parse_daemon(const char *path, struct daemon_config *d,
			char **error)
{
	struct parse_ctx ctx = {
		.path = path,
		.keys = daemon_keys,
		.n_keys = ELEMENTSOF(daemon_keys),
		.d = d,
	};

	if (!d->metrics_listen || !d->state_dir) {
		*error = strdup("out of memory");
		return -ENOMEM;
	}
	return run_parser(&ctx, error);
}

void tenant_config_init(struct tenant_config *t, const char *name)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->weight = TENANT_WEIGHT_DEFAULT;
	t->cap_period_ns = CAP_PERIOD_DEFAULT_NS;
	t->classes = ACCELQ_CLASS_MASK_ALL;
	t->window_ns = BUDGET_WINDOW_DEFAULT_NS;
	t->action = BUDGET_THROTTLE;
	t->floor_ppm = FLOOR_PPM_DEFAULT;
}

void tenant_config_done(struct tenant_config *t)
{
	free(t->file);
	free(t->cgroup);
	memset(t, 0, sizeof(*t));
}

static int fail_at(struct parse_ctx *ctx, enum key_id key, char **error,
		   const char *fmt, ...) _printf_(4, 5);

/* Report a cross-key problem at the line of @key. */
static int fail_at(struct parse_ctx *ctx, enum key_id key, char **error,
		   const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	*error = strdup_printf("%s:%d: %s", ctx->path, ctx->line_of[key],
			       msg ?: "out of memory");
	return -EINVAL;
}

/* Cross-key checks once the whole file is read. */
static int tenant_validate(struct parse_ctx *ctx, struct tenant_config *t,
			   char **error)
{
	const int *line = ctx->line_of;
	bool budget_keys = line[K_WINDOW] || line[K_ON_EXHAUSTED] ||
			   line[K_FLOOR];

	if (line[K_CGROUP] && line[K_UID])
		return fail_at(ctx, line[K_CGROUP] > line[K_UID] ? K_CGROUP : K_UID, error,
			       "give exactly one of cgroup= and uid=, not both");
	if (!line[K_CGROUP] && !line[K_UID]) {
		*error = strdup_printf("%s: [tenant] needs a match rule: cgroup=/path or uid=N",
				       ctx->path);
		return -EINVAL;
	}
	if (!t->has_owner && t->match == MATCH_UID) {
		t->owner_uid = t->uid;
		t->has_owner = true;
	}

	if (line[K_CAP] && line[K_CAP_QUOTA_US])
		return fail_at(ctx, line[K_CAP] > line[K_CAP_QUOTA_US] ?
			       K_CAP : K_CAP_QUOTA_US, error,
			       "give cap= or cap_quota_us=, not both");
	if (line[K_CAP]) {
		/* ppm of one engine over the period; rounded down to 1 us. */
		uint64_t q = t->cap_period_ns / 1000 * ctx->cap_ppm / 1000000;

		q *= NSEC_PER_USEC;
		if (q < ACCELQ_CAP_QUOTA_MIN_NS)
			return fail_at(ctx, K_CAP, error,
				       "cap= gives a quota below 100 us per period of %" PRIu64 " us; raise cap or cap_period_us",
				       t->cap_period_ns / 1000);
		t->cap_quota_ns = q;
	}
	if (t->burst_ns > t->cap_quota_ns)
		return fail_at(ctx, K_BURST_US, error,
			       "burst_us=%" PRIu64 " exceeds the cap quota (%" PRIu64 " us)",
			       t->burst_ns / 1000, t->cap_quota_ns / 1000);

	if (budget_keys && !line[K_SECONDS]) {
		int k = line[K_WINDOW] ? K_WINDOW :
			line[K_ON_EXHAUSTED] ? K_ON_EXHAUSTED : K_FLOOR;

		return fail_at(ctx, k, error, "[budget] needs seconds=");
	}
	return 0;
}

int config_parse_tenant(const char *path, const char *name,
			struct tenant_config *t, char **error)
{
	struct parse_ctx ctx = {
		.path = path,
		.keys = tenant_keys,
		.n_keys = ELEMENTSOF(tenant_keys),
		.t = t,
	};
	int r;

	tenant_config_init(t, name);
	t->file = strdup(path);
	if (!t->file) {
		*error = strdup("out of memory");
		return -ENOMEM;
	}
	if (!tenant_name_valid(name)) {
		*error = strdup_printf("%s: tenant name \"%s\" (the file name without .conf) must be 1..63 characters of A-Z a-z 0-9 _ . -, not starting with . or -",
				       path, name);
		return -EINVAL;
	}
	if (!strcmp(name, "default")) {
		*error = strdup_printf("%s: the name \"default\" belongs to the kernel's default tenant",
				       path);
		return -EINVAL;
	}
	r = run_parser(&ctx, error);
	if (r < 0)
		return r;
	return tenant_validate(&ctx, t, error);
}

/* ------------------------------------------------------------ loading -- */

void config_free(struct config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_tenants; i++)
		tenant_config_done(&c->tenants[i]);
	free(c->tenants);
	daemon_config_done(&c->daemon);
	free(c->root);
	free(c);
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static int tenant_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tenant_config *)a)->name,
		      ((const struct tenant_config *)b)->name);
}

const struct tenant_config *config_find_tenant(const struct config *c,
					       const char *name)
{
	struct tenant_config key;

	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, c->tenants, c->n_tenants, sizeof(*c->tenants),
		       tenant_cmp);
}

static int load_tenants(struct config *c, const char *dir, char **error)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	size_t i, j, cap = 0;
	int r;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		*error = strdup_printf("%s: cannot open: %s", dir,
				       strerror(errno));
		return r;
	}

	while ((errno = 0, de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *name = NULL;
		size_t len = strlen(de->d_name);
		struct stat st;

		/* Hidden files and editor or package manager leftovers. */
		if (de->d_name[0] == '.' || len <= 5 ||
		    strcmp(de->d_name + len - 5, ".conf"))
			continue;
		path = strdup_printf("%s/%s", dir, de->d_name);
		name = strndup(de->d_name, len - 5);
		if (!path || !name) {
			*error = strdup("out of memory");
			return -ENOMEM;
		}
		if (stat(path, &st) < 0) {
			r = -errno;
			*error = strdup_printf("%s: %s", path, strerror(errno));
			return r;
		}
		if (!S_ISREG(st.st_mode))
			continue;

		if (c->n_tenants == cap) {
			struct tenant_config *n;

			cap = cap ? cap * 2 : 16;
			n = realloc(c->tenants, cap * sizeof(*n));
			if (!n) {
				*error = strdup("out of memory");
				return -ENOMEM;
			}
			c->tenants = n;
		}
		r = config_parse_tenant(path, name, &c->tenants[c->n_tenants],
					error);
		c->n_tenants++;	/* freed by config_free() either way */
		if (r < 0)
			return r;
	}
	if (errno) {
		r = -errno;
		*error = strdup_printf("%s: %s", dir, strerror(errno));
		return r;
	}

	if (c->n_tenants)
		qsort(c->tenants, c->n_tenants, sizeof(*c->tenants), tenant_cmp);

	/* Two tenants cannot match the same cgroup or uid (the kernel agrees). */
	for (i = 0; i < c->n_tenants; i++) {
		for (j = i + 1; j < c->n_tenants; j++) {
			struct tenant_config *a = &c->tenants[i];
			struct tenant_config *b = &c->tenants[j];

			if (a->match != b->match)
				continue;
			if ((a->match == MATCH_UID && a->uid == b->uid) ||
			    (a->match == MATCH_CGROUP &&
			     !strcmp(a->cgroup, b->cgroup))) {
				*error = strdup_printf("%s: matches the same %s as %s",
						       b->file,
						       a->match == MATCH_UID ? "uid" : "cgroup",
						       a->file);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int config_load(const char *root, struct config **ret, char **error)
{
	_cleanup_(config_freep) struct config *c = NULL;
	_cleanup_free_ char *path = NULL, *dir = NULL;
	int r;

	*error = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto oom;
	c->root = strdup(root);
	daemon_config_init(&c->daemon);
	path = strdup_printf("%s/%s", root, CONFIG_DAEMON_FILE);
	dir = strdup_printf("%s/%s", root, CONFIG_TENANTS_DIR);
	if (!c->root || !path || !dir || !c->daemon.metrics_listen ||
	    !c->daemon.state_dir)
		goto oom;

	if (access(path, F_OK) == 0) {
		r = config_parse_daemon(path, &c->daemon, error);
		if (r < 0)
			return r;
	} else if (errno != ENOENT) {
		r = -errno;
		*error = strdup_printf("%s: %s", path, strerror(errno));
		return r;
	}

	r = load_tenants(c, dir, error);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(c);
	return 0;
oom:
	*error = strdup("out of memory");
	return -ENOMEM;
}
