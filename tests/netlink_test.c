// SPDX-License-Identifier: GPL-2.0-only
/*
 * netlink_test - kselftest-harness tests of the "accelq" generic netlink
 * family: permissions, strict validation and extack, tenant life cycle,
 * engines, and resumable, consistency-flagged dumps of tenants and queues.
 *
 * Runs as root in the guest with accelq.ko loaded (tests/run-netlink.sh).
 * Tenants it creates are named "nlt-*" and match uids >= NLT_UID_BASE;
 * every fixture deletes leftovers first and last.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <linux/accelq.h>

/* See tests/accelq_test.c for why these warnings are off. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "accelq_common.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define NLT_PREFIX	"nlt-"
#define NLT_UID_BASE	200000u
#define NOBODY		65534
#define DEFAULT_TENANT_ID	0

/* ------------------------------------------------------------------ */
/* A small synchronous client on top of libnl-genl                     */
/* ------------------------------------------------------------------ */

struct aq_nl {
	struct nl_sock *sk;
	int family;
};

/* What one request produced. */
struct nl_result {
	int err;		/* 0 or -errno (NLMSG_ERROR or NLMSG_DONE) */
	char msg[256];		/* extack message, "" if none */
	int bad_attr;		/* type of the attribute at the extack offset */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE */
	unsigned int nr_msgs;	/* data messages */
	unsigned int nr_intr;	/* messages (incl. DONE) with NLM_F_DUMP_INTR */
	/* called for each data message */
	void (*cb)(struct nlattr **tb, void *arg);
	void *arg;
	bool done;
};

static int aqnl_connect(struct aq_nl *nl)
{
	int one = 1;

	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	if (genl_connect(nl->sk)) {
		nl_socket_free(nl->sk);
		nl->sk = NULL;
		return -ECONNREFUSED;
	}
	if (setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)))
		return -errno;
	nl->family = genl_ctrl_resolve(nl->sk, ACCELQ_GENL_NAME);
	return nl->family < 0 ? -ENOENT : 0;
}

static void aqnl_close(struct aq_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

static struct nl_msg *aqnl_new(struct aq_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg)
		genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			    flags, cmd, ACCELQ_GENL_VERSION);
	return msg;
}

static int nlr_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nl_result *res = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { 0 };
	unsigned int off = NLMSG_HDRLEN + sizeof(*e);

	(void)nla;
	res->err = e->error;
	res->done = true;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (off >= nlh->nlmsg_len ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + off),
		      nlh->nlmsg_len - off, NULL))
		return NL_STOP;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(res->msg, sizeof(res->msg), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		res->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_OFFS] && !(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		uint32_t aoff = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);

		if (aoff >= NLMSG_HDRLEN + GENL_HDRLEN &&
		    aoff + NLA_HDRLEN <= e->msg.nlmsg_len) {
			struct nlattr *a = (struct nlattr *)((char *)&e->msg +
							     aoff);

			res->bad_attr = a->nla_type & NLA_TYPE_MASK;
		}
	}
	return NL_STOP;
}

static int nlr_finish(struct nl_msg *msg, void *arg)
{
	struct nl_result *res = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	/* NLMSG_DONE carries the dump's final status. */
	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
		res->err = *(int *)nlmsg_data(nlh);
	res->done = true;
	return NL_STOP;
}

static int nlr_ack(struct nl_msg *msg, void *arg)
{
	struct nl_result *res = arg;

	(void)msg;
	res->err = 0;
	res->done = true;
	return NL_STOP;
}

static int nlr_intr(struct nl_msg *msg, void *arg)
{
	struct nl_result *res = arg;

	(void)msg;
	res->nr_intr++;
	return NL_OK;
}

static int nlr_valid(struct nl_msg *msg, void *arg)
{
	struct nl_result *res = arg;
	struct nlattr *tb[ACCELQ_A_MAX + 1];

	res->nr_msgs++;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ACCELQ_A_MAX, NULL) < 0)
		return NL_SKIP;
	if (res->cb)
		res->cb(tb, res->arg);
	return NL_OK;
}

/*
 * Send @msg (freed) and collect the answer into @res (whose cb/arg the
 * caller may have set). Returns res->err.
 */
static int aqnl_do(struct aq_nl *nl, struct nl_msg *msg, struct nl_result *res)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	res->err = 0;
	res->msg[0] = '\0';
	res->bad_attr = -1;
	res->miss_type = -1;
	res->nr_msgs = 0;
	res->nr_intr = 0;
	res->done = false;
	if (!cb || !msg) {
		nlmsg_free(msg);
		return res->err = -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, nlr_valid, res);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, nlr_finish, res);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, nlr_ack, res);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, nlr_intr, res);
	nl_cb_err(cb, NL_CB_CUSTOM, nlr_error, res);

	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		res->err = -EIO;
		res->done = true;
	}
	while (!res->done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !res->done) {
			res->err = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	return res->err;
}

/* ------------------------------------------------------------------ */
/* Tenants                                                             */
/* ------------------------------------------------------------------ */

struct tenant_info {
	uint32_t id;
	char name[ACCELQ_TENANT_NAME_LEN];
	bool has_uid, has_cgroup_id;
	uint32_t uid;
	uint64_t cgroup_id;
	uint32_t weight, classes, max_queues, max_inflight, max_depth;
	uint32_t guilty_limit, flags, nr_queues, nr_clients, nr_inflight;
	uint64_t quota, period, burst;
	bool has_stats;
	uint32_t nr_engine_busy;
	uint64_t busy_ns, jobs_canceled;
};

static uint32_t u32_or(struct nlattr *a, uint32_t def)
{
	return a ? nla_get_u32(a) : def;
}

static uint64_t u64_or(struct nlattr *a, uint64_t def)
{
	return a ? nla_get_u64(a) : def;
}

static void parse_tenant(struct nlattr **tb, struct tenant_info *t)
{
	struct nlattr *st[ACCELQ_A_STATS_MAX + 1] = { 0 };

	memset(t, 0, sizeof(*t));
	t->id = u32_or(tb[ACCELQ_A_TENANT_ID], UINT32_MAX);
	if (tb[ACCELQ_A_TENANT_NAME])
		snprintf(t->name, sizeof(t->name), "%s",
			 nla_get_string(tb[ACCELQ_A_TENANT_NAME]));
	t->has_uid = tb[ACCELQ_A_TENANT_MATCH_UID];
	t->uid = u32_or(tb[ACCELQ_A_TENANT_MATCH_UID], 0);
	t->has_cgroup_id = tb[ACCELQ_A_TENANT_CGROUP_ID];
	t->cgroup_id = u64_or(tb[ACCELQ_A_TENANT_CGROUP_ID], 0);
	t->weight = u32_or(tb[ACCELQ_A_TENANT_WEIGHT], 0);
	t->quota = u64_or(tb[ACCELQ_A_TENANT_CAP_QUOTA_NS], ~0ull);
	t->period = u64_or(tb[ACCELQ_A_TENANT_CAP_PERIOD_NS], ~0ull);
	t->burst = u64_or(tb[ACCELQ_A_TENANT_CAP_BURST_NS], ~0ull);
	t->classes = u32_or(tb[ACCELQ_A_TENANT_CLASSES], ~0u);
	t->max_queues = u32_or(tb[ACCELQ_A_TENANT_MAX_QUEUES], ~0u);
	t->max_inflight = u32_or(tb[ACCELQ_A_TENANT_MAX_INFLIGHT], ~0u);
	t->max_depth = u32_or(tb[ACCELQ_A_TENANT_MAX_DEPTH], ~0u);
	t->guilty_limit = u32_or(tb[ACCELQ_A_TENANT_GUILTY_LIMIT], ~0u);
	t->flags = u32_or(tb[ACCELQ_A_TENANT_FLAGS], ~0u);
	t->nr_queues = u32_or(tb[ACCELQ_A_TENANT_NR_QUEUES], ~0u);
	t->nr_clients = u32_or(tb[ACCELQ_A_TENANT_NR_CLIENTS], ~0u);
	t->nr_inflight = u32_or(tb[ACCELQ_A_TENANT_NR_INFLIGHT], ~0u);
	if (tb[ACCELQ_A_TENANT_STATS] &&
	    !nla_parse_nested(st, ACCELQ_A_STATS_MAX,
			      tb[ACCELQ_A_TENANT_STATS], NULL)) {
		t->has_stats = st[ACCELQ_A_STATS_BUSY_NS] &&
			       st[ACCELQ_A_STATS_JOBS_ACCEPTED] &&
			       st[ACCELQ_A_STATS_JOBS_OK] &&
			       st[ACCELQ_A_STATS_JOBS_CANCELED] &&
			       st[ACCELQ_A_STATS_JOBS_TIMEDOUT] &&
			       st[ACCELQ_A_STATS_JOBS_IO] &&
			       st[ACCELQ_A_STATS_WAIT_NS] &&
			       st[ACCELQ_A_STATS_PREEMPTIONS] &&
			       st[ACCELQ_A_STATS_NR_PERIODS] &&
			       st[ACCELQ_A_STATS_NR_THROTTLED] &&
			       st[ACCELQ_A_STATS_THROTTLED_NS] &&
			       st[ACCELQ_A_STATS_GUILTY] &&
			       st[ACCELQ_A_STATS_ENGINE_BUSY];
		t->busy_ns = u64_or(st[ACCELQ_A_STATS_BUSY_NS], 0);
		t->jobs_canceled = u64_or(st[ACCELQ_A_STATS_JOBS_CANCELED], 0);
		if (st[ACCELQ_A_STATS_ENGINE_BUSY]) {
			struct nlattr *a;
			int rem;

			nla_for_each_nested(a, st[ACCELQ_A_STATS_ENGINE_BUSY],
					    rem)
				if (nla_type(a) && nla_len(a) == 8)
					t->nr_engine_busy++;
		}
	}
}

static void tenant_cb(struct nlattr **tb, void *arg)
{
	parse_tenant(tb, arg);
}

/* Tenant settings for a request; a field is sent when its has_ bit is set. */
struct tenant_req {
	const char *name;
	bool has_id, has_uid;
	uint32_t id, uid;
	const char *cgroup;
	bool has_weight, has_quota, has_period, has_burst, has_classes;
	bool has_max_queues, has_max_inflight, has_max_depth, has_guilty;
	uint32_t weight, classes, max_queues, max_inflight, max_depth, guilty;
	uint64_t quota, period, burst;
	bool has_del_flags;
	uint32_t del_flags;
	int extra_type;		/* extra attribute to add, 0 = none */
	uint32_t extra_u32;
};

static struct nl_msg *tenant_msg(struct aq_nl *nl, uint8_t cmd,
				 const struct tenant_req *r)
{
	struct nl_msg *msg = aqnl_new(nl, cmd, 0);

	if (!msg)
		return NULL;
	if (r->has_id)
		nla_put_u32(msg, ACCELQ_A_TENANT_ID, r->id);
	if (r->name)
		nla_put_string(msg, ACCELQ_A_TENANT_NAME, r->name);
	if (r->cgroup)
		nla_put_string(msg, ACCELQ_A_TENANT_MATCH_CGROUP, r->cgroup);
	if (r->has_uid)
		nla_put_u32(msg, ACCELQ_A_TENANT_MATCH_UID, r->uid);
	if (r->has_weight)
		nla_put_u32(msg, ACCELQ_A_TENANT_WEIGHT, r->weight);
	if (r->has_quota)
		nla_put_u64(msg, ACCELQ_A_TENANT_CAP_QUOTA_NS, r->quota);
	if (r->has_period)
		nla_put_u64(msg, ACCELQ_A_TENANT_CAP_PERIOD_NS, r->period);
	if (r->has_burst)
		nla_put_u64(msg, ACCELQ_A_TENANT_CAP_BURST_NS, r->burst);
	if (r->has_classes)
		nla_put_u32(msg, ACCELQ_A_TENANT_CLASSES, r->classes);
	if (r->has_max_queues)
		nla_put_u32(msg, ACCELQ_A_TENANT_MAX_QUEUES, r->max_queues);
	if (r->has_max_inflight)
		nla_put_u32(msg, ACCELQ_A_TENANT_MAX_INFLIGHT, r->max_inflight);
	if (r->has_max_depth)
		nla_put_u32(msg, ACCELQ_A_TENANT_MAX_DEPTH, r->max_depth);
	if (r->has_guilty)
		nla_put_u32(msg, ACCELQ_A_TENANT_GUILTY_LIMIT, r->guilty);
	if (r->has_del_flags)
		nla_put_u32(msg, ACCELQ_A_TENANT_DEL_FLAGS, r->del_flags);
	if (r->extra_type)
		nla_put_u32(msg, r->extra_type, r->extra_u32);
	return msg;
}

/* One tenant request; the reply (if any) lands in @out. */
static int tenant_do(struct aq_nl *nl, uint8_t cmd, const struct tenant_req *r,
		     struct nl_result *res, struct tenant_info *out)
{
	struct tenant_info dummy;

	res->cb = tenant_cb;
	res->arg = out ? out : &dummy;
	return aqnl_do(nl, tenant_msg(nl, cmd, r), res);
}

static int tenant_add_uid(struct aq_nl *nl, const char *name, uint32_t uid,
			  struct tenant_info *out)
{
	struct tenant_req r = { .name = name, .has_uid = true, .uid = uid };
	struct nl_result res;

	return tenant_do(nl, ACCELQ_CMD_TENANT_NEW, &r, &res, out);
}

static int tenant_get_name(struct aq_nl *nl, const char *name,
			   struct tenant_info *out)
{
	struct tenant_req r = { .name = name };
	struct nl_result res;

	return tenant_do(nl, ACCELQ_CMD_TENANT_GET, &r, &res, out);
}

static int tenant_del_name(struct aq_nl *nl, const char *name, bool force)
{
	struct tenant_req r = {
		.name = name, .has_del_flags = force,
		.del_flags = ACCELQ_TENANT_DEL_FORCE,
	};
	struct nl_result res;

	return tenant_do(nl, ACCELQ_CMD_TENANT_DEL, &r, &res, NULL);
}

/* Dump collection: every (id, name) in order of arrival. */
struct id_list {
	uint32_t *ids;
	char (*names)[ACCELQ_TENANT_NAME_LEN];
	size_t n, cap;
	bool all_stats;		/* every tenant carried complete stats */
};

static void id_list_add(struct id_list *l, uint32_t id, const char *name)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->ids = realloc(l->ids, l->cap * sizeof(*l->ids));
		l->names = realloc(l->names, l->cap * sizeof(*l->names));
		if (!l->ids || !l->names)
			abort();
	}
	l->ids[l->n] = id;
	snprintf(l->names[l->n], sizeof(l->names[0]), "%s", name ? name : "");
	l->n++;
}

static void id_list_free(struct id_list *l)
{
	free(l->ids);
	free(l->names);
	memset(l, 0, sizeof(*l));
}

static void tenant_dump_cb(struct nlattr **tb, void *arg)
{
	struct id_list *l = arg;
	struct tenant_info t;

	parse_tenant(tb, &t);
	if (!t.has_stats)
		l->all_stats = false;
	id_list_add(l, t.id, t.name);
}

static int tenant_dump(struct aq_nl *nl, struct id_list *l,
		       struct nl_result *res)
{
	memset(l, 0, sizeof(*l));
	l->all_stats = true;
	res->cb = tenant_dump_cb;
	res->arg = l;
	return aqnl_do(nl, aqnl_new(nl, ACCELQ_CMD_TENANT_GET, NLM_F_DUMP), res);
}

/* Delete every tenant this program may have left behind. */
static void cleanup_tenants(struct aq_nl *nl)
{
	struct nl_result res;
	struct id_list l;
	size_t i;

	if (tenant_dump(nl, &l, &res))
		return;
	for (i = 0; i < l.n; i++)
		if (!strncmp(l.names[i], NLT_PREFIX, strlen(NLT_PREFIX)))
			tenant_del_name(nl, l.names[i], true);
	id_list_free(&l);
}

/* ------------------------------------------------------------------ */
/* Queues                                                              */
/* ------------------------------------------------------------------ */

struct queue_info {
	uint32_t id, tenant_id, pid, engine_id, class, depth, nr_jobs;
	uint64_t client_id, last_seqno, done_seqno;
	bool complete;		/* every attribute present */
};

static void parse_queue(struct nlattr **tb, struct queue_info *q)
{
	q->complete = tb[ACCELQ_A_QUEUE_ID] && tb[ACCELQ_A_TENANT_ID] &&
		      tb[ACCELQ_A_CLIENT_ID] && tb[ACCELQ_A_CLIENT_PID] &&
		      tb[ACCELQ_A_ENGINE_ID] && tb[ACCELQ_A_QUEUE_CLASS] &&
		      tb[ACCELQ_A_QUEUE_DEPTH] && tb[ACCELQ_A_QUEUE_NR_JOBS] &&
		      tb[ACCELQ_A_QUEUE_LAST_SEQNO] &&
		      tb[ACCELQ_A_QUEUE_DONE_SEQNO];
	q->id = u32_or(tb[ACCELQ_A_QUEUE_ID], 0);
	q->tenant_id = u32_or(tb[ACCELQ_A_TENANT_ID], ~0u);
	q->client_id = u64_or(tb[ACCELQ_A_CLIENT_ID], 0);
	q->pid = u32_or(tb[ACCELQ_A_CLIENT_PID], 0);
	q->engine_id = u32_or(tb[ACCELQ_A_ENGINE_ID], ~0u);
	q->class = u32_or(tb[ACCELQ_A_QUEUE_CLASS], ~0u);
	q->depth = u32_or(tb[ACCELQ_A_QUEUE_DEPTH], 0);
	q->nr_jobs = u32_or(tb[ACCELQ_A_QUEUE_NR_JOBS], ~0u);
	q->last_seqno = u64_or(tb[ACCELQ_A_QUEUE_LAST_SEQNO], ~0ull);
	q->done_seqno = u64_or(tb[ACCELQ_A_QUEUE_DONE_SEQNO], ~0ull);
}

struct queue_list {
	struct queue_info *q;
	size_t n, cap;
};

static void queue_dump_cb(struct nlattr **tb, void *arg)
{
	struct queue_list *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->q = realloc(l->q, l->cap * sizeof(*l->q));
		if (!l->q)
			abort();
	}
	parse_queue(tb, &l->q[l->n++]);
}

static int queue_dump(struct aq_nl *nl, bool filter, uint32_t tenant,
		      struct queue_list *l, struct nl_result *res)
{
	struct nl_msg *msg = aqnl_new(nl, ACCELQ_CMD_QUEUE_GET, NLM_F_DUMP);

	memset(l, 0, sizeof(*l));
	if (msg && filter)
		nla_put_u32(msg, ACCELQ_A_TENANT_ID, tenant);
	res->cb = queue_dump_cb;
	res->arg = l;
	return aqnl_do(nl, msg, res);
}

static const struct queue_info *queue_find(const struct queue_list *l,
					   uint32_t id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->q[i].id == id)
			return &l->q[i];
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Number of values occurring more than once in @v (sorted in place). */
static size_t count_dups(uint32_t *v, size_t n)
{
	size_t i, d = 0;

	qsort(v, n, sizeof(*v), cmp_u32);
	for (i = 1; i < n; i++)
		if (v[i] == v[i - 1])
			d++;
	return d;
}

static bool sorted_has(const uint32_t *v, size_t n, uint32_t x)
{
	return bsearch(&x, v, n, sizeof(*v), cmp_u32);
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */
/* ------------------------------------------------------------------ */

FIXTURE(netlink) {
	struct aq_nl nl;
	struct nl_result res;
};

FIXTURE_SETUP(netlink)
{
	int ret = aqnl_connect(&self->nl);

	ASSERT_EQ(0, ret) {
		TH_LOG("generic netlink family \"%s\": %s (module loaded?)",
		       ACCELQ_GENL_NAME, strerror(-ret));
	}
	cleanup_tenants(&self->nl);
}

FIXTURE_TEARDOWN(netlink)
{
	if (self->nl.sk)
		cleanup_tenants(&self->nl);
	aqnl_close(&self->nl);
}

/* ================================================================== */
/* Family, permissions, validation                                     */
/* ================================================================== */

TEST_F(netlink, family_resolves)
{
	struct nl_cache *cache = NULL;
	struct genl_family *fam;

	EXPECT_LT(0, self->nl.family);
	ASSERT_EQ(0, genl_ctrl_alloc_cache(self->nl.sk, &cache));
	fam = genl_ctrl_search_by_name(cache, ACCELQ_GENL_NAME);
	ASSERT_NE(NULL, fam);
	EXPECT_EQ(ACCELQ_GENL_VERSION, genl_family_get_version(fam));
	EXPECT_EQ(ACCELQ_A_MAX, genl_family_get_maxattr(fam));
	genl_family_put(fam);
	nl_cache_free(cache);
}

/* Requests made by a child without CAP_NET_ADMIN; their errors come back. */
enum {
	P_NEW, P_SET, P_DEL, P_GET, P_GET_DUMP, P_CLEAR_BAN, P_ENGINE_RESET,
	P_QUEUE_DUMP, P_ENGINE_GET, P_ENGINE_DUMP, P_NR
};

static const char *const perm_names[P_NR] = {
	"TENANT_NEW", "TENANT_SET", "TENANT_DEL", "TENANT_GET",
	"TENANT_GET dump", "TENANT_CLEAR_BAN", "ENGINE_RESET",
	"QUEUE_GET dump", "ENGINE_GET", "ENGINE_GET dump",
};

static void unprivileged_requests(int out_fd)
{
	int errs[P_NR + 1];
	struct tenant_req r = { .name = NLT_PREFIX "perm" };
	struct tenant_req nr = {
		.name = NLT_PREFIX "perm2", .has_uid = true,
		.uid = NLT_UID_BASE + 2,
	};
	struct tenant_req sr = {
		.name = NLT_PREFIX "perm", .has_weight = true, .weight = 7,
	};
	struct nl_result res = { 0 };
	struct nl_msg *msg;
	struct aq_nl nl;
	int i;

	for (i = 0; i <= P_NR; i++)
		errs[i] = -EPROTO;
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		goto out;
	errs[P_NR] = aqnl_connect(&nl);
	if (errs[P_NR])
		goto out;

	errs[P_NEW] = tenant_do(&nl, ACCELQ_CMD_TENANT_NEW, &nr, &res, NULL);
	errs[P_SET] = tenant_do(&nl, ACCELQ_CMD_TENANT_SET, &sr, &res, NULL);
	errs[P_DEL] = tenant_do(&nl, ACCELQ_CMD_TENANT_DEL, &r, &res, NULL);
	errs[P_GET] = tenant_do(&nl, ACCELQ_CMD_TENANT_GET, &r, &res, NULL);
	res.cb = NULL;
	errs[P_GET_DUMP] = aqnl_do(&nl, aqnl_new(&nl, ACCELQ_CMD_TENANT_GET,
					     NLM_F_DUMP), &res);
	errs[P_CLEAR_BAN] = tenant_do(&nl, ACCELQ_CMD_TENANT_CLEAR_BAN, &r,
				      &res, NULL);
	msg = aqnl_new(&nl, ACCELQ_CMD_ENGINE_RESET, 0);
	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, 0);
	res.cb = NULL;
	errs[P_ENGINE_RESET] = aqnl_do(&nl, msg, &res);
	errs[P_QUEUE_DUMP] = aqnl_do(&nl, aqnl_new(&nl, ACCELQ_CMD_QUEUE_GET,
					       NLM_F_DUMP), &res);
	msg = aqnl_new(&nl, ACCELQ_CMD_ENGINE_GET, 0);
	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, 0);
	errs[P_ENGINE_GET] = aqnl_do(&nl, msg, &res);
	if (!errs[P_ENGINE_GET] && res.nr_msgs != 1)
		errs[P_ENGINE_GET] = -EPROTO;
	errs[P_ENGINE_DUMP] = aqnl_do(&nl, aqnl_new(&nl, ACCELQ_CMD_ENGINE_GET,
						NLM_F_DUMP), &res);
	if (!errs[P_ENGINE_DUMP] && !res.nr_msgs)
		errs[P_ENGINE_DUMP] = -EPROTO;
	aqnl_close(&nl);
out:
	if (write(out_fd, errs, sizeof(errs)) != sizeof(errs))
		_exit(2);
	_exit(0);
}

TEST_F(netlink, unprivileged_eperm)
{
	int errs[P_NR + 1], pfd[2], status, i;
	struct tenant_info t;
	pid_t pid;

	ASSERT_EQ(0, tenant_add_uid(&self->nl, NLT_PREFIX "perm",
				    NLT_UID_BASE + 1, &t));
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(pfd[0]);
		unprivileged_requests(pfd[1]);
	}
	close(pfd[1]);
	ASSERT_EQ(sizeof(errs), read(pfd[0], errs, sizeof(errs)));
	close(pfd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, errs[P_NR]) {
		TH_LOG("unprivileged child could not connect: %s",
		       strerror(-errs[P_NR]));
	}
	for (i = 0; i < P_NR; i++) {
		int want = i >= P_ENGINE_GET ? 0 : -EPERM;

		EXPECT_EQ(want, errs[i]) {
			TH_LOG("%s as uid %d: got %d (%s), want %d",
			       perm_names[i], NOBODY, errs[i],
			       strerror(-errs[i]), want);
		}
	}
	/* Nothing changed. */
	ASSERT_EQ(0, tenant_get_name(&self->nl, NLT_PREFIX "perm", &t));
	EXPECT_EQ(ACCELQ_TENANT_WEIGHT_DEFAULT, t.weight);
	EXPECT_EQ(-ENOENT, tenant_get_name(&self->nl, NLT_PREFIX "perm2", &t));
}

TEST_F(netlink, unknown_attribute)
{
	struct tenant_req r = {
		.name = NLT_PREFIX "x", .has_uid = true, .uid = NLT_UID_BASE,
		.extra_type = ACCELQ_A_MAX + 5, .extra_u32 = 1,
	};
	struct nl_msg *msg;

	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	EXPECT_NE(0, self->res.msg[0]);
	EXPECT_EQ(ACCELQ_A_MAX + 5, self->res.bad_attr);

	msg = aqnl_new(&self->nl, ACCELQ_CMD_ENGINE_GET, 0);
	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, 0);
	nla_put_u32(msg, ACCELQ_A_MAX + 5, 0);
	EXPECT_EQ(-EINVAL, aqnl_do(&self->nl, msg, &self->res));
	EXPECT_EQ(ACCELQ_A_MAX + 5, self->res.bad_attr);

	/* Known but foreign to the command: "Unsupported attribute". */
	msg = aqnl_new(&self->nl, ACCELQ_CMD_ENGINE_GET, 0);
	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, 0);
	nla_put_u32(msg, ACCELQ_A_TENANT_WEIGHT, 5);
	EXPECT_EQ(-EINVAL, aqnl_do(&self->nl, msg, &self->res));
	EXPECT_EQ(ACCELQ_A_TENANT_WEIGHT, self->res.bad_attr);

	EXPECT_EQ(-ENOENT, tenant_get_name(&self->nl, NLT_PREFIX "x", NULL));
}

TEST_F(netlink, unknown_command)
{
	struct nl_msg *msg = aqnl_new(&self->nl, ACCELQ_CMD_MAX + 1, 0);

	EXPECT_EQ(-EOPNOTSUPP, aqnl_do(&self->nl, msg, &self->res));
	/* QUEUE_GET is dump-only. */
	msg = aqnl_new(&self->nl, ACCELQ_CMD_QUEUE_GET, 0);
	EXPECT_EQ(-EOPNOTSUPP, aqnl_do(&self->nl, msg, &self->res));
}

TEST_F(netlink, reserved_header_rejected)
{
	struct nl_msg *msg = aqnl_new(&self->nl, ACCELQ_CMD_ENGINE_GET, 0);
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));

	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, 0);
	g->reserved = 1;
	EXPECT_EQ(-EINVAL, aqnl_do(&self->nl, msg, &self->res));
}

TEST_F(netlink, name_too_long)
{
	char name[80];
	struct tenant_info t;

	memset(name, 'a', sizeof(name));
	memcpy(name, NLT_PREFIX, strlen(NLT_PREFIX));
	name[64] = '\0';
	struct tenant_req r = {
		.name = name, .has_uid = true, .uid = NLT_UID_BASE,
	};

	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	EXPECT_EQ(ACCELQ_A_TENANT_NAME, self->res.bad_attr);
	EXPECT_NE(0, self->res.msg[0]);
	/* Same on a lookup. */
	EXPECT_EQ(-EINVAL, tenant_get_name(&self->nl, name, NULL));

	/* 63 characters is the longest name. */
	name[63] = '\0';
	ASSERT_EQ(0, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
			       &self->res, &t));
	EXPECT_STREQ(name, t.name);
	EXPECT_EQ(0, tenant_del_name(&self->nl, name, false));
}

TEST_F(netlink, name_bad_characters)
{
	static const char *const bad[] = {
		"nlt bad", "nlt/bad", "nlt\\bad", "-nlt", ".nlt", "", "nlt\n",
		"nlt\xc3\xa9",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tenant_req r = {
			.name = bad[i], .has_uid = true, .uid = NLT_UID_BASE,
		};

		EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW,
					     &r, &self->res, NULL)) {
			TH_LOG("name \"%s\"", bad[i]);
		}
		EXPECT_EQ(ACCELQ_A_TENANT_NAME, self->res.bad_attr);
		EXPECT_NE(NULL, strstr(self->res.msg, "ACCELQ_A_TENANT_NAME")) {
			TH_LOG("extack \"%s\"", self->res.msg);
		}
	}
}

TEST_F(netlink, name_embedded_nul)
{
	struct nl_msg *msg = aqnl_new(&self->nl, ACCELQ_CMD_TENANT_NEW, 0);

	nla_put(msg, ACCELQ_A_TENANT_NAME, 10, "nlt-a\0bcd");
	nla_put_u32(msg, ACCELQ_A_TENANT_MATCH_UID, NLT_UID_BASE);
	EXPECT_EQ(-EINVAL, aqnl_do(&self->nl, msg, &self->res));
	EXPECT_EQ(ACCELQ_A_TENANT_NAME, self->res.bad_attr);
}

TEST_F(netlink, weight_range)
{
	static const uint32_t bad[] = { 0, ACCELQ_TENANT_WEIGHT_MAX + 1,
					UINT32_MAX };
	static const uint32_t good[] = { ACCELQ_TENANT_WEIGHT_MIN,
					 ACCELQ_TENANT_WEIGHT_MAX };
	struct tenant_info t;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct tenant_req r = {
			.name = NLT_PREFIX "w", .has_uid = true,
			.uid = NLT_UID_BASE, .has_weight = true,
			.weight = bad[i],
		};

		/* Policy range checks answer -ERANGE. */
		EXPECT_EQ(-ERANGE, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW,
					     &r, &self->res, NULL)) {
			TH_LOG("weight %u", bad[i]);
		}
		EXPECT_EQ(ACCELQ_A_TENANT_WEIGHT, self->res.bad_attr);
		EXPECT_NE(0, self->res.msg[0]);
	}
	for (i = 0; i < 2; i++) {
		struct tenant_req r = {
			.name = NLT_PREFIX "w", .has_uid = true,
			.uid = NLT_UID_BASE, .has_weight = true,
			.weight = good[i],
		};

		ASSERT_EQ(0, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				       &self->res, &t)) {
			TH_LOG("weight %u: %s", good[i], self->res.msg);
		}
		EXPECT_EQ(good[i], t.weight);
		/* And through SET. */
		r.has_uid = false;
		r.weight = bad[i];
		EXPECT_EQ(-ERANGE, tenant_do(&self->nl, ACCELQ_CMD_TENANT_SET,
					     &r, &self->res, NULL));
		EXPECT_EQ(0, tenant_del_name(&self->nl, NLT_PREFIX "w", false));
	}
}

TEST_F(netlink, settings_validation)
{
	struct tenant_req base = {
		.name = NLT_PREFIX "v", .has_uid = true, .uid = NLT_UID_BASE,
	};
	struct tenant_req r;
	struct nl_msg *msg;

	/* Quota below the minimum: config check, -EINVAL naming it. */
	r = base;
	r.has_quota = true;
	r.quota = ACCELQ_CAP_QUOTA_MIN_NS - 1;
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	EXPECT_NE(NULL, strstr(self->res.msg, "CAP_QUOTA")) {
		TH_LOG("extack \"%s\"", self->res.msg);
	}
	/* Burst above quota. */
	r = base;
	r.has_quota = r.has_burst = true;
	r.quota = ACCELQ_CAP_QUOTA_MIN_NS;
	r.burst = ACCELQ_CAP_QUOTA_MIN_NS + 1;
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	EXPECT_NE(NULL, strstr(self->res.msg, "BURST"));
	/* Period out of range: policy. */
	r = base;
	r.has_period = true;
	r.period = ACCELQ_CAP_PERIOD_MIN_NS - 1;
	EXPECT_EQ(-ERANGE, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	EXPECT_EQ(ACCELQ_A_TENANT_CAP_PERIOD_NS, self->res.bad_attr);
	r.period = ACCELQ_CAP_PERIOD_MAX_NS + 1;
	EXPECT_EQ(-ERANGE, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	/* Unknown class bit: policy mask. */
	r = base;
	r.has_classes = true;
	r.classes = ACCELQ_CLASS_MASK_ALL + 1;
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	EXPECT_EQ(ACCELQ_A_TENANT_CLASSES, self->res.bad_attr);
	/* No class at all. */
	r.classes = 0;
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	/* Limits above 2^24. */
	r = base;
	r.has_max_queues = true;
	r.max_queues = ACCELQ_TENANT_LIMIT_MAX + 1;
	EXPECT_EQ(-ERANGE, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	EXPECT_EQ(ACCELQ_A_TENANT_MAX_QUEUES, self->res.bad_attr);
	/* Wrong attribute size. */
	msg = aqnl_new(&self->nl, ACCELQ_CMD_TENANT_NEW, 0);
	nla_put_string(msg, ACCELQ_A_TENANT_NAME, NLT_PREFIX "v");
	nla_put_u64(msg, ACCELQ_A_TENANT_MATCH_UID, NLT_UID_BASE);
	EXPECT_EQ(-EINVAL, aqnl_do(&self->nl, msg, &self->res));
	EXPECT_EQ(ACCELQ_A_TENANT_MATCH_UID, self->res.bad_attr);
	/* Unknown DEL_FLAGS bit. */
	r = (struct tenant_req){ .name = "default", .has_del_flags = true,
				 .del_flags = 2 };
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_DEL, &r,
				     &self->res, NULL));
	EXPECT_EQ(ACCELQ_A_TENANT_DEL_FLAGS, self->res.bad_attr);

	EXPECT_EQ(-ENOENT, tenant_get_name(&self->nl, NLT_PREFIX "v", NULL));
}

TEST_F(netlink, duplicate_name)
{
	ASSERT_EQ(0, tenant_add_uid(&self->nl, NLT_PREFIX "dup",
				    NLT_UID_BASE, NULL));
	EXPECT_EQ(-EEXIST, tenant_add_uid(&self->nl, NLT_PREFIX "dup",
					  NLT_UID_BASE + 1, NULL));
	/* Same match rule under another name. */
	EXPECT_EQ(-EEXIST, tenant_add_uid(&self->nl, NLT_PREFIX "dup2",
					  NLT_UID_BASE, NULL));
	EXPECT_EQ(-EEXIST, tenant_add_uid(&self->nl, "default",
					  NLT_UID_BASE + 2, NULL));
}

TEST_F(netlink, missing_or_conflicting_attributes)
{
	struct tenant_req r = { .has_uid = true, .uid = NLT_UID_BASE };

	/* No NAME. */
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	EXPECT_EQ(ACCELQ_A_TENANT_NAME, self->res.miss_type);
	EXPECT_NE(NULL, strstr(self->res.msg, "ACCELQ_A_TENANT_NAME"));

	/* No match. */
	r = (struct tenant_req){ .name = NLT_PREFIX "m" };
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	EXPECT_NE(-1, self->res.miss_type);

	/* Both matches. */
	r.has_uid = true;
	r.uid = NLT_UID_BASE;
	r.cgroup = "/";
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	EXPECT_NE(0, self->res.msg[0]);

	/* An id is assigned, never given. */
	r = (struct tenant_req){ .name = NLT_PREFIX "m", .has_uid = true,
				 .uid = NLT_UID_BASE, .has_id = true, .id = 77 };
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
	EXPECT_EQ(ACCELQ_A_TENANT_ID, self->res.bad_attr);

	/* Neither ID nor NAME to select. */
	r = (struct tenant_req){ .has_weight = true, .weight = 5 };
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_SET, &r,
				     &self->res, NULL));
	EXPECT_EQ(ACCELQ_A_TENANT_ID, self->res.miss_type);
	r = (struct tenant_req){ 0 };
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_DEL, &r,
				     &self->res, NULL));
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_GET, &r,
				     &self->res, NULL));
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_CLEAR_BAN,
				     &r, &self->res, NULL));

	/* ENGINE_GET / ENGINE_RESET without ENGINE_ID. */
	EXPECT_EQ(-EINVAL, aqnl_do(&self->nl, aqnl_new(&self->nl,
						   ACCELQ_CMD_ENGINE_GET, 0),
				 &self->res));
	EXPECT_EQ(ACCELQ_A_ENGINE_ID, self->res.miss_type);
	EXPECT_EQ(-EINVAL, aqnl_do(&self->nl, aqnl_new(&self->nl,
						   ACCELQ_CMD_ENGINE_RESET, 0),
				 &self->res));
}

TEST_F(netlink, unknown_tenant)
{
	static const uint8_t cmds[] = {
		ACCELQ_CMD_TENANT_SET, ACCELQ_CMD_TENANT_DEL,
		ACCELQ_CMD_TENANT_GET, ACCELQ_CMD_TENANT_CLEAR_BAN,
	};
	unsigned int i;

	for (i = 0; i < sizeof(cmds); i++) {
		struct tenant_req by_name = { .name = NLT_PREFIX "nobody" };
		struct tenant_req by_id = { .has_id = true, .id = 0xfffffff0 };

		EXPECT_EQ(-ENOENT, tenant_do(&self->nl, cmds[i], &by_name,
					     &self->res, NULL)) {
			TH_LOG("cmd %u by name", cmds[i]);
		}
		EXPECT_EQ(ACCELQ_A_TENANT_NAME, self->res.bad_attr);
		EXPECT_EQ(-ENOENT, tenant_do(&self->nl, cmds[i], &by_id,
					     &self->res, NULL)) {
			TH_LOG("cmd %u by id", cmds[i]);
		}
		EXPECT_EQ(ACCELQ_A_TENANT_ID, self->res.bad_attr);
	}
}

TEST_F(netlink, read_only_attributes)
{
	static const int ro[] = {
		ACCELQ_A_TENANT_CGROUP_ID, ACCELQ_A_TENANT_FLAGS,
		ACCELQ_A_TENANT_STATS, ACCELQ_A_TENANT_NR_QUEUES,
		ACCELQ_A_TENANT_NR_CLIENTS, ACCELQ_A_TENANT_NR_INFLIGHT,
		ACCELQ_A_ENGINE_NAME, ACCELQ_A_ENGINE_BUSY_NS,
		ACCELQ_A_ENGINE_NR_QUEUES, ACCELQ_A_ENGINE_RESETS,
		ACCELQ_A_ENGINE_PREEMPTIONS, ACCELQ_A_QUEUE_ID,
		ACCELQ_A_QUEUE_CLASS, ACCELQ_A_QUEUE_DEPTH,
		ACCELQ_A_QUEUE_NR_JOBS, ACCELQ_A_QUEUE_LAST_SEQNO,
		ACCELQ_A_QUEUE_DONE_SEQNO, ACCELQ_A_CLIENT_ID,
		ACCELQ_A_CLIENT_PID,
	};
	struct nl_msg *msg;
	unsigned int i;

	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		struct tenant_req r = {
			.name = NLT_PREFIX "ro", .has_uid = true,
			.uid = NLT_UID_BASE, .extra_type = ro[i],
		};

		EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW,
					     &r, &self->res, NULL)) {
			TH_LOG("attribute %d", ro[i]);
		}
		EXPECT_EQ(ro[i], self->res.bad_attr);
		EXPECT_STREQ("attribute is read-only", self->res.msg);
	}
	/* In a dump request too (parsed before the dump starts). */
	msg = aqnl_new(&self->nl, ACCELQ_CMD_QUEUE_GET, NLM_F_DUMP);
	nla_put_u32(msg, ACCELQ_A_QUEUE_ID, 1);
	EXPECT_EQ(-EINVAL, aqnl_do(&self->nl, msg, &self->res));
	EXPECT_STREQ("attribute is read-only", self->res.msg);
	EXPECT_EQ(ACCELQ_A_QUEUE_ID, self->res.bad_attr);

	EXPECT_EQ(-ENOENT, tenant_get_name(&self->nl, NLT_PREFIX "ro", NULL));
}

/* ================================================================== */
/* Tenant life cycle                                                   */
/* ================================================================== */

TEST_F(netlink, create_get_roundtrip)
{
	struct tenant_req r = {
		.name = NLT_PREFIX "rt", .has_uid = true,
		.uid = NLT_UID_BASE + 10,
		.has_weight = true, .weight = 250,
		.has_quota = true, .quota = 20 * NSEC_PER_MSEC,
		.has_period = true, .period = 50 * NSEC_PER_MSEC,
		.has_burst = true, .burst = 5 * NSEC_PER_MSEC,
		.has_classes = true, .classes = ACCELQ_CLASS_MASK_LATENCY,
		.has_max_queues = true, .max_queues = 7,
		.has_max_inflight = true, .max_inflight = 1000,
		.has_max_depth = true, .max_depth = ACCELQ_TENANT_LIMIT_MAX,
		.has_guilty = true, .guilty = 3,
	};
	struct tenant_info made, by_name, by_id;
	struct tenant_req sel = { .has_id = true };
	int which;

	ASSERT_EQ(0, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
			       &self->res, &made)) {
		TH_LOG("extack: %s", self->res.msg);
	}
	EXPECT_EQ(1, self->res.nr_msgs);
	ASSERT_EQ(0, tenant_get_name(&self->nl, NLT_PREFIX "rt", &by_name));
	sel.id = made.id;
	ASSERT_EQ(0, tenant_do(&self->nl, ACCELQ_CMD_TENANT_GET, &sel,
			       &self->res, &by_id));

	for (which = 0; which < 3; which++) {
		const struct tenant_info *t = which == 0 ? &made :
					      which == 1 ? &by_name : &by_id;

		EXPECT_NE(DEFAULT_TENANT_ID, t->id);
		EXPECT_EQ(made.id, t->id);
		EXPECT_STREQ(NLT_PREFIX "rt", t->name);
		EXPECT_TRUE(t->has_uid);
		EXPECT_FALSE(t->has_cgroup_id);
		EXPECT_EQ(NLT_UID_BASE + 10, t->uid);
		EXPECT_EQ(250, t->weight);
		EXPECT_EQ(20 * NSEC_PER_MSEC, t->quota);
		EXPECT_EQ(50 * NSEC_PER_MSEC, t->period);
		EXPECT_EQ(5 * NSEC_PER_MSEC, t->burst);
		EXPECT_EQ(ACCELQ_CLASS_MASK_LATENCY, t->classes);
		EXPECT_EQ(7, t->max_queues);
		EXPECT_EQ(1000, t->max_inflight);
		EXPECT_EQ(ACCELQ_TENANT_LIMIT_MAX, t->max_depth);
		EXPECT_EQ(3, t->guilty_limit);
		EXPECT_EQ(0, t->flags);
		EXPECT_EQ(0, t->nr_queues);
		EXPECT_EQ(0, t->nr_clients);
		EXPECT_EQ(0, t->nr_inflight);
		EXPECT_TRUE(t->has_stats);
		EXPECT_LT(0, t->nr_engine_busy);
		EXPECT_EQ(0, t->busy_ns);
	}

	/* Defaults when nothing is given. */
	ASSERT_EQ(0, tenant_add_uid(&self->nl, NLT_PREFIX "rt2",
				    NLT_UID_BASE + 11, &made));
	EXPECT_EQ(ACCELQ_TENANT_WEIGHT_DEFAULT, made.weight);
	EXPECT_EQ(0, made.quota);
	EXPECT_EQ(ACCELQ_CAP_PERIOD_DEFAULT_NS, made.period);
	EXPECT_EQ(0, made.burst);
	EXPECT_EQ(ACCELQ_CLASS_MASK_ALL, made.classes);
	EXPECT_EQ(0, made.max_queues);
	EXPECT_EQ(0, made.max_inflight);
	EXPECT_EQ(0, made.max_depth);
	EXPECT_EQ(0, made.guilty_limit);

	/* ID and NAME of different tenants. */
	sel.name = NLT_PREFIX "rt2";
	sel.id = by_id.id;
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_GET, &sel,
				     &self->res, NULL));

	/* The default tenant. */
	sel = (struct tenant_req){ .has_id = true,
				   .id = DEFAULT_TENANT_ID };
	ASSERT_EQ(0, tenant_do(&self->nl, ACCELQ_CMD_TENANT_GET, &sel,
			       &self->res, &by_id));
	EXPECT_STREQ("default", by_id.name);
	EXPECT_TRUE(by_id.flags & ACCELQ_TENANT_F_DEFAULT);
	EXPECT_FALSE(by_id.has_uid);
	EXPECT_FALSE(by_id.has_cgroup_id);
}

TEST_F(netlink, cgroup_match)
{
	struct tenant_req r = { .name = NLT_PREFIX "cg", .cgroup = "/" };
	struct tenant_info t;

	/* The root cgroup exists wherever cgroup2 is mounted. */
	ASSERT_EQ(0, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
			       &self->res, &t)) {
		TH_LOG("extack: %s", self->res.msg);
	}
	EXPECT_TRUE(t.has_cgroup_id);
	EXPECT_FALSE(t.has_uid);
	EXPECT_LT(0, t.cgroup_id);
	EXPECT_EQ(0, tenant_del_name(&self->nl, NLT_PREFIX "cg", false));

	r.cgroup = "/nlt-no-such-cgroup";
	EXPECT_EQ(-ENOENT, tenant_do(&self->nl, ACCELQ_CMD_TENANT_NEW, &r,
				     &self->res, NULL));
}

TEST_F(netlink, set_changes)
{
	struct tenant_req r = {
		.name = NLT_PREFIX "set", .has_weight = true, .weight = 42,
		.has_max_queues = true, .max_queues = 3,
	};
	struct tenant_info before, after, got;

	ASSERT_EQ(0, tenant_add_uid(&self->nl, NLT_PREFIX "set",
				    NLT_UID_BASE + 20, &before));
	ASSERT_EQ(0, tenant_do(&self->nl, ACCELQ_CMD_TENANT_SET, &r,
			       &self->res, &after));
	EXPECT_EQ(1, self->res.nr_msgs);
	EXPECT_EQ(before.id, after.id);
	EXPECT_EQ(42, after.weight);
	EXPECT_EQ(3, after.max_queues);
	/* The rest is unchanged. */
	EXPECT_EQ(before.quota, after.quota);
	EXPECT_EQ(before.period, after.period);
	EXPECT_EQ(before.classes, after.classes);
	EXPECT_EQ(before.max_depth, after.max_depth);
	EXPECT_EQ(before.uid, after.uid);
	ASSERT_EQ(0, tenant_get_name(&self->nl, NLT_PREFIX "set", &got));
	EXPECT_EQ(42, got.weight);
	EXPECT_EQ(3, got.max_queues);

	/* By id, a cap. */
	r = (struct tenant_req){ .has_id = true, .id = before.id,
				 .has_quota = true, .quota = NSEC_PER_MSEC,
				 .has_burst = true, .burst = NSEC_PER_MSEC };
	ASSERT_EQ(0, tenant_do(&self->nl, ACCELQ_CMD_TENANT_SET, &r,
			       &self->res, &got));
	EXPECT_EQ(NSEC_PER_MSEC, got.quota);
	EXPECT_EQ(NSEC_PER_MSEC, got.burst);
	EXPECT_EQ(42, got.weight);

	/* A rejected SET changes nothing. */
	r = (struct tenant_req){ .name = NLT_PREFIX "set", .has_weight = true,
				 .weight = 77, .has_burst = true,
				 .burst = 2 * NSEC_PER_MSEC };
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_SET, &r,
				     &self->res, NULL));
	ASSERT_EQ(0, tenant_get_name(&self->nl, NLT_PREFIX "set", &got));
	EXPECT_EQ(42, got.weight);

	/* The match rule is immutable. */
	r = (struct tenant_req){ .name = NLT_PREFIX "set", .has_uid = true,
				 .uid = NLT_UID_BASE + 21 };
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_SET, &r,
				     &self->res, NULL));
	EXPECT_EQ(ACCELQ_A_TENANT_MATCH_UID, self->res.bad_attr);
	EXPECT_NE(NULL, strstr(self->res.msg, "immutable"));
	r = (struct tenant_req){ .name = NLT_PREFIX "set", .cgroup = "/" };
	EXPECT_EQ(-EINVAL, tenant_do(&self->nl, ACCELQ_CMD_TENANT_SET, &r,
				     &self->res, NULL));
	EXPECT_EQ(ACCELQ_A_TENANT_MATCH_CGROUP, self->res.bad_attr);

	/* SET on the default tenant works. */
	r = (struct tenant_req){ .name = "default", .has_weight = true,
				 .weight = ACCELQ_TENANT_WEIGHT_DEFAULT };
	EXPECT_EQ(0, tenant_do(&self->nl, ACCELQ_CMD_TENANT_SET, &r,
			       &self->res, NULL));
}

struct setter {
	const char *name;
	bool queues;		/* set max_queues, else weight */
	unsigned int rounds;
	uint32_t last;
	unsigned int went_back;	/* replies where the other field went back */
	int err;
};

static void *tenant_setter(void *arg)
{
	struct setter *st = arg;
	struct tenant_info got;
	uint32_t other = 0;
	struct nl_result res;
	struct aq_nl nl;
	unsigned int i;

	st->err = aqnl_connect(&nl);
	if (st->err)
		return NULL;
	for (i = 1; i <= st->rounds && !st->err; i++) {
		struct tenant_req r = { .name = st->name };

		if (st->queues) {
			r.has_max_queues = true;
			r.max_queues = i;
		} else {
			/* above the default weight (100) it starts from */
			r.has_weight = true;
			r.weight = ACCELQ_TENANT_WEIGHT_DEFAULT + i;
		}
		st->err = tenant_do(&nl, ACCELQ_CMD_TENANT_SET, &r, &res, &got);
		st->last = st->queues ? r.max_queues : r.weight;
		/* The other setter only ever raises its field. */
		if ((st->queues ? got.weight : got.max_queues) < other)
			st->went_back++;
		other = st->queues ? got.weight : got.max_queues;
	}
	aqnl_close(&nl);
	return NULL;
}

/*
 * Two administrators setting different settings of one tenant at once: each
 * SET changes only what it names, so neither change is lost (TENANT_SET is
 * a read-modify-write of the whole configuration in the kernel). Each
 * setter raises its own field; a lost update shows as the other field
 * going back in a reply, or as a final value that is not the last one set.
 * A SET that rewrites fields it does not name fails this every time; the
 * kernel's unlocked read-modify-write window is too narrow to hit on
 * demand (6000 SETs under TCG did not), so that race is covered by the
 * lock's review, not by this test's luck.
 */
TEST_F_TIMEOUT(netlink, concurrent_set_loses_nothing, 300)
{
	struct setter a = { .name = NLT_PREFIX "cset", .rounds = 3000 };
	struct setter b = { .name = NLT_PREFIX "cset", .queues = true,
			    .rounds = 3000 };
	struct tenant_info got;
	pthread_t ta, tb;

	ASSERT_EQ(0, tenant_add_uid(&self->nl, NLT_PREFIX "cset",
				    NLT_UID_BASE + 30, NULL));
	ASSERT_EQ(0, pthread_create(&ta, NULL, tenant_setter, &a));
	ASSERT_EQ(0, pthread_create(&tb, NULL, tenant_setter, &b));
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ASSERT_EQ(0, a.err);
	ASSERT_EQ(0, b.err);
	EXPECT_EQ(0, a.went_back);
	EXPECT_EQ(0, b.went_back);
	ASSERT_EQ(0, tenant_get_name(&self->nl, NLT_PREFIX "cset", &got));
	EXPECT_EQ(a.last, got.weight);
	EXPECT_EQ(b.last, got.max_queues);
}

TEST_F(netlink, delete)
{
	struct tenant_req r;
	struct tenant_info t;

	ASSERT_EQ(0, tenant_add_uid(&self->nl, NLT_PREFIX "del",
				    NLT_UID_BASE + 30, &t));
	r = (struct tenant_req){ .has_id = true, .id = t.id };
	EXPECT_EQ(0, tenant_do(&self->nl, ACCELQ_CMD_TENANT_DEL, &r,
			       &self->res, NULL));
	EXPECT_EQ(0, self->res.nr_msgs);
	EXPECT_EQ(-ENOENT, tenant_get_name(&self->nl, NLT_PREFIX "del", NULL));
	EXPECT_EQ(-ENOENT, tenant_do(&self->nl, ACCELQ_CMD_TENANT_DEL, &r,
				     &self->res, NULL));
	/* Name and uid are free again. */
	EXPECT_EQ(0, tenant_add_uid(&self->nl, NLT_PREFIX "del",
				    NLT_UID_BASE + 30, NULL));
	EXPECT_EQ(0, tenant_del_name(&self->nl, NLT_PREFIX "del", true));

	/* Not the default tenant, forced or not. */
	EXPECT_EQ(-EPERM, tenant_del_name(&self->nl, "default", false));
	EXPECT_EQ(-EPERM, tenant_del_name(&self->nl, "default", true));
	EXPECT_EQ(0, tenant_get_name(&self->nl, "default", NULL));
}

TEST_F(netlink, clear_ban)
{
	struct tenant_info t;
	struct tenant_req r = { .name = NLT_PREFIX "ban" };

	ASSERT_EQ(0, tenant_add_uid(&self->nl, NLT_PREFIX "ban",
				    NLT_UID_BASE + 40, NULL));
	EXPECT_EQ(0, tenant_do(&self->nl, ACCELQ_CMD_TENANT_CLEAR_BAN, &r,
			       &self->res, NULL));
	EXPECT_EQ(0, self->res.nr_msgs);
	ASSERT_EQ(0, tenant_get_name(&self->nl, NLT_PREFIX "ban", &t));
	EXPECT_EQ(0, t.flags & ACCELQ_TENANT_F_BANNED);
}

/* ================================================================== */
/* Engines                                                             */
/* ================================================================== */

struct engine_seen {
	unsigned int n;
	uint32_t ids[128];
	bool complete;
};

static void engine_cb(struct nlattr **tb, void *arg)
{
	struct engine_seen *e = arg;

	if (!tb[ACCELQ_A_ENGINE_ID] || !tb[ACCELQ_A_ENGINE_NAME] ||
	    !tb[ACCELQ_A_ENGINE_BUSY_NS] || !tb[ACCELQ_A_ENGINE_NR_QUEUES] ||
	    !tb[ACCELQ_A_ENGINE_RESETS] || !tb[ACCELQ_A_ENGINE_PREEMPTIONS])
		e->complete = false;
	/* Engines report no tenant identity. */
	if (tb[ACCELQ_A_TENANT_ID] || tb[ACCELQ_A_TENANT_NAME])
		e->complete = false;
	if (e->n < 128)
		e->ids[e->n] = u32_or(tb[ACCELQ_A_ENGINE_ID], ~0u);
	e->n++;
}

TEST_F(netlink, engines)
{
	struct engine_seen e = { .complete = true };
	struct accelq_info info;
	struct nl_msg *msg;
	unsigned int i;
	int fd;

	fd = aq_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, aq_info(fd, &info));
	close(fd);

	self->res.cb = engine_cb;
	self->res.arg = &e;
	ASSERT_EQ(0, aqnl_do(&self->nl, aqnl_new(&self->nl, ACCELQ_CMD_ENGINE_GET,
					     NLM_F_DUMP), &self->res));
	EXPECT_EQ(info.nr_engines, e.n);
	EXPECT_TRUE(e.complete);
	for (i = 0; i < e.n && i < 128; i++)
		EXPECT_EQ(i, e.ids[i]);

	memset(&e, 0, sizeof(e));
	e.complete = true;
	msg = aqnl_new(&self->nl, ACCELQ_CMD_ENGINE_GET, 0);
	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, info.nr_engines - 1);
	ASSERT_EQ(0, aqnl_do(&self->nl, msg, &self->res));
	EXPECT_EQ(1, e.n);
	EXPECT_EQ(info.nr_engines - 1, e.ids[0]);
	EXPECT_TRUE(e.complete);

	msg = aqnl_new(&self->nl, ACCELQ_CMD_ENGINE_GET, 0);
	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, info.nr_engines);
	EXPECT_EQ(-ENOENT, aqnl_do(&self->nl, msg, &self->res));
	EXPECT_EQ(ACCELQ_A_ENGINE_ID, self->res.bad_attr);

	/* A dump takes no selector. */
	msg = aqnl_new(&self->nl, ACCELQ_CMD_ENGINE_GET, NLM_F_DUMP);
	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, 0);
	EXPECT_EQ(-EINVAL, aqnl_do(&self->nl, msg, &self->res));
	msg = aqnl_new(&self->nl, ACCELQ_CMD_TENANT_GET, NLM_F_DUMP);
	nla_put_u32(msg, ACCELQ_A_TENANT_ID, 0);
	EXPECT_EQ(-EINVAL, aqnl_do(&self->nl, msg, &self->res));
}

TEST_F(netlink, engine_reset)
{
	struct accelq_completion c[2];
	struct accelq_info info;
	struct engine_seen e = { .complete = true };
	struct nl_msg *msg;
	struct pollfd pfd;
	uint32_t qid, eng;
	__u64 seq;
	int fd;

	fd = aq_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, aq_info(fd, &info));
	ASSERT_EQ(0, aq_qcreate(fd, 0, ACCELQ_CLASS_BATCH, 4, &qid, &eng));
	ASSERT_EQ(0, aq_submit1(fd, qid, 2 * NSEC_PER_SEC, 1, 0, &seq));
	aq_sleep_ms(50);

	msg = aqnl_new(&self->nl, ACCELQ_CMD_ENGINE_RESET, 0);
	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, 0);
	EXPECT_EQ(0, aqnl_do(&self->nl, msg, &self->res));
	msg = aqnl_new(&self->nl, ACCELQ_CMD_ENGINE_RESET, 0);
	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, info.nr_engines);
	EXPECT_EQ(-ENOENT, aqnl_do(&self->nl, msg, &self->res));

	/* The running job was aborted with -EIO. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 5000));
	ASSERT_EQ(1, aq_read(fd, c, 2));
	EXPECT_EQ(-EIO, c[0].status);

	self->res.cb = engine_cb;
	self->res.arg = &e;
	msg = aqnl_new(&self->nl, ACCELQ_CMD_ENGINE_GET, 0);
	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, 0);
	ASSERT_EQ(0, aqnl_do(&self->nl, msg, &self->res));
	close(fd);
}

/* ================================================================== */
/* Dumps                                                               */
/* ================================================================== */

#define MANY_TENANTS 3000

TEST_F_TIMEOUT(netlink, dump_many_tenants, 300)
{
	struct nl_result res;
	struct id_list l;
	char name[64];
	unsigned int i, found = 0;
	uint32_t *ids;
	size_t n;

	ids = calloc(MANY_TENANTS, sizeof(*ids));
	ASSERT_NE(NULL, ids);
	for (i = 0; i < MANY_TENANTS; i++) {
		struct tenant_info t;

		snprintf(name, sizeof(name), NLT_PREFIX "many-%u", i);
		ASSERT_EQ(0, tenant_add_uid(&self->nl, name,
					    NLT_UID_BASE + 1000 + i, &t)) {
			TH_LOG("creating tenant %u", i);
		}
		ids[i] = t.id;
	}
	ASSERT_EQ(0, tenant_dump(&self->nl, &l, &res));
	EXPECT_LT(MANY_TENANTS, res.nr_msgs);
	EXPECT_EQ(0, res.nr_intr);
	EXPECT_TRUE(l.all_stats);
	n = l.n;
	EXPECT_EQ(0, count_dups(l.ids, n));
	for (i = 0; i < MANY_TENANTS; i++)
		found += sorted_has(l.ids, n, ids[i]);
	EXPECT_EQ(MANY_TENANTS, found);
	EXPECT_TRUE(sorted_has(l.ids, n, DEFAULT_TENANT_ID));
	id_list_free(&l);
	free(ids);
}

struct churn {
	volatile bool stop;
	int fd;			/* queue churn: the client */
	uint32_t uid_base;	/* tenant churn */
	unsigned long ops;
	int err;
};

static void *tenant_churn(void *arg)
{
	struct churn *c = arg;
	struct aq_nl nl;
	char name[64];
	unsigned int i = 0;

	c->err = aqnl_connect(&nl);
	if (c->err)
		return NULL;
	while (!c->stop) {
		snprintf(name, sizeof(name), NLT_PREFIX "churn-%u", i % 16);
		if (tenant_add_uid(&nl, name, c->uid_base + i % 16, NULL) ||
		    tenant_del_name(&nl, name, false)) {
			c->err = -EPROTO;
			break;
		}
		c->ops++;
		i++;
	}
	aqnl_close(&nl);
	return NULL;
}

TEST_F_TIMEOUT(netlink, tenant_dump_under_churn, 300)
{
	struct churn c = { .uid_base = NLT_UID_BASE + 9000 };
	unsigned int i, round, intr = 0, stable = 500;
	uint32_t *ids;
	pthread_t th;

	ids = calloc(stable, sizeof(*ids));
	ASSERT_NE(NULL, ids);
	for (i = 0; i < stable; i++) {
		struct tenant_info t;
		char name[64];

		snprintf(name, sizeof(name), NLT_PREFIX "stable-%u", i);
		ASSERT_EQ(0, tenant_add_uid(&self->nl, name,
					    NLT_UID_BASE + 5000 + i, &t));
		ids[i] = t.id;
	}
	ASSERT_EQ(0, pthread_create(&th, NULL, tenant_churn, &c));
	for (round = 0; round < 40; round++) {
		struct nl_result res;
		struct id_list l;
		unsigned int found = 0;

		ASSERT_EQ(0, tenant_dump(&self->nl, &l, &res));
		EXPECT_EQ(0, count_dups(l.ids, l.n));
		for (i = 0; i < stable; i++)
			found += sorted_has(l.ids, l.n, ids[i]);
		/* A missing tenant is only acceptable in a flagged dump. */
		if (found != stable) {
			EXPECT_LT(0, res.nr_intr);
		}
		EXPECT_EQ(stable, found);
		intr += res.nr_intr > 0;
		id_list_free(&l);
		if (intr >= 3)
			break;
	}
	c.stop = true;
	pthread_join(th, NULL);
	EXPECT_EQ(0, c.err);
	TH_LOG("%u of %u dumps flagged NLM_F_DUMP_INTR, %lu churn ops",
	       intr, round + (round < 40), c.ops);
	/* Churn ran during multi-part dumps: some must have been flagged. */
	EXPECT_LT(0, intr);
	free(ids);
}

#define QUEUES_PER_FD	60
#define NR_QUEUE_FDS	50	/* 3000 queues */

static void *queue_churn(void *arg)
{
	struct churn *c = arg;
	uint32_t qid;

	while (!c->stop) {
		c->err = aq_qcreate(c->fd, ACCELQ_ENGINE_ANY,
				    ACCELQ_CLASS_BATCH, 1, &qid, NULL);
		if (c->err)
			break;
		c->err = aq_qdestroy(c->fd, qid);
		if (c->err)
			break;
		c->ops++;
	}
	return NULL;
}

TEST_F_TIMEOUT(netlink, queue_dump_many, 300)
{
	unsigned long long max_queues = 64;
	unsigned int per_fd, nfds, i, j, n = 0, round, intr = 0;
	int fds[NR_QUEUE_FDS];
	struct churn c = { 0 };
	uint32_t *qids;
	pthread_t th;

	aq_param_read("max_queues", &max_queues);
	per_fd = max_queues < QUEUES_PER_FD ? max_queues : QUEUES_PER_FD;
	nfds = (NR_QUEUE_FDS * QUEUES_PER_FD + per_fd - 1) / per_fd;
	if (nfds > NR_QUEUE_FDS)
		SKIP(return, "max_queues=%llu: too few queues per file",
		     max_queues);
	qids = calloc(nfds * per_fd, sizeof(*qids));
	ASSERT_NE(NULL, qids);
	for (i = 0; i < nfds; i++) {
		fds[i] = aq_open();
		ASSERT_LE(0, fds[i]);
		for (j = 0; j < per_fd; j++)
			ASSERT_EQ(0, aq_qcreate(fds[i], ACCELQ_ENGINE_ANY,
						j & 1, 1 + j % 4, &qids[n++],
						NULL));
	}

	/* Quiet: exactly our queues, each once, unflagged. */
	{
		const struct queue_info *q;
		struct queue_list l;
		struct nl_result res;
		uint32_t *seen;
		unsigned int found = 0;

		ASSERT_EQ(0, queue_dump(&self->nl, false, 0, &l, &res));
		EXPECT_EQ(0, res.nr_intr);
		EXPECT_EQ(n, l.n);
		seen = calloc(l.n + 1, sizeof(*seen));
		ASSERT_NE(NULL, seen);
		for (i = 0; i < l.n; i++) {
			seen[i] = l.q[i].id;
			EXPECT_TRUE(l.q[i].complete);
			EXPECT_EQ(getpid(), l.q[i].pid);
			EXPECT_EQ(0, l.q[i].nr_jobs);
		}
		EXPECT_EQ(0, count_dups(seen, l.n));
		for (i = 0; i < n; i++)
			found += sorted_has(seen, l.n, qids[i]);
		EXPECT_EQ(n, found);
		/* Fields of one queue. */
		q = queue_find(&l, qids[5]);
		ASSERT_NE(NULL, q);
		EXPECT_EQ(1, q->class);
		EXPECT_EQ(2, q->depth);
		EXPECT_EQ(0, q->last_seqno);
		EXPECT_EQ(0, q->done_seqno);
		free(seen);
		free(l.q);
	}

	/* Under churn: no duplicate ever; a missing one only when flagged. */
	c.fd = aq_open();
	ASSERT_LE(0, c.fd);
	ASSERT_EQ(0, pthread_create(&th, NULL, queue_churn, &c));
	for (round = 0; round < 40; round++) {
		struct queue_list l;
		struct nl_result res;
		uint32_t *seen;
		unsigned int found = 0;

		ASSERT_EQ(0, queue_dump(&self->nl, false, 0, &l, &res));
		seen = calloc(l.n + 1, sizeof(*seen));
		ASSERT_NE(NULL, seen);
		for (i = 0; i < l.n; i++)
			seen[i] = l.q[i].id;
		EXPECT_EQ(0, count_dups(seen, l.n));
		for (i = 0; i < n; i++)
			found += sorted_has(seen, l.n, qids[i]);
		if (found != n) {
			EXPECT_LT(0, res.nr_intr);
		}
		EXPECT_EQ(n, found);
		intr += res.nr_intr > 0;
		free(seen);
		free(l.q);
		if (intr >= 3)
			break;
	}
	c.stop = true;
	pthread_join(th, NULL);
	EXPECT_EQ(0, c.err);
	TH_LOG("%u of %u queue dumps flagged NLM_F_DUMP_INTR, %lu churn ops",
	       intr, round + (round < 40), c.ops);
	EXPECT_LT(0, intr);

	close(c.fd);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	free(qids);
}

/* ================================================================== */
/* A tenant with work: EBUSY, forced delete, queue dump by tenant      */
/* ================================================================== */

struct child_report {
	int stage;		/* how far the child got */
	int err;
	uint32_t tenant_id;
	uint32_t qid;
	long nrec;
	int status[2];
	int create_after;	/* QUEUE_CREATE after the delete */
};

#define FORCE_UID	(NLT_UID_BASE + 77)

/* As FORCE_UID: open, one queue, two long jobs; report the completions. */
static void tenant_child(int ready_fd, int report_fd)
{
	struct child_report rep = { .stage = 0, .err = 0 };
	struct accelq_completion c[2];
	struct accelq_info info;
	struct pollfd pfd;
	long got = 0;
	int fd;

	if (setgroups(0, NULL) || setresgid(FORCE_UID, FORCE_UID, FORCE_UID) ||
	    setresuid(FORCE_UID, FORCE_UID, FORCE_UID)) {
		rep.err = -errno;
		goto out;
	}
	rep.stage = 1;
	fd = aq_open();
	if (fd < 0) {
		rep.err = -errno;
		goto out;
	}
	rep.stage = 2;
	rep.err = aq_info(fd, &info);
	if (rep.err)
		goto out;
	rep.tenant_id = info.tenant_id;
	rep.stage = 3;
	rep.err = aq_qcreate(fd, 0, ACCELQ_CLASS_BATCH, 4, &rep.qid, NULL);
	if (rep.err)
		goto out;
	rep.stage = 4;
	rep.err = aq_submit1(fd, rep.qid, 3 * NSEC_PER_SEC, 1, 0, NULL);
	if (!rep.err)
		rep.err = aq_submit1(fd, rep.qid, 3 * NSEC_PER_SEC, 2, 0, NULL);
	if (rep.err)
		goto out;
	rep.stage = 5;
	if (write(ready_fd, &rep, sizeof(rep)) != sizeof(rep))
		_exit(3);

	/* The parent deletes our tenant with FORCE: both jobs cancelled. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < 2) {
		long r;

		if (poll(&pfd, 1, 10000) != 1) {
			rep.err = -ETIMEDOUT;
			goto out;
		}
		r = aq_read(fd, c + got, 2 - got);
		if (r < 0) {
			rep.err = r;
			goto out;
		}
		got += r;
	}
	rep.nrec = got;
	rep.status[0] = c[0].status;
	rep.status[1] = c[1].status;
	rep.stage = 6;
	rep.create_after = aq_qcreate(fd, 0, ACCELQ_CLASS_BATCH, 4, NULL, NULL);
	close(fd);
out:
	if (write(report_fd, &rep, sizeof(rep)) != sizeof(rep))
		_exit(3);
	_exit(0);
}

TEST_F_TIMEOUT(netlink, delete_busy_tenant, 60)
{
	struct child_report rep;
	struct tenant_info t, now;
	struct queue_list l;
	struct nl_result res;
	int ready[2], report[2], status;
	pid_t pid;

	ASSERT_EQ(0, tenant_add_uid(&self->nl, NLT_PREFIX "busy", FORCE_UID,
				    &t));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(report));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(ready[0]);
		close(report[0]);
		tenant_child(ready[1], report[1]);
	}
	close(ready[1]);
	close(report[1]);

	if (read(ready[0], &rep, sizeof(rep)) != sizeof(rep)) {
		/* The child failed before its jobs ran: get its report. */
		ASSERT_EQ(sizeof(rep), read(report[0], &rep, sizeof(rep)));
		waitpid(pid, &status, 0);
		ASSERT_EQ(5, rep.stage) {
			TH_LOG("child as uid %u stopped at stage %d: %s",
			       FORCE_UID, rep.stage, strerror(-rep.err));
		}
	}
	EXPECT_EQ(t.id, rep.tenant_id);

	ASSERT_EQ(0, tenant_get_name(&self->nl, NLT_PREFIX "busy", &now));
	EXPECT_EQ(1, now.nr_queues);
	EXPECT_EQ(1, now.nr_clients);
	EXPECT_EQ(2, now.nr_inflight);

	/* Its queue, by tenant filter, owned by the child. */
	ASSERT_EQ(0, queue_dump(&self->nl, true, t.id, &l, &res));
	ASSERT_EQ(1, l.n);
	EXPECT_EQ(rep.qid, l.q[0].id);
	EXPECT_EQ(t.id, l.q[0].tenant_id);
	EXPECT_EQ(pid, l.q[0].pid);
	EXPECT_EQ(2, l.q[0].nr_jobs);
	EXPECT_EQ(2, l.q[0].last_seqno);
	EXPECT_EQ(0, l.q[0].done_seqno);
	free(l.q);

	EXPECT_EQ(-EBUSY, tenant_del_name(&self->nl, NLT_PREFIX "busy", false));
	EXPECT_EQ(0, tenant_get_name(&self->nl, NLT_PREFIX "busy", NULL));
	EXPECT_EQ(0, tenant_del_name(&self->nl, NLT_PREFIX "busy", true));
	EXPECT_EQ(-ENOENT, tenant_get_name(&self->nl, NLT_PREFIX "busy", NULL));

	ASSERT_EQ(sizeof(rep), read(report[0], &rep, sizeof(rep)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(6, rep.stage) {
		TH_LOG("child stopped at stage %d: %s", rep.stage,
		       strerror(-rep.err));
	}
	EXPECT_EQ(2, rep.nrec);
	EXPECT_EQ(-ECANCELED, rep.status[0]);
	EXPECT_EQ(-ECANCELED, rep.status[1]);
	/* Its clients stay attributed to the deleted tenant. */
	EXPECT_EQ(-ENOLINK, rep.create_after);

	/* The queue is gone from the dump. */
	ASSERT_EQ(0, queue_dump(&self->nl, true, t.id, &l, &res));
	EXPECT_EQ(0, l.n);
	free(l.q);
	close(ready[0]);
	close(report[0]);
}

TEST_HARNESS_MAIN
