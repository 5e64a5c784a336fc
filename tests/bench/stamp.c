/* Bench helper: prefixes each line read from stdin with the CLOCK_MONOTONIC
 * nanosecond it arrived at. A process of its own, so that the bench's other
 * work cannot delay the reading of a display change. Usage: cmd | stamp */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	char buf[4096], line[8192];
	size_t used = 0;
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
		struct timespec ts;
		long long at;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		at = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (used < sizeof(line) - 1)
					line[used++] = buf[i];
				continue;
			}
			printf("%lld %.*s\n", at, (int)used, line);
			used = 0;
		}
		fflush(stdout);
	}
	return 0;
}
