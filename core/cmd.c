/* The command grammar (see cmd.h): one table of words. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

enum cmd_arg {
	ARG_NONE, ARG_SEGMENT, ARG_SIGNED_SECONDS, ARG_SECONDS_OR_CANCEL, ARG_CSV, ARG_COUNT,
	ARG_WORD_AFTER,		/* a fixed second word: "cue attention", "promo said" */
	ARG_OPTIONAL_TEXT,	/* mark [TEXT...]: the rest of the line, if any */
	ARG_OVERRIDE,		/* start [--override REASON...] */
	ARG_MESSAGE,		/* say TEXT... | say --canned KEY */
};

static const struct cmd_entry {
	const char *name;
	enum cmd_verb verb;
	enum show_cmd_kind kind;
	enum cmd_arg arg;
	const char *usage;
	const char *help;
	const char *second;	/* ARG_WORD_AFTER's word */
} cmd_table[] = {
	{ "status", CMD_STATUS, 0, ARG_NONE, "status [--json]", "segment, remaining time and every lamp", NULL },
	{ "start", CMD_SHOW, SHOW_CMD_START, ARG_OVERRIDE, "start [--override REASON]", "start the show (preroll, then segment 1); --override goes live past a failed self-test, logged", NULL },
	{ "next", CMD_SHOW, SHOW_CMD_NEXT, ARG_NONE, "next", "next segment (starts the show from standby)", NULL },
	{ "prev", CMD_SHOW, SHOW_CMD_PREV, ARG_NONE, "prev", "back to the previous segment, its time continuing", NULL },
	{ "goto", CMD_SHOW, SHOW_CMD_GOTO, ARG_SEGMENT, "goto N", "jump to segment N (1-based), starting it afresh", NULL },
	{ "hold", CMD_SHOW, SHOW_CMD_HOLD, ARG_NONE, "hold", "freeze the countdown", NULL },
	{ "resume", CMD_SHOW, SHOW_CMD_RESUME, ARG_NONE, "resume", "continue after hold", NULL },
	{ "hold-toggle", CMD_SHOW, SHOW_CMD_HOLD_TOGGLE, ARG_NONE, "hold-toggle", "hold, or resume when held (one pedal for both)", NULL },
	{ "extend", CMD_SHOW, SHOW_CMD_EXTEND, ARG_SIGNED_SECONDS, "extend [+|-]SECONDS", "lengthen or shorten this segment (also m:ss)", NULL },
	{ "end", CMD_SHOW, SHOW_CMD_END, ARG_NONE, "end", "end the show", NULL },
	{ "cue", CMD_SHOW, SHOW_CMD_ATTENTION, ARG_WORD_AFTER, "cue attention", "flash the cue light: look at me", "attention" },
	{ "standby", CMD_SHOW, SHOW_CMD_STANDBY, ARG_NONE, "standby", "call standby (cue light flashes until acknowledged)", NULL },
	{ "ack", CMD_SHOW, SHOW_CMD_ACK, ARG_NONE, "ack", "the anchor acknowledges standby (light steady)", NULL },
	{ "go", CMD_SHOW, SHOW_CMD_GO, ARG_NONE, "go", "give GO after standby", NULL },
	{ "aux", CMD_SHOW, SHOW_CMD_AUX, ARG_SECONDS_OR_CANCEL, "aux SECONDS|cancel", "run an auxiliary countdown on the display (flash sale, lucky draw)", NULL },
	{ "interaction", CMD_SHOW, SHOW_CMD_INTERACTION, ARG_WORD_AFTER, "interaction done", "an interaction with the viewers happened (resets its window)", "done" },
	{ "promo", CMD_SHOW, SHOW_CMD_PROMO, ARG_WORD_AFTER, "promo said", "the promotion was called once more (counts toward the quota)", "said" },
	{ "say", CMD_SHOW, SHOW_CMD_SAY, ARG_MESSAGE, "say TEXT | say --canned KEY", "a message on the anchor's screen (and the cue light) until acknowledged (ack) or expired", NULL },
	{ "mark", CMD_SHOW, SHOW_CMD_MARK, ARG_OPTIONAL_TEXT, "mark [TEXT...]", "something happened here: a mark (with a word or a phrase) in the log and the report, to find in the recording", NULL },
	{ "reload", CMD_RELOAD, 0, ARG_NONE, "reload", "re-read config and rundown (kept on error)", NULL },
	{ "log", CMD_LOG, 0, ARG_COUNT, "log [N]", "this show's log, the last N lines", NULL },
	{ "report", CMD_REPORT, 0, ARG_CSV, "report [SHOW] [--csv|--html FILE]", "the review of the running show, else the latest (SHOW: one of shows): every segment planned vs actual, rhythm counts, marks, who pressed what; --html writes one page with a timeline", NULL },
	{ "shows", CMD_SHOWS, 0, ARG_NONE, "shows", "the shows this box holds, newest first: id, date, title, how long, how it ended", NULL },
	{ "version", CMD_VERSION, 0, ARG_NONE, "version", "daemon version and protocol", NULL },
	{ "ping", CMD_PING, 0, ARG_NONE, "ping", "is the daemon answering", NULL },
	{ "selftest", CMD_SELFTEST, 0, ARG_NONE, "selftest [--json]", "the pre-live checklist (exit 1 on FAIL)", NULL },
};

static const struct cmd_entry *entry_of(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

void cmd_usage(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
		fprintf(f, "  %-22s %s\n", cmd_table[i].usage, cmd_table[i].help);
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

void cmd_text(const struct show_cmd *cmd, char *buf, size_t len)
{
	const struct cmd_entry *c = NULL;

	if (cmd->kind == SHOW_CMD_AUX_CANCEL) {
		snprintf(buf, len, "aux cancel");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cmd_table) && !c; i++)
		if (cmd_table[i].verb == CMD_SHOW && cmd_table[i].kind == cmd->kind)
			c = &cmd_table[i];
	if (!c) {
		snprintf(buf, len, "?");
		return;
	}
	switch (c->arg) {
	case ARG_SEGMENT: snprintf(buf, len, "%s %lld", c->name, (long long)cmd->arg); break;
	case ARG_SIGNED_SECONDS: snprintf(buf, len, "%s %+lld", c->name, (long long)(cmd->arg / 1000)); break;
	case ARG_SECONDS_OR_CANCEL: snprintf(buf, len, "%s %lld", c->name, (long long)(cmd->arg / 1000)); break;
	case ARG_WORD_AFTER: snprintf(buf, len, "%s %s", c->name, c->second); break;
	case ARG_OPTIONAL_TEXT: snprintf(buf, len, "%s%s%s", c->name, *cmd->text ? " " : "", cmd->text); break;
	case ARG_OVERRIDE:
		snprintf(buf, len, "%s%s%s", c->name, cmd->override ? " --override " : "",
			 cmd->override ? cmd->text : "");
		break;
	case ARG_MESSAGE:
		snprintf(buf, len, "%s %s%s", c->name, cmd->canned ? "--canned " : "", cmd->text);
		break;
	default: snprintf(buf, len, "%s", c->name); break;
	}
}

int cmd_parse(const char *line, size_t len, struct cmd_request *req, char *err, size_t errlen)
{
	char buf[CMD_LINE_MAX + 1], *words[4], *save = NULL, *w, *rest = NULL;
	int n = 0;
	const struct cmd_entry *c = NULL;
	int64_t ms;
	long long v;

	memset(req, 0, sizeof(*req));
	if (len > CMD_LINE_MAX)
		BAD("request longer than %d bytes", CMD_LINE_MAX);
	if (len && line[len - 1] == '\r')
		len--;
	memcpy(buf, line, len);
	buf[len] = '\0';
	/* The words are ASCII; a message, a mark or a reason may be any
	 * language, so UTF-8 is let through, control characters never. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] == 0x7F)
			BAD("request contains a control character (0x%02x)", (unsigned char)buf[i]);
	if (!utf8_wellformed(buf, len))
		BAD("request is not valid UTF-8");
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == (int)ARRAY_SIZE(words))
			BAD("too many words");
		words[n++] = w;
		if (n == 1)
			c = entry_of(w);
		/* A message, and an override's reason, are the rest of the line,
		 * spaces and all: the table says which words take one. */
		if (c && ((n == 1 && (c->arg == ARG_MESSAGE || c->arg == ARG_OPTIONAL_TEXT)) ||
			  (n == 2 && c->arg == ARG_OVERRIDE && strcmp(w, "--override") == 0))) {
			rest = save && *save ? str_trim(save) : NULL;
			break;
		}
	}
	if (n == 0)
		BAD("empty request");
	if (!c) {
		struct nearest near = NEAREST(words[0]);

		for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
			nearest_offer(&near, cmd_table[i].name);
		if (near.best)
			BAD("unknown command \"%.32s\"; did you mean \"%s\"?", words[0], near.best);
		BAD("unknown command \"%.32s\" (onairctl --help lists them)", words[0]);
	}
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
		for (int i = 1; i < n; i++) {
			const char *word = words[i];

			if (strcmp(word, "csv") == 0 || strcmp(word, "--csv") == 0)
				req->csv = true;
			else if (strcmp(word, "html") == 0 || strcmp(word, "--html") == 0)
				req->html = true;
			/* A show's id (20261204-193000): digits and dashes only,
			 * so it names a file in the shows folder and nothing else. */
			else if (!*req->show && *word && strlen(word) < sizeof(req->show) &&
				 strspn(word, "0123456789-") == strlen(word))
				str_copy(req->show, word, sizeof(req->show));
			else
				BAD("usage: %s (SHOW is an id that shows lists)", c->usage);
		}
		if (req->csv && req->html)
			BAD("usage: %s", c->usage);
		break;
	case ARG_COUNT:
		if (n > 2 || (n == 2 && !int_parse(words[1], 1, 100000, &v)))
			BAD("usage: %s (N from 1 to 100000)", c->usage);
		req->count = n == 2 ? (int)v : 0;
		break;
	case ARG_WORD_AFTER:
		if (n != 2 || strcmp(words[1], c->second) != 0)
			BAD("usage: %s", c->usage);
		break;
	case ARG_OPTIONAL_TEXT:
		if (rest && strlen(rest) >= sizeof(req->cmd.text))
			BAD("the mark's text is longer than %zu bytes (about %zu Chinese characters)",
			    sizeof(req->cmd.text) - 1, (sizeof(req->cmd.text) - 1) / 3);
		if (rest)
			str_copy(req->cmd.text, rest, sizeof(req->cmd.text));
		break;
	case ARG_MESSAGE:
		if (rest && strncmp(rest, "--canned", 8) == 0 && (rest[8] == ' ' || !rest[8])) {
			req->cmd.canned = true;
			rest = str_trim(rest + 8);
			if (!*rest || strchr(rest, ' '))
				BAD("usage: %s (KEY is one word from the config's [web] message lines)",
				    c->usage);
		}
		if (!rest || !*rest)
			BAD("usage: %s", c->usage);
		if (strlen(rest) >= sizeof(req->cmd.text))
			BAD("the message is longer than %zu bytes (about %zu Chinese characters)",
			    sizeof(req->cmd.text) - 1, (sizeof(req->cmd.text) - 1) / 3);
		str_copy(req->cmd.text, rest, sizeof(req->cmd.text));
		break;
	case ARG_OVERRIDE:
		if (n == 1)
			break;
		if (n != 2 || strcmp(words[1], "--override") != 0 || !rest || !*rest)
			BAD("usage: %s (the reason is logged)", c->usage);
		if (strlen(rest) >= sizeof(req->cmd.text))
			BAD("the override's reason is longer than %zu letters", sizeof(req->cmd.text) - 1);
		req->cmd.override = true;
		str_copy(req->cmd.text, rest, sizeof(req->cmd.text));
		break;
	}
	return 0;
}

int cmd_parse_show(const char *text, enum show_source source, struct show_cmd *cmd, char *err,
		   size_t errlen)
{
	struct cmd_request req;

	if (cmd_parse(text, strlen(text), &req, err, errlen) < 0)
		return -1;
	if (req.verb != CMD_SHOW) {
		snprintf(err, errlen, "\"%s\" is not a show command", req.word);
		return -1;
	}
	*cmd = req.cmd;
	cmd->source = source;
	return 0;
}
