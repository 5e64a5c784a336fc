/* Text into JSON that is always valid UTF-8, whatever a buffer was cut
 * to or a peer sent: every string the daemon writes (status, the studio's
 * state, the pages, the show log) goes through here. */
#ifndef ONAIR_JSONTEXT_H
#define ONAIR_JSONTEXT_H

#include <cJSON.h>

/* cJSON_AddStringToObject, with malformed UTF-8 left out of the copy. */
cJSON *json_add_text(cJSON *o, const char *name, const char *text);
/* cJSON_CreateString, likewise. */
cJSON *json_text(const char *text);

#endif
