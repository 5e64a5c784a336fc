/* LD_PRELOAD shim: fsync and fdatasync take SLOWSYNC_MS milliseconds, as
 * on an SD card (10-200 ms, seconds while it levels wear), so a benchmark
 * or test on a fast disk sees what a studio box sees. The qemu bench puts
 * a real dm-delay device under the state folder instead. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void pause_for_the_card(void)
{
	const char *ms = getenv("SLOWSYNC_MS");
	long n = ms ? strtol(ms, NULL, 10) : 0;
	struct timespec ts = { n / 1000, (n % 1000) * 1000000L };

	if (n > 0)
		while (nanosleep(&ts, &ts) != 0)
			;
}

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");

	pause_for_the_card();
	return real(fd);
}

int fdatasync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");

	pause_for_the_card();
	return real(fd);
}
