/* Secrets (the MQTT password, the ops page's token, OBS's password) are
 * read one way: the file's first line, its mode checked, the same verdict
 * at start, at a reload and in --check. */
#ifndef ONAIR_SECRETS_H
#define ONAIR_SECRETS_H

#include <stddef.h>

#include "../core/util.h"

struct conf;

/* The secret in path, at least min and under max bytes (malloc'd), or
 * NULL with why. *warn says when others than the owner can read the file
 * ("" when not). */
char *secret_load(const char *path, size_t min, size_t max, char *why, size_t whylen, char *warn,
		  size_t warnlen);
/* Every secret the config names: what cannot be used into d, files others
 * can read into w. */
void secrets_check(const struct conf *c, struct diag *d, struct diag *w);

#define WEB_TOKEN_MIN 8
#define WEB_TOKEN_MAX 128

#endif
