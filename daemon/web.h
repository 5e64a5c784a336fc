/* The web server: the anchor's screen (/), the ops page (/ops), the show
 * view once (/view.json) and as a stream (/events), and commands with the
 * ops token (POST /cmd). Off unless [web] listen is set. docs/web.md. */
#ifndef ONAIR_WEB_H
#define ONAIR_WEB_H

/* Listen on web.listen; 0, or -1 with the reason logged (the daemon runs
 * on without its screens). */
int web_init(void);
void web_fini(void);

#endif
