/* Show log writer and the report built from it. Each line goes to the
 * storage worker (store.c), which appends it whole or not at all and syncs
 * it before any answer that reports it goes out; a power cut loses at most
 * lines nobody was told about, and a line torn by one is closed off when
 * the log is opened again, so the next line is never glued onto it. */
#define _GNU_SOURCE
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "showlog.h"
#include "store.h"
#include "../../core/jsontext.h"
#include "../../core/log.h"
#include "../../core/rhythm.h"

int showlog_open(struct showlog *log, const char *state_dir, int64_t show_start_wall)
{
	char dir[PATH_MAX], stamp[32];
	time_t t = (time_t)(show_start_wall / 1000);
	struct tm tm;

	showlog_close(log);
	snprintf(dir, sizeof(dir), "%s/shows", state_dir);
	if (dir_create(dir, 0750) < 0)
		return -1;
	{
		struct stat st;

		/* A link planted at shows/ would take the logs elsewhere. */
		if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
	}
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (snprintf(log->path, sizeof(log->path), "%s/show-%s.jsonl", dir, stamp) >=
	    (int)sizeof(log->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	log->fd = open(log->path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (log->fd < 0)
		return -1;
	log->torn = false;
	{
		off_t end = lseek(log->fd, 0, SEEK_END);
		char last;

		log->fresh = end == 0;
		if (end > 0 && pread(log->fd, &last, 1, end - 1) == 1 && last != '\n') {
			/* A power cut in the middle of a line: end it, so the torn
			 * record stays a line of its own that readers skip. */
			log->torn = true;
			store_append(log->path, "\n", 1);
		}
	}
	return 0;
}

static int newest_first(const void *a, const void *b)
{
	return strcmp(b, a);
}

int showlog_list(const char *state_dir, char (*ids)[SHOWLOG_ID_MAX], int max)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/shows", state_dir);
	if (!(d = opendir(dir)))
		return 0;
	/* The stamps sort as the shows started; the newest are kept. */
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (strncmp(e->d_name, "show-", 5) != 0 || len < 11 || strcmp(e->d_name + len - 6, ".jsonl") != 0 ||
		    len - 11 >= SHOWLOG_ID_MAX)
			continue;
		if (n == max) {
			int oldest = 0;

			for (int i = 1; i < n; i++)
				if (strcmp(ids[i], ids[oldest]) < 0)
					oldest = i;
			if (strncmp(e->d_name + 5, ids[oldest], len - 11) <= 0)
				continue;
			n--;
			memmove(ids[oldest], ids[n], SHOWLOG_ID_MAX);
		}
		memcpy(ids[n], e->d_name + 5, len - 11);
		ids[n++][len - 11] = '\0';
	}
	closedir(d);
	qsort(ids, (size_t)n, SHOWLOG_ID_MAX, newest_first);
	return n;
}

int showlog_path(const char *state_dir, const char *id, char *path, size_t len)
{
	if (!*id || strspn(id, "0123456789-") != strlen(id) || strlen(id) >= SHOWLOG_ID_MAX)
		return -1;
	if ((size_t)snprintf(path, len, "%s/shows/show-%s.jsonl", state_dir, id) >= len)
		return -1;
	return access(path, R_OK) == 0 ? 0 : -1;
}

void showlog_close(struct showlog *log)
{
	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
}

static int showlog_write(struct showlog *log, cJSON *o, struct onair_time now)
{
	char stamp[48], *text;
	size_t len;

	time_format_wall(now.wall, stamp, sizeof(stamp));
	json_add_text(o, "time", stamp);
	cJSON_AddNumberToObject(o, "wall_ms", (double)now.wall);
	cJSON_AddNumberToObject(o, "mono_ms", (double)now.mono);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return -1;
	if (log->fd < 0) {
		free(text);
		errno = EBADF;
		return -1;
	}
	len = strlen(text);
	text[len] = '\n'; /* replaces the NUL; cJSON's buffer has it */
	store_append(log->path, text, len + 1);
	free(text);
	return 0;
}

int showlog_event(struct showlog *log, const struct show_event *ev, const struct rundown *r,
		  const char *show_title, enum show_source src, const char *who, uint64_t seq,
		  struct onair_time now, cJSON *state)
{
	cJSON *o = cJSON_CreateObject();

	json_add_text(o, "event", show_event_name(ev->kind));
	cJSON_AddNumberToObject(o, "seq", (double)seq);
	if (ev->seg >= 0 && ev->seg < r->count) {
		cJSON_AddNumberToObject(o, "segment", ev->seg + 1);
		json_add_text(o, "title", r->seg[ev->seg].title);
		/* planned is the segment's time (extensions in) for these two;
		 * for a promotion call it is the quota, written as such below. */
		bool timed = ev->kind == SHOW_EV_SEG_END || ev->kind == SHOW_EV_EXTEND;

		cJSON_AddNumberToObject(o, "planned_ms", (double)(timed && ev->planned ? ev->planned
										: r->seg[ev->seg].planned_ms));
	}
	if (ev->kind == SHOW_EV_PREROLL) {
		json_add_text(o, "show", show_title);
		cJSON_AddNumberToObject(o, "segments", r->count);
	}
	cJSON_AddNumberToObject(o, "value_ms", (double)ev->value);
	if (ev->kind == SHOW_EV_PROMO_DUE || ev->kind == SHOW_EV_PROMO_SAID)
		cJSON_AddNumberToObject(o, "quota", (double)ev->planned);
	if (ev->kind == SHOW_EV_SAY)
		cJSON_AddNumberToObject(o, "message_id", (double)ev->value);
	if (ev->kind == SHOW_EV_MESSAGE_ACK || ev->kind == SHOW_EV_MESSAGE_EXPIRED)
		cJSON_AddNumberToObject(o, "message_id", (double)ev->planned);
	if (*ev->text)
		json_add_text(o, "text", ev->text);
	json_add_text(o, "source", show_source_name(src));
	json_add_text(o, "who", who ? who : "");
	if (state)
		cJSON_AddItemToObject(o, "state", state);
	return showlog_write(log, o, now);
}

/* What outsiders can make the box write (refused commands from a sender,
 * notes a flapping source causes) is limited per kind: a burst, then one
 * line a second, and once it writes again a line says how many it left
 * out. The show's own transitions are never limited: they are the show. */
#define LIMIT_BURST 30
#define LIMIT_PER_S 1
#define LIMIT_KINDS 8

static struct limit {
	char key[48];
	struct rate_limit rate;
	uint64_t dropped;
} limits[LIMIT_KINDS];

/* true: write the line (after a line for what was left out, if any). */
static bool admitted(struct showlog *log, const char *key, struct onair_time now)
{
	struct limit *l = NULL, *oldest = &limits[0];

	for (int i = 0; i < LIMIT_KINDS && !l; i++) {
		if (strcmp(limits[i].key, key) == 0)
			l = &limits[i];
		else if (limits[i].rate.at < oldest->rate.at)
			oldest = &limits[i];
	}
	if (!l) {
		l = oldest;
		*l = (struct limit){ 0 };
		str_copy(l->key, key, sizeof(l->key));
	}
	if (!rate_take(&l->rate, now.mono, LIMIT_BURST, LIMIT_PER_S)) {
		if (!l->dropped++)
			log_warnx("showlog: more than %d \"%s\" lines at once: one a second is written, the rest "
				  "counted", LIMIT_BURST, key);
		return false;
	}
	if (l->dropped) {
		cJSON *o = cJSON_CreateObject();
		char detail[96];

		snprintf(detail, sizeof(detail), "%llu \"%s\" lines left out (over %d at once, then one a second)",
			 (unsigned long long)l->dropped, key, LIMIT_BURST);
		json_add_text(o, "event", "limited");
		json_add_text(o, "detail", detail);
		showlog_write(log, o, now);
		l->dropped = 0;
	}
	return true;
}

int showlog_rejected(struct showlog *log, const char *command, const char *reason,
		     enum show_source src, const char *who, struct onair_time now)
{
	cJSON *o;
	char key[48];

	snprintf(key, sizeof(key), "rejected %s", show_source_name(src));
	if (!admitted(log, key, now))
		return 0;
	o = cJSON_CreateObject();

	json_add_text(o, "event", "rejected");
	json_add_text(o, "command", command);
	json_add_text(o, "reason", reason);
	json_add_text(o, "source", show_source_name(src));
	json_add_text(o, "who", who ? who : "");
	return showlog_write(log, o, now);
}

int showlog_rundown(struct showlog *log, const struct rundown *r, const struct show_conf *sc,
		    const char *show_title, int64_t planned_end_wall, struct onair_time now)
{
	cJSON *o = cJSON_CreateObject(), *segs = cJSON_AddArrayToObject(o, "segments");

	json_add_text(o, "event", "rundown");
	json_add_text(o, "show", show_title);
	cJSON_AddNumberToObject(o, "planned_end_wall", (double)planned_end_wall);
	for (int i = 0; i < r->count; i++) {
		cJSON *seg = cJSON_CreateObject();

		json_add_text(seg, "title", r->seg[i].title);
		json_add_text(seg, "kind", r->seg[i].kind);
		cJSON_AddNumberToObject(seg, "planned_ms", (double)r->seg[i].planned_ms);
		cJSON_AddNumberToObject(seg, "promo_quota", rhythm_promo_quota(r, sc, i, NULL));
		cJSON_AddItemToArray(segs, seg);
	}
	return showlog_write(log, o, now);
}

int showlog_note(struct showlog *log, const char *what, const char *detail, struct onair_time now)
{
	cJSON *o;

	if (!admitted(log, what, now))
		return 0;
	o = cJSON_CreateObject();

	json_add_text(o, "event", what);
	json_add_text(o, "detail", detail);
	return showlog_write(log, o, now);
}
