// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqd - Prometheus metrics: snapshot, rendering, libmicrohttpd endpoint.
 *
 * The text is written with a small append buffer instead of stdio: at ten
 * thousand tenants it is several megabytes, and printf's generality was
 * most of the daemon's CPU time.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "config.h"
#include "metrics.h"
#include "util.h"

/* ----------------------------------------------------------- snapshot -- */

struct snapshot_block {
	struct metrics_snapshot s;
	size_t arena_size, arena_used;
	char *arena;
};

struct metrics_snapshot *metrics_snapshot_new(size_t n_tenants,
					      size_t n_engines, size_t arena)
{
	size_t head = (sizeof(struct snapshot_block) + 7) & ~(size_t)7;
	size_t tsz = n_tenants * sizeof(struct metrics_tenant);
	size_t esz = n_engines * sizeof(struct metrics_engine);
	struct snapshot_block *b;
	char *p;

	tsz = (tsz + 7) & ~(size_t)7;
	esz = (esz + 7) & ~(size_t)7;
	p = calloc(1, head + tsz + esz + arena);
	if (!p)
		return NULL;
	b = (struct snapshot_block *)p;
	b->s.tenants = (struct metrics_tenant *)(p + head);
	b->s.engines = (struct metrics_engine *)(p + head + tsz);
	b->arena = p + head + tsz + esz;
	b->arena_size = arena;
	return &b->s;
}

void *metrics_snapshot_alloc(struct metrics_snapshot *s, size_t size)
{
	struct snapshot_block *b = (struct snapshot_block *)s;
	void *p;

	size = (size + 7) & ~(size_t)7;
	if (size > b->arena_size - b->arena_used)
		return NULL;
	p = b->arena + b->arena_used;
	b->arena_used += size;
	return p;
}

char *metrics_snapshot_strdup(struct metrics_snapshot *s, const char *str)
{
	size_t n = strlen(str) + 1;
	char *p = metrics_snapshot_alloc(s, n);

	if (p)
		memcpy(p, str, n);
	return p;
}

void metrics_snapshot_free(struct metrics_snapshot *s)
{
	free(s);	/* the block starts with it */
}

/* ------------------------------------------------------------- writer -- */

struct wbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static bool w_reserve(struct wbuf *w, size_t n)
{
	char *p;
	size_t cap;

	if (w->oom)
		return false;
	if (w->len + n <= w->cap)
		return true;
	cap = w->cap ? w->cap * 2 : 65536;
	while (cap < w->len + n)
		cap *= 2;
	p = realloc(w->p, cap);
	if (!p) {
		w->oom = true;
		return false;
	}
	w->p = p;
	w->cap = cap;
	return true;
}

static void w_mem(struct wbuf *w, const char *s, size_t n)
{
	if (!w_reserve(w, n))
		return;
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void w_str(struct wbuf *w, const char *s)
{
	w_mem(w, s, strlen(s));
}

static void w_u64(struct wbuf *w, uint64_t v)
{
	char tmp[20];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	w_mem(w, tmp + i, sizeof(tmp) - (size_t)i);
}

/* v as exactly @digits decimal digits, zero-padded. */
static void w_frac(struct wbuf *w, uint64_t v, int digits)
{
	char tmp[20];
	int i;

	for (i = digits - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + v % 10);
		v /= 10;
	}
	w_mem(w, tmp, (size_t)digits);
}

/* An exact decimal number of seconds from nanoseconds. */
static void w_seconds(struct wbuf *w, uint64_t ns)
{
	w_u64(w, ns / NSEC_PER_SEC);
	w_mem(w, ".", 1);
	w_frac(w, ns % NSEC_PER_SEC, 9);
}

/* A ratio with six decimals. */
static void w_ratio(struct wbuf *w, double x)
{
	char tmp[64];
	uint64_t v;

	if (!(x >= 0.0) || x > 1e12) {
		snprintf(tmp, sizeof(tmp), "%.6f", x);
		w_str(w, tmp);
		return;
	}
	v = (uint64_t)llround(x * 1e6);
	w_u64(w, v / 1000000);
	w_mem(w, ".", 1);
	w_frac(w, v % 1000000, 6);
}

/* A label value: backslash, double quote and newline escaped. */
static void w_label(struct wbuf *w, const char *s)
{
	size_t n;

	for (;;) {
		n = strcspn(s, "\\\"\n");
		w_mem(w, s, n);
		s += n;
		if (!*s)
			return;
		w_mem(w, *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : "\\n", 2);
		s++;
	}
}

static void family(struct wbuf *w, const char *name, const char *type,
		   const char *help)
{
	w_str(w, "# HELP ");
	w_str(w, name);
	w_mem(w, " ", 1);
	w_str(w, help);
	w_str(w, "\n# TYPE ");
	w_str(w, name);
	w_mem(w, " ", 1);
	w_str(w, type);
	w_mem(w, "\n", 1);
}

/* "metric{tenant="NAME"" */
static void tenant_label(struct wbuf *w, const char *metric,
			 const struct metrics_tenant *t)
{
	w_str(w, metric);
	w_str(w, "{tenant=\"");
	w_label(w, t->name);
	w_mem(w, "\"", 1);
}

/* -------------------------------------------------------------- render -- */

static const char *const job_status[_METRICS_JOB_MAX] = {
	[METRICS_JOB_OK] = "ok",
	[METRICS_JOB_CANCELED] = "canceled",
	[METRICS_JOB_TIMEDOUT] = "timedout",
	[METRICS_JOB_IO] = "io",
};

static const char *const util_window[3] = { "1s", "10s", "60s" };

static const char *const lost_map[METRICS_LOST_MAX] = {
	[ACCELQ_BPF_LOST_USAGE] = "usage",
	[ACCELQ_BPF_LOST_THROTTLE] = "throttle",
	[ACCELQ_BPF_LOST_EVENTS] = "events",
};

uint64_t metrics_hist_upper_ns(unsigned int i)
{
	if (i >= METRICS_HIST_BUCKETS - 1)
		return UINT64_MAX;
	return 2ULL << i;
}

/* ",le=\"2.048e-06\"} " for each finite bucket, made once. */
static char le_text[METRICS_HIST_BUCKETS][40];
static pthread_once_t le_once = PTHREAD_ONCE_INIT;

static void le_init(void)
{
	unsigned int i;

	for (i = 0; i + 1 < METRICS_HIST_BUCKETS; i++)
		snprintf(le_text[i], sizeof(le_text[i]), ",le=\"%.12g\"} ",
			 (double)metrics_hist_upper_ns(i) / 1e9);
}

static void render_tenants(struct wbuf *w, const struct metrics_snapshot *s)
{
	const struct metrics_tenant *t;
	unsigned int b, e, j, k;
	size_t i;

	family(w, "accelq_tenant_busy_seconds_total", "counter",
	       "Engine time used by the tenant, per engine.");
	for (i = 0; i < s->n_tenants; i++) {
		t = &s->tenants[i];
		for (e = 0; t->used && e < t->n_engines; e++) {
			tenant_label(w, "accelq_tenant_busy_seconds_total", t);
			w_str(w, ",engine=\"");
			w_u64(w, e);
			w_str(w, "\"} ");
			w_seconds(w, t->engine_busy_ns[e]);
			w_mem(w, "\n", 1);
		}
	}

	family(w, "accelq_tenant_jobs_total", "counter",
	       "Jobs of the tenant completed, by status.");
	for (i = 0; i < s->n_tenants; i++) {
		t = &s->tenants[i];
		for (j = 0; t->used && j < _METRICS_JOB_MAX; j++) {
			tenant_label(w, "accelq_tenant_jobs_total", t);
			w_str(w, ",status=\"");
			w_str(w, job_status[j]);
			w_str(w, "\"} ");
			w_u64(w, t->jobs[j]);
			w_mem(w, "\n", 1);
		}
	}

	family(w, "accelq_tenant_wait_seconds", "histogram",
	       "Time jobs of the tenant waited from acceptance to first start (BPF, log2 buckets).");
	for (i = 0; i < s->n_tenants; i++) {
		uint64_t cum = 0;

		t = &s->tenants[i];
		if (!t->used || !t->has_wait_hist)
			continue;
		for (b = 0; b < METRICS_HIST_BUCKETS; b++) {
			cum += t->wait_hist[b];
			if (b + 1 == METRICS_HIST_BUCKETS)
				break;	/* the open bucket: +Inf below */
			tenant_label(w, "accelq_tenant_wait_seconds_bucket", t);
			w_str(w, le_text[b]);
			w_u64(w, cum);
			w_mem(w, "\n", 1);
		}
		tenant_label(w, "accelq_tenant_wait_seconds_bucket", t);
		w_str(w, ",le=\"+Inf\"} ");
		w_u64(w, cum);
		w_mem(w, "\n", 1);
		tenant_label(w, "accelq_tenant_wait_seconds_sum", t);
		w_str(w, "} ");
		w_seconds(w, t->wait_ns_sum);
		w_mem(w, "\n", 1);
		tenant_label(w, "accelq_tenant_wait_seconds_count", t);
		w_str(w, "} ");
		w_u64(w, cum);
		w_mem(w, "\n", 1);
	}

	family(w, "accelq_tenant_throttled_seconds_total", "counter",
	       "Time the tenant spent out of cap quota (as cpu.stat throttled_usec).");
	for (i = 0; i < s->n_tenants; i++) {
		t = &s->tenants[i];
		if (!t->used)
			continue;
		tenant_label(w, "accelq_tenant_throttled_seconds_total", t);
		w_str(w, "} ");
		w_seconds(w, t->throttled_ns);
		w_mem(w, "\n", 1);
	}

	family(w, "accelq_tenant_throttled_total", "counter",
	       "Times the tenant ran out of cap quota (as cpu.stat nr_throttled).");
	for (i = 0; i < s->n_tenants; i++) {
		t = &s->tenants[i];
		if (!t->used)
			continue;
		tenant_label(w, "accelq_tenant_throttled_total", t);
		w_str(w, "} ");
		w_u64(w, t->nr_throttled);
		w_mem(w, "\n", 1);
	}

	family(w, "accelq_tenant_utilization_ratio", "gauge",
	       "Engine time of the tenant over wall time; 1 is one engine fully busy, up to the number of engines.");
	for (i = 0; i < s->n_tenants; i++) {
		t = &s->tenants[i];
		for (k = 0; t->used && k < 3; k++) {
			tenant_label(w, "accelq_tenant_utilization_ratio", t);
			w_str(w, ",window=\"");
			w_str(w, util_window[k]);
			w_str(w, "\"} ");
			w_ratio(w, t->util[k]);
			w_mem(w, "\n", 1);
		}
	}

	family(w, "accelq_tenant_budget_seconds", "gauge",
	       "Engine time the tenant may use per budget window.");
	for (i = 0; i < s->n_tenants; i++) {
		t = &s->tenants[i];
		if (!t->has_budget)
			continue;
		tenant_label(w, "accelq_tenant_budget_seconds", t);
		w_str(w, "} ");
		w_seconds(w, t->budget_ns);
		w_mem(w, "\n", 1);
	}

	family(w, "accelq_tenant_budget_used_seconds", "gauge",
	       "Engine time the tenant used in the current budget window.");
	for (i = 0; i < s->n_tenants; i++) {
		t = &s->tenants[i];
		if (!t->has_budget)
			continue;
		tenant_label(w, "accelq_tenant_budget_used_seconds", t);
		w_str(w, "} ");
		w_seconds(w, t->budget_used_ns);
		w_mem(w, "\n", 1);
	}

	family(w, "accelq_tenant_budget_exhausted", "gauge",
	       "1 while the tenant's budget is used up and its cap lowered.");
	for (i = 0; i < s->n_tenants; i++) {
		t = &s->tenants[i];
		if (!t->has_budget)
			continue;
		tenant_label(w, "accelq_tenant_budget_exhausted", t);
		w_str(w, t->exhausted ? "} 1\n" : "} 0\n");
	}
}

int metrics_render(const struct metrics_snapshot *s, char **buf, size_t *len)
{
	struct wbuf w = { 0 };
	struct timespec t0, t1;
	char tmp[64];
	size_t i, j;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_once(&le_once, le_init);
	/* About 700 bytes a tenant; grown if needed. */
	w_reserve(&w, 8192 + s->n_tenants * 800);

	family(&w, "accelq_build_info", "gauge",
	       "The running accelqd; the value is always 1.");
	w_str(&w, "accelq_build_info{version=\"");
	w_label(&w, s->version);
	w_str(&w, "\"} 1\n");

	family(&w, "accelq_kernel_module_loaded", "gauge",
	       "1 if the accelq generic netlink family is registered.");
	w_str(&w, s->module_loaded ? "accelq_kernel_module_loaded 1\n" :
				     "accelq_kernel_module_loaded 0\n");

	render_tenants(&w, s);

	family(&w, "accelq_engine_busy_seconds_total", "counter",
	       "Engine time used on the engine by every tenant.");
	for (i = 0; i < s->n_engines; i++) {
		w_str(&w, "accelq_engine_busy_seconds_total{engine=\"");
		w_u64(&w, s->engines[i].id);
		w_str(&w, "\"} ");
		w_seconds(&w, s->engines[i].busy_ns);
		w_mem(&w, "\n", 1);
	}

	family(&w, "accelq_engine_utilization_ratio", "gauge",
	       "Busy time of the engine over wall time in the last 10 seconds.");
	for (i = 0; i < s->n_engines; i++) {
		w_str(&w, "accelq_engine_utilization_ratio{engine=\"");
		w_u64(&w, s->engines[i].id);
		w_str(&w, "\"} ");
		w_ratio(&w, s->engines[i].util);
		w_mem(&w, "\n", 1);
	}

	if (s->bpf) {
		family(&w, "accelq_bpf_lost_total", "counter",
		       "Events the BPF collectors dropped because a map or ring buffer was full.");
		for (j = 0; j < METRICS_LOST_MAX; j++) {
			w_str(&w, "accelq_bpf_lost_total{map=\"");
			w_str(&w, lost_map[j]);
			w_str(&w, "\"} ");
			w_u64(&w, s->bpf_lost[j]);
			w_mem(&w, "\n", 1);
		}
	}

	clock_gettime(CLOCK_MONOTONIC, &t1);
	family(&w, "accelq_scrape_duration_seconds", "gauge",
	       "Time accelqd took to render these metrics.");
	snprintf(tmp, sizeof(tmp), "accelq_scrape_duration_seconds %.9f\n",
		 (double)(t1.tv_sec - t0.tv_sec) +
		 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	w_str(&w, tmp);

	/* NUL-terminated, like open_memstream() (not counted in @len). */
	if (w_reserve(&w, 1))
		w.p[w.len] = 0;
	if (w.oom) {
		free(w.p);
		*buf = NULL;
		return -ENOMEM;
	}
	*buf = w.p;
	*len = w.len;
	return 0;
}

/* ------------------------------------------------------------- server -- */

/* A published snapshot and, once somebody asked, its text. */
struct metrics_buf {
	struct metrics_server *server;
	unsigned int refs;		/* Protected by server->lock. */
	struct metrics_snapshot *snap;
	pthread_mutex_t render_lock;	/* Protects @text and @len. */
	char *text;
	size_t len;
};

struct metrics_server {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;	/* Protects @cur and every buffer's refs. */
	struct metrics_buf *cur;
};

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

static const char index_page[] =
	"accelqd: Prometheus metrics at /metrics\n";

/* Returns true when it freed a large text: worth a malloc_trim(). */
static bool metrics_buf_unref_locked(struct metrics_buf *b)
{
	bool big;

	if (!b || --b->refs)
		return false;
	big = b->len >= (1 << 20);
	pthread_mutex_destroy(&b->render_lock);
	metrics_snapshot_free(b->snap);
	free(b->text);
	free(b);
	return big;
}

/*
 * Give the pages of a multi-megabyte text back at once: it was allocated
 * in the HTTP thread's malloc arena, which would otherwise keep them.
 */
static void trim(bool big)
{
	if (big)
		malloc_trim(0);
}

/* libmicrohttpd is done sending a buffer's text. */
static void metrics_buf_release(void *cls)
{
	struct metrics_buf *b = cls;
	struct metrics_server *m = b->server;
	bool big;

	pthread_mutex_lock(&m->lock);
	big = metrics_buf_unref_locked(b);
	pthread_mutex_unlock(&m->lock);
	trim(big);
}

static enum MHD_Result queue_text(struct MHD_Connection *c, unsigned int code,
				  const char *text, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, (void *)text,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain");
	ret = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_metrics(struct metrics_server *m,
				     struct MHD_Connection *c)
{
	struct MHD_Response *resp;
	struct metrics_buf *b;
	enum MHD_Result ret;
	bool ok;

	pthread_mutex_lock(&m->lock);
	b = m->cur;
	if (b)
		b->refs++;
	pthread_mutex_unlock(&m->lock);
	if (!b)
		return queue_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "no sample yet\n", 14);

	/* Rendered once per snapshot, by the first scrape that needs it;
	 * the main loop never waits for this lock. */
	pthread_mutex_lock(&b->render_lock);
	if (!b->text && metrics_render(b->snap, &b->text, &b->len) < 0)
		b->text = NULL;
	ok = b->text != NULL;
	pthread_mutex_unlock(&b->render_lock);
	if (!ok) {
		metrics_buf_release(b);
		return queue_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "out of memory\n", 14);
	}

	/* The text stays until the response is done with it. */
	resp = MHD_create_response_from_buffer_with_free_callback_cls(
			b->len, b->text, metrics_buf_release, b);
	if (!resp) {
		metrics_buf_release(b);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Runs in the libmicrohttpd thread: reads only published snapshots. */
static enum MHD_Result handle_request(void *cls, struct MHD_Connection *c,
				      const char *url, const char *method,
				      const char *version _unused_,
				      const char *upload_data _unused_,
				      size_t *upload_data_size,
				      void **con_cls _unused_)
{
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return queue_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "method not allowed\n", 19);
	if (*upload_data_size)
		return MHD_NO;
	if (!strcmp(url, "/metrics"))
		return serve_metrics(cls, c);
	if (!strcmp(url, "/"))
		return queue_text(c, MHD_HTTP_OK, index_page,
				  sizeof(index_page) - 1);
	return queue_text(c, MHD_HTTP_NOT_FOUND, "not found\n", 10);
}

static void mhd_log(void *cls _unused_, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	log_warning("metrics: %s", buf);
}

int metrics_server_start(const char *listen, struct metrics_server **ret)
{
	struct sockaddr_storage sa;
	struct metrics_server *m;
	unsigned int flags;
	int r;

	r = parse_listen_address(listen, &sa, NULL);
	if (r < 0)
		return r;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
		MHD_USE_ERROR_LOG;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle_request, m,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				  MHD_OPTION_CONNECTION_LIMIT, 64u,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u,
				  MHD_OPTION_END);
	if (!m->mhd) {
		r = errno ? -errno : -EADDRNOTAVAIL;
		pthread_mutex_destroy(&m->lock);
		free(m);
		return r;
	}
	*ret = m;
	return 0;
}

void metrics_server_stop(struct metrics_server *m)
{
	if (!m)
		return;
	/* Joins the thread and releases every response. */
	MHD_stop_daemon(m->mhd);
	metrics_buf_unref_locked(m->cur);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void metrics_server_publish(struct metrics_server *m,
			    struct metrics_snapshot *s)
{
	struct metrics_buf *b = calloc(1, sizeof(*b));
	bool big;

	if (!b) {
		metrics_snapshot_free(s);
		return;
	}
	b->server = m;
	b->refs = 1;
	b->snap = s;
	pthread_mutex_init(&b->render_lock, NULL);
	pthread_mutex_lock(&m->lock);
	big = metrics_buf_unref_locked(m->cur);
	m->cur = b;
	pthread_mutex_unlock(&m->lock);
	trim(big);
}
