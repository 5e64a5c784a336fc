/* Seven-segment rendering shared by the display drivers: the cue engine's
 * countdown text laid out on N digits, segments as bit0 = A … bit6 = G,
 * bit7 = the point (on 4-digit clock modules, the colon after digit 1),
 * and a GPIO bit-banger that writes a frame in slices so it never holds
 * the event loop for long. */
#ifndef ONAIR_SEVENSEG_H
#define ONAIR_SEVENSEG_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/cue.h"
#include "gpioline.h"

#define SEVENSEG_POINT 0x80
#define SEVENSEG_MAX_DIGITS 8

/* One glyph: digits, '-', ' ' and a few letters; unknown → blank. */
uint8_t sevenseg_glyph(char c);
/* Lay text ("05:00", "-0:12", "1:05", "--:--") right-aligned on width
 * digits; ':' lights the point of the digit before it. Text that does not
 * fit keeps its part before the colon. */
void sevenseg_layout(const char *text, int width, uint8_t *seg);

#define SEVENSEG_MAX_LINES 3
#define SEVENSEG_MAX_STEPS 4096

/* A queue of line levels written in slices of at most budget_ns each. */
struct sevenseg_wire {
	struct gpioline *line[SEVENSEG_MAX_LINES];
	int level[SEVENSEG_MAX_LINES];	/* last queued level, -1 unknown */
	struct {
		uint8_t line, level;
	} step[SEVENSEG_MAX_STEPS];
	int nsteps, pos;
	int64_t budget_ns;
	int64_t hold_ns;		/* at least this between two steps */
	struct loop_timer *timer;
	void (*done)(void *data);	/* a frame finished (or failed) */
	void *data;
	bool failed;			/* a write failed: the frame was dropped */
	bool unanswered;		/* the last frame's chip did not acknowledge */
	bool nack;			/* this frame: a sample read no acknowledgement */
	int sampled;			/* the line sampled for it */
	uint64_t unanswered_frames;
	int64_t longest_slice_ns;	/* the longest the loop was held */
	uint64_t frames;
};

/* Set up the timer; lines are given by the caller. */
void sevenseg_wire_init(struct sevenseg_wire *w, void (*done)(void *), void *data);
/* Queue one level (a repeat of the line's last level is dropped). */
void sevenseg_wire_add(struct sevenseg_wire *w, int line, int level);
/* Queue a read of the line at this point: a chip that acknowledges pulls
 * it low; a high level (nobody there) marks the frame unanswered. */
void sevenseg_wire_sample(struct sevenseg_wire *w, int line);
bool sevenseg_wire_busy(const struct sevenseg_wire *w);
/* Start writing what is queued, a slice now and the rest from the loop. */
void sevenseg_wire_start(struct sevenseg_wire *w);
/* Write everything queued at once (at exit, to leave the display safe). */
void sevenseg_wire_finish(struct sevenseg_wire *w);
void sevenseg_wire_fini(struct sevenseg_wire *w);

#endif
