/* Checklist building and rendering (see selftest.h). */
#include <cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "selftest.h"
#include "../../core/util.h"
#include "../../core/jsontext.h"

static const char *const verdict_names[] = { "PASS", "WARN", "FAIL" };

const char *selftest_verdict_name(enum selftest_verdict v)
{
	return verdict_names[v];
}

struct selftest_check *selftest_add(struct selftest *t, const char *name, enum selftest_verdict v,
				    const char *hint, const char *fmt, ...)
{
	struct selftest_check *c;
	va_list ap;

	if (t->count == SELFTEST_MAX_CHECKS)
		return NULL;
	c = &t->check[t->count++];
	memset(c, 0, sizeof(*c));
	str_copy(c->name, name, sizeof(c->name));
	c->verdict = v;
	str_copy(c->hint, v == SELFTEST_PASS || !hint ? "" : hint, sizeof(c->hint));
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	return c;
}

void selftest_number(struct selftest_check *c, const char *name, double value, const char *unit)
{
	struct selftest_value *v;

	if (!c || c->nvalues == SELFTEST_MAX_VALUES)
		return;
	v = &c->value[c->nvalues++];
	memset(v, 0, sizeof(*v));
	str_copy(v->name, name, sizeof(v->name));
	str_copy(v->unit, unit ? unit : "", sizeof(v->unit));
	v->number = value;
}

void selftest_text(struct selftest_check *c, const char *name, const char *text)
{
	if (!c || c->nvalues == SELFTEST_MAX_VALUES)
		return;
	selftest_number(c, name, 0, NULL);
	str_copy(c->value[c->nvalues - 1].text, text, sizeof(c->value[0].text));
}

enum selftest_verdict selftest_verdict(const struct selftest *t)
{
	enum selftest_verdict v = SELFTEST_PASS;

	for (int i = 0; i < t->count; i++)
		if (t->check[i].verdict > v)
			v = t->check[i].verdict;
	return v;
}

void selftest_print(const struct selftest *t, FILE *f, bool colour)
{
	static const char *const marks[] = { "✓", "⚠", "✗" };
	static const char *const colours[] = { "\033[32m", "\033[33m", "\033[31m" };
	int width = 0, counts[3] = { 0 };

	for (int i = 0; i < t->count; i++)
		if ((int)strlen(t->check[i].name) > width)
			width = (int)strlen(t->check[i].name);
	for (int i = 0; i < t->count; i++) {
		const struct selftest_check *c = &t->check[i];

		counts[c->verdict]++;
		fprintf(f, "%s%s %-4s%s  %-*s  %s\n", colour ? colours[c->verdict] : "", marks[c->verdict],
			verdict_names[c->verdict], colour ? "\033[0m" : "", width, c->name, c->reason);
		if (*c->hint)
			fprintf(f, "%*s→ %s\n", width + 9, "", c->hint);
	}
	fprintf(f, "%s: %d passed, %d warnings, %d failed\n",
		selftest_verdict(t) == SELFTEST_FAIL	  ? "NOT READY"
		: selftest_verdict(t) == SELFTEST_WARN ? "READY WITH WARNINGS"
							 : "READY",
		counts[0], counts[1], counts[2]);
}

char *selftest_json(const struct selftest *t, const char *node, const char *time)
{
	cJSON *o = cJSON_CreateObject(), *checks;
	char *text;

	json_add_text(o, "verdict", verdict_names[selftest_verdict(t)]);
	json_add_text(o, "node", node);
	json_add_text(o, "time", time);
	json_add_text(o, "rms_convention", "AES17");
	checks = cJSON_AddArrayToObject(o, "checks");
	for (int i = 0; i < t->count; i++) {
		const struct selftest_check *c = &t->check[i];
		cJSON *j = cJSON_CreateObject(), *values = cJSON_CreateObject();

		json_add_text(j, "name", c->name);
		json_add_text(j, "verdict", verdict_names[c->verdict]);
		json_add_text(j, "reason", c->reason);
		if (*c->hint)
			json_add_text(j, "hint", c->hint);
		for (int v = 0; v < c->nvalues; v++) {
			const struct selftest_value *val = &c->value[v];

			if (*val->text)
				json_add_text(values, val->name, val->text);
			else if (isfinite(val->number))
				cJSON_AddNumberToObject(values, val->name, val->number);
			else
				cJSON_AddNullToObject(values, val->name);	/* -inf dBFS: digital silence */
		}
		cJSON_AddItemToObject(j, "values", values);
		cJSON_AddNumberToObject(j, "took_ms", c->took_ms);
		cJSON_AddItemToArray(checks, j);
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}
