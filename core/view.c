/* The show view (see view.h). */
#include <string.h>

#include "rhythm.h"
#include "view.h"

void view_build(struct show_view *v, const struct show_state *s, const struct rundown *r,
		const struct show_conf *sc, const char *show_title, const struct cue_output *out,
		struct onair_time now)
{
	struct show_clock clock;

	int seg = s->seg;
	bool in_rundown = seg >= 0 && seg < r->count;

	memset(v, 0, sizeof(*v));
	v->at = now;
	v->out = *out;
	v->phase = s->phase;
	v->call = s->call;
	v->segment = seg + 1;
	v->segments = r->count;
	v->seq = s->seq;
	str_copy(v->show_title, show_title, sizeof(v->show_title));
	if (in_rundown) {
		str_copy(v->title, r->seg[seg].title, sizeof(v->title));
		str_copy(v->notes, r->seg[seg].notes, sizeof(v->notes));
		str_copy(v->kind, r->seg[seg].kind, sizeof(v->kind));
	}
	if (seg + 1 < r->count)
		str_copy(v->next_title, r->seg[seg + 1].title, sizeof(v->next_title));
	v->timed = show_remaining(s, r, now.mono, &v->remaining_ms);
	v->planned_ms = show_segment_planned(s, r);
	if (v->timed) {
		v->elapsed_ms = show_elapsed(s, now.mono);
		v->extended_ms = s->run[seg].extend_ms;
		v->segment_started_wall = s->run[seg].start_wall;
		if (s->phase == SHOW_LIVE)
			v->segment_end_wall = now.wall + v->remaining_ms;
	}
	if (s->phase == SHOW_PREROLL)
		v->preroll_ms = s->preroll_end_mono - now.mono;
	if (s->aux_total_ms) {
		v->aux = true;
		v->aux_remaining_ms = s->aux_end_mono - now.mono;
		v->aux_total_ms = s->aux_total_ms;
	}
	if (s->call != SHOW_CALL_NONE)
		v->call_age_ms = now.mono - s->call_since_mono;
	v->scheduled_start_wall = sc->schedule_wall;
	v->show_started_wall = s->show_start_wall;
	if ((v->clocked = show_clock(s, r, sc, now, &clock))) {
		v->show_end_wall = clock.planned_end_wall;
		v->expected_end_wall = clock.expected_end_wall;
		v->offset_ms = clock.offset_ms;
	}
	/* A message said in this show (or carried into it standing). */
	if (s->message_id && s->message_since_wall) {
		str_copy(v->message, s->message, sizeof(v->message));
		v->message_id = s->message_id;
		v->message_standing = s->message_since_mono != 0;
		v->message_since_wall = s->message_since_wall;
		v->message_acked_wall = s->message_acked_wall;
		if (v->message_standing)
			v->message_expires_wall = now.wall + (s->message_until_mono - now.mono);
	}
	if (v->timed) {
		v->promo_quota = rhythm_promo_quota(r, sc, seg, &v->promo_max);
		v->promo_calls = s->run[seg].promo_calls;
		v->interaction_on = s->interaction_due_mono != 0 || s->interaction_pending;
		v->since_interaction_ms = now.mono - s->interaction_base_mono;
		v->interaction_due = s->interaction_open;
		if (s->interaction_open)
			v->interaction_closes_wall = now.wall + (s->interaction_close_mono - now.mono);
		v->push = s->push_since_mono && now.mono >= s->push_since_mono;
	}
}

const char *view_cue_word(const struct show_view *v)
{
	return cue_cond_name(v->out.cond);
}

const char *view_heading(const struct show_view *v)
{
	return *v->title ? v->title : v->show_title;
}
