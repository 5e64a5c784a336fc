/* Tally sources: listeners for what a vision switcher says of each camera
 * (TSL UMD 3.1 over UDP, 5.0 over UDP or TCP), configured as
 * [source.NAME]. A box whose source names its camera shows that camera's
 * program/preview on its tally lamp. docs/sources.md. */
#ifndef ONAIR_SOURCES_H
#define ONAIR_SOURCES_H

#include <cJSON.h>

#include "../../core/cue.h"

/* Open every listener; a source that cannot listen is logged and left
 * out (the show runs on). */
void sources_init(void);
void sources_fini(void);
/* "sources": [{name, type, listen, present, tally: {"INDEX": "program"…},
 * camera, camera_tally}] for status. */
void sources_status_json(cJSON *o);
/* What the studio's state carries of the sources, bounded: "cameras":
 * {"INDEX": {tally, label}} (at most MQTTMSG_CAMERAS of them, each the
 * [tally] rule's verdict; a label only for a camera on program or
 * preview, cut on a character boundary) and the "stream". */
void sources_state_json(cJSON *o, int max_cameras, size_t label_max);
/* "stream_struggling" added to the screens' alarms while a source says
 * the stream it sends is struggling. */
void sources_alarms_json(cJSON *alarms);
/* "camera": {index, tally, text} for the anchor's screen when a source of
 * this box follows its camera (text: the switcher's label, or OBS's scene). */
void sources_camera_json(cJSON *o);

/* Every camera some source knows, with the verdict and its label. */
typedef void (*sources_camera_fn)(void *ctx, long long camera, enum cue_camera tally, const char *label);
void sources_each_verdict(sources_camera_fn fn, void *ctx);

#endif
