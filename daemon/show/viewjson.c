/* The show view as JSON (see viewjson.h). */
#include "running.h"
#include "viewjson.h"
#include "../../core/jsontext.h"

void viewjson_time(cJSON *o, const char *name, int64_t wall)
{
	char buf[48];

	if (!wall) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	time_format_wall(wall, buf, sizeof(buf));
	json_add_text(o, name, buf);
}

void viewjson_words(cJSON *o, const struct show_view *v)
{
	json_add_text(o, "title", v->title);
	json_add_text(o, "next_title", v->next_title);
	json_add_text(o, "notes", v->notes);
	json_add_text(o, "cue", view_cue_word(v));
	json_add_text(o, "display", v->out.countdown);
	viewjson_rhythm(o, v);
}

void viewjson_rhythm(cJSON *o, const struct show_view *v)
{
	if (v->clocked) {
		viewjson_time(o, "show_end", v->show_end_wall);
		viewjson_time(o, "expected_end", v->expected_end_wall);
		cJSON_AddNumberToObject(o, "offset_ms", (double)v->offset_ms);
	} else {
		cJSON_AddNullToObject(o, "show_end");
		cJSON_AddNullToObject(o, "expected_end");
		cJSON_AddNullToObject(o, "offset_ms");
	}
	if (v->timed && (v->promo_quota || v->promo_calls)) {
		cJSON *promo = cJSON_AddObjectToObject(o, "promo");

		cJSON_AddNumberToObject(promo, "calls", v->promo_calls);
		cJSON_AddNumberToObject(promo, "quota", v->promo_quota);
		cJSON_AddNumberToObject(promo, "max", v->promo_max);
	} else {
		cJSON_AddNullToObject(o, "promo");
	}
	if (v->timed && v->interaction_on) {
		cJSON *in = cJSON_AddObjectToObject(o, "interaction");

		cJSON_AddNumberToObject(in, "since_ms", (double)v->since_interaction_ms);
		cJSON_AddBoolToObject(in, "due", v->interaction_due);
		viewjson_time(in, "closes", v->interaction_closes_wall);
	} else {
		cJSON_AddNullToObject(o, "interaction");
	}
	cJSON_AddBoolToObject(o, "push", v->push);
	if (v->message_id) {
		cJSON *m = cJSON_AddObjectToObject(o, "message");

		cJSON_AddNumberToObject(m, "id", v->message_id);
		json_add_text(m, "text", v->message);
		cJSON_AddBoolToObject(m, "standing", v->message_standing);
		viewjson_time(m, "since", v->message_since_wall);
		viewjson_time(m, "expires", v->message_expires_wall);
		viewjson_time(m, "acked", v->message_acked_wall);
	} else {
		cJSON_AddNullToObject(o, "message");
	}
}

void viewjson_status(cJSON *o, const struct show_view *v)
{
	cJSON *lamps, *colours;

	json_add_text(o, "state", show_phase_name(v->phase));
	json_add_text(o, "show", v->show_title);
	cJSON_AddNumberToObject(o, "segment", v->segment);
	cJSON_AddNumberToObject(o, "segments", v->segments);
	viewjson_words(o, v);
	json_add_text(o, "kind", v->kind);
	if (v->timed) {
		cJSON_AddNumberToObject(o, "remaining_ms", (double)v->remaining_ms);
		cJSON_AddNumberToObject(o, "planned_ms", (double)v->planned_ms);
		cJSON_AddNumberToObject(o, "elapsed_ms", (double)v->elapsed_ms);
		cJSON_AddNumberToObject(o, "extended_ms", (double)v->extended_ms);
		viewjson_time(o, "segment_started", v->segment_started_wall);
	} else {
		cJSON_AddNullToObject(o, "remaining_ms");
	}
	viewjson_time(o, "segment_end", v->segment_end_wall);
	if (v->phase == SHOW_PREROLL)
		cJSON_AddNumberToObject(o, "preroll_ms", (double)v->preroll_ms);
	if (v->aux) {
		cJSON *aux = cJSON_AddObjectToObject(o, "aux");

		cJSON_AddNumberToObject(aux, "remaining_ms", (double)v->aux_remaining_ms);
		cJSON_AddNumberToObject(aux, "total_ms", (double)v->aux_total_ms);
	} else {
		cJSON_AddNullToObject(o, "aux");
	}
	json_add_text(o, "countdown", v->out.countdown);
	json_add_text(o, "call", show_call_name(v->call));
	if (v->call != SHOW_CALL_NONE)
		cJSON_AddNumberToObject(o, "call_age_ms", (double)v->call_age_ms);
	lamps = cJSON_AddObjectToObject(o, "lamps");
	colours = cJSON_AddObjectToObject(o, "lamp_colours");
	for (int i = 0; i < CUE_LAMP_COUNT; i++) {
		json_add_text(lamps, cue_lamp_name(i), cue_pattern_name(v->out.lamp[i].pattern));
		json_add_text(colours, cue_lamp_name(i), cue_colour_name(v->out.lamp[i].colour));
	}
	/* The ON AIR lamp: the show's tally, or the stream's truth (show.onair). */
	cJSON_AddBoolToObject(o, "onair", v->out.onair);
	viewjson_time(o, "scheduled_start", v->scheduled_start_wall);
	viewjson_time(o, "show_started", v->show_started_wall);
	viewjson_time(o, "now", v->at.wall);
	cJSON_AddNumberToObject(o, "seq", (double)v->seq);
}

void viewjson_devices(cJSON *o, bool described)
{
	cJSON *devs = cJSON_AddArrayToObject(o, "devices");

	for (int i = 0; i < running.ndevices; i++) {
		const struct device *d = &running.device[i];
		cJSON *dev = cJSON_CreateObject();
		char desc[512];
		bool present;

		d->ops->describe(d->drv, desc, sizeof(desc), &present);
		json_add_text(dev, "name", d->name);
		json_add_text(dev, "driver", d->ops->name);
		if (described)
			json_add_text(dev, "description", desc);
		cJSON_AddBoolToObject(dev, "present", present);
		cJSON_AddItemToArray(devs, dev);
	}
}
