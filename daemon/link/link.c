/* The studio link (see link.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/cmd.h"
#include "../../core/lease.h"
#include "../../core/log.h"
#include "../../core/loop.h"
#include "../../core/jsontext.h"
#include "../signal/audiowatch.h"
#include "../selftest/checkrun.h"
#include "../floor/floor.h"
#include "link.h"
#include "../mqtt/mqtt.h"
#include "../mqtt/mqttmsg.h"
#include "../show/running.h"
#include "../tally/sources.h"
#include "../show/store.h"
#include "../../core/version.h"
#include "../show/viewjson.h"

static struct {
	char leader[64];	/* follower: the leader followed */
	char status_of[64];	/* follower: whose status it hears (its leader's) */
	struct lease lease;	/* follower: what it heard and when */
	int64_t refused_until;	/* a local press the leader did not take */
	uint64_t next_id;
	int64_t id_epoch;
	bool hash_said;
	char claim_said[64];	/* the last claimant to the lead that was logged */
	bool ha_id_said;
	struct loop_timer *heartbeat;
	struct loop_timer *coalesce;	/* leader: the newest state after a burst */
	int64_t state_sent_mono;
	size_t state_bytes, state_bytes_max;
	uint64_t state_oversize;
	int64_t oversize_said_mono;
	uint64_t sent, received, rejected;
	struct rate_limit door;		/* leader: commands the MQTT door still takes */
	int64_t door_said;
	enum cue_camera camera_tally;	/* follower: its camera, from the leader's sources */
	char camera_label[MQTTMSG_LABEL_MAX];	/* follower: the switcher's label for it */
	struct truth stream;		/* follower: the leader's stream and its disagreement */
	char alarm[MQTTMSG_ALARMS][MQTTMSG_ALARM_MAX];	/* follower: the leader's alarms */
	int nalarms;
} l;

/* What a message handler gets: the topic without the studio prefix, the
 * payload and the MQTT v5 response topic and correlation data. */
struct link_msg {
	const char *topic;
	const char *payload;
	size_t len;
	bool retained;		/* from the broker's store, not from its sender now */
	const char *response;
	const void *corr;
	int corr_len;
};

enum { ROLE_LEADER = 1 << NODE_LEADER, ROLE_FOLLOWER = 1 << NODE_FOLLOWER };

static const char *role_name(enum node_role role)
{
	return role == NODE_LEADER ? "leader" : role == NODE_FOLLOWER ? "follower" : role == NODE_FLOOR ? "floor"
												 : "standalone";
}

static const struct conf *conf(void)
{
	return running.conf;
}

/* Where the leader answers this box's forwarded presses (under the
 * studio's prefix): only the leader's credentials may write reply/. */
static void reply_topic(char *buf, size_t len)
{
	snprintf(buf, len, "reply/%s/cmd", conf()->node_name);
}

static char *node_status(bool online)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	json_add_text(o, "node", conf()->node_name);
	json_add_text(o, "role", role_name(running.role));
	json_add_text(o, "status", online ? "online" : "offline");
	json_add_text(o, "version", ONAIR_VERSION);
	if (online)
		viewjson_devices(o, false);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static void publish_status(void)
{
	char topic[96], *text = node_status(true);

	snprintf(topic, sizeof(topic), "node/%s/status", conf()->node_name);
	mqtt_publish(topic, text, true, 1, 0);
	free(text);
}

/* A burst of changes (a switcher's flood, OBS's events) is one state per
 * this gap, the newest; a single change goes out at once. */
#define STATE_GAP_MS 50
#define OVERSIZE_LOG_MS 60000

static void publish_view(const struct show_view *v, int qos)
{
	cJSON *facts;
	char *state;
	size_t len;
	int64_t now = time_mono_ms();

	if (running.role != NODE_LEADER || !mqtt_connected())
		return;
	facts = cJSON_CreateObject();
	sources_state_json(facts, MQTTMSG_CAMERAS, MQTTMSG_LABEL_MAX);
	audiowatch_alarms_json(facts);
	sources_alarms_json(cJSON_GetObjectItemCaseSensitive(facts, "alarms"));
	state = mqttmsg_state_encode(&running.show, v, conf()->node_name, running.boot_id,
				     rundown_hash(&conf()->rundown), facts);
	cJSON_Delete(facts);
	if (!state)
		return;
	len = strlen(state);
	l.state_bytes = len;
	if (len > l.state_bytes_max)
		l.state_bytes_max = len;
	/* Followers would refuse it and go stale: say so, loudly, rather
	 * than send it. The state is bounded well below this (docs/mqtt.md). */
	if (len > MQTTMSG_STATE_MAX) {
		l.state_oversize++;
		if (!l.oversize_said_mono || now - l.oversize_said_mono >= OVERSIZE_LOG_MS) {
			log_warnx("mqtt: the studio's state is %zu bytes, over the %d bytes followers take: "
				  "not sent (%llu so far)", len, MQTTMSG_STATE_MAX,
				  (unsigned long long)l.state_oversize);
			l.oversize_said_mono = now;
		}
		free(state);
		return;
	}
	if (mqtt_publish("state", state, true, qos, 0)) {
		l.sent++;
		l.state_sent_mono = now;
	}
	free(state);
}

static void coalesced(void *data)
{
	struct show_view v;

	(void)data;
	running_view_at(time_now(), &v);
	publish_view(&v, 1);
}

/* The show changed: the snapshot the devices just got goes to the studio,
 * at QoS 1, or the newest one a gap after the last. */
static void publish_state(void)
{
	int64_t now = time_mono_ms();

	if (l.state_sent_mono && now - l.state_sent_mono < STATE_GAP_MS) {
		loop_timer_arm(l.coalesce, l.state_sent_mono + STATE_GAP_MS);
		return;
	}
	publish_view(&running.view, 1);
}

/* The next heartbeat, moved onto a change of the countdown (which comes
 * on whole seconds from its next one) within a second after it is due:
 * one wake-up serves both, here and on every follower counting alike. */
static void arm_heartbeat(void)
{
	int64_t due = time_mono_ms() + conf()->mqtt.heartbeat_ms, next = running.view.out.next;

	if (next != NEVER && next < due)
		next += (due - next + 999) / 1000 * 1000;
	if (next != NEVER && next >= due && next - due < 1000)
		due = next;
	loop_timer_arm(l.heartbeat, due);
}

/* The leader republishes its state now and then: followers' lamps are
 * leases that this renews. */
static void heartbeat(void *data)
{
	struct show_view v;

	(void)data;
	running_view_at(time_now(), &v);
	/* QoS 0: a lost heartbeat is replaced by the next one, and a PUBACK
	 * would be one more wake-up every time. */
	publish_view(&v, 0);
	mqtt_tick();
	arm_heartbeat();
}

static void reject(const char *topic, const char *reason, const char *id, const char *response,
		   const void *corr, int corr_len)
{
	char *text = mqttmsg_error_encode(conf()->node_name, reason, mqtt_topic(topic), id);

	l.rejected++;
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
	char id[96], reply[96], topic[96], *text;
	bool sent;

	/* The daemon's start time in the id keeps ids unique across restarts,
	 * so a press is never mistaken in the leader's log for an older one. */
	if (!l.id_epoch)
		l.id_epoch = time_now().wall / 1000;
	snprintf(id, sizeof(id), "%s-%lld-%llu", conf()->node_name, (long long)l.id_epoch,
		 (unsigned long long)++l.next_id);
	text = mqttmsg_cmd_encode(cmd, conf()->node_name, id, time_now().wall);
	/* The leader's answer comes under reply/, which only the leader's
	 * credentials may write (configs/mosquitto/onair.acl): another box
	 * cannot make this one show "refused". */
	reply_topic(reply, sizeof(reply));
	/* cmd/<this box>: the one command topic its credentials may write, so
	 * the leader knows which box sent it (configs/mosquitto/onair.acl). */
	snprintf(topic, sizeof(topic), "cmd/%s", conf()->node_name);
	sent = mqtt_request(topic, text, false, 1, (int)((conf()->mqtt.max_age_ms + 999) / 1000), reply, id,
			    (int)strlen(id));
	free(text);
	if (!sent) {
		snprintf(err, errlen, "not sent: no link to the broker, so the leader cannot take it");
		l.refused_until = time_mono_ms() + 1500;
		log_warnx("show: %s from %s not sent: no link to the broker", show_cmd_name(cmd->kind), who);
		running_update();
		return false;
	}
	log_info("show: %s (%s %s) sent to the leader as %s", show_cmd_name(cmd->kind),
		 show_source_name(cmd->source), who ? who : "", id);
	return true;
}

static enum cue_link follower_link(int64_t now, int64_t *next)
{
	return lease_eval(&l.lease, conf()->mqtt.lease_ms, conf()->mqtt.link_lost_ms, now, next);
}

static void overlay(struct cue_output *out, struct onair_time now)
{
	if (running.role != NODE_FOLLOWER)
		return;
	/* A camera box: its camera's tally as the leader's switcher says,
	 * under the link's own looks (a silent leader's tally may lie). */
	truth_apply(out, &l.stream, &conf()->truth, running.show.phase, &conf()->cue, now);
	if (conf()->camera >= 0)
		cue_apply_camera(out, l.camera_tally, &conf()->cue, now);
	cue_apply_link(out, follower_link(now.mono, &out->next), l.refused_until, &conf()->cue, now);
}

/* Every press, taken or not, for dashboards and the review. */
static void pressed(const struct show_cmd *cmd, const char *who)
{
	char line[64], *event;
	cJSON *o;

	if (running.role == NODE_STANDALONE)
		return;
	cmd_text(cmd, line, sizeof(line));
	o = cJSON_CreateObject();
	json_add_text(o, "node", conf()->node_name);
	json_add_text(o, "source", show_source_name(cmd->source));
	json_add_text(o, "who", who);
	json_add_text(o, "cmd", line);
	cJSON_AddNumberToObject(o, "wall_ms", (double)time_now().wall);
	event = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	mqtt_publish("event", event, false, 0, 0);
	free(event);
}

/* The v5 response says "done" only once the command is on disk. */
struct response {
	char *topic;
	void *corr;
	int corr_len;
	char id[64];
};

static void respond_when_durable(void *data, bool recorded)
{
	struct response *r = data;
	char *ok = mqttmsg_ok_encode(r->id, recorded);

	mqtt_respond(r->topic, r->corr, r->corr_len, ok);
	free(ok);
	free(r->topic);
	free(r->corr);
	free(r);
}

static void respond_ok(const struct link_msg *msg, const char *id)
{
	struct response *r = calloc(1, sizeof(*r));

	if (!r || !(r->topic = strdup(msg->response)) ||
	    (msg->corr_len > 0 && !(r->corr = malloc((size_t)msg->corr_len)))) {
		if (r)
			free(r->topic);
		free(r);
		return;
	}
	if (msg->corr_len > 0)
		memcpy(r->corr, msg->corr, (size_t)msg->corr_len);
	r->corr_len = msg->corr_len;
	str_copy(r->id, id, sizeof(r->id));
	store_when_durable(store_last(), respond_when_durable, r);
}

/* Whoever holds a box's credentials could otherwise make the leader write
 * thousands of show log lines a second (a sender's "from" is its own
 * claim, so the limit is the door's, not a sender's): a burst, then this
 * many a second; a studio's pedals and tools send a few a minute, make
 * bench 50 a second. */
#define MQTT_COMMANDS_BURST 100
#define MQTT_COMMANDS_PER_S 60

static bool door_open(int64_t now)
{
	if (rate_take(&l.door, now, MQTT_COMMANDS_BURST, MQTT_COMMANDS_PER_S))
		return true;
	if (now - l.door_said >= 10000) {
		log_warnx("mqtt: more than %d commands a second: the rest are refused (a tool looping, "
			  "or someone with a box's credentials)", MQTT_COMMANDS_PER_S);
		l.door_said = now;
	}
	return false;
}

static void on_cmd(const struct link_msg *msg)
{
	struct mqttmsg_cmd m;
	char err[200], who[256], claim[sizeof(m.from) + 16] = "";
	int rc = mqttmsg_parse_cmd(msg->payload, msg->len, time_now().wall, conf()->mqtt.max_age_ms, &m,
				   err, sizeof(err));
	const char *box = strncmp(msg->topic, "cmd/", 4) == 0 ? msg->topic + 4 : NULL;

	/* What the leader knows of a sender is the topic its credentials may
	 * write (configs/mosquitto/onair.acl gives each box cmd/<its name>
	 * and nothing else to command with); a message's "from" is the
	 * sender's own word, so the log keeps it as a claim. The id lets a
	 * press be traced from the box that sent it to the log. */
	if (box && (strlen(box) >= sizeof(m.from) || !utf8_valid(box, strlen(box)))) {
		snprintf(err, sizeof(err), "a command on cmd/ with a box name that is not UTF-8 of at most %zu "
			 "bytes", sizeof(m.from) - 1);
		reject("cmd", err, m.id, msg->response, msg->corr, msg->corr_len);
		return;
	}
	if (*m.from && !(box && strcmp(m.from, box) == 0))
		snprintf(claim, sizeof(claim), ", says \"%s\"", m.from);
	snprintf(who, sizeof(who), "via %s%s%s%s%s", box ? "cmd/" : "cmd", box ? box : "", claim,
		 *m.id ? " id " : "", m.id);
	/* A command published with retain reaches the leader once as it is
	 * sent (retain flag off) and again from the broker's store on every
	 * (re)subscribe: only the first is a press. */
	if (rc == 0 && msg->retained) {
		snprintf(err, sizeof(err), "a retained command from the broker's store is never applied; "
			 "publish commands without retain (clear this one: mosquitto_pub -r -n -t %s)",
			 mqtt_topic("cmd"));
		reject("cmd", err, m.id, msg->response, msg->corr, msg->corr_len);
		return;
	}
	if (rc == -2 && running.log.fd >= 0)
		showlog_rejected(&running.log, m.word, err, SHOW_SRC_MQTT, who, time_now());
	if (rc < 0) {
		reject("cmd", err, m.id, msg->response, msg->corr, msg->corr_len);
		return;
	}
	if (!door_open(time_mono_ms())) {
		snprintf(err, sizeof(err), "more than %d commands a second over MQTT: this one is not taken",
			 MQTT_COMMANDS_PER_S);
		reject("cmd", err, m.id, msg->response, msg->corr, msg->corr_len);
		return;
	}
	l.received++;
	if (running_command(&m.cmd, who, err, sizeof(err))) {
		reject("cmd", err, m.id, msg->response, msg->corr, msg->corr_len);
	} else if (msg->response) {
		respond_ok(msg, m.id);
	}
}

/* A follower needs one box's status, its leader's (to know when it goes):
 * not every box's, which in a studio of N boxes is N² deliveries when they
 * connect. Until a state names the leader (or mqtt.leader does), none. */
static void hear_leader_status(const char *leader)
{
	char topic[96];

	if (running.role != NODE_FOLLOWER || strcmp(l.status_of, leader) == 0)
		return;
	if (*l.status_of) {
		snprintf(topic, sizeof(topic), "node/%s/status", l.status_of);
		mqtt_unsubscribe(topic);
	}
	str_copy(l.status_of, leader, sizeof(l.status_of));
	snprintf(topic, sizeof(topic), "node/%s/status", leader);
	mqtt_subscribe(topic);
}

static void follow_state(const struct link_msg *msg)
{
	struct onair_time now = time_now();
	const struct conf *c = conf();
	struct mqttmsg_state st;
	char err[200];

	if (mqttmsg_state_decode(msg->payload, msg->len, now, running.boot_id, c->camera, &st, err,
				 sizeof(err)) < 0) {
		reject("state", err, NULL, NULL, NULL, 0);
		return;
	}
	if (strcmp(st.leader, c->node_name) == 0)
		return;
	if (*c->mqtt.leader && strcmp(st.leader, c->mqtt.leader) != 0) {
		snprintf(err, sizeof(err), "state from %s: this studio's leader is %s (mqtt.leader)", st.leader,
			 c->mqtt.leader);
		reject("state", err, NULL, NULL, NULL, 0);
		return;
	}
	if (*l.leader && strcmp(st.leader, l.leader) != 0 && l.lease.heard && !l.lease.leader_offline &&
	    now.mono - l.lease.heard_mono < c->mqtt.lease_ms) {
		snprintf(err, sizeof(err), "state from %s while %s leads this studio", st.leader, l.leader);
		reject("state", err, NULL, NULL, NULL, 0);
		return;
	}
	if ((st.show.phase == SHOW_LIVE || st.show.phase == SHOW_HOLD) && st.show.seg >= c->rundown.count) {
		snprintf(err, sizeof(err), "state at segment %d; this box's rundown has %d", st.show.seg + 1,
			 c->rundown.count);
		reject("state", err, NULL, NULL, NULL, 0);
		return;
	}
	if (st.rundown_hash != rundown_hash(&c->rundown) && !l.hash_said) {
		log_warnx("mqtt: the leader's rundown differs from this box's; following by segment number");
		l.hash_said = true;
	}
	if (strcmp(st.leader, l.leader) != 0)
		log_info("mqtt: following %s", st.leader);
	str_copy(l.leader, st.leader, sizeof(l.leader));
	hear_leader_status(st.leader);
	l.received++;
	l.lease.heard = true;
	l.lease.heard_mono = now.mono;
	l.lease.leader_offline = false;
	l.camera_tally = st.camera_tally;
	str_copy(l.camera_label, st.camera_label, sizeof(l.camera_label));
	l.stream.stream = st.stream;
	l.stream.shown = st.disagreement;
	memcpy(l.alarm, st.alarm, sizeof(l.alarm));
	l.nalarms = st.nalarms;
	running_follow(&st.show, now);
}

/* A state on the studio's topic names another leader. Who leads is
 * decided by what may publish the state (the broker's ACL gives it to the
 * leader's user alone) and, where mqtt.leader is set, by that name on
 * every box: then this box never steps down, and it republishes its own
 * state over a forged retained one. With neither, the lower name keeps
 * leading, so two leaders started at once settle without talking it over.
 * A box's status saying "leader" claims nothing: anyone with a box's
 * credentials may write that. */
static void leader_conflict(const char *other)
{
	const struct conf *c = conf();

	if (strcmp(other, c->node_name) == 0)
		return;
	if (*c->mqtt.leader || strcmp(c->node_name, other) < 0) {
		if (strcmp(l.claim_said, other) != 0)
			log_warnx("mqtt: a state naming %s as the leader of studio %s; %s keeps leading (%s)",
				  other, c->studio, c->node_name,
				  *c->mqtt.leader ? "mqtt.leader names it" : "lower name");
		str_copy(l.claim_said, other, sizeof(l.claim_said));
		l.rejected++;
		publish_state();
		return;
	}
	log_warnx("mqtt: STUDIO %s ALREADY HAS A LEADER (%s): this box refuses to lead and follows it; "
		  "fix node.role on one of them, or set mqtt.leader on every box", c->studio, other);
	running_set_role(NODE_FOLLOWER);
	loop_timer_arm(l.heartbeat, NEVER);
	{
		char mine[96];

		reply_topic(mine, sizeof(mine));
		mqtt_subscribe(mine);
	}
	publish_status();
	running_update();
}

static void on_state(const struct link_msg *msg)
{
	char leader[64], boot[64], err[160];
	uint64_t seq;

	if (running.role == NODE_FOLLOWER)
		follow_state(msg);
	else if (msg->len && mqttmsg_state_peek(msg->payload, msg->len, leader, sizeof(leader), boot,
						sizeof(boot), &seq, err, sizeof(err)) == 0)
		leader_conflict(leader);
}

static void on_node_status(const struct link_msg *msg)
{
	char node[64], status[16], role[16];

	if (sscanf(msg->topic, "node/%63[^/]/status", node) != 1 || !msg->len ||
	    mqttmsg_status_peek(msg->payload, msg->len, status, sizeof(status), role, sizeof(role)) < 0)
		return;
	if (running.role == NODE_LEADER && strcmp(role, "leader") == 0 && strcmp(status, "online") == 0 &&
	    strcmp(node, conf()->node_name) != 0 && strcmp(l.claim_said, node) != 0) {
		log_warnx("mqtt: %s says it leads studio %s; only the state decides (see docs/mqtt.md), "
			  "this box keeps leading", node, conf()->studio);
		str_copy(l.claim_said, node, sizeof(l.claim_said));
	}
	if (running.role == NODE_FOLLOWER && strcmp(node, l.leader) == 0 && strcmp(status, "offline") == 0) {
		log_warnx("mqtt: leader %s is offline", node);
		l.lease.leader_offline = true;
		running_update();
	}
}

/* The leader's answer to our own command, on reply/NODE/cmd: a refusal
 * (stale, or not possible now) is said on the cue light. Only the
 * leader's credentials may write there; the error topic, which any box
 * may write, is not believed. */
static void on_reply(const struct link_msg *msg)
{
	char prefix[80], mine[96];
	cJSON *o;
	const char *id;

	reply_topic(mine, sizeof(mine));
	if (strcmp(msg->topic, mine) != 0 || msg->len > MQTTMSG_MAX ||
	    !(o = cJSON_ParseWithLength(msg->payload, msg->len)))
		return;
	id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "id"));
	snprintf(prefix, sizeof(prefix), "%s-", conf()->node_name);
	if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "ok")) && id &&
	    strncmp(id, prefix, strlen(prefix)) == 0) {
		log_warnx("mqtt: the leader refused our command %.80s: %.200s", id,
			  cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "error")) ?: "(no reason)");
		l.refused_until = time_mono_ms() + 1500;
		running_update();
	}
	cJSON_Delete(o);
}

/* Every box, or the one named: {"node":"cam1"}. */
static void on_selftest_run(const struct link_msg *msg)
{
	char want[80];

	snprintf(want, sizeof(want), "\"node\":\"%s\"", conf()->node_name);
	if (msg->len < 200 && (!msg->len || !memmem(msg->payload, msg->len, "\"node\"", 6) ||
			       memmem(msg->payload, msg->len, want, strlen(want)))) {
		log_info("selftest: asked for over MQTT");
		free(checkrun_start());
	}
}

/* Each topic once: what a box subscribes to is what this table handles for
 * its role. A leader that steps down subscribes to the follower's topics. */
static const struct link_route {
	const char *topic;
	unsigned roles;
	void (*handle)(const struct link_msg *msg);
} routes[] = {
	{ "cmd", ROLE_LEADER, on_cmd },
	{ "cmd/+", ROLE_LEADER, on_cmd },
	{ "state", ROLE_LEADER | ROLE_FOLLOWER, on_state },
	{ "node/+/status", ROLE_LEADER | ROLE_FOLLOWER, on_node_status },
	{ "reply/+/cmd", ROLE_FOLLOWER, on_reply },
	{ "selftest/run", ROLE_LEADER | ROLE_FOLLOWER, on_selftest_run },
};

/* MQTT topic matching for the table's filters: '+' is one level. */
static bool topic_matches(const char *filter, const char *topic)
{
	while (*filter && *topic) {
		if (*filter == '+') {
			while (*topic && *topic != '/')
				topic++;
			filter++;
			continue;
		}
		if (*filter != *topic)
			return false;
		filter++;
		topic++;
	}
	return !*filter && !*topic;
}

/* Home Assistant finds the show's tally, segment and buttons by itself;
 * announced on every connect and whenever HA says it (re)started. */
static void announce_to_homeassistant(void)
{
	const struct conf *c = conf();
	char topic[512], id[400], *text;

	if (running.role != NODE_LEADER || !c->mqtt.homeassistant)
		return;
	if (mqttmsg_ha_object_id(id, sizeof(id), c->studio, c->node_name) && !l.ha_id_said) {
		log_warnx("mqtt: Home Assistant takes only A-Z, a-z, 0-9, _ and - in an object id: "
			  "studio %s, node %s is announced as %s", c->studio, c->node_name, id);
		l.ha_id_said = true;
	}
	snprintf(topic, sizeof(topic), "%s/device/%s/config", c->mqtt.discovery_prefix, id);
	text = mqttmsg_ha_discovery(mqtt_topic(""), c->studio, c->node_name, ONAIR_VERSION);
	mqtt_publish_absolute(topic, text, true);
	free(text);
}

/* A v5 response topic inside the studio's own topics (its state, a
 * box's status) would let whoever may send a command make the leader
 * publish there: answers go only outside them, or under reply/. */
static const char *safe_response(const char *response)
{
	const char *prefix = mqtt_topic("");
	char reply[160];

	if (!response)
		return NULL;
	snprintf(reply, sizeof(reply), "%sreply/", prefix);
	if (strpbrk(response, "+#") ||
	    (strncmp(response, prefix, strlen(prefix)) == 0 && strncmp(response, reply, strlen(reply)) != 0)) {
		log_warnx("mqtt: a command asked for its answer on %.100s, inside the studio's topics: "
			  "not answered there (use a topic of the tool's own, or %sreply/...)", response, prefix);
		return NULL;
	}
	return response;
}

static void message(const char *topic, const char *payload, size_t len, bool retained,
		    const char *response, const void *corr, int corr_len, void *data)
{
	const struct link_msg msg = { topic, payload, len, retained, safe_response(response), corr,
				      corr_len };
	const char *ha = conf()->mqtt.discovery_prefix;

	(void)data;
	if (running.role == NODE_FLOOR && strncmp(topic, "onair/", 6) == 0) {
		floor_message(topic, payload, len);
		return;
	}
	if (conf()->mqtt.homeassistant && strncmp(topic, ha, strlen(ha)) == 0) {
		if (len == 6 && memcmp(payload, "online", 6) == 0)
			announce_to_homeassistant();	/* HA's birth message */
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++)
		if ((routes[i].roles & (1u << running.role)) && topic_matches(routes[i].topic, topic)) {
			routes[i].handle(&msg);
			return;
		}
}

static void link_changed(bool up, void *data)
{
	(void)data;
	l.lease.down_since = up ? 0 : time_mono_ms();
	if (up) {
		publish_status();
		publish_state();
		announce_to_homeassistant();
	}
	running_update();
}

void link_init(void)
{
	static const struct mqtt_handlers handlers = { message, link_changed, NULL };
	static const struct running_link hooks = { forward_command, overlay, publish_state, pressed };
	const struct conf *c = conf();
	char *will;

	if (running.role == NODE_STANDALONE)
		return;
	running_set_link(&hooks);
	l.heartbeat = loop_timer_add(heartbeat, NULL);
	l.coalesce = loop_timer_add(coalesced, NULL);
	l.lease.down_since = time_mono_ms();
	will = node_status(false);
	if (mqtt_init(c, will, &handlers) < 0)
		log_fatalx("mqtt: cannot set up the link (see above)");
	free(will);
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		if (!(routes[i].roles & (1u << running.role)))
			continue;
		if (running.role == NODE_LEADER && strcmp(routes[i].topic, "state") == 0) {
			mqtt_subscribe_others(routes[i].topic);
		} else if (running.role == NODE_FOLLOWER && routes[i].handle == on_node_status) {
			if (*c->mqtt.leader)
				hear_leader_status(c->mqtt.leader);
		} else if (routes[i].handle == on_reply) {
			char mine[96];

			reply_topic(mine, sizeof(mine));
			mqtt_subscribe(mine);
		} else {
			mqtt_subscribe(routes[i].topic);
		}
	}
	if (running.role == NODE_FLOOR)
		floor_topics(mqtt_subscribe_absolute);
	if (c->mqtt.homeassistant) {
		char birth[96];

		snprintf(birth, sizeof(birth), "%s/status", c->mqtt.discovery_prefix);
		mqtt_subscribe_absolute(birth);
	}
	if (running.role == NODE_LEADER)
		arm_heartbeat();
}

void link_fini(void)
{
	char *bye;

	if (!l.heartbeat)
		return;
	bye = node_status(false);
	mqtt_fini(bye);
	free(bye);
	floor_fini();
	loop_timer_remove(l.heartbeat);
	loop_timer_remove(l.coalesce);
	l.heartbeat = l.coalesce = NULL;
}

void link_alarms_json(cJSON *alarms)
{
	if (running.role != NODE_FOLLOWER || !cJSON_IsArray(alarms))
		return;
	for (int i = 0; i < l.nalarms; i++) {
		const cJSON *a;
		bool have = false;

		/* Its own watch may say the same (one programme feed, two boxes). */
		cJSON_ArrayForEach(a, alarms)
			have |= cJSON_IsString(a) && strcmp(a->valuestring, l.alarm[i]) == 0;
		if (!have)
			cJSON_AddItemToArray(alarms, cJSON_CreateString(l.alarm[i]));
	}
}

void link_status_json(cJSON *o)
{
	cJSON *n;
	int64_t next = NEVER;
	enum cue_link link;

	if (running.role == NODE_STANDALONE)
		return;
	n = cJSON_AddObjectToObject(o, "node");
	link = running.role == NODE_FOLLOWER ? follower_link(time_mono_ms(), &next) : CUE_LINK_OK;
	json_add_text(n, "name", conf()->node_name);
	json_add_text(n, "studio", conf()->studio);
	json_add_text(n, "role", role_name(running.role));
	cJSON_AddBoolToObject(n, "connected", mqtt_connected());
	json_add_text(n, "leader", running.role == NODE_LEADER ? conf()->node_name : l.leader);
	json_add_text(n, "link", lease_link_name(link));
	cJSON_AddNumberToObject(n, "sent", (double)l.sent);
	cJSON_AddNumberToObject(n, "received", (double)l.received);
	cJSON_AddNumberToObject(n, "rejected", (double)l.rejected);
	if (running.role == NODE_LEADER) {
		cJSON_AddNumberToObject(n, "state_bytes", (double)l.state_bytes);
		cJSON_AddNumberToObject(n, "state_bytes_max", (double)l.state_bytes_max);
		cJSON_AddNumberToObject(n, "state_limit", MQTTMSG_STATE_MAX);
		cJSON_AddNumberToObject(n, "state_oversize", (double)l.state_oversize);
	}
	/* A camera box following the leader's switcher (its own source, if
	 * any, has said so already). */
	if (running.role == NODE_FOLLOWER && conf()->camera >= 0 && !cJSON_HasObjectItem(o, "camera")) {
		cJSON *cam = cJSON_AddObjectToObject(o, "camera");

		cJSON_AddNumberToObject(cam, "index", (double)conf()->camera);
		json_add_text(cam, "tally", cue_camera_name(l.camera_tally));
		if (*l.camera_label)
			json_add_text(cam, "text", l.camera_label);
	}
}
