/* The tally sources' registry (see sources.h): one instance per
 * [source.NAME], of the kind its type names (source.h); the registry
 * combines what they say without knowing their kind: the stream's truth
 * from the first that tells a stream, a camera by the [tally] rule (any:
 * program if any source says program, then preview, then off; priority:
 * the first source in tally.order that knows the camera). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/jsontext.h"
#include "../../core/log.h"
#include "../../core/truth.h"
#include "../show/running.h"
#include "../sources/source_map.h"
#include "sources.h"

struct source {
	struct source_conf conf;	/* its own copy: a reload frees the config */
	const struct source_ops *ops;
	struct source_inst *inst;
	bool struggling;		/* as last written to the logs */
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
	int order[CONF_MAX_SOURCES];	/* indexes into src, the deciding one first */
	bool priority;			/* tally.rule = priority */
	struct truth truth;
	struct truth_note note[TRUTH_NOTES];
	int nnotes;
} s;

/* What the sources together say of a camera, and which one decided
 * (NULL when none knows it). */
struct verdict {
	enum cue_camera tally;
	const struct source *by;
};

static struct verdict verdict(long long camera)
{
	struct verdict v = { CUE_CAMERA_UNKNOWN, NULL };

	for (int k = 0; k < s.n; k++) {
		const struct source *src = s.src[s.order[k]];
		enum cue_camera t = src->ops->camera(src->inst, camera);

		if (t == CUE_CAMERA_UNKNOWN)
			continue;
		if (s.priority)
			return (struct verdict){ t, src };
		if (source_camera_combine(v.tally, t) != v.tally)
			v = (struct verdict){ t, src };
	}
	return v;
}

/* The camera's label from the source that decided, else from any. */
static const char *verdict_label(long long camera, const struct verdict *v)
{
	const char *label = v->by ? v->by->ops->label(v->by->inst, camera) : "";

	for (int k = 0; k < s.n && !*label; k++)
		label = s.src[s.order[k]]->ops->label(s.src[s.order[k]]->inst, camera);
	return label;
}

/* This box's camera ("camera =" of the first source that has one), or -1. */
static long long box_camera(void)
{
	for (int i = 0; i < s.n; i++)
		if (s.src[i]->conf.camera >= 0)
			return s.src[i]->conf.camera;
	return -1;
}

/* tally.order's sources first, the rest in the config's order. */
static void decide_order(void)
{
	char order[sizeof(running.conf->tally.order)], *save = NULL;
	bool placed[CONF_MAX_SOURCES] = { false };
	int n = 0;

	s.priority = strcmp(running.conf->tally.rule, "priority") == 0;
	str_copy(order, running.conf->tally.order, sizeof(order));
	for (char *name = strtok_r(order, " ,", &save); name; name = strtok_r(NULL, " ,", &save))
		for (int i = 0; i < s.n; i++)
			if (!placed[i] && strcmp(s.src[i]->conf.name, name) == 0) {
				placed[i] = true;
				s.order[n++] = i;
			}
	for (int i = 0; i < s.n; i++)
		if (!placed[i])
			s.order[n++] = i;
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
	if (box_camera() >= 0)
		cue_apply_camera(out, verdict(box_camera()).tally, &running.conf->cue, now);
}

/* A stream that began or stopped struggling, for the logs. */
static void health_now(struct onair_time now)
{
	for (int i = 0; i < s.n; i++) {
		struct source *src = s.src[i];
		char why[120], detail[160];
		bool struggling = src->ops->struggling && src->ops->struggling(src->inst, why, sizeof(why));

		if (struggling == src->struggling)
			continue;
		src->struggling = struggling;
		if (struggling) {
			snprintf(detail, sizeof(detail), "%s: %s", src->conf.name, why);
			log_warnx("stream: struggling (%s)", detail);
		} else {
			snprintf(detail, sizeof(detail), "%s", src->conf.name);
			log_info("stream: no longer struggling (%s)", detail);
		}
		note(struggling ? "stream_struggling" : "stream_struggling_end", detail, now);
	}
}

/* After the outputs: the truth's changes to the logs. */
static void sources_updated(struct onair_time now)
{
	if (!s.n)
		return;
	truth_now(now);
	health_now(now);
	for (int i = 0; i < s.nnotes; i++) {
		if (strcmp(s.note[i].what, "disagreement_end") == 0 || strcmp(s.note[i].what, "outage_end") == 0 ||
		    strncmp(s.note[i].what, "stream_struggling", 17) == 0)
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
	decide_order();
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

#define CAMERAS_SEEN_MAX 256

/* Every camera some source has said something of, each once. */
struct seen {
	long long camera[CAMERAS_SEEN_MAX];
	int n;
};

static void seen_add(void *ctx, long long camera, enum cue_camera tally, const char *label)
{
	struct seen *seen = ctx;

	(void)label;
	if (tally == CUE_CAMERA_UNKNOWN || seen->n >= CAMERAS_SEEN_MAX)
		return;
	for (int i = 0; i < seen->n; i++)
		if (seen->camera[i] == camera)
			return;
	seen->camera[seen->n++] = camera;
}

static void cameras_seen(struct seen *seen)
{
	seen->n = 0;
	for (int k = 0; k < s.n; k++)
		s.src[s.order[k]]->ops->each_camera(s.src[s.order[k]]->inst, seen_add, seen);
}

void sources_state_json(cJSON *o, int max_cameras, size_t label_max)
{
	cJSON *cameras = cJSON_AddObjectToObject(o, "cameras");
	struct seen seen;
	int n = 0;

	stream_json(o);
	cameras_seen(&seen);
	for (int i = 0; i < seen.n && n < max_cameras; i++) {
		struct verdict v = verdict(seen.camera[i]);
		const char *label = verdict_label(seen.camera[i], &v);
		char key[24], cut[256];
		cJSON *cam;

		if (v.tally == CUE_CAMERA_UNKNOWN)
			continue;
		snprintf(key, sizeof(key), "%lld", seen.camera[i]);
		cam = cJSON_AddObjectToObject(cameras, key);
		json_add_text(cam, "tally", cue_camera_name(v.tally));
		if (*label && (v.tally == CUE_CAMERA_PROGRAM || v.tally == CUE_CAMERA_PREVIEW)) {
			text_copy(cut, label, label_max < sizeof(cut) ? label_max : sizeof(cut));
			json_add_text(cam, "label", cut);
		}
		n++;
	}
}

void sources_status_json(cJSON *o)
{
	cJSON *list = cJSON_AddArrayToObject(o, "sources"), *tally, *cameras;
	struct seen seen;

	stream_json(o);
	for (int i = 0; i < s.n; i++) {
		const struct source *src = s.src[i];
		cJSON *j = cJSON_CreateObject();

		json_add_text(j, "name", src->conf.name);
		json_add_text(j, "type", src->conf.type);
		src->ops->status(src->inst, j);
		if (src->conf.camera >= 0) {
			/* What this source alone says; "tally" below is the verdict. */
			cJSON_AddNumberToObject(j, "camera", (double)src->conf.camera);
			json_add_text(j, "camera_tally",
				      cue_camera_name(src->ops->camera(src->inst, src->conf.camera)));
		}
		cJSON_AddItemToArray(list, j);
	}
	if (!s.n)
		return;
	/* Each camera as the lamps show it, and which source decided. */
	tally = cJSON_AddObjectToObject(o, "tally");
	json_add_text(tally, "rule", s.priority ? "priority" : "any");
	cameras = cJSON_AddObjectToObject(tally, "cameras");
	cameras_seen(&seen);
	if (box_camera() >= 0)
		seen_add(&seen, box_camera(), CUE_CAMERA_OFF, "");
	for (int i = 0; i < seen.n; i++) {
		struct verdict v = verdict(seen.camera[i]);
		char key[24];
		cJSON *cam;

		snprintf(key, sizeof(key), "%lld", seen.camera[i]);
		cam = cJSON_AddObjectToObject(cameras, key);
		json_add_text(cam, "tally", cue_camera_name(v.tally));
		if (v.by)
			json_add_text(cam, "by", v.by->conf.name);
	}
}

void sources_alarms_json(cJSON *alarms)
{
	char why[120];

	if (!cJSON_IsArray(alarms))
		return;
	for (int i = 0; i < s.n; i++)
		if (s.src[i]->ops->struggling && s.src[i]->ops->struggling(s.src[i]->inst, why, sizeof(why))) {
			cJSON_AddItemToArray(alarms, cJSON_CreateString("stream_struggling"));
			return;
		}
}

void sources_camera_json(cJSON *o)
{
	long long camera = box_camera();
	struct verdict v;
	const char *label;
	cJSON *cam;

	if (camera < 0)
		return;
	v = verdict(camera);
	cam = cJSON_AddObjectToObject(o, "camera");
	cJSON_AddNumberToObject(cam, "index", (double)camera);
	json_add_text(cam, "tally", cue_camera_name(v.tally));
	label = verdict_label(camera, &v);
	if (*label)
		json_add_text(cam, "text", label);
}

void sources_each_verdict(sources_camera_fn fn, void *ctx)
{
	struct seen seen;

	cameras_seen(&seen);
	for (int i = 0; i < seen.n; i++) {
		struct verdict v = verdict(seen.camera[i]);

		if (v.tally != CUE_CAMERA_UNKNOWN)
			fn(ctx, seen.camera[i], v.tally, verdict_label(seen.camera[i], &v));
	}
}
