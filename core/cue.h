/* The cue engine: derives every output (tally, cue light, countdown text)
 * from the show state and the clock, declaratively. Pure: the caller renders
 * the result and calls again at the returned deadline. */
#ifndef ONAIR_CUE_H
#define ONAIR_CUE_H

#include <stdbool.h>
#include <stdint.h>

#include "show.h"

enum cue_pattern { CUE_OFF, CUE_ON, CUE_SLOW, CUE_FAST, CUE_PATTERN_COUNT };
enum cue_colour {
	CUE_RED, CUE_GREEN, CUE_AMBER, CUE_BLUE, CUE_WHITE, CUE_CYAN, CUE_MAGENTA, CUE_YELLOW,
	CUE_COLOUR_COUNT
};
enum cue_lamp_id { CUE_LAMP_TALLY, CUE_LAMP_CUE, CUE_LAMP_COUNT };

/* What the cue light is saying. When several apply, cue_eval picks by
 * priority (attention, an unacknowledged message, the operator's call, hold, overrun, danger,
 * wrapup, interaction closing, promo, interaction, push, live). Names are the
 * keys under [looks]; docs/cues.md is the card. */
enum cue_cond {
	CUE_COND_IDLE, CUE_COND_SCHEDULED, CUE_COND_LATE, CUE_COND_PREROLL, CUE_COND_LIVE,
	CUE_COND_PROMO, CUE_COND_INTERACTION, CUE_COND_WRAPUP, CUE_COND_DANGER,
	CUE_COND_OVERRUN, CUE_COND_HOLD, CUE_COND_STANDBY, CUE_COND_ACKED, CUE_COND_GO,
	CUE_COND_ATTENTION, CUE_COND_ENDED, CUE_COND_LINK_LOST, CUE_COND_STALE, CUE_COND_REFUSED,
	CUE_COND_STORAGE, CUE_COND_INTERACTION_CLOSING, CUE_COND_PUSH, CUE_COND_MESSAGE,
	CUE_COND_STREAM_DOWN, CUE_COND_STREAM_LIVE, CUE_COND_STREAM_UNKNOWN, CUE_COND_COUNT
};

struct cue_look {
	enum cue_pattern pattern;
	enum cue_colour colour;
};

/* What a camera's switcher says of it, when this box's tally follows one
 * (a tally source's camera). */
enum cue_camera { CUE_CAMERA_OFF, CUE_CAMERA_PROGRAM, CUE_CAMERA_PREVIEW, CUE_CAMERA_UNKNOWN,
		  CUE_CAMERA_COUNT };

struct cue_conf {
	struct cue_look cue_look[CUE_COND_COUNT];
	struct cue_look camera_tally[CUE_CAMERA_COUNT];
	struct cue_look tally_look[SHOW_ENDED + 1];	/* by show phase */
	struct cue_look stale_tally;	/* a follower's tally when the leader is silent */
	bool overrun_count;		/* count into negative, or stop at zero */
	int64_t slow_half_ms, fast_half_ms;	/* flash half periods */
};

struct cue_lamp {
	enum cue_pattern pattern;
	enum cue_colour colour;
	bool lit;		/* the flash phase right now */
};

#define CUE_TEXT_MAX 16
struct cue_output {
	enum cue_cond cond;
	struct cue_lamp lamp[CUE_LAMP_COUNT];
	char countdown[CUE_TEXT_MAX];	/* "05:00", "-0:12", "1:05" (H:MM), "--:--" */
	bool counting;			/* countdown is a live figure */
	int64_t countdown_ms;		/* the figure shown, negative on overrun */
	bool aux;			/* an aux countdown has the display */
	bool onair;			/* the ON AIR lamp: the show's tally, or the stream's truth */
	int64_t next;			/* monotonic moment the output next changes */
};

/* Defaults that follow broadcast habits (red = on air, green = go, amber =
 * wrap, red flashing = over); no two meanings share a look except idle and
 * ended (no show running). */
void cue_conf_defaults(struct cue_conf *c);
/* Evaluate every output at now. */
void cue_eval(const struct show_state *s, const struct rundown *r, const struct show_conf *sc,
	      const struct cue_conf *c, struct onair_time now, struct cue_output *out);
/* A follower's link to its leader, laid over what the show says. */
enum cue_link {
	CUE_LINK_OK,
	CUE_LINK_LOST,		/* no broker for a while: still counting from the last anchor */
	CUE_LINK_STALE,		/* nothing from the leader for the lease: the tally may lie */
};
/* Apply the link (and a refused press until refused_until, monotonic) to
 * an output cue_eval made; pure, like it. */
void cue_apply_link(struct cue_output *out, enum cue_link link, int64_t refused_until,
		    const struct cue_conf *c, struct onair_time now);
/* Recording has failed (full disk, read-only card): the cue light says so
 * until it works again; only the operator's "look at me" is above it. */
void cue_apply_storage(struct cue_output *out, const struct cue_conf *c, struct onair_time now);
/* The tally lamp shows the camera's switcher state instead of the show's
 * phase (a box on a camera). */
void cue_apply_camera(struct cue_output *out, enum cue_camera cam, const struct cue_conf *c,
		      struct onair_time now);
const char *cue_camera_name(enum cue_camera cam);
/* One lamp to a look, or the cue light to a condition's look, at now
 * (for the overlays). */
void cue_set_lamp(struct cue_output *out, enum cue_lamp_id lamp, struct cue_look look, const struct cue_conf *c,
		  struct onair_time now);
void cue_set_cond(struct cue_output *out, enum cue_cond cond, const struct cue_conf *c, struct onair_time now);
/* True when the two outputs would look different to a person. */
bool cue_output_differs(const struct cue_output *a, const struct cue_output *b);

const char *cue_pattern_name(enum cue_pattern p);
const char *cue_colour_name(enum cue_colour c);
const char *cue_lamp_name(enum cue_lamp_id l);
const char *cue_cond_name(enum cue_cond c);
int cue_pattern_parse(const char *name);
int cue_colour_parse(const char *name);
int cue_cond_parse(const char *name);
/* Parse a look such as "slow amber" or "off". */
bool cue_look_parse(const char *text, struct cue_look *look);

#endif
