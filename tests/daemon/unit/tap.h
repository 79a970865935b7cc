/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal TAP output for accelqd's host-side unit tests. The condition is
 * evaluated exactly once, so it may have side effects.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQD_TAP_H
#define ACCELQD_TAP_H

#include <stdbool.h>
#include <stdio.h>

static int tap_n, tap_failed;

#define TAP_CHECK(cond, ...) do {					\
	bool _ok = (cond);						\
									\
	tap_n++;							\
	if (!_ok)							\
		tap_failed++;						\
	printf("%sok %d - ", _ok ? "" : "not ", tap_n);			\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!_ok)							\
		printf("# failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
	fflush(stdout);							\
} while (0)

#define TAP_PLAN_START()	printf("TAP version 13\n")
#define TAP_DONE()		(printf("1..%d\n", tap_n), tap_failed ? 1 : 0)

#endif /* ACCELQD_TAP_H */
