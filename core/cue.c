/* Cue engine. Flash phases are taken from the wall clock so that every box
 * in a studio flashes in step; every other moment comes from monotonic
 * deadlines in the show state. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cue.h"
#include "rhythm.h"

static const char *const cue_pattern_names[] = { "off", "on", "slow", "fast" };
static const char *const cue_colour_names[] = {
	"red", "green", "amber", "blue", "white", "cyan", "magenta", "yellow"
};
static const char *const cue_lamp_names[] = { "tally", "cue" };
static const char *const cue_cond_names[] = {
	"idle", "scheduled", "late", "preroll", "live", "promo", "interaction", "wrapup",
	"danger", "overrun", "hold", "standby", "acked", "go", "attention", "ended",
	"link_lost", "stale", "refused", "storage", "interaction_closing", "push", "message",
	"stream_down", "stream_live", "stream_unknown"
};

_Static_assert(ARRAY_SIZE(cue_cond_names) == CUE_COND_COUNT, "condition names");
_Static_assert(ARRAY_SIZE(cue_colour_names) == CUE_COLOUR_COUNT, "colour names");

const char *cue_pattern_name(enum cue_pattern p) { return cue_pattern_names[p]; }
const char *cue_colour_name(enum cue_colour c) { return cue_colour_names[c]; }
const char *cue_lamp_name(enum cue_lamp_id l) { return cue_lamp_names[l]; }
const char *cue_cond_name(enum cue_cond c) { return cue_cond_names[c]; }

int cue_pattern_parse(const char *n) { return str_index(cue_pattern_names, ARRAY_SIZE(cue_pattern_names), n); }
int cue_colour_parse(const char *n) { return str_index(cue_colour_names, ARRAY_SIZE(cue_colour_names), n); }
int cue_cond_parse(const char *n) { return str_index(cue_cond_names, ARRAY_SIZE(cue_cond_names), n); }

bool cue_look_parse(const char *text, struct cue_look *look)
{
	char pattern[16], colour[16], extra[2];
	int n = sscanf(text, "%15s %15s %1s", pattern, colour, extra);
	int p, c = CUE_WHITE;

	if (n < 1 || n > 2)
		return false;
	p = cue_pattern_parse(pattern);
	if (p < 0)
		return false;
	if (n == 2) {
		c = cue_colour_parse(colour);
		if (c < 0)
			return false;
	}
	look->pattern = (enum cue_pattern)p;
	look->colour = (enum cue_colour)c;
	return true;
}

void cue_conf_defaults(struct cue_conf *c)
{
	static const struct cue_look looks[CUE_COND_COUNT] = {
		[CUE_COND_IDLE] = { CUE_OFF, CUE_WHITE },
		[CUE_COND_SCHEDULED] = { CUE_ON, CUE_BLUE },
		[CUE_COND_LATE] = { CUE_SLOW, CUE_RED },
		[CUE_COND_PREROLL] = { CUE_SLOW, CUE_GREEN },
		[CUE_COND_LIVE] = { CUE_ON, CUE_GREEN },
		[CUE_COND_PROMO] = { CUE_SLOW, CUE_MAGENTA },
		[CUE_COND_INTERACTION] = { CUE_SLOW, CUE_BLUE },
		[CUE_COND_INTERACTION_CLOSING] = { CUE_FAST, CUE_BLUE },
		[CUE_COND_PUSH] = { CUE_ON, CUE_MAGENTA },
		[CUE_COND_WRAPUP] = { CUE_ON, CUE_AMBER },
		[CUE_COND_DANGER] = { CUE_FAST, CUE_AMBER },
		[CUE_COND_OVERRUN] = { CUE_FAST, CUE_RED },
		[CUE_COND_HOLD] = { CUE_SLOW, CUE_CYAN },
		[CUE_COND_STANDBY] = { CUE_SLOW, CUE_WHITE },
		[CUE_COND_ACKED] = { CUE_ON, CUE_WHITE },
		[CUE_COND_GO] = { CUE_FAST, CUE_GREEN },
		[CUE_COND_ATTENTION] = { CUE_FAST, CUE_WHITE },
		[CUE_COND_ENDED] = { CUE_OFF, CUE_WHITE },
		/* Yellow and cyan only where amber and blue do not flash the
		 * same way: a cheap RGB lamp's amber and yellow look alike. */
		[CUE_COND_LINK_LOST] = { CUE_SLOW, CUE_YELLOW },
		[CUE_COND_STALE] = { CUE_FAST, CUE_CYAN },
		[CUE_COND_REFUSED] = { CUE_ON, CUE_RED },
		[CUE_COND_STORAGE] = { CUE_FAST, CUE_MAGENTA },
		[CUE_COND_MESSAGE] = { CUE_FAST, CUE_YELLOW },
		/* The stream against the show: the last looks no other
		 * condition has. Steady yellow is near steady amber (wrap-up)
		 * on a cheap RGB lamp; docs/cues.md says to change it there. */
		[CUE_COND_STREAM_DOWN] = { CUE_ON, CUE_YELLOW },
		[CUE_COND_STREAM_LIVE] = { CUE_SLOW, CUE_AMBER },
		[CUE_COND_STREAM_UNKNOWN] = { CUE_ON, CUE_CYAN },
	};

	memset(c, 0, sizeof(*c));
	memcpy(c->cue_look, looks, sizeof(looks));
	c->tally_look[SHOW_STANDBY] = (struct cue_look){ CUE_OFF, CUE_RED };
	c->tally_look[SHOW_PREROLL] = (struct cue_look){ CUE_OFF, CUE_RED };
	c->tally_look[SHOW_LIVE] = (struct cue_look){ CUE_ON, CUE_RED };
	c->tally_look[SHOW_HOLD] = (struct cue_look){ CUE_ON, CUE_RED };
	c->tally_look[SHOW_ENDED] = (struct cue_look){ CUE_OFF, CUE_RED };
	/* A camera box: red on program; preview blinks slowly (green on an RGB
	 * lamp), so a red-only lamp never lights steady for it; a switcher
	 * that went silent is neither. */
	c->camera_tally[CUE_CAMERA_OFF] = (struct cue_look){ CUE_OFF, CUE_RED };
	c->camera_tally[CUE_CAMERA_PROGRAM] = (struct cue_look){ CUE_ON, CUE_RED };
	c->camera_tally[CUE_CAMERA_PREVIEW] = (struct cue_look){ CUE_SLOW, CUE_GREEN };
	c->camera_tally[CUE_CAMERA_UNKNOWN] = (struct cue_look){ CUE_FAST, CUE_WHITE };
	/* Neither red (it may be lying) nor dark (it may be live). */
	c->stale_tally = (struct cue_look){ CUE_SLOW, CUE_AMBER };
	c->overrun_count = true;
	c->slow_half_ms = 500;
	c->fast_half_ms = 125;
}

static int64_t earliest(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Consider moment `at` as the next change if it is still ahead. */
static void upcoming(int64_t *next, int64_t at, int64_t now)
{
	if (at > now)
		*next = earliest(*next, at);
}

/* Whole seconds shown for a remaining time: rounded up while positive (a
 * segment starts on its full length and shows 00:00 only at its end),
 * rounded toward zero past it (-0:01 after one full second over). */
static int64_t shown_seconds(int64_t remaining)
{
	if (remaining > 0)
		return (remaining + 999) / 1000;
	return -((-remaining) / 1000);
}

static void format_countdown(int64_t secs, char *buf, size_t len)
{
	int64_t a = secs < 0 ? -secs : secs;
	const char *sign = secs < 0 ? "-" : "";
	char text[64];

	if (a >= 3600)
		snprintf(text, sizeof(text), "%s%lld:%02lld", sign, (long long)(a / 3600),
			 (long long)(a / 60 % 60));
	else if (secs < 0)
		snprintf(text, sizeof(text), "-%lld:%02lld", (long long)(a / 60), (long long)(a % 60));
	else
		snprintf(text, sizeof(text), "%02lld:%02lld", (long long)(a / 60), (long long)(a % 60));
	str_copy(buf, text, len);
}

/* Show a countdown toward zero_at (monotonic) and note when its text next
 * changes. Frozen countdowns never change by themselves. */
static void countdown(struct cue_output *out, int64_t zero_at, int64_t now, bool frozen_at_now,
		      bool count_negative)
{
	int64_t remaining = zero_at - now, secs;

	if (!count_negative && remaining < 0)
		remaining = 0;
	secs = shown_seconds(remaining);
	out->counting = true;
	out->countdown_ms = remaining;
	format_countdown(secs, out->countdown, sizeof(out->countdown));
	if (frozen_at_now)
		return;
	if (remaining > 0)
		upcoming(&out->next, zero_at - (secs - 1) * 1000, now);
	else if (count_negative)
		upcoming(&out->next, zero_at + (-secs + 1) * 1000, now);
}

/* The older promotion rule: a reminder every `every` from `base`, up for
 * `window`; true when it is up now. Notes the next change. */
static bool reminder(int64_t base, int64_t every, int64_t window, int64_t now, int64_t *next)
{
	int64_t since = now - base, phase;

	if (every <= 0 || since < 0)
		return false;
	if (since < every) {
		upcoming(next, base + every, now);
		return false;
	}
	phase = since % every;
	if (phase < window) {
		upcoming(next, now - phase + window, now);
		return true;
	}
	upcoming(next, now - phase + every, now);
	return false;
}

static enum cue_cond running_cond(const struct show_state *s, const struct rundown *r,
				  const struct show_conf *sc, const struct cue_conf *c,
				  struct onair_time now, struct cue_output *out)
{
	const struct rundown_segment *seg = &r->seg[s->seg];
	int64_t remaining, planned = show_segment_planned(s, r);
	int64_t zero_at = s->run[s->seg].start_mono + s->run[s->seg].held_ms + planned;
	int64_t wrapup = rhythm_wrapup(r, sc, s->seg);
	int64_t danger = rhythm_danger(r, sc, s->seg);
	int64_t promo_every = seg->promo_ms == RUNDOWN_INHERIT ? sc->promo_every_ms : seg->promo_ms;
	bool count_negative = seg->overrun_count == RUNDOWN_INHERIT ? c->overrun_count
								    : seg->overrun_count;
	bool held = s->phase == SHOW_HOLD;
	enum rhythm_cue rhythm;
	int quota;

	show_remaining(s, r, now.mono, &remaining);
	quota = rhythm_promo_quota(r, sc, s->seg, NULL);
	if (s->aux_total_ms) {
		out->aux = true;
		countdown(out, s->aux_end_mono, now.mono, false, false);
	} else if (held) {
		countdown(out, now.mono + remaining, now.mono, true, count_negative);
	} else {
		countdown(out, zero_at, now.mono, false, count_negative);
		if (quota && rhythm_promo_count_shown(s, now.mono, &out->next))
			/* "P2.3": two calls of three, for a 4-digit display too. */
			snprintf(out->countdown, sizeof(out->countdown), "P%d.%d",
				 s->run[s->seg].promo_calls % 100, quota % 100);
	}
	if (held)
		return CUE_COND_HOLD;
	upcoming(&out->next, zero_at - wrapup, now.mono);
	upcoming(&out->next, zero_at - danger, now.mono);
	upcoming(&out->next, zero_at, now.mono);
	rhythm = rhythm_cue_at(s, r, sc, now.mono, &out->next);
	if (remaining <= 0)
		return CUE_COND_OVERRUN;
	if (remaining <= danger)
		return CUE_COND_DANGER;
	if (remaining <= wrapup)
		return CUE_COND_WRAPUP;
	if (rhythm == RHYTHM_INTERACTION_CLOSING)
		return CUE_COND_INTERACTION_CLOSING;
	/* A promotion reminder is short and of the moment; the gentle
	 * interaction cue may stand for minutes: it waits under it. */
	if (rhythm == RHYTHM_PROMO ||
	    reminder(s->run[s->seg].start_mono + s->run[s->seg].held_ms, promo_every, sc->reminder_ms,
		     now.mono, &out->next))
		return CUE_COND_PROMO;
	if (rhythm == RHYTHM_INTERACTION)
		return CUE_COND_INTERACTION;
	if (rhythm_push_at(s, now.mono))
		return CUE_COND_PUSH;
	return CUE_COND_LIVE;
}

static void lamp_set(struct cue_lamp *lamp, struct cue_look look, const struct cue_conf *c,
		     struct onair_time now, int64_t *next)
{
	int64_t half;

	lamp->pattern = look.pattern;
	lamp->colour = look.colour;
	lamp->lit = look.pattern == CUE_ON;
	if (look.pattern != CUE_SLOW && look.pattern != CUE_FAST)
		return;
	half = look.pattern == CUE_SLOW ? c->slow_half_ms : c->fast_half_ms;
	lamp->lit = (now.wall / half) % 2 == 0;
	*next = earliest(*next, now.mono + (half - now.wall % half));
}

void cue_eval(const struct show_state *s, const struct rundown *r, const struct show_conf *sc,
	      const struct cue_conf *c, struct onair_time now, struct cue_output *out)
{
	enum cue_cond cond = CUE_COND_IDLE;

	memset(out, 0, sizeof(*out));
	out->next = NEVER;
	strcpy(out->countdown, "--:--");
	switch (s->phase) {
	case SHOW_STANDBY:
		if (sc->schedule_wall) {
			int64_t zero_at = now.mono + (sc->schedule_wall - now.wall);

			countdown(out, zero_at, now.mono, false, true);
			cond = out->countdown_ms > 0 ? CUE_COND_SCHEDULED : CUE_COND_LATE;
			upcoming(&out->next, zero_at, now.mono);
		} else if (r->count > 0) {
			format_countdown(shown_seconds(r->seg[0].planned_ms), out->countdown,
					 sizeof(out->countdown));
		}
		break;
	case SHOW_PREROLL:
		countdown(out, s->preroll_end_mono, now.mono, false, false);
		cond = CUE_COND_PREROLL;
		break;
	case SHOW_LIVE:
	case SHOW_HOLD:
		cond = running_cond(s, r, sc, c, now, out);
		break;
	case SHOW_ENDED:
		cond = CUE_COND_ENDED;
		break;
	}
	/* The operator's explicit calls speak louder than the clock. */
	if (s->call == SHOW_CALL_STANDBY)
		cond = CUE_COND_STANDBY;
	else if (s->call == SHOW_CALL_ACKED)
		cond = CUE_COND_ACKED;
	else if (s->call == SHOW_CALL_GO)
		cond = CUE_COND_GO;
	if (s->message_since_mono) {
		cond = CUE_COND_MESSAGE;
		upcoming(&out->next, s->message_until_mono, now.mono);
	}
	if (s->attention_until_mono > now.mono) {
		cond = CUE_COND_ATTENTION;
		upcoming(&out->next, s->attention_until_mono, now.mono);
	}
	out->cond = cond;
	lamp_set(&out->lamp[CUE_LAMP_TALLY], c->tally_look[s->phase], c, now, &out->next);
	lamp_set(&out->lamp[CUE_LAMP_CUE], c->cue_look[cond], c, now, &out->next);
	out->onair = out->lamp[CUE_LAMP_TALLY].pattern != CUE_OFF;
	if (out->next <= now.mono)
		out->next = now.mono + 1;
}

void cue_set_lamp(struct cue_output *out, enum cue_lamp_id lamp, struct cue_look look, const struct cue_conf *c,
		  struct onair_time now)
{
	lamp_set(&out->lamp[lamp], look, c, now, &out->next);
}

void cue_set_cond(struct cue_output *out, enum cue_cond cond, const struct cue_conf *c, struct onair_time now)
{
	out->cond = cond;
	lamp_set(&out->lamp[CUE_LAMP_CUE], c->cue_look[cond], c, now, &out->next);
}

bool cue_output_differs(const struct cue_output *a, const struct cue_output *b)
{
	if (a->cond != b->cond || a->aux != b->aux || a->onair != b->onair ||
	    strcmp(a->countdown, b->countdown) != 0)
		return true;
	for (int i = 0; i < CUE_LAMP_COUNT; i++)
		if (a->lamp[i].pattern != b->lamp[i].pattern || a->lamp[i].colour != b->lamp[i].colour ||
		    a->lamp[i].lit != b->lamp[i].lit)
			return true;
	return false;
}

void cue_apply_link(struct cue_output *out, enum cue_link link, int64_t refused_until,
		    const struct cue_conf *c, struct onair_time now)
{
	if (link == CUE_LINK_STALE) {
		out->cond = CUE_COND_STALE;
		lamp_set(&out->lamp[CUE_LAMP_TALLY], c->stale_tally, c, now, &out->next);
		lamp_set(&out->lamp[CUE_LAMP_CUE], c->cue_look[CUE_COND_STALE], c, now, &out->next);
	} else if (link == CUE_LINK_LOST) {
		out->cond = CUE_COND_LINK_LOST;
		lamp_set(&out->lamp[CUE_LAMP_CUE], c->cue_look[CUE_COND_LINK_LOST], c, now, &out->next);
	}
	if (now.mono < refused_until) {
		/* A press that was not taken: the operator must see it at once. */
		out->cond = CUE_COND_REFUSED;
		lamp_set(&out->lamp[CUE_LAMP_CUE], c->cue_look[CUE_COND_REFUSED], c, now, &out->next);
		out->next = earliest(out->next, refused_until);
	}
}

static const char *const cue_camera_names[] = { "off", "program", "preview", "unknown" };

const char *cue_camera_name(enum cue_camera cam)
{
	return cue_camera_names[cam];
}

void cue_apply_camera(struct cue_output *out, enum cue_camera cam, const struct cue_conf *c,
		      struct onair_time now)
{
	lamp_set(&out->lamp[CUE_LAMP_TALLY], c->camera_tally[cam], c, now, &out->next);
}

void cue_apply_storage(struct cue_output *out, const struct cue_conf *c, struct onair_time now)
{
	if (out->cond == CUE_COND_ATTENTION)
		return;
	out->cond = CUE_COND_STORAGE;
	lamp_set(&out->lamp[CUE_LAMP_CUE], c->cue_look[CUE_COND_STORAGE], c, now, &out->next);
}
