/* The tally sources' registry (see sources.h): one instance per
 * [source.NAME], of the kind its type names (source.h); the registry
 * combines what they say without knowing their kind: the stream's truth
 * from the first that tells a stream, a camera from the first that knows
 * it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/jsontext.h"
#include "../core/log.h"
#include "../core/truth.h"
#include "running.h"
#include "source.h"
#include "sources.h"

struct source {
	struct source_conf conf;	/* its own copy: a reload frees the config */
	const struct source_ops *ops;
	struct source_inst *inst;
};

/* A change of the truth, written after the outputs (outputs first,
 * storage after). */
struct truth_note {
	char what[24], detail[160];
	struct onair_time at;
};
#define TRUTH_NOTES 8

static struct {
	struct source *src[CONF_MAX_SOURCES];	/* each allocated: instances hold it */
	int n;
	struct truth truth;
	struct truth_note note[TRUTH_NOTES];
	int nnotes;
} s;

/* The camera this box is on, as the source says. */
static enum cue_camera camera_state(const struct source *src)
{
	return src->ops->camera(src->inst, src->conf.camera);
}

/* The stream as the first source that tells one says. */
static enum stream_fact stream_now(void)
{
	for (int i = 0; i < s.n; i++) {
		enum stream_fact f = s.src[i]->ops->stream(s.src[i]->inst);

		if (f != STREAM_NONE)
			return f;
	}
	return STREAM_NONE;
}

static void note(const char *what, const char *detail, struct onair_time now)
{
	if (s.nnotes < TRUTH_NOTES) {
		str_copy(s.note[s.nnotes].what, what, sizeof(s.note[0].what));
		str_copy(s.note[s.nnotes].detail, detail, sizeof(s.note[0].detail));
		s.note[s.nnotes++].at = now;
	}
}

static void truth_now(struct onair_time now)
{
	static const char *const meaning[] = {
		"", "the show is live and the stream is not", "the stream is live and the show is not",
	};
	struct truth_change ch;
	enum show_phase phase = running.show.phase;

	truth_update(&s.truth, &running.conf->truth, stream_now(), phase, now.mono, &ch);
	if (ch.ended != AGREE)
		note("disagreement_end", disagreement_name(ch.ended), now);
	if (ch.began != AGREE) {
		note("disagreement", disagreement_name(ch.began), now);
		log_warnx("stream: %s (%s)", meaning[ch.began], disagreement_name(ch.began));
	}
	if (ch.outage_began)
		note("outage", stream_fact_name(s.truth.stream), now);
	if (ch.outage_ended)
		note("outage_end", phase == SHOW_LIVE || phase == SHOW_HOLD ? "stream back" : "show off the air", now);
}

/* What the sources lay over the show: the stream's truth on ON AIR and
 * the cue light, then a camera box's tally. Looking changes nothing: the
 * truth is brought up to date on a copy here (a status query, a page's
 * fetch), and for good, with its notes, after each update
 * (sources_updated, at the same moment). */
static void sources_overlay(struct cue_output *out, struct onair_time now)
{
	struct truth_change ch;
	struct truth t = s.truth;
	int64_t next = truth_update(&t, &running.conf->truth, stream_now(), running.show.phase, now.mono, &ch);

	truth_apply(out, &t, &running.conf->truth, running.show.phase, &running.conf->cue, now);
	if (next < out->next)
		out->next = next;
	for (int i = 0; i < s.n; i++)
		if (s.src[i]->conf.camera >= 0) {
			cue_apply_camera(out, camera_state(s.src[i]), &running.conf->cue, now);
			return;
		}
}

/* After the outputs: the truth's changes to the logs. */
static void sources_updated(struct onair_time now)
{
	if (!s.n)
		return;
	truth_now(now);
	for (int i = 0; i < s.nnotes; i++) {
		if (strcmp(s.note[i].what, "disagreement_end") == 0 || strcmp(s.note[i].what, "outage_end") == 0)
			log_info("stream: %s (%s)", s.note[i].what, s.note[i].detail);
		else if (strcmp(s.note[i].what, "outage") == 0)
			log_warnx("stream: outage begins: the show is on the air and the stream is %s",
				  s.note[i].detail);
		if (running.log.fd >= 0 &&
		    showlog_note(&running.log, s.note[i].what, s.note[i].detail, s.note[i].at) < 0)
			log_warn("showlog: write %s", running.log.path);
	}
	s.nnotes = 0;
}

static void source_changed(void *ctx)
{
	(void)ctx;
	/* Outputs first (the overlay brings the truth up to date), then the
	 * studio's state, then the logs (the update hook). */
	running_publish();
}

/* A source of this config, opened, or NULL (logged) when it cannot be. */
static struct source *source_new(const struct source_conf *c)
{
	struct source *src;
	const struct source_ops *ops = source_kind(c->type);

	if (!ops) {
		log_warnx("source %s: type \"%s\" is not compiled in", c->name, c->type);
		return NULL;
	}
	if (!(src = calloc(1, sizeof(*src)))) {
		log_warnx("source %s: out of memory", c->name);
		return NULL;
	}
	src->conf = *c;
	src->ops = ops;
	if (!(src->inst = ops->open(&src->conf, *running.conf->board.path ? &running.conf->board : NULL,
				    source_changed, src))) {
		free(src);
		return NULL;
	}
	return src;
}

static void source_free(struct source *src)
{
	src->ops->close(src->inst);
	free(src);
}

static void hooks_follow_sources(void)
{
	running_set_sources(s.n ? sources_overlay : NULL);
}

/* Unchanged when everything but where it was written is the same. */
static bool same_source(const struct source_conf *a, const struct source_conf *b)
{
	if (strcmp(a->name, b->name) != 0 || strcmp(a->type, b->type) != 0 || a->camera != b->camera ||
	    a->nkeys != b->nkeys)
		return false;
	for (int i = 0; i < a->nkeys; i++)
		if (strcmp(a->kv[i].key, b->kv[i].key) != 0 || strcmp(a->kv[i].value, b->kv[i].value) != 0)
			return false;
	return true;
}

/* After a reload: unchanged sources keep their connections and what they
 * heard; changed and removed ones close, changed and new ones open. */
static void sources_reloaded(struct onair_time now)
{
	const struct conf *c = running.conf;
	bool kept[CONF_MAX_SOURCES] = { false };
	int n = 0, opened = 0, closed = 0;

	(void)now;
	for (int i = 0; i < s.n; i++) {
		struct source *src = s.src[i];
		int k;

		for (k = 0; k < c->nsources; k++)
			if (!kept[k] && same_source(&c->source[k], &src->conf))
				break;
		if (k < c->nsources) {
			kept[k] = true;
			s.src[n++] = src;
			continue;
		}
		log_info("reload: source %s closed (changed or removed)", src->conf.name);
		source_free(src);
		closed++;
	}
	s.n = n;
	for (int k = 0; k < c->nsources; k++) {
		struct source *src;

		if (kept[k] || !(src = source_new(&c->source[k])))
			continue;
		s.src[s.n++] = src;
		opened++;
	}
	if (opened || closed)
		log_info("reload: %d source%s kept, %d opened, %d closed", s.n - opened, s.n - opened == 1 ? "" : "s",
			 opened, closed);
	hooks_follow_sources();	/* the reload redraws every output next */
}

void sources_init(void)
{
	truth_init(&s.truth);
	s.nnotes = 0;
	s.n = 0;
	for (int i = 0; i < running.conf->nsources; i++) {
		struct source *src = source_new(&running.conf->source[i]);

		if (src)
			s.src[s.n++] = src;
	}
	hooks_follow_sources();
	running_observe(RUNNING_UPDATED, sources_updated);
	running_observe(RUNNING_RELOADED, sources_reloaded);
}

void sources_fini(void)
{
	running_set_sources(NULL);
	running_unobserve(RUNNING_UPDATED, sources_updated);
	running_unobserve(RUNNING_RELOADED, sources_reloaded);
	for (int i = 0; i < s.n; i++)
		source_free(s.src[i]);
	s.n = 0;
}

static void stream_json(cJSON *o)
{
	cJSON *st;

	if (stream_now() == STREAM_NONE)
		return;
	st = cJSON_AddObjectToObject(o, "stream");
	json_add_text(st, "onair", onair_mode_name(running.conf->truth.mode));
	json_add_text(st, "state", stream_fact_name(s.truth.stream));
	json_add_text(st, "disagreement", disagreement_name(s.truth.shown));
	cJSON_AddBoolToObject(st, "outage", s.truth.outage_since != 0);
}

struct cameras {
	cJSON *obj;
	int n, max;
	size_t label_max;
};

/* One camera into "cameras", unless a source before has named it or the
 * object is full. */
static void camera_entry(void *ctx, long long index, enum cue_camera tally, const char *label)
{
	struct cameras *c = ctx;
	char key[24], cut[256];
	cJSON *cam;

	snprintf(key, sizeof(key), "%lld", index);
	if (c->n >= c->max || tally == CUE_CAMERA_UNKNOWN || cJSON_HasObjectItem(c->obj, key))
		return;
	cam = cJSON_AddObjectToObject(c->obj, key);
	json_add_text(cam, "tally", cue_camera_name(tally));
	if (label && *label && (tally == CUE_CAMERA_PROGRAM || tally == CUE_CAMERA_PREVIEW)) {
		text_copy(cut, label, c->label_max < sizeof(cut) ? c->label_max : sizeof(cut));
		json_add_text(cam, "label", cut);
	}
	c->n++;
}

void sources_state_json(cJSON *o, int max_cameras, size_t label_max)
{
	struct cameras c = { cJSON_AddObjectToObject(o, "cameras"), 0, max_cameras, label_max };

	stream_json(o);
	for (int i = 0; i < s.n; i++)
		s.src[i]->ops->each_camera(s.src[i]->inst, camera_entry, &c);
}

void sources_status_json(cJSON *o)
{
	cJSON *list = cJSON_AddArrayToObject(o, "sources");

	stream_json(o);
	for (int i = 0; i < s.n; i++) {
		const struct source *src = s.src[i];
		cJSON *j = cJSON_CreateObject();

		json_add_text(j, "name", src->conf.name);
		json_add_text(j, "type", src->conf.type);
		src->ops->status(src->inst, j);
		if (src->conf.camera >= 0) {
			cJSON_AddNumberToObject(j, "camera", (double)src->conf.camera);
			json_add_text(j, "camera_tally", cue_camera_name(camera_state(src)));
		}
		cJSON_AddItemToArray(list, j);
	}
}

void sources_camera_json(cJSON *o)
{
	for (int i = 0; i < s.n; i++) {
		const struct source *src = s.src[i];
		const char *label;
		cJSON *cam;

		if (src->conf.camera < 0)
			continue;
		cam = cJSON_AddObjectToObject(o, "camera");
		cJSON_AddNumberToObject(cam, "index", (double)src->conf.camera);
		json_add_text(cam, "tally", cue_camera_name(camera_state(src)));
		label = src->ops->label(src->inst, src->conf.camera);
		if (*label)
			json_add_text(cam, "text", label);
		return;
	}
}
