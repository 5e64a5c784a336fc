/* The show's rhythm: the live-commerce rules (an interaction within a
 * window, a promotion called a number of times per product, the final
 * push) as part of the pure show engine. The show engine calls these at
 * its own moments; they keep their state in struct show_state so it is
 * saved, journaled and sent to followers with the rest of the show. */
#ifndef ONAIR_RHYTHM_H
#define ONAIR_RHYTHM_H

#include "showstate.h"

/* The first segment went live. */
void rhythm_begin(struct show_state *s, const struct rundown *r, const struct show_conf *c,
		  struct onair_time now);
/* Segment s->seg has just been entered: fresh, or resumed (its earlier
 * run continued, as prev does). */
void rhythm_enter(struct show_state *s, const struct rundown *r, const struct show_conf *c,
		  struct onair_time now, bool resumed, struct show_events *out);
/* Time passes; true when the state changed. */
bool rhythm_tick(struct show_state *s, const struct rundown *r, const struct show_conf *c,
		 struct onair_time now, struct show_events *out);
/* The next monotonic moment rhythm_tick has work, or NEVER: no wake-up
 * while no rule is due. */
int64_t rhythm_next_deadline(const struct show_state *s, const struct rundown *r,
			     const struct show_conf *c, struct onair_time now);
/* "interaction done", "promo said", "mark": 0, or -1 and a reason. */
int rhythm_apply(struct show_state *s, const struct rundown *r, const struct show_conf *c,
		 const struct show_cmd *cmd, struct onair_time now, struct show_events *out,
		 char *err, size_t errlen);

/* What the rhythm asks of the cue light at now (a pure reading of the
 * state, for cue_eval). */
enum rhythm_cue { RHYTHM_NONE, RHYTHM_PROMO, RHYTHM_INTERACTION, RHYTHM_INTERACTION_CLOSING };
enum rhythm_cue rhythm_cue_at(const struct show_state *s, const struct rundown *r,
			      const struct show_conf *c, int64_t now_mono, int64_t *next);
bool rhythm_push_at(const struct show_state *s, int64_t now_mono);
/* A "promo said" was just pressed: the display shows the count a moment. */
bool rhythm_promo_count_shown(const struct show_state *s, int64_t now_mono, int64_t *next);

/* Rules that cannot be met: each warning through warn (path:line style
 * text made by the caller). */
void rhythm_check(const struct rundown *r, const struct show_conf *c,
		  void (*warn)(void *ctx, int line, const char *text), void *ctx);

/* The rhythm in force for the running segment (its own settings, else the
 * show's): promotion quota (0 = none) and wrap-up time. */
int rhythm_promo_quota(const struct rundown *r, const struct show_conf *c, int seg, int *max);
int64_t rhythm_wrapup(const struct rundown *r, const struct show_conf *c, int seg);
int64_t rhythm_danger(const struct rundown *r, const struct show_conf *c, int seg);

#endif
