// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of daemon/state.c: text round trip, tolerance of newer
 * files, atomic save and load.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "tap.h"

static void test_roundtrip(void)
{
	struct state s, r;
	struct state_tenant *t;
	char *buf = NULL, *err = NULL;
	size_t len;
	FILE *f;

	state_init(&s);
	state_init(&r);
	TAP_CHECK(state_add_created(&s, "team.a-1") == 1 &&
		  state_add_created(&s, "a") == 1 &&
		  state_add_created(&s, "a") == 1 &&
		  state_is_created(&s, "a") && s.n_created == 2 &&
		  !strcmp(s.created[0], "a"),
		  "created names: sorted, duplicates dropped");
	t = state_tenant(&s, "team.a-1");
	t->has_kernel_id = true;
	t->kernel_id = 7;
	t->baseline_busy_ns = 123456789012345ULL;
	t->busy_total_ns = 99;
	t->window_start_ns = 1795959430000000000ULL;
	t->used_ns = 2000000001ULL;
	t->exhausted = true;
	t->notified = true;
	state_tenant(&s, "b");

	f = open_memstream(&buf, &len);
	TAP_CHECK(state_format(&s, f) == 0, "format");
	fclose(f);
	TAP_CHECK(state_parse(buf, &r, &err) == 0, "parse");
	TAP_CHECK(r.n_created == 2 && state_is_created(&r, "a") &&
		  state_is_created(&r, "team.a-1") && !state_is_created(&r, "b"),
		  "created names survive");
	t = (struct state_tenant *)state_find_tenant(&r, "team.a-1");
	TAP_CHECK(t && t->has_kernel_id && t->kernel_id == 7 &&
		  t->baseline_busy_ns == 123456789012345ULL &&
		  t->busy_total_ns == 99 &&
		  t->window_start_ns == 1795959430000000000ULL &&
		  t->used_ns == 2000000001ULL && t->exhausted && t->notified,
		  "tenant fields survive");
	t = (struct state_tenant *)state_find_tenant(&r, "b");
	TAP_CHECK(t && !t->has_kernel_id && !t->exhausted, "zero tenant survives");
	state_remove_created(&r, "a");
	TAP_CHECK(r.n_created == 1 && !state_is_created(&r, "a"), "remove created");
	free(buf);
	state_done(&s);
	state_done(&r);
}

static void test_parse_edges(void)
{
	struct state s;
	char *err = NULL;

	state_init(&s);
	TAP_CHECK(state_parse("version 1\nfuture thing\ntenant x used_ns=5 newfield=1\n",
			      &s, &err) == 0 &&
		  state_find_tenant(&s, "x")->used_ns == 5,
		  "unknown lines and fields from a newer daemon are ignored");
	state_done(&s);
	state_init(&s);
	TAP_CHECK(state_parse("version 2\n", &s, &err) == -EBADMSG && err,
		  "another version is refused");
	free(err);
	err = NULL;
	state_done(&s);
	state_init(&s);
	TAP_CHECK(state_parse("version 1\ntenant x used_ns=abc\n", &s, &err) ==
		  -EBADMSG && err && strstr(err, "line 2"), "malformed line named");
	free(err);
	err = NULL;
	state_done(&s);
	state_init(&s);
	TAP_CHECK(state_parse("version 1\ntenant b used_ns=1\ntenant a used_ns=2\n"
			      "created b\ncreated a\n", &s, &err) == 0 &&
		  state_find_tenant(&s, "a")->used_ns == 2 &&
		  state_find_tenant(&s, "b")->used_ns == 1 &&
		  state_is_created(&s, "a") && state_is_created(&s, "b") &&
		  !state_find_tenant(&s, "c"), "lookups after parsing unsorted input");
	state_done(&s);
	state_init(&s);
	TAP_CHECK(state_parse("version 1\ncreated ../etc\n", &s, &err) == -EBADMSG,
		  "invalid tenant names refused");
	free(err);
	state_done(&s);
}

static void test_files(void)
{
	char dir[] = "/tmp/accelqd-test-state.XXXXXX";
	char sub[600], path[700];
	struct state s, r;
	struct dirent *de;
	char *err = NULL;
	int leftovers = 0;
	DIR *d;

	if (!mkdtemp(dir))
		exit(2);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	state_init(&s);
	state_init(&r);
	TAP_CHECK(state_load(sub, &r, &err) == 0 && r.n_tenants == 0,
		  "no state yet: empty");
	state_add_created(&s, "x");
	state_tenant(&s, "x")->used_ns = 42;
	TAP_CHECK(state_save(sub, &s) == 0, "save creates the directory");
	state_tenant(&s, "x")->used_ns = 43;
	TAP_CHECK(state_save(sub, &s) == 0, "save again replaces it");
	TAP_CHECK(state_load(sub, &r, &err) == 0 &&
		  state_find_tenant(&r, "x")->used_ns == 43 &&
		  state_is_created(&r, "x"), "load what was saved");

	d = opendir(sub);
	while (d && (de = readdir(d)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") &&
		    strcmp(de->d_name, ".."))
			leftovers++;
	if (d)
		closedir(d);
	TAP_CHECK(leftovers == 0, "no temporary files left behind");

	snprintf(path, sizeof(path), "%s/state", sub);
	TAP_CHECK(unlink(path) == 0 && rmdir(sub) == 0 && rmdir(dir) == 0,
		  "only the state file was written");
	state_done(&s);
	state_done(&r);
}

int main(void)
{
	TAP_PLAN_START();
	test_roundtrip();
	test_parse_edges();
	test_files();
	return TAP_DONE();
}
