/* The shared half of the GPIO display drivers (see display.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/loop.h"
#include "display.h"

enum colon_mode { COLON_ON, COLON_BLINK, COLON_OFF };

struct drv {
	const struct display_protocol *p;
	char name[DRV_NAME_MAX];
	struct sevenseg_wire wire;
	int brightness;
	enum colon_mode colon;
	uint8_t want[SEVENSEG_MAX_DIGITS], shown[SEVENSEG_MAX_DIGITS];
	int first;		/* the first digit of the countdown */
	bool dark_wanted, dark_shown, shown_valid;
	struct loop_timer *blink;	/* takes the colon off half a second in */
};

/* A display's section, parsed once. */
struct display_opts {
	struct drv_line line[SEVENSEG_MAX_LINES];
	int brightness;
	enum colon_mode colon;
};

static int display_parse(const struct display_protocol *p, const struct conf_device *dev,
			 const struct board *board, const char *path, struct diag *d,
			 struct display_opts *o)
{
	long long n;
	const char *v;
	int rc = 0;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < p->nlines; i++) {
		if (!drv_key(dev, p->line_keys[i])) {
			diag_add(d, path, dev->line, "[device.%s] needs \"%s\" (a %s line)", dev->name,
				 p->line_keys[i], p->name);
			rc = -1;
		} else {
			rc |= drv_line_parse(dev, board, p->line_keys[i], path, d, &o->line[i]);
		}
	}
	n = p->default_brightness;
	rc |= drv_int_key(dev, "brightness", 0, p->max_brightness, "", &n, path, d);
	o->brightness = (int)n;
	o->colon = COLON_ON;
	if ((v = drv_key(dev, "colon"))) {
		if (strcmp(v, "blink") == 0) {
			o->colon = COLON_BLINK;
		} else if (strcmp(v, "off") == 0) {
			o->colon = COLON_OFF;
		} else if (strcmp(v, "on") != 0) {
			diag_add(d, path, drv_key_line(dev, "colon"), "colon must be on, blink or off");
			rc = -1;
		}
	}
	return rc;
}

int display_check(const struct display_protocol *p, const struct conf_device *dev,
		  const struct board *board, const char *path, struct diag *d)
{
	struct display_opts o;

	return display_parse(p, dev, board, path, d, &o);
}

/* Write what is wanted if it differs from what is shown and the wire is free;
 * called again when a frame is done, so the latest state always wins. */
static void flush(void *data)
{
	struct drv *g = data;

	if (sevenseg_wire_busy(&g->wire))
		return;
	if (g->wire.failed)
		g->shown_valid = false;	/* resend it all once the lines work again */
	if (g->dark_wanted) {
		if (g->shown_valid && g->dark_shown)
			return;
		g->p->off(&g->wire);
		g->dark_shown = g->shown_valid = true;
	} else {
		if (g->shown_valid && !g->dark_shown &&
		    memcmp(g->want, g->shown, (size_t)g->p->width) == 0)
			return;
		g->p->frame(&g->wire, g->want, g->brightness, !g->shown_valid || g->dark_shown);
		memcpy(g->shown, g->want, (size_t)g->p->width);
		g->dark_shown = false;
		g->shown_valid = true;
	}
	sevenseg_wire_start(&g->wire);
}

static void colon_off(void *data)
{
	struct drv *g = data;

	for (int i = g->first; i < g->p->width; i++)
		g->want[i] &= (uint8_t)~SEVENSEG_POINT;
	flush(g);
}

struct drv *display_open(const struct display_protocol *p, const struct conf_device *dev,
			 struct drv_host *host, struct diag *d)
{
	struct display_opts o;
	struct drv *g;

	if (display_parse(p, dev, host->board, host->config_path, d, &o) < 0 ||
	    !(g = calloc(1, sizeof(*g))))
		return NULL;
	g->p = p;
	str_copy(g->name, dev->name, sizeof(g->name));
	g->brightness = o.brightness;
	g->colon = o.colon;
	sevenseg_wire_init(&g->wire, flush, g);
	g->blink = loop_timer_add(colon_off, g);
	for (int i = 0; i < p->nlines; i++) {
		/* Released (high) is the idle level of both buses. */
		if (!(g->wire.line[i] = drv_line_request(&o.line[i], dev->name, p->line_keys[i], p->mode, 1,
							 host->config_path, d))) {
			display_close(g);
			return NULL;
		}
		g->wire.level[i] = 1;
	}
	/* Dark until the first render: a display never shows a stale figure. */
	g->dark_wanted = true;
	flush(g);
	return g;
}

void display_render(struct drv *g, const struct show_view *view)
{
	const struct cue_output *out = &view->out;
	int w = g->p->width;
	char number[4];

	g->dark_wanted = false;
	memset(g->want, 0, sizeof(g->want));
	if (g->p->segment_number && view->segment > 0) {
		/* "03 05.00": the segment number, a gap, the countdown. */
		snprintf(number, sizeof(number), "%02d", view->segment % 100);
		g->want[0] = sevenseg_glyph(number[0]);
		g->want[1] = sevenseg_glyph(number[1]);
	}
	g->first = g->p->segment_number && view->segment > 0 ? 3 : 0;
	sevenseg_layout(out->countdown, w - g->first, g->want + g->first);
	if (g->colon == COLON_OFF || (g->colon == COLON_BLINK && !out->counting)) {
		for (int i = g->first; i < w; i++)
			g->want[i] &= (uint8_t)~SEVENSEG_POINT;
	}
	if (g->colon == COLON_BLINK && out->counting)
		loop_timer_arm(g->blink, time_mono_ms() + 500);
	flush(g);
}

void display_safe(struct drv *g)
{
	loop_timer_arm(g->blink, NEVER);
	g->dark_wanted = true;
	if (sevenseg_wire_busy(&g->wire))
		sevenseg_wire_finish(&g->wire);
	g->p->off(&g->wire);
	sevenseg_wire_finish(&g->wire);
	g->dark_shown = g->shown_valid = !g->wire.failed;
}

void display_describe(struct drv *g, char *buf, size_t len, bool *present)
{
	*present = !g->wire.failed && !g->wire.unanswered;
	snprintf(buf, len, "%s on %s…, %llu frames (%llu unanswered), longest loop hold %.3f ms%s%s",
		 g->p->name, g->wire.line[0] ? gpioline_describe(g->wire.line[0]) : "?",
		 (unsigned long long)g->wire.frames, (unsigned long long)g->wire.unanswered_frames,
		 (double)g->wire.longest_slice_ns / 1e6, g->wire.failed ? ", FAILING" : "",
		 g->wire.unanswered ? ", NOT ANSWERING" : "");
}

int display_test(struct drv *g, bool on)
{
	uint8_t all[SEVENSEG_MAX_DIGITS];

	if (sevenseg_wire_busy(&g->wire))
		sevenseg_wire_finish(&g->wire);
	if (on) {
		memset(all, 0xFF, sizeof(all));	/* 8888 with every point */
		g->p->frame(&g->wire, all, g->p->max_brightness, true);
	} else {
		g->p->off(&g->wire);
	}
	g->shown_valid = false;	/* the next render writes everything again */
	sevenseg_wire_finish(&g->wire);
	return g->wire.failed || g->wire.unanswered ? -1 : 0;
}

void display_close(struct drv *g)
{
	if (g->blink)
		loop_timer_remove(g->blink);
	sevenseg_wire_fini(&g->wire);
	for (int i = 0; i < SEVENSEG_MAX_LINES; i++)
		gpioline_close(g->wire.line[i]);
	free(g);
}
