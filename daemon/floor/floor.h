/* The floor of a live base (docs/floor.md): a box with node.role = floor
 * reads every room's state, statuses and self-tests on the central broker
 * and serves them as tiles, trouble on top. */
#ifndef ONAIR_FLOOR_H
#define ONAIR_FLOOR_H

#include <cJSON.h>
#include <stddef.h>

/* The topics a floor subscribes to, given to subscribe one by one. */
void floor_topics(void (*subscribe)(const char *topic));
/* A message on one of them (the whole topic). */
void floor_message(const char *topic, const char *payload, size_t len);
/* /floor.json: {now_wall, vanish_after_s, rooms: [tile…]}, trouble first. */
cJSON *floor_json(void);
/* "floor": {rooms, messages, rejected} for status, on a floor box. */
void floor_status_json(cJSON *o);
void floor_fini(void);

#endif
