// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq per-tenant utilization collectors: raw tracepoint programs on the
 * accelq tracepoints (kmod/accelq_trace.h). Every tracepoint argument is a
 * fixed-width scalar, read from the raw context (an array of u64) by
 * BPF_PROG: no kernel structure is read, so no vmlinux.h, no module BTF and
 * no CO-RE relocation is needed (see docs/bpf.md).
 *
 * Copyright (C) 2026 The accelq authors
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "accelq_bpf.h"

/* Errno values of accelq_job_end's status (the UAPI's <asm-generic/errno.h>). */
#define AQ_EIO		5
#define AQ_ETIMEDOUT	110
#define AQ_ECANCELED	125

/* Tunables: set by the loader after open, before load (.rodata). */
const volatile bool events_enabled = true;
const volatile __u32 slot_bits = 12;	/* log2 of the slots' max_entries */

/*
 * Per-job counters live in slots: an array of owners and a per-CPU array of
 * counters, same index. Finding a pair's slot costs a multiplication and
 * an (inlined) array lookup where a per-CPU hash map costs a jhash and a
 * bucket walk, and this runs for every job (docs/bpf.md, "Cost").
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct accelq_bpf_slot);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct accelq_bpf_usage);
} usage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct accelq_bpf_throttle);
} throttle SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ACCELQ_BPF_LOST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/*
 * The throttle hash map is preallocated: an insert from a tracepoint then
 * never allocates (a BPF_F_NO_PREALLOC per-CPU map allocates per-CPU memory
 * with GFP_NOWAIT and fails with -ENOMEM while the per-CPU allocator
 * refills). Memory: max_entries * sizeof(value) per possible CPU, as for
 * the usage array.
 */

/* Initial value for BPF_NOEXIST inserts. */
static const struct accelq_bpf_throttle zero_throttle;

static __always_inline void lost_inc(__u32 idx)
{
	__u64 *cnt = bpf_map_lookup_elem(&lost, &idx);

	if (cnt)
		*cnt += 1;
}

union slot_word {
	struct accelq_bpf_slot slot;
	__u64 word;
};

/*
 * The counters of {tenant, engine}: the first of ACCELQ_BPF_SLOT_PROBES
 * slots from the pair's hash that it owns, or that is free and it claims.
 * NULL (counted as lost) when all of them belong to other pairs. The hash
 * is Fibonacci hashing (the top slot_bits bits of the key times 2^32/phi):
 * consecutive tenant ids, which the kernel hands out, land far apart.
 */
static __always_inline struct accelq_bpf_usage *
usage_get(__u32 tenant, __u32 engine)
{
	union slot_word want = {
		.slot = { .tenant = tenant, .engine = engine, .used = 1 },
	};
	__u32 mask = (1u << slot_bits) - 1, idx, i;
	__u64 *owner, old;

	if (engine >= ACCELQ_BPF_MAX_ENGINES)
		goto lost;
	idx = ((__u64)((tenant * ACCELQ_BPF_MAX_ENGINES + engine) *
		       0x9e3779b9u) << slot_bits) >> 32;
	for (i = 0; i < ACCELQ_BPF_SLOT_PROBES; i++, idx = (idx + 1) & mask) {
		owner = bpf_map_lookup_elem(&slots, &idx);
		if (!owner)
			break;
		old = *owner;
		if (!old)
			old = __sync_val_compare_and_swap(owner, 0, want.word);
		/* Ours (or just claimed: old is 0) */
		if (!old || old == want.word)
			return bpf_map_lookup_elem(&usage, &idx);
	}
lost:
	lost_inc(ACCELQ_BPF_LOST_USAGE);
	return NULL;
}

static __always_inline struct accelq_bpf_throttle *throttle_get(__u32 tenant)
{
	struct accelq_bpf_throttle *t;
	long err;

	t = bpf_map_lookup_elem(&throttle, &tenant);
	if (t)
		return t;
	err = bpf_map_update_elem(&throttle, &tenant, &zero_throttle,
				  BPF_NOEXIST);
	if (err && err != -17) {
		lost_inc(ACCELQ_BPF_LOST_THROTTLE);
		return NULL;
	}
	t = bpf_map_lookup_elem(&throttle, &tenant);
	if (!t)
		lost_inc(ACCELQ_BPF_LOST_THROTTLE);
	return t;
}

static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xffff) << 4;
	v >>= r;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

/* hist[floor(log2(v))] += 1 (v = 0 in bucket 0), clamped to the last bucket. */
static __always_inline void hist_inc(__u64 *hist, __u64 v)
{
	__u32 hi = v >> 32;
	__u64 slot = hi ? log2_u32(hi) + 32 : log2_u32((__u32)v);

	/* keep the bounds check on the register used for the index */
	barrier_var(slot);
	if (slot >= ACCELQ_BPF_HIST_BUCKETS)
		slot = ACCELQ_BPF_HIST_BUCKETS - 1;
	barrier_var(slot);
	hist[slot] += 1;
}

/* Count a final status (constant offsets only: easy on the verifier). */
static __always_inline void count_status(struct accelq_bpf_usage *u,
					 __s32 status)
{
	switch (status) {
	case 0:
		u->jobs[ACCELQ_BPF_ST_OK] += 1;
		break;
	case -AQ_ECANCELED:
		u->jobs[ACCELQ_BPF_ST_CANCELED] += 1;
		break;
	case -AQ_ETIMEDOUT:
		u->jobs[ACCELQ_BPF_ST_TIMEDOUT] += 1;
		break;
	case -AQ_EIO:
		u->jobs[ACCELQ_BPF_ST_IO] += 1;
		break;
	default:
		u->jobs[ACCELQ_BPF_ST_OTHER] += 1;
		break;
	}
}

static __always_inline void emit(__u32 type, __u32 tenant, __u32 engine,
				 __u32 queue, __u32 value, __u64 arg)
{
	struct accelq_bpf_event *e;

	if (!events_enabled)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		lost_inc(ACCELQ_BPF_LOST_EVENTS);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->type = type;
	e->tenant = tenant;
	e->engine = engine;
	e->queue = queue;
	e->value = value;
	e->pad = 0;
	e->arg = arg;
	bpf_ringbuf_submit(e, 0);
}

/* Attached only with ACCELQ_COLLECTOR_SUBMITTED: a second run per job. */
SEC("raw_tp/accelq_job_submit")
int BPF_PROG(on_job_submit, __u32 tenant, __u32 queue, __u32 engine,
	     __u64 seqno, __u64 cost_ns, __u32 flags)
{
	struct accelq_bpf_usage *u = usage_get(tenant, engine);

	if (u)
		u->submitted += 1;
	return 0;
}

SEC("raw_tp/accelq_job_end")
int BPF_PROG(on_job_end, __u32 tenant, __u32 queue, __u32 engine,
	     __u64 seqno, __s32 status, __u64 wait_ns, __u64 run_ns,
	     __u64 total_run_ns)
{
	struct accelq_bpf_usage *u = usage_get(tenant, engine);

	if (!u)
		return 0;
	u->busy_ns += run_ns;
	count_status(u, status);
	u->wait_ns_sum += wait_ns;
	/* A job that never started has neither a wait nor a run time. */
	if (wait_ns || total_run_ns) {
		hist_inc(u->wait_hist, wait_ns);
		hist_inc(u->run_hist, total_run_ns);
	}
	return 0;
}

SEC("raw_tp/accelq_job_preempt")
int BPF_PROG(on_job_preempt, __u32 tenant, __u32 queue, __u32 engine,
	     __u64 seqno, __u64 run_ns, __u64 remaining_ns)
{
	struct accelq_bpf_usage *u = usage_get(tenant, engine);

	if (!u)
		return 0;
	u->busy_ns += run_ns;
	u->preemptions += 1;
	return 0;
}

SEC("raw_tp/accelq_job_tick")
int BPF_PROG(on_job_tick, __u32 tenant, __u32 queue, __u32 engine,
	     __u64 seqno, __u64 run_ns)
{
	struct accelq_bpf_usage *u = usage_get(tenant, engine);

	if (!u)
		return 0;
	u->busy_ns += run_ns;
	u->ticks += 1;
	return 0;
}

SEC("raw_tp/accelq_engine_reset")
int BPF_PROG(on_engine_reset, __u32 engine, __u32 tenant, __u32 queue,
	     __u64 seqno, __u32 reason)
{
	emit(reason ? ACCELQ_BPF_EV_RESET : ACCELQ_BPF_EV_TIMEOUT, tenant,
	     engine, queue, 0, seqno);
	return 0;
}

SEC("raw_tp/accelq_tenant_throttle")
int BPF_PROG(on_tenant_throttle, __u32 tenant, __u32 throttled,
	     __u64 throttled_ns)
{
	struct accelq_bpf_throttle *t = throttle_get(tenant);

	if (t) {
		if (throttled) {
			t->nr_throttled += 1;
		} else {
			t->nr_unthrottled += 1;
			t->throttled_ns += throttled_ns;
		}
	}
	emit(ACCELQ_BPF_EV_THROTTLE, tenant, ACCELQ_BPF_NO_ENGINE, 0,
	     !!throttled, throttled_ns);
	return 0;
}

SEC("raw_tp/accelq_tenant_ban")
int BPF_PROG(on_tenant_ban, __u32 tenant, __u32 banned, __u32 guilty)
{
	emit(ACCELQ_BPF_EV_BAN, tenant, ACCELQ_BPF_NO_ENGINE, 0, !!banned,
	     guilty);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
