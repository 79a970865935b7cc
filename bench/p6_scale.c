// SPDX-License-Identifier: GPL-2.0-only
/*
 * P6 - dispatch throughput with many tenants and queues.
 *
 * Method
 *   One root process builds the population itself, which is what makes
 *   10,000 tenants feasible in a few minutes under TCG: tenant t is created
 *   over netlink (in-process, no accelq-nl fork) matching uid 30000 + t;
 *   the process switches only its effective uid (setresuid(-1, uid, -1)),
 *   opens /dev/accelq (the open is attributed to tenant t) and switches
 *   back to root; it then creates 10 queues (depth 4, engine 0) on that
 *   file. No process per tenant, no cgroup directories: one open file per
 *   tenant (RLIMIT_NOFILE raised). Tenant 0 is the "hot" tenant.
 *
 *   Scales: 1 tenant / 1 queue (the baseline), then 100, 1000 and 10000
 *   tenants with 10 queues each (1,000 / 10,000 / 100,000 queues), grown
 *   in place. (--smoke: 1, then 20 tenants.) BENCH_P6_MAX lowers the
 *   largest scale. At each scale:
 *
 *   A. dispatch throughput, as the goal asks (most tenants idle): the hot
 *      tenant runs the P1 loop (SUBMIT 64 zero-cost jobs to its first
 *      queue, read 64 records) for 0.2 s, 9 times; jobs/s. The other
 *      tenants and queues exist but are idle. Scales cannot alternate (the
 *      population is grown once), so each run is paired with an io_uring
 *      NOP run (P1's baseline loop; best of three interleaved thirds on
 *      each side, as in P1) just before it, a reference for how
 *      fast the emulated machine runs at that moment: normalised rate =
 *      accelq jobs/s / io_uring NOPs/s. Ratio = normalised rate at the
 *      scale / the baseline's (1 tenant, 1 queue; runs taken before growing
 *      and again after tearing down, pooled).
 *
 *   B. picking with many runnable tenants (what O(log n) is about): a 4 s
 *      non-preemptible "blocker" job of the hot tenant occupies engine 0;
 *      then every tenant gets zero-cost jobs queued behind it (4000 jobs in
 *      all spread over the tenants and their queues, at least two per
 *      tenant, so all N tenants are in the engine's red-black tree and each
 *      one that ran goes back into it); an administrator ENGINE_RESET over
 *      netlink ends the blocker, and the reset call itself runs the
 *      scheduler loop that dispatches every queued job before it returns.
 *      Each job's start = the time of its SUBMIT ioctl (midpoint, known to
 *      within the ioctl's duration) + the wait_ns of its record; dispatch
 *      rate = (jobs - 1) / (last start - first start). (The reset call's
 *      duration minus an idle reset gives a second estimate, kept in the
 *      JSON.) 5 repetitions, normalised by an io_uring run like A. Ratio to
 *      the baseline (1 tenant, 1 queue, 4000 jobs).
 *
 *   Also recorded (control plane, as trends): the time to create a tenant
 *   (netlink TENANT_NEW + open + 10 QUEUE_CREATE) while growing to each
 *   scale, and the time of a forced TENANT_DEL of a tenant that has 10
 *   queues (5 "victim" tenants created and deleted at each scale).
 *   Reported: ratios of A (goal >= 0.8 at the largest scale, median) and
 *   of B, per scale, min/median/max over the repetitions.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

#define QPT		10	/* queues per tenant beyond the baseline */
#define JOBS_B		4000
#define BLOCKER_NS	(4 * NS_PER_SEC)

struct tenant {
	uint32_t id;
	int fd;
	uint32_t q[QPT];
	unsigned int nq;
};

static struct tenant *ten;
static unsigned int nten;
static uint32_t blocker_q;
static struct accelq_job jobs[JOBS_B];
static struct accelq_completion recs[64];

static void add_tenant(unsigned int t, unsigned int nq)
{
	struct tenant *tt = &ten[t];
	uint32_t uid = 30000 + t;
	char name[32];
	int id;

	snprintf(name, sizeof(name), "b6-%u", t);
	id = nl_tenant_new(name, uid, NULL);
	if (id < 0)
		die("TENANT_NEW %s: %s", name, strerror(-id));
	tt->id = id;
	if (setresuid(-1, uid, -1))
		die("seteuid %u: %s", uid, strerror(errno));
	tt->fd = aq_open();
	if (setresuid(-1, 0, -1))
		die("seteuid 0: %s", strerror(errno));
	tt->nq = 0;
	while (tt->nq < nq)
		tt->q[tt->nq++] = aq_queue(tt->fd, 0, ACCELQ_CLASS_BATCH, 4);
}

/* A: jobs/s of the P1 loop on the hot tenant's first queue */
static double run_a(uint64_t dur);

/* forced TENANT_DEL of a tenant with 10 queues, ms each (median of 5) */
static double victims_ms(unsigned int first)
{
	double v[5];
	unsigned int i;

	for (i = 0; i < 5; i++) {
		uint64_t t0;
		int ret;

		add_tenant(first + i, QPT);
		t0 = now_ns();
		ret = nl_tenant_del(ten[first + i].id);
		v[i] = (now_ns() - t0) / 1e6;
		if (ret)
			die("TENANT_DEL victim: %s", strerror(-ret));
		close(ten[first + i].fd);
	}
	return summarize(v, 5).median;
}

static double run_a(uint64_t dur)
{
	uint64_t t0 = now_ns(), t = t0, iters = 0;

	do {
		int r = aq_submit(ten[0].fd, ten[0].q[0], jobs, 64);

		if (r != 64)
			die("SUBMIT: %s", r < 0 ? strerror(-r) : "partial");
		aq_read_n(ten[0].fd, recs, 64);
		if (++iters % 4)
			continue;
		t = now_ns();
	} while (t - t0 < dur);
	return (double)iters * 64 * NS_PER_SEC / (t - t0);
}

static double reset_idle_ns(void)
{
	double v[7];
	int i, ret;

	for (i = 0; i < 7; i++) {
		uint64_t t0 = now_ns();

		ret = nl_engine_reset(0);
		if (ret)
			die("ENGINE_RESET: %s", strerror(-ret));
		v[i] = now_ns() - t0;
	}
	return summarize(v, 7).median;
}

/* one SUBMIT of run_b: which jobs, and when (user-side bounds) */
struct sub {
	uint32_t qid;
	uint64_t first, count;
	uint64_t t;		/* midpoint of the ioctl */
};

static int submit_timed(int fd, uint32_t qid, uint32_t n, struct sub *sb)
{
	struct accelq_submit s = {
		.queue_id = qid, .count = n, .job_size = sizeof(jobs[0]),
		.jobs_ptr = (uintptr_t)jobs,
	};
	uint64_t t0 = now_ns();

	if (ioctl(fd, ACCELQ_IOCTL_SUBMIT, &s))
		return -errno;
	sb->t = (t0 + now_ns()) / 2;
	sb->qid = qid;
	sb->first = s.first_seqno;
	sb->count = s.accepted;
	return (int)s.accepted;
}

/*
 * B: dispatch rate (jobs/s) with every tenant runnable. Two estimates:
 * from the duration of the ENGINE_RESET call that drains the jobs (minus
 * an idle reset), and from the completion records: start of a job = time
 * of its SUBMIT (midpoint of the ioctl) + its wait_ns; rate = (jobs - 1) /
 * (last start - first start). The second is the one reported.
 */
static double run_b(unsigned int n, uint32_t base_q, double *rate_reset)
{
	double idle_ns = reset_idle_ns();
	struct accelq_job blk;
	unsigned int per = JOBS_B / n, total = 0, t, nsub = 0, maxsub;
	uint64_t t0, t1, ts, smin = UINT64_MAX, smax = 0;
	struct accelq_completion *rc;
	struct sub *subs;
	unsigned int *sub0;
	int r, ret;

	/*
	 * at least two jobs per tenant, so that every tenant that ran goes
	 * back into a tree of all the others; at most what 10 queues hold
	 */
	if (per < 2)
		per = 2;
	if (n > 1 && per > 4 * QPT)
		per = 4 * QPT;
	maxsub = n * (per / 4 + 2) + 8;
	subs = xcalloc(maxsub, sizeof(*subs));
	sub0 = xcalloc(n + 1, sizeof(*sub0));
	rc = xcalloc((size_t)per * (n == 1 ? 1 : 1) + 1 + JOBS_B, AQ_REC);
	aq_jobs_fill(&blk, 1, BLOCKER_NS, 0);
	r = aq_submit(ten[0].fd, blocker_q, &blk, 1);
	if (r != 1)
		die("blocker SUBMIT: %s", r < 0 ? strerror(-r) : "0");
	ts = now_ns();
	for (t = 0; t < n; t++) {
		struct tenant *tt = &ten[t];
		unsigned int left = per, k = 0;

		sub0[t] = nsub;
		while (left) {
			/* the hot tenant's queue 0 is deep, others are 4 deep */
			uint32_t q = n == 1 ? base_q : tt->q[k % tt->nq];
			unsigned int c = n == 1 ? (left < 1024 ? left : 1024) :
					 (left < 4 ? left : 4);

			if (nsub == maxsub)
				die("too many SUBMITs");
			r = submit_timed(tt->fd, q, c, &subs[nsub]);
			if (r <= 0)
				die("SUBMIT to tenant %u: %s", t, strerror(-r));
			nsub++;
			left -= r;
			total += r;
			k++;
			if (n > 1 && k > 4 * tt->nq)
				die("tenant %u: queues full", t);
		}
	}
	sub0[n] = nsub;
	if (now_ns() - ts > BLOCKER_NS / 2)
		msg("warning: queueing took %.1f s, close to the blocker's length",
		    (now_ns() - ts) / 1e9);
	t0 = now_ns();
	ret = nl_engine_reset(0);
	t1 = now_ns();
	if (ret)
		die("ENGINE_RESET: %s", strerror(-ret));
	/* collect every record: the blocker's (-EIO) and the jobs' */
	for (t = 0; t < n; t++) {
		unsigned int want = per + (t == 0), i, k;

		aq_read_n(ten[t].fd, rc, want);
		for (i = 0; i < want; i++) {
			uint64_t start;

			if (rc[i].status == -EIO)
				continue;	/* the blocker */
			if (rc[i].status)
				die("job failed: %d", rc[i].status);
			for (k = sub0[t]; k < sub0[t + 1]; k++)
				if (subs[k].qid == rc[i].queue_id &&
				    rc[i].seqno >= subs[k].first &&
				    rc[i].seqno < subs[k].first + subs[k].count)
					break;
			if (k == sub0[t + 1])
				die("record of an unknown SUBMIT");
			start = subs[k].t + rc[i].wait_ns;
			if (start < smin)
				smin = start;
			if (start > smax)
				smax = start;
		}
	}
	free(subs);
	free(sub0);
	free(rc);
	*rate_reset = total * 1e9 / fmax((double)(t1 - t0) - idle_ns, 1);
	return (total - 1) * 1e9 / fmax((double)(smax - smin), 1);
}

#define NA 9
#define NB 5

struct scale_res {
	unsigned int tenants, queues;
	double a_rate[NA], b_rate[NB];	/* normalised by io_uring */
	double a_raw[NA], b_raw[NB];	/* jobs/s */
	double b_reset[NB];		/* jobs/s, from the reset call's time */
	double create_us;	/* per tenant, while growing to this scale */
	double del_ms;		/* forced delete of a tenant with 10 queues */
};

static void measure(struct scale_res *sr, unsigned int na, unsigned int nb,
		    uint64_t dur, uint32_t base_q)
{
	unsigned int i;

	run_a(dur / 4);
	for (i = 0; i < na; i++) {
		double u = 0, a = 0;
		unsigned int b;

		/* best of 3 interleaved thirds, see P1 */
		for (b = 0; b < 3; b++) {
			u = fmax(u, uring_nop_rate(64, dur / 3));
			a = fmax(a, run_a(dur / 3));
		}
		sr->a_raw[i] = a;
		sr->a_rate[i] = a / u;
	}
	for (i = 0; i < nb; i++) {
		double u = uring_nop_rate(64, dur);

		sr->b_raw[i] = run_b(nten, base_q, &sr->b_reset[i]);
		sr->b_rate[i] = sr->b_raw[i] / u;
	}
	msg("%u tenants / %u queues: A %.0f jobs/s (median; %.3f of io_uring), "
	    "B %.0f jobs/s (from the reset call: %.0f)",
	    sr->tenants, sr->queues, summarize(sr->a_raw, na).median,
	    summarize(sr->a_rate, na).median, summarize(sr->b_raw, nb).median,
	    summarize(sr->b_reset, nb).median);
}

int main(int argc, char **argv)
{
	const char *out = bench_args(argc, argv);
	static const unsigned int full[] = { 100, 1000, 10000 };
	static const unsigned int smoke[] = { 20 };
	const unsigned int *scales = bench_smoke ? smoke : full;
	unsigned int nsc = bench_smoke ? 1 : 3, maxn, s, t, i;
	unsigned int na = bench_smoke ? 2 : NA, nb = bench_smoke ? 1 : NB;
	uint64_t dur = bench_smoke ? 20 * NS_PER_MS : 200 * NS_PER_MS;
	const char *env = getenv("BENCH_P6_MAX");
	struct scale_res base_pre = { 1, 1 }, base_post = { 1, 1 }, *res;
	double base_a, base_b, idle_ns;
	struct rlimit rl;
	uint32_t base_q;
	struct json *j;
	uint64_t t0;

	maxn = scales[nsc - 1];
	if (env && atoi(env) > 0)
		maxn = atoi(env);
	while (nsc > 1 && scales[nsc - 2] >= maxn)
		nsc--;
	if (scales[nsc - 1] > maxn)
		nsc--;	/* BENCH_P6_MAX below the smallest scale: baseline only */
	rl.rlim_cur = rl.rlim_max = maxn + 256;
	/* tenants 0..maxn-1, then 5 victims */
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("RLIMIT_NOFILE %u: %s", maxn + 256, strerror(errno));
	ten = xcalloc(maxn + 8, sizeof(*ten));
	res = xcalloc(nsc, sizeof(*res));
	aq_jobs_fill(jobs, JOBS_B, 0, 0);

	nl_init();
	idle_ns = reset_idle_ns();
	/* baseline: one tenant, one queue (deep enough for B's 4000 jobs) */
	add_tenant(0, 0);
	nten = 1;
	base_q = aq_queue(ten[0].fd, 0, ACCELQ_CLASS_BATCH, JOBS_B);
	ten[0].q[ten[0].nq++] = base_q;
	blocker_q = aq_queue(ten[0].fd, 0, ACCELQ_CLASS_BATCH, 1);
	measure(&base_pre, na, nb, dur, base_q);

	for (s = 0; s < nsc; s++) {
		unsigned int n = scales[s] < maxn ? scales[s] : maxn;

		t0 = now_ns();
		for (t = nten; t < n; t++)
			add_tenant(t, QPT);
		res[s].create_us = (now_ns() - t0) / 1e3 / (n - nten);
		/* the hot tenant gets its 10 queues too */
		while (ten[0].nq < QPT)
			ten[0].q[ten[0].nq++] = aq_queue(ten[0].fd, 0,
							 ACCELQ_CLASS_BATCH, 4);
		nten = n;
		res[s].del_ms = victims_ms(maxn);
		msg("grew to %u tenants: %.0f us per tenant (create, open, 10 queues); "
		    "forced delete of a tenant with 10 queues %.2f ms",
		    n, res[s].create_us, res[s].del_ms);
		res[s].tenants = n;
		res[s].queues = n * QPT + 1;
		measure(&res[s], na, nb, dur, base_q);
	}

	/* tear down to 1 tenant / 1 queue and take the baseline again */
	t0 = now_ns();
	for (t = 1; t < nten; t++) {
		/* queues gone with the file: no forced delete, no queue scan */
		close(ten[t].fd);
		if (nl_tenant_del_noforce(ten[t].id))
			die("TENANT_DEL %u", ten[t].id);
	}
	for (i = 0; i < ten[0].nq; i++) {
		struct accelq_queue_destroy qd = { .queue_id = ten[0].q[i] };

		if (ten[0].q[i] == base_q)
			continue;
		if (ioctl(ten[0].fd, ACCELQ_IOCTL_QUEUE_DESTROY, &qd))
			die("QUEUE_DESTROY: %s", strerror(errno));
	}
	msg("teardown of %u tenants: %.1f s", nten, (now_ns() - t0) / 1e9);
	nten = 1;
	measure(&base_post, na, nb, dur, base_q);

	{
		double all_a[2 * NA], all_b[2 * NB];

		memcpy(all_a, base_pre.a_rate, na * sizeof(double));
		memcpy(all_a + na, base_post.a_rate, na * sizeof(double));
		memcpy(all_b, base_pre.b_rate, nb * sizeof(double));
		memcpy(all_b + nb, base_post.b_rate, nb * sizeof(double));
		base_a = summarize(all_a, 2 * na).median;
		base_b = summarize(all_b, 2 * nb).median;
	}

	j = json_open(out);
	json_bench_head(j, "P6", "dispatch throughput with many tenants and queues",
			"one process creates N tenants (uids) and opens one file per tenant "
			"under that euid, 10 queues each; A: P1 loop of the hot tenant "
			"with the others idle; B: N tenants runnable behind a blocker, "
			"drained by ENGINE_RESET; ratios to 1 tenant / 1 queue");
	json_arr(j, "results");
	for (s = 0; s < nsc; s++) {
		double ra[NA], rb[NB];
		char name[96], meaning[256];
		bool last = s == nsc - 1;

		for (i = 0; i < na; i++)
			ra[i] = res[s].a_rate[i] / base_a;
		for (i = 0; i < nb; i++)
			rb[i] = res[s].b_rate[i] / base_b;
		snprintf(name, sizeof(name), "P6 %u tenants / %u queues, idle",
			 res[s].tenants, res[s].queues);
		snprintf(meaning, sizeof(meaning),
			 "P1-loop jobs/s of one tenant while %u other tenants with "
			 "%u queues exist idle / jobs/s with 1 tenant and 1 queue",
			 res[s].tenants - 1, res[s].queues - 1);
		json_result(j, name, "x", summarize(ra, na), last ? ">=" : NULL,
			    0.8, "median", meaning);
		snprintf(name, sizeof(name), "P6b %u tenants runnable", res[s].tenants);
		snprintf(meaning, sizeof(meaning),
			 "in-kernel dispatch rate with %u tenants queued in the "
			 "engine's tree / rate with 1 tenant, 1 queue", res[s].tenants);
		json_result(j, name, "x", summarize(rb, nb), NULL, 0, NULL, meaning);
	}
	json_arr_end(j);
	json_obj(j, "supplementary");
	json_u64(j, "largest_scale_tenants", nsc ? res[nsc - 1].tenants : 1);
	json_arr(j, "scales");
	for (s = 0; s < nsc; s++) {
		json_obj(j, NULL);
		json_u64(j, "tenants", res[s].tenants);
		json_u64(j, "queues", res[s].queues);
		json_num(j, "a_ratio_median", summarize(res[s].a_rate, na).median / base_a);
		json_num(j, "b_ratio_median", summarize(res[s].b_rate, nb).median / base_b);
		json_num(j, "create_us_per_tenant", res[s].create_us);
		json_num(j, "forced_delete_ms", res[s].del_ms);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_num(j, "baseline_drift_a", summarize(base_post.a_rate, na).median /
					summarize(base_pre.a_rate, na).median);
	json_num(j, "baseline_drift_b", summarize(base_post.b_rate, nb).median /
					summarize(base_pre.b_rate, nb).median);
	json_obj_end(j);
	json_obj(j, "raw");
	json_num(j, "baseline_a_normalised", base_a);
	json_num(j, "baseline_b_normalised", base_b);
	json_num(j, "idle_engine_reset_ns", idle_ns);
	for (s = 0; s < nsc; s++) {
		char k[64];

		snprintf(k, sizeof(k), "a_jobs_per_s_%u", res[s].tenants);
		json_darray(j, k, res[s].a_raw, na);
		snprintf(k, sizeof(k), "b_jobs_per_s_%u", res[s].tenants);
		json_darray(j, k, res[s].b_raw, nb);
		snprintf(k, sizeof(k), "b_reset_jobs_per_s_%u", res[s].tenants);
		json_darray(j, k, res[s].b_reset, nb);
	}
	json_obj_end(j);
	json_close(j);

	nl_tenant_del(ten[0].id);
	nl_fini();
	return 0;
}
