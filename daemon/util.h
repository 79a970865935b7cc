/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelqd - small helpers shared by every file: logging, cleanup
 * attributes, time.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQD_UTIL_H
#define ACCELQD_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef ACCELQD_VERSION
#define ACCELQD_VERSION "0.1"
#endif

#define NSEC_PER_USEC	UINT64_C(1000)
#define NSEC_PER_MSEC	UINT64_C(1000000)
#define NSEC_PER_SEC	UINT64_C(1000000000)
#define USEC_PER_SEC	UINT64_C(1000000)

#define ELEMENTSOF(a)	(sizeof(a) / sizeof((a)[0]))
#define _unused_	__attribute__((unused))
#define _printf_(a, b)	__attribute__((format(printf, a, b)))

/* ---------------------------------------------------------------- log -- */

enum {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Highest level printed; LOG_LEVEL_INFO unless --debug. */
extern int log_max_level;

/*
 * Print to stderr. Under systemd (JOURNAL_STREAM set) the line carries the
 * "<N>" priority prefix of sd-daemon(3) so the journal keeps the level.
 * Returns -abs(error) so callers can "return log_error_errno(r, ...)".
 */
int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_error(...)		log_internal(LOG_LEVEL_ERR, 0, __VA_ARGS__)
#define log_warning(...)	log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_notice(...)		log_internal(LOG_LEVEL_NOTICE, 0, __VA_ARGS__)
#define log_info(...)		log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...)		log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(e, ...)	log_internal(LOG_LEVEL_ERR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) \
	log_internal(LOG_LEVEL_WARNING, (e), __VA_ARGS__)

/* ------------------------------------------------------------ cleanup -- */

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_(f)		__attribute__((cleanup(f)))
#define _cleanup_free_		_cleanup_(freep)
#define _cleanup_fclose_	_cleanup_(fclosep)
#define _cleanup_close_		_cleanup_(closep)

/* Hand a cleanup-managed pointer to someone else. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })

/* --------------------------------------------------------------- time -- */

static inline uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* asprintf() that returns NULL on failure instead of leaving junk. */
char *strdup_printf(const char *fmt, ...) _printf_(1, 2);

#endif /* ACCELQD_UTIL_H */
