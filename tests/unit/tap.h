/* SPDX-License-Identifier: GPL-2.0-only */
/* Minimal TAP output for host-side unit tests. */
#ifndef ACCELQ_UNIT_TAP_H
#define ACCELQ_UNIT_TAP_H

#include <stdio.h>

static int tap_n, tap_failed;

#define TAP_CHECK(cond, ...) do {					\
	int tap_ok_ = !!(cond);						\
	tap_n++;							\
	if (tap_ok_) {							\
		printf("ok %d - ", tap_n);				\
	} else {							\
		tap_failed++;						\
		printf("not ok %d - ", tap_n);				\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!tap_ok_)							\
		printf("# failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
} while (0)

#define TAP_PLAN_START()	printf("TAP version 13\n")
#define TAP_DONE()		(printf("1..%d\n", tap_n), tap_failed ? 1 : 0)

#endif
