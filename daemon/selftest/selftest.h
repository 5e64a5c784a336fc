/* The pre-live checklist: each check a verdict, a one-line reason, a hint
 * the technician can act on, and what it measured. Building the list and
 * rendering it (a table for people, JSON for machines) are pure. */
#ifndef ONAIR_SELFTEST_H
#define ONAIR_SELFTEST_H

#include <stdbool.h>
#include <stdio.h>

enum selftest_verdict { SELFTEST_PASS, SELFTEST_WARN, SELFTEST_FAIL };

#define SELFTEST_MAX_CHECKS 48
#define SELFTEST_MAX_VALUES 16

struct selftest_value {
	char name[32];
	double number;		/* used when text is empty */
	char unit[12];
	char text[64];
};

struct selftest_check {
	char name[48];		/* "audio.capture", "device.lamps", "clock" */
	enum selftest_verdict verdict;
	char reason[160];
	char hint[160];		/* what to do about a WARN or FAIL */
	int nvalues;
	struct selftest_value value[SELFTEST_MAX_VALUES];
	double took_ms;
};

struct selftest {
	int count;
	struct selftest_check check[SELFTEST_MAX_CHECKS];
};

/* Add a check (NULL when the list is full); reason and hint are printf-style. */
struct selftest_check *selftest_add(struct selftest *t, const char *name, enum selftest_verdict v,
				    const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void selftest_number(struct selftest_check *c, const char *name, double value, const char *unit);
void selftest_text(struct selftest_check *c, const char *name, const char *text);
/* The worst verdict of all checks; PASS for an empty list. */
enum selftest_verdict selftest_verdict(const struct selftest *t);
const char *selftest_verdict_name(enum selftest_verdict v);
/* ✓/⚠/✗, aligned; colour only when asked (a terminal). */
void selftest_print(const struct selftest *t, FILE *f, bool colour);
/* {"verdict","node","time","checks":[{name,verdict,reason,hint,values{},took_ms}]} (malloc'd). */
char *selftest_json(const struct selftest *t, const char *node, const char *time);

#endif
