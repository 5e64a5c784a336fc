/* Bench helper, run inside the VM (built static on the host): double taps
 * at human speed, as an operator's thumb or foot makes them: down at 0,
 * up at 80, down at 200, up at 280 ms, then a rest of 600 ms.
 * Usage: taps COUNT FILE DOWN UP, with DOWN and UP as hex bytes (a HID
 * report) or, prefixed with '=', text (a gpio-sim pull). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static size_t decode(const char *arg, unsigned char *buf, size_t max)
{
	size_t n = 0;

	if (arg[0] == '=') {
		n = strlen(arg + 1) < max ? strlen(arg + 1) : max;
		memcpy(buf, arg + 1, n);
		return n;
	}
	for (; arg[0] && arg[1] && n < max; arg += 2) {
		char byte[3] = { arg[0], arg[1], 0 };

		buf[n++] = (unsigned char)strtoul(byte, NULL, 16);
	}
	return n;
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
	static const long pattern[] = { 0, 80, 200, 280 };
	unsigned char level[2][64];
	size_t len[2];
	struct timespec start;

	if (argc != 5)
		return 2;
	len[0] = decode(argv[3], level[0], sizeof(level[0]));
	len[1] = decode(argv[4], level[1], sizeof(level[1]));
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < atol(argv[1]); i++)
		for (int k = 0; k < 4; k++) {
			until(&start, i * 880 + pattern[k]);
			if (put(argv[2], level[k % 2], len[k % 2]) < 0)
				return 1;
		}
	until(&start, atol(argv[1]) * 880);
	return 0;
}
