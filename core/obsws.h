/* obs-websocket 5 (built into OBS Studio 28 and later), the part a tally
 * source needs: identify (with the SHA-256 challenge when OBS asks for a
 * password), subscribe to the general, scene and output events, ask for
 * the state once, then follow StreamStateChanged, RecordStateChanged and
 * the program/preview scene. Pure: text messages in, text messages out.
 * After the protocol document in obs-websocket's repository,
 * docs/generated/protocol.md (rpcVersion 1). */
#ifndef ONAIR_OBSWS_H
#define ONAIR_OBSWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBSWS_NAME_MAX 128
#define OBSWS_OUT_MAX 6
#define OBSWS_AUTH_FAILED 4009	/* WebSocketCloseCode::AuthenticationFailed */
#define OBSWS_SESSION_INVALIDATED 4011	/* kicked from OBS's session list: do not come back */

enum obsws_output { OBSWS_UNKNOWN, OBSWS_STOPPED, OBSWS_STARTING, OBSWS_ACTIVE, OBSWS_RECONNECTING,
		    OBSWS_STOPPING };

struct obsws {
	bool identified;
	enum obsws_output stream, record;
	char program_scene[OBSWS_NAME_MAX];
	char preview_scene[OBSWS_NAME_MAX];	/* "" outside studio mode */
	char version[32];			/* obs-websocket's, from Hello */
	/* The stream output's counters from its latest GetStreamStatus answer
	 * (outputSkippedFrames: frames it dropped; outputCongestion 0..1). */
	struct obsws_stats {
		uint64_t dropped, total, bytes;
		double congestion;
		bool reconnecting;
	} stats;
	uint64_t stats_seq;			/* bumped by each answer */
	/* Messages to send, in order (each malloc'd text). */
	char *out[OBSWS_OUT_MAX];
	int nout;
};

void obsws_init(struct obsws *o);
void obsws_free(struct obsws *o);
/* One text message from OBS. password is what OBS asks for (NULL or ""
 * when none is configured). Returns 1 when a fact changed, 0 when not,
 * -1 and why when the message is not obs-websocket's (the caller closes). */
int obsws_message(struct obsws *o, const char *text, size_t len, const char *password, char *err,
		  size_t errlen);
/* The authentication string for salt and challenge. */
void obsws_auth(const char *password, const char *salt, const char *challenge, char *out, size_t len);
/* Ask for the stream's counters (an answer bumps stats_seq). */
void obsws_ask_stream_status(struct obsws *o);
/* Is the stream reaching its server (started and not reconnecting)? */
bool obsws_streaming(const struct obsws *o);
const char *obsws_output_name(enum obsws_output s);

#endif
