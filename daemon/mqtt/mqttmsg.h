/* MQTT payloads, as pure functions: commands in, state and status out,
 * and every rejection with its reason. Fuzzed (tests/fuzz/fuzz_mqtt.c). */
#ifndef ONAIR_MQTTMSG_H
#define ONAIR_MQTTMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "../../core/cue.h"
#include "../../core/truth.h"
#include "../../core/show.h"
#include "../../core/view.h"

#define MQTTMSG_MAX 8192	/* larger commands and reports are refused unread */
/* The studio's state is bounded by what it carries (docs/mqtt.md: the
 * texts at their longest, MQTTMSG_CAMERAS cameras, the running segment
 * only): about 17 KB at its largest (tests/unit/test_mqttmsg.c); a follower
 * takes four times that. */
#define MQTTMSG_STATE_MAX 65536
#define MQTTMSG_STATE_SCHEMA 2
#define MQTTMSG_CAMERAS 128	/* cameras the state names at most */
#define MQTTMSG_LABEL_MAX 64	/* a camera's label in the state, in bytes */
#define MQTTMSG_ALARMS 8	/* the leader's alarms a follower takes */
#define MQTTMSG_ALARM_MAX 24	/* an alarm's name, in bytes */

struct mqttmsg_cmd {
	struct show_cmd cmd;
	char word[24];		/* the command as sent */
	char from[64];		/* sending node, "" when an outside tool */
	char id[64];		/* the sender's id, echoed in an error */
	int64_t sent_wall;	/* 0 when not given */
};

/* Parse a command: {"cmd":"extend","arg":"+30","from":"desk","id":"7",
 * "sent_wall":1795300000000}. 0 on success; -1 and a reason when
 * malformed; -2 and a reason when sent more than max_age_ms before now. */
int mqttmsg_parse_cmd(const char *payload, size_t len, int64_t now_wall, int64_t max_age_ms,
		      struct mqttmsg_cmd *out, char *err, size_t errlen);
/* A command as a follower sends it (malloc'd JSON). */
char *mqttmsg_cmd_encode(const struct show_cmd *cmd, const char *from, const char *id,
			 int64_t sent_wall);

/* The leader's state, built once from the show and its view: the show's
 * fields with both clocks and the boot id (as the state file has them, but
 * only the running segment's run), then what a dashboard reads without
 * computing it, then the sources' "cameras" and "stream" from facts (NULL:
 * none) (malloc'd JSON). Its size is bounded whatever the show's length. */
char *mqttmsg_state_encode(const struct show_state *s, const struct show_view *v, const char *leader,
			   const char *boot_id, uint32_t rundown_hash, const cJSON *facts);
struct mqttmsg_state {
	char leader[64];
	char boot_id[64];
	uint64_t seq;
	struct show_state show;		/* on this box's clocks */
	uint32_t rundown_hash;
	enum cue_camera camera_tally;	/* the leader's sources on the camera asked for */
	char camera_label[MQTTMSG_LABEL_MAX];	/* the switcher's label for it, "" when none */
	enum stream_fact stream;	/* the leader's stream (NONE: it has no stream source) */
	enum disagreement disagreement;	/* as the leader shows it, past its grace */
	/* The leader's alarms by name (the audio watch's), for the screens. */
	char alarm[MQTTMSG_ALARMS][MQTTMSG_ALARM_MAX];
	int nalarms;
};
/* An alarm's name as a state may carry it: a-z and _, not empty, shorter
 * than MQTTMSG_ALARM_MAX (a screen shows it as words; a forged state
 * cannot put markup on it). */
bool mqttmsg_alarm_name_ok(const char *name);
/* A state, parsed once: who sent it and the show it carries. -1 and a
 * reason when it is not a valid state. */
int mqttmsg_state_decode(const char *payload, size_t len, struct onair_time now, const char *boot_id,
			 long long camera, struct mqttmsg_state *st, char *err, size_t errlen);
/* Home Assistant device discovery for the leader: tally, segment, title,
 * segment end (a timestamp HA counts down to), next and hold buttons, with
 * the node's status as availability (malloc'd JSON). */
/* The object id of the discovery topic, onair_<studio>_<node>. Home
 * Assistant takes only [A-Za-z0-9_-] there and ignores any other topic
 * without a word, so each other byte (a CJK studio, a dotted name) is
 * written as two hex digits. Returns true when one was. */
bool mqttmsg_ha_object_id(char *buf, size_t len, const char *studio, const char *node);
char *mqttmsg_ha_discovery(const char *prefix, const char *studio, const char *node,
			   const char *version);
/* Who sent a state, and its boot id and seq, without decoding the rest;
 * -1 and a reason when it is not a state message. */
int mqttmsg_state_peek(const char *payload, size_t len, char *leader, size_t leader_len,
		       char *boot_id, size_t boot_len, uint64_t *seq, char *err, size_t errlen);

/* The answer to an applied command on its v5 response topic, sent once it
 * is on disk; recorded false when the box could not write it (malloc'd JSON). */
char *mqttmsg_ok_encode(const char *id, bool recorded);
/* An error report (malloc'd JSON). */
char *mqttmsg_error_encode(const char *node, const char *reason, const char *topic,
			   const char *id);

/* Node status from its status topic: "online"/"offline" and role. -1 on junk. */
int mqttmsg_status_peek(const char *payload, size_t len, char *status, size_t slen, char *role,
			size_t rlen);

#endif
