/* The audio watch in the running daemon: audio.capture read through ALSA's
 * poll descriptors in the one loop, judged by watch.c while the show is
 * live, said in the show log, the status and the screens. A card that
 * vanishes, overruns or stops delivering is said at once and reopened by
 * itself; the show goes on. docs/watch.md. */
#ifndef ONAIR_AUDIOWATCH_H
#define ONAIR_AUDIOWATCH_H

#include <cJSON.h>

void audiowatch_init(void);
void audiowatch_fini(void);
/* The self-test takes the card for its window: the watch lets go of it
 * and takes it back after (a hw: device has one reader). */
void audiowatch_pause(void);
void audiowatch_resume(void);
/* "audio_watch": {input, device, levels, loudness, alarms, counters} for
 * status. */
void audiowatch_status_json(cJSON *o);
/* "alarms": the alarms on now, by name, for the screens ([] when none). */
void audiowatch_alarms_json(cJSON *o);

#endif
