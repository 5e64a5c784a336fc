/* The show's rundown: its segments in order, read from a spreadsheet's CSV
 * export or from "segment =" lines in the INI config. */
#ifndef ONAIR_RUNDOWN_H
#define ONAIR_RUNDOWN_H

#include <stdint.h>

#include "util.h"

#define RUNDOWN_MAX_SEGMENTS 200
/* What teams write: a product title of 170 Chinese characters, talking
 * points of 340. A display that cannot show it all shortens it. */
#define RUNDOWN_TITLE_MAX 512
#define RUNDOWN_KIND_MAX 24
#define RUNDOWN_NOTES_MAX 1024
#define RUNDOWN_INHERIT (-1)

struct rundown_segment {
	char title[RUNDOWN_TITLE_MAX];
	char kind[RUNDOWN_KIND_MAX];	/* "interaction" restarts the interaction clock */
	char notes[RUNDOWN_NOTES_MAX];
	int64_t planned_ms;
	/* Per-segment cue settings; RUNDOWN_INHERIT takes the [cue] default. */
	int64_t wrapup_ms;
	int64_t danger_ms;
	int64_t interaction_ms;		/* 0 = no interaction reminder */
	int64_t promo_ms;		/* 0 = no promo reminder */
	int overrun_count;		/* 1 count into negative, 0 stop at zero */
	int line;			/* where it was defined, for messages */
};

struct rundown {
	int count;
	struct rundown_segment seg[RUNDOWN_MAX_SEGMENTS];
};

/* Parse a CSV rundown (header row, UTF-8, optional BOM; comma, semicolon or
 * tab separated). Appends segments; every error goes to d. 0 when clean. */
int rundown_parse_csv(struct rundown *r, const char *path, const char *data, size_t len,
		      struct diag *d);
/* Load a CSV rundown file. */
int rundown_load_csv(struct rundown *r, const char *path, struct diag *d);
/* Parse one INI "segment = DURATION | TITLE [| key=value ...]" value. */
int rundown_parse_segment(struct rundown *r, const char *value, const char *path, int line,
			  struct diag *d);
/* Stable hash of the segments' titles and durations, to notice a changed rundown. */
uint32_t rundown_hash(const struct rundown *r);

#endif
