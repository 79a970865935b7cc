// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl_fuzz - structure-aware fuzzer of /dev/accelq. Runs in the QEMU guest.
 *
 * Several threads pick random operations on a small pool of shared file
 * descriptors: open, close, dup, fork (a child that works on the inherited
 * files and exits or is SIGKILLed), GET_INFO / QUEUE_CREATE / QUEUE_DESTROY /
 * SUBMIT / WAIT with mostly well-formed but randomly perturbed arguments
 * (sizes, flags, pads, ids of other clients' queues, job arrays that run
 * into an unmapped or PROT_NONE page being flipped by another thread),
 * read() with random sizes into partly unmapped buffers, poll, O_NONBLOCK
 * flips, fdinfo reads, ioctl numbers that do not exist, and signals that
 * interrupt blocking reads and waits.
 *
 * Checked while running: every call returns success or an errno the ABI
 * allows for it, outputs are sane (GET_INFO fields, accepted <= count,
 * read() returns whole records with valid statuses). Checked at the end,
 * from the debugfs ledger (deltas over the run; nothing else may use the
 * device meanwhile):
 *   - jobs_accepted moved by exactly what successful SUBMITs reported;
 *   - completions_read moved by exactly the records read() returned;
 *   - nothing is in flight after every file is closed, and
 *     jobs_completed == completions_read + completions_discarded;
 *   - the status counters add up to jobs_completed;
 *   - a fresh client still works (create, submit, wait, read, destroy).
 *
 * Bookkeeping survives SIGKILLed children: their SUBMIT arguments and read
 * buffers live in MAP_SHARED memory, so the kernel's writes are counted even
 * when the child dies before it could count them.
 *
 * With --netlink (root) a thread also churns tenants that match our euid
 * over generic netlink: create / change (limits, caps, classes, bans) /
 * delete (forced or not) / clear bans / reset engines / dumps, so opens get
 * attributed to tenants that come and go, and their limits bite.
 *
 * Usage: ioctl_fuzz [--seed N] [--duration SEC] [--threads N] [--slots N]
 *                   [--hang-rate N] [--netlink] [--no-ledger] [-v]
 * --seed fixes each thread's operation sequence (thread i uses seed+i); the
 * interleaving of threads is up to the scheduler, so use --threads 1 for an
 * exactly reproducible run. Output is TAP; exit 0 if everything passed.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/accelq.h>

#include "../accelq_common.h"
#include "../fault/aq_genl.h"

#define MAX_THREADS	32
#define MAX_SLOTS	32
#define NR_QIDS		64
#define MAX_JOBS	1100		/* > default max_batch (1024) */
#define JOBBUF_BYTES	(MAX_JOBS * 4096UL)
#define NR_CHILD_AREAS	4
#define CHILD_OPS	64
#define CHILD_SUBS	CHILD_OPS
#define CHILD_RECS	(CHILD_OPS * 8)
#define ERR_NR		134

enum { OP_INFO, OP_CREATE, OP_DESTROY, OP_SUBMIT, OP_WAIT, OP_READ, OP_NR };
static const char *const op_names[OP_NR] = {
	"GET_INFO", "QUEUE_CREATE", "QUEUE_DESTROY", "SUBMIT", "WAIT", "read",
};

/* ------------------------------------------------------------ options -- */

static uint64_t opt_seed;
static unsigned int opt_duration = 30;
static unsigned int opt_threads = 6;
static unsigned int opt_slots = 6;
static unsigned int opt_hang_rate;	/* 1 in N submits carries a hanging job; 0 = never */
static bool opt_ledger = true;
static bool opt_netlink;	/* a thread churns tenants matching our euid */
static int opt_verbose;

/* ------------------------------------------------------ shared state -- */

/* One area per forked child: where the kernel's writes are counted from. */
struct child_area {
	atomic_int busy;
	struct accelq_submit subs[CHILD_SUBS];
	struct accelq_completion recs[CHILD_RECS];
};

struct shared {
	atomic_ullong accepted;		/* sum of accepted of successful SUBMITs */
	atomic_ullong records;		/* records returned by read() */
	atomic_ullong ops;
	atomic_ullong bad;		/* unexpected results */
	atomic_ullong submits_ok, submits_partial, reads_ok, creates_ok;
	atomic_ullong efault_submit, efault_read, eintr, forks, kills;
	atomic_ullong nl_ops, nl_ok, nl_by_cmd[ACCELQ_CMD_MAX + 1];
	atomic_ullong errs[OP_NR][ERR_NR];	/* result histogram per operation */
	atomic_uint bad_logged;
	struct child_area child[NR_CHILD_AREAS];
};

static struct shared *sh;

struct slot {
	pthread_rwlock_t lock;	/* read: using fd; write: replacing it */
	int fd;			/* -1 when empty */
};

static struct slot slots[MAX_SLOTS];
static atomic_uint qids[NR_QIDS];	/* recently created queue ids */
static atomic_uint slot_qids[MAX_SLOTS][8];	/* ... of the client in a slot */
static __thread int cur_slot = -1;	/* slot of the fd being used */
static atomic_bool stop;
static struct accelq_info dev_info;
static bool in_child;	/* a forked child: the parent tallies its area */

/* A two-page area whose second page another thread maps and unmaps. */
static char *victim;
static long pagesz;

/* ------------------------------------------------------------ helpers -- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static uint32_t rnd_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

static bool one_in(struct rng *r, uint32_t n)
{
	return rnd_below(r, n) == 0;
}

static void bad(const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&sh->bad, 1);
	if (atomic_fetch_add(&sh->bad_logged, 1) >= 50)
		return;
	va_start(ap, fmt);
	printf("# UNEXPECTED (%s %d, slot %d): ", in_child ? "child" : "pid",
	       getpid(), cur_slot);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

static bool errno_in(int err, const int *allowed, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (err == allowed[i])
			return true;
	return false;
}

static void tally(int op, int err)
{
	if (err <= 0 && -err < ERR_NR)
		atomic_fetch_add(&sh->errs[op][-err], 1);
}

#define CHECK_ERR(what, err, ...) do {					\
	static const int __ok[] = { 0, __VA_ARGS__ };			\
	if (!errno_in((err), __ok, sizeof(__ok) / sizeof(__ok[0])))	\
		bad("%s: errno %d (%s)", (what), -(err), strerror(-(err))); \
} while (0)

static void remember_qid(struct rng *r, uint32_t id)
{
	atomic_store(&qids[rnd_below(r, NR_QIDS)], id);
	if (cur_slot >= 0)
		atomic_store(&slot_qids[cur_slot][rnd_below(r, 8)], id);
}

/* Mostly a queue of the client at hand, else anyone's, else anything. */
static uint32_t pick_qid(struct rng *r)
{
	switch (rnd_below(r, 20)) {
	case 0:
		return (uint32_t)rnd(r);
	case 1:
		return rnd_below(r, 4);
	case 2:
	case 3:
	case 4:
		return atomic_load(&qids[rnd_below(r, NR_QIDS)]);
	default:
		if (cur_slot < 0)
			return atomic_load(&qids[rnd_below(r, NR_QIDS)]);
		for (int k = 0; k < 8; k++) {
			uint32_t id = atomic_load(&slot_qids[cur_slot][rnd_below(r, 8)]);

			if (id)
				return id;
		}
		return 0;
	}
}

/* A new client, non-blocking most of the time. */
static int fuzz_open(struct rng *r)
{
	return open(AQ_DEV, O_RDWR | O_CLOEXEC | (one_in(r, 4) ? 0 : O_NONBLOCK));
}

/* A pointer that is NULL, kernel space, in the flipping victim page, ... */
static uint64_t wild_ptr(struct rng *r, void *good)
{
	switch (rnd_below(r, 5)) {
	case 0:
		return 0;
	case 1:
		return 0xffff888000000000ULL + (rnd(r) & 0xffff0);
	case 2:
		return (uintptr_t)victim + pagesz - 8 * rnd_below(r, 8);
	case 3:
		return (uintptr_t)victim + pagesz;	/* second page */
	default:
		return (uintptr_t)good + 1;		/* misaligned */
	}
}

/* Lock a random non-empty slot for use; -1 if none (nothing locked). */
static int slot_get(struct rng *r, int *idx)
{
	unsigned int tries;

	for (tries = 0; tries < 4; tries++) {
		int i = rnd_below(r, opt_slots);

		pthread_rwlock_rdlock(&slots[i].lock);
		if (slots[i].fd >= 0) {
			*idx = i;
			cur_slot = i;
			return slots[i].fd;
		}
		pthread_rwlock_unlock(&slots[i].lock);
	}
	return -1;
}

static void slot_put(int idx)
{
	cur_slot = -1;
	pthread_rwlock_unlock(&slots[idx].lock);
}

/* Replace the fd of a slot (-1 empties it); closes the old one. */
static void slot_replace(struct rng *r, int newfd)
{
	struct timespec ts;
	int i = rnd_below(r, opt_slots), old;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	/* A blocked reader holds the lock: give up rather than wait. */
	if (pthread_rwlock_timedwrlock(&slots[i].lock, &ts)) {
		if (newfd >= 0)
			close(newfd);
		return;
	}
	old = slots[i].fd;
	slots[i].fd = newfd;
	for (int k = 0; k < 8; k++)
		atomic_store(&slot_qids[i][k], 0);
	pthread_rwlock_unlock(&slots[i].lock);
	if (old >= 0)
		close(old);
}

/* ---------------------------------------------------------- operations -- */

static void op_info(struct rng *r, int fd)
{
	unsigned char buf[256];
	struct accelq_info *info = (void *)buf;
	size_t size = sizeof(*info);
	unsigned long cmd = ACCELQ_IOCTL_GET_INFO;
	bool clean = true;
	void *arg = buf;
	int ret;

	memset(buf, 0, sizeof(buf));
	switch (rnd_below(r, 8)) {
	case 0:
		size = rnd_below(r, 200);	/* shorter or longer structure */
		cmd = aq_cmd_sized(cmd, size);
		if (size > sizeof(*info) && one_in(r, 2)) {
			buf[sizeof(*info) + rnd_below(r, size - sizeof(*info))] = 1;
			clean = false;
		}
		break;
	case 1:
		info->flags = 1u << rnd_below(r, 32);
		clean = false;
		break;
	case 2:
		info->pad = (uint32_t)rnd(r) | 1;
		clean = false;
		break;
	case 3:
		arg = (void *)(uintptr_t)wild_ptr(r, buf);
		clean = false;
		break;
	}
	ret = aq_ioctl(fd, cmd, arg);
	tally(OP_INFO, ret);
	CHECK_ERR("GET_INFO", ret, -EINVAL, -E2BIG, -EFAULT, -ENOTTY);
	if (!ret && clean && size >= sizeof(*info) && arg == buf) {
		if (info->abi_version != ACCELQ_ABI_VERSION ||
		    info->completion_size != sizeof(struct accelq_completion) ||
		    !info->nr_engines || info->nr_engines > 64 || info->pad)
			bad("GET_INFO: abi %u completion_size %u engines %u pad %u",
			    info->abi_version, info->completion_size,
			    info->nr_engines, info->pad);
	}
	if (!clean && !ret && arg == buf && (info->flags || info->pad))
		bad("GET_INFO accepted nonzero flags/pad");
	if (!ret && _IOC_SIZE(cmd) < ACCELQ_INFO_SIZE_VER1)
		bad("GET_INFO succeeded with a %u-byte argument", _IOC_SIZE(cmd));
}

static void op_create(struct rng *r, int fd)
{
	struct accelq_queue_create qc = { 0 };
	unsigned long cmd = ACCELQ_IOCTL_QUEUE_CREATE;
	int ret;

	qc.engine = one_in(r, 2) ? ACCELQ_ENGINE_ANY :
		    rnd_below(r, dev_info.nr_engines + 1);
	qc.class = one_in(r, 10) ? rnd_below(r, 5) : rnd_below(r, 2);
	switch (rnd_below(r, 10)) {
	case 0:
		qc.depth = 0;
		break;
	case 1:
		qc.depth = dev_info.max_depth + rnd_below(r, 2);
		break;
	case 2:
		qc.depth = (uint32_t)rnd(r);
		break;
	default:
		qc.depth = 1 + rnd_below(r, 64);
	}
	if (one_in(r, 20))
		qc.flags = 1;
	if (one_in(r, 20))
		cmd = aq_cmd_sized(cmd, rnd_below(r, 40));
	ret = aq_ioctl(fd, cmd, &qc);
	tally(OP_CREATE, ret);
	CHECK_ERR("QUEUE_CREATE", ret, -EINVAL, -EMFILE, -EACCES, -ERANGE,
		  -EDQUOT, -ENOLINK, -ENOMEM, -E2BIG, -ENOTTY);
	if (!ret && _IOC_SIZE(cmd) < ACCELQ_QUEUE_CREATE_SIZE_VER1)
		bad("QUEUE_CREATE succeeded with a %u-byte argument",
		    _IOC_SIZE(cmd));
	if (!ret && cmd == ACCELQ_IOCTL_QUEUE_CREATE) {
		atomic_fetch_add(&sh->creates_ok, 1);
		if (!qc.queue_id || qc.engine_out >= dev_info.nr_engines)
			bad("QUEUE_CREATE: id %u engine_out %u", qc.queue_id,
			    qc.engine_out);
		remember_qid(r, qc.queue_id);
	}
}

static void op_destroy(struct rng *r, int fd)
{
	struct accelq_queue_destroy qd = { .queue_id = pick_qid(r) };
	int ret;

	if (one_in(r, 20))
		qd.flags = 1u << rnd_below(r, 32);
	ret = aq_ioctl(fd, ACCELQ_IOCTL_QUEUE_DESTROY, &qd);
	tally(OP_DESTROY, ret);
	CHECK_ERR("QUEUE_DESTROY", ret, -ENOENT, -EINVAL);
}

/* Fill @count jobs of @size bytes at @buf; mostly valid. */
static bool fill_jobs(struct rng *r, void *buf, uint32_t count, uint32_t size,
		      bool allow_hang)
{
	bool valid = true;
	uint32_t i;

	for (i = 0; i < count; i++) {
		struct accelq_job *j = (void *)((char *)buf + (size_t)i * size);

		memset(j, 0, size);
		j->cost_ns = rnd_below(r, 100 * 1000);
		j->user_data = rnd(r);
		if (one_in(r, 4))
			j->flags = ACCELQ_JOB_PREEMPTIBLE;
		if (one_in(r, 200)) {
			j->cost_ns = 1000000 + rnd_below(r, 20 * 1000 * 1000);
			j->flags = ACCELQ_JOB_PREEMPTIBLE;
		}
		if (allow_hang && i == 0) {
			j->cost_ns = dev_info.job_timeout_ns + 200 * 1000 * 1000;
			if (j->cost_ns > dev_info.max_cost_ns)
				j->cost_ns = dev_info.max_cost_ns;
			j->flags = 0;
		}
		if (one_in(r, 500)) {
			switch (rnd_below(r, 4)) {
			case 0:
				j->flags = 1u << (1 + rnd_below(r, 31));
				break;
			case 1:
				j->pad = 1;
				break;
			case 2:
				j->cost_ns = dev_info.max_cost_ns + 1 + rnd_below(r, 1000);
				break;
			case 3:
				if (size > sizeof(*j)) {
					((char *)j)[sizeof(*j) + rnd_below(r, size - sizeof(*j))] = 1;
					break;
				}
				j->pad = 2;
				break;
			}
			valid = false;
		}
	}
	return valid;
}

static uint32_t pick_job_size(struct rng *r)
{
	switch (rnd_below(r, 12)) {
	case 0:
		return 32;
	case 1:
		return 8 * (3 + rnd_below(r, 510));	/* 24..4096 */
	case 2:
		return rnd_below(r, 5000);		/* often invalid */
	default:
		return sizeof(struct accelq_job);
	}
}

static uint32_t pick_count(struct rng *r)
{
	switch (rnd_below(r, 12)) {
	case 0:
		return 0;
	case 1:
		return dev_info.max_batch + rnd_below(r, 2);
	case 2:
		return 1 + rnd_below(r, dev_info.max_batch < MAX_JOBS ?
				     dev_info.max_batch : MAX_JOBS);
	default:
		return 1 + rnd_below(r, 16);
	}
}

/*
 * One SUBMIT with the argument at @s (which may be in shared memory);
 * @jobbuf holds room for MAX_JOBS jobs of 4096 bytes.
 */
static void op_submit(struct rng *r, int fd, struct accelq_submit *s,
		      char *jobbuf)
{
	uint32_t count = pick_count(r), size = pick_job_size(r);
	unsigned long cmd = ACCELQ_IOCTL_SUBMIT;
	bool hang = opt_hang_rate && one_in(r, opt_hang_rate);
	bool wild = false;
	uint32_t n;
	int ret;

	if (count > MAX_JOBS)
		count = MAX_JOBS;
	n = count;
	if (size && size <= 4096 && (uint64_t)n * size > JOBBUF_BYTES)
		n = JOBBUF_BYTES / size;
	if (size >= sizeof(struct accelq_job) && size <= 4096)
		fill_jobs(r, jobbuf, n, size, hang);
	else if (size)
		memset(jobbuf, 0, size < 4096 ? size : 4096);

	memset(s, 0, sizeof(*s));
	s->queue_id = pick_qid(r);
	s->count = count;
	s->job_size = size;
	s->jobs_ptr = (uintptr_t)jobbuf;
	if (one_in(r, 30)) {
		s->jobs_ptr = wild_ptr(r, jobbuf);
		wild = true;
	}
	if (one_in(r, 40)) {
		/* the batch runs off the end of the victim's first page */
		uint32_t k = 1 + rnd_below(r, 4);

		s->job_size = sizeof(struct accelq_job);
		s->count = k + 1;
		s->jobs_ptr = (uintptr_t)victim + pagesz - k * sizeof(struct accelq_job);
		memset(victim + pagesz - k * sizeof(struct accelq_job), 0,
		       k * sizeof(struct accelq_job));
		wild = true;
	}
	if (one_in(r, 50))
		s->flags = 1;
	if (one_in(r, 50))
		s->pad = 1;
	if (one_in(r, 50)) {
		/* shorter than version 1 must fail (see short_args()) */
		size_t usz = rnd_below(r, 64);

		cmd = aq_cmd_sized(cmd, usz);
		wild = true;	/* a cut jobs_ptr reads as NULL */
	}

	ret = aq_ioctl(fd, cmd, s);
	tally(OP_SUBMIT, ret);
	CHECK_ERR("SUBMIT", ret, -EINVAL, -EFAULT, -ENOENT, -EAGAIN, -EDQUOT,
		  -ENOBUFS, -EPERM, -ENOLINK, -ENOMEM, -E2BIG, -ENOTTY);
	if (ret == -EFAULT)
		atomic_fetch_add(&sh->efault_submit, 1);
	if (ret == -EFAULT && !wild)
		bad("SUBMIT: EFAULT with valid pointers");
	if (!ret && cmd == ACCELQ_IOCTL_SUBMIT) {
		atomic_fetch_add(&sh->submits_ok, 1);
		if (!in_child)
			atomic_fetch_add(&sh->accepted, s->accepted);
		if (!s->accepted || s->accepted > s->count || !s->first_seqno)
			bad("SUBMIT: accepted %u of %u, first_seqno %llu",
			    s->accepted, s->count,
			    (unsigned long long)s->first_seqno);
		if (s->accepted < s->count)
			atomic_fetch_add(&sh->submits_partial, 1);
	} else if (!ret) {
		/* a short/long structure: accepted is where the kernel put it */
		size_t usz = _IOC_SIZE(cmd);

		if (usz < ACCELQ_SUBMIT_SIZE_VER1)
			bad("SUBMIT succeeded with a %zu-byte argument", usz);
		else if (!in_child)
			atomic_fetch_add(&sh->accepted, s->accepted);
	}
}

static void op_wait(struct rng *r, int fd)
{
	struct accelq_wait w = { .queue_id = pick_qid(r) };
	int ret;

	w.seqno = one_in(r, 5) ? rnd(r) : rnd_below(r, 64);
	switch (rnd_below(r, 20)) {
	case 0:
		w.timeout_ns = -1 - (int64_t)rnd_below(r, 100);	/* forever */
		break;
	case 1:
		w.timeout_ns = 0;
		break;
	default:
		w.timeout_ns = rnd_below(r, 20 * 1000 * 1000);
	}
	if (one_in(r, 50))
		w.flags = 1;
	ret = aq_ioctl(fd, ACCELQ_IOCTL_WAIT, &w);
	tally(OP_WAIT, ret);
	CHECK_ERR("WAIT", ret, -EINVAL, -ENOENT, -ETIMEDOUT, -EINTR);
	if (ret == -EINTR)
		atomic_fetch_add(&sh->eintr, 1);
}

static void check_records(const struct accelq_completion *c, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		if (c[i].status != 0 && c[i].status != -ECANCELED &&
		    c[i].status != -ETIMEDOUT && c[i].status != -EIO)
			bad("read: record with status %d", c[i].status);
		if (!c[i].seqno || !c[i].queue_id ||
		    c[i].engine >= dev_info.nr_engines || c[i].flags & ~1u)
			bad("read: record seqno %llu queue %u engine %u flags %#x",
			    (unsigned long long)c[i].seqno, c[i].queue_id,
			    c[i].engine, c[i].flags);
	}
}

/* read() into @buf (room for @max records; may be shared memory). */
static void op_read(struct rng *r, int fd, struct accelq_completion *buf,
		    size_t max)
{
	size_t want = 1 + rnd_below(r, max), bytes = want * AQ_REC_SIZE;
	void *dst = buf;
	bool wild = false;
	ssize_t got;

	/* a child's records must land in its shared area to be counted */
	switch (rnd_below(r, in_child ? 2 : 16)) {
	case 0:
		bytes = rnd_below(r, AQ_REC_SIZE);	/* too small: EINVAL */
		break;
	case 1:
		bytes += rnd_below(r, AQ_REC_SIZE);	/* not a multiple */
		break;
	case 2:
		/* runs into the victim's second page after k records */
		want = 1 + rnd_below(r, 3);
		dst = victim + pagesz - want * AQ_REC_SIZE;
		bytes = (want + 1 + rnd_below(r, 4)) * AQ_REC_SIZE;
		wild = true;
		break;
	case 3:
		dst = (void *)(uintptr_t)wild_ptr(r, buf);
		if (dst == (char *)buf + 1) {
			/* misaligned but inside @buf: stay inside it */
			if (max < 2)
				return;
			if (bytes > (max - 1) * AQ_REC_SIZE)
				bytes = (max - 1) * AQ_REC_SIZE;
		}
		wild = true;
		break;
	}
	if (!wild)
		memset(dst, 0, bytes > max * AQ_REC_SIZE ? max * AQ_REC_SIZE : bytes);
	if (!wild && bytes > max * AQ_REC_SIZE)
		bytes = max * AQ_REC_SIZE;
	got = read(fd, dst, bytes);
	tally(OP_READ, got < 0 ? -errno : 0);
	if (got < 0) {
		int err = -errno;

		CHECK_ERR("read", err, -EINVAL, -EAGAIN, -EFAULT, -EINTR);
		if (err == -EFAULT) {
			atomic_fetch_add(&sh->efault_read, 1);
			if (!wild)
				bad("read: EFAULT into a valid buffer");
		}
		if (err == -EINTR)
			atomic_fetch_add(&sh->eintr, 1);
		if (err == -EINVAL && bytes >= AQ_REC_SIZE)
			bad("read: EINVAL for %zu bytes", bytes);
		return;
	}
	if (got % AQ_REC_SIZE || (size_t)got > bytes || !got)
		bad("read: returned %zd for %zu bytes", got, bytes);
	if (!in_child)
		atomic_fetch_add(&sh->records, got / AQ_REC_SIZE);
	atomic_fetch_add(&sh->reads_ok, 1);
	if (!wild)
		check_records(dst, got / AQ_REC_SIZE);
}

static void op_poll(struct rng *r, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	int ret = poll(&p, 1, rnd_below(r, 3) == 0 ? 5 : 0);

	if (ret < 0 && errno != EINTR)
		bad("poll: %s", strerror(errno));
	if (ret > 0 && p.revents & ~(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM))
		bad("poll: revents %#x", p.revents);
}

static void op_nonblock(struct rng *r, int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, one_in(r, 2) ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

static void op_fdinfo(int fd)
{
	char path[64], buf[4096];
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return;
	if (read(f, buf, sizeof(buf)) < 0)
		bad("fdinfo read: %s", strerror(errno));
	close(f);
}

static void op_badioctl(struct rng *r, int fd)
{
	unsigned char buf[512];
	unsigned long cmd;
	int ret;

	memset(buf, 0, sizeof(buf));
	switch (rnd_below(r, 4)) {
	case 0:		/* our type, unknown number */
		cmd = _IOC(rnd_below(r, 4), ACCELQ_IOCTL_BASE,
			   5 + rnd_below(r, 251), rnd_below(r, 512));
		break;
	case 1:		/* known number, wrong direction */
		cmd = _IOC(rnd_below(r, 4), ACCELQ_IOCTL_BASE, rnd_below(r, 5),
			   rnd_below(r, 64));
		break;
	case 2:		/* another type */
		cmd = _IOC(rnd_below(r, 4), rnd_below(r, 256), rnd_below(r, 256),
			   rnd_below(r, 512));
		break;
	default:
		cmd = (uint32_t)rnd(r);
	}
	if (_IOC_SIZE(cmd) > sizeof(buf))
		cmd = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), sizeof(buf));
	/*
	 * Types the VFS handles itself before the driver sees them (FIOCLEX,
	 * FIONBIO, FIFREEZE (!), FICLONE, FS_IOC_*, FIBMAP...): not ours.
	 */
	switch (_IOC_TYPE(cmd)) {
	case 'T': case 'X': case 'f': case 0x94: case 0x00: case 0x12:
		return;
	}
	ret = aq_ioctl(fd, cmd, buf);
	/*
	 * A known number with another size is a valid call of that ioctl
	 * (sized structures): any of its errnos may come back.
	 */
	if (_IOC_TYPE(cmd) == ACCELQ_IOCTL_BASE && _IOC_NR(cmd) < 5)
		CHECK_ERR("ioctl (resized)", ret, -ENOTTY, -EINVAL, -E2BIG,
			  -ENOENT, -EFAULT, -EMFILE, -EACCES, -ERANGE, -EDQUOT,
			  -ENOLINK, -ENOMEM, -EAGAIN, -ENOBUFS, -EPERM,
			  -ETIMEDOUT, -EINTR);
	else
		CHECK_ERR("ioctl (unknown)", ret, -ENOTTY);
}

/* ------------------------------------------------------------- children -- */

static char *child_jobbuf;

static dev_t accelq_rdev;

/*
 * fork() copies the fd table and the memory at different moments: another
 * thread may have opened or closed an fd in between, so the child checks
 * which slots hold its own /dev/accelq files.
 */
static int child_fd(struct rng *r)
{
	int fd = slots[rnd_below(r, opt_slots)].fd;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) || !S_ISCHR(st.st_mode) ||
	    st.st_rdev != accelq_rdev)
		return -1;
	return fd;
}

static void child_run(struct rng *r, struct child_area *a)
{
	unsigned int i, nsub = 0, nrec = 0;
	int fd;

	for (i = 0; i < CHILD_OPS; i++) {
		/* the child has no slot locks to honour: its fds are its own */
		fd = child_fd(r);
		if (fd < 0)
			continue;
		switch (rnd_below(r, 6)) {
		case 0:
		case 1:
			if (nsub < CHILD_SUBS)
				op_submit(r, fd, &a->subs[nsub++], child_jobbuf);
			break;
		case 2:
			if (nrec + 8 <= CHILD_RECS) {
				op_read(r, fd, &a->recs[nrec], 8);
				nrec += 8;
			}
			break;
		case 3:
			op_create(r, fd);
			break;
		case 4:
			op_destroy(r, fd);
			break;
		case 5:
			op_wait(r, fd);
			break;
		}
	}
	if (one_in(r, 2)) {
		/* block until killed (or the parent gives up on us) */
		fd = child_fd(r);
		if (fd >= 0 && nrec + 8 <= CHILD_RECS) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			op_read(r, fd, &a->recs[nrec], 8);
		}
	}
	_exit(0);
}

/*
 * Count what the kernel wrote into a dead child's area that the child may
 * not have counted itself. The child's own counters are not used: its
 * counts are recomputed here from the area, which is exact.
 */
static void child_tally(struct child_area *a)
{
	uint64_t acc = 0, recs = 0;
	unsigned int i;

	for (i = 0; i < CHILD_SUBS; i++)
		acc += a->subs[i].accepted;
	for (i = 0; i < CHILD_RECS; i++)
		if (a->recs[i].seqno)
			recs++;
	atomic_fetch_add(&sh->accepted, acc);
	atomic_fetch_add(&sh->records, recs);
}

static void op_fork(struct rng *r)
{
	struct child_area *a = NULL;
	unsigned int i;
	int status;
	pid_t pid;

	for (i = 0; i < NR_CHILD_AREAS; i++) {
		int exp = 0;

		if (atomic_compare_exchange_strong(&sh->child[i].busy, &exp, 1)) {
			a = &sh->child[i];
			break;
		}
	}
	if (!a)
		return;
	memset(a->subs, 0, sizeof(a->subs));
	memset(a->recs, 0, sizeof(a->recs));

	pid = fork();
	if (pid == 0) {
		struct rng cr = { rnd(r) | 1 };

		/* the child counts nothing itself: the parent tallies the area */
		in_child = true;
		child_run(&cr, a);
	}
	if (pid < 0) {
		atomic_store(&a->busy, 0);
		return;
	}
	atomic_fetch_add(&sh->forks, 1);
	usleep(rnd_below(r, 200 * 1000));
	if (one_in(r, 2) || waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		atomic_fetch_add(&sh->kills, 1);
	}
	waitpid(pid, &status, 0);
	child_tally(a);
	atomic_store(&a->busy, 0);
}

/* ------------------------------------------------------------- workers -- */

static pthread_t workers[MAX_THREADS];
static pid_t worker_tids[MAX_THREADS];

struct worker_arg {
	unsigned int idx;
};

static void *flipper(void *unused)
{
	struct rng r = { opt_seed ^ 0xf11bULL };

	(void)unused;
	while (!atomic_load(&stop)) {
		void *p = victim + pagesz;

		/*
		 * Never munmap: something else could be mapped there next and
		 * get the kernel's writes. PROT_NONE faults, PROT_READ fails
		 * the kernel's writes, DONTNEED makes the next touch allocate.
		 */
		switch (rnd_below(&r, 4)) {
		case 0:
			mprotect(p, pagesz, PROT_NONE);
			break;
		case 1:
			mprotect(p, pagesz, PROT_READ);
			break;
		case 2:
			mprotect(p, pagesz, PROT_READ | PROT_WRITE);
			break;
		case 3:
			madvise(p, pagesz, MADV_DONTNEED);
			break;
		}
		usleep(rnd_below(&r, 2000));
	}
	return NULL;
}

static void *worker(void *argp)
{
	struct worker_arg *wa = argp;
	struct rng r = { (opt_seed + wa->idx) * 0x9E3779B97F4A7C15ULL | 1 };
	struct accelq_completion recs[64];
	struct accelq_submit sub;
	char *jobbuf;
	int fd, idx;

	worker_tids[wa->idx] = (pid_t)syscall(SYS_gettid);
	jobbuf = mmap(NULL, JOBBUF_BYTES, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (jobbuf == MAP_FAILED) {
		bad("mmap job buffer: %s", strerror(errno));
		return NULL;
	}

	while (!atomic_load(&stop)) {
		uint32_t op = rnd_below(&r, 100);

		atomic_fetch_add(&sh->ops, 1);
		if (op < 3) {
			slot_replace(&r, fuzz_open(&r));
			continue;
		}
		if (op < 5) {
			slot_replace(&r, -1);
			continue;
		}
		if (op < 6) {
			fd = slot_get(&r, &idx);
			if (fd >= 0) {
				int nfd = dup(fd);

				slot_put(idx);
				if (nfd >= 0)
					slot_replace(&r, nfd);
			}
			continue;
		}
		if (op < 7) {
			if (one_in(&r, 3))
				op_fork(&r);
			continue;
		}
		fd = slot_get(&r, &idx);
		if (fd < 0) {
			slot_replace(&r, fuzz_open(&r));
			continue;
		}
		if (op < 12)
			op_info(&r, fd);
		else if (op < 22)
			op_create(&r, fd);
		else if (op < 28)
			op_destroy(&r, fd);
		else if (op < 55)
			op_submit(&r, fd, &sub, jobbuf);
		else if (op < 63)
			op_wait(&r, fd);
		else if (op < 83)
			op_read(&r, fd, recs, 64);
		else if (op < 88)
			op_poll(&r, fd);
		else if (op < 91)
			op_nonblock(&r, fd);
		else if (op < 93)
			op_fdinfo(fd);
		else
			op_badioctl(&r, fd);
		slot_put(idx);
	}
	munmap(jobbuf, JOBBUF_BYTES);
	return NULL;
}

/* ------------------------------------------------------ netlink churn -- */

static uint16_t nl_family;

static void nl_settings(struct rng *r, struct aq_nlmsg *m, bool *valid)
{
	uint64_t quota = 0, period = 100 * 1000 * 1000;

	if (one_in(r, 2))
		aq_put_u32(m, ACCELQ_A_TENANT_WEIGHT, 1 + rnd_below(r, 10000));
	if (one_in(r, 3)) {
		period = (1 + rnd_below(r, 200)) * 1000 * 1000ULL;
		quota = one_in(r, 3) ? 0 : 100 * 1000 + rnd_below(r, 50 * 1000 * 1000);
		aq_put_u64(m, ACCELQ_A_TENANT_CAP_PERIOD_NS, period);
		aq_put_u64(m, ACCELQ_A_TENANT_CAP_QUOTA_NS, quota);
		if (quota && one_in(r, 2))
			aq_put_u64(m, ACCELQ_A_TENANT_CAP_BURST_NS, rnd_below(r, quota));
	}
	if (one_in(r, 3))
		aq_put_u32(m, ACCELQ_A_TENANT_CLASSES, 1 + rnd_below(r, 3));
	if (one_in(r, 3))
		aq_put_u32(m, ACCELQ_A_TENANT_MAX_QUEUES, rnd_below(r, 5));
	if (one_in(r, 3))
		aq_put_u32(m, ACCELQ_A_TENANT_MAX_INFLIGHT, rnd_below(r, 64));
	if (one_in(r, 3))
		aq_put_u32(m, ACCELQ_A_TENANT_MAX_DEPTH, rnd_below(r, 64));
	if (one_in(r, 4))
		aq_put_u32(m, ACCELQ_A_TENANT_GUILTY_LIMIT, rnd_below(r, 3));
	if (one_in(r, 50)) {
		/* invalid on purpose: burst above the quota */
		aq_put_u64(m, ACCELQ_A_TENANT_CAP_QUOTA_NS, 200000);
		aq_put_u64(m, ACCELQ_A_TENANT_CAP_BURST_NS, 300000);
		*valid = false;
	}
}

static void *nl_churn(void *unused)
{
	struct rng r = { (opt_seed ^ 0x6e6cULL) | 1 };
	struct aq_nl nl;
	char name[16];

	(void)unused;
	if (aq_nl_open(&nl, nl_family)) {
		bad("netlink: cannot open a socket");
		return NULL;
	}
	while (!atomic_load(&stop)) {
		struct aq_nlmsg m;
		bool valid = true;
		uint8_t cmd;
		uint16_t flags = 0;
		int ret;

		snprintf(name, sizeof(name), "fz%u", rnd_below(&r, 3));
		switch (rnd_below(&r, 12)) {
		case 0: case 1:
			cmd = ACCELQ_CMD_TENANT_NEW;
			aq_msg_init(&m, nl.family, cmd, 0);
			aq_put_str(&m, ACCELQ_A_TENANT_NAME, name);
			aq_put_u32(&m, ACCELQ_A_TENANT_MATCH_UID, geteuid());
			nl_settings(&r, &m, &valid);
			break;
		case 2: case 3: case 4:
			cmd = ACCELQ_CMD_TENANT_SET;
			aq_msg_init(&m, nl.family, cmd, 0);
			aq_put_str(&m, ACCELQ_A_TENANT_NAME, name);
			nl_settings(&r, &m, &valid);
			break;
		case 5:
			cmd = ACCELQ_CMD_TENANT_DEL;
			aq_msg_init(&m, nl.family, cmd, 0);
			aq_put_str(&m, ACCELQ_A_TENANT_NAME, name);
			if (one_in(&r, 2))
				aq_put_u32(&m, ACCELQ_A_TENANT_DEL_FLAGS, ACCELQ_TENANT_DEL_FORCE);
			break;
		case 6:
			cmd = ACCELQ_CMD_TENANT_CLEAR_BAN;
			aq_msg_init(&m, nl.family, cmd, 0);
			aq_put_str(&m, ACCELQ_A_TENANT_NAME, name);
			break;
		case 7:
			cmd = ACCELQ_CMD_ENGINE_RESET;
			aq_msg_init(&m, nl.family, cmd, 0);
			aq_put_u32(&m, ACCELQ_A_ENGINE_ID, rnd_below(&r, dev_info.nr_engines));
			break;
		case 8:
			cmd = ACCELQ_CMD_TENANT_GET;
			flags = one_in(&r, 2) ? NLM_F_DUMP : 0;
			aq_msg_init(&m, nl.family, cmd, flags);
			if (!flags)
				aq_put_str(&m, ACCELQ_A_TENANT_NAME, name);
			break;
		case 9:
		case 10:
			cmd = ACCELQ_CMD_QUEUE_GET;
			flags = NLM_F_DUMP;
			aq_msg_init(&m, nl.family, cmd, flags);
			if (one_in(&r, 2))
				aq_put_u32(&m, ACCELQ_A_TENANT_ID, rnd_below(&r, 8));
			break;
		default:
			cmd = ACCELQ_CMD_ENGINE_GET;
			flags = one_in(&r, 2) ? NLM_F_DUMP : 0;
			aq_msg_init(&m, nl.family, cmd, flags);
			if (!flags)
				aq_put_u32(&m, ACCELQ_A_ENGINE_ID, rnd_below(&r, dev_info.nr_engines + 1));
			break;
		}
		ret = aq_nl_transact(&nl, &m, NULL, NULL);
		atomic_fetch_add(&sh->nl_ops, 1);
		atomic_fetch_add(&sh->nl_by_cmd[cmd], 1);
		if (!ret)
			atomic_fetch_add(&sh->nl_ok, 1);
		if (!valid && !ret)
			bad("netlink cmd %u accepted invalid settings", cmd);
		/*
		 * TENANT_SET merges into the current settings: a cap change can
		 * conflict with a burst set earlier (or carry no setting): EINVAL.
		 */
		if (valid && ret && ret != -EEXIST && ret != -ENOENT && ret != -EBUSY &&
		    !(cmd == ACCELQ_CMD_ENGINE_GET && ret == -EINVAL) &&
		    !(cmd == ACCELQ_CMD_TENANT_SET && ret == -EINVAL) && ret != -ENOMEM)
			bad("netlink cmd %u: %d (%s)", cmd, ret, strerror(-ret));
		if (nl.phase == AQ_NL_RECV && ret) {
			/* a lost answer leaves the socket out of step: start over */
			aq_nl_close(&nl);
			if (aq_nl_open(&nl, nl_family))
				break;
		}
		usleep(rnd_below(&r, 3000));
	}
	/* leave no tenant behind */
	for (int k = 0; k < 3; k++) {
		struct aq_nlmsg m;

		snprintf(name, sizeof(name), "fz%d", k);
		aq_msg_init(&m, nl.family, ACCELQ_CMD_TENANT_DEL, 0);
		aq_put_str(&m, ACCELQ_A_TENANT_NAME, name);
		aq_put_u32(&m, ACCELQ_A_TENANT_DEL_FLAGS, ACCELQ_TENANT_DEL_FORCE);
		aq_nl_transact(&nl, &m, NULL, NULL);
	}
	aq_nl_close(&nl);
	return NULL;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* ---------------------------------------------------------------- main -- */

static int tap_n;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int smoke(void)
{
	struct accelq_completion c;
	__u32 qid;
	__u64 seq;
	int fd, ret;

	fd = aq_open();
	if (fd < 0)
		return -errno;
	ret = aq_qcreate(fd, ACCELQ_ENGINE_ANY, ACCELQ_CLASS_BATCH, 4, &qid, NULL);
	if (!ret)
		ret = aq_submit1(fd, qid, 1000, 0xfeed, 0, &seq);
	if (!ret)
		ret = aq_wait(fd, qid, seq, 10 * NSEC_PER_SEC);
	if (!ret) {
		long n = aq_read(fd, &c, 1);

		ret = n == 1 && c.user_data == 0xfeed && c.status == 0 ? 0 :
		      n < 0 ? (int)n : -EPROTO;
	}
	if (!ret)
		ret = aq_qdestroy(fd, qid);
	close(fd);
	return ret;
}

/*
 * Arguments cut short before an output field, but with everything an action
 * needs (a usable jobs_ptr: user addresses fit in 6 bytes): refused with
 * EINVAL, below the version-1 size (docs/abi.md).
 */
static void short_args(void)
{
	struct accelq_job j = { .cost_ns = 1000 };
	struct accelq_queue_create qc = { .engine = ACCELQ_ENGINE_ANY, .depth = 4 };
	struct accelq_submit s;
	__u32 qid;
	int fd, ret;

	fd = aq_open();
	if (fd < 0)
		return;
	ret = aq_ioctl(fd, aq_cmd_sized(ACCELQ_IOCTL_QUEUE_CREATE,
					offsetof(struct accelq_queue_create, queue_id)), &qc);
	if (ret != -EINVAL)
		bad("QUEUE_CREATE with a %zu-byte argument: %d, want EINVAL",
		    offsetof(struct accelq_queue_create, queue_id), ret);
	if (!aq_qcreate(fd, ACCELQ_ENGINE_ANY, ACCELQ_CLASS_BATCH, 4, &qid, NULL)) {
		aq_submit_init(&s, qid, &j, 1, sizeof(j));
		ret = aq_ioctl(fd, aq_cmd_sized(ACCELQ_IOCTL_SUBMIT,
						offsetof(struct accelq_submit, accepted)), &s);
		if (ret != -EINVAL)
			bad("SUBMIT with a %zu-byte argument: %d, want EINVAL",
			    offsetof(struct accelq_submit, accepted), ret);
	}
	close(fd);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ioctl_fuzz [--seed N] [--duration SEC] [--threads N] [--slots N]\n"
		   "                  [--hang-rate N] [--no-ledger] [-v]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, 't' },
		{ "slots", required_argument, NULL, 'S' },
		{ "hang-rate", required_argument, NULL, 'H' },
		{ "no-ledger", no_argument, NULL, 'L' },
		{ "netlink", no_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct worker_arg wargs[MAX_THREADS];
	struct aq_stats st0, st1;
	struct sigaction sa = { 0 };
	bool have_stats;
	struct rng r0 = { opt_seed ^ 0x0bebeULL };
	pthread_t flip, nlt;
	uint64_t t_end;
	unsigned int i;
	int c, fd, ret;

	opt_seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;
	while ((c = getopt_long(argc, argv, "s:d:t:S:H:LNvh", lo, NULL)) != -1) {
		switch (c) {
		case 'N': opt_netlink = true; break;
		case 's': opt_seed = strtoull(optarg, NULL, 0); break;
		case 'd': opt_duration = strtoul(optarg, NULL, 0); break;
		case 't': opt_threads = strtoul(optarg, NULL, 0); break;
		case 'S': opt_slots = strtoul(optarg, NULL, 0); break;
		case 'H': opt_hang_rate = strtoul(optarg, NULL, 0); break;
		case 'L': opt_ledger = false; break;
		case 'v': opt_verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!opt_threads || opt_threads > MAX_THREADS || !opt_slots ||
	    opt_slots > MAX_SLOTS) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..4\n");
	printf("# ioctl_fuzz --seed %" PRIu64 " --duration %u --threads %u --slots %u --hang-rate %u%s\n",
	       opt_seed, opt_duration, opt_threads, opt_slots, opt_hang_rate,
	       opt_netlink ? " --netlink" : "");

	fd = aq_open();
	if (fd < 0) {
		printf("Bail out! cannot open %s: %s\n", AQ_DEV, strerror(errno));
		return 1;
	}
	ret = aq_info(fd, &dev_info);
	{
		struct stat st;

		if (!fstat(fd, &st))
			accelq_rdev = st.st_rdev;
	}
	close(fd);
	if (ret) {
		printf("Bail out! GET_INFO: %s\n", strerror(-ret));
		return 1;
	}
	printf("# engines %u max_batch %u max_depth %u max_queues %u max_client_jobs %u timeout %llu ms\n",
	       dev_info.nr_engines, dev_info.max_batch, dev_info.max_depth,
	       dev_info.max_queues, dev_info.max_client_jobs,
	       (unsigned long long)(dev_info.job_timeout_ns / NSEC_PER_MSEC));

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pagesz = sysconf(_SC_PAGESIZE);
	victim = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	child_jobbuf = mmap(NULL, JOBBUF_BYTES, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || victim == MAP_FAILED || child_jobbuf == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}

	have_stats = opt_ledger && aq_stats_read(&st0) == 0;
	if (opt_ledger && !have_stats)
		printf("# debugfs stats unreadable: the ledger checks will be skipped\n");

	sa.sa_handler = on_sigusr1;	/* no SA_RESTART: interrupts reads/waits */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	r0.s = (opt_seed ^ 0x0bebeULL) | 1;
	for (i = 0; i < opt_slots; i++) {
		pthread_rwlock_init(&slots[i].lock, NULL);
		slots[i].fd = fuzz_open(&r0);
	}
	pthread_create(&flip, NULL, flipper, NULL);
	if (opt_netlink) {
		struct aq_nl nl;

		if (aq_nl_open(&nl, 0)) {
			printf("# netlink family unavailable: no tenant churn\n");
			opt_netlink = false;
		} else {
			nl_family = nl.family;
			aq_nl_close(&nl);
			pthread_create(&nlt, NULL, nl_churn, NULL);
		}
	}
	for (i = 0; i < opt_threads; i++) {
		wargs[i].idx = i;
		pthread_create(&workers[i], NULL, worker, &wargs[i]);
	}

	/* Interrupt random workers now and then; report progress. */
	{
		struct rng r = { opt_seed ^ 0x5151ULL };
		uint64_t next_report = aq_now_ns() + 10 * NSEC_PER_SEC;

		t_end = aq_now_ns() + (uint64_t)opt_duration * NSEC_PER_SEC;
		while (aq_now_ns() < t_end) {
			aq_sleep_ms(5 + rnd_below(&r, 25));
			i = rnd_below(&r, opt_threads);
			if (worker_tids[i])
				pthread_kill(workers[i], SIGUSR1);
			if (aq_now_ns() > next_report) {
				printf("# ... ops %llu accepted %llu records %llu unexpected %llu\n",
				       (unsigned long long)sh->ops,
				       (unsigned long long)sh->accepted,
				       (unsigned long long)sh->records,
				       (unsigned long long)sh->bad);
				next_report += 10 * NSEC_PER_SEC;
			}
		}
	}
	atomic_store(&stop, true);
	for (i = 0; i < opt_threads; i++) {
		/* keep kicking it until it leaves a blocking read or wait */
		while (pthread_tryjoin_np(workers[i], NULL) == EBUSY) {
			pthread_kill(workers[i], SIGUSR1);
			aq_sleep_ms(10);
		}
	}
	pthread_join(flip, NULL);
	if (opt_netlink) {
		pthread_join(nlt, NULL);
		printf("# netlink: %llu requests, %llu succeeded (new %llu set %llu del %llu clear-ban %llu reset %llu)\n",
		       (unsigned long long)sh->nl_ops, (unsigned long long)sh->nl_ok,
		       (unsigned long long)sh->nl_by_cmd[ACCELQ_CMD_TENANT_NEW],
		       (unsigned long long)sh->nl_by_cmd[ACCELQ_CMD_TENANT_SET],
		       (unsigned long long)sh->nl_by_cmd[ACCELQ_CMD_TENANT_DEL],
		       (unsigned long long)sh->nl_by_cmd[ACCELQ_CMD_TENANT_CLEAR_BAN],
		       (unsigned long long)sh->nl_by_cmd[ACCELQ_CMD_ENGINE_RESET]);
	}
	for (i = 0; i < opt_slots; i++) {
		if (slots[i].fd >= 0)
			close(slots[i].fd);
		slots[i].fd = -1;
	}

	printf("# ops %llu: queues created %llu, submits ok %llu (partial %llu), jobs accepted %llu, "
	       "reads ok %llu, records %llu, EFAULT submit/read %llu/%llu, EINTR %llu, forks %llu (killed %llu)\n",
	       (unsigned long long)sh->ops, (unsigned long long)sh->creates_ok,
	       (unsigned long long)sh->submits_ok,
	       (unsigned long long)sh->submits_partial,
	       (unsigned long long)sh->accepted,
	       (unsigned long long)sh->reads_ok,
	       (unsigned long long)sh->records,
	       (unsigned long long)sh->efault_submit,
	       (unsigned long long)sh->efault_read,
	       (unsigned long long)sh->eintr,
	       (unsigned long long)sh->forks, (unsigned long long)sh->kills);
	for (int o = 0; o < OP_NR; o++) {
		char line[512];
		int len = 0;

		for (int e = 0; e < ERR_NR; e++)
			if (sh->errs[o][e])
				len += snprintf(line + len, sizeof(line) - len, " %s %llu",
						e ? strerrorname_np(e) ?: "?" : "ok",
						(unsigned long long)sh->errs[o][e]);
		printf("# %s:%s\n", op_names[o], len ? line : " none");
	}
	tap(sh->bad == 0, "every call returned success or an allowed errno, outputs sane (%llu unexpected)",
	    (unsigned long long)sh->bad);

	if (have_stats) {
		uint64_t d[ST_NR];
		int k;

		ret = aq_stats_wait_idle(&st1, 30000);
		for (k = 0; k < ST_NR; k++)
			d[k] = st1.v[k] - st0.v[k];
		printf("# ledger delta: accepted %llu completed %llu read %llu discarded %llu inflight %llu "
		       "ok %llu canceled %llu timedout %llu io %llu\n",
		       (unsigned long long)d[ST_ACCEPTED], (unsigned long long)d[ST_COMPLETED],
		       (unsigned long long)d[ST_READ], (unsigned long long)d[ST_DISCARDED],
		       (unsigned long long)st1.v[ST_INFLIGHT], (unsigned long long)d[ST_OK],
		       (unsigned long long)d[ST_CANCELED], (unsigned long long)d[ST_TIMEDOUT],
		       (unsigned long long)d[ST_IO]);
		tap(!ret && st1.v[ST_INFLIGHT] == 0 &&
		    d[ST_COMPLETED] == d[ST_READ] + d[ST_DISCARDED] &&
		    d[ST_COMPLETED] == d[ST_ACCEPTED] &&
		    d[ST_OK] + d[ST_CANCELED] + d[ST_TIMEDOUT] + d[ST_IO] == d[ST_COMPLETED],
		    "ledger: nothing in flight, completed == accepted == read + discarded, statuses add up");
		tap(d[ST_ACCEPTED] == sh->accepted && d[ST_READ] == sh->records,
		    "ledger matches userspace: accepted %llu/%llu, read %llu/%llu",
		    (unsigned long long)d[ST_ACCEPTED], (unsigned long long)sh->accepted,
		    (unsigned long long)d[ST_READ], (unsigned long long)sh->records);
	} else {
		tap(true, "ledger # SKIP debugfs stats not available");
		tap(true, "ledger matches userspace # SKIP debugfs stats not available");
	}

	ret = smoke();
	tap(ret == 0, "device still usable: create, submit, wait, read, destroy (%s)",
	    ret ? strerror(-ret) : "ok");
	short_args();
	return tap_n && sh->bad == 0 && ret == 0 ? 0 : 1;
}
