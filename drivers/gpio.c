/* GPIO driver: lamps, relays and ON AIR signs on output lines, and one
 * button or wired foot switch on an input line, through the GPIO seam.
 * Every output is requested in its off state and driven off again before
 * the line is released, so a lamp never shows a state the show is not in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "../core/log.h"
#include "../core/loop.h"
#include "input.h"

enum gpio_out { OUT_TALLY, OUT_ONAIR, OUT_CUE, OUT_RED, OUT_GREEN, OUT_BLUE, OUT_AMBER, OUT_COUNT };

static const char *const out_keys[OUT_COUNT] = {
	"tally", "onair", "cue", "cue_red", "cue_green", "cue_blue", "cue_amber",
};

static const char *const gpio_line_keys[] = {
	"tally", "onair", "cue", "cue_red", "cue_green", "cue_blue", "cue_amber", "button",
};

static const char *const gpio_keys[] = {
	"tally", "onair", "cue", "cue_red", "cue_green", "cue_blue", "cue_amber", "chip",
	"button", "press", "long", "double", "debounce_ms", "long_ms", "double_ms", "debounce", NULL,
};

struct drv {
	char name[DRV_NAME_MAX];
	struct gpioline *out[OUT_COUNT];
	int value[OUT_COUNT];	/* last level written, -1 unknown */
	bool failed[OUT_COUNT];	/* a write failed: said once */
	struct gpioline *in;
	struct loop_watch *watch;
	struct input_button button;
};

/* A [device.NAME] section with driver = gpio, parsed once. */
struct gpio_opts {
	struct drv_line out[OUT_COUNT];
	struct drv_line button;
	struct gesture_conf timing;
	struct input_map map;
	bool kernel_debounce;		/* debounce = kernel: the kernel's debouncer (libgpiod 2) */
};

static int gpio_parse(const struct conf_device *dev, const struct board *board, const char *path,
		      struct diag *d, struct gpio_opts *o)
{
	int rc = 0, lines = 0;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < OUT_COUNT; i++) {
		rc |= drv_line_parse(dev, board, out_keys[i], path, d, &o->out[i]);
		lines += drv_key(dev, out_keys[i]) != NULL;
	}
	if (drv_key(dev, "button")) {
		lines++;
		rc |= drv_line_parse(dev, board, "button", path, d, &o->button);
		rc |= input_parse_map(dev, "", "next", SHOW_SRC_BUTTON, path, d, &o->map);
		rc |= input_parse_timing(dev, path, d, &o->timing);
		if (drv_key(dev, "debounce")) {
			o->kernel_debounce = strcmp(drv_key(dev, "debounce"), "kernel") == 0;
			if (!o->kernel_debounce && strcmp(drv_key(dev, "debounce"), "driver") != 0) {
				diag_add(d, path, drv_key_line(dev, "debounce"), "debounce must be driver or kernel");
				rc = -1;
			}
		}
	} else {
		static const char *const button_only[] = { "press", "long", "double",
							   "debounce_ms", "long_ms", "double_ms", "debounce" };

		for (size_t i = 0; i < ARRAY_SIZE(button_only); i++)
			if (drv_key(dev, button_only[i])) {
				diag_add(d, path, drv_key_line(dev, button_only[i]),
					 "%s needs a \"button\" line in [device.%s]", button_only[i],
					 dev->name);
				rc = -1;
			}
	}
	if (lines == 0) {
		diag_add(d, path, dev->line,
			 "[device.%s] drives no line: set tally, cue, cue_red … or button", dev->name);
		rc = -1;
	}
	return rc;
}

static int gpio_check(const struct conf_device *dev, const struct board *board, const char *path,
		      struct diag *d)
{
	struct gpio_opts o;

	return gpio_parse(dev, board, path, d, &o);
}

static void gpio_write(struct drv *g, enum gpio_out o, int value)
{
	if (!g->out[o] || g->value[o] == value)
		return;
	if (gpioline_set(g->out[o], value) < 0) {
		if (!g->failed[o])
			log_warn("device %s: %s: set %s to %d", g->name, out_keys[o],
				 gpioline_describe(g->out[o]), value);
		g->failed[o] = true;
		g->value[o] = -1;
		return;
	}
	if (g->failed[o])
		log_info("device %s: %s: writes work again", g->name, out_keys[o]);
	g->failed[o] = false;
	g->value[o] = value;
}

static void gpio_button_ready(int fd, uint32_t events, void *data)
{
	struct drv *g = data;
	bool active;
	int64_t ns;
	int rc;

	(void)fd;
	(void)events;
	while ((rc = gpioline_event_read(g->in, &active, &ns)) > 0) {
		int64_t at = ns / 1000000, now = time_mono_ms();

		/* The kernel's stamp is when the edge happened: debounce on it,
		 * however late the loop reads the queue (a double tap read after
		 * a stall is still two taps). Kernels before 5.7 stamp with the
		 * wall clock, decades away from ours: then the time of reading. */
		if (at > now || now - at > 60000)
			at = now;
		input_level(&g->button, active, at);
	}
	if (rc < 0) {
		log_warn("device %s: button: read event on %s; button disabled", g->name,
			 gpioline_describe(g->in));
		loop_watch_remove(g->watch);
		g->watch = NULL;
	}
}

static void gpio_close(struct drv *g);

static struct drv *gpio_open(const struct conf_device *dev, struct drv_host *host, struct diag *d)
{
	struct gpio_opts o;
	struct drv *g;

	if (gpio_parse(dev, host->board, host->config_path, d, &o) < 0 || !(g = calloc(1, sizeof(*g))))
		return NULL;
	str_copy(g->name, dev->name, sizeof(g->name));
	for (int i = 0; i < OUT_COUNT; i++) {
		g->value[i] = -1;
		if (!o.out[i].set)
			continue;
		if (!(g->out[i] = drv_line_request(&o.out[i], dev->name, out_keys[i], GPIOLINE_OUTPUT, 0,
						   host->config_path, d)))
			goto fail;
		g->value[i] = 0;
	}
	if (o.button.set) {
		char who[64];

		if (!(g->in = drv_line_request(&o.button, dev->name, "button", GPIOLINE_INPUT_EDGES, 0,
					       host->config_path, d)))
			goto fail;
		snprintf(who, sizeof(who), "button %s", dev->name);
		/* The kernel's debouncer reports an edge only once the line has
		 * held it for the period: no bounce reaches us, but every press
		 * arrives that much later (the driver's own debounce acts on
		 * the first edge). Where the kernel cannot, the driver does. */
		if (o.kernel_debounce && o.timing.debounce_ms > 0) {
			if (gpioline_set_debounce(g->in, (unsigned int)o.timing.debounce_ms * 1000) == 0) {
				log_info("device %s: button: the kernel debounces (%lld ms)", dev->name,
					 (long long)o.timing.debounce_ms);
				o.timing.debounce_ms = 0;
			} else {
				log_warnx("device %s: button: the kernel cannot debounce here (%s): onaird does",
					  dev->name, errno == ENOTSUP ? "libgpiod 1.6 has no debounce" : strerror(errno));
			}
		}
		if (!input_setup(&g->button, &o.timing, &o.map, who, host))
			log_warnx("device %s: button: every gesture is \"none\"; presses are only counted",
				  dev->name);
		g->watch = loop_watch_add(gpioline_event_fd(g->in), EPOLLIN, gpio_button_ready, g);
		if (!g->watch) {
			diag_add(d, host->config_path, o.button.line, "button: %s", strerror(errno));
			goto fail;
		}
		/* A button held while the daemon starts is not a press. */
		if (gpioline_get(g->in) > 0)
			gesture_init_held(&g->button.state, time_mono_ms());
	}
	return g;
fail:
	gpio_close(g);
	return NULL;
}

static bool colour_has(enum cue_colour c, enum gpio_out o, bool amber_lamp)
{
	bool amberish = c == CUE_AMBER || c == CUE_YELLOW;

	switch (o) {
	case OUT_AMBER: return amber_lamp && amberish;
	case OUT_RED:
		return c == CUE_RED || c == CUE_MAGENTA || c == CUE_WHITE || (amberish && !amber_lamp);
	case OUT_GREEN:
		return c == CUE_GREEN || c == CUE_CYAN || c == CUE_WHITE || (amberish && !amber_lamp);
	case OUT_BLUE: return c == CUE_BLUE || c == CUE_CYAN || c == CUE_MAGENTA || c == CUE_WHITE;
	default: return false;
	}
}

static void gpio_render(struct drv *g, const struct show_view *view)
{
	const struct cue_output *out = &view->out;
	const struct cue_lamp *cue = &out->lamp[CUE_LAMP_CUE];
	bool amber_lamp = g->out[OUT_AMBER] != NULL;

	gpio_write(g, OUT_TALLY, drv_role_lit(DRV_ROLE_TALLY, out));
	gpio_write(g, OUT_ONAIR, drv_role_lit(DRV_ROLE_ONAIR, out));
	gpio_write(g, OUT_CUE, drv_role_lit(DRV_ROLE_CUE, out));
	for (int o = OUT_RED; o <= OUT_AMBER; o++)
		gpio_write(g, (enum gpio_out)o, cue->lit && colour_has(cue->colour, (enum gpio_out)o,
									 amber_lamp));
}

static void gpio_safe(struct drv *g)
{
	for (int o = 0; o < OUT_COUNT; o++) {
		g->failed[o] = false;
		gpio_write(g, (enum gpio_out)o, 0);
	}
}

static int gpio_test(struct drv *g, bool on)
{
	int failed = 0;

	for (int o = 0; o < OUT_COUNT; o++) {
		gpio_write(g, (enum gpio_out)o, on);
		failed |= g->out[o] && g->failed[o];
	}
	return failed ? -1 : 0;
}

static void gpio_describe(struct drv *g, char *buf, size_t len, bool *present)
{
	size_t n = 0;

	*present = true;
	buf[0] = '\0';
	for (int o = 0; o < OUT_COUNT && n < len; o++) {
		if (!g->out[o])
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s%s", n ? ", " : "", out_keys[o],
				      gpioline_describe(g->out[o]), g->failed[o] ? " FAILING" : "");
		*present &= !g->failed[o];
	}
	if (g->in && n < len)
		snprintf(buf + n, len - n, "%sbutton=%s, %llu presses", n ? ", " : "",
			 gpioline_describe(g->in), (unsigned long long)g->button.presses);
}

static void gpio_close(struct drv *g)
{
	if (g->watch)
		loop_watch_remove(g->watch);
	input_fini(&g->button);
	gpioline_close(g->in);
	for (int o = 0; o < OUT_COUNT; o++) {
		if (g->out[o] && g->value[o] != 0)
			gpioline_set(g->out[o], 0);
		gpioline_close(g->out[o]);
	}
	free(g);
}

const struct drv_ops gpio_driver_ops = {
	.name = "gpio",
	.keys = gpio_keys,
	.line_keys = gpio_line_keys,
	.nline_keys = ARRAY_SIZE(gpio_line_keys),
	.check = gpio_check,
	.open = gpio_open,
	.render = gpio_render,
	.safe = gpio_safe,
	.describe = gpio_describe,
	.test = gpio_test,
	.close = gpio_close,
};
