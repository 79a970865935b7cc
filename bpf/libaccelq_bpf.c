// SPDX-License-Identifier: GPL-2.0-only
/*
 * libaccelq-bpf: load, attach and read the accelq BPF collectors.
 * See libaccelq_bpf.h and docs/bpf.md.
 *
 * Copyright (C) 2026 The accelq authors
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libaccelq_bpf.h"
#include "accelq.skel.h"

#define DEFAULT_MAX_ENTRIES	4096
#define DEFAULT_RINGBUF_SIZE	(256 * 1024)
#define MAX_ENGINES		ACCELQ_BPF_MAX_ENGINES

#define OPTS_HAS(opts, field) \
	((opts) && (opts)->sz >= offsetof(typeof(*(opts)), field) + \
			       sizeof((opts)->field))
#define OPTS_GET(opts, field, def) \
	(OPTS_HAS(opts, field) ? (opts)->field : (def))

enum { MAP_SLOTS, MAP_USAGE, MAP_THROTTLE, MAP_LOST, MAP_EVENTS, NR_MAPS };

static const char *const map_names[NR_MAPS] = {
	[MAP_SLOTS] = ACCELQ_BPF_MAP_SLOTS,
	[MAP_USAGE] = ACCELQ_BPF_MAP_USAGE,
	[MAP_THROTTLE] = ACCELQ_BPF_MAP_THROTTLE,
	[MAP_LOST] = ACCELQ_BPF_MAP_LOST,
	[MAP_EVENTS] = ACCELQ_BPF_MAP_EVENTS,
};

struct accelq_collector {
	struct accelq_bpf *skel;	/* NULL when opened pinned */
	int map_fd[NR_MAPS];
	__u32 nr_slots;			/* entries of slots and usage */
	bool own_fds;			/* map fds are ours (opened pinned) */
	char pin_dir[PATH_MAX];		/* "" when not pinned */
	int lock_fd;			/* flock of the pin directory */
	bool unpin_on_close;
	int nr_cpus;
	struct ring_buffer *rb;
	accelq_event_fn ev_fn;
	void *ev_ctx;
};

/* ------------------------------------------------------------ logging -- */

struct log_capture {
	char *buf;
	size_t size;
	size_t len;
	int verbose;
};

static __thread struct log_capture *cur_log;

static int capture_print(enum libbpf_print_level level, const char *fmt,
			 va_list ap)
{
	struct log_capture *lc = cur_log;
	bool debug = level == LIBBPF_DEBUG;

	if (lc && lc->buf && lc->size > 1 && (!debug || lc->verbose) &&
	    lc->len < lc->size - 1) {
		va_list aq;
		int n;

		va_copy(aq, ap);
		n = vsnprintf(lc->buf + lc->len, lc->size - lc->len, fmt, aq);
		va_end(aq);
		if (n > 0) {
			lc->len += n;
			if (lc->len > lc->size - 1)
				lc->len = lc->size - 1;
		}
	}
	if (lc && lc->verbose)
		return vfprintf(stderr, fmt, ap);
	if (debug || (lc && lc->buf && lc->size))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* A message of the library itself, logged like libbpf's warnings. */
static void lib_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	capture_print(LIBBPF_WARN, fmt, ap);
	va_end(ap);
}

/* -------------------------------------------------------------- pinning -- */

static int pin_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Create and lock the pin directory: one collector per directory. */
static int pin_dir_lock(struct accelq_collector *c)
{
	int fd;

	if (mkdir(c->pin_dir, 0700) && errno != EEXIST)
		return -errno;
	fd = open(c->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return err;
	}
	c->lock_fd = fd;
	return 0;
}

/*
 * The pinned map of @map's name: its size in *@max_entries, 0 if there is
 * none (or none of this layout: then it is removed, to be replaced).
 */
static int pinned_size(struct bpf_map *map, const char *dir,
		       __u32 *max_entries)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	*max_entries = 0;
	err = pin_path(path, sizeof(path), dir, bpf_map__name(map));
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return err;
	if (info.type != bpf_map__type(map) ||
	    info.key_size != bpf_map__key_size(map) ||
	    info.value_size != bpf_map__value_size(map) ||
	    info.map_flags != bpf_map__map_flags(map)) {
		lib_warn("libaccelq-bpf: %s has another layout, replacing it\n",
			 path);
		if (unlink(path) && errno != ENOENT)
			return -errno;
		return 0;
	}
	*max_entries = info.max_entries;
	return 0;
}

static int unpin_map(struct bpf_map *map, const char *dir)
{
	char path[PATH_MAX];
	int err = pin_path(path, sizeof(path), dir, bpf_map__name(map));

	if (!err && unlink(path) && errno != ENOENT)
		err = -errno;
	return err;
}

/*
 * Point each map at its pin file. libbpf reuses a compatible pinned map at
 * load (and pins a new map otherwise). A pinned map of the same layout but
 * another size is reused at its size; one of another layout is replaced.
 * The slot owners and their counters are only reused together, at one size.
 */
static int prepare_pins(struct accelq_collector *c, struct bpf_map **maps)
{
	__u32 size[NR_MAPS];
	char path[PATH_MAX];
	int i, err;

	for (i = 0; i < NR_MAPS; i++) {
		err = pin_path(path, sizeof(path), c->pin_dir,
			       bpf_map__name(maps[i]));
		err = err ?: bpf_map__set_pin_path(maps[i], path);
		err = err ?: pinned_size(maps[i], c->pin_dir, &size[i]);
		if (err)
			return err;
	}
	if (size[MAP_SLOTS] != size[MAP_USAGE]) {
		if (size[MAP_SLOTS] || size[MAP_USAGE])
			lib_warn("libaccelq-bpf: %s/%s and %s/%s do not match, replacing them\n",
				 c->pin_dir, map_names[MAP_SLOTS],
				 c->pin_dir, map_names[MAP_USAGE]);
		err = unpin_map(maps[MAP_SLOTS], c->pin_dir);
		err = err ?: unpin_map(maps[MAP_USAGE], c->pin_dir);
		if (err)
			return err;
		size[MAP_SLOTS] = size[MAP_USAGE] = 0;
	}
	for (i = 0; i < NR_MAPS; i++) {
		if (!size[i] || size[i] == bpf_map__max_entries(maps[i]))
			continue;
		err = bpf_map__set_max_entries(maps[i], size[i]);
		if (err)
			return err;
	}
	return 0;
}

int accelq_collector_unpin(struct accelq_collector *c)
{
	char path[PATH_MAX];
	int i, err = 0;

	if (!c)
		return -EINVAL;
	if (!c->pin_dir[0])
		return 0;
	for (i = 0; i < NR_MAPS; i++) {
		if (pin_path(path, sizeof(path), c->pin_dir, map_names[i]))
			continue;
		if (unlink(path) && errno != ENOENT && !err)
			err = -errno;
	}
	if (rmdir(c->pin_dir) && errno != ENOTEMPTY && errno != ENOENT &&
	    errno != EEXIST && !err)
		err = -errno;
	return err;
}

/* ----------------------------------------------------------- open/close -- */

static struct accelq_collector *collector_alloc(void)
{
	struct accelq_collector *c = calloc(1, sizeof(*c));
	int i;

	if (!c)
		return NULL;
	c->lock_fd = -1;
	for (i = 0; i < NR_MAPS; i++)
		c->map_fd[i] = -1;
	c->nr_cpus = libbpf_num_possible_cpus();
	return c;
}

int accelq_collector_open(const struct accelq_collector_opts *opts,
			  struct accelq_collector **out)
{
	struct log_capture lc = { 0 };
	struct accelq_collector *c = NULL;
	struct bpf_map *maps[NR_MAPS];
	libbpf_print_fn_t old_print;
	uint32_t max_entries, flags, rb_size, nr_slots;
	const char *pin_dir;
	int i, err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (opts && opts->sz < offsetof(struct accelq_collector_opts, verbose) +
			       sizeof(opts->verbose))
		return -EINVAL;
	max_entries = OPTS_GET(opts, max_entries, 0) ?: DEFAULT_MAX_ENTRIES;
	pin_dir = OPTS_GET(opts, pin_dir, NULL) ?: ACCELQ_BPF_PIN_DIR;
	flags = OPTS_GET(opts, flags, 0);
	rb_size = OPTS_GET(opts, ringbuf_size, 0) ?: DEFAULT_RINGBUF_SIZE;
	lc.verbose = OPTS_GET(opts, verbose, 0);
	lc.buf = OPTS_GET(opts, log_buf, NULL);
	lc.size = lc.buf ? OPTS_GET(opts, log_size, 0) : 0;
	if (lc.size)
		lc.buf[0] = '\0';

	cur_log = &lc;
	old_print = libbpf_set_print(capture_print);

	c = collector_alloc();
	if (!c) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (c->nr_cpus <= 0) {
		err = c->nr_cpus ?: -EINVAL;
		goto cleanup;
	}
	c->unpin_on_close = flags & ACCELQ_COLLECTOR_UNPIN_ON_CLOSE;

	c->skel = accelq_bpf__open();
	if (!c->skel) {
		err = -errno ?: -EINVAL;
		goto cleanup;
	}
	maps[MAP_SLOTS] = c->skel->maps.slots;
	maps[MAP_USAGE] = c->skel->maps.usage;
	maps[MAP_THROTTLE] = c->skel->maps.throttle;
	maps[MAP_LOST] = c->skel->maps.lost;
	maps[MAP_EVENTS] = c->skel->maps.events;

	/* Slots are found by masking a hash: a power of 2 of them. */
	nr_slots = 1;
	while (nr_slots < max_entries && nr_slots < (1u << 31))
		nr_slots <<= 1;
	err = bpf_map__set_max_entries(maps[MAP_SLOTS], nr_slots);
	if (!err)
		err = bpf_map__set_max_entries(maps[MAP_USAGE], nr_slots);
	if (!err)
		err = bpf_map__set_max_entries(maps[MAP_THROTTLE], max_entries);
	if (!err)
		err = bpf_map__set_max_entries(maps[MAP_EVENTS], rb_size);
	if (err)
		goto cleanup;
	c->skel->rodata->events_enabled = !(flags & ACCELQ_COLLECTOR_NO_EVENTS);
	/* One more program run per job: only when asked for. */
	bpf_program__set_autoattach(c->skel->progs.on_job_submit,
				    flags & ACCELQ_COLLECTOR_SUBMITTED);

	if (pin_dir[0]) {
		if (strlen(pin_dir) >= sizeof(c->pin_dir)) {
			err = -ENAMETOOLONG;
			goto cleanup;
		}
		strcpy(c->pin_dir, pin_dir);
		err = pin_dir_lock(c);
		if (err)
			goto cleanup;
		err = prepare_pins(c, maps);
		if (err)
			goto cleanup;
	}
	/* Reused pinned slots keep their size. */
	c->nr_slots = bpf_map__max_entries(maps[MAP_USAGE]);
	c->skel->rodata->slot_bits = __builtin_ctz(c->nr_slots);

	err = accelq_bpf__load(c->skel);
	if (err)
		goto cleanup;
	if (!(flags & ACCELQ_COLLECTOR_NO_ATTACH)) {
		err = accelq_bpf__attach(c->skel);
		if (err)
			goto cleanup;
	}
	for (i = 0; i < NR_MAPS; i++)
		c->map_fd[i] = bpf_map__fd(maps[i]);
	*out = c;
	c = NULL;
	err = 0;

cleanup:
	libbpf_set_print(old_print);
	cur_log = NULL;
	if (c) {
		c->unpin_on_close = false;
		accelq_collector_close(c);
	}
	return err;
}

int accelq_collector_open_pinned(const char *pin_dir,
				 struct accelq_collector **out)
{
	static const struct {
		enum bpf_map_type type;
		__u32 key_size, value_size;
	} want[NR_MAPS] = {
		[MAP_SLOTS] = { BPF_MAP_TYPE_ARRAY, sizeof(__u32),
				sizeof(struct accelq_bpf_slot) },
		[MAP_USAGE] = { BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
				sizeof(struct accelq_bpf_usage) },
		[MAP_THROTTLE] = { BPF_MAP_TYPE_PERCPU_HASH, sizeof(__u32),
				   sizeof(struct accelq_bpf_throttle) },
		[MAP_LOST] = { BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
			       sizeof(__u64) },
		[MAP_EVENTS] = { BPF_MAP_TYPE_RINGBUF, 0, 0 },
	};
	struct accelq_collector *c;
	char path[PATH_MAX];
	int i, err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!pin_dir || !pin_dir[0])
		pin_dir = ACCELQ_BPF_PIN_DIR;
	if (strlen(pin_dir) >= PATH_MAX)
		return -ENAMETOOLONG;
	c = collector_alloc();
	if (!c)
		return -ENOMEM;
	c->own_fds = true;
	strcpy(c->pin_dir, pin_dir);
	if (c->nr_cpus <= 0) {
		err = c->nr_cpus ?: -EINVAL;
		goto err;
	}
	for (i = 0; i < NR_MAPS; i++) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);

		err = pin_path(path, sizeof(path), pin_dir, map_names[i]);
		if (err)
			goto err;
		c->map_fd[i] = bpf_obj_get(path);
		if (c->map_fd[i] < 0) {
			err = -errno;
			goto err;
		}
		memset(&info, 0, sizeof(info));
		err = bpf_obj_get_info_by_fd(c->map_fd[i], &info, &len);
		if (err)
			goto err;
		if (info.type != want[i].type ||
		    (want[i].key_size && (info.key_size != want[i].key_size ||
					  info.value_size != want[i].value_size))) {
			err = -EPROTO;
			goto err;
		}
		if (i == MAP_SLOTS)
			c->nr_slots = info.max_entries;
		else if (i == MAP_USAGE && info.max_entries != c->nr_slots) {
			err = -EPROTO;
			goto err;
		}
	}
	*out = c;
	return 0;
err:
	accelq_collector_close(c);
	return err;
}

void accelq_collector_close(struct accelq_collector *c)
{
	int i;

	if (!c)
		return;
	ring_buffer__free(c->rb);
	if (c->unpin_on_close)
		accelq_collector_unpin(c);
	accelq_bpf__destroy(c->skel);
	if (c->own_fds)
		for (i = 0; i < NR_MAPS; i++)
			if (c->map_fd[i] >= 0)
				close(c->map_fd[i]);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c);
}

/* ------------------------------------------------------------- snapshot -- */

struct usage_entry {
	struct accelq_bpf_key key;
	struct accelq_bpf_usage u;
};

struct throttle_entry {
	__u32 tenant;
	struct accelq_bpf_throttle t;
};

/* dst[i] += sum over CPUs of the u64 words of a per-CPU value. */
static void sum_percpu(__u64 *dst, const void *percpu, size_t size, int ncpu)
{
	size_t stride = (size + 7) & ~(size_t)7;
	size_t words = size / sizeof(__u64), i;
	int cpu;

	for (cpu = 0; cpu < ncpu; cpu++) {
		const __u64 *v = (const void *)((const char *)percpu +
						cpu * stride);

		for (i = 0; i < words; i++)
			dst[i] += v[i];
	}
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_tenant(const void *key, const void *elem)
{
	__u32 x = *(const __u32 *)key;
	__u32 y = ((const struct accelq_tenant_usage *)elem)->tenant;

	return x < y ? -1 : x > y;
}

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *np;

	if (n < *cap)
		return p;
	ncap = *cap ? *cap * 2 : 64;
	np = realloc(p, ncap * size);
	if (np)
		*cap = ncap;
	return np;
}

/*
 * Read every entry of a per-CPU hash map (the throttle map). A concurrent
 * delete can restart the walk and repeat a key: the caller takes the
 * values of a key, it does not add them up.
 * @ent_size bytes per entry: the key at 0, the summed value at @val_off.
 */
static int read_percpu_hash(int fd, size_t key_size, size_t val_size,
			    size_t ent_size, size_t val_off, int ncpu,
			    void **ents, size_t *nents)
{
	size_t stride = (val_size + 7) & ~(size_t)7, cap = 0, n = 0;
	char key[16], next[16];
	void *buf, *arr = NULL;
	bool first = true;
	int err;

	buf = malloc(stride * ncpu);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		char *e;
		void *na;

		err = bpf_map_get_next_key(fd, first ? NULL : key, next);
		if (err) {
			err = err == -ENOENT ? 0 : err;
			break;
		}
		first = false;
		memcpy(key, next, key_size);
		err = bpf_map_lookup_elem(fd, key, buf);
		if (err) {
			if (err == -ENOENT)
				continue;
			break;
		}
		na = grow(arr, &cap, n, ent_size);
		if (!na) {
			err = -ENOMEM;
			break;
		}
		arr = na;
		e = (char *)arr + n * ent_size;
		memset(e, 0, ent_size);
		memcpy(e, key, key_size);
		sum_percpu((__u64 *)(e + val_off), buf, val_size, ncpu);
		n++;
	}
	free(buf);
	if (err) {
		free(arr);
		return err;
	}
	*ents = arr;
	*nents = n;
	return 0;
}

/* The owner of every usage slot, in one batch if the kernel can. */
static int read_owners(struct accelq_collector *c,
		       struct accelq_bpf_slot **ret)
{
	int fd = c->map_fd[MAP_SLOTS];
	__u32 n = c->nr_slots, count = n, batch = 0, i;
	struct accelq_bpf_slot *v, *vals = NULL;
	__u32 *keys = NULL;
	int err;

	v = calloc(n ?: 1, sizeof(*v));
	keys = calloc(n ?: 1, sizeof(*keys));
	vals = calloc(n ?: 1, sizeof(*vals));
	if (!v || !keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	err = bpf_map_lookup_batch(fd, NULL, &batch, keys, vals, &count, NULL);
	if ((!err || err == -ENOENT) && count == n) {
		for (i = 0; i < n; i++)
			if (keys[i] < n)
				v[keys[i]] = vals[i];
		err = 0;
		goto out;
	}
	for (i = 0, err = 0; i < n && !err; i++)
		err = bpf_map_lookup_elem(fd, &i, &v[i]);
out:
	free(keys);
	free(vals);
	if (err) {
		free(v);
		return err;
	}
	*ret = v;
	return 0;
}

/*
 * The counters of every owned slot, summed over CPUs, with their owner. A
 * pair may own several slots: it then has several entries.
 */
static int read_usage(struct accelq_collector *c, struct usage_entry **ents,
		      size_t *nents)
{
	size_t stride = (sizeof(struct accelq_bpf_usage) + 7) & ~(size_t)7;
	struct accelq_bpf_slot *owners = NULL;
	struct usage_entry *arr = NULL, *na;
	size_t cap = 0, n = 0;
	void *buf;
	__u32 i;
	int err;

	buf = malloc(stride * c->nr_cpus);
	if (!buf)
		return -ENOMEM;
	err = read_owners(c, &owners);
	for (i = 0; !err && i < c->nr_slots; i++) {
		if (!owners[i].used)
			continue;
		err = bpf_map_lookup_elem(c->map_fd[MAP_USAGE], &i, buf);
		if (err)
			break;
		na = grow(arr, &cap, n, sizeof(*arr));
		if (!na) {
			err = -ENOMEM;
			break;
		}
		arr = na;
		memset(&arr[n], 0, sizeof(arr[n]));
		arr[n].key.tenant = owners[i].tenant;
		arr[n].key.engine = owners[i].engine;
		sum_percpu((__u64 *)&arr[n].u, buf,
			   sizeof(struct accelq_bpf_usage), c->nr_cpus);
		n++;
	}
	free(owners);
	free(buf);
	if (err) {
		free(arr);
		return err;
	}
	*ents = arr;
	*nents = n;
	return 0;
}

static __u64 prog_misses(struct accelq_collector *c)
{
	struct bpf_program *prog;
	__u64 misses = 0;

	if (!c->skel)
		return 0;
	bpf_object__for_each_program(prog, c->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			misses += info.recursion_misses;
	}
	return misses;
}

int accelq_collector_snapshot(struct accelq_collector *c,
			      struct accelq_snapshot *snap)
{
	struct usage_entry *ue = NULL;
	struct throttle_entry *te = NULL;
	size_t nue = 0, nte = 0, nids = 0, i, j;
	__u32 *ids = NULL, max_engine = 0;
	struct accelq_tenant_usage *tu;
	__u64 *lostbuf = NULL;
	struct timespec ts;
	int err;

	if (!c || !snap)
		return -EINVAL;
	memset(snap, 0, sizeof(*snap));
	snap->nr_cpus = c->nr_cpus;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snap->taken_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;

	err = read_usage(c, &ue, &nue);
	if (err)
		goto out;
	err = read_percpu_hash(c->map_fd[MAP_THROTTLE], sizeof(__u32),
			       sizeof(struct accelq_bpf_throttle), sizeof(*te),
			       offsetof(struct throttle_entry, t), c->nr_cpus,
			       (void **)&te, &nte);
	if (err)
		goto out;

	/* The tenant ids, sorted, each once. */
	ids = calloc(nue + nte + 1, sizeof(*ids));
	if (!ids) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nue; i++) {
		ids[nids++] = ue[i].key.tenant;
		if (ue[i].key.engine < MAX_ENGINES &&
		    ue[i].key.engine + 1 > max_engine)
			max_engine = ue[i].key.engine + 1;
	}
	for (i = 0; i < nte; i++)
		ids[nids++] = te[i].tenant;
	if (nids) {
		qsort(ids, nids, sizeof(*ids), cmp_u32);
		for (i = 1, j = 0; i < nids; i++)
			if (ids[i] != ids[j])
				ids[++j] = ids[i];
		nids = j + 1;
	}

	snap->nr_engines = max_engine;
	snap->tenants = calloc(nids ?: 1, sizeof(*snap->tenants));
	if (!snap->tenants) {
		err = -ENOMEM;
		goto out;
	}
	snap->nr_tenants = nids;
	for (i = 0; i < nids; i++) {
		tu = &snap->tenants[i];
		tu->tenant = ids[i];
		tu->engine_busy_ns = calloc(max_engine ?: 1, sizeof(__u64));
		if (!tu->engine_busy_ns) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < nue; i++) {
		const struct accelq_bpf_usage *u = &ue[i].u;

		tu = bsearch(&ue[i].key.tenant, snap->tenants, nids,
			     sizeof(*tu), cmp_tenant);
		if (!tu)
			continue;
		tu->busy_ns += u->busy_ns;
		if (ue[i].key.engine < max_engine)
			tu->engine_busy_ns[ue[i].key.engine] += u->busy_ns;
		for (j = 0; j < ACCELQ_BPF_ST_MAX; j++)
			tu->jobs[j] += u->jobs[j];
		tu->submitted += u->submitted;
		tu->preemptions += u->preemptions;
		tu->ticks += u->ticks;
		tu->wait_ns_sum += u->wait_ns_sum;
		for (j = 0; j < ACCELQ_BPF_HIST_BUCKETS; j++) {
			tu->wait_hist[j] += u->wait_hist[j];
			tu->run_hist[j] += u->run_hist[j];
		}
	}
	for (i = 0; i < nte; i++) {
		tu = bsearch(&te[i].tenant, snap->tenants, nids, sizeof(*tu),
			     cmp_tenant);
		if (!tu)
			continue;
		tu->nr_throttled = te[i].t.nr_throttled;
		tu->nr_unthrottled = te[i].t.nr_unthrottled;
		tu->throttled_ns = te[i].t.throttled_ns;
		tu->throttled = tu->nr_throttled > tu->nr_unthrottled;
	}

	lostbuf = calloc(c->nr_cpus, sizeof(__u64));
	if (!lostbuf) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ACCELQ_BPF_LOST_MAX; i++) {
		__u32 key = i;
		__u64 sum = 0;

		err = bpf_map_lookup_elem(c->map_fd[MAP_LOST], &key, lostbuf);
		if (err)
			goto out;
		sum_percpu(&sum, lostbuf, sizeof(__u64), c->nr_cpus);
		snap->lost[i] = sum;
	}
	snap->prog_misses = prog_misses(c);
	err = 0;
out:
	free(lostbuf);
	free(ids);
	free(ue);
	free(te);
	if (err)
		accelq_snapshot_free(snap);
	return err;
}

void accelq_snapshot_free(struct accelq_snapshot *snap)
{
	size_t i;

	if (!snap)
		return;
	for (i = 0; snap->tenants && i < snap->nr_tenants; i++)
		free(snap->tenants[i].engine_busy_ns);
	free(snap->tenants);
	snap->tenants = NULL;
	snap->nr_tenants = 0;
}

const struct accelq_tenant_usage *
accelq_snapshot_tenant(const struct accelq_snapshot *snap, uint32_t tenant)
{
	if (!snap || !snap->nr_tenants)
		return NULL;
	return bsearch(&tenant, snap->tenants, snap->nr_tenants,
		       sizeof(*snap->tenants), cmp_tenant);
}

int accelq_collector_forget_tenant(struct accelq_collector *c, uint32_t tenant)
{
	size_t stride = (sizeof(struct accelq_bpf_usage) + 7) & ~(size_t)7;
	const struct accelq_bpf_slot none = { 0 };
	struct accelq_bpf_slot *owners = NULL;
	void *zero;
	__u32 i;
	int err;

	if (!c)
		return -EINVAL;
	zero = calloc(c->nr_cpus, stride);
	if (!zero)
		return -ENOMEM;
	err = read_owners(c, &owners);
	for (i = 0; !err && i < c->nr_slots; i++) {
		if (!owners[i].used || owners[i].tenant != tenant)
			continue;
		/* Counters first: a free slot must hold none for its next
		 * owner. The tenant is gone, so nothing adds to them now. */
		err = bpf_map_update_elem(c->map_fd[MAP_USAGE], &i, zero,
					  BPF_ANY);
		err = err ?: bpf_map_update_elem(c->map_fd[MAP_SLOTS], &i,
						 &none, BPF_ANY);
	}
	free(owners);
	free(zero);
	if (err)
		return err;
	err = bpf_map_delete_elem(c->map_fd[MAP_THROTTLE], &tenant);
	return err == -ENOENT ? 0 : err;
}

/* --------------------------------------------------------------- events -- */

static int rb_cb(void *ctx, void *data, size_t size)
{
	struct accelq_collector *c = ctx;

	if (size < sizeof(struct accelq_bpf_event) || !c->ev_fn)
		return 0;
	return c->ev_fn(c->ev_ctx, data);
}

static int rb_init(struct accelq_collector *c)
{
	if (c->rb)
		return 0;
	c->rb = ring_buffer__new(c->map_fd[MAP_EVENTS], rb_cb, c, NULL);
	return c->rb ? 0 : (-errno ?: -EINVAL);
}

int accelq_collector_events_fd(struct accelq_collector *c)
{
	int err;

	if (!c)
		return -EINVAL;
	err = rb_init(c);
	return err ?: ring_buffer__epoll_fd(c->rb);
}

int accelq_collector_events_consume(struct accelq_collector *c,
				    accelq_event_fn fn, void *ctx)
{
	int err;

	if (!c || !fn)
		return -EINVAL;
	err = rb_init(c);
	if (err)
		return err;
	c->ev_fn = fn;
	c->ev_ctx = ctx;
	err = ring_buffer__consume(c->rb);
	c->ev_fn = NULL;
	c->ev_ctx = NULL;
	return err;
}

/* ---------------------------------------------------------------- misc -- */

int accelq_collector_prog_fd(struct accelq_collector *c, const char *tracepoint)
{
	struct bpf_program *prog;
	const char *sec;

	if (!c || !tracepoint)
		return -EINVAL;
	if (!c->skel)
		return -ENOENT;
	bpf_object__for_each_program(prog, c->skel->obj) {
		sec = bpf_program__section_name(prog);
		if (!strncmp(sec, "raw_tp/", 7) && !strcmp(sec + 7, tracepoint))
			return bpf_program__fd(prog);
	}
	return -ENOENT;
}

int accelq_collector_map_fd(struct accelq_collector *c, const char *name)
{
	int i;

	if (!c || !name)
		return -EINVAL;
	for (i = 0; i < NR_MAPS; i++)
		if (!strcmp(name, map_names[i]))
			return c->map_fd[i];
	return -ENOENT;
}

uint64_t accelq_hist_quantile(const uint64_t *hist, double q)
{
	uint64_t total = 0, target, acc = 0;
	int i;

	for (i = 0; i < ACCELQ_BPF_HIST_BUCKETS; i++)
		total += hist[i];
	if (!total)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	target = (uint64_t)(q * (double)total);
	if ((double)target < q * (double)total)
		target++;
	if (!target)
		target = 1;
	for (i = 0; i < ACCELQ_BPF_HIST_BUCKETS; i++) {
		acc += hist[i];
		if (acc >= target)
			return 1ULL << (i + 1);
	}
	return 1ULL << ACCELQ_BPF_HIST_BUCKETS;
}
