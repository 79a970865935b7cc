// SPDX-License-Identifier: GPL-2.0-only
/*
 * P5 - wait time of a latency-class tenant under a saturating batch tenant
 * running long preemptible jobs, against the same tenant alone.
 *
 * Method
 *   Tenant "lat" (uid 20021) has one latency-class queue on engine 0. Its
 *   worker loops: SUBMIT one job of cost 50 us, poll() + read() its record,
 *   keep the record's wait_ns (acceptance to first start, measured by the
 *   kernel), sleep a random 0.1 ms + [0, 2 timeslices) (so arrivals fall at
 *   uniformly random points of the batch tenant's timeslices), repeat.
 *   Tenant "batch" (uid 20022, same weight) keeps a batch-class queue on
 *   engine 0 four deep with preemptible jobs of cost 100 ms (20 timeslices
 *   of the default 5 ms each), i.e. the engine is always busy with it.
 *     alone:      only "lat" runs (the baseline);
 *     contended:  "lat" and "batch" run.
 *   Phases of 8 s alternate alone / contended, 3 times (0.3 s, once, with
 *   --smoke). Per phase: p50 and p99 of wait_ns (nearest rank). Each pair
 *   gives the ratios p99 contended / p99 alone and p50 contended / p50
 *   alone; p99 contended is also divided by the timeslice. Reported:
 *   min/median/max over the pairs; goals: p99 ratio <= 2 and p99 <= one
 *   timeslice (medians). All samples are written for the distribution plot.
 */
#define _GNU_SOURCE
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define MAX_SAMPLES 200000

struct lat_shm {
	volatile uint64_t n;
	uint64_t wait[MAX_SAMPLES];
	uint64_t e2e[MAX_SAMPLES];
};

static uint64_t slice_ns = 5 * NS_PER_MS;

static void latency_worker(void *arg, volatile int *stop, int ready_fd)
{
	struct lat_shm *sh = arg;
	int fd = aq_open();
	uint32_t qid = aq_queue(fd, 0, ACCELQ_CLASS_LATENCY, 4);
	struct accelq_job job;
	unsigned int seed = 12345;

	aq_jobs_fill(&job, 1, 50 * NS_PER_US, 0);
	worker_signal_ready(ready_fd);
	while (!*stop && sh->n < MAX_SAMPLES) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct accelq_completion c;
		uint64_t t0 = now_ns();
		int r = aq_submit(fd, qid, &job, 1);

		if (r != 1)
			die("lat: SUBMIT: %s", r < 0 ? strerror(-r) : "0");
		while (poll(&p, 1, -1) < 0)
			if (errno != EINTR)
				die("lat: poll: %s", strerror(errno));
		if (aq_read(fd, &c, 1) != 1 || c.status)
			die("lat: bad completion");
		sh->wait[sh->n] = c.wait_ns;
		sh->e2e[sh->n] = now_ns() - t0;
		__atomic_add_fetch(&sh->n, 1, __ATOMIC_RELEASE);
		/*
		 * A job completes just after a slice boundary, so a short
		 * fixed-ish gap would put every arrival at the same point of
		 * the next slice: a random gap spanning two slices makes the
		 * arrival phase uniform.
		 */
		sleep_ns(100 * NS_PER_US + rand_r(&seed) % (2 * slice_ns));
	}
	close(fd);
}

struct stats {
	double p50, p99, e2e_p99;
	size_t n;
};

static struct stats phase(bool contended, uint64_t dur, FILE *dat,
			  const uint32_t *ids, double *batch_util)
{
	struct lat_shm *sh = shm_alloc(sizeof(*sh));
	volatile int *stop = shm_alloc(4096);
	struct saturate_arg sa = {
		.engine = 0, .class = ACCELQ_CLASS_BATCH, .depth = 4,
		.cost_ns = 100 * NS_PER_MS, .job_flags = ACCELQ_JOB_PREEMPTIBLE,
	};
	struct worker wl, wb;
	struct aq_tenant_stats b0, b1;
	struct stats s;
	uint64_t t0, t1, *w;
	size_t i, n;

	if (contended) {
		worker_start(&wb, 20022, saturate_worker, &sa, stop);
		worker_wait_ready(&wb);
		sleep_ns(50 * NS_PER_MS);
	}
	nl_tenant_stats(ids[1], &b0);
	t0 = now_ns();
	worker_start(&wl, 20021, latency_worker, sh, stop);
	worker_wait_ready(&wl);
	sleep_ns(dur);
	*stop = 1;
	worker_join(&wl);
	t1 = now_ns();
	nl_tenant_stats(ids[1], &b1);
	if (contended)
		worker_join(&wb);
	*batch_util = (double)(b1.busy_ns - b0.busy_ns) / (t1 - t0);

	n = sh->n;
	if (!n)
		die("no latency samples");
	for (i = 0; i < n; i++)
		fprintf(dat, "%s %llu %llu\n", contended ? "contended" : "alone",
			(unsigned long long)sh->wait[i],
			(unsigned long long)sh->e2e[i]);
	w = xcalloc(n, sizeof(*w));
	memcpy(w, sh->wait, n * sizeof(*w));
	qsort(w, n, sizeof(*w), cmp_u64);
	s.p50 = pct_sorted_u64(w, n, 50);
	s.p99 = pct_sorted_u64(w, n, 99);
	memcpy(w, sh->e2e, n * sizeof(*w));
	qsort(w, n, sizeof(*w), cmp_u64);
	s.e2e_p99 = pct_sorted_u64(w, n, 99);
	s.n = n;
	free(w);
	msg("%s: %zu samples, wait p50 %.1f us p99 %.1f us (batch tenant busy %.1f%%)",
	    contended ? "contended" : "alone", n, s.p50 / 1e3, s.p99 / 1e3,
	    *batch_util * 100);
	munmap(sh, sizeof(*sh));
	munmap((void *)stop, 4096);
	return s;
}

int main(int argc, char **argv)
{
	const char *out = bench_args(argc, argv);
	unsigned int reps = bench_smoke ? 1 : 3, r;
	uint64_t dur = bench_smoke ? 300 * NS_PER_MS : 8 * NS_PER_SEC;
	double slice = aq_param("timeslice_us") * 1e3;
	double *r99 = xcalloc(reps, sizeof(double));
	double *r50 = xcalloc(reps, sizeof(double));
	double *rsl = xcalloc(reps, sizeof(double));
	double *a50 = xcalloc(reps, sizeof(double));
	double *a99 = xcalloc(reps, sizeof(double));
	double *c50 = xcalloc(reps, sizeof(double));
	double *c99 = xcalloc(reps, sizeof(double));
	double *util = xcalloc(reps, sizeof(double));
	double unused;
	uint32_t ids[2];
	struct json *j;
	FILE *dat;
	int i;

	if (slice <= 0)
		die("cannot read the timeslice_us module parameter");
	slice_ns = slice;
	nl_init();
	for (i = 0; i < 2; i++) {
		struct aq_tenant_cfg cfg = { .weight = 100 };
		const char *name = i ? "bench-p5-batch" : "bench-p5-lat";
		int id = nl_tenant_new(name, 20021 + i, &cfg);

		if (id < 0)
			die("TENANT_NEW %s: %s", name, strerror(-id));
		ids[i] = id;
	}

	dat = data_open(out, "-wait.dat");
	fprintf(dat, "# phase wait_ns end_to_end_ns\n");
	for (r = 0; r < reps; r++) {
		struct stats a = phase(false, dur, dat, ids, &unused);
		struct stats c = phase(true, dur, dat, ids, &util[r]);

		a50[r] = a.p50;
		a99[r] = a.p99;
		c50[r] = c.p50;
		c99[r] = c.p99;
		r99[r] = c.p99 / a.p99;
		r50[r] = c.p50 / a.p50;
		rsl[r] = c.p99 / slice;
	}
	fclose(dat);

	j = json_open(out);
	json_bench_head(j, "P5", "latency-class wait under a saturating batch tenant",
			"latency tenant submits single 50 us jobs at random times (0.1 ms + "
			"0..2 slices gaps), wait_ns from its completion records; batch "
			"tenant keeps engine 0 busy with 100 ms preemptible jobs; 8 s "
			"phases alone / contended, 3 pairs");
	json_arr(j, "results");
	json_result(j, "P5 p99 wait, contended / alone", "x", summarize(r99, reps),
		    "<=", 2, "median",
		    "p99 of the latency tenant's wait_ns with the batch tenant running / "
		    "p99 alone");
	json_result(j, "P5 p99 wait contended / timeslice", "x",
		    summarize(rsl, reps), "<=", 1, "median",
		    "p99 wait with the batch tenant running / timeslice_us");
	json_result(j, "P5 p50 wait, contended / alone", "x", summarize(r50, reps),
		    NULL, 0, NULL,
		    "supplementary: median wait with / without the batch tenant");
	json_arr_end(j);
	json_obj(j, "supplementary");
	json_darray(j, "batch_tenant_utilisation", util, reps);
	json_num(j, "timeslice_ns", slice);
	json_obj_end(j);
	json_obj(j, "raw");
	json_darray(j, "alone_p50_ns", a50, reps);
	json_darray(j, "alone_p99_ns", a99, reps);
	json_darray(j, "contended_p50_ns", c50, reps);
	json_darray(j, "contended_p99_ns", c99, reps);
	json_obj_end(j);
	json_close(j);

	for (i = 0; i < 2; i++)
		nl_tenant_del(ids[i]);
	nl_fini();
	return 0;
}
