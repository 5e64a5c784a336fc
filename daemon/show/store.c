/* The storage worker (see store.h). The loop enqueues under a mutex and is
 * woken through an eventfd when a batch is durable; the worker never calls
 * back into the daemon. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../../core/loop.h"
#include "../../core/util.h"
#include "store.h"

/* Under a failing disk items are held in memory, up to this much; beyond
 * it the oldest appends are given up and counted. */
#define STORE_HELD_MAX (16u * 1024 * 1024)
#define STORE_RETRY_MS 1000

enum item_kind { ITEM_APPEND, ITEM_REPLACE };

struct item {
	enum item_kind kind;
	uint64_t ticket;
	char *path;
	char *data;
	size_t len;
	bool written;		/* in the file, not yet known to be synced */
	struct item *next;
};

struct waiter {
	uint64_t ticket;
	void (*done)(void *data, bool recorded);
	void *data;
};

static struct {
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct item *head, **tail;
	struct item *done;		/* written, to be freed by the loop */
	size_t held_bytes;
	bool stop;
	uint64_t last;			/* loop side: newest ticket handed out */
	uint64_t durable;		/* under lock */
	struct store_fault fault;	/* under lock */
	uint64_t syncs, bytes, batches;	/* under lock */
	int efd;
	struct loop_watch *watch;
	void (*changed)(void *data);
	void *data;
	struct waiter *waiter;	/* answers waiting for their ticket */
	size_t nwaiters, capwaiters;
	bool was_failing;
} s = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .efd = -1 };

static void notify_loop(void)
{
	uint64_t one = 1;
	ssize_t w = write(s.efd, &one, sizeof(one));

	(void)w;	/* a full counter still wakes the loop */
}

static void item_free(struct item *it)
{
	free(it->path);
	free(it->data);
	free(it);
}

/* Write all of data, or undo what was written: a half line is never left
 * in a log, so the next line is never glued onto it. */
static int append_all(int fd, const char *data, size_t len)
{
	struct stat st;
	size_t off = 0;

	if (fstat(fd, &st) < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? errno : ENOSPC;

			if (ftruncate(fd, st.st_size) < 0) {
				/* nothing more to do: the reader skips a torn line */
			}
			errno = err;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* One batch: appends in order, then one fdatasync per file appended to,
 * and the newest replacement of each path. 0 when all of it is durable;
 * -1 with errno otherwise (what was written is marked, never written
 * twice, and synced on the next try). */
static int write_batch(struct item *batch, uint64_t *syncs, uint64_t *bytes)
{
	int fds[8], nfds = 0, rc = 0, err = 0;
	const char *paths[8];

	for (struct item *it = batch; it && rc == 0; it = it->next) {
		if (it->kind == ITEM_APPEND) {
			int fd = -1;

			for (int i = 0; i < nfds; i++)
				if (strcmp(paths[i], it->path) == 0)
					fd = fds[i];
			if (fd < 0 && nfds == (int)ARRAY_SIZE(fds)) {
				errno = EMFILE;
				rc = -1;
				break;
			}
			if (fd < 0) {
				fd = open(it->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
				if (fd < 0) {
					rc = -1;
					break;
				}
				fds[nfds] = fd;
				paths[nfds++] = it->path;
			}
			if (!it->written && append_all(fd, it->data, it->len) < 0) {
				rc = -1;
				break;
			}
			if (!it->written)
				*bytes += it->len;
			it->written = true;
		} else if (!it->written) {
			bool newer = false;

			for (struct item *later = it->next; later && !newer; later = later->next)
				newer = later->kind == ITEM_REPLACE && strcmp(later->path, it->path) == 0;
			/* temp file, fsync, rename, folder fsync */
			if (!newer && file_write_atomic(it->path, it->data, it->len) < 0) {
				rc = -1;
				break;
			}
			if (!newer) {
				*syncs += 2;
				*bytes += it->len;
			}
			it->written = true;
		}
	}
	if (rc < 0)
		err = errno;
	for (int i = 0; i < nfds; i++) {
		if (rc == 0 && fdatasync(fds[i]) < 0) {
			rc = -1;
			err = errno;
		} else if (rc == 0) {
			(*syncs)++;
		}
		close(fds[i]);
	}
	errno = err;
	return rc;
}

static void free_list(struct item *it)
{
	while (it) {
		struct item *next = it->next;

		item_free(it);
		it = next;
	}
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&s.lock);
	for (;;) {
		struct item *batch, *last, **pp;
		uint64_t syncs = 0, bytes = 0;
		int rc, err;

		while (!s.head && !s.stop)
			pthread_cond_wait(&s.wake, &s.lock);
		if (!s.head)
			break;
		/* The whole queue is one batch: a burst shares its syncs. */
		batch = s.head;
		s.head = NULL;
		s.tail = &s.head;
		pthread_mutex_unlock(&s.lock);

		rc = write_batch(batch, &syncs, &bytes);
		err = errno;
		for (last = batch; last->next; last = last->next)
			;

		pthread_mutex_lock(&s.lock);
		s.syncs += syncs;
		s.bytes += bytes;
		s.batches++;
		if (rc == 0) {
			s.durable = last->ticket;
			s.held_bytes = 0;
			for (struct item *it = s.head; it; it = it->next)
				s.held_bytes += it->len;
			s.fault.failing = false;
			s.fault.held = 0;
			/* Freed by the loop: the worker never calls malloc or free,
			 * so it never holds the allocator's lock the loop needs. */
			last->next = s.done;
			s.done = batch;
		} else {
			/* Hold the batch at the head of the queue; try again soon. */
			last->next = s.head;
			if (!s.head)
				s.tail = &last->next;
			s.head = batch;
			if (!s.fault.failing)
				s.fault.since_wall = time_now().wall;
			s.fault.failing = true;
			s.fault.err = err;
			s.fault.held = 0;
			for (pp = &s.head; *pp; pp = &(*pp)->next)
				s.fault.held++;
		}
		notify_loop();
		if (rc < 0) {
			struct timespec until;

			if (s.stop)
				break;	/* stopping on a failing disk: what is held is lost */
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += STORE_RETRY_MS / 1000;
			pthread_cond_timedwait(&s.wake, &s.lock, &until);
		}
	}
	pthread_mutex_unlock(&s.lock);
	return NULL;
}

static void run_waiters(void)
{
	struct waiter *ready;
	size_t nready = 0, kept = 0;
	uint64_t durable;
	bool failing;

	if (!s.nwaiters)
		return;
	pthread_mutex_lock(&s.lock);
	durable = s.durable;
	failing = s.fault.failing;
	pthread_mutex_unlock(&s.lock);
	/* Take the ready ones out first: a callback may add waiters. */
	ready = malloc(s.nwaiters * sizeof(*ready));
	if (!ready)
		return;
	for (size_t i = 0; i < s.nwaiters; i++) {
		if (s.waiter[i].ticket <= durable || failing)
			ready[nready++] = s.waiter[i];
		else
			s.waiter[kept++] = s.waiter[i];
	}
	s.nwaiters = kept;
	for (size_t i = 0; i < nready; i++)
		ready[i].done(ready[i].data, ready[i].ticket <= durable);
	free(ready);
}

static void efd_ready(int fd, uint32_t events, void *data)
{
	uint64_t n;
	ssize_t r = read(fd, &n, sizeof(n));
	struct item *done;

	(void)events, (void)data, (void)r;
	pthread_mutex_lock(&s.lock);
	done = s.done;
	s.done = NULL;
	pthread_mutex_unlock(&s.lock);
	free_list(done);
	run_waiters();
	if (s.changed)
		s.changed(s.data);
}

int store_init(void (*changed)(void *data), void *data)
{
	s.changed = changed;
	s.data = data;
	s.tail = &s.head;
	s.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s.efd < 0)
		return -1;
	s.watch = loop_watch_add(s.efd, EPOLLIN, efd_ready, NULL);
	if (!s.watch || pthread_create(&s.thread, NULL, worker, NULL) != 0)
		return -1;
	s.running = true;
	return 0;
}

void store_fini(void)
{
	if (!s.running)
		return;
	pthread_mutex_lock(&s.lock);
	s.stop = true;
	pthread_cond_signal(&s.wake);
	pthread_mutex_unlock(&s.lock);
	pthread_join(s.thread, NULL);
	s.running = false;
	free_list(s.head);
	free_list(s.done);
	s.head = s.done = NULL;
	s.tail = &s.head;
	/* Everything was written (or the disk failed): answer who waits. */
	run_waiters();
	free(s.waiter);
	s.waiter = NULL;
	s.nwaiters = s.capwaiters = 0;
	loop_watch_remove(s.watch);
	s.watch = NULL;
	close(s.efd);
	s.efd = -1;
}

static uint64_t enqueue(enum item_kind kind, const char *path, const char *data, size_t len)
{
	struct item *it = calloc(1, sizeof(*it));
	uint64_t ticket;

	if (!it || !(it->path = strdup(path)) || !(it->data = malloc(len ? len : 1))) {
		if (it)
			item_free(it);
		return s.last;
	}
	memcpy(it->data, data, len);
	it->len = len;
	it->kind = kind;
	it->ticket = ticket = ++s.last;	/* the worker may free it once queued */
	pthread_mutex_lock(&s.lock);
	/* The memory bound under a failing disk: give up the oldest appends. */
	while (s.held_bytes + len > STORE_HELD_MAX && s.head && s.head->kind == ITEM_APPEND &&
	       !s.head->written) {
		struct item *gone = s.head;

		s.head = gone->next;
		if (!s.head)
			s.tail = &s.head;
		s.held_bytes -= gone->len;
		s.fault.dropped++;
		item_free(gone);
	}
	*s.tail = it;
	s.tail = &it->next;
	s.held_bytes += len;
	pthread_cond_signal(&s.wake);
	pthread_mutex_unlock(&s.lock);
	return ticket;
}

uint64_t store_append(const char *path, const char *data, size_t len)
{
	return enqueue(ITEM_APPEND, path, data, len);
}

uint64_t store_replace(const char *path, const char *data, size_t len)
{
	return enqueue(ITEM_REPLACE, path, data, len);
}

uint64_t store_last(void)
{
	return s.last;
}

uint64_t store_durable(void)
{
	uint64_t d;

	pthread_mutex_lock(&s.lock);
	d = s.durable;
	pthread_mutex_unlock(&s.lock);
	return d;
}

void store_when_durable(uint64_t ticket, void (*done)(void *data, bool recorded), void *data)
{
	if (!s.running) {
		done(data, true);	/* nothing is queued without the worker */
		return;
	}
	if (s.nwaiters == s.capwaiters) {
		size_t cap = s.capwaiters ? 2 * s.capwaiters : 64;
		struct waiter *w = realloc(s.waiter, cap * sizeof(*w));

		if (!w) {
			done(data, false);
			return;
		}
		s.waiter = w;
		s.capwaiters = cap;
	}
	s.waiter[s.nwaiters++] = (struct waiter){ ticket, done, data };
	/* Never called back from here, even when already durable: the caller
	 * may be in the middle of answering (a control client's request), so
	 * the answer comes from the loop's next pass. */
	notify_loop();
}

void store_fault(struct store_fault *f)
{
	pthread_mutex_lock(&s.lock);
	*f = s.fault;
	pthread_mutex_unlock(&s.lock);
}

void store_counts(uint64_t *syncs, uint64_t *bytes, uint64_t *batches)
{
	pthread_mutex_lock(&s.lock);
	*syncs = s.syncs;
	*bytes = s.bytes;
	*batches = s.batches;
	pthread_mutex_unlock(&s.lock);
}
