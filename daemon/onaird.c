/* onaird: the studio box daemon. main sets up, runs the loop and tears
 * down, in order; the running show, the studio link, the self-test runner
 * and the control answers are their own files. Everything runs on one
 * thread in one loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../core/log.h"
#include "../core/loop.h"
#include "signal/audiowatch.h"
#include "selftest/checkrun.h"
#include "selftest/checks.h"
#include "control/ctl.h"
#include "link/link.h"
#include "control/notify.h"
#include "replies.h"
#include "show/report.h"
#include "show/showlog.h"
#include "config/secrets.h"
#include "show/running.h"
#include "../core/version.h"
#include "tally/sources.h"
#include "floor/alerts.h"
#include "tally/tally_out.h"
#include "http/web.h"

/* The state folder is writable, or can be made where it is to be: the
 * nearest folder that exists on its path is writable. */
static int dir_usable(const char *path)
{
	char p[PATH_MAX], *slash;

	str_copy(p, path, sizeof(p));
	struct statfs fs;

	while (access(p, F_OK) < 0) {
		if (errno != ENOENT || !(slash = strrchr(p, '/')) || slash == p) {
			if (errno == ENOENT)
				str_copy(p, slash == p ? "/" : ".", sizeof(p));
			else
				return -1;
			break;
		}
		*slash = '\0';
	}
	/* The kernel's own file systems take no show logs. */
	if (statfs(p, &fs) == 0 && (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC ||
				    fs.f_type == DEVPTS_SUPER_MAGIC || fs.f_type == CGROUP2_SUPER_MAGIC ||
				    fs.f_type == CGROUP_SUPER_MAGIC || fs.f_type == DEBUGFS_MAGIC)) {
		errno = EROFS;
		return -1;
	}
	return access(p, W_OK | X_OK);
}

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static struct loop_timer *watchdog;
static int64_t watchdog_ms;

static void watchdog_fired(void *data)
{
	(void)data;
	notify_send("WATCHDOG=1");
	loop_timer_arm(watchdog, time_mono_ms() + watchdog_ms / 2);
}

/* Started in the foreground on a terminal (make run): a hang-up is the
 * terminal going away, not a reload (systemd's reload), and the daemon
 * ends with it instead of holding its port in the background. */
static bool on_terminal;

static void on_signal(int signo, void *data)
{
	char err[512];

	(void)data;
	if (signo == SIGHUP && on_terminal) {
		log_info("the terminal closed (SIGHUP): stopping; onairctl reload re-reads the config");
		loop_quit(0);
		return;
	}
	if (signo == SIGHUP) {
		log_info("reload: SIGHUP");
		notify_send("RELOADING=1");
		running_reload(err, sizeof(err));
		notify_send("READY=1");
		return;
	}
	log_info("%s: stopping", strsignal(signo));
	loop_quit(0);
}

/* onaird --selftest: the checklist once, then exit 1 if anything FAILs. */
static int run_selftest(bool json)
{
	static struct selftest t;
	char now[40], path[PATH_MAX + 32], *report;
	enum selftest_verdict v;

	const struct conf *c = running.conf;

	if (loop_init() < 0)
		log_fatal("loop: init");
	if (dir_create(c->state_dir, 0750) < 0)
		log_warn("state: %s", c->state_dir);
	checks_run(c, &running.host, &t);
	time_format_wall(time_now().wall, now, sizeof(now));
	report = selftest_json(&t, c->node_name, now);
	checks_publish(c, report);
	snprintf(path, sizeof(path), "%s/selftest.json", c->state_dir);
	if (report && file_write_atomic(path, report, strlen(report)) < 0)
		log_warn("selftest: write %s", path);
	if (json)
		printf("%s\n", report ? report : "{}");
	else
		selftest_print(&t, stdout, isatty(STDOUT_FILENO));
	free(report);
	v = selftest_verdict(&t);
	loop_fini();
	running_fini();
	return v == SELFTEST_FAIL ? 1 : 0;
}

/* The unit's ExecStopPost: however the daemon ended (kill -9, a crash, the
 * watchdog), every output is opened once and left off. A GPIO line or a
 * relay board otherwise keeps its last state with nothing driving it: an
 * ON AIR lamp that lies until someone notices. */
static int run_safe_outputs(void)
{
	if (loop_init() < 0)
		log_fatal("loop: init");
	running_devices_open();
	running_devices_close();
	loop_fini();
	log_info("all outputs safe");
	running_fini();
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: onaird [-c FILE] [--check] [--dump-config] [--selftest [--json]] [--safe-outputs]\n"
		   "              [-o section.key=value]...\n"
		   "              [--state-dir DIR] [--socket PATH] [-d] [--version]\n"
		   "       onaird --report SHOWLOG [--csv|--html]\n"
		   "       onaird --summary STATE_DIR [--days N]\n"
		   "  -c, --config FILE   config file (default %s/onair/onair.conf)\n"
		   "      --check         validate config and rundown, print every error, exit\n"
		   "      --dump-config   print the effective config and exit\n"
		   "      --selftest      run the pre-live checklist once (--json for JSON); exit 1 on FAIL\n"
		   "      --safe-outputs  open every output, leave it off and exit (after a crash)\n"
		   "  -o KEY=VALUE        override any config key, e.g. -o show.preroll=5\n"
		   "      --state-dir DIR where the running show and the show logs are kept\n"
		   "      --socket PATH   control socket (default /run/onair/onaird.sock)\n"
		   "  -d, --debug         log debug messages\n"
		   "      --report SHOWLOG  the review of a show log (shows/show-*.jsonl), without a\n"
		   "                      daemon or a config; --csv or --html for those forms\n"
		   "      --summary DIR   the shows of a state folder (the box's, or one copied off it)\n"
		   "                      that went live in the last --days N (default 7), each and\n"
		   "                      together: overruns, interactions missed, promotion calls\n"
		   "                      against the quota, messages never acknowledged\n", SYSCONFDIR);
}

/* The review of a show log copied off the box, on a technician's laptop:
 * no daemon, no config. */
static int report_file(const char *path, enum report_format format)
{
	size_t len;
	char *text = file_read(path, 256 * 1024 * 1024, &len), *report;

	if (!text) {
		fprintf(stderr, "onaird: --report %s: %s\n", path, strerror(errno));
		return 1;
	}
	report = report_build(text, len, format);
	free(text);
	if (!report)
		return 1;
	fputs(report, stdout);
	free(report);
	return 0;
}

/* The team lead's Monday: every show of the last days, each on a line and
 * together, from the logs in a state folder (no daemon, no config). */
#define SUMMARY_SHOWS 1000
static int summary(const char *state_dir, int days)
{
	static char ids[SUMMARY_SHOWS][SHOWLOG_ID_MAX];
	int n = showlog_list(state_dir, ids, SUMMARY_SHOWS), shows = 0;
	struct report_summary all = { 0 };
	int64_t since = time_now().wall - (int64_t)days * 86400000, live_ms = 0;
	char a[32];

	if (n == 0 && access(state_dir, R_OK | X_OK) < 0) {
		fprintf(stderr, "onaird: --summary %s: %s\n", state_dir, strerror(errno));
		return 1;
	}
	printf("%-16s %-16s %8s %8s %9s %9s %8s  %s\n", "SHOW", "WENT LIVE", "LENGTH", "OVERRUNS",
	       "INT MISS", "PROMO", "UNACKED", "TITLE");
	for (int i = n - 1; i >= 0; i--) {
		char path[PATH_MAX], live[48], promo[24], *text;
		struct report_summary sum;
		size_t len;

		if (showlog_path(state_dir, ids[i], path, sizeof(path)) < 0 ||
		    !(text = file_read(path, 256 * 1024 * 1024, &len)))
			continue;
		report_summarize(text, len, &sum);
		free(text);
		if (!sum.live_wall || sum.live_wall < since)
			continue;
		shows++;
		live_ms += (sum.end_wall ? sum.end_wall : sum.last_wall) - sum.live_wall;
		all.overruns += sum.overruns;
		all.interactions += sum.interactions;
		all.missed += sum.missed;
		all.promo_calls += sum.promo_calls;
		all.promo_quota += sum.promo_quota;
		all.messages += sum.messages;
		all.unacked += sum.unacked;
		report_summary_times(&sum, live, sizeof(live), a, sizeof(a));
		snprintf(promo, sizeof(promo), "%d/%d", sum.promo_calls, sum.promo_quota);
		printf("%-16s %-16s %8s %8d %9d %9s %8d  %s%s\n", ids[i], live, a, sum.overruns, sum.missed, promo,
		       sum.unacked, *sum.show ? sum.show : "(untitled)", sum.end_wall ? "" : " (not ended)");
	}
	duration_format(live_ms, a, sizeof(a));
	printf("\nLast %d day%s: %d show%s, %s live; %d segment%s over; %d interaction%s done, %d window%s "
	       "missed; promotion calls %d of a quota of %d; %d message%s to the anchor, %d never "
	       "acknowledged\n", days, days == 1 ? "" : "s", shows, shows == 1 ? "" : "s", a, all.overruns,
	       all.overruns == 1 ? "" : "s", all.interactions, all.interactions == 1 ? "" : "s", all.missed,
	       all.missed == 1 ? "" : "s", all.promo_calls, all.promo_quota, all.messages,
	       all.messages == 1 ? "" : "s", all.unacked);
	return 0;
}

/* --check on the box itself: every GPIO line the config names, looked up
 * on this machine's chips (not taken). A warning, not an error: the daemon
 * starts without a device it cannot open, and a config is often checked
 * on another machine. */
static void check_lines_here(const struct conf *c)
{
	struct diag w = { 0 };
	int missing = 0, lines = 0;
	glob_t chips;

	for (int i = 0; i < c->ndevices; i++) {
		char why[160];
		const struct drv_ops *ops = drv_find(c->device[i].driver, why, sizeof(why));

		lines += ops ? ops->nline_keys : 0;
	}
	if (!lines)
		return;
	if (glob("/dev/gpiochip*", 0, NULL, &chips) != 0) {
		fprintf(stderr, "onaird: no GPIO chips on this machine: the config's lines were not looked up\n");
		return;
	}
	globfree(&chips);
	for (int i = 0; i < c->ndevices; i++) {
		char why[160];
		const struct drv_ops *ops = drv_find(c->device[i].driver, why, sizeof(why));

		if (ops && ops->nline_keys)
			missing += drv_probe_lines(&c->device[i], ops, *c->board.path ? &c->board : NULL, c->path, &w);
	}
	for (size_t i = 0; i < w.count; i++)
		fprintf(stderr, "onaird: warning: %s\n", w.lines[i]);
	if (missing)
		fprintf(stderr, "onaird: warning: %d GPIO line%s not found on this machine (see above)\n", missing,
			missing == 1 ? " is" : "s are");
	diag_free(&w);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "check", no_argument, NULL, 'C' },
		{ "dump-config", no_argument, NULL, 'D' }, { "state-dir", required_argument, NULL, 'S' },
		{ "socket", required_argument, NULL, 's' }, { "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' }, { "help", no_argument, NULL, 'h' },
		{ "selftest", no_argument, NULL, 'T' }, { "json", no_argument, NULL, 'J' },
		{ "safe-outputs", no_argument, NULL, 'O' }, { "report", required_argument, NULL, 'R' },
		{ "csv", no_argument, NULL, 'v' }, { "html", no_argument, NULL, 'H' },
		{ "summary", required_argument, NULL, 'M' }, { "days", required_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 }
	};
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP };
	static const char *overrides[CONF_MAX_OVERRIDES];
	struct running_args args = { .overrides = overrides };
	struct conf *c;
	bool check = false, dump = false, debug = false, selftest = false, json = false, safe = false;
	struct diag diag = { 0 };
	const char *report_path = NULL, *summary_dir = NULL;
	long long days = 7;
	enum report_format report_format = REPORT_TEXT;
	int opt, rc;

	/* A config with its rundown is a few hundred KiB; a fixed threshold
	 * keeps such blocks mmap'd, so every reload gives the old one back to
	 * the system instead of growing the heap for good (glibc's moving
	 * threshold would). */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	/* The storage thread allocates little; one arena keeps it from
	 * growing a heap of its own. */
	mallopt(M_ARENA_MAX, 1);

	args.config_path = SYSCONFDIR "/onair/onair.conf";
	while ((opt = getopt_long(argc, argv, "c:o:dh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': args.config_path = optarg; break;
		case 'C': check = true; break;
		case 'T': selftest = true; break;
		case 'O': safe = true; break;
		case 'J': json = true; break;
		case 'R': report_path = optarg; break;
		case 'M': summary_dir = optarg; break;
		case 'y':
			if (!int_parse(optarg, 1, 3660, &days)) {
				fprintf(stderr, "onaird: --days must be 1 to 3660\n");
				return 2;
			}
			break;
		case 'v': report_format = REPORT_CSV; break;
		case 'H': report_format = REPORT_HTML; break;
		case 'D': dump = true; break;
		case 'S': args.state_dir_arg = optarg; break;
		case 's': args.socket_arg = optarg; break;
		case 'd': debug = true; break;
		case 'o':
			if (args.noverrides == CONF_MAX_OVERRIDES) {
				fprintf(stderr, "onaird: at most %d -o options\n", CONF_MAX_OVERRIDES);
				return 2;
			}
			overrides[args.noverrides++] = optarg;
			break;
		case 'V': printf("onaird %s\n", ONAIR_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (report_path)
		return report_file(report_path, report_format);
	if (summary_dir)
		return summary(summary_dir, (int)days);
	log_init("onaird", LOG_LEVEL_INFO);
	running_set_args(&args);
	c = running_load_config(&diag);
	if (!c) {
		diag_print(&diag);
		fprintf(stderr, "onaird: %zu error%s in the configuration\n", diag.count,
			diag.count == 1 ? "" : "s");
		diag_free(&diag);
		return 1;
	}
	if (check) {
		/* What the daemon needs at start, checked here too: --check is
		 * the unit's ExecStartPre, and what it passes must start. */
		if (dir_usable(c->state_dir) < 0) {
			fprintf(stderr, "onaird: state folder %s: %s (set daemon.state_dir or --state-dir)\n",
				c->state_dir, strerror(errno));
			free(c);
			return 1;
		}
		if (access(c->state_dir, F_OK) == 0) {
			char why[PATH_MAX + 160];
			int trusted = dir_trusted(c->state_dir, why, sizeof(why));

			if (trusted < 0) {
				fprintf(stderr, "onaird: state folder: %s\n", why);
				free(c);
				return 1;
			}
			if (trusted > 0)
				fprintf(stderr, "onaird: state folder: %s (warning)\n", why);
		}
		check_lines_here(c);
		if (*c->web.listen) {
			char why[PATH_MAX + 160];

			if (web_root_complete(c->web.root, why, sizeof(why)) < 0)
				fprintf(stderr, "%s: %s; set web.root to the page folder (warning: onaird runs "
					"without its pages)\n", c->path, why);
		}
		{
			/* The secrets as the daemon will read them. One it cannot use is
			 * said, not refused: the daemon runs without it (the ops page
			 * only looks, the link or OBS says why), and the lamps must
			 * start whatever a token file says. */
			struct diag bad = { 0 }, warn = { 0 };

			secrets_check(c, &bad, &warn);
			for (size_t i = 0; i < bad.count; i++)
				fprintf(stderr, "%s (warning: onaird runs without it)\n", bad.lines[i]);
			for (size_t i = 0; i < warn.count; i++)
				fprintf(stderr, "%s (warning)\n", warn.lines[i]);
			diag_free(&bad);
			diag_free(&warn);
		}
		printf("configuration OK (%d segments, %d device%s)\n", c->rundown.count,
		       c->ndevices, c->ndevices == 1 ? "" : "s");
		free(c);
		return 0;
	}
	if (dump) {
		conf_dump(c, stdout);
		free(c);
		return 0;
	}
	running_init(c);
	if (selftest) {
		log_set_level(debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR);
		return run_selftest(json);
	}
	if (safe)
		return run_safe_outputs();
	log_set_level(debug ? LOG_LEVEL_DEBUG : c->log_level);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (dir_create(c->state_dir, 0750) < 0 || access(c->state_dir, W_OK) < 0)
		log_fatal("state: %s (use --state-dir DIR)", c->state_dir);
	{
		char why[PATH_MAX + 160];
		int trusted = dir_trusted(c->state_dir, why, sizeof(why));

		if (trusted < 0)
			log_fatalx("state: %s", why);
		if (trusted > 0)
			log_warnx("state: %s", why);
	}
	if (loop_init() < 0)
		log_fatal("loop: init");
	on_terminal = isatty(STDIN_FILENO) || isatty(STDOUT_FILENO);
	if (loop_signals(signals, (int)ARRAY_SIZE(signals), on_signal, NULL) < 0)
		log_fatal("loop: signals");
	if (ctl_init(c->socket, replies_handle, NULL) < 0)
		log_fatalx("ctl: cannot listen on %s", c->socket);
	running_start();
	checkrun_init();
	link_init();
	web_init(replies_status_json);
	sources_init();
	tally_out_init();
	alerts_init();
	audiowatch_init();
	running_update();

	watchdog_ms = notify_watchdog_ms();
	if (watchdog_ms > 0) {
		watchdog = loop_timer_add(watchdog_fired, NULL);
		watchdog_fired(NULL);
	}
	log_info("ready: %s, %d segments, socket %s, state %s", c->title, c->rundown.count,
		 c->socket, c->state_dir);
	notify_send("READY=1");
	rc = loop_run();
	notify_send("STOPPING=1");
	running_stop();
	audiowatch_fini();
	alerts_fini();
	tally_out_fini();
	sources_fini();
	web_fini();
	link_fini();
	ctl_fini();
	loop_timer_remove(watchdog);
	running_fini();
	loop_fini();
	log_info("stopped; all outputs safe");
	return rc;
}
