/* The recording GPIO stand-in's log (see fake_gpioline.c). */
#ifndef ONAIR_FAKE_GPIOLINE_H
#define ONAIR_FAKE_GPIOLINE_H

#define FAKE_WRITES_MAX 65536

struct fake_write {
	char line[32];
	int value;
};

extern struct fake_write fake_writes[FAKE_WRITES_MAX];
extern int fake_nwrites;

/* A chip on this line answers: while released (high) it reads low, as a
 * TM1637 pulls DIO low to acknowledge. NULL: reads give what was written. */
extern const char *fake_answering_line;

/* The last level written to line, -1 when none. */
int fake_level(const char *line);

#endif
