// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq - generic netlink control plane: tenants, engines and queues.
 *
 * Copyright (C) 2026 The accelq authors
 */

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/nospec.h>
#include <linux/pid.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include <uapi/linux/accelq.h>

#include "accelq_drv.h"
#include "accelq_engine.h"
#include "accelq_file.h"
#include "accelq_netlink.h"
#include "accelq_queue.h"
#include "accelq_tenant.h"

/**
 * DOC: generic netlink control plane
 *
 * The family "accelq" (see the DOC section in <uapi/linux/accelq.h> and
 * docs/netlink.md) exposes tenants, engines and queues to administrators.
 * It lives in the initial network namespace only and runs its operations in
 * parallel: every handler relies on the locking of the objects it touches,
 * never on genl_mutex.
 *
 * Attributes are validated strictly against a policy per command. Each
 * command accepts only the attributes it uses; an attribute that only ever
 * appears in replies is refused with "attribute is read-only", any other
 * foreign one with "Unsupported attribute".
 *
 * Dumps resume from the next id after the last one put in a full message,
 * so an object is never reported twice. They set the dump sequence from the
 * tenant (or queue) generation each time they run, so a dump that spans a
 * creation or deletion carries NLM_F_DUMP_INTR on its later messages or on
 * its NLMSG_DONE.
 */

static struct genl_family accelq_genl_family;

/* Settable attributes: their policies, shared by every command using them. */
static struct netlink_range_validation accelq_nl_period_range = {
	.min = ACCELQ_CAP_PERIOD_MIN_NS,
	.max = ACCELQ_CAP_PERIOD_MAX_NS,
};

static struct netlink_range_validation accelq_nl_limit_range = {
	.min = 0,
	.max = ACCELQ_TENANT_LIMIT_MAX,
};

#define ACCELQ_NL_READ_ONLY \
	{ .type = NLA_REJECT, .reject_message = "attribute is read-only" }

static const struct nla_policy accelq_nl_policy_all[ACCELQ_A_MAX + 1] = {
	[ACCELQ_A_TENANT_ID]		= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_NAME]		= { .type = NLA_NUL_STRING,
					    .len = ACCELQ_TENANT_NAME_LEN - 1 },
	[ACCELQ_A_TENANT_MATCH_CGROUP]	= { .type = NLA_NUL_STRING,
					    .len = PATH_MAX - 1 },
	[ACCELQ_A_TENANT_MATCH_UID]	= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_CGROUP_ID]	= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_TENANT_WEIGHT]	= NLA_POLICY_RANGE(NLA_U32,
							   ACCELQ_TENANT_WEIGHT_MIN,
							   ACCELQ_TENANT_WEIGHT_MAX),
	[ACCELQ_A_TENANT_CAP_QUOTA_NS]	= { .type = NLA_U64 },
	[ACCELQ_A_TENANT_CAP_PERIOD_NS]	= NLA_POLICY_FULL_RANGE(NLA_U64,
								&accelq_nl_period_range),
	[ACCELQ_A_TENANT_CAP_BURST_NS]	= { .type = NLA_U64 },
	[ACCELQ_A_TENANT_CLASSES]	= NLA_POLICY_MASK(NLA_U32,
							  ACCELQ_CLASS_MASK_ALL),
	[ACCELQ_A_TENANT_MAX_QUEUES]	= NLA_POLICY_FULL_RANGE(NLA_U32,
								&accelq_nl_limit_range),
	[ACCELQ_A_TENANT_MAX_INFLIGHT]	= NLA_POLICY_FULL_RANGE(NLA_U32,
								&accelq_nl_limit_range),
	[ACCELQ_A_TENANT_MAX_DEPTH]	= NLA_POLICY_FULL_RANGE(NLA_U32,
								&accelq_nl_limit_range),
	[ACCELQ_A_TENANT_GUILTY_LIMIT]	= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_DEL_FLAGS]	= NLA_POLICY_MASK(NLA_U32,
							  ACCELQ_TENANT_DEL_FORCE),
	[ACCELQ_A_TENANT_FLAGS]		= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_TENANT_STATS]		= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_TENANT_NR_QUEUES]	= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_TENANT_NR_CLIENTS]	= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_TENANT_NR_INFLIGHT]	= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_ENGINE_ID]		= { .type = NLA_U32 },
	[ACCELQ_A_ENGINE_NAME]		= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_ENGINE_BUSY_NS]	= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_ENGINE_NR_QUEUES]	= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_ENGINE_RESETS]	= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_ENGINE_PREEMPTIONS]	= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_QUEUE_ID]		= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_QUEUE_CLASS]		= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_QUEUE_DEPTH]		= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_QUEUE_NR_JOBS]	= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_QUEUE_LAST_SEQNO]	= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_QUEUE_DONE_SEQNO]	= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_CLIENT_ID]		= ACCELQ_NL_READ_ONLY,
	[ACCELQ_A_CLIENT_PID]		= ACCELQ_NL_READ_ONLY,
};

#define ACCELQ_NL_ATTR(name)	BIT_ULL(ACCELQ_A_##name)
#define ACCELQ_NL_SETTINGS \
	(ACCELQ_NL_ATTR(TENANT_WEIGHT) | ACCELQ_NL_ATTR(TENANT_CAP_QUOTA_NS) | \
	 ACCELQ_NL_ATTR(TENANT_CAP_PERIOD_NS) | \
	 ACCELQ_NL_ATTR(TENANT_CAP_BURST_NS) | ACCELQ_NL_ATTR(TENANT_CLASSES) | \
	 ACCELQ_NL_ATTR(TENANT_MAX_QUEUES) | \
	 ACCELQ_NL_ATTR(TENANT_MAX_INFLIGHT) | \
	 ACCELQ_NL_ATTR(TENANT_MAX_DEPTH) | ACCELQ_NL_ATTR(TENANT_GUILTY_LIMIT))
#define ACCELQ_NL_SELECTOR \
	(ACCELQ_NL_ATTR(TENANT_ID) | ACCELQ_NL_ATTR(TENANT_NAME))
#define ACCELQ_NL_MATCH \
	(ACCELQ_NL_ATTR(TENANT_MATCH_CGROUP) | ACCELQ_NL_ATTR(TENANT_MATCH_UID))

/*
 * Attributes each command accepts. The read-only ones are refused with their
 * own message by every command; the rest are unsupported.
 */
static const u64 accelq_nl_cmd_attrs[ACCELQ_CMD_MAX + 1] = {
	[ACCELQ_CMD_TENANT_NEW]	= ACCELQ_NL_ATTR(TENANT_NAME) | ACCELQ_NL_MATCH |
				  ACCELQ_NL_SETTINGS,
	/* MATCH_* pass the policy to be refused with a precise message. */
	[ACCELQ_CMD_TENANT_SET]	= ACCELQ_NL_SELECTOR | ACCELQ_NL_MATCH |
				  ACCELQ_NL_SETTINGS,
	[ACCELQ_CMD_TENANT_DEL]	= ACCELQ_NL_SELECTOR |
				  ACCELQ_NL_ATTR(TENANT_DEL_FLAGS),
	[ACCELQ_CMD_TENANT_GET]	= ACCELQ_NL_SELECTOR,
	[ACCELQ_CMD_TENANT_CLEAR_BAN] = ACCELQ_NL_SELECTOR,
	[ACCELQ_CMD_ENGINE_GET]	= ACCELQ_NL_ATTR(ENGINE_ID),
	[ACCELQ_CMD_ENGINE_RESET] = ACCELQ_NL_ATTR(ENGINE_ID),
	[ACCELQ_CMD_QUEUE_GET]	= ACCELQ_NL_ATTR(TENANT_ID),
};

/* Per-command policies, built from the two tables above at init. */
static struct nla_policy accelq_nl_policy[ACCELQ_CMD_MAX + 1][ACCELQ_A_MAX + 1]
	__ro_after_init;

/* Dump positions, kept in &netlink_callback.ctx. */
struct accelq_nl_dump_ctx {
	u64 next;		/* next id to look at */
	bool done;		/* nothing left */
	bool filter;		/* QUEUE_GET: only queues of @tenant_id */
	u32 tenant_id;
};

static struct accelq_nl_dump_ctx *accelq_nl_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct accelq_nl_dump_ctx) > sizeof(cb->ctx));
	return (struct accelq_nl_dump_ctx *)cb->ctx;
}

/*
 * nl_dump_check_consistent() treats 0 as "no sequence yet": map every
 * generation to a nonzero value, distinct from its neighbours.
 */
static unsigned int accelq_nl_dump_seq(u32 generation)
{
	return (generation << 1) | 1;
}

/* ------------------------------------------------------------ tenants -- */

static int accelq_nl_check_name(const struct nlattr *attr,
				struct netlink_ext_ack *extack)
{
	const char *name = nla_data(attr);

	/* The policy guarantees a NUL within the first 64 bytes. */
	if (strnlen(name, nla_len(attr)) + 1 != nla_len(attr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "ACCELQ_A_TENANT_NAME: bytes after the terminating NUL");
		return -EINVAL;
	}
	if (!name[0] || !accelq_tenant_name_valid(name)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "ACCELQ_A_TENANT_NAME: want 1-63 characters of [A-Za-z0-9_.-], not starting with '.' or '-'");
		return -EINVAL;
	}
	return 0;
}

/*
 * The tenant named by ACCELQ_A_TENANT_ID and/or ACCELQ_A_TENANT_NAME,
 * referenced, or an ERR_PTR() with the extack set.
 */
static struct accelq_tenant *accelq_nl_tenant_lookup(struct genl_info *info)
{
	struct nlattr *id_attr = info->attrs[ACCELQ_A_TENANT_ID];
	struct nlattr *name_attr = info->attrs[ACCELQ_A_TENANT_NAME];
	struct netlink_ext_ack *extack = info->extack;
	struct accelq_tenant *tenant;
	int err;

	if (!id_attr && !name_attr) {
		NL_SET_ERR_MSG(extack,
			       "ACCELQ_A_TENANT_ID or ACCELQ_A_TENANT_NAME is required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, ACCELQ_A_TENANT_ID);
		return ERR_PTR(-EINVAL);
	}
	if (name_attr) {
		err = accelq_nl_check_name(name_attr, extack);
		if (err)
			return ERR_PTR(err);
	}

	if (!id_attr) {
		tenant = accelq_tenant_get_by_name(accelq_dev,
						   nla_data(name_attr));
		if (!tenant) {
			NL_SET_ERR_MSG_ATTR(extack, name_attr, "no such tenant");
			return ERR_PTR(-ENOENT);
		}
		return tenant;
	}

	tenant = accelq_tenant_get(accelq_dev, nla_get_u32(id_attr));
	if (!tenant) {
		NL_SET_ERR_MSG_ATTR(extack, id_attr, "no such tenant");
		return ERR_PTR(-ENOENT);
	}
	/* Names never change: no lock needed to compare. */
	if (name_attr && strcmp(tenant->name, nla_data(name_attr))) {
		accelq_tenant_put(&tenant);
		NL_SET_ERR_MSG_ATTR(extack, name_attr,
				    "ACCELQ_A_TENANT_ID and ACCELQ_A_TENANT_NAME name different tenants");
		return ERR_PTR(-EINVAL);
	}
	return tenant;
}

static void accelq_nl_apply_config(struct nlattr **attrs,
				   struct accelq_tenant_config *cfg)
{
	if (attrs[ACCELQ_A_TENANT_WEIGHT])
		cfg->weight = nla_get_u32(attrs[ACCELQ_A_TENANT_WEIGHT]);
	if (attrs[ACCELQ_A_TENANT_CAP_QUOTA_NS])
		cfg->cap_quota_ns =
			nla_get_u64(attrs[ACCELQ_A_TENANT_CAP_QUOTA_NS]);
	if (attrs[ACCELQ_A_TENANT_CAP_PERIOD_NS])
		cfg->cap_period_ns =
			nla_get_u64(attrs[ACCELQ_A_TENANT_CAP_PERIOD_NS]);
	if (attrs[ACCELQ_A_TENANT_CAP_BURST_NS])
		cfg->cap_burst_ns =
			nla_get_u64(attrs[ACCELQ_A_TENANT_CAP_BURST_NS]);
	if (attrs[ACCELQ_A_TENANT_CLASSES])
		cfg->classes = nla_get_u32(attrs[ACCELQ_A_TENANT_CLASSES]);
	if (attrs[ACCELQ_A_TENANT_MAX_QUEUES])
		cfg->max_queues = nla_get_u32(attrs[ACCELQ_A_TENANT_MAX_QUEUES]);
	if (attrs[ACCELQ_A_TENANT_MAX_INFLIGHT])
		cfg->max_inflight =
			nla_get_u32(attrs[ACCELQ_A_TENANT_MAX_INFLIGHT]);
	if (attrs[ACCELQ_A_TENANT_MAX_DEPTH])
		cfg->max_depth = nla_get_u32(attrs[ACCELQ_A_TENANT_MAX_DEPTH]);
	if (attrs[ACCELQ_A_TENANT_GUILTY_LIMIT])
		cfg->guilty_limit =
			nla_get_u32(attrs[ACCELQ_A_TENANT_GUILTY_LIMIT]);
}

static int accelq_nl_put_stats(struct sk_buff *skb,
			       struct accelq_tenant *tenant,
			       const struct accelq_tenant_snapshot *snap)
{
	unsigned int i, nr_engines = tenant->adev->nr_engines;
	struct nlattr *stats, *busy;

	stats = nla_nest_start(skb, ACCELQ_A_TENANT_STATS);
	if (!stats)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, ACCELQ_A_STATS_BUSY_NS, snap->busy_ns,
			      ACCELQ_A_STATS_PAD))
		goto err_cancel;

	/* Attribute type engine id + 1; type 0 is the padding. */
	busy = nla_nest_start(skb, ACCELQ_A_STATS_ENGINE_BUSY);
	if (!busy)
		goto err_cancel;
	for (i = 0; i < nr_engines; i++)
		if (nla_put_u64_64bit(skb, i + 1, snap->engine_busy_ns[i], 0))
			goto err_cancel;
	nla_nest_end(skb, busy);

	if (nla_put_u64_64bit(skb, ACCELQ_A_STATS_JOBS_ACCEPTED,
			      snap->jobs_accepted, ACCELQ_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_STATS_JOBS_OK, snap->jobs_ok,
			      ACCELQ_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_STATS_JOBS_CANCELED,
			      snap->jobs_canceled, ACCELQ_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_STATS_JOBS_TIMEDOUT,
			      snap->jobs_timedout, ACCELQ_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_STATS_JOBS_IO, snap->jobs_io,
			      ACCELQ_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_STATS_WAIT_NS, snap->wait_ns,
			      ACCELQ_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_STATS_PREEMPTIONS,
			      snap->preemptions, ACCELQ_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_STATS_NR_PERIODS,
			      snap->nr_periods, ACCELQ_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_STATS_NR_THROTTLED,
			      snap->nr_throttled, ACCELQ_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_STATS_THROTTLED_NS,
			      snap->throttled_ns, ACCELQ_A_STATS_PAD) ||
	    nla_put_u32(skb, ACCELQ_A_STATS_GUILTY, snap->guilty))
		goto err_cancel;

	nla_nest_end(skb, stats);
	return 0;

err_cancel:
	nla_nest_cancel(skb, stats);
	return -EMSGSIZE;
}

static int accelq_nl_put_tenant(struct sk_buff *skb,
				struct accelq_tenant *tenant)
{
	struct accelq_tenant_snapshot snap;
	const struct accelq_tenant_config *cfg = &snap.cfg;

	accelq_tenant_snapshot(tenant, &snap);

	if (nla_put_u32(skb, ACCELQ_A_TENANT_ID, snap.id) ||
	    nla_put_string(skb, ACCELQ_A_TENANT_NAME, snap.name))
		return -EMSGSIZE;

	switch (snap.match) {
	case ACCELQ_MATCH_CGROUP:
		if (nla_put_u64_64bit(skb, ACCELQ_A_TENANT_CGROUP_ID,
				      snap.cgroup_id, ACCELQ_A_PAD))
			return -EMSGSIZE;
		break;
	case ACCELQ_MATCH_UID:
		if (nla_put_u32(skb, ACCELQ_A_TENANT_MATCH_UID, snap.uid))
			return -EMSGSIZE;
		break;
	case ACCELQ_MATCH_NONE:
		break;
	}

	if (nla_put_u32(skb, ACCELQ_A_TENANT_WEIGHT, cfg->weight) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_TENANT_CAP_QUOTA_NS,
			      cfg->cap_quota_ns, ACCELQ_A_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_TENANT_CAP_PERIOD_NS,
			      cfg->cap_period_ns, ACCELQ_A_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_TENANT_CAP_BURST_NS,
			      cfg->cap_burst_ns, ACCELQ_A_PAD) ||
	    nla_put_u32(skb, ACCELQ_A_TENANT_CLASSES, cfg->classes) ||
	    nla_put_u32(skb, ACCELQ_A_TENANT_MAX_QUEUES, cfg->max_queues) ||
	    nla_put_u32(skb, ACCELQ_A_TENANT_MAX_INFLIGHT, cfg->max_inflight) ||
	    nla_put_u32(skb, ACCELQ_A_TENANT_MAX_DEPTH, cfg->max_depth) ||
	    nla_put_u32(skb, ACCELQ_A_TENANT_GUILTY_LIMIT, cfg->guilty_limit) ||
	    nla_put_u32(skb, ACCELQ_A_TENANT_FLAGS, snap.flags) ||
	    nla_put_u32(skb, ACCELQ_A_TENANT_NR_QUEUES, snap.nr_queues) ||
	    nla_put_u32(skb, ACCELQ_A_TENANT_NR_CLIENTS, snap.nr_clients) ||
	    nla_put_u32(skb, ACCELQ_A_TENANT_NR_INFLIGHT, snap.nr_inflight))
		return -EMSGSIZE;

	return accelq_nl_put_stats(skb, tenant, &snap);
}

/*
 * One tenant message. In a dump (@cb set) the message is checked against
 * the dump sequence once complete, so a cancelled message loses no flag.
 */
static int accelq_nl_fill_tenant(struct sk_buff *skb,
				 struct accelq_tenant *tenant, u32 portid,
				 u32 seq, int flags, u8 cmd,
				 struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &accelq_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (accelq_nl_put_tenant(skb, tenant)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Fill @msg (from genlmsg_new()) with @tenant and send it to the requester;
 * @msg is consumed.
 */
static int accelq_nl_send_tenant(struct sk_buff *msg,
				 struct accelq_tenant *tenant,
				 struct genl_info *info)
{
	int err;

	err = accelq_nl_fill_tenant(msg, tenant, info->snd_portid,
				    info->snd_seq, 0, info->genlhdr->cmd, NULL);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int accelq_nl_reply_tenant(struct accelq_tenant *tenant,
				  struct genl_info *info)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	return accelq_nl_send_tenant(msg, tenant, info);
}

/*
 * TENANT_NEW and TENANT_SET allocate their reply before they change
 * anything, and once the change is made they succeed: a reply that cannot
 * be sent then (the requester's socket buffer is full) does not turn a
 * done change into an error the caller would retry.
 */
static void accelq_nl_reply_committed(struct sk_buff *msg,
				      struct accelq_tenant *tenant,
				      struct genl_info *info)
{
	if (!tenant) {
		nlmsg_free(msg);
		return;
	}
	accelq_nl_send_tenant(msg, tenant, info);
}

/*
 * Serialises TENANT_SET, a read-modify-write of a tenant's whole
 * configuration, so that two administrators changing different settings
 * at once do not lose one change (the family runs with parallel_ops).
 */
static DEFINE_MUTEX(accelq_nl_set_lock);

/**
 * accelq_nl_tenant_new_doit - ACCELQ_CMD_TENANT_NEW
 * @skb: request
 * @info: request attributes
 *
 * Creates a tenant from NAME, exactly one match attribute and the default
 * settings overridden by the settings given.
 *
 * Return: 0 after replying with the new tenant, or a negative errno.
 */
static int accelq_nl_tenant_new_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct nlattr *name_attr = info->attrs[ACCELQ_A_TENANT_NAME];
	struct nlattr *cgroup_attr = info->attrs[ACCELQ_A_TENANT_MATCH_CGROUP];
	struct nlattr *uid_attr = info->attrs[ACCELQ_A_TENANT_MATCH_UID];
	struct netlink_ext_ack *extack = info->extack;
	struct accelq_tenant_config cfg;
	struct accelq_tenant *tenant;
	enum accelq_match match;
	struct sk_buff *msg;
	u32 id;
	int err;

	if (!name_attr) {
		NL_SET_ERR_MSG(extack, "ACCELQ_A_TENANT_NAME is required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, ACCELQ_A_TENANT_NAME);
		return -EINVAL;
	}
	err = accelq_nl_check_name(name_attr, extack);
	if (err)
		return err;

	if (cgroup_attr && uid_attr) {
		NL_SET_ERR_MSG_ATTR(extack, uid_attr,
				    "ACCELQ_A_TENANT_MATCH_CGROUP and ACCELQ_A_TENANT_MATCH_UID are exclusive");
		return -EINVAL;
	}
	if (!cgroup_attr && !uid_attr) {
		NL_SET_ERR_MSG(extack,
			       "ACCELQ_A_TENANT_MATCH_CGROUP or ACCELQ_A_TENANT_MATCH_UID is required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, ACCELQ_A_TENANT_MATCH_UID);
		return -EINVAL;
	}
	match = cgroup_attr ? ACCELQ_MATCH_CGROUP : ACCELQ_MATCH_UID;

	accelq_tenant_config_default(&cfg);
	accelq_nl_apply_config(info->attrs, &cfg);
	err = accelq_tenant_config_check(&cfg, extack);
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = accelq_tenant_create(accelq_dev, nla_data(name_attr), match,
				   cgroup_attr ? nla_data(cgroup_attr) : NULL,
				   uid_attr ? nla_get_u32(uid_attr) : 0, &cfg,
				   &id, extack);
	if (err) {
		nlmsg_free(msg);
		return err;
	}

	/* NULL if deleted again meanwhile: the creation still succeeded. */
	tenant = accelq_tenant_get(accelq_dev, id);
	accelq_nl_reply_committed(msg, tenant, info);
	accelq_tenant_put(&tenant);
	return 0;
}

/**
 * accelq_nl_tenant_set_doit - ACCELQ_CMD_TENANT_SET
 * @skb: request
 * @info: request attributes
 *
 * Changes the given settings of the tenant named by ID or NAME; the others
 * keep their values. The match rule cannot change.
 *
 * Return: 0 after replying with the tenant, or a negative errno.
 */
static int accelq_nl_tenant_set_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct accelq_tenant_config cfg;
	struct accelq_tenant *tenant;
	struct nlattr *match_attr;
	struct sk_buff *msg;
	int err;

	match_attr = info->attrs[ACCELQ_A_TENANT_MATCH_CGROUP] ?:
		     info->attrs[ACCELQ_A_TENANT_MATCH_UID];
	if (match_attr) {
		NL_SET_ERR_MSG_ATTR(extack, match_attr,
				    "match rule is immutable; delete and re-create");
		return -EINVAL;
	}

	tenant = accelq_nl_tenant_lookup(info);
	if (IS_ERR(tenant))
		return PTR_ERR(tenant);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto out_put;
	}

	mutex_lock(&accelq_nl_set_lock);
	accelq_tenant_get_config(tenant, &cfg);
	accelq_nl_apply_config(info->attrs, &cfg);
	/* Checks the result before applying it. */
	err = accelq_tenant_update(tenant, &cfg, extack);
	mutex_unlock(&accelq_nl_set_lock);
	if (err)
		nlmsg_free(msg);
	else
		accelq_nl_reply_committed(msg, tenant, info);
out_put:
	accelq_tenant_put(&tenant);
	return err;
}

/**
 * accelq_nl_tenant_del_doit - ACCELQ_CMD_TENANT_DEL
 * @skb: request
 * @info: request attributes
 *
 * Return: 0, or a negative errno: -EBUSY while the tenant has queues unless
 * %ACCELQ_TENANT_DEL_FORCE, -EPERM for the default tenant.
 */
static int accelq_nl_tenant_del_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct nlattr *flags_attr = info->attrs[ACCELQ_A_TENANT_DEL_FLAGS];
	u32 flags = flags_attr ? nla_get_u32(flags_attr) : 0;
	struct accelq_tenant *tenant;
	int err;

	tenant = accelq_nl_tenant_lookup(info);
	if (IS_ERR(tenant))
		return PTR_ERR(tenant);
	err = accelq_tenant_delete(tenant, flags & ACCELQ_TENANT_DEL_FORCE,
				   info->extack);
	accelq_tenant_put(&tenant);
	return err;
}

static int accelq_nl_tenant_get_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct accelq_tenant *tenant;
	int err;

	tenant = accelq_nl_tenant_lookup(info);
	if (IS_ERR(tenant))
		return PTR_ERR(tenant);
	err = accelq_nl_reply_tenant(tenant, info);
	accelq_tenant_put(&tenant);
	return err;
}

static int accelq_nl_tenant_clear_ban_doit(struct sk_buff *skb,
					   struct genl_info *info)
{
	struct accelq_tenant *tenant;

	tenant = accelq_nl_tenant_lookup(info);
	if (IS_ERR(tenant))
		return PTR_ERR(tenant);
	accelq_tenant_clear_ban(tenant);
	accelq_tenant_put(&tenant);
	return 0;
}

/* Dumps of tenants and engines take no attribute. */
static int accelq_nl_dump_start_noattr(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	unsigned int i;

	if (!info->attrs)
		return 0;
	for (i = 1; i <= ACCELQ_A_MAX; i++)
		if (info->attrs[i])
			return -EINVAL;
	return 0;
}

/**
 * accelq_nl_tenant_dumpit - ACCELQ_CMD_TENANT_GET dump
 * @skb: buffer to fill
 * @cb: dump state; accelq_nl_dump_ctx.next is the next tenant id to report
 *
 * Return: bytes put in @skb, 0 when done, or a negative errno.
 */
static int accelq_nl_tenant_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct accelq_nl_dump_ctx *ctx = accelq_nl_dump_ctx(cb);
	struct accelq_device *adev = accelq_dev;
	struct accelq_tenant *tenant;
	int err = 0;
	u32 id;

	cb->seq = accelq_nl_dump_seq(accelq_tenants_generation(adev));
	while (!ctx->done) {
		id = ctx->next;
		tenant = accelq_tenant_get_next(adev, &id);
		if (!tenant) {
			ctx->done = true;
			break;
		}
		id = tenant->id;
		err = accelq_nl_fill_tenant(skb, tenant,
					    NETLINK_CB(cb->skb).portid,
					    cb->nlh->nlmsg_seq, NLM_F_MULTI,
					    ACCELQ_CMD_TENANT_GET, cb);
		accelq_tenant_put(&tenant);
		if (err)
			break;
		ctx->next = (u64)id + 1;
		ctx->done = id == U32_MAX;
	}
	/* A message that does not fit an empty buffer never will. */
	if (err && !skb->len)
		return err;
	return skb->len;
}

/* ------------------------------------------------------------ engines -- */

static struct accelq_engine *accelq_nl_engine_lookup(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[ACCELQ_A_ENGINE_ID];
	struct accelq_device *adev = accelq_dev;
	u32 id;

	if (!attr) {
		NL_SET_ERR_MSG(info->extack, "ACCELQ_A_ENGINE_ID is required");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, ACCELQ_A_ENGINE_ID);
		return ERR_PTR(-EINVAL);
	}
	id = nla_get_u32(attr);
	if (id >= adev->nr_engines) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such engine");
		return ERR_PTR(-ENOENT);
	}
	return adev->engines[array_index_nospec(id, adev->nr_engines)];
}

static int accelq_nl_fill_engine(struct sk_buff *skb,
				 struct accelq_engine *engine, u32 portid,
				 u32 seq, int flags)
{
	u64 busy_ns, resets, preemptions;
	void *hdr;

	spin_lock_bh(&engine->lock);
	busy_ns = engine->busy_ns;
	resets = engine->nr_resets;
	preemptions = engine->nr_preemptions;
	spin_unlock_bh(&engine->lock);

	hdr = genlmsg_put(skb, portid, seq, &accelq_genl_family, flags,
			  ACCELQ_CMD_ENGINE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ACCELQ_A_ENGINE_ID, engine->id) ||
	    nla_put_string(skb, ACCELQ_A_ENGINE_NAME, engine->name) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_ENGINE_BUSY_NS, busy_ns,
			      ACCELQ_A_PAD) ||
	    nla_put_u32(skb, ACCELQ_A_ENGINE_NR_QUEUES,
			atomic_read(&engine->nr_queues)) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_ENGINE_RESETS, resets,
			      ACCELQ_A_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_ENGINE_PREEMPTIONS, preemptions,
			      ACCELQ_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int accelq_nl_engine_get_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct accelq_engine *engine;
	struct sk_buff *msg;
	int err;

	engine = accelq_nl_engine_lookup(info);
	if (IS_ERR(engine))
		return PTR_ERR(engine);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = accelq_nl_fill_engine(msg, engine, info->snd_portid,
				    info->snd_seq, 0);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int accelq_nl_engine_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct accelq_nl_dump_ctx *ctx = accelq_nl_dump_ctx(cb);
	struct accelq_device *adev = accelq_dev;
	int err = 0;

	/* Engines are fixed for the module's lifetime: always consistent. */
	while (ctx->next < adev->nr_engines) {
		err = accelq_nl_fill_engine(skb, adev->engines[ctx->next],
					    NETLINK_CB(cb->skb).portid,
					    cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		ctx->next++;
	}
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int accelq_nl_engine_reset_doit(struct sk_buff *skb,
				       struct genl_info *info)
{
	struct accelq_engine *engine;

	engine = accelq_nl_engine_lookup(info);
	if (IS_ERR(engine))
		return PTR_ERR(engine);
	accelq_engine_reset(engine);
	return 0;
}

/* ------------------------------------------------------------- queues -- */

/* What a queue message reports, copied out under the locks. */
struct accelq_nl_queue {
	u32 id;
	u32 tenant_id;
	u64 client_id;
	u32 pid;
	u32 engine_id;
	u32 class;
	u32 depth;
	u32 nr_jobs;
	u64 last_seqno;
	u64 done_seqno;
};

/*
 * Copy the live queue with the smallest id >= *@index into @out and set
 * *@index to its id. Return false if there is none.
 */
static bool accelq_nl_queue_next(struct accelq_device *adev,
				 unsigned long *index,
				 struct accelq_nl_queue *out)
{
	struct accelq_engine *engine;
	struct accelq_client *client;
	struct accelq_queue *queue;

	xa_lock(&adev->queues);
	for (;;) {
		queue = xa_find(&adev->queues, index, U32_MAX, XA_PRESENT);
		if (!queue || kref_get_unless_zero(&queue->ref))
			break;
		/* Being freed: skip it. */
		if (*index == U32_MAX) {
			queue = NULL;
			break;
		}
		(*index)++;
	}
	xa_unlock(&adev->queues);
	if (!queue)
		return false;

	/* Immutable while the queue is referenced (it pins its client). */
	client = queue->client;
	engine = queue->engine;
	out->id = queue->id;
	out->tenant_id = client->tenant->id;
	out->client_id = client->id;
	out->pid = pid_vnr(client->pid);
	out->engine_id = engine->id;
	out->class = queue->class;
	out->depth = queue->depth;

	spin_lock_bh(&engine->lock);
	out->nr_jobs = queue->nr_jobs;
	out->last_seqno = queue->last_seqno;
	out->done_seqno = queue->done_seqno;
	spin_unlock_bh(&engine->lock);

	accelq_queue_put(&queue);
	return true;
}

static int accelq_nl_fill_queue(struct sk_buff *skb,
				struct netlink_callback *cb,
				const struct accelq_nl_queue *q)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &accelq_genl_family, NLM_F_MULTI,
			  ACCELQ_CMD_QUEUE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ACCELQ_A_QUEUE_ID, q->id) ||
	    nla_put_u32(skb, ACCELQ_A_TENANT_ID, q->tenant_id) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_CLIENT_ID, q->client_id,
			      ACCELQ_A_PAD) ||
	    nla_put_u32(skb, ACCELQ_A_CLIENT_PID, q->pid) ||
	    nla_put_u32(skb, ACCELQ_A_ENGINE_ID, q->engine_id) ||
	    nla_put_u32(skb, ACCELQ_A_QUEUE_CLASS, q->class) ||
	    nla_put_u32(skb, ACCELQ_A_QUEUE_DEPTH, q->depth) ||
	    nla_put_u32(skb, ACCELQ_A_QUEUE_NR_JOBS, q->nr_jobs) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_QUEUE_LAST_SEQNO, q->last_seqno,
			      ACCELQ_A_PAD) ||
	    nla_put_u64_64bit(skb, ACCELQ_A_QUEUE_DONE_SEQNO, q->done_seqno,
			      ACCELQ_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genl_dump_check_consistent(cb, hdr);
	genlmsg_end(skb, hdr);
	return 0;
}

static int accelq_nl_queue_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct accelq_nl_dump_ctx *ctx = accelq_nl_dump_ctx(cb);
	struct nlattr *attr;

	attr = info->attrs ? info->attrs[ACCELQ_A_TENANT_ID] : NULL;
	if (attr) {
		ctx->filter = true;
		ctx->tenant_id = nla_get_u32(attr);
	}
	return 0;
}

/**
 * accelq_nl_queue_dumpit - ACCELQ_CMD_QUEUE_GET dump
 * @skb: buffer to fill
 * @cb: dump state; accelq_nl_dump_ctx.next is the next queue id to report
 *
 * Return: bytes put in @skb, 0 when done, or a negative errno.
 */
static int accelq_nl_queue_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct accelq_nl_dump_ctx *ctx = accelq_nl_dump_ctx(cb);
	struct accelq_device *adev = accelq_dev;
	struct accelq_nl_queue q;
	unsigned long index;
	int err = 0;

	cb->seq = accelq_nl_dump_seq(atomic_read(&adev->queues_gen));
	while (!ctx->done) {
		index = ctx->next;
		if (!accelq_nl_queue_next(adev, &index, &q)) {
			ctx->done = true;
			break;
		}
		if (!ctx->filter || q.tenant_id == ctx->tenant_id) {
			err = accelq_nl_fill_queue(skb, cb, &q);
			if (err)
				break;
		}
		ctx->next = (u64)index + 1;
		ctx->done = index >= U32_MAX;
	}
	if (err && !skb->len)
		return err;
	return skb->len;
}

/* ---------------------------------------------------------- the family -- */

#define ACCELQ_NL_POLICY(cmd) \
	.policy = accelq_nl_policy[cmd], .maxattr = ACCELQ_A_MAX

static const struct genl_ops accelq_genl_ops[] = {
	{
		.cmd = ACCELQ_CMD_TENANT_NEW,
		.flags = GENL_ADMIN_PERM,
		ACCELQ_NL_POLICY(ACCELQ_CMD_TENANT_NEW),
		.doit = accelq_nl_tenant_new_doit,
	},
	{
		.cmd = ACCELQ_CMD_TENANT_SET,
		.flags = GENL_ADMIN_PERM,
		ACCELQ_NL_POLICY(ACCELQ_CMD_TENANT_SET),
		.doit = accelq_nl_tenant_set_doit,
	},
	{
		.cmd = ACCELQ_CMD_TENANT_DEL,
		.flags = GENL_ADMIN_PERM,
		ACCELQ_NL_POLICY(ACCELQ_CMD_TENANT_DEL),
		.doit = accelq_nl_tenant_del_doit,
	},
	{
		.cmd = ACCELQ_CMD_TENANT_GET,
		.flags = GENL_ADMIN_PERM,
		ACCELQ_NL_POLICY(ACCELQ_CMD_TENANT_GET),
		.doit = accelq_nl_tenant_get_doit,
		.start = accelq_nl_dump_start_noattr,
		.dumpit = accelq_nl_tenant_dumpit,
	},
	{
		.cmd = ACCELQ_CMD_TENANT_CLEAR_BAN,
		.flags = GENL_ADMIN_PERM,
		ACCELQ_NL_POLICY(ACCELQ_CMD_TENANT_CLEAR_BAN),
		.doit = accelq_nl_tenant_clear_ban_doit,
	},
	{
		/* Reports no tenant data: open to everyone. */
		.cmd = ACCELQ_CMD_ENGINE_GET,
		ACCELQ_NL_POLICY(ACCELQ_CMD_ENGINE_GET),
		.doit = accelq_nl_engine_get_doit,
		.start = accelq_nl_dump_start_noattr,
		.dumpit = accelq_nl_engine_dumpit,
	},
	{
		.cmd = ACCELQ_CMD_ENGINE_RESET,
		.flags = GENL_ADMIN_PERM,
		ACCELQ_NL_POLICY(ACCELQ_CMD_ENGINE_RESET),
		.doit = accelq_nl_engine_reset_doit,
	},
	{
		.cmd = ACCELQ_CMD_QUEUE_GET,
		.flags = GENL_ADMIN_PERM,
		ACCELQ_NL_POLICY(ACCELQ_CMD_QUEUE_GET),
		.start = accelq_nl_queue_start,
		.dumpit = accelq_nl_queue_dumpit,
	},
};

/*
 * resv_start_op stays 0: every command is "new", so the core also rejects
 * nonzero genlmsghdr.reserved and unknown nlmsg_flags.
 */
static struct genl_family accelq_genl_family __ro_after_init = {
	.name = ACCELQ_GENL_NAME,
	.version = ACCELQ_GENL_VERSION,
	.maxattr = ACCELQ_A_MAX,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = accelq_genl_ops,
	.n_ops = ARRAY_SIZE(accelq_genl_ops),
};

static void __init accelq_nl_build_policies(void)
{
	unsigned int cmd, attr;

	BUILD_BUG_ON(ACCELQ_A_MAX >= 64);
	for (cmd = 1; cmd <= ACCELQ_CMD_MAX; cmd++) {
		for (attr = 1; attr <= ACCELQ_A_MAX; attr++) {
			const struct nla_policy *pt = &accelq_nl_policy_all[attr];

			if ((accelq_nl_cmd_attrs[cmd] & BIT_ULL(attr)) ||
			    pt->type == NLA_REJECT)
				/* The union has const members: memcpy. */
				memcpy(&accelq_nl_policy[cmd][attr], pt,
				       sizeof(*pt));
		}
	}
}

/**
 * accelq_netlink_init - register the generic netlink family
 *
 * Context: module init, once accelq_dev is usable (its last step).
 * Return: 0 or a negative errno.
 */
int __init accelq_netlink_init(void)
{
	int ret;

	accelq_nl_build_policies();
	ret = genl_register_family(&accelq_genl_family);
	if (ret)
		pr_err("accelq: cannot register generic netlink family: %d\n",
		       ret);
	return ret;
}

/**
 * accelq_netlink_fini - unregister the generic netlink family
 *
 * Called first at module exit. Waits for requests in progress; a dump in
 * progress holds a module reference, so none is left by then.
 */
void accelq_netlink_fini(void)
{
	genl_unregister_family(&accelq_genl_family);
}
