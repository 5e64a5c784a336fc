/* Bench helper: publishes commands to an onair leader through the broker
 * and times, on CLOCK_MONOTONIC, when the leader's new state comes back;
 * also the floor: a bare libmosquitto round trip through the same broker.
 * Prints one line per sample: "cmd PUB_NS STATE_NS" or "floor PUB_NS BACK_NS".
 * Usage: mqtt_latency PORT PREFIX COUNT INTERVAL_MS */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char state_topic[256], ping_topic[256];
static long long got_state, got_ping;
static char last_seq[32];

static void on_message(struct mosquitto *m, void *data, const struct mosquitto_message *msg)
{
	(void)m;
	(void)data;
	if (strcmp(msg->topic, ping_topic) == 0) {
		got_ping = now_ns();
		return;
	}
	if (strcmp(msg->topic, state_topic) == 0 && msg->payloadlen > 0) {
		const char *seq = strstr(msg->payload, "\"seq\":");
		char s[32] = "";

		if (seq)
			snprintf(s, sizeof(s), "%.*s", (int)strcspn(seq + 6, ",}"), seq + 6);
		if (strcmp(s, last_seq) != 0) {
			strcpy(last_seq, s);
			got_state = now_ns();
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
	struct mosquitto *m;
	char cmd_topic[256];
	int count, interval;
	long long t;

	if (argc != 5)
		return 2;
	count = atoi(argv[3]);
	interval = atoi(argv[4]);
	snprintf(state_topic, sizeof(state_topic), "%sstate", argv[2]);
	snprintf(cmd_topic, sizeof(cmd_topic), "%scmd", argv[2]);
	snprintf(ping_topic, sizeof(ping_topic), "%sbench/ping", argv[2]);
	mosquitto_lib_init();
	m = mosquitto_new(NULL, true, NULL);
	mosquitto_message_callback_set(m, on_message);
	mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
	if (mosquitto_connect(m, "127.0.0.1", atoi(argv[1]), 30) != MOSQ_ERR_SUCCESS)
		return 1;
	mosquitto_subscribe(m, NULL, state_topic, 0);
	mosquitto_subscribe(m, NULL, ping_topic, 0);
	/* The retained state first, so only new ones count. */
	got_state = 0;
	wait_for(m, &got_state, 2000000000LL);
	for (int i = 0; i < count; i++) {
		struct timespec pause = { 0, (long)interval * 1000000L };

		got_state = 0;
		t = now_ns();
		mosquitto_publish(m, NULL, cmd_topic, 24, "{\"cmd\":\"hold-toggle\"}   ", 1, false);
		if (wait_for(m, &got_state, 2000000000LL) == 0)
			printf("cmd %lld %lld\n", t, got_state);
		got_ping = 0;
		t = now_ns();
		mosquitto_publish(m, NULL, ping_topic, 4, "ping", 0, false);
		if (wait_for(m, &got_ping, 2000000000LL) == 0)
			printf("floor %lld %lld\n", t, got_ping);
		fflush(stdout);
		nanosleep(&pause, NULL);
	}
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	return 0;
}
