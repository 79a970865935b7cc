// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: accelqd's configuration parser (daemon/config.c).
 *
 * The first input byte picks the parser, the rest is the file content:
 *   0: a tenants.d/NAME.conf (config_parse_tenant)
 *   1: accelqd.conf (config_parse_daemon)
 *   2: a listen address and a tenant name (parse_listen_address,
 *      tenant_name_valid against a reference implementation)
 * Besides memory errors (ASan/UBSan), a configuration the parser accepts
 * must be one the kernel accepts too (ranges of uapi/linux/accelq.h), and a
 * refusal must come with a "path:..." message.
 *
 *   make -C tests/fuzz libfuzzer && tests/fuzz/run-libfuzzer.sh
 *
 * Copyright (C) 2026 The accelq authors
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/accelq.h>

#include "config.h"

static char path[64];
static int fd = -1;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: invariant violated: %s\n", what);
		abort();
	}
}

static void put_file(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/fuzz_config.XXXXXX");
		fd = mkstemp(path);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
}

static int ref_name_valid(const char *n)
{
	size_t i, len = strlen(n);

	if (!len || len > 63 || n[0] == '.' || n[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = n[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static void tenant(const uint8_t *data, size_t size)
{
	struct tenant_config t;
	char *err = NULL;
	int r;

	put_file(data, size);
	r = config_parse_tenant(path, "fuzz", &t, &err);
	if (r < 0) {
		check(err != NULL, "a refused tenant file has a message");
		check(!strncmp(err, path, strlen(path)), "the message starts with the path");
	} else {
		check(r == 0 && err == NULL, "success means 0 and no message");
		check(!strcmp(t.name, "fuzz"), "the name is the file's");
		check(t.match == MATCH_CGROUP || t.match == MATCH_UID, "one match rule");
		if (t.match == MATCH_CGROUP)
			check(t.cgroup && t.cgroup[0] == '/' && strlen(t.cgroup) < 4096,
			      "cgroup path absolute, < PATH_MAX");
		else
			check(t.uid != UINT32_MAX, "uid is a valid uid");
		check(t.weight >= ACCELQ_TENANT_WEIGHT_MIN && t.weight <= ACCELQ_TENANT_WEIGHT_MAX,
		      "weight in the kernel's range");
		check(t.cap_period_ns >= ACCELQ_CAP_PERIOD_MIN_NS &&
		      t.cap_period_ns <= ACCELQ_CAP_PERIOD_MAX_NS, "cap period in range");
		check(!t.cap_quota_ns || t.cap_quota_ns >= ACCELQ_CAP_QUOTA_MIN_NS,
		      "cap quota 0 or >= 100 us");
		check(t.cap_quota_ns <= 64 * ACCELQ_CAP_PERIOD_MAX_NS, "cap quota <= 64 s");
		check(t.burst_ns <= t.cap_quota_ns, "burst <= quota");
		check(t.classes && !(t.classes & ~ACCELQ_CLASS_MASK_ALL), "classes non-empty, known");
		check(t.max_queues <= ACCELQ_TENANT_LIMIT_MAX &&
		      t.max_inflight <= ACCELQ_TENANT_LIMIT_MAX &&
		      t.max_depth <= ACCELQ_TENANT_LIMIT_MAX, "limits <= 2^24");
		check(!t.budget_ns || t.window_ns, "a budget has a window");
		check(t.floor_ppm <= 64u * 1000000u, "floor at most 64 engines");
	}
	free(err);
	tenant_config_done(&t);
}

static void daemon_conf(const uint8_t *data, size_t size)
{
	struct daemon_config d;
	char *err = NULL;
	int r;

	put_file(data, size);
	daemon_config_init(&d);
	r = config_parse_daemon(path, &d, &err);
	if (r < 0) {
		check(err != NULL, "a refused daemon file has a message");
	} else {
		check(err == NULL, "success means no message");
		check(d.sample_interval_ns > 0, "sample interval positive");
		check(d.metrics_listen && (!d.metrics_listen[0] ||
		      parse_listen_address(d.metrics_listen, NULL, NULL) == 0),
		      "metrics_listen empty or a valid address");
		check(d.state_dir && d.state_dir[0], "state_dir set");
	}
	free(err);
	daemon_config_done(&d);
}

static void strings(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = 0;
	parse_listen_address(s, NULL, NULL);
	check(tenant_name_valid(s) == ref_name_valid(s), "tenant_name_valid agrees with the kernel's rule");
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		tenant(data + 1, size - 1);
		break;
	case 1:
		daemon_conf(data + 1, size - 1);
		break;
	default:
		strings(data + 1, size - 1);
		break;
	}
	return 0;
}
