/* The floor's alert rules (see alertrule.h). */
#include <stdio.h>
#include <string.h>

#include "alertrule.h"
#include "util.h"

static const struct {
	const char *name, *words;
	enum alert_hold hold;
} rules[] = {
	{ "unreachable", "直播间失联 Room unreachable", ALERT_HOLD_NONE },
	{ "stream", "推流中断 Stream down on air", ALERT_HOLD_AFTER },
	{ "silence", "麦克风无声 Mic silent", ALERT_HOLD_NONE },
	{ "audio_lost", "音频输入断开 Audio input lost", ALERT_HOLD_NONE },
	{ "stream_struggling", "推流卡顿 Stream struggling", ALERT_HOLD_NONE },
	{ "box_offline", "设备离线 A box offline", ALERT_HOLD_AFTER },
	{ "device_missing", "设备缺失 A device missing", ALERT_HOLD_AFTER },
	{ "overrun", "超时 Overrun", ALERT_HOLD_OVERRUN },
	{ "selftest", "自检失败 Self-test failed", ALERT_HOLD_SELFTEST },
	{ "message", "消息未确认 Message not acknowledged", ALERT_HOLD_MESSAGE },
	{ "clipping", "声音爆音 Clipping", ALERT_HOLD_NONE },
	{ "dead_channel", "声道无声 Dead channel", ALERT_HOLD_NONE },
	{ "dc_offset", "直流偏移 DC offset", ALERT_HOLD_NONE },
	{ "loudness_low", "声音太小 Too quiet", ALERT_HOLD_NONE },
	{ "loudness_high", "声音太大 Too loud", ALERT_HOLD_NONE },
};
#define RULES ((int)ARRAY_SIZE(rules))

int alert_rule_find(const char *name)
{
	for (int i = 0; i < RULES; i++)
		if (strcmp(rules[i].name, name) == 0)
			return i;
	return -1;
}

const char *alert_rule_name(int rule)
{
	return rule >= 0 && rule < RULES ? rules[rule].name : "?";
}

const char *alert_rule_words(int rule)
{
	return rule >= 0 && rule < RULES ? rules[rule].words : "?";
}

enum alert_hold alert_rule_hold(int rule)
{
	return rule >= 0 && rule < RULES ? rules[rule].hold : ALERT_HOLD_NONE;
}

const char *alert_rule_names(void)
{
	static char names[512];

	if (!*names)
		for (int i = 0; i < RULES; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
				 rules[i].name);
	return names;
}
