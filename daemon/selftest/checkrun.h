/* The self-test inside the running daemon: on request (onairctl, MQTT)
 * and by itself before a scheduled start, once per start. */
#ifndef ONAIR_CHECKRUN_H
#define ONAIR_CHECKRUN_H

/* Arm the run before each scheduled start. */
void checkrun_init(void);
/* Start a run, or join the one running. From a control request the answer
 * comes later (NULL); otherwise the result is only published and logged. */
char *checkrun_start(void);
/* A check only this daemon can make (a listener it holds, not the child
 * that checks the devices), added to every run's result. Once each. */
struct selftest;
typedef void (*checkrun_check_fn)(struct selftest *t);
void checkrun_add_check(checkrun_check_fn fn);

#endif
