/* The show engine: a pure state machine over (state, command or time, now).
 * It does no I/O; it returns events (for the show log and persistence) and
 * the next moment it must be asked again. Its rules of rhythm are
 * rhythm.h's; the state they share is showstate.h's. */
#ifndef ONAIR_SHOW_H
#define ONAIR_SHOW_H

#include "showstate.h"

/* A fresh show in standby. */
void show_init(struct show_state *s);
/* Apply a command. 0 and events on success; -1 and a one-line reason in err
 * (state unchanged) when the command does not fit the state. */
int show_apply(struct show_state *s, const struct rundown *r, const struct show_conf *c,
	       const struct show_cmd *cmd, struct onair_time now, struct show_events *out,
	       char *err, size_t errlen);
/* Let time pass: preroll ends, aux countdowns expire, GO times out,
 * a scheduled show starts. Returns true when the state changed. */
bool show_tick(struct show_state *s, const struct rundown *r, const struct show_conf *c,
	       struct onair_time now, struct show_events *out);
/* The next monotonic moment show_tick has work to do, or NEVER. */
int64_t show_next_deadline(const struct show_state *s, const struct rundown *r, const struct show_conf *c,
			   struct onair_time now);

#endif
