// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of daemon/config.c: every key, defaults, and that errors name
 * the file and the line.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/accelq.h>

#include "config.h"
#include "tap.h"
#include "util.h"

static char root[] = "/tmp/accelqd-test-config.XXXXXX";
static char tdir[512];

static void put(const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static void clear(void)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "rm -f %s/accelqd.conf %s/*.conf %s/.*.conf %s/*~",
		 root, tdir, tdir, tdir);
	if (system(cmd) != 0)
		exit(2);
}

/* Load; returns the error (or NULL) and the config in *c. */
static char *load(struct config **c)
{
	char *err = NULL;

	*c = NULL;
	if (config_load(root, c, &err) < 0) {
		*c = NULL;
		return err ?: strdup("(no message)");
	}
	free(err);
	return NULL;
}

static bool error_is(const char *file, int line, const char *needle)
{
	struct config *c;
	char *err = load(&c);
	char prefix[1024];
	bool ok;

	config_free(c);
	if (!err) {
		printf("# expected an error, got none\n");
		return false;
	}
	if (line)
		snprintf(prefix, sizeof(prefix), "%s/%s:%d: ", root, file, line);
	else
		snprintf(prefix, sizeof(prefix), "%s/%s: ", root, file);
	ok = !strncmp(err, prefix, strlen(prefix)) && strstr(err, needle);
	if (!ok)
		printf("# got: %s\n# want prefix %s and \"%s\"\n", err, prefix,
		       needle);
	free(err);
	return ok;
}

static void test_defaults(void)
{
	struct config *c;
	char *err;

	clear();
	err = load(&c);
	TAP_CHECK(!err && c, "empty configuration loads");
	if (!c)
		return;
	TAP_CHECK(!strcmp(c->daemon.metrics_listen, "127.0.0.1:9640") &&
		  c->daemon.sample_interval_ns == 1000 * NSEC_PER_MSEC &&
		  !strcmp(c->daemon.state_dir, "/var/lib/accelq") &&
		  c->daemon.bpf && c->n_tenants == 0, "daemon defaults");
	config_free(c);
}

static void test_full(void)
{
	const struct tenant_config *t;
	struct config *c;
	char *err;

	clear();
	put("accelqd.conf",
	    "# comment\n[daemon]\nmetrics_listen = [::1]:9999\n"
	    "sample_interval_ms=250\nstate_dir=/run/x\nbpf=no\n");
	put("tenants.d/team.a-1.conf",
	    "[tenant]\nuid=1001\nweight=300\ncap=25%\nburst_us=5000\n"
	    "classes=latency\nmax_queues=4\nmax_inflight=100\nmax_depth=64\n"
	    "guilty_limit=3\n\n[budget]\nseconds=3600\nwindow=day\n"
	    "on_exhausted=suspend\nfloor=2.5%\n");
	put("tenants.d/batch.conf",
	    "[tenant]\ncgroup=/accelq.slice/batch/\nowner_uid=2000\n"
	    "cap_quota_us=500000\ncap_period_us=1000000\n"
	    "[budget]\nseconds=10\nwindow=600s\n");
	put("tenants.d/plain.conf", "[tenant]\nuid=0\n");
	put("tenants.d/README", "not a tenant\n");
	put("tenants.d/.hidden.conf", "garbage\n");
	put("tenants.d/old.conf~", "garbage\n");

	err = load(&c);
	TAP_CHECK(!err, "full configuration loads (%s)", err ?: "ok");
	free(err);
	if (!c)
		return;
	TAP_CHECK(!strcmp(c->daemon.metrics_listen, "[::1]:9999") &&
		  c->daemon.sample_interval_ns == 250 * NSEC_PER_MSEC &&
		  !strcmp(c->daemon.state_dir, "/run/x") && !c->daemon.bpf,
		  "[daemon] keys");
	TAP_CHECK(c->n_tenants == 3, "three tenants; README, hidden and backup files ignored");
	TAP_CHECK(c->n_tenants == 3 && !strcmp(c->tenants[0].name, "batch") &&
		  !strcmp(c->tenants[1].name, "plain") &&
		  !strcmp(c->tenants[2].name, "team.a-1"), "sorted by name");

	t = config_find_tenant(c, "team.a-1");
	TAP_CHECK(t && t->match == MATCH_UID && t->uid == 1001 &&
		  t->has_owner && t->owner_uid == 1001,
		  "uid match; owner defaults to the uid");
	TAP_CHECK(t && t->weight == 300 && t->cap_quota_ns == 25 * NSEC_PER_MSEC &&
		  t->cap_period_ns == 100 * NSEC_PER_MSEC &&
		  t->burst_ns == 5 * NSEC_PER_MSEC,
		  "cap=25%% is 25 ms of the default 100 ms period");
	TAP_CHECK(t && t->classes == ACCELQ_CLASS_MASK_LATENCY &&
		  t->max_queues == 4 && t->max_inflight == 100 &&
		  t->max_depth == 64 && t->guilty_limit == 3, "limits");
	TAP_CHECK(t && t->budget_ns == 3600 * NSEC_PER_SEC &&
		  t->window_ns == 86400 * NSEC_PER_SEC &&
		  t->action == BUDGET_SUSPEND && t->floor_ppm == 25000,
		  "budget keys");

	t = config_find_tenant(c, "batch");
	TAP_CHECK(t && t->match == MATCH_CGROUP &&
		  !strcmp(t->cgroup, "/accelq.slice/batch") &&
		  t->owner_uid == 2000 && t->cap_quota_ns == 500 * NSEC_PER_MSEC &&
		  t->cap_period_ns == NSEC_PER_SEC &&
		  t->window_ns == 600 * NSEC_PER_SEC &&
		  t->action == BUDGET_THROTTLE && t->floor_ppm == 50000,
		  "cgroup match, trailing slash dropped, defaults of [budget]");

	t = config_find_tenant(c, "plain");
	TAP_CHECK(t && t->weight == 100 && !t->cap_quota_ns && !t->budget_ns &&
		  t->classes == ACCELQ_CLASS_MASK_ALL && t->owner_uid == 0,
		  "tenant defaults");
	TAP_CHECK(!config_find_tenant(c, "nope"), "unknown tenant not found");
	config_free(c);
}

static void test_errors(void)
{
	clear();
	put("tenants.d/a.conf", "[tenant]\nuid=1\nbogus=1\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "unknown key bogus in [tenant]"),
		  "unknown key: file and line");

	put("tenants.d/a.conf", "[tenant]\nuid=1\n[extra]\nx=1\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 4, "unknown section [extra]"),
		  "unknown section");

	put("tenants.d/a.conf", "uid=1\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 1, "outside of a section"),
		  "key outside a section");

	put("tenants.d/a.conf", "[tenant]\nuid\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 2, "syntax error"),
		  "line without =");

	put("tenants.d/a.conf", "[tenant]\n# c\nuid=1\nuid=2\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 4, "given twice (first on line 3)"),
		  "duplicate key");

	put("tenants.d/a.conf", "[tenant]\nweight=100\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 0, "needs a match rule"),
		  "no match rule");

	put("tenants.d/a.conf", "[tenant]\nuid=1\ncgroup=/x\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "exactly one of cgroup= and uid="),
		  "both match rules");

	put("tenants.d/a.conf", "[tenant]\nuid=1\nweight=0\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "weight=0: out of range"),
		  "weight 0");
	put("tenants.d/a.conf", "[tenant]\nuid=1\nweight=10001\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "out of range"), "weight 10001");
	put("tenants.d/a.conf", "[tenant]\nuid=1\nweight=10000\n");
	{
		struct config *c;
		char *err = load(&c);

		TAP_CHECK(!err, "weight 10000 is fine");
		free(err);
		config_free(c);
	}
	put("tenants.d/a.conf", "[tenant]\nuid=1x\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 2, "uid=1x: invalid value"),
		  "uid not a number");
	put("tenants.d/a.conf", "[tenant]\nuid=-1\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 2, "invalid value"), "negative uid");

	put("tenants.d/a.conf", "[tenant]\nuid=1\ncap=25\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "cap=25: invalid value"),
		  "cap without %%");
	put("tenants.d/a.conf", "[tenant]\nuid=1\ncap=0%\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "out of range"), "cap 0%%");
	put("tenants.d/a.conf", "[tenant]\nuid=1\ncap=0.05%\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "below 100 us"),
		  "cap giving less than 100 us");
	put("tenants.d/a.conf", "[tenant]\nuid=1\ncap=10%\ncap_quota_us=1000\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 4, "not both"), "cap and cap_quota_us");
	put("tenants.d/a.conf", "[tenant]\nuid=1\ncap_quota_us=50\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "out of range"), "quota 50 us");
	put("tenants.d/a.conf", "[tenant]\nuid=1\ncap_period_us=999\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "out of range"), "period < 1 ms");
	put("tenants.d/a.conf", "[tenant]\nuid=1\ncap_period_us=1000001\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "out of range"), "period > 1 s");
	put("tenants.d/a.conf", "[tenant]\nuid=1\ncap=10%\nburst_us=10001\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 4, "exceeds the cap quota"),
		  "burst above quota");
	put("tenants.d/a.conf", "[tenant]\nuid=1\nclasses=latency,fast\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "classes"), "unknown class");
	put("tenants.d/a.conf", "[tenant]\nuid=1\nmax_queues=16777217\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 3, "out of range"), "limit above 2^24");
	put("tenants.d/a.conf", "[tenant]\ncgroup=relative/path\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 2, "absolute cgroup"),
		  "relative cgroup");
	put("tenants.d/a.conf", "[tenant]\ncgroup=/a/../b\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 2, "absolute cgroup"),
		  "cgroup with ..");

	put("tenants.d/a.conf", "[tenant]\nuid=1\n[budget]\nwindow=day\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 4, "needs seconds="),
		  "[budget] without seconds");
	put("tenants.d/a.conf", "[tenant]\nuid=1\n[budget]\nseconds=10\nwindow=week\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 5, "window=week"), "bad window");
	put("tenants.d/a.conf", "[tenant]\nuid=1\n[budget]\nseconds=10\nwindow=0s\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 5, "out of range"), "0s window");
	put("tenants.d/a.conf", "[tenant]\nuid=1\n[budget]\nseconds=0\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 4, "out of range"), "zero budget");
	put("tenants.d/a.conf", "[tenant]\nuid=1\n[budget]\nseconds=1\non_exhausted=kill\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 5, "throttle or suspend"),
		  "bad on_exhausted");
	put("tenants.d/a.conf", "[tenant]\nuid=1\n[budget]\nseconds=1\nfloor=101%\n");
	TAP_CHECK(error_is("tenants.d/a.conf", 5, "out of range"), "floor above 100%%");

	clear();
	put("tenants.d/-x.conf", "[tenant]\nuid=1\n");
	TAP_CHECK(error_is("tenants.d/-x.conf", 0, "tenant name"),
		  "file name starting with -");
	clear();
	put("tenants.d/bad name.conf", "[tenant]\nuid=1\n");
	TAP_CHECK(error_is("tenants.d/bad name.conf", 0, "tenant name"),
		  "file name with a space");
	clear();
	put("tenants.d/default.conf", "[tenant]\nuid=1\n");
	TAP_CHECK(error_is("tenants.d/default.conf", 0, "default tenant"),
		  "the default tenant's name is reserved");
	clear();
	put("tenants.d/a.conf", "[tenant]\nuid=7\n");
	put("tenants.d/b.conf", "[tenant]\nuid=7\n");
	TAP_CHECK(error_is("tenants.d/b.conf", 0, "matches the same uid"),
		  "two tenants, one uid");

	clear();
	put("accelqd.conf", "[daemon]\nsample_interval_ms=99\n");
	TAP_CHECK(error_is("accelqd.conf", 2, "out of range"), "interval < 100 ms");
	put("accelqd.conf", "[daemon]\nmetrics_listen=localhost\n");
	TAP_CHECK(error_is("accelqd.conf", 2, "IPV4:PORT"), "listen without port");
	put("accelqd.conf", "[daemon]\nmetrics_listen=1.2.3.4:70000\n");
	TAP_CHECK(error_is("accelqd.conf", 2, "IPV4:PORT"), "port out of range");
	put("accelqd.conf", "[daemon]\nbpf=maybe\n");
	TAP_CHECK(error_is("accelqd.conf", 2, "yes or no"), "bpf not a boolean");
	put("accelqd.conf", "[daemon]\nstate_dir=rel\n");
	TAP_CHECK(error_is("accelqd.conf", 2, "absolute path"), "relative state_dir");
	put("accelqd.conf", "[tenant]\nuid=1\n");
	TAP_CHECK(error_is("accelqd.conf", 2, "unknown section [tenant]"),
		  "tenant keys in accelqd.conf");
	put("accelqd.conf", "[daemon]\nmetrics_listen=no\n");
	{
		struct config *c;
		char *err = load(&c);

		TAP_CHECK(!err && c && !*c->daemon.metrics_listen,
			  "metrics_listen=no disables the endpoint");
		free(err);
		config_free(c);
	}
}

static void test_names(void)
{
	char longname[80];

	memset(longname, 'a', 63);
	longname[63] = 0;
	TAP_CHECK(tenant_name_valid("team.a-1") && tenant_name_valid("A_9"),
		  "valid names");
	TAP_CHECK(tenant_name_valid(longname), "63 characters is valid");
	longname[63] = 'a';
	longname[64] = 0;
	TAP_CHECK(!tenant_name_valid(longname), "64 characters is not");
	TAP_CHECK(!tenant_name_valid("") && !tenant_name_valid(".a") &&
		  !tenant_name_valid("-a") && !tenant_name_valid("a/b") &&
		  !tenant_name_valid("a b") && !tenant_name_valid("ä"),
		  "invalid names");
}

static void test_long_line(void)
{
	char text[5000], *p;
	struct config *c;
	char *err;

	clear();
	p = text + sprintf(text, "[tenant]\ncgroup=/");
	memset(p, 'x', 3000);
	strcpy(p + 3000, "\n");
	put("tenants.d/long.conf", text);
	err = load(&c);
	TAP_CHECK(!err && c && strlen(c->tenants[0].cgroup) == 3001,
		  "a 3000-character cgroup path is read whole");
	free(err);
	config_free(c);
}

int main(void)
{
	TAP_PLAN_START();
	if (!mkdtemp(root))
		return 2;
	snprintf(tdir, sizeof(tdir), "%s/tenants.d", root);
	mkdir(tdir, 0755);

	test_defaults();
	test_full();
	test_errors();
	test_names();
	test_long_line();

	clear();
	rmdir(tdir);
	rmdir(root);
	return TAP_DONE();
}
