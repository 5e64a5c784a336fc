/* The studio link: leader and followers over MQTT. The leader takes
 * commands and publishes the show; followers follow its state on their own
 * outputs under a lease and send their presses to it. Every message is
 * dispatched from one table of topic, role and handler. */
#ifndef ONAIR_LINK_H
#define ONAIR_LINK_H

#include <cJSON.h>

/* Connect as the config's role says (nothing for a standalone box). */
void link_init(void);
/* Say goodbye (retained offline status) and disconnect. */
void link_fini(void);
/* "node": the link's part of the status answer. */
void link_status_json(cJSON *o);
/* A follower's: the leader's alarms, added to the screens' "alarms". */
void link_alarms_json(cJSON *alarms);

#endif
