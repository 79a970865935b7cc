// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: accelqd's Prometheus rendering (daemon/metrics.c):
 * metrics_render() of a snapshot built from the input (tenant names and
 * the version string of any bytes, counters, histograms, ratios including
 * NaN/Inf).
 *
 * Every rendered line must be "# HELP", "# TYPE" or a sample
 * name{label="value",...} value with label values escaped as the text
 * format 0.0.4 wants (only \\, \" and \n escapes, no raw newline), every
 * tenant label must unescape back to a tenant's name, the version label to
 * the version, and histogram buckets must be cumulative.
 *
 * Copyright (C) 2026 The accelq authors
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define MAX_TENANTS	4
#define MAX_ENGINES	4

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static uint64_t u64(struct in *in)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | u8(in);
	return v;
}

static double dbl(struct in *in)
{
	uint64_t v = u64(in);
	double d;

	memcpy(&d, &v, sizeof(d));
	return d;
}

/* A NUL-free string of up to 80 bytes. */
static char *str(struct in *in)
{
	size_t len = u8(in) % 81, i;
	char *s = malloc(len + 1);

	for (i = 0; i < len; i++) {
		s[i] = (char)u8(in);
		if (!s[i])
			s[i] = 'x';
	}
	s[len] = 0;
	return s;
}

static void fail(const char *why, const char *line)
{
	fprintf(stderr, "fuzz_metrics: %s: [%s]\n", why, line);
	abort();
}

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == ':' || (!first && c >= '0' && c <= '9');
}

/*
 * Parse one sample line; the unescaped value of label "tenant" (if any)
 * goes to @tenant, the value of "le" to @le. Aborts on a malformed line.
 */
static void parse_sample(const char *line, char *tenant, char *le, char *metric)
{
	const char *p = line;
	char *m = metric;

	if (!name_char(*p, true))
		fail("bad metric name", line);
	while (name_char(*p, false))
		*m++ = *p++;
	*m = 0;
	tenant[0] = le[0] = 0;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			char lname[64], val[1024];
			size_t ln = 0, vn = 0;

			if (!name_char(*p, true))
				fail("bad label name", line);
			while (name_char(*p, false) && ln < sizeof(lname) - 1)
				lname[ln++] = *p++;
			lname[ln] = 0;
			if (p[0] != '=' || p[1] != '"')
				fail("label without =\"", line);
			p += 2;
			while (*p != '"') {
				char c = *p++;

				if (!c)
					fail("unterminated label value", line);
				if (c == '\\') {
					c = *p++;
					if (c == 'n')
						c = '\n';
					else if (c != '\\' && c != '"')
						fail("bad escape in a label value", line);
				}
				if (vn < sizeof(val) - 1)
					val[vn++] = c;
			}
			val[vn] = 0;
			p++;
			if (!strcmp(lname, "tenant"))
				strcpy(tenant, val);
			if (!strcmp(lname, "le"))
				strcpy(le, val);
			if (*p == ',')
				p++;
			else if (*p != '}')
				fail("junk after a label", line);
		}
		p++;
	}
	if (*p != ' ' || !p[1])
		fail("no value", line);
	for (p++; *p; p++)
		if (*p == ' ' || *p == '{' || *p == '"')
			fail("junk in the value", line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct metrics_tenant t[MAX_TENANTS];
	struct metrics_engine e[MAX_ENGINES];
	uint64_t busy[MAX_TENANTS][MAX_ENGINES], hist[MAX_TENANTS][METRICS_HIST_BUCKETS];
	struct metrics_snapshot s = { 0 };
	char *names[MAX_TENANTS] = { 0 }, *version, *buf = NULL;
	size_t i, j, len = 0, nt, ne;
	bool version_seen = false;
	char *line, *save;

	memset(t, 0, sizeof(t));
	version = str(&in);
	nt = u8(&in) % (MAX_TENANTS + 1);
	ne = u8(&in) % (MAX_ENGINES + 1);
	for (i = 0; i < nt; i++) {
		names[i] = str(&in);
		t[i].name = names[i];
		t[i].used = u8(&in) & 1;
		t[i].n_engines = ne;
		for (j = 0; j < ne; j++)
			busy[i][j] = u64(&in);
		t[i].engine_busy_ns = busy[i];
		for (j = 0; j < _METRICS_JOB_MAX; j++)
			t[i].jobs[j] = u64(&in);
		t[i].nr_throttled = u64(&in);
		t[i].throttled_ns = u64(&in);
		for (j = 0; j < 3; j++)
			t[i].util[j] = dbl(&in);
		t[i].has_budget = u8(&in) & 1;
		t[i].budget_ns = u64(&in);
		t[i].budget_used_ns = u64(&in);
		t[i].exhausted = u8(&in) & 1;
		t[i].has_wait_hist = u8(&in) & 1;
		for (j = 0; j < METRICS_HIST_BUCKETS; j++)
			hist[i][j] = u8(&in);	/* small: no overflow of the sums */
		t[i].wait_hist = hist[i];
		t[i].wait_ns_sum = u64(&in);
	}
	for (i = 0; i < ne; i++) {
		e[i].id = i;
		e[i].busy_ns = u64(&in);
		e[i].util = dbl(&in);
	}
	s.version = version;
	s.module_loaded = u8(&in) & 1;
	s.tenants = t;
	s.n_tenants = nt;
	s.engines = e;
	s.n_engines = ne;
	s.bpf = u8(&in) & 1;
	for (i = 0; i < METRICS_LOST_MAX; i++)
		s.bpf_lost[i] = u64(&in);

	if (metrics_render(&s, &buf, &len) == 0) {
		char tenant[1024], le[1024], metric[256], last_metric[256] = "";
		char last_tenant[1024] = "";
		unsigned long long prev_cum = 0;

		if (strlen(buf) != len)
			fail("NUL inside the rendering", "");
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7))
				continue;
			if (line[0] == '#')
				fail("unknown comment", line);
			parse_sample(line, tenant, le, metric);
			if (!strcmp(metric, "accelq_build_info")) {
				char *v = strstr(line, "version=\"");
				char val[1024];
				size_t vn = 0;

				/* parse_sample() validated the escapes already */
				for (v += 9; *v != '"' && vn < sizeof(val) - 1; v++) {
					if (*v == '\\') {
						v++;
						val[vn++] = *v == 'n' ? '\n' : *v;
					} else {
						val[vn++] = *v;
					}
				}
				val[vn] = 0;
				if (strcmp(val, version))
					fail("the version label does not unescape to the version", line);
				version_seen = true;
			}
			if (!strncmp(metric, "accelq_tenant_", 14)) {
				bool found = false;

				for (i = 0; i < nt; i++)
					found |= !strcmp(tenant, names[i]);
				if (!found)
					fail("tenant label does not unescape to a tenant name", line);
			}
			if (!strcmp(metric, "accelq_tenant_wait_seconds_bucket")) {
				unsigned long long cum = strtoull(strrchr(line, ' ') + 1, NULL, 10);

				if (!strcmp(last_metric, metric) && !strcmp(last_tenant, tenant) &&
				    cum < prev_cum)
					fail("histogram buckets not cumulative", line);
				prev_cum = cum;
			}
			strcpy(last_metric, metric);
			strcpy(last_tenant, tenant);
		}
		if (!version_seen)
			fail("no accelq_build_info line", "");
	}
	free(buf);
	for (i = 0; i < nt; i++)
		free(names[i]);
	free(version);
	return 0;
}
