/* The running show saved on every transition, so that kill -9 and a
 * restart resume the same segment with the right remaining time. */
#ifndef ONAIR_PERSIST_H
#define ONAIR_PERSIST_H

#include <cJSON.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../core/show.h"

/* Encode the state as JSON (malloc'd); now and boot_id anchor its clocks. */
char *persist_encode(const struct show_state *s, struct onair_time now, const char *boot_id,
		     uint32_t rundown_hash);
/* Which segments' runs go with the fields: every one visited (the state
 * file and the journal, which resume, "prev" and the review read), or
 * only what a follower's outputs need, bounded whatever the show's length:
 * the running segment's run and the extensions of the segments after it,
 * summed (the studio's state). */
enum persist_runs { PERSIST_RUNS_ALL, PERSIST_RUNS_CURRENT };
/* The same fields added to an object of the caller's (the MQTT state). */
void persist_fields(cJSON *o, const struct show_state *s, struct onair_time now, const char *boot_id,
		    uint32_t rundown_hash, enum persist_runs runs);
/* Read them from a parsed object, as persist_decode does. */
int persist_read(const cJSON *o, struct show_state *s, struct onair_time now, const char *boot_id,
		 uint32_t *rundown_hash, char *err, size_t errlen);
/* Decode and validate; on success the state's monotonic moments are moved
 * onto this boot's clock. -1 with a reason (nothing is changed) otherwise. */
int persist_decode(const char *text, size_t len, struct show_state *s, struct onair_time now,
		   const char *boot_id, uint32_t *rundown_hash, char *err, size_t errlen);
/* Where a resumed state came from. */
struct persist_origin {
	bool from_log;		/* the newest show log's journal, newer than the file */
	bool file_damaged;	/* show.state was there but unusable */
	bool other_boot;	/* saved before a reboot: time passed by the wall clock */
	bool clock_doubt;	/* that wall clock is not believable: no time taken as passed */
	int64_t saved_wall;
	char log[PATH_MAX];	/* the newest show log, "" when none */
};
/* The newest saved state: dir/show.state, or the last state the newest
 * show log carries when that is newer (every answer waited for the log's
 * sync; the file is a checkpoint). 1 loaded, 0 none, -1 unusable (err). */
int persist_load_newest(const char *dir, struct show_state *s, struct onair_time now,
			const char *boot_id, uint32_t *rundown_hash, struct persist_origin *origin,
			char *err, size_t errlen);
#endif
