/* Bench helper, run inside the VM (built static on the host): marks the
 * kernel trace, then at once makes an input happen, so the gap between the
 * mark and the tally line's gpio_value event is the daemon's latency.
 * Usage: latency COUNT INTERVAL_MS FILE DOWN UP
 *   writes DOWN (marked) then UP to FILE, COUNT times; DOWN and UP are
 *   hex bytes (a HID report) or, prefixed with '=', text (a gpio-sim pull). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned char down[64], up[64];
	size_t ndown, nup;
	int count, interval, marker;

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
