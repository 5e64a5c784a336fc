/* The GPIO seam on libgpiod 2.x (uAPI v2): Debian 13 "trixie" and the
 * current Raspberry Pi OS (libgpiod3), and bookworm-backports. The same
 * behaviour as gpioline_gpiod1.c: a chip by label, name or path, a line by
 * name or offset, active-low applied by the kernel (uAPI v2 reports edges
 * in logical terms too), open-drain, bias, both edges with the kernel's
 * CLOCK_MONOTONIC timestamps. The API is libgpiod's include/gpiod.h. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "gpioline.h"

struct gpioline {
	struct gpiod_chip *chip;
	struct gpiod_line_request *request;
	struct gpiod_edge_event_buffer *events;
	unsigned int offset;
	struct board_spec spec;		/* kept to reconfigure the request */
	enum gpioline_mode mode;
	char desc[96];
};

/* Does this chip answer to what the board wrote: its label ("pinctrl-bcm2711",
 * "gpio-sim.0-node0"), its name ("gpiochip0") or its path? */
static bool chip_is(struct gpiod_chip *chip, const char *path, const char *want)
{
	struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
	bool is;

	if (!info)
		return false;
	is = strcmp(gpiod_chip_info_get_label(info), want) == 0 ||
	     strcmp(gpiod_chip_info_get_name(info), want) == 0 || strcmp(path, want) == 0;
	gpiod_chip_info_free(info);
	return is;
}

/* Every GPIO chip in /dev, in name order; calls found() on each until it
 * returns true, and leaves that chip open in *out. */
static bool each_chip(bool (*found)(struct gpiod_chip *, const char *, const void *), const void *arg,
		      struct gpiod_chip **out)
{
	struct dirent **names;
	int n = scandir("/dev", &names, NULL, alphasort);
	bool hit = false;

	for (int i = 0; i < n; i++) {
		char path[300];

		snprintf(path, sizeof(path), "/dev/%s", names[i]->d_name);
		if (!hit && strncmp(names[i]->d_name, "gpiochip", 8) == 0 && gpiod_is_gpiochip_device(path)) {
			struct gpiod_chip *chip = gpiod_chip_open(path);

			if (chip && found(chip, path, arg)) {
				*out = chip;
				hit = true;
			} else if (chip) {
				gpiod_chip_close(chip);
			}
		}
		free(names[i]);
	}
	free(n >= 0 ? names : NULL);
	return hit;
}

static bool chip_named(struct gpiod_chip *chip, const char *path, const void *want)
{
	return chip_is(chip, path, want);
}

static bool chip_with_line(struct gpiod_chip *chip, const char *path, const void *name)
{
	(void)path;
	return gpiod_chip_get_line_offset_from_name(chip, name) >= 0;
}

static void describe(struct gpioline *l)
{
	struct gpiod_chip_info *ci = gpiod_chip_get_info(l->chip);
	struct gpiod_line_info *li = gpiod_chip_get_line_info(l->chip, l->offset);
	const char *name = li ? gpiod_line_info_get_name(li) : NULL;

	snprintf(l->desc, sizeof(l->desc), "%s line %u%s%s%s", ci ? gpiod_chip_info_get_name(ci) : "gpiochip?",
		 l->offset, name ? " (" : "", name ? name : "", name ? ")" : "");
	if (li)
		gpiod_line_info_free(li);
	if (ci)
		gpiod_chip_info_free(ci);
}

static struct gpiod_line_settings *settings_for(const struct board_spec *spec, enum gpioline_mode mode,
						 int initial)
{
	struct gpiod_line_settings *s = gpiod_line_settings_new();

	if (!s)
		return NULL;
	gpiod_line_settings_set_active_low(s, spec->active_low);
	switch (spec->bias) {
	case BOARD_BIAS_AS_IS: break;
	case BOARD_BIAS_DISABLE: gpiod_line_settings_set_bias(s, GPIOD_LINE_BIAS_DISABLED); break;
	case BOARD_BIAS_PULL_UP: gpiod_line_settings_set_bias(s, GPIOD_LINE_BIAS_PULL_UP); break;
	case BOARD_BIAS_PULL_DOWN: gpiod_line_settings_set_bias(s, GPIOD_LINE_BIAS_PULL_DOWN); break;
	}
	if (mode == GPIOLINE_INPUT_EDGES) {
		gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_INPUT);
		gpiod_line_settings_set_edge_detection(s, GPIOD_LINE_EDGE_BOTH);
		gpiod_line_settings_set_event_clock(s, GPIOD_LINE_CLOCK_MONOTONIC);
	} else {
		gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_OUTPUT);
		gpiod_line_settings_set_output_value(s, initial ? GPIOD_LINE_VALUE_ACTIVE
								: GPIOD_LINE_VALUE_INACTIVE);
		if (mode == GPIOLINE_OPEN_DRAIN)
			gpiod_line_settings_set_drive(s, GPIOD_LINE_DRIVE_OPEN_DRAIN);
	}
	return s;
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

static const char *name_at(void *ctx, unsigned int i)
{
	static char name[64];
	struct gpiod_line_info *info = gpiod_chip_get_line_info(ctx, i);
	const char *n = info ? gpiod_line_info_get_name(info) : NULL;

	/* The info owns its name: keep a copy past its free. */
	str_copy(name, n ? n : "", sizeof(name));
	if (info)
		gpiod_line_info_free(info);
	return name;
}

static unsigned int chip_lines(struct gpiod_chip *chip)
{
	struct gpiod_chip_info *ci = gpiod_chip_get_info(chip);
	unsigned int n = ci ? (unsigned int)gpiod_chip_info_get_num_lines(ci) : 0;

	if (ci)
		gpiod_chip_info_free(ci);
	return n;
}

/* The chip by label, name or path (a chip's number moves between
 * kernels) and the line by name or offset, into l; -1 and why. */
static int line_find(const struct board_spec *spec, struct gpioline *l, char *err, size_t errlen)
{
	long long want;
	int off;

	if (*spec->chip) {
		if (!each_chip(chip_named, spec->chip, &l->chip))
			BAD("gpio chip \"%s\": no such chip", spec->chip);
		if (int_parse(spec->line, 0, INT_MAX, &want)) {
			long long n = chip_lines(l->chip);

			if (want >= n)
				BAD("gpio chip \"%s\" has %lld lines; there is no line %lld", spec->chip, n, want);
			l->offset = (unsigned)want;
		} else if ((off = gpiod_chip_get_line_offset_from_name(l->chip, spec->line)) >= 0) {
			l->offset = (unsigned)off;
		} else {
			char names[256];

			gpioline_names(names, sizeof(names), chip_lines(l->chip), name_at, l->chip);
			BAD("gpio chip \"%s\" has no line named \"%s\"; its lines are %s", spec->chip, spec->line,
			    names);
		}
	} else {
		if (int_parse(spec->line, 0, INT_MAX, &want))
			BAD("line %s needs a chip: write CHIP:%s or name a board", spec->line, spec->line);
		if (!each_chip(chip_with_line, spec->line, &l->chip))
			BAD("no gpio chip has a line named \"%s\"", spec->line);
		l->offset = (unsigned)gpiod_chip_get_line_offset_from_name(l->chip, spec->line);
	}
	return 0;
fail:
	return -1;
}

int gpioline_probe(const struct board_spec *spec, char *err, size_t errlen)
{
	struct gpioline l = { 0 };
	int rc = line_find(spec, &l, err, errlen);

	if (l.chip)
		gpiod_chip_close(l.chip);
	return rc;
}

struct gpioline *gpioline_open(const struct board_spec *spec, enum gpioline_mode mode, int initial,
			       const char *consumer, char *err, size_t errlen)
{
	struct gpioline *l = calloc(1, sizeof(*l));
	struct gpiod_line_settings *settings = NULL;
	struct gpiod_line_config *lines = NULL;
	struct gpiod_request_config *req = NULL;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (line_find(spec, l, err, errlen) < 0)
		goto fail;
	l->spec = *spec;
	l->mode = mode;
	describe(l);

	if (!(settings = settings_for(spec, mode, initial)) || !(lines = gpiod_line_config_new()) ||
	    !(req = gpiod_request_config_new()) ||
	    gpiod_line_config_add_line_settings(lines, &l->offset, 1, settings) < 0)
		BAD("request %s: %s", l->desc, strerror(errno));
	gpiod_request_config_set_consumer(req, consumer);
	l->request = gpiod_chip_request_lines(l->chip, req, lines);
	if (!l->request && errno == EBUSY) {
		struct gpiod_line_info *li = gpiod_chip_get_line_info(l->chip, l->offset);
		const char *who = li ? gpiod_line_info_get_consumer(li) : NULL;

		snprintf(err, errlen, "request %s: in use by \"%s\"", l->desc, who && *who ? who : "another program");
		if (li)
			gpiod_line_info_free(li);
		goto fail;
	}
	if (!l->request)
		BAD("request %s: %s", l->desc, strerror(errno));
	if (mode == GPIOLINE_INPUT_EDGES && !(l->events = gpiod_edge_event_buffer_new(1)))
		BAD("request %s: %s", l->desc, strerror(errno));
	gpiod_request_config_free(req);
	gpiod_line_config_free(lines);
	gpiod_line_settings_free(settings);
	return l;
fail:
	if (req)
		gpiod_request_config_free(req);
	if (lines)
		gpiod_line_config_free(lines);
	if (settings)
		gpiod_line_settings_free(settings);
	if (l->request)
		gpiod_line_request_release(l->request);
	if (l->chip)
		gpiod_chip_close(l->chip);
	free(l);
	return NULL;
}

int gpioline_set_debounce(struct gpioline *l, unsigned int us)
{
	struct gpiod_line_settings *settings = settings_for(&l->spec, l->mode, 0);
	struct gpiod_line_config *lines = gpiod_line_config_new();
	int rc = -1;

	if (settings && lines) {
		gpiod_line_settings_set_debounce_period_us(settings, us);
		if (gpiod_line_config_add_line_settings(lines, &l->offset, 1, settings) == 0)
			rc = gpiod_line_request_reconfigure_lines(l->request, lines);
	}
	if (settings)
		gpiod_line_settings_free(settings);
	if (lines)
		gpiod_line_config_free(lines);
	return rc;
}

int gpioline_set(struct gpioline *l, int value)
{
	return gpiod_line_request_set_value(l->request, l->offset,
					    value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
}

int gpioline_get(struct gpioline *l)
{
	enum gpiod_line_value v = gpiod_line_request_get_value(l->request, l->offset);

	return v == GPIOD_LINE_VALUE_ERROR ? -1 : v == GPIOD_LINE_VALUE_ACTIVE;
}

int gpioline_event_fd(const struct gpioline *l)
{
	return gpiod_line_request_get_fd(l->request);
}

int gpioline_event_read(struct gpioline *l, bool *active, int64_t *mono_ns)
{
	struct gpiod_edge_event *ev;
	int rc;

	/* Reading blocks when nothing is queued: ask first, without waiting. */
	rc = gpiod_line_request_wait_edge_events(l->request, 0);
	if (rc <= 0)
		return rc;
	if (gpiod_line_request_read_edge_events(l->request, l->events, 1) != 1 ||
	    !(ev = gpiod_edge_event_buffer_get_event(l->events, 0)))
		return -1;
	*active = gpiod_edge_event_get_event_type(ev) == GPIOD_EDGE_EVENT_RISING_EDGE;
	*mono_ns = (int64_t)gpiod_edge_event_get_timestamp_ns(ev);
	return 1;
}

const char *gpioline_describe(const struct gpioline *l)
{
	return l->desc;
}

void gpioline_close(struct gpioline *l)
{
	if (!l)
		return;
	gpiod_line_request_release(l->request);
	if (l->events)
		gpiod_edge_event_buffer_free(l->events);
	gpiod_chip_close(l->chip);
	free(l);
}
