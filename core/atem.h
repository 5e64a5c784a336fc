/* A Blackmagic ATEM switcher's UDP protocol (port 9910), the part a tally
 * source needs: the session (a three-way opening handshake, every packet
 * that asks for it acknowledged in order, the switcher's resends taken
 * once, its closing answered) and the state it sends: tally by source
 * (TlSr), program and preview per mix effect (PrgI, PrvI), input names
 * (InPr), streaming and recording (StRS, RTMS), the product (_pin), the
 * protocol version (_ver) and the end of the first dump (InCm). After the
 * public descriptions of the protocol: doc/atem_protocol.md of
 * FanatiQS/wireless_atem_camera_control_and_tally, and the packet and
 * command handling of nrkno/sofie-atem-connection (MIT). Pure: datagrams
 * in, datagrams out, no sockets. */
#ifndef ONAIR_ATEM_H
#define ONAIR_ATEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATEM_PORT 9910
#define ATEM_HEADER 12
#define ATEM_PACKET_MAX 2048		/* an 11-bit length */
#define ATEM_SOURCES_MAX 128
#define ATEM_NAME_MAX 21		/* InPr's long name is 20 bytes */
#define ATEM_MES 8
#define ATEM_TALLY_UNKNOWN 0xFF

enum atem_state { ATEM_CLOSED, ATEM_SYN_SENT, ATEM_OPEN };

/* What atem_datagram says happened (bits). */
enum {
	ATEM_CHANGED = 1,	/* a fact a lamp or the studio may show */
	ATEM_OPENED = 2,	/* the switcher accepted the session */
	ATEM_REFUSED = 4,	/* it refused it (its client table is full) */
	ATEM_ENDED = 8,		/* it closed the session */
};

struct atem_source {
	uint16_t id;
	uint8_t tally;			/* bit 0 program, bit 1 preview; ATEM_TALLY_UNKNOWN */
	char name[ATEM_NAME_MAX];	/* UTF-8 as the switcher gives it, cut on characters */
};

struct atem {
	enum atem_state state;
	uint16_t client_session;	/* ours, during the handshake */
	uint16_t session;		/* the switcher's, with its top bit set */
	uint16_t last_remote;		/* the last packet taken in order */
	bool init_complete;		/* InCm: the first dump is whole */
	char product[48];
	unsigned ver_major, ver_minor;
	struct atem_source source[ATEM_SOURCES_MAX];
	int nsources;
	bool have_tally;
	int32_t program[ATEM_MES], preview[ATEM_MES];	/* -1 not told */
	int32_t stream_status, record_status;		/* -1 never told (a model without it) */
	uint64_t packets, bad_packets, duplicates, out_of_order;
	char last_error[160];
	/* Told each malformed thing as it is met (NULL: not told). */
	void (*malformed)(void *ctx, const char *why);
	void *ctx;
};

/* Everything unknown, no session (the callback kept). */
void atem_reset(struct atem *a);
/* The opening packet (20 bytes) with our session id; the state becomes
 * SYN_SENT. */
size_t atem_hello(struct atem *a, uint16_t client_session, uint8_t out[20]);
/* One datagram from the switcher: what happened (ATEM_* bits) and, in
 * reply (*reply_len 0 for none), the packet to send back (an
 * acknowledgement, or the answer to its closing). A malformed datagram
 * changes nothing and is counted. */
int atem_datagram(struct atem *a, const uint8_t *buf, size_t len, uint8_t reply[ATEM_HEADER + 8],
		  size_t *reply_len);
/* The closing packet for an open session (20 bytes), 0 when none is open. */
size_t atem_goodbye(const struct atem *a, uint8_t out[20]);
/* A source the switcher has told of, or NULL. */
const struct atem_source *atem_source_find(const struct atem *a, uint16_t id);
/* The source whose long name is name, or NULL. */
const struct atem_source *atem_source_named(const struct atem *a, const char *name);

#endif
