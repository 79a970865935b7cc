// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq - queues and jobs: create, submit, complete, cancel.
 *
 * Copyright (C) 2026 The accelq authors
 */

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <uapi/linux/accelq.h>

#include "accelq_drv.h"
#include "accelq_engine.h"
#include "accelq_file.h"
#include "accelq_queue.h"
#include "accelq_sched.h"
#include "accelq_tenant.h"
#include "accelq_trace.h"

/**
 * DOC: queues and jobs
 *
 * A queue belongs to one client and is bound to one engine for life. Jobs
 * submitted to it get consecutive sequence numbers and run, one at a time,
 * in that order; so they also complete in that order, and "seqno N done"
 * means "every job up to N done", which is what WAIT relies on.
 *
 * Exactly one completion per accepted job. A job is accepted when it is
 * linked into &accelq_queue.pending; from then on the only way out is
 * accelq_job_complete_locked(), which moves it, with its final status, to
 * the client's done list (or, if the client is closing, frees it and counts
 * the record as discarded). Completion allocates nothing and cannot fail.
 * Destroying a queue, closing the file and unloading all funnel through
 * accelq_queue_kill(), which completes every pending job with -ECANCELED
 * under the engine lock before returning.
 *
 * Back-pressure instead of loss: a client may have at most max_client_jobs
 * accepted jobs whose records it has not read; beyond that SUBMIT refuses
 * with -ENOBUFS, and a full queue (depth) refuses with -EAGAIN.
 */

static struct kmem_cache *accelq_job_cache;

int accelq_queue_cache_init(void)
{
	accelq_job_cache = KMEM_CACHE(accelq_kjob, SLAB_ACCOUNT);
	return accelq_job_cache ? 0 : -ENOMEM;
}

void accelq_queue_cache_fini(void)
{
	kmem_cache_destroy(accelq_job_cache);
}

void accelq_job_free(struct accelq_kjob *job)
{
	kmem_cache_free(accelq_job_cache, job);
}

static void accelq_queue_release(struct kref *ref)
{
	struct accelq_queue *queue = container_of(ref, struct accelq_queue, ref);

	accelq_client_put(&queue->client);
	kfree(queue);
}

/**
 * accelq_queue_put - drop a queue reference and clear the caller's pointer
 * @pq: the reference
 */
void accelq_queue_put(struct accelq_queue **pq)
{
	if (*pq)
		kref_put(&(*pq)->ref, accelq_queue_release);
	*pq = NULL;
}

/**
 * accelq_queue_lookup - find a live queue of @client
 * @client: the caller
 * @id: queue id
 *
 * Return: a referenced queue, or NULL if @id names no queue of @client.
 */
struct accelq_queue *accelq_queue_lookup(struct accelq_client *client, u32 id)
{
	struct accelq_device *adev = client->adev;
	struct accelq_queue *queue;

	xa_lock(&adev->queues);
	queue = xa_load(&adev->queues, id);
	if (queue && (queue->client != client ||
		      !kref_get_unless_zero(&queue->ref)))
		queue = NULL;
	xa_unlock(&adev->queues);
	return queue;
}

/**
 * accelq_job_complete_locked - give a job its one and only completion
 * @engine: the queue's engine
 * @queue: the job's queue
 * @job: the oldest job of @queue, not on the engine
 * @status: final status
 */
void accelq_job_complete_locked(struct accelq_engine *engine,
				struct accelq_queue *queue,
				struct accelq_kjob *job, int status)
{
	struct accelq_client *client = queue->client;
	struct accelq_device *adev = engine->adev;
	bool discard;

	lockdep_assert_held(&engine->lock);

	list_del(&job->node);
	queue->nr_jobs--;
	/* Pairs with the lockless read in accelq_queue_wait(). */
	WRITE_ONCE(queue->done_seqno, job->seqno);

	job->status = status;
	if (!job->started)
		job->wait_ns = ktime_to_ns(ktime_sub(ktime_get(),
						     job->submit_time));

	accelq_stat_add(adev, ACCELQ_STAT_JOBS_COMPLETED, 1);
	switch (status) {
	case 0:
		accelq_stat_add(adev, ACCELQ_STAT_STATUS_OK, 1);
		break;
	case -ECANCELED:
		accelq_stat_add(adev, ACCELQ_STAT_STATUS_CANCELED, 1);
		break;
	case -ETIMEDOUT:
		accelq_stat_add(adev, ACCELQ_STAT_STATUS_TIMEDOUT, 1);
		break;
	default:
		accelq_stat_add(adev, ACCELQ_STAT_STATUS_IO, 1);
		break;
	}
	accelq_tenant_job_done(queue->se->tenant, status);

	spin_lock(&client->done_lock);
	WRITE_ONCE(client->jobs_completed, client->jobs_completed + 1);
	discard = client->closed;
	if (discard) {
		accelq_client_unreserve(client, 1);
	} else {
		list_add_tail(&job->node, &client->done);
		client->nr_done++;
	}
	spin_unlock(&client->done_lock);

	if (discard) {
		accelq_stat_add(adev, ACCELQ_STAT_COMPLETIONS_DISCARDED, 1);
		accelq_job_free(job);
	} else if (wq_has_sleeper(&client->wq)) {
		/* The barrier in wq_has_sleeper() orders the list update above. */
		wake_up_interruptible_all(&client->wq);
	}
}

/**
 * accelq_queue_create - QUEUE_CREATE
 * @client: the caller
 * @args: validated for flags only
 *
 * Return: 0 or a negative errno.
 */
int accelq_queue_create(struct accelq_client *client,
			struct accelq_queue_create *args)
{
	struct accelq_device *adev = client->adev;
	struct accelq_engine *engine;
	struct accelq_queue *queue;
	bool dead;
	int ret;

	if (args->flags)
		return -EINVAL;
	if (args->engine != ACCELQ_ENGINE_ANY && args->engine >= adev->nr_engines)
		return -EINVAL;
	if (args->class != ACCELQ_CLASS_BATCH &&
	    args->class != ACCELQ_CLASS_LATENCY)
		return -EINVAL;
	if (!args->depth || args->depth > accelq_max_depth)
		return -EINVAL;

	queue = kzalloc(sizeof(*queue), GFP_KERNEL_ACCOUNT);
	if (!queue)
		return -ENOMEM;
	kref_init(&queue->ref);
	queue->class = args->class;
	queue->depth = args->depth;
	INIT_LIST_HEAD(&queue->pending);
	INIT_LIST_HEAD(&queue->run_node);
	INIT_LIST_HEAD(&queue->client_node);
	INIT_LIST_HEAD(&queue->tenant_node);

	mutex_lock(&client->lock);
	if (client->closed) {
		ret = -EBADF;
		goto err_unlock;
	}
	if (client->nr_queues >= accelq_max_queues) {
		ret = -EMFILE;
		goto err_unlock;
	}

	ret = accelq_tenant_queue_admit(client->tenant, args->class,
					args->depth);
	if (ret)
		goto err_unlock;

	engine = args->engine == ACCELQ_ENGINE_ANY ?
		 accelq_engine_pick_any(adev) : adev->engines[args->engine];
	queue->engine = engine;
	queue->se = &client->tenant->se[engine->id];
	kref_get(&client->ref);
	queue->client = client;

	ret = xa_alloc_cyclic(&adev->queues, &queue->id, queue,
			      XA_LIMIT(1, U32_MAX), &adev->next_queue_id,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto err_put_client;

	atomic_inc(&engine->nr_queues);
	atomic_inc(&adev->queues_gen);
	list_add_tail(&queue->client_node, &client->queues);
	client->nr_queues++;
	/*
	 * A forced deletion marks the tenant dead, then walks its queue list
	 * under queues_lock until it is empty: a queue added after a walk
	 * sees the mark here, one added before is found by the walk.
	 */
	spin_lock(&client->tenant->queues_lock);
	dead = READ_ONCE(client->tenant->dead);
	if (!dead)
		list_add_tail(&queue->tenant_node, &client->tenant->queues);
	spin_unlock(&client->tenant->queues_lock);
	if (dead) {
		/* Jobs submitted by guessing the id complete -ECANCELED. */
		list_del_init(&queue->client_node);
		client->nr_queues--;
		accelq_queue_kill(queue);
		mutex_unlock(&client->lock);
		return -ENOLINK;
	}
	mutex_unlock(&client->lock);

	args->queue_id = queue->id;
	args->engine_out = engine->id;
	return 0;

err_put_client:
	accelq_client_put(&queue->client);
	accelq_tenant_queue_release(client->tenant);
err_unlock:
	mutex_unlock(&client->lock);
	kfree(queue);
	return ret;
}

/**
 * accelq_queue_kill - cancel everything a queue holds and retire it
 * @queue: a live queue, unlinked from its client's list by the caller
 *
 * Every pending job, running or not, completes with -ECANCELED before this
 * returns. Drops the reference held by the queue table.
 */
void accelq_queue_kill(struct accelq_queue *queue)
{
	struct accelq_engine *engine = queue->engine;
	struct accelq_device *adev = engine->adev;

	xa_erase(&adev->queues, queue->id);
	atomic_inc(&adev->queues_gen);
	spin_lock(&queue->se->tenant->queues_lock);
	list_del_init(&queue->tenant_node);
	spin_unlock(&queue->se->tenant->queues_lock);

	spin_lock_bh(&engine->lock);
	queue->dead = true;
	accelq_sched_dequeue_locked(queue);
	if (engine->running_q == queue)
		accelq_engine_stop_locked(engine, ACCELQ_STOP_CANCEL);
	while (!list_empty(&queue->pending)) {
		struct accelq_kjob *job = list_first_entry(&queue->pending,
							  struct accelq_kjob,
							  node);

		trace_accelq_job_end(job->tenant_id, queue->id, engine->id,
				     job->seqno, -ECANCELED, job->wait_ns, 0,
				     job->run_ns);
		accelq_job_complete_locked(engine, queue, job, -ECANCELED);
	}
	accelq_engine_kick_locked(engine);
	spin_unlock_bh(&engine->lock);

	atomic_dec(&engine->nr_queues);
	accelq_tenant_queue_release(queue->se->tenant);
	/* Wake WAITers: every seqno of the queue is now done. */
	wake_up_interruptible_all(&queue->client->wq);
	accelq_queue_put(&queue);
}

/**
 * accelq_queue_destroy - QUEUE_DESTROY
 * @client: the caller
 * @id: queue id
 *
 * Return: 0, or -ENOENT if @id is not a live queue of @client.
 */
int accelq_queue_destroy(struct accelq_client *client, u32 id)
{
	struct accelq_queue *queue;

	mutex_lock(&client->lock);
	queue = accelq_queue_lookup(client, id);
	if (!queue) {
		mutex_unlock(&client->lock);
		return -ENOENT;
	}
	list_del_init(&queue->client_node);
	client->nr_queues--;
	accelq_queue_kill(queue);
	mutex_unlock(&client->lock);

	accelq_queue_put(&queue);
	return 0;
}

static int accelq_job_check(const struct accelq_job *uj)
{
	if (uj->flags & ~ACCELQ_JOB_FLAGS_MASK || uj->pad ||
	    uj->cost_ns > ACCELQ_MAX_COST_NS)
		return -EINVAL;
	return 0;
}

static void accelq_job_init(struct accelq_kjob *job,
			    const struct accelq_job *uj)
{
	memset(job, 0, sizeof(*job));
	job->cost_ns = uj->cost_ns;
	job->remaining_ns = uj->cost_ns;
	job->user_data = uj->user_data;
	job->flags = uj->flags;
}

/**
 * accelq_queues_kill_tenant - destroy every queue of a deleted tenant
 * @adev: the device
 * @tenant: the tenant, already marked dead so no queue can be added
 *
 * Used by a forced tenant deletion: the jobs complete with -ECANCELED and
 * their records reach the owning clients as for QUEUE_DESTROY.
 */
void accelq_queues_kill_tenant(struct accelq_device *adev,
			       struct accelq_tenant *tenant)
{
	for (;;) {
		struct accelq_client *client;
		struct accelq_queue *queue;

		/* A queue is on the list until killed: its reference holds. */
		spin_lock(&tenant->queues_lock);
		queue = list_first_entry_or_null(&tenant->queues,
						 struct accelq_queue,
						 tenant_node);
		if (queue)
			kref_get(&queue->ref);
		spin_unlock(&tenant->queues_lock);
		if (!queue)
			return;

		client = queue->client;
		mutex_lock(&client->lock);
		/*
		 * Unless its owner destroyed or closed it meanwhile, which
		 * also took it off the tenant's list under this lock.
		 */
		if (!list_empty(&queue->client_node)) {
			list_del_init(&queue->client_node);
			client->nr_queues--;
			accelq_queue_kill(queue);
		}
		mutex_unlock(&client->lock);
		accelq_queue_put(&queue);
	}
}

/**
 * accelq_jobs_free_bulk - free jobs whose records were read
 * @jobs: array of jobs
 * @n: how many
 */
void accelq_jobs_free_bulk(struct accelq_kjob **jobs, size_t n)
{
	if (n)
		kmem_cache_free_bulk(accelq_job_cache, n, (void **)jobs);
}

static void accelq_jobs_free(struct list_head *jobs)
{
	struct accelq_kjob *job, *next;

	list_for_each_entry_safe(job, next, jobs, node)
		accelq_job_free(job);
}

/*
 * Copy and validate the whole batch before accepting anything: each user job
 * is read exactly once, so what is validated is what runs. A batch of the
 * current job size is copied in one go; jobs are allocated in bulk.
 */
static int accelq_batch_read(struct list_head *jobs,
			     const struct accelq_submit *args)
{
	void __user *uptr = u64_to_user_ptr(args->jobs_ptr);
	struct accelq_kjob **objs;
	struct accelq_job *uj;
	u32 i, n = args->count;
	void *buf;
	int ret;

	buf = kvmalloc_array(n, sizeof(*objs) + sizeof(*uj), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	objs = buf;
	uj = buf + n * sizeof(*objs);

	if (args->job_size == sizeof(*uj)) {
		ret = copy_from_user(uj, uptr, n * sizeof(*uj)) ? -EFAULT : 0;
	} else {
		for (i = 0, ret = 0; i < n && !ret; i++)
			ret = copy_struct_from_user(&uj[i], sizeof(*uj),
						    uptr + (size_t)i * args->job_size,
						    args->job_size);
	}
	for (i = 0; i < n && !ret; i++)
		ret = accelq_job_check(&uj[i]);
	if (ret)
		goto out_free;

	if (!kmem_cache_alloc_bulk(accelq_job_cache, GFP_KERNEL_ACCOUNT, n,
				   (void **)objs)) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		accelq_job_init(objs[i], &uj[i]);
		list_add_tail(&objs[i]->node, jobs);
	}

out_free:
	kvfree(buf);
	return ret;
}

/*
 * Accept as many jobs of @jobs as the queue depth and the client's backlog
 * allow, in order. Returns the number accepted or a negative errno when
 * none could be.
 */
static int accelq_queue_accept_locked(struct accelq_queue *queue,
				      struct list_head *jobs, u32 count,
				      u64 *first_seqno)
{
	struct accelq_client *client = queue->client;
	struct accelq_tenant *tenant = queue->se->tenant;
	struct accelq_engine *engine = queue->engine;
	struct accelq_kjob *job, *next;
	u32 n, room, granted, i = 0;
	ktime_t now;
	int ret;

	lockdep_assert_held(&engine->lock);

	if (queue->dead)
		return -ENOENT;
	n = min(count, queue->depth - queue->nr_jobs);
	if (!n)
		return -EAGAIN;
	ret = accelq_tenant_submit_admit(tenant, &n);
	if (ret)
		return ret;

	spin_lock(&client->done_lock);
	room = accelq_max_client_jobs - min(client->nr_outstanding,
					    accelq_max_client_jobs);
	granted = min(n, room);
	if (granted && client->user)
		granted = accelq_reserve(&client->user->jobs,
					 READ_ONCE(accelq_max_user_jobs),
					 granted);
	client->nr_outstanding += granted;
	spin_unlock(&client->done_lock);
	accelq_tenant_submit_unreserve(tenant, n - granted);
	if (!granted)
		return -ENOBUFS;
	n = granted;

	now = ktime_get();
	*first_seqno = queue->last_seqno + 1;
	list_for_each_entry_safe(job, next, jobs, node) {
		if (i++ == n)
			break;
		job->seqno = *first_seqno + i - 1;
		job->queue_id = queue->id;
		job->engine_id = engine->id;
		job->tenant_id = tenant->id;
		job->submit_time = now;
		list_move_tail(&job->node, &queue->pending);
		queue->nr_jobs++;
		trace_accelq_job_submit(tenant->id, queue->id, engine->id,
					job->seqno, job->cost_ns, job->flags);
	}
	/* Pairs with the lockless read in accelq_queue_wait(). */
	WRITE_ONCE(queue->last_seqno, queue->last_seqno + n);
	accelq_stat_add(engine->adev, ACCELQ_STAT_JOBS_ACCEPTED, n);
	atomic64_add(n, &tenant->stats.jobs_accepted);
	atomic64_add(n, &client->jobs_submitted);

	accelq_sched_enqueue_locked(queue);
	accelq_engine_check_preempt_locked(engine, queue);
	accelq_engine_kick_locked(engine);
	return n;
}

/**
 * accelq_queue_submit - SUBMIT
 * @client: the caller
 * @args: the request; @args->accepted and @args->first_seqno are returned
 *
 * Return: 0 when at least one job was accepted, else a negative errno.
 */
int accelq_queue_submit(struct accelq_client *client,
			struct accelq_submit *args)
{
	struct accelq_queue *queue;
	LIST_HEAD(jobs);
	u64 first = 0;
	int ret;

	args->accepted = 0;
	args->first_seqno = 0;
	if (args->flags || args->pad)
		return -EINVAL;
	if (!args->count || args->count > accelq_max_batch)
		return -EINVAL;
	if (args->job_size < sizeof(struct accelq_job) ||
	    args->job_size > ACCELQ_JOB_SIZE_MAX ||
	    !IS_ALIGNED(args->job_size, 8))
		return -EINVAL;

	queue = accelq_queue_lookup(client, args->queue_id);
	if (!queue)
		/* A forced tenant deletion took the queue with it. */
		return READ_ONCE(client->tenant->dead) ? -ENOLINK : -ENOENT;

	ret = accelq_batch_read(&jobs, args);
	if (ret)
		goto out_free;

	spin_lock_bh(&queue->engine->lock);
	ret = accelq_queue_accept_locked(queue, &jobs, args->count, &first);
	spin_unlock_bh(&queue->engine->lock);
	if (ret > 0) {
		args->accepted = ret;
		args->first_seqno = first;
		ret = 0;
	}

out_free:
	accelq_jobs_free(&jobs);
	accelq_queue_put(&queue);
	return ret;
}

/**
 * accelq_queue_wait - WAIT
 * @client: the caller
 * @args: the request
 *
 * Return: 0 once the job completed, -ETIMEDOUT, or another negative errno.
 */
int accelq_queue_wait(struct accelq_client *client, struct accelq_wait *args)
{
	struct accelq_queue *queue;
	u64 seqno = args->seqno;
	long ret;

	if (args->flags)
		return -EINVAL;
	queue = accelq_queue_lookup(client, args->queue_id);
	if (!queue)
		return -ENOENT;

	/*
	 * No engine lock: a tenant flooding the engine with completions must
	 * not make everybody else's WAIT spin on it.
	 */
	if (!seqno || seqno > READ_ONCE(queue->last_seqno)) {
		ret = -EINVAL;
		goto out_put;
	}

#define accelq_seqno_done(q, s) (READ_ONCE((q)->done_seqno) >= (s))
	if (!args->timeout_ns)
		ret = accelq_seqno_done(queue, seqno) ? 0 : -ETIMEDOUT;
	else if (args->timeout_ns < 0)
		ret = wait_event_interruptible(client->wq,
					       accelq_seqno_done(queue, seqno));
	else
		ret = wait_event_interruptible_hrtimeout(client->wq,
							 accelq_seqno_done(queue, seqno),
							 ns_to_ktime(args->timeout_ns));
#undef accelq_seqno_done
	if (ret == -ETIME)
		ret = -ETIMEDOUT;

out_put:
	accelq_queue_put(&queue);
	return ret;
}
