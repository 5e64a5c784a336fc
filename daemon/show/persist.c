/* State file: JSON (cJSON), written as temp + fsync + rename. It carries
 * both clocks at the moment of saving: on the same boot the monotonic
 * values are used as they are (immune to wall clock steps); after a reboot
 * they are moved across through the wall clock. */
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persist.h"
#include "../../core/jsontext.h"

#define PERSIST_VERSION 1
#define PERSIST_FILE_MAX (256 * 1024)
#define PERSIST_TAIL_MAX (256 * 1024)
#define PERSIST_LOG_MAX (256 * 1024 * 1024)
/* No show was saved before 2025 by this version: an earlier wall clock is
 * a box that has not synced its time yet. */
#define PERSIST_WALL_FLOOR 1735689600000LL
/* A show resumed after half a day is a clock that jumped, not a break. */
#define PERSIST_GAP_MAX (12LL * 3600 * 1000)

static void add_int(cJSON *o, const char *name, int64_t v)
{
	/* Milliseconds since 1970 need 41 bits: exact in a double. */
	cJSON_AddNumberToObject(o, name, (double)v);
}

static void add_run(cJSON *runs, const struct show_state *s, int i)
{
	const struct show_seg_run *run = &s->run[i];
	cJSON *r = cJSON_CreateObject();

	add_int(r, "segment", i);
	add_int(r, "start_mono", run->start_mono);
	add_int(r, "start_wall", run->start_wall);
	add_int(r, "held_ms", run->held_ms);
	add_int(r, "extend_ms", run->extend_ms);
	add_int(r, "promo_calls", run->promo_calls);
	add_int(r, "promo_due", run->promo_due);
	cJSON_AddItemToArray(runs, r);
}

void persist_fields(cJSON *o, const struct show_state *s, struct onair_time now, const char *boot_id,
		    uint32_t rundown_hash, enum persist_runs which)
{
	cJSON *runs;
	int64_t later_extend = 0;

	add_int(o, "version", PERSIST_VERSION);
	json_add_text(o, "boot_id", boot_id);
	add_int(o, "saved_mono", now.mono);
	add_int(o, "saved_wall", now.wall);
	add_int(o, "rundown_hash", rundown_hash);
	json_add_text(o, "phase", show_phase_name(s->phase));
	add_int(o, "segment", s->seg);
	add_int(o, "seq", (int64_t)s->seq);
	json_add_text(o, "call", show_call_name(s->call));
	for (size_t i = 0; i < show_nmoments; i++)
		add_int(o, show_moments[i].name, *(const int64_t *)((const char *)s + show_moments[i].offset));
	cJSON_AddBoolToObject(o, "interaction_open", s->interaction_open);
	cJSON_AddBoolToObject(o, "interaction_pending", s->interaction_pending);
	json_add_text(o, "message_text", s->message);
	add_int(o, "message_id", s->message_id);
	runs = cJSON_AddArrayToObject(o, "runs");
	if (which == PERSIST_RUNS_ALL) {
		for (int i = 0; i < RUNDOWN_MAX_SEGMENTS; i++)
			if (s->run[i].visited)
				add_run(runs, s, i);
		return;
	}
	if (s->seg >= 0 && s->run[s->seg].visited)
		add_run(runs, s, s->seg);
	for (int i = s->seg + 1; i < RUNDOWN_MAX_SEGMENTS; i++)
		if (s->run[i].visited)
			later_extend += s->run[i].extend_ms;
	add_int(o, "later_extend_ms", later_extend);
}

char *persist_encode(const struct show_state *s, struct onair_time now, const char *boot_id,
		     uint32_t rundown_hash)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	persist_fields(o, s, now, boot_id, rundown_hash, PERSIST_RUNS_ALL);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static bool get_int(const cJSON *o, const char *name, int64_t min, int64_t max, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(v) || v->valuedouble < (double)min || v->valuedouble > (double)max ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return false;
	*out = (int64_t)v->valuedouble;
	return true;
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto out; } while (0)
#define MOMENT_MAX (1LL << 50)

int persist_read(const cJSON *o, struct show_state *out, struct onair_time now, const char *boot_id,
		 uint32_t *rundown_hash, char *err, size_t errlen)
{
	const cJSON *item, *runs, *r;
	struct show_state s;
	int64_t v, saved_mono, saved_wall, hash;
	int phase, call, rc = -1;

	if (!cJSON_IsObject(o))
		BAD("not a JSON object (truncated or corrupt)");
	if (!get_int(o, "version", 0, INT_MAX, &v) || v != PERSIST_VERSION)
		BAD("unsupported version");
	show_init(&s);
	item = cJSON_GetObjectItemCaseSensitive(o, "phase");
	phase = cJSON_IsString(item) ? show_phase_parse(item->valuestring) : -1;
	if (phase < 0)
		BAD("bad \"phase\"");
	s.phase = (enum show_phase)phase;
	item = cJSON_GetObjectItemCaseSensitive(o, "call");
	call = cJSON_IsString(item) ? show_call_parse(item->valuestring) : -1;
	if (call < 0)
		BAD("bad \"call\"");
	s.call = (enum show_call)call;
	if (!get_int(o, "segment", -1, RUNDOWN_MAX_SEGMENTS - 1, &v))
		BAD("bad \"segment\"");
	s.seg = (int)v;
	if ((s.phase == SHOW_LIVE || s.phase == SHOW_HOLD) && s.seg < 0)
		BAD("a running show without a segment");
	if (!get_int(o, "seq", 0, MOMENT_MAX, &v))
		BAD("bad \"seq\"");
	s.seq = (uint64_t)v;
	if (!get_int(o, "saved_mono", 0, MOMENT_MAX, &saved_mono) ||
	    !get_int(o, "saved_wall", 0, MOMENT_MAX, &saved_wall))
		BAD("bad save time");
	if (!get_int(o, "rundown_hash", 0, UINT32_MAX, &hash))
		BAD("bad \"rundown_hash\"");
	for (size_t i = 0; i < show_nmoments; i++)
		if ((show_moments[i].required || cJSON_GetObjectItemCaseSensitive(o, show_moments[i].name)) &&
		    !get_int(o, show_moments[i].name, -MOMENT_MAX, MOMENT_MAX,
			     (int64_t *)((char *)&s + show_moments[i].offset)))
			BAD("bad \"%s\"", show_moments[i].name);
	s.interaction_open = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "interaction_open"));
	s.interaction_pending = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "interaction_pending"));
	item = cJSON_GetObjectItemCaseSensitive(o, "message_text");
	if (item && (!cJSON_IsString(item) || strlen(item->valuestring) >= sizeof(s.message) ||
		     !utf8_valid(item->valuestring, strlen(item->valuestring))))
		BAD("bad \"message_text\"");
	if (item)
		str_copy(s.message, item->valuestring, sizeof(s.message));
	if (get_int(o, "message_id", 0, UINT32_MAX, &v))
		s.message_id = (uint32_t)v;
	runs = cJSON_GetObjectItemCaseSensitive(o, "runs");
	if (!cJSON_IsArray(runs))
		BAD("bad \"runs\"");
	cJSON_ArrayForEach(r, runs) {
		struct show_seg_run run = { .visited = true };
		int64_t calls;

		if (!get_int(r, "segment", 0, RUNDOWN_MAX_SEGMENTS - 1, &v) ||
		    !get_int(r, "start_mono", -MOMENT_MAX, MOMENT_MAX, &run.start_mono) ||
		    !get_int(r, "start_wall", 0, MOMENT_MAX, &run.start_wall) ||
		    !get_int(r, "held_ms", 0, MOMENT_MAX, &run.held_ms) ||
		    !get_int(r, "extend_ms", -MOMENT_MAX, MOMENT_MAX, &run.extend_ms))
			BAD("bad entry in \"runs\"");
		if (get_int(r, "promo_calls", 0, 100000, &calls))
			run.promo_calls = (int)calls;
		if (get_int(r, "promo_due", 0, 100, &calls))
			run.promo_due = (int)calls;
		s.run[v] = run;
	}
	if ((s.phase == SHOW_LIVE || s.phase == SHOW_HOLD) && !s.run[s.seg].visited)
		BAD("the running segment has no start time");
	/* The studio's state sums the later segments' extensions (all the
	 * show clock needs of them) onto the one after the running one, which
	 * no follower visits: it only follows. */
	if (cJSON_GetObjectItemCaseSensitive(o, "later_extend_ms")) {
		if (!get_int(o, "later_extend_ms", -MOMENT_MAX, MOMENT_MAX, &v))
			BAD("bad \"later_extend_ms\"");
		if (s.seg + 1 < RUNDOWN_MAX_SEGMENTS && !s.run[s.seg + 1].visited)
			s.run[s.seg + 1].extend_ms = v;
	}
	item = cJSON_GetObjectItemCaseSensitive(o, "boot_id");
	if (!cJSON_IsString(item))
		BAD("bad \"boot_id\"");
	if (!*boot_id || strcmp(item->valuestring, boot_id) != 0)
		show_shift_mono(&s, (saved_wall - saved_mono) - (now.wall - now.mono));
	*out = s;
	*rundown_hash = (uint32_t)hash;
	rc = 0;
out:
	return rc;
}

int persist_decode(const char *text, size_t len, struct show_state *s, struct onair_time now,
		   const char *boot_id, uint32_t *rundown_hash, char *err, size_t errlen)
{
	cJSON *o = cJSON_ParseWithLength(text, len);
	int rc = persist_read(o, s, now, boot_id, rundown_hash, err, errlen);

	cJSON_Delete(o);
	return rc;
}

/* The state the newest show log's last state-carrying line holds: the log
 * is the journal each answer waited for, the state file a checkpoint. A
 * torn or hostile line is skipped. 1 found, 0 none. */
static int newest_journal_state(const char *dir, cJSON **state, char *log_path, size_t path_len)
{
	char shows[PATH_MAX], newest[NAME_MAX + 1] = "", *text = NULL, *p;
	struct dirent *e;
	ssize_t got;
	off_t end;
	DIR *d;
	int fd, rc = 0;

	snprintf(shows, sizeof(shows), "%s/shows", dir);
	if (!(d = opendir(shows)))
		return 0;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "show-", 5) == 0 && strstr(e->d_name, ".jsonl") &&
		    strcmp(e->d_name, newest) > 0)
			str_copy(newest, e->d_name, sizeof(newest));
	closedir(d);
	if (!*newest)
		return 0;
	snprintf(log_path, path_len, "%s/%s", shows, newest);
	if ((fd = open(log_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	/* The last state is in the last few lines: a long show's log is read
	 * from its tail, and only when rejected commands and notes filled all
	 * of that, from its start. */
	end = lseek(fd, 0, SEEK_END);
	for (int pass = 0; pass < 2 && end > 0 && !rc; pass++) {
		off_t from = pass == 0 && end > PERSIST_TAIL_MAX ? end - PERSIST_TAIL_MAX : 0;

		if ((pass == 1 && end <= PERSIST_TAIL_MAX) || end - from > PERSIST_LOG_MAX ||
		    !(text = malloc((size_t)(end - from) + 1)))
			break;
		got = pread(fd, text, (size_t)(end - from), from);
		text[got > 0 ? got : 0] = '\0';
		for (p = text + (got > 0 ? got : 0); p > text && !rc;) {
			char *line;
			cJSON *o;

			*p = '\0';
			while (p > text && p[-1] != '\n')
				p--;
			line = p;
			if (p > text)
				p--;
			o = cJSON_Parse(line);
			if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "state"))) {
				*state = cJSON_DetachItemFromObjectCaseSensitive(o, "state");
				rc = 1;
			}
			cJSON_Delete(o);
		}
		free(text);
		text = NULL;
	}
	close(fd);
	return rc;
}

static bool same_boot(const cJSON *o, const char *boot_id)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "boot_id");

	return *boot_id && cJSON_IsString(v) && strcmp(v->valuestring, boot_id) == 0;
}

static int64_t saved_wall(const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "saved_wall");

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

int persist_load_newest(const char *dir, struct show_state *s, struct onair_time now,
			const char *boot_id, uint32_t *rundown_hash, struct persist_origin *origin,
			char *err, size_t errlen)
{
	char path[PATH_MAX];
	cJSON *file = NULL, *journal = NULL;
	size_t len;
	char *text;
	int rc = 0;

	memset(origin, 0, sizeof(*origin));
	snprintf(path, sizeof(path), "%s/show.state", dir);
	text = file_read(path, PERSIST_FILE_MAX, &len);
	if (text) {
		file = cJSON_ParseWithLength(text, len);
		free(text);
		if (!cJSON_IsObject(file)) {
			snprintf(err, errlen, "not a JSON object (truncated or corrupt)");
			origin->file_damaged = true;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s", strerror(errno));
		origin->file_damaged = true;
	}
	newest_journal_state(dir, &journal, origin->log, sizeof(origin->log));
	if (journal && (!cJSON_IsObject(file) || saved_wall(journal) > saved_wall(file))) {
		char why[160];

		if (persist_read(journal, s, now, boot_id, rundown_hash, why, sizeof(why)) == 0) {
			origin->from_log = true;
			origin->saved_wall = saved_wall(journal);
			origin->other_boot = !same_boot(journal, boot_id);
			rc = 1;
		}
	}
	if (!rc && cJSON_IsObject(file)) {
		rc = persist_read(file, s, now, boot_id, rundown_hash, err, errlen) == 0 ? 1 : -1;
		origin->file_damaged = rc < 0;
		origin->saved_wall = saved_wall(file);
		origin->other_boot = !same_boot(file, boot_id);
	}
	/* After a reboot the time that passed comes from the wall clock. A box
	 * without a real-time clock may wake in 1970 (or a year ahead) until
	 * it syncs: then nothing is believed to have passed, and the caller
	 * holds the show instead of showing the anchor nonsense. */
	if (rc == 1 && origin->other_boot &&
	    (now.wall < PERSIST_WALL_FLOOR || now.wall < origin->saved_wall - 60000 ||
	     now.wall - origin->saved_wall > PERSIST_GAP_MAX)) {
		origin->clock_doubt = true;
		show_shift_mono(s, now.wall - origin->saved_wall);
	}
	if (!rc && origin->file_damaged)
		rc = -1;
	cJSON_Delete(file);
	cJSON_Delete(journal);
	return rc;
}
