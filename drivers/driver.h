/* The driver interface: one file per device type, each exporting one const
 * struct drv_ops. The daemon renders the cue engine's output to every open
 * device and receives presses from them through the host callbacks. */
#ifndef ONAIR_DRIVER_H
#define ONAIR_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/board.h"
#include "../core/cue.h"
#include "../core/show.h"
#include "../core/view.h"
#include "../core/util.h"
#include "gpioline.h"

#define DRV_MAX_KEYS 48
#define DRV_NAME_MAX 32
#define DRV_VALUE_MAX 256

/* A [device.NAME] section of the config, as written. */
struct conf_device {
	char name[DRV_NAME_MAX];
	char driver[DRV_NAME_MAX];
	int line;		/* the [device.NAME] header */
	int driver_line;
	int nkeys;
	struct {
		char key[DRV_NAME_MAX];
		char value[DRV_VALUE_MAX];
		int line;
	} kv[DRV_MAX_KEYS];
};

/* What a driver may ask of the daemon. */
struct drv_host {
	/* A command from a device (a console key, a pedal gesture). */
	void (*command)(struct drv_host *host, const struct show_cmd *cmd, const char *who);
	/* A device appeared or vanished; the status view shows it. */
	void (*presence)(struct drv_host *host, const char *device, bool present);
	const char *config_path;	/* for path:line messages */
	const struct board *board;	/* during open only; NULL when the config names none */
};

struct drv;	/* a driver's own per-instance state */

struct drv_ops {
	const char *name;
	const char *const *keys;	/* keys the driver accepts besides "driver" */
	/* The keys that name GPIO lines (for --check's look at the machine). */
	const char *const *line_keys;
	int nline_keys;
	/* Parse the section without touching hardware and throw the result
	 * away (for --check); board may be NULL. open parses the same way. */
	int (*check)(const struct conf_device *dev, const struct board *board, const char *path,
		     struct diag *d);
	/* Parse the section, then open the device and put its outputs in
	 * their safe state; NULL with every problem in d. */
	struct drv *(*open)(const struct conf_device *dev, struct drv_host *host, struct diag *d);
	/* Show the snapshot; called whenever what a person sees changes. */
	void (*render)(struct drv *drv, const struct show_view *view);
	/* Drive every output to its safe state (lamps off, display blank). */
	void (*safe)(struct drv *drv);
	/* One line on what the device is and whether it is present. */
	void (*describe)(struct drv *drv, char *buf, size_t len, bool *present);
	/* The self-test's pattern: every lamp lit, 8888 on a display (on), then
	 * back to dark (off); done before it returns. NULL when there is none. */
	int (*test)(struct drv *drv, bool on);
	void (*close)(struct drv *drv);
};

/* The drivers, one file each. */
extern const struct drv_ops console_driver_ops;
extern const struct drv_ops gpio_driver_ops;
extern const struct drv_ops tm1637_driver_ops;
extern const struct drv_ops max7219_driver_ops;
extern const struct drv_ops pedal_driver_ops;
extern const struct drv_ops blink1_driver_ops;
extern const struct drv_ops hidrelay_driver_ops;

/* --check on the machine itself: is every GPIO line of the section there
 * (looked up, not taken)? What is missing goes to w, with the names found. */
int drv_probe_lines(const struct conf_device *dev, const struct drv_ops *ops, const struct board *board,
		    const char *path, struct diag *w);
/* Find a driver by name; NULL with a message in why. */
const struct drv_ops *drv_find(const char *name, char *why, size_t len);
/* The value of key in a device section, or NULL. */
const char *drv_key(const struct conf_device *dev, const char *key);
/* The line a key was set on (for messages), or the section's line. */
int drv_key_line(const struct conf_device *dev, const char *key);

/* An integer key: unset leaves *out as it was; outside lo..hi is an error
 * naming the range (and unit, "" for none) at its line. */
int drv_int_key(const struct conf_device *dev, const char *key, long long lo, long long hi,
		const char *unit, long long *out, const char *path, struct diag *d);

/* What a single lamp shows: the tally (flashing as its look says), an ON
 * AIR sign (lit while the tally is in use, never flashing), or the cue
 * light's flash phase. */
enum drv_role { DRV_ROLE_NONE, DRV_ROLE_TALLY, DRV_ROLE_ONAIR, DRV_ROLE_CUE };
/* "none", "tally", "onair", "cue"; -1 otherwise. */
int drv_role_parse(const char *text);
bool drv_role_lit(enum drv_role role, const struct cue_output *out);

/* A GPIO line key: a board function or a line spec, the chip defaulting to
 * the section's "chip" key, then the board's. Parsed once (set is false
 * when the key is not there), requested as onair-DEVICE when opening. */
struct drv_line {
	bool set;
	struct board_spec spec;
	int line;		/* where the key was set, for messages */
};
int drv_line_parse(const struct conf_device *dev, const struct board *board, const char *key,
		   const char *path, struct diag *d, struct drv_line *out);
struct gpioline *drv_line_request(const struct drv_line *l, const char *device, const char *key,
				  enum gpioline_mode mode, int initial, const char *path,
				  struct diag *d);

#endif
