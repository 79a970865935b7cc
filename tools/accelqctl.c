// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqctl - operator and tenant client of accelqd's D-Bus API,
 * org.accelq.Scheduler1 on the system bus (docs/dbus-api.md).
 *
 *   accelqctl status | me | tenant NAME | tenants | reload
 *   accelqctl set-quota NAME [--weight N] [--cap QUOTA_US[/PERIOD_US]|max]
 *                            [--burst US] [--budget SECONDS]
 *   accelqctl top [--interval MS] [--once] [--count N]
 *
 * Everything goes through the bus, so what a caller sees is exactly what
 * accelqd authorises for its EUID: root sees and changes every tenant, a
 * tenant user reads its own tenant, anyone else only the manager's
 * properties. A D-Bus error is printed with its name and message and the
 * exit status is 1; a bad command line exits 2.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#ifndef ACCELQ_VERSION
#define ACCELQ_VERSION "0.1"
#endif

#define DEST	"org.accelq.Scheduler1"
#define MPATH	"/org/accelq/Scheduler1"
#define MIFACE	DEST ".Manager"
#define TIFACE	DEST ".Tenant"
#define PIFACE	"org.freedesktop.DBus.Properties"
#define ERR_NO_SUCH_TENANT DEST ".Error.NoSuchTenant"

#define EXIT_FAIL	1
#define EXIT_USAGE	2
#define ID_NONE		UINT32_MAX
/* Returned once the error has been printed (outside the errno range). */
#define PRINTED		(-4096)

static const char *arg_bus_address;
static bool arg_user_bus;
static bool arg_no_legend;
static unsigned int arg_interval_ms = 1000;
static unsigned int arg_count;
static bool arg_once;

/* set-quota */
static bool set_weight, set_cap, set_period, set_burst, set_budget;
static uint32_t q_weight;
static uint64_t q_cap, q_period, q_burst, q_budget;

static sd_bus *bus;
static volatile sig_atomic_t quit;

struct manager_info {
	char *version;
	char *metrics;
	uint32_t engines;
	uint32_t tenants;
};

struct tenant_info {
	char *path;
	char *name;
	char *action;
	char classes[64];
	uint32_t id;
	uint32_t weight;
	uint32_t queues;
	uint64_t cap_quota;
	uint64_t cap_period;
	uint64_t burst;
	uint64_t budget;
	uint64_t window;
	uint64_t throttled_count;
	uint64_t jobs_ok, jobs_canceled, jobs_timedout, jobs_io;
	double used;
	double util1, util10, util60;
	double busy;
	double throttled_s;
	int exhausted;
	int throttled_now;
	int banned;
};

static void tenant_info_free(struct tenant_info *t)
{
	free(t->path);
	free(t->name);
	free(t->action);
	memset(t, 0, sizeof(*t));
}

static void manager_info_free(struct manager_info *m)
{
	free(m->version);
	free(m->metrics);
	memset(m, 0, sizeof(*m));
}

/* ---------------------------------------------------------- errors -- */

/* Print a failed call: the D-Bus error's name and message, else errno. */
static int fail(const char *what, const sd_bus_error *e, int r)
{
	if (e && sd_bus_error_is_set(e))
		fprintf(stderr, "accelqctl: %s: %s: %s\n", what, e->name,
			e->message ? e->message : "");
	else
		fprintf(stderr, "accelqctl: %s: %s\n", what, strerror(r < 0 ? -r : r));
	return PRINTED;
}

static int parse_error(int r)
{
	fprintf(stderr, "accelqctl: cannot parse the reply: %s\n", strerror(-r));
	return PRINTED;
}

/* ------------------------------------------------------------- bus -- */

static int bus_connect(void)
{
	int r;

	if (arg_bus_address) {
		r = sd_bus_new(&bus);
		if (r >= 0)
			r = sd_bus_set_address(bus, arg_bus_address);
		if (r >= 0)
			r = sd_bus_set_bus_client(bus, 1);
		if (r >= 0)
			r = sd_bus_start(bus);
	} else if (arg_user_bus) {
		r = sd_bus_open_user(&bus);
	} else {
		r = sd_bus_open_system(&bus);
	}
	if (r < 0) {
		fprintf(stderr, "accelqctl: cannot connect to the %s bus: %s\n",
			arg_bus_address ? arg_bus_address :
			arg_user_bus ? "user" : "system", strerror(-r));
		return PRINTED;
	}
	return 0;
}

/* Read one variant value of a GetAll dictionary into a basic C type. */
static int read_basic(sd_bus_message *m, char want, const char *sig, void *ret)
{
	if (sig[0] != want || sig[1])
		return sd_bus_message_skip(m, sig);
	return sd_bus_message_read_basic(m, want, ret);
}

static int read_string(sd_bus_message *m, const char *sig, char **ret)
{
	const char *s;
	char *copy;
	int r;

	if (strcmp(sig, "s"))
		return sd_bus_message_skip(m, sig);
	r = sd_bus_message_read_basic(m, 's', &s);
	if (r < 0)
		return r;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	free(*ret);
	*ret = copy;
	return 0;
}

static int get_all(const char *path, const char *iface, sd_bus_message **reply,
		   sd_bus_error *e)
{
	return sd_bus_call_method(bus, DEST, path, PIFACE, "GetAll", e, reply,
				  "s", iface);
}

static int manager_get(struct manager_info *mi)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int r;

	r = get_all(MPATH, MIFACE, &reply, &e);
	if (r < 0) {
		r = fail("reading the manager's properties", &e, r);
		sd_bus_error_free(&e);
		return r;
	}
	r = sd_bus_message_enter_container(reply, 'a', "{sv}");
	while (r >= 0 &&
	       (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
		const char *key, *sig;
		char type;

		r = sd_bus_message_read(reply, "s", &key);
		if (r >= 0)
			r = sd_bus_message_peek_type(reply, &type, &sig);
		if (r >= 0)
			r = sd_bus_message_enter_container(reply, 'v', sig);
		if (r < 0)
			break;
		if (!strcmp(key, "Version"))
			r = read_string(reply, sig, &mi->version);
		else if (!strcmp(key, "MetricsAddress"))
			r = read_string(reply, sig, &mi->metrics);
		else if (!strcmp(key, "Engines"))
			r = read_basic(reply, 'u', sig, &mi->engines);
		else if (!strcmp(key, "Tenants"))
			r = read_basic(reply, 'u', sig, &mi->tenants);
		else
			r = sd_bus_message_skip(reply, sig);
		if (r >= 0)
			r = sd_bus_message_exit_container(reply);
		if (r >= 0)
			r = sd_bus_message_exit_container(reply);
	}
	sd_bus_message_unref(reply);
	if (r < 0)
		return parse_error(r);
	return 0;
}

static int read_classes(sd_bus_message *m, const char *sig, char *buf, size_t len)
{
	const char *s;
	size_t n = 0;
	int r;

	buf[0] = 0;
	if (strcmp(sig, "as"))
		return sd_bus_message_skip(m, sig);
	r = sd_bus_message_enter_container(m, 'a', "s");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read_basic(m, 's', &s)) > 0)
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
			      n ? "," : "", s);
	if (r < 0)
		return r;
	if (n >= len)
		buf[len - 1] = 0;
	return sd_bus_message_exit_container(m);
}

static int read_jobs(sd_bus_message *m, const char *sig, struct tenant_info *t)
{
	const char *k;
	uint64_t v;
	int r;

	if (strcmp(sig, "a{st}"))
		return sd_bus_message_skip(m, sig);
	r = sd_bus_message_enter_container(m, 'a', "{st}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(m, "{st}", &k, &v)) > 0) {
		if (!strcmp(k, "ok"))
			t->jobs_ok = v;
		else if (!strcmp(k, "canceled"))
			t->jobs_canceled = v;
		else if (!strcmp(k, "timedout"))
			t->jobs_timedout = v;
		else if (!strcmp(k, "io"))
			t->jobs_io = v;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static const struct {
	const char *name;
	char type;
	size_t off;
} tenant_props[] = {
	{ "Id", 'u', offsetof(struct tenant_info, id) },
	{ "Weight", 'u', offsetof(struct tenant_info, weight) },
	{ "Queues", 'u', offsetof(struct tenant_info, queues) },
	{ "CapQuotaUSec", 't', offsetof(struct tenant_info, cap_quota) },
	{ "CapPeriodUSec", 't', offsetof(struct tenant_info, cap_period) },
	{ "BurstUSec", 't', offsetof(struct tenant_info, burst) },
	{ "BudgetSeconds", 't', offsetof(struct tenant_info, budget) },
	{ "BudgetWindowSeconds", 't', offsetof(struct tenant_info, window) },
	{ "ThrottledCount", 't', offsetof(struct tenant_info, throttled_count) },
	{ "BudgetUsedSeconds", 'd', offsetof(struct tenant_info, used) },
	{ "Utilization1s", 'd', offsetof(struct tenant_info, util1) },
	{ "Utilization10s", 'd', offsetof(struct tenant_info, util10) },
	{ "Utilization60s", 'd', offsetof(struct tenant_info, util60) },
	{ "BusySeconds", 'd', offsetof(struct tenant_info, busy) },
	{ "ThrottledSeconds", 'd', offsetof(struct tenant_info, throttled_s) },
	{ "BudgetExhausted", 'b', offsetof(struct tenant_info, exhausted) },
	{ "ThrottledNow", 'b', offsetof(struct tenant_info, throttled_now) },
	{ "Banned", 'b', offsetof(struct tenant_info, banned) },
};

/*
 * All properties of the tenant object @path. Errors (AccessDenied for a
 * tenant that is not the caller's, UnknownObject for one just removed) are
 * returned in @e.
 */
static int tenant_get(const char *path, struct tenant_info *t, sd_bus_error *e)
{
	sd_bus_message *reply = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	t->id = ID_NONE;
	t->path = strdup(path);
	if (!t->path)
		return -ENOMEM;
	r = get_all(path, TIFACE, &reply, e);
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(reply, 'a', "{sv}");
	while (r >= 0 &&
	       (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
		const char *key, *sig;
		char type;
		size_t i;

		r = sd_bus_message_read(reply, "s", &key);
		if (r >= 0)
			r = sd_bus_message_peek_type(reply, &type, &sig);
		if (r >= 0)
			r = sd_bus_message_enter_container(reply, 'v', sig);
		if (r < 0)
			break;
		for (i = 0; i < sizeof(tenant_props) / sizeof(tenant_props[0]); i++)
			if (!strcmp(key, tenant_props[i].name))
				break;
		if (i < sizeof(tenant_props) / sizeof(tenant_props[0]))
			r = read_basic(reply, tenant_props[i].type, sig,
				       (char *)t + tenant_props[i].off);
		else if (!strcmp(key, "Name"))
			r = read_string(reply, sig, &t->name);
		else if (!strcmp(key, "BudgetAction"))
			r = read_string(reply, sig, &t->action);
		else if (!strcmp(key, "Classes"))
			r = read_classes(reply, sig, t->classes, sizeof(t->classes));
		else if (!strcmp(key, "Jobs"))
			r = read_jobs(reply, sig, t);
		else
			r = sd_bus_message_skip(reply, sig);
		if (r >= 0)
			r = sd_bus_message_exit_container(reply);
		if (r >= 0)
			r = sd_bus_message_exit_container(reply);
	}
	sd_bus_message_unref(reply);
	if (r < 0)
		return parse_error(r);
	if (!t->name) {
		t->name = strdup("?");
		if (!t->name)
			return -ENOMEM;
	}
	return 0;
}

/* Call a Manager method returning one object path. */
static int call_path(const char *member, const char *name, char **ret,
		     sd_bus_error *e)
{
	sd_bus_message *reply = NULL;
	const char *path;
	int r;

	if (name)
		r = sd_bus_call_method(bus, DEST, MPATH, MIFACE, member, e,
				       &reply, "s", name);
	else
		r = sd_bus_call_method(bus, DEST, MPATH, MIFACE, member, e,
				       &reply, "");
	if (r < 0)
		return r;
	r = sd_bus_message_read(reply, "o", &path);
	if (r >= 0) {
		*ret = strdup(path);
		if (!*ret)
			r = -ENOMEM;
	}
	sd_bus_message_unref(reply);
	return r < 0 ? parse_error(r) : 0;
}

/*
 * ListTenants: object paths of all tenants into a NULL-terminated array.
 * Non-root callers get AccessDenied in @e.
 */
static int list_tenants(char ***ret, sd_bus_error *e)
{
	sd_bus_message *reply = NULL;
	const char *name, *path;
	char **v = NULL;
	size_t n = 0;
	int r;

	r = sd_bus_call_method(bus, DEST, MPATH, MIFACE, "ListTenants", e,
			       &reply, "");
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(reply, 'a', "(so)");
	while (r >= 0 && (r = sd_bus_message_read(reply, "(so)", &name, &path)) > 0) {
		char **nv = realloc(v, (n + 2) * sizeof(*v));

		if (!nv) {
			r = -ENOMEM;
			break;
		}
		v = nv;
		v[n] = strdup(path);
		if (!v[n]) {
			r = -ENOMEM;
			break;
		}
		v[++n] = NULL;
	}
	sd_bus_message_unref(reply);
	if (r < 0) {
		while (n)
			free(v[--n]);
		free(v);
		return parse_error(r);
	}
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	*ret = v;
	return 0;
}

static void strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* ------------------------------------------------------ formatting -- */

static const char *yes_no(int b)
{
	return b ? "yes" : "no";
}

/* "25%" or "150%" (share of one engine), "-" for no cap. */
static const char *fmt_cap_pct(const struct tenant_info *t, char *buf, size_t len)
{
	double pct;

	if (!t->cap_quota || !t->cap_period) {
		snprintf(buf, len, "-");
		return buf;
	}
	pct = 100.0 * (double)t->cap_quota / (double)t->cap_period;
	if (pct == (double)(uint64_t)pct)
		snprintf(buf, len, "%" PRIu64 "%%", (uint64_t)pct);
	else
		snprintf(buf, len, "%.1f%%", pct);
	return buf;
}

/* "1.23/3" used/total engine-seconds, "-" without a budget. */
static const char *fmt_budget(const struct tenant_info *t, char *buf, size_t len)
{
	if (!t->budget)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f/%" PRIu64 "%s", t->used, t->budget,
			 t->exhausted ? "!" : "");
	return buf;
}

static const char *fmt_window(uint64_t s, char *buf, size_t len)
{
	if (s == 3600)
		snprintf(buf, len, "hour");
	else if (s == 86400)
		snprintf(buf, len, "day");
	else
		snprintf(buf, len, "%" PRIu64 " s", s);
	return buf;
}

static const char *fmt_state(const struct tenant_info *t, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	if (t->banned)
		n += snprintf(buf + n, len - n, "%sbanned", n ? "," : "");
	if (t->exhausted && n < len)
		n += snprintf(buf + n, len - n, "%sexhausted", n ? "," : "");
	if (t->throttled_now && n < len)
		n += snprintf(buf + n, len - n, "%sthrottled", n ? "," : "");
	if (t->id == ID_NONE && n < len)
		n += snprintf(buf + n, len - n, "%snot-in-kernel", n ? "," : "");
	if (!n)
		snprintf(buf, len, "ok");
	return buf;
}

/* Every property of one tenant, one per line. */
static void print_tenant(const struct tenant_info *t)
{
	char b1[32];

	printf("Tenant:          %s\n", t->name);
	printf("Object:          %s\n", t->path);
	if (t->id == ID_NONE)
		printf("Kernel id:       - (not in the kernel)\n");
	else
		printf("Kernel id:       %" PRIu32 "\n", t->id);
	printf("Weight:          %" PRIu32 "\n", t->weight);
	if (t->cap_quota)
		printf("Cap:             %" PRIu64 " us per %" PRIu64
		       " us (%s of one engine)\n",
		       t->cap_quota, t->cap_period, fmt_cap_pct(t, b1, sizeof(b1)));
	else
		printf("Cap:             none (period %" PRIu64 " us)\n",
		       t->cap_period);
	printf("Burst:           %" PRIu64 " us\n", t->burst);
	printf("Classes:         %s\n", t->classes[0] ? t->classes : "-");
	if (t->budget)
		printf("Budget:          %.3f of %" PRIu64
		       " engine-seconds used (%.0f%%) per %s window, then %s\n",
		       t->used, t->budget, 100.0 * t->used / (double)t->budget,
		       fmt_window(t->window, b1, sizeof(b1)),
		       t->action ? t->action : "?");
	else
		printf("Budget:          none (%.3f engine-seconds used this %s)\n",
		       t->used, fmt_window(t->window, b1, sizeof(b1)));
	printf("Budget exhausted: %s\n", yes_no(t->exhausted));
	printf("Utilization:     %.3f (1s)  %.3f (10s)  %.3f (60s) engines\n",
	       t->util1, t->util10, t->util60);
	printf("Busy:            %.3f engine-seconds\n", t->busy);
	printf("Jobs:            ok %" PRIu64 ", canceled %" PRIu64
	       ", timed out %" PRIu64 ", io %" PRIu64 "\n",
	       t->jobs_ok, t->jobs_canceled, t->jobs_timedout, t->jobs_io);
	printf("Throttled:       %s now; %" PRIu64 " times, %.3f s in all\n",
	       yes_no(t->throttled_now), t->throttled_count, t->throttled_s);
	printf("Queues:          %" PRIu32 "\n", t->queues);
	printf("Banned:          %s\n", yes_no(t->banned));
}

/* ------------------------------------------------------- commands -- */

static int cmd_show_path(const char *path)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	struct tenant_info t;
	int r;

	r = tenant_get(path, &t, &e);
	if (r < 0 && r != PRINTED)
		r = fail("reading the tenant's properties", &e, r);
	else if (r == 0)
		print_tenant(&t);
	sd_bus_error_free(&e);
	tenant_info_free(&t);
	return r;
}

static int cmd_me(void)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *path = NULL;
	int r;

	r = call_path("GetMyTenant", NULL, &path, &e);
	if (r < 0 && r != PRINTED)
		r = fail("GetMyTenant", &e, r);
	sd_bus_error_free(&e);
	if (r < 0)
		return r;
	r = cmd_show_path(path);
	free(path);
	return r;
}

static int cmd_tenant(const char *name)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *path = NULL;
	int r;

	r = call_path("GetTenant", name, &path, &e);
	if (r < 0 && r != PRINTED)
		r = fail("GetTenant", &e, r);
	sd_bus_error_free(&e);
	if (r < 0)
		return r;
	r = cmd_show_path(path);
	free(path);
	return r;
}

static int cmd_status(void)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	struct manager_info mi = { 0 };
	struct tenant_info t = { 0 };
	char *path = NULL;
	char b1[32], b2[32];
	uid_t uid = geteuid();
	int r;

	r = manager_get(&mi);
	if (r < 0)
		return r;
	printf("accelqd:   %s (%s on the %s bus)\n",
	       mi.version ? mi.version : "?", DEST,
	       arg_bus_address ? arg_bus_address : arg_user_bus ? "user" : "system");
	printf("Engines:   %" PRIu32 "%s\n", mi.engines,
	       mi.engines ? "" : " (the accelq module is not loaded)");
	printf("Tenants:   %" PRIu32 " configured\n", mi.tenants);
	if (mi.metrics && mi.metrics[0] && strcmp(mi.metrics, "no"))
		printf("Metrics:   http://%s/metrics\n", mi.metrics);
	else
		printf("Metrics:   off\n");
	manager_info_free(&mi);

	r = call_path("GetMyTenant", NULL, &path, &e);
	if (r < 0 && sd_bus_error_has_name(&e, ERR_NO_SUCH_TENANT)) {
		printf("You:       uid %u%s, no tenant of your own\n",
		       (unsigned int)uid,
		       uid == 0 ? " (root: administrator of every tenant)" : "");
		sd_bus_error_free(&e);
		return 0;
	}
	if (r < 0) {
		if (r != PRINTED)
			r = fail("GetMyTenant", &e, r);
		sd_bus_error_free(&e);
		return r;
	}
	r = tenant_get(path, &t, &e);
	free(path);
	if (r < 0) {
		if (r != PRINTED)
			r = fail("reading your tenant's properties", &e, r);
		sd_bus_error_free(&e);
		tenant_info_free(&t);
		return r;
	}
	printf("You:       uid %u, tenant %s (%s)\n", (unsigned int)uid, t.name,
	       fmt_state(&t, b2, sizeof(b2)));
	printf("  weight %" PRIu32 ", cap %s, classes %s\n", t.weight,
	       fmt_cap_pct(&t, b1, sizeof(b1)), t.classes[0] ? t.classes : "-");
	printf("  utilization %.2f (1s) %.2f (10s) %.2f (60s), busy %.3f s, "
	       "jobs ok %" PRIu64 "\n", t.util1, t.util10, t.util60, t.busy,
	       t.jobs_ok);
	if (t.budget)
		printf("  budget %.3f of %" PRIu64 " s used per %s window%s\n",
		       t.used, t.budget, fmt_window(t.window, b1, sizeof(b1)),
		       t.exhausted ? " - EXHAUSTED" : "");
	else
		printf("  no budget\n");
	tenant_info_free(&t);
	return 0;
}

/* Read every tenant of @paths; unreadable ones (just removed) are skipped. */
static int read_tenants(char **paths, struct tenant_info **ret, size_t *n_ret)
{
	struct tenant_info *v;
	size_t n = 0, i;
	int r;

	for (i = 0; paths[i]; i++)
		;
	v = calloc(i + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; paths[i]; i++) {
		sd_bus_error e = SD_BUS_ERROR_NULL;

		r = tenant_get(paths[i], &v[n], &e);
		if (r == 0) {
			n++;
			continue;
		}
		/* Removed between ListTenants and GetAll: skip it. */
		if (r != PRINTED &&
		    (sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
		     sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_INTERFACE)))
			r = 0;
		else if (r != PRINTED)
			r = fail(paths[i], &e, r);
		sd_bus_error_free(&e);
		tenant_info_free(&v[n]);
		if (r < 0) {
			while (n)
				tenant_info_free(&v[--n]);
			free(v);
			return r;
		}
	}
	*ret = v;
	*n_ret = n;
	return 0;
}

static int name_width(const struct tenant_info *v, size_t n)
{
	int w = 6;
	size_t i;

	for (i = 0; i < n; i++)
		if ((int)strlen(v[i].name) > w)
			w = strlen(v[i].name);
	return w;
}

static int cmd_tenants(void)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	struct tenant_info *v = NULL;
	char **paths = NULL;
	char b1[32], b2[32], b3[48];
	size_t n = 0, i;
	int r, w;

	r = list_tenants(&paths, &e);
	if (r < 0) {
		if (r != PRINTED)
			r = fail("ListTenants", &e, r);
		sd_bus_error_free(&e);
		return r;
	}
	r = read_tenants(paths, &v, &n);
	strv_free(paths);
	if (r < 0)
		return r == PRINTED ? r : fail("reading tenants", NULL, r);
	w = name_width(v, n);
	if (!arg_no_legend)
		printf("%-*s %5s %6s %6s %8s %-14s %-12s %7s %6s %s\n", w, "TENANT",
		       "ID", "WEIGHT", "CAP", "BURST_US", "CLASSES", "BUDGET_S",
		       "UTIL10S", "QUEUES", "STATE");
	for (i = 0; i < n; i++) {
		const struct tenant_info *t = &v[i];
		char id[16];

		if (t->id == ID_NONE)
			snprintf(id, sizeof(id), "-");
		else
			snprintf(id, sizeof(id), "%" PRIu32, t->id);
		printf("%-*s %5s %6" PRIu32 " %6s %8" PRIu64 " %-14s %-12s %7.3f %6" PRIu32 " %s\n",
		       w, t->name, id, t->weight, fmt_cap_pct(t, b1, sizeof(b1)),
		       t->burst, t->classes[0] ? t->classes : "-",
		       fmt_budget(t, b2, sizeof(b2)), t->util10, t->queues,
		       fmt_state(t, b3, sizeof(b3)));
	}
	if (!arg_no_legend)
		printf("\n%zu tenants.%s\n", n,
		       n ? " BUDGET_S: engine-seconds used/allowed per window, ! = exhausted." : "");
	for (i = 0; i < n; i++)
		tenant_info_free(&v[i]);
	free(v);
	return 0;
}

/* Parse "QUOTA[/PERIOD]" or "max[/PERIOD]" (microseconds). */
static int parse_cap(const char *s)
{
	const char *slash = strchr(s, '/');
	char *end;

	if (!strncmp(s, "max", 3) && (s[3] == 0 || s[3] == '/')) {
		q_cap = 0;
	} else {
		errno = 0;
		q_cap = strtoull(s, &end, 10);
		if (errno || end == s || (*end && *end != '/') || *s == '-')
			return -1;
	}
	set_cap = true;
	if (slash) {
		errno = 0;
		q_period = strtoull(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || slash[1] == '-')
			return -1;
		set_period = true;
	}
	return 0;
}

static int cmd_set_quota(const char *name)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, DEST, MPATH, MIFACE,
					   "SetTenantQuota");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", name);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r >= 0 && set_weight)
		r = sd_bus_message_append(m, "{sv}", "Weight", "u", q_weight);
	/* The period first: the daemon checks the result, not each step. */
	if (r >= 0 && set_period)
		r = sd_bus_message_append(m, "{sv}", "CapPeriodUSec", "t", q_period);
	if (r >= 0 && set_cap)
		r = sd_bus_message_append(m, "{sv}", "CapQuotaUSec", "t", q_cap);
	/* No cap leaves nothing to burst into: drop the burst too. */
	if (r >= 0 && (set_burst || (set_cap && !q_cap)))
		r = sd_bus_message_append(m, "{sv}", "BurstUSec", "t",
					  set_burst ? q_burst : 0);
	if (r >= 0 && set_budget)
		r = sd_bus_message_append(m, "{sv}", "BudgetSeconds", "t", q_budget);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r < 0) {
		sd_bus_message_unref(m);
		return fail("building SetTenantQuota", NULL, r);
	}
	r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0)
		r = fail("SetTenantQuota", &e, r);
	else
		r = 0;
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	return r;
}

static int cmd_reload(void)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(bus, DEST, MPATH, MIFACE, "Reload", &e, NULL, "");
	if (r < 0)
		r = fail("Reload", &e, r);
	else
		r = 0;
	sd_bus_error_free(&e);
	return r;
}

/* ------------------------------------------------------------- top -- */

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* Lines of one frame; on a terminal each ends by clearing the line. */
static const char *eol = "\n";

/*
 * One frame: admins see every tenant (ListTenants), anyone else just the
 * tenant it owns (GetMyTenant).
 */
static int top_frame(void)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	struct manager_info mi = { 0 };
	struct tenant_info *v = NULL;
	char **paths = NULL;
	char *mine = NULL;
	char b1[32], b2[32], b3[48], ts[16];
	size_t n = 0, i;
	bool admin = true;
	time_t now;
	int r, w;

	r = manager_get(&mi);
	if (r < 0)
		return r;
	r = list_tenants(&paths, &e);
	if (r < 0 && sd_bus_error_has_name(&e, SD_BUS_ERROR_ACCESS_DENIED)) {
		admin = false;
		sd_bus_error_free(&e);
		r = call_path("GetMyTenant", NULL, &mine, &e);
		if (r >= 0) {
			paths = calloc(2, sizeof(*paths));
			if (!paths) {
				free(mine);
				r = -ENOMEM;
			} else {
				paths[0] = mine;
			}
		} else if (sd_bus_error_has_name(&e, ERR_NO_SUCH_TENANT)) {
			fprintf(stderr, "accelqctl: top: uid %u is not root and owns no tenant (%s)\n",
				(unsigned int)geteuid(), e.message ? e.message : e.name);
			sd_bus_error_free(&e);
			manager_info_free(&mi);
			return PRINTED;
		}
	}
	if (r < 0) {
		if (r != PRINTED)
			r = fail(admin ? "ListTenants" : "GetMyTenant", &e, r);
		sd_bus_error_free(&e);
		manager_info_free(&mi);
		strv_free(paths);
		return r;
	}
	r = read_tenants(paths, &v, &n);
	strv_free(paths);
	if (r < 0) {
		manager_info_free(&mi);
		return r == PRINTED ? r : fail("reading tenants", NULL, r);
	}

	now = time(NULL);
	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
	printf("accelqd %s - %" PRIu32 " engines, %" PRIu32 " tenants%s - %s%s",
	       mi.version ? mi.version : "?", mi.engines, mi.tenants,
	       admin ? "" : " (showing yours)", ts, eol);
	printf("%s", eol);
	w = name_width(v, n);
	printf("%-*s %6s %6s %6s %7s %7s %9s %-12s %-9s %9s %8s %6s%s", w,
	       "TENANT", "WEIGHT", "CAP", "UTIL1S", "UTIL10S", "UTIL60S",
	       "BUSY_S", "BUDGET_S", "THROTTLED", "JOBS_OK", "TIMEDOUT",
	       "QUEUES", eol);
	for (i = 0; i < n; i++) {
		const struct tenant_info *t = &v[i];

		snprintf(b3, sizeof(b3), "%s", t->throttled_now ? "yes" : "no");
		printf("%-*s %6" PRIu32 " %6s %6.3f %7.3f %7.3f %9.3f %-12s %-9s %9" PRIu64 " %8" PRIu64 " %6" PRIu32 "%s",
		       w, t->name, t->weight, fmt_cap_pct(t, b1, sizeof(b1)),
		       t->util1, t->util10, t->util60, t->busy,
		       fmt_budget(t, b2, sizeof(b2)), b3, t->jobs_ok,
		       t->jobs_timedout, t->queues, eol);
	}
	printf("%s", eol);
	printf("UTIL: engines (1.0 = one engine busy); BUDGET_S: used/allowed engine-seconds per window, ! = exhausted%s",
	       eol);
	for (i = 0; i < n; i++)
		tenant_info_free(&v[i]);
	free(v);
	manager_info_free(&mi);
	return 0;
}

static int cmd_top(void)
{
	bool tty = isatty(STDOUT_FILENO) && !arg_once;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int frames = 0;
	int r;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (tty) {
		eol = "\033[K\n";
		printf("\033[H\033[2J");
	}
	for (;;) {
		if (tty)
			printf("\033[H");
		r = top_frame();
		if (tty)
			printf("\033[J");
		fflush(stdout);
		if (r < 0)
			return r;
		frames++;
		if (arg_once || (arg_count && frames >= arg_count) || quit)
			break;
		if (!tty)
			printf("\n");
		{
			struct timespec ts = {
				.tv_sec = arg_interval_ms / 1000,
				.tv_nsec = (long)(arg_interval_ms % 1000) * 1000000L,
			};

			while (!quit && nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		}
		if (quit)
			break;
	}
	return 0;
}

/* ------------------------------------------------------------ main -- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: accelqctl [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Client of accelqd (org.accelq.Scheduler1 on the system bus).\n"
		"\n"
		"Commands:\n"
		"  status                    daemon version, engines, tenants, metrics address\n"
		"                            and a summary of your own tenant\n"
		"  me                        every property of your own tenant\n"
		"  tenant NAME               every property of tenant NAME (root or its owner)\n"
		"  tenants                   every tenant, one line each (root)\n"
		"  set-quota NAME [--weight N] [--cap QUOTA_US[/PERIOD_US]|max[/PERIOD_US]]\n"
		"            [--burst US] [--budget SECONDS]\n"
		"                            change a tenant's quota until the next reload\n"
		"                            (root; --budget 0 = no budget)\n"
		"  reload                    re-read the configuration (root)\n"
		"  top [--interval MS] [--once] [--count N]\n"
		"                            live per-tenant view (root: every tenant;\n"
		"                            a tenant user: its own)\n"
		"\n"
		"Options:\n"
		"  --bus-address ADDR        the bus at this D-Bus address, not the system bus\n"
		"  --user                    the user bus (tests)\n"
		"  --no-legend               tables without header and footer\n"
		"  -h, --help                this text\n"
		"  --version                 print the version\n"
		"\n"
		"Exit status: 0; 1 on an error (D-Bus errors are printed with their\n"
		"name, e.g. org.freedesktop.DBus.Error.AccessDenied); 2 for usage.\n");
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *ret)
{
	char *end;

	errno = 0;
	*ret = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *ret > max) {
		fprintf(stderr, "accelqctl: %s: invalid number \"%s\"\n", opt, s);
		return -1;
	}
	return 0;
}

enum {
	OPT_BUS_ADDRESS = 0x100,
	OPT_USER,
	OPT_NO_LEGEND,
	OPT_VERSION,
	OPT_WEIGHT,
	OPT_CAP,
	OPT_BURST,
	OPT_BUDGET,
	OPT_ONCE,
};

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "bus-address", required_argument, NULL, OPT_BUS_ADDRESS },
		{ "user", no_argument, NULL, OPT_USER },
		{ "no-legend", no_argument, NULL, OPT_NO_LEGEND },
		{ "weight", required_argument, NULL, OPT_WEIGHT },
		{ "cap", required_argument, NULL, OPT_CAP },
		{ "burst", required_argument, NULL, OPT_BURST },
		{ "budget", required_argument, NULL, OPT_BUDGET },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "once", no_argument, NULL, OPT_ONCE },
		{}
	};
	bool quota_opts = false, top_opts = false;
	const char *cmd;
	uint64_t v;
	int c, r, nargs;

	while ((c = getopt_long(argc, argv, "hi:n:", opts, NULL)) >= 0) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("accelqctl %s\n", ACCELQ_VERSION);
			return 0;
		case OPT_BUS_ADDRESS:
			arg_bus_address = optarg;
			break;
		case OPT_USER:
			arg_user_bus = true;
			break;
		case OPT_NO_LEGEND:
			arg_no_legend = true;
			break;
		case OPT_WEIGHT:
			if (parse_u64("--weight", optarg, UINT32_MAX, &v) < 0)
				return EXIT_USAGE;
			q_weight = v;
			set_weight = quota_opts = true;
			break;
		case OPT_CAP:
			if (parse_cap(optarg) < 0) {
				fprintf(stderr, "accelqctl: --cap: want QUOTA_US[/PERIOD_US] or max[/PERIOD_US], not \"%s\"\n",
					optarg);
				return EXIT_USAGE;
			}
			quota_opts = true;
			break;
		case OPT_BURST:
			if (parse_u64("--burst", optarg, UINT64_MAX, &q_burst) < 0)
				return EXIT_USAGE;
			set_burst = quota_opts = true;
			break;
		case OPT_BUDGET:
			if (parse_u64("--budget", optarg, UINT64_MAX, &q_budget) < 0)
				return EXIT_USAGE;
			set_budget = quota_opts = true;
			break;
		case 'i':
			if (parse_u64("--interval", optarg, 3600000, &v) < 0 || v < 100) {
				fprintf(stderr, "accelqctl: --interval: 100..3600000 ms\n");
				return EXIT_USAGE;
			}
			arg_interval_ms = v;
			top_opts = true;
			break;
		case 'n':
			if (parse_u64("--count", optarg, UINT32_MAX, &v) < 0)
				return EXIT_USAGE;
			arg_count = v;
			top_opts = true;
			break;
		case OPT_ONCE:
			arg_once = top_opts = true;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	nargs = argc - optind - 1;

	if (quota_opts && strcmp(cmd, "set-quota")) {
		fprintf(stderr, "accelqctl: --weight, --cap, --burst and --budget go with set-quota\n");
		return EXIT_USAGE;
	}
	if (top_opts && strcmp(cmd, "top")) {
		fprintf(stderr, "accelqctl: --interval, --count and --once go with top\n");
		return EXIT_USAGE;
	}

	struct {
		const char *name;
		int args;
	} cmds[] = {
		{ "status", 0 }, { "me", 0 }, { "tenant", 1 }, { "tenants", 0 },
		{ "set-quota", 1 }, { "reload", 0 }, { "top", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i].name))
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		fprintf(stderr, "accelqctl: unknown command \"%s\" (see --help)\n", cmd);
		return EXIT_USAGE;
	}
	if (nargs != cmds[i].args) {
		fprintf(stderr, "accelqctl: %s takes %s\n", cmd,
			cmds[i].args ? "one argument, a tenant name" : "no arguments");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "set-quota") && !quota_opts) {
		fprintf(stderr, "accelqctl: set-quota: nothing to change; give --weight, --cap, --burst or --budget\n");
		return EXIT_USAGE;
	}

	r = bus_connect();
	if (r < 0)
		return EXIT_FAIL;

	if (!strcmp(cmd, "status"))
		r = cmd_status();
	else if (!strcmp(cmd, "me"))
		r = cmd_me();
	else if (!strcmp(cmd, "tenant"))
		r = cmd_tenant(argv[optind + 1]);
	else if (!strcmp(cmd, "tenants"))
		r = cmd_tenants();
	else if (!strcmp(cmd, "set-quota"))
		r = cmd_set_quota(argv[optind + 1]);
	else if (!strcmp(cmd, "reload"))
		r = cmd_reload();
	else
		r = cmd_top();

	sd_bus_flush_close_unref(bus);
	if (r < 0)
	{
		if (r != PRINTED)
			fail(cmd, NULL, r);
		return EXIT_FAIL;
	}
	return 0;
}
