// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of daemon/metrics.c rendering: HELP and TYPE for every
 * family, escaping, cumulative histograms, exact seconds, and (when
 * promtool is installed) `promtool check metrics` printing nothing.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "tap.h"

static uint64_t busy_a[2] = { 1500000000ULL, 250000000ULL };
static uint64_t busy_b[2] = { 0, 3000000001ULL };
static uint64_t hist[METRICS_HIST_BUCKETS];

static struct metrics_tenant tenants[] = {
	{
		.name = "team.a-1",
		.used = true,
		.n_engines = 2,
		.engine_busy_ns = busy_a,
		.jobs = { 10, 1, 0, 0 },
		.nr_throttled = 3,
		.throttled_ns = 120000000,
		.util = { 0.5, 0.25, 1.75 },
		.has_budget = true,
		.budget_ns = 3600000000000ULL,
		.budget_used_ns = 1750000000,
		.has_wait_hist = true,
		.wait_hist = hist,
		.wait_ns_sum = 123456789,
	},
	{
		/* Not a valid tenant name, but the renderer must cope. */
		.name = "we\"ird\\na\nme",
		.used = true,
		.n_engines = 2,
		.engine_busy_ns = busy_b,
	},
	{
		/* Never ran a job: only its budget is exported. */
		.name = "idle",
		.util = { 0.5, 0.5, 0.5 },	/* ignored */
		.has_budget = true,
		.budget_ns = 60000000000ULL,
	},
	{
		/* Never ran a job, no budget: nothing at all. */
		.name = "quiet",
		.n_engines = 2,
		.engine_busy_ns = busy_b,	/* ignored */
	},
};

static struct metrics_engine engines[] = {
	{ .id = 0, .busy_ns = 1500000000ULL, .util = 0.5 },
	{ .id = 1, .busy_ns = 3250000001ULL, .util = 1.0 },
};

static int count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* Every metric line's family has HELP and TYPE before it. */
static bool families_described(const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;
	char described[64][96];
	int n = 0, i;
	bool ok = true;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[96];
		size_t len;

		if (!strncmp(line, "# TYPE ", 7)) {
			sscanf(line + 7, "%95s", described[n++ % 64]);
			continue;
		}
		if (line[0] == '#')
			continue;
		len = strcspn(line, "{ ");
		snprintf(name, sizeof(name), "%.*s", (int)len, line);
		for (i = 0; i < n && i < 64; i++) {
			size_t dl = strlen(described[i]);

			if (!strncmp(name, described[i], dl) &&
			    (!name[dl] || !strcmp(name + dl, "_bucket") ||
			     !strcmp(name + dl, "_sum") ||
			     !strcmp(name + dl, "_count")))
				break;
		}
		if (i == n || i == 64) {
			printf("# no TYPE before %s\n", name);
			ok = false;
		}
	}
	free(copy);
	return ok;
}

static void test_render(void)
{
	struct metrics_snapshot s = {
		.version = "1.2\"3",
		.module_loaded = true,
		.tenants = tenants,
		.n_tenants = 4,
		.engines = engines,
		.n_engines = 2,
		.bpf = true,
		.bpf_lost = { 1, 0, 7 },
	};
	char *buf = NULL;
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < METRICS_HIST_BUCKETS; i++)
		hist[i] = 0;
	hist[0] = 1;	/* 0..1 ns */
	hist[10] = 5;	/* 1024..2047 ns */
	hist[20] = 2;	/* ~1 ms */
	hist[39] = 1;	/* clamped, very long */

	TAP_CHECK(metrics_render(&s, &buf, &len) == 0 && buf && len == strlen(buf),
		  "render");
	if (!buf)
		return;
	TAP_CHECK(families_described(buf), "every family has HELP and TYPE");
	TAP_CHECK(count(buf, "# HELP ") == count(buf, "# TYPE "),
		  "HELP and TYPE pair up");
	TAP_CHECK(strstr(buf, "accelq_build_info{version=\"1.2\\\"3\"} 1\n") != NULL,
		  "build_info with escaped version");
	TAP_CHECK(strstr(buf, "accelq_tenant_busy_seconds_total{tenant=\"team.a-1\",engine=\"0\"} 1.500000000\n") &&
		  strstr(buf, "accelq_tenant_busy_seconds_total{tenant=\"team.a-1\",engine=\"1\"} 0.250000000\n"),
		  "busy seconds per engine, exact");
	TAP_CHECK(strstr(buf, "{tenant=\"we\\\"ird\\\\na\\nme\",engine=\"1\"} 3.000000001\n") != NULL,
		  "label value escaping: quote, backslash, newline");
	TAP_CHECK(count(buf, "accelq_tenant_jobs_total{") == 8 &&
		  strstr(buf, "accelq_tenant_jobs_total{tenant=\"team.a-1\",status=\"ok\"} 10\n"),
		  "jobs by status");
	TAP_CHECK(strstr(buf, "accelq_tenant_wait_seconds_bucket{tenant=\"team.a-1\",le=\"2e-09\"} 1\n") &&
		  strstr(buf, "accelq_tenant_wait_seconds_bucket{tenant=\"team.a-1\",le=\"2.048e-06\"} 6\n") &&
		  strstr(buf, "accelq_tenant_wait_seconds_bucket{tenant=\"team.a-1\",le=\"0.002097152\"} 8\n") &&
		  strstr(buf, "accelq_tenant_wait_seconds_bucket{tenant=\"team.a-1\",le=\"549.755813888\"} 8\n"),
		  "histogram buckets cumulative, log2 upper bounds");
	TAP_CHECK(strstr(buf, "accelq_tenant_wait_seconds_bucket{tenant=\"team.a-1\",le=\"+Inf\"} 9\n") &&
		  strstr(buf, "accelq_tenant_wait_seconds_count{tenant=\"team.a-1\"} 9\n") &&
		  strstr(buf, "accelq_tenant_wait_seconds_sum{tenant=\"team.a-1\"} 0.123456789\n"),
		  "+Inf bucket equals _count; _sum in seconds");
	TAP_CHECK(count(buf, "accelq_tenant_wait_seconds_bucket{tenant=\"team.a-1\"") == 40,
		  "39 finite buckets and +Inf");
	TAP_CHECK(!strstr(buf, "accelq_tenant_wait_seconds_count{tenant=\"we"),
		  "no histogram without BPF data");
	TAP_CHECK(strstr(buf, "accelq_tenant_utilization_ratio{tenant=\"team.a-1\",window=\"60s\"} 1.750000\n") != NULL,
		  "utilization may exceed 1");
	TAP_CHECK(strstr(buf, "accelq_tenant_budget_used_seconds{tenant=\"team.a-1\"} 1.750000000\n") &&
		  strstr(buf, "accelq_tenant_budget_seconds{tenant=\"team.a-1\"} 3600.000000000\n") &&
		  !strstr(buf, "accelq_tenant_budget_seconds{tenant=\"we"),
		  "budget only for tenants with one");
	TAP_CHECK(strstr(buf, "accelq_bpf_lost_total{map=\"events\"} 7\n") != NULL,
		  "BPF drop counters");
	TAP_CHECK(strstr(buf, "accelq_engine_utilization_ratio{engine=\"1\"} 1.000000\n") != NULL,
		  "engine utilization");
	TAP_CHECK(strstr(buf, "accelq_tenant_budget_seconds{tenant=\"idle\"} 60.000000000\n") &&
		  strstr(buf, "accelq_tenant_budget_used_seconds{tenant=\"idle\"} 0.000000000\n") &&
		  strstr(buf, "accelq_tenant_budget_exhausted{tenant=\"idle\"} 0\n") &&
		  count(buf, "tenant=\"idle\"") == 3,
		  "a tenant that never ran a job: its budget series only");
	TAP_CHECK(!strstr(buf, "tenant=\"quiet\""),
		  "a tenant that never ran a job and has no budget: no series");
	TAP_CHECK(strstr(buf, "\naccelq_scrape_duration_seconds ") != NULL &&
		  buf[len - 1] == '\n', "scrape duration last, newline-terminated");

	/* promtool, when installed, must have nothing to say. */
	if (access("/usr/bin/promtool", X_OK) == 0) {
		char path[] = "/tmp/accelqd-metrics.XXXXXX";
		char cmd[256], out[4096];
		int fd = mkstemp(path);
		size_t n = 0;
		FILE *p;

		if (fd >= 0 && write(fd, buf, len) == (ssize_t)len) {
			snprintf(cmd, sizeof(cmd),
				 "promtool check metrics < %s 2>&1", path);
			p = popen(cmd, "r");
			if (p) {
				int rc;

				n = fread(out, 1, sizeof(out) - 1, p);
				out[n] = 0;
				rc = pclose(p);
				TAP_CHECK(rc == 0 && n == 0,
					  "promtool check metrics prints nothing%s%s",
					  n ? ": " : "", n ? out : "");
			}
		}
		if (fd >= 0)
			close(fd);
		unlink(path);
	} else {
		TAP_CHECK(1, "promtool check metrics # SKIP promtool not installed");
	}
	free(buf);
}

static void test_empty(void)
{
	struct metrics_snapshot s = { .version = "x" };
	char *buf = NULL;
	size_t len;

	TAP_CHECK(metrics_render(&s, &buf, &len) == 0 && buf &&
		  strstr(buf, "accelq_kernel_module_loaded 0\n") &&
		  !strstr(buf, "accelq_bpf_lost_total"),
		  "no module, no BPF: still well-formed");
	TAP_CHECK(families_described(buf), "empty families keep HELP and TYPE");
	free(buf);
}

int main(void)
{
	TAP_PLAN_START();
	TAP_CHECK(metrics_hist_upper_ns(0) == 2 && metrics_hist_upper_ns(10) == 2048 &&
		  metrics_hist_upper_ns(METRICS_HIST_BUCKETS - 1) == UINT64_MAX,
		  "histogram slot upper bounds");
	test_render();
	test_empty();
	return TAP_DONE();
}
