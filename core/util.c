/* Helpers without state: clocks, durations, diagnostics, strings, files. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int64_t timespec_ms(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return timespec_ms(&ts);
}

struct onair_time time_now(void)
{
	struct timespec mono, wall;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	return (struct onair_time){ timespec_ms(&mono), timespec_ms(&wall) };
}

void time_format_wall(int64_t wall_ms, char *buf, size_t len)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	char base[32], zone[8];

	localtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(buf, len, "%s.%03d%.3s:%.2s", base, (int)(wall_ms % 1000), zone, zone + 3);
}

bool duration_parse(const char *text, bool allow_sign, int64_t *ms)
{
	long long parts[3];
	int nparts = 0, sign = 1;
	const char *p = text;

	while (isspace((unsigned char)*p))
		p++;
	if (allow_sign && (*p == '+' || *p == '-')) {
		sign = *p == '-' ? -1 : 1;
		p++;
	}
	for (;;) {
		long long v = 0;
		int digits = 0;

		while (isdigit((unsigned char)*p)) {
			if (v > 100000000)
				return false;
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (digits == 0 || nparts == 3)
			return false;
		parts[nparts++] = v;
		if (*p != ':')
			break;
		p++;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0')
		return false;
	long long secs;
	if (nparts == 1) {
		secs = parts[0];
	} else if (nparts == 2) {
		if (parts[1] > 59)
			return false;
		secs = parts[0] * 60 + parts[1];
	} else {
		if (parts[1] > 59 || parts[2] > 59)
			return false;
		secs = parts[0] * 3600 + parts[1] * 60 + parts[2];
	}
	if (secs > 7 * 24 * 3600)
		return false;
	*ms = sign * secs * 1000;
	return true;
}

void duration_format(int64_t ms, char *buf, size_t len)
{
	const char *sign = ms < 0 ? "-" : "";
	/* -INT64_MIN does not exist: a millisecond less is no error to see. */
	int64_t secs = (ms < 0 ? -(ms == INT64_MIN ? ms + 1 : ms) : ms) / 1000;

	if (secs >= 3600)
		snprintf(buf, len, "%s%lld:%02lld:%02lld", sign, (long long)(secs / 3600),
			 (long long)(secs / 60 % 60), (long long)(secs % 60));
	else
		snprintf(buf, len, "%s%lld:%02lld", sign, (long long)(secs / 60), (long long)(secs % 60));
}

bool time_of_day_parse(const char *text, int *seconds)
{
	int h, m, s = 0, n = 0;

	if (sscanf(text, "%2d:%2d%n", &h, &m, &n) != 2)
		return false;
	if (text[n] == ':') {
		int n2 = 0;

		if (sscanf(text + n + 1, "%2d%n", &s, &n2) != 1)
			return false;
		n += 1 + n2;
	}
	if (text[n] != '\0' || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59)
		return false;
	*seconds = h * 3600 + m * 60 + s;
	return true;
}

void diag_add(struct diag *d, const char *path, int line, const char *fmt, ...)
{
	char msg[512], *full;
	va_list ap;
	char **grown;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0) {
		if (asprintf(&full, "%s:%d: %s", path, line, msg) < 0)
			return;
	} else if (asprintf(&full, "%s: %s", path, msg) < 0) {
		return;
	}
	grown = realloc(d->lines, (d->count + 1) * sizeof(*d->lines));
	if (!grown) {
		free(full);
		return;
	}
	d->lines = grown;
	d->lines[d->count++] = full;
}

void diag_print(const struct diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		fprintf(stderr, "%s\n", d->lines[i]);
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		free(d->lines[i]);
	free(d->lines);
	d->lines = NULL;
	d->count = 0;
}

void str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size == 0)
		return;
	if (n >= size) {
		n = size - 1;
		/* Never leave half a UTF-8 sequence at the end. */
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

char *str_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

bool utf8_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7F)
			return false;
	return utf8_wellformed(s, len);
}

/* The length of the well-formed UTF-8 sequence at p (1 for ASCII), or 0
 * when the bytes there are not one (a stray continuation byte, an overlong
 * form, a surrogate, a value past U+10FFFF, or a sequence cut short). */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned c = *p, cp;
	size_t extra;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		extra = 1;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		extra = 2;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		extra = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail <= extra)
		return 0;
	for (size_t i = 1; i <= extra; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return extra + 1;
}

bool utf8_wellformed(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t n = utf8_seq(p, (size_t)(end - p));

		if (!n)
			return false;
		p += n;
	}
	return true;
}

static size_t copy_whole(char *dst, const char *src, size_t size, bool controls)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t o = 0, avail = strlen(src);

	if (size == 0)
		return 0;
	while (avail) {
		size_t n = utf8_seq(p, avail);

		if (!n) {		/* not text: left out */
			p++, avail--;
			continue;
		}
		if (!controls && n == 1 && (*p < 0x20 || *p == 0x7F)) {
			p++, avail--;
			continue;
		}
		if (o + n >= size)	/* whole characters only */
			break;
		memcpy(dst + o, p, n);
		o += n, p += n, avail -= n;
	}
	dst[o] = '\0';
	return o;
}

size_t text_copy(char *dst, const char *src, size_t size)
{
	return copy_whole(dst, src, size, false);
}

size_t utf8_copy(char *dst, const char *src, size_t size)
{
	return copy_whole(dst, src, size, true);
}

bool rate_take(struct rate_limit *r, int64_t now_ms, int burst, int per_s)
{
	if (!r->at)
		r->tokens = burst;
	else
		r->tokens += (double)(now_ms - r->at) * per_s / 1000;
	if (r->tokens > burst)
		r->tokens = burst;
	r->at = now_ms;
	if (r->tokens < 1)
		return false;
	r->tokens -= 1;
	return true;
}

void hostport_format(char *buf, size_t len, const char *host, int port)
{
	bool v6 = strchr(host, ':') != NULL;

	snprintf(buf, len, "%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

int net_connect_start(const char *host, int port, int socktype, char *why, size_t whylen)
{
	/* An address, never a name: a resolver would block the lamps. */
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = socktype }, *ai;
	char service[8];
	int fd, rc;

	snprintf(service, sizeof(service), "%d", port);
	if ((rc = getaddrinfo(host, service, &hints, &ai)) != 0) {
		snprintf(why, whylen, "not an address (%s)", gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)) {
		snprintf(why, whylen, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int tcp_connect_result(int fd)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return errno;
	return soerr;
}

int str_index(const char *const *names, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcasecmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

void nearest_offer(struct nearest *n, const char *candidate)
{
	size_t len = strlen(n->word);
	int within = len <= 3 ? 1 : len <= 5 ? 2 : 3;
	int d = str_distance(n->word, candidate);

	if (d <= within && d < n->distance) {
		n->distance = d;
		n->best = candidate;
	}
}

int str_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64];

	if (lb >= ARRAY_SIZE(row) || la >= 64)
		return INT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];

		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			int best = diag + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

bool int_parse(const char *text, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool bool_parse(const char *text, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

char *file_read(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	while (buf) {
		ssize_t r;

		if (n == cap) {
			char *grown;

			if (cap >= max) {
				free(buf);
				close(fd);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			free(buf);
			close(fd);
			errno = saved;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int file_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	char *slash;
	int fd, saved;
	size_t done = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A fresh file, never one planted at its name: a link there would
	 * send the write (as root, perhaps) wherever it points. */
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		done += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	/* The rename is durable only once the directory entry is on disk. */
	str_copy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int dir_trusted(const char *path, char *why, size_t whylen)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode) && stat(path, &st) < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s is not a folder", path);
		return -1;
	}
	/* Anyone may add or replace a name in a folder everyone can write
	 * (without the sticky bit, even remove ours): a planted link would
	 * redirect the daemon's writes. */
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		snprintf(why, whylen, "%s can be written by every user (mode %03o): chmod o-w it, or give "
			 "onaird a folder of its own (--state-dir)", path, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	/* Another user's folder (root checking the package's /var/lib/onair,
	 * owned by onair): used, since no name in it is ever followed; for a
	 * daemon that is not root it is said. */
	if (st.st_uid != geteuid() && st.st_uid != 0 && geteuid() != 0) {
		snprintf(why, whylen, "%s belongs to uid %u, not to this daemon's user (%u): give onaird a "
			 "folder of its own (--state-dir)", path, (unsigned)st.st_uid, (unsigned)geteuid());
		return 1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, whylen, "%s can be written by others than its owner (mode %03o): chmod go-w it",
			 path, (unsigned)(st.st_mode & 0777));
		return 1;
	}
	return 0;
}

int dir_create(const char *path, unsigned int mode)
{
	char buf[PATH_MAX];

	str_copy(buf, path, sizeof(buf));
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

void boot_id_read(char *buf, size_t len)
{
	char *id = file_read("/proc/sys/kernel/random/boot_id", 128, NULL);

	str_copy(buf, id ? str_trim(id) : "", len);
	free(id);
}

bool hostport_parse(const char *text, char *host, size_t hostlen, int *port)
{
	const char *colon = strrchr(text, ':');
	size_t n;
	long long v;

	if (!colon || !int_parse(colon + 1, 1, 65535, &v))
		return false;
	n = (size_t)(colon - text);
	if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
		text++;
		n -= 2;
	}
	if (n == 0 || n >= hostlen)
		return false;
	memcpy(host, text, n);
	host[n] = '\0';
	*port = (int)v;
	return true;
}

/* A one-line secret (a password file): its first line, NULL with errno;
 * *mode is the file's permission bits, to warn when others may read it. */
static char *secret_read(const char *path, unsigned int *mode)
{
	struct stat st;
	size_t len;
	char *text = file_read(path, 4096, &len);

	*mode = text && stat(path, &st) == 0 ? (unsigned int)(st.st_mode & 0777) : 0;
	if (text)
		text[strcspn(text, "\r\n")] = '\0';
	return text;
}

char *secret_load(const char *path, size_t min, size_t max, char *why, size_t whylen, char *warn,
		  size_t warnlen)
{
	unsigned int mode;
	char *text = secret_read(path, &mode);

	*warn = '\0';
	if (!text) {
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	str_trim(text);
	if (strlen(text) < min || strlen(text) >= max) {
		snprintf(why, whylen, "the secret in %s must be %zu to %zu bytes on its first line", path,
			 min, max - 1);
		free(text);
		return NULL;
	}
	if (mode & 077)
		snprintf(warn, warnlen, "%s can be read by others than its owner (mode %03o): chmod 0400 it", path,
			 mode);
	return text;
}
