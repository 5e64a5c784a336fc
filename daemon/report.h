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

#endif
