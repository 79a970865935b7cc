// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqd - the D-Bus API (docs/dbus-api.md): org.accelq.Scheduler1.
 *
 * Who the caller is comes from the bus alone: the sender's EUID as the bus
 * daemon recorded it when the caller connected. Credentials sd-bus would
 * fill in from /proc ("augmented") are racy and refused, as is anything
 * the caller says about itself. Root may do everything; a tenant's owner
 * may read that tenant; nobody else gets anything.
 *
 * Tenant properties are private, so their changes are announced with
 * PropertiesChanged carrying only the names of the invalidated properties
 * (a broadcast signal reaches every client on the bus); the values are read
 * with an authorised Get.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include <linux/accelq.h>

#include "manager.h"
#include "util.h"

/* ---------------------------------------------------------- identity -- */

/*
 * Who asked, by unique connection name. Asking the bus costs a round trip
 * to it per call (the loop waits for the answer), so the answers are kept:
 * the bus never reuses a unique name during its lifetime (and we exit when
 * it goes), and the EUID it recorded when the connection was made never
 * changes, so a kept answer is the one the bus would give again.
 */
#define CALLER_CACHE_SIZE	64

static struct caller {
	char sender[32];		/* ":1.42"; "" = unused */
	uid_t uid;
} caller_cache[CALLER_CACHE_SIZE];
static unsigned int caller_next;	/* replaced next, round robin */

static bool caller_cached(const char *sender, uid_t *ret)
{
	size_t i;

	for (i = 0; i < CALLER_CACHE_SIZE; i++)
		if (!strcmp(caller_cache[i].sender, sender)) {
			*ret = caller_cache[i].uid;
			return true;
		}
	return false;
}

static void caller_remember(const char *sender, uid_t uid)
{
	struct caller *c = &caller_cache[caller_next++ % CALLER_CACHE_SIZE];

	if (sender[0] != ':' || strlen(sender) >= sizeof(c->sender))
		return;
	strcpy(c->sender, sender);
	c->uid = uid;
}

/*
 * The caller's EUID as the bus vouches for it. On failure @error is set to
 * AccessDenied: an absent authority means deny.
 */
static int bus_caller_euid(sd_bus_message *m, uid_t *ret, sd_bus_error *error)
{
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	const char *sender;
	uid_t uid;
	int r;

	if (!m)
		return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
					"No caller to authorise");
	sender = sd_bus_message_get_sender(m);
	if (sender && sender[0] == ':' && caller_cached(sender, ret))
		return 0;

	r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
	if (r < 0)
		return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
					 "Cannot determine who is calling: %s",
					 strerror(-r));
	if (sd_bus_creds_get_augmented_mask(creds) & SD_BUS_CREDS_EUID)
		return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
					"The bus did not vouch for the caller's user id");
	r = sd_bus_creds_get_euid(creds, &uid);
	if (r < 0)
		return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
					 "The caller's user id is unknown: %s",
					 strerror(-r));

	if (sender)
		caller_remember(sender, uid);
	*ret = uid;
	return 0;
}

static int bus_require_root(sd_bus_message *m, const char *what,
			    sd_bus_error *error)
{
	uid_t uid;
	int r;

	r = bus_caller_euid(m, &uid, error);
	if (r < 0)
		return r;
	if (uid != 0)
		return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
					 "Only root may %s (caller uid %u)",
					 what, (unsigned int)uid);
	return 0;
}

/* May the sender of the current message read @t? */
static int tenant_authorize_read(sd_bus *bus, const Tenant *t,
				 sd_bus_error *error)
{
	uid_t uid;
	int r;

	r = bus_caller_euid(sd_bus_get_current_message(bus), &uid, error);
	if (r < 0)
		return r;
	if (uid == 0 || (t->cfg.has_owner && t->cfg.owner_uid == uid))
		return 0;
	return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
				 "Tenant %s is not yours (caller uid %u)",
				 t->cfg.name, (unsigned int)uid);
}

/* --------------------------------------------------- Manager object -- */

static int property_get_manager(sd_bus *bus _unused_, const char *path _unused_,
				const char *interface _unused_,
				const char *property, sd_bus_message *reply,
				void *userdata, sd_bus_error *error _unused_)
{
	Manager *m = userdata;

	if (!strcmp(property, "Version"))
		return sd_bus_message_append(reply, "s", ACCELQD_VERSION);
	if (!strcmp(property, "Engines"))
		return sd_bus_message_append(reply, "u",
					     m->kernel_present ?
					     (uint32_t)m->n_engines : 0);
	if (!strcmp(property, "Tenants"))
		return sd_bus_message_append(reply, "u",
					     (uint32_t)m->n_tenants);
	if (!strcmp(property, "MetricsAddress"))
		return sd_bus_message_append(reply, "s",
					     m->metrics_listen ?: "");
	return -ENOENT;
}

static int method_get_my_tenant(sd_bus_message *msg, void *userdata,
				sd_bus_error *error)
{
	Manager *m = userdata;
	Tenant *t;
	uid_t uid;
	int r;

	r = bus_caller_euid(msg, &uid, error);
	if (r < 0)
		return r;
	t = manager_find_tenant_by_owner(m, uid);
	if (!t)
		return sd_bus_error_setf(error, ERROR_NO_SUCH_TENANT,
					 "No tenant is owned by uid %u",
					 (unsigned int)uid);
	return sd_bus_reply_method_return(msg, "o", t->path);
}

static int method_get_tenant(sd_bus_message *msg, void *userdata,
			     sd_bus_error *error)
{
	Manager *m = userdata;
	const char *name;
	Tenant *t;
	uid_t uid;
	int r;

	r = sd_bus_message_read(msg, "s", &name);
	if (r < 0)
		return r;
	if (!tenant_name_valid(name))
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "Invalid tenant name \"%s\": want 1..63 characters of A-Z a-z 0-9 _ . -, not starting with . or -",
					 name);
	r = bus_caller_euid(msg, &uid, error);
	if (r < 0)
		return r;
	t = manager_find_tenant(m, name);
	/* Non-root callers learn nothing about tenants that are not theirs,
	 * not even whether they exist. */
	if (uid != 0 && (!t || !t->cfg.has_owner || t->cfg.owner_uid != uid))
		return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
					 "Only root may look up other users' tenants (caller uid %u)",
					 (unsigned int)uid);
	if (!t)
		return sd_bus_error_setf(error, ERROR_NO_SUCH_TENANT,
					 "No tenant %s", name);
	return sd_bus_reply_method_return(msg, "o", t->path);
}

static int method_list_tenants(sd_bus_message *msg, void *userdata,
			       sd_bus_error *error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	Manager *m = userdata;
	size_t i;
	int r;

	r = bus_require_root(msg, "list tenants", error);
	if (r < 0)
		return r;
	r = sd_bus_message_new_method_return(msg, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_open_container(reply, 'a', "(so)");
	if (r < 0)
		return r;
	for (i = 0; i < m->n_tenants; i++) {
		r = sd_bus_message_append(reply, "(so)", m->tenants[i]->cfg.name,
					  m->tenants[i]->path);
		if (r < 0)
			return r;
	}
	r = sd_bus_message_close_container(reply);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

/* Read one variant of the settings dictionary into a u or t. */
static int read_setting(sd_bus_message *msg, const char *key, char type,
			void *ret, sd_bus_error *error)
{
	const char *contents;
	char t;
	int r;

	r = sd_bus_message_peek_type(msg, &t, &contents);
	if (r < 0)
		return r;
	if (t != SD_BUS_TYPE_VARIANT || !contents || contents[0] != type ||
	    contents[1])
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "%s must be of type %c", key, type);
	return sd_bus_message_read(msg, "v", (char[]){ type, 0 }, ret);
}

static int method_set_tenant_quota(sd_bus_message *msg, void *userdata,
				   sd_bus_error *error)
{
	_cleanup_free_ char *kerr = NULL;
	Manager *m = userdata;
	struct tenant_settings new, old;
	const char *name;
	Tenant *t;
	int r;

	r = bus_require_root(msg, "change quotas", error);
	if (r < 0)
		return r;
	r = sd_bus_message_read(msg, "s", &name);
	if (r < 0)
		return r;
	if (!tenant_name_valid(name))
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "Invalid tenant name \"%s\"", name);
	t = manager_find_tenant(m, name);
	if (!t)
		return sd_bus_error_setf(error, ERROR_NO_SUCH_TENANT,
					 "No tenant %s", name);

	new = t->set;
	r = sd_bus_message_enter_container(msg, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
		const char *key;
		uint64_t v64;
		uint32_t v32;

		r = sd_bus_message_read(msg, "s", &key);
		if (r < 0)
			return r;
		if (!strcmp(key, "Weight")) {
			r = read_setting(msg, key, 'u', &v32, error);
			if (r < 0)
				return r;
			if (v32 < ACCELQ_TENANT_WEIGHT_MIN ||
			    v32 > ACCELQ_TENANT_WEIGHT_MAX)
				return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
							 "Weight must be 1..10000");
			new.weight = v32;
		} else if (!strcmp(key, "CapQuotaUSec")) {
			r = read_setting(msg, key, 't', &v64, error);
			if (r < 0)
				return r;
			if (v64 && (v64 < ACCELQ_CAP_QUOTA_MIN_NS / 1000 ||
				    v64 > 64 * ACCELQ_CAP_PERIOD_MAX_NS / 1000))
				return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
							 "CapQuotaUSec must be 0 (no cap) or 100..64000000");
			new.cap_quota_ns = v64 * NSEC_PER_USEC;
		} else if (!strcmp(key, "CapPeriodUSec")) {
			r = read_setting(msg, key, 't', &v64, error);
			if (r < 0)
				return r;
			if (v64 < ACCELQ_CAP_PERIOD_MIN_NS / 1000 ||
			    v64 > ACCELQ_CAP_PERIOD_MAX_NS / 1000)
				return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
							 "CapPeriodUSec must be 1000..1000000");
			new.cap_period_ns = v64 * NSEC_PER_USEC;
		} else if (!strcmp(key, "BurstUSec")) {
			r = read_setting(msg, key, 't', &v64, error);
			if (r < 0)
				return r;
			if (v64 > 64 * ACCELQ_CAP_PERIOD_MAX_NS / 1000)
				return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
							 "BurstUSec is too large");
			new.burst_ns = v64 * NSEC_PER_USEC;
		} else if (!strcmp(key, "BudgetSeconds")) {
			r = read_setting(msg, key, 't', &v64, error);
			if (r < 0)
				return r;
			if (v64 > 10ULL * 366 * 86400)
				return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
							 "BudgetSeconds is too large");
			new.budget_ns = v64 * NSEC_PER_SEC;
		} else {
			return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
						 "Unknown setting %s; known: Weight, CapQuotaUSec, CapPeriodUSec, BurstUSec, BudgetSeconds",
						 key);
		}
		r = sd_bus_message_exit_container(msg);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(msg);
	if (r < 0)
		return r;

	if (new.burst_ns > new.cap_quota_ns)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "BurstUSec (%" PRIu64 ") must not exceed CapQuotaUSec (%" PRIu64 ")",
					 new.burst_ns / 1000,
					 new.cap_quota_ns / 1000);

	old = t->set;
	t->set = new;
	manager_tenant_budget_changed(m, t);
	r = manager_apply_tenant(m, t, &kerr);
	if (r < 0) {
		t->set = old;
		manager_tenant_budget_changed(m, t);
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "The kernel refused the settings for %s: %s",
					 name, kerr ?: strerror(-r));
	}
	log_info("Tenant %s: quota changed over D-Bus (until the next reload)",
		 name);
	return sd_bus_reply_method_return(msg, NULL);
}

static int method_reload(sd_bus_message *msg, void *userdata,
			 sd_bus_error *error)
{
	_cleanup_free_ char *why = NULL;
	int r;

	r = bus_require_root(msg, "reload the configuration", error);
	if (r < 0)
		return r;
	r = manager_reload(userdata, &why);
	if (r < 0)
		return sd_bus_error_setf(error, ERROR_BAD_CONFIG,
					 "Configuration not reloaded, the old one stays in force: %s",
					 why ?: strerror(-r));
	return sd_bus_reply_method_return(msg, NULL);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Version", "s", property_get_manager, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Engines", "u", property_get_manager, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Tenants", "u", property_get_manager, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("MetricsAddress", "s", property_get_manager, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD_WITH_ARGS("GetMyTenant",
				SD_BUS_NO_ARGS,
				SD_BUS_RESULT("o", tenant),
				method_get_my_tenant,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetTenant",
				SD_BUS_ARGS("s", name),
				SD_BUS_RESULT("o", tenant),
				method_get_tenant,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ListTenants",
				SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(so)", tenants),
				method_list_tenants,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetTenantQuota",
				SD_BUS_ARGS("s", name, "a{sv}", settings),
				SD_BUS_NO_RESULT,
				method_set_tenant_quota,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Reload",
				SD_BUS_NO_ARGS,
				SD_BUS_NO_RESULT,
				method_reload,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

/* ---------------------------------------------------- Tenant objects -- */

static uint64_t tenant_cap_value(const Tenant *t, int which)
{
	struct kernel_settings want;

	/* What is in force: the kernel's, or what we will put there. */
	if (t->in_kernel)
		want = t->k.set;
	else
		tenant_desired_settings(t, &want);
	switch (which) {
	case 0:
		return want.cap_quota_ns / 1000;
	case 1:
		return want.cap_period_ns / 1000;
	default:
		return want.cap_burst_ns / 1000;
	}
}

static int append_classes(sd_bus_message *reply, uint32_t classes)
{
	int r;

	r = sd_bus_message_open_container(reply, 'a', "s");
	if (r < 0)
		return r;
	if (classes & ACCELQ_CLASS_MASK_LATENCY) {
		r = sd_bus_message_append(reply, "s", "latency");
		if (r < 0)
			return r;
	}
	if (classes & ACCELQ_CLASS_MASK_BATCH) {
		r = sd_bus_message_append(reply, "s", "batch");
		if (r < 0)
			return r;
	}
	return sd_bus_message_close_container(reply);
}

static int property_get_tenant(sd_bus *bus, const char *path _unused_,
			       const char *interface _unused_,
			       const char *p, sd_bus_message *reply,
			       void *userdata, sd_bus_error *error)
{
	const Tenant *t = userdata;
	const struct kernel_tenant *k = &t->k;
	bool in = t->in_kernel;
	int r;

	r = tenant_authorize_read(bus, t, error);
	if (r < 0)
		return r;

	if (!strcmp(p, "Name"))
		return sd_bus_message_append(reply, "s", t->cfg.name);
	if (!strcmp(p, "Id"))
		return sd_bus_message_append(reply, "u", in ? k->id : ID_NONE);
	if (!strcmp(p, "Weight"))
		return sd_bus_message_append(reply, "u",
					     in ? k->set.weight : t->set.weight);
	if (!strcmp(p, "CapQuotaUSec"))
		return sd_bus_message_append(reply, "t", tenant_cap_value(t, 0));
	if (!strcmp(p, "CapPeriodUSec"))
		return sd_bus_message_append(reply, "t", tenant_cap_value(t, 1));
	if (!strcmp(p, "BurstUSec"))
		return sd_bus_message_append(reply, "t", tenant_cap_value(t, 2));
	if (!strcmp(p, "Classes"))
		return append_classes(reply, t->cfg.classes);
	if (!strcmp(p, "BudgetSeconds"))
		return sd_bus_message_append(reply, "t",
					     t->set.budget_ns / NSEC_PER_SEC);
	if (!strcmp(p, "BudgetWindowSeconds"))
		return sd_bus_message_append(reply, "t",
					     t->cfg.window_ns / NSEC_PER_SEC);
	if (!strcmp(p, "BudgetUsedSeconds"))
		return sd_bus_message_append(reply, "d",
					     (double)t->budget.used_ns / 1e9);
	if (!strcmp(p, "BudgetAction"))
		return sd_bus_message_append(reply, "s",
					     budget_action_to_string(t->cfg.action));
	if (!strcmp(p, "BudgetExhausted"))
		return sd_bus_message_append(reply, "b", t->budget.exhausted);
	if (!strcmp(p, "Utilization1s"))
		return sd_bus_message_append(reply, "d", t->util[0]);
	if (!strcmp(p, "Utilization10s"))
		return sd_bus_message_append(reply, "d", t->util[1]);
	if (!strcmp(p, "Utilization60s"))
		return sd_bus_message_append(reply, "d", t->util[2]);
	if (!strcmp(p, "BusySeconds"))
		return sd_bus_message_append(reply, "d",
					     in ? (double)k->busy_ns / 1e9 : 0.0);
	if (!strcmp(p, "Jobs"))
		return sd_bus_message_append(reply, "a{st}", 4,
					     "ok", in ? k->jobs_ok : 0,
					     "canceled", in ? k->jobs_canceled : 0,
					     "timedout", in ? k->jobs_timedout : 0,
					     "io", in ? k->jobs_io : 0);
	if (!strcmp(p, "ThrottledNow"))
		return sd_bus_message_append(reply, "b",
					     in && (k->flags & ACCELQ_TENANT_F_THROTTLED));
	if (!strcmp(p, "ThrottledCount"))
		return sd_bus_message_append(reply, "t",
					     in ? k->nr_throttled : 0);
	if (!strcmp(p, "ThrottledSeconds"))
		return sd_bus_message_append(reply, "d",
					     in ? (double)k->throttled_ns / 1e9 : 0.0);
	if (!strcmp(p, "Queues"))
		return sd_bus_message_append(reply, "u", in ? k->nr_queues : 0);
	if (!strcmp(p, "Banned"))
		return sd_bus_message_append(reply, "b",
					     in && (k->flags & ACCELQ_TENANT_F_BANNED));
	return -ENOENT;
}

#define TENANT_PROPERTY(name, sig)					\
	SD_BUS_PROPERTY(name, sig, property_get_tenant, 0,		\
			SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION)

static const sd_bus_vtable tenant_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Name", "s", property_get_tenant, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	TENANT_PROPERTY("Id", "u"),
	TENANT_PROPERTY("Weight", "u"),
	TENANT_PROPERTY("CapQuotaUSec", "t"),
	TENANT_PROPERTY("CapPeriodUSec", "t"),
	TENANT_PROPERTY("BurstUSec", "t"),
	TENANT_PROPERTY("Classes", "as"),
	TENANT_PROPERTY("BudgetSeconds", "t"),
	TENANT_PROPERTY("BudgetWindowSeconds", "t"),
	TENANT_PROPERTY("BudgetUsedSeconds", "d"),
	TENANT_PROPERTY("BudgetAction", "s"),
	TENANT_PROPERTY("BudgetExhausted", "b"),
	TENANT_PROPERTY("Utilization1s", "d"),
	TENANT_PROPERTY("Utilization10s", "d"),
	TENANT_PROPERTY("Utilization60s", "d"),
	TENANT_PROPERTY("BusySeconds", "d"),
	TENANT_PROPERTY("Jobs", "a{st}"),
	TENANT_PROPERTY("ThrottledNow", "b"),
	TENANT_PROPERTY("ThrottledCount", "t"),
	TENANT_PROPERTY("ThrottledSeconds", "d"),
	TENANT_PROPERTY("Queues", "u"),
	TENANT_PROPERTY("Banned", "b"),
	SD_BUS_SIGNAL_WITH_ARGS("QuotaExceeded",
				SD_BUS_ARGS("s", name, "d", used_seconds,
					    "d", budget_seconds, "s", action),
				0),
	SD_BUS_VTABLE_END
};

static int tenant_find(sd_bus *bus _unused_, const char *path,
		       const char *interface _unused_, void *userdata,
		       void **found, sd_bus_error *error _unused_)
{
	_cleanup_free_ char *name = NULL;
	Manager *m = userdata;
	Tenant *t;
	int r;

	r = sd_bus_path_decode(path, TENANT_PREFIX, &name);
	if (r <= 0)
		return 0;
	t = manager_find_tenant(m, name);
	if (!t)
		return 0;
	*found = t;
	return 1;
}

/* Child nodes for introspection: only what the caller may read. */
static int tenant_enumerate(sd_bus *bus, const char *prefix _unused_,
			    void *userdata, char ***nodes,
			    sd_bus_error *error _unused_)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	Manager *m = userdata;
	char **v;
	size_t i, n = 0;
	uid_t uid;

	v = calloc(m->n_tenants + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bus_caller_euid(sd_bus_get_current_message(bus), &uid, &e) < 0) {
		sd_bus_error_free(&e);
		*nodes = v;	/* nothing */
		return 0;
	}
	for (i = 0; i < m->n_tenants; i++) {
		const Tenant *t = m->tenants[i];

		if (uid != 0 && (!t->cfg.has_owner || t->cfg.owner_uid != uid))
			continue;
		v[n] = strdup(t->path);
		if (!v[n]) {
			while (n)
				free(v[--n]);
			free(v);
			return -ENOMEM;
		}
		n++;
	}
	*nodes = v;
	return 0;
}

/* ------------------------------------------------------------ signals -- */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Everything the Tenant properties show, hashed. */
static uint64_t tenant_props_hash(const Tenant *t)
{
	struct {
		uint32_t id, weight, classes, queues, flags;
		uint64_t quota, period, burst, budget, window, used;
		uint64_t busy, ok, canceled, timedout, io, nr_thr, thr_ns;
		double util[3];
		bool exhausted, in;
		int action;
	} v;

	memset(&v, 0, sizeof(v));
	v.in = t->in_kernel;
	v.id = t->in_kernel ? t->k.id : ID_NONE;
	v.weight = t->in_kernel ? t->k.set.weight : t->set.weight;
	v.classes = t->cfg.classes;
	v.quota = tenant_cap_value(t, 0);
	v.period = tenant_cap_value(t, 1);
	v.burst = tenant_cap_value(t, 2);
	v.budget = t->set.budget_ns;
	v.window = t->cfg.window_ns;
	v.used = t->budget.used_ns;
	v.exhausted = t->budget.exhausted;
	v.action = t->cfg.action;
	memcpy(v.util, t->util, sizeof(v.util));
	if (t->in_kernel) {
		v.queues = t->k.nr_queues;
		v.flags = t->k.flags &
			  (ACCELQ_TENANT_F_BANNED | ACCELQ_TENANT_F_THROTTLED);
		v.busy = t->k.busy_ns;
		v.ok = t->k.jobs_ok;
		v.canceled = t->k.jobs_canceled;
		v.timedout = t->k.jobs_timedout;
		v.io = t->k.jobs_io;
		v.nr_thr = t->k.nr_throttled;
		v.thr_ns = t->k.throttled_ns;
	}
	return fnv1a(0xcbf29ce484222325ULL, &v, sizeof(v)) | 1;
}

void manager_bus_tenant_changed(Manager *m, Tenant *t)
{
	uint64_t h;
	int r;

	if (!m->bus)
		return;
	h = tenant_props_hash(t);
	if (h == t->props_hash)
		return;
	t->props_hash = h;
	r = sd_bus_emit_properties_changed_strv(m->bus, t->path, TENANT_IFACE,
						NULL);
	if (r < 0)
		log_warning("Failed to emit PropertiesChanged for %s: %s",
			    t->cfg.name, strerror(-r));
}

void manager_bus_manager_changed(Manager *m)
{
	uint64_t h;

	if (!m->bus)
		return;
	h = fnv1a(0xcbf29ce484222325ULL, &m->n_tenants, sizeof(m->n_tenants));
	h = fnv1a(h, &m->n_engines, sizeof(m->n_engines));
	h = fnv1a(h, &m->kernel_present, sizeof(m->kernel_present));
	if (m->metrics_listen)
		h = fnv1a(h, m->metrics_listen, strlen(m->metrics_listen));
	if (h != m->manager_props_hash) {
		if (m->manager_props_hash)
			sd_bus_emit_properties_changed(m->bus, MANAGER_PATH,
						       MANAGER_IFACE, "Engines",
						       "Tenants",
						       "MetricsAddress", NULL);
		m->manager_props_hash = h;
	}
}

void manager_bus_emit_quota_exceeded(Manager *m, Tenant *t)
{
	int r;

	log_notice("Tenant %s: QuotaExceeded (used %.3f s of %.3f s, %s)",
		   t->cfg.name, (double)t->budget.used_ns / 1e9,
		   (double)t->set.budget_ns / 1e9,
		   budget_action_to_string(t->cfg.action));
	if (!m->bus)
		return;
	r = sd_bus_emit_signal(m->bus, t->path, TENANT_IFACE, "QuotaExceeded",
			       "sdds", t->cfg.name,
			       (double)t->budget.used_ns / 1e9,
			       (double)t->set.budget_ns / 1e9,
			       budget_action_to_string(t->cfg.action));
	if (r < 0)
		log_warning("Failed to emit QuotaExceeded for %s: %s",
			    t->cfg.name, strerror(-r));
}

/* -------------------------------------------------------------- setup -- */

static int bus_open(Manager *m, sd_bus **ret)
{
	sd_bus *bus = NULL;
	int r;

	switch (m->bus_kind) {
	case BUS_SYSTEM:
		return sd_bus_open_system(ret);
	case BUS_USER:
		return sd_bus_open_user(ret);
	case BUS_ADDRESS:
		r = sd_bus_new(&bus);
		if (r < 0)
			return r;
		r = sd_bus_set_address(bus, m->bus_address);
		if (r >= 0)
			r = sd_bus_set_bus_client(bus, true);
		if (r >= 0)
			r = sd_bus_start(bus);
		if (r < 0) {
			sd_bus_unref(bus);
			return r;
		}
		*ret = bus;
		return 0;
	}
	return -EINVAL;
}

int manager_bus_setup(Manager *m)
{
	size_t i;
	int r;

	/* Nobody can have read a property before we are on the bus: start
	 * from the current values instead of announcing every tenant. */
	for (i = 0; i < m->n_tenants; i++)
		m->tenants[i]->props_hash = tenant_props_hash(m->tenants[i]);

	r = bus_open(m, &m->bus);
	if (r < 0)
		return log_error_errno(r, "Failed to connect to the %s bus: %m",
				       m->bus_kind == BUS_USER ? "user" :
				       m->bus_kind == BUS_ADDRESS ? "given" :
				       "system");

	r = sd_bus_add_object_vtable(m->bus, NULL, MANAGER_PATH, MANAGER_IFACE,
				     manager_vtable, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the Manager object: %m");
	r = sd_bus_add_fallback_vtable(m->bus, NULL, TENANT_PREFIX,
				       TENANT_IFACE, tenant_vtable,
				       tenant_find, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the Tenant objects: %m");
	r = sd_bus_add_node_enumerator(m->bus, NULL, TENANT_PREFIX,
				       tenant_enumerate, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the node enumerator: %m");

	r = sd_bus_request_name(m->bus, BUS_NAME, 0);
	if (r < 0)
		return log_error_errno(r, "Failed to own the bus name %s: %m",
				       BUS_NAME);
	/* Losing the bus ends the loop with a failure: systemd restarts us. */
	r = sd_bus_set_exit_on_disconnect(m->bus, true);
	if (r < 0)
		return log_error_errno(r, "Failed to set exit-on-disconnect: %m");
	r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0)
		return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
	return 0;
}
