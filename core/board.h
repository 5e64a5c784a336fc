/* Boards are data: a pin map from functions (tally, cue_red, display_clk …)
 * to a GPIO chip and line, with active-low and bias. A config names a board
 * and its devices refer to lines by function. Chips are found by label and
 * lines by name, never by chip number, which changes between kernels. */
#ifndef ONAIR_BOARD_H
#define ONAIR_BOARD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define BOARD_MAX_LINES 64
#define BOARD_NAME_MAX 32

enum board_bias { BOARD_BIAS_AS_IS, BOARD_BIAS_DISABLE, BOARD_BIAS_PULL_UP, BOARD_BIAS_PULL_DOWN };

/* One GPIO line as a config or board writes it:
 * "[CHIP:]LINE [active-low|active-high] [pull-up|pull-down|bias-disable]". */
struct board_spec {
	char chip[BOARD_NAME_MAX];	/* label, name or /dev path; "" = any chip */
	char line[BOARD_NAME_MAX];	/* line name ("GPIO17") or offset ("17") */
	bool active_low;
	enum board_bias bias;
};

struct board_line {
	char function[BOARD_NAME_MAX];
	struct board_spec spec;
	int line;		/* in the board file, for messages */
};

struct board {
	char path[PATH_MAX];		/* "" when no board is configured */
	char name[BOARD_NAME_MAX];
	char description[128];
	char chip[BOARD_NAME_MAX];	/* default chip label for the lines */
	int nlines;
	struct board_line line[BOARD_MAX_LINES];
};

/* Read a board file; every error goes to d. 0 when valid. */
int board_load(struct board *b, const char *path, struct diag *d);
/* The same for text in memory (tests, fuzzing); path is for messages. */
int board_parse_text(struct board *b, const char *path, const char *text, size_t len,
		     struct diag *d);
/* Parse a line spec; -1 and a reason when it is not one. */
int board_spec_parse(const char *text, struct board_spec *spec, char *err, size_t errlen);
/* A device key's value: a function of the board (optionally followed by
 * flags that override the board's) or a line spec. A spec without a chip
 * gets default_chip if set, else the board's chip. -1 and a reason when
 * neither. b and default_chip may be NULL. */
int board_resolve(const struct board *b, const char *default_chip, const char *text,
		  struct board_spec *spec, char *err, size_t errlen);
/* "pinctrl-bcm2711:GPIO17 active-low pull-up", for messages and status. */
void board_spec_format(const struct board_spec *spec, char *buf, size_t len);
const char *board_bias_name(enum board_bias bias);

#endif
