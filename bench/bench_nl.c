// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq benchmarks: the few generic netlink requests the benchmarks need
 * (tenant create/delete/stats, engine reset), in-process with libnl so that
 * creating 10,000 tenants or sampling counters every 100 ms costs no
 * fork/exec of accelq-nl (the same requests, see tools/accelq-nl.c).
 *
 * Copyright (C) 2026 The accelq authors
 */
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "bench.h"

static struct nl_sock *sk;
static int family;

struct req {
	int err;	/* 1 while pending */
	void (*parse)(struct nlattr **tb, void *arg);
	void *arg;
};

static int ack_cb(struct nl_msg *m, void *arg)
{
	((struct req *)arg)->err = 0;
	return NL_STOP;
}

static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	((struct req *)arg)->err = e->error ? e->error : -EIO;
	return NL_STOP;
}

static int valid_cb(struct nl_msg *m, void *arg)
{
	struct req *r = arg;
	struct nlattr *tb[ACCELQ_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, ACCELQ_A_MAX, NULL) < 0)
		return NL_SKIP;
	if (r->parse)
		r->parse(tb, r->arg);
	return NL_OK;
}

void nl_init(void)
{
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk))
		die("netlink socket");
	family = genl_ctrl_resolve(sk, ACCELQ_GENL_NAME);
	if (family < 0)
		die("generic netlink family %s not found (accelq.ko loaded?)",
		    ACCELQ_GENL_NAME);
}

void nl_fini(void)
{
	nl_socket_free(sk);
	sk = NULL;
}

static struct nl_msg *msg_new(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, cmd,
			       ACCELQ_GENL_VERSION))
		die("nlmsg_alloc");
	return m;
}

static int transact(struct nl_msg *m, struct req *r)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	if (!cb)
		die("nl_cb_alloc");
	r->err = 1;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, r);
	nl_cb_err(cb, NL_CB_CUSTOM, error_cb, r);
	ret = nl_send_auto(sk, m);
	nlmsg_free(m);
	if (ret < 0)
		r->err = -EIO;
	while (r->err > 0) {
		ret = nl_recvmsgs(sk, cb);
		if (ret < 0 && r->err > 0)
			r->err = -EIO;
	}
	nl_cb_put(cb);
	return r->err;
}

static void parse_id(struct nlattr **tb, void *arg)
{
	if (tb[ACCELQ_A_TENANT_ID])
		*(uint32_t *)arg = nla_get_u32(tb[ACCELQ_A_TENANT_ID]);
}

int nl_tenant_new(const char *name, uint32_t uid,
		  const struct aq_tenant_cfg *cfg)
{
	struct nl_msg *m = msg_new(ACCELQ_CMD_TENANT_NEW);
	uint32_t id = 0;
	struct req r = { .parse = parse_id, .arg = &id };
	int ret;

	nla_put_string(m, ACCELQ_A_TENANT_NAME, name);
	nla_put_u32(m, ACCELQ_A_TENANT_MATCH_UID, uid);
	if (cfg && cfg->weight)
		nla_put_u32(m, ACCELQ_A_TENANT_WEIGHT, cfg->weight);
	if (cfg && cfg->cap_period_ns)
		nla_put_u64(m, ACCELQ_A_TENANT_CAP_PERIOD_NS, cfg->cap_period_ns);
	if (cfg && cfg->cap_quota_ns)
		nla_put_u64(m, ACCELQ_A_TENANT_CAP_QUOTA_NS, cfg->cap_quota_ns);
	if (cfg && cfg->classes)
		nla_put_u32(m, ACCELQ_A_TENANT_CLASSES, cfg->classes);
	ret = transact(m, &r);
	if (ret)
		return ret;
	return id ? (int)id : -EPROTO;
}

static int tenant_del(uint32_t id, uint32_t flags)
{
	struct nl_msg *m = msg_new(ACCELQ_CMD_TENANT_DEL);
	struct req r = { 0 };

	nla_put_u32(m, ACCELQ_A_TENANT_ID, id);
	if (flags)
		nla_put_u32(m, ACCELQ_A_TENANT_DEL_FLAGS, flags);
	return transact(m, &r);
}

int nl_tenant_del(uint32_t id)
{
	return tenant_del(id, ACCELQ_TENANT_DEL_FORCE);
}

int nl_tenant_del_noforce(uint32_t id)
{
	return tenant_del(id, 0);
}

static uint64_t u64_attr(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

static void parse_stats(struct nlattr **tb, void *arg)
{
	struct aq_tenant_stats *st = arg;
	struct nlattr *s[ACCELQ_A_STATS_MAX + 1];

	if (!tb[ACCELQ_A_TENANT_STATS] ||
	    nla_parse_nested(s, ACCELQ_A_STATS_MAX, tb[ACCELQ_A_TENANT_STATS],
			     NULL))
		return;
	st->busy_ns = u64_attr(s, ACCELQ_A_STATS_BUSY_NS);
	st->jobs_ok = u64_attr(s, ACCELQ_A_STATS_JOBS_OK);
	st->wait_ns = u64_attr(s, ACCELQ_A_STATS_WAIT_NS);
	st->preemptions = u64_attr(s, ACCELQ_A_STATS_PREEMPTIONS);
	st->nr_periods = u64_attr(s, ACCELQ_A_STATS_NR_PERIODS);
	st->nr_throttled = u64_attr(s, ACCELQ_A_STATS_NR_THROTTLED);
	st->throttled_ns = u64_attr(s, ACCELQ_A_STATS_THROTTLED_NS);
}

int nl_tenant_stats(uint32_t id, struct aq_tenant_stats *st)
{
	struct nl_msg *m = msg_new(ACCELQ_CMD_TENANT_GET);
	struct req r = { .parse = parse_stats, .arg = st };

	memset(st, 0, sizeof(*st));
	nla_put_u32(m, ACCELQ_A_TENANT_ID, id);
	return transact(m, &r);
}

int nl_engine_reset(uint32_t engine)
{
	struct nl_msg *m = msg_new(ACCELQ_CMD_ENGINE_RESET);
	struct req r = { 0 };

	nla_put_u32(m, ACCELQ_A_ENGINE_ID, engine);
	return transact(m, &r);
}
