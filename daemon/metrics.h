/* GET /metrics: the box in Prometheus's text format (docs/metrics.md). */
#ifndef ONAIR_METRICS_H
#define ONAIR_METRICS_H

#include <stddef.h>

/* The exposition, malloc'd (its length in *len), or NULL when memory is short. */
char *metrics_text(size_t *len);

#endif
