/* A line reader for libinih's ini_parse_stream that counts lines, so every
 * error can say path:line (the Debian build hands its handler no line
 * number), and reports too-long lines instead of letting inih split them. */
#ifndef ONAIR_INIFILE_H
#define ONAIR_INIFILE_H

#include "util.h"

struct inifile {
	const char *path;
	struct diag *d;
	const char *p, *end;	/* the text still to read */
	int line;		/* the line just handed to inih */
	int section_line;	/* where the current [section] began */
};

/* ini_reader: stream must point to a struct inifile (or a struct that
 * starts with one). */
char *inifile_reader(char *str, int num, void *stream);

#endif
