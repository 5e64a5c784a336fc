/* A stream's health from its encoder's own counters (OBS's
 * GetStreamStatus: frames the output dropped and sent, congestion,
 * reconnecting), judged over a window: "struggling" when more than a share
 * of the frames were dropped in it, or congestion stays high, or the
 * output is reconnecting; over only after it has been well for a while,
 * so a stream at the edge does not flap. Pure: samples in, a verdict out. */
#ifndef ONAIR_HEALTH_H
#define ONAIR_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#define HEALTH_SAMPLES 16

struct health_limits {
	double dropped_pct;		/* more than this share dropped in the window: struggling (2) */
	double congestion;		/* at or above, as OBS reports it 0..1, for the window (0.5) */
	int64_t window_ms;		/* (10 s) */
	int64_t release_ms;		/* well this long before it is over (10 s) */
};

struct health_sample {
	int64_t at_ms;			/* monotonic */
	uint64_t dropped, total;	/* the output's counters since it started */
	double congestion;
	bool reconnecting;
};

struct health {
	struct health_limits lim;
	struct health_sample s[HEALTH_SAMPLES];
	int n;				/* samples kept, oldest first */
	bool struggling;
	int64_t well_since;		/* while struggling: when it looked well, 0 when not */
	int64_t since;			/* when struggling began */
	/* Over the window, for status and the log. */
	double window_dropped_pct, window_congestion;
	char why[120];			/* what made it struggle */
};

void health_limits_defaults(struct health_limits *l);
void health_init(struct health *h, const struct health_limits *l);
/* The output stopped or restarted (its counters go back to 0). */
void health_reset(struct health *h);
/* A sample; returns true when struggling began or ended with it. */
bool health_feed(struct health *h, const struct health_sample *s);

#endif
