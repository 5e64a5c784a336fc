/* Stream against show (see truth.h). */
#include <string.h>

#include "truth.h"
#include "util.h"

static const char *const disagreement_names[] = { "none", "stream_down", "stream_live" };
static const char *const stream_names[] = { "none", "unknown", "down", "live" };
static const char *const mode_names[] = { "show", "stream", "both" };

const char *disagreement_name(enum disagreement d) { return disagreement_names[d]; }
const char *stream_fact_name(enum stream_fact s) { return stream_names[s]; }
const char *onair_mode_name(enum onair_mode m) { return mode_names[m]; }
int onair_mode_parse(const char *text) { return str_index(mode_names, ARRAY_SIZE(mode_names), text); }
int stream_fact_parse(const char *text) { return text ? str_index(stream_names, ARRAY_SIZE(stream_names), text) : -1; }

int disagreement_parse(const char *text)
{
	return text ? str_index(disagreement_names, ARRAY_SIZE(disagreement_names), text) : -1;
}

void truth_init(struct truth *t)
{
	memset(t, 0, sizeof(*t));
}

static bool show_on_air(enum show_phase p)
{
	return p == SHOW_LIVE || p == SHOW_HOLD;
}

/* Preroll is neither: the stream may already carry a waiting screen. An
 * unknown stream disagrees with nothing; it has its own look. */
static enum disagreement raw_disagreement(enum stream_fact stream, enum show_phase phase)
{
	if (stream == STREAM_DOWN && show_on_air(phase))
		return DISAGREE_STREAM_DOWN;
	if (stream == STREAM_LIVE && (phase == SHOW_STANDBY || phase == SHOW_ENDED))
		return DISAGREE_STREAM_LIVE;
	return AGREE;
}

int64_t truth_update(struct truth *t, const struct truth_conf *c, enum stream_fact stream,
		     enum show_phase phase, int64_t now_mono, struct truth_change *ch)
{
	enum disagreement raw = raw_disagreement(stream, phase);
	bool outage = show_on_air(phase) && (stream == STREAM_DOWN || stream == STREAM_UNKNOWN);

	memset(ch, 0, sizeof(*ch));
	t->stream = stream;
	if (outage && !t->outage_since) {
		t->outage_since = now_mono;
		ch->outage_began = true;
	} else if (!outage && t->outage_since) {
		t->outage_since = 0;
		ch->outage_ended = true;
	}
	if (raw != t->raw) {
		t->raw = raw;
		t->raw_since = now_mono;
	}
	if (t->shown != AGREE && t->shown != raw) {
		ch->ended = t->shown;
		t->shown = AGREE;
	}
	if (raw != AGREE && t->shown == AGREE) {
		if (now_mono - t->raw_since < c->grace_ms)
			return t->raw_since + c->grace_ms;
		t->shown = raw;
		ch->began = raw;
	}
	return NEVER;
}

static bool stream_lit(const struct truth *t, const struct truth_conf *c, enum show_phase phase)
{
	bool show = show_on_air(phase);

	switch (t->stream) {
	case STREAM_LIVE:
		return c->mode == ONAIR_STREAM || show;
	case STREAM_DOWN:
		return false;
	default:
		return !c->unknown_dark && show;
	}
}

void truth_apply(struct cue_output *out, const struct truth *t, const struct truth_conf *c,
		 enum show_phase phase, const struct cue_conf *cc, struct onair_time now)
{
	if (t->stream == STREAM_NONE)
		return;
	if (c->mode != ONAIR_SHOW) {
		bool lit = stream_lit(t, c, phase);

		cue_set_lamp(out, CUE_LAMP_TALLY, cc->tally_look[lit ? SHOW_LIVE : SHOW_STANDBY], cc, now);
		out->onair = lit;
	}
	/* Above the rhythm and the clock, below the operator's "look at me"
	 * and a message: a stream that lies is the worst live mistake. */
	if (out->cond == CUE_COND_ATTENTION || out->cond == CUE_COND_MESSAGE)
		return;
	if (t->shown != AGREE) {
		cue_set_cond(out, t->shown == DISAGREE_STREAM_DOWN ? CUE_COND_STREAM_DOWN : CUE_COND_STREAM_LIVE,
			     cc, now);
		return;
	}
	if (t->stream == STREAM_UNKNOWN && (out->cond == CUE_COND_IDLE || out->cond == CUE_COND_LIVE ||
					    out->cond == CUE_COND_ENDED || out->cond == CUE_COND_SCHEDULED ||
					    out->cond == CUE_COND_PUSH || out->cond == CUE_COND_PREROLL))
		cue_set_cond(out, CUE_COND_STREAM_UNKNOWN, cc, now);
}
