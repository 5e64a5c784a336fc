/* The after-show report (see report.h): one pass over the log gathers
 * everything into struct review, then one writer per format prints it. */
#define _GNU_SOURCE
#include <cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/rundown.h"
#include "../../core/util.h"
#include "report.h"

#define REVIEW_MARKS 200
#define REVIEW_DOTS 400
#define REVIEW_MESSAGES 100
#define REVIEW_RUNS 400
#define REVIEW_ALARMS 400

enum span_kind { SPAN_OUTAGE, SPAN_STRUGGLE, SPAN_KINDS };

/* A stretch of trouble open since from, in the segment seg, and all of
 * its kind so far. */
struct review_span {
	int seg;
	int64_t from, total;
};

struct review_seg {
	char title[RUNDOWN_TITLE_MAX];
	char kind[RUNDOWN_KIND_MAX];
	bool planned_known;		/* from the rundown line */
	bool started, ended;
	int64_t planned, actual, held, extended;
	int64_t start_wall, end_wall;
	int holds;
	int promo_calls, promo_quota, promo_due, promo_ignored;
	bool promo_waiting;		/* the latest call came due and is not said yet */
	int interactions, missed, interaction_due;
	/* SPAN_OUTAGE: on the air with the stream down or unknown;
	 * SPAN_STRUGGLE: the stream struggling (its source's own counters). */
	int64_t span_ms[SPAN_KINDS];
	/* The audio watch's figures (its audio_segment line), when it ran. */
	bool audio;
	double lufs;			/* NAN: nothing loud enough to measure */
	double silent_s;
	unsigned long long clipped;
	char by[32];
};

struct review_dot {		/* an interaction or a promotion call, on the chart */
	int64_t wall;
	int seg;
	bool interaction;
};

struct review_mark {
	int64_t wall;
	int seg;
	char word[192];		/* the mark's text, a word or a phrase */
	char who[64];
};

struct review_run {		/* one visit of a segment: prev and goto make more */
	int seg;
	int64_t start_wall, end_wall;	/* end 0: still running when the log stops */
};

struct review_press {		/* a command someone gave, or one that was refused */
	char time[16];
	char source[16];
	char who[256];
	char event[24];
	char detail[192];	/* a refusal's reason, a mark's or message's text */
	int seg;		/* -1: before the show */
	bool refused;
};

struct review {
	char show[RUNDOWN_TITLE_MAX];
	char started[48];
	int nseg, nrundown;
	struct review_seg seg[RUNDOWN_MAX_SEGMENTS];
	int64_t live_wall, end_wall, planned_end_wall;
	int64_t last_wall;		/* the latest moment the log tells of */
	int64_t last_interaction_wall, longest_gap, gap_from, gap_to;
	int window_seg;			/* where the open interaction window was shown */
	int nmarks;
	struct review_mark mark[REVIEW_MARKS];
	int ndots;
	struct review_dot dot[REVIEW_DOTS];
	int nsaid, nacked, nexpired;
	int64_t ack_ms[REVIEW_MESSAGES];
	struct review_message {
		int64_t id, wall;
		char text[192];
		bool acked, expired;
	} message[REVIEW_MESSAGES];
	int nruns;
	struct review_run run[REVIEW_RUNS];
	int npresses, presses_cap;
	struct review_press *press;
	int bad;
	/* The stream against the show (a tally source that tells it). */
	int current_seg, noutages, ndisagreements, nstruggles;
	struct review_span span[SPAN_KINDS];
	/* The audio watch's alarms, each a span on the timeline. */
	int nalarms, nsilences, nclips;
	struct review_alarm {
		int64_t from, to;	/* to 0: still raised when the log stops */
		bool clipping;		/* else a silence or any other alarm */
	} alarm[REVIEW_ALARMS];
	struct report_buf {
		char *text;
		size_t len, cap;
	} overrides, stream, audio;
};

static void put(struct report_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct report_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->text ? b->text + b->len : NULL, b->text ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->text && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
		char *grown = realloc(b->text, cap);

		if (!grown)
			return;
		b->text = grown;
		b->cap = cap;
	}
}

static const char *json_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* A duration or moment from a log line; a hostile or damaged one (beyond
 * a century either way) counts as none, so sums cannot overflow. */
static int64_t json_ms(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) && v->valuedouble > -3.2e12 && v->valuedouble < 3.2e12
		       ? (int64_t)v->valuedouble : 0;
}

/* The rundown the show started with (written when its log was opened). */
static void take_rundown(struct review *rv, const cJSON *o)
{
	const cJSON *segs = cJSON_GetObjectItemCaseSensitive(o, "segments"), *s;
	int i = 0;

	if (*json_str(o, "show"))
		str_copy(rv->show, json_str(o, "show"), sizeof(rv->show));
	rv->planned_end_wall = json_ms(o, "planned_end_wall");
	cJSON_ArrayForEach(s, segs) {
		struct review_seg *sg;

		if (i >= RUNDOWN_MAX_SEGMENTS)
			break;
		sg = &rv->seg[i++];
		str_copy(sg->title, json_str(s, "title"), sizeof(sg->title));
		str_copy(sg->kind, json_str(s, "kind"), sizeof(sg->kind));
		sg->planned = json_ms(s, "planned_ms");
		sg->promo_quota = (int)json_ms(s, "promo_quota");
		sg->planned_known = true;
	}
	rv->nrundown = i;
	if (i > rv->nseg)
		rv->nseg = i;
}

static void interaction_gap(struct review *rv, int64_t wall)
{
	if (rv->last_interaction_wall && wall - rv->last_interaction_wall > rv->longest_gap) {
		rv->longest_gap = wall - rv->last_interaction_wall;
		rv->gap_from = rv->last_interaction_wall;
		rv->gap_to = wall;
	}
	rv->last_interaction_wall = wall;
}

static void add_dot(struct review *rv, int64_t wall, int seg, bool interaction)
{
	if (rv->ndots < REVIEW_DOTS)
		rv->dot[rv->ndots++] = (struct review_dot){ wall, seg, interaction };
}

/* An open span up to wall goes to the segment it happened in. */
static void span_cut(struct review *rv, enum span_kind k, int64_t wall)
{
	struct review_span *sp = &rv->span[k];

	if (!sp->from || wall < sp->from)
		return;
	if (sp->seg >= 0 && sp->seg < RUNDOWN_MAX_SEGMENTS)
		rv->seg[sp->seg].span_ms[k] += wall - sp->from;
	sp->total += wall - sp->from;
	sp->from = wall;
}

/* A span opens (again) at wall in the current segment, or ends. */
static void span_open(struct review *rv, enum span_kind k, int64_t wall, bool open)
{
	span_cut(rv, k, wall);
	rv->span[k].from = open ? wall : 0;
	rv->span[k].seg = rv->current_seg;
}

static void take_stream(struct review *rv, const char *ev, const cJSON *o, int64_t wall)
{
	if (strcmp(ev, "segment_start") == 0 || strcmp(ev, "segment_end") == 0) {
		span_cut(rv, SPAN_OUTAGE, wall);
		span_cut(rv, SPAN_STRUGGLE, wall);
		rv->current_seg = ev[8] == 's' ? (int)(json_ms(o, "segment") - 1) : -1;
		rv->span[SPAN_OUTAGE].seg = rv->span[SPAN_STRUGGLE].seg = rv->current_seg;
	} else if (strcmp(ev, "outage") == 0) {
		if (!rv->span[SPAN_OUTAGE].from)
			rv->noutages++;
		span_open(rv, SPAN_OUTAGE, wall, true);
		put(&rv->stream, "  %s outage begins (the stream is %s)\n", json_str(o, "time"),
		    json_str(o, "detail"));
	} else if (strcmp(ev, "outage_end") == 0) {
		span_open(rv, SPAN_OUTAGE, wall, false);
		put(&rv->stream, "  %s outage ends (%s)\n", json_str(o, "time"), json_str(o, "detail"));
	} else if (strcmp(ev, "disagreement") == 0) {
		rv->ndisagreements++;
		put(&rv->stream, "  %s disagreement: %s\n", json_str(o, "time"), json_str(o, "detail"));
	} else if (strcmp(ev, "disagreement_end") == 0) {
		put(&rv->stream, "  %s agreed again (%s over)\n", json_str(o, "time"), json_str(o, "detail"));
	} else if (strcmp(ev, "stream_struggling") == 0) {
		if (!rv->span[SPAN_STRUGGLE].from)
			rv->nstruggles++;
		span_open(rv, SPAN_STRUGGLE, wall, true);
		put(&rv->stream, "  %s struggling: %s\n", json_str(o, "time"), json_str(o, "detail"));
	} else if (strcmp(ev, "stream_struggling_end") == 0) {
		span_open(rv, SPAN_STRUGGLE, wall, false);
		put(&rv->stream, "  %s no longer struggling (%s)\n", json_str(o, "time"), json_str(o, "detail"));
	}
}

static bool review_has_audio(const struct review *rv)
{
	for (int i = 0; i < rv->nseg; i++)
		if (rv->seg[i].audio)
			return true;
	return rv->audio.text != NULL;
}

/* The audio watch's lines (docs/watch.md): its alarms and each segment's
 * figures, as it wrote them. */
static void take_audio(struct review *rv, const char *ev, const cJSON *o, int64_t wall)
{
	static const char *const alarms[] = { "silence", "clipping", "dead_channel", "dc_offset", "loudness_low",
					      "loudness_high", "audio_lost" };
	const char *detail = json_str(o, "detail");
	size_t n = strlen(ev);
	bool ended = n > 4 && strcmp(ev + n - 4, "_end") == 0;
	int seg;
	double lufs, silent;
	unsigned long long clipped;

	/* Widths keep a hostile line's figures inside their types. */
	if (strcmp(ev, "audio_segment") == 0) {
		if (sscanf(detail, "segment %4d: %lf LUFS integrated, %lf s silent, %19llu clipped", &seg, &lufs, &silent,
			   &clipped) != 4) {
			lufs = NAN;
			if (sscanf(detail, "segment %4d: no loudness (silent), %lf s silent, %19llu clipped", &seg, &silent,
				   &clipped) != 3)
				return;
		}
		if (seg >= 1 && seg <= RUNDOWN_MAX_SEGMENTS) {
			struct review_seg *s = &rv->seg[seg - 1];

			/* A segment gone back to adds its silence and clips; its
			 * loudness is its last visit's (loudness does not add). */
			s->lufs = lufs;
			s->silent_s += silent;
			s->clipped += clipped;
			s->audio = true;
		}
		return;
	}
	if (strcmp(ev, "audio_back") == 0)
		ev = "audio_lost_end", ended = true;
	for (size_t i = 0; i < sizeof(alarms) / sizeof(alarms[0]); i++) {
		size_t k = strlen(alarms[i]);

		if (strncmp(ev, alarms[i], k) != 0 || (ev[k] && !ended) || (ended && strcmp(ev + k, "_end") != 0))
			continue;
		put(&rv->audio, "  %s %s%s: %s\n", json_str(o, "time"), alarms[i], ended ? " ends" : "", detail);
		if (!ended && rv->nalarms < REVIEW_ALARMS) {
			rv->alarm[rv->nalarms++] = (struct review_alarm){ .from = wall, .clipping = i == 1 };
			rv->nsilences += i == 0;
			rv->nclips += i == 1;
		} else if (ended) {
			for (int a = rv->nalarms - 1; a >= 0; a--)
				if (!rv->alarm[a].to && rv->alarm[a].clipping == (i == 1)) {
					rv->alarm[a].to = wall;
					break;
				}
		}
		return;
	}
}

static void take_press(struct review *rv, const cJSON *o, const char *ev, const char *src, int seg)
{
	const char *t = json_str(o, "time");
	bool refused = strcmp(ev, "rejected") == 0;
	struct review_press *p;

	if (rv->npresses == rv->presses_cap) {
		int cap = rv->presses_cap ? rv->presses_cap * 2 : 64;
		struct review_press *grown = realloc(rv->press, sizeof(*grown) * (size_t)cap);

		if (!grown)
			return;
		rv->press = grown;
		rv->presses_cap = cap;
	}
	p = &rv->press[rv->npresses++];
	memset(p, 0, sizeof(*p));
	text_copy(p->time, strlen(t) >= 19 ? t + 11 : t, 9);
	text_copy(p->source, src, sizeof(p->source));
	text_copy(p->who, json_str(o, "who"), sizeof(p->who));
	text_copy(p->event, refused ? json_str(o, "command") : ev, sizeof(p->event));
	text_copy(p->detail, refused ? json_str(o, "reason") : json_str(o, "text"), sizeof(p->detail));
	/* A refusal names no segment: it happened in the one running then. */
	p->seg = refused ? rv->current_seg : seg;
	p->refused = refused;
}

static void take_run(struct review *rv, const char *ev, int seg, int64_t wall)
{
	if (strcmp(ev, "segment_start") == 0 && rv->nruns < REVIEW_RUNS) {
		rv->run[rv->nruns++] = (struct review_run){ seg, wall, 0 };
	} else if (strcmp(ev, "segment_end") == 0) {
		for (int i = rv->nruns - 1; i >= 0; i--)
			if (rv->run[i].seg == seg && !rv->run[i].end_wall) {
				rv->run[i].end_wall = wall;
				break;
			}
	}
}

static void take_event(struct review *rv, const cJSON *o)
{
	const char *ev = json_str(o, "event"), *src = json_str(o, "source");
	int64_t seg = json_ms(o, "segment") - 1, wall = json_ms(o, "wall_ms");
	struct review_seg *s = seg >= 0 && seg < RUNDOWN_MAX_SEGMENTS ? &rv->seg[seg] : NULL;

	if (wall > rv->last_wall)
		rv->last_wall = wall;
	take_stream(rv, ev, o, wall);
	take_audio(rv, ev, o, wall);
	if (strcmp(ev, "rundown") == 0) {
		take_rundown(rv, o);
		return;
	}
	if (strcmp(ev, "preroll") == 0 || (!*rv->started && strcmp(ev, "segment_start") == 0)) {
		if (*json_str(o, "show"))
			str_copy(rv->show, json_str(o, "show"), sizeof(rv->show));
		str_copy(rv->started, json_str(o, "time"), sizeof(rv->started));
	}
	if (strcmp(ev, "override") == 0)
		put(&rv->overrides, "  %s %s\n", json_str(o, "time"), json_str(o, "detail"));
	if (strcmp(ev, "end") == 0)
		rv->end_wall = wall;
	if (strcmp(ev, "say") == 0 && rv->nsaid < REVIEW_MESSAGES) {
		struct review_message *m = &rv->message[rv->nsaid++];

		m->id = json_ms(o, "message_id");
		m->wall = wall;
		str_copy(m->text, json_str(o, "text"), sizeof(m->text));
	}
	if (strcmp(ev, "message_ack") == 0 || strcmp(ev, "message_expired") == 0) {
		bool acked = ev[8] == 'a';

		for (int i = 0; i < rv->nsaid; i++)
			if (rv->message[i].id == json_ms(o, "message_id") && !rv->message[i].acked &&
			    !rv->message[i].expired) {
				rv->message[i].acked = acked;
				rv->message[i].expired = !acked;
			}
		if (acked && rv->nacked < REVIEW_MESSAGES)
			rv->ack_ms[rv->nacked++] = json_ms(o, "value_ms");
		rv->nexpired += !acked;
	}
	if (strcmp(ev, "mark") == 0 && rv->nmarks < REVIEW_MARKS) {
		struct review_mark *m = &rv->mark[rv->nmarks++];

		m->wall = wall;
		m->seg = (int)seg;
		str_copy(m->word, json_str(o, "text"), sizeof(m->word));
		snprintf(m->who, sizeof(m->who), "%s%s%s", src, *json_str(o, "who") ? " " : "",
			 json_str(o, "who"));
	}
	if (s) {
		take_run(rv, ev, (int)seg, wall);
		if (seg + 1 > rv->nseg)
			rv->nseg = (int)seg + 1;
		if (*json_str(o, "title") && !s->planned_known)
			str_copy(s->title, json_str(o, "title"), sizeof(s->title));
		if (strcmp(ev, "segment_start") == 0) {
			if (!rv->live_wall) {
				rv->live_wall = wall;
				rv->last_interaction_wall = wall;
			}
			if (!s->started) {
				s->start_wall = wall;
				str_copy(s->by, src, sizeof(s->by));
			}
			if (!s->planned)
				s->planned = json_ms(o, "planned_ms");
			s->started = true;
		} else if (strcmp(ev, "segment_end") == 0) {
			/* The last end wins: "prev" reopens a segment. */
			s->ended = true;
			s->actual = json_ms(o, "value_ms");
			s->planned = json_ms(o, "planned_ms") - s->extended;
			s->end_wall = wall;
			if (s->promo_waiting)
				s->promo_ignored++;
			s->promo_waiting = false;
		} else if (strcmp(ev, "hold") == 0) {
			s->holds++;
		} else if (strcmp(ev, "resume") == 0) {
			s->held += json_ms(o, "value_ms");
		} else if (strcmp(ev, "extend") == 0) {
			s->extended += json_ms(o, "value_ms");
		} else if (strcmp(ev, "interaction_done") == 0) {
			s->interactions++;
			interaction_gap(rv, wall);
			add_dot(rv, wall, (int)seg, true);
		} else if (strcmp(ev, "interaction_due") == 0) {
			s->interaction_due++;
			rv->window_seg = (int)seg;
		} else if (strcmp(ev, "interaction_missed") == 0) {
			/* Missed where it was shown, though it may close in the next segment. */
			rv->seg[rv->window_seg].missed++;
		} else if (strcmp(ev, "promo_due") == 0) {
			if (s->promo_waiting)
				s->promo_ignored++;
			s->promo_waiting = true;
			s->promo_due++;
			if (!s->promo_quota)
				s->promo_quota = (int)json_ms(o, "quota");
		} else if (strcmp(ev, "promo_said") == 0) {
			s->promo_calls++;
			s->promo_waiting = false;
			add_dot(rv, wall, (int)seg, false);
		}
	}
	if (*src && strcmp(src, "timer") != 0)
		take_press(rv, o, ev, src, (int)seg);
}

static struct review *review_read(const char *text, size_t len)
{
	struct review *rv = calloc(1, sizeof(*rv));
	const char *p = text, *end = text + len;

	if (!rv)
		return NULL;
	rv->current_seg = rv->span[SPAN_OUTAGE].seg = rv->span[SPAN_STRUGGLE].seg = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		cJSON *o = cJSON_ParseWithLength(p, n);

		p += n + 1;
		if (cJSON_IsObject(o))
			take_event(rv, o);
		else
			rv->bad += n > 0;
		cJSON_Delete(o);
	}
	/* An outage still open when the log stops lasted to its last line. */
	for (int k = 0; k < SPAN_KINDS; k++)
		span_cut(rv, (enum span_kind)k, rv->end_wall ? rv->end_wall : rv->last_wall);
	/* The stretch from the last interaction to the end counts too. */
	if (rv->end_wall && rv->last_interaction_wall)
		interaction_gap(rv, rv->end_wall);
	return rv;
}

/* What became of a segment of the rundown. */
static const char *seg_status(const struct review *rv, int i)
{
	const struct review_seg *s = &rv->seg[i];

	if (s->ended)
		return "done";
	if (s->started)
		return rv->end_wall ? "done" : "running";
	for (int j = i + 1; j < rv->nseg; j++)
		if (rv->seg[j].started)
			return "skipped";
	return "unreached";
}

static int64_t diff_of(const struct review_seg *s)
{
	return s->actual - (s->planned + s->extended);
}

static int reminders_shown(const struct review_seg *s)
{
	return s->interaction_due + s->promo_due;
}

static int reminders_ignored(const struct review_seg *s)
{
	return s->missed + s->promo_ignored + s->promo_waiting;
}

/* --- the table for people --- */

/* Terminal columns of a UTF-8 string: CJK and full-width forms take two. */
static int display_width(const char *s)
{
	int w = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned cp = *p;
		int extra = cp < 0x80 ? 0 : cp < 0xE0 ? 1 : cp < 0xF0 ? 2 : 3;

		if (extra)
			cp &= 0x3F >> extra;
		for (int i = 1; i <= extra && p[i]; i++)
			cp = cp << 6 | (p[i] & 0x3F);
		w += (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
		     (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
		     (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
		     (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ? 2 : 1;
		for (p += 1; extra-- > 0 && *p; p++)
			;
	}
	return w;
}

/* A title in `width` columns, padded. One too long is cut on a character
 * boundary, before the word it would split when a space is near (a
 * Chinese title has none: it is cut between characters), and ends in
 * "…" so a reader knows there is more. */
static void put_padded(struct report_buf *b, const char *s, int width)
{
	char cut[RUNDOWN_TITLE_MAX + 4];
	int w;

	str_copy(cut, s, sizeof(cut));
	if ((w = display_width(cut)) > width) {
		char *space = NULL;

		while (display_width(cut) > width - 1) {
			size_t n = strlen(cut);

			while (n > 0 && ((unsigned char)cut[n - 1] & 0xC0) == 0x80)
				n--;
			cut[n > 0 ? n - 1 : 0] = '\0';
		}
		/* Mid-word: back to the word's start, unless that loses half. */
		if (s[strlen(cut)] != ' ')
			space = strrchr(cut, ' ');
		if (space && display_width(cut) - display_width(space) >= width / 2)
			*space = '\0';
		while (*cut && cut[strlen(cut) - 1] == ' ')
			cut[strlen(cut) - 1] = '\0';
		strcat(cut, "…");
		w = display_width(cut);
	}
	put(b, "%s%*s", cut, w < width ? width - w : 0, "");
}

static const char *fmt_dur(int64_t ms, bool sign, char *buf, size_t len)
{
	char tmp[32];

	duration_format(ms, tmp, sizeof(tmp));
	snprintf(buf, len, "%s%s", sign && ms >= 0 ? "+" : "", tmp);
	return buf;
}

/* --- what the text and the page both say --- */

/* The sections after the table are written once, for the terminal or for
 * the page: the page has everything the text has. */
struct out {
	struct report_buf *b;
	bool html;
};

static void put_html(struct report_buf *b, const char *text);

static void out_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_fmt(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text)
		return;
	if (o->html)
		put_html(o->b, text);
	else
		put(o->b, "%s", text);
	free(text);
}

static void out_heading(struct out *o, const char *title)
{
	put(o->b, o->html ? "<h2>%s</h2>\n" : "\n%s\n", title);
}

static void out_line_begin(struct out *o)
{
	put(o->b, "%s", o->html ? "<p>" : "");
}

static void out_line_end(struct out *o)
{
	put(o->b, "%s", o->html ? "</p>\n" : "\n");
}

static void out_list(struct out *o, bool begin, const char *id)
{
	if (o->html)
		put(o->b, begin ? "<ul id=\"%s\">\n" : "</ul>\n", id);
}

static void out_item_begin(struct out *o)
{
	put(o->b, "%s", o->html ? "<li>" : "  ");
}

static void out_item_end(struct out *o)
{
	put(o->b, "%s", o->html ? "</li>\n" : "\n");
}

/* Lines gathered as text ("  time what\n"), as items. */
static void out_lines(struct out *o, const char *text, const char *id)
{
	out_list(o, true, id);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		while (n && *p == ' ')
			p++, n--;
		out_item_begin(o);
		out_fmt(o, "%.*s", (int)n, p);
		out_item_end(o);
		p += n + (nl ? 1 : 0);
	}
	out_list(o, false, id);
}

/* The log's event names as a reader says them. */
static const char *press_words(const char *event)
{
	static const char *const words[][2] = {
		{ "segment_start", "started the segment" }, { "segment_end", "ended the segment" },
		{ "preroll", "started the show (preroll)" }, { "end", "ended the show" },
		{ "hold", "held" }, { "resume", "resumed" }, { "extend", "extended" },
		{ "promo_said", "called the offer" }, { "interaction_done", "interaction done" },
		{ "say", "message" }, { "message_ack", "acknowledged the message" },
		{ "standby", "called standby" }, { "ack", "acknowledged standby" }, { "go", "GO" },
		{ "attention", "asked for attention" }, { "aux_start", "started an aux countdown" },
		{ "aux_cancel", "cancelled the aux countdown" }, { "push", "pushed orders" },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i][0], event) == 0)
			return words[i][1];
	return event;
}

static const char *press_where(const struct review_press *p, char *buf, size_t len)
{
	if (p->seg < 0)
		snprintf(buf, len, "before the show");
	else
		snprintf(buf, len, "segment %d", p->seg + 1);
	return buf;
}

static void write_sections(struct out *o, const struct review *rv)
{
	char a[32], c[32], d[32], e[48], f[48];
	int over_count = 0, calls = 0, quota = 0, interactions = 0, missed = 0, shown = 0, ignored = 0;
	int holds = 0;
	int64_t total_planned = 0, total_actual = 0, total_over = 0, held = 0, extended = 0;

	for (int i = 0; i < rv->nseg; i++) {
		const struct review_seg *s = &rv->seg[i];

		if (!s->started && !s->planned_known)
			continue;
		total_planned += s->planned;
		total_actual += s->actual;
		/* Over by a second or more: what a person would call over. */
		if (s->ended && diff_of(s) >= 1000) {
			over_count++;
			total_over += diff_of(s);
		}
		calls += s->promo_calls;
		quota += s->promo_quota;
		interactions += s->interactions;
		missed += s->missed;
		shown += reminders_shown(s);
		ignored += reminders_ignored(s);
		holds += s->holds;
		held += s->held;
		extended += s->extended;
	}
	if (o->html)
		out_heading(o, "Totals");
	else
		put(o->b, "\n");
	out_line_begin(o);
	out_fmt(o, "Total planned %s, actual %s; %d segment%s over, by %s in all",
		fmt_dur(total_planned, false, a, sizeof(a)), fmt_dur(total_actual, false, c, sizeof(c)),
		over_count, over_count == 1 ? "" : "s", fmt_dur(total_over, true, d, sizeof(d)));
	out_line_end(o);
	if (rv->planned_end_wall && rv->end_wall) {
		time_format_wall(rv->planned_end_wall, e, sizeof(e));
		time_format_wall(rv->end_wall, f, sizeof(f));
		out_line_begin(o);
		out_fmt(o, "Show clock: planned end %.8s, ended %.8s, %s %s", e + 11, f + 11,
			fmt_dur(llabs(rv->end_wall - rv->planned_end_wall), false, a, sizeof(a)),
			rv->end_wall > rv->planned_end_wall ? "late" : "early");
		out_line_end(o);
	}
	out_line_begin(o);
	out_fmt(o, "Holds: %d, %s held; extensions %s in all", holds, fmt_dur(held, false, a, sizeof(a)),
		fmt_dur(extended, true, c, sizeof(c)));
	out_line_end(o);
	out_line_begin(o);
	out_fmt(o, "Promotion calls: %d said against a quota of %d", calls, quota);
	out_line_end(o);
	out_line_begin(o);
	out_fmt(o, "Interactions: %d done, %d window%s missed", interactions, missed, missed == 1 ? "" : "s");
	if (rv->longest_gap)
		out_fmt(o, "; longest stretch without one %s (from +%s to +%s)",
			fmt_dur(rv->longest_gap, false, a, sizeof(a)),
			fmt_dur(rv->gap_from - rv->live_wall, false, c, sizeof(c)),
			fmt_dur(rv->gap_to - rv->live_wall, false, d, sizeof(d)));
	out_line_end(o);
	out_line_begin(o);
	out_fmt(o, "Reminders: %d shown, %d acted on, %d ignored", shown, shown - ignored, ignored);
	out_line_end(o);
	if (rv->nmarks) {
		out_heading(o, "Marks (time from the start, to find in the recording):");
		out_list(o, true, "marks");
		for (int i = 0; i < rv->nmarks; i++) {
			out_item_begin(o);
			out_fmt(o, "+%s  segment %d  %s  (%s)",
				fmt_dur(rv->live_wall ? rv->mark[i].wall - rv->live_wall : 0, false, a, sizeof(a)),
				rv->mark[i].seg + 1, *rv->mark[i].word ? rv->mark[i].word : "(no word)",
				rv->mark[i].who);
			out_item_end(o);
		}
		out_list(o, false, "marks");
	}
	if (rv->nsaid) {
		int64_t sorted[REVIEW_MESSAGES];

		memcpy(sorted, rv->ack_ms, sizeof(int64_t) * (size_t)rv->nacked);
		for (int i = 1; i < rv->nacked; i++)
			for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
				int64_t t = sorted[j];

				sorted[j] = sorted[j - 1];
				sorted[j - 1] = t;
			}
		if (o->html)
			out_heading(o, "Messages");
		out_line_begin(o);
		out_fmt(o, "Messages: %d sent, %d acknowledged", rv->nsaid, rv->nacked);
		if (rv->nacked)
			out_fmt(o, " (median %.1f s to acknowledge)", sorted[rv->nacked / 2] / 1000.0);
		out_fmt(o, ", %d expired", rv->nexpired);
		out_line_end(o);
		out_list(o, true, "messages");
		for (int i = 0; i < rv->nsaid; i++) {
			if (rv->message[i].acked)
				continue;
			out_item_begin(o);
			out_fmt(o, "not acknowledged: +%s \"%s\"%s",
				fmt_dur(rv->live_wall && rv->message[i].wall > rv->live_wall
						? rv->message[i].wall - rv->live_wall : 0, false, a, sizeof(a)),
				rv->message[i].text, rv->message[i].expired ? " (expired)" : "");
			out_item_end(o);
		}
		out_list(o, false, "messages");
	}
	if (rv->overrides.text) {
		out_heading(o, "Went live past the self-test gate:");
		out_lines(o, rv->overrides.text, "overrides");
	}
	if (rv->stream.text) {
		if (o->html)
			out_heading(o, "The stream");
		out_line_begin(o);
		out_fmt(o, "The stream: %d outage%s, %.1f s on the air with the stream down or unknown; %d disagreement%s "
			"with the show", rv->noutages, rv->noutages == 1 ? "" : "s", rv->span[SPAN_OUTAGE].total / 1000.0,
			rv->ndisagreements, rv->ndisagreements == 1 ? "" : "s");
		if (rv->nstruggles)
			out_fmt(o, "; struggling %d time%s, %.1f s", rv->nstruggles, rv->nstruggles == 1 ? "" : "s",
				rv->span[SPAN_STRUGGLE].total / 1000.0);
		out_line_end(o);
		out_list(o, true, "outages");
		for (int i = 0; i < rv->nseg; i++)
			if (rv->seg[i].span_ms[SPAN_OUTAGE]) {
				out_item_begin(o);
				out_fmt(o, "segment %d \"%s\": %.1f s of outage", i + 1, rv->seg[i].title,
					rv->seg[i].span_ms[SPAN_OUTAGE] / 1000.0);
				out_item_end(o);
			}
		for (int i = 0; i < rv->nseg; i++)
			if (rv->seg[i].span_ms[SPAN_STRUGGLE]) {
				out_item_begin(o);
				out_fmt(o, "segment %d \"%s\": %.1f s struggling", i + 1, rv->seg[i].title,
					rv->seg[i].span_ms[SPAN_STRUGGLE] / 1000.0);
				out_item_end(o);
			}
		out_list(o, false, "outages");
		out_lines(o, rv->stream.text, "stream");
	}
	if (review_has_audio(rv)) {
		if (o->html)
			out_heading(o, "The audio");
		out_line_begin(o);
		out_fmt(o, "The audio: %d silence%s, %d clipping burst%s", rv->nsilences, rv->nsilences == 1 ? "" : "s",
			rv->nclips, rv->nclips == 1 ? "" : "s");
		out_line_end(o);
		out_list(o, true, "audio-segments");
		for (int i = 0; i < rv->nseg; i++)
			if (rv->seg[i].audio) {
				out_item_begin(o);
				out_fmt(o, "segment %d \"%s\": ", i + 1, rv->seg[i].title);
				if (isnan(rv->seg[i].lufs))
					out_fmt(o, "no loudness (silent)");
				else
					out_fmt(o, "%.1f LUFS", rv->seg[i].lufs);
				out_fmt(o, ", %.1f s silent, %llu clipped samples", rv->seg[i].silent_s, rv->seg[i].clipped);
				out_item_end(o);
			}
		out_list(o, false, "audio-segments");
		if (rv->audio.text)
			out_lines(o, rv->audio.text, "audio");
	}
	if (rv->bad) {
		out_line_begin(o);
		out_fmt(o, "(%d unreadable log line%s skipped)", rv->bad, rv->bad == 1 ? "" : "s");
		out_line_end(o);
	}
	/* Who said what the box knows (the door, the connection, a box's
	 * topic), with a sender's own words kept as its claim. */
	out_heading(o, "Who pressed what:");
	out_list(o, true, "presses");
	for (int i = 0; i < rv->npresses; i++) {
		const struct review_press *p = &rv->press[i];

		out_item_begin(o);
		out_fmt(o, "%s%s%s  %s%s", p->time, *p->time ? "  " : "", press_where(p, a, sizeof(a)),
			p->refused ? "refused " : "", p->refused ? p->event : press_words(p->event));
		if (*p->detail)
			out_fmt(o, p->refused ? ": %s" : " \"%s\"", p->detail);
		out_fmt(o, "  by %s%s%s", p->source, *p->who ? ", " : "", p->who);
		out_item_end(o);
	}
	if (!rv->npresses) {
		out_item_begin(o);
		out_fmt(o, "(nothing)");
		out_item_end(o);
	}
	out_list(o, false, "presses");
}

static void write_text(struct report_buf *b, const struct review *rv)
{
	char a[32], c[32], d[32], e[32], f[32], counts[32];

	put(b, "Show report: %s%s%s\n\n  #  %-28s %-9s %8s %8s %8s %5s %7s %7s %6s %5s %5s  %s\n",
	    *rv->show ? rv->show : "(untitled)", *rv->started ? ", started " : "", rv->started,
	    "Segment", "Status", "Planned", "Actual", "Diff", "Holds", "Held", "Ext", "Promo", "Int",
	    "Rem", "By");
	for (int i = 0; i < rv->nseg; i++) {
		const struct review_seg *s = &rv->seg[i];
		const char *status = seg_status(rv, i);
		int64_t diff = diff_of(s);

		if (!s->started && !s->planned_known)
			continue;
		put(b, "%3d  ", i + 1);
		put_padded(b, s->title, 28);
		put(b, " %-9s %8s %8s %8s %5d %7s %7s", status, fmt_dur(s->planned, false, a, sizeof(a)),
		    s->ended ? fmt_dur(s->actual, false, c, sizeof(c)) : "-",
		    s->ended ? fmt_dur(diff, true, d, sizeof(d)) : "-", s->holds,
		    fmt_dur(s->held, false, e, sizeof(e)), fmt_dur(s->extended, true, f, sizeof(f)));
		if (s->promo_quota || s->promo_calls)
			snprintf(counts, sizeof(counts), "%d/%d", s->promo_calls, s->promo_quota);
		else
			snprintf(counts, sizeof(counts), "-");
		put(b, " %6s", counts);
		snprintf(counts, sizeof(counts), "%d/%d", s->interactions, s->missed);
		put(b, " %5s", s->interactions || s->missed ? counts : "-");
		snprintf(counts, sizeof(counts), "%d/%d", reminders_shown(s) - reminders_ignored(s),
			 reminders_shown(s));
		put(b, " %5s  %s\n", reminders_shown(s) ? counts : "-", s->by);
	}
	put(b, "\n(Promo: calls said / quota. Int: interactions done / windows missed. Rem: "
	    "reminders acted on / shown.)\n");
	write_sections(&(struct out){ b, false }, rv);
}

/* --- CSV for the spreadsheet --- */

/* A cell a spreadsheet would run as a formula (=, +, -, @, tab, return
 * first) is made text with a leading quote, as OWASP's CSV-injection advice
 * and the spreadsheets do. */
static void put_csv_text(struct report_buf *b, const char *text)
{
	put(b, "\"%s", *text && strchr("=+-@\t\r", text[0]) ? "'" : "");
	for (const char *t = text; *t; t++)
		put(b, "%s%c", *t == '"' ? "\"" : "", *t);
	put(b, "\"");
}

static void write_csv(struct report_buf *b, const struct review *rv)
{
	/* The byte order mark: Excel on a Chinese Windows reads a CSV without
	 * it as GBK and garbles every title. */
	put(b, "\xEF\xBB\xBF");
	put(b, "segment,title,planned_s,actual_s,diff_s,holds,held_s,extended_s,started_by,kind,status,"
	    "promo_calls,promo_quota,interactions,interactions_missed,reminders_shown,reminders_acted,"
	    "reminders_ignored,marks,outage_s,lufs,silent_s,clipped,struggling_s\n");
	for (int i = 0; i < rv->nseg; i++) {
		const struct review_seg *s = &rv->seg[i];
		int marks = 0;

		if (!s->started && !s->planned_known)
			continue;
		for (int m = 0; m < rv->nmarks; m++)
			marks += rv->mark[m].seg == i;
		put(b, "%d,", i + 1);
		put_csv_text(b, s->title);
		put(b, ",%.1f,%.1f,%.1f,%d,%.1f,%.1f,%s,", s->planned / 1000.0, s->actual / 1000.0,
		    s->ended ? diff_of(s) / 1000.0 : 0.0, s->holds, s->held / 1000.0, s->extended / 1000.0,
		    s->by);
		put_csv_text(b, s->kind);
		put(b, ",%s,%d,%d,%d,%d,%d,%d,%d,%d,%.1f,", seg_status(rv, i), s->promo_calls, s->promo_quota,
		    s->interactions, s->missed, reminders_shown(s),
		    reminders_shown(s) - reminders_ignored(s), reminders_ignored(s), marks, s->span_ms[SPAN_OUTAGE] / 1000.0);
		/* Empty cells where the watch did not run or heard nothing. */
		if (s->audio && !isnan(s->lufs))
			put(b, "%.1f", s->lufs);
		if (s->audio)
			put(b, ",%.1f,%llu", s->silent_s, s->clipped);
		else
			put(b, ",,");
		put(b, ",%.1f\n", s->span_ms[SPAN_STRUGGLE] / 1000.0);
	}
}

/* --- one page for the review meeting --- */

static void put_html(struct report_buf *b, const char *text)
{
	for (const char *t = text; *t; t++)
		switch (*t) {
		case '&': put(b, "&amp;"); break;
		case '<': put(b, "&lt;"); break;
		case '>': put(b, "&gt;"); break;
		case '"': put(b, "&quot;"); break;
		case '\'': put(b, "&#39;"); break;
		default: put(b, "%c", *t);
		}
}

static bool text_has_han(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		/* U+3400..U+9FFF (CJK ideographs) are E3 90 80 .. E9 BF BF. */
		if (*p >= 0xE3 && *p <= 0xE9 && (*p > 0xE3 || p[1] >= 0x90))
			return true;
	return false;
}

static bool review_has_han(const struct review *rv)
{
	if (text_has_han(rv->show))
		return true;
	for (int i = 0; i < rv->nseg; i++)
		if (text_has_han(rv->seg[i].title))
			return true;
	return false;
}

#define CHART_LEFT 260
#define CHART_WIDTH 900
#define ROW 26

static void write_html(struct report_buf *b, const struct review *rv)
{
	int64_t span = 0, planned_at = 0;
	int rows = 0, height;
	char a[32], c[32];

	/* The chart spans the plan and what really happened, whichever is longer. */
	for (int i = 0; i < rv->nseg; i++) {
		planned_at += rv->seg[i].planned;
		if (rv->seg[i].end_wall && rv->live_wall && rv->seg[i].end_wall - rv->live_wall > span)
			span = rv->seg[i].end_wall - rv->live_wall;
		rows += rv->seg[i].started || rv->seg[i].planned_known;
	}
	if (rv->end_wall && rv->live_wall && rv->end_wall - rv->live_wall > span)
		span = rv->end_wall - rv->live_wall;
	if (planned_at > span)
		span = planned_at;
	if (span <= 0)
		span = 1;
	/* The audio watch's alarms get a row of their own under the segments. */
	rows += rv->nalarms > 0;
	height = (rows + 2) * ROW;
	/* Chinese titles marked Chinese: under "en" Chromium draws the Han
	 * characters in their Japanese forms. */
	put(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n<title>Show report: ",
	    review_has_han(rv) ? "zh-Hans" : "en");
	put_html(b, rv->show);
	put(b, "</title>\n<style>\nbody{font-family:sans-serif;margin:2em;color:#222}\n"
	    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}\n"
	    "td.t{text-align:left}.planned{fill:#c8d4e8}.actual{fill:#4a7fc1}.over{fill:#d9534f}\n"
	    ".mark{stroke:#d9534f;stroke-width:2}.interaction{fill:#2a9d8f}.promo{stroke:#9b2fae;stroke-width:2}\n"
	    "text{font-size:12px}.skipped,.unreached{fill:#999}.silence{fill:#a0007a}.clip{fill:#f0a000}\n"
	    "</style></head><body>\n<h1>");
	put_html(b, *rv->show ? rv->show : "(untitled)");
	put(b, "</h1>\n<p>Started ");
	put_html(b, rv->started);
	put(b, ". Light bars: planned; dark: what happened (red past the plan); green dots: "
	    "interactions; purple ticks: promotion calls; red lines: marks; the audio row: the watch's alarms "
	    "(magenta: silence and the like, amber: clipping).</p>\n");
	put(b, "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\">\n", CHART_LEFT + CHART_WIDTH + 20, height, CHART_LEFT + CHART_WIDTH + 20,
	    height);
	planned_at = 0;
	for (int i = 0, row = 0; i < rv->nseg; i++) {
		const struct review_seg *s = &rv->seg[i];
		int y = (row + 1) * ROW;
		double x0 = CHART_LEFT + (double)planned_at * CHART_WIDTH / span;

		if (!s->started && !s->planned_known)
			continue;
		row++;
		put(b, "<g class=\"segment %s\" data-segment=\"%d\"><text x=\"4\" y=\"%d\" class=\"%s\">%d ",
		    seg_status(rv, i), i + 1, y + 14, seg_status(rv, i), i + 1);
		put_html(b, s->title);
		put(b, "</text>\n<rect class=\"planned\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"10\"/>\n", x0, y,
		    (double)s->planned * CHART_WIDTH / span);
		planned_at += s->planned;
		/* Each visit its own bar: a segment gone back to is two, not one
		 * from its first start to its last end. One still running reaches
		 * as far as the log does. */
		for (int r = 0; r < rv->nruns && rv->live_wall; r++) {
			const struct review_run *run = &rv->run[r];
			int64_t until;
			double ax, aw;

			if (run->seg != i)
				continue;
			until = run->end_wall ? run->end_wall : rv->end_wall ? rv->end_wall : rv->last_wall;
			ax = CHART_LEFT + (double)(run->start_wall - rv->live_wall) * CHART_WIDTH / span;
			aw = (double)(until - run->start_wall) * CHART_WIDTH / span;
			put(b, "<rect class=\"actual%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"10\"/>\n",
			    s->ended && diff_of(s) > 0 ? " over" : "", ax, y + 11, aw > 0 ? aw : 0);
		}
		put(b, "</g>\n");
		for (int d = 0; d < rv->ndots; d++) {
			double x = CHART_LEFT + (double)(rv->dot[d].wall - rv->live_wall) * CHART_WIDTH / span;

			if (rv->dot[d].seg != i)
				continue;
			if (rv->dot[d].interaction)
				put(b, "<circle class=\"interaction\" cx=\"%.1f\" cy=\"%d\" r=\"4\"/>\n", x, y + 16);
			else
				put(b, "<line class=\"promo\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>\n", x, x,
				    y + 9, y + 23);
		}
	}
	if (rv->nalarms && rv->live_wall) {
		int y = rows * ROW;

		put(b, "<g id=\"audio-alarms\"><text x=\"4\" y=\"%d\">audio 音频</text>\n", y + 14);
		for (int i = 0; i < rv->nalarms; i++) {
			const struct review_alarm *al = &rv->alarm[i];
			int64_t to = al->to ? al->to : rv->end_wall ? rv->end_wall : rv->last_wall;
			double x = CHART_LEFT + (double)(al->from - rv->live_wall) * CHART_WIDTH / span;
			double w = (double)(to - al->from) * CHART_WIDTH / span;

			put(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\"/>\n",
			    al->clipping ? "clip" : "silence", x, y + 4, w > 2 ? w : 2);
		}
		put(b, "</g>\n");
	}
	for (int m = 0; m < rv->nmarks; m++) {
		double x = CHART_LEFT + (double)(rv->mark[m].wall - rv->live_wall) * CHART_WIDTH / span;

		put(b, "<line class=\"mark\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"><title>+%s ", x, x,
		    ROW / 2, height - ROW / 2, fmt_dur(rv->mark[m].wall - rv->live_wall, false, a, sizeof(a)));
		put_html(b, rv->mark[m].word);
		put(b, "</title></line>\n");
	}
	put(b, "<text x=\"%d\" y=\"%d\">0:00</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
	    CHART_LEFT, height - 4, CHART_LEFT + CHART_WIDTH, height - 4, fmt_dur(span, false, c, sizeof(c)));
	put(b, "</svg>\n<h2>Segments</h2>\n<table id=\"segments\"><tr><th>#</th><th>Segment</th><th>Status</th>"
	    "<th>Planned</th><th>Actual</th><th>Diff</th><th>Holds</th><th>Held</th><th>Ext</th><th>Promo</th>"
	    "<th>Interactions</th><th>Reminders</th><th>By</th></tr>\n");
	for (int i = 0; i < rv->nseg; i++) {
		const struct review_seg *s = &rv->seg[i];

		if (!s->started && !s->planned_known)
			continue;
		put(b, "<tr><td>%d</td><td class=\"t\">", i + 1);
		put_html(b, s->title);
		put(b, "</td><td>%s</td><td>%s</td>", seg_status(rv, i), fmt_dur(s->planned, false, a, sizeof(a)));
		put(b, "<td>%s</td>", s->ended ? fmt_dur(s->actual, false, a, sizeof(a)) : "-");
		put(b, "<td>%s</td><td>%d</td>", s->ended ? fmt_dur(diff_of(s), true, c, sizeof(c)) : "-", s->holds);
		put(b, "<td>%s</td>", fmt_dur(s->held, false, a, sizeof(a)));
		put(b, "<td>%s</td>", fmt_dur(s->extended, true, a, sizeof(a)));
		put(b, "<td>%d/%d</td><td>%d done, %d missed</td><td>%d of %d acted on</td><td>", s->promo_calls,
		    s->promo_quota, s->interactions, s->missed, reminders_shown(s) - reminders_ignored(s),
		    reminders_shown(s));
		put_html(b, s->by);
		put(b, "</td></tr>\n");
	}
	put(b, "</table>\n");
	write_sections(&(struct out){ b, true }, rv);
	put(b, "</body></html>\n");
}

char *report_build(const char *text, size_t len, enum report_format format)
{
	struct review *rv = review_read(text, len);
	struct report_buf b = { 0 };

	if (!rv)
		return NULL;
	if (format == REPORT_CSV)
		write_csv(&b, rv);
	else if (format == REPORT_HTML)
		write_html(&b, rv);
	else
		write_text(&b, rv);
	free(rv->press);
	free(rv->overrides.text);
	free(rv->stream.text);
	free(rv->audio.text);
	free(rv);
	if (!b.text)
		put(&b, "%s", "");
	return b.text;
}

void report_summarize(const char *text, size_t len, struct report_summary *sum)
{
	struct review *rv = review_read(text, len);

	memset(sum, 0, sizeof(*sum));
	if (!rv)
		return;
	text_copy(sum->show, rv->show, sizeof(sum->show));
	sum->live_wall = rv->live_wall;
	sum->end_wall = rv->end_wall;
	sum->last_wall = rv->last_wall;
	sum->segments = rv->nrundown ? rv->nrundown : rv->nseg;
	for (int i = 0; i < rv->nseg; i++) {
		const struct review_seg *s = &rv->seg[i];

		sum->reached += s->started;
		/* Over by a second or more, as the review counts it. */
		sum->overruns += s->ended && diff_of(s) >= 1000;
		sum->interactions += s->interactions;
		sum->missed += s->missed;
		sum->promo_calls += s->promo_calls;
		if (s->started || s->planned_known)
			sum->promo_quota += s->promo_quota;
	}
	sum->messages = rv->nsaid;
	for (int i = 0; i < rv->nsaid; i++)
		sum->unacked += !rv->message[i].acked;
	free(rv->press);
	free(rv->overrides.text);
	free(rv->stream.text);
	free(rv->audio.text);
	free(rv);
}

void report_summary_times(const struct report_summary *s, char *live, size_t livelen, char *length,
			  size_t lengthlen)
{
	char wall[48];

	snprintf(live, livelen, "-");
	snprintf(length, lengthlen, "-");
	if (!s->live_wall)
		return;
	time_format_wall(s->live_wall, wall, sizeof(wall));
	wall[16] = '\0';	/* 2026-12-04T19:30 */
	wall[10] = ' ';
	snprintf(live, livelen, "%s", wall);
	duration_format((s->end_wall ? s->end_wall : s->last_wall) - s->live_wall, length, lengthlen);
}
