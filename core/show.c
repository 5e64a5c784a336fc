/* Show engine. Every deadline is an absolute monotonic moment derived from
 * when something started; nothing counts down by ticks, so a late wake-up
 * shows the right time and never shifts the schedule. */
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "rhythm.h"
#include "show.h"

void show_init(struct show_state *s)
{
	memset(s, 0, sizeof(*s));
	s->phase = SHOW_STANDBY;
	s->seg = -1;
}

/* Close the current segment's live stretch: log its actual length. */
static void segment_leave(struct show_state *s, const struct rundown *r, struct onair_time now,
			  struct show_events *out)
{
	struct show_seg_run *run;

	if (s->seg < 0 || (s->phase != SHOW_LIVE && s->phase != SHOW_HOLD))
		return;
	run = &s->run[s->seg];
	if (s->phase == SHOW_HOLD) {
		run->held_ms += now.mono - s->hold_since_mono;
		show_emit(out, SHOW_EV_RESUME, s->seg, now.mono - s->hold_since_mono, 0);
	}
	show_emit(out, SHOW_EV_SEG_END, s->seg, now.mono - run->start_mono - run->held_ms,
	     show_segment_planned(s, r));
	if (s->aux_total_ms) {
		show_emit(out, SHOW_EV_AUX_CANCEL, s->seg, 0, 0);
		s->aux_total_ms = 0;
	}
}

/* Enter segment i. fresh: start it anew; otherwise continue its earlier run
 * as if the intervening presses had not happened (an accidental "next"
 * followed by "prev" gives the anchor back the time they had). */
static void segment_enter(struct show_state *s, const struct rundown *r, const struct show_conf *c,
			  int i, bool fresh, struct onair_time now, struct show_events *out)
{
	struct show_seg_run *run = &s->run[i];
	bool resumed = !fresh && run->visited;

	if (!resumed) {
		run->start_mono = now.mono;
		run->start_wall = now.wall;
		run->held_ms = 0;
		run->extend_ms = 0;
		run->visited = true;
	}
	s->seg = i;
	s->phase = SHOW_LIVE;
	show_emit(out, SHOW_EV_SEG_START, i, r->seg[i].planned_ms + run->extend_ms, 0);
	if (s->live_start_mono == 0) {
		s->live_start_mono = now.mono;
		s->live_start_wall = now.wall;
		rhythm_begin(s, r, c, now);
	}
	rhythm_enter(s, r, c, now, resumed, out);
}

/* A new show: a preroll until preroll_end_mono, or straight into segment first. */
static void show_begin(struct show_state *s, const struct rundown *r, const struct show_conf *c,
		       struct onair_time now,
		       int64_t preroll_end_mono, int first, struct show_events *out)
{
	struct show_state before = *s;

	show_init(s);
	/* A message that stands (said in standby, say) carries into the show;
	 * one already acknowledged or expired belongs to the show before, and
	 * the new show's pages do not show it. Ids go on counting. */
	s->message_id = before.message_id;
	if (before.message_since_mono) {
		memcpy(s->message, before.message, sizeof(s->message));
		s->message_since_mono = before.message_since_mono;
		s->message_since_wall = before.message_since_wall;
		s->message_until_mono = before.message_until_mono;
	}
	s->show_start_wall = now.wall;
	if (preroll_end_mono > now.mono) {
		s->phase = SHOW_PREROLL;
		s->preroll_end_mono = preroll_end_mono;
		s->preroll_end_wall = now.wall + (preroll_end_mono - now.mono);
		show_emit(out, SHOW_EV_PREROLL, -1, preroll_end_mono - now.mono, 0);
	} else {
		segment_enter(s, r, c, first, true, now, out);
	}
}

#define REFUSE(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int show_apply(struct show_state *s, const struct rundown *r, const struct show_conf *c,
	       const struct show_cmd *cmd, struct onair_time now, struct show_events *out,
	       char *err, size_t errlen)
{
	bool running = s->phase == SHOW_LIVE || s->phase == SHOW_HOLD;
	int target;

	out->count = 0;
	if (r->count == 0)
		REFUSE("the rundown has no segments");
	switch (cmd->kind) {
	case SHOW_CMD_START:
		if (s->phase != SHOW_STANDBY && s->phase != SHOW_ENDED)
			REFUSE("the show is already %s", show_phase_name(s->phase));
		show_begin(s, r, c, now, now.mono + c->preroll_ms, 0, out);
		break;
	case SHOW_CMD_NEXT:
		if (s->phase == SHOW_STANDBY || s->phase == SHOW_ENDED) {
			show_begin(s, r, c, now, now.mono + c->preroll_ms, 0, out);
			break;
		}
		if (s->phase == SHOW_PREROLL) {
			segment_enter(s, r, c, 0, true, now, out);
			break;
		}
		if (s->seg + 1 >= r->count)
			REFUSE("already on the last segment (%d of %d): \"end\" ends the show",
			       s->seg + 1, r->count);
		segment_leave(s, r, now, out);
		segment_enter(s, r, c, s->seg + 1, true, now, out);
		break;
	case SHOW_CMD_PREV:
		if (!running)
			REFUSE("no segment is running");
		if (s->seg == 0)
			REFUSE("already on the first segment");
		segment_leave(s, r, now, out);
		segment_enter(s, r, c, s->seg - 1, false, now, out);
		break;
	case SHOW_CMD_GOTO:
		target = (int)cmd->arg - 1;
		if (cmd->arg < 1 || cmd->arg > r->count)
			REFUSE("segment %lld is out of range (1 to %d)", (long long)cmd->arg, r->count);
		if (s->phase == SHOW_STANDBY || s->phase == SHOW_ENDED) {
			show_begin(s, r, c, now, now.mono, target, out);
			break;
		}
		segment_leave(s, r, now, out);
		segment_enter(s, r, c, target, true, now, out);
		break;
	case SHOW_CMD_HOLD:
	case SHOW_CMD_RESUME:
	case SHOW_CMD_HOLD_TOGGLE:
		if (!running)
			REFUSE("no segment is running");
		if (cmd->kind == SHOW_CMD_HOLD && s->phase == SHOW_HOLD)
			REFUSE("already on hold");
		if (cmd->kind == SHOW_CMD_RESUME && s->phase == SHOW_LIVE)
			REFUSE("not on hold");
		if (s->phase == SHOW_LIVE) {
			s->phase = SHOW_HOLD;
			s->hold_since_mono = now.mono;
			s->hold_since_wall = now.wall;
			show_emit(out, SHOW_EV_HOLD, s->seg, 0, 0);
		} else {
			int64_t held = now.mono - s->hold_since_mono;

			s->run[s->seg].held_ms += held;
			s->phase = SHOW_LIVE;
			show_emit(out, SHOW_EV_RESUME, s->seg, held, 0);
		}
		break;
	case SHOW_CMD_EXTEND: {
		int64_t planned;

		if (!running)
			REFUSE("no segment is running");
		if (cmd->arg == 0)
			REFUSE("extend by 0 seconds changes nothing");
		planned = show_segment_planned(s, r) + cmd->arg;
		if (planned < 0)
			REFUSE("cannot shorten the segment below zero (planned now %lld s)",
			       (long long)(show_segment_planned(s, r) / 1000));
		if (planned > 24LL * 3600 * 1000)
			REFUSE("a segment cannot be longer than 24 hours");
		s->run[s->seg].extend_ms += cmd->arg;
		show_emit(out, SHOW_EV_EXTEND, s->seg, cmd->arg, planned);
		break;
	}
	case SHOW_CMD_END:
		if (s->phase == SHOW_STANDBY || s->phase == SHOW_ENDED)
			REFUSE("the show is not running");
		segment_leave(s, r, now, out);
		s->phase = SHOW_ENDED;
		s->end_wall = now.wall;
		s->aux_total_ms = 0;
		s->call = SHOW_CALL_NONE;
		show_emit(out, SHOW_EV_END, s->seg, 0, 0);
		break;
	case SHOW_CMD_ATTENTION:
		s->attention_until_mono = now.mono + c->attention_ms;
		show_emit(out, SHOW_EV_ATTENTION, s->seg, c->attention_ms, 0);
		break;
	case SHOW_CMD_STANDBY:
		if (s->call == SHOW_CALL_STANDBY)
			REFUSE("standby is already called");
		s->call = SHOW_CALL_STANDBY;
		s->call_since_mono = now.mono;
		show_emit(out, SHOW_EV_STANDBY, s->seg, 0, 0);
		break;
	case SHOW_CMD_ACK:
		/* One press says "seen" to whatever waits for it. */
		if (s->call != SHOW_CALL_STANDBY && !s->message_since_mono)
			REFUSE("nothing to acknowledge: no message and no standby");
		if (s->message_since_mono) {
			show_emit(out, SHOW_EV_MESSAGE_ACK, s->seg, now.mono - s->message_since_mono,
				  s->message_id);
			s->message_since_mono = 0;
			s->message_acked_wall = now.wall;
		}
		if (s->call == SHOW_CALL_STANDBY) {
			s->call = SHOW_CALL_ACKED;
			show_emit(out, SHOW_EV_ACK, s->seg, now.mono - s->call_since_mono, 0);
			s->call_since_mono = now.mono;
		}
		break;
	case SHOW_CMD_SAY:
		if (!*cmd->text)
			REFUSE("say what? (say TEXT, or say --canned KEY)");
		if (cmd->canned)
			REFUSE("canned message \"%s\" was not looked up", cmd->text);
		str_copy(s->message, cmd->text, sizeof(s->message));
		s->message_id++;
		s->message_since_mono = now.mono;
		s->message_since_wall = now.wall;
		s->message_until_mono = now.mono + c->message_ms;
		s->message_acked_wall = 0;
		show_emit(out, SHOW_EV_SAY, s->seg, s->message_id, 0);
		str_copy(out->ev[out->count - 1].text, cmd->text, sizeof(out->ev[0].text));
		break;
	case SHOW_CMD_GO:
		if (s->call != SHOW_CALL_STANDBY && s->call != SHOW_CALL_ACKED)
			REFUSE("call standby before go");
		/* value 1 when the anchor had acknowledged, 0 when GO went out unacknowledged */
		show_emit(out, SHOW_EV_GO, s->seg, s->call == SHOW_CALL_ACKED, 0);
		s->call = SHOW_CALL_GO;
		s->call_since_mono = now.mono;
		break;
	case SHOW_CMD_AUX:
		if (!running)
			REFUSE("no segment is running");
		if (cmd->arg <= 0 || cmd->arg > 24LL * 3600 * 1000)
			REFUSE("aux length must be 1 second to 24 hours");
		s->aux_total_ms = cmd->arg;
		s->aux_end_mono = now.mono + cmd->arg;
		s->aux_end_wall = now.wall + cmd->arg;
		show_emit(out, SHOW_EV_AUX_START, s->seg, cmd->arg, 0);
		break;
	case SHOW_CMD_AUX_CANCEL:
		if (!s->aux_total_ms)
			REFUSE("no aux countdown is running");
		s->aux_total_ms = 0;
		show_emit(out, SHOW_EV_AUX_CANCEL, s->seg, 0, 0);
		break;
	case SHOW_CMD_MARK:
		if (s->phase == SHOW_STANDBY)
			REFUSE("no show to mark: it has not started");
		/* fall through */
	case SHOW_CMD_INTERACTION:
	case SHOW_CMD_PROMO:
		if (rhythm_apply(s, r, c, cmd, now, out, err, errlen) < 0)
			return -1;
		break;
	case SHOW_CMD_COUNT:
		REFUSE("unknown command");
	}
	s->seq++;
	return 0;
}

bool show_tick(struct show_state *s, const struct rundown *r, const struct show_conf *c,
	       struct onair_time now, struct show_events *out)
{
	uint64_t seq = s->seq;

	out->count = 0;
	if (r->count == 0)
		return false;
	if (s->phase == SHOW_STANDBY && c->schedule_wall && c->auto_start &&
	    now.wall >= c->schedule_wall - c->preroll_ms && now.wall < c->schedule_wall + 60000) {
		/* Going live exactly on the scheduled second, whatever the preroll. */
		show_begin(s, r, c, now, now.mono + (c->schedule_wall - now.wall), 0, out);
		s->seq = seq + 1;
	}
	if (s->phase == SHOW_PREROLL && now.mono >= s->preroll_end_mono) {
		/* The segment starts on the preroll's deadline, not on our late wake-up. */
		struct onair_time at = { s->preroll_end_mono, s->preroll_end_wall };

		segment_enter(s, r, c, 0, true, at, out);
		s->seq++;
	}
	if (s->aux_total_ms && now.mono >= s->aux_end_mono) {
		s->aux_total_ms = 0;
		show_emit(out, SHOW_EV_AUX_END, s->seg, 0, 0);
		s->seq++;
	}
	if (s->call == SHOW_CALL_GO && now.mono >= s->call_since_mono + c->go_ms) {
		s->call = SHOW_CALL_NONE;
		s->seq++;
	}
	if (s->message_since_mono && now.mono >= s->message_until_mono) {
		show_emit(out, SHOW_EV_MESSAGE_EXPIRED, s->seg, now.mono - s->message_since_mono,
			  s->message_id);
		s->message_since_mono = 0;
		s->seq++;
	}
	if (rhythm_tick(s, r, c, now, out))
		s->seq++;
	return s->seq != seq;
}

static int64_t earliest(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int64_t show_next_deadline(const struct show_state *s, const struct rundown *r,
			   const struct show_conf *c, struct onair_time now)
{
	int64_t next = rhythm_next_deadline(s, r, c, now);

	if (s->phase == SHOW_PREROLL)
		next = earliest(next, s->preroll_end_mono);
	if (s->aux_total_ms)
		next = earliest(next, s->aux_end_mono);
	if (s->call == SHOW_CALL_GO)
		next = earliest(next, s->call_since_mono + c->go_ms);
	if (s->message_since_mono)
		next = earliest(next, s->message_until_mono);
	if (s->phase == SHOW_STANDBY && c->schedule_wall && c->auto_start &&
	    now.wall < c->schedule_wall + 60000) {
		/* A wall moment: turned into this clock's terms from now. A wall
		 * clock step is caught because the daemon asks again at least
		 * once a minute while waiting. */
		int64_t at = now.mono + (c->schedule_wall - c->preroll_ms - now.wall);

		next = earliest(next, at > now.mono + 60000 ? now.mono + 60000 : at);
	}
	return next;
}
