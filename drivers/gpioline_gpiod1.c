/* The GPIO seam on libgpiod 1.6 (uAPI v1). */
#include <errno.h>
#include <limits.h>
#include <gpiod.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "gpioline.h"

struct gpioline {
	struct gpiod_chip *chip;
	struct gpiod_line *line;
	char desc[96];
};

static int request_flags(const struct board_spec *spec, enum gpioline_mode mode)
{
	int flags = spec->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;

	if (mode == GPIOLINE_OPEN_DRAIN)
		flags |= GPIOD_LINE_REQUEST_FLAG_OPEN_DRAIN;
	switch (spec->bias) {
	case BOARD_BIAS_AS_IS: break;
	case BOARD_BIAS_DISABLE: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE; break;
	case BOARD_BIAS_PULL_UP: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP; break;
	case BOARD_BIAS_PULL_DOWN: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN; break;
	}
	return flags;
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

static const char *name_at(void *ctx, unsigned int i)
{
	struct gpiod_line *line = gpiod_chip_get_line(ctx, i);

	return line ? gpiod_line_name(line) : NULL;
}

/* The chip by label, name or path (a chip's number moves between
 * kernels) and the line by name or offset, into l; -1 and why. */
static int line_find(const struct board_spec *spec, struct gpioline *l, char *err, size_t errlen)
{
	long long off;

	if (*spec->chip) {
		l->chip = gpiod_chip_open_lookup(spec->chip);
		if (!l->chip)
			BAD("gpio chip \"%s\": %s", spec->chip,
			    errno == ENOENT || errno == ENODEV ? "no such chip" : strerror(errno));
		if (int_parse(spec->line, 0, INT_MAX, &off)) {
			if (off >= gpiod_chip_num_lines(l->chip))
				BAD("gpio chip \"%s\" has %u lines; there is no line %lld", spec->chip,
				    gpiod_chip_num_lines(l->chip), off);
			l->line = gpiod_chip_get_line(l->chip, (unsigned)off);
		} else {
			l->line = gpiod_chip_find_line(l->chip, spec->line);
		}
		if (!l->line) {
			char names[256];

			gpioline_names(names, sizeof(names), gpiod_chip_num_lines(l->chip), name_at, l->chip);
			BAD("gpio chip \"%s\" (%s) has no line named \"%s\"; its lines are %s", spec->chip,
			    gpiod_chip_name(l->chip), spec->line, names);
		}
	} else {
		if (int_parse(spec->line, 0, INT_MAX, &off))
			BAD("line %s needs a chip: write CHIP:%s or name a board", spec->line,
			    spec->line);
		l->line = gpiod_line_find(spec->line);
		if (!l->line)
			BAD("no gpio chip has a line named \"%s\"", spec->line);
		l->chip = gpiod_line_get_chip(l->line);
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
	int rc;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (line_find(spec, l, err, errlen) < 0)
		goto fail;
	snprintf(l->desc, sizeof(l->desc), "%s line %u%s%s%s", gpiod_chip_name(l->chip),
		 gpiod_line_offset(l->line), gpiod_line_name(l->line) ? " (" : "",
		 gpiod_line_name(l->line) ? gpiod_line_name(l->line) : "",
		 gpiod_line_name(l->line) ? ")" : "");

	struct gpiod_line_request_config cfg = {
		.consumer = consumer,
		.request_type = mode == GPIOLINE_INPUT_EDGES ? GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES
							     : GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
		.flags = request_flags(spec, mode),
	};

	rc = gpiod_line_request(l->line, &cfg, initial);
	if (rc < 0 && errno == EBUSY)
		BAD("request %s: in use by \"%s\"", l->desc,
		    gpiod_line_consumer(l->line) ? gpiod_line_consumer(l->line) : "another program");
	if (rc < 0)
		BAD("request %s: %s", l->desc, strerror(errno));
	return l;
fail:
	if (l->chip)
		gpiod_chip_close(l->chip);
	free(l);
	return NULL;
}

int gpioline_set_debounce(struct gpioline *l, unsigned int us)
{
	/* uAPI v1 has no debounce: the driver debounces on the edges' stamps. */
	(void)l;
	(void)us;
	errno = ENOTSUP;
	return -1;
}

int gpioline_set(struct gpioline *l, int value)
{
	return gpiod_line_set_value(l->line, value);
}

int gpioline_get(struct gpioline *l)
{
	return gpiod_line_get_value(l->line);
}

int gpioline_event_fd(const struct gpioline *l)
{
	return gpiod_line_event_get_fd(l->line);
}

int gpioline_event_read(struct gpioline *l, bool *active, int64_t *mono_ns)
{
	struct pollfd p = { .fd = gpiod_line_event_get_fd(l->line), .events = POLLIN };
	struct gpiod_line_event ev;

	/* gpiod_line_event_read blocks when nothing is queued. */
	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (gpiod_line_event_read(l->line, &ev) < 0)
		return -1;
	*active = ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
	*mono_ns = (int64_t)ev.ts.tv_sec * 1000000000 + ev.ts.tv_nsec;
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
	gpiod_line_release(l->line);
	gpiod_chip_close(l->chip);
	free(l);
}
