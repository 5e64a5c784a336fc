/* The after-show review (复盘), built from a show's log: every segment of
 * the rundown the show started with (skipped and unreached ones too), what
 * was planned against what happened, the rhythm's counts, the marks. */
#ifndef ONAIR_REPORT_H
#define ONAIR_REPORT_H

#include <stdbool.h>
#include <stddef.h>

enum report_format { REPORT_TEXT, REPORT_CSV, REPORT_HTML };

/* The report of a log (its text, whole); a torn or hostile line is skipped
 * and counted. Never NULL except out of memory (malloc'd). */
char *report_build(const char *text, size_t len, enum report_format format);

/* What the list of shows says of one, from its log. */
struct report_summary {
	char show[128];			/* its title, cut on a character boundary */
	int64_t live_wall, end_wall;	/* went live; ended (0: never, or not yet) */
	int64_t last_wall;		/* the latest moment the log tells of */
	int reached, segments;		/* segments gone through, of the rundown's */
	int overruns;			/* segments over by a second or more */
	int interactions, missed;	/* done; windows missed */
	int promo_calls, promo_quota;
	int messages, unacked;		/* said to the anchor; never acknowledged */
};
void report_summarize(const char *text, size_t len, struct report_summary *s);
/* When it went live ("2026-12-04 19:30") and how long it ran, to the
 * end or to its last line; "-" for a show never live. */
void report_summary_times(const struct report_summary *s, char *live, size_t livelen, char *length,
			  size_t lengthlen);

#endif
