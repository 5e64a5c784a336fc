/* What a follower can trust of its leader, as a pure function of what it
 * heard and when: nothing from the leader for the lease (or its will)
 * makes the lamps stale; a broker link down for link_lost_ms shows on the
 * cue light while the countdown goes on from its anchor. */
#ifndef ONAIR_LEASE_H
#define ONAIR_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "cue.h"

struct lease {
	bool heard;		/* a state from the leader arrived */
	int64_t heard_mono;
	bool leader_offline;	/* its will or its own goodbye said so */
	int64_t down_since;	/* when the broker link went down (monotonic), 0 while up */
};

/* The link at now; *next is lowered to the moment the answer next changes. */
enum cue_link lease_eval(const struct lease *l, int64_t lease_ms, int64_t link_lost_ms,
			 int64_t now, int64_t *next);
/* "ok", "lost", "stale". */
const char *lease_link_name(enum cue_link link);

#endif
