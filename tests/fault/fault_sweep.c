// SPDX-License-Identifier: GPL-2.0-only
/*
 * fault_sweep - systematic fault injection into every accelq entry point.
 * Runs as root in the QEMU guest on the debug kernel (tests/fault/run.sh).
 *
 * For each operation (open, close, the five ioctls, read(), and every
 * generic netlink command) and N = 1, 2, ...: prepare (no faults), write N
 * to /proc/thread-self/fail-nth, make the call, read fail-nth back (0: the
 * N-th fault point of the call failed) and disarm, then check:
 *
 *   - the call succeeded or failed with a clean errno (ENOMEM, EFAULT, and
 *     for netlink ENOBUFS / a lost answer), never another one;
 *   - a failed call changed nothing: no queue created, no job accepted, no
 *     record consumed, no tenant created / changed / deleted; a successful
 *     one did all of its work (when netlink lost the answer the outcome is
 *     unknown and only consistency is checked);
 *   - the device's ledger still balances and the default tenant's client,
 *     queue and in-flight counts return to their baseline;
 *
 * until the call runs to completion without reaching the N-th fault point.
 * Which kind of fault fired (failslab, fail_page_alloc, fail_usercopy) is
 * read from the "times" counter of each in debugfs. At the end the device
 * must still work and the ledger must balance. Leaks are for kmemleak (the
 * runner scans afterwards).
 *
 * With --modload KO it sweeps finit_module() of KO instead: every failed
 * load must leave no module behind, and a clean load must work afterwards.
 *
 * Usage: fault_sweep [--only NAME] [--max N] [--list] [-v]
 *        fault_sweep --modload path/to/accelq.ko [--max N] [-v]
 * Output is TAP; exit 0 if everything passed.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/accelq.h>

#include "../accelq_common.h"
#include "aq_genl.h"

#define DBG		"/sys/kernel/debug/"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define TIMES_START	1000000000LL
#define TNAME		"fzsweep"
#define TUID		7777u

static unsigned int opt_max = 3000;
static int opt_verbose;
static const char *opt_only;

/* ------------------------------------------------------- fault control -- */

enum ftype { F_SLAB, F_PAGE, F_USERCOPY, F_NR };
static const char *const ftype_dir[F_NR] = { "failslab", "fail_page_alloc", "fail_usercopy" };
static const char *const ftype_name[F_NR] = { "slab", "page", "usercopy" };

static int fnth_fd = -1;

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static long long read_ll(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtoll(buf, NULL, 0);
}

static int knob(enum ftype t, const char *name, const char *val)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), DBG "%s/%s", ftype_dir[t], name);
	ret = write_file(path, val);
	if (ret)
		printf("# cannot set %s = %s: %s\n", path, val, strerror(-ret));
	return ret;
}

/*
 * fail-nth decides; the knobs only let GFP_KERNEL allocations and order-0
 * pages take part, keep other tasks out (task-filter with probability 0
 * is belt and braces) and keep the log quiet (a stack dump per injected
 * fault would read as a "Call Trace:" to the log check).
 */
static int setup_knobs(void)
{
	int t, ret = 0;

	for (t = 0; t < F_NR; t++) {
		ret |= knob(t, "probability", "0");
		ret |= knob(t, "task-filter", "Y");
		ret |= knob(t, "verbose", "0");
		ret |= knob(t, "times", "1000000000");
	}
	ret |= knob(F_SLAB, "ignore-gfp-wait", "N");
	ret |= knob(F_PAGE, "ignore-gfp-wait", "N");
	ret |= knob(F_PAGE, "ignore-gfp-highmem", "N");
	ret |= knob(F_PAGE, "min-order", "0");
	return ret;
}

static void times_snap(long long v[F_NR])
{
	char path[256];
	int t;

	for (t = 0; t < F_NR; t++) {
		snprintf(path, sizeof(path), DBG "%s/times", ftype_dir[t]);
		v[t] = read_ll(path);
	}
}

static void arm(unsigned int n)
{
	char b[16];
	int l = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(fnth_fd, b, l, 0) != l) {
		printf("Bail out! write %s: %s\n", FAIL_NTH, strerror(errno));
		exit(1);
	}
}

/* Disarm; true if the armed fault was injected. */
static bool disarm(void)
{
	char b[16];
	/* A read that reaches the pending fault itself fails with EFAULT. */
	ssize_t r = pread(fnth_fd, b, sizeof(b) - 1, 0);
	bool injected = r > 0 && b[0] == '0';
	int i;

	/*
	 * The write copies from user memory: with faults left to count it
	 * may itself be the one that fails (EFAULT); it then succeeds next.
	 */
	for (i = 0; pwrite(fnth_fd, "0", 1, 0) != 1; i++) {
		if (errno != EFAULT || i == 10) {
			printf("Bail out! reset %s: %s\n", FAIL_NTH, strerror(errno));
			exit(1);
		}
	}
	return injected;
}

/* ------------------------------------------------------------- reports -- */

static int tap_n, tap_fail;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		tap_fail++;
}

static unsigned int op_bad;

static void bad(const char *op, unsigned int n, const char *fmt, ...)
{
	va_list ap;

	op_bad++;
	if (op_bad > 20)
		return;
	printf("# %s N=%u: ", op, n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ------------------------------------------------------------- context -- */

struct ctx {
	int fd;			/* long-lived client */
	__u32 qid;		/* its queue (depth 1024) */
	int fd2;		/* per-iteration client */
	__u32 qid2;
	__u64 seq;
	struct aq_nl nl;	/* per-iteration socket */
	uint16_t family;
	struct aq_stats st0;
	long recs0;		/* records drained at prep */
	uint32_t u32a;
	long long ll0;
	unsigned int n;		/* current N */
	const char *name;
};

struct tenant_info {
	bool found;
	uint32_t id, weight, nr_clients, nr_queues, nr_inflight;
};

static int tenant_cb(const struct nlmsghdr *h, void *arg)
{
	struct tenant_info *ti = arg;
	const struct nlattr *a;

	ti->found = true;
	if ((a = aq_attr(h, ACCELQ_A_TENANT_ID)))
		ti->id = aq_attr_u32(a);
	if ((a = aq_attr(h, ACCELQ_A_TENANT_WEIGHT)))
		ti->weight = aq_attr_u32(a);
	if ((a = aq_attr(h, ACCELQ_A_TENANT_NR_CLIENTS)))
		ti->nr_clients = aq_attr_u32(a);
	if ((a = aq_attr(h, ACCELQ_A_TENANT_NR_QUEUES)))
		ti->nr_queues = aq_attr_u32(a);
	if ((a = aq_attr(h, ACCELQ_A_TENANT_NR_INFLIGHT)))
		ti->nr_inflight = aq_attr_u32(a);
	return 0;
}

static uint16_t g_family;

/* Unarmed helpers on a private socket. */
static int nl_tenant_get(const char *name, uint32_t id, struct tenant_info *ti)
{
	struct aq_nl nl;
	struct aq_nlmsg m;
	int ret = aq_nl_open(&nl, g_family);

	memset(ti, 0, sizeof(*ti));
	if (ret)
		return ret;
	aq_msg_init(&m, nl.family, ACCELQ_CMD_TENANT_GET, 0);
	if (name)
		aq_put_str(&m, ACCELQ_A_TENANT_NAME, name);
	else
		aq_put_u32(&m, ACCELQ_A_TENANT_ID, id);
	ret = aq_nl_transact(&nl, &m, tenant_cb, ti);
	aq_nl_close(&nl);
	return ret;
}

static int nl_simple(uint8_t cmd, const char *name, uint32_t weight, bool with_uid)
{
	struct aq_nl nl;
	struct aq_nlmsg m;
	int ret = aq_nl_open(&nl, g_family);

	if (ret)
		return ret;
	aq_msg_init(&m, nl.family, cmd, 0);
	aq_put_str(&m, ACCELQ_A_TENANT_NAME, name);
	if (with_uid)
		aq_put_u32(&m, ACCELQ_A_TENANT_MATCH_UID, TUID);
	if (weight)
		aq_put_u32(&m, ACCELQ_A_TENANT_WEIGHT, weight);
	if (cmd == ACCELQ_CMD_TENANT_DEL)
		aq_put_u32(&m, ACCELQ_A_TENANT_DEL_FLAGS, ACCELQ_TENANT_DEL_FORCE);
	ret = aq_nl_transact(&nl, &m, NULL, NULL);
	aq_nl_close(&nl);
	return ret;
}

static bool tenant_exists(const char *name)
{
	struct tenant_info ti;

	return nl_tenant_get(name, 0, &ti) == 0 && ti.found;
}

static void tenant_remove(const char *name)
{
	if (tenant_exists(name))
		nl_simple(ACCELQ_CMD_TENANT_DEL, name, 0, false);
}

/* Drain every readable record of @fd (non-blocking); count. */
static long drain(int fd)
{
	struct accelq_completion c[64];
	int fl = fcntl(fd, F_GETFL);
	long total = 0, n;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while ((n = aq_read(fd, c, 64)) > 0)
		total += n;
	fcntl(fd, F_SETFL, fl);
	return total;
}

static int wait_idle(struct aq_stats *st)
{
	return aq_stats_wait_idle(st, 20000);
}

/* fdinfo "accelq-queues:" of @fd, or -1. */
static int fd_queues(int fd)
{
	char path[64], line[256];
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "accelq-queues: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* Baseline of the default tenant, taken with only the long-lived client. */
static struct tenant_info base;

static void check_default_tenant(struct ctx *c, const char *when)
{
	struct tenant_info ti;
	struct aq_stats st;

	wait_idle(&st);
	if (nl_tenant_get(NULL, 0, &ti) || !ti.found) {
		bad(c->name, c->n, "%s: cannot read the default tenant", when);
		return;
	}
	if (ti.nr_clients != base.nr_clients || ti.nr_queues != base.nr_queues ||
	    ti.nr_inflight != base.nr_inflight) {
		bad(c->name, c->n, "%s: default tenant clients/queues/inflight %u/%u/%u, baseline %u/%u/%u",
		    when, ti.nr_clients, ti.nr_queues, ti.nr_inflight,
		    base.nr_clients, base.nr_queues, base.nr_inflight);
		/* reported once: what leaked stays leaked, compare with it */
		base = ti;
	}
	if (st.v[ST_COMPLETED] != st.v[ST_ACCEPTED])
		bad(c->name, c->n, "%s: ledger accepted %llu completed %llu at idle", when,
		    st.v[ST_ACCEPTED], st.v[ST_COMPLETED]);
}

/* ----------------------------------------------------------- operations -- */

struct op {
	const char *name;
	int (*prep)(struct ctx *c);		/* unarmed */
	int (*call)(struct ctx *c);		/* armed: 0 or -errno */
	void (*verify)(struct ctx *c, int ret);	/* unarmed; cleans up too */
	bool netlink;
};

/* open */
static int open_call(struct ctx *c)
{
	c->fd2 = open(AQ_DEV, O_RDWR | O_CLOEXEC);
	return c->fd2 < 0 ? -errno : 0;
}

static void open_verify(struct ctx *c, int ret)
{
	struct tenant_info ti;

	nl_tenant_get(NULL, 0, &ti);
	if (ti.nr_clients != base.nr_clients + (ret == 0))
		bad(c->name, c->n, "open returned %d, default tenant has %u clients (baseline %u)",
		    ret, ti.nr_clients, base.nr_clients);
	if (!ret) {
		struct accelq_info info;

		if (aq_info(c->fd2, &info))
			bad(c->name, c->n, "GET_INFO on the opened file fails");
		close(c->fd2);
	}
	check_default_tenant(c, "after close");
}

/* close with a queue and jobs in flight */
static int close_prep(struct ctx *c)
{
	struct accelq_job j[4];
	__u32 acc;
	int i;

	c->fd2 = aq_open();
	if (c->fd2 < 0)
		return -errno;
	if (aq_qcreate(c->fd2, ACCELQ_ENGINE_ANY, ACCELQ_CLASS_BATCH, 8, &c->qid2, NULL))
		return -EIO;
	for (i = 0; i < 4; i++)
		j[i] = (struct accelq_job){ .cost_ns = 2 * NSEC_PER_MSEC, .user_data = i };
	return aq_submit(c->fd2, c->qid2, j, 4, &acc, NULL);
}

static int close_call(struct ctx *c)
{
	return close(c->fd2) ? -errno : 0;
}

static void close_verify(struct ctx *c, int ret)
{
	if (ret)
		bad(c->name, c->n, "close returned %d", ret);
	check_default_tenant(c, "after close");
}

/* GET_INFO */
static int info_call(struct ctx *c)
{
	struct accelq_info info;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = aq_ioctl(c->fd, ACCELQ_IOCTL_GET_INFO, &info);
	if (!ret && (info.abi_version != ACCELQ_ABI_VERSION || !info.nr_engines))
		return -EPROTO;
	return ret;
}

static void info_verify(struct ctx *c, int ret)
{
	if (ret == -EPROTO)
		bad(c->name, c->n, "GET_INFO succeeded with garbage output");
}

/* QUEUE_CREATE */
static int qc_prep(struct ctx *c)
{
	c->u32a = fd_queues(c->fd);
	return 0;
}

static int qc_call(struct ctx *c)
{
	return aq_qcreate(c->fd, ACCELQ_ENGINE_ANY, ACCELQ_CLASS_LATENCY, 4,
			  &c->qid2, NULL);
}

static void qc_verify(struct ctx *c, int ret)
{
	int q = fd_queues(c->fd);

	if (q != (int)c->u32a + (ret == 0))
		bad(c->name, c->n, "QUEUE_CREATE returned %d, client has %d queues (before %u)",
		    ret, q, c->u32a);
	if (!ret && aq_qdestroy(c->fd, c->qid2))
		bad(c->name, c->n, "the created queue %u cannot be destroyed", c->qid2);
	check_default_tenant(c, "after QUEUE_CREATE");
}

/* QUEUE_DESTROY with jobs queued */
static int qd_prep(struct ctx *c)
{
	struct accelq_job j[3];
	__u32 acc;
	int i, ret;

	ret = aq_qcreate(c->fd, ACCELQ_ENGINE_ANY, ACCELQ_CLASS_BATCH, 8, &c->qid2, NULL);
	if (ret)
		return ret;
	for (i = 0; i < 3; i++)
		j[i] = (struct accelq_job){ .cost_ns = NSEC_PER_MSEC, .user_data = i };
	aq_stats_read(&c->st0);
	return aq_submit(c->fd, c->qid2, j, 3, &acc, NULL);
}

static int qd_call(struct ctx *c)
{
	return aq_qdestroy(c->fd, c->qid2);
}

static void qd_verify(struct ctx *c, int ret)
{
	int again = aq_qdestroy(c->fd, c->qid2);
	struct aq_stats st;
	long n;

	if (!ret && again != -ENOENT)
		bad(c->name, c->n, "QUEUE_DESTROY succeeded but the queue is still there (%d)", again);
	if (ret && again)
		bad(c->name, c->n, "QUEUE_DESTROY failed (%d) and the queue is gone or broken (%d)",
		    ret, again);
	wait_idle(&st);
	n = drain(c->fd);
	if (n != 3)
		bad(c->name, c->n, "read %ld records of the 3 jobs", n);
	check_default_tenant(c, "after QUEUE_DESTROY");
}

/* SUBMIT */
static __u32 sub_acc;

static int sub_prep(struct ctx *c)
{
	sub_acc = 0;
	return aq_stats_read(&c->st0);
}

static int sub_call(struct ctx *c)
{
	struct accelq_job j[3] = {
		{ .cost_ns = 1000, .user_data = 1 },
		{ .cost_ns = 1000, .user_data = 2 },
		{ .cost_ns = 1000, .user_data = 3, .flags = ACCELQ_JOB_PREEMPTIBLE },
	};

	return aq_submit(c->fd, c->qid, j, 3, &sub_acc, NULL);
}

static void sub_verify(struct ctx *c, int ret)
{
	struct aq_stats st;
	unsigned long long d;
	long n;

	wait_idle(&st);
	d = st.v[ST_ACCEPTED] - c->st0.v[ST_ACCEPTED];
	n = drain(c->fd);
	if (!ret && d != sub_acc)
		bad(c->name, c->n, "SUBMIT reported %u accepted, the ledger moved by %llu", sub_acc, d);
	if (ret && d)
		bad(c->name, c->n, "SUBMIT failed with %d (%s) but %llu jobs were accepted",
		    ret, strerror(-ret), d);
	if ((unsigned long long)n != d)
		bad(c->name, c->n, "%llu jobs accepted, %ld records read", d, n);
	check_default_tenant(c, "after SUBMIT");
}

/* WAIT */
static int wait_prep(struct ctx *c)
{
	return aq_submit1(c->fd, c->qid, 50 * NSEC_PER_USEC, 7, 0, &c->seq);
}

static int wait_call(struct ctx *c)
{
	return aq_wait(c->fd, c->qid, c->seq, NSEC_PER_SEC);
}

static void wait_verify(struct ctx *c, int ret)
{
	struct aq_stats st;

	if (ret == -ETIMEDOUT)
		bad(c->name, c->n, "WAIT timed out on a 50 us job");
	wait_idle(&st);
	if (drain(c->fd) != 1)
		bad(c->name, c->n, "the waited job's record is missing");
	check_default_tenant(c, "after WAIT");
}

/* read */
static long read_got;

static int read_prep(struct ctx *c)
{
	struct accelq_job j[3];
	struct aq_stats st;
	__u32 acc;
	__u64 first;
	int i, ret;

	for (i = 0; i < 3; i++)
		j[i] = (struct accelq_job){ .cost_ns = 1000, .user_data = 100 + i };
	ret = aq_submit(c->fd, c->qid, j, 3, &acc, &first);
	if (ret)
		return ret;
	if (acc != 3)
		return -EIO;
	ret = aq_wait(c->fd, c->qid, first + 2, 5 * NSEC_PER_SEC);
	wait_idle(&st);
	aq_stats_read(&c->st0);
	read_got = 0;
	return ret;
}

static int read_call(struct ctx *c)
{
	struct accelq_completion r[3];
	long n = aq_read(c->fd, r, 3);

	if (n < 0)
		return (int)n;
	read_got = n;
	for (int i = 0; i < n; i++)
		if (r[i].user_data < 100 || r[i].user_data > 102 || r[i].status)
			return -EPROTO;
	return 0;
}

static void read_verify(struct ctx *c, int ret)
{
	struct aq_stats st;
	long rest;

	aq_stats_read(&st);
	if (ret == -EPROTO)
		bad(c->name, c->n, "read returned a wrong record");
	if (st.v[ST_READ] - c->st0.v[ST_READ] != (unsigned long long)read_got)
		bad(c->name, c->n, "read returned %ld records (%d), completions_read moved by %llu",
		    read_got, ret, st.v[ST_READ] - c->st0.v[ST_READ]);
	rest = drain(c->fd);
	if (read_got + rest != 3)
		bad(c->name, c->n, "records lost: read %ld then %ld of 3", read_got, rest);
	check_default_tenant(c, "after read");
}

/* ------------------------------------------------------ netlink operations -- */

static int nl_prep(struct ctx *c)
{
	return aq_nl_open(&c->nl, g_family);
}

static bool nl_unknown(struct ctx *c, int ret)
{
	/* the request reached the kernel but its answer was lost */
	return ret && c->nl.phase == AQ_NL_RECV;
}

static void nl_end(struct ctx *c)
{
	aq_nl_close(&c->nl);
}

static int tnew_prep(struct ctx *c)
{
	tenant_remove(TNAME);
	return nl_prep(c);
}

static int tnew_call(struct ctx *c)
{
	struct aq_nlmsg m;

	aq_msg_init(&m, c->nl.family, ACCELQ_CMD_TENANT_NEW, 0);
	aq_put_str(&m, ACCELQ_A_TENANT_NAME, TNAME);
	aq_put_u32(&m, ACCELQ_A_TENANT_MATCH_UID, TUID);
	aq_put_u32(&m, ACCELQ_A_TENANT_WEIGHT, 300);
	aq_put_u64(&m, ACCELQ_A_TENANT_CAP_QUOTA_NS, 50 * NSEC_PER_MSEC);
	return aq_nl_transact(&c->nl, &m, NULL, NULL);
}

static void tnew_verify(struct ctx *c, int ret)
{
	bool exists = tenant_exists(TNAME);

	nl_end(c);
	if (!nl_unknown(c, ret) && exists != (ret == 0))
		bad(c->name, c->n, "TENANT_NEW returned %d (%s) and the tenant %s",
		    ret, ret ? strerror(-ret) : "ok", exists ? "exists" : "does not exist");
	tenant_remove(TNAME);
	if (tenant_exists(TNAME))
		bad(c->name, c->n, "the tenant cannot be deleted afterwards");
}

static int tset_prep(struct ctx *c)
{
	tenant_remove(TNAME);
	if (nl_simple(ACCELQ_CMD_TENANT_NEW, TNAME, 100, true))
		return -EIO;
	return nl_prep(c);
}

static int tset_call(struct ctx *c)
{
	struct aq_nlmsg m;

	aq_msg_init(&m, c->nl.family, ACCELQ_CMD_TENANT_SET, 0);
	aq_put_str(&m, ACCELQ_A_TENANT_NAME, TNAME);
	aq_put_u32(&m, ACCELQ_A_TENANT_WEIGHT, 200);
	aq_put_u32(&m, ACCELQ_A_TENANT_MAX_QUEUES, 5);
	return aq_nl_transact(&c->nl, &m, NULL, NULL);
}

static void tset_verify(struct ctx *c, int ret)
{
	struct tenant_info ti;

	nl_end(c);
	nl_tenant_get(TNAME, 0, &ti);
	if (!ti.found)
		bad(c->name, c->n, "TENANT_SET (%d) made the tenant disappear", ret);
	else if (!nl_unknown(c, ret) && ti.weight != (ret ? 100u : 200u))
		bad(c->name, c->n, "TENANT_SET returned %d, weight is %u", ret, ti.weight);
	tenant_remove(TNAME);
}

static int tdel_prep(struct ctx *c)
{
	tenant_remove(TNAME);
	if (nl_simple(ACCELQ_CMD_TENANT_NEW, TNAME, 100, true))
		return -EIO;
	return nl_prep(c);
}

static int tdel_call(struct ctx *c)
{
	struct aq_nlmsg m;

	aq_msg_init(&m, c->nl.family, ACCELQ_CMD_TENANT_DEL, 0);
	aq_put_str(&m, ACCELQ_A_TENANT_NAME, TNAME);
	return aq_nl_transact(&c->nl, &m, NULL, NULL);
}

static void tdel_verify(struct ctx *c, int ret)
{
	bool exists = tenant_exists(TNAME);

	nl_end(c);
	if (!nl_unknown(c, ret) && exists != (ret != 0))
		bad(c->name, c->n, "TENANT_DEL returned %d and the tenant %s", ret,
		    exists ? "exists" : "is gone");
	tenant_remove(TNAME);
}

static int count_cb(const struct nlmsghdr *h, void *arg)
{
	(void)h;
	(*(long *)arg)++;
	return 0;
}

static long nl_count;

/* A request carrying at most one u32 attribute. */
static int nl_req(struct ctx *c, uint8_t cmd, uint16_t flags, uint16_t attr, uint32_t v)
{
	struct aq_nlmsg m;

	nl_count = 0;
	aq_msg_init(&m, c->nl.family, cmd, flags);
	if (attr)
		aq_put_u32(&m, attr, v);
	return aq_nl_transact(&c->nl, &m, count_cb, &nl_count);
}

static int tget_call(struct ctx *c)
{
	return nl_req(c, ACCELQ_CMD_TENANT_GET, 0, ACCELQ_A_TENANT_ID, 0);
}

static int tdump_prep(struct ctx *c)
{
	tenant_remove(TNAME);
	nl_simple(ACCELQ_CMD_TENANT_NEW, TNAME, 100, true);
	return nl_prep(c);
}

static int tdump_call(struct ctx *c)
{
	return nl_req(c, ACCELQ_CMD_TENANT_GET, NLM_F_DUMP, 0, 0);
}

static int clear_ban_call(struct ctx *c)
{
	return nl_req(c, ACCELQ_CMD_TENANT_CLEAR_BAN, 0, ACCELQ_A_TENANT_ID, 0);
}

static int eget_call(struct ctx *c)
{
	return nl_req(c, ACCELQ_CMD_ENGINE_GET, 0, ACCELQ_A_ENGINE_ID, 0);
}

static int edump_call(struct ctx *c)
{
	return nl_req(c, ACCELQ_CMD_ENGINE_GET, NLM_F_DUMP, 0, 0);
}

static int ereset_call(struct ctx *c)
{
	return nl_req(c, ACCELQ_CMD_ENGINE_RESET, 0, ACCELQ_A_ENGINE_ID, 1);
}

static int qdump_call(struct ctx *c)
{
	return nl_req(c, ACCELQ_CMD_QUEUE_GET, NLM_F_DUMP, 0, 0);
}

static long expect_count;

static void nl_read_verify(struct ctx *c, int ret)
{
	nl_end(c);
	if (!ret && expect_count && nl_count < expect_count)
		bad(c->name, c->n, "succeeded with %ld objects, want >= %ld", nl_count, expect_count);
	check_default_tenant(c, "after a netlink request");
}

static void tdump_verify(struct ctx *c, int ret)
{
	expect_count = 2;	/* default + TNAME */
	nl_read_verify(c, ret);
	expect_count = 0;
	tenant_remove(TNAME);
}

static void qdump_verify(struct ctx *c, int ret)
{
	expect_count = 1;	/* the long-lived client's queue */
	nl_read_verify(c, ret);
	expect_count = 0;
}

static void edump_verify(struct ctx *c, int ret)
{
	expect_count = 2;
	nl_read_verify(c, ret);
	expect_count = 0;
}

static const struct op ops[] = {
	{ "open", NULL, open_call, open_verify, false },
	{ "close", close_prep, close_call, close_verify, false },
	{ "GET_INFO", NULL, info_call, info_verify, false },
	{ "QUEUE_CREATE", qc_prep, qc_call, qc_verify, false },
	{ "QUEUE_DESTROY", qd_prep, qd_call, qd_verify, false },
	{ "SUBMIT", sub_prep, sub_call, sub_verify, false },
	{ "WAIT", wait_prep, wait_call, wait_verify, false },
	{ "read", read_prep, read_call, read_verify, false },
	{ "TENANT_NEW", tnew_prep, tnew_call, tnew_verify, true },
	{ "TENANT_SET", tset_prep, tset_call, tset_verify, true },
	{ "TENANT_DEL", tdel_prep, tdel_call, tdel_verify, true },
	{ "TENANT_GET", nl_prep, tget_call, nl_read_verify, true },
	{ "TENANT_GET-dump", tdump_prep, tdump_call, tdump_verify, true },
	{ "TENANT_CLEAR_BAN", nl_prep, clear_ban_call, nl_read_verify, true },
	{ "ENGINE_GET", nl_prep, eget_call, nl_read_verify, true },
	{ "ENGINE_GET-dump", nl_prep, edump_call, edump_verify, true },
	{ "ENGINE_RESET", nl_prep, ereset_call, nl_read_verify, true },
	{ "QUEUE_GET-dump", nl_prep, qdump_call, qdump_verify, true },
};

static bool errno_clean(const struct op *o, int ret, struct ctx *c)
{
	switch (-ret) {
	case 0:
	case ENOMEM:
	case EFAULT:
		return true;
	case ENOBUFS:		/* netlink: no room/memory for the answer */
	case EAGAIN:		/* netlink: the answer never came (receive timeout) */
		return o->netlink;
	case EINTR:
		return !o->netlink;
	}
	(void)c;
	return false;
}

static void run_op(struct ctx *c, const struct op *o)
{
	unsigned int n, injected_n = 0, succeeded = 0;
	unsigned int by_type[F_NR] = { 0 }, by_errno[160] = { 0 };
	char errs[512] = "", types[128] = "";
	bool completed = false;
	int ret = 0, e, len;

	op_bad = 0;
	c->name = o->name;
	for (n = 1; n <= opt_max; n++) {
		long long t0[F_NR], t1[F_NR];
		bool injected;
		int t;

		c->n = n;
		if (o->prep && (ret = o->prep(c))) {
			bad(o->name, n, "preparation failed: %s", strerror(-ret));
			break;
		}
		times_snap(t0);
		arm(n);
		ret = o->call(c);
		injected = disarm();
		times_snap(t1);
		/* (a read of fail-nth that consumed the fault also moves "times") */
		for (t = 0; t < F_NR && injected; t++)
			if (t0[t] != t1[t])
				by_type[t]++;
		if (opt_verbose > 1)
			printf("#   %s N=%u injected=%d ret=%d\n", o->name, n, injected, ret);
		if (!errno_clean(o, ret, c))
			bad(o->name, n, "unclean errno %d (%s)", ret, strerror(-ret));
		if (ret < 0 && -ret < 160)
			by_errno[-ret]++;
		if (injected) {
			injected_n++;
			if (!ret)
				succeeded++;
		} else if (ret) {
			bad(o->name, n, "failed with %d (%s) although no fault was injected",
			    ret, strerror(-ret));
		}
		o->verify(c, ret);
		if (!injected) {
			completed = true;
			break;
		}
	}
	for (e = 1; e < 160; e++) {
		if (!by_errno[e])
			continue;
		len = strlen(errs);
		snprintf(errs + len, sizeof(errs) - len, "%s%s %u", len ? ", " : "",
			 strerrorname_np(e) ?: "?", by_errno[e]);
	}
	for (e = 0; e < F_NR; e++) {
		len = strlen(types);
		snprintf(types + len, sizeof(types) - len, "%s%s %u", len ? ", " : "",
			 ftype_name[e], by_type[e]);
	}
	if (!completed && !op_bad)
		bad(o->name, n, "still reaching new fault points after %u", opt_max);
	tap(op_bad == 0 && completed,
	    "%s: %u fault points (%s), failed with: %s%s; %u tolerated; %u problems",
	    o->name, injected_n, types, errs[0] ? errs : "nothing", "",
	    succeeded, op_bad);
}

/* ------------------------------------------------------------ modload -- */

static int module_present(void)
{
	struct stat st;

	return stat("/sys/module/accelq", &st) == 0;
}

/*
 * Module loading has thousands of fault points, most of them in the
 * module loader (and BTF parsing) before accelq_init() runs. Sweep the
 * first few (the loader's early failure paths) and the last @window before
 * the total of a clean load, where accelq_init() and what follows it are.
 */
static unsigned int modload_window = 800, modload_head = 60;

static int try_load(int fd, unsigned int n, bool *injected, unsigned long *left)
{
	char b[32];
	ssize_t r;
	int ret;

	arm(n);
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	r = pread(fnth_fd, b, sizeof(b) - 1, 0);
	if (left) {
		b[r > 0 ? r : 0] = 0;
		*left = r > 0 ? strtoul(b, NULL, 10) : 0;
	}
	*injected = r > 0 && b[0] == '0';
	for (int i = 0; pwrite(fnth_fd, "0", 1, 0) != 1; i++)
		if (errno != EFAULT || i == 10)
			exit(1);
	return ret;
}

static int run_modload(const char *ko)
{
	unsigned int n, failed = 0, injected_n = 0, total, first;
	unsigned int by_type[F_NR] = { 0 };
	bool completed = false, injected;
	unsigned long left;
	int fd, ret;

	op_bad = 0;
	if (module_present()) {
		printf("Bail out! accelq is loaded; unload it first\n");
		return 1;
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("Bail out! open %s: %s\n", ko, strerror(errno));
		return 1;
	}
	/* how many fault points does a clean load pass? */
	ret = try_load(fd, 1000000000u, &injected, &left);
	if (ret || injected) {
		printf("# a clean load failed: %s\n", strerror(-ret));
		tap(false, "finit_module: a clean load works");
		return 0;
	}
	syscall(SYS_delete_module, "accelq", O_NONBLOCK);
	total = 1000000000u - left;
	first = total > modload_window ? total - modload_window : 1;
	printf("# a clean load passes %u fault points; sweeping 1..%u and %u..\n",
	       total, modload_head, first);

	for (n = 1; n <= total + 50; n = n == modload_head && first > n ? first : n + 1) {
		long long t0[F_NR], t1[F_NR];
		int t;

		times_snap(t0);
		ret = try_load(fd, n, &injected, NULL);
		times_snap(t1);
		for (t = 0; t < F_NR && injected; t++)
			if (t0[t] != t1[t])
				by_type[t]++;
		if (injected)
			injected_n++;
		if (ret) {
			failed++;
			if (module_present())
				bad("finit_module", n, "failed (%s) but /sys/module/accelq exists", strerror(-ret));
			if (access(AQ_DEV, F_OK) == 0)
				bad("finit_module", n, "failed (%s) but %s exists", strerror(-ret), AQ_DEV);
			if (!injected)
				bad("finit_module", n, "failed (%s) without an injected fault", strerror(-ret));
		} else {
			int dfd = aq_open();

			if (dfd < 0)
				bad("finit_module", n, "loaded but %s cannot be opened: %s", AQ_DEV, strerror(errno));
			else
				close(dfd);
			if (syscall(SYS_delete_module, "accelq", O_NONBLOCK))
				bad("finit_module", n, "loaded but cannot be unloaded: %s", strerror(errno));
		}
		if (opt_verbose > 1)
			printf("#   finit_module N=%u injected=%d ret=%d\n", n, injected, ret);
		if (!injected) {
			completed = true;
			break;
		}
	}
	close(fd);
	tap(op_bad == 0 && completed,
	    "finit_module: %u of %u fault points (first %u, last %u; slab %u, page %u, usercopy %u), %u loads failed cleanly; %u problems",
	    injected_n, total, modload_head, modload_window, by_type[F_SLAB], by_type[F_PAGE],
	    by_type[F_USERCOPY], failed, op_bad);
	return 0;
}

/* ----------------------------------------------------------------- main -- */

static int smoke(int fd)
{
	struct accelq_completion r;
	__u32 qid;
	__u64 seq;
	int ret;

	ret = aq_qcreate(fd, ACCELQ_ENGINE_ANY, ACCELQ_CLASS_BATCH, 4, &qid, NULL);
	if (!ret)
		ret = aq_submit1(fd, qid, 1000, 0xbeef, 0, &seq);
	if (!ret)
		ret = aq_wait(fd, qid, seq, 5 * NSEC_PER_SEC);
	if (!ret)
		ret = aq_read(fd, &r, 1) == 1 && r.user_data == 0xbeef ? 0 : -EPROTO;
	if (!ret)
		ret = aq_qdestroy(fd, qid);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "only", required_argument, NULL, 'o' },
		{ "max", required_argument, NULL, 'm' },
		{ "modload", required_argument, NULL, 'M' },
		{ "list", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ 0 }
	};
	const char *modload = NULL;
	struct aq_stats st0, st1;
	struct ctx c = { .fd = -1, .fd2 = -1 };
	unsigned int i, nops = 0;
	struct aq_nl nl;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "o:m:M:lv", lo, NULL)) != -1) {
		switch (opt) {
		case 'o': opt_only = optarg; break;
		case 'm': opt_max = strtoul(optarg, NULL, 0); break;
		case 'M': modload = optarg; break;
		case 'l':
			for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
				puts(ops[i].name);
			return 0;
		case 'v': opt_verbose++; break;
		default:
			fprintf(stderr, "usage: fault_sweep [--only NAME] [--max N] [--modload KO] [-v]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");

	if (access(DBG "failslab", F_OK) || access(FAIL_NTH, F_OK)) {
		printf("1..0 # SKIP no fault injection in this kernel (need FAILSLAB, FAIL_PAGE_ALLOC, "
		       "FAULT_INJECTION_USERCOPY, FAULT_INJECTION_DEBUG_FS and debugfs)\n");
		return 0;
	}
	fnth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (fnth_fd < 0 || setup_knobs()) {
		printf("Bail out! cannot set up fault injection\n");
		return 1;
	}

	if (modload) {
		printf("1..1\n");
		run_modload(modload);
		return tap_fail ? 1 : 0;
	}

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!opt_only || !strcmp(opt_only, ops[i].name))
			nops++;
	printf("1..%u\n", nops + 2);

	ret = aq_nl_open(&nl, 0);
	if (ret) {
		printf("Bail out! generic netlink family %s: %s\n", ACCELQ_GENL_NAME, strerror(-ret));
		return 1;
	}
	g_family = nl.family;
	aq_nl_close(&nl);
	tenant_remove(TNAME);

	c.fd = aq_open();
	if (c.fd < 0 || aq_qcreate(c.fd, ACCELQ_ENGINE_ANY, ACCELQ_CLASS_BATCH, 1024, &c.qid, NULL)) {
		printf("Bail out! cannot open %s and create a queue\n", AQ_DEV);
		return 1;
	}
	if (aq_stats_wait_idle(&st0, 20000) || nl_tenant_get(NULL, 0, &base) || !base.found) {
		printf("Bail out! debugfs stats or the default tenant unreadable\n");
		return 1;
	}
	printf("# baseline: default tenant clients %u queues %u inflight %u\n",
	       base.nr_clients, base.nr_queues, base.nr_inflight);

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!opt_only || !strcmp(opt_only, ops[i].name))
			run_op(&c, &ops[i]);

	ret = smoke(c.fd);
	tap(ret == 0, "device still usable after the sweep (%s)", ret ? strerror(-ret) : "ok");
	close(c.fd);
	tenant_remove(TNAME);
	ret = aq_stats_wait_idle(&st1, 20000);
	tap(!ret && st1.v[ST_INFLIGHT] == 0 &&
	    st1.v[ST_COMPLETED] == st1.v[ST_READ] + st1.v[ST_DISCARDED] &&
	    st1.v[ST_COMPLETED] == st1.v[ST_ACCEPTED],
	    "ledger balances at idle: accepted %llu completed %llu read %llu discarded %llu",
	    st1.v[ST_ACCEPTED], st1.v[ST_COMPLETED], st1.v[ST_READ], st1.v[ST_DISCARDED]);
	return tap_fail ? 1 : 0;
}
