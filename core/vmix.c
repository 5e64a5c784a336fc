/* vMix's TCP API, parsed (see vmix.h). */
#define _GNU_SOURCE
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vmix.h"

static const char *const act_names[VMIX_NACTS] = { "Streaming", "Recording", "External" };

struct vmix_xml {
	XML_Parser parser;
	int depth;
	bool on_path[4];		/* vmix, inputs, input: the path so far */
	char (*title)[VMIX_TITLE_MAX];	/* the titles being read */
	int ntitles;
	char failed[120];
};

const char *vmix_act_name(enum vmix_act a)
{
	return a < VMIX_NACTS ? act_names[a] : "?";
}

int vmix_init(struct vmix *v)
{
	memset(v, 0, sizeof(*v));
	for (int a = 0; a < VMIX_NACTS; a++)
		v->act[a] = -1;
	v->title = calloc(VMIX_INPUTS_MAX, sizeof(*v->title));
	return v->title ? 0 : -1;
}

static void xml_end(struct vmix *v)
{
	if (!v->xml)
		return;
	if (v->xml->parser)
		XML_ParserFree(v->xml->parser);
	free(v->xml->title);
	free(v->xml);
	v->xml = NULL;
}

void vmix_free(struct vmix *v)
{
	xml_end(v);
	free(v->title);
	v->title = NULL;
}

void vmix_reset(struct vmix *v)
{
	char (*title)[VMIX_TITLE_MAX] = v->title;
	void (*told)(void *, const char *) = v->malformed;
	void *ctx = v->ctx;

	xml_end(v);
	memset(v, 0, sizeof(*v));
	for (int a = 0; a < VMIX_NACTS; a++)
		v->act[a] = -1;
	v->title = title;
	v->malformed = told;
	v->ctx = ctx;
}

void vmix_sent(struct vmix *v, const char *command)
{
	str_copy(v->awaiting, command, sizeof(v->awaiting));
	/* "SUBSCRIBE TALLY" is answered "SUBSCRIBE OK TALLY": the first word. */
	v->awaiting[strcspn(v->awaiting, " ")] = '\0';
}

static void answered(struct vmix *v, const char *command)
{
	if (strcmp(v->awaiting, command) == 0)
		v->awaiting[0] = '\0';
}

/* What was wrong, as text a log and a page may carry (what came from vMix
 * is cut on a character and stripped of control bytes). */
static void malformed(struct vmix *v, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void malformed(struct vmix *v, char *err, size_t errlen, const char *fmt, ...)
{
	char said[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(said, sizeof(said), fmt, ap);
	va_end(ap);
	text_copy(v->last_error, said, sizeof(v->last_error));
	str_copy(err, v->last_error, errlen);
	v->bad_lines++;
	if (v->malformed)
		v->malformed(v->ctx, v->last_error);
}

static void XMLCALL xml_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	struct vmix_xml *x = data;
	static const char *const path[] = { "vmix", "inputs", "input" };
	bool on = x->depth < 3 && (x->depth == 0 || x->on_path[x->depth - 1]) &&
		  strcmp(name, path[x->depth]) == 0;

	if (x->depth < 3)
		x->on_path[x->depth] = on;
	x->depth++;
	if (!on || x->depth != 3)
		return;
	long long number = 0;
	const char *title = NULL;

	for (int i = 0; attrs[i] && attrs[i + 1]; i += 2) {
		if (strcmp(attrs[i], "number") == 0 && !int_parse(attrs[i + 1], 1, VMIX_INPUTS_MAX, &number))
			number = 0;
		else if (strcmp(attrs[i], "title") == 0)
			title = attrs[i + 1];
	}
	if (number && title) {
		text_copy(x->title[number - 1], title, VMIX_TITLE_MAX);
		if (number > x->ntitles)
			x->ntitles = (int)number;
	}
}

static void XMLCALL xml_stop(void *data, const XML_Char *name)
{
	struct vmix_xml *x = data;

	(void)name;
	x->depth--;
}

/* vMix's XML has no document type: one here could only be an attempt at
 * entity expansion. */
static void XMLCALL xml_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
				const XML_Char *pubid, int has_internal_subset)
{
	struct vmix_xml *x = data;

	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	str_copy(x->failed, "the XML has a document type (vMix's has none)", sizeof(x->failed));
	XML_StopParser(x->parser, XML_FALSE);
}

static void xml_begin(struct vmix *v)
{
	struct vmix_xml *x;

	xml_end(v);
	x = calloc(1, sizeof(*x));

	if (!x || !(x->title = calloc(VMIX_INPUTS_MAX, sizeof(*x->title))) ||
	    !(x->parser = XML_ParserCreate("UTF-8"))) {
		if (x)
			free(x->title);
		free(x);
		v->xml = NULL;	/* the data is skipped: titles stay as they were */
		return;
	}
	v->xml = x;
	XML_SetUserData(x->parser, x);
	XML_SetElementHandler(x->parser, xml_start, xml_stop);
	XML_SetStartDoctypeDeclHandler(x->parser, xml_doctype);
}

/* The last bytes of the XML came: its titles replace the last ones.
 * Returns 1 when a title changed. */
static int xml_finish(struct vmix *v, char *err, size_t errlen)
{
	struct vmix_xml *x = v->xml;
	int changed = 0;

	if (!x)
		return 0;
	if (!*x->failed && XML_Parse(x->parser, "", 0, XML_TRUE) == XML_STATUS_ERROR)
		snprintf(x->failed, sizeof(x->failed), "the XML is not well-formed (%s)",
			 XML_ErrorString(XML_GetErrorCode(x->parser)));
	if (*x->failed) {
		malformed(v, err, errlen, "%s", x->failed);
	} else {
		changed = x->ntitles != v->ntitles ||
			  memcmp(x->title, v->title, (size_t)x->ntitles * sizeof(*x->title)) != 0;
		memcpy(v->title, x->title, VMIX_INPUTS_MAX * sizeof(*x->title));
		v->ntitles = x->ntitles;
		v->have_xml = true;
	}
	xml_end(v);
	return changed;
}

static int tally_line(struct vmix *v, const char *digits, char *err, size_t errlen)
{
	size_t n = strlen(digits);

	if (n > VMIX_INPUTS_MAX || strspn(digits, "012") != n) {
		malformed(v, err, errlen, "a TALLY that is not one digit 0, 1 or 2 per input: \"%.60s\"", digits);
		return 0;
	}
	if (v->have_tally && (size_t)v->ninputs == n && memcmp(v->tally, digits, n) == 0)
		return 0;
	memcpy(v->tally, digits, n);
	v->tally[n] = '\0';
	v->ninputs = (int)n;
	v->have_tally = true;
	return 1;
}

/* "Streaming 1": an activator of ours and its value; others are ignored. */
static int acts_line(struct vmix *v, const char *text)
{
	for (int a = 0; a < VMIX_NACTS; a++) {
		size_t n = strlen(act_names[a]);
		signed char value;

		if (strncmp(text, act_names[a], n) != 0 || text[n] != ' ')
			continue;
		/* Values are 0 to 1 ("32bit floating point" for levels). */
		value = strtod(text + n + 1, NULL) >= 0.5 ? 1 : 0;
		if (v->act[a] == value)
			return 0;
		v->act[a] = value;
		return 1;
	}
	return 0;
}

static int one_line(struct vmix *v, char *line, char *err, size_t errlen)
{
	char *command = line, *status, *text, *end;
	unsigned long long length;

	if (!*line)
		return 0;	/* a blank line between replies: nothing said */
	if (!(status = strchr(line, ' '))) {
		malformed(v, err, errlen, "a line with no status: \"%.60s\"", line);
		return 0;
	}
	*status++ = '\0';
	text = status + strcspn(status, " ");
	if (*text)
		*text++ = '\0';
	if (strlen(command) >= sizeof(v->data_command)) {
		malformed(v, err, errlen, "an unknown reply \"%.60s\"", command);
		return 0;
	}
	if (strcmp(status, "ER") == 0) {
		answered(v, command);
		malformed(v, err, errlen, "vMix answered %s with an error: %.80s", command, text);
		return 0;
	}
	if (strcmp(status, "OK") != 0) {
		length = strtoull(status, &end, 10);
		if (*end || end == status || *status == '-') {
			malformed(v, err, errlen, "a reply whose status is not OK, ER or a length: \"%.60s\"", status);
			return 0;
		}
		v->data_left = (size_t)(length < SIZE_MAX ? length : SIZE_MAX);
		str_copy(v->data_command, command, sizeof(v->data_command));
		if (strcmp(command, "XML") == 0 && length > 0 && length <= VMIX_XML_MAX)
			xml_begin(v);
		if (v->data_left == 0)
			answered(v, command);
		return 0;
	}
	answered(v, command);
	if (strcmp(command, "VERSION") == 0) {
		text_copy(v->version, text, sizeof(v->version));
		return 0;
	}
	if (strcmp(command, "TALLY") == 0)
		return tally_line(v, text, err, errlen);
	if (strcmp(command, "ACTS") == 0)
		return acts_line(v, text);
	return 0;
}

/* Data after a length: the XML to expat, anything else skipped. */
static int data_bytes(struct vmix *v, const char **buf, size_t *len, char *err, size_t errlen)
{
	size_t n = *len < v->data_left ? *len : v->data_left;
	int changed = 0;

	if (v->xml && !*v->xml->failed &&
	    XML_Parse(v->xml->parser, *buf, (int)n, XML_FALSE) == XML_STATUS_ERROR && !*v->xml->failed)
		snprintf(v->xml->failed, sizeof(v->xml->failed), "the XML is not well-formed (%s)",
			 XML_ErrorString(XML_GetErrorCode(v->xml->parser)));
	*buf += n;
	*len -= n;
	v->data_left -= n;
	if (v->data_left == 0) {
		if (strcmp(v->data_command, "XML") == 0)
			changed = xml_finish(v, err, errlen);
		answered(v, v->data_command);
	}
	return changed;
}

int vmix_feed(struct vmix *v, const char *buf, size_t len, char *err, size_t errlen)
{
	int changed = 0;

	while (len) {
		const char *nl;
		size_t take;

		if (v->data_left) {
			changed |= data_bytes(v, &buf, &len, err, errlen);
			continue;
		}
		nl = memchr(buf, '\n', len);
		take = nl ? (size_t)(nl - buf) + 1 : len;
		if (!v->overlong && v->len + take <= sizeof(v->line)) {
			memcpy(v->line + v->len, buf, take);
			v->len += take;
		} else if (!v->overlong) {
			/* What fits, to show where the endless line began. */
			memcpy(v->line + v->len, buf, sizeof(v->line) - v->len);
			v->len = sizeof(v->line);
			v->overlong = true;
			v->line[v->len < sizeof(v->line) ? v->len : sizeof(v->line) - 1] = '\0';
			malformed(v, err, errlen, "a line longer than %d bytes, from \"%.60s\" on", VMIX_LINE_MAX,
				  v->line);
		}
		buf += take;
		len -= take;
		if (!nl)
			continue;
		if (!v->overlong) {
			size_t content = v->len - 1;

			if (content && v->line[content - 1] == '\r')
				content--;
			v->line[content] = '\0';
			if (strlen(v->line) != content)
				malformed(v, err, errlen, "a line with a NUL byte: \"%.60s\"", v->line);
			else
				changed |= one_line(v, v->line, err, errlen);
		}
		v->len = 0;
		v->overlong = false;
	}
	return changed;
}

char vmix_input_tally(const struct vmix *v, int input)
{
	if (!v->have_tally || input < 1 || input > v->ninputs)
		return 0;
	return v->tally[input - 1];
}

int vmix_input_numbered(const struct vmix *v, const char *title)
{
	for (int n = 0; n < v->ntitles; n++)
		if (strcmp(v->title[n], title) == 0)
			return n + 1;
	return 0;
}
