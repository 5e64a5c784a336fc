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
#include "log.h"
#include "loop.h"

#define CTL_MAX_CLIENTS 32
#define CTL_OUT_MAX (4 * 1024 * 1024)
#define CTL_IDLE_MS 30000

enum ctl_arg { ARG_NONE, ARG_SEGMENT, ARG_SIGNED_SECONDS, ARG_SECONDS_OR_CANCEL, ARG_CSV, ARG_COUNT, ARG_ATTENTION };

static const struct ctl_command {
	const char *name;
	enum ctl_verb verb;
	enum show_cmd_kind kind;
	enum ctl_arg arg;
	const char *usage;
	const char *help;
} ctl_commands[] = {
	{ "status", CTL_STATUS, 0, ARG_NONE, "status [--json]", "segment, remaining time and every lamp" },
	{ "start", CTL_SHOW, SHOW_CMD_START, ARG_NONE, "start", "start the show (preroll, then segment 1)" },
	{ "next", CTL_SHOW, SHOW_CMD_NEXT, ARG_NONE, "next", "next segment (starts the show from standby)" },
	{ "prev", CTL_SHOW, SHOW_CMD_PREV, ARG_NONE, "prev", "back to the previous segment, its time continuing" },
	{ "goto", CTL_SHOW, SHOW_CMD_GOTO, ARG_SEGMENT, "goto N", "jump to segment N (1-based), starting it afresh" },
	{ "hold", CTL_SHOW, SHOW_CMD_HOLD, ARG_NONE, "hold", "freeze the countdown" },
	{ "resume", CTL_SHOW, SHOW_CMD_RESUME, ARG_NONE, "resume", "continue after hold" },
	{ "hold-toggle", CTL_SHOW, SHOW_CMD_HOLD_TOGGLE, ARG_NONE, "hold-toggle", "hold, or resume when held (one pedal for both)" },
	{ "extend", CTL_SHOW, SHOW_CMD_EXTEND, ARG_SIGNED_SECONDS, "extend [+|-]SECONDS", "lengthen or shorten this segment (also m:ss)" },
	{ "end", CTL_SHOW, SHOW_CMD_END, ARG_NONE, "end", "end the show" },
	{ "cue", CTL_SHOW, SHOW_CMD_ATTENTION, ARG_ATTENTION, "cue attention", "flash the cue light: look at me" },
	{ "standby", CTL_SHOW, SHOW_CMD_STANDBY, ARG_NONE, "standby", "call standby (cue light flashes until acknowledged)" },
	{ "ack", CTL_SHOW, SHOW_CMD_ACK, ARG_NONE, "ack", "the anchor acknowledges standby (light steady)" },
	{ "go", CTL_SHOW, SHOW_CMD_GO, ARG_NONE, "go", "give GO after standby" },
	{ "aux", CTL_SHOW, SHOW_CMD_AUX, ARG_SECONDS_OR_CANCEL, "aux SECONDS|cancel", "run an auxiliary countdown on the display (flash sale, lucky draw)" },
	{ "reload", CTL_RELOAD, 0, ARG_NONE, "reload", "re-read config and rundown (kept on error)" },
	{ "log", CTL_LOG, 0, ARG_COUNT, "log [N]", "this show's log, the last N lines" },
	{ "report", CTL_REPORT, 0, ARG_CSV, "report [--csv]", "planned vs actual per segment, holds, who pressed what" },
	{ "version", CTL_VERSION, 0, ARG_NONE, "version", "daemon version and protocol" },
	{ "ping", CTL_PING, 0, ARG_NONE, "ping", "is the daemon answering" },
	{ "selftest", CTL_SELFTEST, 0, ARG_NONE, "selftest [--json]", "the pre-live checklist (exit 1 on FAIL)" },
};

void ctl_usage(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(ctl_commands); i++)
		fprintf(f, "  %-22s %s\n", ctl_commands[i].usage, ctl_commands[i].help);
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

void ctl_cmd_text(const struct show_cmd *cmd, char *buf, size_t len)
{
	const struct ctl_command *c = NULL;

	if (cmd->kind == SHOW_CMD_AUX_CANCEL) {
		snprintf(buf, len, "aux cancel");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ctl_commands) && !c; i++)
		if (ctl_commands[i].verb == CTL_SHOW && ctl_commands[i].kind == cmd->kind)
			c = &ctl_commands[i];
	if (!c) {
		snprintf(buf, len, "?");
		return;
	}
	switch (c->arg) {
	case ARG_SEGMENT: snprintf(buf, len, "%s %lld", c->name, (long long)cmd->arg); break;
	case ARG_SIGNED_SECONDS: snprintf(buf, len, "%s %+lld", c->name, (long long)(cmd->arg / 1000)); break;
	case ARG_SECONDS_OR_CANCEL: snprintf(buf, len, "%s %lld", c->name, (long long)(cmd->arg / 1000)); break;
	case ARG_ATTENTION: snprintf(buf, len, "%s attention", c->name); break;
	default: snprintf(buf, len, "%s", c->name); break;
	}
}

int ctl_parse(const char *line, size_t len, struct ctl_request *req, char *err, size_t errlen)
{
	char buf[CTL_LINE_MAX + 1], *words[4], *save = NULL, *w;
	int n = 0;
	const struct ctl_command *c = NULL;
	int64_t ms;
	long long v;

	memset(req, 0, sizeof(*req));
	if (len > CTL_LINE_MAX)
		BAD("request longer than %d bytes", CTL_LINE_MAX);
	if (len && line[len - 1] == '\r')
		len--;
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7E)
			BAD("request contains a byte that is not printable ASCII (0x%02x)",
			    (unsigned char)buf[i]);
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == (int)ARRAY_SIZE(words))
			BAD("too many words");
		words[n++] = w;
	}
	if (n == 0)
		BAD("empty request");
	for (size_t i = 0; i < ARRAY_SIZE(ctl_commands); i++)
		if (strcmp(ctl_commands[i].name, words[0]) == 0)
			c = &ctl_commands[i];
	if (!c)
		BAD("unknown command \"%.32s\"", words[0]);
	str_copy(req->word, c->name, sizeof(req->word));
	req->verb = c->verb;
	req->cmd.kind = c->kind;
	req->cmd.source = SHOW_SRC_CLI;
	switch (c->arg) {
	case ARG_NONE:
		if (n != 1)
			BAD("%s takes no argument", c->name);
		break;
	case ARG_SEGMENT:
		if (n != 2 || !int_parse(words[1], 1, RUNDOWN_MAX_SEGMENTS, &v))
			BAD("usage: %s (N from 1 to %d)", c->usage, RUNDOWN_MAX_SEGMENTS);
		req->cmd.arg = v;
		break;
	case ARG_SIGNED_SECONDS:
		if (n != 2 || !duration_parse(words[1], true, &ms))
			BAD("usage: %s", c->usage);
		req->cmd.arg = ms;
		break;
	case ARG_SECONDS_OR_CANCEL:
		if (n == 2 && strcmp(words[1], "cancel") == 0) {
			req->cmd.kind = SHOW_CMD_AUX_CANCEL;
			break;
		}
		if (n != 2 || !duration_parse(words[1], false, &ms) || ms <= 0)
			BAD("usage: %s", c->usage);
		req->cmd.arg = ms;
		break;
	case ARG_CSV:
		if (n > 2 || (n == 2 && strcmp(words[1], "csv") != 0 && strcmp(words[1], "--csv") != 0))
			BAD("usage: %s", c->usage);
		req->csv = n == 2;
		break;
	case ARG_COUNT:
		if (n > 2 || (n == 2 && !int_parse(words[1], 1, 100000, &v)))
			BAD("usage: %s (N from 1 to 100000)", c->usage);
		req->count = n == 2 ? (int)v : 0;
		break;
	case ARG_ATTENTION:
		if (n != 2 || strcmp(words[1], "attention") != 0)
			BAD("usage: %s", c->usage);
		break;
	}
	return 0;
}

char *ctl_error_response(const char *reason)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
	cJSON_AddBoolToObject(o, "ok", 0);
	cJSON_AddStringToObject(o, "error", reason);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

struct ctl_client {
	int fd;
	struct loop_watch *watch;
	struct loop_timer *idle;
	char in[CTL_LINE_MAX + 2];
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	bool closing;		/* close once the output is written */
	bool waiting;		/* an answer comes later (ctl_defer) */
	uint64_t serial;
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
	uint64_t next_serial;
} ctl = { .fd = -1 };

static void client_free(struct ctl_client *cl)
{
	struct ctl_client **pp;

	for (pp = &ctl.clients; *pp; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
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
		if (w < 0 && errno == EAGAIN)
			break;
		if (w < 0) {
			client_free(cl);
			return;
		}
		cl->outoff += (size_t)w;
	}
	if (cl->outoff == cl->outlen) {
		cl->outoff = cl->outlen = 0;
		if (cl->closing && !cl->waiting) {
			client_free(cl);
			return;
		}
	}
	loop_watch_modify(cl->watch, cl->outlen ? EPOLLOUT : (cl->closing ? 0 : EPOLLIN));
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
	struct ctl_request req;
	char err[160];

	if (ctl_parse(line, len, &req, err, sizeof(err)) < 0) {
		log_info("ctl: %s: rejected: %s", cl->who, err);
		client_queue(cl, ctl_error_response(err));
		return;
	}
	char *response;

	if (req.verb != CTL_STATUS && req.verb != CTL_PING)
		log_info("ctl: %s: %.*s", cl->who, (int)len, line);
	ctl.current = cl;
	response = ctl.handler(&req, cl->who, ctl.data);
	ctl.current = NULL;
	if (!response && cl->waiting)
		return;	/* ctl_answer will bring it */
	client_queue(cl, response);
}

uint64_t ctl_defer(void)
{
	if (!ctl.current)
		return 0;
	ctl.current->waiting = true;
	loop_timer_arm(ctl.current->idle, NEVER);
	return ctl.current->serial;
}

void ctl_answer(uint64_t ticket, char *response)
{
	struct ctl_client *cl;

	for (cl = ctl.clients; cl && cl->serial != ticket; cl = cl->next)
		;
	if (!cl || !cl->waiting) {
		free(response);	/* it hung up while waiting */
		return;
	}
	cl->waiting = false;
	client_queue(cl, response);
	loop_timer_arm(cl->idle, time_mono_ms() + CTL_IDLE_MS);
	client_flush(cl);
}

static void client_idle(void *data)
{
	struct ctl_client *cl = data;

	log_debug("ctl: %s: idle; closed", cl->who);
	client_free(cl);
}

static void client_ready(int fd, uint32_t events, void *data)
{
	struct ctl_client *cl = data;

	if (events & EPOLLOUT) {
		client_flush(cl);
		return;
	}
	if (cl->closing)
		return;
	for (;;) {
		ssize_t r = recv(fd, cl->in + cl->inlen, sizeof(cl->in) - 1 - cl->inlen, 0);
		char *nl;

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
		while ((nl = memchr(cl->in, '\n', cl->inlen))) {
			size_t len = (size_t)(nl - cl->in);

			client_line(cl, cl->in, len);
			memmove(cl->in, nl + 1, cl->inlen - len - 1);
			cl->inlen -= len + 1;
		}
		if (cl->inlen >= sizeof(cl->in) - 1) {
			client_queue(cl, ctl_error_response("request line too long"));
			cl->closing = true;
			cl->inlen = 0;
			break;
		}
	}
	if (cl->closing && cl->inlen) {
		/* The last request may come without its newline before EOF. */
		client_line(cl, cl->in, cl->inlen);
		cl->inlen = 0;
	}
	if (!cl->waiting)
		loop_timer_arm(cl->idle, time_mono_ms() + CTL_IDLE_MS);
	client_flush(cl);
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
		if (ctl.nclients >= CTL_MAX_CLIENTS || !(cl = calloc(1, sizeof(*cl)))) {
			log_warnx("ctl: too many clients; refused one");
			close(cfd);
			continue;
		}
		cl->fd = cfd;
		cl->serial = ++ctl.next_serial;
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
		loop_timer_arm(cl->idle, time_mono_ms() + CTL_IDLE_MS);
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
