/* The table of drivers. A driver that is built out links a stub file that
 * leaves its entry's ops NULL, so callers carry no #ifdef. */
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
		if (strcmp(drv_table[i].name, name) != 0)
			continue;
		if (!drv_table[i].ops)
			snprintf(why, len, "driver \"%s\" is not compiled in", name);
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

int drv_line_check(const struct conf_device *dev, const struct board *board, const char *key,
		   const char *path, struct diag *d)
{
	struct board_spec spec;
	char err[160];

	if (board_resolve(board, drv_key(dev, "chip"), drv_key(dev, key), &spec, err, sizeof(err)) == 0)
		return 0;
	diag_add(d, path, drv_key_line(dev, key), "%s: %s", key, err);
	return -1;
}

struct gpioline *drv_line_open(const struct conf_device *dev, struct drv_host *host,
			       const char *key, enum gpioline_mode mode, int initial, struct diag *d)
{
	char consumer[DRV_NAME_MAX + 8], err[200];
	struct board_spec spec;
	struct gpioline *l = NULL;

	snprintf(consumer, sizeof(consumer), "onair-%s", dev->name);
	if (board_resolve(host->board, drv_key(dev, "chip"), drv_key(dev, key), &spec, err,
			  sizeof(err)) == 0)
		l = gpioline_open(&spec, mode, initial, consumer, err, sizeof(err));
	if (!l)
		diag_add(d, host->config_path, drv_key_line(dev, key), "%s: %s", key, err);
	return l;
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
	case DRV_ROLE_ONAIR: return out->lamp[CUE_LAMP_TALLY].pattern != CUE_OFF;
	case DRV_ROLE_CUE: return out->lamp[CUE_LAMP_CUE].lit;
	default: return false;
	}
}
