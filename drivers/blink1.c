/* ThingM blink(1) as an RGB tally or cue light: 8-byte feature reports with
 * report id 1 ('n' set colour now, 'P' pattern line, 'D' server tickle).
 * The kernel's hid-led driver binds it, so the interface is claimed with
 * the driver detached. The light's own watchdog is fed while the daemon
 * runs: if onaird dies the light falls to a slow amber blink ("do not trust
 * me") instead of staying red. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/loop.h"
#include "driver.h"
#include "usbhost.h"

#define BLINK1_VID 0x27b8
#define BLINK1_PID 0x01ed
#define BLINK1_REPORT 1
#define BLINK1_LEN 9	/* report id + 8 bytes, as blink1-lib sends it */

static const char *const blink1_keys[] = { "lamp", "port", "watchdog_ms", "brightness", NULL };

struct drv {
	struct usbhost_slot slot;
	struct drv_host *host;
	char name[DRV_NAME_MAX];
	enum drv_role role;
	int64_t watchdog_ms;	/* 0: no watchdog */
	int brightness;		/* percent */
	uint8_t want[3], sent[3];
	bool sent_valid;
	struct loop_timer *tickle;
};

static const uint8_t colour_rgb[CUE_COLOUR_COUNT][3] = {
	[CUE_RED] = { 255, 0, 0 },	[CUE_GREEN] = { 0, 255, 0 },
	[CUE_AMBER] = { 255, 100, 0 },	[CUE_BLUE] = { 0, 0, 255 },
	[CUE_WHITE] = { 255, 255, 255 }, [CUE_CYAN] = { 0, 255, 255 },
	[CUE_MAGENTA] = { 255, 0, 255 }, [CUE_YELLOW] = { 255, 200, 0 },
};

static void command(struct drv *b, char cmd, uint8_t a1, uint8_t a2, uint8_t a3, uint8_t a4,
		    uint8_t a5, uint8_t a6)
{
	const uint8_t buf[BLINK1_LEN] = { BLINK1_REPORT, (uint8_t)cmd, a1, a2, a3, a4, a5, a6, 0 };

	usbhost_slot_feature(&b->slot, BLINK1_REPORT, buf, sizeof(buf));
}

static void send_colour(struct drv *b)
{
	if (!b->slot.present || (b->sent_valid && memcmp(b->want, b->sent, 3) == 0))
		return;
	command(b, 'n', b->want[0], b->want[1], b->want[2], 0, 0, 0);
	memcpy(b->sent, b->want, 3);
	b->sent_valid = true;
}

/* Feed the light's watchdog: if no tickle comes within twice the interval
 * it plays pattern lines 0..1. */
static void tickle(void *data)
{
	struct drv *b = data;
	unsigned t = (unsigned)(b->watchdog_ms / 10);

	if (b->slot.present)
		command(b, 'D', 1, (uint8_t)(t >> 8), (uint8_t)t, 0, 0, 2);
	loop_timer_arm(b->tickle, time_mono_ms() + b->watchdog_ms / 2);
}

static bool blink1_attached(struct usbhost_slot *s)
{
	struct drv *b = s->data;

	/* The pattern it falls back to: amber, fading in and out (50 = 500 ms). */
	command(b, 'P', 255, 100, 0, 0, 50, 0);
	command(b, 'P', 0, 0, 0, 0, 50, 1);
	b->sent_valid = false;
	send_colour(b);
	if (b->watchdog_ms)
		tickle(b);
	b->host->presence(b->host, b->name, true);
	return true;
}

static void blink1_detached(struct usbhost_slot *s)
{
	struct drv *b = s->data;

	b->sent_valid = false;
	loop_timer_arm(b->tickle, NEVER);
	b->host->presence(b->host, b->name, false);
}

/* A blink(1)'s section, parsed once. */
struct blink1_opts {
	enum drv_role role;
	int64_t watchdog_ms;
	int brightness;
	char port[USBHOST_PORT_MAX];
};

static int blink1_parse(const struct conf_device *dev, const char *path, struct diag *d,
			struct blink1_opts *o)
{
	const char *v;
	long long n;
	int rc = usbhost_port_parse(dev, path, d, o->port, sizeof(o->port));

	o->role = DRV_ROLE_NONE;
	o->watchdog_ms = 3000;
	o->brightness = 100;
	if (!(v = drv_key(dev, "lamp")) || drv_role_parse(v) <= 0) {
		diag_add(d, path, drv_key_line(dev, "lamp"), "[device.%s] needs lamp = tally, onair or cue",
			 dev->name);
		rc = -1;
	} else {
		o->role = (enum drv_role)drv_role_parse(v);
	}
	/* Under a second the light's watchdog would fire between two tickles
	 * of a busy loop: off, or a second and up. */
	if ((v = drv_key(dev, "watchdog_ms"))) {
		if (int_parse(v, 0, 0, &n) || int_parse(v, 1000, 600000, &n)) {
			o->watchdog_ms = n;
		} else {
			diag_add(d, path, drv_key_line(dev, "watchdog_ms"),
				 "watchdog_ms must be 0 (off) or 1000 to 600000");
			rc = -1;
		}
	}
	n = o->brightness;
	rc |= drv_int_key(dev, "brightness", 1, 100, "percent", &n, path, d);
	o->brightness = (int)n;
	return rc;
}

static int blink1_check(const struct conf_device *dev, const struct board *board,
			const char *path, struct diag *d)
{
	struct blink1_opts o;

	(void)board;
	return blink1_parse(dev, path, d, &o);
}

static void blink1_close(struct drv *b);

static struct drv *blink1_open(const struct conf_device *dev, struct drv_host *host, struct diag *d)
{
	struct blink1_opts o;
	struct drv *b;

	if (blink1_parse(dev, host->config_path, d, &o) < 0 || !(b = calloc(1, sizeof(*b))))
		return NULL;
	b->host = host;
	str_copy(b->name, dev->name, sizeof(b->name));
	b->role = o.role;
	b->watchdog_ms = o.watchdog_ms;
	b->brightness = o.brightness;
	str_copy(b->slot.port, o.port, sizeof(b->slot.port));
	b->tickle = loop_timer_add(tickle, b);
	b->slot.ids[0][0] = BLINK1_VID;
	b->slot.ids[0][1] = BLINK1_PID;
	b->slot.nids = 1;
	b->slot.attached = blink1_attached;
	b->slot.detached = blink1_detached;
	b->slot.data = b;
	if (usbhost_slot_start(&b->slot, dev, host, d) < 0) {
		blink1_close(b);
		return NULL;
	}
	return b;
}

static void blink1_render(struct drv *b, const struct show_view *view)
{
	const struct cue_output *out = &view->out;
	enum cue_colour c = b->role == DRV_ROLE_CUE ? out->lamp[CUE_LAMP_CUE].colour
						    : out->lamp[CUE_LAMP_TALLY].colour;
	bool lit = drv_role_lit(b->role, out);

	for (int i = 0; i < 3; i++)
		b->want[i] = lit ? (uint8_t)(colour_rgb[c][i] * b->brightness / 100) : 0;
	send_colour(b);
}

static void blink1_safe(struct drv *b)
{
	memset(b->want, 0, sizeof(b->want));
	send_colour(b);
	/* A clean stop is not a crash: dark, and the watchdog off. */
	command(b, 'D', 0, 0, 0, 0, 0, 0);
	loop_timer_arm(b->tickle, NEVER);
	usbhost_slot_drain(&b->slot);
}

static void blink1_describe(struct drv *b, char *buf, size_t len, bool *present)
{
	*present = b->slot.present;
	if (b->slot.present)
		snprintf(buf, len, "blink(1) on port %s as the %s light, showing #%02x%02x%02x, %llu reports sent",
			 b->slot.dev.port, b->role == DRV_ROLE_CUE ? "cue" : "tally", b->sent[0],
			 b->sent[1], b->sent[2], (unsigned long long)b->slot.reports_sent);
	else
		usbhost_slot_missing(&b->slot, buf, len);
}

static void blink1_close(struct drv *b)
{
	usbhost_slot_stop(&b->slot);
	loop_timer_remove(b->tickle);
	free(b);
}

const struct drv_ops blink1_driver_ops = {
	.name = "blink1",
	.keys = blink1_keys,
	.check = blink1_check,
	.open = blink1_open,
	.render = blink1_render,
	.safe = blink1_safe,
	.describe = blink1_describe,
	.close = blink1_close,
};
