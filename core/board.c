/* Board files and GPIO line specs (see board.h). */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "inifile.h"

#define BOARD_FILE_MAX (64 * 1024)

struct board_ctx {
	struct inifile in;	/* first: the line reader is handed this struct */
	struct board *b;
	bool seen_name, seen_chip, seen_description;
	int reported_section;	/* an unknown section is reported once, at its header */
};

static const char *const bias_names[] = {
	[BOARD_BIAS_AS_IS] = "as-is",
	[BOARD_BIAS_DISABLE] = "bias-disable",
	[BOARD_BIAS_PULL_UP] = "pull-up",
	[BOARD_BIAS_PULL_DOWN] = "pull-down",
};

const char *board_bias_name(enum board_bias bias)
{
	return bias_names[bias];
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

static bool name_ok(const char *s, size_t len)
{
	if (len == 0 || len >= BOARD_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > '~')
			return false;
	return true;
}

/* Apply flag words to spec; -1 on a word that is not a flag. */
static int spec_flags(char *words, struct board_spec *spec, char *err, size_t errlen)
{
	char *save = NULL;
	bool polarity = false, bias = false;

	for (char *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (strcmp(w, "active-low") == 0 || strcmp(w, "active-high") == 0) {
			if (polarity)
				BAD("\"%s\": active-low/active-high given twice", w);
			polarity = true;
			spec->active_low = w[7] == 'l';
			continue;
		}
		int i;

		for (i = BOARD_BIAS_DISABLE; i <= BOARD_BIAS_PULL_DOWN; i++)
			if (strcmp(w, bias_names[i]) == 0)
				break;
		if (i > BOARD_BIAS_PULL_DOWN)
			BAD("unknown line flag \"%.32s\" (active-low, active-high, pull-up, pull-down or "
			    "bias-disable)", w);
		if (bias)
			BAD("\"%s\": more than one of pull-up, pull-down, bias-disable", w);
		bias = true;
		spec->bias = (enum board_bias)i;
	}
	return 0;
}

/* Split "first rest…" into the first word and the rest. */
static int split_first(const char *text, char *first, size_t flen, char *rest, size_t rlen)
{
	size_t n;

	while (*text == ' ' || *text == '\t')
		text++;
	n = strcspn(text, " \t");
	if (n == 0 || n >= flen)
		return -1;
	memcpy(first, text, n);
	first[n] = '\0';
	str_copy(rest, text + n, rlen);
	return 0;
}

int board_spec_parse(const char *text, struct board_spec *spec, char *err, size_t errlen)
{
	char first[2 * BOARD_NAME_MAX], rest[256], *colon;

	memset(spec, 0, sizeof(*spec));
	if (split_first(text, first, sizeof(first), rest, sizeof(rest)) < 0)
		BAD("expected a GPIO line: [CHIP:]LINE [active-low] [pull-up|pull-down]");
	colon = strrchr(first, ':');
	if (colon) {
		*colon = '\0';
		if (!name_ok(first, strlen(first)))
			BAD("chip name \"%.40s\" is empty or too long", first);
		str_copy(spec->chip, first, sizeof(spec->chip));
		colon++;
	} else {
		colon = first;
	}
	if (!name_ok(colon, strlen(colon)))
		BAD("line name \"%.40s\" is empty or longer than %d bytes", colon, BOARD_NAME_MAX - 1);
	str_copy(spec->line, colon, sizeof(spec->line));
	return spec_flags(rest, spec, err, errlen);
}

int board_resolve(const struct board *b, const char *default_chip, const char *text,
		  struct board_spec *spec, char *err, size_t errlen)
{
	char first[2 * BOARD_NAME_MAX], rest[256];

	if (b && split_first(text, first, sizeof(first), rest, sizeof(rest)) == 0) {
		for (int i = 0; i < b->nlines; i++) {
			if (strcmp(b->line[i].function, first) != 0)
				continue;
			*spec = b->line[i].spec;
			return spec_flags(rest, spec, err, errlen);
		}
	}
	if (board_spec_parse(text, spec, err, errlen) < 0)
		return -1;
	if (!*spec->chip && default_chip)
		str_copy(spec->chip, default_chip, sizeof(spec->chip));
	else if (!*spec->chip && b)
		str_copy(spec->chip, b->chip, sizeof(spec->chip));
	return 0;
}

void board_spec_format(const struct board_spec *spec, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s", spec->chip, *spec->chip ? ":" : "", spec->line,
		 spec->active_low ? " active-low" : "", spec->bias ? " " : "",
		 spec->bias ? bias_names[spec->bias] : "");
}

static int board_handler(void *user, const char *section, const char *name, const char *value)
{
	struct board_ctx *x = user;
	struct board *b = x->b;
	char err[160];

	if (!name)
		return 1;	/* a bare [section] line */
	if (strcmp(section, "board") == 0) {
		bool *seen = strcmp(name, "name") == 0	      ? &x->seen_name
			     : strcmp(name, "chip") == 0      ? &x->seen_chip
			     : strcmp(name, "description") == 0 ? &x->seen_description
							      : NULL;
		if (!seen) {
			diag_add(x->in.d, x->in.path, x->in.line,
				 "unknown key \"%s\" in [board] (name, description, chip)", name);
			return 1;
		}
		if (*seen)
			diag_add(x->in.d, x->in.path, x->in.line, "duplicate key \"%s\"", name);
		*seen = true;
		if (seen == &x->seen_description) {
			str_copy(b->description, value, sizeof(b->description));
		} else if (!name_ok(value, strlen(value))) {
			diag_add(x->in.d, x->in.path, x->in.line,
				 "board.%s must be 1 to %d printable bytes without spaces", name,
				 BOARD_NAME_MAX - 1);
		} else {
			str_copy(seen == &x->seen_name ? b->name : b->chip, value, BOARD_NAME_MAX);
		}
		return 1;
	}
	if (strcmp(section, "lines") != 0) {
		if (x->reported_section != x->in.section_line)
			diag_add(x->in.d, x->in.path, x->in.section_line,
				 "unknown section [%s] (board, lines)", section);
		x->reported_section = x->in.section_line;
		return 1;
	}
	if (!name_ok(name, strlen(name))) {
		diag_add(x->in.d, x->in.path, x->in.line, "function name \"%.40s\" is too long", name);
		return 1;
	}
	for (int i = 0; i < b->nlines; i++) {
		if (strcmp(b->line[i].function, name) == 0) {
			diag_add(x->in.d, x->in.path, x->in.line,
				 "function \"%s\" is already mapped on line %d", name, b->line[i].line);
			return 1;
		}
	}
	if (b->nlines == BOARD_MAX_LINES) {
		diag_add(x->in.d, x->in.path, x->in.line, "too many lines (at most %d)", BOARD_MAX_LINES);
		return 1;
	}
	struct board_line *l = &b->line[b->nlines];

	if (board_spec_parse(value, &l->spec, err, sizeof(err)) < 0) {
		diag_add(x->in.d, x->in.path, x->in.line, "%s: %s", name, err);
		return 1;
	}
	str_copy(l->function, name, sizeof(l->function));
	l->line = x->in.line;
	b->nlines++;
	return 1;
}

int board_parse_text(struct board *b, const char *path, const char *text, size_t len,
		     struct diag *d)
{
	struct board_ctx x = { .in = { .path = path, .d = d, .p = text, .end = text + len }, .b = b };
	size_t before = d->count;

	memset(b, 0, sizeof(*b));
	str_copy(b->path, path, sizeof(b->path));
	ini_parse_stream(inifile_reader, &x, board_handler, &x);
	if (!x.seen_name)
		diag_add(d, path, 0, "board has no [board] name");
	for (int i = 0; i < b->nlines; i++)
		if (!*b->line[i].spec.chip)
			str_copy(b->line[i].spec.chip, b->chip, sizeof(b->line[i].spec.chip));
	return d->count == before ? 0 : -1;
}

int board_load(struct board *b, const char *path, struct diag *d)
{
	size_t len;
	char *text = file_read(path, BOARD_FILE_MAX, &len);
	int rc;

	if (!text) {
		memset(b, 0, sizeof(*b));
		diag_add(d, path, 0, "cannot read board file: %s", strerror(errno));
		return -1;
	}
	rc = board_parse_text(b, path, text, len, d);
	free(text);
	return rc;
}
