/* Logging for onaird and its tools: one line per message on stderr, which
 * journald captures under systemd. warn() appends strerror(errno). */
#ifndef ONAIR_LOG_H
#define ONAIR_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Set the most verbose level that is printed; prefix every line with tag. */
void log_init(const char *tag, enum log_level level);
/* Parse "error", "warn", "info" or "debug"; -1 when unknown. */
int log_level_parse(const char *name);
/* Change the level at run time (reload). */
void log_set_level(enum log_level level);
bool log_debug_enabled(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void log_fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
