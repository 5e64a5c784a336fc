/* The floor's alert rules: the trouble names of the floor's tiles
 * (daemon floor.c) and the audio watch's alarm names (docs/watch.md), with
 * words as the pages say them and how long each must stand before it is an
 * alert. Pure data: the config checks [alert.NAME] rules = against it and
 * the floor's alerts judge by it, so the list is written once. */
#ifndef ONAIR_ALERTRULE_H
#define ONAIR_ALERTRULE_H

/* How long a trouble must stand before it is an alert. */
enum alert_hold {
	ALERT_HOLD_NONE,	/* at once */
	ALERT_HOLD_AFTER,	/* [floor] alert_after */
	ALERT_HOLD_OVERRUN,	/* the segment overrun by alert_overrun */
	ALERT_HOLD_MESSAGE,	/* unacknowledged for alert_message_after */
	ALERT_HOLD_SELFTEST,	/* failed within alert_selftest_window of the start */
};

/* The rule's index by name ("stream", "silence", …), or -1. */
int alert_rule_find(const char *name);
/* "?" for an index that is no rule. */
const char *alert_rule_name(int rule);
const char *alert_rule_words(int rule);
enum alert_hold alert_rule_hold(int rule);
/* "unreachable, stream, …" for messages. */
const char *alert_rule_names(void);

#endif
