/* The show log: one JSON line per transition, per show, with monotonic and
 * wall time and who caused it. It is the record the after-show review reads. */
#ifndef ONAIR_SHOWLOG_H
#define ONAIR_SHOWLOG_H

#include <limits.h>
#include <stdbool.h>

#include "../core/show.h"

struct showlog {
	int fd;
	char path[PATH_MAX];
};

/* Open (append) the log of the show that started at show_start_wall. */
int showlog_open(struct showlog *log, const char *state_dir, int64_t show_start_wall);
void showlog_close(struct showlog *log);
/* Append one event of the engine. */
int showlog_event(struct showlog *log, const struct show_event *ev, const struct rundown *r,
		  const char *show_title, enum show_source src, const char *who, uint64_t seq,
		  struct onair_time now);
/* Append a command that was refused, with the reason. */
int showlog_rejected(struct showlog *log, const char *command, const char *reason,
		     enum show_source src, const char *who, struct onair_time now);
/* Append a free-form daemon note (start, resume after restart, reload). */
int showlog_note(struct showlog *log, const char *what, const char *detail, struct onair_time now);

/* Build the report of a show from its log text: planned vs actual per
 * segment, overruns, holds and who pressed what. A table for people, or CSV. */
char *report_build(const char *text, size_t len, bool csv);

#endif
