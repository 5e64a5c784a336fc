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
	char esc[4];		/* an escape sequence being read */
	int esclen;
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

static void console_key(struct drv *c, unsigned char ch)
{
	static const struct {
		unsigned char key;
		enum show_cmd_kind kind;
		int64_t arg;
		const char *name;
	} map[] = {
		{ ' ', SHOW_CMD_NEXT, 0, "space" }, { 'n', SHOW_CMD_NEXT, 0, "n" },
		{ 'b', SHOW_CMD_PREV, 0, "b" }, { 'p', SHOW_CMD_PREV, 0, "p" },
		{ 'h', SHOW_CMD_HOLD_TOGGLE, 0, "h" }, { '+', SHOW_CMD_EXTEND, 30000, "+" },
		{ '-', SHOW_CMD_EXTEND, -30000, "-" }, { 's', SHOW_CMD_STANDBY, 0, "s" },
		{ 'a', SHOW_CMD_ACK, 0, "a" }, { 'g', SHOW_CMD_GO, 0, "g" },
		{ 'x', SHOW_CMD_ATTENTION, 0, "x" }, { 'E', SHOW_CMD_END, 0, "E" },
		{ 'S', SHOW_CMD_START, 0, "S" }, { 'i', SHOW_CMD_INTERACTION, 0, "i" },
		{ 'o', SHOW_CMD_PROMO, 0, "o" }, { 'm', SHOW_CMD_MARK, 0, "m" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].key == ch) {
			console_press(c, map[i].kind, map[i].arg, map[i].name);
			return;
		}
}

static void console_input(int fd, uint32_t events, void *data)
{
	struct drv *c = data;
	unsigned char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)events;
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* The terminal went away: keep running, stop reading. */
		loop_watch_remove(c->watch);
		c->watch = NULL;
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		unsigned char ch = buf[i];

		if (c->esclen || ch == 0x1B) {
			/* Arrow keys: ESC [ C (right) = next, ESC [ D (left) = back. */
			c->esc[c->esclen++] = (char)ch;
			if (c->esclen == 3) {
				if (c->esc[1] == '[' && c->esc[2] == 'C')
					console_press(c, SHOW_CMD_NEXT, 0, "right");
				else if (c->esc[1] == '[' && c->esc[2] == 'D')
					console_press(c, SHOW_CMD_PREV, 0, "left");
				c->esclen = 0;
			}
			continue;
		}
		console_key(c, ch);
	}
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
		if (!c->watch)
			log_warn("console: read keys from stdin");
		else if (c->tty)
			fprintf(stdout, "keys: space/→ next  b/← back  h hold  +/- extend 30 s  "
				"s standby  a ack  g go  x attention  E end\n");
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
