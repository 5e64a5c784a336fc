/* ON AIR tells the truth: what the stream (from a source such as OBS)
 * says against what the show says, and what the lamps show for it. Pure:
 * facts and the clock in, a disagreement and a deadline out. */
#ifndef ONAIR_TRUTH_H
#define ONAIR_TRUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "cue.h"
#include "show.h"

/* What ON AIR follows ([show] onair). */
enum onair_mode { ONAIR_SHOW, ONAIR_STREAM, ONAIR_BOTH };
/* The stream as the source last said (NONE: no source tells it). */
enum stream_fact { STREAM_NONE, STREAM_UNKNOWN, STREAM_DOWN, STREAM_LIVE };
enum disagreement {
	AGREE,
	DISAGREE_STREAM_DOWN,	/* the show is live, the stream is not */
	DISAGREE_STREAM_LIVE,	/* the stream is live, the show is not (standby or ended) */
};

struct truth_conf {
	enum onair_mode mode;
	int64_t grace_ms;		/* a disagreement shorter than this is not one */
	bool unknown_dark;		/* ON AIR while the stream is unknown: dark, not the show */
};

struct truth {
	enum stream_fact stream;
	enum disagreement raw;		/* as of the last update */
	int64_t raw_since;		/* monotonic */
	enum disagreement shown;	/* past the grace: on the lamps, in the log */
	int64_t outage_since;		/* the stream went down (or unknown) while the show was live; 0 none */
};

void truth_init(struct truth *t);
/* What one update changed, for the show log. An outage is the show on
 * the air (live or held) while the stream is not reaching anyone (down or
 * unknown), counted without grace. */
struct truth_change {
	enum disagreement began, ended;	/* AGREE when none */
	bool outage_began, outage_ended;
};

/* Bring t up to now with the stream and the show's phase. Returns the
 * moment it must be updated again (the grace ending), or NEVER. */
int64_t truth_update(struct truth *t, const struct truth_conf *c, enum stream_fact stream,
		     enum show_phase phase, int64_t now_mono, struct truth_change *ch);
/* Lay the stream's truth over the outputs: the tally and ON AIR per mode,
 * the cue light's alarm while a disagreement is shown or the stream is
 * unknown. */
void truth_apply(struct cue_output *out, const struct truth *t, const struct truth_conf *c,
		 enum show_phase phase, const struct cue_conf *cc, struct onair_time now);
const char *disagreement_name(enum disagreement d);
const char *stream_fact_name(enum stream_fact s);
const char *onair_mode_name(enum onair_mode m);
int onair_mode_parse(const char *text);
/* The names back (NULL or unknown: -1), as a follower reads them. */
int stream_fact_parse(const char *text);
int disagreement_parse(const char *text);

#endif
