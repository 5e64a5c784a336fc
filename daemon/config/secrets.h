/* Every secret the config names, checked the one way they are read
 * (secret_load, core/util.h): the same verdict at start, at a reload and
 * in --check. */
#ifndef ONAIR_SECRETS_H
#define ONAIR_SECRETS_H

#include <stddef.h>

#include "../../core/util.h"

struct conf;

/* Every secret the config names: what cannot be used into d, files others
 * can read into w. */
void secrets_check(const struct conf *c, struct diag *d, struct diag *w);

#define WEB_TOKEN_MIN 8
#define WEB_TOKEN_MAX 128

#endif
