/* The tally source interface: one file per kind of source (a switcher's
 * protocol, OBS, a contact closure), each exporting one const struct
 * source_ops. An instance owns what it keeps (the registry hands it a
 * copy of its section that lives as long as the instance) and reports
 * facts; the registry (sources.c) combines them without knowing the kind.
 * Adding a kind is its file, its row in sources.c's table and its tests. */
#ifndef ONAIR_SOURCE_H
#define ONAIR_SOURCE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include "../../core/cue.h"
#include "../../core/truth.h"
#include "../../core/board.h"
#include "../../core/util.h"

#define SOURCE_KEYS_MAX 40
/* A [source.NAME] section: the registry's own keys (type, camera) parsed,
 * the rest as written, for the kind the type names to parse into its own
 * options. The config (conf.h) holds these; the kinds below it read them. */
struct source_conf {
	char name[32];
	char type[16];			/* as written; "" when missing */
	long long camera;		/* the index whose tally this box's lamp shows; -1 none */
	int line;			/* the [source.NAME] header */
	int nkeys;
	struct {
		char key[32];
		char value[256];
		int line;
	} kv[SOURCE_KEYS_MAX];
};

struct source_inst;	/* a kind's own per-instance state */

/* A camera the instance knows, with its label ("" when none). */
typedef void (*source_camera_fn)(void *ctx, long long camera, enum cue_camera tally, const char *label);

struct source_ops {
	const char *type;		/* as [source.NAME] type = names it */
	const char *const *keys;	/* its own keys besides type and camera */
	const char *const *repeatable;	/* keys written once a line (scene =); NULL: none */
	/* Parse the section into the kind's own options and throw them away
	 * (--check and the config's load): every problem as path:line. */
	void (*check)(const struct source_conf *c, const struct board *board, const char *path, struct diag *d);
	/* The section as it is in effect, defaults filled in (--dump-config). */
	void (*dump)(const struct source_conf *c, FILE *f);
	/* Parse the section (check passed) and start listening or connecting;
	 * NULL (logged) when it cannot. c outlives the instance; board (NULL
	 * without one) only the call. changed(ctx)
	 * is called after any fact that a lamp or the studio's state may show
	 * has changed. */
	struct source_inst *(*open)(const struct source_conf *c, const struct board *board,
				    void (*changed)(void *ctx), void *ctx);
	void (*close)(struct source_inst *s);
	/* Heard from the switcher (or connected and answered) now. */
	bool (*present)(const struct source_inst *s);
	/* The stream as it tells it; STREAM_NONE for a kind that does not. */
	enum stream_fact (*stream)(const struct source_inst *s);
	/* What it says of one camera: unknown when it has not said. */
	enum cue_camera (*camera)(const struct source_inst *s, long long camera);
	/* The switcher's label for a camera, "" when none. */
	const char *(*label)(const struct source_inst *s, long long camera);
	/* Every camera it has said something of. */
	void (*each_camera)(const struct source_inst *s, source_camera_fn fn, void *ctx);
	/* Its own fields for status (the registry writes name, type, camera). */
	void (*status)(const struct source_inst *s, cJSON *j);
	/* The stream it sends is struggling (frames dropped, congestion),
	 * with why; NULL (left out) for a kind that cannot tell. */
	bool (*struggling)(const struct source_inst *s, char *why, size_t len);
};

extern const struct source_ops source_tsl31_ops;
extern const struct source_ops source_tsl5_ops;
extern const struct source_ops source_obs_ops;
extern const struct source_ops source_gpi_ops;
extern const struct source_ops source_vmix_ops;
extern const struct source_ops source_atem_ops;

/* The kind a type names, or NULL. */
const struct source_ops *source_kind(const char *type);
/* "tsl31, tsl5 or obs", for messages. */
const char *source_kind_names(void);
/* Every kind's keys and the registry's, for "did you mean" in a section
 * whose type is missing. */
const char *const *source_all_keys(void);
/* The value of key in the section (the last one written), or NULL. */
const char *source_value(const struct source_conf *c, const char *key, int *line);

#endif
