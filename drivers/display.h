/* The GPIO seven-segment displays (TM1637, MAX7219) share everything but
 * their wire protocol: a driver file gives a protocol, this does the rest.
 * A frame is queued on render and written in slices from the loop, so a
 * lamp change never waits for a display. */
#ifndef ONAIR_DISPLAY_H
#define ONAIR_DISPLAY_H

#include "driver.h"
#include "sevenseg.h"

struct display_protocol {
	const char *name;
	const char *const *line_keys;	/* in wire line order */
	int nlines;
	enum gpioline_mode mode;
	int width;			/* digits */
	int max_brightness, default_brightness;
	bool segment_number;		/* the two left digits show the segment number */
	/* Queue a whole frame: seg[width] left to right, A = bit0, bit7 = point. */
	void (*frame)(struct sevenseg_wire *w, const uint8_t *seg, int brightness, bool init);
	/* Queue what turns the display dark. */
	void (*off)(struct sevenseg_wire *w);
};

int display_check(const struct display_protocol *p, const struct conf_device *dev,
		  const struct board *board, const char *path, struct diag *d);
struct drv *display_open(const struct display_protocol *p, const struct conf_device *dev,
			 struct drv_host *host, struct diag *d);
void display_render(struct drv *drv, const struct show_view *view);
void display_safe(struct drv *drv);
void display_describe(struct drv *drv, char *buf, size_t len, bool *present);
void display_close(struct drv *drv);
int display_test(struct drv *drv, bool on);
/* The keys every display takes besides its lines. */
#define DISPLAY_KEYS "chip", "brightness", "colon"

#endif
