/* See mqtt.h. Traps of driving libmosquitto 2.0 by hand that this handles
 * (mosquitto's include/mosquitto.h documents each): reconnect_delay_set
 * acts only in mosquitto_loop_forever/loop_start, so reconnects run on our
 * timer; the socket fd changes on every
 * reconnect; the library closes the socket itself before on_disconnect;
 * publishing inside a callback only queues, so want_write is checked after
 * every read. */
#include <errno.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "../../core/log.h"
#include "../../core/loop.h"
#include "mosq.h"
#include "mqtt.h"
#include "../../core/version.h"

#define MAX_SUBS 8
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 10000

static struct {
	struct mosquitto *m;
	/* Copies, not a pointer into the config: a reload frees that, and the
	 * link keeps the settings it was opened with until the next start. */
	struct {
		struct mqtt_conf mqtt;
		char node_name[sizeof(((struct conf *)0)->node_name)];
		char studio[sizeof(((struct conf *)0)->studio)];
	} cfg;
	struct mqtt_handlers h;
	char prefix[160];
	char topic[512];
	char subs[MAX_SUBS][64];
	int sub_opts[MAX_SUBS];	/* MQTT v5 subscription options, by subs[] */
	int nsubs;
	char abs_subs[4][128];	/* full topics outside the prefix ('+' and '#' allowed) */
	int nabs;
	int fd;
	struct loop_watch *watch;
	struct loop_timer *misc, *reconnect, *nudge;
	int handshake_writes;
	int64_t backoff_ms;
	bool connected, ever_connected, ever_up;
	char said[160];		/* the last connect failure logged */
	/* The last QoS 1 messages' topics by message id, so a broker's refusal
	 * (an MQTT v5 PUBACK reason such as 0x87, not authorized: its ACL) can
	 * be said with the topic; without this it is silent. */
	struct {
		int mid;
		char topic[128];
	} recent[16];
	int recent_next;
	char refused_said[128];
} q = { .fd = -1 };

static void schedule_reconnect(void);
static void misc_later(void);
static void say_once(const char *what, const char *detail);

const char *mqtt_topic(const char *suffix)
{
	snprintf(q.topic, sizeof(q.topic), "%s%s", q.prefix, suffix);
	return q.topic;
}

/* Wait for writability only while there is something to write. During a
 * TLS handshake want_write stays true while the library waits for the
 * server (mosquitto issue #3745), which would spin: then writes are tried
 * again after a short pause instead. */
static void want(void)
{
	bool out = mosq.want_write(q.m);

	if (!q.watch)
		return;
	if (out && !q.connected && q.cfg.mqtt.tls && q.handshake_writes++ > 2) {
		loop_watch_modify(q.watch, EPOLLIN);
		loop_timer_arm(q.nudge, time_mono_ms() + 10);
		return;
	}
	loop_watch_modify(q.watch, EPOLLIN | (out ? EPOLLOUT : 0));
}

static void nudge(void *data)
{
	(void)data;
	if (q.watch && mosq.want_write(q.m))
		loop_watch_modify(q.watch, EPOLLIN | EPOLLOUT);
}

/* The library closed its socket (or never got one): forget our watch. */
static void drop_socket(void)
{
	if (q.watch)
		loop_watch_remove(q.watch);
	q.watch = NULL;
	q.fd = -1;
}

static void lost(const char *why)
{
	bool was = q.connected;

	drop_socket();
	q.connected = false;
	loop_timer_arm(q.misc, NEVER);
	if (was) {
		log_warnx("mqtt: link to %s:%lld lost: %s", q.cfg.mqtt.host, (long long)q.cfg.mqtt.port, why);
		q.h.link(false, q.h.data);
	}
	schedule_reconnect();
}

static void socket_ready(int fd, uint32_t events, void *data)
{
	int rc = MOSQ_ERR_SUCCESS;

	(void)data;
	if (!q.connected && (events & (EPOLLHUP | EPOLLERR))) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		/* The connect itself failed: the library would not notice. */
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		mosq.disconnect(q.m);
		lost(soerr ? strerror(soerr) : "connection closed");
		if (!q.ever_up)
			say_once("connect to", soerr ? strerror(soerr) : "connection closed");
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		rc = mosq.loop_read(q.m, 1);
	/* What the messages just read made us publish (the new state, a
	 * PUBACK) goes out now, not one more pass of the loop later. */
	if (rc == MOSQ_ERR_SUCCESS && ((events & EPOLLOUT) || (q.connected && mosq.want_write(q.m))))
		rc = mosq.loop_write(q.m, 1);
	if (rc == MOSQ_ERR_SUCCESS && q.connected && (events & EPOLLIN))
		rc = mosq.loop_misc(q.m);
	if (rc != MOSQ_ERR_SUCCESS || mosq.socket(q.m) < 0) {
		lost(rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosq.strerror(rc));
		return;
	}
	if (q.connected && (events & EPOLLIN))
		misc_later();
	want();
}

/* Keepalive pings need a look now and then, not every second: a third of
 * the keepalive, pushed back whenever there is traffic anyway (a message
 * read, the leader's heartbeat), so on a busy link it never fires alone. */
static void misc_later(void)
{
	loop_timer_arm(q.misc, time_mono_ms() + q.cfg.mqtt.keepalive_ms / 3);
}

static void misc_tick(void *data)
{
	int rc;

	(void)data;
	rc = mosq.loop_misc(q.m);
	if (rc != MOSQ_ERR_SUCCESS || mosq.socket(q.m) < 0) {
		lost(mosq.strerror(rc));
		return;
	}
	want();
	misc_later();
}

/* A failure that repeats every retry is said once, until it changes. */
static void say_once(const char *what, const char *detail)
{
	char msg[sizeof(q.said)];

	snprintf(msg, sizeof(msg), "mqtt: %s %s:%lld: %s", what, q.cfg.mqtt.host,
		 (long long)q.cfg.mqtt.port, detail);
	if (strcmp(msg, q.said) != 0)
		log_warnx("%s; retrying", msg);
	str_copy(q.said, msg, sizeof(q.said));
}

static void try_connect(void *data)
{
	int rc;

	(void)data;
	/* Resolving a name blocks: on a studio LAN the broker is an address
	 * or a local name, and this runs only while disconnected. */
	rc = q.ever_connected ? mosq.reconnect_async(q.m)
			      : mosq.connect_async(q.m, q.cfg.mqtt.host, (int)q.cfg.mqtt.port,
							(int)(q.cfg.mqtt.keepalive_ms / 1000));
	if (rc != MOSQ_ERR_SUCCESS) {
		say_once("connect to",
			 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosq.strerror(rc));
		schedule_reconnect();
		return;
	}
	q.ever_connected = true;
	q.handshake_writes = 0;
	q.fd = mosq.socket(q.m);
	if (q.fd < 0) {
		schedule_reconnect();
		return;
	}
	q.watch = loop_watch_add(q.fd, EPOLLIN | EPOLLOUT, socket_ready, NULL);
	/* If CONNACK never comes, the keepalive check notices. */
	misc_later();
}

static void schedule_reconnect(void)
{
	loop_timer_arm(q.reconnect, time_mono_ms() + q.backoff_ms);
	q.backoff_ms = q.backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : q.backoff_ms * 2;
}

static void on_connect(struct mosquitto *m, void *data, int rc, int flags, const mosquitto_property *p)
{
	(void)data;
	(void)flags;
	(void)p;
	if (rc != 0) {
		say_once("connection refused by", mosq.reason_string(rc));
		return;	/* the library disconnects; on_disconnect follows */
	}
	log_info("mqtt: connected to %s:%lld as %s in studio %s", q.cfg.mqtt.host,
		 (long long)q.cfg.mqtt.port, q.cfg.node_name, q.cfg.studio);
	q.said[0] = '\0';
	q.connected = q.ever_up = true;
	q.backoff_ms = BACKOFF_MIN_MS;
	for (int i = 0; i < q.nsubs; i++)
		mosq.subscribe_v5(m, NULL, mqtt_topic(q.subs[i]), 1, q.sub_opts[i], NULL);
	for (int i = 0; i < q.nabs; i++)
		mosq.subscribe_v5(m, NULL, q.abs_subs[i], 1, 0, NULL);
	q.h.link(true, q.h.data);
}

static void remember(int mid, const char *topic)
{
	q.recent[q.recent_next].mid = mid;
	str_copy(q.recent[q.recent_next].topic, topic, sizeof(q.recent[0].topic));
	q.recent_next = (q.recent_next + 1) % (int)ARRAY_SIZE(q.recent);
}

static void on_publish(struct mosquitto *m, void *data, int mid, int reason, const mosquitto_property *p)
{
	const char *topic = "a topic";

	(void)m;
	(void)data;
	(void)p;
	if (reason < 0x80)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(q.recent); i++)
		if (q.recent[i].mid == mid && *q.recent[i].topic)
			topic = q.recent[i].topic;
	if (strcmp(q.refused_said, topic) == 0)
		return;
	str_copy(q.refused_said, topic, sizeof(q.refused_said));
	log_warnx("mqtt: the broker refused what this box published on %s: %s%s", topic,
		  mosq.reason_string(reason),
		  reason == MQTT_RC_NOT_AUTHORIZED ? " (its ACL must let this box's user write it: "
						     "docs/mqtt.md, configs/mosquitto/onair.acl)" : "");
}

static void on_disconnect(struct mosquitto *m, void *data, int rc, const mosquitto_property *p)
{
	(void)m;
	(void)data;
	(void)p;
	(void)rc;
	/* Handled after loop_read/write/misc returns, where the socket is known gone. */
}

/* MQTT's matching of a filter to a topic: '+' one level, '#' the rest. */
static bool filter_matches(const char *filter, const char *topic)
{
	while (*filter) {
		if (*filter == '#')
			return true;
		if (*filter == '+') {
			topic += strcspn(topic, "/");
			filter++;
		} else if (*filter++ != *topic++) {
			return false;
		}
	}
	return !*topic;
}

static void on_message(struct mosquitto *m, void *data, const struct mosquitto_message *msg,
		       const mosquitto_property *props)
{
	char *response = NULL;
	void *corr = NULL;
	uint16_t corr_len = 0;
	size_t plen = strlen(q.prefix);

	(void)m;
	(void)data;
	if (strncmp(msg->topic, q.prefix, plen) != 0) {
		for (int i = 0; i < q.nabs; i++)
			if (filter_matches(q.abs_subs[i], msg->topic)) {
				q.h.message(msg->topic, msg->payload ? msg->payload : "",
					    (size_t)msg->payloadlen, msg->retain, NULL, NULL, 0, q.h.data);
				break;
			}
		return;
	}
	mosq.property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &response, false);
	mosq.property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &corr, &corr_len, false);
	q.h.message(msg->topic + plen, msg->payload ? msg->payload : "", (size_t)msg->payloadlen,
		    msg->retain, response, corr, corr_len, q.h.data);
	free(response);
	free(corr);
}

int mqtt_init(const struct conf *c, const char *will, const struct mqtt_handlers *h)
{
	char client_id[160], err[320];
	int rc;

	q.cfg.mqtt = c->mqtt;
	str_copy(q.cfg.node_name, c->node_name, sizeof(q.cfg.node_name));
	str_copy(q.cfg.studio, c->studio, sizeof(q.cfg.studio));
	q.h = *h;
	q.backoff_ms = BACKOFF_MIN_MS;
	mosq_prefix(c, q.prefix, sizeof(q.prefix));
	snprintf(client_id, sizeof(client_id), "onair-%s-%s", c->studio, c->node_name);
	if (!(q.m = mosq_client(&c->mqtt, client_id, NULL, err, sizeof(err)))) {
		log_warnx("mqtt: %s", err);
		return -1;
	}
	mosq.connect_v5_callback_set(q.m, on_connect);
	mosq.disconnect_v5_callback_set(q.m, on_disconnect);
	mosq.message_v5_callback_set(q.m, on_message);
	mosq.publish_v5_callback_set(q.m, on_publish);
	snprintf(client_id, sizeof(client_id), "node/%s/status", c->node_name);
	rc = mosq.will_set_v5(q.m, mqtt_topic(client_id), (int)strlen(will), will, 1, true, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warnx("mqtt: will: %s", mosq.strerror(rc));
		return -1;
	}
	q.misc = loop_timer_add(misc_tick, NULL);
	q.reconnect = loop_timer_add(try_connect, NULL);
	q.nudge = loop_timer_add(nudge, NULL);
	try_connect(NULL);
	return 0;
}

static void subscribe(const char *topic, int opts)
{
	if (q.nsubs < MAX_SUBS) {
		q.sub_opts[q.nsubs] = opts;
		str_copy(q.subs[q.nsubs++], topic, sizeof(q.subs[0]));
	}
	if (q.connected)
		mosq.subscribe_v5(q.m, NULL, mqtt_topic(topic), 1, opts, NULL);
	want();
}

void mqtt_subscribe(const char *topic)
{
	subscribe(topic, 0);
}

void mqtt_subscribe_others(const char *topic)
{
	subscribe(topic, MQTT_SUB_OPT_NO_LOCAL);
}

void mqtt_unsubscribe(const char *topic)
{
	for (int i = 0; i < q.nsubs; i++)
		if (strcmp(q.subs[i], topic) == 0) {
			memmove(&q.subs[i], &q.subs[i + 1], sizeof(q.subs[0]) * (size_t)(q.nsubs - i - 1));
			memmove(&q.sub_opts[i], &q.sub_opts[i + 1], sizeof(q.sub_opts[0]) * (size_t)(q.nsubs - i - 1));
			q.nsubs--;
			if (q.connected)
				mosq.unsubscribe(q.m, NULL, mqtt_topic(topic));
			want();
			return;
		}
}

void mqtt_tick(void)
{
	if (q.connected)
		misc_tick(NULL);
}

bool mqtt_publish(const char *topic, const char *payload, bool retain, int qos, int expiry_s)
{
	return mqtt_request(topic, payload, retain, qos, expiry_s, NULL, NULL, 0);
}

bool mqtt_request(const char *topic, const char *payload, bool retain, int qos, int expiry_s,
		  const char *response, const void *corr, int corr_len)
{
	mosquitto_property *props = NULL;
	int rc, mid = 0;

	if (!q.connected || !payload)
		return false;
	if (expiry_s)
		mosq.property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, (uint32_t)expiry_s);
	if (response)	/* before the topic: both are made in mqtt_topic's one buffer */
		mosq.property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, mqtt_topic(response));
	if (corr && corr_len)
		mosq.property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, corr, (uint16_t)corr_len);
	mosq.property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, "onair", ONAIR_VERSION);
	rc = mosq.publish_v5(q.m, &mid, mqtt_topic(topic), (int)strlen(payload), payload, qos,
				  retain, props);
	mosq.property_free_all(&props);
	if (qos > 0 && rc == MOSQ_ERR_SUCCESS)
		remember(mid, q.topic);
	want();
	if (rc != MOSQ_ERR_SUCCESS)
		log_debug("mqtt: publish %s: %s", q.topic, mosq.strerror(rc));
	return rc == MOSQ_ERR_SUCCESS;
}

void mqtt_subscribe_absolute(const char *topic)
{
	if (q.nabs < (int)ARRAY_SIZE(q.abs_subs))
		str_copy(q.abs_subs[q.nabs++], topic, sizeof(q.abs_subs[0]));
	if (q.connected)
		mosq.subscribe_v5(q.m, NULL, topic, 1, 0, NULL);
	want();
}

bool mqtt_publish_absolute(const char *topic, const char *payload, bool retain)
{
	int rc, mid = 0;

	if (!q.connected || !payload)
		return false;
	rc = mosq.publish_v5(q.m, &mid, topic, (int)strlen(payload), payload, 1, retain, NULL);
	if (rc == MOSQ_ERR_SUCCESS)
		remember(mid, topic);
	want();
	return rc == MOSQ_ERR_SUCCESS;
}

bool mqtt_respond(const char *response, const void *corr, int corr_len, const char *payload)
{
	mosquitto_property *props = NULL;
	int rc;

	if (!q.connected)
		return false;
	if (corr && corr_len)
		mosq.property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, corr, (uint16_t)corr_len);
	rc = mosq.publish_v5(q.m, NULL, response, (int)strlen(payload), payload, 0, false, props);
	mosq.property_free_all(&props);
	want();
	return rc == MOSQ_ERR_SUCCESS;
}

bool mqtt_connected(void)
{
	return q.connected;
}

void mqtt_fini(const char *last_status)
{
	char topic[96];

	if (!q.m)
		return;
	if (q.connected && last_status) {
		/* A clean stop sends no will: say offline ourselves. */
		snprintf(topic, sizeof(topic), "node/%s/status", q.cfg.node_name);
		mqtt_publish(topic, last_status, true, 1, 0);
		mosq.disconnect_v5(q.m, 0, NULL);
		for (int i = 0; i < 10 && mosq.want_write(q.m); i++)
			mosq.loop_write(q.m, 1);
	}
	drop_socket();
	loop_timer_remove(q.misc);
	loop_timer_remove(q.reconnect);
	loop_timer_remove(q.nudge);
	mosq.destroy(q.m);
	mosq.lib_cleanup();
	q.m = NULL;
}
