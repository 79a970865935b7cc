/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - clients: one per open file of /dev/accelq.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef __ACCELQ_FILE_H__
#define __ACCELQ_FILE_H__

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct accelq_device;
struct accelq_tenant;
struct pid;

extern const struct file_operations accelq_fops;

/**
 * struct accelq_user - what one user has outstanding over all its files
 * @uid: effective uid in the initial user namespace.
 * @nr_clients: open clients pointing here. Protected by the device's
 *	clients_lock, under which the user is created and freed.
 * @jobs: accepted jobs of those clients whose records were not read yet;
 *	bounded by max_user_jobs.
 *
 * max_client_jobs bounds one file; this bounds a user who opens many, so
 * that unprivileged users cannot pin kernel memory without limit when no
 * memory cgroup limits them.
 */
struct accelq_user {
	u32 uid;
	unsigned int nr_clients;
	atomic_t jobs;
};

/**
 * struct accelq_client - an open file of /dev/accelq
 * @ref: held by the file and by each of its queues.
 * @adev: the device.
 * @id: client id, unique for the module's lifetime.
 * @tenant: tenant resolved at open; the client holds a reference.
 * @pid: opener's thread-group pid, for dumps.
 * @lock: protects @queues, @nr_queues and @closed, and serialises queue
 *	creation and destruction against close.
 * @queues: live queues of this client.
 * @nr_queues: length of @queues.
 * @closed: the file is being released; no new queues.
 * @read_lock: serialises readers so records come out in completion order.
 * @done_lock: protects @done, @nr_done, @nr_outstanding, @jobs_completed. Taken in softirq
 *	context; nests inside &accelq_engine.lock.
 * @done: completed jobs whose records were not read yet.
 * @nr_done: length of @done.
 * @nr_outstanding: accepted jobs whose record was not read yet (in flight
 *	plus @nr_done); bounded by max_client_jobs. Each change is mirrored in
 *	@user's count.
 * @user: the opener's per-user count, or NULL if it is exempt (it had
 *	CAP_SYS_RESOURCE at open).
 * @wq: woken on every completion and every record read.
 * @node: in &accelq_device.clients. Protected by its clients_lock.
 * @busy_ns: engine time consumed per engine; array of nr_engines.
 * @jobs_submitted: jobs accepted.
 * @jobs_completed: jobs completed. Written under @done_lock.
 */
struct accelq_client {
	struct kref ref;
	struct accelq_device *adev;
	u64 id;
	struct accelq_tenant *tenant;
	struct pid *pid;

	struct mutex lock; /* Protects @queues, @nr_queues, @closed. */
	struct list_head queues;
	u32 nr_queues;
	bool closed;

	struct mutex read_lock; /* Serialises read(). */

	spinlock_t done_lock; /* Protects the done list and counters. */
	struct list_head done;
	u32 nr_done;
	u32 nr_outstanding;
	struct accelq_user *user;
	wait_queue_head_t wq;

	struct list_head node;
	atomic64_t *busy_ns;
	atomic64_t jobs_submitted;
	u64 jobs_completed;
};

void accelq_client_put(struct accelq_client **pclient);

/* Give back @n jobs of @client's per-user count (under its done_lock). */
static inline void accelq_client_unreserve(struct accelq_client *client,
					   u32 n)
{
	client->nr_outstanding -= n;
	if (client->user)
		atomic_sub(n, &client->user->jobs);
}

#endif /* __ACCELQ_FILE_H__ */
