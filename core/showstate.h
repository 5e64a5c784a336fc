/* The show's state: the types the engine (show.h) and its rhythm
 * (rhythm.h) share, the list of its moments, and what can be read from a
 * state without changing it (the clock, the remaining time, the names). */
#ifndef ONAIR_SHOWSTATE_H
#define ONAIR_SHOWSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "rundown.h"
#include "util.h"

enum show_phase { SHOW_STANDBY, SHOW_PREROLL, SHOW_LIVE, SHOW_HOLD, SHOW_ENDED };

/* The theatre-style cue call the operator gives the anchor. */
enum show_call { SHOW_CALL_NONE, SHOW_CALL_STANDBY, SHOW_CALL_ACKED, SHOW_CALL_GO };

enum show_source {
	SHOW_SRC_CLI, SHOW_SRC_PEDAL, SHOW_SRC_BUTTON, SHOW_SRC_CONSOLE, SHOW_SRC_MQTT,
	SHOW_SRC_TIMER, SHOW_SRC_WEB, SHOW_SRC_COUNT
};

enum show_cmd_kind {
	SHOW_CMD_START, SHOW_CMD_NEXT, SHOW_CMD_PREV, SHOW_CMD_GOTO, SHOW_CMD_HOLD,
	SHOW_CMD_RESUME, SHOW_CMD_HOLD_TOGGLE, SHOW_CMD_EXTEND, SHOW_CMD_END,
	SHOW_CMD_ATTENTION, SHOW_CMD_STANDBY, SHOW_CMD_GO, SHOW_CMD_ACK, SHOW_CMD_AUX,
	SHOW_CMD_AUX_CANCEL, SHOW_CMD_INTERACTION, SHOW_CMD_PROMO, SHOW_CMD_MARK, SHOW_CMD_SAY,
	SHOW_CMD_COUNT
};

/* A message to the anchor, a mark's word, a gate override's reason: one
 * line of UTF-8 (about 60 Chinese characters). */
#define SHOW_TEXT_MAX 192

struct show_cmd {
	enum show_cmd_kind kind;
	int64_t arg;		/* goto: 1-based segment; extend: ms; aux: ms */
	enum show_source source;
	char text[SHOW_TEXT_MAX];	/* say: the message; mark: its word; start: the override's reason */
	bool override;		/* start: go live past the self-test gate */
	bool canned;		/* say: text is the key of a message in the config */
};

enum show_ev_kind {
	SHOW_EV_PREROLL, SHOW_EV_SEG_START, SHOW_EV_SEG_END, SHOW_EV_HOLD, SHOW_EV_RESUME,
	SHOW_EV_EXTEND, SHOW_EV_END, SHOW_EV_AUX_START, SHOW_EV_AUX_END, SHOW_EV_AUX_CANCEL,
	SHOW_EV_STANDBY, SHOW_EV_ACK, SHOW_EV_GO, SHOW_EV_ATTENTION,
	SHOW_EV_INTERACTION_DUE, SHOW_EV_INTERACTION_DONE, SHOW_EV_INTERACTION_MISSED,
	SHOW_EV_PROMO_DUE, SHOW_EV_PROMO_SAID, SHOW_EV_PUSH, SHOW_EV_MARK, SHOW_EV_SAY,
	SHOW_EV_MESSAGE_ACK, SHOW_EV_MESSAGE_EXPIRED, SHOW_EV_COUNT
};

struct show_event {
	enum show_ev_kind kind;
	int seg;		/* 0-based, -1 when none */
	/* SEG_START planned, SEG_END actual, RESUME held, EXTEND delta, AUX length,
	 * INTERACTION_DUE how long it was delayed, INTERACTION_DONE the gap since
	 * the last one, INTERACTION_MISSED the window, PROMO_DUE / PROMO_SAID the
	 * call's number, SAY the message's number, MESSAGE_ACK / _EXPIRED how
	 * long it stood */
	int64_t value;
	int64_t planned;	/* SEG_END: planned plus extensions; PROMO_*: the quota */
	char text[SHOW_TEXT_MAX];	/* MARK: its word; SAY: the message */
};

#define SHOW_MAX_EVENTS 12
struct show_events {
	int count;
	struct show_event ev[SHOW_MAX_EVENTS];
};

/* What the engine needs from the config. */
struct show_conf {
	int64_t preroll_ms;
	int64_t go_ms;		/* how long GO shows before the cue light returns */
	int64_t attention_ms;
	int64_t schedule_wall;	/* scheduled go-live (wall ms), 0 when none */
	int64_t end_wall;	/* the show's planned end (wall ms), 0: from the rundown */
	bool auto_start;	/* go live by itself at the scheduled time */
	/* The rhythm: defaults a segment may override (see rundown.h). */
	int64_t wrapup_ms, danger_ms;
	int64_t interaction_open_ms, interaction_close_ms;	/* the window after the last one; 0 = off */
	int promo_min, promo_max;	/* calls per product segment; 0 = no quota */
	int64_t promo_every_ms;		/* the older form: a reminder every N; 0 = off */
	int64_t promo_spacing_ms;	/* the least time between two calls, for the warning */
	int64_t push_ms;		/* the final push before the planned end; 0 = off */
	int64_t reminder_ms;		/* how long a promo reminder stays up */
	int64_t message_ms;		/* an unacknowledged message expires after this */
};

/* Per segment, what really happened (for "prev" and the report). */
struct show_seg_run {
	int64_t start_mono, start_wall;
	int64_t held_ms, extend_ms;
	int promo_calls;		/* "promo said" presses */
	int promo_due;			/* calls that have come due */
	bool visited;
};

struct show_state {
	enum show_phase phase;
	int seg;			/* current segment, 0-based; -1 before the first */
	uint64_t seq;			/* bumped on every transition */
	int64_t show_start_wall;	/* when the show (or its preroll) was started */
	int64_t live_start_mono;	/* first segment went live */
	int64_t preroll_end_mono, preroll_end_wall;
	int64_t hold_since_mono, hold_since_wall;
	int64_t aux_end_mono, aux_end_wall, aux_total_ms;	/* aux_total_ms 0: none */
	enum show_call call;
	int64_t call_since_mono;
	int64_t attention_until_mono;
	int64_t live_start_wall, end_wall;	/* first segment went live; the show ended */
	/* The interaction rule: the last interaction (or the start), the
	 * window now running, and whether it opened or waits for a segment
	 * in which it can be shown. */
	int64_t interaction_base_mono;
	int64_t interaction_due_mono, interaction_close_mono;
	bool interaction_open, interaction_pending;
	int64_t push_since_mono;		/* the final push began; 0 not yet */
	int64_t promo_said_mono;		/* the last "promo said", for the display's count */
	/* The operator's message to the anchor, up until acknowledged or
	 * expired (message_since_mono 0: none). */
	char message[SHOW_TEXT_MAX];
	uint32_t message_id;			/* counts the show's messages */
	int64_t message_since_mono, message_since_wall, message_until_mono;
	int64_t message_acked_wall;		/* when the last one was acknowledged; 0 not */
	struct show_seg_run run[RUNDOWN_MAX_SEGMENTS];
};

/* Every moment (int64_t) of the show state, in one list that the engine's
 * clock shift, the state file, the journal, the studio's state and resume
 * all read: a moment added to the state is added here, once. */
enum show_clock_kind { SHOW_MONO, SHOW_WALL, SHOW_SPAN };
struct show_moment {
	const char *name;		/* as the state file writes it */
	size_t offset;			/* in struct show_state */
	enum show_clock_kind clock;
	bool required;			/* in every state file since 0.1's first */
};
extern const struct show_moment show_moments[];
extern const size_t show_nmoments;

/* Current segment's planned length including extensions. */
int64_t show_segment_planned(const struct show_state *s, const struct rundown *r);
/* Remaining time of the current segment (negative on overrun); false when
 * no segment is running. Frozen while held. */
bool show_remaining(const struct show_state *s, const struct rundown *r, int64_t now_mono,
		    int64_t *remaining);
/* Elapsed time of the current segment, holds excluded. */
int64_t show_elapsed(const struct show_state *s, int64_t now_mono);
/* The show clock: its planned end (show.end, else the scheduled or actual
 * start plus the rundown), when it will end at this pace, and by how much
 * it runs behind (positive) or ahead. false before anything can be said. */
struct show_clock {
	int64_t planned_end_wall, expected_end_wall, offset_ms;
};
bool show_clock(const struct show_state *s, const struct rundown *r, const struct show_conf *c,
		struct onair_time now, struct show_clock *out);
/* Add an event to out (the engine's and the rhythm's). */
void show_emit(struct show_events *out, enum show_ev_kind kind, int seg, int64_t value, int64_t planned);

/* Add shift_ms to every monotonic moment in the state: moves a state saved
 * under another boot's (or another box's) monotonic clock onto this one. */
void show_shift_mono(struct show_state *s, int64_t shift_ms);

const char *show_phase_name(enum show_phase p);
const char *show_source_name(enum show_source src);
const char *show_event_name(enum show_ev_kind k);
const char *show_cmd_name(enum show_cmd_kind k);
const char *show_call_name(enum show_call c);
int show_phase_parse(const char *name);
int show_source_parse(const char *name);
int show_call_parse(const char *name);

#endif
