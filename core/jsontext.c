/* Valid UTF-8 into JSON (see jsontext.h). A follower refuses a state
 * that is not UTF-8, so one name cut mid-character would otherwise take
 * every box off its leader. */
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "util.h"

static cJSON *made(const char *text, cJSON *(*make)(const char *))
{
	size_t len = text ? strlen(text) : 0;
	char *clean;
	cJSON *item;

	if (!text || utf8_wellformed(text, len))
		return make(text ? text : "");
	if (!(clean = malloc(len + 1)))
		return NULL;
	utf8_copy(clean, text, len + 1);
	item = make(clean);
	free(clean);
	return item;
}

cJSON *json_text(const char *text)
{
	return made(text, cJSON_CreateString);
}

cJSON *json_add_text(cJSON *o, const char *name, const char *text)
{
	cJSON *item = json_text(text);

	if (!item)
		return NULL;
	if (!cJSON_AddItemToObject(o, name, item)) {
		cJSON_Delete(item);
		return NULL;
	}
	return item;
}
