/* A floor's alerts to the team's phones (docs/floor.md): each room's
 * trouble, as the floor's tiles judge it, held for its rule's time, sent
 * once to each [alert.NAME] group robot, escalated when it stands, and
 * said resolved when it clears. Deliveries go through libcurl's multi
 * interface in the daemon's loop: a robot that is down or slow is retried
 * with backoff and never holds anything else up. */
#ifndef ONAIR_ALERTS_H
#define ONAIR_ALERTS_H

#include <cJSON.h>

/* On a floor box: judge every second, deliver, merge reloads. */
void alerts_init(void);
void alerts_fini(void);
/* "alerts": {active: [...], sinks: [...]} for status, on a floor box. */
void alerts_status_json(cJSON *o);

#endif
