/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - tenant arbitration on an engine.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef __ACCELQ_SCHED_H__
#define __ACCELQ_SCHED_H__

#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/types.h>

#include "accelq_sched_math.h"

struct accelq_engine;
struct accelq_queue;
struct accelq_tenant;

#define ACCELQ_NR_CLASSES	2

/**
 * struct accelq_sched_entity - a tenant on one engine
 * @tenant: the tenant.
 * @engine: the engine.
 * @node: in &accelq_engine.runnable while @queued.
 * @queued: linked in the engine's tree: has a runnable queue and is neither
 *	running nor throttled.
 * @vtime: virtual time; key in the engine's tree.
 * @runnable: per class, runnable queues in round-robin order.
 * @nr_runnable: queues in @runnable.
 *
 * Every member is protected by &accelq_engine.lock of @engine.
 */
struct accelq_sched_entity {
	struct accelq_tenant *tenant;
	struct accelq_engine *engine;
	struct rb_node node;
	bool queued;
	u64 vtime;
	struct list_head runnable[ACCELQ_NR_CLASSES];
	u32 nr_runnable;
};

void accelq_se_init(struct accelq_sched_entity *se,
		    struct accelq_tenant *tenant,
		    struct accelq_engine *engine);
void accelq_sched_enqueue_locked(struct accelq_queue *queue);
void accelq_sched_dequeue_locked(struct accelq_queue *queue);
struct accelq_queue *accelq_sched_pick_locked(struct accelq_engine *engine);
void accelq_sched_charge_locked(struct accelq_engine *engine,
				struct accelq_sched_entity *se, u64 run_ns);
void accelq_sched_put_prev_locked(struct accelq_engine *engine,
				  struct accelq_sched_entity *se);
bool accelq_sched_should_preempt_locked(struct accelq_engine *engine);
void accelq_sched_throttle_locked(struct accelq_sched_entity *se);
void accelq_sched_unthrottle_locked(struct accelq_sched_entity *se);

#endif /* __ACCELQ_SCHED_H__ */
