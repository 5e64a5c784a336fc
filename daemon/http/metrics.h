/* GET /metrics: the box in Prometheus's text format (docs/metrics.md). */
#ifndef ONAIR_METRICS_H
#define ONAIR_METRICS_H

#include <cJSON.h>
#include <stddef.h>

/* The exposition of the box's status answer (what onairctl status shows),
 * malloc'd (its length in *len), or NULL when memory is short. */
char *metrics_text(const cJSON *status, size_t *len);

#endif
