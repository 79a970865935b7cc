// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq-load - a workload generator for /dev/accelq.
 *
 * Opens the device (so the kernel attributes it to the caller's tenant),
 * creates one queue, keeps up to --inflight jobs of --cost-us each in it for
 * --seconds, reads every completion and prints a summary: jobs by status,
 * engine time, mean and worst wait. Used by the demo and handy for
 * operators checking a tenant's configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/accelq.h>

struct opts {
	const char *dev;
	unsigned int engine;
	unsigned int class;
	unsigned int depth;
	unsigned int inflight;
	uint64_t cost_ns;
	double seconds;
	int preemptible;
	int quiet;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: accelq-load [options]\n"
		"  --device PATH      default /dev/accelq\n"
		"  --engine N|any     engine of the queue (default any)\n"
		"  --class batch|latency   (default batch)\n"
		"  --cost-us N        engine time per job (default 1000)\n"
		"  --inflight N       jobs kept queued (default 8)\n"
		"  --seconds S        how long to run (default 5)\n"
		"  --preemptible      flag jobs ACCELQ_JOB_PREEMPTIBLE\n"
		"  --quiet            print only the summary line\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "engine", required_argument, NULL, 'e' },
		{ "class", required_argument, NULL, 'c' },
		{ "cost-us", required_argument, NULL, 'u' },
		{ "inflight", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "preemptible", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ "/dev/accelq", ACCELQ_ENGINE_ANY,
			    ACCELQ_CLASS_BATCH, 0, 8, 1000000, 5.0, 0, 0 };
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 'e':
			o->engine = strcmp(optarg, "any") ?
				    (unsigned int)strtoul(optarg, NULL, 0) :
				    ACCELQ_ENGINE_ANY;
			break;
		case 'c':
			if (!strcmp(optarg, "latency"))
				o->class = ACCELQ_CLASS_LATENCY;
			else if (!strcmp(optarg, "batch"))
				o->class = ACCELQ_CLASS_BATCH;
			else
				return -1;
			break;
		case 'u':
			o->cost_ns = strtoull(optarg, NULL, 0) * 1000ULL;
			break;
		case 'n':
			o->inflight = strtoul(optarg, NULL, 0);
			break;
		case 's':
			o->seconds = strtod(optarg, NULL);
			break;
		case 'p':
			o->preemptible = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (!o->inflight || o->inflight > 4096 || o->seconds <= 0)
		return -1;
	o->depth = o->inflight;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t ok = 0, canceled = 0, timedout = 0, io = 0, other = 0;
	uint64_t run_ns = 0, wait_sum = 0, wait_max = 0, done = 0;
	struct accelq_queue_create qc = { 0 };
	struct accelq_info info = { 0 };
	unsigned int outstanding = 0;
	uint64_t deadline, start;
	struct opts o;
	int fd;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	fd = open(o.dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "accelq-load: open %s: %s\n", o.dev,
			strerror(errno));
		return 1;
	}
	if (ioctl(fd, ACCELQ_IOCTL_GET_INFO, &info)) {
		fprintf(stderr, "accelq-load: GET_INFO: %s\n", strerror(errno));
		return 1;
	}
	qc.engine = o.engine;
	qc.class = o.class;
	qc.depth = o.depth;
	if (ioctl(fd, ACCELQ_IOCTL_QUEUE_CREATE, &qc)) {
		fprintf(stderr, "accelq-load: QUEUE_CREATE: %s\n",
			strerror(errno));
		return 1;
	}
	if (!o.quiet)
		printf("accelq-load: tenant %u client %llu queue %u on engine %u (%s), %llu us jobs\n",
		       info.tenant_id, (unsigned long long)info.client_id,
		       qc.queue_id, qc.engine_out,
		       o.class == ACCELQ_CLASS_LATENCY ? "latency" : "batch",
		       (unsigned long long)(o.cost_ns / 1000));

	start = now_ns();
	deadline = start + (uint64_t)(o.seconds * 1e9);
	for (;;) {
		struct accelq_completion rec[64];
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t t = now_ns();
		ssize_t n;
		int i;

		while (t < deadline && outstanding < o.inflight) {
			struct accelq_job job = {
				.cost_ns = o.cost_ns,
				.user_data = outstanding,
				.flags = o.preemptible ? ACCELQ_JOB_PREEMPTIBLE : 0,
			};
			struct accelq_submit s = {
				.queue_id = qc.queue_id,
				.count = 1,
				.job_size = sizeof(job),
				.jobs_ptr = (uintptr_t)&job,
			};

			if (ioctl(fd, ACCELQ_IOCTL_SUBMIT, &s)) {
				if (errno == EAGAIN || errno == ENOBUFS ||
				    errno == EDQUOT)
					break;
				fprintf(stderr, "accelq-load: SUBMIT: %s\n",
					strerror(errno));
				return 1;
			}
			outstanding += s.accepted;
		}
		if (!outstanding)
			break;
		if (poll(&pfd, 1, 1000) < 0)
			continue;
		n = read(fd, rec, sizeof(rec));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "accelq-load: read: %s\n",
				strerror(errno));
			return 1;
		}
		for (i = 0; i < n / (ssize_t)sizeof(rec[0]); i++) {
			switch (rec[i].status) {
			case 0:
				ok++;
				break;
			case -ECANCELED:
				canceled++;
				break;
			case -ETIMEDOUT:
				timedout++;
				break;
			case -EIO:
				io++;
				break;
			default:
				other++;
			}
			run_ns += rec[i].run_ns;
			wait_sum += rec[i].wait_ns;
			if (rec[i].wait_ns > wait_max)
				wait_max = rec[i].wait_ns;
			done++;
			outstanding--;
		}
	}

	printf("accelq-load: tenant=%u jobs=%llu ok=%llu canceled=%llu timedout=%llu io=%llu busy_ms=%.1f share=%.3f wait_mean_ms=%.2f wait_max_ms=%.2f\n",
	       info.tenant_id, (unsigned long long)done,
	       (unsigned long long)ok, (unsigned long long)canceled,
	       (unsigned long long)timedout, (unsigned long long)io,
	       run_ns / 1e6, (double)run_ns / (double)(now_ns() - start),
	       done ? wait_sum / 1e6 / done : 0.0, wait_max / 1e6);
	close(fd);
	return other ? 1 : 0;
}
