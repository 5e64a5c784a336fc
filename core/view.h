/* The show view: everything a person can see at one moment, computed once
 * per change and handed as the same struct to every driver, to the status
 * answer, to the MQTT state and to any screen. Pure. */
#ifndef ONAIR_VIEW_H
#define ONAIR_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "cue.h"
#include "rundown.h"
#include "show.h"

struct show_view {
	struct onair_time at;		/* the moment it shows */
	struct cue_output out;		/* lamps, countdown text, cue condition */
	enum show_phase phase;
	enum show_call call;
	int segment;			/* 1-based; 0 before the first */
	int segments;
	char show_title[RUNDOWN_TITLE_MAX];
	char title[RUNDOWN_TITLE_MAX];	/* the segment's; "" when none runs */
	char next_title[RUNDOWN_TITLE_MAX];
	char notes[RUNDOWN_NOTES_MAX];	/* the talking points */
	char kind[RUNDOWN_KIND_MAX];
	bool timed;			/* a segment runs: the figures below hold */
	int64_t remaining_ms, planned_ms, elapsed_ms, extended_ms;
	int64_t segment_started_wall;
	int64_t segment_end_wall;	/* 0 unless counting down live */
	int64_t preroll_ms;		/* left of the preroll, while in it */
	bool aux;
	int64_t aux_remaining_ms, aux_total_ms;
	int64_t call_age_ms;		/* since the operator's call, while one stands */
	int64_t scheduled_start_wall, show_started_wall;
	/* The show clock (showstate.h), when it can be told. */
	bool clocked;
	int64_t show_end_wall, expected_end_wall, offset_ms;
	/* The rhythm, as words for screens: the running segment's promotion
	 * count against its quota, the interaction rule, the final push. */
	int promo_calls, promo_quota, promo_max;
	bool interaction_on;		/* a window rule is configured */
	int64_t since_interaction_ms;
	bool interaction_due;		/* its window is open now */
	int64_t interaction_closes_wall;
	bool push;
	/* The operator's last message: standing until acknowledged or expired. */
	char message[SHOW_TEXT_MAX];
	uint32_t message_id;		/* 0: none this show */
	bool message_standing;
	int64_t message_since_wall, message_expires_wall, message_acked_wall;
	uint64_t seq;
};

/* Build the view of s at now; out is what the cue engine (and any link
 * overlay) made for the same moment. */
void view_build(struct show_view *v, const struct show_state *s, const struct rundown *r,
		const struct show_conf *sc, const char *show_title, const struct cue_output *out,
		struct onair_time now);
/* What a display with one line of text shows: the segment's title, else the show's. */
const char *view_heading(const struct show_view *v);
/* The cue condition as the word a person reads ("wrapup", "overrun"). */
const char *view_cue_word(const struct show_view *v);

#endif
