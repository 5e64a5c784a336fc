/* The running show: the config in use, the show state, its devices and its
 * log. A command from any source is applied here, the outputs are brought
 * up to date at once (one snapshot, the show view, handed to every device),
 * and only then is the change recorded. The modules above it (the studio
 * link, the self-test runner, the replies) read it and install hooks; it
 * never calls up. */
#ifndef ONAIR_RUNNING_H
#define ONAIR_RUNNING_H

#include <stdbool.h>

#include "../../core/view.h"
#include "../../drivers/driver.h"
#include "../config/conf.h"
#include "showlog.h"

struct device {
	const struct drv_ops *ops;
	struct drv *drv;
	char name[DRV_NAME_MAX];
};

/* Read by the modules above; written only through the functions below. */
struct running {
	struct conf *conf;
	enum node_role role;		/* as running: a second leader steps down */
	struct show_state show;
	struct show_view view;		/* the last snapshot handed out */
	struct device device[CONF_MAX_DEVICES];
	int ndevices;
	struct showlog log;
	char boot_id[64];
	struct drv_host host;
	/* Commands since start, by where they came from: taken, refused. */
	uint64_t commands[SHOW_SRC_COUNT][2];
};
extern struct running running;

/* Where the config comes from: the command line's file, -o overrides and
 * directories, kept for every reload. */
struct running_args {
	const char *config_path;
	const char *const *overrides;
	int noverrides;
	const char *state_dir_arg, *socket_arg;
};

/* What the studio link lays over the show (installed when there is one). */
struct running_link {
	/* A follower's local press goes to the leader: true when sent. */
	bool (*forward)(const struct show_cmd *cmd, const char *who, char *err, size_t errlen);
	/* Lay the link's state over the outputs at now. */
	void (*overlay)(struct cue_output *out, struct onair_time now);
	/* The show changed and was recorded: tell the studio. */
	void (*changed)(void);
	/* A device was pressed, whether it was taken or not. */
	void (*pressed)(const struct show_cmd *cmd, const char *who);
};

void running_set_args(const struct running_args *args);
/* Load the config (and rundown) as the arguments say; NULL with every
 * error in diag. */
struct conf *running_load_config(struct diag *diag);
/* Take c (loaded) as the running config; set up the host the drivers
 * call back into. */
void running_init(struct conf *c);
/* Resume a saved show, open the devices and bring the outputs up. */
void running_start(void);
/* Every output safe, every device closed, the log closed. */
void running_stop(void);
void running_fini(void);
void running_set_link(const struct running_link *link);
/* What a module above may observe: every update, after the outputs (the
 * self-test's schedule, the sources' record of the stream); a reload that
 * took a new config, once running.conf is the new one (the sources merge
 * it into their own copies). */
enum running_event { RUNNING_UPDATED, RUNNING_RELOADED, RUNNING_EVENTS };
typedef void (*running_observer)(struct onair_time now);
void running_observe(enum running_event ev, running_observer fn);
void running_unobserve(enum running_event ev, running_observer fn);
/* The gate before going live: false and why while a show may not start
 * (start --override goes past it, logged). */
void running_set_gate(bool (*gate)(char *why, size_t len));
/* Every snapshot the outputs were brought up to date with (the screens
 * decide themselves what is a change for them). */
void running_set_viewed(void (*viewed)(const struct show_view *v));
/* What the tally sources lay over the outputs: the stream's truth on ON AIR
 * and the cue light, a camera box's tally. */
void running_set_sources(void (*sources)(struct cue_output *out, struct onair_time now));
/* Something the studio's state carries changed outside the show (a
 * source's tally): outputs first, then the state to the studio. */
void running_publish(void);
void running_set_role(enum node_role role);

/* Apply a command from any source; NULL when done, else the reason (in err). */
const char *running_command(const struct show_cmd *cmd, const char *who, char *err, size_t errlen);
/* Bring the outputs up to date and sleep until they next need to change. */
void running_update(void);
/* Render every device afresh (after a test pattern), then update. */
void running_redraw(void);
/* A follower takes the leader's state. */
void running_follow(const struct show_state *s, struct onair_time now);
/* Re-read config and rundown; on any error keep the running ones (-1, err). */
int running_reload(char *err, size_t errlen);
/* Open every configured device (going on without those that fail). */
void running_devices_open(void);
void running_devices_close(void);
/* The snapshot of the show at now, with the link's overlay. */
void running_view_at(struct onair_time now, struct show_view *v);
bool running_on_air(void);

#endif
