// SPDX-License-Identifier: GPL-2.0-only
/*
 * aqload - keep accelq engines busy on behalf of whoever runs it.
 *
 * Opens /dev/accelq (the kernel attributes the client to a tenant from the
 * caller's cgroup or euid), creates queues and keeps them full of jobs of
 * a fixed cost until the time is up or SIGTERM. Prints the tenant id and
 * the engine time its jobs consumed.
 *
 *   aqload [--seconds N (0 = until SIGTERM)] [--cost-us N] [--depth N]
 *          [--queues N]
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <poll.h>
#include <signal.h>

#include "../accelq_common.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "cost-us", required_argument, NULL, 'c' },
		{ "depth", required_argument, NULL, 'd' },
		{ "queues", required_argument, NULL, 'q' },
		{}
	};
	unsigned int seconds = 10, cost_us = 1000, depth = 8, nq = 1, i;
	uint64_t jobs = 0, run_ns = 0, deadline;
	struct accelq_completion rec[64];
	struct accelq_info info;
	uint32_t qid[16], inflight[16] = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	int fd, c, r;

	while ((c = getopt_long(argc, argv, "s:c:d:q:", opts, NULL)) >= 0) {
		switch (c) {
		case 's': seconds = (unsigned int)atoi(optarg); break;
		case 'c': cost_us = (unsigned int)atoi(optarg); break;
		case 'd': depth = (unsigned int)atoi(optarg); break;
		case 'q': nq = (unsigned int)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: aqload [--seconds N] [--cost-us N] [--depth N] [--queues N]\n");
			return 2;
		}
	}
	if (nq < 1 || nq > 16 || depth < 1)
		return 2;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fd = aq_open();
	if (fd < 0) {
		perror("aqload: open " AQ_DEV);
		return 1;
	}
	r = aq_info(fd, &info);
	if (r) {
		fprintf(stderr, "aqload: GET_INFO: %s\n", strerror(-r));
		return 1;
	}
	for (i = 0; i < nq; i++) {
		r = aq_qcreate(fd, ACCELQ_ENGINE_ANY, ACCELQ_CLASS_BATCH, depth,
			       &qid[i], NULL);
		if (r) {
			fprintf(stderr, "aqload: QUEUE_CREATE: %s\n", strerror(-r));
			return 1;
		}
	}
	printf("aqload: pid %d tenant %u\n", getpid(), info.tenant_id);
	fflush(stdout);

	deadline = seconds ? aq_now_ns() + seconds * NSEC_PER_SEC : UINT64_MAX;
	while (!stop && aq_now_ns() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long n;

		for (i = 0; i < nq; i++) {
			while (inflight[i] < depth) {
				r = aq_submit1(fd, qid[i], cost_us * NSEC_PER_USEC,
					       i, 0, NULL);
				if (r)
					break;
				inflight[i]++;
			}
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = aq_read(fd, rec, 64);
		for (c = 0; c < n; c++) {
			uint32_t q = (uint32_t)rec[c].user_data;

			if (q < nq && inflight[q])
				inflight[q]--;
			jobs++;
			run_ns += rec[c].run_ns;
		}
	}
	printf("aqload: jobs %llu run_ns %llu\n", (unsigned long long)jobs,
	       (unsigned long long)run_ns);
	close(fd);
	return 0;
}
