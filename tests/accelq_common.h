/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq test helpers shared by accelq_test and ledger: thin ioctl wrappers
 * returning 0 / -errno, module parameter and debugfs stats access.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQ_COMMON_H
#define ACCELQ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/accelq.h>

#define AQ_DEV		"/dev/accelq"
#define AQ_PARAM_DIR	"/sys/module/accelq/parameters/"
#define AQ_DEBUGFS	"/sys/kernel/debug/accelq"
#define AQ_STATS	AQ_DEBUGFS "/stats"

#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

#define AQ_REC_SIZE	((size_t)sizeof(struct accelq_completion))
#define AQ_JOB_V1_SIZE	24u

static inline uint64_t aq_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline void aq_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline int aq_open(void)
{
	return open(AQ_DEV, O_RDWR | O_CLOEXEC);
}

static inline int aq_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Same ioctl, the argument size changed to @size (ABI growth tests). */
static inline unsigned long aq_cmd_sized(unsigned long cmd, size_t size)
{
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);
}

/* GET_INFO; @info is poisoned first, inputs (flags, pad) zeroed. */
static inline int aq_info(int fd, struct accelq_info *info)
{
	memset(info, 0xcc, sizeof(*info));
	info->flags = 0;
	info->pad = 0;
	return aq_ioctl(fd, ACCELQ_IOCTL_GET_INFO, info);
}

static inline int aq_qcreate(int fd, __u32 engine, __u32 class, __u32 depth,
			     __u32 *qid, __u32 *engine_out)
{
	struct accelq_queue_create qc;
	int ret;

	memset(&qc, 0xcc, sizeof(qc));
	qc.flags = 0;
	qc.engine = engine;
	qc.class = class;
	qc.depth = depth;
	ret = aq_ioctl(fd, ACCELQ_IOCTL_QUEUE_CREATE, &qc);
	if (!ret) {
		if (qid)
			*qid = qc.queue_id;
		if (engine_out)
			*engine_out = qc.engine_out;
	}
	return ret;
}

static inline int aq_qdestroy(int fd, __u32 qid)
{
	struct accelq_queue_destroy qd = { .queue_id = qid, .flags = 0 };

	return aq_ioctl(fd, ACCELQ_IOCTL_QUEUE_DESTROY, &qd);
}

static inline void aq_submit_init(struct accelq_submit *s, __u32 qid,
				  const void *jobs, __u32 count,
				  __u32 job_size)
{
	memset(s, 0xcc, sizeof(*s));
	s->queue_id = qid;
	s->flags = 0;
	s->count = count;
	s->job_size = job_size;
	s->jobs_ptr = (uintptr_t)jobs;
	s->pad = 0;
}

/* SUBMIT; @accepted / @first get the (poisoned-first) outputs on success. */
static inline int aq_submit_sz(int fd, __u32 qid, const void *jobs,
			       __u32 count, __u32 job_size, __u32 *accepted,
			       __u64 *first)
{
	struct accelq_submit s;
	int ret;

	aq_submit_init(&s, qid, jobs, count, job_size);
	ret = aq_ioctl(fd, ACCELQ_IOCTL_SUBMIT, &s);
	if (!ret) {
		if (accepted)
			*accepted = s.accepted;
		if (first)
			*first = s.first_seqno;
	}
	return ret;
}

static inline int aq_submit(int fd, __u32 qid, const struct accelq_job *jobs,
			    __u32 count, __u32 *accepted, __u64 *first)
{
	return aq_submit_sz(fd, qid, jobs, count, sizeof(*jobs), accepted,
			    first);
}

/* Submit one job; 0 and *seqno on success. -EPROTO if not accepted. */
static inline int aq_submit1(int fd, __u32 qid, __u64 cost, __u64 ud,
			     __u32 flags, __u64 *seqno)
{
	struct accelq_job j = {
		.cost_ns = cost, .user_data = ud, .flags = flags, .pad = 0,
	};
	__u32 acc = 0;
	__u64 first = 0;
	int ret;

	ret = aq_submit(fd, qid, &j, 1, &acc, &first);
	if (ret)
		return ret;
	if (acc != 1)
		return -EPROTO;
	if (seqno)
		*seqno = first;
	return 0;
}

static inline int aq_wait(int fd, __u32 qid, __u64 seqno, __s64 timeout_ns)
{
	struct accelq_wait w = {
		.queue_id = qid, .flags = 0, .seqno = seqno,
		.timeout_ns = timeout_ns,
	};

	return aq_ioctl(fd, ACCELQ_IOCTL_WAIT, &w);
}

/*
 * read() up to @n records: number of records, or -errno. A byte count that
 * is not a whole number of records gives -EPROTO.
 */
static inline long aq_read(int fd, struct accelq_completion *c, size_t n)
{
	ssize_t r = read(fd, c, n * AQ_REC_SIZE);

	if (r < 0)
		return -errno;
	if ((size_t)r % AQ_REC_SIZE)
		return -EPROTO;
	return (long)((size_t)r / AQ_REC_SIZE);
}

/* Module parameters in sysfs. */
static inline int aq_param_read(const char *name, unsigned long long *val)
{
	char path[256], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), AQ_PARAM_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*val = strtoull(buf, NULL, 0);
	return 0;
}

static inline int aq_param_write(const char *name, unsigned long long val)
{
	char path[256], buf[64];
	int fd, len, ret = 0;
	ssize_t w;

	snprintf(path, sizeof(path), AQ_PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%llu\n", val);
	w = write(fd, buf, len);
	if (w < 0)
		ret = -errno;
	else if (w != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/* debugfs /sys/kernel/debug/accelq/stats */
enum {
	ST_ACCEPTED,
	ST_COMPLETED,
	ST_READ,
	ST_DISCARDED,
	ST_INFLIGHT,
	ST_OK,
	ST_CANCELED,
	ST_TIMEDOUT,
	ST_IO,
	ST_NR
};

static const char *const aq_stat_names[ST_NR] = {
	[ST_ACCEPTED]	= "jobs_accepted",
	[ST_COMPLETED]	= "jobs_completed",
	[ST_READ]	= "completions_read",
	[ST_DISCARDED]	= "completions_discarded",
	[ST_INFLIGHT]	= "jobs_inflight",
	[ST_OK]		= "status_ok",
	[ST_CANCELED]	= "status_canceled",
	[ST_TIMEDOUT]	= "status_timedout",
	[ST_IO]		= "status_io",
};

struct aq_stats {
	unsigned long long v[ST_NR];
};

/* 0, -ENOENT/-EACCES when unreadable, -EPROTO when a key is missing. */
static inline int aq_stats_read(struct aq_stats *st)
{
	char line[256], key[128];
	unsigned long long val;
	unsigned int seen = 0;
	FILE *f;
	int i;

	f = fopen(AQ_STATS, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %llu", key, &val) != 2)
			continue;
		for (i = 0; i < ST_NR; i++) {
			if (!strcmp(key, aq_stat_names[i])) {
				st->v[i] = val;
				seen |= 1u << i;
			}
		}
	}
	fclose(f);
	return seen == (1u << ST_NR) - 1 ? 0 : -EPROTO;
}

/* Wait until no job is in flight; 0, or -ETIMEDOUT / read error. */
static inline int aq_stats_wait_idle(struct aq_stats *st, unsigned int ms)
{
	uint64_t end = aq_now_ns() + ms * NSEC_PER_MSEC;
	int ret;

	for (;;) {
		ret = aq_stats_read(st);
		if (ret)
			return ret;
		if (st->v[ST_INFLIGHT] == 0)
			return 0;
		if (aq_now_ns() > end)
			return -ETIMEDOUT;
		aq_sleep_ms(5);
	}
}

/* Is debugfs mounted at /sys/kernel/debug (per /proc/mounts)? */
static inline bool aq_debugfs_mounted(void)
{
	char line[512], dev[128], mnt[256], type[64];
	bool found = false;
	FILE *f = fopen("/proc/mounts", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %255s %63s", dev, mnt, type) == 3 &&
		    !strcmp(type, "debugfs") && !strcmp(mnt, "/sys/kernel/debug"))
			found = true;
	}
	fclose(f);
	return found;
}

#endif /* ACCELQ_COMMON_H */
