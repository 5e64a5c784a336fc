/* libmosquitto, loaded when a config first needs MQTT. Linked directly it
 * would bring OpenSSL's libcrypto into every box, MQTT or not: its
 * relocated data alone is 1.2 MiB of resident memory. Call mosq_load(),
 * then mosq.new(...) where the library's name is mosquitto_new(...). */
#ifndef ONAIR_MOSQ_H
#define ONAIR_MOSQ_H

#include <mosquitto.h>
#include <stddef.h>

#include "../config/conf.h"

#define MOSQ_FUNCTIONS                                                                          \
	F(connack_string) F(connect_async) F(connect_callback_set) F(connect_v5_callback_set)  \
	F(destroy) F(disconnect) F(disconnect_v5) F(disconnect_v5_callback_set) F(int_option)  \
	F(lib_cleanup) F(lib_init) F(loop) F(loop_misc) F(loop_read) F(loop_write)            \
	F(message_callback_set) F(message_v5_callback_set) F(new) F(property_add_binary)      \
	F(property_add_int32) F(property_add_string) F(property_add_string_pair) F(property_free_all) \
	F(property_read_binary) F(property_read_string) F(publish) F(publish_v5)              \
	F(publish_v5_callback_set)                                                            \
	F(reason_string) F(reconnect_async) F(socket) F(strerror) F(subscribe)                \
	F(subscribe_v5) F(tls_set) F(unsubscribe) F(username_pw_set) F(want_write) F(will_set_v5)

struct mosq_api {
#define F(name) __typeof__(mosquitto_##name) *name;
	MOSQ_FUNCTIONS
#undef F
};

extern struct mosq_api mosq;

/* 0 once the library is loaded (again: no-op); -1 and why in err. */
int mosq_load(char *err, size_t errlen);
/* A client set up as every onair client is (the studio link and the
 * self-test's broker check alike): MQTT v5, no Nagle, the credentials
 * (warning when the password file is readable by others) and TLS that
 * the config names. NULL and why in err. */
struct mosquitto *mosq_client(const struct mqtt_conf *c, const char *client_id, void *userdata,
			      char *err, size_t errlen);
/* The studio's topic prefix: mqtt.prefix, else onair/<studio>/. */
void mosq_prefix(const struct conf *c, char *buf, size_t len);

#endif
