/* The pre-live checks themselves, against the real devices, each bounded
 * in time. This first form runs them one after another as a one-shot
 * (onaird --selftest, ExecStartPre, or over ssh before going live). */
#ifndef ONAIR_CHECKS_H
#define ONAIR_CHECKS_H

#include "../config/conf.h"
#include "selftest.h"

/* Every check but the devices': config, state folder, clock, broker, audio.
 * Blocks for up to a few seconds: the daemon runs it in a child process. */
void checks_system(const struct conf *c, struct selftest *t);
/* Run every check the config calls for into t. host opens the devices. */
void checks_run(const struct conf *c, struct drv_host *host, struct selftest *t);

/* One open device: present, and its test pattern for walk_ms unless on air. */
struct selftest_check *checks_device(struct selftest *t, const char *name, const struct drv_ops *ops,
				     struct drv *drv, int64_t walk_ms, bool on_air);
/* Publish the report (JSON) retained on selftest/<node> when the box has
 * a broker. */
void checks_publish(const struct conf *c, const char *report);

#endif
