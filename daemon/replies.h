/* The control socket's answers: status, log, report, reload, the self-test
 * and the show commands themselves. */
#ifndef ONAIR_REPLIES_H
#define ONAIR_REPLIES_H

#include "control/ctl.h"

/* The ctl_handler for the control socket. */
char *replies_handle(const struct cmd_request *req, const char *who, void *data);

/* The status answer's object (status --json), for the other outputs that
 * report it: /metrics. The caller frees it. */
#include <cJSON.h>
cJSON *replies_status_json(void);

#endif
