/* Gesture logic. Debounce is leading-edge: the first edge after a quiet
 * debounce interval is taken at once (a pedal press must reach the tally
 * without waiting out the bounce), later edges inside the interval are
 * ignored, and the level is re-read when the interval ends so a release
 * that bounced is never lost. A plain press is reported on the way down
 * unless a long or double press is mapped, which must wait to be told apart. */
#include <stdint.h>

#include "gesture.h"

const char *gesture_name(enum gesture_kind k)
{
	static const char *const names[] = { "press", "long", "double" };

	return names[k];
}

void gesture_init(struct gesture_state *g, int64_t now)
{
	*g = (struct gesture_state){ .changed_at = now - (INT64_C(1) << 40) };
}

void gesture_init_held(struct gesture_state *g, int64_t now)
{
	*g = (struct gesture_state){ .raw = true, .stable = true, .changed_at = now,
				     .pressed_at = now, .long_fired = true };
}

static int emit(enum gesture_kind out[GESTURE_MAX], int n, enum gesture_kind k)
{
	if (n < GESTURE_MAX)
		out[n++] = k;
	return n;
}

/* The debounced level changed at now. */
static int transition(struct gesture_state *g, const struct gesture_conf *c, int64_t now,
		      enum gesture_kind out[GESTURE_MAX], int n)
{
	g->stable = g->raw;
	g->changed_at = now;
	if (g->stable) {
		g->pressed_at = now;
		g->long_fired = false;
		if (!c->long_ms && !c->double_ms)
			return emit(out, n, GESTURE_PRESS);
		return n;
	}
	if (g->long_fired || (!c->long_ms && !c->double_ms))
		return n;
	if (!c->double_ms)
		return emit(out, n, GESTURE_PRESS);
	if (g->tap_pending && now - g->tap_at <= c->double_ms) {
		g->tap_pending = false;
		return emit(out, n, GESTURE_DOUBLE);
	}
	g->tap_pending = true;
	g->tap_at = now;
	return n;
}

int gesture_edge(struct gesture_state *g, const struct gesture_conf *c, bool pressed, int64_t now,
		 enum gesture_kind out[GESTURE_MAX])
{
	int n = gesture_tick(g, c, now, out);

	g->raw = pressed;
	if (g->raw != g->stable && now - g->changed_at >= c->debounce_ms)
		n = transition(g, c, now, out, n);
	return n;
}

int gesture_tick(struct gesture_state *g, const struct gesture_conf *c, int64_t now,
		 enum gesture_kind out[GESTURE_MAX])
{
	int n = 0;

	if (g->raw != g->stable && now - g->changed_at >= c->debounce_ms)
		n = transition(g, c, now, out, n);
	if (g->stable && c->long_ms && !g->long_fired && now - g->pressed_at >= c->long_ms) {
		g->long_fired = true;
		g->tap_pending = false;
		n = emit(out, n, GESTURE_LONG);
	}
	if (g->tap_pending && !g->stable && now - g->tap_at > c->double_ms) {
		g->tap_pending = false;
		n = emit(out, n, GESTURE_PRESS);
	}
	return n;
}

static int64_t earliest(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int64_t gesture_next_deadline(const struct gesture_state *g, const struct gesture_conf *c)
{
	int64_t next = INT64_MAX;

	if (g->raw != g->stable)
		next = earliest(next, g->changed_at + c->debounce_ms);
	if (g->stable && c->long_ms && !g->long_fired)
		next = earliest(next, g->pressed_at + c->long_ms);
	if (g->tap_pending && !g->stable)
		next = earliest(next, g->tap_at + c->double_ms + 1);
	return next;
}
