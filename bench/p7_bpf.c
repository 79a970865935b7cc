// SPDX-License-Identifier: GPL-2.0-only
/*
 * P7 - P1 with the BPF collectors attached, against P1 without them.
 *
 * Method
 *   The P1 loop (one client, SUBMIT 64 zero-cost jobs to a queue on engine
 *   0, read the 64 records) for 0.3 s, alternately without and with the
 *   collectors of libaccelq-bpf attached (accelq_collector_open() with no
 *   pinning: the raw tracepoint programs on accelq_job_submit, job_end,
 *   ...; attached before and detached after each "with" run), 15 pairs (2
 *   with --smoke). Each pair gives jobs/s with / jobs/s without, each
 *   side's rate being the best of three thirds of its time (other load on
 *   the host only ever slows a run down). A snapshot after the last
 *   attached run checks that the collectors saw the jobs. Reported:
 *   min/median/max of the ratios; goal: median >= 0.95.
 *
 *   Built as a stub reporting "not yet" when bpf/libaccelq-bpf.a did not
 *   exist at build time.
 */
#define _GNU_SOURCE
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#ifdef HAVE_ACCELQ_BPF
#include "libaccelq_bpf.h"

static int aq_fd;
static uint32_t aq_qid;
static struct accelq_job jobs[64];
static struct accelq_completion recs[64];

static double run_p1(uint64_t dur)
{
	uint64_t t0 = now_ns(), t = t0, iters = 0;

	do {
		int r = aq_submit(aq_fd, aq_qid, jobs, 64);

		if (r != 64)
			die("SUBMIT: %s", r < 0 ? strerror(-r) : "partial");
		aq_read_n(aq_fd, recs, 64);
		if (++iters % 4)
			continue;
		t = now_ns();
	} while (t - t0 < dur);
	return (double)iters * 64 * NS_PER_SEC / (t - t0);
}

static struct accelq_collector *attach(void)
{
	struct accelq_collector_opts o;
	struct accelq_collector *c;
	int ret;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.pin_dir = "";
	ret = accelq_collector_open(&o, &c);
	if (ret)
		die("accelq_collector_open: %s", strerror(-ret));
	return c;
}

int main(int argc, char **argv)
{
	const char *out = bench_args(argc, argv);
	unsigned int pairs = bench_smoke ? 2 : 15, i;
	uint64_t dur = bench_smoke ? 20 * NS_PER_MS : 300 * NS_PER_MS;
	double *with = xcalloc(pairs, sizeof(double));
	double *without = xcalloc(pairs, sizeof(double));
	double *ratio = xcalloc(pairs, sizeof(double));
	struct accelq_collector *c;
	struct accelq_snapshot snap;
	struct accelq_info info;
	uint64_t seen = 0;
	struct json *j;
	size_t k;

	aq_fd = aq_open();
	aq_get_info(aq_fd, &info);
	aq_qid = aq_queue(aq_fd, 0, ACCELQ_CLASS_BATCH, 64);
	aq_jobs_fill(jobs, 64, 0, 0);

	c = attach();		/* warm-up of both, and a check it loads */
	run_p1(dur / 4);
	accelq_collector_close(c);
	run_p1(dur / 4);
	for (i = 0; i < pairs; i++) {
		unsigned int b;

		/* best of 3 thirds on each side, see P1 */
		without[i] = with[i] = 0;
		for (b = 0; b < 3; b++)
			without[i] = fmax(without[i], run_p1(dur / 3));
		c = attach();
		for (b = 0; b < 3; b++)
			with[i] = fmax(with[i], run_p1(dur / 3));
		if (i == pairs - 1) {
			int ret = accelq_collector_snapshot(c, &snap);

			if (ret)
				die("snapshot: %s", strerror(-ret));
			for (k = 0; k < snap.nr_tenants; k++)
				if (snap.tenants[k].tenant == info.tenant_id)
					seen = snap.tenants[k].jobs[ACCELQ_BPF_ST_OK];
			accelq_snapshot_free(&snap);
		}
		accelq_collector_close(c);
		ratio[i] = with[i] / without[i];
		msg("pair %u: with/without collectors = %.3f", i, ratio[i]);
	}
	msg("collectors counted %llu completed jobs of our tenant in the last run",
	    (unsigned long long)seen);
	if (!seen)
		die("the collectors saw none of the jobs: not attached?");

	j = json_open(out);
	json_bench_head(j, "P7", "P1 with the BPF collectors attached",
			"P1 loop 0.3 s without / with libaccelq-bpf collectors attached "
			"(no pinning), 15 alternating pairs, ratio per pair");
	json_str(j, "status", "ok");
	json_arr(j, "results");
	json_result(j, "P7 P1 with collectors / without", "x",
		    summarize(ratio, pairs), ">=", 0.95, "median",
		    "P1 jobs/s with the BPF collectors attached / without");
	json_arr_end(j);
	json_obj(j, "raw");
	json_darray(j, "with_jobs_per_s", with, pairs);
	json_darray(j, "without_jobs_per_s", without, pairs);
	json_u64(j, "jobs_seen_by_collector_last_run", seen);
	json_obj_end(j);
	json_close(j);
	close(aq_fd);
	return 0;
}

#else /* !HAVE_ACCELQ_BPF */

int main(int argc, char **argv)
{
	const char *out = bench_args(argc, argv);
	struct json *j = json_open(out);

	msg("not yet: bpf/libaccelq-bpf.a was not built when bench/ was");
	json_bench_head(j, "P7", "P1 with the BPF collectors attached",
			"not run: the BPF collector library did not exist at build time");
	json_str(j, "status", "not yet");
	json_arr(j, "results");
	json_arr_end(j);
	json_close(j);
	return 77;
}

#endif
