/* The switcher kinds' shared input mapping (see source_map.h). */
#include <string.h>

#include "../../core/jsontext.h"
#include "source_map.h"

int source_map_add(struct source_maps *m, const char *value, long long number_min, long long number_max,
		   size_t name_max, char *why, size_t whylen)
{
	const char *bar = strchr(value, '|');
	char num[24], what[256], *w;
	long long camera, number = -1;

	if (!bar || (size_t)(bar - value) >= sizeof(num)) {
		snprintf(why, whylen, "must be CAMERA | INPUT NUMBER or NAME (2 | 3, or 2 | Camera 2)");
		return -1;
	}
	memcpy(num, value, (size_t)(bar - value));
	num[bar - value] = '\0';
	str_copy(what, bar + 1, sizeof(what));
	w = str_trim(what);
	if (!int_parse(str_trim(num), 0, 65535, &camera) || !*w || strlen(w) >= name_max) {
		snprintf(why, whylen, "the camera is 0 to 65535 and the input a number or a name of 1 to %zu bytes",
			 name_max - 1);
		return -1;
	}
	if (m->n >= SOURCE_MAPS_MAX) {
		snprintf(why, whylen, "at most %d inputs", SOURCE_MAPS_MAX);
		return -1;
	}
	/* Digits are the input's number. */
	if (strspn(w, "0123456789") == strlen(w) && !int_parse(w, number_min, number_max, &number)) {
		snprintf(why, whylen, "inputs are numbered %lld to %lld", number_min, number_max);
		return -1;
	}
	m->map[m->n].camera = camera;
	m->map[m->n].number = number;
	str_copy(m->map[m->n++].name, number >= 0 ? "" : w, sizeof(m->map[0].name));
	return 0;
}

void source_map_dump(const struct source_maps *m, FILE *f)
{
	for (int k = 0; k < m->n; k++)
		if (m->map[k].number >= 0)
			fprintf(f, "input = %lld | %lld\n", m->map[k].camera, m->map[k].number);
		else
			fprintf(f, "input = %lld | %s\n", m->map[k].camera, m->map[k].name);
}

enum cue_camera source_camera_combine(enum cue_camera so_far, enum cue_camera next)
{
	if (next == CUE_CAMERA_PROGRAM || (next == CUE_CAMERA_PREVIEW && so_far != CUE_CAMERA_PROGRAM) ||
	    (next == CUE_CAMERA_OFF && so_far == CUE_CAMERA_UNKNOWN))
		return next;
	return so_far;
}

void source_map_each_camera(const struct source_maps *m, void (*fn)(void *ctx, long long camera), void *ctx)
{
	for (int k = 0; k < m->n; k++) {
		bool seen = false;

		for (int j = 0; j < k && !seen; j++)
			seen = m->map[j].camera == m->map[k].camera;
		if (!seen)
			fn(ctx, m->map[k].camera);
	}
}

static void tally_entry(void *ctx, long long camera, enum cue_camera t, const char *label)
{
	cJSON *tally = ctx;
	char key[24];

	(void)label;
	snprintf(key, sizeof(key), "%lld", camera);
	if (t != CUE_CAMERA_UNKNOWN && t != CUE_CAMERA_OFF && !cJSON_GetObjectItemCaseSensitive(tally, key))
		json_add_text(tally, key, cue_camera_name(t));
}

void source_tally_json(cJSON *j, const struct source_inst *inst,
		       void (*each_camera)(const struct source_inst *s, source_camera_fn fn, void *ctx))
{
	each_camera(inst, tally_entry, cJSON_AddObjectToObject(j, "tally"));
}
