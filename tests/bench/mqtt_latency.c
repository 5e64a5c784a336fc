/* Bench helper: publishes the same command to each target's PREFIX/cmd in
 * turn (onair, Node-RED, ...) and times, on CLOCK_MONOTONIC, when that
 * target's new state (a different "seq") comes back on PREFIX/state; after
 * each round, the floor: a bare libmosquitto round trip through the same
 * broker. Interleaving puts every system under the same machine load.
 * One line per sample: "cmd PREFIX PUB_NS STATE_NS" or "floor - PUB_NS BACK_NS".
 * Usage: mqtt_latency PORT COUNT INTERVAL_MS PREFIX...; the commands go out
 * at QoS $BENCH_QOS (0 or 1; 1 when unset). */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TARGETS 4

struct target {
	const char *prefix;
	char state_topic[256], cmd_topic[256];
	char last_seq[32];
	long long got_state;
};

static struct target targets[MAX_TARGETS];
static int ntargets;
static char ping_topic[256];
static long long got_ping;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_message(struct mosquitto *m, void *data, const struct mosquitto_message *msg)
{
	(void)m;
	(void)data;
	if (strcmp(msg->topic, ping_topic) == 0) {
		got_ping = now_ns();
		return;
	}
	for (int i = 0; i < ntargets; i++) {
		struct target *t = &targets[i];
		char payload[4096], seq[32] = "";
		const char *at;

		if (strcmp(msg->topic, t->state_topic) != 0 || msg->payloadlen <= 0)
			continue;
		snprintf(payload, sizeof(payload), "%.*s", msg->payloadlen, (const char *)msg->payload);
		at = strstr(payload, "\"seq\":");
		if (at)
			snprintf(seq, sizeof(seq), "%.*s", (int)strcspn(at + 6, ",}"), at + 6);
		if (strcmp(seq, t->last_seq) != 0) {
			strcpy(t->last_seq, seq);
			t->got_state = now_ns();
		}
	}
}

static int wait_for(struct mosquitto *m, long long *flag, long long timeout_ns)
{
	long long start = now_ns();

	while (!*flag && now_ns() - start < timeout_ns)
		if (mosquitto_loop(m, 5, 1) != MOSQ_ERR_SUCCESS)
			return -1;
	return *flag ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const char command[] = "{\"cmd\":\"hold-toggle\"}";
	struct mosquitto *m;
	int count, interval, qos = getenv("BENCH_QOS") ? atoi(getenv("BENCH_QOS")) : 1;
	long long t0;

	if (argc < 5 || argc - 4 > MAX_TARGETS) {
		fprintf(stderr, "usage: mqtt_latency PORT COUNT INTERVAL_MS PREFIX...\n");
		return 2;
	}
	count = atoi(argv[2]);
	interval = atoi(argv[3]);
	mosquitto_lib_init();
	m = mosquitto_new(NULL, true, NULL);
	mosquitto_message_callback_set(m, on_message);
	mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
	if (mosquitto_connect(m, "127.0.0.1", atoi(argv[1]), 30) != MOSQ_ERR_SUCCESS)
		return 1;
	snprintf(ping_topic, sizeof(ping_topic), "%sbench/ping", argv[4]);
	mosquitto_subscribe(m, NULL, ping_topic, 0);
	for (int i = 4; i < argc; i++) {
		struct target *t = &targets[ntargets++];

		t->prefix = argv[i];
		snprintf(t->state_topic, sizeof(t->state_topic), "%sstate", t->prefix);
		snprintf(t->cmd_topic, sizeof(t->cmd_topic), "%scmd", t->prefix);
		mosquitto_subscribe(m, NULL, t->state_topic, 0);
		/* The retained state first, so only new ones count. */
		wait_for(m, &t->got_state, 2000000000LL);
	}
	for (int i = 0; i < count; i++) {
		struct timespec pause = { interval / 1000, (long)(interval % 1000) * 1000000L };

		for (int k = 0; k < ntargets; k++) {
			struct target *t = &targets[k];

			t->got_state = 0;
			t0 = now_ns();
			mosquitto_publish(m, NULL, t->cmd_topic, (int)strlen(command), command, qos, false);
			if (wait_for(m, &t->got_state, 2000000000LL) == 0)
				printf("cmd %s %lld %lld\n", t->prefix, t0, t->got_state);
			nanosleep(&pause, NULL);
		}
		got_ping = 0;
		t0 = now_ns();
		mosquitto_publish(m, NULL, ping_topic, 4, "ping", 0, false);
		if (wait_for(m, &got_ping, 2000000000LL) == 0)
			printf("floor - %lld %lld\n", t0, got_ping);
		fflush(stdout);
		nanosleep(&pause, NULL);
	}
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	return 0;
}
