// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq_test - kselftest-harness tests of the /dev/accelq character device.
 *
 * One FIXTURE per ioctl / interface, one TEST_F per behaviour. Every output
 * structure is poisoned with 0xcc before the call and every errno is checked
 * exactly. Limits are read from GET_INFO and tested at N and N+1; tests whose
 * limit is too large to reach quickly SKIP with a reason (run the binary again
 * on a module loaded with small limits, see tests/run-guest.sh).
 *
 * ACCELQ_PARAMS="name=value ..." tells the tests which module parameters the
 * module was loaded with (unset: defaults).
 *
 * Options (run one subset): -l list, -f FIXTURE, -t TEST, -r FIXTURE.TEST
 * (each may repeat; a test runs if it matches any).
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/accelq.h>

/*
 * The harness compares expected/seen values of mixed signedness on purpose
 * (it prints each with its own signedness), so EXPECT_EQ(0, some_u32) trips
 * -Wsign-compare under -Wextra; its timeout handler has an unused parameter.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
/*
 * TEST_F bodies are inlined into the wrapper that calls setjmp(); a failed
 * ASSERT longjmp()s out of the body for good, so its locals being
 * "clobbered" does not matter.
 */
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "accelq_common.h"

/* ABI facts the tests pin down independently of the header. */
#define ABI_MAX_COST_NS		(10ULL * NSEC_PER_SEC)
#define KNOWN_CAPS		(ACCELQ_CAP_PREEMPT | ACCELQ_CAP_TENANTS | \
				 ACCELQ_CAP_WAIT | ACCELQ_CAP_SIM_ENGINES)
#define REQUIRED_CAPS		(ACCELQ_CAP_PREEMPT | ACCELQ_CAP_WAIT | \
				 ACCELQ_CAP_SIM_ENGINES)

/* A job long enough to still be running while we look, below the hang timeout. */
#define LONG_NS			(3ULL * NSEC_PER_SEC)
/* Generous upper bound for things that should be "prompt". */
#define PROMPT_NS		(1ULL * NSEC_PER_SEC)
/* How long to wait for completions that should come quickly. */
#define READ_TIMEOUT_MS		10000

#define BAD_QID			0xfffffff0u

_Static_assert(sizeof(struct accelq_info) == 80, "accelq_info size");
_Static_assert(sizeof(struct accelq_queue_create) == 24, "queue_create size");
_Static_assert(sizeof(struct accelq_queue_destroy) == 8, "queue_destroy size");
_Static_assert(sizeof(struct accelq_job) == 24, "job size");
_Static_assert(sizeof(struct accelq_submit) == 40, "submit size");
_Static_assert(sizeof(struct accelq_wait) == 24, "wait size");
_Static_assert(sizeof(struct accelq_completion) == 48, "completion size");

/* ------------------------------------------------------------------ */
/* Expected module parameters                                          */

struct aq_params {
	unsigned long long sim_engines;
	unsigned long long job_timeout_ms;
	unsigned long long timeslice_us;
	unsigned long long max_queues;
	unsigned long long max_depth;
	unsigned long long max_batch;
	unsigned long long max_client_jobs;
};

static void expected_params(struct aq_params *p)
{
	const char *env = getenv("ACCELQ_PARAMS");
	char *copy, *tok, *save = NULL;

	p->sim_engines = 2;
	p->job_timeout_ms = 5000;
	p->timeslice_us = 5000;	/* docs/abi.md */
	p->max_queues = 64;
	p->max_depth = 4096;
	p->max_batch = 1024;
	p->max_client_jobs = 65536;
	if (!env)
		return;
	copy = strdup(env);
	for (tok = strtok_r(copy, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		char *eq = strchr(tok, '=');
		unsigned long long v;

		if (!eq)
			continue;
		*eq = '\0';
		v = strtoull(eq + 1, NULL, 0);
		if (!strcmp(tok, "sim_engines"))
			p->sim_engines = v;
		else if (!strcmp(tok, "job_timeout_ms"))
			p->job_timeout_ms = v;
		else if (!strcmp(tok, "timeslice_us"))
			p->timeslice_us = v;
		else if (!strcmp(tok, "max_queues"))
			p->max_queues = v;
		else if (!strcmp(tok, "max_depth"))
			p->max_depth = v;
		else if (!strcmp(tok, "max_batch"))
			p->max_batch = v;
		else if (!strcmp(tok, "max_client_jobs"))
			p->max_client_jobs = v;
	}
	free(copy);
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static struct accelq_job mkjob(__u64 cost, __u64 ud, __u32 flags)
{
	struct accelq_job j = {
		.cost_ns = cost, .user_data = ud, .flags = flags, .pad = 0,
	};

	return j;
}

static void set_nonblock(int fd, bool nb)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, nb ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* Non-blocking read of up to @n records, buffer poisoned first. */
static long read_nb(int fd, struct accelq_completion *c, size_t n)
{
	long r;

	memset(c, 0xcc, n * AQ_REC_SIZE);
	set_nonblock(fd, true);
	r = aq_read(fd, c, n);
	set_nonblock(fd, false);
	return r;
}

/*
 * Read exactly @n records (fewer if @timeout_ms runs out): number read or
 * -errno. Never asks for more than it still needs.
 */
static long read_n(int fd, struct accelq_completion *c, size_t n,
		   int timeout_ms)
{
	uint64_t end = aq_now_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
	size_t got = 0;

	memset(c, 0xcc, n * AQ_REC_SIZE);
	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = aq_now_ns();
		long r;
		int pr;

		if (now >= end)
			break;
		pr = poll(&p, 1, (int)((end - now) / NSEC_PER_MSEC) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -errno;
		if (pr == 0)
			break;
		set_nonblock(fd, true);
		r = aq_read(fd, c + got, n - got);
		set_nonblock(fd, false);
		if (r == -EAGAIN)
			continue;
		if (r < 0)
			return r;
		got += r;
	}
	return (long)got;
}

static short poll_events(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r = poll(&p, 1, timeout_ms);

	return r < 0 ? -1 : (r == 0 ? 0 : p.revents);
}

static bool is_poisoned(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != 0xcc)
			return false;
	return true;
}

/* Which tracefs directory has the accelq events, or NULL. */
static const char *tracefs_dir(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[256];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (!access(path, F_OK))
			return dirs[i];
	}
	return NULL;
}

static int write_str(const char *path, const char *s, int oflags)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | oflags);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* Read a whole (small, virtual) file into a malloc()ed NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* fdinfo of an accelq file */
#define FDI_MAX_ENGINES 64
struct fdinfo {
	bool driver_ok;
	bool have_client, have_tenant;
	unsigned long long client_id, tenant_id;
	unsigned int nr_engine_lines;
	bool engine_seen[FDI_MAX_ENGINES];
	unsigned long long busy_ns[FDI_MAX_ENGINES];
	unsigned int bad_engine_lines;
	bool have_tenant_name, have_queues, have_submitted, have_completed;
	char tenant_name[64];
	unsigned long long queues, submitted, completed;
};

static int fdinfo_read(int fd, struct fdinfo *fi)
{
	char path[64], line[256];
	FILE *f;

	memset(fi, 0, sizeof(*fi));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		unsigned int e;
		char unit[8];

		if (!strcmp(line, "accelq-driver:\taccelq\n")) {
			fi->driver_ok = true;
		} else if (sscanf(line, "accelq-client-id:\t%llu", &v) == 1 &&
			   !strncmp(line, "accelq-client-id:\t", 18)) {
			fi->have_client = true;
			fi->client_id = v;
		} else if (sscanf(line, "accelq-tenant-id:\t%llu", &v) == 1 &&
			   !strncmp(line, "accelq-tenant-id:\t", 18)) {
			fi->have_tenant = true;
			fi->tenant_id = v;
		} else if (sscanf(line, "accelq-tenant:\t%63s",
				  fi->tenant_name) == 1 &&
			   !strncmp(line, "accelq-tenant:\t", 15)) {
			fi->have_tenant_name = true;
		} else if (sscanf(line, "accelq-queues:\t%llu", &v) == 1) {
			fi->have_queues = true;
			fi->queues = v;
		} else if (sscanf(line, "accelq-jobs-submitted:\t%llu",
				  &v) == 1) {
			fi->have_submitted = true;
			fi->submitted = v;
		} else if (sscanf(line, "accelq-jobs-completed:\t%llu",
				  &v) == 1) {
			fi->have_completed = true;
			fi->completed = v;
		} else if (!strncmp(line, "accelq-engine-sim", 17)) {
			if (sscanf(line, "accelq-engine-sim%u:\t%llu %7s",
				   &e, &v, unit) != 3 || strcmp(unit, "ns") ||
			    !strchr(line, '\t') || e >= FDI_MAX_ENGINES) {
				fi->bad_engine_lines++;
				continue;
			}
			fi->nr_engine_lines++;
			fi->engine_seen[e] = true;
			fi->busy_ns[e] = v;
		}
	}
	fclose(f);
	return 0;
}

/* Common fixture body: an open client and its GET_INFO. */
#define AQ_FIXTURE_SETUP(self)						\
	do {								\
		(self)->fd = aq_open();					\
		ASSERT_LE(0, (self)->fd) {				\
			TH_LOG("open %s: %s (module loaded?)", AQ_DEV,	\
			       strerror(errno));			\
		}							\
		ASSERT_EQ(0, aq_info((self)->fd, &(self)->info));	\
	} while (0)

/* Stats available? SKIP when debugfs is not mounted, FAIL when accelq lacks them. */
#define REQUIRE_STATS()							\
	do {								\
		struct aq_stats __st;					\
		if (access(AQ_STATS, F_OK) && !aq_debugfs_mounted())	\
			SKIP(return, "debugfs not mounted at /sys/kernel/debug"); \
		ASSERT_EQ(0, aq_stats_read(&__st)) {			\
			TH_LOG("cannot parse %s", AQ_STATS);		\
		}							\
	} while (0)

/* ================================================================== */
/* GET_INFO                                                            */

FIXTURE(info) {
	int fd;
	struct accelq_info info;
};

FIXTURE_SETUP(info)
{
	AQ_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(info)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(info, abi_and_limits)
{
	struct accelq_info *i = &self->info;
	unsigned long long tmo_ms = 0, ts_us = 0, v = 0;
	struct aq_params p;

	expected_params(&p);
	EXPECT_EQ(0, i->flags);
	EXPECT_EQ(ACCELQ_ABI_VERSION, i->abi_version);
	EXPECT_EQ(1, i->abi_version);
	EXPECT_EQ(REQUIRED_CAPS, i->caps & REQUIRED_CAPS);
	EXPECT_EQ(0, i->caps & ~(__u64)KNOWN_CAPS);
	EXPECT_EQ(p.sim_engines, i->nr_engines);
	EXPECT_EQ(p.max_queues, i->max_queues);
	EXPECT_EQ(p.max_depth, i->max_depth);
	EXPECT_EQ(p.max_batch, i->max_batch);
	EXPECT_EQ(p.max_client_jobs, i->max_client_jobs);
	EXPECT_EQ(48, i->completion_size);
	EXPECT_EQ(AQ_REC_SIZE, i->completion_size);
	EXPECT_EQ(ABI_MAX_COST_NS, i->max_cost_ns);
	EXPECT_NE(0, i->client_id);
	/* No tenant is configured by run-guest.sh: the default tenant. */
	EXPECT_EQ(0, i->tenant_id);
	EXPECT_EQ(0, i->pad);

	/* job_timeout / timeslice follow the (writable) parameters. */
	ASSERT_EQ(0, aq_param_read("job_timeout_ms", &tmo_ms));
	ASSERT_EQ(0, aq_param_read("timeslice_us", &ts_us));
	EXPECT_EQ(p.job_timeout_ms, tmo_ms);
	EXPECT_EQ(p.timeslice_us, ts_us);
	EXPECT_EQ(tmo_ms * NSEC_PER_MSEC, i->job_timeout_ns);
	EXPECT_EQ(ts_us * NSEC_PER_USEC, i->timeslice_ns);

	/* Read-only parameters, when visible in sysfs, agree too. */
	if (!aq_param_read("sim_engines", &v)) {
		EXPECT_EQ(v, i->nr_engines);
	}
	if (!aq_param_read("max_queues", &v)) {
		EXPECT_EQ(v, i->max_queues);
	}
	if (!aq_param_read("max_depth", &v)) {
		EXPECT_EQ(v, i->max_depth);
	}
	if (!aq_param_read("max_batch", &v)) {
		EXPECT_EQ(v, i->max_batch);
	}
	if (!aq_param_read("max_client_jobs", &v)) {
		EXPECT_EQ(v, i->max_client_jobs);
	}
}

TEST_F(info, stable_per_file)
{
	struct accelq_info again;
	int dupfd;

	ASSERT_EQ(0, aq_info(self->fd, &again));
	EXPECT_EQ(0, memcmp(&again, &self->info, sizeof(again)));

	/* A dup()ed descriptor is the same client. */
	dupfd = dup(self->fd);
	ASSERT_LE(0, dupfd);
	ASSERT_EQ(0, aq_info(dupfd, &again));
	EXPECT_EQ(self->info.client_id, again.client_id);
	close(dupfd);
}

TEST_F(info, client_id_unique_increasing)
{
	__u64 prev = self->info.client_id;
	struct accelq_info last;
	int fds[8], k;

	for (k = 0; k < 8; k++) {
		struct accelq_info i;

		fds[k] = aq_open();
		ASSERT_LE(0, fds[k]);
		ASSERT_EQ(0, aq_info(fds[k], &i));
		EXPECT_NE(0, i.client_id);
		EXPECT_LT(prev, i.client_id);
		prev = i.client_id;
	}
	/* Closing files does not make ids go backwards. */
	for (k = 0; k < 8; k++)
		close(fds[k]);
	fds[0] = aq_open();
	ASSERT_LE(0, fds[0]);
	ASSERT_EQ(0, aq_info(fds[0], &last));
	EXPECT_LT(prev, last.client_id);
	close(fds[0]);
}

TEST_F(info, bad_input)
{
	static const struct {
		const char *name;
		__u32 flags, pad;
		int err;
	} cases[] = {
		{ "flags=1",		1, 0, -EINVAL },
		{ "flags=0x80000000",	0x80000000u, 0, -EINVAL },
		{ "flags=~0",		~0u, 0, -EINVAL },
		{ "pad=1",		0, 1, -EINVAL },
		{ "pad=0x80000000",	0, 0x80000000u, -EINVAL },
	};
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		struct accelq_info i;

		memset(&i, 0xcc, sizeof(i));
		i.flags = cases[k].flags;
		i.pad = cases[k].pad;
		EXPECT_EQ(cases[k].err,
			  aq_ioctl(self->fd, ACCELQ_IOCTL_GET_INFO, &i)) {
			TH_LOG("case %s", cases[k].name);
		}
	}
}

struct info_big {
	struct accelq_info i;
	__u64 tail[3];
};

TEST_F(info, larger_struct_zero_tail)
{
	unsigned long cmd = aq_cmd_sized(ACCELQ_IOCTL_GET_INFO,
					 sizeof(struct info_big));
	struct info_big b;

	memset(&b, 0xcc, sizeof(b));
	b.i.flags = 0;
	b.i.pad = 0;
	memset(b.tail, 0, sizeof(b.tail));
	ASSERT_EQ(0, aq_ioctl(self->fd, cmd, &b));
	EXPECT_EQ(0, memcmp(&b.i, &self->info, sizeof(b.i)));
	EXPECT_EQ(0, b.tail[0]);
	EXPECT_EQ(0, b.tail[1]);
	EXPECT_EQ(0, b.tail[2]);
}

TEST_F(info, larger_struct_nonzero_tail)
{
	unsigned long cmd = aq_cmd_sized(ACCELQ_IOCTL_GET_INFO,
					 sizeof(struct info_big));
	static const unsigned int where[] = { 0, 1, 7, 8, 23 };
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(where); k++) {
		struct info_big b;

		memset(&b, 0, sizeof(b));
		((unsigned char *)b.tail)[where[k]] = 0x01;
		EXPECT_EQ(-E2BIG, aq_ioctl(self->fd, cmd, &b)) {
			TH_LOG("non-zero tail byte %u", where[k]);
		}
	}
}

/*
 * Every structure below its version-1 size is refused and nothing of it is
 * written: GET_INFO at every size up to N-1 (N = ACCELQ_INFO_SIZE_VER1).
 */
TEST_F(info, smaller_struct)
{
	size_t size;

	EXPECT_EQ(80, ACCELQ_INFO_SIZE_VER1);
	for (size = 0; size < ACCELQ_INFO_SIZE_VER1; size++) {
		unsigned char buf[sizeof(struct accelq_info) + 32];
		unsigned long cmd = aq_cmd_sized(ACCELQ_IOCTL_GET_INFO, size);

		memset(buf, 0xcc, sizeof(buf));
		memset(buf, 0, 4);	/* flags */
		EXPECT_EQ(-EINVAL, aq_ioctl(self->fd, cmd, buf)) {
			TH_LOG("size %zu", size);
		}
		EXPECT_TRUE(is_poisoned(buf + 4, sizeof(buf) - 4)) {
			TH_LOG("size %zu: kernel wrote into a refused structure",
			       size);
		}
	}
	/* N is fine. */
	{
		struct accelq_info i;

		memset(&i, 0xcc, sizeof(i));
		i.flags = 0;
		i.pad = 0;
		EXPECT_EQ(0, aq_ioctl(self->fd,
				      aq_cmd_sized(ACCELQ_IOCTL_GET_INFO,
						   ACCELQ_INFO_SIZE_VER1), &i));
		EXPECT_EQ(0, memcmp(&i, &self->info, sizeof(i)));
	}
}

TEST_F(info, unknown_ioctl)
{
	static const struct {
		const char *name;
		unsigned long cmd;
	} cases[] = {
		{ "wrong type 0xAD",
		  _IOWR(0xAD, 0x00, struct accelq_info) },
		{ "wrong type 'T'",
		  _IOWR('T', 0x00, struct accelq_info) },
		{ "nr 0x3f", _IOWR(ACCELQ_IOCTL_BASE, 0x3f, struct accelq_info) },
		{ "nr 0x3f _IO", _IO(ACCELQ_IOCTL_BASE, 0x3f) },
		{ "nr 0x80", _IOWR(ACCELQ_IOCTL_BASE, 0x80, struct accelq_wait) },
		{ "nr 0xff", _IOWR(ACCELQ_IOCTL_BASE, 0xff, __u64) },
		{ "TCGETS", TCGETS },
		{ "FIONREAD", FIONREAD },
	};
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		unsigned char buf[256];

		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(-ENOTTY, aq_ioctl(self->fd, cases[k].cmd, buf)) {
			TH_LOG("case %s", cases[k].name);
		}
	}
}

TEST_F(info, params_writable)
{
	unsigned long long tmo = 0, ts = 0;
	struct accelq_info i;

	ASSERT_EQ(0, aq_param_read("job_timeout_ms", &tmo));
	ASSERT_EQ(0, aq_param_read("timeslice_us", &ts));
	ASSERT_EQ(0, aq_param_write("job_timeout_ms", 1234));
	ASSERT_EQ(0, aq_param_write("timeslice_us", 567));
	EXPECT_EQ(0, aq_info(self->fd, &i));
	EXPECT_EQ(1234 * NSEC_PER_MSEC, i.job_timeout_ns);
	EXPECT_EQ(567 * NSEC_PER_USEC, i.timeslice_ns);
	EXPECT_EQ(0, aq_param_write("job_timeout_ms", tmo));
	EXPECT_EQ(0, aq_param_write("timeslice_us", ts));
	EXPECT_EQ(0, aq_info(self->fd, &i));
	EXPECT_EQ(tmo * NSEC_PER_MSEC, i.job_timeout_ns);
	EXPECT_EQ(ts * NSEC_PER_USEC, i.timeslice_ns);
}

/* ================================================================== */
/* QUEUE_CREATE                                                        */

FIXTURE(queue_create) {
	int fd;
	struct accelq_info info;
};

FIXTURE_SETUP(queue_create)
{
	AQ_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(queue_create)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(queue_create, basic)
{
	static const __u32 classes[] = { ACCELQ_CLASS_BATCH,
					 ACCELQ_CLASS_LATENCY };
	__u32 e, c;

	ASSERT_LE(1, self->info.nr_engines);
	for (e = 0; e < self->info.nr_engines && e < 8; e++) {
		for (c = 0; c < ARRAY_SIZE(classes); c++) {
			struct accelq_queue_create qc;

			memset(&qc, 0xcc, sizeof(qc));
			qc.flags = 0;
			qc.engine = e;
			qc.class = classes[c];
			qc.depth = 1;
			ASSERT_EQ(0, aq_ioctl(self->fd,
					      ACCELQ_IOCTL_QUEUE_CREATE, &qc));
			EXPECT_NE(0, qc.queue_id);
			EXPECT_NE(0xccccccccu, qc.queue_id);
			EXPECT_EQ(e, qc.engine_out);
			/* Inputs are not modified. */
			EXPECT_EQ(0, qc.flags);
			EXPECT_EQ(e, qc.engine);
			EXPECT_EQ(classes[c], qc.class);
			EXPECT_EQ(1, qc.depth);
			EXPECT_EQ(0, aq_qdestroy(self->fd, qc.queue_id));
		}
	}
}

TEST_F(queue_create, ids_unique_across_clients)
{
	__u32 ids[64];
	unsigned int n = 0, per, k, j;
	int fd2;

	fd2 = aq_open();
	ASSERT_LE(0, fd2);
	per = self->info.max_queues < 16 ? self->info.max_queues : 16;
	for (k = 0; k < per; k++) {
		ASSERT_EQ(0, aq_qcreate(self->fd, ACCELQ_ENGINE_ANY,
					ACCELQ_CLASS_BATCH, 1, &ids[n], NULL));
		n++;
		ASSERT_EQ(0, aq_qcreate(fd2, ACCELQ_ENGINE_ANY,
					ACCELQ_CLASS_LATENCY, 1, &ids[n],
					NULL));
		n++;
	}
	for (k = 0; k < n; k++) {
		EXPECT_NE(0, ids[k]);
		for (j = k + 1; j < n; j++) {
			EXPECT_NE(ids[k], ids[j]);
		}
	}
	close(fd2);
}

TEST_F(queue_create, engine_any_balances)
{
	unsigned int n = self->info.nr_engines, k;
	unsigned int count[FDI_MAX_ENGINES] = { 0 };
	__u32 qid, eng;

	if (n > FDI_MAX_ENGINES)
		SKIP(return, "more than %d engines", FDI_MAX_ENGINES);
	if (self->info.max_queues < 2 * n)
		SKIP(return, "max_queues %u < 2 * nr_engines",
		     self->info.max_queues);
	/*
	 * Assumes no other client holds queues (tests run one at a time):
	 * n ANY queues land on n different engines, 2n ANY queues on each
	 * engine twice.
	 */
	for (k = 0; k < 2 * n; k++) {
		eng = 0xcccccccc;
		ASSERT_EQ(0, aq_qcreate(self->fd, ACCELQ_ENGINE_ANY,
					ACCELQ_CLASS_BATCH, 1, &qid, &eng));
		ASSERT_GT(n, eng);
		count[eng]++;
		if (k == n - 1) {
			unsigned int e;

			for (e = 0; e < n; e++) {
				EXPECT_EQ(1, count[e]) {
					TH_LOG("engine %u has %u of the first %u ANY queues",
					       e, count[e], n);
				}
			}
		}
	}
	for (k = 0; k < n; k++) {
		EXPECT_EQ(2, count[k]);
	}
}

TEST_F(queue_create, engine_any_avoids_busy_engine)
{
	__u32 qid, eng;

	if (self->info.nr_engines != 2)
		SKIP(return, "needs exactly 2 engines");
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1, &qid,
				&eng));
	EXPECT_EQ(0, eng);
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1, &qid,
				&eng));
	EXPECT_EQ(0, eng);
	/* Engine 1 has fewer queues: the next two ANY go there. */
	ASSERT_EQ(0, aq_qcreate(self->fd, ACCELQ_ENGINE_ANY,
				ACCELQ_CLASS_BATCH, 1, &qid, &eng));
	EXPECT_EQ(1, eng);
	ASSERT_EQ(0, aq_qcreate(self->fd, ACCELQ_ENGINE_ANY,
				ACCELQ_CLASS_LATENCY, 1, &qid, &eng));
	EXPECT_EQ(1, eng);
}

struct qc_big {
	struct accelq_queue_create s;
	__u64 tail[2];
};

TEST_F(queue_create, bad_input)
{
	const __u32 ne = self->info.nr_engines, md = self->info.max_depth;
	const struct {
		const char *name;
		__u32 flags, engine, class, depth;
		bool bigtail;
		int err;
	} cases[] = {
		{ "flags=1", 1, 0, ACCELQ_CLASS_BATCH, 1, false, -EINVAL },
		{ "flags=0x80000000", 0x80000000u, 0, ACCELQ_CLASS_BATCH, 1,
		  false, -EINVAL },
		{ "engine=nr_engines", 0, ne, ACCELQ_CLASS_BATCH, 1, false,
		  -EINVAL },
		{ "engine=nr_engines+1", 0, ne + 1, ACCELQ_CLASS_BATCH, 1,
		  false, -EINVAL },
		{ "engine=0xfffffffe", 0, 0xfffffffeu, ACCELQ_CLASS_BATCH, 1,
		  false, -EINVAL },
		{ "engine=0x7fffffff", 0, 0x7fffffffu, ACCELQ_CLASS_BATCH, 1,
		  false, -EINVAL },
		{ "class=2", 0, 0, 2, 1, false, -EINVAL },
		{ "class=~0", 0, 0, ~0u, 1, false, -EINVAL },
		{ "depth=0", 0, 0, ACCELQ_CLASS_BATCH, 0, false, -EINVAL },
		{ "depth=max_depth+1", 0, 0, ACCELQ_CLASS_BATCH, md + 1,
		  false, -EINVAL },
		{ "depth=~0", 0, 0, ACCELQ_CLASS_BATCH, ~0u, false, -EINVAL },
		{ "ANY depth=0", 0, ACCELQ_ENGINE_ANY, ACCELQ_CLASS_BATCH, 0,
		  false, -EINVAL },
		{ "bigger struct, non-zero tail", 0, 0, ACCELQ_CLASS_BATCH, 1,
		  true, -E2BIG },
	};
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		struct qc_big b;
		unsigned long cmd = ACCELQ_IOCTL_QUEUE_CREATE;

		memset(&b, 0xcc, sizeof(b));
		b.s.flags = cases[k].flags;
		b.s.engine = cases[k].engine;
		b.s.class = cases[k].class;
		b.s.depth = cases[k].depth;
		if (cases[k].bigtail) {
			memset(b.tail, 0, sizeof(b.tail));
			b.tail[1] = 1ULL << 63;
			cmd = aq_cmd_sized(cmd, sizeof(b));
		}
		EXPECT_EQ(cases[k].err, aq_ioctl(self->fd, cmd, &b)) {
			TH_LOG("case %s", cases[k].name);
		}
	}
	/* None of the failures used up a queue slot. */
	if (self->info.max_queues <= 4096) {
		__u32 n;

		for (n = 0; n < self->info.max_queues; n++) {
			ASSERT_EQ(0, aq_qcreate(self->fd, ACCELQ_ENGINE_ANY,
						ACCELQ_CLASS_BATCH, 1, NULL,
						NULL)) {
				TH_LOG("queue %u of %u", n + 1,
				       self->info.max_queues);
			}
		}
		EXPECT_EQ(-EMFILE, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH,
					      1, NULL, NULL));
	}
}

TEST_F(queue_create, bigger_struct_zero_tail)
{
	unsigned long cmd = aq_cmd_sized(ACCELQ_IOCTL_QUEUE_CREATE,
					 sizeof(struct qc_big));
	struct qc_big b;

	memset(&b, 0, sizeof(b));
	b.s.engine = 0;
	b.s.class = ACCELQ_CLASS_LATENCY;
	b.s.depth = 2;
	b.s.queue_id = 0xcccccccc;
	b.s.engine_out = 0xcccccccc;
	ASSERT_EQ(0, aq_ioctl(self->fd, cmd, &b));
	EXPECT_NE(0, b.s.queue_id);
	EXPECT_NE(0xccccccccu, b.s.queue_id);
	EXPECT_EQ(0, b.s.engine_out);
	EXPECT_EQ(0, b.tail[0]);
	EXPECT_EQ(0, b.tail[1]);
	EXPECT_EQ(0, aq_qdestroy(self->fd, b.s.queue_id));
}

TEST_F(queue_create, depth_limits)
{
	__u32 q;

	EXPECT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1, &q,
				NULL));
	EXPECT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH,
				self->info.max_depth, &q, NULL));
	EXPECT_EQ(-EINVAL, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH,
				      self->info.max_depth + 1, &q, NULL));
}

TEST_F(queue_create, max_queues)
{
	const __u32 n = self->info.max_queues;
	__u32 *ids, k, q2;
	int fd2;

	if (n > 4096)
		SKIP(return, "max_queues %u too large to fill", n);
	ids = calloc(n, sizeof(*ids));
	ASSERT_NE(NULL, ids);
	for (k = 0; k < n; k++) {
		ASSERT_EQ(0, aq_qcreate(self->fd, ACCELQ_ENGINE_ANY,
					k % 2 ? ACCELQ_CLASS_LATENCY :
						ACCELQ_CLASS_BATCH,
					1, &ids[k], NULL)) {
			TH_LOG("queue %u of %u", k + 1, n);
		}
	}
	/* N+1 fails, whatever the engine. */
	EXPECT_EQ(-EMFILE, aq_qcreate(self->fd, ACCELQ_ENGINE_ANY,
				      ACCELQ_CLASS_BATCH, 1, &q2, NULL));
	EXPECT_EQ(-EMFILE, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1,
				      &q2, NULL));
	/* The limit is per client. */
	fd2 = aq_open();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, aq_qcreate(fd2, 0, ACCELQ_CLASS_BATCH, 1, &q2, NULL));
	close(fd2);
	/* Destroying one frees a slot, exactly one. */
	ASSERT_EQ(0, aq_qdestroy(self->fd, ids[n / 2]));
	EXPECT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1, &q2,
				NULL));
	EXPECT_EQ(-EMFILE, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1,
				      &q2, NULL));
	free(ids);
}

/* Below version 1 (no room for queue_id): refused, no queue made. */
TEST_F(queue_create, smaller_struct)
{
	static const size_t sizes[] = { 0, 4, 16, 20, 23 };
	struct fdinfo fi;
	unsigned int k;

	EXPECT_EQ(24, ACCELQ_QUEUE_CREATE_SIZE_VER1);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct accelq_queue_create qc = {
			.engine = 0, .class = ACCELQ_CLASS_BATCH, .depth = 1,
			.queue_id = 0xcccccccc, .engine_out = 0xcccccccc,
		};

		EXPECT_EQ(-EINVAL,
			  aq_ioctl(self->fd,
				   aq_cmd_sized(ACCELQ_IOCTL_QUEUE_CREATE,
						sizes[k]), &qc)) {
			TH_LOG("size %zu", sizes[k]);
		}
		EXPECT_EQ(0xccccccccu, qc.queue_id);
	}
	ASSERT_EQ(0, fdinfo_read(self->fd, &fi));
	EXPECT_TRUE(fi.have_queues);
	EXPECT_EQ(0, fi.queues);
}

/*
 * The queue id cannot be written back (read-only argument): -EFAULT and the
 * queue was not created, so it does not count against max_queues.
 */
TEST_F(queue_create, output_unwritable)
{
	const long pg = sysconf(_SC_PAGESIZE);
	struct accelq_queue_create *qc;
	struct fdinfo fi;
	__u32 k, q;
	void *page;

	page = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	qc = page;
	qc->engine = 0;
	qc->class = ACCELQ_CLASS_BATCH;
	qc->depth = 1;
	ASSERT_EQ(0, mprotect(page, pg, PROT_READ));
	/* max_queues + 1 times: none of them counted */
	for (k = 0; k <= self->info.max_queues; k++)
		EXPECT_EQ(-EFAULT, aq_ioctl(self->fd,
					    ACCELQ_IOCTL_QUEUE_CREATE, qc)) {
			TH_LOG("attempt %u", k);
		}
	munmap(page, pg);
	ASSERT_EQ(0, fdinfo_read(self->fd, &fi));
	EXPECT_EQ(0, fi.queues);
	EXPECT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1, &q, NULL));
	EXPECT_EQ(0, aq_submit1(self->fd, q, 0, 5, 0, NULL));
}

/* ================================================================== */
/* QUEUE_DESTROY                                                       */

FIXTURE(queue_destroy) {
	int fd;
	struct accelq_info info;
};

FIXTURE_SETUP(queue_destroy)
{
	AQ_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(queue_destroy)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(queue_destroy, basic)
{
	__u32 q;

	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	EXPECT_EQ(0, aq_qdestroy(self->fd, q));
	EXPECT_EQ(-ENOENT, aq_qdestroy(self->fd, q));
}

struct qd_big {
	struct accelq_queue_destroy s;
	__u64 tail[2];
};

TEST_F(queue_destroy, bad_input)
{
	__u32 mine, other, gone;
	struct accelq_completion c[4];
	struct qd_big zb;
	unsigned int k;
	int fd2;

	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &mine,
				NULL));
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &gone,
				NULL));
	ASSERT_EQ(0, aq_qdestroy(self->fd, gone));
	fd2 = aq_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, aq_qcreate(fd2, 0, ACCELQ_CLASS_BATCH, 4, &other, NULL));

	const struct {
		const char *name;
		__u32 qid, flags;
		bool bigtail;
		int err;
	} cases[] = {
		{ "id 0", 0, 0, false, -ENOENT },
		{ "unknown id", BAD_QID, 0, false, -ENOENT },
		{ "id ~0", ~0u, 0, false, -ENOENT },
		{ "other client's queue", other, 0, false, -ENOENT },
		{ "destroyed queue", gone, 0, false, -ENOENT },
		{ "flags=1", mine, 1, false, -EINVAL },
		{ "flags=0x80000000", mine, 0x80000000u, false, -EINVAL },
		{ "bigger struct, non-zero tail", mine, 0, true, -E2BIG },
	};

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		struct qd_big b;
		unsigned long cmd = ACCELQ_IOCTL_QUEUE_DESTROY;

		memset(&b, 0, sizeof(b));
		b.s.queue_id = cases[k].qid;
		b.s.flags = cases[k].flags;
		if (cases[k].bigtail) {
			b.tail[0] = 0xff;
			cmd = aq_cmd_sized(cmd, sizeof(b));
		}
		EXPECT_EQ(cases[k].err, aq_ioctl(self->fd, cmd, &b)) {
			TH_LOG("case %s", cases[k].name);
		}
	}
	/* Both surviving queues still work. */
	EXPECT_EQ(0, aq_submit1(self->fd, mine, 0, 1, 0, NULL));
	EXPECT_EQ(1, read_n(self->fd, c, 1, READ_TIMEOUT_MS));
	EXPECT_EQ(0, c[0].status);
	EXPECT_EQ(0, aq_submit1(fd2, other, 0, 2, 0, NULL));
	EXPECT_EQ(1, read_n(fd2, c, 1, READ_TIMEOUT_MS));
	EXPECT_EQ(0, c[0].status);
	/* Zero tail in a bigger struct is fine. */
	memset(&zb, 0, sizeof(zb));
	zb.s.queue_id = mine;
	EXPECT_EQ(0, aq_ioctl(self->fd,
			      aq_cmd_sized(ACCELQ_IOCTL_QUEUE_DESTROY,
					   sizeof(zb)), &zb));
	EXPECT_EQ(-ENOENT, aq_qdestroy(self->fd, mine));
	close(fd2);
}

/* Below version 1: refused, the queue stays. */
TEST_F(queue_destroy, smaller_struct)
{
	struct accelq_queue_destroy d = { 0 };
	__u32 size, q;

	EXPECT_EQ(8, ACCELQ_QUEUE_DESTROY_SIZE_VER1);
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	d.queue_id = q;
	for (size = 0; size < ACCELQ_QUEUE_DESTROY_SIZE_VER1; size++)
		EXPECT_EQ(-EINVAL,
			  aq_ioctl(self->fd,
				   aq_cmd_sized(ACCELQ_IOCTL_QUEUE_DESTROY,
						size), &d)) {
			TH_LOG("size %u", size);
		}
	EXPECT_EQ(0, aq_submit1(self->fd, q, 0, 1, 0, NULL));
	EXPECT_EQ(0, aq_qdestroy(self->fd, q));
}

TEST_F(queue_destroy, cancels_jobs)
{
	struct accelq_job jobs[5];
	struct accelq_completion c[8];
	__u32 q, acc, n, k;
	__u64 first, seq0;
	uint64_t t0, dt;

	n = 5;
	if (n > self->info.max_batch)
		n = self->info.max_batch;
	if (n > self->info.max_depth - 1)
		n = self->info.max_depth - 1;
	ASSERT_LE(2, n);
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH,
				self->info.max_depth, &q, NULL));
	/* One job completes normally first: it keeps status 0. */
	ASSERT_EQ(0, aq_submit1(self->fd, q, 0, 100, 0, &seq0));
	EXPECT_EQ(1, seq0);
	ASSERT_EQ(0, aq_wait(self->fd, q, seq0, 5 * NSEC_PER_SEC));

	jobs[0] = mkjob(LONG_NS, 200, 0);
	for (k = 1; k < n; k++)
		jobs[k] = mkjob(k % 2 ? LONG_NS : 0, 200 + k,
				k % 2 ? ACCELQ_JOB_PREEMPTIBLE : 0);
	ASSERT_EQ(0, aq_submit(self->fd, q, jobs, n, &acc, &first));
	ASSERT_EQ(n, acc);
	EXPECT_EQ(2, first);
	aq_sleep_ms(50);	/* let the first one start */

	t0 = aq_now_ns();
	EXPECT_EQ(0, aq_qdestroy(self->fd, q));
	dt = aq_now_ns() - t0;
	EXPECT_GT(PROMPT_NS, dt) {
		TH_LOG("destroy took %" PRIu64 " ms", (uint64_t)(dt / NSEC_PER_MSEC));
	}

	/* All records are there right after destroy returned. */
	ASSERT_EQ(n + 1, read_nb(self->fd, c, n + 2));
	EXPECT_EQ(100, c[0].user_data);
	EXPECT_EQ(1, c[0].seqno);
	EXPECT_EQ(0, c[0].status);
	for (k = 1; k <= n; k++) {
		EXPECT_EQ(200 + k - 1, c[k].user_data);
		EXPECT_EQ(k + 1, c[k].seqno);
		EXPECT_EQ(q, c[k].queue_id);
		EXPECT_EQ(0, c[k].engine);
		EXPECT_EQ(-ECANCELED, c[k].status);
		EXPECT_GT(LONG_NS, c[k].run_ns);
	}
	EXPECT_EQ(-EAGAIN, read_nb(self->fd, c, 1));
}

TEST_F(queue_destroy, other_queue_unaffected)
{
	struct accelq_completion c[4];
	__u32 qa, qb;
	__u64 sb;
	int k, got_b = 0;

	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &qa,
				NULL));
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &qb,
				NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, qa, LONG_NS, 1, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, qb, 20 * NSEC_PER_MSEC, 2, 0, &sb));
	aq_sleep_ms(20);
	ASSERT_EQ(0, aq_qdestroy(self->fd, qa));
	ASSERT_EQ(0, aq_wait(self->fd, qb, sb, 5 * NSEC_PER_SEC));
	ASSERT_EQ(2, read_n(self->fd, c, 2, READ_TIMEOUT_MS));
	for (k = 0; k < 2; k++) {
		if (c[k].queue_id == qb) {
			got_b++;
			EXPECT_EQ(0, c[k].status);
			EXPECT_EQ(2, c[k].user_data);
		} else {
			EXPECT_EQ(qa, c[k].queue_id);
			EXPECT_EQ(-ECANCELED, c[k].status);
		}
	}
	EXPECT_EQ(1, got_b);
	/* qb keeps working after its neighbour went away. */
	EXPECT_EQ(0, aq_submit1(self->fd, qb, 0, 3, 0, &sb));
	EXPECT_EQ(2, sb);
	EXPECT_EQ(1, read_n(self->fd, c, 1, READ_TIMEOUT_MS));
	EXPECT_EQ(0, c[0].status);
}

TEST_F(queue_destroy, ids_not_reused)
{
	__u32 ids[100], k, j;

	for (k = 0; k < ARRAY_SIZE(ids); k++) {
		ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1,
					&ids[k], NULL));
		ASSERT_EQ(0, aq_qdestroy(self->fd, ids[k]));
	}
	for (k = 0; k < ARRAY_SIZE(ids); k++)
		for (j = k + 1; j < ARRAY_SIZE(ids); j++) {
			EXPECT_NE(ids[k], ids[j]);
		}
}

TEST_F(queue_destroy, gone_for_submit_and_wait)
{
	struct accelq_job j = mkjob(0, 1, 0);
	__u32 q;
	__u64 s;

	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, 0, 1, 0, &s));
	ASSERT_EQ(0, aq_wait(self->fd, q, s, 5 * NSEC_PER_SEC));
	ASSERT_EQ(0, aq_qdestroy(self->fd, q));
	EXPECT_EQ(-ENOENT, aq_submit(self->fd, q, &j, 1, NULL, NULL));
	EXPECT_EQ(-ENOENT, aq_wait(self->fd, q, s, 0));
}

/* ================================================================== */
/* SUBMIT                                                              */

FIXTURE(submit) {
	int fd;
	struct accelq_info info;
	__u32 q;		/* engine 0, depth max_depth */
};

FIXTURE_SETUP(submit)
{
	AQ_FIXTURE_SETUP(self);
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH,
				self->info.max_depth, &self->q, NULL));
}

FIXTURE_TEARDOWN(submit)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(submit, basic_seqnos)
{
	struct accelq_job jobs[3] = {
		mkjob(0, 11, 0), mkjob(0, 12, 0), mkjob(0, 13, 0),
	};
	struct accelq_completion c[6];
	struct accelq_submit s;
	__u32 k;

	if (self->info.max_batch < 3)
		SKIP(return, "max_batch < 3");
	aq_submit_init(&s, self->q, jobs, 3, sizeof(jobs[0]));
	ASSERT_EQ(0, aq_ioctl(self->fd, ACCELQ_IOCTL_SUBMIT, &s));
	EXPECT_EQ(3, s.accepted);
	EXPECT_EQ(1, s.first_seqno);
	EXPECT_EQ(0, s.pad);
	EXPECT_EQ(0, s.flags);
	EXPECT_EQ(self->q, s.queue_id);
	ASSERT_EQ(0, aq_wait(self->fd, self->q, 3, 5 * NSEC_PER_SEC));

	aq_submit_init(&s, self->q, jobs, 2, sizeof(jobs[0]));
	ASSERT_EQ(0, aq_ioctl(self->fd, ACCELQ_IOCTL_SUBMIT, &s));
	EXPECT_EQ(2, s.accepted);
	EXPECT_EQ(4, s.first_seqno);

	ASSERT_EQ(5, read_n(self->fd, c, 5, READ_TIMEOUT_MS));
	for (k = 0; k < 5; k++) {
		EXPECT_EQ(k + 1, c[k].seqno);
		EXPECT_EQ(11 + (k < 3 ? k : k - 3), c[k].user_data);
		EXPECT_EQ(self->q, c[k].queue_id);
		EXPECT_EQ(0, c[k].status);
	}
}

TEST_F(submit, seqnos_per_queue)
{
	__u32 q2;
	__u64 s;

	ASSERT_EQ(0, aq_qcreate(self->fd, ACCELQ_ENGINE_ANY,
				ACCELQ_CLASS_LATENCY, 4, &q2, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 1, 0, &s));
	EXPECT_EQ(1, s);
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 2, 0, &s));
	EXPECT_EQ(2, s);
	ASSERT_EQ(0, aq_submit1(self->fd, q2, 0, 3, 0, &s));
	EXPECT_EQ(1, s);
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 4, 0, &s));
	EXPECT_EQ(3, s);
	ASSERT_EQ(0, aq_submit1(self->fd, q2, 0, 5, 0, &s));
	EXPECT_EQ(2, s);
}

enum ptr_kind { PTR_OK, PTR_NULL, PTR_PROTNONE, PTR_UNMAPPED, PTR_STRADDLE,
		PTR_KERNEL };
enum q_kind { Q_OWN, Q_ZERO, Q_UNKNOWN, Q_DESTROYED, Q_OTHER };
enum cost_kind { COST_OK, COST_MAX1, COST_U64MAX };
#define CNT_MAXB1	(-1)	/* max_batch + 1 */
#define IDX_LAST	(-2)

struct submit_case {
	const char *name;
	int err;
	__u32 flags, pad;
	int count;		/* jobs; CNT_MAXB1 */
	__u32 job_size;
	enum ptr_kind ptr;
	enum q_kind q;
	int bad_idx;		/* job carrying the bad field; IDX_LAST */
	__u32 job_flags, job_pad;
	enum cost_kind cost;
	bool job_tail;		/* non-zero byte in the bad job's tail */
	bool bigtail;		/* bigger submit struct, non-zero tail */
};

struct submit_big {
	struct accelq_submit s;
	__u64 tail[2];
};

static const struct submit_case submit_cases[] = {
	{ .name = "flags=1", .err = -EINVAL, .flags = 1 },
	{ .name = "flags=0x80000000", .err = -EINVAL, .flags = 0x80000000u },
	{ .name = "pad=1", .err = -EINVAL, .pad = 1 },
	{ .name = "pad=0x80000000", .err = -EINVAL, .pad = 0x80000000u },
	{ .name = "count=0", .err = -EINVAL, .count = 0 },
	{ .name = "count=max_batch+1", .err = -EINVAL, .count = CNT_MAXB1 },
	{ .name = "job_size=0", .err = -EINVAL, .job_size = 0 },
	{ .name = "job_size=8", .err = -EINVAL, .job_size = 8 },
	{ .name = "job_size=16", .err = -EINVAL, .job_size = 16 },
	{ .name = "job_size=23", .err = -EINVAL, .job_size = 23 },
	{ .name = "job_size=25", .err = -EINVAL, .job_size = 25 },
	{ .name = "job_size=28", .err = -EINVAL, .job_size = 28 },
	{ .name = "job_size=36", .err = -EINVAL, .job_size = 36 },
	{ .name = "job_size=4097", .err = -EINVAL, .job_size = 4097 },
	{ .name = "job_size=4104", .err = -EINVAL, .job_size = 4104 },
	{ .name = "job_size=8192", .err = -EINVAL, .job_size = 8192 },
	{ .name = "job_size=~0", .err = -EINVAL, .job_size = ~0u },
	{ .name = "job_size=32 non-zero tail", .err = -E2BIG,
	  .job_size = 32, .bad_idx = 0, .job_tail = true },
	{ .name = "job_size=32 non-zero tail in last job", .err = -E2BIG,
	  .job_size = 32, .bad_idx = IDX_LAST, .job_tail = true },
	{ .name = "job_size=4096 non-zero tail", .err = -E2BIG,
	  .job_size = 4096, .bad_idx = IDX_LAST, .job_tail = true },
	{ .name = "jobs_ptr=NULL", .err = -EFAULT, .ptr = PTR_NULL },
	{ .name = "jobs_ptr PROT_NONE", .err = -EFAULT, .ptr = PTR_PROTNONE },
	{ .name = "jobs_ptr unmapped", .err = -EFAULT, .ptr = PTR_UNMAPPED },
	{ .name = "jobs straddle into unmapped page", .err = -EFAULT,
	  .ptr = PTR_STRADDLE },
	{ .name = "jobs_ptr kernel address", .err = -EFAULT,
	  .ptr = PTR_KERNEL },
	{ .name = "job flags=2", .err = -EINVAL, .bad_idx = 0,
	  .job_flags = 2 },
	{ .name = "job flags=PREEMPTIBLE|2", .err = -EINVAL, .bad_idx = 0,
	  .job_flags = ACCELQ_JOB_PREEMPTIBLE | 2 },
	{ .name = "last job flags=0x80000000", .err = -EINVAL,
	  .bad_idx = IDX_LAST, .job_flags = 0x80000000u },
	{ .name = "job pad=1", .err = -EINVAL, .bad_idx = 0, .job_pad = 1 },
	{ .name = "last job pad=0x80000000", .err = -EINVAL,
	  .bad_idx = IDX_LAST, .job_pad = 0x80000000u },
	{ .name = "last job cost=max_cost+1", .err = -EINVAL,
	  .bad_idx = IDX_LAST, .cost = COST_MAX1 },
	{ .name = "job cost=U64_MAX", .err = -EINVAL, .bad_idx = 0,
	  .cost = COST_U64MAX },
	{ .name = "queue 0", .err = -ENOENT, .q = Q_ZERO },
	{ .name = "unknown queue", .err = -ENOENT, .q = Q_UNKNOWN },
	{ .name = "destroyed queue", .err = -ENOENT, .q = Q_DESTROYED },
	{ .name = "other client's queue", .err = -ENOENT, .q = Q_OTHER },
	{ .name = "bigger struct, non-zero tail", .err = -E2BIG,
	  .bigtail = true },
};

TEST_F_TIMEOUT(submit, bad_input, 120)
{
	const long pg = sysconf(_SC_PAGESIZE);
	__u32 gone, other, maxb = self->info.max_batch;
	struct accelq_completion c[4];
	unsigned char *buf, *two, *unm;
	size_t bufsz;
	__u64 next = 1, s;
	unsigned int k;
	int fd2;

	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1, &gone,
				NULL));
	ASSERT_EQ(0, aq_qdestroy(self->fd, gone));
	fd2 = aq_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, aq_qcreate(fd2, 0, ACCELQ_CLASS_BATCH, 4, &other, NULL));

	bufsz = (size_t)(maxb + 2) * 4096;
	buf = mmap(NULL, bufsz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, mprotect(two + pg, pg, PROT_NONE));
	unm = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unm);
	ASSERT_EQ(0, munmap(unm, pg));

	for (k = 0; k < ARRAY_SIZE(submit_cases); k++) {
		const struct submit_case *tc = &submit_cases[k];
		__u32 js = tc->job_size, count, i;
		struct submit_big b;
		unsigned long cmd = ACCELQ_IOCTL_SUBMIT;
		unsigned char *jobs = buf;
		int bad;

		/* Defaults for the fields the case does not exercise. */
		if (!js && strncmp(tc->name, "job_size=", 9))
			js = AQ_JOB_V1_SIZE;
		if (tc->count == CNT_MAXB1)
			count = maxb + 1;
		else if (tc->count > 0 || !strcmp(tc->name, "count=0"))
			count = tc->count;
		else
			count = maxb < 4 ? maxb : 4;
		bad = tc->bad_idx == IDX_LAST ? (int)count - 1 : tc->bad_idx;

		memset(buf, 0, (size_t)count * (js <= 4096 ? js : 24) + 64);
		for (i = 0; i < count && js >= 24 && js <= 4096; i++) {
			struct accelq_job *j = (void *)(buf + (size_t)i * js);

			*j = mkjob(0, 1000 + i, 0);
		}
		if (js >= 24 && js <= 4096 && count) {
			struct accelq_job *j = (void *)(buf + (size_t)bad * js);

			if (tc->job_flags)
				j->flags = tc->job_flags;
			if (tc->job_pad)
				j->pad = tc->job_pad;
			if (tc->cost == COST_MAX1)
				j->cost_ns = self->info.max_cost_ns + 1;
			else if (tc->cost == COST_U64MAX)
				j->cost_ns = ~0ULL;
			if (tc->job_tail)
				buf[(size_t)bad * js + js - 1] = 0x5a;
		}
		switch (tc->ptr) {
		case PTR_OK:
			break;
		case PTR_NULL:
			jobs = NULL;
			break;
		case PTR_PROTNONE:
			jobs = two + pg;
			break;
		case PTR_UNMAPPED:
			jobs = unm;
			break;
		case PTR_STRADDLE:
			/* job 0 fits in the page, job 1 is in PROT_NONE */
			jobs = two + pg - AQ_JOB_V1_SIZE;
			*(struct accelq_job *)jobs = mkjob(0, 999, 0);
			count = 2;
			break;
		case PTR_KERNEL:
			jobs = (unsigned char *)(uintptr_t)0xffff888000000000ULL;
			break;
		}

		aq_submit_init(&b.s, self->q, jobs, count, js);
		memset(b.tail, 0, sizeof(b.tail));
		b.s.flags = tc->flags;
		b.s.pad = tc->pad;
		switch (tc->q) {
		case Q_OWN:
			break;
		case Q_ZERO:
			b.s.queue_id = 0;
			break;
		case Q_UNKNOWN:
			b.s.queue_id = BAD_QID;
			break;
		case Q_DESTROYED:
			b.s.queue_id = gone;
			break;
		case Q_OTHER:
			b.s.queue_id = other;
			break;
		}
		if (tc->bigtail) {
			b.tail[1] = 1;
			cmd = aq_cmd_sized(cmd, sizeof(b));
		}
		EXPECT_EQ(tc->err, aq_ioctl(self->fd, cmd, &b)) {
			TH_LOG("case '%s'", tc->name);
		}

		/* Nothing of the batch was accepted: seqnos continue. */
		ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 5000 + k, 0, &s)) {
			TH_LOG("after case '%s'", tc->name);
		}
		EXPECT_EQ(next, s) {
			TH_LOG("case '%s' accepted %llu job(s)", tc->name,
			       (unsigned long long)(s - next));
		}
		next = s + 1;
		ASSERT_EQ(0, aq_wait(self->fd, self->q, s, 5 * NSEC_PER_SEC));
		ASSERT_EQ(1, read_nb(self->fd, c, 4)) {
			TH_LOG("after case '%s'", tc->name);
		}
		EXPECT_EQ(5000 + k, c[0].user_data);
		EXPECT_EQ(0, c[0].status);
	}
	/* The other client saw nothing either. */
	EXPECT_EQ(-EAGAIN, read_nb(fd2, c, 1));
	close(fd2);
	munmap(buf, bufsz);
	munmap(two, 2 * pg);
}

TEST_F(submit, bigger_struct_zero_tail)
{
	struct accelq_job j = mkjob(0, 77, 0);
	struct accelq_completion c;
	struct submit_big b;

	aq_submit_init(&b.s, self->q, &j, 1, sizeof(j));
	memset(b.tail, 0, sizeof(b.tail));
	ASSERT_EQ(0, aq_ioctl(self->fd, aq_cmd_sized(ACCELQ_IOCTL_SUBMIT,
						     sizeof(b)), &b));
	EXPECT_EQ(1, b.s.accepted);
	EXPECT_EQ(1, b.s.first_seqno);
	EXPECT_EQ(0, b.tail[0]);
	EXPECT_EQ(0, b.tail[1]);
	ASSERT_EQ(1, read_n(self->fd, &c, 1, READ_TIMEOUT_MS));
	EXPECT_EQ(77, c.user_data);
}

/*
 * Below version 1 (16..39 bytes: no room for accepted or first_seqno, the
 * job pointer possibly still usable): refused, nothing accepted.
 */
TEST_F(submit, smaller_struct)
{
	static const size_t sizes[] = { 0, 16, 24, 28, 32, 36, 39 };
	struct accelq_job j = mkjob(0, 9, 0);
	struct accelq_completion c;
	struct fdinfo fi;
	unsigned int k;

	EXPECT_EQ(40, ACCELQ_SUBMIT_SIZE_VER1);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct accelq_submit s;

		aq_submit_init(&s, self->q, &j, 1, sizeof(j));
		EXPECT_EQ(-EINVAL, aq_ioctl(self->fd,
					    aq_cmd_sized(ACCELQ_IOCTL_SUBMIT,
							 sizes[k]), &s)) {
			TH_LOG("size %zu", sizes[k]);
		}
	}
	EXPECT_EQ(-EAGAIN, read_nb(self->fd, &c, 1));
	ASSERT_EQ(0, fdinfo_read(self->fd, &fi));
	EXPECT_EQ(0, fi.submitted);
}

/* A read-only argument: -EFAULT before anything is accepted. */
TEST_F(submit, output_unwritable)
{
	const long pg = sysconf(_SC_PAGESIZE);
	struct accelq_job j = mkjob(0, 9, 0);
	struct accelq_completion c;
	struct accelq_submit *s;
	struct fdinfo fi;
	void *page;

	page = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	s = page;
	aq_submit_init(s, self->q, &j, 1, sizeof(j));
	ASSERT_EQ(0, mprotect(page, pg, PROT_READ));
	EXPECT_EQ(-EFAULT, aq_ioctl(self->fd, ACCELQ_IOCTL_SUBMIT, s));
	munmap(page, pg);
	usleep(10000);
	EXPECT_EQ(-EAGAIN, read_nb(self->fd, &c, 1));
	ASSERT_EQ(0, fdinfo_read(self->fd, &fi));
	EXPECT_EQ(0, fi.submitted);
}

TEST_F(submit, job_size_stride)
{
	static const __u32 sizes[] = { 24, 32, 48, 256, 4096 };
	struct accelq_completion c[4];
	unsigned char *buf;
	__u64 next = 1;
	unsigned int k, i, n;

	n = self->info.max_batch < 3 ? self->info.max_batch : 3;
	buf = calloc(n, 4096);
	ASSERT_NE(NULL, buf);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		__u32 acc;
		__u64 first;

		memset(buf, 0, (size_t)n * 4096);
		for (i = 0; i < n; i++)
			*(struct accelq_job *)(buf + (size_t)i * sizes[k]) =
				mkjob(i == 0 ? NSEC_PER_MSEC : 0,
				      sizes[k] * 10 + i,
				      i == 1 ? ACCELQ_JOB_PREEMPTIBLE : 0);
		ASSERT_EQ(0, aq_submit_sz(self->fd, self->q, buf, n, sizes[k],
					  &acc, &first)) {
			TH_LOG("job_size %u", sizes[k]);
		}
		EXPECT_EQ(n, acc);
		EXPECT_EQ(next, first);
		next += n;
		ASSERT_EQ(n, read_n(self->fd, c, n, READ_TIMEOUT_MS));
		for (i = 0; i < n; i++) {
			EXPECT_EQ(sizes[k] * 10 + i, c[i].user_data);
			EXPECT_EQ(0, c[i].status);
		}
	}
	free(buf);
}

TEST_F(submit, max_batch)
{
	const __u32 mb = self->info.max_batch, md = self->info.max_depth;
	struct accelq_job *jobs;
	struct accelq_completion *c;
	__u32 acc, k, want;
	__u64 first;

	if (mb > 65536)
		SKIP(return, "max_batch %u too large", mb);
	if (self->info.max_client_jobs < md + 1)
		SKIP(return, "max_client_jobs < max_depth + 1");
	jobs = calloc(mb + 1, sizeof(*jobs));
	c = calloc(mb + 1, sizeof(*c));
	ASSERT_NE(NULL, jobs);
	ASSERT_NE(NULL, c);
	/* The first job holds the engine so capacity is deterministic. */
	jobs[0] = mkjob(LONG_NS, 0, 0);
	for (k = 1; k <= mb; k++)
		jobs[k] = mkjob(0, k, 0);
	EXPECT_EQ(-EINVAL, aq_submit(self->fd, self->q, jobs, mb + 1, &acc,
				     &first));
	ASSERT_EQ(0, aq_submit(self->fd, self->q, jobs, mb, &acc, &first));
	want = mb <= md ? mb : md;
	EXPECT_EQ(want, acc);
	EXPECT_EQ(1, first);
	ASSERT_EQ(0, aq_qdestroy(self->fd, self->q));
	EXPECT_EQ(want, read_nb(self->fd, c, mb + 1));
	for (k = 0; k < want; k++) {
		EXPECT_EQ(k, c[k].user_data);
		EXPECT_EQ(-ECANCELED, c[k].status);
	}
	free(jobs);
	free(c);
}

TEST_F(submit, max_cost)
{
	struct accelq_job j = mkjob(self->info.max_cost_ns + 1, 1, 0);
	struct accelq_completion c;
	__u64 s;

	EXPECT_EQ(-EINVAL, aq_submit(self->fd, self->q, &j, 1, NULL, NULL));
	j.flags = ACCELQ_JOB_PREEMPTIBLE;
	EXPECT_EQ(-EINVAL, aq_submit(self->fd, self->q, &j, 1, NULL, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, self->info.max_cost_ns, 2,
				0, &s));
	EXPECT_EQ(1, s);
	aq_sleep_ms(20);
	ASSERT_EQ(0, aq_qdestroy(self->fd, self->q));
	ASSERT_EQ(1, read_nb(self->fd, &c, 1));
	EXPECT_EQ(2, c.user_data);
	EXPECT_EQ(-ECANCELED, c.status);
}

TEST_F(submit, queue_full_partial)
{
	const __u32 d = self->info.max_depth < 4 ? self->info.max_depth : 4;
	struct accelq_job jobs[8];
	struct accelq_completion c[8];
	__u32 q, acc, k, n;
	__u64 first;

	n = d + 2;
	if (n > self->info.max_batch)
		SKIP(return, "max_batch < depth + 2");
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, d, &q, NULL));
	jobs[0] = mkjob(LONG_NS, 0, 0);
	for (k = 1; k < n; k++)
		jobs[k] = mkjob(0, k, 0);
	memset(&acc, 0xcc, sizeof(acc));
	ASSERT_EQ(0, aq_submit(self->fd, q, jobs, n, &acc, &first));
	EXPECT_EQ(d, acc);
	EXPECT_EQ(1, first);
	/* Full: nothing accepted is an error. */
	EXPECT_EQ(-EAGAIN, aq_submit(self->fd, q, jobs + 1, 1, &acc, &first));
	EXPECT_EQ(-EAGAIN, aq_submit(self->fd, q, jobs + 1, 2, &acc, &first));
	/* The rejected jobs were never issued. */
	EXPECT_EQ(-EINVAL, aq_wait(self->fd, q, d + 1, 0));
	EXPECT_EQ(-ETIMEDOUT, aq_wait(self->fd, q, d, 0));
	/* Another queue is not affected. */
	EXPECT_EQ(0, aq_submit1(self->fd, self->q, 0, 99, 0, NULL));
	ASSERT_EQ(0, aq_qdestroy(self->fd, q));
	ASSERT_EQ(d + 1, read_n(self->fd, c, d + 1, READ_TIMEOUT_MS));
}

TEST_F(submit, depth_counts_running)
{
	struct accelq_completion c[2];
	__u32 q;

	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1, &q, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, LONG_NS, 1, 0, NULL));
	aq_sleep_ms(50);	/* running now, nothing queued */
	EXPECT_EQ(-EAGAIN, aq_submit1(self->fd, q, 0, 2, 0, NULL));
	ASSERT_EQ(0, aq_qdestroy(self->fd, q));
	ASSERT_EQ(1, read_nb(self->fd, c, 2));
	EXPECT_EQ(1, c[0].user_data);
	EXPECT_EQ(-ECANCELED, c[0].status);
}

TEST_F(submit, completed_frees_depth)
{
	struct accelq_job jobs[2] = { mkjob(0, 1, 0), mkjob(0, 2, 0) };
	struct accelq_completion c[5];
	__u32 q, acc;
	__u64 first;

	if (self->info.max_batch < 2 || self->info.max_depth < 2)
		SKIP(return, "needs max_batch and max_depth >= 2");
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 2, &q, NULL));
	ASSERT_EQ(0, aq_submit(self->fd, q, jobs, 2, &acc, &first));
	EXPECT_EQ(2, acc);
	ASSERT_EQ(0, aq_wait(self->fd, q, 2, 5 * NSEC_PER_SEC));
	/* Completed but unread jobs no longer count against the depth. */
	ASSERT_EQ(0, aq_submit(self->fd, q, jobs, 2, &acc, &first));
	EXPECT_EQ(2, acc);
	EXPECT_EQ(3, first);
	ASSERT_EQ(4, read_n(self->fd, c, 4, READ_TIMEOUT_MS));
}

TEST_F_TIMEOUT(submit, max_depth_fill, 120)
{
	const __u32 md = self->info.max_depth, mb = self->info.max_batch;
	struct accelq_job *jobs;
	__u32 total = 0, acc;
	__u64 first;

	if (md > 65536)
		SKIP(return, "max_depth %u too large", md);
	if (self->info.max_client_jobs < md + 1)
		SKIP(return, "max_client_jobs < max_depth + 1");
	jobs = calloc(mb, sizeof(*jobs));
	ASSERT_NE(NULL, jobs);
	/* self->q has depth max_depth; the first job blocks the engine. */
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, LONG_NS, 0, 0, NULL));
	total = 1;
	while (total < md) {
		__u32 n = md - total < mb ? md - total : mb, k;

		for (k = 0; k < n; k++)
			jobs[k] = mkjob(0, total + k, 0);
		ASSERT_EQ(0, aq_submit(self->fd, self->q, jobs, n, &acc,
				       &first));
		ASSERT_EQ(n, acc);
		ASSERT_EQ(total + 1, first);
		total += n;
	}
	EXPECT_EQ(-EAGAIN, aq_submit(self->fd, self->q, jobs, 1, &acc,
				     &first));
	EXPECT_EQ(0, aq_qdestroy(self->fd, self->q));
	free(jobs);
}

/* Fill the client backlog with completed, unread cost-0 jobs. */
static void fill_backlog(struct __test_metadata *_metadata, int fd,
			 const struct accelq_info *info, __u32 q, __u32 total)
{
	__u32 batch = info->max_batch < info->max_depth ? info->max_batch :
							   info->max_depth;
	struct accelq_job *jobs = calloc(batch, sizeof(*jobs));
	__u32 done = 0, acc, k;
	__u64 first;

	ASSERT_NE(NULL, jobs);
	while (done < total) {
		__u32 n = total - done < batch ? total - done : batch;

		for (k = 0; k < n; k++)
			jobs[k] = mkjob(0, done + k, 0);
		ASSERT_EQ(0, aq_submit(fd, q, jobs, n, &acc, &first)) {
			TH_LOG("after %u jobs", done);
		}
		ASSERT_EQ(n, acc);
		ASSERT_EQ(0, aq_wait(fd, q, first + n - 1, 10 * NSEC_PER_SEC));
		done += n;
	}
	free(jobs);
}

TEST_F_TIMEOUT(submit, client_backlog, 300)
{
	const __u32 m = self->info.max_client_jobs;
	struct accelq_job jobs[3] = {
		mkjob(0, 1, 0), mkjob(0, 2, 0), mkjob(0, 3, 0),
	};
	struct accelq_completion *c;
	__u32 acc, q2;
	__u64 first;
	short ev;
	long r, got;
	int fd2;

	if (m > 65536)
		SKIP(return, "max_client_jobs %u too large to fill", m);
	c = calloc(m + 4, sizeof(*c));
	ASSERT_NE(NULL, c);

	EXPECT_EQ(POLLOUT, poll_events(self->fd, POLLIN | POLLOUT, 0));
	fill_backlog(_metadata, self->fd, &self->info, self->q, m);

	/* At the limit: no POLLOUT, submit fails with -ENOBUFS. */
	ev = poll_events(self->fd, POLLIN | POLLOUT, 0);
	EXPECT_EQ(POLLIN, ev);
	EXPECT_EQ(-ENOBUFS, aq_submit(self->fd, self->q, jobs, 1, &acc,
				      &first));
	if (self->info.max_batch >= 2) {
		EXPECT_EQ(-ENOBUFS, aq_submit(self->fd, self->q, jobs, 2,
					      &acc, &first));
	}
	/* The limit is per client. */
	fd2 = aq_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, aq_qcreate(fd2, 0, ACCELQ_CLASS_BATCH, 1, &q2, NULL));
	EXPECT_EQ(0, aq_submit1(fd2, q2, 0, 1, 0, NULL));
	close(fd2);

	/* Reading one record makes room for exactly one job. */
	ASSERT_EQ(1, read_nb(self->fd, c, 1));
	EXPECT_EQ(0, c[0].user_data);
	EXPECT_EQ(POLLIN | POLLOUT, poll_events(self->fd, POLLIN | POLLOUT, 0));
	if (self->info.max_batch >= 3) {
		memset(&acc, 0xcc, sizeof(acc));
		ASSERT_EQ(0, aq_submit(self->fd, self->q, jobs, 3, &acc,
				       &first));
		EXPECT_EQ(1, acc);
		EXPECT_EQ(m + 1, first);
	} else {
		ASSERT_EQ(0, aq_submit(self->fd, self->q, jobs, 1, &acc,
				       &first));
	}
	EXPECT_EQ(-ENOBUFS, aq_submit(self->fd, self->q, jobs, 1, &acc,
				      &first));
	ASSERT_EQ(0, aq_wait(self->fd, self->q, m + 1, 5 * NSEC_PER_SEC));

	/* Drain: m records, the last one is the partially accepted job. */
	got = 0;
	while (got < m) {
		r = read_n(self->fd, c + got, m - got, READ_TIMEOUT_MS);
		ASSERT_LT(0, r);
		got += r;
	}
	EXPECT_EQ(1, c[m - 1].user_data);
	EXPECT_EQ(m + 1, c[m - 1].seqno);
	EXPECT_EQ(POLLOUT, poll_events(self->fd, POLLIN | POLLOUT, 0));
	EXPECT_EQ(0, aq_submit1(self->fd, self->q, 0, 9, 0, NULL));
	free(c);
}

TEST_F_TIMEOUT(submit, client_backlog_inflight, 60)
{
	const __u32 m = self->info.max_client_jobs;
	const __u32 md = self->info.max_depth, mb = self->info.max_batch;
	struct accelq_job *jobs;
	struct accelq_completion *c;
	__u32 nq, k, total = 0, acc, *qs, qx;
	__u64 first;

	if (m > 4096)
		SKIP(return, "max_client_jobs %u too large to keep in flight",
		     m);
	nq = (m + md - 1) / md;
	if (nq > self->info.max_queues - 1)
		SKIP(return, "needs %u queues", nq);
	jobs = calloc(mb, sizeof(*jobs));
	c = calloc(m + 2, sizeof(*c));
	qs = calloc(nq, sizeof(*qs));
	ASSERT_NE(NULL, jobs);
	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, qs);
	/* All queues on engine 0 behind one long job: nothing completes. */
	for (k = 0; k < nq; k++) {
		ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, md,
					&qs[k], NULL));
	}
	ASSERT_EQ(0, aq_submit1(self->fd, qs[0], LONG_NS, 0, 0, NULL));
	total = 1;
	for (k = 0; k < nq && total < m; k++) {
		__u32 inq = k == 0 ? 1 : 0;

		while (inq < md && total < m) {
			__u32 n = md - inq, i;

			if (n > mb)
				n = mb;
			if (n > m - total)
				n = m - total;
			for (i = 0; i < n; i++)
				jobs[i] = mkjob(0, total + i, 0);
			ASSERT_EQ(0, aq_submit(self->fd, qs[k], jobs, n, &acc,
					       &first));
			ASSERT_EQ(n, acc);
			inq += n;
			total += n;
		}
	}
	ASSERT_EQ(m, total);
	/* In-flight jobs count: limit reached, nothing readable yet. */
	EXPECT_EQ(0, poll_events(self->fd, POLLIN | POLLOUT, 0));
	ASSERT_EQ(0, aq_qcreate(self->fd, 1 % self->info.nr_engines,
				ACCELQ_CLASS_BATCH, 1, &qx, NULL));
	EXPECT_EQ(-ENOBUFS, aq_submit1(self->fd, qx, 0, 0, 0, NULL));
	/* Last queue first: qs[0] holds the engine until it goes. */
	for (k = nq; k-- > 0;) {
		ASSERT_EQ(0, aq_qdestroy(self->fd, qs[k]));
	}
	/* Cancelled but unread records still count against the backlog. */
	EXPECT_EQ(POLLIN, poll_events(self->fd, POLLIN | POLLOUT, 0));
	EXPECT_EQ(m, read_nb(self->fd, c, m + 2));
	for (k = 0; k < m; k++) {
		EXPECT_EQ(-ECANCELED, c[k].status);
	}
	EXPECT_EQ(POLLOUT, poll_events(self->fd, POLLIN | POLLOUT, 0));
	free(jobs);
	free(c);
	free(qs);
}

TEST_F(submit, in_order)
{
	static const __u64 cost_ms[] = { 30, 0, 10, 0, 5, 1 };
	const unsigned int n = ARRAY_SIZE(cost_ms);
	struct accelq_job jobs[ARRAY_SIZE(cost_ms)];
	struct accelq_completion c[ARRAY_SIZE(cost_ms)];
	__u64 before = 0;
	__u32 acc, k;
	__u64 first;

	if (self->info.max_batch < n || self->info.max_depth < n)
		SKIP(return, "needs max_batch and max_depth >= %u", n);
	for (k = 0; k < n; k++)
		jobs[k] = mkjob(cost_ms[k] * NSEC_PER_MSEC, 500 + k,
				k == 2 ? ACCELQ_JOB_PREEMPTIBLE : 0);
	ASSERT_EQ(0, aq_submit(self->fd, self->q, jobs, n, &acc, &first));
	ASSERT_EQ(n, acc);
	ASSERT_EQ(n, read_n(self->fd, c, n, READ_TIMEOUT_MS));
	for (k = 0; k < n; k++) {
		EXPECT_EQ(500 + k, c[k].user_data);
		EXPECT_EQ(first + k, c[k].seqno);
		EXPECT_EQ(0, c[k].status);
		EXPECT_EQ(0, c[k].engine);
		EXPECT_LE(cost_ms[k] * NSEC_PER_MSEC, c[k].run_ns);
		/* Job k started only after jobs 0..k-1 ran. */
		EXPECT_LE(before, c[k].wait_ns + NSEC_PER_MSEC) {
			TH_LOG("job %u waited %llu ns, predecessors ran %llu ns",
			       k, (unsigned long long)c[k].wait_ns,
			       (unsigned long long)before);
		}
		before += c[k].run_ns;
	}
}

TEST_F(submit, run_time)
{
	const __u64 cost = 200 * NSEC_PER_MSEC;
	struct accelq_completion c;
	uint64_t t0, dt;

	t0 = aq_now_ns();
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, cost, 42, 0, NULL));
	ASSERT_EQ(1, read_n(self->fd, &c, 1, READ_TIMEOUT_MS));
	dt = aq_now_ns() - t0;
	EXPECT_EQ(0, c.status);
	EXPECT_LE(cost, c.run_ns);
	EXPECT_GT(cost + NSEC_PER_SEC, c.run_ns);
	EXPECT_LE(cost, dt);
	EXPECT_EQ(0, c.flags);
}

TEST_F(submit, cost_zero_immediate)
{
	struct accelq_completion c;
	uint64_t t0, dt;

	t0 = aq_now_ns();
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 43, 0, NULL));
	ASSERT_EQ(1, read_n(self->fd, &c, 1, 2000));
	dt = aq_now_ns() - t0;
	EXPECT_EQ(0, c.status);
	EXPECT_GT(100 * NSEC_PER_MSEC, c.run_ns);
	EXPECT_GT(PROMPT_NS, dt);
}

TEST_F(submit, parallel_engines)
{
	const __u64 cost = 300 * NSEC_PER_MSEC;
	struct accelq_completion c[2];
	__u32 q0, q1, e;
	int k;

	if (self->info.nr_engines < 2)
		SKIP(return, "needs 2 engines");
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1, &q0, &e));
	ASSERT_EQ(0, e);
	ASSERT_EQ(0, aq_qcreate(self->fd, 1, ACCELQ_CLASS_BATCH, 1, &q1, &e));
	ASSERT_EQ(1, e);
	ASSERT_EQ(0, aq_submit1(self->fd, q0, cost, 0, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q1, cost, 1, 0, NULL));
	ASSERT_EQ(2, read_n(self->fd, c, 2, READ_TIMEOUT_MS));
	for (k = 0; k < 2; k++) {
		EXPECT_EQ(0, c[k].status);
		EXPECT_EQ(c[k].user_data, c[k].engine);
		EXPECT_LE(cost, c[k].run_ns);
		/* Neither waited for the other. */
		EXPECT_GT(cost / 2, c[k].wait_ns) {
			TH_LOG("job on engine %u waited %llu ms", c[k].engine,
			       (unsigned long long)c[k].wait_ns / NSEC_PER_MSEC);
		}
	}
}

TEST_F(submit, same_engine_serial)
{
	const __u64 cost = 300 * NSEC_PER_MSEC;
	struct accelq_completion c[2];
	__u32 qa, qb;
	uint64_t t0, dt;
	__u64 w0, w1;

	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1, &qa, NULL));
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1, &qb, NULL));
	t0 = aq_now_ns();
	ASSERT_EQ(0, aq_submit1(self->fd, qa, cost, 0, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, qb, cost, 1, 0, NULL));
	ASSERT_EQ(2, read_n(self->fd, c, 2, READ_TIMEOUT_MS));
	dt = aq_now_ns() - t0;
	EXPECT_EQ(0, c[0].status);
	EXPECT_EQ(0, c[1].status);
	EXPECT_EQ(0, c[0].engine);
	EXPECT_EQ(0, c[1].engine);
	EXPECT_LE(2 * cost, dt);
	/* One job at a time: the later one waited for the whole first one. */
	w0 = c[0].wait_ns;
	w1 = c[1].wait_ns;
	EXPECT_LE(cost - 50 * NSEC_PER_MSEC, w0 > w1 ? w0 : w1) {
		TH_LOG("waits %llu / %llu ms", (unsigned long long)w0 / 1000000,
		       (unsigned long long)w1 / 1000000);
	}
}

/*
 * Preemption: when the timeslice of a running preemptible job expires and
 * someone with a better claim waits, the job is stopped and resumed later.
 * A latency-class queue of the same client waiting behind a batch job is
 * such a claim (queues of one class just take turns between jobs).
 */
static void latency_vs_batch(struct __test_metadata *_metadata, int fd,
			     __u32 batch_flags, struct accelq_completion *c,
			     __u32 *qbatch, uint64_t *gap)
{
	const __u64 cost = 300 * NSEC_PER_MSEC;
	uint64_t t0;
	__u32 qb, ql;

	ASSERT_EQ(0, aq_qcreate(fd, 0, ACCELQ_CLASS_BATCH, 1, &qb, NULL));
	ASSERT_EQ(0, aq_qcreate(fd, 0, ACCELQ_CLASS_LATENCY, 1, &ql, NULL));
	t0 = aq_now_ns();
	ASSERT_EQ(0, aq_submit1(fd, qb, cost, 1, batch_flags, NULL));
	aq_sleep_ms(20);
	ASSERT_EQ(0, aq_submit1(fd, ql, 10 * NSEC_PER_MSEC, 2, 0, NULL));
	/* upper bound of the time between the two submissions */
	if (gap)
		*gap = aq_now_ns() - t0;
	ASSERT_EQ(2, read_n(fd, c, 2, READ_TIMEOUT_MS));
	TH_LOG("read order: ud %llu (wait %llu us, run %llu us, flags %u), ud %llu (wait %llu us, run %llu us, flags %u)",
	       (unsigned long long)c[0].user_data,
	       (unsigned long long)c[0].wait_ns / 1000,
	       (unsigned long long)c[0].run_ns / 1000, c[0].flags,
	       (unsigned long long)c[1].user_data,
	       (unsigned long long)c[1].wait_ns / 1000,
	       (unsigned long long)c[1].run_ns / 1000, c[1].flags);
	if (c[0].user_data == 1) {
		struct accelq_completion t = c[0];

		c[0] = c[1];
		c[1] = t;
	}
	/* c[0]: latency job, c[1]: batch job */
	ASSERT_EQ(2, c[0].user_data);
	ASSERT_EQ(1, c[1].user_data);
	EXPECT_EQ(0, c[0].status);
	EXPECT_EQ(0, c[1].status);
	EXPECT_EQ(0, c[0].flags);
	EXPECT_LE(cost, c[1].run_ns);
	EXPECT_LE(10 * NSEC_PER_MSEC, c[0].run_ns);
	if (qbatch)
		*qbatch = qb;
}

TEST_F(submit, latency_preempts_batch)
{
	const __u64 cost = 300 * NSEC_PER_MSEC;
	struct accelq_completion c[2];
	uint64_t t0 = aq_now_ns();

	latency_vs_batch(_metadata, self->fd, ACCELQ_JOB_PREEMPTIBLE, c, NULL,
			 NULL);
	/* The latency job did not wait for the whole batch job. */
	EXPECT_GT(cost / 2, c[0].wait_ns) {
		TH_LOG("latency job waited %llu ms behind a preemptible job",
		       (unsigned long long)c[0].wait_ns / NSEC_PER_MSEC);
	}
	EXPECT_EQ(ACCELQ_COMPLETION_PREEMPTED, c[1].flags);
	EXPECT_LE(cost, aq_now_ns() - t0);
}

TEST_F(submit, nonpreemptible_runs_to_end)
{
	const int64_t cost = 300 * NSEC_PER_MSEC;
	struct accelq_completion c[2];
	uint64_t gap = 0;
	int64_t rest;

	latency_vs_batch(_metadata, self->fd, 0, c, NULL, &gap);
	/*
	 * Submitted (at most) gap after the batch job: it waited for the rest
	 * of it. A guest vCPU stalled by its host may make gap large.
	 */
	rest = cost - (int64_t)gap - 30 * (int64_t)NSEC_PER_MSEC;
	if (rest > 0) {
		EXPECT_LE(rest, (int64_t)c[0].wait_ns);
	}
	EXPECT_EQ(0, c[1].flags);
}

/* ================================================================== */
/* WAIT                                                                */

FIXTURE(wait) {
	int fd;
	struct accelq_info info;
	__u32 q;
};

FIXTURE_SETUP(wait)
{
	AQ_FIXTURE_SETUP(self);
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 8, &self->q,
				NULL));
}

FIXTURE_TEARDOWN(wait)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(wait, done)
{
	__u64 s;

	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 1, 0, &s));
	EXPECT_EQ(0, aq_wait(self->fd, self->q, s, -1));
	EXPECT_EQ(0, aq_wait(self->fd, self->q, s, 0));
	EXPECT_EQ(0, aq_wait(self->fd, self->q, s, 1));
}

TEST_F(wait, poll_not_done)
{
	uint64_t t0, dt;
	__u64 s;

	ASSERT_EQ(0, aq_submit1(self->fd, self->q, LONG_NS, 1, 0, &s));
	t0 = aq_now_ns();
	EXPECT_EQ(-ETIMEDOUT, aq_wait(self->fd, self->q, s, 0));
	dt = aq_now_ns() - t0;
	EXPECT_GT(PROMPT_NS, dt);
}

TEST_F(wait, timeout)
{
	uint64_t t0, dt;
	__u64 s;

	ASSERT_EQ(0, aq_submit1(self->fd, self->q, LONG_NS, 1, 0, &s));
	t0 = aq_now_ns();
	EXPECT_EQ(-ETIMEDOUT, aq_wait(self->fd, self->q, s,
				      100 * NSEC_PER_MSEC));
	dt = aq_now_ns() - t0;
	EXPECT_LE(100 * NSEC_PER_MSEC, dt);
	EXPECT_GT(LONG_NS, dt);
}

TEST_F(wait, blocks_until_done)
{
	const __u64 cost = 300 * NSEC_PER_MSEC;
	struct accelq_completion c;
	uint64_t t0, dt;
	__u64 s;

	t0 = aq_now_ns();
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, cost, 7, 0, &s));
	EXPECT_EQ(0, aq_wait(self->fd, self->q, s, 10 * NSEC_PER_SEC));
	dt = aq_now_ns() - t0;
	EXPECT_LE(cost, dt);
	/* The record is there the moment WAIT returns. */
	ASSERT_EQ(1, read_nb(self->fd, &c, 1));
	EXPECT_EQ(7, c.user_data);
	EXPECT_EQ(0, c.status);
}

TEST_F(wait, earlier_seqnos_done)
{
	struct accelq_job jobs[3] = {
		mkjob(200 * NSEC_PER_MSEC, 1, 0), mkjob(0, 2, 0),
		mkjob(10 * NSEC_PER_MSEC, 3, 0),
	};
	struct accelq_completion c[4];
	__u32 acc;
	__u64 first;

	if (self->info.max_batch < 3)
		SKIP(return, "max_batch < 3");
	ASSERT_EQ(0, aq_submit(self->fd, self->q, jobs, 3, &acc, &first));
	ASSERT_EQ(3, acc);
	EXPECT_EQ(0, aq_wait(self->fd, self->q, first + 2, -1));
	EXPECT_EQ(0, aq_wait(self->fd, self->q, first, 0));
	EXPECT_EQ(0, aq_wait(self->fd, self->q, first + 1, 0));
	EXPECT_EQ(3, read_nb(self->fd, c, 4));
}

TEST_F(wait, negative_waits_forever)
{
	static const __s64 tmos[] = { -1, INT64_MIN, -1000 };
	unsigned int k;
	__u64 s;

	for (k = 0; k < ARRAY_SIZE(tmos); k++) {
		uint64_t t0 = aq_now_ns();

		ASSERT_EQ(0, aq_submit1(self->fd, self->q,
					100 * NSEC_PER_MSEC, k, 0, &s));
		EXPECT_EQ(0, aq_wait(self->fd, self->q, s, tmos[k])) {
			TH_LOG("timeout %lld", (long long)tmos[k]);
		}
		EXPECT_LE(100 * NSEC_PER_MSEC, aq_now_ns() - t0);
	}
}

struct wait_big {
	struct accelq_wait s;
	__u64 tail[2];
};

TEST_F(wait, bad_input)
{
	__u32 gone, other, fresh;
	struct wait_big zb;
	unsigned int k;
	__u64 s;
	int fd2;

	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 1, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 2, 0, &s));
	ASSERT_EQ(2, s);
	ASSERT_EQ(0, aq_wait(self->fd, self->q, s, -1));
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 1, &gone,
				NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, gone, 0, 3, 0, NULL));
	ASSERT_EQ(0, aq_qdestroy(self->fd, gone));
	ASSERT_EQ(0, aq_qcreate(self->fd, 1 % self->info.nr_engines,
				ACCELQ_CLASS_BATCH, 1, &fresh, NULL));
	fd2 = aq_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, aq_qcreate(fd2, 0, ACCELQ_CLASS_BATCH, 1, &other, NULL));
	ASSERT_EQ(0, aq_submit1(fd2, other, 0, 4, 0, NULL));

	const struct {
		const char *name;
		__u32 qid, flags;
		__u64 seqno;
		bool bigtail;
		int err;
	} cases[] = {
		{ "flags=1", self->q, 1, 1, false, -EINVAL },
		{ "flags=0x80000000", self->q, 0x80000000u, 1, false, -EINVAL },
		{ "queue 0", 0, 0, 1, false, -ENOENT },
		{ "unknown queue", BAD_QID, 0, 1, false, -ENOENT },
		{ "other client's queue", other, 0, 1, false, -ENOENT },
		{ "destroyed queue", gone, 0, 1, false, -ENOENT },
		{ "seqno 0", self->q, 0, 0, false, -EINVAL },
		{ "seqno last+1", self->q, 0, 3, false, -EINVAL },
		{ "seqno 2^32+1", self->q, 0, (1ULL << 32) + 1, false,
		  -EINVAL },
		{ "seqno U64_MAX", self->q, 0, ~0ULL, false, -EINVAL },
		{ "seqno 1 of a queue without jobs", fresh, 0, 1, false,
		  -EINVAL },
		{ "bigger struct, non-zero tail", self->q, 0, 1, true, -E2BIG },
	};

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		unsigned long cmd = ACCELQ_IOCTL_WAIT;
		struct wait_big b;

		memset(&b, 0, sizeof(b));
		b.s.queue_id = cases[k].qid;
		b.s.flags = cases[k].flags;
		b.s.seqno = cases[k].seqno;
		b.s.timeout_ns = 0;
		if (cases[k].bigtail) {
			b.tail[0] = 1;
			cmd = aq_cmd_sized(cmd, sizeof(b));
		}
		EXPECT_EQ(cases[k].err, aq_ioctl(self->fd, cmd, &b)) {
			TH_LOG("case %s", cases[k].name);
		}
	}
	/* Zero tail is fine. */
	memset(&zb, 0, sizeof(zb));
	zb.s.queue_id = self->q;
	zb.s.seqno = 2;
	EXPECT_EQ(0, aq_ioctl(self->fd, aq_cmd_sized(ACCELQ_IOCTL_WAIT,
						     sizeof(zb)), &zb));
	close(fd2);
}

static void noop_handler(int sig)
{
	(void)sig;
}

/* Below version 1: refused before looking at the queue. */
TEST_F(wait, smaller_struct)
{
	struct accelq_wait w = { .queue_id = self->q, .seqno = 1 };
	__u64 s;
	__u32 size;

	EXPECT_EQ(24, ACCELQ_WAIT_SIZE_VER1);
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 1, 0, &s));
	ASSERT_EQ(0, aq_wait(self->fd, self->q, s, -1));
	for (size = 0; size < ACCELQ_WAIT_SIZE_VER1; size++)
		EXPECT_EQ(-EINVAL, aq_ioctl(self->fd,
					    aq_cmd_sized(ACCELQ_IOCTL_WAIT,
							 size), &w)) {
			TH_LOG("size %u", size);
		}
}

TEST_F(wait, interrupted_by_signal)
{
	struct sigaction sa = { .sa_handler = noop_handler };
	struct itimerval it = { .it_value = { 0, 100000 } };
	uint64_t t0, dt;
	__u64 s;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: -ERESTARTSYS shows as EINTR */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, LONG_NS, 1, 0, &s));
	t0 = aq_now_ns();
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, aq_wait(self->fd, self->q, s, -1));
	dt = aq_now_ns() - t0;
	EXPECT_GT(LONG_NS, dt);
}

/* ================================================================== */
/* read() and poll()                                                   */

FIXTURE(readpoll) {
	int fd;
	struct accelq_info info;
	__u32 q;
};

FIXTURE_SETUP(readpoll)
{
	AQ_FIXTURE_SETUP(self);
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 8, &self->q,
				NULL));
}

FIXTURE_TEARDOWN(readpoll)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(readpoll, small_buffer)
{
	static const size_t sizes[] = { 0, 1, 8, 47 };
	unsigned char buf[64];
	struct accelq_completion c;
	unsigned int k;
	__u64 s;

	/* Empty queue, non-blocking: size is checked first. */
	set_nonblock(self->fd, true);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		errno = 0;
		EXPECT_EQ(-1, read(self->fd, buf, sizes[k]));
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("empty, count %zu", sizes[k]);
		}
	}
	set_nonblock(self->fd, false);

	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 5, 0, &s));
	ASSERT_EQ(0, aq_wait(self->fd, self->q, s, -1));
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		memset(buf, 0xcc, sizeof(buf));
		errno = 0;
		EXPECT_EQ(-1, read(self->fd, buf, sizes[k]));
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("record pending, count %zu", sizes[k]);
		}
		EXPECT_TRUE(is_poisoned(buf, sizeof(buf)));
	}
	/* The record survived. */
	ASSERT_EQ(1, read_nb(self->fd, &c, 1));
	EXPECT_EQ(5, c.user_data);
}

TEST_F(readpoll, nonblock_empty)
{
	struct accelq_completion c;
	int fd2;

	EXPECT_EQ(-EAGAIN, read_nb(self->fd, &c, 1));
	/* Also with a job in flight. */
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, LONG_NS, 1, 0, NULL));
	EXPECT_EQ(-EAGAIN, read_nb(self->fd, &c, 1));
	/* O_NONBLOCK given at open. */
	fd2 = open(AQ_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	errno = 0;
	EXPECT_EQ(-1, read(fd2, &c, sizeof(c)));
	EXPECT_EQ(EAGAIN, errno);
	close(fd2);
}

TEST_F(readpoll, blocking_read_waits)
{
	const __u64 cost = 300 * NSEC_PER_MSEC;
	struct accelq_completion c;
	uint64_t t0, dt;

	t0 = aq_now_ns();
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, cost, 9, 0, NULL));
	memset(&c, 0xcc, sizeof(c));
	ASSERT_EQ(1, aq_read(self->fd, &c, 1));
	dt = aq_now_ns() - t0;
	EXPECT_LE(cost, dt);
	EXPECT_EQ(9, c.user_data);
	EXPECT_EQ(0, c.status);
}

TEST_F(readpoll, multiple_records)
{
	struct accelq_job jobs[5];
	struct accelq_completion c[8];
	__u32 acc, k;
	__u64 first;
	long r;

	if (self->info.max_batch < 5)
		SKIP(return, "max_batch < 5");
	for (k = 0; k < 5; k++)
		jobs[k] = mkjob(0, 20 + k, 0);
	ASSERT_EQ(0, aq_submit(self->fd, self->q, jobs, 5, &acc, &first));
	ASSERT_EQ(5, acc);
	ASSERT_EQ(0, aq_wait(self->fd, self->q, first + 4, -1));
	/* A 3-record buffer gets 3, the rest comes next. */
	memset(c, 0xcc, sizeof(c));
	ASSERT_EQ(3, aq_read(self->fd, c, 3));
	EXPECT_TRUE(is_poisoned(&c[3], sizeof(c[3])));
	memset(c + 3, 0xcc, 5 * sizeof(c[0]));
	r = aq_read(self->fd, c + 3, 5);	/* room for 5, 2 available */
	ASSERT_EQ(2, r);
	EXPECT_TRUE(is_poisoned(&c[5], sizeof(c[5])));
	for (k = 0; k < 5; k++) {
		EXPECT_EQ(20 + k, c[k].user_data);
		EXPECT_EQ(first + k, c[k].seqno);
	}
}

TEST_F(readpoll, whole_records_only)
{
	struct accelq_job jobs[3] = {
		mkjob(0, 1, 0), mkjob(0, 2, 0), mkjob(0, 3, 0),
	};
	unsigned char buf[3 * 48 + 64];
	__u32 acc;
	__u64 first;
	ssize_t r;

	if (self->info.max_batch < 3)
		SKIP(return, "max_batch < 3");
	ASSERT_EQ(0, aq_submit(self->fd, self->q, jobs, 3, &acc, &first));
	ASSERT_EQ(0, aq_wait(self->fd, self->q, first + 2, -1));
	memset(buf, 0xcc, sizeof(buf));
	r = read(self->fd, buf, 2 * 48 + 47);
	EXPECT_EQ(2 * 48, r);
	EXPECT_TRUE(is_poisoned(buf + 2 * 48, sizeof(buf) - 2 * 48));
	r = read(self->fd, buf, 48 + 1);
	EXPECT_EQ(48, r);
	EXPECT_EQ(3, ((struct accelq_completion *)buf)->user_data);
}

TEST_F(readpoll, efault_keeps_records)
{
	const long pg = sysconf(_SC_PAGESIZE);
	void *volatile null_buf = NULL;
	struct accelq_completion c[4];
	unsigned char *none;
	__u64 s;

	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 31, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 32, 0, &s));
	ASSERT_EQ(0, aq_wait(self->fd, self->q, s, -1));
	none = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);

	errno = 0;
	EXPECT_EQ(-1, read(self->fd, null_buf, 48));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, read(self->fd, none, 2 * 48));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, read(self->fd, (void *)(uintptr_t)0xffff888000000000ULL,
			   48));
	EXPECT_EQ(EFAULT, errno);
	/* Nothing was lost. */
	ASSERT_EQ(2, read_nb(self->fd, c, 4));
	EXPECT_EQ(31, c[0].user_data);
	EXPECT_EQ(32, c[1].user_data);
	munmap(none, pg);
}

TEST_F(readpoll, efault_partial_buffer)
{
	const long pg = sysconf(_SC_PAGESIZE);
	struct accelq_completion c[4], *first_rec;
	unsigned char *two;
	unsigned int seen = 0, k;
	ssize_t r;
	__u64 s;

	for (k = 0; k < 3; k++) {
		ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 40 + k, 0, &s));
	}
	ASSERT_EQ(0, aq_wait(self->fd, self->q, s, -1));
	two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, mprotect(two + pg, pg, PROT_NONE));
	/* Room for one record, the second would cross into PROT_NONE. */
	first_rec = (void *)(two + pg - 48 - 8);
	memset(first_rec, 0xcc, 48);
	r = read(self->fd, first_rec, 3 * 48);
	if (r == 48) {
		EXPECT_EQ(40, first_rec->user_data);
		seen = 1;
	} else {
		EXPECT_EQ(-1, r);
		EXPECT_EQ(EFAULT, errno);
	}
	/* Exactly once: every record is read exactly one time in total. */
	ASSERT_EQ(3 - seen, read_nb(self->fd, c, 4));
	for (k = 0; k < 3 - seen; k++) {
		EXPECT_EQ(40 + seen + k, c[k].user_data);
	}
	munmap(two, 2 * pg);
}

TEST_F(readpoll, poll_fresh)
{
	EXPECT_EQ(POLLOUT, poll_events(self->fd, POLLIN | POLLOUT, 0));
	EXPECT_EQ(0, poll_events(self->fd, POLLIN, 0));
}

TEST_F(readpoll, poll_in)
{
	struct accelq_completion c;
	__u64 s;

	ASSERT_EQ(0, aq_submit1(self->fd, self->q, LONG_NS, 1, 0, NULL));
	EXPECT_EQ(0, poll_events(self->fd, POLLIN, 0));
	ASSERT_EQ(0, aq_qdestroy(self->fd, self->q));
	EXPECT_EQ(POLLIN, poll_events(self->fd, POLLIN, 0));
	ASSERT_EQ(1, read_nb(self->fd, &c, 1));
	EXPECT_EQ(0, poll_events(self->fd, POLLIN, 0));

	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 8, &self->q,
				NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, 0, 2, 0, &s));
	ASSERT_EQ(0, aq_wait(self->fd, self->q, s, -1));
	EXPECT_EQ(POLLIN | POLLOUT, poll_events(self->fd, POLLIN | POLLOUT, 0));
}

TEST_F(readpoll, poll_blocks_until_completion)
{
	const __u64 cost = 300 * NSEC_PER_MSEC;
	uint64_t t0, dt;
	short ev;

	t0 = aq_now_ns();
	ASSERT_EQ(0, aq_submit1(self->fd, self->q, cost, 1, 0, NULL));
	ev = poll_events(self->fd, POLLIN, 10000);
	dt = aq_now_ns() - t0;
	EXPECT_EQ(POLLIN, ev);
	EXPECT_LE(cost, dt);
}

TEST_F(readpoll, record_fields)
{
	const __u64 cost = 20 * NSEC_PER_MSEC;
	struct accelq_completion c;
	__u32 q1, eng = 0;
	__u64 s;

	if (self->info.nr_engines > 1)
		eng = self->info.nr_engines - 1;
	ASSERT_EQ(0, aq_qcreate(self->fd, eng, ACCELQ_CLASS_LATENCY, 2, &q1,
				NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q1, 0, 0, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q1, cost, 0xfeedfacecafebeefULL, 0,
				&s));
	ASSERT_EQ(1, read_n(self->fd, &c, 1, READ_TIMEOUT_MS));
	EXPECT_EQ(0, c.user_data);
	ASSERT_EQ(1, read_n(self->fd, &c, 1, READ_TIMEOUT_MS));
	EXPECT_EQ(0xfeedfacecafebeefULL, c.user_data);
	EXPECT_EQ(2, c.seqno);
	EXPECT_EQ(s, c.seqno);
	EXPECT_EQ(q1, c.queue_id);
	EXPECT_EQ(eng, c.engine);
	EXPECT_EQ(0, c.status);
	EXPECT_EQ(0, c.flags);
	EXPECT_LE(cost, c.run_ns);
	EXPECT_GT(cost + NSEC_PER_SEC, c.run_ns);
	EXPECT_GT(NSEC_PER_SEC, c.wait_ns);
}

/* ================================================================== */
/* fdinfo                                                              */

FIXTURE(fdinfo) {
	int fd;
	struct accelq_info info;
};

FIXTURE_SETUP(fdinfo)
{
	AQ_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(fdinfo)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(fdinfo, fields)
{
	struct fdinfo fi;
	unsigned int e;

	ASSERT_EQ(0, fdinfo_read(self->fd, &fi));
	EXPECT_TRUE(fi.driver_ok);
	ASSERT_TRUE(fi.have_client);
	EXPECT_EQ(self->info.client_id, fi.client_id);
	ASSERT_TRUE(fi.have_tenant);
	EXPECT_EQ(self->info.tenant_id, fi.tenant_id);
	EXPECT_EQ(0, fi.bad_engine_lines);
	EXPECT_EQ(self->info.nr_engines, fi.nr_engine_lines);
	for (e = 0; e < self->info.nr_engines && e < FDI_MAX_ENGINES; e++) {
		EXPECT_TRUE(fi.engine_seen[e]);
		EXPECT_EQ(0, fi.busy_ns[e]);
	}
}

TEST_F(fdinfo, engine_attribution)
{
	const __u64 cost = 50 * NSEC_PER_MSEC;
	struct accelq_completion c[3];
	struct fdinfo before, after, other;
	__u64 sum = 0, delta, tol;
	__u32 q;
	int fd2, k;

	if (self->info.nr_engines < 2)
		SKIP(return, "needs 2 engines");
	fd2 = aq_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, fdinfo_read(self->fd, &before));
	ASSERT_EQ(0, aq_qcreate(self->fd, 1, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, cost, 1, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, cost, 2, ACCELQ_JOB_PREEMPTIBLE,
				NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, 0, 3, 0, NULL));
	ASSERT_EQ(3, read_n(self->fd, c, 3, READ_TIMEOUT_MS));
	for (k = 0; k < 3; k++) {
		EXPECT_EQ(0, c[k].status);
		EXPECT_EQ(1, c[k].engine);
		sum += c[k].run_ns;
	}
	ASSERT_EQ(0, fdinfo_read(self->fd, &after));
	delta = after.busy_ns[1] - before.busy_ns[1];
	tol = sum / 10 + 2 * NSEC_PER_MSEC;
	EXPECT_LE(2 * cost, delta);
	EXPECT_GE(sum + tol, delta) {
		TH_LOG("busy grew %llu ns, jobs ran %llu ns",
		       (unsigned long long)delta, (unsigned long long)sum);
	}
	EXPECT_LE(sum, delta + tol) {
		TH_LOG("busy grew %llu ns, jobs ran %llu ns",
		       (unsigned long long)delta, (unsigned long long)sum);
	}
	EXPECT_EQ(0, after.busy_ns[0]);
	/* Per client: the other client has no busy time. */
	ASSERT_EQ(0, fdinfo_read(fd2, &other));
	EXPECT_EQ(0, other.busy_ns[0]);
	EXPECT_EQ(0, other.busy_ns[1]);
	EXPECT_NE(other.client_id, after.client_id);
	close(fd2);
}

TEST_F(fdinfo, counters)
{
	struct accelq_job bad = mkjob(0, 9, 2);
	struct accelq_completion c[3];
	struct fdinfo fi;
	__u32 q1, q2;
	__u64 s;
	int k;

	ASSERT_EQ(0, fdinfo_read(self->fd, &fi));
	ASSERT_TRUE(fi.have_tenant_name);
	ASSERT_TRUE(fi.have_queues);
	ASSERT_TRUE(fi.have_submitted);
	ASSERT_TRUE(fi.have_completed);
	EXPECT_EQ(0, fi.queues);
	EXPECT_EQ(0, fi.submitted);
	EXPECT_EQ(0, fi.completed);

	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q1, NULL));
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q2, NULL));
	for (k = 0; k < 3; k++) {
		ASSERT_EQ(0, aq_submit1(self->fd, q1, 0, k, 0, &s));
	}
	/* Rejected jobs are not submitted ones. */
	EXPECT_EQ(-EINVAL, aq_submit(self->fd, q1, &bad, 1, NULL, NULL));
	ASSERT_EQ(0, aq_wait(self->fd, q1, s, -1));
	ASSERT_EQ(0, fdinfo_read(self->fd, &fi));
	EXPECT_EQ(2, fi.queues);
	EXPECT_EQ(3, fi.submitted);
	EXPECT_EQ(3, fi.completed);	/* completed, not yet read */
	ASSERT_EQ(3, read_nb(self->fd, c, 3));
	ASSERT_EQ(0, aq_qdestroy(self->fd, q2));
	ASSERT_EQ(0, fdinfo_read(self->fd, &fi));
	EXPECT_EQ(1, fi.queues);
	EXPECT_EQ(3, fi.completed);
}

TEST_F(fdinfo, dup_same_client)
{
	struct fdinfo a, b;
	int d = dup(self->fd);

	ASSERT_LE(0, d);
	ASSERT_EQ(0, fdinfo_read(self->fd, &a));
	ASSERT_EQ(0, fdinfo_read(d, &b));
	EXPECT_EQ(a.client_id, b.client_id);
	close(d);
}

/* ================================================================== */
/* Hang detection                                                      */

FIXTURE(hang) {
	int fd;
	struct accelq_info info;
	unsigned long long saved_timeout_ms, saved_timeslice_us;
	bool saved;
};

FIXTURE_SETUP(hang)
{
	AQ_FIXTURE_SETUP(self);
	ASSERT_EQ(0, aq_param_read("job_timeout_ms", &self->saved_timeout_ms));
	ASSERT_EQ(0, aq_param_read("timeslice_us", &self->saved_timeslice_us));
	self->saved = true;
}

FIXTURE_TEARDOWN(hang)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->saved) {
		aq_param_write("job_timeout_ms", self->saved_timeout_ms);
		aq_param_write("timeslice_us", self->saved_timeslice_us);
	}
}

TEST_F_TIMEOUT(hang, timedout_and_engine_recovers, 60)
{
	const __u64 cost = NSEC_PER_SEC;
	struct accelq_completion c[3];
	struct aq_stats st0, st1;
	struct accelq_info i;
	bool have_stats;
	__u32 q, q2;
	__u64 s;

	have_stats = !aq_stats_wait_idle(&st0, 5000);
	ASSERT_EQ(0, aq_param_write("job_timeout_ms", 100));
	ASSERT_EQ(0, aq_info(self->fd, &i));
	EXPECT_EQ(100 * NSEC_PER_MSEC, i.job_timeout_ns);
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q2, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, cost, 1, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, 10 * NSEC_PER_MSEC, 2, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q2, 10 * NSEC_PER_MSEC, 3, 0, &s));
	ASSERT_EQ(3, read_n(self->fd, c, 3, READ_TIMEOUT_MS));
	/* q's records are in order; q2's may come anywhere after the hang. */
	EXPECT_EQ(1, c[0].user_data);
	EXPECT_EQ(-ETIMEDOUT, c[0].status);
	EXPECT_LE(90 * NSEC_PER_MSEC, c[0].run_ns);
	EXPECT_GT(cost, c[0].run_ns);
	EXPECT_EQ(0, c[1].status);
	EXPECT_EQ(0, c[2].status);
	EXPECT_EQ(5, c[1].user_data + c[2].user_data);
	/* The engine keeps working. */
	ASSERT_EQ(0, aq_submit1(self->fd, q2, 0, 4, 0, NULL));
	ASSERT_EQ(1, read_n(self->fd, c, 1, READ_TIMEOUT_MS));
	EXPECT_EQ(0, c[0].status);
	if (have_stats) {
		ASSERT_EQ(0, aq_stats_wait_idle(&st1, 5000));
		EXPECT_EQ(1, st1.v[ST_TIMEDOUT] - st0.v[ST_TIMEDOUT]);
		EXPECT_EQ(3, st1.v[ST_OK] - st0.v[ST_OK]);
	}
}

TEST_F_TIMEOUT(hang, preemptible_not_hung, 60)
{
	const __u64 cost = NSEC_PER_SEC;
	struct accelq_completion c;
	__u32 q;

	ASSERT_EQ(0, aq_param_write("job_timeout_ms", 100));
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, cost, 1, ACCELQ_JOB_PREEMPTIBLE,
				NULL));
	ASSERT_EQ(1, read_n(self->fd, &c, 1, READ_TIMEOUT_MS));
	EXPECT_EQ(0, c.status);
	EXPECT_LE(cost, c.run_ns);
}

TEST_F_TIMEOUT(hang, below_timeout_ok, 60)
{
	struct accelq_completion c;
	__u32 q;

	ASSERT_EQ(0, aq_param_write("job_timeout_ms", 1000));
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, 100 * NSEC_PER_MSEC, 1, 0, NULL));
	ASSERT_EQ(1, read_n(self->fd, &c, 1, READ_TIMEOUT_MS));
	EXPECT_EQ(0, c.status);
}

TEST_F_TIMEOUT(hang, other_engine_unaffected, 60)
{
	struct accelq_completion c[2];
	__u32 q0, q1;
	int k;

	if (self->info.nr_engines < 2)
		SKIP(return, "needs 2 engines");
	ASSERT_EQ(0, aq_param_write("job_timeout_ms", 200));
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q0, NULL));
	ASSERT_EQ(0, aq_qcreate(self->fd, 1, ACCELQ_CLASS_BATCH, 4, &q1, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q0, NSEC_PER_SEC, 0, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q1, 100 * NSEC_PER_MSEC, 1,
				ACCELQ_JOB_PREEMPTIBLE, NULL));
	ASSERT_EQ(2, read_n(self->fd, c, 2, READ_TIMEOUT_MS));
	for (k = 0; k < 2; k++) {
		EXPECT_EQ(c[k].user_data ? 0 : -ETIMEDOUT, c[k].status);
	}
}

TEST_F_TIMEOUT(hang, admin_reset_eio, 60)
{
	struct accelq_completion c[3];
	struct aq_stats st0, st1;
	__u32 q, q1;
	int k;

	REQUIRE_STATS();
	ASSERT_EQ(0, aq_stats_wait_idle(&st0, 5000));
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, LONG_NS, 1, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, 10 * NSEC_PER_MSEC, 2, 0, NULL));
	if (self->info.nr_engines > 1) {
		ASSERT_EQ(0, aq_qcreate(self->fd, 1, ACCELQ_CLASS_BATCH, 4, &q1,
					NULL));
		ASSERT_EQ(0, aq_submit1(self->fd, q1, 300 * NSEC_PER_MSEC, 3, 0,
					NULL));
	}
	aq_sleep_ms(50);
	/* Administrative reset of engine 0: its running job gets -EIO. */
	ASSERT_EQ(0, write_str(AQ_DEBUGFS "/reset_engine", "0\n", 0));
	ASSERT_EQ(1, read_n(self->fd, c, 1, 2000));
	EXPECT_EQ(1, c[0].user_data);
	EXPECT_EQ(-EIO, c[0].status);
	EXPECT_EQ(0, c[0].engine);
	EXPECT_GT(LONG_NS, c[0].run_ns);
	/* Queued jobs were not on the engine: they run afterwards. */
	k = self->info.nr_engines > 1 ? 2 : 1;
	ASSERT_EQ(k, read_n(self->fd, c, k, READ_TIMEOUT_MS));
	for (k = 0; k < (self->info.nr_engines > 1 ? 2 : 1); k++) {
		EXPECT_EQ(0, c[k].status) {
			TH_LOG("job %llu", (unsigned long long)c[k].user_data);
		}
	}
	/* Invalid engine ids are refused. */
	EXPECT_NE(0, write_str(AQ_DEBUGFS "/reset_engine", "64\n", 0));
	ASSERT_EQ(0, aq_stats_wait_idle(&st1, 5000));
	EXPECT_EQ(1, st1.v[ST_IO] - st0.v[ST_IO]);
}

/* ================================================================== */
/* debugfs statistics                                                  */

FIXTURE(stats) {
	int fd;
	struct accelq_info info;
};

FIXTURE_SETUP(stats)
{
	AQ_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(stats)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(stats, keys)
{
	struct aq_stats st;

	REQUIRE_STATS();
	ASSERT_EQ(0, aq_stats_read(&st));
}

TEST_F(stats, deltas)
{
	struct aq_stats a, b;
	struct accelq_completion c[3];
	__u32 q;
	__u64 s;
	int k;

	REQUIRE_STATS();
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	ASSERT_EQ(0, aq_stats_wait_idle(&a, 5000));
	for (k = 0; k < 3; k++) {
		ASSERT_EQ(0, aq_submit1(self->fd, q, 0, k, 0, &s));
	}
	ASSERT_EQ(0, aq_wait(self->fd, q, s, -1));
	ASSERT_EQ(0, aq_stats_wait_idle(&b, 5000));
	EXPECT_EQ(3, b.v[ST_ACCEPTED] - a.v[ST_ACCEPTED]);
	EXPECT_EQ(3, b.v[ST_COMPLETED] - a.v[ST_COMPLETED]);
	EXPECT_EQ(3, b.v[ST_OK] - a.v[ST_OK]);
	EXPECT_EQ(0, b.v[ST_READ] - a.v[ST_READ]);
	ASSERT_EQ(3, read_nb(self->fd, c, 3));
	ASSERT_EQ(0, aq_stats_read(&b));
	EXPECT_EQ(3, b.v[ST_READ] - a.v[ST_READ]);
	EXPECT_EQ(0, b.v[ST_DISCARDED] - a.v[ST_DISCARDED]);
}

TEST_F(stats, inflight_counted)
{
	struct aq_stats a, b;
	__u32 q;

	REQUIRE_STATS();
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	ASSERT_EQ(0, aq_stats_wait_idle(&a, 5000));
	ASSERT_EQ(0, aq_submit1(self->fd, q, LONG_NS, 1, 0, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, 0, 2, 0, NULL));
	ASSERT_EQ(0, aq_stats_read(&b));
	EXPECT_EQ(2, b.v[ST_INFLIGHT]);
	EXPECT_EQ(b.v[ST_ACCEPTED], b.v[ST_COMPLETED] + b.v[ST_INFLIGHT]);
	ASSERT_EQ(0, aq_qdestroy(self->fd, q));
	ASSERT_EQ(0, aq_stats_read(&b));
	EXPECT_EQ(0, b.v[ST_INFLIGHT]);
	EXPECT_EQ(2, b.v[ST_CANCELED] - a.v[ST_CANCELED]);
	EXPECT_EQ(2, b.v[ST_COMPLETED] - a.v[ST_COMPLETED]);
}

TEST_F(stats, invariants_when_idle)
{
	struct aq_stats st;

	REQUIRE_STATS();
	/* Only our (empty) client is open: everything is read or discarded. */
	ASSERT_EQ(0, aq_stats_wait_idle(&st, 10000));
	EXPECT_EQ(0, st.v[ST_INFLIGHT]);
	EXPECT_EQ(st.v[ST_ACCEPTED], st.v[ST_COMPLETED] + st.v[ST_INFLIGHT]);
	EXPECT_EQ(st.v[ST_COMPLETED], st.v[ST_READ] + st.v[ST_DISCARDED]);
	EXPECT_EQ(st.v[ST_COMPLETED], st.v[ST_OK] + st.v[ST_CANCELED] +
				      st.v[ST_TIMEDOUT] + st.v[ST_IO]);
}

TEST_F(stats, dumps_readable)
{
	static const char *const files[] = { "engines", "clients", "queues" };
	char path[256];
	unsigned int k;
	__u32 q;

	REQUIRE_STATS();
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	for (k = 0; k < ARRAY_SIZE(files); k++) {
		size_t len = 0;
		char *s;

		snprintf(path, sizeof(path), AQ_DEBUGFS "/%s", files[k]);
		s = slurp(path, &len);
		ASSERT_NE(NULL, s) {
			TH_LOG("%s: %s", path, strerror(errno));
		}
		EXPECT_LT(0, len) {
			TH_LOG("%s is empty", path);
		}
		if (!strcmp(files[k], "engines") || !strcmp(files[k], "queues")) {
			EXPECT_NE(NULL, strstr(s, "sim0")) {
				TH_LOG("%s does not mention sim0", path);
			}
		}
		free(s);
	}
}

/* ================================================================== */
/* Tracepoints                                                         */

FIXTURE(trace) {
	int fd;
	struct accelq_info info;
	const char *dir;
};

FIXTURE_SETUP(trace)
{
	AQ_FIXTURE_SETUP(self);
	self->dir = tracefs_dir();
}

FIXTURE_TEARDOWN(trace)
{
	char path[256];

	if (self->fd >= 0)
		close(self->fd);
	if (self->dir) {
		snprintf(path, sizeof(path),
			 "%s/events/accelq/accelq_job_end/enable", self->dir);
		write_str(path, "0", 0);
		snprintf(path, sizeof(path),
			 "%s/events/accelq/accelq_job_preempt/enable",
			 self->dir);
		write_str(path, "0", 0);
	}
}

/* Does @line contain "key=value" with exactly this numeric value? */
static bool has_kv(const char *line, const char *key, unsigned long long val)
{
	size_t kl = strlen(key);
	const char *p = line;

	while ((p = strstr(p, key))) {
		bool start = p == line || !(isalnum((unsigned char)p[-1]) ||
					    p[-1] == '_');

		if (start && p[kl] == '=') {
			char *end;
			unsigned long long v = strtoull(p + kl + 1, &end, 0);

			if (end != p + kl + 1 && v == val &&
			    !isalnum((unsigned char)*end))
				return true;
		}
		p += kl;
	}
	return false;
}

TEST_F(trace, events_and_fields)
{
	static const char *const events[] = {
		"accelq_job_submit", "accelq_job_start", "accelq_job_end",
		"accelq_job_preempt",
	};
	static const char *const common[] = { "tenant", "queue", "engine",
					      "seqno" };
	static const char *const end_only[] = { "status", "wait_ns", "run_ns" };
	unsigned int k, f;
	char path[256], needle[64];

	if (!self->dir)
		SKIP(return, "tracefs not mounted");
	for (k = 0; k < ARRAY_SIZE(events); k++) {
		char *fmt;

		snprintf(path, sizeof(path), "%s/events/accelq/%s/format",
			 self->dir, events[k]);
		fmt = slurp(path, NULL);
		ASSERT_NE(NULL, fmt) {
			TH_LOG("%s missing", path);
		}
		for (f = 0; f < ARRAY_SIZE(common); f++) {
			snprintf(needle, sizeof(needle), " %s;", common[f]);
			EXPECT_NE(NULL, strstr(fmt, needle)) {
				TH_LOG("%s: no field %s", events[k], common[f]);
			}
		}
		if (!strcmp(events[k], "accelq_job_end")) {
			for (f = 0; f < ARRAY_SIZE(end_only); f++) {
				snprintf(needle, sizeof(needle), " %s;",
					 end_only[f]);
				EXPECT_NE(NULL, strstr(fmt, needle)) {
					TH_LOG("%s: no field %s", events[k],
					       end_only[f]);
				}
			}
		}
		free(fmt);
	}
}

TEST_F(trace, job_end_lines)
{
	struct accelq_completion c[3];
	char path[256], *buf, *line, *save = NULL;
	int k, found[3] = { 0 };
	__u32 q;
	__u64 s;

	if (!self->dir)
		SKIP(return, "tracefs not mounted");
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	snprintf(path, sizeof(path), "%s/tracing_on", self->dir);
	ASSERT_EQ(0, write_str(path, "1", 0));
	snprintf(path, sizeof(path), "%s/trace", self->dir);
	ASSERT_EQ(0, write_str(path, "", O_TRUNC));
	snprintf(path, sizeof(path), "%s/events/accelq/accelq_job_end/enable",
		 self->dir);
	ASSERT_EQ(0, write_str(path, "1", 0));
	for (k = 0; k < 3; k++) {
		ASSERT_EQ(0, aq_submit1(self->fd, q, k * NSEC_PER_MSEC, k, 0,
					&s));
	}
	ASSERT_EQ(3, read_n(self->fd, c, 3, READ_TIMEOUT_MS));
	ASSERT_EQ(0, write_str(path, "0", 0));

	snprintf(path, sizeof(path), "%s/trace", self->dir);
	buf = slurp(path, NULL);
	ASSERT_NE(NULL, buf);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !strstr(line, "accelq_job_end:"))
			continue;
		if (!has_kv(line, "queue", q))
			continue;
		for (k = 0; k < 3; k++)
			if (has_kv(line, "seqno", k + 1))
				found[k]++;
	}
	for (k = 0; k < 3; k++) {
		EXPECT_EQ(1, found[k]) {
			TH_LOG("seqno %d: %d accelq_job_end line(s) with queue=%u",
			       k + 1, found[k], q);
		}
	}
	free(buf);
}

TEST_F(trace, job_preempt_line)
{
	struct accelq_completion c[2];
	char path[256], *buf, *line, *save = NULL;
	int found = 0;
	__u32 qb;

	if (!self->dir)
		SKIP(return, "tracefs not mounted");
	snprintf(path, sizeof(path), "%s/trace", self->dir);
	ASSERT_EQ(0, write_str(path, "", O_TRUNC));
	snprintf(path, sizeof(path),
		 "%s/events/accelq/accelq_job_preempt/enable", self->dir);
	ASSERT_EQ(0, write_str(path, "1", 0));
	latency_vs_batch(_metadata, self->fd, ACCELQ_JOB_PREEMPTIBLE, c, &qb,
			 NULL);
	EXPECT_EQ(0, write_str(path, "0", 0));

	snprintf(path, sizeof(path), "%s/trace", self->dir);
	buf = slurp(path, NULL);
	ASSERT_NE(NULL, buf);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '#' && strstr(line, "accelq_job_preempt:") &&
		    has_kv(line, "queue", qb) && has_kv(line, "seqno", 1))
			found++;
	}
	EXPECT_LE(1, found);
	free(buf);
}

/* ================================================================== */
/* close() and process death with jobs in flight                       */

/* ================================================================== */
/* max_user_jobs: one user's unread jobs over all its files            */

#define USER_LIMIT_PARAM	"/sys/module/accelq/parameters/max_user_jobs"

static int aq_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}
#define USER_LIMIT		12
#define NOBODY			65534

FIXTURE(user_limit) {
	char saved[32];
	bool have_param;
};

FIXTURE_SETUP(user_limit)
{
	FILE *f = fopen(USER_LIMIT_PARAM, "re");

	self->have_param = f && fgets(self->saved, sizeof(self->saved), f);
	if (f)
		fclose(f);
	if (!self->have_param)
		SKIP(return, "no %s", USER_LIMIT_PARAM);
	if (geteuid() != 0)
		SKIP(return, "needs root to set max_user_jobs and to setuid");
	ASSERT_EQ(0, aq_write_file(USER_LIMIT_PARAM, "12"));
}

FIXTURE_TEARDOWN(user_limit)
{
	if (self->have_param && geteuid() == 0)
		aq_write_file(USER_LIMIT_PARAM, self->saved);
}

/* Submit up to @n zero-cost jobs; the number accepted or -errno. */
static int submit_zero(int fd, __u32 q, __u32 n)
{
	struct accelq_job jobs[USER_LIMIT * 2] = { 0 };
	__u32 acc = 0;
	int ret;

	ret = aq_submit(fd, q, jobs, n, &acc, NULL);
	return ret ? ret : (int)acc;
}

/*
 * As uid 65534 (no CAP_SYS_RESOURCE): three files share the user's 12
 * unread jobs; exit status = the first step that went wrong.
 */
static int user_limit_child(void)
{
	struct accelq_completion c[USER_LIMIT];
	int fd[3], k;
	__u32 q[3];

	if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
		return 10;
	for (k = 0; k < 3; k++) {
		fd[k] = aq_open();
		if (fd[k] < 0 || aq_qcreate(fd[k], 0, ACCELQ_CLASS_BATCH, 16,
					    &q[k], NULL))
			return 11;
	}
	if (submit_zero(fd[0], q[0], 5) != 5 || submit_zero(fd[1], q[1], 5) != 5)
		return 12;
	/* N: 2 of 5 fit, the rest of the batch is not accepted */
	if (submit_zero(fd[2], q[2], 5) != 2)
		return 13;
	/* N+1, on every file */
	for (k = 0; k < 3; k++)
		if (submit_zero(fd[k], q[k], 1) != -ENOBUFS)
			return 14;
	/* Reading records on one file makes room on another. */
	if (read_n(fd[0], c, 3, READ_TIMEOUT_MS) != 3)
		return 15;
	if (submit_zero(fd[2], q[2], 5) != 3 ||
	    submit_zero(fd[1], q[1], 1) != -ENOBUFS)
		return 16;
	/* Closing a file gives back its unread records. */
	close(fd[1]);
	if (submit_zero(fd[2], q[2], 10) != 5)
		return 17;
	/* Reading everything gives back everything. */
	if (read_n(fd[0], c, 2, READ_TIMEOUT_MS) != 2 ||
	    read_n(fd[2], c, 10, READ_TIMEOUT_MS) != 10)
		return 18;
	if (submit_zero(fd[2], q[2], USER_LIMIT) != USER_LIMIT ||
	    submit_zero(fd[0], q[0], 1) != -ENOBUFS)
		return 19;
	return 0;
}

static int run_as_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

/* A new process of the same user after the others closed: all 12 again. */
static int user_limit_fresh_child(void)
{
	int fd;
	__u32 q;

	if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
		return 10;
	fd = aq_open();
	if (fd < 0 || aq_qcreate(fd, 0, ACCELQ_CLASS_BATCH, 16, &q, NULL))
		return 11;
	if (submit_zero(fd, q, USER_LIMIT) != USER_LIMIT ||
	    submit_zero(fd, q, 1) != -ENOBUFS)
		return 12;
	return 0;
}

TEST_F(user_limit, shared_by_files_of_one_user)
{
	EXPECT_EQ(0, run_as_child(user_limit_child));
	EXPECT_EQ(0, run_as_child(user_limit_fresh_child));
}

/* Root (CAP_SYS_RESOURCE) is exempt: only max_client_jobs applies. */
TEST_F(user_limit, cap_sys_resource_exempt)
{
	int fd = aq_open();
	__u32 q;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, aq_qcreate(fd, 0, ACCELQ_CLASS_BATCH, 16, &q, NULL));
	EXPECT_EQ(USER_LIMIT, submit_zero(fd, q, USER_LIMIT));
	EXPECT_EQ(USER_LIMIT, submit_zero(fd, q, USER_LIMIT));
	close(fd);
}

FIXTURE(close) {
	int fd;
	struct accelq_info info;
};

FIXTURE_SETUP(close)
{
	AQ_FIXTURE_SETUP(self);
}

FIXTURE_TEARDOWN(close)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(close, inflight_prompt)
{
	struct aq_stats a, b;
	bool have_stats;
	uint64_t t0, dt;
	__u32 q, n = 0;

	have_stats = !aq_stats_wait_idle(&a, 5000);
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	ASSERT_EQ(0, aq_submit1(self->fd, q, 5 * NSEC_PER_SEC, 1,
				ACCELQ_JOB_PREEMPTIBLE, NULL));
	n++;
	ASSERT_EQ(0, aq_submit1(self->fd, q, 0, 2, 0, NULL));
	n++;
	aq_sleep_ms(20);
	t0 = aq_now_ns();
	EXPECT_EQ(0, close(self->fd));
	dt = aq_now_ns() - t0;
	self->fd = -1;
	EXPECT_GT(PROMPT_NS, dt) {
		TH_LOG("close took %" PRIu64 " ms", (uint64_t)(dt / NSEC_PER_MSEC));
	}
	if (have_stats) {
		ASSERT_EQ(0, aq_stats_wait_idle(&b, 2000));
		EXPECT_EQ(n, b.v[ST_ACCEPTED] - a.v[ST_ACCEPTED]);
		EXPECT_EQ(n, b.v[ST_COMPLETED] - a.v[ST_COMPLETED]);
		EXPECT_EQ(n, b.v[ST_DISCARDED] - a.v[ST_DISCARDED]);
		EXPECT_EQ(n, b.v[ST_CANCELED] - a.v[ST_CANCELED]);
		EXPECT_EQ(0, b.v[ST_READ] - a.v[ST_READ]);
	}
}

TEST_F(close, unread_discarded)
{
	struct aq_stats a, b;
	__u32 q;
	__u64 s;
	int k;

	REQUIRE_STATS();
	ASSERT_EQ(0, aq_stats_wait_idle(&a, 5000));
	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	for (k = 0; k < 3; k++) {
		ASSERT_EQ(0, aq_submit1(self->fd, q, 0, k, 0, &s));
	}
	ASSERT_EQ(0, aq_wait(self->fd, q, s, -1));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, aq_stats_wait_idle(&b, 2000));
	EXPECT_EQ(3, b.v[ST_DISCARDED] - a.v[ST_DISCARDED]);
	EXPECT_EQ(3, b.v[ST_OK] - a.v[ST_OK]);
	EXPECT_EQ(0, b.v[ST_READ] - a.v[ST_READ]);
}

TEST_F(close, sigkill_inflight)
{
	struct aq_stats a, b;
	bool have_stats;
	uint64_t t0, dt;
	int pfd[2], status;
	__u32 n = 0;
	pid_t pid;

	have_stats = !aq_stats_wait_idle(&a, 5000);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = aq_open();
		__u32 q, cnt = 0;

		if (fd >= 0 &&
		    !aq_qcreate(fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL)) {
			if (!aq_submit1(fd, q, 5 * NSEC_PER_SEC, 1, 0, NULL))
				cnt++;
			if (!aq_submit1(fd, q, 0, 2, 0, NULL))
				cnt++;
			if (!aq_submit1(fd, q, NSEC_PER_SEC, 3,
					ACCELQ_JOB_PREEMPTIBLE, NULL))
				cnt++;
		}
		if (write(pfd[1], &cnt, sizeof(cnt)) != sizeof(cnt))
			_exit(1);
		/* Block in the driver when the kill comes. */
		if (fd >= 0) {
			struct accelq_completion c;

			if (read(fd, &c, sizeof(c)) < 0)
				_exit(2);
		}
		pause();
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(sizeof(n), read(pfd[0], &n, sizeof(n)));
	close(pfd[0]);
	ASSERT_EQ(3, n);
	aq_sleep_ms(50);
	t0 = aq_now_ns();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	dt = aq_now_ns() - t0;
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_GT(PROMPT_NS, dt) {
		TH_LOG("dying took %" PRIu64 " ms", (uint64_t)(dt / NSEC_PER_MSEC));
	}
	if (have_stats) {
		ASSERT_EQ(0, aq_stats_wait_idle(&b, 2000));
		EXPECT_EQ(n, b.v[ST_ACCEPTED] - a.v[ST_ACCEPTED]);
		EXPECT_EQ(n, b.v[ST_DISCARDED] - a.v[ST_DISCARDED]);
		EXPECT_EQ(n, b.v[ST_CANCELED] - a.v[ST_CANCELED]);
		EXPECT_EQ(0, b.v[ST_INFLIGHT]);
	}
}

TEST_F(close, dup_keeps_client)
{
	struct accelq_completion c;
	__u32 q;
	__u64 s;
	int d;

	ASSERT_EQ(0, aq_qcreate(self->fd, 0, ACCELQ_CLASS_BATCH, 4, &q, NULL));
	d = dup(self->fd);
	ASSERT_LE(0, d);
	ASSERT_EQ(0, aq_submit1(self->fd, q, 20 * NSEC_PER_MSEC, 1, 0, &s));
	close(self->fd);
	self->fd = d;
	/* The file lives on through the dup: queue and job are intact. */
	EXPECT_EQ(0, aq_wait(d, q, s, 5 * NSEC_PER_SEC));
	ASSERT_EQ(1, read_n(d, &c, 1, READ_TIMEOUT_MS));
	EXPECT_EQ(0, c.status);
}

/* ================================================================== */
/* main: the 6.1 harness has no test selection, so add a small one.    */

struct sel {
	const char **v;
	int n;
};

static bool sel_match(const struct sel *f, const struct sel *t,
		      const struct sel *r, const char *fix, const char *test)
{
	char full[256];
	int k;

	if (!f->n && !t->n && !r->n)
		return true;
	snprintf(full, sizeof(full), "%s.%s", fix, test);
	for (k = 0; k < f->n; k++)
		if (!strcmp(f->v[k], fix))
			return true;
	for (k = 0; k < t->n; k++)
		if (!strcmp(t->v[k], test))
			return true;
	for (k = 0; k < r->n; k++)
		if (!strcmp(r->v[k], full))
			return true;
	return false;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-l] [-f FIXTURE] [-t TEST] [-r FIXTURE.TEST] ...\n"
		"  env ACCELQ_PARAMS=\"name=value ...\": module parameters in use\n",
		argv0);
}

int main(int argc, char **argv)
{
	struct sel f = { calloc(argc, sizeof(char *)), 0 };
	struct sel t = { calloc(argc, sizeof(char *)), 0 };
	struct sel r = { calloc(argc, sizeof(char *)), 0 };
	struct __fixture_metadata *fx, *fnext;
	struct __test_metadata *tt, *tnext;
	bool list = false;
	int opt;

	while ((opt = getopt(argc, argv, "lf:t:r:h")) != -1) {
		switch (opt) {
		case 'l':
			list = true;
			break;
		case 'f':
			f.v[f.n++] = optarg;
			break;
		case 't':
			t.v[t.n++] = optarg;
			break;
		case 'r':
			r.v[r.n++] = optarg;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}

	/* Drop unselected tests and emptied fixtures from the lists. */
	for (fx = __fixture_list; fx; fx = fnext) {
		fnext = fx->next;
		for (tt = fx->tests; tt; tt = tnext) {
			tnext = tt->next;
			if (sel_match(&f, &t, &r, fx->name, tt->name))
				continue;
			/* unlink tt: prev of head points to the tail */
			if (tt == fx->tests) {
				fx->tests = tt->next;
				if (fx->tests)
					fx->tests->prev = tt->prev;
			} else {
				tt->prev->next = tt->next;
				if (tt->next)
					tt->next->prev = tt->prev;
				else
					fx->tests->prev = tt->prev;
			}
		}
		if (list) {
			for (tt = fx->tests; tt; tt = tt->next)
				printf("%s.%s\n", fx->name, tt->name);
		}
	}
	if (list)
		return 0;
	return test_harness_run(argc, argv);
}
