/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - tracepoints (system "accelq").
 *
 * Every tracepoint takes only fixed-width scalars, in the order of its
 * printk format, so raw_tp BPF programs can read them as ctx[0..n] without
 * module BTF and can be exercised with BPF_PROG_TEST_RUN. The argument lists
 * are an ABI for bpf/ (see docs/tracepoints.md): append, never reorder.
 *
 * Copyright (C) 2026 The accelq authors
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM accelq

#if !defined(__ACCELQ_TRACE_H__) || defined(TRACE_HEADER_MULTI_READ)
#define __ACCELQ_TRACE_H__

#include <linux/tracepoint.h>
#include <linux/types.h>

TRACE_EVENT(accelq_job_submit,
	    TP_PROTO(u32 tenant, u32 queue, u32 engine, u64 seqno, u64 cost_ns,
		     u32 flags),
	    TP_ARGS(tenant, queue, engine, seqno, cost_ns, flags),
	    TP_STRUCT__entry(__field(u32, tenant)
			     __field(u32, queue)
			     __field(u32, engine)
			     __field(u32, flags)
			     __field(u64, seqno)
			     __field(u64, cost_ns)
	    ),
	    TP_fast_assign(__entry->tenant = tenant;
			   __entry->queue = queue;
			   __entry->engine = engine;
			   __entry->flags = flags;
			   __entry->seqno = seqno;
			   __entry->cost_ns = cost_ns;
	    ),
	    TP_printk("tenant=%u queue=%u engine=%u seqno=%llu cost_ns=%llu flags=0x%x",
		      __entry->tenant, __entry->queue, __entry->engine,
		      __entry->seqno, __entry->cost_ns, __entry->flags)
);

TRACE_EVENT(accelq_job_start,
	    TP_PROTO(u32 tenant, u32 queue, u32 engine, u64 seqno, u64 wait_ns,
		     u64 remaining_ns),
	    TP_ARGS(tenant, queue, engine, seqno, wait_ns, remaining_ns),
	    TP_STRUCT__entry(__field(u32, tenant)
			     __field(u32, queue)
			     __field(u32, engine)
			     __field(u64, seqno)
			     __field(u64, wait_ns)
			     __field(u64, remaining_ns)
	    ),
	    TP_fast_assign(__entry->tenant = tenant;
			   __entry->queue = queue;
			   __entry->engine = engine;
			   __entry->seqno = seqno;
			   __entry->wait_ns = wait_ns;
			   __entry->remaining_ns = remaining_ns;
	    ),
	    TP_printk("tenant=%u queue=%u engine=%u seqno=%llu wait_ns=%llu remaining_ns=%llu",
		      __entry->tenant, __entry->queue, __entry->engine,
		      __entry->seqno, __entry->wait_ns, __entry->remaining_ns)
);

/*
 * @run_ns is the engine time of this job since its last start, resume or
 * timeslice renewal (the stint), so summing run_ns over job_end, job_preempt
 * and job_tick gives busy time exactly; @total_run_ns is the job's whole
 * engine time.
 */
TRACE_EVENT(accelq_job_end,
	    TP_PROTO(u32 tenant, u32 queue, u32 engine, u64 seqno, s32 status,
		     u64 wait_ns, u64 run_ns, u64 total_run_ns),
	    TP_ARGS(tenant, queue, engine, seqno, status, wait_ns, run_ns,
		    total_run_ns),
	    TP_STRUCT__entry(__field(u32, tenant)
			     __field(u32, queue)
			     __field(u32, engine)
			     __field(s32, status)
			     __field(u64, seqno)
			     __field(u64, wait_ns)
			     __field(u64, run_ns)
			     __field(u64, total_run_ns)
	    ),
	    TP_fast_assign(__entry->tenant = tenant;
			   __entry->queue = queue;
			   __entry->engine = engine;
			   __entry->status = status;
			   __entry->seqno = seqno;
			   __entry->wait_ns = wait_ns;
			   __entry->run_ns = run_ns;
			   __entry->total_run_ns = total_run_ns;
	    ),
	    TP_printk("tenant=%u queue=%u engine=%u seqno=%llu status=%d wait_ns=%llu run_ns=%llu total_run_ns=%llu",
		      __entry->tenant, __entry->queue, __entry->engine,
		      __entry->seqno, __entry->status, __entry->wait_ns,
		      __entry->run_ns, __entry->total_run_ns)
);

TRACE_EVENT(accelq_job_preempt,
	    TP_PROTO(u32 tenant, u32 queue, u32 engine, u64 seqno, u64 run_ns,
		     u64 remaining_ns),
	    TP_ARGS(tenant, queue, engine, seqno, run_ns, remaining_ns),
	    TP_STRUCT__entry(__field(u32, tenant)
			     __field(u32, queue)
			     __field(u32, engine)
			     __field(u64, seqno)
			     __field(u64, run_ns)
			     __field(u64, remaining_ns)
	    ),
	    TP_fast_assign(__entry->tenant = tenant;
			   __entry->queue = queue;
			   __entry->engine = engine;
			   __entry->seqno = seqno;
			   __entry->run_ns = run_ns;
			   __entry->remaining_ns = remaining_ns;
	    ),
	    TP_printk("tenant=%u queue=%u engine=%u seqno=%llu run_ns=%llu remaining_ns=%llu",
		      __entry->tenant, __entry->queue, __entry->engine,
		      __entry->seqno, __entry->run_ns, __entry->remaining_ns)
);

/* @reason: 0 hang (job timeout), 1 administrator request. */
TRACE_EVENT(accelq_engine_reset,
	    TP_PROTO(u32 engine, u32 tenant, u32 queue, u64 seqno, u32 reason),
	    TP_ARGS(engine, tenant, queue, seqno, reason),
	    TP_STRUCT__entry(__field(u32, engine)
			     __field(u32, tenant)
			     __field(u32, queue)
			     __field(u32, reason)
			     __field(u64, seqno)
	    ),
	    TP_fast_assign(__entry->engine = engine;
			   __entry->tenant = tenant;
			   __entry->queue = queue;
			   __entry->reason = reason;
			   __entry->seqno = seqno;
	    ),
	    TP_printk("engine=%u tenant=%u queue=%u seqno=%llu reason=%u",
		      __entry->engine, __entry->tenant, __entry->queue,
		      __entry->seqno, __entry->reason)
);

/*
 * @throttled: 1 when the tenant ran out of cap quota, 0 when the period
 * timer refilled it; @throttled_ns is the length of the throttled interval
 * that ends (0 when it begins).
 */
TRACE_EVENT(accelq_tenant_throttle,
	    TP_PROTO(u32 tenant, u32 throttled, u64 throttled_ns),
	    TP_ARGS(tenant, throttled, throttled_ns),
	    TP_STRUCT__entry(__field(u32, tenant)
			     __field(u32, throttled)
			     __field(u64, throttled_ns)
	    ),
	    TP_fast_assign(__entry->tenant = tenant;
			   __entry->throttled = throttled;
			   __entry->throttled_ns = throttled_ns;
	    ),
	    TP_printk("tenant=%u throttled=%u throttled_ns=%llu",
		      __entry->tenant, __entry->throttled, __entry->throttled_ns)
);

/* @banned: 1 when banned after too many hangs, 0 when cleared. */
TRACE_EVENT(accelq_tenant_ban,
	    TP_PROTO(u32 tenant, u32 banned, u32 guilty),
	    TP_ARGS(tenant, banned, guilty),
	    TP_STRUCT__entry(__field(u32, tenant)
			     __field(u32, banned)
			     __field(u32, guilty)
	    ),
	    TP_fast_assign(__entry->tenant = tenant;
			   __entry->banned = banned;
			   __entry->guilty = guilty;
	    ),
	    TP_printk("tenant=%u banned=%u guilty=%u",
		      __entry->tenant, __entry->banned, __entry->guilty)
);

/*
 * A preemptible job that nobody waits for keeps its engine at the end of a
 * timeslice: its stint so far, @run_ns, is charged and a new stint begins.
 * Summing run_ns of job_end, job_preempt and job_tick gives busy time.
 */
TRACE_EVENT(accelq_job_tick,
	    TP_PROTO(u32 tenant, u32 queue, u32 engine, u64 seqno, u64 run_ns),
	    TP_ARGS(tenant, queue, engine, seqno, run_ns),
	    TP_STRUCT__entry(__field(u32, tenant)
			     __field(u32, queue)
			     __field(u32, engine)
			     __field(u64, seqno)
			     __field(u64, run_ns)
	    ),
	    TP_fast_assign(__entry->tenant = tenant;
			   __entry->queue = queue;
			   __entry->engine = engine;
			   __entry->seqno = seqno;
			   __entry->run_ns = run_ns;
	    ),
	    TP_printk("tenant=%u queue=%u engine=%u seqno=%llu run_ns=%llu",
		      __entry->tenant, __entry->queue, __entry->engine,
		      __entry->seqno, __entry->run_ns)
);

#endif /* __ACCELQ_TRACE_H__ */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE accelq_trace
#include <trace/define_trace.h>
