/* A recording stand-in behind drivers/gpioline.h, for unit tests of the
 * render paths: every level a driver writes is kept in order, by line
 * name. The qemu bench is the proof on real kernel lines (gpio-sim); this
 * lets a unit test decode what a driver would have put on the wire. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/gpioline.h"
#include "fake_gpioline.h"

struct fake_write fake_writes[FAKE_WRITES_MAX];
int fake_nwrites;
const char *fake_answering_line;

struct gpioline {
	char name[BOARD_NAME_MAX];
	int value;
	char describe[BOARD_NAME_MAX + 16];
};

static void record(const char *name, int value)
{
	if (fake_nwrites < FAKE_WRITES_MAX) {
		snprintf(fake_writes[fake_nwrites].line, sizeof(fake_writes[0].line), "%s", name);
		fake_writes[fake_nwrites++].value = value;
	}
}

struct gpioline *gpioline_open(const struct board_spec *spec, enum gpioline_mode mode, int initial,
			       const char *consumer, char *err, size_t errlen)
{
	struct gpioline *l = calloc(1, sizeof(*l));

	(void)consumer;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(l->name, sizeof(l->name), "%s", spec->line);
	snprintf(l->describe, sizeof(l->describe), "fake line %s", spec->line);
	l->value = initial;
	if (mode != GPIOLINE_INPUT_EDGES)
		record(l->name, initial);
	return l;
}

/* Every line a board names is there: the lookup's messages are tested on
 * real lines in the qemu bench. */
int gpioline_probe(const struct board_spec *spec, char *err, size_t errlen)
{
	(void)spec;
	(void)err;
	(void)errlen;
	return 0;
}

int gpioline_set_debounce(struct gpioline *l, unsigned int us)
{
	(void)l;
	(void)us;
	return 0;
}

int gpioline_set(struct gpioline *l, int value)
{
	l->value = value;
	record(l->name, value);
	return 0;
}

int gpioline_get(struct gpioline *l)
{
	if (fake_answering_line && strcmp(l->name, fake_answering_line) == 0)
		return 0;
	return l->value;
}

int gpioline_event_fd(const struct gpioline *l)
{
	(void)l;
	return -1;
}

int gpioline_event_read(struct gpioline *l, bool *active, int64_t *mono_ns)
{
	(void)l, (void)active, (void)mono_ns;
	return 0;
}

const char *gpioline_describe(const struct gpioline *l)
{
	return l->describe;
}

void gpioline_close(struct gpioline *l)
{
	free(l);
}

int fake_level(const char *line)
{
	for (int i = fake_nwrites - 1; i >= 0; i--)
		if (strcmp(fake_writes[i].line, line) == 0)
			return fake_writes[i].value;
	return -1;
}
