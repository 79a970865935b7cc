// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelqd - generic netlink client of the "accelq" family, with libnl-genl.
 *
 * Every request is synchronous: the kernel answers control requests at
 * once, and the daemon issues a handful per sampling interval.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/accelq.h>

#include "kernel.h"
#include "util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct kernel {
	struct nl_sock *sk;
	int family;		/* 0 = not registered */
};

/* State of one request while its replies come in. */
struct request {
	int (*parse)(struct nlmsghdr *nlh, void *arg);
	void *arg;
	bool done;
	bool intr;		/* a dump saw NLM_F_DUMP_INTR */
	int err;		/* negative errno from the kernel or a parser */
	char *errmsg;		/* extack message */
};

static const struct nla_policy tenant_policy[ACCELQ_A_MAX + 1] = {
	[ACCELQ_A_TENANT_ID]		= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_NAME]		= { .type = NLA_STRING },
	[ACCELQ_A_TENANT_MATCH_UID]	= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_CGROUP_ID]	= { .type = NLA_U64 },
	[ACCELQ_A_TENANT_WEIGHT]	= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_CAP_QUOTA_NS]	= { .type = NLA_U64 },
	[ACCELQ_A_TENANT_CAP_PERIOD_NS]	= { .type = NLA_U64 },
	[ACCELQ_A_TENANT_CAP_BURST_NS]	= { .type = NLA_U64 },
	[ACCELQ_A_TENANT_CLASSES]	= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_MAX_QUEUES]	= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_MAX_INFLIGHT]	= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_MAX_DEPTH]	= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_GUILTY_LIMIT]	= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_FLAGS]		= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_STATS]		= { .type = NLA_NESTED },
	[ACCELQ_A_TENANT_NR_QUEUES]	= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_NR_CLIENTS]	= { .type = NLA_U32 },
	[ACCELQ_A_TENANT_NR_INFLIGHT]	= { .type = NLA_U32 },
	[ACCELQ_A_ENGINE_ID]		= { .type = NLA_U32 },
	[ACCELQ_A_ENGINE_NAME]		= { .type = NLA_STRING },
	[ACCELQ_A_ENGINE_BUSY_NS]	= { .type = NLA_U64 },
	[ACCELQ_A_ENGINE_NR_QUEUES]	= { .type = NLA_U32 },
	[ACCELQ_A_ENGINE_RESETS]	= { .type = NLA_U64 },
	[ACCELQ_A_ENGINE_PREEMPTIONS]	= { .type = NLA_U64 },
};

static const struct nla_policy stats_policy[ACCELQ_A_STATS_MAX + 1] = {
	[ACCELQ_A_STATS_BUSY_NS]	= { .type = NLA_U64 },
	[ACCELQ_A_STATS_ENGINE_BUSY]	= { .type = NLA_NESTED },
	[ACCELQ_A_STATS_JOBS_ACCEPTED]	= { .type = NLA_U64 },
	[ACCELQ_A_STATS_JOBS_OK]	= { .type = NLA_U64 },
	[ACCELQ_A_STATS_JOBS_CANCELED]	= { .type = NLA_U64 },
	[ACCELQ_A_STATS_JOBS_TIMEDOUT]	= { .type = NLA_U64 },
	[ACCELQ_A_STATS_JOBS_IO]	= { .type = NLA_U64 },
	[ACCELQ_A_STATS_WAIT_NS]	= { .type = NLA_U64 },
	[ACCELQ_A_STATS_PREEMPTIONS]	= { .type = NLA_U64 },
	[ACCELQ_A_STATS_NR_PERIODS]	= { .type = NLA_U64 },
	[ACCELQ_A_STATS_NR_THROTTLED]	= { .type = NLA_U64 },
	[ACCELQ_A_STATS_THROTTLED_NS]	= { .type = NLA_U64 },
	[ACCELQ_A_STATS_GUILTY]		= { .type = NLA_U32 },
};

int kernel_new(struct kernel **ret)
{
	struct kernel *k;
	int one = 1, r;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->sk = nl_socket_alloc();
	if (!k->sk) {
		free(k);
		return -ENOMEM;
	}
	r = genl_connect(k->sk);
	if (r < 0) {
		log_error("Failed to open a generic netlink socket: %s",
			  nl_geterror(r));
		kernel_free(k);
		return -EIO;
	}
	/* Error messages from the kernel, without our request echoed. */
	if (setsockopt(nl_socket_get_fd(k->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)) < 0 ||
	    setsockopt(nl_socket_get_fd(k->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		       &one, sizeof(one)) < 0)
		log_debug("Netlink extended acks unavailable: %m");
	/* Room for a large tenant dump in one go. */
	nl_socket_set_buffer_size(k->sk, 1 << 20, 0);
	*ret = k;
	return 0;
}

void kernel_free(struct kernel *k)
{
	if (!k)
		return;
	nl_socket_free(k->sk);
	free(k);
}

bool kernel_present(const struct kernel *k)
{
	return k->family > 0;
}

int kernel_family(const struct kernel *k)
{
	return k->family;
}

void kernel_set_family(struct kernel *k, int family)
{
	k->family = family;
}

/*
 * The family is looked up in a dump of all families rather than by name: a
 * lookup by name of a missing family makes the kernel run modprobe, and
 * the daemon asks every sample while the module is away.
 */
int kernel_resolve(struct kernel *k, bool *changed)
{
	struct nl_cache *cache = NULL;
	struct genl_family *f;
	int r, id = 0;

	r = genl_ctrl_alloc_cache(k->sk, &cache);
	if (r < 0) {
		log_warning("Failed to list generic netlink families: %s",
			    nl_geterror(r));
		return -EIO;
	}
	f = genl_ctrl_search_by_name(cache, ACCELQ_GENL_NAME);
	if (f) {
		id = (int)genl_family_get_id(f);
		genl_family_put(f);
	}
	nl_cache_free(cache);

	if (changed)
		*changed = id != k->family;
	k->family = id;
	return id > 0;
}

/* ---------------------------------------------------------- requests -- */

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	int r;

	if (!req->parse || req->err)
		return NL_OK;
	r = req->parse(nlmsg_hdr(msg), req->arg);
	if (r < 0)
		req->err = r;
	return NL_OK;
}

static int cb_finish(struct nl_msg *msg _unused_, void *arg)
{
	struct request *req = arg;

	req->done = true;
	return NL_STOP;
}

static int cb_dump_intr(struct nl_msg *msg _unused_, void *arg)
{
	struct request *req = arg;

	req->intr = true;
	return NL_OK;
}

static int cb_error(struct sockaddr_nl *nla _unused_, struct nlmsgerr *e,
		    void *arg)
{
	/* libnl hands us the payload of an NLMSG_ERROR message. */
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct request *req = arg;

	req->done = true;
	if (!e->error)
		return NL_STOP;
	req->err = e->error;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
		size_t off = sizeof(*e);
		int len;

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		len = (int)(nlh->nlmsg_len - NLMSG_HDRLEN) - (int)off;
		if (len > 0 &&
		    nla_parse(tb, NLMSGERR_ATTR_MAX,
			      (struct nlattr *)((char *)e + off), len,
			      NULL) == 0 &&
		    tb[NLMSGERR_ATTR_MSG]) {
			free(req->errmsg);
			req->errmsg = strndup(nla_data(tb[NLMSGERR_ATTR_MSG]),
					      nla_len(tb[NLMSGERR_ATTR_MSG]));
		}
	}
	return NL_STOP;
}

static int cb_ack(struct nl_msg *msg _unused_, void *arg)
{
	struct request *req = arg;

	req->done = true;
	return NL_STOP;
}

/* Send @msg (consumed) and collect the answer. */
static int transact(struct kernel *k, struct nl_msg *msg,
		    int (*parse)(struct nlmsghdr *nlh, void *arg), void *arg,
		    char **errmsg)
{
	struct request req = { .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int r;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, &req);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, cb_dump_intr, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, cb_error, &req);

	r = nl_send_auto(k->sk, msg);
	nlmsg_free(msg);
	if (r < 0) {
		nl_cb_put(cb);
		log_warning("Failed to send a netlink request: %s",
			    nl_geterror(r));
		return -EIO;
	}
	while (!req.done) {
		r = nl_recvmsgs(k->sk, cb);
		if (r < 0 && !req.done) {
			log_warning("Failed to receive a netlink answer: %s",
				    nl_geterror(r));
			req.err = req.err ?: -EIO;
			break;
		}
	}
	nl_cb_put(cb);

	if (!req.err && req.intr)
		req.err = -EAGAIN;
	if (req.err && errmsg)
		*errmsg = req.errmsg ? TAKE_PTR(req.errmsg) :
				       strdup(strerror(-req.err));
	free(req.errmsg);
	return req.err;
}

static struct nl_msg *new_request(struct kernel *k, uint8_t cmd, int flags)
{
	struct nl_msg *msg;

	if (!k->family)
		return NULL;
	msg = nlmsg_alloc();
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, k->family, 0, flags,
			 cmd, ACCELQ_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

#define REQUEST_OR_FAIL(msg, k, cmd, flags)				\
	do {								\
		if (!(k)->family)					\
			return -ENOENT;					\
		(msg) = new_request((k), (cmd), (flags));		\
		if (!(msg))						\
			return -ENOMEM;					\
	} while (0)

/* ------------------------------------------------------------ parsing -- */

static uint32_t get_u32(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u32(tb[a]) : 0;
}

static uint64_t get_u64(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u64(tb[a]) : 0;
}

static int parse_tenant_msg(struct nlmsghdr *nlh, struct kernel_tenant *t)
{
	struct nlattr *tb[ACCELQ_A_MAX + 1], *st[ACCELQ_A_STATS_MAX + 1];
	struct nlattr *a;
	int r, rem;

	memset(t, 0, sizeof(*t));
	r = genlmsg_parse(nlh, 0, tb, ACCELQ_A_MAX,
			  (struct nla_policy *)tenant_policy);
	if (r < 0 || !tb[ACCELQ_A_TENANT_ID] || !tb[ACCELQ_A_TENANT_NAME])
		return -EBADMSG;

	t->id = nla_get_u32(tb[ACCELQ_A_TENANT_ID]);
	snprintf(t->name, sizeof(t->name), "%.*s",
		 (int)strnlen(nla_data(tb[ACCELQ_A_TENANT_NAME]),
			      (size_t)nla_len(tb[ACCELQ_A_TENANT_NAME])),
		 (const char *)nla_data(tb[ACCELQ_A_TENANT_NAME]));
	if (tb[ACCELQ_A_TENANT_CGROUP_ID]) {
		t->has_cgroup_id = true;
		t->cgroup_id = nla_get_u64(tb[ACCELQ_A_TENANT_CGROUP_ID]);
	}
	if (tb[ACCELQ_A_TENANT_MATCH_UID]) {
		t->has_uid = true;
		t->uid = nla_get_u32(tb[ACCELQ_A_TENANT_MATCH_UID]);
	}
	t->set.weight = get_u32(tb, ACCELQ_A_TENANT_WEIGHT);
	t->set.cap_quota_ns = get_u64(tb, ACCELQ_A_TENANT_CAP_QUOTA_NS);
	t->set.cap_period_ns = get_u64(tb, ACCELQ_A_TENANT_CAP_PERIOD_NS);
	t->set.cap_burst_ns = get_u64(tb, ACCELQ_A_TENANT_CAP_BURST_NS);
	t->set.classes = get_u32(tb, ACCELQ_A_TENANT_CLASSES);
	t->set.max_queues = get_u32(tb, ACCELQ_A_TENANT_MAX_QUEUES);
	t->set.max_inflight = get_u32(tb, ACCELQ_A_TENANT_MAX_INFLIGHT);
	t->set.max_depth = get_u32(tb, ACCELQ_A_TENANT_MAX_DEPTH);
	t->set.guilty_limit = get_u32(tb, ACCELQ_A_TENANT_GUILTY_LIMIT);
	t->flags = get_u32(tb, ACCELQ_A_TENANT_FLAGS);
	t->nr_queues = get_u32(tb, ACCELQ_A_TENANT_NR_QUEUES);
	t->nr_clients = get_u32(tb, ACCELQ_A_TENANT_NR_CLIENTS);
	t->nr_inflight = get_u32(tb, ACCELQ_A_TENANT_NR_INFLIGHT);

	if (!tb[ACCELQ_A_TENANT_STATS])
		return 0;
	r = nla_parse_nested(st, ACCELQ_A_STATS_MAX, tb[ACCELQ_A_TENANT_STATS],
			     (struct nla_policy *)stats_policy);
	if (r < 0)
		return -EBADMSG;
	t->busy_ns = get_u64(st, ACCELQ_A_STATS_BUSY_NS);
	t->jobs_accepted = get_u64(st, ACCELQ_A_STATS_JOBS_ACCEPTED);
	t->jobs_ok = get_u64(st, ACCELQ_A_STATS_JOBS_OK);
	t->jobs_canceled = get_u64(st, ACCELQ_A_STATS_JOBS_CANCELED);
	t->jobs_timedout = get_u64(st, ACCELQ_A_STATS_JOBS_TIMEDOUT);
	t->jobs_io = get_u64(st, ACCELQ_A_STATS_JOBS_IO);
	t->wait_ns = get_u64(st, ACCELQ_A_STATS_WAIT_NS);
	t->preemptions = get_u64(st, ACCELQ_A_STATS_PREEMPTIONS);
	t->nr_periods = get_u64(st, ACCELQ_A_STATS_NR_PERIODS);
	t->nr_throttled = get_u64(st, ACCELQ_A_STATS_NR_THROTTLED);
	t->throttled_ns = get_u64(st, ACCELQ_A_STATS_THROTTLED_NS);
	t->guilty = get_u32(st, ACCELQ_A_STATS_GUILTY);

	if (st[ACCELQ_A_STATS_ENGINE_BUSY]) {
		uint32_t n = 0;

		/* Attribute type = engine id + 1 (type 0 is padding). */
		nla_for_each_nested(a, st[ACCELQ_A_STATS_ENGINE_BUSY], rem) {
			int type = nla_type(a);

			if (type >= 1 && type <= KERNEL_MAX_ENGINES &&
			    (uint32_t)type > n)
				n = (uint32_t)type;
		}
		if (!n)
			return 0;
		t->engine_busy_ns = calloc(n, sizeof(*t->engine_busy_ns));
		if (!t->engine_busy_ns)
			return -ENOMEM;
		t->nr_engine_busy = n;
		nla_for_each_nested(a, st[ACCELQ_A_STATS_ENGINE_BUSY], rem) {
			int type = nla_type(a);

			if (type < 1 || type > KERNEL_MAX_ENGINES ||
			    nla_len(a) < (int)sizeof(uint64_t))
				continue;
			t->engine_busy_ns[type - 1] = nla_get_u64(a);
		}
	}
	return 0;
}

void kernel_tenant_list_clear(struct kernel_tenant_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].engine_busy_ns);
	l->n = 0;
}

void kernel_tenant_list_free(struct kernel_tenant_list *l)
{
	kernel_tenant_list_clear(l);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int collect_tenant(struct nlmsghdr *nlh, void *arg)
{
	struct kernel_tenant_list *l = arg;
	int r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct kernel_tenant *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	r = parse_tenant_msg(nlh, &l->v[l->n]);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		log_warning("Ignoring a malformed tenant message from the kernel");
		return 0;
	}
	l->n++;
	return 0;
}

static int tenant_id_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct kernel_tenant *)a)->id;
	uint32_t y = ((const struct kernel_tenant *)b)->id;

	return x < y ? -1 : x > y;
}

static bool sorted_by_id(const struct kernel_tenant_list *l)
{
	size_t i;

	for (i = 1; i < l->n; i++)
		if (l->v[i - 1].id > l->v[i].id)
			return false;
	return true;
}

int kernel_tenant_dump(struct kernel *k, struct kernel_tenant_list *l)
{
	int attempt, r = 0;

	/* A dump racing a creation or deletion is retried. */
	for (attempt = 0; attempt < 4; attempt++) {
		struct nl_msg *msg;

		kernel_tenant_list_clear(l);
		REQUEST_OR_FAIL(msg, k, ACCELQ_CMD_TENANT_GET, NLM_F_DUMP);
		r = transact(k, msg, collect_tenant, l, NULL);
		if (r == -EAGAIN)
			continue;
		if (r < 0)
			break;
		/* The kernel dumps in id order: sorting is rarely needed. */
		if (!sorted_by_id(l))
			qsort(l->v, l->n, sizeof(*l->v), tenant_id_cmp);
		return 0;
	}
	kernel_tenant_list_clear(l);
	return r;
}

struct engine_list {
	struct kernel_engine *v;
	size_t n, cap;
};

static int collect_engine(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[ACCELQ_A_MAX + 1];
	struct engine_list *l = arg;
	struct kernel_engine *e;

	if (genlmsg_parse(nlh, 0, tb, ACCELQ_A_MAX,
			  (struct nla_policy *)tenant_policy) < 0 ||
	    !tb[ACCELQ_A_ENGINE_ID])
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct kernel_engine *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->id = nla_get_u32(tb[ACCELQ_A_ENGINE_ID]);
	if (tb[ACCELQ_A_ENGINE_NAME])
		snprintf(e->name, sizeof(e->name), "%.*s",
			 (int)strnlen(nla_data(tb[ACCELQ_A_ENGINE_NAME]),
				      (size_t)nla_len(tb[ACCELQ_A_ENGINE_NAME])),
			 (const char *)nla_data(tb[ACCELQ_A_ENGINE_NAME]));
	e->busy_ns = get_u64(tb, ACCELQ_A_ENGINE_BUSY_NS);
	e->nr_queues = get_u32(tb, ACCELQ_A_ENGINE_NR_QUEUES);
	e->resets = get_u64(tb, ACCELQ_A_ENGINE_RESETS);
	e->preemptions = get_u64(tb, ACCELQ_A_ENGINE_PREEMPTIONS);
	return 0;
}

int kernel_engine_dump(struct kernel *k, struct kernel_engine **ret,
		       size_t *n)
{
	struct engine_list l = { 0 };
	struct nl_msg *msg;
	int r;

	REQUEST_OR_FAIL(msg, k, ACCELQ_CMD_ENGINE_GET, NLM_F_DUMP);
	r = transact(k, msg, collect_engine, &l, NULL);
	if (r < 0) {
		free(l.v);
		return r;
	}
	*ret = l.v;
	*n = l.n;
	return 0;
}

/* ------------------------------------------------------------ changes -- */

static int put_settings(struct nl_msg *msg, const struct kernel_settings *s)
{
	if (nla_put_u32(msg, ACCELQ_A_TENANT_WEIGHT, s->weight) ||
	    nla_put_u64(msg, ACCELQ_A_TENANT_CAP_QUOTA_NS, s->cap_quota_ns) ||
	    nla_put_u64(msg, ACCELQ_A_TENANT_CAP_PERIOD_NS, s->cap_period_ns) ||
	    nla_put_u64(msg, ACCELQ_A_TENANT_CAP_BURST_NS, s->cap_burst_ns) ||
	    nla_put_u32(msg, ACCELQ_A_TENANT_CLASSES, s->classes) ||
	    nla_put_u32(msg, ACCELQ_A_TENANT_MAX_QUEUES, s->max_queues) ||
	    nla_put_u32(msg, ACCELQ_A_TENANT_MAX_INFLIGHT, s->max_inflight) ||
	    nla_put_u32(msg, ACCELQ_A_TENANT_MAX_DEPTH, s->max_depth) ||
	    nla_put_u32(msg, ACCELQ_A_TENANT_GUILTY_LIMIT, s->guilty_limit))
		return -EMSGSIZE;
	return 0;
}

static int parse_new_reply(struct nlmsghdr *nlh, void *arg)
{
	struct kernel_tenant t;

	if (parse_tenant_msg(nlh, &t) == 0)
		*(uint32_t *)arg = t.id;
	free(t.engine_busy_ns);
	return 0;
}

int kernel_tenant_new(struct kernel *k, const char *name,
		      enum match_kind match, const char *cgroup, uint32_t uid,
		      const struct kernel_settings *set, uint32_t *ret_id,
		      char **errmsg)
{
	uint32_t id = UINT32_MAX;
	struct nl_msg *msg;
	int r;

	REQUEST_OR_FAIL(msg, k, ACCELQ_CMD_TENANT_NEW, 0);
	if (nla_put_string(msg, ACCELQ_A_TENANT_NAME, name) ||
	    (match == MATCH_CGROUP ?
	     nla_put_string(msg, ACCELQ_A_TENANT_MATCH_CGROUP, cgroup) :
	     nla_put_u32(msg, ACCELQ_A_TENANT_MATCH_UID, uid)) ||
	    put_settings(msg, set) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	r = transact(k, msg, parse_new_reply, &id, errmsg);
	if (r == 0 && ret_id)
		*ret_id = id;
	return r;
}

int kernel_tenant_set(struct kernel *k, const char *name,
		      const struct kernel_settings *set, char **errmsg)
{
	struct nl_msg *msg;

	REQUEST_OR_FAIL(msg, k, ACCELQ_CMD_TENANT_SET, 0);
	if (nla_put_string(msg, ACCELQ_A_TENANT_NAME, name) ||
	    put_settings(msg, set) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(k, msg, NULL, NULL, errmsg);
}

int kernel_tenant_del(struct kernel *k, const char *name, bool force,
		      char **errmsg)
{
	struct nl_msg *msg;

	REQUEST_OR_FAIL(msg, k, ACCELQ_CMD_TENANT_DEL, 0);
	if (nla_put_string(msg, ACCELQ_A_TENANT_NAME, name) ||
	    (force && nla_put_u32(msg, ACCELQ_A_TENANT_DEL_FLAGS,
				  ACCELQ_TENANT_DEL_FORCE))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(k, msg, NULL, NULL, errmsg);
}

bool kernel_settings_equal(const struct kernel_settings *a,
			   const struct kernel_settings *b)
{
	return a->weight == b->weight && a->cap_quota_ns == b->cap_quota_ns &&
	       a->cap_period_ns == b->cap_period_ns &&
	       a->cap_burst_ns == b->cap_burst_ns && a->classes == b->classes &&
	       a->max_queues == b->max_queues &&
	       a->max_inflight == b->max_inflight &&
	       a->max_depth == b->max_depth &&
	       a->guilty_limit == b->guilty_limit;
}
