// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq-top: live per-tenant accelerator usage from the accelq BPF
 * collectors. Reads the maps pinned by the daemon, or attaches its own
 * collector (private, unpinned maps) when none are pinned.
 *
 * Copyright (C) 2026 The accelq authors
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libaccelq_bpf.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: accelq-top [options]\n"
		"  -i, --interval MS   refresh interval (default 1000)\n"
		"  -n, --count N       stop after N refreshes\n"
		"      --once          one snapshot after one interval, then exit\n"
		"      --json          one JSON object per refresh, no screen control\n"
		"      --pinned[=DIR]  read the maps pinned by accelqd (default %s)\n"
		"      --attach        attach a private collector (no pinning)\n"
		"  -v, --verbose       libbpf debug output\n"
		"  -h, --help          this text\n"
		"By default the pinned maps are read if present, else a private\n"
		"collector is attached (needs root and accelq.ko loaded).\n",
		ACCELQ_BPF_PIN_DIR);
}

static void fmt_ns(char *buf, size_t size, uint64_t ns)
{
	if (!ns)
		snprintf(buf, size, "-");
	else if (ns < 10000ULL)
		snprintf(buf, size, "%lluns", (unsigned long long)ns);
	else if (ns < 10000000ULL)
		snprintf(buf, size, "%.1fus", ns / 1e3);
	else if (ns < 10000000000ULL)
		snprintf(buf, size, "%.1fms", ns / 1e6);
	else
		snprintf(buf, size, "%.1fs", ns / 1e9);
}

static uint64_t prev_busy(const struct accelq_snapshot *prev, uint32_t tenant,
			  uint32_t engine)
{
	const struct accelq_tenant_usage *t;

	if (!prev)
		return 0;
	t = accelq_snapshot_tenant(prev, tenant);
	if (!t || engine >= prev->nr_engines)
		return 0;
	return t->engine_busy_ns[engine];
}

/* Utilization of @engine by @t over the interval, in percent. */
static double util(const struct accelq_snapshot *prev,
		   const struct accelq_snapshot *cur,
		   const struct accelq_tenant_usage *t, uint32_t engine)
{
	uint64_t dt, db, p;

	if (!prev || cur->taken_ns <= prev->taken_ns)
		return 0;
	dt = cur->taken_ns - prev->taken_ns;
	p = prev_busy(prev, t->tenant, engine);
	db = t->engine_busy_ns[engine] > p ? t->engine_busy_ns[engine] - p : 0;
	return 100.0 * (double)db / (double)dt;
}

static void print_table(const struct accelq_snapshot *prev,
			const struct accelq_snapshot *cur,
			const char *source, unsigned int interval_ms,
			bool screen)
{
	char tbuf[32], w50[16], w99[16], thr[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	uint32_t e;

	localtime_r(&now, &tm);
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	if (screen)
		printf("\033[H\033[2J");
	printf("accelq-top %s  interval %u ms  %s  cpus %d  lost usage=%llu throttle=%llu events=%llu misses=%llu\n",
	       tbuf, interval_ms, source, cur->nr_cpus,
	       (unsigned long long)cur->lost[ACCELQ_BPF_LOST_USAGE],
	       (unsigned long long)cur->lost[ACCELQ_BPF_LOST_THROTTLE],
	       (unsigned long long)cur->lost[ACCELQ_BPF_LOST_EVENTS],
	       (unsigned long long)cur->prog_misses);
	printf("%8s %11s", "TENANT", "BUSY_MS");
	for (e = 0; e < cur->nr_engines; e++) {
		char h[16];

		snprintf(h, sizeof(h), "E%u%%", e);
		printf(" %6s", h);
	}
	printf(" %8s %7s %6s %5s %7s %8s %8s %s\n", "OK", "CANCEL", "TMOUT",
	       "IO", "PREEMPT", "WAIT_P50", "WAIT_P99", "THROTTLED");
	for (i = 0; i < cur->nr_tenants; i++) {
		const struct accelq_tenant_usage *t = &cur->tenants[i];

		printf("%8u %11.3f", t->tenant, t->busy_ns / 1e6);
		for (e = 0; e < cur->nr_engines; e++)
			printf(" %6.1f", util(prev, cur, t, e));
		fmt_ns(w50, sizeof(w50), accelq_hist_quantile(t->wait_hist, 0.5));
		fmt_ns(w99, sizeof(w99), accelq_hist_quantile(t->wait_hist, 0.99));
		fmt_ns(thr, sizeof(thr), t->throttled_ns);
		printf(" %8llu %7llu %6llu %5llu %7llu %8s %8s %s%llu/%s\n",
		       (unsigned long long)t->jobs[ACCELQ_BPF_ST_OK],
		       (unsigned long long)t->jobs[ACCELQ_BPF_ST_CANCELED],
		       (unsigned long long)t->jobs[ACCELQ_BPF_ST_TIMEDOUT],
		       (unsigned long long)(t->jobs[ACCELQ_BPF_ST_IO] +
					    t->jobs[ACCELQ_BPF_ST_OTHER]),
		       (unsigned long long)t->preemptions, w50, w99,
		       t->throttled ? "*" : "",
		       (unsigned long long)t->nr_throttled, thr);
	}
	if (!cur->nr_tenants)
		printf("(no accelq activity recorded yet)\n");
	fflush(stdout);
}

static void print_json(const struct accelq_snapshot *prev,
		       const struct accelq_snapshot *cur, const char *source,
		       unsigned int interval_ms)
{
	size_t i;
	uint32_t e;

	printf("{\"taken_ns\":%llu,\"interval_ms\":%u,\"source\":\"%s\",\"nr_cpus\":%d,\"nr_engines\":%u,",
	       (unsigned long long)cur->taken_ns, interval_ms, source,
	       cur->nr_cpus, cur->nr_engines);
	printf("\"lost\":{\"usage\":%llu,\"throttle\":%llu,\"events\":%llu},\"prog_misses\":%llu,\"tenants\":[",
	       (unsigned long long)cur->lost[ACCELQ_BPF_LOST_USAGE],
	       (unsigned long long)cur->lost[ACCELQ_BPF_LOST_THROTTLE],
	       (unsigned long long)cur->lost[ACCELQ_BPF_LOST_EVENTS],
	       (unsigned long long)cur->prog_misses);
	for (i = 0; i < cur->nr_tenants; i++) {
		const struct accelq_tenant_usage *t = &cur->tenants[i];

		printf("%s{\"tenant\":%u,\"busy_ns\":%llu,\"engines\":[",
		       i ? "," : "", t->tenant,
		       (unsigned long long)t->busy_ns);
		for (e = 0; e < cur->nr_engines; e++)
			printf("%s{\"engine\":%u,\"busy_ns\":%llu,\"util\":%.4f}",
			       e ? "," : "", e,
			       (unsigned long long)t->engine_busy_ns[e],
			       util(prev, cur, t, e) / 100.0);
		printf("],\"submitted\":%llu,\"jobs\":{\"ok\":%llu,\"canceled\":%llu,\"timedout\":%llu,\"io\":%llu,\"other\":%llu},",
		       (unsigned long long)t->submitted,
		       (unsigned long long)t->jobs[ACCELQ_BPF_ST_OK],
		       (unsigned long long)t->jobs[ACCELQ_BPF_ST_CANCELED],
		       (unsigned long long)t->jobs[ACCELQ_BPF_ST_TIMEDOUT],
		       (unsigned long long)t->jobs[ACCELQ_BPF_ST_IO],
		       (unsigned long long)t->jobs[ACCELQ_BPF_ST_OTHER]);
		printf("\"preemptions\":%llu,\"ticks\":%llu,\"wait_ns_sum\":%llu,\"wait_p50_ns\":%llu,\"wait_p99_ns\":%llu,\"run_p50_ns\":%llu,\"run_p99_ns\":%llu,",
		       (unsigned long long)t->preemptions,
		       (unsigned long long)t->ticks,
		       (unsigned long long)t->wait_ns_sum,
		       (unsigned long long)accelq_hist_quantile(t->wait_hist, 0.5),
		       (unsigned long long)accelq_hist_quantile(t->wait_hist, 0.99),
		       (unsigned long long)accelq_hist_quantile(t->run_hist, 0.5),
		       (unsigned long long)accelq_hist_quantile(t->run_hist, 0.99));
		printf("\"nr_throttled\":%llu,\"throttled_ns\":%llu,\"throttled\":%s}",
		       (unsigned long long)t->nr_throttled,
		       (unsigned long long)t->throttled_ns,
		       t->throttled ? "true" : "false");
	}
	printf("]}\n");
	fflush(stdout);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

enum { OPT_ONCE = 256, OPT_JSON, OPT_PINNED, OPT_ATTACH };

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "pinned", optional_argument, NULL, OPT_PINNED },
		{ "attach", no_argument, NULL, OPT_ATTACH },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct accelq_snapshot snaps[2], *prev = NULL, *cur;
	struct accelq_collector *c = NULL;
	const char *pin_dir = ACCELQ_BPF_PIN_DIR;
	unsigned int interval = 1000;
	long count = -1;
	bool json = false, screen;
	int mode = 0;	/* 0 auto, 1 pinned, 2 attach */
	char source[300];
	int opt, err, k = 0;
	char *end;

	while ((opt = getopt_long(argc, argv, "i:n:vh", lopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			interval = strtoul(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr, "accelq-top: bad interval '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || !*optarg || count < 1) {
				fprintf(stderr, "accelq-top: bad count '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_ONCE:
			count = 1;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_PINNED:
			mode = 1;
			if (optarg)
				pin_dir = optarg;
			break;
		case OPT_ATTACH:
			mode = 2;
			break;
		case 'v':
			setenv("ACCELQ_TOP_VERBOSE", "1", 1);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}

	if (mode == 0)
		mode = access(pin_dir, F_OK) ? 2 : 1;
	if (mode == 1) {
		err = accelq_collector_open_pinned(pin_dir, &c);
		snprintf(source, sizeof(source), "pinned %s", pin_dir);
	} else {
		struct accelq_collector_opts o = {
			.sz = sizeof(o),
			.pin_dir = "",
			.verbose = !!getenv("ACCELQ_TOP_VERBOSE"),
			.flags = ACCELQ_COLLECTOR_NO_EVENTS,
		};

		err = accelq_collector_open(&o, &c);
		snprintf(source, sizeof(source), "attached");
	}
	if (err) {
		fprintf(stderr, "accelq-top: cannot open the collector (%s): %s\n",
			mode == 1 ? pin_dir : "attach", strerror(-err));
		return 1;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	screen = !json && count != 1 && isatty(STDOUT_FILENO);

	err = accelq_collector_snapshot(c, &snaps[0]);
	if (err)
		goto out;
	prev = &snaps[0];
	while (!stop && count != 0) {
		sleep_ms(interval);
		if (stop)
			break;
		cur = &snaps[++k % 2];
		err = accelq_collector_snapshot(c, cur);
		if (err)
			break;
		if (json)
			print_json(prev, cur, source, interval);
		else
			print_table(prev, cur, source, interval, screen);
		accelq_snapshot_free(prev);
		prev = cur;
		if (count > 0)
			count--;
	}
	accelq_snapshot_free(prev);
out:
	if (err)
		fprintf(stderr, "accelq-top: snapshot failed: %s\n", strerror(-err));
	accelq_collector_close(c);
	return err ? 1 : 0;
}
