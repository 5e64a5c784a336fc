/* Small helpers shared by the daemon, its tools and its tests: clocks,
 * durations, error collection, strings and files. */
#ifndef ONAIR_UTIL_H
#define ONAIR_UTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NEVER INT64_MAX

/* A moment on both clocks: monotonic for local deadlines, wall (realtime)
 * as the anchor that other boxes, logs and displays share. Milliseconds. */
struct onair_time {
	int64_t mono;
	int64_t wall;
};

/* Read both clocks now. */
struct onair_time time_now(void);
/* Monotonic milliseconds. */
int64_t time_mono_ms(void);
/* Format wall milliseconds as local ISO 8601 with offset. */
void time_format_wall(int64_t wall_ms, char *buf, size_t len);

/* Parse "SS", "M:SS", "H:MM:SS" (with optional fraction-free leading +/-
 * when allow_sign) into milliseconds; false when malformed. */
bool duration_parse(const char *text, bool allow_sign, int64_t *ms);
/* Format milliseconds as M:SS or H:MM:SS (negative with a leading '-'). */
void duration_format(int64_t ms, char *buf, size_t len);
/* Parse "HH:MM" or "HH:MM:SS" (a time of day) into seconds since midnight. */
bool time_of_day_parse(const char *text, int *seconds);

/* Diagnostics gathered while reading a file: every error is kept so that
 * all of them can be shown before refusing to start. */
struct diag {
	size_t count;
	char **lines;
};

/* Record "path:line: message"; line 0 leaves the line number out. */
void diag_add(struct diag *d, const char *path, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Print every message to stderr, one per line. */
void diag_print(const struct diag *d);
void diag_free(struct diag *d);

/* Copy with truncation at a UTF-8 character boundary; always terminated. */
void str_copy(char *dst, const char *src, size_t size);
/* Trim ASCII white space at both ends, in place. */
char *str_trim(char *s);
/* True when s is valid UTF-8 with no NUL and no control other than tab. */
bool utf8_valid(const char *s, size_t len);
/* True when s is well-formed UTF-8 (no overlong form, surrogate or value
 * past U+10FFFF), whatever control characters it holds. */
bool utf8_wellformed(const char *s, size_t len);
/* Copy text that came from outside (a switcher, OBS, a peer) to be shown,
 * logged and sent on: malformed UTF-8 and control characters are left out
 * and the copy is cut on a character boundary. Returns its length. */
size_t text_copy(char *dst, const char *src, size_t size);
/* The same, keeping control characters (a note's line breaks). */
size_t utf8_copy(char *dst, const char *src, size_t size);
/* "ADDRESS:PORT" ("[::1]:8080" for IPv6) split into its address and port;
 * false when it is not that. */
bool hostport_parse(const char *text, char *host, size_t hostlen, int *port);
/* The reverse: "ADDRESS:PORT", an IPv6 address in brackets. */
void hostport_format(char *buf, size_t len, const char *host, int port);
/* A non-blocking connection to a numeric address (no resolver: it would
 * block the lamps) begun: the socket (TCP: writable once it is made or
 * failed; UDP: connected at once), or -1 and why (the error alone: the
 * caller names the peer). socktype: SOCK_STREAM or SOCK_DGRAM. */
int net_connect_start(const char *host, int port, int socktype, char *why, size_t whylen);
/* Then: 0 when it was made, else the errno it failed with. */
int tcp_connect_result(int fd);
/* Index of name in names (ASCII case ignored), or -1. */
int str_index(const char *const *names, size_t count, const char *name);
/* Edit distance, for "did you mean" suggestions. */
int str_distance(const char *a, const char *b);
/* "Did you mean", the one rule for every name onair suggests (a command
 * word, a config key or section): candidates are offered one by one and
 * the nearest within a few edits for the word's length is kept (one for a
 * word of three letters, two up to five, three beyond), so a short word
 * of garbage is matched to nothing. */
struct nearest {
	const char *word, *best;	/* best: NULL while nothing is near */
	int distance;
};
#define NEAREST(w) { (w), NULL, INT_MAX }
void nearest_offer(struct nearest *n, const char *candidate);
/* Strict integer parse of the whole string within [min, max]. */
bool int_parse(const char *text, long long min, long long max, long long *out);
/* Yes/no values as in the config ("yes", "no", "true", "false", "on", "off", "1", "0"). */
bool bool_parse(const char *text, bool *out);

/* A token bucket: burst at once, then per_s a second; at 0 is full.
 * rate_take takes one token at now_ms: false when there is none. */
struct rate_limit {
	double tokens;
	int64_t at;
};
bool rate_take(struct rate_limit *r, int64_t now_ms, int burst, int per_s);

/* Read a whole file (at most max bytes) into a NUL-terminated buffer. */
char *file_read(const char *path, size_t max, size_t *len);
/* Secrets (the MQTT password, the ops page's token, OBS's password, a
 * robot's address) are read one way: the secret in path, at least min and
 * under max bytes (malloc'd), or NULL with why. *warn says when others
 * than the owner can read the file ("" when not). */
char *secret_load(const char *path, size_t min, size_t max, char *why, size_t whylen, char *warn,
		  size_t warnlen);
/* Replace path atomically: write a temporary file, fsync, rename, fsync dir. */
int file_write_atomic(const char *path, const char *data, size_t len);
/* Create a directory and its parents with the given mode. */
int dir_create(const char *path, unsigned int mode);
/* Whether a folder may hold what the daemon writes: 0 yes; 1 yes, but
 * others may write it or it is another user's (why says); -1 no (why says:
 * not a folder, or writable by every user). */
int dir_trusted(const char *path, char *why, size_t whylen);
/* This boot's id from the kernel, or "" when unknown. */
void boot_id_read(char *buf, size_t len);

#endif
