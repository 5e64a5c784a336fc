/* The table of drivers, and the helpers every driver's option parser
 * shares (keys, GPIO lines, lamp roles). */
#include <stdio.h>
#include <string.h>

#include "driver.h"

static const struct {
	const char *name;
	const struct drv_ops *ops;
} drv_table[] = {
	{ "console", &console_driver_ops },
	{ "gpio", &gpio_driver_ops },
	{ "tm1637", &tm1637_driver_ops },
	{ "max7219", &max7219_driver_ops },
	{ "pedal", &pedal_driver_ops },
	{ "blink1", &blink1_driver_ops },
	{ "hidrelay", &hidrelay_driver_ops },
};

const struct drv_ops *drv_find(const char *name, char *why, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(drv_table); i++) {
		if (strcmp(drv_table[i].name, name) == 0)
			return drv_table[i].ops;
	}
	snprintf(why, len, "unknown driver \"%s\"", name);
	return NULL;
}

const char *drv_key(const struct conf_device *dev, const char *key)
{
	for (int i = 0; i < dev->nkeys; i++)
		if (strcmp(dev->kv[i].key, key) == 0)
			return dev->kv[i].value;
	return NULL;
}

int drv_key_line(const struct conf_device *dev, const char *key)
{
	for (int i = 0; i < dev->nkeys; i++)
		if (strcmp(dev->kv[i].key, key) == 0)
			return dev->kv[i].line;
	return dev->line;
}

int drv_int_key(const struct conf_device *dev, const char *key, long long lo, long long hi,
		const char *unit, long long *out, const char *path, struct diag *d)
{
	const char *v = drv_key(dev, key);

	if (!v)
		return 0;
	if (!int_parse(v, lo, hi, out)) {
		diag_add(d, path, drv_key_line(dev, key), "%s must be %lld to %lld%s%s%s", key, lo, hi,
			 *unit ? " (" : "", unit, *unit ? ")" : "");
		return -1;
	}
	return 0;
}

int drv_line_parse(const struct conf_device *dev, const struct board *board, const char *key,
		   const char *path, struct diag *d, struct drv_line *out)
{
	char err[160];

	memset(out, 0, sizeof(*out));
	out->line = drv_key_line(dev, key);
	if (!drv_key(dev, key))
		return 0;
	if (board_resolve(board, drv_key(dev, "chip"), drv_key(dev, key), &out->spec, err,
			  sizeof(err)) < 0) {
		diag_add(d, path, out->line, "%s: %s", key, err);
		return -1;
	}
	out->set = true;
	return 0;
}

int drv_probe_lines(const struct conf_device *dev, const struct drv_ops *ops, const struct board *board,
		    const char *path, struct diag *w)
{
	int missing = 0;

	for (int i = 0; i < ops->nline_keys; i++) {
		struct drv_line l;
		char err[300];

		if (drv_line_parse(dev, board, ops->line_keys[i], path, w, &l) < 0 || !l.set)
			continue;
		if (gpioline_probe(&l.spec, err, sizeof(err)) < 0) {
			diag_add(w, path, l.line, "[device.%s] %s: %s", dev->name, ops->line_keys[i], err);
			missing++;
		}
	}
	return missing;
}

struct gpioline *drv_line_request(const struct drv_line *l, const char *device, const char *key,
				  enum gpioline_mode mode, int initial, const char *path,
				  struct diag *d)
{
	char consumer[DRV_NAME_MAX + 8], err[200];
	struct gpioline *line;

	snprintf(consumer, sizeof(consumer), "onair-%s", device);
	line = gpioline_open(&l->spec, mode, initial, consumer, err, sizeof(err));
	if (!line)
		diag_add(d, path, l->line, "%s: %s", key, err);
	return line;
}

int drv_role_parse(const char *text)
{
	static const char *const names[] = { "none", "tally", "onair", "cue" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(text, names[i]) == 0)
			return (int)i;
	return -1;
}

bool drv_role_lit(enum drv_role role, const struct cue_output *out)
{
	switch (role) {
	case DRV_ROLE_TALLY: return out->lamp[CUE_LAMP_TALLY].lit;
	case DRV_ROLE_ONAIR: return out->onair;
	case DRV_ROLE_CUE: return out->lamp[CUE_LAMP_CUE].lit;
	default: return false;
	}
}
