/* Show log writer and the report built from it. Each line goes to the
 * storage worker (store.c), which appends it whole or not at all and syncs
 * it before any answer that reports it goes out; a power cut loses at most
 * lines nobody was told about, and a line torn by one is closed off when
 * the log is opened again, so the next line is never glued onto it. */
#define _GNU_SOURCE
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "showlog.h"
#include "store.h"

int showlog_open(struct showlog *log, const char *state_dir, int64_t show_start_wall)
{
	char dir[PATH_MAX], stamp[32];
	time_t t = (time_t)(show_start_wall / 1000);
	struct tm tm;

	showlog_close(log);
	snprintf(dir, sizeof(dir), "%s/shows", state_dir);
	if (dir_create(dir, 0750) < 0)
		return -1;
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (snprintf(log->path, sizeof(log->path), "%s/show-%s.jsonl", dir, stamp) >=
	    (int)sizeof(log->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	log->fd = open(log->path, O_RDONLY | O_CREAT | O_CLOEXEC, 0640);
	if (log->fd < 0)
		return -1;
	log->torn = false;
	{
		off_t end = lseek(log->fd, 0, SEEK_END);
		char last;

		if (end > 0 && pread(log->fd, &last, 1, end - 1) == 1 && last != '\n') {
			/* A power cut in the middle of a line: end it, so the torn
			 * record stays a line of its own that readers skip. */
			log->torn = true;
			store_append(log->path, "\n", 1);
		}
	}
	return 0;
}

void showlog_close(struct showlog *log)
{
	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
}

static int showlog_write(struct showlog *log, cJSON *o, struct onair_time now)
{
	char stamp[48], *text;
	size_t len;

	time_format_wall(now.wall, stamp, sizeof(stamp));
	cJSON_AddStringToObject(o, "time", stamp);
	cJSON_AddNumberToObject(o, "wall_ms", (double)now.wall);
	cJSON_AddNumberToObject(o, "mono_ms", (double)now.mono);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return -1;
	if (log->fd < 0) {
		free(text);
		errno = EBADF;
		return -1;
	}
	len = strlen(text);
	text[len] = '\n'; /* replaces the NUL; cJSON's buffer has it */
	store_append(log->path, text, len + 1);
	free(text);
	return 0;
}

int showlog_event(struct showlog *log, const struct show_event *ev, const struct rundown *r,
		  const char *show_title, enum show_source src, const char *who, uint64_t seq,
		  struct onair_time now, cJSON *state)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", show_event_name(ev->kind));
	cJSON_AddNumberToObject(o, "seq", (double)seq);
	if (ev->seg >= 0 && ev->seg < r->count) {
		cJSON_AddNumberToObject(o, "segment", ev->seg + 1);
		cJSON_AddStringToObject(o, "title", r->seg[ev->seg].title);
		cJSON_AddNumberToObject(o, "planned_ms", (double)(ev->planned ? ev->planned
									      : r->seg[ev->seg].planned_ms));
	}
	if (ev->kind == SHOW_EV_PREROLL) {
		cJSON_AddStringToObject(o, "show", show_title);
		cJSON_AddNumberToObject(o, "segments", r->count);
	}
	cJSON_AddNumberToObject(o, "value_ms", (double)ev->value);
	cJSON_AddStringToObject(o, "source", show_source_name(src));
	cJSON_AddStringToObject(o, "who", who ? who : "");
	if (state)
		cJSON_AddItemToObject(o, "state", state);
	return showlog_write(log, o, now);
}

int showlog_rejected(struct showlog *log, const char *command, const char *reason,
		     enum show_source src, const char *who, struct onair_time now)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", "rejected");
	cJSON_AddStringToObject(o, "command", command);
	cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddStringToObject(o, "source", show_source_name(src));
	cJSON_AddStringToObject(o, "who", who ? who : "");
	return showlog_write(log, o, now);
}

int showlog_note(struct showlog *log, const char *what, const char *detail, struct onair_time now)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", what);
	cJSON_AddStringToObject(o, "detail", detail);
	return showlog_write(log, o, now);
}

/* --- report --- */

struct report_seg {
	bool seen;
	char title[RUNDOWN_TITLE_MAX];
	int64_t planned, actual, held, extended;
	int holds;
	char by[64];
};

struct report_buf {
	char *text;
	size_t len, cap;
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

static void put_padded(struct report_buf *b, const char *s, int width)
{
	int w = display_width(s);

	put(b, "%s%*s", s, w < width ? width - w : 0, "");
}

static const char *fmt_dur(int64_t ms, bool sign, char *buf, size_t len)
{
	char tmp[32];

	duration_format(ms, tmp, sizeof(tmp));
	snprintf(buf, len, "%s%s", sign && ms >= 0 ? "+" : "", tmp);
	return buf;
}

static const char *json_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* A duration from a log line; a hostile or damaged one (beyond a
 * century either way) counts as none, so sums cannot overflow. */
static int64_t json_ms(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) && v->valuedouble > -3.2e12 && v->valuedouble < 3.2e12
		       ? (int64_t)v->valuedouble : 0;
}

char *report_build(const char *text, size_t len, bool csv)
{
	static struct report_seg segs[RUNDOWN_MAX_SEGMENTS];
	struct report_buf b = { 0 }, presses = { 0 };
	const char *p = text, *end = text + len;
	char show[RUNDOWN_TITLE_MAX] = "", started[48] = "", a[32], c[32], d[32], e[32], f[32];
	int nseg = 0, bad = 0, over_count = 0;
	int64_t total_planned = 0, total_actual = 0, total_over = 0;

	memset(segs, 0, sizeof(segs));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		cJSON *o = cJSON_ParseWithLength(p, n);
		const char *ev, *src;
		int64_t seg;

		p += n + 1;
		if (!cJSON_IsObject(o)) {
			bad += n > 0;
			cJSON_Delete(o);
			continue;
		}
		ev = json_str(o, "event");
		src = json_str(o, "source");
		seg = json_ms(o, "segment") - 1;
		if (strcmp(ev, "preroll") == 0 || (!*started && strcmp(ev, "segment_start") == 0)) {
			str_copy(show, json_str(o, "show"), sizeof(show));
			str_copy(started, json_str(o, "time"), sizeof(started));
		}
		if (seg >= 0 && seg < RUNDOWN_MAX_SEGMENTS) {
			struct report_seg *s = &segs[seg];

			if (seg + 1 > nseg)
				nseg = (int)seg + 1;
			s->seen = true;
			if (*json_str(o, "title"))
				str_copy(s->title, json_str(o, "title"), sizeof(s->title));
			if (strcmp(ev, "segment_start") == 0) {
				if (!s->planned)
					s->planned = json_ms(o, "planned_ms");
				snprintf(s->by, sizeof(s->by), "%s", src);
			} else if (strcmp(ev, "segment_end") == 0) {
				/* The last end wins: "prev" reopens a segment. */
				s->actual = json_ms(o, "value_ms");
				s->planned = json_ms(o, "planned_ms") - s->extended;
			} else if (strcmp(ev, "hold") == 0) {
				s->holds++;
			} else if (strcmp(ev, "resume") == 0) {
				s->held += json_ms(o, "value_ms");
			} else if (strcmp(ev, "extend") == 0) {
				s->extended += json_ms(o, "value_ms");
			}
		}
		if (*src && strcmp(src, "timer") != 0) {
			const char *t = json_str(o, "time");
			char line[512];

			snprintf(line, sizeof(line), "%s,%s,%s,%s,%lld,%s\n", strlen(t) >= 19 ? t + 11 : t,
				 src, json_str(o, "who"), ev, (long long)(seg + 1),
				 strcmp(ev, "rejected") == 0 ? json_str(o, "reason") : "");
			put(&presses, "%s", line);
		}
		cJSON_Delete(o);
	}

	if (csv)
		put(&b, "segment,title,planned_s,actual_s,diff_s,holds,held_s,extended_s,started_by\n");
	else
		put(&b, "Show report: %s%s%s\n\n  #  %-28s %8s %8s %8s %5s %7s %7s  %s\n",
		    *show ? show : "(untitled)", *started ? ", started " : "", started,
		    "Segment", "Planned", "Actual", "Diff", "Holds", "Held", "Ext", "By");
	for (int i = 0; i < nseg; i++) {
		struct report_seg *s = &segs[i];
		int64_t diff;

		if (!s->seen)
			continue;
		diff = s->actual - (s->planned + s->extended);
		total_planned += s->planned;
		total_actual += s->actual;
		if (s->actual && diff > 0) {
			over_count++;
			total_over += diff;
		}
		if (csv) {
			char title[RUNDOWN_TITLE_MAX * 2 + 2], *q = title;

			/* A cell a spreadsheet would run as a formula (=, +, -, @,
			 * tab, return first) is made text with a leading quote, as
			 * OWASP's CSV-injection advice and the spreadsheets do. */
			if (strchr("=+-@\t\r", s->title[0]) && s->title[0])
				*q++ = '\'';
			for (const char *t = s->title; *t && q < title + sizeof(title) - 3; t++) {
				if (*t == '"')
					*q++ = '"';
				*q++ = *t;
			}
			*q = '\0';
			put(&b, "%d,\"%s\",%.1f,%.1f,%.1f,%d,%.1f,%.1f,%s\n", i + 1, title,
			    s->planned / 1000.0, s->actual / 1000.0, s->actual ? diff / 1000.0 : 0.0,
			    s->holds, s->held / 1000.0, s->extended / 1000.0, s->by);
			continue;
		}
		put(&b, "%3d  ", i + 1);
		put_padded(&b, s->title, 28);
		put(&b, " %8s %8s %8s %5d %7s %7s  %s\n", fmt_dur(s->planned, false, a, sizeof(a)),
		    s->actual ? fmt_dur(s->actual, false, c, sizeof(c)) : "-",
		    s->actual ? fmt_dur(diff, true, d, sizeof(d)) : "-", s->holds,
		    fmt_dur(s->held, false, e, sizeof(e)), fmt_dur(s->extended, true, f, sizeof(f)), s->by);
	}
	if (!csv) {
		put(&b, "\nTotal planned %s, actual %s; %d segment%s over, by %s in all\n",
		    fmt_dur(total_planned, false, a, sizeof(a)), fmt_dur(total_actual, false, c, sizeof(c)),
		    over_count, over_count == 1 ? "" : "s", fmt_dur(total_over, true, d, sizeof(d)));
		if (bad)
			put(&b, "(%d unreadable log line%s skipped)\n", bad, bad == 1 ? "" : "s");
		put(&b, "\nWho pressed what (time,source,who,event,segment,reason):\n%s",
		    presses.text ? presses.text : "(nothing)\n");
	}
	free(presses.text);
	if (!b.text)
		put(&b, "%s", "");
	return b.text;
}
