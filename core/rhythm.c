/* The show's rhythm (see rhythm.h). Every rule is a pair of moments in the
 * show state, so the engine wakes only when one comes due, and a late
 * wake-up shifts nothing. */
#include <stdio.h>
#include <string.h>

#include "rhythm.h"

/* How long before the window closes the interaction cue turns urgent. */
#define INTERACTION_CLOSING_MAX_MS 60000
/* The count ("P2.3") shows this long after a "promo said". */
#define PROMO_COUNT_SHOWN_MS 2000

static int64_t earliest(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t inherit(int64_t value, int64_t fallback)
{
	return value == RUNDOWN_INHERIT ? fallback : value;
}

int64_t rhythm_wrapup(const struct rundown *r, const struct show_conf *c, int seg)
{
	return seg < 0 || seg >= r->count ? c->wrapup_ms : inherit(r->seg[seg].wrapup_ms, c->wrapup_ms);
}

int64_t rhythm_danger(const struct rundown *r, const struct show_conf *c, int seg)
{
	return seg < 0 || seg >= r->count ? c->danger_ms : inherit(r->seg[seg].danger_ms, c->danger_ms);
}

int rhythm_promo_quota(const struct rundown *r, const struct show_conf *c, int seg, int *max)
{
	const struct rundown_segment *sg;
	int lo = 0, hi = 0;

	if (seg >= 0 && seg < r->count) {
		sg = &r->seg[seg];
		if (sg->promo_min != RUNDOWN_INHERIT) {
			lo = sg->promo_min;
			hi = sg->promo_max;
		} else if (sg->kind_id == KIND_PRODUCT && sg->promo_ms == RUNDOWN_INHERIT) {
			lo = c->promo_min;
			hi = c->promo_max;
		}
	}
	if (max)
		*max = hi;
	return lo;
}

/* The time a segment has for its calls: up to its wrap-up, which has its
 * own cue. */
static int64_t promo_span(const struct rundown *r, const struct show_conf *c, int seg, int64_t planned)
{
	int64_t wrapup = rhythm_wrapup(r, c, seg);

	return planned > wrapup ? planned - wrapup : planned;
}

/* The k-th call's moment: the span split into quota + 1 equal parts. */
static int64_t promo_due(const struct show_state *s, const struct rundown *r, const struct show_conf *c,
			 int quota, int k)
{
	const struct show_seg_run *run = &s->run[s->seg];
	int64_t span = promo_span(r, c, s->seg, show_segment_planned(s, r));

	return run->start_mono + run->held_ms + span * k / (quota + 1);
}

/* The window in force in segment seg: its own, else the show's. A single
 * moment lasts as long as a reminder shows. */
static void window(const struct rundown *r, const struct show_conf *c, int seg, int64_t *open,
		   int64_t *close)
{
	const struct rundown_segment *sg = seg >= 0 && seg < r->count ? &r->seg[seg] : NULL;

	if (sg && sg->interaction_open_ms != RUNDOWN_INHERIT) {
		*open = sg->interaction_open_ms;
		*close = sg->interaction_close_ms;
	} else {
		*open = c->interaction_open_ms;
		*close = c->interaction_close_ms;
	}
	if (*open > 0 && *close <= *open)
		*close = *open + c->reminder_ms;
}

/* A fresh window counted from now (an interaction happened, or the last
 * one was missed). */
static void window_arm(struct show_state *s, const struct rundown *r, const struct show_conf *c,
		       int64_t from)
{
	int64_t open, close;

	window(r, c, s->seg, &open, &close);
	s->interaction_open = false;
	s->interaction_pending = false;
	s->interaction_due_mono = open > 0 ? from + open : 0;
	s->interaction_close_mono = open > 0 ? from + close : 0;
}

/* Where a reminder cannot be shown: the segment's wrap-up, danger and
 * overrun have the cue light, and a held show is not talking. The last
 * segment has nothing after it to wait for, so it is never quiet. */
static bool quiet(const struct show_state *s, const struct rundown *r, const struct show_conf *c,
		  int64_t now_mono)
{
	int64_t remaining;

	if (s->phase == SHOW_HOLD)
		return true;
	if (s->seg + 1 >= r->count || !show_remaining(s, r, now_mono, &remaining))
		return false;
	return remaining <= rhythm_wrapup(r, c, s->seg);
}

void rhythm_begin(struct show_state *s, const struct rundown *r, const struct show_conf *c,
		  struct onair_time now)
{
	s->interaction_base_mono = now.mono;
	window_arm(s, r, c, now.mono);
}

static void interaction_done(struct show_state *s, const struct rundown *r, const struct show_conf *c,
			     struct onair_time now, struct show_events *out)
{
	show_emit(out, SHOW_EV_INTERACTION_DONE, s->seg, now.mono - s->interaction_base_mono, 0);
	s->interaction_base_mono = now.mono;
	window_arm(s, r, c, now.mono);
}

static void interaction_open(struct show_state *s, int64_t now_mono, struct show_events *out)
{
	int64_t delay = now_mono - s->interaction_due_mono;

	/* A delayed window keeps its length from where it really opens. */
	s->interaction_close_mono += delay;
	s->interaction_open = true;
	s->interaction_pending = false;
	show_emit(out, SHOW_EV_INTERACTION_DUE, s->seg, delay, 0);
}

/* The final push's moment (monotonic) from the show clock, or NEVER. */
static int64_t push_at(const struct show_state *s, const struct rundown *r, const struct show_conf *c,
		       struct onair_time now)
{
	struct show_clock clock;

	if (!c->push_ms || s->push_since_mono || !show_clock(s, r, c, now, &clock))
		return NEVER;
	return now.mono + (clock.planned_end_wall - c->push_ms - now.wall);
}

void rhythm_enter(struct show_state *s, const struct rundown *r, const struct show_conf *c,
		  struct onair_time now, bool resumed, struct show_events *out)
{
	enum rundown_kind kind = r->seg[s->seg].kind_id;

	if (s->interaction_pending && !quiet(s, r, c, now.mono))
		interaction_open(s, now.mono, out);
	/* An opening greets the viewers and an interaction segment is one;
	 * going back into one (prev) is not another. */
	if (!resumed &&
	    (kind == KIND_INTERACTION || (kind == KIND_OPENING && s->interaction_base_mono != now.mono)))
		interaction_done(s, r, c, now, out);
	/* The count shown after "promo said" was the segment left behind. */
	s->promo_said_mono = 0;
	if ((kind == KIND_PUSH || kind == KIND_CLOSING) && !s->push_since_mono) {
		s->push_since_mono = now.mono;
		show_emit(out, SHOW_EV_PUSH, s->seg, 0, 0);
	} else if (s->push_since_mono && kind != KIND_PUSH && kind != KIND_CLOSING) {
		/* Back out of a push or closing segment (a goto by mistake): the
		 * push it began is undone, unless the clock's own is already due. */
		int64_t since = s->push_since_mono;

		s->push_since_mono = 0;
		if (push_at(s, r, c, now) <= now.mono)
			s->push_since_mono = since;
	}
}

bool rhythm_tick(struct show_state *s, const struct rundown *r, const struct show_conf *c,
		 struct onair_time now, struct show_events *out)
{
	bool changed = false;
	int quota;

	if (s->phase != SHOW_LIVE && s->phase != SHOW_HOLD)
		return false;
	/* A window held back by a hold opens on resume; one held back by a
	 * wrap-up opens when the next segment starts (rhythm_enter), or here
	 * if an extension takes the segment out of its wrap-up. */
	if (s->interaction_pending && !quiet(s, r, c, now.mono)) {
		interaction_open(s, now.mono, out);
		changed = true;
	}
	if (s->interaction_due_mono && !s->interaction_open && !s->interaction_pending &&
	    now.mono >= s->interaction_due_mono) {
		if (quiet(s, r, c, now.mono))
			s->interaction_pending = true;
		else
			interaction_open(s, now.mono, out);
		changed = true;
	}
	if (s->interaction_open && now.mono >= s->interaction_close_mono) {
		show_emit(out, SHOW_EV_INTERACTION_MISSED, s->seg,
			  s->interaction_close_mono - s->interaction_due_mono, 0);
		window_arm(s, r, c, now.mono);
		changed = true;
	}
	quota = rhythm_promo_quota(r, c, s->seg, NULL);
	while (s->phase == SHOW_LIVE && s->run[s->seg].promo_due < quota &&
	       now.mono >= promo_due(s, r, c, quota, s->run[s->seg].promo_due + 1)) {
		s->run[s->seg].promo_due++;
		show_emit(out, SHOW_EV_PROMO_DUE, s->seg, s->run[s->seg].promo_due, quota);
		changed = true;
	}
	if (now.mono >= push_at(s, r, c, now)) {
		s->push_since_mono = now.mono;
		show_emit(out, SHOW_EV_PUSH, s->seg, c->push_ms, 0);
		changed = true;
	}
	return changed;
}

int64_t rhythm_next_deadline(const struct show_state *s, const struct rundown *r,
			     const struct show_conf *c, struct onair_time now)
{
	int64_t next = NEVER, at;
	int quota;

	if (s->phase != SHOW_LIVE && s->phase != SHOW_HOLD)
		return NEVER;
	if (s->interaction_due_mono && !s->interaction_open && !s->interaction_pending)
		next = earliest(next, s->interaction_due_mono);
	if (s->interaction_open)
		next = earliest(next, s->interaction_close_mono);
	quota = rhythm_promo_quota(r, c, s->seg, NULL);
	if (s->phase == SHOW_LIVE && s->run[s->seg].promo_due < quota)
		next = earliest(next, promo_due(s, r, c, quota, s->run[s->seg].promo_due + 1));
	at = push_at(s, r, c, now);
	/* A wall moment: asked again each minute in case the clock is stepped. */
	if (at != NEVER)
		next = earliest(next, at > now.mono + 60000 ? now.mono + 60000 : at);
	return next;
}

int rhythm_apply(struct show_state *s, const struct rundown *r, const struct show_conf *c,
		 const struct show_cmd *cmd, struct onair_time now, struct show_events *out,
		 char *err, size_t errlen)
{
	bool running = s->phase == SHOW_LIVE || s->phase == SHOW_HOLD;
	int quota;

	if ((cmd->kind == SHOW_CMD_INTERACTION || cmd->kind == SHOW_CMD_PROMO) && !running) {
		snprintf(err, errlen, "no segment is running");
		return -1;
	}
	switch (cmd->kind) {
	case SHOW_CMD_INTERACTION:
		interaction_done(s, r, c, now, out);
		return 0;
	case SHOW_CMD_PROMO:
		quota = rhythm_promo_quota(r, c, s->seg, NULL);
		s->run[s->seg].promo_calls++;
		s->promo_said_mono = now.mono;
		show_emit(out, SHOW_EV_PROMO_SAID, s->seg, s->run[s->seg].promo_calls, quota);
		return 0;
	case SHOW_CMD_MARK:
		show_emit(out, SHOW_EV_MARK, s->seg, s->live_start_mono ? now.mono - s->live_start_mono : 0, 0);
		str_copy(out->ev[out->count - 1].text, cmd->text, sizeof(out->ev[0].text));
		return 0;
	default:
		snprintf(err, errlen, "not a rhythm command");
		return -1;
	}
}

enum rhythm_cue rhythm_cue_at(const struct show_state *s, const struct rundown *r,
			      const struct show_conf *c, int64_t now_mono, int64_t *next)
{
	const struct show_seg_run *run = &s->run[s->seg];
	int quota = rhythm_promo_quota(r, c, s->seg, NULL);

	enum rhythm_cue cue = RHYTHM_NONE;

	/* Up from the moment a call comes due until it is said (any press
	 * since) or its reminder time has passed. */
	if (quota && run->promo_due > 0) {
		int64_t due = promo_due(s, r, c, quota, run->promo_due), until = due + c->reminder_ms;

		if (s->promo_said_mono < due && now_mono < until) {
			*next = earliest(*next, until);
			cue = RHYTHM_PROMO;
		}
	}
	if (s->interaction_open && now_mono < s->interaction_close_mono) {
		int64_t closing = (s->interaction_close_mono - s->interaction_due_mono) / 3;
		int64_t urgent_at = s->interaction_close_mono -
				    (closing < INTERACTION_CLOSING_MAX_MS ? closing : INTERACTION_CLOSING_MAX_MS);

		if (now_mono >= urgent_at)
			return RHYTHM_INTERACTION_CLOSING;
		*next = earliest(*next, urgent_at);
		return cue == RHYTHM_PROMO ? RHYTHM_PROMO : RHYTHM_INTERACTION;
	}
	return cue;
}

bool rhythm_push_at(const struct show_state *s, int64_t now_mono)
{
	return s->push_since_mono && now_mono >= s->push_since_mono;
}

bool rhythm_promo_count_shown(const struct show_state *s, int64_t now_mono, int64_t *next)
{
	if (!s->promo_said_mono || now_mono >= s->promo_said_mono + PROMO_COUNT_SHOWN_MS)
		return false;
	*next = earliest(*next, s->promo_said_mono + PROMO_COUNT_SHOWN_MS);
	return true;
}

void rhythm_check(const struct rundown *r, const struct show_conf *c,
		  void (*warn)(void *ctx, int line, const char *text), void *ctx)
{
	int64_t total = 0, open, close;
	char text[256];

	for (int i = 0; i < r->count; i++)
		total += r->seg[i].planned_ms;
	for (int i = 0; i < r->count; i++) {
		int max, quota = rhythm_promo_quota(r, c, i, &max);
		int64_t span = promo_span(r, c, i, r->seg[i].planned_ms);

		if (quota && c->promo_spacing_ms && quota * c->promo_spacing_ms > span) {
			snprintf(text, sizeof(text), "segment %d: %d promotion calls do not fit in its "
				 "%lld s before wrap-up at one every %lld s", i + 1, quota,
				 (long long)(span / 1000), (long long)(c->promo_spacing_ms / 1000));
			warn(ctx, r->seg[i].line, text);
		}
		window(r, c, i, &open, &close);
		if (r->seg[i].interaction_open_ms != RUNDOWN_INHERIT && open > total) {
			snprintf(text, sizeof(text), "segment %d: its interaction window opens after "
				 "%lld s, later than the whole show (%lld s)", i + 1,
				 (long long)(open / 1000), (long long)(total / 1000));
			warn(ctx, r->seg[i].line, text);
		}
	}
	window(r, c, -1, &open, &close);
	if (open > 0 && total > 0 && open > total) {
		snprintf(text, sizeof(text), "the interaction window opens after %lld s, later than "
			 "the whole show (%lld s): no reminder will come", (long long)(open / 1000),
			 (long long)(total / 1000));
		warn(ctx, 0, text);
	}
	if (c->push_ms && total > 0 && c->push_ms >= total) {
		snprintf(text, sizeof(text), "the final push (%lld s) is as long as the whole show "
			 "(%lld s)", (long long)(c->push_ms / 1000), (long long)(total / 1000));
		warn(ctx, 0, text);
	}
}
