/* A stream's health (see health.h). */
#include <stdio.h>
#include <string.h>

#include "health.h"

void health_limits_defaults(struct health_limits *l)
{
	/* OBS's own status bar turns its dropped-frames figure red well below
	 * this; 2 % over 10 s is a stream viewers see stutter. */
	*l = (struct health_limits){ .dropped_pct = 2, .congestion = 0.5, .window_ms = 10000, .release_ms = 10000 };
}

void health_init(struct health *h, const struct health_limits *l)
{
	memset(h, 0, sizeof(*h));
	h->lim = *l;
}

void health_reset(struct health *h)
{
	h->n = 0;
	h->window_dropped_pct = h->window_congestion = 0;
}

bool health_feed(struct health *h, const struct health_sample *s)
{
	const struct health_sample *base;
	double congestion = 0;
	int64_t span;
	bool bad;

	/* Counters that went back belong to a new output: a new window. */
	if (h->n && (s->total < h->s[h->n - 1].total || s->dropped < h->s[h->n - 1].dropped))
		h->n = 0;
	if (h->n == HEALTH_SAMPLES) {
		memmove(h->s, h->s + 1, sizeof(h->s[0]) * (HEALTH_SAMPLES - 1));
		h->n--;
	}
	h->s[h->n++] = *s;
	/* The oldest kept is the window's base: the last one at or before its start. */
	while (h->n >= 2 && h->s[1].at_ms <= s->at_ms - h->lim.window_ms) {
		memmove(h->s, h->s + 1, sizeof(h->s[0]) * (size_t)(h->n - 1));
		h->n--;
	}
	base = &h->s[0];
	span = s->at_ms - base->at_ms;
	h->window_dropped_pct = s->total > base->total ?
		100.0 * (double)(s->dropped - base->dropped) / (double)(s->total - base->total) : 0;
	for (int i = 0; i < h->n; i++)
		congestion += h->s[i].congestion;
	h->window_congestion = congestion / h->n;
	/* Half a window at least before counters judge: one sample is not a trend. */
	bad = s->reconnecting || (span * 2 >= h->lim.window_ms && (h->window_dropped_pct > h->lim.dropped_pct ||
								   h->window_congestion >= h->lim.congestion));
	if (!h->struggling) {
		if (!bad)
			return false;
		h->struggling = true;
		h->since = s->at_ms;
		h->well_since = 0;
		if (s->reconnecting)
			snprintf(h->why, sizeof(h->why), "the output is reconnecting");
		else if (h->window_dropped_pct > h->lim.dropped_pct)
			snprintf(h->why, sizeof(h->why), "%.1f %% of frames dropped in %.0f s (over %.1f %%)",
				 h->window_dropped_pct, (double)span / 1000, h->lim.dropped_pct);
		else
			snprintf(h->why, sizeof(h->why), "congestion %.2f over %.0f s (at or over %.2f)",
				 h->window_congestion, (double)span / 1000, h->lim.congestion);
		return true;
	}
	if (bad) {
		h->well_since = 0;
		return false;
	}
	if (!h->well_since)
		h->well_since = s->at_ms;
	if (s->at_ms - h->well_since < h->lim.release_ms)
		return false;
	h->struggling = false;
	return true;
}
