// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq - file operations of /dev/accelq: clients, ioctls, completions.
 *
 * Copyright (C) 2026 The accelq authors
 */

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/linux/accelq.h>

#include "accelq_drv.h"
#include "accelq_engine.h"
#include "accelq_file.h"
#include "accelq_queue.h"
#include "accelq_tenant.h"

static void accelq_client_release(struct kref *ref)
{
	struct accelq_client *client = container_of(ref, struct accelq_client,
						    ref);

	accelq_tenant_detach(client->tenant);
	accelq_tenant_put(&client->tenant);
	put_pid(client->pid);
	mutex_destroy(&client->lock);
	mutex_destroy(&client->read_lock);
	kfree(client->busy_ns);
	kfree(client);
}

/**
 * accelq_client_put - drop a client reference and clear the caller's pointer
 * @pclient: the reference
 */
void accelq_client_put(struct accelq_client **pclient)
{
	if (*pclient)
		kref_put(&(*pclient)->ref, accelq_client_release);
	*pclient = NULL;
}

/*
 * The opener's per-user count, created on first use; NULL (no limit) for
 * an opener with CAP_SYS_RESOURCE, as for pipe buffers.
 */
static struct accelq_user *accelq_user_get(struct accelq_device *adev)
{
	u32 uid = from_kuid(&init_user_ns, current_euid());
	struct accelq_user *user;
	int ret;

	if (capable(CAP_SYS_RESOURCE))
		return NULL;

	mutex_lock(&adev->clients_lock);
	user = xa_load(&adev->users, uid);
	if (!user) {
		user = kzalloc(sizeof(*user), GFP_KERNEL_ACCOUNT);
		if (!user) {
			user = ERR_PTR(-ENOMEM);
			goto out_unlock;
		}
		user->uid = uid;
		ret = xa_err(xa_store(&adev->users, uid, user,
				      GFP_KERNEL_ACCOUNT));
		if (ret) {
			kfree(user);
			user = ERR_PTR(ret);
			goto out_unlock;
		}
	}
	user->nr_clients++;
out_unlock:
	mutex_unlock(&adev->clients_lock);
	return user;
}

static void accelq_user_put(struct accelq_device *adev,
			    struct accelq_user *user)
{
	if (!user)
		return;
	mutex_lock(&adev->clients_lock);
	if (!--user->nr_clients) {
		WARN_ON_ONCE(atomic_read(&user->jobs));
		xa_erase(&adev->users, user->uid);
		kfree(user);
	}
	mutex_unlock(&adev->clients_lock);
}

static int accelq_open(struct inode *inode, struct file *file)
{
	struct accelq_device *adev = accelq_dev;
	struct accelq_client *client;
	int ret;

	client = kzalloc(sizeof(*client), GFP_KERNEL_ACCOUNT);
	if (!client)
		return -ENOMEM;
	client->busy_ns = kcalloc(adev->nr_engines, sizeof(*client->busy_ns),
				  GFP_KERNEL_ACCOUNT);
	if (!client->busy_ns) {
		ret = -ENOMEM;
		goto err_free_client;
	}

	client->user = accelq_user_get(adev);
	if (IS_ERR(client->user)) {
		ret = PTR_ERR(client->user);
		goto err_free_busy;
	}

	/* Attributed from the opener's credentials and cgroup, never args. */
	client->tenant = accelq_tenant_resolve(adev);
	if (IS_ERR(client->tenant)) {
		ret = PTR_ERR(client->tenant);
		goto err_put_user;
	}

	kref_init(&client->ref);
	client->adev = adev;
	client->id = atomic64_inc_return(&adev->next_client_id);
	client->pid = get_task_pid(current, PIDTYPE_TGID);
	mutex_init(&client->lock);
	INIT_LIST_HEAD(&client->queues);
	mutex_init(&client->read_lock);
	spin_lock_init(&client->done_lock);
	INIT_LIST_HEAD(&client->done);
	init_waitqueue_head(&client->wq);

	mutex_lock(&adev->clients_lock);
	list_add_tail(&client->node, &adev->clients);
	mutex_unlock(&adev->clients_lock);

	file->private_data = client;
	return 0;

err_put_user:
	accelq_user_put(adev, client->user);
err_free_busy:
	kfree(client->busy_ns);
err_free_client:
	kfree(client);
	return ret;
}

/*
 * Closing cancels and completes everything the client owns before the file
 * is gone: the records of those completions have no reader left and are
 * counted as discarded.
 */
static int accelq_release(struct inode *inode, struct file *file)
{
	struct accelq_client *client = file->private_data;
	struct accelq_device *adev = client->adev;
	struct accelq_queue *queue, *next;
	struct accelq_kjob *job, *tmp;
	LIST_HEAD(unread);
	u32 nr_unread;

	mutex_lock(&adev->clients_lock);
	list_del(&client->node);
	mutex_unlock(&adev->clients_lock);

	spin_lock_bh(&client->done_lock);
	client->closed = true;
	list_splice_init(&client->done, &unread);
	nr_unread = client->nr_done;
	accelq_client_unreserve(client, nr_unread);
	client->nr_done = 0;
	spin_unlock_bh(&client->done_lock);

	mutex_lock(&client->lock);
	list_for_each_entry_safe(queue, next, &client->queues, client_node) {
		list_del_init(&queue->client_node);
		client->nr_queues--;
		accelq_queue_kill(queue);
	}
	mutex_unlock(&client->lock);

	list_for_each_entry_safe(job, tmp, &unread, node)
		accelq_job_free(job);
	accelq_stat_add(adev, ACCELQ_STAT_COMPLETIONS_DISCARDED, nr_unread);

	WARN_ON_ONCE(client->nr_outstanding);
	/* Nothing completes for this client any more: its count is done. */
	accelq_user_put(adev, client->user);
	client->user = NULL;
	accelq_client_put(&client);
	return 0;
}

/* Records copied to the user per copy_to_user(); 384 bytes of stack. */
#define ACCELQ_READ_CHUNK	8

static ssize_t accelq_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct accelq_client *client = file->private_data;
	struct accelq_device *adev = client->adev;
	const size_t rec = sizeof(struct accelq_completion);
	size_t want = count / rec, n = 0, taken;
	struct accelq_kjob *job;
	LIST_HEAD(batch);
	ssize_t ret = 0;

	if (!want)
		return -EINVAL;

	if (mutex_lock_interruptible(&client->read_lock))
		return -ERESTARTSYS;

	for (;;) {
		spin_lock_bh(&client->done_lock);
		while (n < want && !list_empty(&client->done)) {
			list_move_tail(client->done.next, &batch);
			n++;
		}
		client->nr_done -= n;
		spin_unlock_bh(&client->done_lock);
		if (n)
			break;
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out_unlock;
		}
		ret = wait_event_interruptible(client->wq,
					       READ_ONCE(client->nr_done));
		if (ret)
			goto out_unlock;
	}

	/*
	 * Copy in chunks: one user copy and one bulk free per chunk. A fault
	 * stops at the last whole record delivered.
	 */
	taken = n;
	n = 0;
	while (!list_empty(&batch)) {
		struct accelq_completion c[ACCELQ_READ_CHUNK];
		struct accelq_kjob *jobs[ACCELQ_READ_CHUNK];
		size_t k = 0, copied, i;

		list_for_each_entry(job, &batch, node) {
			if (k == ACCELQ_READ_CHUNK)
				break;
			c[k] = (struct accelq_completion) {
				.user_data = job->user_data,
				.seqno = job->seqno,
				.queue_id = job->queue_id,
				.engine = job->engine_id,
				.status = job->status,
				.flags = job->cflags,
				.wait_ns = job->wait_ns,
				.run_ns = job->run_ns,
			};
			jobs[k++] = job;
		}
		copied = (k * rec - copy_to_user(buf + n * rec, c, k * rec)) /
			 rec;
		for (i = 0; i < copied; i++)
			list_del(&jobs[i]->node);
		accelq_jobs_free_bulk(jobs, copied);
		n += copied;
		if (copied < k)
			break;
	}

	/* Records not delivered go back to the head, in order: none is lost. */
	spin_lock_bh(&client->done_lock);
	list_splice(&batch, &client->done);
	client->nr_done += taken - n;
	accelq_client_unreserve(client, n);
	spin_unlock_bh(&client->done_lock);

	accelq_stat_add(adev, ACCELQ_STAT_COMPLETIONS_READ, n);
	if (n)
		wake_up_interruptible_all(&client->wq);
	ret = n ? (ssize_t)(n * rec) : -EFAULT;

out_unlock:
	mutex_unlock(&client->read_lock);
	return ret;
}

static __poll_t accelq_poll(struct file *file, poll_table *wait)
{
	struct accelq_client *client = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &client->wq, wait);

	spin_lock_bh(&client->done_lock);
	if (client->nr_done)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (client->nr_outstanding < accelq_max_client_jobs)
		mask |= EPOLLOUT | EPOLLWRNORM;
	spin_unlock_bh(&client->done_lock);
	return mask;
}

static int accelq_ioctl_get_info(struct accelq_client *client, void *data)
{
	struct accelq_info *info = data;

	if (info->flags || info->pad)
		return -EINVAL;

	memset(info, 0, sizeof(*info));
	info->abi_version = ACCELQ_ABI_VERSION;
	info->caps = ACCELQ_CAP_PREEMPT | ACCELQ_CAP_WAIT |
		     ACCELQ_CAP_SIM_ENGINES;
	info->nr_engines = client->adev->nr_engines;
	info->max_queues = accelq_max_queues;
	info->max_depth = accelq_max_depth;
	info->max_batch = accelq_max_batch;
	info->max_client_jobs = accelq_max_client_jobs;
	info->completion_size = sizeof(struct accelq_completion);
	info->max_cost_ns = ACCELQ_MAX_COST_NS;
	info->job_timeout_ns = accelq_job_timeout_ns();
	info->timeslice_ns = accelq_timeslice_ns();
	info->client_id = client->id;
	info->tenant_id = client->tenant->id;
	return 0;
}

static int accelq_ioctl_queue_create(struct accelq_client *client, void *data)
{
	struct accelq_queue_create *args = data;

	return accelq_queue_create(client, args);
}

static void accelq_ioctl_queue_create_undo(struct accelq_client *client,
					   void *data)
{
	struct accelq_queue_create *args = data;

	/*
	 * Jobs another thread submitted meanwhile (guessing the id) complete
	 * with -ECANCELED, as on any destroy.
	 */
	accelq_queue_destroy(client, args->queue_id);
}

static int accelq_ioctl_queue_destroy(struct accelq_client *client,
				      void *data)
{
	struct accelq_queue_destroy *args = data;

	if (args->flags)
		return -EINVAL;
	return accelq_queue_destroy(client, args->queue_id);
}

static int accelq_ioctl_submit(struct accelq_client *client, void *data)
{
	return accelq_queue_submit(client, data);
}

static int accelq_ioctl_wait(struct accelq_client *client, void *data)
{
	return accelq_queue_wait(client, data);
}

/*
 * ACCELQ_IOCTL_F_PROBE_OUT: the output is written after an irrevocable
 * action (jobs accepted), so prove the argument writable first. The write
 * can still fail afterwards (another thread unmaps the page): SUBMIT then
 * returns -EFAULT with jobs accepted, as the ABI says.
 */
#define ACCELQ_IOCTL_F_PROBE_OUT	BIT(0)

/**
 * struct accelq_ioctl_desc - one ioctl
 * @cmd: the ioctl number, with the kernel's structure size
 * @min_size: smallest user structure: version 1 of the structure
 * @flags: %ACCELQ_IOCTL_F_*
 * @func: the handler
 * @undo: optional; revert what a successful @func did when its output
 *	cannot be written back, so that -EFAULT means nothing happened
 */
struct accelq_ioctl_desc {
	unsigned int cmd;
	unsigned int min_size;
	unsigned int flags;
	int (*func)(struct accelq_client *client, void *data);
	void (*undo)(struct accelq_client *client, void *data);
};

#define ACCELQ_IOCTL_DEF(ioctl, ver1, f, fn, un) \
	[_IOC_NR(ACCELQ_IOCTL_##ioctl)] = { \
		.cmd = ACCELQ_IOCTL_##ioctl, .min_size = ver1, \
		.flags = f, .func = fn, .undo = un \
	}

static const struct accelq_ioctl_desc accelq_ioctls[] = {
	ACCELQ_IOCTL_DEF(GET_INFO, ACCELQ_INFO_SIZE_VER1, 0,
			 accelq_ioctl_get_info, NULL),
	ACCELQ_IOCTL_DEF(QUEUE_CREATE, ACCELQ_QUEUE_CREATE_SIZE_VER1, 0,
			 accelq_ioctl_queue_create,
			 accelq_ioctl_queue_create_undo),
	ACCELQ_IOCTL_DEF(QUEUE_DESTROY, ACCELQ_QUEUE_DESTROY_SIZE_VER1, 0,
			 accelq_ioctl_queue_destroy, NULL),
	ACCELQ_IOCTL_DEF(SUBMIT, ACCELQ_SUBMIT_SIZE_VER1,
			 ACCELQ_IOCTL_F_PROBE_OUT, accelq_ioctl_submit, NULL),
	ACCELQ_IOCTL_DEF(WAIT, ACCELQ_WAIT_SIZE_VER1, 0, accelq_ioctl_wait,
			 NULL),
};

/* ABI version 1 is the current one: its sizes are the structures' sizes. */
static_assert(sizeof(struct accelq_info) == ACCELQ_INFO_SIZE_VER1);
static_assert(sizeof(struct accelq_queue_create) ==
	      ACCELQ_QUEUE_CREATE_SIZE_VER1);
static_assert(sizeof(struct accelq_queue_destroy) ==
	      ACCELQ_QUEUE_DESTROY_SIZE_VER1);
static_assert(sizeof(struct accelq_submit) == ACCELQ_SUBMIT_SIZE_VER1);
static_assert(sizeof(struct accelq_wait) == ACCELQ_WAIT_SIZE_VER1);

union accelq_ioctl_args {
	struct accelq_info info;
	struct accelq_queue_create create;
	struct accelq_queue_destroy destroy;
	struct accelq_submit submit;
	struct accelq_wait wait;
};

/*
 * Dispatch as drm_ioctl() does: the command's size field is the caller's
 * structure size, read once from @cmd. Structures shorter than version 1
 * are refused (-EINVAL). Shorter structures are zero-extended,
 * longer ones must have a zero tail (-E2BIG otherwise), and output is
 * truncated to the caller's size.
 */
static long accelq_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct accelq_client *client = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct accelq_ioctl_desc *desc;
	union accelq_ioctl_args kdata;
	unsigned int nr = _IOC_NR(cmd);
	size_t usize = _IOC_SIZE(cmd);
	size_t ksize;
	int ret;

	if (_IOC_TYPE(cmd) != ACCELQ_IOCTL_BASE || nr >= ARRAY_SIZE(accelq_ioctls))
		return -ENOTTY;
	nr = array_index_nospec(nr, ARRAY_SIZE(accelq_ioctls));
	desc = &accelq_ioctls[nr];
	if (!desc->func || _IOC_DIR(cmd) != _IOC_DIR(desc->cmd))
		return -ENOTTY;
	ksize = _IOC_SIZE(desc->cmd);
	if (usize < desc->min_size)
		return -EINVAL;

	ret = copy_struct_from_user(&kdata, ksize, uarg, usize);
	if (ret)
		return ret;

	if (desc->flags & ACCELQ_IOCTL_F_PROBE_OUT &&
	    copy_to_user(uarg, &kdata, min(usize, ksize)))
		return -EFAULT;

	ret = desc->func(client, &kdata);
	if (ret)
		return ret;

	if (_IOC_DIR(cmd) & _IOC_READ &&
	    copy_to_user(uarg, &kdata, min(usize, ksize))) {
		if (desc->undo)
			desc->undo(client, &kdata);
		return -EFAULT;
	}
	return 0;
}

static void accelq_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct accelq_client *client = file->private_data;
	struct accelq_device *adev = client->adev;
	unsigned int i;

	seq_puts(m, "accelq-driver:\taccelq\n");
	seq_printf(m, "accelq-client-id:\t%llu\n", client->id);
	seq_printf(m, "accelq-tenant-id:\t%u\n", client->tenant->id);
	seq_printf(m, "accelq-tenant:\t%s\n", client->tenant->name);
	for (i = 0; i < adev->nr_engines; i++)
		seq_printf(m, "accelq-engine-%s:\t%lld ns\n",
			   adev->engines[i]->name,
			   atomic64_read(&client->busy_ns[i]));
	seq_printf(m, "accelq-queues:\t%u\n", READ_ONCE(client->nr_queues));
	seq_printf(m, "accelq-jobs-submitted:\t%lld\n",
		   atomic64_read(&client->jobs_submitted));
	seq_printf(m, "accelq-jobs-completed:\t%llu\n",
		   READ_ONCE(client->jobs_completed));
}

const struct file_operations accelq_fops = {
	.owner = THIS_MODULE,
	.open = accelq_open,
	.release = accelq_release,
	.read = accelq_read,
	.poll = accelq_poll,
	.unlocked_ioctl = accelq_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = accelq_show_fdinfo,
	.llseek = noop_llseek,
};
