// SPDX-License-Identifier: GPL-2.0-only
/*
 * aqwatch - print accelqd's QuotaExceeded signals as a bus client sees
 * them (run it as a tenant user to see what that user receives).
 *
 *   aqwatch [--timeout S] [--count N]
 *
 * Prints "watching" once the match is installed, then one line per signal:
 * "QuotaExceeded NAME USED BUDGET ACTION". Exits 0 after N signals, 1 on
 * timeout.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>

static int seen;

static int on_quota(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *name, *action;
	double used, budget;

	(void)userdata;
	(void)error;
	if (sd_bus_message_read(m, "sdds", &name, &used, &budget, &action) < 0)
		return 0;
	printf("QuotaExceeded %s %.3f %.3f %s\n", name, used, budget, action);
	fflush(stdout);
	seen++;
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{}
	};
	int timeout = 30, count = 1, c, r;
	sd_bus *bus = NULL;
	time_t end;

	while ((c = getopt_long(argc, argv, "t:n:", opts, NULL)) >= 0) {
		if (c == 't')
			timeout = atoi(optarg);
		else if (c == 'n')
			count = atoi(optarg);
		else
			return 2;
	}
	r = sd_bus_open_system(&bus);
	if (r < 0) {
		fprintf(stderr, "aqwatch: bus: %s\n", strerror(-r));
		return 2;
	}
	r = sd_bus_match_signal(bus, NULL, "org.accelq.Scheduler1", NULL,
				"org.accelq.Scheduler1.Tenant", "QuotaExceeded",
				on_quota, NULL);
	if (r < 0) {
		fprintf(stderr, "aqwatch: match: %s\n", strerror(-r));
		return 2;
	}
	printf("watching\n");
	fflush(stdout);
	end = time(NULL) + timeout;
	while (seen < count && time(NULL) < end) {
		r = sd_bus_process(bus, NULL);
		if (r < 0) {
			fprintf(stderr, "aqwatch: %s\n", strerror(-r));
			return 2;
		}
		if (r == 0)
			sd_bus_wait(bus, 500000);
	}
	sd_bus_flush_close_unref(bus);
	return seen >= count ? 0 : 1;
}
