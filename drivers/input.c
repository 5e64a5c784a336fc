/* Input mapping (see input.h). The command words are the control
 * protocol's, so a pedal is configured in the words onairctl takes. */
#include <stdio.h>
#include <string.h>

#include "../core/cmd.h"
#include "../core/log.h"
#include "../core/loop.h"
#include "input.h"

#define DEFAULT_DEBOUNCE_MS 20
#define DEFAULT_LONG_MS 800
#define DEFAULT_DOUBLE_MS 400

static const char *const kind_keys[] = { "press", "long", "double" };

/* Milliseconds are plain integers, as in the config's other *_ms keys. */
static int ms_key(const struct conf_device *dev, const char *key, int64_t lo, int64_t hi,
		  int64_t *ms, const char *path, struct diag *d)
{
	long long n = *ms;
	int rc = drv_int_key(dev, key, lo, hi, "milliseconds", &n, path, d);

	*ms = n;
	return rc;
}

int input_parse_map(const struct conf_device *dev, const char *prefix, const char *default_press,
		    enum show_source source, const char *path, struct diag *d, struct input_map *m)
{
	int rc = 0;

	memset(m, 0, sizeof(*m));
	for (size_t k = 0; k < ARRAY_SIZE(kind_keys); k++) {
		char key[DRV_NAME_MAX], err[160];
		const char *v;

		snprintf(key, sizeof(key), "%s%s", prefix, kind_keys[k]);
		v = drv_key(dev, key);
		if (!v && k == GESTURE_PRESS)
			v = default_press;
		if (!v || strcmp(v, "none") == 0)
			continue;
		if (cmd_parse_show(v, source, &m->cmd[k], err, sizeof(err)) < 0) {
			diag_add(d, path, drv_key_line(dev, key), "%s: %s", key, err);
			rc = -1;
			continue;
		}
		m->mapped[k] = m->any = true;
	}
	return rc;
}

int input_parse_timing(const struct conf_device *dev, const char *path, struct diag *d,
		       struct gesture_conf *t)
{
	t->debounce_ms = DEFAULT_DEBOUNCE_MS;
	t->long_ms = DEFAULT_LONG_MS;
	t->double_ms = DEFAULT_DOUBLE_MS;
	return ms_key(dev, "debounce_ms", 0, 1000, &t->debounce_ms, path, d) |
	       ms_key(dev, "long_ms", 200, 10000, &t->long_ms, path, d) |
	       ms_key(dev, "double_ms", 100, 2000, &t->double_ms, path, d);
}

static void input_fire(struct input_button *b, const enum gesture_kind *g, int n)
{
	for (int i = 0; i < n; i++) {
		if (!b->mapped[g[i]])
			continue;
		log_debug("%s: %s → %s", b->who, gesture_name(g[i]), show_cmd_name(b->cmd[g[i]].kind));
		b->host->command(b->host, &b->cmd[g[i]], b->who);
	}
	loop_timer_arm(b->timer, gesture_next_deadline(&b->state, &b->conf));
}

static void input_timer(void *data)
{
	struct input_button *b = data;
	enum gesture_kind g[GESTURE_MAX];

	input_fire(b, g, gesture_tick(&b->state, &b->conf, time_mono_ms(), g));
}

bool input_setup(struct input_button *b, const struct gesture_conf *timing,
		 const struct input_map *map, const char *who, struct drv_host *host)
{
	memset(b, 0, sizeof(*b));
	str_copy(b->who, who, sizeof(b->who));
	b->host = host;
	b->conf.debounce_ms = timing->debounce_ms;
	memcpy(b->mapped, map->mapped, sizeof(b->mapped));
	memcpy(b->cmd, map->cmd, sizeof(b->cmd));
	/* Waiting to tell a long or double press apart delays the plain press,
	 * so the wait exists only when one is mapped. */
	if (b->mapped[GESTURE_LONG])
		b->conf.long_ms = timing->long_ms;
	if (b->mapped[GESTURE_DOUBLE])
		b->conf.double_ms = timing->double_ms;
	gesture_init(&b->state, time_mono_ms());
	b->timer = loop_timer_add(input_timer, b);
	return map->any;
}

void input_level(struct input_button *b, bool pressed, int64_t mono_ms)
{
	enum gesture_kind g[GESTURE_MAX];

	if (pressed && !b->state.raw)
		b->presses++;
	input_fire(b, g, gesture_edge(&b->state, &b->conf, pressed, mono_ms, g));
}

void input_fini(struct input_button *b)
{
	if (b->timer)
		loop_timer_remove(b->timer);
	b->timer = NULL;
}
