/* The INI config (libinih): every key, its default and its check. Errors
 * are collected as "path:line: message", all of them, before refusing. */
#ifndef ONAIR_CONF_H
#define ONAIR_CONF_H

#include <limits.h>
#include <stdio.h>

#include "../../drivers/driver.h"
#include "../../core/board.h"
#include "../../core/cue.h"
#include "../../core/rundown.h"
#include "../../core/show.h"
#include "../../core/truth.h"
#include "../sources/source.h"

#define CONF_MAX_DEVICES 16
#define CONF_MAX_OVERRIDES 64

/* A floor box (docs/floor.md) runs no studio of its own: it reads every
 * room's state on the base's central broker. */
enum node_role { NODE_STANDALONE, NODE_LEADER, NODE_FOLLOWER, NODE_FLOOR };

/* Tally sources: a vision switcher telling which camera is on program
 * and preview (docs/sources.md). */
#define CONF_MAX_SOURCES 4

/* onair as a tally hub: [output.NAME] sends each camera's verdict on
 * (TSL UMD to multiviewers, UMDs, other tally boxes). Parsed once here. */
#define CONF_MAX_OUTPUTS 4
struct output_conf {
	char name[32];
	char type[16];			/* tsl31 | tsl5 */
	bool tcp;			/* send = tcp:… (5.0 only) */
	char host[64];
	int port;			/* 0: send = not given */
	int64_t refresh_ms;		/* every camera again this often; 0: changes only */
	long long screen;		/* 5.0's screen */
	long long program_bit, preview_bit;	/* 3.1: which tally bits */
	int line;
};

/* A floor's alerts to the team's phones: [alert.NAME] is one group robot
 * (WeCom, DingTalk, Feishu) or a plain JSON webhook (docs/floor.md). */
#define CONF_MAX_ALERTS 4
#define ALERT_RULES_MAX 16
struct alert_conf {
	char name[32];
	int kind;			/* enum webhook_kind; -1 before type is given */
	char url_file[PATH_MAX];	/* the robot's address holds its key: a secret */
	char secret_file[PATH_MAX];	/* DingTalk's and Feishu's signing secret; "" unsigned */
	int nrules;			/* 0: every rule */
	int rule[ALERT_RULES_MAX];	/* alert_rule_find's indexes (core/alertrule.h) */
	bool escalations_only;		/* send = escalations: a manager's group */
	char mention[16];		/* escalations | always | never: @ everyone */
	int line;
};

/* The anchor's screen and the ops page (docs/web.md). */
#define WEB_CANNED_MAX 16
struct web_canned {
	char key[32];
	char text[SHOW_TEXT_MAX];
};
struct web_conf {
	char listen[128];		/* "ADDR:PORT"; "" = no web server */
	char token_file[PATH_MAX];	/* the ops page's token; "" = ops may only look */
	char root[PATH_MAX];		/* the page folder */
	bool anchor_ack;		/* a tap on the anchor view acknowledges */
	char language[8];		/* cue words: zh, en or both */
	int ncanned;
	struct web_canned canned[WEB_CANNED_MAX];
};

/* Boxes in one studio share a show over MQTT (see docs/mqtt.md). */
struct mqtt_conf {
	char host[256];			/* "" = no broker: standalone */
	int64_t port;
	char prefix[128];		/* "" = onair/<studio>/ */
	char username[64];
	char password_file[PATH_MAX];
	bool tls;
	char ca_file[PATH_MAX], cert_file[PATH_MAX], key_file[PATH_MAX];
	int64_t keepalive_ms, lease_ms, heartbeat_ms, link_lost_ms, max_age_ms;
	/* The studio's leader by node name, set alike on every box: a state
	 * or a claim from any other box is refused, and the leader never
	 * steps down. "" = the first leader wins (an open lab broker). */
	char leader[64];
	bool homeassistant;		/* the leader announces the show to HA */
	char discovery_prefix[64];
};

/* The pre-live self-test's devices and limits. */
struct audio_conf {
	char capture[128], playback[128];	/* ALSA names; "" = not checked */
	int64_t rate, channels;
	char format[16];			/* S16_LE, S32_LE, FLOAT_LE */
	int64_t window_ms;
	bool loopback;				/* playback is wired back to capture */
	int64_t tone_dbfs, silence_dbfs, low_dbfs, clip_dbfs;
	/* The watch while the show is live (docs/watch.md): 1 yes, 0 no,
	 * -1 auto (on when capture is set). */
	int watch;
	int64_t watch_silence_dbfs, watch_silence_ms, watch_release_ms, watch_clip_dbfs, watch_dead_db;
	int64_t watch_loudness_low, watch_loudness_high, watch_loudness_ms;
};

struct selftest_conf {
	int64_t lamp_walk_ms, min_free_mb, clock_max_error_ms;
	int64_t before_start_ms;	/* run by itself this long before a scheduled start; 0 = no */
	int required;			/* the gate before going live: 1 yes, 0 no, -1 auto */
	int64_t max_age_ms;		/* a passing self-test older than this does not open it */
};

struct conf {
	char path[PATH_MAX];
	char socket[108];		/* sun_path size */
	char state_dir[PATH_MAX];
	int log_level;
	char board_name[PATH_MAX];	/* daemon.board: a name in board_dir or a file */
	int board_line;			/* where daemon.board was set (0: -o or the default) */
	char board_dir[PATH_MAX];
	struct board board;		/* loaded; path "" when none */
	char title[RUNDOWN_TITLE_MAX];
	char rundown_path[PATH_MAX];	/* "" when segments come from the INI */
	char start[32];			/* "HH:MM[:SS]" or "YYYY-MM-DD HH:MM[:SS]", "" none */
	char end[16];			/* the show's planned end, "HH:MM[:SS]"; "" from the rundown */
	struct show_conf show;		/* schedule_wall is filled by conf_schedule() */
	struct cue_conf cue;
	struct truth_conf truth;	/* what ON AIR follows ([show] onair) */
	struct rundown rundown;
	int ndevices;
	struct conf_device device[CONF_MAX_DEVICES];
	char node_name[64];		/* default: the host name */
	char studio[64];
	enum node_role role;
	int64_t camera;			/* a follower on a camera: its tally from the leader's sources; -1 none */
	struct mqtt_conf mqtt;
	struct audio_conf audio;
	struct selftest_conf selftest;
	struct web_conf web;
	int nsources;
	struct source_conf source[CONF_MAX_SOURCES];
	int noutputs;
	struct output_conf output[CONF_MAX_OUTPUTS];
	/* A floor box: a room silent this long is shown as unreachable; how
	 * long a trouble stands before the team's phones hear of it. */
	struct {
		int64_t vanish_after_ms;
		int64_t alert_after_ms, alert_overrun_ms, alert_message_ms, alert_selftest_window_ms;
		int64_t alert_resolve_ms, alert_escalate_ms;
	} floor;
	int nalerts;
	struct alert_conf alert[CONF_MAX_ALERTS];
	/* When several sources name one camera ([tally], docs/sources.md):
	 * "any" (program if any says program, then preview, then off) or
	 * "priority" (the first in order that knows the camera decides). */
	struct {
		char rule[16];
		char order[256];	/* source names, first first; the rest follow in config order */
	} tally;
};

/* Defaults for every key (the console device is added by conf_load when
 * no device is configured). */
void conf_defaults(struct conf *c);
/* Read path, then apply "section.key=value" overrides, then load the
 * rundown. Every error goes to d; 0 when the whole config is valid. */
int conf_load(struct conf *c, const char *path, const char *const *overrides, int noverrides,
	      struct diag *d);
/* Parse config text already in memory (fuzzing, tests). */
int conf_parse_text(struct conf *c, const char *path, const char *text, size_t len,
		    struct diag *d);
/* The scheduled start as wall ms for the show around now, 0 when none. */
int64_t conf_schedule(const struct conf *c, int64_t now_wall);
/* The planned end (show.end) as wall ms, the first such moment after
 * from_wall; 0 when none is set. */
int64_t conf_show_end(const struct conf *c, int64_t from_wall);
/* Rules that cannot be met (path:line: text), for --check and the log. */
void conf_warnings(const struct conf *c, struct diag *w);
/* The text of a canned message ([web] message = KEY | TEXT), or NULL. */
const char *conf_canned(const struct conf *c, const char *key);
/* Does start need a recent passing self-test (selftest.required, auto). */
bool conf_selftest_required(const struct conf *c);
/* The audio watch runs: audio.watch, or auto and a capture set. */
bool conf_audio_watch(const struct conf *c);
/* Write the effective config in a form conf_load reads back. */
void conf_dump(const struct conf *c, FILE *f);

#endif
