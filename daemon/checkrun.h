/* The self-test inside the running daemon: on request (onairctl, MQTT)
 * and by itself before a scheduled start, once per start. */
#ifndef ONAIR_CHECKRUN_H
#define ONAIR_CHECKRUN_H

/* Arm the run before each scheduled start. */
void checkrun_init(void);
/* Start a run, or join the one running. From a control request the answer
 * comes later (NULL); otherwise the result is only published and logged. */
char *checkrun_start(void);

#endif
