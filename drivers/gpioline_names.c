/* The names a chip has, for the message about a line it lacks (a Pi
 * whose kernel names its lines otherwise than the board file says). */
#include <stdio.h>
#include <string.h>

#include "gpioline.h"

#define NAMES_SHOWN 8

void gpioline_names(char *buf, size_t len, unsigned int count, gpioline_name_at name_at, void *ctx)
{
	size_t at = 0;
	unsigned int named = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < count && named < NAMES_SHOWN && at < len; i++) {
		const char *name = name_at(ctx, i);

		if (!name || !*name)
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s\"%s\"", named ? ", " : "", name);
		named++;
	}
	if (at >= len)
		return;
	if (!named)
		snprintf(buf + at, len - at, "none of its %u lines has a name", count);
	else
		snprintf(buf + at, len - at, "%s (%u lines)", named < count ? ", …" : "", count);
}
