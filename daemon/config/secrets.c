/* Secrets read one way (see secrets.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "secrets.h"
#include "../sources/source.h"

static void check_one(const char *what, const char *path, size_t min, size_t max, const char *cpath,
		      struct diag *d, struct diag *w)
{
	char why[PATH_MAX + 96], warn[PATH_MAX + 96], *text;

	if (!*path)
		return;
	if (!(text = secret_load(path, min, max, why, sizeof(why), warn, sizeof(warn)))) {
		diag_add(d, cpath, 0, "%s: %s", what, why);
		return;
	}
	if (*warn)
		diag_add(w, cpath, 0, "%s: %s", what, warn);
	free(text);
}

void secrets_check(const struct conf *c, struct diag *d, struct diag *w)
{
	check_one("web.token_file", c->web.token_file, WEB_TOKEN_MIN, WEB_TOKEN_MAX, c->path, d, w);
	check_one("mqtt.password_file", c->mqtt.password_file, 1, 4096, c->path, d, w);
	for (int i = 0; i < c->nsources; i++) {
		const char *file = source_value(&c->source[i], "password_file", NULL);
		char what[64];

		if (!file || !source_kind(c->source[i].type))
			continue;
		snprintf(what, sizeof(what), "[source.%s] password_file", c->source[i].name);
		check_one(what, file, 1, 4096, c->path, d, w);
	}
	for (int i = 0; i < c->nalerts; i++) {
		char what[64];

		snprintf(what, sizeof(what), "[alert.%s] url_file", c->alert[i].name);
		check_one(what, c->alert[i].url_file, 8, 2048, c->path, d, w);
		snprintf(what, sizeof(what), "[alert.%s] secret_file", c->alert[i].name);
		check_one(what, c->alert[i].secret_file, 1, 4096, c->path, d, w);
	}
}
