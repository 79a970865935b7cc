// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq - tenant arbitration on an engine.
 *
 * Copyright (C) 2026 The accelq authors
 */

#include <linux/rbtree.h>

#include "accelq_engine.h"
#include "accelq_queue.h"
#include "accelq_sched.h"
#include "accelq_tenant.h"

/**
 * DOC: scheduling model
 *
 * tenant -> queue -> job -> engine. A queue is bound to one engine, so each
 * engine is scheduled on its own under its lock.
 *
 * On an engine every tenant is represented by a *sched entity*. An entity
 * with at least one runnable queue (a queue whose oldest job is waiting) sits
 * in the engine's red-black tree ordered by virtual time; the engine runs the
 * leftmost. Running charges the entity run_ns * 100 / weight of virtual time,
 * so over any busy interval tenants receive engine time in proportion to
 * their weights. An entity that wakes up (gets a runnable queue after having
 * none) resumes at no less than the engine's minimum virtual time: idling
 * banks no credit. The scheduler is work-conserving: only a hard cap (see
 * accelq_tenant.c) ever keeps a runnable entity out of the tree.
 *
 * Inside an entity, queues of the latency class go before queues of the
 * batch class, and queues of one class take turns (round robin): a queue
 * that ran goes to the tail of its class list.
 *
 * Picking is O(log n) in runnable entities (cached leftmost), enqueue and
 * dequeue of a queue O(1) plus at most one tree insertion or removal.
 */

static struct accelq_sched_entity *node_to_se(struct rb_node *node)
{
	return rb_entry(node, struct accelq_sched_entity, node);
}

static bool accelq_se_less(struct rb_node *a, const struct rb_node *b)
{
	return accelq_vtime_before(node_to_se(a)->vtime,
				   rb_entry(b, struct accelq_sched_entity,
					    node)->vtime);
}

void accelq_se_init(struct accelq_sched_entity *se,
		    struct accelq_tenant *tenant,
		    struct accelq_engine *engine)
{
	unsigned int c;

	se->tenant = tenant;
	se->engine = engine;
	RB_CLEAR_NODE(&se->node);
	for (c = 0; c < ACCELQ_NR_CLASSES; c++)
		INIT_LIST_HEAD(&se->runnable[c]);
}

static void accelq_se_insert_locked(struct accelq_engine *engine,
				    struct accelq_sched_entity *se)
{
	lockdep_assert_held(&engine->lock);

	if (se->queued || !se->nr_runnable || engine->running_se == se ||
	    accelq_tenant_throttled(se->tenant))
		return;
	rb_add_cached(&se->node, &engine->runnable, accelq_se_less);
	se->queued = true;
}

static void accelq_se_remove_locked(struct accelq_engine *engine,
				    struct accelq_sched_entity *se)
{
	lockdep_assert_held(&engine->lock);

	if (!se->queued)
		return;
	rb_erase_cached(&se->node, &engine->runnable);
	RB_CLEAR_NODE(&se->node);
	se->queued = false;
}

static void accelq_update_min_vtime_locked(struct accelq_engine *engine)
{
	struct rb_node *left = rb_first_cached(&engine->runnable);
	struct accelq_sched_entity *cur = engine->running_se;
	u64 vmin;

	if (cur)
		vmin = cur->vtime;
	else if (left)
		vmin = node_to_se(left)->vtime;
	else
		return;
	if (left && accelq_vtime_before(node_to_se(left)->vtime, vmin))
		vmin = node_to_se(left)->vtime;
	engine->min_vtime = accelq_vtime_max(engine->min_vtime, vmin);
}

/**
 * accelq_sched_enqueue_locked - a queue has a job waiting to run
 * @queue: the queue, not running and not already runnable
 */
void accelq_sched_enqueue_locked(struct accelq_queue *queue)
{
	struct accelq_sched_entity *se = queue->se;
	struct accelq_engine *engine = queue->engine;

	lockdep_assert_held(&engine->lock);

	if (queue->runnable || queue->dead || engine->running_q == queue)
		return;
	list_add_tail(&queue->run_node, &se->runnable[queue->class]);
	queue->runnable = true;
	if (!se->nr_runnable++ && engine->running_se != se)
		se->vtime = accelq_vtime_wake(se->vtime, engine->min_vtime);
	accelq_se_insert_locked(engine, se);
}

/**
 * accelq_sched_dequeue_locked - a queue no longer has a job waiting
 * @queue: the queue
 */
void accelq_sched_dequeue_locked(struct accelq_queue *queue)
{
	struct accelq_sched_entity *se = queue->se;

	lockdep_assert_held(&queue->engine->lock);

	if (!queue->runnable)
		return;
	list_del_init(&queue->run_node);
	queue->runnable = false;
	if (!--se->nr_runnable)
		accelq_se_remove_locked(queue->engine, se);
}

/**
 * accelq_sched_pick_locked - choose the queue whose oldest job runs next
 * @engine: an idle engine
 *
 * The chosen queue leaves the runnable lists and its entity leaves the tree
 * until accelq_sched_put_prev_locked() is called for it.
 *
 * Return: the queue, or NULL when nothing may run.
 */
struct accelq_queue *accelq_sched_pick_locked(struct accelq_engine *engine)
{
	struct accelq_sched_entity *se;
	struct accelq_queue *queue;
	struct rb_node *left;
	unsigned int c;

	lockdep_assert_held(&engine->lock);

	/*
	 * A tenant throttled on another engine is still in this tree: it
	 * leaves it when met here and comes back when its cap is refilled.
	 */
	for (;;) {
		left = rb_first_cached(&engine->runnable);
		if (!left)
			return NULL;
		se = node_to_se(left);
		if (!accelq_tenant_throttled(se->tenant))
			break;
		accelq_se_remove_locked(engine, se);
	}

	queue = NULL;
	for (c = ACCELQ_NR_CLASSES; c-- > 0;) {
		queue = list_first_entry_or_null(&se->runnable[c],
						 struct accelq_queue, run_node);
		if (queue)
			break;
	}
	if (WARN_ON_ONCE(!queue)) {
		accelq_se_remove_locked(engine, se);
		return NULL;
	}

	accelq_se_remove_locked(engine, se);
	list_del_init(&queue->run_node);
	queue->runnable = false;
	se->nr_runnable--;
	return queue;
}

/**
 * accelq_sched_charge_locked - charge engine time to an entity
 * @engine: the engine
 * @se: the entity whose job ran
 * @run_ns: engine time used
 */
void accelq_sched_charge_locked(struct accelq_engine *engine,
				struct accelq_sched_entity *se, u64 run_ns)
{
	lockdep_assert_held(&engine->lock);

	se->vtime += accelq_vtime_delta(run_ns, READ_ONCE(se->tenant->weight));
	accelq_tenant_charge_locked(se->tenant, run_ns);
	accelq_update_min_vtime_locked(engine);
}

/**
 * accelq_sched_put_prev_locked - an entity's job left the engine
 * @engine: the engine, whose &accelq_engine.running_se was cleared
 * @se: the entity that ran
 */
void accelq_sched_put_prev_locked(struct accelq_engine *engine,
				  struct accelq_sched_entity *se)
{
	lockdep_assert_held(&engine->lock);

	accelq_se_insert_locked(engine, se);
}

/**
 * accelq_sched_should_preempt_locked - does someone wait for the engine?
 * @engine: the engine, running a preemptible job whose slice expired
 *
 * Yes when the running job is of the batch class and its own tenant has a
 * latency queue waiting, or when another tenant waits with less virtual
 * time than the running one (it would be picked next).
 */
bool accelq_sched_should_preempt_locked(struct accelq_engine *engine)
{
	struct accelq_sched_entity *cur = engine->running_se;
	struct rb_node *left;

	lockdep_assert_held(&engine->lock);

	if (engine->running_q->class == ACCELQ_CLASS_BATCH &&
	    !list_empty(&cur->runnable[ACCELQ_CLASS_LATENCY]))
		return true;
	if (accelq_tenant_throttled(cur->tenant))
		return true;
	left = rb_first_cached(&engine->runnable);
	return left && !accelq_vtime_before(cur->vtime, node_to_se(left)->vtime) &&
	       !accelq_tenant_throttled(node_to_se(left)->tenant);
}

/**
 * accelq_sched_throttle_locked - keep an entity off the engine
 * @se: entity of a tenant that used up its cap
 */
void accelq_sched_throttle_locked(struct accelq_sched_entity *se)
{
	accelq_se_remove_locked(se->engine, se);
}

/**
 * accelq_sched_unthrottle_locked - let an entity run again
 * @se: entity of a tenant whose cap was refilled
 */
void accelq_sched_unthrottle_locked(struct accelq_sched_entity *se)
{
	lockdep_assert_held(&se->engine->lock);

	if (se->nr_runnable && !se->queued && se->engine->running_se != se)
		se->vtime = accelq_vtime_wake(se->vtime, se->engine->min_vtime);
	accelq_se_insert_locked(se->engine, se);
}
