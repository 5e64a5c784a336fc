/* onair as a tally hub: [output.NAME] sends each camera's verdict from
 * the tally sources as TSL UMD 3.1 (UDP) or 5.0 (UDP or TCP), on every
 * change and again every `refresh`. docs/sources.md. */
#ifndef ONAIR_TALLY_OUT_H
#define ONAIR_TALLY_OUT_H

#include <cJSON.h>

void tally_out_init(void);
void tally_out_fini(void);
/* "outputs": [{name, type, send, connected, cameras, packets, errors,
 * last_error}] for status; nothing when none is configured. */
void tally_out_status_json(cJSON *o);

#endif
