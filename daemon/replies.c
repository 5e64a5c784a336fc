/* The control socket's answers (see replies.h). */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "../core/loop.h"
#include "checkrun.h"
#include "link.h"
#include "replies.h"
#include "running.h"
#include "version.h"
#include "viewjson.h"

/* The status answer: the view at this moment (an update first, so it is
 * the same snapshot the devices show), the devices and the link. */
static cJSON *status_json(void)
{
	cJSON *o = cJSON_CreateObject();

	running_update();
	cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
	cJSON_AddBoolToObject(o, "ok", 1);
	viewjson_status(o, &running.view);
	viewjson_devices(o, true);
	link_status_json(o);
	cJSON_AddStringToObject(o, "log", running.log.fd >= 0 ? running.log.path : "");
	cJSON_AddNumberToObject(o, "wakeups", (double)loop_wakeups());
	return o;
}

static char *text_response(char *text)
{
	cJSON *o = cJSON_CreateObject();
	char *json;

	cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddStringToObject(o, "text", text ? text : "");
	free(text);
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return json;
}

static char *read_log(int last, size_t *len)
{
	char *text;

	if (running.log.fd < 0) {
		*len = 0;
		return NULL;
	}
	text = file_read(running.log.path, 64 * 1024 * 1024, len);
	if (text && last > 0) {
		char *p = text + *len;
		int lines = 0;

		if (p > text && p[-1] == '\n')
			p--;
		while (p > text && lines < last)
			if (*--p == '\n')
				lines++;
		if (*p == '\n')
			p++;
		memmove(text, p, (size_t)(text + *len - p) + 1);
		*len = strlen(text);
	}
	return text;
}

char *replies_handle(const struct cmd_request *req, const char *who, void *data)
{
	char err[512], *text, *json;
	size_t len;
	cJSON *o;

	(void)data;
	switch (req->verb) {
	case CMD_STATUS:
		o = status_json();
		break;
	case CMD_SHOW:
		if (running_command(&req->cmd, who, err, sizeof(err)))
			return ctl_error_response(err);
		o = status_json();
		break;
	case CMD_RELOAD:
		if (running_reload(err, sizeof(err)) < 0)
			return ctl_error_response(err);
		o = status_json();
		break;
	case CMD_LOG:
		if (running.log.fd < 0)
			return ctl_error_response("no show has started yet: the log is empty");
		return text_response(read_log(req->count, &len));
	case CMD_REPORT:
		if (running.log.fd < 0)
			return ctl_error_response("no show has started yet: nothing to report");
		text = read_log(0, &len);
		json = text_response(report_build(text ? text : "", text ? len : 0, req->csv));
		free(text);
		return json;
	case CMD_SELFTEST:
		return checkrun_start();
	case CMD_VERSION:
	case CMD_PING:
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
		cJSON_AddBoolToObject(o, "ok", 1);
		cJSON_AddStringToObject(o, "version", ONAIR_VERSION);
		break;
	default:
		return ctl_error_response("unknown request");
	}
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return json;
}

