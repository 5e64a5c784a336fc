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

/* Kinds with a meaning for the rhythm (docs/cues.md); any other word is a
 * label. */
enum rundown_kind {
	KIND_LABEL, KIND_OPENING, KIND_PRODUCT, KIND_INTERACTION, KIND_PUSH, KIND_CLOSING
};

struct rundown_segment {
	char title[RUNDOWN_TITLE_MAX];
	char kind[RUNDOWN_KIND_MAX];	/* as written */
	enum rundown_kind kind_id;
	char notes[RUNDOWN_NOTES_MAX];
	int64_t planned_ms;
	/* Per-segment cue settings; RUNDOWN_INHERIT takes the [cue] default. */
	int64_t wrapup_ms;
	int64_t danger_ms;
	int64_t interaction_open_ms, interaction_close_ms;	/* 0 = no window */
	int64_t promo_ms;		/* a reminder every N (older form); 0 = none */
	int promo_min, promo_max;	/* promotion calls this segment; 0 = none */
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
/* "10:00-15:00" (a window) or "12:00" (a moment: the window is as long as
 * a reminder shows, given as single_ms). false when it is neither. */
bool rundown_window_parse(const char *text, int64_t single_ms, int64_t *open_ms, int64_t *close_ms);
/* "3" or "3-5": how many promotion calls; "0" none. */
bool rundown_quota_parse(const char *text, int *min, int *max);
/* "opening", "product", ... in English or Chinese; KIND_LABEL for others. */
enum rundown_kind rundown_kind_parse(const char *word);
const char *rundown_kind_name(enum rundown_kind k);

/* Stable hash of the segments' titles and durations, to notice a changed rundown. */
uint32_t rundown_hash(const struct rundown *r);

#endif
