/* A tally source that is OBS Studio, through obs-websocket 5: one
 * connection in the daemon's loop, reconnecting with backoff. It reports
 * facts (streaming, recording, the program and preview scenes); the
 * sources module and the truth engine decide what the lamps show. */
#ifndef ONAIR_SOURCE_OBS_H
#define ONAIR_SOURCE_OBS_H

#include <cJSON.h>

#include "../core/cue.h"
#include "../core/truth.h"
#include "conf.h"

struct obs_source;

/* Start connecting; changed(ctx) is called whenever a fact changes
 * (OBS found or lost too). */
struct obs_source *obs_source_open(const struct source_conf *c, void (*changed)(void *ctx), void *ctx);
void obs_source_close(struct obs_source *o);
/* UNKNOWN while OBS is not connected and identified. */
enum stream_fact obs_source_stream(const struct obs_source *o);
bool obs_source_present(const struct obs_source *o);
/* Camera N (scene = N | NAME): program when its scene is on program,
 * preview when on preview (studio mode), else off; unknown without OBS. */
enum cue_camera obs_source_camera(const struct obs_source *o, long long camera);
/* streaming, recording, program_scene, preview_scene, tally {"N": …},
 * connect, last_error. */
void obs_source_status(const struct obs_source *o, cJSON *j);

#endif
