/* The running show (see running.h): apply, show, then record. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <limits.h>

#include <cJSON.h>

#include "../../core/log.h"
#include "../../core/loop.h"
#include "persist.h"
#include "running.h"
#include "store.h"

struct running running = { .log.fd = -1 };

static struct {
	struct running_args args;
	struct running_link link;
#define RUNNING_OBSERVERS 8
	running_observer observer[RUNNING_EVENTS][RUNNING_OBSERVERS];
	bool (*gate)(char *why, size_t len);
	void (*viewed)(const struct show_view *v);
	void (*sources)(struct cue_output *out, struct onair_time now);
	struct loop_timer *timer;
	bool rendered;
	int64_t log_show_wall;	/* the show whose log is open */
	bool storage_failing;	/* as last told by the storage worker */
	int64_t checkpoint_mono;	/* the state file last written */
} r;

#define CHECKPOINT_MS 60000

void running_set_args(const struct running_args *args)
{
	r.args = *args;
}

struct conf *running_load_config(struct diag *diag)
{
	struct conf *c = malloc(sizeof(*c));

	if (!c) {
		diag_add(diag, r.args.config_path, 0, "out of memory");
		return NULL;
	}
	if (conf_load(c, r.args.config_path, r.args.overrides, r.args.noverrides, diag) < 0) {
		free(c);
		return NULL;
	}
	if (r.args.state_dir_arg)
		str_copy(c->state_dir, r.args.state_dir_arg, sizeof(c->state_dir));
	if (r.args.socket_arg)
		str_copy(c->socket, r.args.socket_arg, sizeof(c->socket));
	c->show.schedule_wall = conf_schedule(c, time_now().wall);
	c->show.end_wall = conf_show_end(c, c->show.schedule_wall ? c->show.schedule_wall : time_now().wall);
	{
		struct diag warnings = { 0 };

		conf_warnings(c, &warnings);
		for (size_t i = 0; i < warnings.count; i++)
			log_warnx("config: warning: %s", warnings.lines[i]);
		diag_free(&warnings);
	}
	return c;
}

void running_set_link(const struct running_link *link)
{
	r.link = *link;
}

void running_observe(enum running_event ev, running_observer fn)
{
	for (int i = 0; i < RUNNING_OBSERVERS; i++)
		if (!r.observer[ev][i] || r.observer[ev][i] == fn) {
			r.observer[ev][i] = fn;
			return;
		}
	log_fatalx("running: more than %d observers of one event", RUNNING_OBSERVERS);
}

void running_unobserve(enum running_event ev, running_observer fn)
{
	for (int i = 0; i < RUNNING_OBSERVERS; i++)
		if (r.observer[ev][i] == fn) {
			memmove(&r.observer[ev][i], &r.observer[ev][i + 1],
				sizeof(fn) * (size_t)(RUNNING_OBSERVERS - i - 1));
			r.observer[ev][RUNNING_OBSERVERS - 1] = NULL;
			return;
		}
}

static void notify(enum running_event ev, struct onair_time now)
{
	for (int i = 0; i < RUNNING_OBSERVERS && r.observer[ev][i]; i++)
		r.observer[ev][i](now);
}

void running_set_gate(bool (*gate)(char *why, size_t len))
{
	r.gate = gate;
}

void running_set_viewed(void (*viewed)(const struct show_view *v))
{
	r.viewed = viewed;
}

void running_set_sources(void (*sources)(struct cue_output *out, struct onair_time now))
{
	r.sources = sources;
}

void running_publish(void)
{
	running_redraw();
	if (r.link.changed)
		r.link.changed();
}

/* Would this command take the show from standby (or a finished show) on air? */
static bool starts_show(const struct show_cmd *cmd)
{
	bool idle = running.show.phase == SHOW_STANDBY || running.show.phase == SHOW_ENDED;

	return cmd->kind == SHOW_CMD_START ||
	       (idle && (cmd->kind == SHOW_CMD_NEXT || cmd->kind == SHOW_CMD_GOTO));
}

void running_set_role(enum node_role role)
{
	running.role = role;
}

bool running_on_air(void)
{
	enum show_phase p = running.show.phase;

	return p == SHOW_PREROLL || p == SHOW_LIVE || p == SHOW_HOLD;
}

/* The state file, through the storage worker: a checkpoint when the show
 * log carries the state (the journal), else the record itself. */
static void save_state(struct onair_time now)
{
	char path[PATH_MAX];
	char *text = persist_encode(&running.show, now, running.boot_id,
				    rundown_hash(&running.conf->rundown));

	if (!text) {
		log_warnx("state: out of memory encoding the state");
		return;
	}
	snprintf(path, sizeof(path), "%s/show.state", running.conf->state_dir);
	store_replace(path, text, strlen(text));
	free(text);
	r.checkpoint_mono = now.mono;
}

/* Write the engine's events to the show log (a new show opens a new log
 * first) and say them in the daemon's log. With journal, the last one
 * carries the show's state: true when it did. */
static bool record(const struct show_events *ev, enum show_source src, const char *who,
		   struct onair_time now, bool journal)
{
	const struct conf *c = running.conf;
	bool journaled = false;

	for (int i = 0; i < ev->count; i++) {
		cJSON *state = NULL;

		/* A follower's show is the leader's: the leader keeps its log. */
		if (running.role == NODE_FOLLOWER)
			break;
		if (running.show.show_start_wall && running.show.show_start_wall != r.log_show_wall) {
			r.log_show_wall = running.show.show_start_wall;
			if (showlog_open(&running.log, c->state_dir, running.show.show_start_wall) < 0) {
				log_warn("showlog: open in %s/shows", c->state_dir);
			} else {
				struct show_clock clock;

				log_info("showlog: %s", running.log.path);
				if (running.log.fresh &&
				    showlog_rundown(&running.log, &c->rundown, &c->show, c->title,
						    show_clock(&running.show, &c->rundown, &c->show, now, &clock)
							    ? clock.planned_end_wall : 0, now) < 0)
					log_warn("showlog: write %s", running.log.path);
			}
		}
		if (journal && i == ev->count - 1 && running.log.fd >= 0 && (state = cJSON_CreateObject())) {
			persist_fields(state, &running.show, now, running.boot_id, rundown_hash(&c->rundown),
				       PERSIST_RUNS_ALL);
			journaled = true;
		}
		if (running.log.fd >= 0 &&
		    showlog_event(&running.log, &ev->ev[i], &c->rundown, c->title, src, who,
				  running.show.seq, now, state) < 0)
			log_warn("showlog: write %s", running.log.path);
		else if (running.log.fd < 0)
			cJSON_Delete(state);
		if (ev->ev[i].seg >= 0)
			log_info("show: %s segment %d \"%s\" (%s%s%s)", show_event_name(ev->ev[i].kind),
				 ev->ev[i].seg + 1, c->rundown.seg[ev->ev[i].seg].title,
				 show_source_name(src), who && *who ? " " : "", who ? who : "");
		else
			log_info("show: %s (%s)", show_event_name(ev->ev[i].kind), show_source_name(src));
	}
	return journaled;
}

void running_view_at(struct onair_time now, struct show_view *v)
{
	const struct conf *c = running.conf;
	struct cue_output out;

	cue_eval(&running.show, &c->rundown, &c->show, &c->cue, now, &out);
	if (r.link.overlay)
		r.link.overlay(&out, now);
	if (r.sources)
		r.sources(&out, now);
	if (r.storage_failing)
		cue_apply_storage(&out, &c->cue, now);
	view_build(v, &running.show, &c->rundown, &c->show, c->title, &out, now);
}

/* The snapshot at now to every device when a person would see a change,
 * then sleep until the next moment one is due. */
static void show_outputs(struct onair_time now)
{
	struct show_view view;
	int64_t next;
	bool changed;

	running_view_at(now, &view);
	changed = !r.rendered || cue_output_differs(&view.out, &running.view.out) ||
		  view.segment != running.view.segment || view.segments != running.view.segments ||
		  strcmp(view.title, running.view.title) != 0;
	running.view = view;
	if (changed) {
		r.rendered = true;
		for (int i = 0; i < running.ndevices; i++)
			running.device[i].ops->render(running.device[i].drv, &running.view);
	}
	if (r.viewed)
		r.viewed(&running.view);
	next = show_next_deadline(&running.show, &running.conf->rundown, &running.conf->show, now);
	if (r.timer)
		loop_timer_arm(r.timer, view.out.next < next ? view.out.next : next);
}

/* Outputs first, storage after: the lamps never wait for a disk. */
static void after_change(struct onair_time now, const struct show_events *timed,
			 const struct show_events *cmd, enum show_source src, const char *who)
{
	bool journaled = false, changed = (timed && timed->count) || (cmd && cmd->count);

	/* Every output first: the devices, then the studio (the MQTT state). */
	show_outputs(now);
	if (changed && r.link.changed)
		r.link.changed();
	if (timed)
		journaled = record(timed, SHOW_SRC_TIMER, "", now, !(cmd && cmd->count));
	if (cmd)
		journaled = record(cmd, src, who, now, true) || journaled;
	/* The show log carries the state: the file is only a checkpoint, now
	 * and then and when a show ends, off the answers' path. A follower
	 * answers nothing and keeps the leader's show only to come back to it
	 * after a restart: a checkpoint is enough there too. */
	if (changed && ((!journaled && running.role != NODE_FOLLOWER) || running.show.phase == SHOW_ENDED ||
			now.mono - r.checkpoint_mono >= CHECKPOINT_MS))
		save_state(now);
	notify(RUNNING_UPDATED, now);
}

void running_update(void)
{
	struct onair_time now = time_now();
	struct show_events ev;
	bool ticked = show_tick(&running.show, &running.conf->rundown, &running.conf->show, now, &ev);

	after_change(now, ticked ? &ev : NULL, NULL, SHOW_SRC_TIMER, "");
}

void running_redraw(void)
{
	r.rendered = false;
	running_update();
}

const char *running_command(const struct show_cmd *cmd, const char *who, char *err, size_t errlen)
{
	const struct conf *c = running.conf;
	struct onair_time now = time_now();
	struct show_events timed, ev;
	bool ticked, gate_closed;
	char why[256];
	struct show_cmd resolved;

	if (running.role == NODE_FOLLOWER && cmd->source != SHOW_SRC_MQTT)
		return r.link.forward && r.link.forward(cmd, who, err, errlen) ? NULL : err;
	if (cmd->kind == SHOW_CMD_SAY && cmd->canned) {
		const char *text = conf_canned(c, cmd->text);

		if (!text) {
			size_t used = (size_t)snprintf(err, errlen, "no canned message \"%s\" (the config's [web] "
						       "message lines have:", cmd->text);

			for (int i = 0; i < c->web.ncanned && used < errlen; i++)
				used += (size_t)snprintf(err + used, errlen - used, " %s", c->web.canned[i].key);
			if (used < errlen)
				snprintf(err + used, errlen - used, "%s)", c->web.ncanned ? "" : " none");
			return err;
		}
		resolved = *cmd;
		resolved.canned = false;
		str_copy(resolved.text, text, sizeof(resolved.text));
		cmd = &resolved;
	}
	/* Time-driven transitions first, so the command meets the state as it is now. */
	ticked = show_tick(&running.show, &c->rundown, &c->show, now, &timed);
	gate_closed = starts_show(cmd) && r.gate && !r.gate(why, sizeof(why));
	if (gate_closed && !cmd->override) {
		snprintf(err, errlen, "%s", why);
		log_warnx("show: %s refused (%s%s%s): %s", show_cmd_name(cmd->kind),
			  show_source_name(cmd->source), who ? " " : "", who ? who : "", err);
		running.commands[cmd->source][1]++;
		if (ticked)
			after_change(now, &timed, NULL, SHOW_SRC_TIMER, "");
		return err;
	}
	if (show_apply(&running.show, &c->rundown, &c->show, cmd, now, &ev, err, errlen) < 0) {
		log_info("show: %s refused (%s%s%s): %s", show_cmd_name(cmd->kind), show_source_name(cmd->source),
			 who ? " " : "", who ? who : "", err);
		running.commands[cmd->source][1]++;
		if (ticked)
			after_change(now, &timed, NULL, SHOW_SRC_TIMER, "");
		if (running.log.fd >= 0 && running.show.phase != SHOW_ENDED)
			showlog_rejected(&running.log, show_cmd_name(cmd->kind), err, cmd->source, who, now);
		return err;
	}
	after_change(now, ticked ? &timed : NULL, &ev, cmd->source, who);
	running.commands[cmd->source][0]++;
	if (gate_closed) {
		char detail[512];

		/* Who went live past the gate, and why, is part of the show's record. */
		snprintf(detail, sizeof(detail), "%s%s%s: %s (the gate said: %s)", show_source_name(cmd->source),
			 who && *who ? " " : "", who ? who : "", cmd->text, why);
		log_warnx("show: started past the self-test gate by %s", detail);
		if (running.log.fd >= 0)
			showlog_note(&running.log, "override", detail, now);
	}
	return NULL;
}

void running_follow(const struct show_state *s, struct onair_time now)
{
	bool moved = s->seq != running.show.seq || s->phase != running.show.phase ||
		     s->seg != running.show.seg;

	running.show = *s;	/* the same state or not, its anchors may be fresher */
	running_update();
	if (moved && (running.show.phase == SHOW_ENDED || now.mono - r.checkpoint_mono >= CHECKPOINT_MS))
		save_state(now);
}

static void host_command(struct drv_host *host, const struct show_cmd *cmd, const char *who)
{
	char err[160];

	(void)host;
	running_command(cmd, who, err, sizeof(err));
	if (r.link.pressed)
		r.link.pressed(cmd, who);
}

static void host_presence(struct drv_host *host, const char *device, bool present)
{
	(void)host;
	log_info("device %s: %s", device, present ? "present" : "missing");
}

static void timer_fired(void *data)
{
	(void)data;
	running_update();
}

void running_init(struct conf *c)
{
	running.conf = c;
	running.role = c->role;
	running.host.command = host_command;
	running.host.presence = host_presence;
	running.host.config_path = r.args.config_path;
	running.host.board = *c->board.path ? &c->board : NULL;
	boot_id_read(running.boot_id, sizeof(running.boot_id));
	show_init(&running.show);
}

void running_devices_close(void)
{
	for (int i = running.ndevices - 1; i >= 0; i--) {
		running.device[i].ops->safe(running.device[i].drv);
		running.device[i].ops->close(running.device[i].drv);
	}
	running.ndevices = 0;
}

void running_devices_open(void)
{
	const struct conf *c = running.conf;
	struct diag diag = { 0 };

	/* Drivers read the board while they open, and keep what they need. */
	running.host.board = *c->board.path ? &c->board : NULL;
	for (int i = 0; i < c->ndevices; i++) {
		char why[128];
		const struct drv_ops *ops = drv_find(c->device[i].driver, why, sizeof(why));
		struct drv *drv = ops ? ops->open(&c->device[i], &running.host, &diag) : NULL;
		struct device *dev = &running.device[running.ndevices];

		if (!drv) {
			if (!ops)
				log_warnx("device %s: %s", c->device[i].name, why);
			diag_print(&diag);
			diag_free(&diag);
			log_warnx("device %s: cannot open; going on without it", c->device[i].name);
			continue;
		}
		str_copy(dev->name, c->device[i].name, sizeof(dev->name));
		dev->ops = ops;
		dev->drv = drv;
		running.ndevices++;
	}
	diag_free(&diag);
}

static void resume_saved_show(void)
{
	const struct conf *c = running.conf;
	struct onair_time now = time_now();
	struct persist_origin origin;
	uint32_t hash;
	char err[160];
	int rc = persist_load_newest(c->state_dir, &running.show, now, running.boot_id, &hash, &origin,
				     err, sizeof(err));

	if (origin.file_damaged) {
		char kept[PATH_MAX + 16], from[PATH_MAX];

		/* Kept for the technician, never overwritten by the next save. */
		snprintf(from, sizeof(from), "%s/show.state", c->state_dir);
		snprintf(kept, sizeof(kept), "%s/show.state.damaged", c->state_dir);
		if (rename(from, kept) == 0)
			log_warnx("state: %s is unusable (%s); kept as %s", from, err, kept);
		else
			log_warnx("state: %s is unusable (%s)", from, err);
	}
	if (rc < 0) {
		log_warnx("state: nothing usable to resume from; starting in standby");
		show_init(&running.show);
		return;
	}
	if (rc == 0)
		return;
	if (origin.from_log)
		log_info("state: resuming from the show log %s (newer than the state file)", origin.log);
	if ((running.show.phase == SHOW_LIVE || running.show.phase == SHOW_HOLD) &&
	    running.show.seg >= c->rundown.count) {
		log_warnx("state: saved segment %d is not in the rundown (%d segments); starting in standby",
			  running.show.seg + 1, c->rundown.count);
		show_init(&running.show);
		return;
	}
	if (hash != rundown_hash(&c->rundown))
		log_warnx("state: the rundown changed since the state was saved; resuming by segment number");
	if (origin.clock_doubt && running.show.phase == SHOW_LIVE) {
		struct show_cmd hold = { .kind = SHOW_CMD_HOLD, .source = SHOW_SRC_TIMER };
		struct show_events ev;
		char saved[48], reads[48];

		time_format_wall(origin.saved_wall, saved, sizeof(saved));
		time_format_wall(now.wall, reads, sizeof(reads));
		log_warnx("state: the clock reads %s but the show was saved at %s: not believed; the show "
			  "resumes on HOLD at the time it had left (resume once the clock is right)", reads, saved);
		show_apply(&running.show, &c->rundown, &c->show, &hold, now, &ev, err, sizeof(err));
	}
	if (running.show.phase != SHOW_STANDBY && running.show.phase != SHOW_ENDED &&
	    running.show.show_start_wall) {
		r.log_show_wall = running.show.show_start_wall;
		if (showlog_open(&running.log, c->state_dir, running.show.show_start_wall) == 0) {
			if (running.log.torn)
				log_warnx("showlog: the last record of %s was cut short (a power cut while "
					  "writing); it is kept as it is and skipped by the report", running.log.path);
			showlog_note(&running.log, "resume", running.log.torn
					     ? "daemon restarted; show resumed from saved state; the last record was torn"
					     : "daemon restarted; show resumed from saved state", now);
		}
		log_info("state: resumed %s show at segment %d", show_phase_name(running.show.phase),
			 running.show.seg + 1);
	}
}

/* The storage worker moved on: a fault shows on the cue light at once, and
 * when recording works again the log says what happened in between. */
static void storage_changed(void *data)
{
	struct store_fault f;
	char detail[200], since[48];

	(void)data;
	store_fault(&f);
	if (f.failing == r.storage_failing)
		return;
	r.storage_failing = f.failing;
	time_format_wall(f.since_wall, since, sizeof(since));
	if (f.failing) {
		log_warnx("storage: recording failed (%s); the show goes on, %llu record%s held in memory",
			  strerror(f.err), (unsigned long long)f.held, f.held == 1 ? "" : "s");
	} else {
		snprintf(detail, sizeof(detail), "recording failed from %s until now; records held meanwhile "
			 "were written late, %llu given up", since, (unsigned long long)f.dropped);
		log_warnx("storage: recording works again; %s", detail);
		if (running.log.fd >= 0)
			showlog_note(&running.log, "gap", detail, time_now());
	}
	running_redraw();
}

void running_start(void)
{
	if (store_init(storage_changed, NULL) < 0)
		log_fatal("storage: start the writer");
	r.timer = loop_timer_add(timer_fired, NULL);
	if (!r.timer)
		log_fatal("loop: timer");
	resume_saved_show();
	running_devices_open();
}

void running_stop(void)
{
	running_devices_close();
	/* Outputs are safe; a last checkpoint, then wait out the disk for what
	 * is still queued. */
	save_state(time_now());
	store_fini();
	showlog_close(&running.log);
}

void running_fini(void)
{
	loop_timer_remove(r.timer);
	r.timer = NULL;
	free(running.conf);
	running.conf = NULL;
}

int running_reload(char *err, size_t errlen)
{
	struct diag diag = { 0 };
	struct conf *c = running_load_config(&diag), *old = running.conf;
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
	if ((running.show.phase == SHOW_LIVE || running.show.phase == SHOW_HOLD) &&
	    running.show.seg >= c->rundown.count) {
		snprintf(err, errlen, "the running segment %d is not in the new rundown (%d segments); "
			 "keeping the running config", running.show.seg + 1, c->rundown.count);
		log_warnx("reload: %s", err);
		free(c);
		return -1;
	}
	devices_changed = c->ndevices != old->ndevices ||
			  memcmp(c->device, old->device, sizeof(c->device[0]) * (size_t)c->ndevices) != 0 ||
			  memcmp(&c->board, &old->board, sizeof(c->board)) != 0;
	if (strcmp(c->state_dir, old->state_dir) != 0 || strcmp(c->socket, old->socket) != 0)
		log_warnx("reload: state_dir and socket take effect at the next start");
	if (memcmp(&c->mqtt, &old->mqtt, sizeof(c->mqtt)) != 0 || c->role != old->role ||
	    strcmp(c->node_name, old->node_name) != 0 || strcmp(c->studio, old->studio) != 0)
		log_warnx("reload: [mqtt] and [node] take effect at the next start");
	str_copy(c->state_dir, old->state_dir, sizeof(c->state_dir));
	str_copy(c->socket, old->socket, sizeof(c->socket));
	if (devices_changed)
		running_devices_close();
	free(old);
	running.conf = c;
	log_set_level(c->log_level);
	if (devices_changed)
		running_devices_open();
	log_info("reload: config %s and rundown (%d segments) loaded", c->path, c->rundown.count);
	if (running.log.fd >= 0)
		showlog_note(&running.log, "reload", c->path, time_now());
	notify(RUNNING_RELOADED, time_now());
	running_redraw();
	return 0;
}
