/* The command grammar: the words an operator says to the show, their
 * arguments and their text form. One table serves onairctl, the control
 * socket, buttons and pedals (their mapping keys) and MQTT commands, so a
 * pedal, a terminal and a dashboard say the same things. Pure. */
#ifndef ONAIR_CMD_H
#define ONAIR_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "show.h"

#define CMD_LINE_MAX 1024

enum cmd_verb {
	CMD_STATUS, CMD_SHOW, CMD_RELOAD, CMD_LOG, CMD_REPORT, CMD_SHOWS, CMD_VERSION, CMD_PING, CMD_SELFTEST
};

struct cmd_request {
	enum cmd_verb verb;
	struct show_cmd cmd;	/* CMD_SHOW */
	bool csv, html;		/* CMD_REPORT */
	char show[32];		/* CMD_REPORT: a past show's id; "" the running or latest */
	int count;		/* CMD_LOG: how many lines, 0 all */
	char word[24];		/* the command as typed, for logs */
};

/* Parse one request line (without its newline). -1 and a reason when it is
 * not a valid request. The command's source is SHOW_SRC_CLI. */
int cmd_parse(const char *line, size_t len, struct cmd_request *req, char *err, size_t errlen);
/* Parse a show command only ("next", "extend +30"), as a button mapping or
 * an MQTT command says it; -1 and a reason for anything else. */
int cmd_parse_show(const char *text, enum show_source source, struct show_cmd *cmd, char *err,
		   size_t errlen);
/* The request line that cmd_parse reads back as cmd ("extend +30"). */
void cmd_text(const struct show_cmd *cmd, char *buf, size_t len);
/* Print the commands with a line of help each (onairctl --help). */
void cmd_usage(FILE *f);

#endif
