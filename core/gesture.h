/* Button and pedal gestures: debounce, press, long press, double press.
 * Pure: fed raw edges and the time, it returns gestures and the next
 * moment it must be asked again. Drivers own the fds; this owns the logic. */
#ifndef ONAIR_GESTURE_H
#define ONAIR_GESTURE_H

#include <stdbool.h>
#include <stdint.h>

enum gesture_kind { GESTURE_PRESS, GESTURE_LONG, GESTURE_DOUBLE };

struct gesture_conf {
	int64_t debounce_ms;	/* edges closer than this to the last accepted one are bounce */
	int64_t long_ms;	/* held this long: a long press; 0 = no long press mapped */
	int64_t double_ms;	/* second tap within this: a double press; 0 = none mapped */
};

struct gesture_state {
	bool raw;		/* last level seen (true = pressed) */
	bool stable;		/* debounced level */
	int64_t changed_at;	/* when the stable level last changed */
	int64_t pressed_at;
	bool long_fired;
	bool tap_pending;	/* a tap waits to see whether a second follows */
	int64_t tap_at;
};

#define GESTURE_MAX 2

/* A button at rest (released) at now. */
void gesture_init(struct gesture_state *g, int64_t now);
/* A button already held at now (at start-up): neither it nor its release
 * is a gesture. */
void gesture_init_held(struct gesture_state *g, int64_t now);
/* A raw edge: the line or report says pressed (or released) at now.
 * Returns how many gestures were written to out. */
int gesture_edge(struct gesture_state *g, const struct gesture_conf *c, bool pressed, int64_t now,
		 enum gesture_kind out[GESTURE_MAX]);
/* Time passes: a long press matures, a lone tap is confirmed, a bounce settles. */
int gesture_tick(struct gesture_state *g, const struct gesture_conf *c, int64_t now,
		 enum gesture_kind out[GESTURE_MAX]);
/* The next moment gesture_tick has work, or INT64_MAX. */
int64_t gesture_next_deadline(const struct gesture_state *g, const struct gesture_conf *c);
const char *gesture_name(enum gesture_kind k);

#endif
