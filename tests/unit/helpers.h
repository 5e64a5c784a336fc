/* Shared by the unit tests: cmocka, a rundown builder and a fake clock. */
#ifndef ONAIR_TEST_HELPERS_H
#define ONAIR_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../core/cue.h"
#include "../../core/rundown.h"
#include "../../core/show.h"

/* A clock that starts at an arbitrary boot time and wall time. */
#define T0_MONO 1000000LL
#define T0_WALL 1795300000000LL

static inline struct onair_time at_ms(int64_t offset)
{
	return (struct onair_time){ T0_MONO + offset, T0_WALL + offset };
}

static inline void rundown_add(struct rundown *r, const char *title, int64_t planned_ms)
{
	struct rundown_segment *s = &r->seg[r->count++];

	memset(s, 0, sizeof(*s));
	strncpy(s->title, title, sizeof(s->title) - 1);
	s->planned_ms = planned_ms;
	s->wrapup_ms = s->danger_ms = s->promo_ms = RUNDOWN_INHERIT;
	s->interaction_open_ms = s->interaction_close_ms = RUNDOWN_INHERIT;
	s->promo_min = s->promo_max = RUNDOWN_INHERIT;
	s->overrun_count = RUNDOWN_INHERIT;
}

static inline struct show_conf show_conf_test(void)
{
	/* The same rhythm defaults as conf_defaults. */
	return (struct show_conf){ .preroll_ms = 5000, .go_ms = 3000, .attention_ms = 5000,
				   .wrapup_ms = 60000, .danger_ms = 15000, .reminder_ms = 20000,
				   .promo_spacing_ms = 30000 };
}

#endif
