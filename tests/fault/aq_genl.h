/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aq_genl.h - a minimal generic netlink client for accelq tests, on raw
 * sockets (no libnl): every syscall it makes is visible to the caller,
 * which is what per-task fault injection (/proc/thread-self/fail-nth)
 * needs. Used by tests/fault/fault_sweep.c and tests/security/.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef AQ_GENL_H
#define AQ_GENL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/accelq.h>

#define AQ_NL_BUF	65536

struct aq_nlmsg {
	union {
		struct nlmsghdr nlh;
		char buf[4096];
	};
};

/* Where a request failed: nothing happened yet, or the outcome is unknown. */
enum aq_nl_phase { AQ_NL_SEND, AQ_NL_RECV, AQ_NL_REPLY };

struct aq_nl {
	int fd;
	uint16_t family;
	uint32_t seq;
	enum aq_nl_phase phase;	/* of the last failure */
	bool connected;		/* send() without an address (write()-like) */
	char *rbuf;
};

static inline void aq_nl_close(struct aq_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
	free(nl->rbuf);
	nl->rbuf = NULL;
}

static inline void aq_put_attr(struct aq_nlmsg *m, uint16_t type,
			       const void *data, size_t len)
{
	struct nlattr *a = (void *)(m->buf + NLMSG_ALIGN(m->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nlh.nlmsg_len = NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static inline void aq_put_u32(struct aq_nlmsg *m, uint16_t type, uint32_t v)
{
	aq_put_attr(m, type, &v, sizeof(v));
}

static inline void aq_put_u64(struct aq_nlmsg *m, uint16_t type, uint64_t v)
{
	aq_put_attr(m, type, &v, sizeof(v));
}

static inline void aq_put_str(struct aq_nlmsg *m, uint16_t type, const char *s)
{
	aq_put_attr(m, type, s, strlen(s) + 1);
}

static inline void aq_msg_init(struct aq_nlmsg *m, uint16_t family, uint8_t cmd,
			       uint16_t flags)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nlh.nlmsg_type = family;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g = NLMSG_DATA(&m->nlh);
	g->cmd = cmd;
	g->version = family == GENL_ID_CTRL ? 1 : ACCELQ_GENL_VERSION;
}

/* Called for each reply message (not ERROR/DONE); return nonzero to stop. */
typedef int (*aq_nl_cb)(const struct nlmsghdr *nlh, void *arg);

/* Attribute @type of a genl message, or NULL. */
static inline const struct nlattr *aq_attr(const struct nlmsghdr *nlh,
					   uint16_t type)
{
	const char *p = (const char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	const char *end = (const char *)nlh + nlh->nlmsg_len;

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)p;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		p += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static inline uint32_t aq_attr_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

static inline uint64_t aq_attr_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

/*
 * Send @m and collect the replies: 0, the request's -errno, or a transport
 * -errno (nl->phase tells which: AQ_NL_SEND failed before the kernel saw the
 * request, AQ_NL_RECV lost the answer, AQ_NL_REPLY is the kernel's answer).
 */
static inline int aq_nl_transact(struct aq_nl *nl, struct aq_nlmsg *m,
				 aq_nl_cb cb, void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	bool dump = m->nlh.nlmsg_flags & NLM_F_DUMP;
	ssize_t n;

	m->nlh.nlmsg_seq = ++nl->seq;
	if (!dump)
		m->nlh.nlmsg_flags |= NLM_F_ACK;
	if (nl->connected)
		n = send(nl->fd, m, m->nlh.nlmsg_len, 0);
	else
		n = sendto(nl->fd, m, m->nlh.nlmsg_len, 0, (struct sockaddr *)&sa,
			   sizeof(sa));
	if (n < 0) {
		nl->phase = AQ_NL_SEND;
		return -errno;
	}
	for (;;) {
		struct nlmsghdr *h;

		n = recv(nl->fd, nl->rbuf, AQ_NL_BUF, 0);
		if (n < 0) {
			nl->phase = AQ_NL_RECV;
			return -errno;
		}
		for (h = (void *)nl->rbuf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				nl->phase = AQ_NL_REPLY;
				return e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(h), sizeof(err));
				nl->phase = AQ_NL_REPLY;
				return err;
			}
			if (cb && cb(h, arg)) {
				/* keep reading until the ack / DONE */
				cb = NULL;
			}
		}
	}
}

static inline int aq_nl_family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a = aq_attr(nlh, CTRL_ATTR_FAMILY_ID);

	if (a) {
		uint16_t id;

		memcpy(&id, (const char *)a + NLA_HDRLEN, sizeof(id));
		*(uint16_t *)arg = id;
	}
	return 0;
}

/*
 * Open a generic netlink socket and resolve "accelq". 0 or -errno; a
 * receive timeout bounds every wait for an answer.
 */
static inline int aq_nl_open(struct aq_nl *nl, uint16_t family)
{
	struct timeval tv = { .tv_sec = 5 };
	struct aq_nlmsg m;
	uint16_t id = 0;
	int ret;

	nl->seq = 0;
	nl->rbuf = malloc(AQ_NL_BUF);
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0 || !nl->rbuf) {
		ret = -errno;
		aq_nl_close(nl);
		return ret;
	}
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (family) {
		nl->family = family;
		return 0;
	}
	aq_msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	aq_put_str(&m, CTRL_ATTR_FAMILY_NAME, ACCELQ_GENL_NAME);
	ret = aq_nl_transact(nl, &m, aq_nl_family_cb, &id);
	if (!ret && !id)
		ret = -ENOENT;
	if (ret) {
		aq_nl_close(nl);
		return ret;
	}
	nl->family = id;
	return 0;
}

#endif /* AQ_GENL_H */
