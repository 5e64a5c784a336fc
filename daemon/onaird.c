/* onaird: the studio box daemon. Wires the pure engines (show, cue) to the
 * world: the event loop, the devices, the control socket, the state file
 * and the show log. Everything runs on one thread in one loop. */
#define _GNU_SOURCE
#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../drivers/driver.h"
#include "conf.h"
#include "checks.h"
#include "ctl.h"
#include "cue.h"
#include "log.h"
#include "loop.h"
#include "mqtt.h"
#include "mqttmsg.h"
#include "notify.h"
#include "persist.h"
#include "show.h"
#include "showlog.h"
#include "version.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

struct device {
	const struct drv_ops *ops;
	struct drv *drv;
	char name[DRV_NAME_MAX];
};

static struct {
	struct conf *conf;
	const char *config_path;
	const char *const *overrides;
	int noverrides;
	const char *state_dir_arg, *socket_arg;
	char boot_id[64];
	struct show_state show;
	struct cue_output out;
	bool rendered;
	struct loop_timer *timer, *watchdog;
	int64_t watchdog_ms;
	struct device device[CONF_MAX_DEVICES];
	int ndevices;
	struct showlog log;
	int64_t log_show_wall;	/* the show whose log is open */
	struct drv_host host;
	/* The studio link (role standalone: none of this is used). */
	struct {
		enum node_role role;	/* as running: a second leader steps down */
		char leader[64];	/* follower: the leader followed */
		bool heard;		/* follower: a state from the leader arrived */
		int64_t heard_mono;
		int64_t down_since;	/* when the broker link went down, 0 when up */
		bool leader_offline;	/* its will or its own goodbye said so */
		int64_t refused_until;	/* a local press the leader did not take */
		uint64_t next_id;
		int64_t id_epoch;
		bool hash_said;
		struct loop_timer *heartbeat;
		uint64_t sent, received, rejected;
	} net;
} d = { .log.fd = -1 };

static void update(void);
static void publish_state(void);
static bool forward_command(const struct show_cmd *cmd, const char *who, char *err, size_t errlen);
static void net_status_json(cJSON *o);
static char *selftest_start(void);
static void selftest_schedule(struct onair_time now);

static void apply_cli_dirs(struct conf *c)
{
	if (d.state_dir_arg)
		str_copy(c->state_dir, d.state_dir_arg, sizeof(c->state_dir));
	if (d.socket_arg)
		str_copy(c->socket, d.socket_arg, sizeof(c->socket));
}

static struct conf *load_config(struct diag *diag)
{
	struct conf *c = malloc(sizeof(*c));

	if (!c) {
		diag_add(diag, d.config_path, 0, "out of memory");
		return NULL;
	}
	if (conf_load(c, d.config_path, d.overrides, d.noverrides, diag) < 0) {
		free(c);
		return NULL;
	}
	apply_cli_dirs(c);
	c->show.schedule_wall = conf_schedule(c, time_now().wall);
	return c;
}

static void save_state(struct onair_time now)
{
	if (persist_save(d.conf->state_dir, &d.show, now, d.boot_id, rundown_hash(&d.conf->rundown)) < 0)
		log_warn("state: save %s/show.state", d.conf->state_dir);
}

/* Record the engine's events: a new show opens a new log first. */
static void record(const struct show_events *ev, enum show_source src, const char *who,
		   struct onair_time now)
{
	for (int i = 0; i < ev->count; i++) {
		/* A follower's show is the leader's: the leader keeps its log. */
		if (d.net.role == NODE_FOLLOWER)
			break;
		if (d.show.show_start_wall && d.show.show_start_wall != d.log_show_wall) {
			d.log_show_wall = d.show.show_start_wall;
			if (showlog_open(&d.log, d.conf->state_dir, d.show.show_start_wall) < 0)
				log_warn("showlog: open in %s/shows", d.conf->state_dir);
			else
				log_info("showlog: %s", d.log.path);
		}
		if (d.log.fd >= 0 &&
		    showlog_event(&d.log, &ev->ev[i], &d.conf->rundown, d.conf->title, src, who,
				  d.show.seq, now) < 0)
			log_warn("showlog: write %s", d.log.path);
		if (ev->ev[i].seg >= 0)
			log_info("show: %s segment %d \"%s\" (%s%s%s)", show_event_name(ev->ev[i].kind),
				 ev->ev[i].seg + 1, d.conf->rundown.seg[ev->ev[i].seg].title,
				 show_source_name(src), who && *who ? " " : "", who ? who : "");
		else
			log_info("show: %s (%s)", show_event_name(ev->ev[i].kind), show_source_name(src));
	}
	if (ev->count) {
		save_state(now);
		publish_state();
	}
}

/* Apply a command from any source; NULL on success, else the reason. */
static const char *command(const struct show_cmd *cmd, const char *who, char *err, size_t errlen)
{
	struct onair_time now = time_now();
	struct show_events ev;

	if (d.net.role == NODE_FOLLOWER && cmd->source != SHOW_SRC_MQTT)
		return forward_command(cmd, who, err, errlen) ? NULL : err;
	/* Time-driven transitions first, so the command meets the state as it is now. */
	if (show_tick(&d.show, &d.conf->rundown, &d.conf->show, now, &ev))
		record(&ev, SHOW_SRC_TIMER, "", now);
	if (show_apply(&d.show, &d.conf->rundown, &d.conf->show, cmd, now, &ev, err, errlen) < 0) {
		log_info("show: %s refused (%s%s%s): %s", show_cmd_name(cmd->kind), show_source_name(cmd->source),
			 who ? " " : "", who ? who : "", err);
		if (d.log.fd >= 0 && d.show.phase != SHOW_ENDED)
			showlog_rejected(&d.log, show_cmd_name(cmd->kind), err, cmd->source, who, now);
		return err;
	}
	record(&ev, cmd->source, who, now);
	update();
	return NULL;
}

static void host_command(struct drv_host *host, const struct show_cmd *cmd, const char *who)
{
	char err[160], line[64], *event;
	cJSON *o;

	(void)host;
	command(cmd, who, err, sizeof(err));
	if (d.net.role == NODE_STANDALONE)
		return;
	/* Every press, taken or not, for dashboards and the review. */
	ctl_cmd_text(cmd, line, sizeof(line));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "node", d.conf->node_name);
	cJSON_AddStringToObject(o, "source", show_source_name(cmd->source));
	cJSON_AddStringToObject(o, "who", who);
	cJSON_AddStringToObject(o, "cmd", line);
	cJSON_AddNumberToObject(o, "wall_ms", (double)time_now().wall);
	event = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	mqtt_publish("event", event, false, 0, 0);
	free(event);
}

static void host_presence(struct drv_host *host, const char *device, bool present)
{
	(void)host;
	log_info("device %s: %s", device, present ? "present" : "missing");
}

static void render_all(void)
{
	int seg = d.show.seg;
	const char *title = seg >= 0 && seg < d.conf->rundown.count ? d.conf->rundown.seg[seg].title
								      : d.conf->title;

	for (int i = 0; i < d.ndevices; i++)
		d.device[i].ops->render(d.device[i].drv, &d.out, title, seg + 1, d.conf->rundown.count);
}

/* What a follower can trust: nothing from the leader for the lease (or
 * its will) makes the lamps stale; a broker link down for link_lost_after
 * shows on the cue light while the countdown goes on from its anchor. */
static enum cue_link follower_link(int64_t now, int64_t *next)
{
	const struct mqtt_conf *m = &d.conf->mqtt;

	if (!d.net.heard || d.net.leader_offline || now - d.net.heard_mono >= m->lease_ms)
		return CUE_LINK_STALE;
	if (d.net.heard_mono + m->lease_ms < *next)
		*next = d.net.heard_mono + m->lease_ms;
	if (d.net.down_since && now - d.net.down_since >= m->link_lost_ms)
		return CUE_LINK_LOST;
	if (d.net.down_since && d.net.down_since + m->link_lost_ms < *next)
		*next = d.net.down_since + m->link_lost_ms;
	return CUE_LINK_OK;
}

/* What every output shows at now, the link to the leader included. */
static void outputs_at(struct onair_time now, struct cue_output *out)
{
	cue_eval(&d.show, &d.conf->rundown, &d.conf->show, &d.conf->cue, now, out);
	if (d.net.role == NODE_FOLLOWER)
		cue_apply_link(out, follower_link(now.mono, &out->next), d.net.refused_until,
			       &d.conf->cue, now);
}

/* Bring the outputs up to date and sleep until they next need to change. */
static void update(void)
{
	struct onair_time now = time_now();
	struct show_events ev;
	struct cue_output out;
	int64_t next;

	if (show_tick(&d.show, &d.conf->rundown, &d.conf->show, now, &ev))
		record(&ev, SHOW_SRC_TIMER, "", now);
	outputs_at(now, &out);
	bool changed = !d.rendered || cue_output_differs(&out, &d.out);

	d.out = out;
	if (changed) {
		d.rendered = true;
		render_all();
	}
	next = show_next_deadline(&d.show, &d.conf->show, now);
	loop_timer_arm(d.timer, out.next < next ? out.next : next);
	selftest_schedule(now);
}

static void timer_fired(void *data)
{
	(void)data;
	update();
}

static void watchdog_fired(void *data)
{
	(void)data;
	notify_send("WATCHDOG=1");
	loop_timer_arm(d.watchdog, time_mono_ms() + d.watchdog_ms / 2);
}

static void devices_close(void)
{
	for (int i = d.ndevices - 1; i >= 0; i--) {
		d.device[i].ops->safe(d.device[i].drv);
		d.device[i].ops->close(d.device[i].drv);
	}
	d.ndevices = 0;
}

static int devices_open(const struct conf *c)
{
	struct diag diag = { 0 };

	/* Drivers read the board while they open, and keep what they need. */
	d.host.board = *c->board.path ? &c->board : NULL;
	for (int i = 0; i < c->ndevices; i++) {
		char why[128];
		const struct drv_ops *ops = drv_find(c->device[i].driver, why, sizeof(why));
		struct drv *drv = ops ? ops->open(&c->device[i], &d.host, &diag) : NULL;

		if (!drv) {
			if (!ops)
				log_warnx("device %s: %s", c->device[i].name, why);
			diag_print(&diag);
			diag_free(&diag);
			log_warnx("device %s: cannot open; going on without it", c->device[i].name);
			continue;
		}
		str_copy(d.device[d.ndevices].name, c->device[i].name, sizeof(d.device[0].name));
		d.device[d.ndevices].ops = ops;
		d.device[d.ndevices].drv = drv;
		d.ndevices++;
	}
	diag_free(&diag);
	return 0;
}

/* Re-read config and rundown; on any error keep running on the old ones. */
static int reload(char *err, size_t errlen)
{
	struct diag diag = { 0 };
	struct conf *c = load_config(&diag);
	bool devices_changed;

	if (!c) {
		log_warnx("reload: config has %zu error%s; keeping the running config", diag.count,
			  diag.count == 1 ? "" : "s");
		diag_print(&diag);
		snprintf(err, errlen, "%s%s", diag.count ? diag.lines[0] : "cannot load config",
			 diag.count > 1 ? " (and more; see the daemon log)" : "");
		diag_free(&diag);
		return -1;
	}
	if ((d.show.phase == SHOW_LIVE || d.show.phase == SHOW_HOLD) && d.show.seg >= c->rundown.count) {
		snprintf(err, errlen, "the running segment %d is not in the new rundown (%d segments); "
			 "keeping the running config", d.show.seg + 1, c->rundown.count);
		log_warnx("reload: %s", err);
		free(c);
		return -1;
	}
	devices_changed = c->ndevices != d.conf->ndevices ||
			  memcmp(c->device, d.conf->device, sizeof(c->device[0]) * (size_t)c->ndevices) != 0 ||
			  memcmp(&c->board, &d.conf->board, sizeof(c->board)) != 0;
	if (strcmp(c->state_dir, d.conf->state_dir) != 0 || strcmp(c->socket, d.conf->socket) != 0)
		log_warnx("reload: state_dir and socket take effect at the next start");
	if (memcmp(&c->mqtt, &d.conf->mqtt, sizeof(c->mqtt)) != 0 || c->role != d.conf->role ||
	    strcmp(c->node_name, d.conf->node_name) != 0 || strcmp(c->studio, d.conf->studio) != 0)
		log_warnx("reload: [mqtt] and [node] take effect at the next start");
	str_copy(c->state_dir, d.conf->state_dir, sizeof(c->state_dir));
	str_copy(c->socket, d.conf->socket, sizeof(c->socket));
	if (devices_changed)
		devices_close();
	free(d.conf);
	d.conf = c;
	log_set_level(c->log_level);
	if (devices_changed)
		devices_open(c);
	d.rendered = false;
	log_info("reload: config %s and rundown (%d segments) loaded", c->path, c->rundown.count);
	if (d.log.fd >= 0)
		showlog_note(&d.log, "reload", c->path, time_now());
	update();
	return 0;
}

static void json_time(cJSON *o, const char *name, int64_t wall)
{
	char buf[48];

	if (!wall) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	time_format_wall(wall, buf, sizeof(buf));
	cJSON_AddStringToObject(o, name, buf);
}

/* "devices": name, driver, whether present (and what describe says). */
static void devices_json(cJSON *o, bool described)
{
	cJSON *devs = cJSON_AddArrayToObject(o, "devices");

	for (int i = 0; i < d.ndevices; i++) {
		cJSON *dev = cJSON_CreateObject();
		char desc[512];
		bool present;

		d.device[i].ops->describe(d.device[i].drv, desc, sizeof(desc), &present);
		cJSON_AddStringToObject(dev, "name", d.device[i].name);
		cJSON_AddStringToObject(dev, "driver", d.device[i].ops->name);
		if (described)
			cJSON_AddStringToObject(dev, "description", desc);
		cJSON_AddBoolToObject(dev, "present", present);
		cJSON_AddItemToArray(devs, dev);
	}
}

static cJSON *status_json(void)
{
	struct onair_time now = time_now();
	const struct rundown *r = &d.conf->rundown;
	cJSON *o = cJSON_CreateObject(), *lamps, *colours;
	struct cue_output out;
	int64_t remaining;
	int seg = d.show.seg;

	outputs_at(now, &out);
	cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddStringToObject(o, "state", show_phase_name(d.show.phase));
	cJSON_AddStringToObject(o, "show", d.conf->title);
	cJSON_AddNumberToObject(o, "segment", seg + 1);
	cJSON_AddNumberToObject(o, "segments", r->count);
	cJSON_AddStringToObject(o, "title", seg >= 0 && seg < r->count ? r->seg[seg].title : "");
	cJSON_AddStringToObject(o, "next_title", seg + 1 < r->count ? r->seg[seg + 1].title : "");
	if (show_remaining(&d.show, r, now.mono, &remaining)) {
		cJSON_AddNumberToObject(o, "remaining_ms", (double)remaining);
		cJSON_AddNumberToObject(o, "planned_ms", (double)show_segment_planned(&d.show, r));
		cJSON_AddNumberToObject(o, "elapsed_ms", (double)show_elapsed(&d.show, now.mono));
		cJSON_AddNumberToObject(o, "extended_ms", (double)d.show.run[seg].extend_ms);
		json_time(o, "segment_started", d.show.run[seg].start_wall);
	} else {
		cJSON_AddNullToObject(o, "remaining_ms");
	}
	if (d.show.phase == SHOW_PREROLL)
		cJSON_AddNumberToObject(o, "preroll_ms", (double)(d.show.preroll_end_mono - now.mono));
	if (d.show.aux_total_ms) {
		cJSON *aux = cJSON_AddObjectToObject(o, "aux");

		cJSON_AddNumberToObject(aux, "remaining_ms", (double)(d.show.aux_end_mono - now.mono));
		cJSON_AddNumberToObject(aux, "total_ms", (double)d.show.aux_total_ms);
	} else {
		cJSON_AddNullToObject(o, "aux");
	}
	cJSON_AddStringToObject(o, "countdown", out.countdown);
	cJSON_AddStringToObject(o, "cue", cue_cond_name(out.cond));
	cJSON_AddStringToObject(o, "call", show_call_name(d.show.call));
	if (d.show.call != SHOW_CALL_NONE)
		cJSON_AddNumberToObject(o, "call_age_ms", (double)(now.mono - d.show.call_since_mono));
	lamps = cJSON_AddObjectToObject(o, "lamps");
	colours = cJSON_AddObjectToObject(o, "lamp_colours");
	for (int i = 0; i < CUE_LAMP_COUNT; i++) {
		cJSON_AddStringToObject(lamps, cue_lamp_name(i), cue_pattern_name(out.lamp[i].pattern));
		cJSON_AddStringToObject(colours, cue_lamp_name(i), cue_colour_name(out.lamp[i].colour));
	}
	json_time(o, "scheduled_start", d.conf->show.schedule_wall);
	json_time(o, "show_started", d.show.show_start_wall);
	json_time(o, "now", now.wall);
	cJSON_AddNumberToObject(o, "seq", (double)d.show.seq);
	devices_json(o, true);
	if (d.net.role != NODE_STANDALONE)
		net_status_json(o);
	cJSON_AddStringToObject(o, "log", d.log.fd >= 0 ? d.log.path : "");
	cJSON_AddNumberToObject(o, "wakeups", (double)loop_wakeups());
	return o;
}

static char *text_response(char *text)
{
	cJSON *o = cJSON_CreateObject();
	char *json;

	cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddStringToObject(o, "text", text ? text : "");
	free(text);
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return json;
}

static char *read_log(int last, size_t *len)
{
	char *text;

	if (d.log.fd < 0) {
		*len = 0;
		return NULL;
	}
	text = file_read(d.log.path, 64 * 1024 * 1024, len);
	if (text && last > 0) {
		char *p = text + *len;
		int lines = 0;

		if (p > text && p[-1] == '\n')
			p--;
		while (p > text && lines < last)
			if (*--p == '\n')
				lines++;
		if (*p == '\n')
			p++;
		memmove(text, p, (size_t)(text + *len - p) + 1);
		*len = strlen(text);
	}
	return text;
}

static char *ctl_handle(const struct ctl_request *req, const char *who, void *data)
{
	char err[512], *text, *json;
	size_t len;
	cJSON *o;

	(void)data;
	switch (req->verb) {
	case CTL_STATUS:
		o = status_json();
		break;
	case CTL_SHOW:
		if (command(&req->cmd, who, err, sizeof(err)))
			return ctl_error_response(err);
		o = status_json();
		break;
	case CTL_RELOAD:
		if (reload(err, sizeof(err)) < 0)
			return ctl_error_response(err);
		o = status_json();
		break;
	case CTL_LOG:
		if (d.log.fd < 0)
			return ctl_error_response("no show has started yet: the log is empty");
		return text_response(read_log(req->count, &len));
	case CTL_REPORT:
		if (d.log.fd < 0)
			return ctl_error_response("no show has started yet: nothing to report");
		text = read_log(0, &len);
		json = text_response(report_build(text ? text : "", text ? len : 0, req->csv));
		free(text);
		return json;
	case CTL_SELFTEST:
		return selftest_start();
	case CTL_VERSION:
	case CTL_PING:
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
		cJSON_AddBoolToObject(o, "ok", 1);
		cJSON_AddStringToObject(o, "version", ONAIR_VERSION);
		break;
	default:
		return ctl_error_response("unknown request");
	}
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return json;
}

static void on_signal(int signo, void *data)
{
	char err[512];

	(void)data;
	if (signo == SIGHUP) {
		log_info("reload: SIGHUP");
		notify_send("RELOADING=1");
		reload(err, sizeof(err));
		notify_send("READY=1");
		return;
	}
	log_info("%s: stopping", strsignal(signo));
	loop_quit(0);
}

static void resume_saved_show(void)
{
	struct onair_time now = time_now();
	uint32_t hash;
	char err[160];
	int rc = persist_load(d.conf->state_dir, &d.show, now, d.boot_id, &hash, err, sizeof(err));

	if (rc < 0) {
		log_warnx("state: %s/show.state is unusable (%s); starting in standby", d.conf->state_dir, err);
		show_init(&d.show);
		return;
	}
	if (rc == 0)
		return;
	if ((d.show.phase == SHOW_LIVE || d.show.phase == SHOW_HOLD) &&
	    d.show.seg >= d.conf->rundown.count) {
		log_warnx("state: saved segment %d is not in the rundown (%d segments); starting in standby",
			  d.show.seg + 1, d.conf->rundown.count);
		show_init(&d.show);
		return;
	}
	if (hash != rundown_hash(&d.conf->rundown))
		log_warnx("state: the rundown changed since the state was saved; resuming by segment number");
	if (d.show.phase != SHOW_STANDBY && d.show.phase != SHOW_ENDED && d.show.show_start_wall) {
		d.log_show_wall = d.show.show_start_wall;
		if (showlog_open(&d.log, d.conf->state_dir, d.show.show_start_wall) == 0)
			showlog_note(&d.log, "resume", "daemon restarted; show resumed from saved state", now);
		log_info("state: resumed %s show at segment %d", show_phase_name(d.show.phase), d.show.seg + 1);
	}
}

/* ---- The self-test inside the running daemon ----
 * The devices are ours: they are checked here, at once (a test pattern
 * only while nothing is on air). Everything that may take seconds (audio,
 * the broker, the clock) runs in a child process, so the loop, and every
 * lamp, keeps its timing; its result comes back through a pipe. */

#define SELFTEST_TIMEOUT_MS 60000
#define SELFTEST_WAITERS 8

static struct {
	pid_t pid;
	int fd;
	struct loop_watch *watch;
	struct loop_timer *deadline;
	struct selftest devices, system;
	size_t got;
	uint64_t ticket[SELFTEST_WAITERS];
	int nwaiting;
	struct loop_timer *before_start;	/* the run before a scheduled start */
	int64_t scheduled_for;			/* the start (wall) it ran for */
} st = { .pid = -1, .fd = -1 };

static void selftest_devices(struct selftest *t)
{
	bool on_air = d.show.phase == SHOW_PREROLL || d.show.phase == SHOW_LIVE || d.show.phase == SHOW_HOLD;

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < d.ndevices; i++) {
		const struct drv_ops *ops = d.device[i].ops;
		char name[64];

		if (ops == &console_driver_ops)
			continue;
		snprintf(name, sizeof(name), "device.%s", d.device[i].name);
		/* The loop waits out the walk, once per device and only off air. */
		checks_device(t, name, ops, d.device[i].drv,
			      d.conf->selftest.lamp_walk_ms > 900 ? 900 : d.conf->selftest.lamp_walk_ms, on_air);
	}
	d.rendered = false;	/* the test pattern is gone: show the show again */
	update();
}

static char *selftest_response(const struct selftest *t, char **report_out)
{
	char now[40], *report, *table = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&table, &len);
	cJSON *o = cJSON_CreateObject();
	char *text;

	time_format_wall(time_now().wall, now, sizeof(now));
	report = selftest_json(t, d.conf->node_name, now);
	if (f) {
		selftest_print(t, f, false);
		fclose(f);
	}
	cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddStringToObject(o, "verdict", selftest_verdict_name(selftest_verdict(t)));
	cJSON_AddItemToObject(o, "report", report ? cJSON_Parse(report) : cJSON_CreateNull());
	cJSON_AddStringToObject(o, "table", table ? table : "");
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(table);
	*report_out = report;
	return text;
}

static void selftest_finish(const char *failure)
{
	static struct selftest all;
	char *report = NULL, *response, topic[96], summary[160];

	memset(&all, 0, sizeof(all));
	if (failure) {
		selftest_add(&all, "selftest", SELFTEST_FAIL, "see the daemon's log", "%s", failure);
	} else {
		for (int i = 0; i < st.system.count && all.count < SELFTEST_MAX_CHECKS; i++)
			all.check[all.count++] = st.system.check[i];
	}
	for (int i = 0; i < st.devices.count && all.count < SELFTEST_MAX_CHECKS; i++)
		all.check[all.count++] = st.devices.check[i];
	response = selftest_response(&all, &report);
	snprintf(topic, sizeof(topic), "selftest/%s", d.conf->node_name);
	mqtt_publish(topic, report, true, 1, 0);
	snprintf(summary, sizeof(summary), "%s: %d checks", selftest_verdict_name(selftest_verdict(&all)),
		 all.count);
	log_info("selftest: %s", summary);
	if (d.log.fd >= 0)
		showlog_note(&d.log, "selftest", summary, time_now());
	for (int i = 0; i < st.nwaiting; i++)
		ctl_answer(st.ticket[i], i + 1 < st.nwaiting && response ? strdup(response) : response);
	if (!st.nwaiting)
		free(response);
	st.nwaiting = 0;
	free(report);
	if (st.watch)
		loop_watch_remove(st.watch);
	st.watch = NULL;
	if (st.fd >= 0)
		close(st.fd);
	st.fd = -1;
	if (st.pid > 0)
		waitpid(st.pid, NULL, 0);
	st.pid = -1;
	loop_timer_arm(st.deadline, NEVER);
}

static void selftest_child_ready(int fd, uint32_t events, void *data)
{
	ssize_t n;

	(void)events;
	(void)data;
	while ((n = read(fd, (char *)&st.system + st.got, sizeof(st.system) - st.got)) > 0)
		st.got += (size_t)n;
	if (n < 0 && errno == EAGAIN)
		return;
	selftest_finish(st.got == sizeof(st.system) ? NULL : "the checks' process ended early");
}

static void selftest_timed_out(void *data)
{
	(void)data;
	if (st.pid > 0)
		kill(st.pid, SIGKILL);
	selftest_finish("the checks did not finish within 60 s");
}

static void selftest_before_start(void *data)
{
	(void)data;
	log_info("selftest: the show starts in %lld s: checking the room",
		 (long long)((d.conf->show.schedule_wall - time_now().wall) / 1000));
	st.scheduled_for = d.conf->show.schedule_wall;
	free(selftest_start());
}

/* Arm the run before the next scheduled start, once per start. */
static void selftest_schedule(struct onair_time now)
{
	int64_t at_wall = d.conf->show.schedule_wall - d.conf->selftest.before_start_ms;

	if (!st.before_start)
		st.before_start = loop_timer_add(selftest_before_start, NULL);
	if (!d.conf->show.schedule_wall || !d.conf->selftest.before_start_ms ||
	    st.scheduled_for == d.conf->show.schedule_wall || d.show.phase != SHOW_STANDBY ||
	    now.wall >= d.conf->show.schedule_wall) {
		loop_timer_arm(st.before_start, NEVER);
		return;
	}
	loop_timer_arm(st.before_start, now.mono + (at_wall > now.wall ? at_wall - now.wall : 0));
}

/* Start a run, or join the one running; NULL when the answer comes later. */
static char *selftest_start(void)
{
	int pipefd[2];
	uint64_t ticket = ctl_defer();

	if (ticket && st.nwaiting < SELFTEST_WAITERS)
		st.ticket[st.nwaiting++] = ticket;
	if (st.pid > 0)
		return NULL;
	if (!st.deadline)
		st.deadline = loop_timer_add(selftest_timed_out, NULL);
	selftest_devices(&st.devices);
	memset(&st.system, 0, sizeof(st.system));
	st.got = 0;
	if (pipe2(pipefd, O_CLOEXEC) < 0 || (st.pid = fork()) < 0) {
		log_warn("selftest: start the checks");
		selftest_finish("cannot start the checks' process");
		return NULL;
	}
	if (st.pid == 0) {
		static struct selftest t;
		size_t off = 0;

		close(pipefd[0]);
		checks_system(d.conf, &t);
		while (off < sizeof(t)) {
			ssize_t w = write(pipefd[1], (char *)&t + off, sizeof(t) - off);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
		_exit(0);
	}
	close(pipefd[1]);
	st.fd = pipefd[0];
	fcntl(st.fd, F_SETFL, O_NONBLOCK);
	st.watch = loop_watch_add(st.fd, EPOLLIN, selftest_child_ready, NULL);
	loop_timer_arm(st.deadline, time_mono_ms() + SELFTEST_TIMEOUT_MS);
	return NULL;
}

/* ---- The studio link: leader, followers, over MQTT ---- */

static const char *role_name(enum node_role r)
{
	return r == NODE_LEADER ? "leader" : r == NODE_FOLLOWER ? "follower" : "standalone";
}

static char *node_status(bool online)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(o, "node", d.conf->node_name);
	cJSON_AddStringToObject(o, "role", role_name(d.net.role));
	cJSON_AddStringToObject(o, "status", online ? "online" : "offline");
	cJSON_AddStringToObject(o, "version", ONAIR_VERSION);
	if (online)
		devices_json(o, false);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static void publish_status(void)
{
	char topic[96], *text = node_status(true);

	snprintf(topic, sizeof(topic), "node/%s/status", d.conf->node_name);
	mqtt_publish(topic, text, true, 1, 0);
	free(text);
}

static void publish_state(void)
{
	struct onair_time now = time_now();
	int seg = d.show.seg;
	char *persisted, *state;
	int64_t remaining = 0;
	bool counting;

	if (d.net.role != NODE_LEADER || !mqtt_connected())
		return;
	counting = d.show.phase == SHOW_LIVE &&
		   show_remaining(&d.show, &d.conf->rundown, now.mono, &remaining);
	persisted = persist_encode(&d.show, now, d.boot_id, rundown_hash(&d.conf->rundown));
	state = mqttmsg_state_encode(persisted ? persisted : "", d.conf->node_name, d.conf->title,
				     seg >= 0 && seg < d.conf->rundown.count ? d.conf->rundown.seg[seg].title : "",
				     seg >= 0 && seg < d.conf->rundown.count
					     ? d.conf->rundown.seg[seg].planned_ms + d.show.run[seg].extend_ms
					     : 0,
				     now.wall, counting, remaining);
	if (mqtt_publish("state", state, true, 1, 0))
		d.net.sent++;
	free(persisted);
	free(state);
}

/* The leader republishes its state now and then: followers' lamps are
 * leases that this renews. */
static void heartbeat(void *data)
{
	(void)data;
	publish_state();
	loop_timer_arm(d.net.heartbeat, time_mono_ms() + d.conf->mqtt.heartbeat_ms);
}

static void reject(const char *topic, const char *reason, const char *id, const char *response,
		   const void *corr, int corr_len)
{
	char *text = mqttmsg_error_encode(d.conf->node_name, reason, mqtt_topic(topic), id);

	d.net.rejected++;
	log_info("mqtt: %s rejected: %s", topic, reason);
	mqtt_publish("error", text, false, 0, 0);
	if (response)
		mqtt_respond(response, corr, corr_len, text);
	free(text);
}

/* A press on a follower goes to the leader; it carries its send time and
 * expires in the broker, so a press that cannot get through now is never
 * applied minutes later. */
static bool forward_command(const struct show_cmd *cmd, const char *who, char *err, size_t errlen)
{
	char id[96], *text;
	bool sent;

	/* The daemon's start time in the id keeps ids unique across restarts,
	 * so a press is never mistaken in the leader's log for an older one. */
	if (!d.net.id_epoch)
		d.net.id_epoch = time_now().wall / 1000;
	snprintf(id, sizeof(id), "%s-%lld-%llu", d.conf->node_name, (long long)d.net.id_epoch,
		 (unsigned long long)++d.net.next_id);
	text = mqttmsg_cmd_encode(cmd, d.conf->node_name, id, time_now().wall);
	sent = mqtt_publish("cmd", text, false, 1,
			    (int)((d.conf->mqtt.max_age_ms + 999) / 1000));
	free(text);
	if (!sent) {
		snprintf(err, errlen, "not sent: no link to the broker, so the leader cannot take it");
		d.net.refused_until = time_mono_ms() + 1500;
		log_warnx("show: %s from %s not sent: no link to the broker", show_cmd_name(cmd->kind), who);
		update();
		return false;
	}
	log_info("show: %s (%s %s) sent to the leader as %s", show_cmd_name(cmd->kind),
		 show_source_name(cmd->source), who ? who : "", id);
	return true;
}

static void leader_cmd(const char *payload, size_t len, const char *response, const void *corr,
		       int corr_len)
{
	struct mqttmsg_cmd m;
	char err[200], who[160], *ok;
	int rc = mqttmsg_parse_cmd(payload, len, time_now().wall, d.conf->mqtt.max_age_ms, &m, err,
				   sizeof(err));

	/* The sender's id goes into the show log with its name, so a press can
	 * be traced from the button (or follower) that sent it to the log. */
	snprintf(who, sizeof(who), "%s%s%s", *m.from ? m.from : "mqtt client", *m.id ? " id " : "", m.id);
	if (rc == -2 && d.log.fd >= 0)
		showlog_rejected(&d.log, m.word, err, SHOW_SRC_MQTT, who, time_now());
	if (rc < 0) {
		reject("cmd", err, m.id, response, corr, corr_len);
		return;
	}
	d.net.received++;
	if (command(&m.cmd, who, err, sizeof(err))) {
		reject("cmd", err, m.id, response, corr, corr_len);
	} else if (response) {
		ok = mqttmsg_ok_encode(m.id);
		mqtt_respond(response, corr, corr_len, ok);
		free(ok);
	}
}

static void follower_state(const char *payload, size_t len)
{
	char leader[64], boot[64], err[200];
	struct onair_time now = time_now();
	struct show_state s;
	uint64_t seq;
	uint32_t hash;

	if (mqttmsg_state_peek(payload, len, leader, sizeof(leader), boot, sizeof(boot), &seq, err,
			       sizeof(err)) < 0 ||
	    persist_decode(payload, len, &s, now, d.boot_id, &hash, err, sizeof(err)) < 0) {
		reject("state", err, NULL, NULL, NULL, 0);
		return;
	}
	if (strcmp(leader, d.conf->node_name) == 0)
		return;
	if (*d.net.leader && strcmp(leader, d.net.leader) != 0 && d.net.heard && !d.net.leader_offline &&
	    now.mono - d.net.heard_mono < d.conf->mqtt.lease_ms) {
		snprintf(err, sizeof(err), "state from %s while %s leads this studio", leader, d.net.leader);
		reject("state", err, NULL, NULL, NULL, 0);
		return;
	}
	if ((s.phase == SHOW_LIVE || s.phase == SHOW_HOLD) && s.seg >= d.conf->rundown.count) {
		snprintf(err, sizeof(err), "state at segment %d; this box's rundown has %d", s.seg + 1,
			 d.conf->rundown.count);
		reject("state", err, NULL, NULL, NULL, 0);
		return;
	}
	if (hash != rundown_hash(&d.conf->rundown) && !d.net.hash_said) {
		log_warnx("mqtt: the leader's rundown differs from this box's; following by segment number");
		d.net.hash_said = true;
	}
	if (strcmp(leader, d.net.leader) != 0)
		log_info("mqtt: following %s", leader);
	str_copy(d.net.leader, leader, sizeof(d.net.leader));
	d.net.received++;
	d.net.heard = true;
	d.net.heard_mono = now.mono;
	d.net.leader_offline = false;
	if (s.seq != d.show.seq || s.phase != d.show.phase || s.seg != d.show.seg) {
		d.show = s;
		save_state(now);
	} else {
		d.show = s;	/* the same state; its anchors may be fresher */
	}
	update();
}

/* Another node says it leads this studio: the lower name keeps leading, so
 * two leaders started at once settle without talking it over. */
static void leader_conflict(const char *other)
{
	if (strcmp(other, d.conf->node_name) == 0)
		return;
	if (strcmp(d.conf->node_name, other) < 0) {
		log_warnx("mqtt: %s also claims to lead studio %s; %s keeps leading (lower name)", other,
			  d.conf->studio, d.conf->node_name);
		publish_state();
		return;
	}
	log_warnx("mqtt: STUDIO %s ALREADY HAS A LEADER (%s): this box refuses to lead and follows it; "
		  "fix node.role on one of them", d.conf->studio, other);
	d.net.role = NODE_FOLLOWER;
	loop_timer_arm(d.net.heartbeat, NEVER);
	mqtt_subscribe("error");
	publish_status();
	update();
}

/* Home Assistant finds the show's tally, segment and buttons by itself;
 * announced on every connect and whenever HA says it (re)started. */
static void announce_to_homeassistant(void)
{
	char topic[256], *text;

	if (d.net.role != NODE_LEADER || !d.conf->mqtt.homeassistant)
		return;
	snprintf(topic, sizeof(topic), "%s/device/onair_%s_%s/config", d.conf->mqtt.discovery_prefix,
		 d.conf->studio, d.conf->node_name);
	text = mqttmsg_ha_discovery(mqtt_topic(""), d.conf->studio, d.conf->node_name, ONAIR_VERSION);
	mqtt_publish_absolute(topic, text, true);
	free(text);
}

static void net_message(const char *topic, const char *payload, size_t len, const char *response,
			const void *corr, int corr_len, void *data)
{
	char node[64], status[16], role[16], leader[64], boot[64], err[160];
	uint64_t seq;

	(void)data;
	if (d.conf->mqtt.homeassistant && strncmp(topic, d.conf->mqtt.discovery_prefix,
						   strlen(d.conf->mqtt.discovery_prefix)) == 0) {
		if (len == 6 && memcmp(payload, "online", 6) == 0)
			announce_to_homeassistant();	/* HA's birth message */
		return;
	}
	if (strcmp(topic, "selftest/run") == 0) {
		/* Every box, or the one named: {"node":"cam1"}. */
		char want[80];

		snprintf(want, sizeof(want), "\"node\":\"%s\"", d.conf->node_name);
		if (len < 200 && (!len || !memmem(payload, len, "\"node\"", 6) || memmem(payload, len, want, strlen(want)))) {
			log_info("selftest: asked for over MQTT");
			free(selftest_start());
		}
	} else if (strcmp(topic, "cmd") == 0 && d.net.role == NODE_LEADER) {
		leader_cmd(payload, len, response, corr, corr_len);
	} else if (strcmp(topic, "state") == 0) {
		if (d.net.role == NODE_FOLLOWER) {
			follower_state(payload, len);
		} else if (len && mqttmsg_state_peek(payload, len, leader, sizeof(leader), boot, sizeof(boot),
						     &seq, err, sizeof(err)) == 0) {
			leader_conflict(leader);
		}
	} else if (sscanf(topic, "node/%63[^/]/status", node) == 1) {
		if (!len || mqttmsg_status_peek(payload, len, status, sizeof(status), role, sizeof(role)) < 0)
			return;
		if (d.net.role == NODE_LEADER && strcmp(role, "leader") == 0 && strcmp(status, "online") == 0)
			leader_conflict(node);
		if (d.net.role == NODE_FOLLOWER && strcmp(node, d.net.leader) == 0 &&
		    strcmp(status, "offline") == 0) {
			log_warnx("mqtt: leader %s is offline", node);
			d.net.leader_offline = true;
			update();
		}
	} else if (strcmp(topic, "error") == 0 && d.net.role == NODE_FOLLOWER) {
		char prefix[80];
		const char *id = len < MQTTMSG_MAX ? strstr(payload, "\"id\":\"") : NULL;

		/* Our own command refused (stale, or not possible now): say so on the cue light. */
		snprintf(prefix, sizeof(prefix), "\"id\":\"%s-", d.conf->node_name);
		if (id && strncmp(id, prefix, strlen(prefix)) == 0) {
			log_warnx("mqtt: the leader refused our command: %.*s", (int)(len < 300 ? len : 300),
				  payload);
			d.net.refused_until = time_mono_ms() + 1500;
			update();
		}
	}
}

static void net_link(bool up, void *data)
{
	(void)data;
	d.net.down_since = up ? 0 : time_mono_ms();
	if (up) {
		publish_status();
		publish_state();
		announce_to_homeassistant();
	}
	update();
}

static void net_init(void)
{
	static const struct mqtt_handlers handlers = { net_message, net_link, NULL };
	char *will;

	d.net.role = d.conf->role;
	if (d.net.role == NODE_STANDALONE)
		return;
	d.net.heartbeat = loop_timer_add(heartbeat, NULL);
	d.net.down_since = time_mono_ms();
	will = node_status(false);
	if (mqtt_init(d.conf, will, &handlers) < 0)
		log_fatalx("mqtt: cannot set up the link (see above)");
	free(will);
	mqtt_subscribe("state");
	mqtt_subscribe("node/+/status");
	mqtt_subscribe("selftest/run");
	if (d.conf->mqtt.homeassistant) {
		char birth[96];

		snprintf(birth, sizeof(birth), "%s/status", d.conf->mqtt.discovery_prefix);
		mqtt_subscribe_absolute(birth);
	}
	if (d.net.role == NODE_LEADER) {
		mqtt_subscribe("cmd");
		loop_timer_arm(d.net.heartbeat, time_mono_ms() + d.conf->mqtt.heartbeat_ms);
	} else {
		mqtt_subscribe("error");
	}
}

static void net_fini(void)
{
	char *bye;

	if (d.net.role == NODE_STANDALONE && !d.net.heartbeat)
		return;
	bye = node_status(false);
	mqtt_fini(bye);
	free(bye);
	loop_timer_remove(d.net.heartbeat);
}

static void net_status_json(cJSON *o)
{
	cJSON *n = cJSON_AddObjectToObject(o, "node");
	int64_t next = NEVER;
	enum cue_link link = d.net.role == NODE_FOLLOWER ? follower_link(time_mono_ms(), &next)
							   : CUE_LINK_OK;

	cJSON_AddStringToObject(n, "name", d.conf->node_name);
	cJSON_AddStringToObject(n, "studio", d.conf->studio);
	cJSON_AddStringToObject(n, "role", role_name(d.net.role));
	cJSON_AddBoolToObject(n, "connected", mqtt_connected());
	cJSON_AddStringToObject(n, "leader", d.net.role == NODE_LEADER ? d.conf->node_name : d.net.leader);
	cJSON_AddStringToObject(n, "link", link == CUE_LINK_STALE ? "stale"
					     : link == CUE_LINK_LOST ? "lost" : "ok");
	cJSON_AddNumberToObject(n, "sent", (double)d.net.sent);
	cJSON_AddNumberToObject(n, "received", (double)d.net.received);
	cJSON_AddNumberToObject(n, "rejected", (double)d.net.rejected);
}

/* onaird --selftest: the checklist once, then exit 1 if anything FAILs. */
/* What the drivers call back into, the same for the daemon and its
 * one-shot modes. */
static void host_init(void)
{
	d.host.command = host_command;
	d.host.presence = host_presence;
	d.host.config_path = d.config_path;
}

static int run_selftest(bool json)
{
	static struct selftest t;
	char now[40], path[PATH_MAX + 32], *report;
	enum selftest_verdict v;

	if (loop_init() < 0)
		log_fatal("loop: init");
	boot_id_read(d.boot_id, sizeof(d.boot_id));
	host_init();
	d.host.board = *d.conf->board.path ? &d.conf->board : NULL;
	if (dir_create(d.conf->state_dir, 0750) < 0)
		log_warn("state: %s", d.conf->state_dir);
	checks_run(d.conf, &d.host, &t);
	time_format_wall(time_now().wall, now, sizeof(now));
	report = selftest_json(&t, d.conf->node_name, now);
	checks_publish(d.conf, report);
	snprintf(path, sizeof(path), "%s/selftest.json", d.conf->state_dir);
	if (report && file_write_atomic(path, report, strlen(report)) < 0)
		log_warn("selftest: write %s", path);
	if (json)
		printf("%s\n", report ? report : "{}");
	else
		selftest_print(&t, stdout, isatty(STDOUT_FILENO));
	free(report);
	v = selftest_verdict(&t);
	loop_fini();
	free(d.conf);
	return v == SELFTEST_FAIL ? 1 : 0;
}

/* The unit's ExecStopPost: however the daemon ended (kill -9, a crash, the
 * watchdog), every output is opened once and left off. A GPIO line or a
 * relay board otherwise keeps its last state with nothing driving it: an
 * ON AIR lamp that lies until someone notices. */
static int run_safe_outputs(void)
{
	if (loop_init() < 0)
		log_fatal("loop: init");
	host_init();
	devices_open(d.conf);
	devices_close();
	loop_fini();
	log_info("all outputs safe");
	free(d.conf);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: onaird [-c FILE] [--check] [--dump-config] [--selftest [--json]] [--safe-outputs]\n"
		   "              [-o section.key=value]...\n"
		   "              [--state-dir DIR] [--socket PATH] [-d] [--version]\n"
		   "  -c, --config FILE   config file (default %s/onair/onair.conf)\n"
		   "      --check         validate config and rundown, print every error, exit\n"
		   "      --dump-config   print the effective config and exit\n"
		   "      --selftest      run the pre-live checklist once (--json for JSON); exit 1 on FAIL\n"
		   "      --safe-outputs  open every output, leave it off and exit (after a crash)\n"
		   "  -o KEY=VALUE        override any config key, e.g. -o show.preroll=5\n"
		   "      --state-dir DIR where the running show and the show logs are kept\n"
		   "      --socket PATH   control socket (default /run/onair/onaird.sock)\n"
		   "  -d, --debug         log debug messages\n", SYSCONFDIR);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "check", no_argument, NULL, 'C' },
		{ "dump-config", no_argument, NULL, 'D' }, { "state-dir", required_argument, NULL, 'S' },
		{ "socket", required_argument, NULL, 's' }, { "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' }, { "help", no_argument, NULL, 'h' },
		{ "selftest", no_argument, NULL, 'T' }, { "json", no_argument, NULL, 'J' },
		{ "safe-outputs", no_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 }
	};
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP };
	static const char *overrides[CONF_MAX_OVERRIDES];
	bool check = false, dump = false, debug = false, selftest = false, json = false, safe = false;
	struct diag diag = { 0 };
	int opt, rc;

	/* A config with its rundown is a few hundred KiB; a fixed threshold
	 * keeps such blocks mmap'd, so every reload gives the old one back to
	 * the system instead of growing the heap for good (glibc's moving
	 * threshold would). */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);

	d.config_path = SYSCONFDIR "/onair/onair.conf";
	while ((opt = getopt_long(argc, argv, "c:o:dh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': d.config_path = optarg; break;
		case 'C': check = true; break;
		case 'T': selftest = true; break;
		case 'O': safe = true; break;
		case 'J': json = true; break;
		case 'D': dump = true; break;
		case 'S': d.state_dir_arg = optarg; break;
		case 's': d.socket_arg = optarg; break;
		case 'd': debug = true; break;
		case 'o':
			if (d.noverrides == CONF_MAX_OVERRIDES) {
				fprintf(stderr, "onaird: at most %d -o options\n", CONF_MAX_OVERRIDES);
				return 2;
			}
			overrides[d.noverrides++] = optarg;
			break;
		case 'V': printf("onaird %s\n", ONAIR_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	d.overrides = overrides;
	log_init("onaird", LOG_LEVEL_INFO);
	d.conf = load_config(&diag);
	if (!d.conf) {
		diag_print(&diag);
		fprintf(stderr, "onaird: %zu error%s in the configuration\n", diag.count,
			diag.count == 1 ? "" : "s");
		diag_free(&diag);
		return 1;
	}
	if (check) {
		printf("configuration OK (%d segments, %d device%s)\n", d.conf->rundown.count,
		       d.conf->ndevices, d.conf->ndevices == 1 ? "" : "s");
		free(d.conf);
		return 0;
	}
	if (dump) {
		conf_dump(d.conf, stdout);
		free(d.conf);
		return 0;
	}
	if (selftest) {
		log_set_level(debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR);
		return run_selftest(json);
	}
	if (safe)
		return run_safe_outputs();
	log_set_level(debug ? LOG_LEVEL_DEBUG : d.conf->log_level);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (dir_create(d.conf->state_dir, 0750) < 0 || access(d.conf->state_dir, W_OK) < 0)
		log_fatal("state: %s (use --state-dir DIR)", d.conf->state_dir);
	if (loop_init() < 0)
		log_fatal("loop: init");
	if (loop_signals(signals, (int)ARRAY_SIZE(signals), on_signal, NULL) < 0)
		log_fatal("loop: signals");
	d.timer = loop_timer_add(timer_fired, NULL);
	if (!d.timer)
		log_fatal("loop: timer");
	if (ctl_init(d.conf->socket, ctl_handle, NULL) < 0)
		log_fatalx("ctl: cannot listen on %s", d.conf->socket);
	boot_id_read(d.boot_id, sizeof(d.boot_id));
	host_init();
	show_init(&d.show);
	resume_saved_show();
	devices_open(d.conf);
	net_init();
	update();

	d.watchdog_ms = notify_watchdog_ms();
	if (d.watchdog_ms > 0) {
		d.watchdog = loop_timer_add(watchdog_fired, NULL);
		watchdog_fired(NULL);
	}
	log_info("ready: %s, %d segments, socket %s, state %s", d.conf->title, d.conf->rundown.count,
		 d.conf->socket, d.conf->state_dir);
	notify_send("READY=1");
	rc = loop_run();
	notify_send("STOPPING=1");
	devices_close();
	net_fini();
	ctl_fini();
	showlog_close(&d.log);
	loop_timer_remove(d.timer);
	loop_timer_remove(d.watchdog);
	loop_fini();
	free(d.conf);
	log_info("stopped; all outputs safe");
	return rc;
}
