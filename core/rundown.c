/* Rundown parsing. The CSV reader is written here rather than taken from
 * libcsv because errors must name the line a record starts on (records may
 * span lines inside quotes) and spreadsheet quirks (BOM, trailing empty rows,
 * ';' from European locales, GBK exports, ontime's title rows) need their
 * own handling. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rundown.h"

#define CSV_MAX_FIELDS 32
#define CSV_FIELD_MAX 2048
#define RUNDOWN_FILE_MAX (1024 * 1024)

enum rundown_column {
	COL_TITLE, COL_DURATION, COL_WRAPUP, COL_DANGER, COL_INTERACTION,
	COL_PROMO, COL_OVERRUN, COL_KIND, COL_NOTES, COL_SKIP, COL_COUNT
};

/* Header names accepted for each column, English and Chinese. */
static const char *const rundown_column_names[COL_COUNT][5] = {
	[COL_TITLE] = { "title", "标题", "环节", NULL },
	[COL_DURATION] = { "duration", "时长", "planned", NULL },
	[COL_WRAPUP] = { "wrapup", "wrap-up", "提醒", NULL },
	[COL_DANGER] = { "danger", "警告", NULL },
	[COL_INTERACTION] = { "interaction", "互动", NULL },
	[COL_PROMO] = { "promo", "促销", NULL },
	[COL_OVERRUN] = { "overrun", "超时", NULL },
	[COL_KIND] = { "kind", "类型", NULL },
	[COL_NOTES] = { "notes", "备注", "note", NULL },	/* "Note": ontime's export */
	[COL_SKIP] = { "skip?", "skip", "跳过", NULL },	/* "x": leave the row out */
};

static void segment_defaults(struct rundown_segment *s, int line)
{
	memset(s, 0, sizeof(*s));
	s->wrapup_ms = RUNDOWN_INHERIT;
	s->danger_ms = RUNDOWN_INHERIT;
	s->interaction_open_ms = s->interaction_close_ms = RUNDOWN_INHERIT;
	s->promo_ms = RUNDOWN_INHERIT;
	s->promo_min = s->promo_max = RUNDOWN_INHERIT;
	s->overrun_count = RUNDOWN_INHERIT;
	s->line = line;
}

/* A title or notes: what a team writes is kept whole; one that does not
 * fit is refused with its size, never cut. */
static bool text_set(char *field, size_t size, const char *value, const char *what,
		     const char *path, int line, struct diag *d)
{
	if (strlen(value) >= size) {
		diag_add(d, path, line, "%s is %zu bytes, over the %zu it may have (about %zu Chinese "
			 "characters): shorten it", what, strlen(value), size - 1, (size - 1) / 3);
		return false;
	}
	str_copy(field, value, size);
	return true;
}

/* Set one named property of a segment from text; false with a message. */
static bool segment_set(struct rundown_segment *s, enum rundown_column col, const char *value,
			const char *path, int line, struct diag *d)
{
	int64_t ms;

	switch (col) {
	case COL_TITLE:
		if (!*value) {
			diag_add(d, path, line, "segment title is empty");
			return false;
		}
		return text_set(s->title, sizeof(s->title), value, "segment title", path, line, d);
	case COL_DURATION:
		if (!duration_parse(value, false, &ms) || ms <= 0) {
			diag_add(d, path, line,
				 "duration \"%s\" is not a duration (m:ss, h:mm:ss or seconds, above 0)",
				 value);
			return false;
		}
		s->planned_ms = ms;
		return true;
	case COL_INTERACTION:
		if (!*value)
			return true;
		/* A moment alone keeps the older meaning; its window's length
		 * comes from the show's reminder time (RUNDOWN_INHERIT here). */
		if (!rundown_window_parse(value, RUNDOWN_INHERIT, &s->interaction_open_ms,
					  &s->interaction_close_ms)) {
			diag_add(d, path, line, "interaction \"%s\" is not a window (10:00-15:00) or a "
				 "duration (12:00)", value);
			return false;
		}
		return true;
	case COL_PROMO:
		if (!*value)
			return true;
		/* m:ss is the older "a reminder every N"; a count or range is a quota. */
		if (!strchr(value, ':')) {
			if (!rundown_quota_parse(value, &s->promo_min, &s->promo_max)) {
				diag_add(d, path, line, "promo \"%s\" is not a number of calls (3 or 3-5) "
					 "or an interval (m:ss)", value);
				return false;
			}
			s->promo_ms = 0;
			return true;
		}
		if (!duration_parse(value, false, &ms)) {
			diag_add(d, path, line, "promo \"%s\" is not a duration (m:ss)", value);
			return false;
		}
		s->promo_ms = ms;
		s->promo_min = s->promo_max = 0;
		return true;
	case COL_WRAPUP:
	case COL_DANGER:
		if (!*value)
			return true;
		if (!duration_parse(value, false, &ms)) {
			diag_add(d, path, line, "%s \"%s\" is not a duration (m:ss, h:mm:ss or seconds)",
				 rundown_column_names[col][0], value);
			return false;
		}
		if (col == COL_WRAPUP)
			s->wrapup_ms = ms;
		else
			s->danger_ms = ms;
		return true;
	case COL_OVERRUN:
		if (!*value)
			return true;
		if (strcasecmp(value, "count") == 0) {
			s->overrun_count = 1;
		} else if (strcasecmp(value, "stop") == 0) {
			s->overrun_count = 0;
		} else {
			diag_add(d, path, line, "overrun \"%s\" is not \"count\" or \"stop\"", value);
			return false;
		}
		return true;
	case COL_KIND:
		if (strlen(value) >= sizeof(s->kind)) {
			diag_add(d, path, line, "kind is longer than %zu bytes", sizeof(s->kind) - 1);
			return false;
		}
		/* One word: a kind with spaces or punctuation is a pasted
		 * sentence in the wrong column. */
		for (const unsigned char *p = (const unsigned char *)value; *p; p++)
			if (*p < 0x80 && !isalnum(*p) && *p != '-' && *p != '_') {
				diag_add(d, path, line, "kind \"%s\" must be one word (opening, product, "
					 "interaction, push, closing, or a label of your own)", value);
				return false;
			}
		str_copy(s->kind, value, sizeof(s->kind));
		s->kind_id = rundown_kind_parse(value);
		return true;
	case COL_NOTES:
		return text_set(s->notes, sizeof(s->notes), value, "notes", path, line, d);
	case COL_SKIP:
		return true;	/* read by the row loop */
	case COL_COUNT:
		break;
	}
	return false;
}

/* A cell's text: a control character is named as such (a spreadsheet
 * formula's CHAR(7), a pasted escape), bytes that are not UTF-8 point at
 * the export's encoding. */
static bool field_text(const char *value, const char *path, int line, int field, struct diag *d)
{
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7F) {
			diag_add(d, path, line, "field %d has a control character (0x%02x): remove it", field, *p);
			return false;
		}
	if (!utf8_wellformed(value, strlen(value))) {
		diag_add(d, path, line, "field %d is not valid UTF-8 "
			 "(save the spreadsheet as \"CSV UTF-8\", not GBK/ANSI)", field);
		return false;
	}
	return true;
}

static bool segment_check(const struct rundown_segment *s, const char *path, struct diag *d)
{
	if (s->wrapup_ms != RUNDOWN_INHERIT && s->danger_ms != RUNDOWN_INHERIT &&
	    s->danger_ms > s->wrapup_ms) {
		diag_add(d, path, s->line, "danger (%lld s) must not come before wrapup (%lld s)",
			 (long long)(s->danger_ms / 1000), (long long)(s->wrapup_ms / 1000));
		return false;
	}
	return true;
}

static int rundown_append(struct rundown *r, const struct rundown_segment *s, const char *path,
			  struct diag *d)
{
	if (r->count >= RUNDOWN_MAX_SEGMENTS) {
		diag_add(d, path, s->line, "too many segments (at most %d)", RUNDOWN_MAX_SEGMENTS);
		return -1;
	}
	r->seg[r->count++] = *s;
	return 0;
}

struct csv_reader {
	const char *p, *end;
	char sep;
	int line;		/* line the reader is on */
};

/* Read one record into fields; returns the number of fields, 0 at end,
 * -1 on an unterminated quote or an oversized record. */
static int csv_record(struct csv_reader *c, char fields[][CSV_FIELD_MAX], int *record_line,
		      bool *overflow)
{
	int n = 0;
	size_t len = 0;
	bool quoted = false, any = false;

	*overflow = false;
	*record_line = c->line;
	if (c->p >= c->end)
		return 0;
	fields[0][0] = '\0';
	while (c->p < c->end) {
		char ch = *c->p++;

		any = true;
		if (quoted) {
			if (ch == '"') {
				if (c->p < c->end && *c->p == '"') {
					c->p++;
				} else {
					quoted = false;
					continue;
				}
			}
			if (ch == '\n')
				c->line++;
		} else if (ch == '"' && len == 0) {
			quoted = true;
			continue;
		} else if (ch == c->sep) {
			if (n + 1 >= CSV_MAX_FIELDS) {
				*overflow = true;
				continue;
			}
			fields[n][len] = '\0';
			n++;
			len = 0;
			fields[n][0] = '\0';
			continue;
		} else if (ch == '\r' && c->p < c->end && *c->p == '\n') {
			continue;
		} else if (ch == '\n' || ch == '\r') {
			c->line++;
			break;
		}
		if (len + 1 < CSV_FIELD_MAX)
			fields[n][len++] = ch;
		else
			*overflow = true;
	}
	fields[n][len] = '\0';
	if (quoted)
		return -1;
	return any ? n + 1 : 0;
}

static char csv_guess_separator(const char *p, const char *end)
{
	int commas = 0, semis = 0, tabs = 0;
	bool quoted = false;

	for (; p < end && (quoted || (*p != '\n' && *p != '\r')); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == ',')
			commas++;
		else if (!quoted && *p == ';')
			semis++;
		else if (!quoted && *p == '\t')
			tabs++;
	}
	if (tabs > commas && tabs > semis)
		return '\t';
	if (semis > commas)
		return ';';
	return ',';
}

static int csv_column(const char *name)
{
	for (int col = 0; col < COL_COUNT; col++)
		for (int i = 0; rundown_column_names[col][i]; i++)
			if (strcasecmp(name, rundown_column_names[col][i]) == 0)
				return col;
	return -1;
}

/* A row marked to be skipped (ontime's "Skip?" column: "x"). */
static bool left_out(char fields[][CSV_FIELD_MAX], int n, const int *colmap)
{
	for (int i = 0; i < n; i++) {
		char value[16];

		if (colmap[i] != COL_SKIP)
			continue;
		str_copy(value, fields[i], sizeof(value));
		str_trim(value);
		if (strcasecmp(value, "x") == 0 || strcasecmp(value, "yes") == 0 ||
		    strcasecmp(value, "true") == 0 || strcmp(value, "1") == 0)
			return true;
	}
	return false;
}

/* Does this record name the columns a rundown needs? */
static bool header_row(char fields[][CSV_FIELD_MAX], int n)
{
	bool title = false, duration = false;

	for (int i = 0; i < n; i++) {
		char name[CSV_FIELD_MAX];
		int col;

		str_copy(name, fields[i], sizeof(name));
		col = csv_column(str_trim(name));
		title |= col == COL_TITLE;
		duration |= col == COL_DURATION;
	}
	return title && duration;
}

/* A spreadsheet saved as plain "CSV" on a Chinese Windows is GBK (GB18030
 * is its superset): turned into UTF-8 with glibc's iconv, NULL when it is
 * not that either. */
static char *from_gb18030(const char *data, size_t len, size_t *out_len)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	size_t cap = len * 2 + 4, left_in = len, left_out = cap;
	char *out, *in = (char *)data, *o;

	if (cd == (iconv_t)-1)
		return NULL;
	out = malloc(cap + 1);
	o = out;
	if (!out || iconv(cd, &in, &left_in, &o, &left_out) == (size_t)-1 || left_in) {
		free(out);
		iconv_close(cd);
		return NULL;
	}
	iconv_close(cd);
	*out_len = (size_t)(o - out);
	out[*out_len] = '\0';
	return out;
}

static int parse_csv_utf8(struct rundown *r, const char *path, const char *data, size_t len,
			  struct diag *d);

int rundown_parse_csv(struct rundown *r, const char *path, const char *data, size_t len,
		      struct diag *d)
{
	size_t converted_len;
	char *converted;
	int rc;

	if (memchr(data, '\0', len) || utf8_wellformed(data, len) ||
	    !(converted = from_gb18030(data, len, &converted_len)))
		return parse_csv_utf8(r, path, data, len, d);
	rc = parse_csv_utf8(r, path, converted, converted_len, d);
	free(converted);
	return rc;
}

static int parse_csv_utf8(struct rundown *r, const char *path, const char *data, size_t len,
			  struct diag *d)
{
	static char fields[CSV_MAX_FIELDS][CSV_FIELD_MAX];
	struct csv_reader c = { data, data + len, ',', 1 };
	int colmap[CSV_MAX_FIELDS], have[COL_COUNT];
	int nfields, line, errors_before = (int)d->count, rows = 0;
	bool overflow;

	/* A NUL byte would end a field unseen and cut a title silently. */
	{
		const char *nul = memchr(data, '\0', len);

		if (nul) {
			int at = 1;

			for (const char *q = data; q < nul; q++)
				at += *q == '\n';
			diag_add(d, path, at, "a NUL byte: this is not a text file (save the spreadsheet "
				 "as \"CSV UTF-8\")");
			return -1;
		}
	}
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		c.p += 3;
	c.sep = csv_guess_separator(c.p, c.end);

	nfields = csv_record(&c, fields, &line, &overflow);
	/* ontime's export opens with "Ontime · Rundown export" and up to two
	 * rows of project title and description before its header. */
	if (nfields > 0 && strncmp(str_trim(fields[0]), "Ontime", 6) == 0)
		for (int skipped = 0; skipped < 3 && nfields > 0 && !header_row(fields, nfields); skipped++)
			nfields = csv_record(&c, fields, &line, &overflow);
	if (nfields <= 0) {
		diag_add(d, path, 1, nfields < 0 ? "unterminated quote in the header row"
						 : "empty rundown: a header row is needed");
		return -1;
	}
	for (int col = 0; col < COL_COUNT; col++)
		have[col] = 0;
	for (int i = 0; i < CSV_MAX_FIELDS; i++)
		colmap[i] = -1;	/* a row may have more cells than the header */
	for (int i = 0; i < nfields; i++) {
		char *name = str_trim(fields[i]);

		colmap[i] = csv_column(name);
		if (colmap[i] >= 0) {
			if (have[colmap[i]])
				diag_add(d, path, line, "column \"%s\" appears twice", name);
			have[colmap[i]] = 1;
		}
	}
	if (!have[COL_TITLE] || !have[COL_DURATION]) {
		diag_add(d, path, line, "header row needs the columns \"title\" and \"duration\" "
			 "(or 标题 and 时长)");
		return -1;
	}

	for (;;) {
		struct rundown_segment s;
		bool blank = true, ok = true;

		nfields = csv_record(&c, fields, &line, &overflow);
		if (nfields == 0)
			break;
		if (nfields < 0) {
			diag_add(d, path, line, "unterminated quote: the record runs to the end of the file");
			break;
		}
		if (overflow)
			diag_add(d, path, line, "record has more than %d fields or a field over %d bytes",
				 CSV_MAX_FIELDS - 1, CSV_FIELD_MAX - 1);
		for (int i = 0; i < nfields; i++)
			if (*str_trim(fields[i]))
				blank = false;
		if (blank)
			continue; /* spreadsheets export trailing empty rows */
		segment_defaults(&s, line);
		if (left_out(fields, nfields, colmap))
			continue;
		for (int i = 0; i < nfields; i++) {
			char *value = str_trim(fields[i]);

			/* A cell may hold line breaks; a title or note is one line. */
			for (char *q = value; *q; q++)
				if (*q == '\n' || *q == '\r')
					*q = ' ';
			if (!field_text(value, path, line, i + 1, d)) {
				ok = false;
				continue;
			}
			if (colmap[i] >= 0 && !segment_set(&s, colmap[i], value, path, line, d))
				ok = false;
		}
		if (ok && !s.title[0]) {
			diag_add(d, path, line, "segment has no title");
			ok = false;
		}
		if (ok && s.planned_ms == 0) {
			diag_add(d, path, line, "segment \"%s\" has no duration", s.title);
			ok = false;
		}
		if (ok && segment_check(&s, path, d))
			rundown_append(r, &s, path, d);
		rows++;
	}
	if (rows == 0 && (int)d->count == errors_before)
		diag_add(d, path, 0, "rundown has a header row but no segments");
	return (int)d->count == errors_before ? 0 : -1;
}

int rundown_load_csv(struct rundown *r, const char *path, struct diag *d)
{
	size_t len;
	char *data = file_read(path, RUNDOWN_FILE_MAX, &len);
	int rc;

	if (!data) {
		diag_add(d, path, 0, "cannot read rundown: %s", strerror(errno));
		return -1;
	}
	rc = rundown_parse_csv(r, path, data, len, d);
	free(data);
	return rc;
}

int rundown_parse_segment(struct rundown *r, const char *value, const char *path, int line,
			  struct diag *d)
{
	char buf[1024], *save = NULL, *part;
	struct rundown_segment s;
	int index = 0, errors_before = (int)d->count;

	segment_defaults(&s, line);
	if (strlen(value) >= sizeof(buf)) {
		diag_add(d, path, line, "segment line is longer than %zu bytes", sizeof(buf) - 1);
		return -1;
	}
	str_copy(buf, value, sizeof(buf));
	for (part = strtok_r(buf, "|", &save); part; part = strtok_r(NULL, "|", &save), index++) {
		char *text = str_trim(part), *eq;
		int col;

		if (index == 0) {
			segment_set(&s, COL_DURATION, text, path, line, d);
			continue;
		}
		if (index == 1) {
			segment_set(&s, COL_TITLE, text, path, line, d);
			continue;
		}
		eq = strchr(text, '=');
		if (!eq) {
			diag_add(d, path, line, "\"%s\" is not key=value", text);
			continue;
		}
		*eq = '\0';
		col = csv_column(str_trim(text));
		if (col < 0 || col == COL_TITLE || col == COL_DURATION) {
			diag_add(d, path, line, "unknown segment setting \"%s\" (wrapup, danger, "
				 "interaction, promo, overrun, kind, notes)", text);
			continue;
		}
		segment_set(&s, col, str_trim(eq + 1), path, line, d);
	}
	if (index < 2) {
		diag_add(d, path, line, "segment needs \"DURATION | TITLE\"");
		return -1;
	}
	if ((int)d->count != errors_before || !segment_check(&s, path, d))
		return -1;
	return rundown_append(r, &s, path, d);
}

bool rundown_window_parse(const char *text, int64_t single_ms, int64_t *open_ms, int64_t *close_ms)
{
	char first[32];
	const char *dash = strchr(text, '-');
	int64_t open, close;

	if (!dash)
		return duration_parse(text, false, &open) &&
		       (*open_ms = open, *close_ms = open ? single_ms : 0, true);
	if ((size_t)(dash - text) >= sizeof(first))
		return false;
	memcpy(first, text, (size_t)(dash - text));
	first[dash - text] = '\0';
	if (!duration_parse(str_trim(first), false, &open) || !duration_parse(dash + 1, false, &close) ||
	    open <= 0 || close <= open)
		return false;
	*open_ms = open;
	*close_ms = close;
	return true;
}

bool rundown_quota_parse(const char *text, int *min, int *max)
{
	long long lo, hi;
	const char *dash = strchr(text, '-');
	char first[16];

	if (!dash) {
		if (!int_parse(text, 0, 100, &lo))
			return false;
		*min = *max = (int)lo;
		return true;
	}
	if ((size_t)(dash - text) >= sizeof(first))
		return false;
	memcpy(first, text, (size_t)(dash - text));
	first[dash - text] = '\0';
	if (!int_parse(str_trim(first), 1, 100, &lo) || !int_parse(dash + 1, 1, 100, &hi) || hi < lo)
		return false;
	*min = (int)lo;
	*max = (int)hi;
	return true;
}

static const struct {
	const char *en, *zh, *zh2;
} rundown_kinds[] = {
	[KIND_LABEL] = { "", "", "" },
	[KIND_OPENING] = { "opening", "开场", "开播" },
	[KIND_PRODUCT] = { "product", "产品", "讲品" },
	[KIND_INTERACTION] = { "interaction", "互动", "福利" },
	[KIND_PUSH] = { "push", "逼单", "促单" },
	[KIND_CLOSING] = { "closing", "收尾", "下播" },
};

enum rundown_kind rundown_kind_parse(const char *word)
{
	for (size_t i = 1; i < ARRAY_SIZE(rundown_kinds); i++)
		if (strcasecmp(word, rundown_kinds[i].en) == 0 || strcmp(word, rundown_kinds[i].zh) == 0 ||
		    strcmp(word, rundown_kinds[i].zh2) == 0)
			return (enum rundown_kind)i;
	return KIND_LABEL;
}

const char *rundown_kind_name(enum rundown_kind k)
{
	return rundown_kinds[k].en;
}

uint32_t rundown_hash(const struct rundown *r)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < r->count; i++) {
		for (const char *p = r->seg[i].title; *p; p++)
			h = (h ^ (uint8_t)*p) * 16777619u;
		for (int b = 0; b < 8; b++)
			h = (h ^ (uint8_t)(r->seg[i].planned_ms >> (b * 8))) * 16777619u;
	}
	return h;
}
