// SPDX-License-Identifier: GPL-2.0-only
/*
 * zero_cost_storm - can an unprivileged user make the kernel complete an
 * unbounded number of jobs in one go with bottom halves disabled?
 *
 * A job of cost 0 completes "on the spot" inside the engine's kick loop,
 * which runs under the engine lock (spin_lock_bh) and keeps going while the
 * engine stays idle. So: occupy engine 0 with one long non-preemptible job
 * (just under the hang timeout), queue as many zero-cost jobs behind it on
 * the same engine as the limits allow from several open files, and when
 * the long job ends, the completion timer (softirq) runs the kick loop over
 * all of them at once.
 *
 * Prints how many jobs were queued and how long the drain took, and
 * measures what another task feels meanwhile: a probe thread calls WAIT
 * with timeout 0 on engine 0's long-job queue in a loop (a call that only
 * takes the engine lock briefly). Exit 1 if one such call took longer than
 * --max-latency-ms (default 500), 2 if setting up failed, 3 if the run was
 * inconclusive: the whole drain took less than twice that limit, so even a
 * lock held throughout would have passed (a kernel too slow at accepting
 * jobs to queue enough in the window). The kernel log (soft lockup, RCU
 * stall) is checked by scripts/vm.
 *
 * The long job is preemptible: with nobody else of another tenant waiting
 * it keeps the engine (and renews its watchdog) for its whole cost, up to
 * max_cost_ns (10 s). --procs forks submitters to fill the window faster.
 *
 * Usage: zero_cost_storm [--files N] [--queues-per-file N] [--block-ms MS]
 *                        [--procs N]
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../accelq_common.h"

#define MAX_FILES	256

static int probe_fd;
static __u32 probe_q;
static __u64 probe_seq;
static atomic_bool probe_stop;
static unsigned long long probe_max_ns, probe_calls;

static void *probe(void *unused)
{
	(void)unused;
	while (!atomic_load(&probe_stop)) {
		unsigned long long t0 = aq_now_ns(), d;

		aq_wait(probe_fd, probe_q, probe_seq, 0);
		d = aq_now_ns() - t0;
		if (d > probe_max_ns)
			probe_max_ns = d;
		probe_calls++;
		usleep(1000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "files", required_argument, NULL, 'f' },
		{ "queues-per-file", required_argument, NULL, 'q' },
		{ "block-ms", required_argument, NULL, 'b' },
		{ "procs", required_argument, NULL, 'p' },
		{ "max-latency-ms", required_argument, NULL, 'm' },
		{ "min-jobs", required_argument, NULL, 'j' },
		{ 0 }
	};
	unsigned int files = 8, qpf = 16, block_ms = 0, procs = 1, i, q, k, p;
	unsigned int max_lat_ms = 500, min_jobs = 50000;
	pthread_t pt;
	static struct accelq_job jobs[1024];
	struct accelq_info info;
	unsigned long long queued = 0, t_end, t_idle;
	int fds[MAX_FILES], lfd, c;
	__u32 lq, qid, acc, last_q[MAX_FILES] = { 0 };
	__u64 seq, first, last_s[MAX_FILES] = { 0 };

	while ((c = getopt_long(argc, argv, "f:q:b:p:m:j:", lo, NULL)) != -1) {
		switch (c) {
		case 'j': min_jobs = strtoul(optarg, NULL, 0); break;
		case 'm': max_lat_ms = strtoul(optarg, NULL, 0); break;
		case 'p': procs = strtoul(optarg, NULL, 0); break;
		case 'f': files = strtoul(optarg, NULL, 0); break;
		case 'q': qpf = strtoul(optarg, NULL, 0); break;
		case 'b': block_ms = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: zero_cost_storm [--files N] [--queues-per-file N] [--block-ms MS]\n");
			return 2;
		}
	}
	if (files > MAX_FILES)
		files = MAX_FILES;
	lfd = aq_open();
	if (lfd < 0 || aq_info(lfd, &info)) {
		perror("open/GET_INFO");
		return 2;
	}
	if (!block_ms)
		block_ms = info.max_cost_ns / NSEC_PER_MSEC;
	printf("# uid %u: job timeout %llu ms, blocking engine 0 for %u ms; max_client_jobs %u, max_batch %u, max_depth %u\n",
	       getuid(), (unsigned long long)(info.job_timeout_ns / NSEC_PER_MSEC), block_ms,
	       info.max_client_jobs, info.max_batch, info.max_depth);
	if (aq_qcreate(lfd, 0, ACCELQ_CLASS_BATCH, 1, &lq, NULL) ||
	    aq_submit1(lfd, lq, (unsigned long long)block_ms * NSEC_PER_MSEC, 1,
		       ACCELQ_JOB_PREEMPTIBLE, &seq)) {
		perror("long job");
		return 2;
	}
	t_end = aq_now_ns() + (unsigned long long)block_ms * NSEC_PER_MSEC;
	probe_fd = lfd;
	probe_q = lq;
	probe_seq = seq;
	pthread_create(&pt, NULL, probe, NULL);

	memset(jobs, 0, sizeof(jobs));	/* cost 0 */
	for (p = 1; p < procs; p++)
		if (fork() == 0)
			break;
	if (p == procs)
		p = 0;		/* the parent */
	for (i = 0; i < files && aq_now_ns() + NSEC_PER_SEC < t_end; i++) {
		unsigned int per_file = 0;

		fds[i] = aq_open();
		if (fds[i] < 0)
			break;
		for (q = 0; q < qpf && per_file < info.max_client_jobs; q++) {
			unsigned int depth = info.max_depth < 4096 ? info.max_depth : 4096;

			if (aq_qcreate(fds[i], 0, ACCELQ_CLASS_BATCH, depth, &qid, NULL))
				break;
			for (k = 0; k < depth && aq_now_ns() + NSEC_PER_SEC < t_end; k += acc) {
				unsigned int n = depth - k < info.max_batch ? depth - k : info.max_batch;

				if (n > 1024)
					n = 1024;
				if (aq_submit(fds[i], qid, jobs, n, &acc, &first) || !acc)
					break;
				per_file += acc;
				last_q[i] = qid;
				last_s[i] = first + acc - 1;
			}
		}
		queued += per_file;
	}
	t_idle = aq_now_ns();
	printf("# proc %u: %u files, %llu zero-cost jobs queued behind the long job (%s before it ended)\n",
	       p, i, queued, t_idle < t_end ? "all" : "NOT all");
	if (aq_wait(lfd, lq, seq, 600 * NSEC_PER_SEC))
		printf("# the long job did not complete\n");
	for (k = 0; k < i; k++)
		if (last_q[k] && aq_wait(fds[k], last_q[k], last_s[k], 600 * NSEC_PER_SEC))
			printf("# file %u: its last job did not complete\n", k);
	{
		unsigned long long now = aq_now_ns();

		printf("# proc %u: all done %.3f s after the long job's expected end\n",
		       p, now > t_end ? (now - t_end) / 1e9 : 0.0);
	}
	if (p)
		return queued / 1024 > 255 ? 255 : (int)(queued / 1024);	/* in 1024s, for the parent */
	{
		int st;

		while (wait(&st) > 0)
			if (WIFEXITED(st))
				queued += (unsigned long long)WEXITSTATUS(st) * 1024;
	}
	atomic_store(&probe_stop, true);
	pthread_join(pt, NULL);
	printf("# probe: %llu non-blocking WAITs on engine 0, the slowest took %.3f s (limit %u ms)\n",
	       probe_calls, probe_max_ns / 1e9, max_lat_ms);
	if (probe_max_ns > (unsigned long long)max_lat_ms * NSEC_PER_MSEC)
		return 1;
	{
		unsigned long long now = aq_now_ns(), drain = now > t_end ? now - t_end : 0;

		if (drain < 2ULL * max_lat_ms * NSEC_PER_MSEC || queued < min_jobs) {
			printf("# inconclusive: %llu jobs drained in %.3f s, less than twice the limit\n",
			       queued, drain / 1e9);
			return 3;
		}
	}
	return 0;
}
