/* libmosquitto loaded on demand, and the one client set-up every onair
 * client shares (see mosq.h). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mqtt_protocol.h>
#include <sys/stat.h>

#include "../../core/log.h"
#include "../../core/util.h"
#include "mosq.h"

struct mosq_api mosq;

/* The soname of Debian's libmosquitto1 (also 2.x). */
#define MOSQ_LIBRARY "libmosquitto.so.1"

int mosq_load(char *err, size_t errlen)
{
	static void *lib;
	const char *missing = NULL;

	if (lib)
		return 0;
	if (!(lib = dlopen(MOSQ_LIBRARY, RTLD_NOW | RTLD_LOCAL))) {
		snprintf(err, errlen, "cannot load %s (package libmosquitto1): %s", MOSQ_LIBRARY, dlerror());
		return -1;
	}
#define F(name)                                                                         \
	if (!(*(void **)&mosq.name = dlsym(lib, "mosquitto_" #name)) && !missing)      \
		missing = "mosquitto_" #name;
	MOSQ_FUNCTIONS
#undef F
	if (missing) {
		snprintf(err, errlen, "%s has no %s: too old (2.0 or later is needed)", MOSQ_LIBRARY, missing);
		dlclose(lib);
		lib = NULL;
		return -1;
	}
	return 0;
}

static char *read_password(const char *path)
{
	char why[PATH_MAX + 96], warn[PATH_MAX + 96];
	char *text = secret_load(path, 1, 4096, why, sizeof(why), warn, sizeof(warn));

	if (!text)
		log_warnx("mqtt: password_file: %s", why);
	else if (*warn)
		log_warnx("mqtt: %s", warn);
	return text;
}

struct mosquitto *mosq_client(const struct mqtt_conf *c, const char *client_id, void *userdata,
			      char *err, size_t errlen)
{
	struct mosquitto *m;
	int rc;

	if (mosq_load(err, errlen) < 0)
		return NULL;
	mosq.lib_init();
	if (!(m = mosq.new(client_id, true, userdata))) {
		snprintf(err, errlen, "new client: %s", strerror(errno));
		return NULL;
	}
	mosq.int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	/* Small messages that matter now: Nagle with delayed ACKs would hold
	 * a state update back by tens of milliseconds. */
	mosq.int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
	if (*c->username) {
		char *password = *c->password_file ? read_password(c->password_file) : NULL;

		if (*c->password_file && !password) {
			snprintf(err, errlen, "read password file %s: %s", c->password_file, strerror(errno));
			mosq.destroy(m);
			return NULL;
		}
		rc = mosq.username_pw_set(m, c->username, password);
		if (password)
			memset(password, 0, strlen(password));
		free(password);
		if (rc != MOSQ_ERR_SUCCESS) {
			snprintf(err, errlen, "credentials: %s", mosq.strerror(rc));
			mosq.destroy(m);
			return NULL;
		}
	}
	if (c->tls) {
		rc = mosq.tls_set(m, *c->ca_file ? c->ca_file : NULL, *c->ca_file ? NULL : "/etc/ssl/certs",
				  *c->cert_file ? c->cert_file : NULL, *c->key_file ? c->key_file : NULL, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			snprintf(err, errlen, "TLS files: %s",
				 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosq.strerror(rc));
			mosq.destroy(m);
			return NULL;
		}
	}
	return m;
}

void mosq_prefix(const struct conf *c, char *buf, size_t len)
{
	if (*c->mqtt.prefix)
		str_copy(buf, c->mqtt.prefix, len);
	else
		snprintf(buf, len, "onair/%s/", c->studio);
}
