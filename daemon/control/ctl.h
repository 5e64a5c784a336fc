/* The control socket: a Unix stream socket carrying one request line and
 * one JSON response line per command (protocol version in "proto"). */
#ifndef ONAIR_CTL_H
#define ONAIR_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "../../core/cmd.h"

#define CTL_PROTO 1

/* Handle a parsed request from who; return a malloc'd JSON object text. */
typedef char *(*ctl_handler)(const struct cmd_request *req, const char *who, void *data);

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
