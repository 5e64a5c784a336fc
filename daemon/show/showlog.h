/* The show log: one JSON line per transition, per show, with monotonic and
 * wall time and who caused it. It is the record the after-show review reads. */
#ifndef ONAIR_SHOWLOG_H
#define ONAIR_SHOWLOG_H

#include <cJSON.h>
#include <limits.h>
#include <stdbool.h>

#include "../../core/show.h"

struct showlog {
	int fd;			/* >= 0 while a show's log is open */
	char path[PATH_MAX];
	bool torn;		/* its last line was cut by a power cut (closed off now) */
	bool fresh;		/* it was empty when opened: a new show */
};

/* Open (append) the log of the show that started at show_start_wall; its
 * lines are written by the storage worker (store.h). */
int showlog_open(struct showlog *log, const char *state_dir, int64_t show_start_wall);
void showlog_close(struct showlog *log);
/* The show logs the box holds, newest first: each one's id, the stamp of
 * its show-ID.jsonl. Returns how many (at most max). */
#define SHOWLOG_ID_MAX 32
int showlog_list(const char *state_dir, char (*ids)[SHOWLOG_ID_MAX], int max);
/* The path of the log of show id; -1 when there is none of that id. */
int showlog_path(const char *state_dir, const char *id, char *path, size_t len);
/* Append one event of the engine. state (taken over; NULL for none) is the
 * show's state after it, as the state file has it: the log is the journal
 * a restart resumes from, so an answer waits for one sync, not three. */
int showlog_event(struct showlog *log, const struct show_event *ev, const struct rundown *r,
		  const char *show_title, enum show_source src, const char *who, uint64_t seq,
		  struct onair_time now, cJSON *state);
/* Append a command that was refused, with the reason. */
int showlog_rejected(struct showlog *log, const char *command, const char *reason,
		     enum show_source src, const char *who, struct onair_time now);
/* The rundown the show starts with, so the report covers every segment
 * (skipped and unreached ones too) whatever the rundown becomes later. */
int showlog_rundown(struct showlog *log, const struct rundown *r, const struct show_conf *sc,
		    const char *show_title, int64_t planned_end_wall, struct onair_time now);
/* Append a free-form daemon note (start, resume after restart, reload). */
int showlog_note(struct showlog *log, const char *what, const char *detail, struct onair_time now);

#endif
