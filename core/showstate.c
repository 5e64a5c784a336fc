/* The show's state and what can be read from it (see showstate.h). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "showstate.h"

static const char *const show_phase_names[] = { "standby", "preroll", "live", "hold", "ended" };
static const char *const show_source_names[] = { "cli", "pedal", "button", "console", "mqtt", "timer", "web" };
static const char *const show_event_names[] = {
	"preroll", "segment_start", "segment_end", "hold", "resume", "extend", "end",
	"aux_start", "aux_end", "aux_cancel", "standby", "ack", "go", "attention",
	"interaction_due", "interaction_done", "interaction_missed", "promo_due", "promo_said",
	"push", "mark", "say", "message_ack", "message_expired"
};
static const char *const show_cmd_names[] = {
	"start", "next", "prev", "goto", "hold", "resume", "hold toggle", "extend", "end",
	"cue attention", "standby", "go", "ack", "aux", "aux cancel", "interaction done",
	"promo said", "mark", "say"
};
static const char *const show_call_names[] = { "none", "standby", "acked", "go" };

_Static_assert(ARRAY_SIZE(show_event_names) == SHOW_EV_COUNT, "event names");
_Static_assert(ARRAY_SIZE(show_source_names) == SHOW_SRC_COUNT, "source names");
_Static_assert(ARRAY_SIZE(show_cmd_names) == SHOW_CMD_COUNT, "command names");

const char *show_phase_name(enum show_phase p) { return show_phase_names[p]; }
const char *show_source_name(enum show_source src) { return show_source_names[src]; }
const char *show_event_name(enum show_ev_kind k) { return show_event_names[k]; }
const char *show_call_name(enum show_call c) { return show_call_names[c]; }
const char *show_cmd_name(enum show_cmd_kind k) { return show_cmd_names[k]; }

int show_phase_parse(const char *name) { return str_index(show_phase_names, ARRAY_SIZE(show_phase_names), name); }
int show_source_parse(const char *name) { return str_index(show_source_names, ARRAY_SIZE(show_source_names), name); }
int show_call_parse(const char *name) { return str_index(show_call_names, ARRAY_SIZE(show_call_names), name); }

void show_emit(struct show_events *out, enum show_ev_kind kind, int seg, int64_t value, int64_t planned)
{
	if (out->count < SHOW_MAX_EVENTS)
		out->ev[out->count++] = (struct show_event){ kind, seg, value, planned, "" };
}

int64_t show_segment_planned(const struct show_state *s, const struct rundown *r)
{
	if (s->seg < 0 || s->seg >= r->count)
		return 0;
	return r->seg[s->seg].planned_ms + s->run[s->seg].extend_ms;
}

int64_t show_elapsed(const struct show_state *s, int64_t now_mono)
{
	const struct show_seg_run *run;
	int64_t until;

	if (s->seg < 0 || (s->phase != SHOW_LIVE && s->phase != SHOW_HOLD))
		return 0;
	run = &s->run[s->seg];
	until = s->phase == SHOW_HOLD ? s->hold_since_mono : now_mono;
	return until - run->start_mono - run->held_ms;
}

bool show_remaining(const struct show_state *s, const struct rundown *r, int64_t now_mono,
		    int64_t *remaining)
{
	if (s->seg < 0 || s->seg >= r->count || (s->phase != SHOW_LIVE && s->phase != SHOW_HOLD))
		return false;
	*remaining = show_segment_planned(s, r) - show_elapsed(s, now_mono);
	return true;
}

#define M(field, clock, required) { #field, offsetof(struct show_state, field), clock, required }
const struct show_moment show_moments[] = {
	M(show_start_wall, SHOW_WALL, true), M(live_start_mono, SHOW_MONO, true),
	M(preroll_end_mono, SHOW_MONO, true), M(preroll_end_wall, SHOW_WALL, true),
	M(hold_since_mono, SHOW_MONO, true), M(hold_since_wall, SHOW_WALL, true),
	M(aux_end_mono, SHOW_MONO, true), M(aux_end_wall, SHOW_WALL, true), M(aux_total_ms, SHOW_SPAN, true),
	M(call_since_mono, SHOW_MONO, true), M(attention_until_mono, SHOW_MONO, true),
	M(interaction_base_mono, SHOW_MONO, true),
	/* The rhythm's and the messages': a state saved before them has none. */
	M(live_start_wall, SHOW_WALL, false), M(end_wall, SHOW_WALL, false),
	M(interaction_due_mono, SHOW_MONO, false), M(interaction_close_mono, SHOW_MONO, false),
	M(push_since_mono, SHOW_MONO, false), M(promo_said_mono, SHOW_MONO, false),
	M(message_since_mono, SHOW_MONO, false), M(message_since_wall, SHOW_WALL, false),
	M(message_until_mono, SHOW_MONO, false), M(message_acked_wall, SHOW_WALL, false),
};
#undef M
const size_t show_nmoments = ARRAY_SIZE(show_moments);

void show_shift_mono(struct show_state *s, int64_t shift)
{
	for (size_t i = 0; i < show_nmoments; i++) {
		int64_t *m = (int64_t *)((char *)s + show_moments[i].offset);

		if (show_moments[i].clock == SHOW_MONO && *m)
			*m += shift;
	}
	for (int i = 0; i < RUNDOWN_MAX_SEGMENTS; i++)
		if (s->run[i].visited)
			s->run[i].start_mono += shift;
}

bool show_clock(const struct show_state *s, const struct rundown *r, const struct show_conf *c,
		struct onair_time now, struct show_clock *out)
{
	int64_t planned = 0, after = 0, start, remaining;

	for (int i = 0; i < r->count; i++) {
		planned += r->seg[i].planned_ms;
		if (i > s->seg)
			after += r->seg[i].planned_ms + s->run[i].extend_ms;
	}
	if (r->count == 0)
		return false;
	/* The plan starts at the scheduled moment; without one, when the show
	 * really began (a show that has not begun has no plan yet). */
	if (c->schedule_wall)
		start = c->schedule_wall;
	else if (s->live_start_wall)
		start = s->live_start_wall;
	else if (s->phase == SHOW_PREROLL)
		start = s->preroll_end_wall;
	else if (!c->end_wall)
		return false;
	else
		start = now.wall;
	out->planned_end_wall = c->end_wall ? c->end_wall : start + planned;
	switch (s->phase) {
	case SHOW_STANDBY:
		out->expected_end_wall = (now.wall > start ? now.wall : start) + planned;
		break;
	case SHOW_PREROLL:
		out->expected_end_wall = s->preroll_end_wall + planned;
		break;
	case SHOW_LIVE:
	case SHOW_HOLD:
		show_remaining(s, r, now.mono, &remaining);
		out->expected_end_wall = now.wall + (remaining > 0 ? remaining : 0) + after;
		break;
	case SHOW_ENDED:
		out->expected_end_wall = s->end_wall ? s->end_wall : now.wall;
		break;
	}
	out->offset_ms = out->expected_end_wall - out->planned_end_wall;
	return true;
}
