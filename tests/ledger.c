// SPDX-License-Identifier: GPL-2.0-only
/*
 * ledger - exactly-once stress test of accelq completions.
 *
 * Several worker processes, each running one client session after the other
 * (open, create queues, submitter threads + one reader thread + a chaos
 * thread that destroys and recreates queues, then close gracefully after
 * draining or abruptly with jobs in flight). The parent SIGKILLs random
 * workers and respawns them.
 *
 * Bookkeeping survives SIGKILL because the kernel itself writes it into
 * shared memory: every SUBMIT argument lives in a MAP_SHARED "SUB" chunk (the
 * kernel's copy of @accepted lands there before the ioctl returns) and every
 * read() targets a fresh, zeroed MAP_SHARED "REC" chunk (a record is there
 * iff the kernel handed it out). After all workers are gone the parent
 * replays the ledger:
 *
 *   - every completion belongs to an accepted job of the same client, with
 *     the right queue and seqno, status 0 or -ECANCELED, read exactly once;
 *   - clients that drained and closed cleanly read every accepted job;
 *   - per queue, completions are read in seqno order;
 *   - the debugfs counters moved by exactly what the clients saw:
 *     jobs_accepted delta == accepted, completions_read delta == read,
 *     completed == read + discarded, nothing in flight.
 *
 * Output is TAP. Options: --seed N --duration SEC --procs N --threads N
 * --max-jobs N --no-kill.
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
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/accelq.h>

#include "accelq_common.h"

#define MAX_PROCS	32
#define MAX_THREADS	16
#define MAX_QUEUES	16
#define MAX_SESSIONS	1024
#define CHUNK_RECS	256		/* 48-byte slots per chunk */
#define CHUNK_BYTES	(CHUNK_RECS * 48)
#define MAX_JOB_COST	(50 * NSEC_PER_USEC)
#define DRAIN_TIMEOUT_MS 30000

/* One SUBMIT: the argument the kernel reads and writes, plus our cookie base. */
struct sub_entry {
	struct accelq_submit sub;
	__u64 ud_base;
};

_Static_assert(sizeof(struct sub_entry) == 48, "sub_entry size");
_Static_assert(sizeof(struct accelq_completion) == 48, "completion size");

enum chunk_kind { CK_FREE, CK_SUB, CK_REC };

struct chunk_hdr {
	uint32_t kind;
	uint32_t session;
	uint32_t thread;
	uint32_t ord;		/* allocation order within (session, thread) */
};

enum session_state {
	SS_UNUSED,
	SS_RUNNING,	/* may have been killed: subset checks only */
	SS_CLEAN,	/* drained: every accepted job was read */
	SS_ABRUPT,	/* closed with jobs in flight / unread */
};

struct session {
	uint32_t state;
	uint32_t slot;
	uint64_t client_id;
	uint32_t pid;
	uint32_t nr_destroyed;
};

struct shared {
	/* configuration */
	uint64_t budget;
	uint64_t start_ns, duration_ns;	/* jobs are paced over the run */
	uint32_t nr_sub_chunks, nr_rec_chunks;
	uint32_t threads;
	struct accelq_info info;
	/* allocation */
	uint32_t next_sub_chunk, next_rec_chunk;
	uint32_t next_session;
	uint64_t reserved;
	uint32_t stop;
	/* problems seen by workers */
	uint64_t errors;
	uint64_t drain_timeouts;
	uint32_t err_logged;
	char first_error[256];
	/* counters (diagnostics only; the ledger is authoritative) */
	uint64_t submits, eagain, enobufs, enoent, partial, waits, destroys;
	struct session sessions[MAX_SESSIONS];
};

static struct shared *sh;
static struct chunk_hdr *sub_hdr, *rec_hdr;
static unsigned char *sub_data, *rec_data;

static struct {
	uint64_t seed;
	unsigned int duration;
	unsigned int procs;
	unsigned int threads;
	uint64_t max_jobs;
	bool kill;
} opt = {
	.seed = 1, .duration = 10, .procs = 4, .threads = 3,
	.max_jobs = 300000, .kill = true,
};

/* ------------------------------------------------------------------ */

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static void worker_error(const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(&sh->errors, 1, __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&sh->err_logged, 1, __ATOMIC_ACQ_REL))
		return;
	va_start(ap, fmt);
	vsnprintf(sh->first_error, sizeof(sh->first_error), fmt, ap);
	va_end(ap);
}

static void *chunk_data(bool rec, uint32_t idx)
{
	return (rec ? rec_data : sub_data) + (size_t)idx * CHUNK_BYTES;
}

/* Claim a chunk; -1 when the pool is exhausted. */
static int64_t chunk_get(bool rec, uint32_t session, uint32_t thread,
			 uint32_t ord)
{
	uint32_t *next = rec ? &sh->next_rec_chunk : &sh->next_sub_chunk;
	uint32_t cap = rec ? sh->nr_rec_chunks : sh->nr_sub_chunks;
	struct chunk_hdr *h;
	uint32_t idx;

	idx = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED);
	if (idx >= cap)
		return -1;
	h = (rec ? rec_hdr : sub_hdr) + idx;
	h->session = session;
	h->thread = thread;
	h->ord = ord;
	__atomic_store_n(&h->kind, rec ? CK_REC : CK_SUB, __ATOMIC_RELEASE);
	return idx;
}

/* ------------------------------------------------------------------ */
/* Worker side                                                         */

struct sess_ctx {
	int fd;
	uint32_t sid;
	uint32_t nq;
	uint32_t queues[MAX_QUEUES];	/* atomic slots */
	uint64_t accepted;		/* atomic */
	uint64_t read;			/* atomic */
	uint32_t submit_stop;		/* submitters + chaos stop */
	uint32_t reader_stop;		/* reader stops now */
	uint32_t draining;		/* reader: stop once read == accepted */
	uint32_t submitters_done;
	uint64_t seed;
};

struct thr {
	struct sess_ctx *s;
	uint32_t tid;
	pthread_t th;
};

/*
 * Spread the job budget over the whole run, so that a fast machine does not
 * spend it in the first second and then only open and close idle clients.
 */
static bool over_pace(uint32_t n)
{
	uint64_t el = aq_now_ns() - sh->start_ns, allowed;

	if (el >= sh->duration_ns)
		return false;
	allowed = (uint64_t)((double)sh->budget * el / sh->duration_ns) +
		  sh->budget / 20;
	return __atomic_load_n(&sh->reserved, __ATOMIC_RELAXED) + n > allowed;
}

static uint32_t pick_depth(uint64_t *r)
{
	static const uint32_t d[] = { 1, 2, 4, 16, 64, 4096 };
	uint32_t v = d[rnd_below(r, sizeof(d) / sizeof(d[0]))];

	return v < sh->info.max_depth ? v : sh->info.max_depth;
}

static int create_queue(struct sess_ctx *s, uint64_t *r, uint32_t *qid)
{
	uint32_t eng = rnd_below(r, 3) == 0 ? ACCELQ_ENGINE_ANY :
		       (uint32_t)rnd_below(r, sh->info.nr_engines);

	return aq_qcreate(s->fd, eng, rnd_below(r, 2) ? ACCELQ_CLASS_LATENCY :
							ACCELQ_CLASS_BATCH,
			  pick_depth(r), qid, NULL);
}

static void *submitter(void *arg)
{
	struct thr *t = arg;
	struct sess_ctx *s = t->s;
	uint64_t r = splitmix(s->seed ^ (0x100 + t->tid));
	uint32_t maxb = sh->info.max_batch < 64 ? sh->info.max_batch : 64;
	struct accelq_job jobs[64];
	uint64_t counter = 0;
	struct sub_entry *ents = NULL;
	uint32_t e = CHUNK_RECS, ord = 0;

	while (!__atomic_load_n(&s->submit_stop, __ATOMIC_ACQUIRE)) {
		uint32_t slot = rnd_below(&r, s->nq), n, i, acc;
		uint32_t qid = __atomic_load_n(&s->queues[slot],
					       __ATOMIC_ACQUIRE);
		struct sub_entry *en;
		uint64_t ud;
		int ret;

		if (e == CHUNK_RECS) {
			int64_t idx = chunk_get(false, s->sid, t->tid, ord++);

			if (idx < 0)
				break;	/* out of ledger space */
			ents = chunk_data(false, idx);
			e = 0;
		}
		n = 1 + rnd_below(&r, maxb);
		if (over_pace(n)) {
			usleep(2000);
			continue;
		}
		if (__atomic_add_fetch(&sh->reserved, n, __ATOMIC_RELAXED) >
		    sh->budget) {
			__atomic_sub_fetch(&sh->reserved, n, __ATOMIC_RELAXED);
			break;	/* job budget used up */
		}
		ud = ((uint64_t)s->sid << 40) | ((uint64_t)t->tid << 32) |
		     counter;
		counter += n;
		for (i = 0; i < n; i++) {
			uint64_t c = rnd_below(&r, 4) == 0 ? 0 :
				     rnd_below(&r, MAX_JOB_COST + 1);

			jobs[i].cost_ns = c;
			jobs[i].user_data = ud + i;
			jobs[i].flags = rnd_below(&r, 10) < 3 ?
					ACCELQ_JOB_PREEMPTIBLE : 0;
			jobs[i].pad = 0;
		}
		en = &ents[e];
		en->ud_base = ud;
		aq_submit_init(&en->sub, qid, jobs, n, sizeof(jobs[0]));
		en->sub.accepted = 0;
		en->sub.first_seqno = 0;
		__atomic_add_fetch(&sh->submits, 1, __ATOMIC_RELAXED);
		ret = aq_ioctl(s->fd, ACCELQ_IOCTL_SUBMIT, &en->sub);
		acc = ret ? 0 : en->sub.accepted;
		__atomic_sub_fetch(&sh->reserved, n - (acc <= n ? acc : n),
				   __ATOMIC_RELAXED);
		if (!ret) {
			if (acc < 1 || acc > n || en->sub.first_seqno == 0) {
				worker_error("SUBMIT returned 0 with accepted %u of %u, first_seqno %llu",
					     acc, n,
					     (unsigned long long)en->sub.first_seqno);
				continue;
			}
			if (acc < n)
				__atomic_add_fetch(&sh->partial, 1,
						   __ATOMIC_RELAXED);
			__atomic_add_fetch(&s->accepted, acc, __ATOMIC_RELEASE);
			e++;	/* keep this entry: it holds accepted jobs */
			if (rnd_below(&r, 20) == 0) {
				__s64 tmo = rnd_below(&r, 2) ?
					    0 : (__s64)NSEC_PER_MSEC;

				__atomic_add_fetch(&sh->waits, 1,
						   __ATOMIC_RELAXED);
				ret = aq_wait(s->fd, qid,
					      en->sub.first_seqno + acc - 1,
					      tmo);
				if (ret && ret != -ETIMEDOUT && ret != -ENOENT)
					worker_error("WAIT: %s", strerror(-ret));
			}
			continue;
		}
		if (en->sub.accepted != 0)
			worker_error("failed SUBMIT (%s) wrote accepted=%u",
				     strerror(-ret), en->sub.accepted);
		switch (ret) {
		case -EAGAIN:
			__atomic_add_fetch(&sh->eagain, 1, __ATOMIC_RELAXED);
			if (rnd_below(&r, 2))
				sched_yield();
			else
				usleep(rnd_below(&r, 200));
			break;
		case -ENOBUFS: {
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };

			__atomic_add_fetch(&sh->enobufs, 1, __ATOMIC_RELAXED);
			poll(&p, 1, 10);
			break;
		}
		case -ENOENT:	/* the chaos thread destroyed the queue */
			__atomic_add_fetch(&sh->enoent, 1, __ATOMIC_RELAXED);
			break;
		default:
			worker_error("SUBMIT: %s", strerror(-ret));
			usleep(1000);
			break;
		}
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct thr *t = arg;
	struct sess_ctx *s = t->s;
	uint64_t r = splitmix(s->seed ^ 0x5eed);
	struct accelq_completion *recs = NULL;
	uint32_t pos = CHUNK_RECS, ord = 0;

	for (;;) {
		uint64_t acc, rd;
		uint32_t want;
		long n;

		if (__atomic_load_n(&s->reader_stop, __ATOMIC_ACQUIRE))
			break;
		acc = __atomic_load_n(&s->accepted, __ATOMIC_ACQUIRE);
		rd = __atomic_load_n(&s->read, __ATOMIC_RELAXED);
		if (__atomic_load_n(&s->draining, __ATOMIC_ACQUIRE) &&
		    __atomic_load_n(&s->submitters_done, __ATOMIC_ACQUIRE) &&
		    rd == acc)
			break;
		if (pos == CHUNK_RECS) {
			int64_t idx = chunk_get(true, s->sid, 0, ord++);

			if (idx < 0) {
				worker_error("out of record chunks");
				break;
			}
			recs = chunk_data(true, idx);
			pos = 0;
		}
		want = 1 + rnd_below(&r, 64);
		if (want > CHUNK_RECS - pos)
			want = CHUNK_RECS - pos;
		if (acc > rd && rnd_below(&r, 2)) {
			/* Something is owed to us: a blocking read returns. */
			n = aq_read(s->fd, recs + pos, want);
		} else {
			struct pollfd p = { .fd = s->fd, .events = POLLIN };
			int pr = poll(&p, 1, 20);

			if (pr <= 0)
				continue;
			if (!(p.revents & POLLIN)) {
				worker_error("poll revents 0x%x", p.revents);
				continue;
			}
			n = aq_read(s->fd, recs + pos, want);
		}
		if (n < 0) {
			if (n != -EAGAIN && n != -EINTR)
				worker_error("read: %s", strerror((int)-n));
			continue;
		}
		if (n == 0 || n > (long)want) {
			worker_error("read returned %ld records for %u", n,
				     want);
			continue;
		}
		pos += n;
		__atomic_add_fetch(&s->read, n, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *chaos(void *arg)
{
	struct thr *t = arg;
	struct sess_ctx *s = t->s;
	uint64_t r = splitmix(s->seed ^ 0xc4a05);

	while (!__atomic_load_n(&s->submit_stop, __ATOMIC_ACQUIRE)) {
		uint32_t slot, old, nq;
		struct accelq_info info;
		int ret;

		usleep(5000 + rnd_below(&r, 45000));
		if (rnd_below(&r, 8) == 0 && aq_info(s->fd, &info))
			worker_error("GET_INFO failed");
		slot = rnd_below(&r, s->nq);
		ret = create_queue(s, &r, &nq);
		if (ret) {
			if (ret != -EMFILE)
				worker_error("QUEUE_CREATE: %s",
					     strerror(-ret));
			continue;
		}
		old = __atomic_exchange_n(&s->queues[slot], nq,
					  __ATOMIC_ACQ_REL);
		ret = aq_qdestroy(s->fd, old);
		if (ret)
			worker_error("QUEUE_DESTROY %u: %s", old,
				     strerror(-ret));
		__atomic_add_fetch(&sh->destroys, 1, __ATOMIC_RELAXED);
		sh->sessions[s->sid].nr_destroyed++;
	}
	return NULL;
}

static void run_session(uint32_t slot, uint64_t *r)
{
	struct thr subs[MAX_THREADS], rdr, chs;
	struct sess_ctx s;
	struct accelq_info info;
	uint64_t end, dur_ms;
	bool graceful;
	uint32_t k, sid, maxq;

	sid = __atomic_fetch_add(&sh->next_session, 1, __ATOMIC_RELAXED);
	if (sid >= MAX_SESSIONS) {
		while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
			usleep(10000);
		return;
	}
	memset(&s, 0, sizeof(s));
	s.sid = sid;
	s.seed = splitmix(opt.seed ^ ((uint64_t)sid << 20));
	s.fd = aq_open();
	if (s.fd < 0) {
		worker_error("open: %s", strerror(errno));
		usleep(100000);
		return;
	}
	if (aq_info(s.fd, &info)) {
		worker_error("GET_INFO: %s", strerror(errno));
		close(s.fd);
		return;
	}
	sh->sessions[sid].slot = slot;
	sh->sessions[sid].pid = getpid();
	sh->sessions[sid].client_id = info.client_id;
	__atomic_store_n(&sh->sessions[sid].state, SS_RUNNING,
			 __ATOMIC_RELEASE);

	/* Leave one queue slot for the chaos thread's create-then-destroy. */
	maxq = info.max_queues - 1 < MAX_QUEUES ? info.max_queues - 1 :
						  MAX_QUEUES;
	s.nq = 2 + rnd_below(r, 5);
	if (s.nq > maxq)
		s.nq = maxq ? maxq : 1;
	for (k = 0; k < s.nq; k++) {
		int ret = create_queue(&s, r, &s.queues[k]);

		if (ret) {
			worker_error("QUEUE_CREATE: %s", strerror(-ret));
			s.nq = k;
			break;
		}
	}
	if (!s.nq) {
		close(s.fd);
		__atomic_store_n(&sh->sessions[sid].state, SS_ABRUPT,
				 __ATOMIC_RELEASE);
		return;
	}

	rdr.s = &s;
	rdr.tid = 0;
	pthread_create(&rdr.th, NULL, reader, &rdr);
	for (k = 0; k < opt.threads; k++) {
		subs[k].s = &s;
		subs[k].tid = k + 1;
		pthread_create(&subs[k].th, NULL, submitter, &subs[k]);
	}
	chs.s = &s;
	chs.tid = 0;
	pthread_create(&chs.th, NULL, chaos, &chs);

	dur_ms = 100 + rnd_below(r, 1400);
	graceful = rnd_below(r, 10) < 6;
	end = aq_now_ns() + dur_ms * NSEC_PER_MSEC;
	while (aq_now_ns() < end && !__atomic_load_n(&sh->stop,
						     __ATOMIC_ACQUIRE))
		usleep(5000);

	__atomic_store_n(&s.submit_stop, 1, __ATOMIC_RELEASE);
	for (k = 0; k < opt.threads; k++)
		pthread_join(subs[k].th, NULL);
	pthread_join(chs.th, NULL);
	__atomic_store_n(&s.submitters_done, 1, __ATOMIC_RELEASE);

	if (graceful) {
		uint64_t dl = aq_now_ns() + DRAIN_TIMEOUT_MS * NSEC_PER_MSEC;

		__atomic_store_n(&s.draining, 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&s.read, __ATOMIC_ACQUIRE) !=
		       __atomic_load_n(&s.accepted, __ATOMIC_ACQUIRE)) {
			if (aq_now_ns() > dl) {
				__atomic_add_fetch(&sh->drain_timeouts, 1,
						   __ATOMIC_RELAXED);
				worker_error("session %u: drain timed out, read %llu of %llu",
					     sid,
					     (unsigned long long)s.read,
					     (unsigned long long)s.accepted);
				graceful = false;
				break;
			}
			usleep(1000);
		}
	}
	__atomic_store_n(&s.reader_stop, 1, __ATOMIC_RELEASE);
	pthread_join(rdr.th, NULL);
	if (graceful) {
		struct accelq_completion extra;

		int fl = fcntl(s.fd, F_GETFL);

		/* Nothing beyond what was accepted may show up. */
		fcntl(s.fd, F_SETFL, fl | O_NONBLOCK);
		if (aq_read(s.fd, &extra, 1) != -EAGAIN)
			worker_error("session %u: extra completion after drain",
				     sid);
		__atomic_store_n(&sh->sessions[sid].state, SS_CLEAN,
				 __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&sh->sessions[sid].state, SS_ABRUPT,
				 __ATOMIC_RELEASE);
	}
	close(s.fd);
}

static void worker(uint32_t slot, uint32_t gen)
{
	uint64_t r = splitmix(opt.seed ^ ((uint64_t)slot << 32) ^ gen);

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
		run_session(slot, &r);
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* Parent: ledger replay                                               */

struct job_rec {
	uint64_t ud;		/* 0: empty slot (ud is never 0: sid >= 0, tid >= 1) */
	uint64_t seqno;
	uint32_t queue;
	uint32_t session;
	uint32_t seen;
};

struct table {
	struct job_rec *v;
	uint64_t mask;
	uint64_t n;
};

static struct job_rec *tab_find(struct table *t, uint64_t ud, bool insert)
{
	uint64_t i = splitmix(ud) & t->mask;

	for (;;) {
		if (t->v[i].ud == ud)
			return &t->v[i];
		if (t->v[i].ud == 0) {
			if (!insert)
				return NULL;
			t->v[i].ud = ud;
			t->n++;
			return &t->v[i];
		}
		i = (i + 1) & t->mask;
	}
}

static unsigned int tap_n;
static unsigned int tap_fail;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		tap_fail++;
	fflush(stdout);
}

struct replay_stats {
	uint64_t read, unknown, dups, bad_fields, bad_order, cancelled;
	uint64_t first_bad_order_ud;
};

/* Last seqno read per queue of the session being replayed. */
struct last_seq {
	uint32_t n;
	struct { uint32_t q; uint64_t seq; } v[MAX_QUEUES * 64];
};

static void check_order(struct last_seq *ls, const struct accelq_completion *c,
			struct replay_stats *rs)
{
	uint32_t l;

	for (l = 0; l < ls->n; l++)
		if (ls->v[l].q == c->queue_id)
			break;
	if (l == ls->n) {
		if (ls->n == MAX_QUEUES * 64)
			return;
		ls->v[l].q = c->queue_id;
		ls->v[l].seq = 0;
		ls->n++;
	}
	if (c->seqno <= ls->v[l].seq) {
		if (!rs->bad_order)
			rs->first_bad_order_ud = c->user_data;
		rs->bad_order++;
	}
	ls->v[l].seq = c->seqno;
}

static void check_record(struct table *tab, uint32_t sid,
			 const struct accelq_completion *c,
			 struct replay_stats *rs)
{
	struct job_rec *jr;

	rs->read++;
	jr = tab_find(tab, c->user_data, false);
	if (!jr || !jr->seqno) {
		rs->unknown++;
		return;
	}
	if (++jr->seen > 1)
		rs->dups++;
	if (c->status == -ECANCELED)
		rs->cancelled++;
	if (jr->session == sid && jr->queue == c->queue_id &&
	    jr->seqno == c->seqno &&
	    (c->status == 0 || c->status == -ECANCELED) &&
	    c->engine < sh->info.nr_engines &&
	    !(c->flags & ~ACCELQ_COMPLETION_PREEMPTED))
		return;
	if (!rs->bad_fields)
		printf("# bad record: ud 0x%llx q %u seq %llu st %d eng %u fl 0x%x; expected session %u q %u seq %llu (read by session %u)\n",
		       (unsigned long long)c->user_data, c->queue_id,
		       (unsigned long long)c->seqno, c->status, c->engine,
		       c->flags, jr->session, jr->queue,
		       (unsigned long long)jr->seqno, sid);
	rs->bad_fields++;
}

static bool chunk_before(const struct chunk_hdr *p, const struct chunk_hdr *q)
{
	return p->session < q->session ||
	       (p->session == q->session && p->ord < q->ord);
}

/* Replay every REC chunk in (session, allocation order): 0 or -ENOMEM. */
static int replay_records(struct table *tab, struct replay_stats *rs)
{
	uint32_t *order = calloc(sh->nr_rec_chunks, sizeof(*order));
	struct last_seq *ls = calloc(1, sizeof(*ls));
	uint32_t n = 0, a, b, cur = UINT32_MAX;
	uint64_t k;

	if (!order || !ls) {
		free(order);
		free(ls);
		return -ENOMEM;
	}
	for (k = 0; k < sh->nr_rec_chunks && k < sh->next_rec_chunk; k++)
		if (rec_hdr[k].kind == CK_REC)
			order[n++] = k;
	/* insertion sort: chunks are allocated nearly in order already */
	for (a = 1; a < n; a++) {
		uint32_t x = order[a];

		for (b = a; b > 0 && !chunk_before(&rec_hdr[order[b - 1]],
						   &rec_hdr[x]); b--)
			order[b] = order[b - 1];
		order[b] = x;
	}
	for (a = 0; a < n; a++) {
		struct accelq_completion *c = chunk_data(true, order[a]);
		uint32_t sid = rec_hdr[order[a]].session, r;

		if (sid != cur) {
			cur = sid;
			ls->n = 0;
		}
		for (r = 0; r < CHUNK_RECS; r++) {
			if (c[r].seqno == 0)
				continue;	/* never written */
			check_record(tab, sid, &c[r], rs);
			check_order(ls, &c[r], rs);
		}
	}
	free(order);
	free(ls);
	return 0;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--duration SEC] [--procs N] [--threads N]\n"
		"          [--max-jobs N] [--no-kill]\n", argv0);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "procs", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-jobs", required_argument, NULL, 'm' },
		{ "no-kill", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:d:p:t:m:Kh", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.seed = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			opt.duration = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			opt.procs = strtoul(optarg, NULL, 0);
			break;
		case 't':
			opt.threads = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			opt.max_jobs = strtoull(optarg, NULL, 0);
			break;
		case 'K':
			opt.kill = false;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			exit(2);
		}
	}
	if (opt.procs < 1 || opt.procs > MAX_PROCS || opt.threads < 1 ||
	    opt.threads > MAX_THREADS - 1 || opt.max_jobs < 1) {
		usage(argv[0]);
		exit(2);
	}
}

static void *map_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		printf("Bail out! mmap %zu bytes: %s\n", len, strerror(errno));
		exit(1);
	}
	return p;
}

static pid_t spawn(uint32_t slot, uint32_t gen)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("Bail out! fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0)
		worker(slot, gen);
	return pid;
}

int main(int argc, char **argv)
{
	pid_t pids[MAX_PROCS];
	uint32_t gens[MAX_PROCS] = { 0 };
	bool child_bad = false;
	unsigned int kills = 0, clean = 0, abrupt = 0, killed_sessions = 0;
	struct aq_stats st0, st1;
	bool have_stats;
	uint64_t end, rng, k;
	struct table tab;
	uint64_t accepted = 0, readn = 0, unknown = 0, dups = 0, missing = 0;
	uint64_t bad_fields = 0, bad_order = 0, cancelled = 0, dup_clients = 0;
	uint64_t last_seq_fail_ud = 0;
	struct replay_stats rs = { 0 };
	uint32_t i, nsess;
	int fd, ret;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	printf("# ledger: seed %llu, duration %u s, %u procs x %u threads, max %llu jobs, kill %s\n",
	       (unsigned long long)opt.seed, opt.duration, opt.procs,
	       opt.threads, (unsigned long long)opt.max_jobs,
	       opt.kill ? "on" : "off");

	sh = map_shared(sizeof(*sh));
	fd = aq_open();
	if (fd < 0) {
		printf("1..0 # SKIP cannot open %s: %s\n", AQ_DEV,
		       strerror(errno));
		return 4;
	}
	ret = aq_info(fd, &sh->info);
	close(fd);
	if (ret) {
		printf("Bail out! GET_INFO: %s\n", strerror(-ret));
		return 1;
	}
	printf("# module: %u engines, max_queues %u, max_depth %u, max_batch %u, max_client_jobs %u\n",
	       sh->info.nr_engines, sh->info.max_queues, sh->info.max_depth,
	       sh->info.max_batch, sh->info.max_client_jobs);
	if (sh->info.max_queues < 2) {
		printf("1..0 # SKIP needs max_queues >= 2\n");
		return 4;
	}
	sh->budget = opt.max_jobs;
	sh->duration_ns = (uint64_t)opt.duration * NSEC_PER_SEC;
	sh->threads = opt.threads;
	sh->nr_rec_chunks = opt.max_jobs / CHUNK_RECS + MAX_SESSIONS + 1;
	sh->nr_sub_chunks = opt.max_jobs / CHUNK_RECS +
			    MAX_SESSIONS * opt.threads + 1;
	rec_hdr = map_shared(sizeof(*rec_hdr) * sh->nr_rec_chunks);
	sub_hdr = map_shared(sizeof(*sub_hdr) * sh->nr_sub_chunks);
	rec_data = map_shared((size_t)CHUNK_BYTES * sh->nr_rec_chunks);
	sub_data = map_shared((size_t)CHUNK_BYTES * sh->nr_sub_chunks);

	have_stats = !aq_stats_wait_idle(&st0, 10000);
	if (!have_stats)
		printf("# debugfs stats unavailable: %s\n", AQ_STATS);

	printf("1..14\n");
	sh->start_ns = aq_now_ns();

	for (i = 0; i < opt.procs; i++)
		pids[i] = spawn(i, 0);

	rng = splitmix(opt.seed ^ 0xdeadULL);
	end = aq_now_ns() + (uint64_t)opt.duration * NSEC_PER_SEC;
	while (aq_now_ns() < end) {
		uint64_t nap = 200 + rnd_below(&rng, 800);
		int status;

		aq_sleep_ms(nap);
		/* Reap anything that died on its own. */
		for (i = 0; i < opt.procs; i++) {
			if (pids[i] > 0 && waitpid(pids[i], &status,
						   WNOHANG) == pids[i]) {
				printf("# worker %u (pid %d) exited early, status 0x%x\n",
				       i, pids[i], status);
				child_bad = true;
				pids[i] = spawn(i, ++gens[i]);
			}
		}
		if (!opt.kill || aq_now_ns() >= end)
			continue;
		i = rnd_below(&rng, opt.procs);
		if (pids[i] <= 0)
			continue;
		kill(pids[i], SIGKILL);
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
			/* It may have exited on its own just before. */
			if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
				printf("# worker %u (pid %d): unexpected status 0x%x\n",
				       i, pids[i], status);
				child_bad = true;
			}
		}
		kills++;
		pids[i] = spawn(i, ++gens[i]);
	}

	/* Stop: every worker finishes its session (drain or abrupt close). */
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	{
		uint64_t dl = aq_now_ns() + 120 * NSEC_PER_SEC;
		unsigned int left = opt.procs;

		while (left) {
			int status;

			left = 0;
			for (i = 0; i < opt.procs; i++) {
				if (pids[i] <= 0)
					continue;
				ret = waitpid(pids[i], &status, WNOHANG);
				if (ret == 0) {
					if (aq_now_ns() > dl) {
						printf("# worker %u (pid %d) hung: killing it\n",
						       i, pids[i]);
						kill(pids[i], SIGKILL);
						waitpid(pids[i], &status, 0);
						child_bad = true;
						pids[i] = 0;
						continue;
					}
					left++;
					continue;
				}
				if (!WIFEXITED(status) || WEXITSTATUS(status)) {
					printf("# worker %u (pid %d) ended with status 0x%x\n",
					       i, pids[i], status);
					child_bad = true;
				}
				pids[i] = 0;
			}
			if (left)
				aq_sleep_ms(10);
		}
	}
	tap(!child_bad, "workers exited cleanly (%u SIGKILLed and respawned)",
	    kills);
	if (sh->errors)
		printf("# first worker error: %s\n", sh->first_error);
	tap(sh->errors == 0, "no unexpected errors in workers (%llu)",
	    (unsigned long long)sh->errors);

	/* ---- replay the ledger ---- */
	nsess = sh->next_session < MAX_SESSIONS ? sh->next_session :
						  MAX_SESSIONS;
	tab.mask = 1;
	while (tab.mask < opt.max_jobs / 3 * 4 + 16)
		tab.mask <<= 1;
	tab.v = calloc(tab.mask, sizeof(*tab.v));
	tab.mask--;
	tab.n = 0;
	if (!tab.v) {
		printf("Bail out! out of memory\n");
		return 1;
	}
	for (k = 0; k < sh->nr_sub_chunks && k < sh->next_sub_chunk; k++) {
		struct sub_entry *ents = chunk_data(false, k);
		uint32_t e;

		if (sub_hdr[k].kind != CK_SUB)
			continue;
		for (e = 0; e < CHUNK_RECS; e++) {
			struct sub_entry *en = &ents[e];
			uint32_t a = en->sub.accepted, j;

			if (!a)
				continue;
			if (a > en->sub.count || a > 1024 * 1024) {
				bad_fields++;
				continue;
			}
			for (j = 0; j < a; j++) {
				struct job_rec *jr = tab_find(&tab,
							      en->ud_base + j,
							      true);

				if (jr->seen || jr->seqno) {
					dups++;	/* same cookie accepted twice */
					continue;
				}
				jr->seqno = en->sub.first_seqno + j;
				jr->queue = en->sub.queue_id;
				jr->session = sub_hdr[k].session;
				accepted++;
			}
		}
	}
	/* Records, per session in read order (one reader per session). */
	if (replay_records(&tab, &rs)) {
		printf("Bail out! out of memory\n");
		return 1;
	}
	readn = rs.read;
	unknown = rs.unknown;
	dups += rs.dups;
	bad_fields += rs.bad_fields;
	bad_order = rs.bad_order;
	cancelled = rs.cancelled;
	last_seq_fail_ud = rs.first_bad_order_ud;
	/* Missing: clean sessions must have read every accepted job. */
	for (k = 0; k <= tab.mask; k++) {
		struct job_rec *jr = &tab.v[k];

		if (!jr->ud || !jr->seqno)
			continue;
		if (jr->session < nsess &&
		    sh->sessions[jr->session].state == SS_CLEAN && !jr->seen)
			missing++;
	}
	for (i = 0; i < nsess; i++) {
		uint32_t j;

		switch (sh->sessions[i].state) {
		case SS_CLEAN:
			clean++;
			break;
		case SS_ABRUPT:
			abrupt++;
			break;
		case SS_RUNNING:
			killed_sessions++;
			break;
		}
		for (j = i + 1; j < nsess; j++)
			if (sh->sessions[i].client_id &&
			    sh->sessions[i].client_id ==
			    sh->sessions[j].client_id)
				dup_clients++;
	}
	printf("# sessions: %u (%u clean, %u abrupt close, %u killed), %llu queue destroys\n",
	       nsess, clean, abrupt, killed_sessions,
	       (unsigned long long)sh->destroys);
	printf("# submits %llu (partial %llu, EAGAIN %llu, ENOBUFS %llu, ENOENT %llu), waits %llu\n",
	       (unsigned long long)sh->submits, (unsigned long long)sh->partial,
	       (unsigned long long)sh->eagain, (unsigned long long)sh->enobufs,
	       (unsigned long long)sh->enoent, (unsigned long long)sh->waits);
	printf("# jobs accepted %llu, completions read %llu (%llu cancelled)\n",
	       (unsigned long long)accepted, (unsigned long long)readn,
	       (unsigned long long)cancelled);

	tap(unknown == 0, "every completion belongs to an accepted job (%llu unknown)",
	    (unsigned long long)unknown);
	tap(dups == 0, "no duplicate completions (%llu)",
	    (unsigned long long)dups);
	tap(missing == 0, "no missing completions for clients that drained (%llu missing)",
	    (unsigned long long)missing);
	tap(bad_fields == 0 && dup_clients == 0,
	    "completion fields match the job: client, queue, seqno, status 0/-ECANCELED (%llu bad, %llu dup client ids)",
	    (unsigned long long)bad_fields, (unsigned long long)dup_clients);
	if (bad_order)
		printf("# first out-of-order completion: ud 0x%llx\n",
		       (unsigned long long)last_seq_fail_ud);
	tap(bad_order == 0, "completions of a queue are read in seqno order (%llu out of order)",
	    (unsigned long long)bad_order);

	/* ---- debugfs ---- */
	if (have_stats)
		have_stats = !aq_stats_wait_idle(&st1, 10000);
	if (have_stats) {
		uint64_t d_acc = st1.v[ST_ACCEPTED] - st0.v[ST_ACCEPTED];
		uint64_t d_read = st1.v[ST_READ] - st0.v[ST_READ];
		uint64_t d_comp = st1.v[ST_COMPLETED] - st0.v[ST_COMPLETED];
		uint64_t d_disc = st1.v[ST_DISCARDED] - st0.v[ST_DISCARDED];
		uint64_t d_ok = st1.v[ST_OK] - st0.v[ST_OK];
		uint64_t d_can = st1.v[ST_CANCELED] - st0.v[ST_CANCELED];
		uint64_t d_bad = (st1.v[ST_TIMEDOUT] - st0.v[ST_TIMEDOUT]) +
				 (st1.v[ST_IO] - st0.v[ST_IO]);

		printf("# debugfs delta: accepted %llu completed %llu read %llu discarded %llu ok %llu canceled %llu timedout+io %llu\n",
		       (unsigned long long)d_acc, (unsigned long long)d_comp,
		       (unsigned long long)d_read, (unsigned long long)d_disc,
		       (unsigned long long)d_ok, (unsigned long long)d_can,
		       (unsigned long long)d_bad);
		tap(d_acc == accepted, "debugfs jobs_accepted delta %llu == accepted by clients %llu",
		    (unsigned long long)d_acc, (unsigned long long)accepted);
		tap(d_read == readn, "debugfs completions_read delta %llu == read by clients %llu",
		    (unsigned long long)d_read, (unsigned long long)readn);
		tap(st1.v[ST_INFLIGHT] == 0, "debugfs jobs_inflight == 0 at the end (%llu)",
		    st1.v[ST_INFLIGHT]);
		tap(st1.v[ST_ACCEPTED] ==
		    st1.v[ST_READ] + st1.v[ST_DISCARDED],
		    "debugfs jobs_accepted %llu == completions_read %llu + completions_discarded %llu",
		    st1.v[ST_ACCEPTED], st1.v[ST_READ], st1.v[ST_DISCARDED]);
		tap(d_comp == d_acc && d_comp == d_read + d_disc &&
		    d_disc == accepted - readn,
		    "debugfs deltas: completed %llu == accepted, == read + discarded (%llu), discarded == unread by clients (%llu)",
		    (unsigned long long)d_comp,
		    (unsigned long long)(d_read + d_disc),
		    (unsigned long long)(accepted - readn));
		tap(d_ok + d_can == d_comp && d_bad == 0,
		    "debugfs status counters: ok %llu + canceled %llu == completed, no timeouts/io errors (%llu)",
		    (unsigned long long)d_ok, (unsigned long long)d_can,
		    (unsigned long long)d_bad);
	} else {
		for (i = 0; i < 6; i++)
			tap(false, "debugfs stats readable (%s)", AQ_STATS);
	}
	{
		bool enough = accepted >= 1000 && clean >= 1 &&
			      (opt.duration < 5 ||
			       ((!opt.kill || kills >= 1) && abrupt >= 1 &&
				sh->destroys >= 1));

		tap(enough, "stress exercised the paths: %llu jobs, %u clean, %u abrupt, %u kills, %llu destroys",
		    (unsigned long long)accepted, clean, abrupt, kills,
		    (unsigned long long)sh->destroys);
	}
	printf("# %u passed, %u failed\n", tap_n - tap_fail, tap_fail);
	return tap_fail ? 1 : 0;
}
