/* Buttons and pedals as show commands: one gesture engine per input, a
 * mapping from press / long / double to a command, and a timer for the
 * moments a gesture matures. Shared by the GPIO button and the USB pedal
 * drivers, which only report raw levels. */
#ifndef ONAIR_INPUT_H
#define ONAIR_INPUT_H

#include "../core/gesture.h"
#include "driver.h"

struct input_button {
	char who[64];		/* "button next (gpiochip0 line 5)" in logs and the show log */
	struct gesture_conf conf;
	struct gesture_state state;
	bool mapped[3];		/* by enum gesture_kind */
	struct show_cmd cmd[3];
	struct loop_timer *timer;
	struct drv_host *host;
	uint64_t presses;	/* raw presses seen, for status */
};

/* What one input does on press / long / double, parsed once. */
struct input_map {
	bool mapped[3];		/* by enum gesture_kind */
	struct show_cmd cmd[3];
	bool any;
};

/* Parse the mapping keys of one input: prefix "" → press, long, double;
 * "pedal1_" → pedal1_press … Values are onairctl's words or "none"; an
 * unset press means default_press (NULL: none). */
int input_parse_map(const struct conf_device *dev, const char *prefix, const char *default_press,
		    enum show_source source, const char *path, struct diag *d, struct input_map *m);
/* Parse debounce_ms, long_ms and double_ms, shared by a section's inputs. */
int input_parse_timing(const struct conf_device *dev, const char *path, struct diag *d,
		       struct gesture_conf *timing);
/* Set up b from what was parsed. False when nothing is mapped. */
bool input_setup(struct input_button *b, const struct gesture_conf *timing,
		 const struct input_map *map, const char *who, struct drv_host *host);
/* The raw level changed (or was read) at mono_ms. */
void input_level(struct input_button *b, bool pressed, int64_t mono_ms);
void input_fini(struct input_button *b);

#endif
