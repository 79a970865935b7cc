// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq BPF collector tests, run as root inside the QEMU guest by
 * tests/bpf/run.sh. Each subcommand prints TAP result lines without numbers
 * ("ok - ...", "not ok - ..."; run.sh numbers them) and "# " diagnostics,
 * and exits 0 when all its checks passed.
 *
 *   bpf_test load          the collector loads and attaches (or, without
 *                          accelq.ko, loads and refuses to attach); a
 *                          verifier rejection is reported with its log
 *   bpf_test testrun       BPF_PROG_TEST_RUN on each online CPU: the summed
 *                          maps equal what was injected
 *   bpf_test cpus [N]      possible CPUs (== N if given) > online CPUs, CPU
 *                          hotplug: aggregation over possible CPUs
 *   bpf_test mapfull       tiny maps and ring buffer: lost counters
 *   bpf_test pinned [keep] pinning, reuse across reopen, pin dir lock
 *   bpf_test unpin         remove the default pins
 *   bpf_test hold          attach, print "ready", wait for SIGTERM
 *   bpf_test workload      real jobs of several uids/tenants: BPF totals
 *                          equal the kernel's own counters
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <linux/accelq.h>

#include "libaccelq_bpf.h"
#include "nl.h"

#define LOG_SIZE	(4u << 20)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_MSEC	1000000ULL

static int failures;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok - ", ok ? "" : "not ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

static void skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	printf("ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static const char *out_dir(void)
{
	const char *d = getenv("ACCELQ_OUT");

	return d && *d ? d : "/tmp";
}

/* Save @log to $ACCELQ_OUT/@name; print its last lines as diagnostics. */
static void save_log(const char *name, const char *log)
{
	char path[512];
	const char *p;
	int lines = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir(), name);
	f = fopen(path, "we");
	if (f) {
		fputs(log, f);
		fclose(f);
	}
	diag("log saved to %s", path);
	p = log + strlen(log);
	while (p > log && lines < 16)
		if (*--p == '\n')
			lines++;
	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		if (len)
			diag("  %.*s", len, p);
		p += len + (nl ? 1 : 0);
	}
}

static bool module_loaded(void)
{
	return access("/sys/module/accelq", F_OK) == 0;
}

static long read_long(const char *path)
{
	char buf[64];
	long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 0);
	fclose(f);
	return v;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static struct accelq_collector *open_collector(uint32_t flags,
					       uint32_t max_entries,
					       uint32_t ringbuf_size,
					       const char *pin_dir, int *errp)
{
	static char log[LOG_SIZE];
	struct accelq_collector_opts o = {
		.sz = sizeof(o),
		.max_entries = max_entries,
		.pin_dir = pin_dir,
		.flags = flags,
		.ringbuf_size = ringbuf_size,
		.log_buf = log,
		.log_size = sizeof(log),
	};
	struct accelq_collector *c = NULL;
	int err;

	err = accelq_collector_open(&o, &c);
	if (errp)
		*errp = err;
	if (err) {
		diag("accelq_collector_open: %s", strerror(-err));
		save_log("bpf-verifier.log", log);
		return NULL;
	}
	return c;
}

/* ------------------------------------------------------ test-run helpers -- */

static int run_on(struct accelq_collector *c, const char *tp, int cpu,
		  const __u64 *args, unsigned int nargs)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .ctx_in = args,
		    .ctx_size_in = nargs * sizeof(__u64),
		    .flags = BPF_F_TEST_RUN_ON_CPU,
		    .cpu = cpu);
	int fd = accelq_collector_prog_fd(c, tp), err;

	if (fd < 0)
		return fd;
	err = bpf_prog_test_run_opts(fd, &opts);
	if (err)
		return err;
	return opts.retval ? -EPROTO : 0;
}

#define RUN(c, tp, cpu, ...) ({						\
	const __u64 __a[] = { __VA_ARGS__ };				\
	run_on(c, tp, cpu, __a, ARRAY_SIZE(__a));			\
})

#define S32(x)	((__u64)(__s64)(__s32)(x))

/* Parse a CPU list file ("0-1,3") into @set[ncpu]; the number of CPUs. */
static int cpu_list(const char *path, bool *set, int ncpu)
{
	char buf[256], *p = buf;
	int n = 0;
	FILE *f = fopen(path, "re");

	memset(set, 0, ncpu * sizeof(*set));
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	while (*p && *p != '\n') {
		long a = strtol(p, &p, 10), b = a, i;

		if (*p == '-')
			b = strtol(p + 1, &p, 10);
		for (i = a; i <= b && i < ncpu; i++, n++)
			set[i] = true;
		if (*p == ',')
			p++;
	}
	return n;
}

/*
 * The per-CPU injection of "testrun": returns 0 or the first error. Tenant
 * 1 on engine 0 and tenant 2 on engine 1, tenant 1000 + cpu once.
 */
static int inject(struct accelq_collector *c, int cpu)
{
	int err = 0, i;

	for (i = 0; i < 5; i++)
		err = err ?: RUN(c, "accelq_job_submit", cpu, 1, 3, 0, i, 5000, 0);
	for (i = 0; i < 3; i++)
		err = err ?: RUN(c, "accelq_job_submit", cpu, 2, 4, 1, i, 1, 1);
	err = err ?: RUN(c, "accelq_job_submit", cpu, 1000 + cpu, 1, 0, 1, 1, 0);
	for (i = 0; i < 2; i++)	/* ok: wait bucket 9, run bucket 12 */
		err = err ?: RUN(c, "accelq_job_end", cpu, 1, 3, 0, i, S32(0),
				 1000, 5000, 5000);
	/* canceled before it started: no histogram entry */
	err = err ?: RUN(c, "accelq_job_end", cpu, 1, 3, 0, 2, S32(-125), 0, 0, 0);
	/* timed out: wait 2048 (bucket 11), total 7000 (bucket 12) */
	err = err ?: RUN(c, "accelq_job_end", cpu, 1, 3, 0, 3, S32(-110), 2048,
			 3000, 7000);
	/* io: bucket 0 */
	err = err ?: RUN(c, "accelq_job_end", cpu, 1, 3, 0, 4, S32(-5), 1, 1, 1);
	/* other errno: wait bucket 20, run clamped to bucket 39 */
	err = err ?: RUN(c, "accelq_job_end", cpu, 1, 3, 0, 5, S32(-22),
			 1ULL << 20, 10, 1ULL << 45);
	for (i = 0; i < 2; i++)
		err = err ?: RUN(c, "accelq_job_preempt", cpu, 1, 3, 0, 6, 4000, 1);
	for (i = 0; i < 3; i++)
		err = err ?: RUN(c, "accelq_job_tick", cpu, 1, 3, 0, 6, 1500);
	for (i = 0; i < 3; i++)	/* tenant 2: bucket 30 wait, 31 run */
		err = err ?: RUN(c, "accelq_job_end", cpu, 2, 4, 1, i, S32(0),
				 1ULL << 30, 1ULL << 31, 1ULL << 31);
	err = err ?: RUN(c, "accelq_tenant_throttle", cpu, 1, 1, 0);
	err = err ?: RUN(c, "accelq_tenant_throttle", cpu, 1, 0, 777);
	err = err ?: RUN(c, "accelq_tenant_throttle", cpu, 2, 1, 0);
	err = err ?: RUN(c, "accelq_tenant_ban", cpu, 1, 1, 3);
	err = err ?: RUN(c, "accelq_tenant_ban", cpu, 1, 0, 0);
	err = err ?: RUN(c, "accelq_engine_reset", cpu, 0, 1, 7, 9, 0);
	err = err ?: RUN(c, "accelq_engine_reset", cpu, 1, 2, 8, 10, 1);
	return err;
}

#define T1_BUSY	(2 * 5000 + 0 + 3000 + 1 + 10 + 2 * 4000 + 3 * 1500ULL)
#define T1_WAIT	(2 * 1000 + 0 + 2048 + 1 + (1ULL << 20))
#define T2_BUSY	(3 * (1ULL << 31))

struct ev_count {
	unsigned int n[5];
	bool timeout_ok;
};

static int count_event(void *ctx, const struct accelq_bpf_event *ev)
{
	struct ev_count *ec = ctx;

	if (ev->type < 5)
		ec->n[ev->type]++;
	if (ev->type == ACCELQ_BPF_EV_TIMEOUT)
		ec->timeout_ok = ev->tenant == 1 && ev->engine == 0 &&
				 ev->queue == 7 && ev->arg == 9;
	return 0;
}

#define CHECK_EQ(what, got, want) do {					\
	unsigned long long __g = (got), __w = (want);			\
	if (__g != __w) {						\
		diag("%s: got %llu, want %llu", what, __g, __w);	\
		bad++;							\
	}								\
} while (0)

/* Check a snapshot against @n injections (cpus: which ones ran). */
static int check_injected(struct accelq_collector *c, const bool *ran,
			  int ncpu, const char *label)
{
	const struct accelq_tenant_usage *t1, *t2, *tc;
	struct accelq_snapshot s;
	struct ev_count ec = { 0 };
	int n = 0, cpu, bad = 0, err, i;

	for (cpu = 0; cpu < ncpu; cpu++)
		n += ran[cpu];
	err = accelq_collector_snapshot(c, &s);
	tap(!err, "%s: snapshot (%s)", label, err ? strerror(-err) : "ok");
	if (err)
		return -1;
	CHECK_EQ("nr_cpus", s.nr_cpus, ncpu);
	CHECK_EQ("nr_engines", s.nr_engines, 2);
	CHECK_EQ("nr_tenants", s.nr_tenants, 2 + n);
	t1 = accelq_snapshot_tenant(&s, 1);
	t2 = accelq_snapshot_tenant(&s, 2);
	if (!t1 || !t2) {
		tap(false, "%s: tenants 1 and 2 present", label);
		accelq_snapshot_free(&s);
		return -1;
	}
	CHECK_EQ("t1 busy", t1->busy_ns, n * T1_BUSY);
	CHECK_EQ("t1 engine0 busy", t1->engine_busy_ns[0], n * T1_BUSY);
	CHECK_EQ("t1 engine1 busy", t1->engine_busy_ns[1], 0);
	CHECK_EQ("t1 ok", t1->jobs[ACCELQ_BPF_ST_OK], 2 * n);
	CHECK_EQ("t1 canceled", t1->jobs[ACCELQ_BPF_ST_CANCELED], n);
	CHECK_EQ("t1 timedout", t1->jobs[ACCELQ_BPF_ST_TIMEDOUT], n);
	CHECK_EQ("t1 io", t1->jobs[ACCELQ_BPF_ST_IO], n);
	CHECK_EQ("t1 other", t1->jobs[ACCELQ_BPF_ST_OTHER], n);
	CHECK_EQ("t1 submitted", t1->submitted, 5 * n);
	CHECK_EQ("t1 preemptions", t1->preemptions, 2 * n);
	CHECK_EQ("t1 ticks", t1->ticks, 3 * n);
	CHECK_EQ("t1 wait sum", t1->wait_ns_sum, n * T1_WAIT);
	for (i = 0; i < ACCELQ_BPF_HIST_BUCKETS; i++) {
		unsigned long long w = 0, r = 0;
		char what[32];

		w = (i == 9 ? 2 : 0) + (i == 11) + (i == 0) + (i == 20);
		r = (i == 12 ? 3 : 0) + (i == 0) + (i == 39);
		snprintf(what, sizeof(what), "t1 wait_hist[%d]", i);
		CHECK_EQ(what, t1->wait_hist[i], w * n);
		snprintf(what, sizeof(what), "t1 run_hist[%d]", i);
		CHECK_EQ(what, t1->run_hist[i], r * n);
		snprintf(what, sizeof(what), "t2 wait_hist[%d]", i);
		CHECK_EQ(what, t2->wait_hist[i], (i == 30) * 3ULL * n);
		snprintf(what, sizeof(what), "t2 run_hist[%d]", i);
		CHECK_EQ(what, t2->run_hist[i], (i == 31) * 3ULL * n);
	}
	CHECK_EQ("t1 nr_throttled", t1->nr_throttled, n);
	CHECK_EQ("t1 nr_unthrottled", t1->nr_unthrottled, n);
	CHECK_EQ("t1 throttled_ns", t1->throttled_ns, 777ULL * n);
	CHECK_EQ("t1 throttled now", t1->throttled, 0);
	CHECK_EQ("t2 busy", t2->busy_ns, n * T2_BUSY);
	CHECK_EQ("t2 engine1 busy", t2->engine_busy_ns[1], n * T2_BUSY);
	CHECK_EQ("t2 submitted", t2->submitted, 3 * n);
	CHECK_EQ("t2 ok", t2->jobs[ACCELQ_BPF_ST_OK], 3 * n);
	CHECK_EQ("t2 throttled now", t2->throttled, 1);
	for (cpu = 0; cpu < ncpu; cpu++) {
		tc = accelq_snapshot_tenant(&s, 1000 + cpu);
		CHECK_EQ("per-cpu tenant present", !!tc, ran[cpu]);
		if (tc)
			CHECK_EQ("per-cpu tenant submitted", tc->submitted, 1);
	}
	for (i = 0; i < ACCELQ_BPF_LOST_MAX; i++)
		CHECK_EQ("lost", s.lost[i], 0);
	tap(!bad, "%s: summed maps equal the injection on %d CPUs (%d mismatches)",
	    label, n, bad);

	bad = 0;
	err = accelq_collector_events_consume(c, count_event, &ec);
	CHECK_EQ("events consumed", err, 7 * n);
	CHECK_EQ("timeout events", ec.n[ACCELQ_BPF_EV_TIMEOUT], n);
	CHECK_EQ("reset events", ec.n[ACCELQ_BPF_EV_RESET], n);
	CHECK_EQ("ban events", ec.n[ACCELQ_BPF_EV_BAN], 2 * n);
	CHECK_EQ("throttle events", ec.n[ACCELQ_BPF_EV_THROTTLE], 3 * n);
	CHECK_EQ("timeout event fields", ec.timeout_ok, 1);
	tap(!bad, "%s: ring buffer events (%d mismatches)", label, bad);
	accelq_snapshot_free(&s);
	return 0;
}

/* The usage slot {tenant, engine} owns, or -ENOENT. */
static int find_slot(struct accelq_collector *c, uint32_t tenant,
		     uint32_t engine, __u32 *slot)
{
	int fd = accelq_collector_map_fd(c, ACCELQ_BPF_MAP_SLOTS);
	struct bpf_map_info info;
	struct accelq_bpf_slot o;
	__u32 len = sizeof(info), i;

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return -EBADF;
	for (i = 0; i < info.max_entries; i++) {
		if (bpf_map_lookup_elem(fd, &i, &o))
			return -errno;
		if (o.used && o.tenant == tenant && o.engine == engine) {
			*slot = i;
			return 0;
		}
	}
	return -ENOENT;
}

/* The per-CPU slots themselves: injected CPUs hold the values, others 0. */
static void check_percpu_slots(struct accelq_collector *c, const bool *ran,
			       int ncpu)
{
	struct accelq_bpf_usage *v;
	int fd = accelq_collector_map_fd(c, ACCELQ_BPF_MAP_USAGE);
	int cpu, bad = 0;
	__u32 slot;

	v = calloc(ncpu, sizeof(*v));
	if (!v || find_slot(c, 1, 0, &slot) ||
	    bpf_map_lookup_elem(fd, &slot, v)) {
		tap(false, "per-CPU lookup of the slot of {1,0}");
		free(v);
		return;
	}
	for (cpu = 0; cpu < ncpu; cpu++) {
		CHECK_EQ("per-cpu busy", v[cpu].busy_ns, ran[cpu] ? T1_BUSY : 0);
		CHECK_EQ("per-cpu submitted", v[cpu].submitted, ran[cpu] ? 5 : 0);
	}
	tap(!bad, "each CPU's slot holds exactly its own injection (BPF_F_TEST_RUN_ON_CPU)");
	free(v);
}

static int cmd_testrun(void)
{
	struct accelq_collector *c;
	int ncpu = libbpf_num_possible_cpus(), nonline, cpu, err = 0;
	bool *online;

	c = open_collector(ACCELQ_COLLECTOR_NO_ATTACH, 0, 0, "", &err);
	tap(c, "collector loads without attaching");
	if (!c)
		return 1;
	online = calloc(ncpu, sizeof(*online));
	nonline = cpu_list("/sys/devices/system/cpu/online", online, ncpu);
	diag("possible CPUs %d, online CPUs %d", ncpu, nonline);
	for (cpu = 0; cpu < ncpu && !err; cpu++) {
		if (!online[cpu])
			continue;
		err = inject(c, cpu);
		if (err)
			diag("injection on cpu %d: %s", cpu, strerror(-err));
	}
	tap(!err && nonline > 0,
	    "BPF_PROG_TEST_RUN of every program on each online CPU");
	if (!err) {
		check_percpu_slots(c, online, ncpu);
		check_injected(c, online, ncpu, "testrun");
	}
	free(online);
	accelq_collector_close(c);
	return failures ? 1 : 0;
}

/* ----------------------------------------------------------------- cpus -- */

static int cmd_cpus(int expect)
{
	int ncpu = libbpf_num_possible_cpus(), nonline, cpu, off = -1, hp = -1;
	struct accelq_collector *c;
	bool *online, *ran;
	char path[128];
	int err = 0;

	online = calloc(ncpu, sizeof(*online));
	ran = calloc(ncpu, sizeof(*ran));
	nonline = cpu_list("/sys/devices/system/cpu/online", online, ncpu);
	diag("libbpf_num_possible_cpus() = %d, online CPUs = %d", ncpu, nonline);
	if (expect > 0)
		tap(ncpu == expect, "libbpf_num_possible_cpus() == %d (got %d)",
		    expect, ncpu);

	if (ncpu > nonline) {
		tap(true, "possible CPUs %d > online CPUs %d", ncpu, nonline);
		c = open_collector(ACCELQ_COLLECTOR_NO_ATTACH, 0, 0, "", &err);
		if (!c) {
			tap(false, "collector loads");
			return 1;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			if (!online[cpu])
				off = cpu;
		err = RUN(c, "accelq_job_tick", off, 1, 1, 0, 1, 1);
		tap(err == -ENXIO, "a test run on offline CPU %d is refused (%s)",
		    off, strerror(-err));
		err = 0;
		for (cpu = 0; cpu < ncpu && !err; cpu++)
			if (online[cpu])
				err = inject(c, cpu);
		tap(!err, "injection on the %d online CPUs", nonline);
		if (!err) {
			check_percpu_slots(c, online, ncpu);
			check_injected(c, online, ncpu, "possible>online");
		}
		accelq_collector_close(c);
	} else if (expect <= 0) {
		skip("possible == online (boot with scripts/vm --maxcpus)",
		     "possible CPUs > online CPUs");
	} else {
		tap(false, "possible CPUs %d > online CPUs %d", ncpu, nonline);
	}

	/* Hotplug: values of a CPU that went offline still count. */
	for (cpu = ncpu - 1; cpu > 0; cpu--) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/online", cpu);
		if (online[cpu] && access(path, W_OK) == 0) {
			hp = cpu;
			break;
		}
	}
	if (hp < 0) {
		skip("no hotpluggable online CPU besides CPU 0",
		     "counts of an offlined CPU are still summed");
		goto out;
	}
	c = open_collector(ACCELQ_COLLECTOR_NO_ATTACH, 0, 0, "", &err);
	if (!c) {
		tap(false, "collector loads");
		goto out;
	}
	err = 0;
	for (cpu = 0; cpu < ncpu && !err; cpu++)
		if (online[cpu]) {
			err = inject(c, cpu);
			ran[cpu] = true;
		}
	err = err ?: write_str(path, "0");
	tap(!err, "injected on CPUs 0..%d, then offlined CPU %d", ncpu - 1, hp);
	if (!err) {
		err = RUN(c, "accelq_job_tick", hp, 1, 1, 0, 1, 1);
		tap(err == -ENXIO, "a test run on offlined CPU %d is refused (%s)",
		    hp, strerror(-err));
		check_injected(c, ran, ncpu, "offlined CPU");
		err = write_str(path, "1");
		tap(!err && read_long(path) == 1, "CPU %d back online", hp);
	}
	accelq_collector_close(c);
out:
	free(online);
	free(ran);
	return failures ? 1 : 0;
}

/* -------------------------------------------------------------- mapfull -- */

struct ev_tally {
	unsigned int n;
};

static int tally_event(void *ctx, const struct accelq_bpf_event *ev)
{
	((struct ev_tally *)ctx)->n++;
	return 0;
}

static int cmd_mapfull(void)
{
	struct accelq_collector *c;
	struct accelq_snapshot s;
	struct ev_tally et = { 0 };
	int err = 0, bad = 0, t, k;
	size_t i;

	c = open_collector(ACCELQ_COLLECTOR_NO_ATTACH, 4, 4096, "", &err);
	tap(c, "collector with max_entries 4 and a 4 KiB ring buffer loads");
	if (!c)
		return 1;
	for (t = 0; t < 10 && !err; t++)
		for (k = 0; k < 3 && !err; k++)
			err = RUN(c, "accelq_job_submit", 0, t, 1, 0, k, 1, 0);
	for (t = 0; t < 10 && !err; t++)
		err = RUN(c, "accelq_tenant_throttle", 0, t, 1, 0);
	for (k = 0; k < 200 && !err; k++)
		err = RUN(c, "accelq_tenant_ban", 0, 3, 1, k);
	tap(!err, "events of 10 tenants into 4-entry maps, 210 ring records into 4 KiB (%s)",
	    err ? strerror(-err) : "no error");
	err = accelq_collector_snapshot(c, &s);
	tap(!err, "snapshot of full maps");
	if (err)
		goto out;
	CHECK_EQ("tenants kept", s.nr_tenants, 4);
	for (i = 0; i < s.nr_tenants; i++) {
		CHECK_EQ("submitted of a kept tenant", s.tenants[i].submitted, 3);
		CHECK_EQ("throttled of a kept tenant", s.tenants[i].nr_throttled, 1);
	}
	CHECK_EQ("lost usage updates", s.lost[ACCELQ_BPF_LOST_USAGE], 6 * 3);
	CHECK_EQ("lost throttle updates", s.lost[ACCELQ_BPF_LOST_THROTTLE], 6);
	tap(!bad, "usage map full: 18 lost updates, throttle map full: 6 (got %llu, %llu)",
	    (unsigned long long)s.lost[ACCELQ_BPF_LOST_USAGE],
	    (unsigned long long)s.lost[ACCELQ_BPF_LOST_THROTTLE]);
	bad = 0;
	k = accelq_collector_events_consume(c, tally_event, &et);
	CHECK_EQ("consumed + lost records", et.n + s.lost[ACCELQ_BPF_LOST_EVENTS], 210);
	tap(!bad && s.lost[ACCELQ_BPF_LOST_EVENTS] > 0 && k == (int)et.n,
	    "ring buffer full: %u records read + %llu lost = 210",
	    et.n, (unsigned long long)s.lost[ACCELQ_BPF_LOST_EVENTS]);
	accelq_snapshot_free(&s);

	/* Forgetting a tenant makes room again. */
	bad = 0;
	err = accelq_collector_forget_tenant(c, 0);
	err = err ?: RUN(c, "accelq_job_submit", 0, 42, 1, 0, 1, 1, 0);
	err = err ?: accelq_collector_snapshot(c, &s);
	if (!err) {
		const struct accelq_tenant_usage *t42 = accelq_snapshot_tenant(&s, 42);

		CHECK_EQ("tenant 42 inserted", !!t42, 1);
		CHECK_EQ("tenant 0 forgotten", !!accelq_snapshot_tenant(&s, 0), 0);
		CHECK_EQ("no new loss", s.lost[ACCELQ_BPF_LOST_USAGE], 18);
		accelq_snapshot_free(&s);
	}
	tap(!err && !bad, "forget_tenant frees an entry for a new tenant");
out:
	accelq_collector_close(c);
	return failures ? 1 : 0;
}

/* --------------------------------------------------------------- pinned -- */

static bool pins_exist(const char *dir)
{
	static const char *const names[] = {
		ACCELQ_BPF_MAP_SLOTS, ACCELQ_BPF_MAP_USAGE, ACCELQ_BPF_MAP_THROTTLE,
		ACCELQ_BPF_MAP_LOST, ACCELQ_BPF_MAP_EVENTS,
	};
	char path[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (access(path, F_OK))
			return false;
	}
	return true;
}

static uint64_t submitted_of(struct accelq_collector *c, uint32_t tenant)
{
	const struct accelq_tenant_usage *t;
	struct accelq_snapshot s;
	uint64_t v = ~0ULL;

	if (accelq_collector_snapshot(c, &s))
		return v;
	t = accelq_snapshot_tenant(&s, tenant);
	v = t ? t->submitted : 0;
	accelq_snapshot_free(&s);
	return v;
}

static int cmd_unpin(void)
{
	struct accelq_collector *c;
	int err = accelq_collector_open_pinned(NULL, &c);

	if (err)
		return err == -ENOENT ? 0 : 1;
	err = accelq_collector_unpin(c);
	accelq_collector_close(c);
	return err ? 1 : 0;
}

static int cmd_pinned(bool keep)
{
	const char *dir = ACCELQ_BPF_PIN_DIR;
	struct accelq_collector *c, *c2 = NULL, *r;
	struct bpf_map_info info;
	__u32 len;
	int err = 0, fd;
	uint64_t v;

	cmd_unpin();
	/* a stale pin of another layout (an older version) is replaced */
	mkdir(dir, 0700);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "stale", 4, 8, 16, NULL);
	err = fd < 0 ? fd : bpf_obj_pin(fd, ACCELQ_BPF_PIN_DIR "/throttle");
	if (fd >= 0)
		close(fd);
	c = open_collector(ACCELQ_COLLECTOR_NO_ATTACH, 0, 0, dir, &err);
	tap(c && pins_exist(dir), "maps pinned under %s", dir);
	if (!c)
		return 1;
	fd = bpf_obj_get(ACCELQ_BPF_PIN_DIR "/throttle");
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	err = fd < 0 ? fd : bpf_obj_get_info_by_fd(fd, &info, &len);
	if (fd >= 0)
		close(fd);
	tap(!err && info.type == BPF_MAP_TYPE_PERCPU_HASH &&
	    info.value_size == sizeof(struct accelq_bpf_throttle),
	    "a pinned map of another layout is replaced (type %u value_size %u)",
	    info.type, info.value_size);
	err = accelq_collector_open(&(struct accelq_collector_opts){
		.sz = sizeof(struct accelq_collector_opts), .pin_dir = dir,
		.flags = ACCELQ_COLLECTOR_NO_ATTACH }, &c2);
	tap(err == -EBUSY, "a second collector on the same pin dir is refused (%s)",
	    strerror(-err));
	accelq_collector_close(c2);
	err = RUN(c, "accelq_job_submit", 0, 5, 1, 0, 1, 1, 0);
	err = err ?: RUN(c, "accelq_job_submit", 0, 5, 1, 0, 2, 1, 0);
	accelq_collector_close(c);
	tap(!err && pins_exist(dir), "pins stay after close");

	err = accelq_collector_open_pinned(dir, &r);
	v = err ? 0 : submitted_of(r, 5);
	tap(!err && v == 2, "a pinned reader sees the counters (submitted %llu)",
	    (unsigned long long)v);
	accelq_collector_close(r);

	/* asking for another size: the pinned maps are reused at theirs */
	c = open_collector(ACCELQ_COLLECTOR_NO_ATTACH, 64, 0, dir, &err);
	err = c ? RUN(c, "accelq_job_submit", 0, 5, 1, 0, 3, 1, 0) : err;
	v = err ? 0 : submitted_of(c, 5);
	tap(!err && v == 3,
	    "a reopened collector reuses the pinned maps: counters continue (submitted %llu)",
	    (unsigned long long)v);
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	fd = c ? accelq_collector_map_fd(c, ACCELQ_BPF_MAP_USAGE) : -1;
	err = fd < 0 ? fd : bpf_obj_get_info_by_fd(fd, &info, &len);
	tap(!err && info.max_entries == 4096,
	    "reopened with max_entries 64: the pinned usage map keeps its 4096 entries (got %u)",
	    info.max_entries);
	if (c && !keep) {
		err = accelq_collector_unpin(c);
		tap(!err && access(dir, F_OK), "unpin removes the pins and the directory");
	}
	accelq_collector_close(c);
	return failures ? 1 : 0;
}

/* ----------------------------------------------------------------- hold -- */

static int cmd_hold(void)
{
	struct accelq_collector *c;
	sigset_t set;
	int sig, err;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	c = open_collector(0, 0, 0, "", &err);
	if (!c) {
		printf("failed %s\n", strerror(-err));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	accelq_collector_close(c);
	return 0;
}

/* ----------------------------------------------------------------- load -- */

static const char *const tracepoints[] = {
	"accelq_job_submit", "accelq_job_end", "accelq_job_preempt",
	"accelq_job_tick", "accelq_engine_reset", "accelq_tenant_throttle",
	"accelq_tenant_ban",
};

#define NR_TP	ARRAY_SIZE(tracepoints)

static char bad_log[LOG_SIZE];
static size_t bad_len;

static int bad_print(enum libbpf_print_level level, const char *fmt,
		     va_list ap)
{
	int n;

	if (bad_len >= sizeof(bad_log) - 1)
		return 0;
	n = vsnprintf(bad_log + bad_len, sizeof(bad_log) - bad_len, fmt, ap);
	if (n > 0)
		bad_len += n;
	if (bad_len > sizeof(bad_log) - 1)
		bad_len = sizeof(bad_log) - 1;
	return 0;
}

/* A deliberately invalid program: the verifier must reject it, with a log. */
static void check_rejection(void)
{
	char path[600], exe[512];
	struct bpf_object *obj;
	libbpf_print_fn_t old;
	ssize_t n;
	int err;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (strrchr(exe, '/'))
		*strrchr(exe, '/') = '\0';
	snprintf(path, sizeof(path), "%s/.output/bad.bpf.o", exe);
	old = libbpf_set_print(bad_print);
	obj = bpf_object__open_file(path, NULL);
	err = obj ? bpf_object__load(obj) : -errno;
	libbpf_set_print(old);
	bpf_object__close(obj);
	save_log("bpf-verifier-bad.log", bad_log);
	tap(obj && err && strstr(bad_log, "invalid bpf_context access"),
	    "a verifier rejection fails the load and its log is kept (%s)",
	    obj ? strerror(-err) : "cannot open bad.bpf.o");
}

static int cmd_load(void)
{
	struct accelq_collector *c;
	long ref0, ref1, ref2;
	size_t i, nfd = 0;
	int err;

	if (!module_loaded()) {
		c = open_collector(ACCELQ_COLLECTOR_NO_ATTACH, 0, 0, "", &err);
		tap(c, "without accelq.ko: every program passes the verifier (load only)");
		accelq_collector_close(c);
		c = open_collector(0, 0, 0, "", &err);
		tap(!c && err == -ENOENT,
		    "without accelq.ko: attaching fails cleanly (%s)",
		    strerror(-err));
		accelq_collector_close(c);
		check_rejection();
		return failures ? 1 : 0;
	}
	ref0 = read_long("/sys/module/accelq/refcnt");
	c = open_collector(0, 0, 0, "", &err);
	tap(c, "collector loads and attaches (%s)", err ? strerror(-err) : "ok");
	if (!c)
		return 1;
	for (i = 0; i < NR_TP; i++)
		if (accelq_collector_prog_fd(c, tracepoints[i]) >= 0)
			nfd++;
	tap(nfd == NR_TP, "a program for each of the %zu accelq tracepoints", NR_TP);
	ref1 = read_long("/sys/module/accelq/refcnt");
	tap(ref1 - ref0 == (long)NR_TP - 1,
	    "each raw_tp link holds a reference on accelq.ko, accelq_job_submit is not attached by default (refcnt %ld -> %ld)",
	    ref0, ref1);
	accelq_collector_close(c);
	ref2 = read_long("/sys/module/accelq/refcnt");
	tap(ref2 == ref0, "close detaches: refcnt back to %ld (got %ld)", ref0, ref2);
	c = open_collector(ACCELQ_COLLECTOR_SUBMITTED, 0, 0, "", &err);
	ref1 = read_long("/sys/module/accelq/refcnt");
	tap(c && ref1 - ref0 == (long)NR_TP,
	    "ACCELQ_COLLECTOR_SUBMITTED attaches all %zu (refcnt %ld -> %ld)",
	    NR_TP, ref0, ref1);
	accelq_collector_close(c);
	check_rejection();
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------- workload -- */

#define NCHILD		3
#define UID_BASE	2001
#define MAX_ENG		64
#define CHILD_JOBS	(20 + 30 + 1 + 5 + 1)

struct job_tally {
	unsigned long long st[ACCELQ_BPF_ST_MAX];
	unsigned long long busy[MAX_ENG];	/* fdinfo, per engine */
	unsigned int nr_engines;
	unsigned int tenant;
	int err;
	char what[96];
};

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int qcreate(int fd, __u32 engine, __u32 class, __u32 depth, __u32 *qid)
{
	struct accelq_queue_create qc = {
		.engine = engine, .class = class, .depth = depth,
	};
	int err = xioctl(fd, ACCELQ_IOCTL_QUEUE_CREATE, &qc);

	*qid = qc.queue_id;
	return err;
}

static int qdestroy(int fd, __u32 qid)
{
	struct accelq_queue_destroy qd = { .queue_id = qid };

	return xioctl(fd, ACCELQ_IOCTL_QUEUE_DESTROY, &qd);
}

/* Submit @n jobs of @cost ns; the last seqno in *last. */
static int submit(int fd, __u32 qid, unsigned int n, __u64 cost, __u32 flags,
		  __u64 *last)
{
	struct accelq_job jobs[64];
	struct accelq_submit s = {
		.queue_id = qid, .count = n, .job_size = sizeof(jobs[0]),
		.jobs_ptr = (uintptr_t)jobs,
	};
	unsigned int i;
	int err;

	if (n > 64)
		return -EINVAL;
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < n; i++) {
		jobs[i].cost_ns = cost;
		jobs[i].user_data = i;
		jobs[i].flags = flags;
	}
	err = xioctl(fd, ACCELQ_IOCTL_SUBMIT, &s);
	if (err)
		return err;
	if (s.accepted != n)
		return -EAGAIN;
	*last = s.first_seqno + n - 1;
	return 0;
}

static int qwait(int fd, __u32 qid, __u64 seqno)
{
	struct accelq_wait w = { .queue_id = qid, .seqno = seqno,
				 .timeout_ns = 30 * 1000000000LL };

	return xioctl(fd, ACCELQ_IOCTL_WAIT, &w);
}

static unsigned int status_slot(__s32 status)
{
	switch (status) {
	case 0: return ACCELQ_BPF_ST_OK;
	case -ECANCELED: return ACCELQ_BPF_ST_CANCELED;
	case -ETIMEDOUT: return ACCELQ_BPF_ST_TIMEDOUT;
	case -EIO: return ACCELQ_BPF_ST_IO;
	default: return ACCELQ_BPF_ST_OTHER;
	}
}

/* Read @n completion records, tallying their statuses. */
static int reap(int fd, unsigned int n, struct job_tally *t)
{
	struct accelq_completion rec[64];

	while (n) {
		ssize_t r = read(fd, rec, sizeof(rec));
		ssize_t i;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r /= sizeof(rec[0]);
		for (i = 0; i < r && n; i++, n--)
			t->st[status_slot(rec[i].status)]++;
	}
	return 0;
}

/* The per-engine busy time and tenant of a client, from its fdinfo. */
static int read_fdinfo(int fd, struct job_tally *t)
{
	char path[64], line[256];
	unsigned long long v;
	unsigned int e = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		if (!strncmp(line, "accelq-engine-", 14) && e < MAX_ENG &&
		    sscanf(colon + 1, "%llu", &v) == 1)
			t->busy[e++] = v;
		else if (!strncmp(line, "accelq-tenant-id:", 17))
			t->tenant = strtoul(colon + 1, NULL, 10);
	}
	fclose(f);
	t->nr_engines = e;
	return 0;
}

#define STEP(expr, label) do {						\
	int __e = (expr);						\
	if (__e) {							\
		snprintf(t->what, sizeof(t->what), "%s: %s", label,	\
			 strerror(-__e));				\
		t->err = __e;						\
		goto out;						\
	}								\
} while (0)

static void child_scenario(int idx, struct job_tally *t)
{
	struct accelq_info info = { 0 };
	__u32 qa, qb, qp, ql, qt, eng;
	__u64 last, lastl;
	unsigned int i;
	int fd;

	fd = open("/dev/accelq", O_RDWR | O_CLOEXEC);
	STEP(fd < 0 ? -errno : 0, "open /dev/accelq");
	STEP(xioctl(fd, ACCELQ_IOCTL_GET_INFO, &info), "GET_INFO");
	eng = idx % info.nr_engines;

	/* plain jobs, completed */
	STEP(qcreate(fd, eng, ACCELQ_CLASS_BATCH, 64, &qa), "create qa");
	for (i = 0; i < 4; i++)
		STEP(submit(fd, qa, 5, 100000 + i * 400000, 0, &last), "submit qa");
	STEP(qwait(fd, qa, last), "wait qa");
	/* cancellations: destroy a queue with a running job and a backlog */
	STEP(qcreate(fd, eng, ACCELQ_CLASS_BATCH, 64, &qb), "create qb");
	STEP(submit(fd, qb, 30, 2000000, 0, &last), "submit qb");
	usleep(3000);
	STEP(qdestroy(fd, qb), "destroy qb");
	/* preemption: a long preemptible batch job, then latency jobs */
	STEP(qcreate(fd, eng, ACCELQ_CLASS_BATCH, 4, &qp), "create qp");
	STEP(qcreate(fd, eng, ACCELQ_CLASS_LATENCY, 16, &ql), "create ql");
	STEP(submit(fd, qp, 1, 40000000, ACCELQ_JOB_PREEMPTIBLE, &last),
	     "submit qp");
	usleep(5000);
	STEP(submit(fd, ql, 5, 300000, 0, &lastl), "submit ql");
	STEP(qwait(fd, ql, lastl), "wait ql");
	STEP(qwait(fd, qp, last), "wait qp");
	/* a hang: a non-preemptible job longer than job_timeout_ms */
	STEP(qcreate(fd, eng, ACCELQ_CLASS_BATCH, 4, &qt), "create qt");
	STEP(submit(fd, qt, 1, 150000000, 0, &last), "submit qt");
	STEP(qwait(fd, qt, last), "wait qt");

	STEP(reap(fd, CHILD_JOBS, t), "read completions");
	STEP(read_fdinfo(fd, t), "fdinfo");
out:
	if (fd >= 0)
		close(fd);
}

/* The parent's own jobs: timeslice renewals alone, then an admin reset. */
static void parent_scenario(struct job_tally *t)
{
	__u32 q1, q2;
	__u64 last;
	int fd;

	fd = open("/dev/accelq", O_RDWR | O_CLOEXEC);
	STEP(fd < 0 ? -errno : 0, "open /dev/accelq");
	STEP(qcreate(fd, 0, ACCELQ_CLASS_BATCH, 4, &q1), "create q1");
	STEP(submit(fd, q1, 1, 20000000, ACCELQ_JOB_PREEMPTIBLE, &last),
	     "submit q1");
	STEP(qwait(fd, q1, last), "wait q1");
	STEP(qcreate(fd, 0, ACCELQ_CLASS_BATCH, 4, &q2), "create q2");
	STEP(submit(fd, q2, 1, 2000000000ULL, ACCELQ_JOB_PREEMPTIBLE, &last),
	     "submit q2");
	usleep(20000);
	STEP(write_str("/sys/kernel/debug/accelq/reset_engine", "0"),
	     "reset_engine");
	STEP(qwait(fd, q2, last), "wait q2");
	STEP(reap(fd, 2, t), "read completions");
	STEP(read_fdinfo(fd, t), "fdinfo");
out:
	if (fd >= 0)
		close(fd);
}

struct dev_stats {
	unsigned long long accepted, st[ACCELQ_BPF_ST_MAX], preemptions,
			   resets, inflight, busy[MAX_ENG];
	unsigned int nr_engines;
};

static int read_dev_stats(struct dev_stats *d)
{
	char line[512], key[64];
	unsigned long long v;
	FILE *f;

	memset(d, 0, sizeof(*d));
	f = fopen("/sys/kernel/debug/accelq/stats", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %llu", key, &v) != 2)
			continue;
		if (!strcmp(key, "jobs_accepted"))
			d->accepted = v;
		else if (!strcmp(key, "jobs_inflight"))
			d->inflight = v;
		else if (!strcmp(key, "status_ok"))
			d->st[ACCELQ_BPF_ST_OK] = v;
		else if (!strcmp(key, "status_canceled"))
			d->st[ACCELQ_BPF_ST_CANCELED] = v;
		else if (!strcmp(key, "status_timedout"))
			d->st[ACCELQ_BPF_ST_TIMEDOUT] = v;
		else if (!strcmp(key, "status_io"))
			d->st[ACCELQ_BPF_ST_IO] = v;
		else if (!strcmp(key, "preemptions"))
			d->preemptions = v;
		else if (!strcmp(key, "engine_resets"))
			d->resets = v;
	}
	fclose(f);
	f = fopen("/sys/kernel/debug/accelq/engines", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " id="), *b = strstr(line, " busy_ns=");
		unsigned int id;

		if (!p || !b || sscanf(p, " id=%u", &id) != 1 || id >= MAX_ENG)
			continue;
		d->busy[id] = strtoull(b + 9, NULL, 10);
		if (id + 1 > d->nr_engines)
			d->nr_engines = id + 1;
	}
	fclose(f);
	return 0;
}

struct wl_events {
	unsigned int n[5];
};

static int wl_event(void *ctx, const struct accelq_bpf_event *ev)
{
	struct wl_events *we = ctx;

	if (ev->type < 5)
		we->n[ev->type]++;
	return 0;
}

static bool within(unsigned long long a, unsigned long long b, double frac)
{
	unsigned long long d = a > b ? a - b : b - a;

	return d <= frac * (double)(a > b ? a : b);
}

static void sum_snapshot(const struct accelq_snapshot *s, struct dev_stats *d)
{
	size_t i;
	unsigned int e, k;

	memset(d, 0, sizeof(*d));
	d->nr_engines = s->nr_engines;
	for (i = 0; i < s->nr_tenants; i++) {
		const struct accelq_tenant_usage *t = &s->tenants[i];

		d->accepted += t->submitted;
		d->preemptions += t->preemptions;
		for (k = 0; k < ACCELQ_BPF_ST_MAX; k++)
			d->st[k] += t->jobs[k];
		for (e = 0; e < s->nr_engines && e < MAX_ENG; e++)
			d->busy[e] += t->engine_busy_ns[e];
	}
}

static void compare_tenant_nl(struct aqnl *nl, uint32_t tid,
			      const struct accelq_snapshot *s0,
			      const struct accelq_snapshot *s1)
{
	const struct accelq_tenant_usage *a = accelq_snapshot_tenant(s1, tid);
	const struct accelq_tenant_usage *b = accelq_snapshot_tenant(s0, tid);
	struct aqnl_stats st;
	int bad = 0, err;
	unsigned int e;

	err = aqnl_tenant_get(nl, tid, &st);
	if (err || !a) {
		tap(false, "tenant %u: TENANT_GET (%s) and BPF entry (%s)", tid,
		    strerror(-err), a ? "present" : "missing");
		return;
	}
	if (b) {
		tap(false, "tenant %u existed before the workload", tid);
		return;
	}
	if (!within(a->busy_ns, st.busy_ns, 0.001)) {
		diag("tenant %u busy: bpf %llu kernel %llu", tid,
		     (unsigned long long)a->busy_ns,
		     (unsigned long long)st.busy_ns);
		bad++;
	}
	for (e = 0; e < s1->nr_engines && e < AQNL_MAX_ENGINES; e++)
		if (!within(a->engine_busy_ns[e], st.engine_busy_ns[e], 0.001)) {
			diag("tenant %u engine %u busy: bpf %llu kernel %llu",
			     tid, e, (unsigned long long)a->engine_busy_ns[e],
			     (unsigned long long)st.engine_busy_ns[e]);
			bad++;
		}
	CHECK_EQ("jobs accepted", a->submitted, st.jobs_accepted);
	CHECK_EQ("jobs ok", a->jobs[ACCELQ_BPF_ST_OK], st.jobs_ok);
	CHECK_EQ("jobs canceled", a->jobs[ACCELQ_BPF_ST_CANCELED], st.jobs_canceled);
	CHECK_EQ("jobs timedout", a->jobs[ACCELQ_BPF_ST_TIMEDOUT], st.jobs_timedout);
	CHECK_EQ("jobs io", a->jobs[ACCELQ_BPF_ST_IO] + a->jobs[ACCELQ_BPF_ST_OTHER],
		 st.jobs_io);
	CHECK_EQ("preemptions", a->preemptions, st.preemptions);
	CHECK_EQ("wait ns", a->wait_ns_sum, st.wait_ns);
	CHECK_EQ("nr_throttled", a->nr_throttled, st.nr_throttled);
	CHECK_EQ("throttled_ns", a->throttled_ns, st.throttled_ns);
	CHECK_EQ("throttled now", a->throttled,
		 !!(st.flags & ACCELQ_TENANT_F_THROTTLED));
	tap(!bad,
	    "tenant %u: BPF equals TENANT_GET (busy %llu vs %llu ns, ok %llu canceled %llu timedout %llu preempt %llu throttled %llu/%llu ns)",
	    tid, (unsigned long long)a->busy_ns,
	    (unsigned long long)st.busy_ns,
	    (unsigned long long)st.jobs_ok,
	    (unsigned long long)st.jobs_canceled,
	    (unsigned long long)st.jobs_timedout,
	    (unsigned long long)st.preemptions,
	    (unsigned long long)st.nr_throttled,
	    (unsigned long long)st.throttled_ns);
}

static int cmd_workload(void)
{
	unsigned long long old_timeout = 0, old_slice = 0, fd_busy[MAX_ENG] = { 0 };
	struct job_tally tally[NCHILD + 1], user = { 0 };
	struct dev_stats d0, d1, bpf, dk;
	struct accelq_snapshot s0, s1;
	struct accelq_collector *c;
	struct wl_events we = { 0 };
	uint32_t tids[NCHILD] = { 0 };
	struct aqnl *nl = NULL;
	int rfds[NCHILD] = { -1, -1, -1 };
	pid_t pids[NCHILD] = { 0 };
	int i, err, bad, nlerr;
	unsigned int e, k;
	char path[128];

	if (!module_loaded()) {
		tap(false, "accelq.ko is loaded");
		return 1;
	}
	old_timeout = read_long("/sys/module/accelq/parameters/job_timeout_ms");
	old_slice = read_long("/sys/module/accelq/parameters/timeslice_us");
	err = write_str("/sys/module/accelq/parameters/job_timeout_ms", "60");
	err = err ?: write_str("/sys/module/accelq/parameters/timeslice_us", "1000");
	tap(!err, "job_timeout_ms=60, timeslice_us=1000");

	/* accelq_job_submit too: "submitted" is compared with the kernel's. */
	c = open_collector(ACCELQ_COLLECTOR_SUBMITTED, 0, 0, "", &err);
	tap(c, "collector attached");
	if (!c)
		goto restore;

	nlerr = aqnl_open(&nl);
	if (nlerr) {
		diag("netlink family \"%s\" unavailable (%s): every client is in the default tenant",
		     ACCELQ_GENL_NAME, strerror(-nlerr));
		diag("comparing BPF with debugfs (engines, stats) and per-client fdinfo instead");
	} else {
		for (i = 0; i < NCHILD; i++) {
			char name[32];

			/* the last one capped at 3 ms per 10 ms: throttling */
			uint64_t quota = i == NCHILD - 1 ? 3 * NSEC_PER_MSEC : 0;

			snprintf(name, sizeof(name), "bpft-%d", UID_BASE + i);
			err = aqnl_tenant_new_uid(nl, name, UID_BASE + i, quota,
						  10 * NSEC_PER_MSEC, &tids[i]);
			tap(!err, "TENANT_NEW %s match uid %d%s -> id %u (%s)",
			    name, UID_BASE + i, quota ? " cap 3ms/10ms" : "",
			    tids[i], err ? strerror(-err) : "ok");
		}
	}

	memset(tally, 0, sizeof(tally));
	err = accelq_collector_snapshot(c, &s0);
	err = err ?: read_dev_stats(&d0);
	tap(!err, "baseline: BPF snapshot and debugfs counters");
	if (err)
		goto close;

	for (i = 0; i < NCHILD; i++) {
		struct job_tally *sh = &tally[i];
		int pfd[2];

		if (pipe(pfd)) {
			pids[i] = -1;
			continue;
		}
		pids[i] = fork();
		if (pids[i] == 0) {
			uid_t uid = UID_BASE + i;

			close(pfd[0]);
			memset(sh, 0, sizeof(*sh));
			if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
			    setresuid(uid, uid, uid)) {
				sh->err = -errno;
				snprintf(sh->what, sizeof(sh->what), "setresuid");
			} else {
				child_scenario(i, sh);
			}
			if (write(pfd[1], sh, sizeof(*sh)) != sizeof(*sh))
				_exit(2);
			_exit(sh->err ? 1 : 0);
		}
		close(pfd[1]);
		rfds[i] = pfd[0];
	}
	for (i = 0; i < NCHILD; i++) {
		int rfd = rfds[i], status = 0;

		if (pids[i] <= 0 || rfd < 0 ||
		    read(rfd, &tally[i], sizeof(tally[i])) != sizeof(tally[i])) {
			memset(&tally[i], 0, sizeof(tally[i]));
			tally[i].err = -EIO;
			snprintf(tally[i].what, sizeof(tally[i].what), "no report");
		}
		if (rfd >= 0)
			close(rfd);
		if (pids[i] > 0)
			waitpid(pids[i], &status, 0);
		tap(!tally[i].err,
		    "uid %d (tenant %u): %llu ok, %llu canceled, %llu timed out, %llu io%s%s",
		    UID_BASE + i, tally[i].tenant,
		    tally[i].st[ACCELQ_BPF_ST_OK],
		    tally[i].st[ACCELQ_BPF_ST_CANCELED],
		    tally[i].st[ACCELQ_BPF_ST_TIMEDOUT],
		    tally[i].st[ACCELQ_BPF_ST_IO],
		    tally[i].err ? ": " : "", tally[i].what);
		if (!nlerr)
			tap(tally[i].tenant == tids[i],
			    "uid %d attributed to its tenant %u (got %u)",
			    UID_BASE + i, tids[i], tally[i].tenant);
	}
	parent_scenario(&tally[NCHILD]);
	tap(!tally[NCHILD].err && tally[NCHILD].st[ACCELQ_BPF_ST_IO] == 1,
	    "root: a preemptible job alone (timeslice renewals), then an admin reset -> EIO%s%s",
	    tally[NCHILD].err ? ": " : "", tally[NCHILD].what);

	for (i = 0; i < 400; i++) {
		err = read_dev_stats(&d1);
		if (err || !d1.inflight)
			break;
		usleep(10000);
	}
	/* a throttled interval still open is not in BPF yet: let it end */
	for (i = 0; !nlerr && i < NCHILD; i++) {
		struct aqnl_stats st;
		int tries;

		for (tries = 0; tries < 300; tries++) {
			if (aqnl_tenant_get(nl, tids[i], &st) ||
			    !(st.flags & ACCELQ_TENANT_F_THROTTLED))
				break;
			usleep(10000);
		}
	}
	err = err ?: accelq_collector_snapshot(c, &s1);
	tap(!err && !d1.inflight, "idle; final BPF snapshot and debugfs counters");
	if (err)
		goto close;

	/* BPF deltas against the device's own counters (debugfs). */
	sum_snapshot(&s1, &bpf);
	{
		struct dev_stats b0;

		sum_snapshot(&s0, &b0);
		for (k = 0; k < ACCELQ_BPF_ST_MAX; k++)
			bpf.st[k] -= b0.st[k];
		bpf.accepted -= b0.accepted;
		bpf.preemptions -= b0.preemptions;
		for (e = 0; e < MAX_ENG; e++)
			bpf.busy[e] -= b0.busy[e];
	}
	memset(&dk, 0, sizeof(dk));
	for (k = 0; k < ACCELQ_BPF_ST_MAX; k++)
		dk.st[k] = d1.st[k] - d0.st[k];
	dk.accepted = d1.accepted - d0.accepted;
	dk.preemptions = d1.preemptions - d0.preemptions;
	for (e = 0; e < MAX_ENG; e++)
		dk.busy[e] = d1.busy[e] - d0.busy[e];

	bad = 0;
	for (e = 0; e < d1.nr_engines; e++) {
		diag("engine %u busy: bpf %llu ns, kernel %llu ns (diff %lld)", e,
		     bpf.busy[e], dk.busy[e],
		     (long long)(bpf.busy[e] - dk.busy[e]));
		if (!within(bpf.busy[e], dk.busy[e], 0.001))
			bad++;
	}
	tap(!bad, "busy ns per engine: BPF within 0.1%% of the kernel's engine busy_ns");
	bad = 0;
	CHECK_EQ("accepted", bpf.accepted, dk.accepted);
	CHECK_EQ("ok", bpf.st[ACCELQ_BPF_ST_OK], dk.st[ACCELQ_BPF_ST_OK]);
	CHECK_EQ("canceled", bpf.st[ACCELQ_BPF_ST_CANCELED], dk.st[ACCELQ_BPF_ST_CANCELED]);
	CHECK_EQ("timedout", bpf.st[ACCELQ_BPF_ST_TIMEDOUT], dk.st[ACCELQ_BPF_ST_TIMEDOUT]);
	CHECK_EQ("io", bpf.st[ACCELQ_BPF_ST_IO] + bpf.st[ACCELQ_BPF_ST_OTHER],
		 dk.st[ACCELQ_BPF_ST_IO]);
	CHECK_EQ("preemptions", bpf.preemptions, dk.preemptions);
	tap(!bad,
	    "job counts exactly equal debugfs: accepted %llu, ok %llu, canceled %llu, timedout %llu, io %llu, preemptions %llu",
	    dk.accepted, dk.st[ACCELQ_BPF_ST_OK], dk.st[ACCELQ_BPF_ST_CANCELED],
	    dk.st[ACCELQ_BPF_ST_TIMEDOUT], dk.st[ACCELQ_BPF_ST_IO],
	    dk.preemptions);
	tap(dk.st[ACCELQ_BPF_ST_OK] && dk.st[ACCELQ_BPF_ST_CANCELED] &&
	    dk.st[ACCELQ_BPF_ST_TIMEDOUT] >= NCHILD && dk.st[ACCELQ_BPF_ST_IO] &&
	    dk.preemptions,
	    "the workload produced completions, cancellations, timeouts, io errors and preemptions");

	/* What the clients saw: completion records and fdinfo busy time. */
	for (i = 0; i <= NCHILD; i++) {
		for (k = 0; k < ACCELQ_BPF_ST_MAX; k++)
			user.st[k] += tally[i].st[k];
		for (e = 0; e < tally[i].nr_engines && e < MAX_ENG; e++)
			fd_busy[e] += tally[i].busy[e];
	}
	bad = 0;
	for (k = 0; k < ACCELQ_BPF_ST_MAX; k++) {
		snprintf(path, sizeof(path), "completion records, status %u", k);
		CHECK_EQ(path, bpf.st[k], user.st[k]);
	}
	for (e = 0; e < d1.nr_engines; e++)
		if (bpf.busy[e] != fd_busy[e]) {
			diag("engine %u: bpf %llu, sum of client fdinfo %llu", e,
			     bpf.busy[e], fd_busy[e]);
			bad++;
		}
	tap(!bad, "BPF equals the clients' completion records and the sum of their fdinfo busy time");

	{
		uint64_t ticks = 0;
		size_t j;

		for (j = 0; j < s1.nr_tenants; j++)
			ticks += s1.tenants[j].ticks;
		for (j = 0; j < s0.nr_tenants; j++)
			ticks -= s0.tenants[j].ticks;
		tap(ticks >= 5, "accelq_job_tick: %llu timeslice renewals counted in busy time",
		    (unsigned long long)ticks);
	}

	err = accelq_collector_events_consume(c, wl_event, &we);
	bad = 0;
	CHECK_EQ("timeout events", we.n[ACCELQ_BPF_EV_TIMEOUT], dk.st[ACCELQ_BPF_ST_TIMEDOUT]);
	CHECK_EQ("reset events", we.n[ACCELQ_BPF_EV_RESET], dk.st[ACCELQ_BPF_ST_IO]);
	{
		unsigned long long thr = 0;
		size_t j;

		for (j = 0; j < s1.nr_tenants; j++)
			thr += s1.tenants[j].nr_throttled +
			       s1.tenants[j].nr_unthrottled;
		for (j = 0; j < s0.nr_tenants; j++)
			thr -= s0.tenants[j].nr_throttled +
			       s0.tenants[j].nr_unthrottled;
		CHECK_EQ("throttle events", we.n[ACCELQ_BPF_EV_THROTTLE], thr);
		if (!nlerr)
			tap(thr > 0, "the capped tenant was throttled (%llu throttle on/off events)",
			    thr);
	}
	tap(err >= 0 && !bad,
	    "ring buffer: %u timeout, %u admin reset, %u throttle events",
	    we.n[ACCELQ_BPF_EV_TIMEOUT], we.n[ACCELQ_BPF_EV_RESET],
	    we.n[ACCELQ_BPF_EV_THROTTLE]);
	bad = 0;
	for (k = 0; k < ACCELQ_BPF_LOST_MAX; k++)
		CHECK_EQ("lost", s1.lost[k], 0);
	CHECK_EQ("prog recursion misses", s1.prog_misses, 0);
	tap(!bad, "nothing lost (maps, ring buffer, program runs)");

	if (nlerr) {
		skip("netlink family accelq not available yet",
		     "per-tenant BPF totals equal TENANT_GET stats");
	} else {
		for (i = 0; i < NCHILD; i++)
			compare_tenant_nl(nl, tids[i], &s0, &s1);
		for (i = 0; i < NCHILD; i++)
			aqnl_tenant_del(nl, tids[i]);
	}
	accelq_snapshot_free(&s0);
	accelq_snapshot_free(&s1);
close:
	aqnl_close(nl);
	accelq_collector_close(c);
restore:
	snprintf(path, sizeof(path), "%llu", old_timeout);
	write_str("/sys/module/accelq/parameters/job_timeout_ms", path);
	snprintf(path, sizeof(path), "%llu", old_slice);
	write_str("/sys/module/accelq/parameters/timeslice_us", path);
	return failures ? 1 : 0;
}

/* ----------------------------------------------------------------- main -- */

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "load"))
		return cmd_load();
	if (!strcmp(cmd, "testrun"))
		return cmd_testrun();
	if (!strcmp(cmd, "cpus"))
		return cmd_cpus(argc > 2 ? atoi(argv[2]) : 0);
	if (!strcmp(cmd, "mapfull"))
		return cmd_mapfull();
	if (!strcmp(cmd, "pinned"))
		return cmd_pinned(argc > 2 && !strcmp(argv[2], "keep"));
	if (!strcmp(cmd, "unpin"))
		return cmd_unpin();
	if (!strcmp(cmd, "hold"))
		return cmd_hold();
	if (!strcmp(cmd, "workload"))
		return cmd_workload();
	fprintf(stderr,
		"usage: bpf_test load|testrun|cpus [N]|mapfull|pinned [keep]|unpin|hold|workload\n");
	return 2;
}
