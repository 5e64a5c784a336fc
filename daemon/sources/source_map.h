/* What the switcher kinds that name their inputs share (vMix, ATEM):
 * "input = CAMERA | NUMBER or NAME" lines saying which camera is which
 * input, the rule a camera on several inputs follows, and the "tally"
 * object of a source's status. Parsed once, into the kind's options. */
#ifndef ONAIR_SOURCE_MAP_H
#define ONAIR_SOURCE_MAP_H

#include "source.h"

#define SOURCE_MAPS_MAX 32
#define SOURCE_MAP_NAME_MAX 128

struct source_maps {
	int n;
	struct {
		long long camera;
		long long number;		/* -1: by name */
		char name[SOURCE_MAP_NAME_MAX];
	} map[SOURCE_MAPS_MAX];
};

/* One "CAMERA | NUMBER or NAME" line into m (digits are a number within
 * [number_min, number_max], anything else a name of at most name_max - 1
 * bytes): 0, or -1 and why (the caller adds the section and line). */
int source_map_add(struct source_maps *m, const char *value, long long number_min, long long number_max,
		   size_t name_max, char *why, size_t whylen);
/* Each line back as "input = CAMERA | NUMBER or NAME". */
void source_map_dump(const struct source_maps *m, FILE *f);
/* What a camera on several inputs is: program when any is, then preview,
 * then off; unknown only when none is known. */
enum cue_camera source_camera_combine(enum cue_camera so_far, enum cue_camera next);
/* The cameras each names once: fn for each distinct camera in order. */
void source_map_each_camera(const struct source_maps *m, void (*fn)(void *ctx, long long camera), void *ctx);
/* "tally": {"CAMERA": "program"|"preview"} of what each_camera reports,
 * as a TSL source writes its indexes (off and unknown left out). */
void source_tally_json(cJSON *j, const struct source_inst *inst,
		       void (*each_camera)(const struct source_inst *s, source_camera_fn fn, void *ctx));

#endif
