/* The control socket: a Unix stream socket carrying one request line and
 * one JSON response line per command (protocol version in "proto"). */
#ifndef ONAIR_CTL_H
#define ONAIR_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "show.h"

#define CTL_PROTO 1
#define CTL_LINE_MAX 1024

enum ctl_verb {
	CTL_STATUS, CTL_SHOW, CTL_RELOAD, CTL_LOG, CTL_REPORT, CTL_VERSION, CTL_PING, CTL_SELFTEST
};

struct ctl_request {
	enum ctl_verb verb;
	struct show_cmd cmd;	/* CTL_SHOW */
	bool csv;		/* CTL_REPORT */
	int count;		/* CTL_LOG: how many lines, 0 all */
	char word[24];		/* the command as typed, for logs */
};

/* Parse one request line (without its newline). -1 and a reason when it is
 * not a valid request. */
int ctl_parse(const char *line, size_t len, struct ctl_request *req, char *err, size_t errlen);
/* The request line that ctl_parse reads back as cmd ("extend +30"). */
void ctl_cmd_text(const struct show_cmd *cmd, char *buf, size_t len);
/* Print the commands with a line of help each (onairctl --help). */
void ctl_usage(FILE *f);

/* Handle a parsed request from who; return a malloc'd JSON object text. */
typedef char *(*ctl_handler)(const struct ctl_request *req, const char *who, void *data);

/* Listen on path (refusing if another daemon answers there). */
int ctl_init(const char *path, ctl_handler handler, void *data);
void ctl_fini(void);
/* From inside the handler: the answer comes later. The handler returns
 * NULL; ctl_answer(ticket, …) sends it (or drops it if the client left). */
uint64_t ctl_defer(void);
void ctl_answer(uint64_t ticket, char *response);
/* A JSON error response (malloc'd). */
char *ctl_error_response(const char *reason);

#endif
