/* The GPIO seam: one line at a time, found by board spec. The only file
 * that calls libgpiod is behind it (gpioline_gpiod1.c for the 1.6 API of
 * Debian 12 and Raspberry Pi OS bookworm); a libgpiod 2.x backend is one
 * more file with these functions. Values are logical: active-low is applied
 * by the kernel. */
#ifndef ONAIR_GPIOLINE_H
#define ONAIR_GPIOLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/board.h"

enum gpioline_mode {
	GPIOLINE_OUTPUT,	/* push-pull */
	GPIOLINE_OPEN_DRAIN,	/* drives low, releases high (TM1637 bus) */
	GPIOLINE_INPUT_EDGES,	/* input with edge events on an fd */
};

struct gpioline;

/* Find and request the line; -1-like NULL with a reason naming chip and line. */
struct gpioline *gpioline_open(const struct board_spec *spec, enum gpioline_mode mode, int initial,
			       const char *consumer, char *err, size_t errlen);
/* Is the line there (chip by label, line by name)? Looked up, not
 * requested: 0, or -1 with the same reason gpioline_open would give. */
int gpioline_probe(const struct board_spec *spec, char *err, size_t errlen);
/* Ask the kernel to debounce an input (uAPI v2, libgpiod 2: the kernel
 * reports an edge once the line has held it for us). 0, or -1 with errno
 * (ENOTSUP on libgpiod 1.6, or what the kernel said). */
int gpioline_set_debounce(struct gpioline *l, unsigned int us);
/* Set an output; 0 or -1 with errno. */
int gpioline_set(struct gpioline *l, int value);
/* Read the logical level; 0/1 or -1 with errno. */
int gpioline_get(struct gpioline *l);
/* The fd that becomes readable when an edge is queued (inputs only). */
int gpioline_event_fd(const struct gpioline *l);
/* Read one queued edge: 1 and *active (the new logical level) and *mono_ns
 * (kernel timestamp, CLOCK_MONOTONIC); 0 when none is queued; -1 on error. */
int gpioline_event_read(struct gpioline *l, bool *active, int64_t *mono_ns);
/* "gpiochip0 line 17 (GPIO17)", for status and messages. */
const char *gpioline_describe(const struct gpioline *l);
/* Release the line (an output keeps the level it was last given). */
void gpioline_close(struct gpioline *l);

/* For a line not found on a chip: the names the chip does have, as a
 * person checks them against the board file ("GPIO0", "GPIO1", … (54
 * lines)). name_at gives line i's name or NULL (gpioline_names.c; each
 * backend brings its own name_at). */
typedef const char *(*gpioline_name_at)(void *ctx, unsigned int i);
void gpioline_names(char *buf, size_t len, unsigned int count, gpioline_name_at name_at, void *ctx);

#endif
