/* Control socket server. Clients are untrusted: every read is bounded, a
 * client that never finishes a line or never reads its answer is dropped,
 * and nothing a client sends can stop the loop or the daemon. */
#define _GNU_SOURCE
#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "../../core/log.h"
#include "../../core/loop.h"
#include "../../core/jsontext.h"

#define CTL_MAX_CLIENTS 32
#define CTL_OUT_MAX (4 * 1024 * 1024)
#define CTL_IDLE_MS 30000
/* A request line is finished within this, however slowly its bytes come. */
#define CTL_LINE_MS 5000
/* Requests a client may have waiting for the disk before it is read no more. */
#define CTL_PENDING_MAX 64

char *ctl_error_response(const char *reason)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
	cJSON_AddBoolToObject(o, "ok", 0);
	json_add_text(o, "error", reason);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

struct ctl_client {
	int fd;
	struct loop_watch *watch;
	struct loop_timer *idle;
	char in[CMD_LINE_MAX + 2];
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	bool closing;		/* close once the output is written */
	/* Answers not yet sent, in the order of their requests: a deferred
	 * one (ctl_defer) holds back the ones behind it until it comes. */
	struct {
		uint64_t ticket;
		char *text;	/* NULL until it is ready */
	} slot[CTL_PENDING_MAX];
	int nslots;
	int64_t line_since;	/* when the unfinished line began, 0 with none */
	int64_t active;		/* the last complete request (or the accept) */
	int64_t stalled_since;	/* its answers wait for it to read them; 0 not */
	char who[64];
	struct ctl_client *next;
};

static struct {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct loop_watch *watch;
	ctl_handler handler;
	void *data;
	struct ctl_client *clients;
	int nclients;
	struct ctl_client *current;	/* whose request the handler is answering */
	uint64_t next_ticket;
} ctl = { .fd = -1 };

static void client_free(struct ctl_client *cl)
{
	struct ctl_client **pp;

	for (pp = &ctl.clients; *pp; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	for (int i = 0; i < cl->nslots; i++)
		free(cl->slot[i].text);
	loop_watch_remove(cl->watch);
	loop_timer_remove(cl->idle);
	close(cl->fd);
	free(cl->out);
	free(cl);
	ctl.nclients--;
}

static void client_flush(struct ctl_client *cl)
{
	while (cl->outoff < cl->outlen) {
		ssize_t w = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (!cl->stalled_since)
				cl->stalled_since = time_mono_ms();
			break;
		}
		if (w < 0) {
			client_free(cl);
			return;
		}
		cl->outoff += (size_t)w;
	}
	if (cl->outoff == cl->outlen) {
		cl->outoff = cl->outlen = 0;
		cl->stalled_since = 0;
		if (cl->closing && !cl->nslots) {
			client_free(cl);
			return;
		}
	}
	/* A client with as many answers awaited as it may have is read no
	 * more until they come; its requests wait in the socket. */
	loop_watch_modify(cl->watch, cl->outlen ? EPOLLOUT
				     : (cl->closing || cl->nslots == CTL_PENDING_MAX ? 0 : EPOLLIN));
}

static void client_queue(struct ctl_client *cl, char *response)
{
	size_t n;
	char *grown;

	if (!response)
		response = ctl_error_response("out of memory");
	if (!response)
		return;
	n = strlen(response);
	if (cl->outlen + n + 1 > CTL_OUT_MAX) {
		/* A client that sends requests but never reads answers. */
		log_warnx("ctl: %s: not reading its answers; dropped", cl->who);
		free(response);
		cl->closing = true;
		cl->outlen = cl->outoff = 0;
		return;
	}
	grown = realloc(cl->out, cl->outlen + n + 1);
	if (!grown) {
		free(response);
		return;
	}
	cl->out = grown;
	memcpy(cl->out + cl->outlen, response, n);
	cl->out[cl->outlen + n] = '\n';
	cl->outlen += n + 1;
	free(response);
}

static void client_line(struct ctl_client *cl, const char *line, size_t len)
{
	struct cmd_request req;
	char err[160];

	if (cmd_parse(line, len, &req, err, sizeof(err)) < 0) {
		log_info("ctl: %s: rejected: %s", cl->who, err);
		client_queue(cl, ctl_error_response(err));
		return;
	}
	char *response;

	if (req.verb != CMD_STATUS && req.verb != CMD_PING)
		log_info("ctl: %s: %.*s", cl->who, (int)len, line);
	ctl.current = cl;
	response = ctl.handler(&req, cl->who, ctl.data);
	ctl.current = NULL;
	if (!response && cl->nslots && !cl->slot[cl->nslots - 1].text)
		return;	/* deferred: ctl_answer brings it */
	if (!cl->nslots) {
		client_queue(cl, response);
		return;
	}
	/* Ready, but behind an answer still awaited. */
	cl->slot[cl->nslots].ticket = 0;
	cl->slot[cl->nslots++].text = response ? response : ctl_error_response("out of memory");
}

uint64_t ctl_defer(void)
{
	struct ctl_client *cl = ctl.current;

	if (!cl || cl->nslots == CTL_PENDING_MAX)
		return 0;
	cl->slot[cl->nslots].ticket = ++ctl.next_ticket;
	cl->slot[cl->nslots++].text = NULL;
	loop_timer_arm(cl->idle, NEVER);
	return ctl.next_ticket;
}

static void client_process(struct ctl_client *cl);
static void client_arm(struct ctl_client *cl);

void ctl_answer(uint64_t ticket, char *response)
{
	struct ctl_client *cl;
	int i = -1, done = 0;

	for (cl = ctl.clients; cl; cl = cl->next) {
		for (int k = 0; k < cl->nslots && i < 0; k++)
			if (cl->slot[k].ticket == ticket && !cl->slot[k].text)
				i = k;
		if (i >= 0)
			break;
	}
	if (!cl) {
		free(response);	/* it hung up while waiting */
		return;
	}
	cl->slot[i].text = response ? response : ctl_error_response("out of memory");
	while (done < cl->nslots && cl->slot[done].text)
		client_queue(cl, cl->slot[done++].text);
	memmove(cl->slot, cl->slot + done, (size_t)(cl->nslots - done) * sizeof(cl->slot[0]));
	cl->nslots -= done;
	client_process(cl);
	if (!cl->nslots)
		client_arm(cl);
	client_flush(cl);
}

static void client_idle(void *data)
{
	struct ctl_client *cl = data;

	if (cl->line_since)
		log_info("ctl: %s: a request line not finished within %d s; closed", cl->who,
			 CTL_LINE_MS / 1000);
	else
		log_debug("ctl: %s: idle; closed", cl->who);
	client_free(cl);
}

/* Idle for CTL_IDLE_MS, and a line begun is finished within CTL_LINE_MS:
 * a byte now and then keeps no client in. */
static void client_arm(struct ctl_client *cl)
{
	int64_t now = time_mono_ms(), at = now + CTL_IDLE_MS;

	if (cl->inlen && !cl->line_since)
		cl->line_since = now;
	if (!cl->inlen)
		cl->line_since = 0;
	if (cl->line_since && cl->line_since + CTL_LINE_MS < at)
		at = cl->line_since + CTL_LINE_MS;
	loop_timer_arm(cl->idle, at);
}

/* Answer the complete lines received, in order, until one is deferred. */
static void client_process(struct ctl_client *cl)
{
	char *nl;

	while (cl->nslots < CTL_PENDING_MAX && (nl = memchr(cl->in, '\n', cl->inlen))) {
		size_t len = (size_t)(nl - cl->in);

		client_line(cl, cl->in, len);
		memmove(cl->in, nl + 1, cl->inlen - len - 1);
		cl->inlen -= len + 1;
		cl->active = time_mono_ms();
		cl->line_since = 0;
	}
	if (cl->nslots < CTL_PENDING_MAX && cl->closing && cl->inlen) {
		/* The last request may come without its newline before EOF. */
		client_line(cl, cl->in, cl->inlen);
		cl->inlen = 0;
	}
}

static void client_ready(int fd, uint32_t events, void *data)
{
	struct ctl_client *cl = data;

	if (events & EPOLLOUT) {
		client_flush(cl);
		return;
	}
	if (cl->closing || cl->nslots == CTL_PENDING_MAX)
		return;
	while (cl->nslots < CTL_PENDING_MAX) {
		ssize_t r = recv(fd, cl->in + cl->inlen, sizeof(cl->in) - 1 - cl->inlen, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			/* Half-closed: answer what came, then close. */
			cl->closing = true;
			break;
		}
		cl->inlen += (size_t)r;
		client_process(cl);
		if (cl->nslots < CTL_PENDING_MAX && cl->inlen >= sizeof(cl->in) - 1) {
			client_queue(cl, ctl_error_response("request line too long"));
			cl->closing = true;
			cl->inlen = 0;
			break;
		}
	}
	client_process(cl);
	if (!cl->nslots)
		client_arm(cl);
	client_flush(cl);
}

/* A client whose answers have waited this long for it to read them is
 * not reading: it gives way to a new one. */
#define CTL_STALL_MS 1000

/* Full: the client longest without a finished request, and not waiting
 * for an answer, makes room; else the one that has left its answers
 * unread the longest. The operator always gets in however many idle,
 * trickling or never-reading clients hold the socket. */
static bool make_room(void)
{
	struct ctl_client *oldest = NULL, *stalled = NULL;
	int64_t now = time_mono_ms();

	for (struct ctl_client *cl = ctl.clients; cl; cl = cl->next) {
		if (!cl->nslots && !cl->outlen && (!oldest || cl->active < oldest->active))
			oldest = cl;
		if (cl->outlen && cl->stalled_since && now - cl->stalled_since >= CTL_STALL_MS &&
		    (!stalled || cl->stalled_since < stalled->stalled_since))
			stalled = cl;
	}
	if (oldest) {
		log_info("ctl: %d clients, the most there may be: closed %s (no request for %lld ms) to let "
			 "a new one in", ctl.nclients, oldest->who, (long long)(now - oldest->active));
		client_free(oldest);
		return true;
	}
	if (stalled) {
		log_warnx("ctl: %d clients, the most there may be: closed %s (its answers unread for %lld ms) "
			  "to let a new one in", ctl.nclients, stalled->who, (long long)(now - stalled->stalled_since));
		client_free(stalled);
		return true;
	}
	return false;
}

static void ctl_accept(int fd, uint32_t events, void *data)
{
	(void)events;
	(void)data;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_client *cl;
		struct ucred cred;
		socklen_t clen = sizeof(cred);

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("ctl: accept");
			return;
		}
		if ((ctl.nclients >= CTL_MAX_CLIENTS && !make_room()) || !(cl = calloc(1, sizeof(*cl)))) {
			log_warnx("ctl: too many clients; refused one");
			close(cfd);
			continue;
		}
		cl->fd = cfd;
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
			snprintf(cl->who, sizeof(cl->who), "uid %u pid %d", (unsigned)cred.uid, (int)cred.pid);
		else
			snprintf(cl->who, sizeof(cl->who), "unknown peer");
		cl->watch = loop_watch_add(cfd, EPOLLIN, client_ready, cl);
		cl->idle = loop_timer_add(client_idle, cl);
		if (!cl->watch || !cl->idle) {
			loop_watch_remove(cl->watch);
			loop_timer_remove(cl->idle);
			close(cfd);
			free(cl);
			continue;
		}
		cl->active = time_mono_ms();
		loop_timer_arm(cl->idle, cl->active + CTL_IDLE_MS);
		cl->next = ctl.clients;
		ctl.clients = cl;
		ctl.nclients++;
	}
}

int ctl_init(const char *path, ctl_handler handler, void *data)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	mode_t old;
	int probe;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_warnx("ctl: socket path %s is longer than %zu bytes", path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	str_copy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (dir_create(dir, 0755) < 0)
			log_warn("ctl: create %s", dir);
	}
	/* Another daemon answering there: refuse. Nobody answering: stale. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		log_warnx("ctl: another onaird is already running on %s", path);
		errno = EADDRINUSE;
		return -1;
	}
	if (probe >= 0)
		close(probe);
	unlink(path);
	ctl.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl.fd < 0) {
		log_warn("ctl: socket");
		return -1;
	}
	old = umask(0117);
	if (bind(ctl.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		log_warn("ctl: bind %s", path);
		close(ctl.fd);
		ctl.fd = -1;
		return -1;
	}
	umask(old);
	if (listen(ctl.fd, 16) < 0) {
		log_warn("ctl: listen %s", path);
		close(ctl.fd);
		ctl.fd = -1;
		return -1;
	}
	str_copy(ctl.path, path, sizeof(ctl.path));
	ctl.handler = handler;
	ctl.data = data;
	ctl.watch = loop_watch_add(ctl.fd, EPOLLIN, ctl_accept, NULL);
	return ctl.watch ? 0 : -1;
}

void ctl_fini(void)
{
	while (ctl.clients)
		client_free(ctl.clients);
	if (ctl.fd >= 0) {
		loop_watch_remove(ctl.watch);
		close(ctl.fd);
		unlink(ctl.path);
	}
	ctl.fd = -1;
}
