/* Console driver: the embedded default. On a terminal it draws the lamps
 * and the countdown on one line and reads keys as the pedal; elsewhere
 * (systemd, CI) it writes a plain line whenever what a lamp shows changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>

#include "../core/log.h"
#include "../core/loop.h"
#include "driver.h"

struct drv {
	char name[DRV_NAME_MAX];
	struct drv_host *host;
	bool tty;		/* draw in place */
	bool colour;
	bool keys;		/* stdin is read as the pedal */
	bool raw;		/* termios changed, to restore */
	bool every_second;	/* a line for each countdown change too */
	struct termios saved;
	struct loop_watch *watch;
	int64_t last_key_mono;	/* when the last key arrived, taken or not */
	int typed;		/* keys of the current burst of typing, ignored */
	const struct console_key *pending;	/* a key waiting to see it is alone */
	struct loop_timer *settle;
	/* last plain line's contents, to print only on change */
	enum cue_cond last_cond;
	enum cue_pattern last_tally;
	int last_segment;
	char last_countdown[CUE_TEXT_MAX];
	bool printed;
};

static const char *const console_keys[] = { "colour", "keys", "mode", NULL };

enum console_mode { MODE_AUTO, MODE_SCREEN, MODE_LINES, MODE_SECONDS };
enum { SETTING_AUTO = -1 };

/* The console's section, parsed once. */
struct console_opts {
	enum console_mode mode;
	int colour, keys;	/* 0, 1 or SETTING_AUTO */
};

static int setting(const struct conf_device *dev, const char *key, const char *path,
		   struct diag *d, int *out)
{
	const char *v = drv_key(dev, key);
	bool b;

	*out = SETTING_AUTO;
	if (!v || strcmp(v, "auto") == 0)
		return 0;
	if (!bool_parse(v, &b)) {
		diag_add(d, path, drv_key_line(dev, key), "%s must be auto, yes or no", key);
		return -1;
	}
	*out = b;
	return 0;
}

static int console_parse(const struct conf_device *dev, const char *path, struct diag *d,
			 struct console_opts *o)
{
	static const char *const modes[] = { "auto", "screen", "lines", "seconds" };
	const char *v = drv_key(dev, "mode");
	int rc = setting(dev, "colour", path, d, &o->colour) | setting(dev, "keys", path, d, &o->keys);
	int mode = v ? str_index(modes, ARRAY_SIZE(modes), v) : MODE_AUTO;

	if (mode < 0) {
		diag_add(d, path, drv_key_line(dev, "mode"), "mode must be auto, screen, lines or seconds");
		return -1;
	}
	o->mode = (enum console_mode)mode;
	return rc;
}

static int console_check(const struct conf_device *dev, const struct board *board, const char *path,
			 struct diag *d)
{
	struct console_opts o;

	(void)board;
	return console_parse(dev, path, d, &o);
}

static void console_press(struct drv *c, enum show_cmd_kind kind, int64_t arg, const char *key)
{
	struct show_cmd cmd = { .kind = kind, .arg = arg, .source = SHOW_SRC_CONSOLE };
	char who[32];

	snprintf(who, sizeof(who), "key %s", key);
	c->host->command(c->host, &cmd, who);
}

/* The keys, their names in the log and what they do, in the order the hint
 * line and the README give them: one key an action (the undocumented
 * aliases n and p are gone). */
static const struct console_key {
	unsigned char key;
	enum show_cmd_kind kind;
	int64_t arg;
	const char *name, *does;
} console_map[] = {
	{ ' ', SHOW_CMD_NEXT, 0, "space", "next" }, { 'b', SHOW_CMD_PREV, 0, "b", "back" },
	{ 'h', SHOW_CMD_HOLD_TOGGLE, 0, "h", "hold/resume" }, { '+', SHOW_CMD_EXTEND, 30000, "+", "+30 s" },
	{ '-', SHOW_CMD_EXTEND, -30000, "-", "-30 s" }, { 's', SHOW_CMD_STANDBY, 0, "s", "standby" },
	{ 'a', SHOW_CMD_ACK, 0, "a", "ack" }, { 'g', SHOW_CMD_GO, 0, "g", "go" },
	{ 'x', SHOW_CMD_ATTENTION, 0, "x", "attention" }, { 'i', SHOW_CMD_INTERACTION, 0, "i", "interaction done" },
	{ 'o', SHOW_CMD_PROMO, 0, "o", "promo said" }, { 'm', SHOW_CMD_MARK, 0, "m", "mark" },
	{ 'S', SHOW_CMD_START, 0, "S", "start" }, { 'E', SHOW_CMD_END, 0, "E", "end" },
};

/* Keys closer together than this are typing (a command line typed into the
 * wrong window, a paste), not an operator pressing keys: none of them acts. */
#define CONSOLE_TYPING_MS 300

/* The arrows do what a key of the table does: ESC [ C and ESC [ D. */
static const struct console_key arrows[] = {
	{ 'C', SHOW_CMD_NEXT, 0, "→", "next" }, { 'D', SHOW_CMD_PREV, 0, "←", "back" },
};

static void console_hint(void)
{
	fputs("keys, one at a time:", stdout);
	for (size_t i = 0; i < ARRAY_SIZE(console_map); i++) {
		const char *arrow = "";

		for (size_t a = 0; a < ARRAY_SIZE(arrows); a++)
			if (arrows[a].kind == console_map[i].kind)
				arrow = arrows[a].name;
		printf("  %s%s%s %s", arrow, *arrow ? "/" : "", console_map[i].name, console_map[i].does);
	}
	fputs("\n", stdout);
}

static const struct console_key *key_of(const unsigned char *buf, ssize_t n)
{
	if (n == 3 && buf[0] == 0x1B && buf[1] == '[') {
		for (size_t i = 0; i < ARRAY_SIZE(arrows); i++)
			if (arrows[i].key == buf[2])
				return &arrows[i];
		return NULL;
	}
	for (size_t i = 0; n == 1 && i < ARRAY_SIZE(console_map); i++)
		if (console_map[i].key == buf[0])
			return &console_map[i];
	return NULL;
}

/* A key acts once it has been alone for CONSOLE_TYPING_MS. */
static void settled(void *data)
{
	struct drv *c = data;
	const struct console_key *k = c->pending;

	c->pending = NULL;
	if (k)
		console_press(c, k->kind, k->arg, k->name);
}

static void console_input(int fd, uint32_t events, void *data)
{
	struct drv *c = data;
	unsigned char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));
	int64_t now = time_mono_ms();
	bool one_key;

	(void)events;
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* The terminal went away: keep running, stop reading. */
		loop_watch_remove(c->watch);
		c->watch = NULL;
		return;
	}
	/* One key: one byte, or one arrow's escape sequence. More at once is
	 * a paste; a key close after another is typing: then none acts, not
	 * even the first, which waits for CONSOLE_TYPING_MS to be sure. */
	one_key = n == 1 || (n == 3 && buf[0] == 0x1B && buf[1] == '[');
	if (!one_key || (c->last_key_mono && now - c->last_key_mono < CONSOLE_TYPING_MS)) {
		if (!c->typed)
			log_warnx("console: typing ignored: the console takes one key at a time, %d ms apart "
				  "or more (a line typed or pasted here steps nothing)", CONSOLE_TYPING_MS);
		c->typed += (c->pending ? 1 : 0) + (one_key ? 1 : (int)n);
		c->pending = NULL;
		loop_timer_arm(c->settle, NEVER);
		c->last_key_mono = now;
		return;
	}
	if (c->typed)
		log_info("console: %d typed keys ignored", c->typed);
	c->typed = 0;
	c->last_key_mono = now;
	if ((c->pending = key_of(buf, n)))
		loop_timer_arm(c->settle, now + CONSOLE_TYPING_MS);
}

static struct drv *console_open(const struct conf_device *dev, struct drv_host *host, struct diag *d)
{
	struct console_opts o;
	struct drv *c;

	if (console_parse(dev, host->config_path, d, &o) < 0 || !(c = calloc(1, sizeof(*c))))
		return NULL;
	str_copy(c->name, dev->name, sizeof(c->name));
	c->host = host;
	c->tty = o.mode == MODE_SCREEN || (o.mode == MODE_AUTO && isatty(STDOUT_FILENO));
	c->every_second = o.mode == MODE_SECONDS;
	c->colour = o.colour == SETTING_AUTO ? c->tty && getenv("NO_COLOR") == NULL : o.colour;
	c->keys = o.keys == SETTING_AUTO ? isatty(STDIN_FILENO) : o.keys;
	c->last_segment = -2;
	if (c->keys) {
		if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &c->saved) == 0) {
			struct termios raw = c->saved;

			/* Keys arrive one by one, unechoed; Ctrl-C still stops the daemon. */
			raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
			raw.c_cc[VMIN] = 1;
			raw.c_cc[VTIME] = 0;
			c->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
		}
		c->watch = loop_watch_add(STDIN_FILENO, EPOLLIN, console_input, c);
		c->settle = loop_timer_add(settled, c);
		if (!c->watch)
			log_warn("console: read keys from stdin");
		else if (c->tty)
			console_hint();
	}
	return c;
}

static const char *ansi_bg(enum cue_colour colour)
{
	static const char *const bg[] = {
		[CUE_RED] = "41", [CUE_GREEN] = "42", [CUE_AMBER] = "48;5;208", [CUE_BLUE] = "44",
		[CUE_WHITE] = "47;30", [CUE_CYAN] = "46;30", [CUE_MAGENTA] = "45", [CUE_YELLOW] = "43;30",
	};
	return bg[colour];
}

static void draw_lamp(struct drv *c, const char *label, const struct cue_lamp *l)
{
	if (c->colour && l->lit)
		printf("\033[%sm %s \033[0m", ansi_bg(l->colour), label);
	else if (c->colour)
		printf("\033[2m %s \033[0m", label);
	else
		printf("[%s %s%s%s]", label, l->lit ? "*" : " ",
		       l->pattern == CUE_OFF ? "" : cue_colour_name(l->colour),
		       l->pattern == CUE_SLOW ? "~" : l->pattern == CUE_FAST ? "!" : "");
}

static void console_render(struct drv *c, const struct show_view *view)
{
	const struct cue_output *out = &view->out;
	const struct cue_lamp *tally = &out->lamp[CUE_LAMP_TALLY], *cue = &out->lamp[CUE_LAMP_CUE];

	if (c->tty) {
		printf("\r\033[K");
		draw_lamp(c, "ON AIR", tally);
		putchar(' ');
		draw_lamp(c, "CUE", cue);
		if (c->colour && out->countdown_ms <= 0 && out->counting && !out->aux)
			printf("  \033[1;31m%s\033[0m", out->countdown);
		else
			printf("  %s%s%s", c->colour ? "\033[1m" : "", out->countdown,
			       c->colour ? "\033[0m" : "");
		printf("%s  %d/%d %s  (%s)", out->aux ? " AUX" : "", view->segment, view->segments, view_heading(view),
		       cue_cond_name(out->cond));
		fflush(stdout);
		return;
	}
	if (c->printed && out->cond == c->last_cond && tally->pattern == c->last_tally &&
	    view->segment == c->last_segment &&
	    (!c->every_second || strcmp(out->countdown, c->last_countdown) == 0))
		return;
	str_copy(c->last_countdown, out->countdown, sizeof(c->last_countdown));
	c->printed = true;
	c->last_cond = out->cond;
	c->last_tally = tally->pattern;
	c->last_segment = view->segment;
	printf("console: segment %d/%d \"%s\" %s | tally %s %s | cue %s %s (%s)\n", view->segment, view->segments,
	       view_heading(view), out->countdown, cue_pattern_name(tally->pattern), cue_colour_name(tally->colour),
	       cue_pattern_name(cue->pattern), cue_colour_name(cue->colour), cue_cond_name(out->cond));
	fflush(stdout);
}

static void console_safe(struct drv *c)
{
	if (c->tty) {
		printf("\r\033[K[ON AIR off] [CUE off] --:--\n");
		fflush(stdout);
	} else {
		printf("console: all lamps off\n");
		fflush(stdout);
	}
}

static void console_describe(struct drv *c, char *buf, size_t len, bool *present)
{
	snprintf(buf, len, "console (%s%s)", c->tty ? "terminal" : "log lines",
		 c->watch ? ", keys" : "");
	*present = true;
}

static void console_close(struct drv *c)
{
	loop_watch_remove(c->watch);
	if (c->settle)
		loop_timer_remove(c->settle);
	if (c->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
	free(c);
}

const struct drv_ops console_driver_ops = {
	.name = "console",
	.keys = console_keys,
	.check = console_check,
	.open = console_open,
	.render = console_render,
	.safe = console_safe,
	.describe = console_describe,
	.close = console_close,
};
