// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqd - accelq scheduler daemon: tenants from configuration files into
 * the kernel, long-window budgets, D-Bus API, Prometheus metrics.
 *
 * main() parses the command line and the configuration and calls run().
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "manager.h"
#include "util.h"

static const char *arg_config_root = CONFIG_ROOT_DEFAULT;
static enum bus_kind arg_bus = BUS_SYSTEM;
static const char *arg_bus_address;
static bool arg_check_config;

static void help(void)
{
	printf("Usage: accelqd [OPTIONS]\n"
	       "\n"
	       "accelq scheduler daemon: applies tenants.d to the kernel, enforces\n"
	       "budgets, serves org.accelq.Scheduler1 and Prometheus metrics.\n"
	       "\n"
	       "  -h --help             Show this help\n"
	       "     --version          Show the version\n"
	       "  -c --config=DIR       Configuration root (default %s):\n"
	       "                        DIR/%s and DIR/%s/NAME.conf\n"
	       "     --check-config     Parse the configuration, print a summary, exit\n"
	       "     --bus=system|user  Bus to serve on (default system)\n"
	       "     --bus-address=ADDR Serve on the bus at this D-Bus address\n"
	       "  -d --debug            Log debug messages\n",
	       CONFIG_ROOT_DEFAULT, CONFIG_DAEMON_FILE, CONFIG_TENANTS_DIR);
}

static int parse_argv(int argc, char *argv[])
{
	enum {
		ARG_VERSION = 0x100,
		ARG_CHECK_CONFIG,
		ARG_BUS,
		ARG_BUS_ADDRESS,
	};
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
		{ "bus", required_argument, NULL, ARG_BUS },
		{ "bus-address", required_argument, NULL, ARG_BUS_ADDRESS },
		{ "debug", no_argument, NULL, 'd' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "hc:d", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("accelqd %s\n", ACCELQD_VERSION);
			return 0;
		case 'c':
			arg_config_root = optarg;
			break;
		case ARG_CHECK_CONFIG:
			arg_check_config = true;
			break;
		case ARG_BUS:
			if (!strcmp(optarg, "system"))
				arg_bus = BUS_SYSTEM;
			else if (!strcmp(optarg, "user"))
				arg_bus = BUS_USER;
			else
				return log_error_errno(EINVAL,
						       "--bus= wants system or user, not %s",
						       optarg);
			break;
		case ARG_BUS_ADDRESS:
			arg_bus = BUS_ADDRESS;
			arg_bus_address = optarg;
			break;
		case 'd':
			log_max_level = LOG_LEVEL_DEBUG;
			break;
		case '?':
			return -EINVAL;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc)
		return log_error_errno(EINVAL, "accelqd takes no arguments");
	return 1;
}

static void print_summary(const struct config *c)
{
	size_t i;

	printf("metrics_listen=%s\nsample_interval_ms=%llu\nstate_dir=%s\nbpf=%s\n",
	       *c->daemon.metrics_listen ? c->daemon.metrics_listen : "no",
	       (unsigned long long)(c->daemon.sample_interval_ns / NSEC_PER_MSEC),
	       c->daemon.state_dir, c->daemon.bpf ? "yes" : "no");
	for (i = 0; i < c->n_tenants; i++) {
		const struct tenant_config *t = &c->tenants[i];

		printf("tenant %s: ", t->name);
		if (t->match == MATCH_UID)
			printf("uid=%u", t->uid);
		else
			printf("cgroup=%s", t->cgroup);
		if (t->has_owner)
			printf(" owner_uid=%u", t->owner_uid);
		printf(" weight=%u cap=%llu/%llu us burst=%llu us",
		       t->weight,
		       (unsigned long long)(t->cap_quota_ns / 1000),
		       (unsigned long long)(t->cap_period_ns / 1000),
		       (unsigned long long)(t->burst_ns / 1000));
		if (t->budget_ns)
			printf(" budget=%llus/%llus %s floor=%u.%04u%%",
			       (unsigned long long)(t->budget_ns / NSEC_PER_SEC),
			       (unsigned long long)(t->window_ns / NSEC_PER_SEC),
			       budget_action_to_string(t->action),
			       t->floor_ppm / 10000, t->floor_ppm % 10000);
		printf("\n");
	}
}

static int run(struct config *config)
{
	_cleanup_(manager_freep) Manager *m = NULL;
	sigset_t mask;
	int r;

	/* Signals are handled by sd-event; every thread inherits the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGPIPE);
	r = -sigprocmask(SIG_BLOCK, &mask, NULL);
	if (r < 0)
		return log_error_errno(errno, "Failed to block signals: %m");

	r = manager_new(&m, arg_config_root, config, arg_bus, arg_bus_address);
	if (r < 0) {
		config_free(config);
		return log_error_errno(r, "Failed to set up: %m");
	}
	r = manager_start(m);
	if (r < 0)
		return r;

	r = sd_event_loop(m->event);
	sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
	if (r < 0)
		return log_error_errno(r, "Event loop failed: %m");
	if (r > 0)
		return log_error_errno(EIO, "Lost the bus connection, exiting");
	return 0;
}

int main(int argc, char *argv[])
{
	struct config *config = NULL;
	_cleanup_free_ char *error = NULL;
	int r;

	/*
	 * Per-sample buffers (kernel dump, metrics snapshot and text) reach
	 * megabytes with thousands of tenants: serve them from mmap() so
	 * freeing them returns the memory, instead of glibc raising its
	 * threshold and keeping the peak in the heap.
	 */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);

	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	r = config_load(arg_config_root, &config, &error);
	if (r < 0) {
		log_error("Bad configuration, not starting: %s",
			  error ?: strerror(-r));
		return EXIT_FAILURE;
	}
	if (arg_check_config) {
		print_summary(config);
		config_free(config);
		return EXIT_SUCCESS;
	}

	r = run(config);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
