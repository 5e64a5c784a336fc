/* Logging: stderr only. Under systemd the <N> prefix lets journald keep the
 * priority; on a terminal the line carries the program name instead. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *log_tag = "onair";
static enum log_level log_level = LOG_LEVEL_INFO;
static bool log_journal;
static bool log_tty;

void log_init(const char *tag, enum log_level level)
{
	log_tag = tag;
	log_level = level;
	/* JOURNAL_STREAM is set by systemd when stderr goes to the journal. */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	log_tty = isatty(STDERR_FILENO);
}

int log_level_parse(const char *name)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

bool log_debug_enabled(void)
{
	return log_level >= LOG_LEVEL_DEBUG;
}

static void log_vprint(enum log_level level, const char *errstr, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void log_vprint(enum log_level level, const char *errstr, const char *fmt, va_list ap)
{
	static const int syslog_prio[] = { 3, 4, 6, 7 };
	char msg[1024];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s%s%s\n", syslog_prio[level], msg,
			errstr ? ": " : "", errstr ? errstr : "");
	else
		/* On a terminal, clear the console driver's status line first; it is redrawn. */
		fprintf(stderr, "%s%s: %s%s%s\n", log_tty ? "\r\033[K" : "", log_tag, msg,
			errstr ? ": " : "", errstr ? errstr : "");
}

void log_warn(const char *fmt, ...)
{
	const char *errstr = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vprint(LOG_LEVEL_WARN, errstr, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(LOG_LEVEL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(LOG_LEVEL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(LOG_LEVEL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void log_fatal(const char *fmt, ...)
{
	const char *errstr = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vprint(LOG_LEVEL_ERROR, errstr, fmt, ap);
	va_end(ap);
	exit(1);
}

void log_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(LOG_LEVEL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
