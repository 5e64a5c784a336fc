/* The control socket's answers (see replies.h). */
#define _GNU_SOURCE
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/loop.h"
#include "../core/jsontext.h"
#include "selftest/checkrun.h"
#include "floor/alerts.h"
#include "floor/floor.h"
#include "link/link.h"
#include "replies.h"
#include "show/report.h"
#include "signal/audiowatch.h"
#include "tally/sources.h"
#include "show/running.h"
#include "show/store.h"
#include "tally/tally_out.h"
#include "../core/version.h"
#include "show/viewjson.h"
#include "http/web.h"

/* "storage": whether recording works, and what it cost the card. */
static void storage_json(cJSON *o)
{
	cJSON *st = cJSON_AddObjectToObject(o, "storage");
	uint64_t syncs, bytes, batches;
	struct store_fault f;

	store_fault(&f);
	store_counts(&syncs, &bytes, &batches);
	cJSON_AddBoolToObject(st, "recording", !f.failing);
	if (f.failing) {
		json_add_text(st, "error", strerror(f.err));
		viewjson_time(st, "failing_since", f.since_wall);
		cJSON_AddNumberToObject(st, "held", (double)f.held);
	}
	cJSON_AddNumberToObject(st, "dropped", (double)f.dropped);
	cJSON_AddNumberToObject(st, "pending", (double)(store_last() - store_durable()));
	cJSON_AddNumberToObject(st, "syncs", (double)syncs);
	cJSON_AddNumberToObject(st, "bytes", (double)bytes);
	cJSON_AddNumberToObject(st, "batches", (double)batches);
}

/* "commands": {"pedal": {"done": N, "refused": M}, …} since start, the
 * sources that sent any. */
static void commands_json(cJSON *o)
{
	cJSON *all = cJSON_AddObjectToObject(o, "commands");

	for (int src = 0; src < SHOW_SRC_COUNT; src++) {
		cJSON *one;

		if (!running.commands[src][0] && !running.commands[src][1])
			continue;
		one = cJSON_AddObjectToObject(all, show_source_name(src));
		cJSON_AddNumberToObject(one, "done", (double)running.commands[src][0]);
		cJSON_AddNumberToObject(one, "refused", (double)running.commands[src][1]);
	}
}

/* The control socket answers at most 4 MiB; a log answer keeps within it. */
#define LOG_ANSWER_MAX (3 * 1024 * 1024)

/* The status answer: the view at this moment (an update first, so it is
 * the same snapshot the devices show), the devices and the link. */
cJSON *replies_status_json(void)
{
	cJSON *o = cJSON_CreateObject();
	struct show_view v;

	/* The view as of now, without bringing anything up to date: a query
	 * records nothing (the loop does, at each moment it is due). */
	running_view_at(time_now(), &v);
	cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
	cJSON_AddBoolToObject(o, "ok", 1);
	viewjson_status(o, &v);
	viewjson_devices(o, true);
	link_status_json(o);
	web_status_json(o);
	sources_status_json(o);
	audiowatch_status_json(o);
	tally_out_status_json(o);
	floor_status_json(o);
	alerts_status_json(o);
	commands_json(o);
	json_add_text(o, "log", running.log.fd >= 0 ? running.log.path : "");
	storage_json(o);
	cJSON_AddNumberToObject(o, "wakeups", (double)loop_wakeups());
	return o;
}

static char *text_response(char *text)
{
	cJSON *o = cJSON_CreateObject();
	char *json;

	cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
	cJSON_AddBoolToObject(o, "ok", 1);
	json_add_text(o, "text", text ? text : "");
	free(text);
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return json;
}

/* The state each line carries for a restart is for the daemon, not for
 * the people reading the log: it is left out of the answer. */
static size_t without_state(char *text, size_t len)
{
	char *out = text, *p = text, *end = text + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *mark = memmem(p, (size_t)((nl ? nl : end) - p), ",\"state\":{", 10);
		int depth = 0;
		char *q;

		if (!mark) {
			char *stop = nl ? nl + 1 : end;

			memmove(out, p, (size_t)(stop - p));
			out += stop - p;
			p = stop;
			continue;
		}
		memmove(out, p, (size_t)(mark - p));
		out += mark - p;
		for (q = mark + 9; q < end && *q != '\n'; q++) {
			if (*q == '{')
				depth++;
			else if (*q == '}' && --depth == 0)
				break;
		}
		p = q < end && *q == '}' ? q + 1 : q;
	}
	*out = '\0';
	return (size_t)(out - text);
}

/* The show log, or its last lines; an answer stays under the control
 * socket's limit: a longer log answers its tail and says where the rest is
 * (whole: all of it, for the report). */
static char *read_log(int last, bool whole, size_t *len)
{
	char *text, *p;
	int lines = 0;

	if (running.log.fd < 0) {
		*len = 0;
		return NULL;
	}
	text = file_read(running.log.path, 256 * 1024 * 1024, len);
	if (!text)
		return NULL;
	*len = without_state(text, *len);
	if (whole)
		return text;	/* for the report, which answers a summary */
	p = text + *len;
	if (p > text && p[-1] == '\n')
		p--;
	while (p > text && (last <= 0 || lines < last) && (size_t)(text + *len - p) < LOG_ANSWER_MAX)
		if (*--p == '\n')
			lines++;
	if (p > text) {
		char *tail;

		if (*p == '\n')
			p++;
		/* Cut by the answer's size inside a line: whole lines only. */
		else if (p[-1] != '\n' && (p = strchr(p, '\n')))
			p++;
		if (!p)
			p = text + *len;
		/* Cut by the answer's size (not by the N asked for): said. */
		if ((last <= 0 || lines < last) &&
		    asprintf(&tail, "(earlier lines left out: the whole log is %s)\n%s", running.log.path, p) >= 0) {
			free(text);
			*len = strlen(tail);
			return tail;
		}
		memmove(text, p, (size_t)(text + *len - p) + 1);
		*len = strlen(text);
	}
	return text;
}

/* An answer that says "done" goes out once what it did is on disk. */
struct deferred {
	uint64_t ctl_ticket;
	struct cmd_request req;	/* log and report: read once the log is durable */
	char *json;		/* a show command: the status as it was applied */
};

/* A past show's log, read whole (without the journal's state). */
static char *past_log(const char *path, size_t *len)
{
	char *text = file_read(path, 256 * 1024 * 1024, len);

	if (text)
		*len = without_state(text, *len);
	return text;
}

/* The report of the running show, else of the show asked for, else of
 * the latest the box holds: the review is the next morning, after a
 * restart. */
static char *report_answer(const struct cmd_request *req)
{
	char path[PATH_MAX], ids[1][SHOWLOG_ID_MAX], why[PATH_MAX + 64], *text, *json;
	size_t len = 0;

	if (*req->show) {
		if (showlog_path(running.conf->state_dir, req->show, path, sizeof(path)) < 0) {
			snprintf(why, sizeof(why), "no show %s on this box (onairctl shows lists them)", req->show);
			return ctl_error_response(why);
		}
		text = past_log(path, &len);
	} else if (running.log.fd >= 0) {
		text = read_log(0, true, &len);
	} else if (showlog_list(running.conf->state_dir, ids, 1) == 1 &&
		   showlog_path(running.conf->state_dir, ids[0], path, sizeof(path)) == 0) {
		text = past_log(path, &len);
	} else {
		return ctl_error_response("no show on this box yet: nothing to report");
	}
	json = text_response(report_build(text ? text : "", text ? len : 0,
					  req->html ? REPORT_HTML : req->csv ? REPORT_CSV : REPORT_TEXT));
	free(text);
	return json;
}

static char *log_answer(const struct cmd_request *req)
{
	char *text;
	size_t len;

	if (req->verb == CMD_REPORT)
		return report_answer(req);
	if (running.log.fd < 0)
		return ctl_error_response("no show has started yet: the log is empty");
	text = read_log(req->count, false, &len);
	return text_response(text);
}

/* The shows the box holds, newest first, one line each. */
#define SHOWS_LISTED 50
static char *shows_answer(void)
{
	static char ids[SHOWS_LISTED][SHOWLOG_ID_MAX];
	int n = showlog_list(running.conf->state_dir, ids, SHOWS_LISTED);
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	if (!f)
		return ctl_error_response("out of memory");
	if (!n)
		fprintf(f, "no show on this box yet\n");
	else
		fprintf(f, "%-16s %-16s %8s  %-9s %-8s %s\n", "SHOW", "WENT LIVE", "LENGTH", "SEGMENTS",
			"ENDED", "TITLE");
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX], live[48], length[24], segs[24];
		struct report_summary sum;
		const char *outcome;
		size_t len;
		char *text;

		if (showlog_path(running.conf->state_dir, ids[i], path, sizeof(path)) < 0 ||
		    !(text = past_log(path, &len)))
			continue;
		report_summarize(text, len, &sum);
		free(text);
		report_summary_times(&sum, live, sizeof(live), length, sizeof(length));
		if (sum.end_wall)
			outcome = "yes";
		else if (running.log.fd >= 0 && strcmp(path, running.log.path) == 0)
			outcome = "running";
		else
			outcome = sum.live_wall ? "cut off" : "never live";
		snprintf(segs, sizeof(segs), "%d/%d", sum.reached, sum.segments);
		fprintf(f, "%-16s %-16s %8s  %-9s %-8s %s", ids[i], live, length, segs, outcome,
			*sum.show ? sum.show : "(untitled)");
		if (sum.overruns)
			fprintf(f, " (%d overrun%s)", sum.overruns, sum.overruns == 1 ? "" : "s");
		fputc('\n', f);
	}
	fclose(f);
	return text_response(out);
}

/* Applied but not recorded (a full or read-only card): say so in the
 * answer, which is otherwise the usual one. */
static char *not_recorded(char *json)
{
	cJSON *o = cJSON_Parse(json);
	struct store_fault f;
	char warning[200], *text;

	if (!o)
		return json;
	store_fault(&f);
	snprintf(warning, sizeof(warning), "applied, but not recorded: the show log and state cannot be "
		 "written (%s); it is held and written when the disk works again", strerror(f.err));
	cJSON_AddBoolToObject(o, "recorded", 0);
	json_add_text(o, "warning", warning);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(json);
	return text;
}

static void answer_when_durable(void *data, bool recorded)
{
	struct deferred *d = data;
	char *json = d->json ? d->json : log_answer(&d->req);

	ctl_answer(d->ctl_ticket, recorded || !d->json ? json : not_recorded(json));
	free(d);
}

/* Answer now when everything handed to storage is durable, else later. */
static char *after_storage(const struct cmd_request *req, char *json)
{
	uint64_t ticket = store_last();
	struct store_fault f;
	struct deferred *d;

	store_fault(&f);
	if (f.failing)
		return json ? not_recorded(json) : log_answer(req);
	if (ticket <= store_durable() || !(d = calloc(1, sizeof(*d))))
		return json ? json : log_answer(req);
	d->req = *req;
	d->json = json;
	d->ctl_ticket = ctl_defer();
	store_when_durable(ticket, answer_when_durable, d);
	return NULL;
}

char *replies_handle(const struct cmd_request *req, const char *who, void *data)
{
	char err[512], *json;
	cJSON *o;

	(void)data;
	switch (req->verb) {
	case CMD_STATUS:
		o = replies_status_json();
		break;
	case CMD_SHOW:
		if (running_command(&req->cmd, who, err, sizeof(err)))
			return ctl_error_response(err);
		o = replies_status_json();
		json = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		return after_storage(req, json);
	case CMD_RELOAD:
		if (running_reload(err, sizeof(err)) < 0)
			return ctl_error_response(err);
		o = replies_status_json();
		break;
	case CMD_LOG:
	case CMD_REPORT:
		return after_storage(req, NULL);
	case CMD_SHOWS:
		return shows_answer();
	case CMD_SELFTEST:
		return checkrun_start();
	case CMD_VERSION:
	case CMD_PING:
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
		cJSON_AddBoolToObject(o, "ok", 1);
		json_add_text(o, "version", ONAIR_VERSION);
		break;
	default:
		return ctl_error_response("unknown request");
	}
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return json;
}

