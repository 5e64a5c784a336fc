/* Bench helper, run inside the VM (built static on the host): marks the
 * kernel trace, then at once makes an input happen, so the gap between the
 * mark and the tally line's gpio_value event is the daemon's latency.
 * Usage: latency COUNT INTERVAL_MS FILE DOWN UP
 *   writes DOWN (marked) then UP to FILE, COUNT times; DOWN and UP are
 *   hex bytes (a HID report) or, prefixed with '=', text (a gpio-sim pull).
 * Or: latency taps COUNT FILE DOWN UP
 *   double taps at human speed, as an operator's thumb or foot makes them:
 *   down at 0, up at 80, down at 200, up at 280 ms, then a rest of 600 ms.
 * Or: latency zlp FILE
 *   one write of no bytes: a HID gadget sends it as a zero-length packet.
 * Or: latency udp COUNT INTERVAL_MS PORT DOWN UP
 *   as the first form, but DOWN and UP are datagrams to 127.0.0.1:PORT (a
 *   switcher's TSL packets). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

static int udp_fd = -1;
static struct sockaddr_in udp_to;

static size_t decode(const char *arg, unsigned char *buf, size_t max)
{
	size_t n = 0;

	if (arg[0] == '=') {
		n = strlen(arg + 1);
		memcpy(buf, arg + 1, n < max ? n : max);
		return n < max ? n : max;
	}
	for (; arg[0] && arg[1] && n < max; arg += 2) {
		char byte[3] = { arg[0], arg[1], 0 };

		buf[n++] = (unsigned char)strtoul(byte, NULL, 16);
	}
	return n;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int put(const char *path, const unsigned char *buf, size_t len)
{
	int fd;
	ssize_t n;

	if (udp_fd >= 0)
		return sendto(udp_fd, buf, len, 0, (const struct sockaddr *)&udp_to, sizeof(udp_to)) ==
		       (ssize_t)len ? 0 : -1;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Sleep until start + at_ms, so the pattern keeps its timing however long
 * a write took. */
static void until(const struct timespec *start, long at_ms)
{
	struct timespec t = *start;

	t.tv_sec += at_ms / 1000;
	t.tv_nsec += (at_ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) != 0)
		;
}

static int taps(long count, const char *path, const char *down_arg, const char *up_arg)
{
	static const long pattern[] = { 0, 80, 200, 280 };
	unsigned char level[2][64];
	size_t len[2];
	struct timespec start;

	len[0] = decode(down_arg, level[0], sizeof(level[0]));
	len[1] = decode(up_arg, level[1], sizeof(level[1]));
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < count; i++)
		for (int k = 0; k < 4; k++) {
			until(&start, i * 880 + pattern[k]);
			if (put(path, level[k % 2], len[k % 2]) < 0)
				return 1;
		}
	until(&start, count * 880);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char down[64], up[64];
	size_t ndown, nup;
	int count, interval, marker;

	if (argc == 3 && strcmp(argv[1], "zlp") == 0)
		return put(argv[2], down, 0) < 0;
	if (argc == 6 && strcmp(argv[1], "taps") == 0)
		return taps(atol(argv[2]), argv[3], argv[4], argv[5]);
	if (argc == 7 && strcmp(argv[1], "udp") == 0) {
		udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
		udp_to.sin_family = AF_INET;
		udp_to.sin_port = htons((unsigned short)atoi(argv[4]));
		udp_to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		argv++;
		argc--;
	}
	if (argc != 6)
		return 2;
	count = atoi(argv[1]);
	interval = atoi(argv[2]);
	ndown = decode(argv[4], down, sizeof(down));
	nup = decode(argv[5], up, sizeof(up));
	marker = open("/sys/kernel/tracing/trace_marker", O_WRONLY);
	if (marker < 0)
		return 1;
	for (int i = 0; i < count; i++) {
		char mark[32];
		int len = snprintf(mark, sizeof(mark), "onair-press %d", i);

		if (write(marker, mark, (size_t)len) != len || put(argv[3], down, ndown) < 0)
			return 1;
		pause_ms(interval / 2);
		if (put(argv[3], up, nup) < 0)
			return 1;
		pause_ms(interval - interval / 2);
	}
	return 0;
}
