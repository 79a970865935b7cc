/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelqd - configuration: /etc/accelq/accelqd.conf and tenants.d/NAME.conf.
 *
 * Pure: parsing touches only the files it is given, so it is unit-tested on
 * the host (tests/daemon/unit/test_config.c).
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef ACCELQD_CONFIG_H
#define ACCELQD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_ROOT_DEFAULT		"/etc/accelq"
#define CONFIG_DAEMON_FILE		"accelqd.conf"
#define CONFIG_TENANTS_DIR		"tenants.d"

#define METRICS_LISTEN_DEFAULT		"127.0.0.1:9640"
#define SAMPLE_INTERVAL_MS_DEFAULT	1000
#define STATE_DIR_DEFAULT		"/var/lib/accelq"

#define TENANT_NAME_MAX			63	/* without the NUL */
#define TENANT_WEIGHT_DEFAULT		100
#define CAP_PERIOD_DEFAULT_NS		100000000ULL	/* kernel default */
#define FLOOR_PPM_DEFAULT		50000		/* 5% of one engine */
#define BUDGET_WINDOW_DEFAULT_NS	(86400ULL * 1000000000ULL) /* day */

enum match_kind {
	MATCH_CGROUP = 1,
	MATCH_UID,
};

enum budget_action {
	BUDGET_THROTTLE,
	BUDGET_SUSPEND,
};

/* One tenants.d/NAME.conf. Times in ns, shares in ppm of one engine. */
struct tenant_config {
	char name[TENANT_NAME_MAX + 1];
	char *file;			/* path, for messages */
	enum match_kind match;
	char *cgroup;			/* MATCH_CGROUP: path below the cgroup2 root */
	uint32_t uid;			/* MATCH_UID */
	bool has_owner;
	uint32_t owner_uid;		/* may read the tenant over D-Bus */

	uint32_t weight;
	uint64_t cap_quota_ns;		/* 0 = no cap */
	uint64_t cap_period_ns;
	uint64_t burst_ns;
	uint32_t classes;		/* ACCELQ_CLASS_MASK_* */
	uint32_t max_queues;
	uint32_t max_inflight;
	uint32_t max_depth;
	uint32_t guilty_limit;

	uint64_t budget_ns;		/* engine time per window, 0 = none */
	uint64_t window_ns;		/* window length */
	enum budget_action action;
	uint32_t floor_ppm;		/* cap while throttled */
};

struct daemon_config {
	char *metrics_listen;		/* "" = no metrics endpoint */
	uint64_t sample_interval_ns;
	char *state_dir;
	bool bpf;
};

struct config {
	char *root;
	struct daemon_config daemon;
	struct tenant_config *tenants;	/* sorted by name */
	size_t n_tenants;
};

/*
 * Load @root/accelqd.conf (optional) and every @root/tenants.d/NAME.conf.
 * On failure returns a negative errno and sets *@error to a message naming
 * the file and line ("path:line: what is wrong"); the caller frees it.
 */
int config_load(const char *root, struct config **ret, char **error);
void config_free(struct config *c);
static inline void config_freep(struct config **c)
{
	config_free(*c);
}

/* The pieces config_load() uses, exported for the unit tests. */
void daemon_config_init(struct daemon_config *d);
void daemon_config_done(struct daemon_config *d);
int config_parse_daemon(const char *path, struct daemon_config *d,
			char **error);
void tenant_config_init(struct tenant_config *t, const char *name);
void tenant_config_done(struct tenant_config *t);
int config_parse_tenant(const char *path, const char *name,
			struct tenant_config *t, char **error);

/* [A-Za-z0-9_.-]{1,63}, not starting with '.' or '-' (as the kernel). */
bool tenant_name_valid(const char *name);

/* Find a tenant by name in a loaded configuration, or NULL. */
const struct tenant_config *config_find_tenant(const struct config *c,
					       const char *name);

/* "HOST:PORT" / "[V6]:PORT" syntax check; fills a sockaddr if @sa. */
struct sockaddr_storage;
int parse_listen_address(const char *s, struct sockaddr_storage *sa,
			 unsigned int *salen);

const char *budget_action_to_string(enum budget_action a);

#endif /* ACCELQD_CONFIG_H */
