// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq benchmarks: shared helpers. See bench.h.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <liburing.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

const char *bench_prog = "bench";
bool bench_smoke;

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", bench_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void msg(const char *fmt, ...)
{
	va_list ap;

	printf("# %s: ", bench_prog);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / NS_PER_SEC, ns % NS_PER_SEC };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void sleep_until_ns(uint64_t t)
{
	struct timespec ts = { t / NS_PER_SEC, t % NS_PER_SEC };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory (%zu x %zu)", n, size);
	return p;
}

void *shm_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu: %s", size, strerror(errno));
	return p;
}

void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(%d): %s", cpu, strerror(errno));
}

/* ------------------------------------------------------------- device -- */

int aq_open(void)
{
	int fd = open(AQ_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open %s: %s (is accelq.ko loaded?)", AQ_DEV, strerror(errno));
	return fd;
}

void aq_get_info(int fd, struct accelq_info *info)
{
	memset(info, 0, sizeof(*info));
	if (ioctl(fd, ACCELQ_IOCTL_GET_INFO, info))
		die("GET_INFO: %s", strerror(errno));
}

int aq_queue_try(int fd, uint32_t engine, uint32_t class, uint32_t depth,
		 uint32_t *qid)
{
	struct accelq_queue_create qc = {
		.engine = engine, .class = class, .depth = depth,
	};

	if (ioctl(fd, ACCELQ_IOCTL_QUEUE_CREATE, &qc))
		return -errno;
	*qid = qc.queue_id;
	return 0;
}

uint32_t aq_queue(int fd, uint32_t engine, uint32_t class, uint32_t depth)
{
	uint32_t qid = 0;
	int ret = aq_queue_try(fd, engine, class, depth, &qid);

	if (ret)
		die("QUEUE_CREATE engine %u class %u depth %u: %s", engine,
		    class, depth, strerror(-ret));
	return qid;
}

int aq_submit(int fd, uint32_t qid, const struct accelq_job *jobs, uint32_t n)
{
	struct accelq_submit s = {
		.queue_id = qid, .count = n, .job_size = sizeof(*jobs),
		.jobs_ptr = (uintptr_t)jobs,
	};

	if (ioctl(fd, ACCELQ_IOCTL_SUBMIT, &s))
		return -errno;
	return (int)s.accepted;
}

void aq_jobs_fill(struct accelq_job *jobs, uint32_t n, uint64_t cost_ns,
		  uint32_t flags)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		jobs[i].cost_ns = cost_ns;
		jobs[i].user_data = i;
		jobs[i].flags = flags;
		jobs[i].pad = 0;
	}
}

int aq_read(int fd, struct accelq_completion *c, uint32_t max)
{
	ssize_t r = read(fd, c, (size_t)max * AQ_REC);

	if (r < 0)
		return -errno;
	return (int)(r / AQ_REC);
}

void aq_read_n(int fd, struct accelq_completion *c, uint32_t n)
{
	uint32_t got = 0;

	while (got < n) {
		int r = aq_read(fd, c + got, n - got);

		if (r == -EINTR)
			continue;
		if (r <= 0)
			die("read completions: %s", r ? strerror(-r) : "EOF");
		got += r;
	}
}

uint64_t aq_param(const char *name)
{
	char path[256], buf[64];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/accelq/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strtoull(buf, NULL, 0);
}

/* ------------------------------------------------------------ workers -- */

void worker_start(struct worker *w, uint32_t uid, worker_fn fn, void *arg,
		  volatile int *stop)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid))
			die("become uid %u: %s", uid, strerror(errno));
		fn(arg, stop, p[1]);
		_exit(0);
	}
	close(p[1]);
	w->pid = pid;
	w->ready_fd = p[0];
}

void worker_signal_ready(int ready_fd)
{
	char c = 'r';

	if (write(ready_fd, &c, 1) != 1)
		die("ready pipe: %s", strerror(errno));
	close(ready_fd);
}

void worker_wait_ready(struct worker *w)
{
	struct pollfd p = { .fd = w->ready_fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, 30000) != 1 || read(w->ready_fd, &c, 1) != 1)
		die("worker %d did not get ready", (int)w->pid);
	close(w->ready_fd);
	w->ready_fd = -1;
}

void worker_join(struct worker *w)
{
	int status;

	if (waitpid(w->pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("worker %d failed (status 0x%x)", (int)w->pid, status);
}

void saturate_worker(void *varg, volatile int *stop, int ready_fd)
{
	struct saturate_arg *a = varg;
	struct accelq_completion *c = xcalloc(a->depth, AQ_REC);
	struct accelq_job *jobs = xcalloc(a->depth, sizeof(*jobs));
	int fd = aq_open();
	uint32_t qid = aq_queue(fd, a->engine, a->class, a->depth);
	uint32_t inflight = 0;

	aq_jobs_fill(jobs, a->depth, a->cost_ns, a->job_flags);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		while (inflight < a->depth) {
			int r = aq_submit(fd, qid, jobs, a->depth - inflight);

			if (r == -EAGAIN)
				break;
			if (r < 0)
				die("saturate: SUBMIT: %s", strerror(-r));
			inflight += r;
		}
		if (ready_fd >= 0) {
			worker_signal_ready(ready_fd);
			ready_fd = -1;
		}
		if (*stop)
			break;
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			die("saturate: poll: %s", strerror(errno));
		if (p.revents & POLLIN) {
			int r = aq_read(fd, c, a->depth);

			if (r < 0)
				die("saturate: read: %s", strerror(-r));
			inflight -= r;
			if (a->excess_ns) {
				uint64_t x = 0;
				int i;

				for (i = 0; i < r; i++)
					if (c[i].run_ns > a->cost_ns + STALL_NS)
						x += c[i].run_ns - a->cost_ns;
				__atomic_add_fetch(a->excess_ns, x,
						   __ATOMIC_RELAXED);
			}
			if (a->completed)
				__atomic_add_fetch(a->completed, r,
						   __ATOMIC_RELAXED);
		}
	}
	/* Closing cancels what is left. */
	close(fd);
	free(c);
	free(jobs);
}

void sample_busy(const uint32_t *ids, int n, uint64_t interval_ns, int count,
		 uint64_t *busy, uint64_t *t, uint64_t *throttled)
{
	sample_busy_x(ids, n, interval_ns, count, busy, t, throttled, NULL,
		      NULL);
}

void sample_busy_x(const uint32_t *ids, int n, uint64_t interval_ns,
		   int count, uint64_t *busy, uint64_t *t, uint64_t *throttled,
		   volatile uint64_t *const *extra, uint64_t *extra_out)
{
	uint64_t next = now_ns();
	int k, i;

	for (k = 0; k <= count; k++) {
		sleep_until_ns(next);
		t[k] = now_ns();
		for (i = 0; i < n; i++) {
			struct aq_tenant_stats st;
			int ret = nl_tenant_stats(ids[i], &st);

			if (ret)
				die("TENANT_GET %u: %s", ids[i], strerror(-ret));
			busy[(size_t)k * n + i] = st.busy_ns;
			if (extra)
				extra_out[(size_t)k * n + i] =
					extra[i] ? __atomic_load_n(extra[i],
								   __ATOMIC_RELAXED) : 0;
			if (throttled)
				throttled[(size_t)k * n + i] = st.throttled_ns;
		}
		next += interval_ns;
	}
}

FILE *data_open(const char *out, const char *suffix)
{
	char path[4096];
	size_t len = strlen(out);
	FILE *f;

	if (!strcmp(out, "/dev/null"))
		return fopen("/dev/null", "w");
	if (len > 5 && !strcmp(out + len - 5, ".json"))
		len -= 5;
	snprintf(path, sizeof(path), "%.*s%s", (int)len, out, suffix);
	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	return f;
}

static struct io_uring ref_ring;
static bool ref_ring_ready;

double uring_nop_rate(uint32_t batch, uint64_t dur_ns)
{
	uint64_t t0, t, iters = 0;
	uint32_t chunk = batch >= 256 ? 1 : 256 / batch;

	if (!ref_ring_ready) {
		int ret = io_uring_queue_init(512, &ref_ring, 0);

		if (ret)
			die("io_uring_queue_init: %s", strerror(-ret));
		ref_ring_ready = true;
	}
	if (batch > 512)
		die("io_uring batch %u > 512", batch);
	t0 = t = now_ns();
	do {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;
		uint32_t i;
		int r;

		for (i = 0; i < batch; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ref_ring);

			if (!sqe)
				die("io_uring: no SQE");
			io_uring_prep_nop(sqe);
		}
		r = io_uring_submit_and_wait(&ref_ring, batch);
		if (r != (int)batch)
			die("io_uring_submit_and_wait: %s",
			    r < 0 ? strerror(-r) : "short");
		while (seen < batch) {
			io_uring_for_each_cqe(&ref_ring, head, cqe) {
				if (cqe->res < 0)
					die("NOP failed: %s", strerror(-cqe->res));
				seen++;
			}
			io_uring_cq_advance(&ref_ring, seen);
			if (seen < batch && io_uring_wait_cqe(&ref_ring, &cqe))
				die("io_uring_wait_cqe");
		}
		/* reading the clock is costly under TCG (HPET): not every time */
		if (++iters % chunk)
			continue;
		t = now_ns();
	} while (t - t0 < dur_ns);
	return (double)iters * batch * NS_PER_SEC / (t - t0);
}

/* ---------------------------------------------------------- statistics -- */

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct summary summarize(const double *v, size_t n)
{
	struct summary s = { NAN, NAN, NAN, NAN, n };
	double *t, sum = 0;
	size_t i;

	if (!n)
		return s;
	t = xcalloc(n, sizeof(*t));
	memcpy(t, v, n * sizeof(*t));
	qsort(t, n, sizeof(*t), cmp_double);
	for (i = 0; i < n; i++)
		sum += t[i];
	s.min = t[0];
	s.max = t[n - 1];
	s.median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	s.mean = sum / n;
	free(t);
	return s;
}

double pct_sorted_u64(const uint64_t *sorted, size_t n, double p)
{
	size_t rank;

	if (!n)
		return NAN;
	/* nearest rank: the smallest value with at least p% at or below it */
	rank = (size_t)ceil(p / 100.0 * n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)sorted[rank - 1];
}

/* --------------------------------------------------------------- JSON -- */

struct json *json_open(const char *path)
{
	struct json *j = xcalloc(1, sizeof(*j));

	j->f = fopen(path, "w");
	if (!j->f)
		die("%s: %s", path, strerror(errno));
	fputc('{', j->f);
	j->depth = 1;
	j->first[1] = true;
	return j;
}

void json_close(struct json *j)
{
	fputs("}\n", j->f);
	if (fclose(j->f))
		die("writing JSON: %s", strerror(errno));
	free(j);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	fputs("\n", j->f);
	if (key) {
		json_string(j->f, key);
		fputc(':', j->f);
	}
}

void json_obj(struct json *j, const char *key)
{
	json_key(j, key);
	fputc('{', j->f);
	j->first[++j->depth] = true;
}

void json_obj_end(struct json *j)
{
	j->depth--;
	fputc('}', j->f);
}

void json_arr(struct json *j, const char *key)
{
	json_key(j, key);
	fputc('[', j->f);
	j->first[++j->depth] = true;
}

void json_arr_end(struct json *j)
{
	j->depth--;
	fputc(']', j->f);
}

void json_num(struct json *j, const char *key, double v)
{
	json_key(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j->f, s);
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	json_key(j, key);
	fputs("null", j->f);
}

void json_summary(struct json *j, const char *key, struct summary s)
{
	json_obj(j, key);
	json_num(j, "min", s.min);
	json_num(j, "median", s.median);
	json_num(j, "max", s.max);
	json_num(j, "mean", s.mean);
	json_u64(j, "n", s.n);
	json_obj_end(j);
}

void json_darray(struct json *j, const char *key, const double *v, size_t n)
{
	size_t i;

	json_arr(j, key);
	for (i = 0; i < n; i++)
		json_num(j, NULL, v[i]);
	json_arr_end(j);
}

void json_bench_head(struct json *j, const char *id, const char *title,
		     const char *method)
{
	json_str(j, "id", id);
	json_str(j, "title", title);
	json_str(j, "method", method);
	json_bool(j, "smoke", bench_smoke);
	env_json(j);
}

bool json_result(struct json *j, const char *name, const char *unit,
		 struct summary s, const char *goal_op, double goal,
		 const char *goal_stat, const char *meaning)
{
	double v = NAN;
	bool met = true;

	json_obj(j, NULL);
	json_str(j, "name", name);
	json_str(j, "unit", unit);
	json_summary(j, "value", s);
	if (goal_op) {
		if (!strcmp(goal_stat, "min"))
			v = s.min;
		else if (!strcmp(goal_stat, "max"))
			v = s.max;
		else
			v = s.median;
		met = !strcmp(goal_op, ">=") ? v >= goal : v <= goal;
		if (!isfinite(v))
			met = false;
		json_obj(j, "goal");
		json_str(j, "op", goal_op);
		json_num(j, "value", goal);
		json_str(j, "stat", goal_stat);
		json_obj_end(j);
		json_bool(j, "goal_met", met);
	} else {
		json_null(j, "goal");
		json_null(j, "goal_met");
	}
	json_str(j, "meaning", meaning);
	json_obj_end(j);
	printf("# %-4s %-34s min %10.4g median %10.4g max %10.4g %s%s%s\n",
	       bench_prog, name, s.min, s.median, s.max, unit,
	       goal_op ? (met ? "  goal met" : "  GOAL MISSED") : "",
	       "");
	fflush(stdout);
	return met;
}

/* -------------------------------------------------------- environment -- */

static void cpuinfo(char *model, size_t msize, bool *hypervisor)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];

	snprintf(model, msize, "unknown");
	*hypervisor = false;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		v++;
		while (*v == ' ')
			v++;
		v[strcspn(v, "\n")] = 0;
		if (!strncmp(line, "model name", 10) && !strcmp(model, "unknown"))
			snprintf(model, msize, "%s", v);
		if (!strncmp(line, "flags", 5) && strstr(line, " hypervisor"))
			*hypervisor = true;
	}
	fclose(f);
}

/* "Hypervisor detected: KVM" in the kernel log, as `dmesg | grep -i hypervisor`. */
static void dmesg_hypervisor(char *out, size_t size)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *p;

	out[0] = 0;
	if (len <= 0)
		return;
	buf = xcalloc(1, len + 1);
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (len > 0) {
		buf[len] = 0;
		for (p = buf; *p; ) {
			char *nl = strchr(p, '\n');

			if (nl)
				*nl = 0;
			if (strcasestr(p, "hypervisor")) {
				char *m = strchr(p, ']');

				snprintf(out, size, "%s", m ? m + 2 : p);
				break;
			}
			if (!nl)
				break;
			p = nl + 1;
		}
	}
	free(buf);
}

struct env {
	char kernel[256];
	char cpu[256];
	char accel[64];
	char hyp_line[256];
	long cpus;
	char date[64];
};

static void env_get(struct env *e)
{
	struct utsname u;
	bool hyp;
	time_t t = time(NULL);

	uname(&u);
	snprintf(e->kernel, sizeof(e->kernel), "%s %s", u.release, u.version);
	cpuinfo(e->cpu, sizeof(e->cpu), &hyp);
	dmesg_hypervisor(e->hyp_line, sizeof(e->hyp_line));
	if (strcasestr(e->hyp_line, "KVM"))
		snprintf(e->accel, sizeof(e->accel), "KVM");
	else if (strstr(e->cpu, "TCG") || hyp)
		/* QEMU without KVM shows the hypervisor bit but no vendor. */
		snprintf(e->accel, sizeof(e->accel), "TCG");
	else
		snprintf(e->accel, sizeof(e->accel), "none (bare metal)");
	e->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	strftime(e->date, sizeof(e->date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
}

void env_print(FILE *f)
{
	struct env e;

	env_get(&e);
	fprintf(f, "# env: date %s\n# env: kernel %s\n# env: cpu %s\n"
		"# env: accel %s (dmesg: %s)\n# env: cpus %ld\n", e.date,
		e.kernel, e.cpu, e.accel, e.hyp_line[0] ? e.hyp_line : "-",
		e.cpus);
}

void env_json(struct json *j)
{
	static const char *const params[] = {
		"sim_engines", "max_queues", "max_depth", "max_batch",
		"max_client_jobs", "job_timeout_ms", "timeslice_us",
	};
	struct env e;
	size_t i;

	env_get(&e);
	json_obj(j, "env");
	json_str(j, "date", e.date);
	json_str(j, "kernel", e.kernel);
	json_str(j, "cpu", e.cpu);
	json_str(j, "accel", e.accel);
	json_str(j, "dmesg_hypervisor", e.hyp_line);
	json_u64(j, "cpus", e.cpus);
	json_obj(j, "module_params");
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		json_u64(j, params[i], aq_param(params[i]));
	json_obj_end(j);
	json_obj_end(j);
}

const char *bench_args(int argc, char **argv)
{
	const char *out = "/dev/null";
	const char *slash = strrchr(argv[0], '/');
	int i;

	bench_prog = slash ? slash + 1 : argv[0];
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			bench_smoke = true;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--smoke] [-o RESULT.json]\n"
				"Runs in the QEMU guest with accelq.ko loaded (see bench/run.sh).\n",
				bench_prog);
			exit(2);
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	env_print(stdout);
	return out;
}
