/* The follower's lease (see lease.h). */
#include "lease.h"

enum cue_link lease_eval(const struct lease *l, int64_t lease_ms, int64_t link_lost_ms,
			 int64_t now, int64_t *next)
{
	if (!l->heard || l->leader_offline || now - l->heard_mono >= lease_ms)
		return CUE_LINK_STALE;
	if (l->heard_mono + lease_ms < *next)
		*next = l->heard_mono + lease_ms;
	if (l->down_since && now - l->down_since >= link_lost_ms)
		return CUE_LINK_LOST;
	if (l->down_since && l->down_since + link_lost_ms < *next)
		*next = l->down_since + link_lost_ms;
	return CUE_LINK_OK;
}

const char *lease_link_name(enum cue_link link)
{
	return link == CUE_LINK_STALE ? "stale" : link == CUE_LINK_LOST ? "lost" : "ok";
}
