/* The web server: the anchor's screen (/), the ops page (/ops), the show
 * view once (/view.json) and as a stream (/events), and commands with the
 * ops token (POST /cmd). Off unless [web] listen is set. docs/web.md. */
#ifndef ONAIR_WEB_H
#define ONAIR_WEB_H

#include <cJSON.h>
#include <stddef.h>

/* The status answer (a cJSON the caller frees, or NULL) for GET /metrics:
 * the command door above the web composes it. */
typedef cJSON *(*web_status_fn)(void);
/* Listen on web.listen; 0, or -1 with the reason logged (the daemon runs
 * on without its screens). The running server is one of the self-test's
 * checks from then on: FAIL when configured and not serving. */
int web_init(web_status_fn status);
void web_fini(void);
/* "web": where it listens, whether it serves and why not (status). */
void web_status_json(cJSON *o);
/* The page folder has every file the server serves: 0, or -1 with the
 * first missing one in why. */
int web_root_complete(const char *root, char *why, size_t whylen);
/* A POST /cmd body as a show command (the one grammar); -1 and why. */
struct show_cmd;
int web_parse_command(const char *body, size_t len, struct show_cmd *cmd, char *err, size_t errlen);

#endif
