/* GPI tally: the contact closures a switcher wires out of its GPI/tally
 * port (or a relay card on its outputs), one GPIO input a camera on
 * program and, optionally, one on preview. A closed contact is the
 * camera's state; the first edge counts at once and the line is read
 * again once it has been quiet for the debounce time, so a bouncing relay
 * gives one change and the level it settles on. A line that cannot be
 * read leaves its camera unknown, never off.
 *
 *   [source.gpi]
 *   type = gpi
 *   program = 1 | GPIO16 active-low pull-up   ; a line spec or a board function
 *   preview = 1 | GPIO26 active-low pull-up
 *   debounce_ms = 20 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "../../core/jsontext.h"
#include "../../core/log.h"
#include "../../core/loop.h"
#include "../../drivers/gpioline.h"
#include "source.h"

#define GPI_LINES 16
#define GPI_DEBOUNCE_MS 20

struct gpi_input {
	long long camera;
	bool preview;			/* else program */
	struct board_spec spec;
	struct gpioline *line;
	struct loop_watch *watch;
	struct gpi *gpi;
	int level;			/* 1 closed, 0 open, -1 unknown */
	int64_t quiet_until;		/* edges before this are bounce: read again then */
};

/* A section's own keys, parsed once. */
struct gpi_opts {
	int n;
	struct {
		long long camera;
		bool preview;
		struct board_spec spec;
	} in[GPI_LINES];
	int64_t debounce_ms;
};

struct gpi {
	const struct source_conf *conf;	/* the registry's copy, outlives this */
	void (*changed)(void *ctx);
	void *ctx;
	struct gpi_opts opts;
	struct gpi_input in[GPI_LINES];
	struct loop_timer *settle;
	uint64_t edges;
	char last_error[200];
};

#define BAD(...) do { if (d) diag_add(d, path, line, __VA_ARGS__); rc = -1; } while (0)

static int gpi_parse(const struct source_conf *c, const struct board *board, struct gpi_opts *o,
		     const char *path, struct diag *d)
{
	const char *chip = source_value(c, "chip", NULL);
	int rc = 0, line = c->line;

	memset(o, 0, sizeof(*o));
	o->debounce_ms = GPI_DEBOUNCE_MS;
	for (int i = 0; i < c->nkeys; i++) {
		const char *k = c->kv[i].key, *v = c->kv[i].value, *bar = strchr(v, '|');
		char num[24], spec[256], err[200];
		long long n;

		line = c->kv[i].line;
		if (strcmp(k, "debounce_ms") == 0) {
			if (!int_parse(v, 0, 1000, &n))
				BAD("[source.%s] debounce_ms must be 0 to 1000", c->name);
			else
				o->debounce_ms = n;
			continue;
		}
		if (strcmp(k, "program") != 0 && strcmp(k, "preview") != 0)
			continue;
		if (!bar || (size_t)(bar - v) >= sizeof(num)) {
			BAD("[source.%s] %s \"%s\" must be CAMERA | LINE (1 | GPIO16 active-low pull-up)", c->name, k, v);
			continue;
		}
		memcpy(num, v, (size_t)(bar - v));
		num[bar - v] = '\0';
		str_copy(spec, bar + 1, sizeof(spec));
		if (!int_parse(str_trim(num), 0, 65535, &n)) {
			BAD("[source.%s] %s \"%s\": the camera is 0 to 65535", c->name, k, v);
			continue;
		}
		if (o->n == GPI_LINES) {
			BAD("[source.%s]: at most %d lines", c->name, GPI_LINES);
			continue;
		}
		if (board_resolve(board, chip, str_trim(spec), &o->in[o->n].spec, err, sizeof(err)) < 0) {
			BAD("[source.%s] %s: %s", c->name, k, err);
			continue;
		}
		for (int j = 0; j < o->n; j++)
			if (o->in[j].camera == n && o->in[j].preview == (strcmp(k, "preview") == 0)) {
				BAD("[source.%s]: camera %lld has two %s lines", c->name, n, k);
				break;
			}
		o->in[o->n].camera = n;
		o->in[o->n].preview = strcmp(k, "preview") == 0;
		o->n++;
	}
	line = c->line;
	if (!o->n)
		BAD("[source.%s]: a GPI source needs a program = CAMERA | LINE line", c->name);
	return rc;
}

static void gpi_check(const struct source_conf *c, const struct board *board, const char *path,
		      struct diag *d)
{
	struct gpi_opts o;

	gpi_parse(c, board, &o, path, d);
}

static void gpi_dump(const struct source_conf *c, FILE *f)
{
	/* As written: a board function stays a function, not the line it
	 * resolves to on this board. */
	for (int i = 0; i < c->nkeys; i++)
		fprintf(f, "%s = %s\n", c->kv[i].key, c->kv[i].value);
	if (!source_value(c, "debounce_ms", NULL))
		fprintf(f, "debounce_ms = %d\n", GPI_DEBOUNCE_MS);
}

static void read_level(struct gpi_input *in)
{
	int v = gpioline_get(in->line);

	if (v < 0 && in->level >= 0) {
		snprintf(in->gpi->last_error, sizeof(in->gpi->last_error), "read %s: %s",
			 gpioline_describe(in->line), strerror(errno));
		log_warnx("source %s: %s: camera %lld is unknown", in->gpi->conf->name, in->gpi->last_error,
			  in->camera);
	}
	in->level = v < 0 ? -1 : v;
}

/* The lines quiet long enough are read again: the level they settled on. */
static void settle(void *data)
{
	struct gpi *g = data;
	int64_t now = time_mono_ms(), next = NEVER;
	bool changed = false;
	int before;

	for (int i = 0; i < g->opts.n; i++) {
		struct gpi_input *in = &g->in[i];

		if (!in->quiet_until)
			continue;
		if (now < in->quiet_until) {
			next = in->quiet_until < next ? in->quiet_until : next;
			continue;
		}
		before = in->level;
		in->quiet_until = 0;
		read_level(in);
		changed |= in->level != before;
	}
	loop_timer_arm(g->settle, next);
	if (changed)
		g->changed(g->ctx);
}

static void edge(int fd, uint32_t events, void *data)
{
	struct gpi_input *in = data;
	struct gpi *g = in->gpi;
	int64_t now = time_mono_ms(), ns;
	bool active, changed = false;
	int rc;

	(void)fd;
	(void)events;
	/* A bounded batch: a chattering contact cannot keep the loop here. */
	for (int i = 0; i < 64 && (rc = gpioline_event_read(in->line, &active, &ns)) > 0; i++) {
		g->edges++;
		if (in->quiet_until && now < in->quiet_until)
			continue;	/* bounce: the settle reads the level */
		changed |= in->level != (active ? 1 : 0);
		in->level = active ? 1 : 0;
		in->quiet_until = now + g->opts.debounce_ms;
	}
	loop_timer_arm(g->settle, now + g->opts.debounce_ms);
	if (changed)
		g->changed(g->ctx);
}

static void gpi_close(struct source_inst *inst)
{
	struct gpi *g = (struct gpi *)inst;

	for (int i = 0; i < g->opts.n; i++) {
		if (g->in[i].watch)
			loop_watch_remove(g->in[i].watch);
		if (g->in[i].line)
			gpioline_close(g->in[i].line);
	}
	if (g->settle)
		loop_timer_remove(g->settle);
	free(g);
}

static struct source_inst *gpi_open(const struct source_conf *c, const struct board *board,
				    void (*changed)(void *ctx), void *ctx)
{
	struct gpi *g = calloc(1, sizeof(*g));
	char consumer[48], err[200];

	if (!g) {
		log_warnx("source %s: out of memory", c->name);
		return NULL;
	}
	g->conf = c;
	g->changed = changed;
	g->ctx = ctx;
	if (gpi_parse(c, board, &g->opts, NULL, NULL) < 0) {
		free(g);
		return NULL;
	}
	g->settle = loop_timer_add(settle, g);
	snprintf(consumer, sizeof(consumer), "onair-%s", c->name);
	for (int i = 0; i < g->opts.n; i++) {
		struct gpi_input *in = &g->in[i];

		in->gpi = g;
		in->camera = g->opts.in[i].camera;
		in->preview = g->opts.in[i].preview;
		in->spec = g->opts.in[i].spec;
		in->level = -1;
		/* A line that cannot be had leaves its camera unknown; the others
		 * work. */
		if (!(in->line = gpioline_open(&in->spec, GPIOLINE_INPUT_EDGES, 0, consumer, err, sizeof(err)))) {
			snprintf(g->last_error, sizeof(g->last_error), "%s", err);
			log_warnx("source %s: camera %lld %s: %s: it is unknown", c->name, in->camera,
				  in->preview ? "preview" : "program", err);
			continue;
		}
		in->watch = loop_watch_add(gpioline_event_fd(in->line), EPOLLIN, edge, in);
		read_level(in);
	}
	log_info("source %s: GPI tally on %d line%s%s", c->name, g->opts.n, g->opts.n == 1 ? "" : "s",
		 c->camera >= 0 ? " (this box's tally follows its camera)" : "");
	return (struct source_inst *)g;
}

/* Program when its program contact is closed, else preview when its
 * preview contact is, else off; unknown while a line it needs cannot be
 * read. */
static enum cue_camera gpi_camera(const struct source_inst *inst, long long camera)
{
	const struct gpi *g = (const struct gpi *)inst;
	bool known = false, unknown = false, preview = false;

	for (int i = 0; i < g->opts.n; i++) {
		const struct gpi_input *in = &g->in[i];

		if (in->camera != camera)
			continue;
		known = true;
		if (in->level < 0) {
			unknown = true;
			continue;
		}
		if (in->level && !in->preview)
			return CUE_CAMERA_PROGRAM;
		preview |= in->level && in->preview;
	}
	if (!known || unknown)
		return CUE_CAMERA_UNKNOWN;
	return preview ? CUE_CAMERA_PREVIEW : CUE_CAMERA_OFF;
}

static bool gpi_present(const struct source_inst *inst)
{
	const struct gpi *g = (const struct gpi *)inst;

	for (int i = 0; i < g->opts.n; i++)
		if (g->in[i].level < 0)
			return false;
	return true;
}

static enum stream_fact gpi_stream(const struct source_inst *inst)
{
	(void)inst;
	return STREAM_NONE;
}

static const char *gpi_label(const struct source_inst *inst, long long camera)
{
	(void)inst;
	(void)camera;
	return "";
}

static void gpi_each_camera(const struct source_inst *inst, source_camera_fn fn, void *ctx)
{
	const struct gpi *g = (const struct gpi *)inst;

	for (int i = 0; i < g->opts.n; i++) {
		bool first = true;

		for (int j = 0; j < i; j++)
			first &= g->in[j].camera != g->in[i].camera;
		if (first)
			fn(ctx, g->in[i].camera, gpi_camera(inst, g->in[i].camera), "");
	}
}

static void gpi_status(const struct source_inst *inst, cJSON *j)
{
	const struct gpi *g = (const struct gpi *)inst;
	cJSON *tally = cJSON_AddObjectToObject(j, "tally"), *lines = cJSON_AddArrayToObject(j, "lines");
	char key[24], spec[96];

	cJSON_AddBoolToObject(j, "present", gpi_present(inst));
	for (int i = 0; i < g->opts.n; i++) {
		const struct gpi_input *in = &g->in[i];
		cJSON *l = cJSON_CreateObject();

		snprintf(key, sizeof(key), "%lld", in->camera);
		if (!cJSON_HasObjectItem(tally, key))
			json_add_text(tally, key, cue_camera_name(gpi_camera(inst, in->camera)));
		board_spec_format(&in->spec, spec, sizeof(spec));
		cJSON_AddNumberToObject(l, "camera", (double)in->camera);
		json_add_text(l, "means", in->preview ? "preview" : "program");
		json_add_text(l, "line", spec);
		json_add_text(l, "contact", in->level < 0 ? "unknown" : in->level ? "closed" : "open");
		cJSON_AddItemToArray(lines, l);
	}
	cJSON_AddNumberToObject(j, "edges", (double)g->edges);
	if (*g->last_error)
		json_add_text(j, "last_error", g->last_error);
}

static const char *const gpi_keys[] = { "program", "preview", "chip", "debounce_ms", NULL };
static const char *const gpi_repeatable[] = { "program", "preview", NULL };

const struct source_ops source_gpi_ops = {
	"gpi", gpi_keys, gpi_repeatable, gpi_check, gpi_dump, gpi_open, gpi_close, gpi_present, gpi_stream,
	gpi_camera, gpi_label, gpi_each_camera, gpi_status, NULL,
};
