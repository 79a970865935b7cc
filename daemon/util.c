// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqd - logging and string helpers.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "util.h"

int log_max_level = LOG_LEVEL_INFO;

int log_internal(int level, int error, const char *fmt, ...)
{
	static int journal = -1;
	int saved_errno = errno;
	char buf[2048];
	va_list ap;

	if (error < 0)
		error = -error;
	if (level > log_max_level)
		return -error;
	if (journal < 0)
		journal = !!getenv("JOURNAL_STREAM");

	/* %m in the format refers to @error, as in systemd's log_*_errno(). */
	errno = error;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	if (journal)
		fprintf(stderr, "<%d>%s\n", level, buf);
	else
		fprintf(stderr, "accelqd: %s\n", buf);
	errno = saved_errno;
	return -error;
}

char *strdup_printf(const char *fmt, ...)
{
	char *s;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}
