/* onairctl: the command line of onaird. One request line out, one JSON
 * line back; a view for people, or the JSON itself with --json. */
#define _GNU_SOURCE
#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/ctl.h"
#include "../core/util.h"
#include "../core/version.h"

#define REPLY_MAX (64 * 1024 * 1024)
#define TIMEOUT_MS 5000
#define SELFTEST_TIMEOUT_MS 90000

static void usage(FILE *f)
{
	fprintf(f, "usage: onairctl [--socket PATH] [--json] COMMAND [ARGS]\n\n");
	cmd_usage(f);
	fprintf(f, "\nThe socket is PATH, else $ONAIR_SOCKET, else /run/onair/onaird.sock.\n"
		   "Exit status: 0 done, 1 refused by the daemon, 2 usage, 3 no daemon answering.\n");
}

static const char *str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double num_of(const cJSON *o, const char *name, bool *present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (present)
		*present = cJSON_IsNumber(v);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void print_status(const cJSON *o)
{
	const cJSON *lamps = cJSON_GetObjectItemCaseSensitive(o, "lamps");
	const cJSON *colours = cJSON_GetObjectItemCaseSensitive(o, "lamp_colours");
	const cJSON *aux = cJSON_GetObjectItemCaseSensitive(o, "aux");
	const cJSON *devs = cJSON_GetObjectItemCaseSensitive(o, "devices"), *dev, *lamp;
	bool has;
	double remaining = num_of(o, "remaining_ms", &has);
	char buf[32];

	printf("show      %s\n", str_of(o, "show"));
	printf("state     %s", str_of(o, "state"));
	if ((int)num_of(o, "segment", NULL) > 0)
		printf(", segment %d of %d", (int)num_of(o, "segment", NULL), (int)num_of(o, "segments", NULL));
	printf("\n");
	if (*str_of(o, "title"))
		printf("title     %s\n", str_of(o, "title"));
	if (has) {
		/* Rounded as the display rounds: 4:59.2 left shows as 5:00. */
		duration_format(remaining > 0 ? ((int64_t)remaining + 999) / 1000 * 1000 : (int64_t)remaining,
				buf, sizeof(buf));
		printf("remaining %s%s", buf, remaining <= 0 ? " (over)" : "");
		duration_format((int64_t)num_of(o, "planned_ms", NULL), buf, sizeof(buf));
		printf(" of %s\n", buf);
	}
	printf("display   %s%s\n", str_of(o, "countdown"), cJSON_IsObject(aux) ? " (aux countdown)" : "");
	if (*str_of(o, "next_title"))
		printf("next      %s\n", str_of(o, "next_title"));
	printf("cue       %s", str_of(o, "cue"));
	if (strcmp(str_of(o, "call"), "standby") == 0)
		printf(" (standby not acknowledged for %.0f s)", num_of(o, "call_age_ms", NULL) / 1000);
	printf("\n");
	cJSON_ArrayForEach(lamp, lamps) {
		const cJSON *colour = cJSON_GetObjectItemCaseSensitive(colours, lamp->string);

		printf("lamp      %-6s %s%s%s\n", lamp->string, cJSON_IsString(lamp) ? lamp->valuestring : "?",
		       cJSON_IsString(colour) && strcmp(lamp->valuestring, "off") ? " " : "",
		       cJSON_IsString(colour) && strcmp(lamp->valuestring, "off") ? colour->valuestring : "");
	}
	if (*str_of(o, "scheduled_start"))
		printf("scheduled %s\n", str_of(o, "scheduled_start"));
	cJSON_ArrayForEach(dev, devs)
		printf("device    %s%s\n", str_of(dev, "description"),
		       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dev, "present")) ? "" : " MISSING");
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "onairctl: socket path %s is too long\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		fprintf(stderr, "onairctl: cannot reach onaird on %s: %s\n", path, strerror(e));
		if (e == EACCES)
			fprintf(stderr, "onairctl: the socket is for the onair group: sudo usermod -aG onair $USER, "
				"then log in again\n");
		else
			fprintf(stderr, "onairctl: is onaird running (systemctl status onaird)? The socket is "
				"--socket PATH, else $ONAIR_SOCKET, else /run/onair/onaird.sock\n");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send one request and read one reply line (malloc'd), within the timeout. */
static char *exchange(int fd, const char *request, int timeout_ms)
{
	size_t len = strlen(request), cap = 65536, n = 0;
	char *reply = malloc(cap + 1);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (!reply || send(fd, request, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		fprintf(stderr, "onairctl: send: %s\n", strerror(errno));
		free(reply);
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (poll(&pfd, 1, timeout_ms) <= 0) {
			fprintf(stderr, "onairctl: no answer from onaird within %d s\n", timeout_ms / 1000);
			free(reply);
			return NULL;
		}
		if (n == cap) {
			char *grown = cap < REPLY_MAX ? realloc(reply, cap * 2 + 1) : NULL;

			if (!grown) {
				fprintf(stderr, "onairctl: reply too large\n");
				free(reply);
				return NULL;
			}
			reply = grown;
			cap *= 2;
		}
		r = recv(fd, reply + n, cap - n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(reply + n - (size_t)r, '\n', (size_t)r))
			break;
	}
	reply[n] = '\0';
	if (!n) {
		fprintf(stderr, "onairctl: onaird closed the connection without answering\n");
		free(reply);
		return NULL;
	}
	return reply;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'C' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 }
	};
	const char *socket_path = getenv("ONAIR_SOCKET");
	char request[CMD_LINE_MAX + 1] = "", *reply;
	bool json = false, csv = false;
	const char *html_path = NULL;
	cJSON *o;
	int opt, fd, rc;

	if (!socket_path || !*socket_path)
		socket_path = "/run/onair/onaird.sock";
	/* "+" stops at the command, so "extend -30" keeps its sign. */
	while ((opt = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 's': socket_path = optarg; break;
		case 'j': json = true; break;
		case 'C': csv = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("onairctl %s\n", ONAIR_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
			continue;
		}
		if (strcmp(argv[i], "--csv") == 0) {
			csv = true;
			continue;
		}
		if (strcmp(argv[i], "--html") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "onairctl: --html needs the file to write (report --html show.html)\n");
				return 2;
			}
			html_path = argv[++i];
			continue;
		}
		if (strlen(request) + strlen(argv[i]) + 2 > sizeof(request)) {
			fprintf(stderr, "onairctl: command too long\n");
			return 2;
		}
		if (*request)
			strcat(request, " ");
		strcat(request, argv[i]);
	}
	if (csv) {
		if (strcmp(request, "report") != 0 && strncmp(request, "report ", 7) != 0) {
			fprintf(stderr, "onairctl: --csv goes with report\n");
			return 2;
		}
		strcat(request, " csv");
	}
	if (html_path) {
		if ((strcmp(request, "report") != 0 && strncmp(request, "report ", 7) != 0) || csv) {
			fprintf(stderr, "onairctl: --html FILE goes with report\n");
			return 2;
		}
		strcat(request, " html");
	}
	{
		/* The daemon would refuse a malformed request the same way; said
		 * here, it is a usage error (exit 2), with a suggestion. */
		struct cmd_request req;
		char err[256];

		if (cmd_parse(request, strlen(request), &req, err, sizeof(err)) < 0) {
			fprintf(stderr, "onairctl: %s\n", err);
			return 2;
		}
	}
	fd = connect_socket(socket_path);
	if (fd < 0)
		return 3;
	/* The checklist listens to the microphone and the broker for a while. */
	reply = exchange(fd, request, strcmp(request, "selftest") == 0 ? SELFTEST_TIMEOUT_MS : TIMEOUT_MS);
	close(fd);
	if (!reply)
		return 3;
	o = cJSON_Parse(reply);
	if (!cJSON_IsObject(o)) {
		fprintf(stderr, "onairctl: unreadable answer from onaird\n");
		free(reply);
		cJSON_Delete(o);
		return 3;
	}
	rc = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok")) ? 0 : 1;
	/* Applied but not recorded (the daemon cannot write its disk). */
	if (*str_of(o, "warning"))
		fprintf(stderr, "onairctl: warning: %s\n", str_of(o, "warning"));
	if (!rc && cJSON_GetObjectItemCaseSensitive(o, "report")) {
		/* The self-test: its report, and exit 1 when anything FAILs. */
		if (json) {
			char *report = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "report"));

			printf("%s\n", report ? report : "{}");
			free(report);
		} else {
			fputs(str_of(o, "table"), stdout);
		}
		rc = strcmp(str_of(o, "verdict"), "FAIL") == 0 ? 1 : 0;
	} else if (json) {
		fputs(reply, stdout);
	} else if (rc) {
		fprintf(stderr, "onairctl: %s\n", str_of(o, "error"));
	} else if (html_path && cJSON_GetObjectItemCaseSensitive(o, "text")) {
		FILE *f = fopen(html_path, "w");

		if (!f || fputs(str_of(o, "text"), f) < 0 || fclose(f) != 0) {
			fprintf(stderr, "onairctl: write %s: %s\n", html_path, strerror(errno));
			rc = 1;
		} else {
			printf("wrote %s: open it in a browser\n", html_path);
		}
	} else if (cJSON_GetObjectItemCaseSensitive(o, "text")) {
		fputs(str_of(o, "text"), stdout);
	} else if (cJSON_GetObjectItemCaseSensitive(o, "state")) {
		if (strcmp(request, "status") == 0) {
			print_status(o);
		} else {
			printf("%s", str_of(o, "state"));
			if ((int)num_of(o, "segment", NULL) > 0)
				printf(" %d/%d %s", (int)num_of(o, "segment", NULL),
				       (int)num_of(o, "segments", NULL), str_of(o, "title"));
			printf(" %s\n", str_of(o, "countdown"));
		}
	} else if (*str_of(o, "version")) {
		printf("onaird %s (protocol %d)\n", str_of(o, "version"), (int)num_of(o, "proto", NULL));
	}
	cJSON_Delete(o);
	free(reply);
	return rc;
}
