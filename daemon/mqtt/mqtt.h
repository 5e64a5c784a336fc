/* The MQTT link: libmosquitto driven from our loop (its socket in epoll,
 * loop_read/write/misc called by us, never mosquitto_loop_start), with
 * reconnects on our own timer and capped backoff. Topics are given without
 * the studio prefix ("state", "cmd", "node/desk/status"). */
#ifndef ONAIR_MQTT_H
#define ONAIR_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/conf.h"

struct mqtt_handlers {
	/* A message on a subscribed topic; retained when it comes from the
	 * broker's store rather than from its sender now; response/corr are
	 * the MQTT v5 response topic and correlation data, NULL when not set. */
	void (*message)(const char *topic, const char *payload, size_t len, bool retained,
			const char *response, const void *corr, int corr_len, void *data);
	/* The link came up (subscriptions are in place) or went down. */
	void (*link)(bool up, void *data);
	void *data;
};

/* Start connecting (the daemon runs whether or not the broker answers).
 * will is the retained payload the broker publishes on our status topic if
 * we vanish. -1 on a setup error (bad TLS files, password file). */
int mqtt_init(const struct conf *c, const char *will, const struct mqtt_handlers *h);
/* Subscribe now and after every reconnect. */
void mqtt_subscribe(const char *topic);
/* The same, without what this client publishes itself (MQTT v5 no-local):
 * the leader hears other leaders' states, not its own echo. */
void mqtt_subscribe_others(const char *topic);
/* No longer, now and after reconnects. */
void mqtt_unsubscribe(const char *topic);
/* libmosquitto's keepalive bookkeeping now, and its timer pushed back:
 * the leader runs it with its heartbeat, one wake-up for both. */
void mqtt_tick(void);
/* Publish (dropped, false, while the link is down); expiry_s 0 = none. */
bool mqtt_publish(const char *topic, const char *payload, bool retain, int qos, int expiry_s);
/* The same, asking for the answer on response (under the studio's prefix,
 * as topic is) with corr as its correlation data. */
bool mqtt_request(const char *topic, const char *payload, bool retain, int qos, int expiry_s,
		  const char *response, const void *corr, int corr_len);
/* Subscribe to a topic outside the studio's prefix (Home Assistant's
 * birth message); its messages arrive with the full topic. */
void mqtt_subscribe_absolute(const char *topic);
/* Publish to a full topic (Home Assistant discovery). */
bool mqtt_publish_absolute(const char *topic, const char *payload, bool retain);
/* Answer to an MQTT v5 response topic (full topic) with correlation data. */
bool mqtt_respond(const char *response, const void *corr, int corr_len, const char *payload);
bool mqtt_connected(void);
/* The full topic for a suffix, for messages. */
const char *mqtt_topic(const char *suffix);
/* Publish last (retained) words, disconnect cleanly and free. */
void mqtt_fini(const char *last_status);

#endif
