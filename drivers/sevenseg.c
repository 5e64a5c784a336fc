/* Seven-segment layout and the sliced bit-banger (see sevenseg.h). */
#include <string.h>
#include <time.h>

#include "../core/log.h"
#include "../core/loop.h"
#include "sevenseg.h"

#define WIRE_SAMPLE 2	/* a step that reads its line instead of setting it */

uint8_t sevenseg_glyph(char c)
{
	static const uint8_t digits[10] = { 0x3F, 0x06, 0x5B, 0x4F, 0x66,
					    0x6D, 0x7D, 0x07, 0x7F, 0x6F };

	if (c >= '0' && c <= '9')
		return digits[c - '0'];
	switch (c) {
	case '-': return 0x40;
	case 'E': return 0x79;
	case 'r': return 0x50;
	case 'o': return 0x5C;
	case 'n': return 0x54;
	case 'H': return 0x76;
	case 'L': return 0x38;
	case 'd': return 0x5E;
	case 'P': return 0x73;	/* "P2.3": promotion calls said, of the quota */
	default: return 0x00;
	}
}

void sevenseg_layout(const char *text, int width, uint8_t *seg)
{
	uint8_t glyph[CUE_TEXT_MAX];
	int n = 0;

	for (const char *p = text; *p && n < (int)sizeof(glyph); p++) {
		if (*p == ':' || *p == '.') {
			if (n)
				glyph[n - 1] |= SEVENSEG_POINT;
			continue;
		}
		glyph[n++] = sevenseg_glyph(*p);
	}
	if (n > width) {
		/* "-12:34" on four digits: the minutes, without a colon. */
		const char *colon = strchr(text, ':');

		n = 0;
		for (const char *p = text; *p && p != colon && n < width; p++)
			glyph[n++] = sevenseg_glyph(*p);
		while (n < width)
			glyph[n++] = 0;
	}
	memset(seg, 0, (size_t)width);
	memcpy(seg + (width - n), glyph, (size_t)n);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wire_slice(void *data)
{
	struct sevenseg_wire *w = data;
	int64_t start = now_ns(), last = start, t = start;

	while (w->pos < w->nsteps) {
		while (w->hold_ns && (t = now_ns()) - last < w->hold_ns)
			;	/* sub-microsecond holds: sleeping would cost far more */
		if (w->step[w->pos].level == WIRE_SAMPLE) {
			int v = gpioline_get(w->line[w->step[w->pos].line]);

			w->nack |= v != 0;
			w->sampled = w->step[w->pos].line;
		} else if (gpioline_set(w->line[w->step[w->pos].line], w->step[w->pos].level) < 0) {
			if (!w->failed)
				log_warn("display: write %s", gpioline_describe(w->line[w->step[w->pos].line]));
			w->failed = true;
			w->pos = w->nsteps;
			break;
		}
		w->pos++;
		last = t = now_ns();
		if (t - start >= w->budget_ns)
			break;
	}
	if (t - start > w->longest_slice_ns)
		w->longest_slice_ns = t - start;
	if (w->pos < w->nsteps) {
		loop_timer_arm(w->timer, time_mono_ms());
		return;
	}
	if (!w->failed) {
		w->frames++;
		if (w->nack && !w->unanswered)
			log_warnx("display: no acknowledgement on %s: the chip does not answer (not "
				  "connected, or no power?)", gpioline_describe(w->line[w->sampled]));
		else if (!w->nack && w->unanswered)
			log_info("display: the chip on %s answers again", gpioline_describe(w->line[w->sampled]));
		w->unanswered = w->nack;
		w->unanswered_frames += w->nack;
	}
	w->nack = false;
	w->nsteps = w->pos = 0;
	if (w->done)
		w->done(w->data);
}

void sevenseg_wire_init(struct sevenseg_wire *w, void (*done)(void *), void *data)
{
	memset(w, 0, sizeof(*w));
	for (int i = 0; i < SEVENSEG_MAX_LINES; i++)
		w->level[i] = -1;
	w->budget_ns = 300000;
	w->done = done;
	w->data = data;
	w->timer = loop_timer_add(wire_slice, w);
}

void sevenseg_wire_add(struct sevenseg_wire *w, int line, int level)
{
	if (w->level[line] == level || w->nsteps == SEVENSEG_MAX_STEPS)
		return;
	w->level[line] = level;
	w->step[w->nsteps].line = (uint8_t)line;
	w->step[w->nsteps].level = (uint8_t)level;
	w->nsteps++;
}

void sevenseg_wire_sample(struct sevenseg_wire *w, int line)
{
	if (w->nsteps == SEVENSEG_MAX_STEPS)
		return;
	w->step[w->nsteps].line = (uint8_t)line;
	w->step[w->nsteps].level = WIRE_SAMPLE;
	w->nsteps++;
}

bool sevenseg_wire_busy(const struct sevenseg_wire *w)
{
	return w->pos > 0 && w->pos < w->nsteps;
}

void sevenseg_wire_start(struct sevenseg_wire *w)
{
	w->failed = false;
	wire_slice(w);
}

void sevenseg_wire_finish(struct sevenseg_wire *w)
{
	int64_t budget = w->budget_ns;
	void (*done)(void *) = w->done;

	w->budget_ns = INT64_MAX;
	w->done = NULL;
	w->failed = false;
	wire_slice(w);
	w->budget_ns = budget;
	w->done = done;
}

void sevenseg_wire_fini(struct sevenseg_wire *w)
{
	if (w->timer)
		loop_timer_remove(w->timer);
	w->timer = NULL;
}
