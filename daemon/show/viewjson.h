/* The show view and the devices as JSON, the same fields wherever they are
 * read: the status answer, the MQTT state and node status. */
#ifndef ONAIR_VIEWJSON_H
#define ONAIR_VIEWJSON_H

#include <cJSON.h>
#include <stdbool.h>

#include "../../core/view.h"

/* name: the wall time as ISO 8601, or null for 0. */
void viewjson_time(cJSON *o, const char *name, int64_t wall);
/* The words a dashboard shows without computing them: title, next_title,
 * notes, cue, display. */
/* The show clock and the rhythm (show_end, expected_end, offset_ms, promo,
 * interaction, push). */
void viewjson_rhythm(cJSON *o, const struct show_view *v);
void viewjson_words(cJSON *o, const struct show_view *v);
/* The whole view as onairctl status --json has it (docs/control.md). */
void viewjson_status(cJSON *o, const struct show_view *v);
/* "devices": name, driver, present (and the description when asked). */
void viewjson_devices(cJSON *o, bool described);

#endif
