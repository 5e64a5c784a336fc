/* An ATEM switcher's UDP protocol (see atem.h). Every length is checked
 * against the bytes there are before anything is read. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "atem.h"
#include "util.h"

/* The header's flags, the top five bits of its first byte (0x20 marks a
 * resend and 0x40 asks for one: a resend is taken like its first copy, and
 * this client sends nothing the switcher could ask again). */
#define F_ACK_REQUEST 0x08
#define F_SYN 0x10
#define F_ACK 0x80

#define OP_OPEN 0x01
#define OP_ACCEPTED 0x02
#define OP_REJECTED 0x03
#define OP_CLOSING 0x04
#define OP_CLOSED 0x05

/* Packet ids count in 15 bits (atem-connection's MAX_PACKET_ID). */
#define ID_SPAN 0x8000

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void header(uint8_t *out, uint8_t flags, size_t len, uint16_t session, uint16_t ack_id)
{
	memset(out, 0, ATEM_HEADER);
	put16(out, (uint16_t)(flags << 8 | len));
	put16(out + 2, session);
	put16(out + 4, ack_id);
}

static void bad(struct atem *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(struct atem *a, const char *fmt, ...)
{
	char said[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(said, sizeof(said), fmt, ap);
	va_end(ap);
	text_copy(a->last_error, said, sizeof(a->last_error));
	a->bad_packets++;
	if (a->malformed)
		a->malformed(a->ctx, a->last_error);
}

void atem_reset(struct atem *a)
{
	void (*told)(void *, const char *) = a->malformed;
	void *ctx = a->ctx;

	memset(a, 0, sizeof(*a));
	for (int m = 0; m < ATEM_MES; m++)
		a->program[m] = a->preview[m] = -1;
	a->stream_status = a->record_status = -1;
	a->malformed = told;
	a->ctx = ctx;
}

size_t atem_hello(struct atem *a, uint16_t client_session, uint8_t out[20])
{
	a->client_session = client_session & 0x7FFF;
	a->state = ATEM_SYN_SENT;
	header(out, F_SYN, 20, a->client_session, 0);
	memset(out + ATEM_HEADER, 0, 8);
	out[ATEM_HEADER] = OP_OPEN;
	return 20;
}

size_t atem_goodbye(const struct atem *a, uint8_t out[20])
{
	if (a->state != ATEM_OPEN)
		return 0;
	header(out, F_SYN, 20, a->session, 0);
	memset(out + ATEM_HEADER, 0, 8);
	out[ATEM_HEADER] = OP_CLOSING;
	return 20;
}

const struct atem_source *atem_source_find(const struct atem *a, uint16_t id)
{
	for (int i = 0; i < a->nsources; i++)
		if (a->source[i].id == id)
			return &a->source[i];
	return NULL;
}

const struct atem_source *atem_source_named(const struct atem *a, const char *name)
{
	for (int i = 0; i < a->nsources; i++)
		if (*a->source[i].name && strcmp(a->source[i].name, name) == 0)
			return &a->source[i];
	return NULL;
}

/* The entry for id, made when there is room; NULL when there is none. */
static struct atem_source *source_entry(struct atem *a, uint16_t id)
{
	struct atem_source *s = (struct atem_source *)atem_source_find(a, id);

	if (s || a->nsources >= ATEM_SOURCES_MAX)
		return s;
	s = &a->source[a->nsources++];
	s->id = id;
	s->tally = ATEM_TALLY_UNKNOWN;
	s->name[0] = '\0';
	return s;
}

/* A fixed-width string field (NUL-padded, maybe not terminated). */
static void field_text(char *out, size_t size, const uint8_t *p, size_t width)
{
	char raw[64];
	size_t n = strnlen((const char *)p, width < sizeof(raw) - 1 ? width : sizeof(raw) - 1);

	memcpy(raw, p, n);
	raw[n] = '\0';
	text_copy(out, raw, size);
}

static int tally_by_source(struct atem *a, const uint8_t *body, size_t len)
{
	uint16_t count;
	bool listed[ATEM_SOURCES_MAX] = { false };
	int changed = 0;

	if (len < 2 || (count = be16(body), len < 2 + 3 * (size_t)count)) {
		bad(a, "a TlSr of %zu bytes does not hold the sources it counts", len);
		return 0;
	}
	for (size_t i = 0; i < count; i++) {
		struct atem_source *s = source_entry(a, be16(body + 2 + 3 * i));
		uint8_t t = body[4 + 3 * i] & 0x03;

		if (!s)
			continue;
		listed[s - a->source] = true;
		if (s->tally != t) {
			s->tally = t;
			changed = 1;
		}
	}
	/* Each TlSr lists every source: one not listed is not known. */
	for (int i = 0; i < a->nsources; i++)
		if (!listed[i] && a->source[i].tally != ATEM_TALLY_UNKNOWN) {
			a->source[i].tally = ATEM_TALLY_UNKNOWN;
			changed = 1;
		}
	if (!a->have_tally)
		changed = 1;
	a->have_tally = true;
	return changed;
}

static int set32(int32_t *at, int32_t v)
{
	if (*at == v)
		return 0;
	*at = v;
	return 1;
}

/* One command: its name and body. */
static int command(struct atem *a, const char name[4], const uint8_t *body, size_t len)
{
	if (memcmp(name, "TlSr", 4) == 0)
		return tally_by_source(a, body, len);
	if (memcmp(name, "PrgI", 4) == 0 || memcmp(name, "PrvI", 4) == 0) {
		if (len < 4) {
			bad(a, "a %.4s of %zu bytes", name, len);
			return 0;
		}
		if (body[0] >= ATEM_MES)
			return 0;
		return set32(name[1] == 'r' && name[2] == 'g' ? &a->program[body[0]] : &a->preview[body[0]],
			     be16(body + 2));
	}
	if (memcmp(name, "InPr", 4) == 0) {
		struct atem_source *s;
		char label[ATEM_NAME_MAX];

		if (len < 26) {
			bad(a, "an InPr of %zu bytes", len);
			return 0;
		}
		if (!(s = source_entry(a, be16(body))))
			return 0;
		field_text(label, sizeof(label), body + 2, 20);
		if (strcmp(label, s->name) == 0)
			return 0;
		str_copy(s->name, label, sizeof(s->name));
		return 1;
	}
	if (memcmp(name, "StRS", 4) == 0 || memcmp(name, "RTMS", 4) == 0) {
		if (len < 2) {
			bad(a, "a %.4s of %zu bytes", name, len);
			return 0;
		}
		return set32(name[0] == 'S' ? &a->stream_status : &a->record_status, be16(body));
	}
	if (memcmp(name, "_ver", 4) == 0 && len >= 4) {
		a->ver_major = be16(body);
		a->ver_minor = be16(body + 2);
	} else if (memcmp(name, "_pin", 4) == 0 && len >= 1) {
		field_text(a->product, sizeof(a->product), body, len < 44 ? len : 44);
	} else if (memcmp(name, "InCm", 4) == 0 && !a->init_complete) {
		a->init_complete = true;
		return 1;
	}
	return 0;
}

static int commands(struct atem *a, const uint8_t *p, size_t len)
{
	int changed = 0;

	while (len) {
		size_t cmdlen;

		if (len < 8 || (cmdlen = be16(p)) < 8 || cmdlen > len) {
			bad(a, "a command cut or of a wrong length at %zu bytes before the packet's end", len);
			return changed;
		}
		changed |= command(a, (const char *)p + 4, p + 8, cmdlen - 8);
		p += cmdlen;
		len -= cmdlen;
	}
	return changed;
}

/* An id at or shortly before the last one taken: already had. */
static bool already_had(uint16_t last, uint16_t id)
{
	return (uint16_t)((last - id) & (ID_SPAN - 1)) < ID_SPAN / 2;
}

static size_t ack(uint8_t *reply, uint16_t session, uint16_t id)
{
	header(reply, F_ACK, ATEM_HEADER, session, id);
	return ATEM_HEADER;
}

int atem_datagram(struct atem *a, const uint8_t *buf, size_t len, uint8_t reply[ATEM_HEADER + 8],
		  size_t *reply_len)
{
	uint8_t flags;
	uint16_t session, remote;

	*reply_len = 0;
	if (len < ATEM_HEADER || ((size_t)(buf[0] & 0x07) << 8 | buf[1]) != len) {
		bad(a, "a datagram of %zu bytes whose header says otherwise", len);
		return 0;
	}
	a->packets++;
	flags = buf[0] & 0xF8;
	session = be16(buf + 2);
	remote = be16(buf + 10);
	if (flags & F_SYN) {
		uint8_t op;

		if (len != 20) {
			bad(a, "a handshake packet of %zu bytes (20 expected)", len);
			return 0;
		}
		op = buf[ATEM_HEADER];
		if (a->state == ATEM_SYN_SENT && session == a->client_session) {
			if (op == OP_REJECTED) {
				a->state = ATEM_CLOSED;
				return ATEM_REFUSED;
			}
			if (op != OP_ACCEPTED)
				return 0;
			a->session = (uint16_t)(0x8000 | be16(buf + ATEM_HEADER + 2));
			a->last_remote = remote;
			a->state = ATEM_OPEN;
			/* The handshake's own ack still carries our id. */
			*reply_len = ack(reply, a->client_session, remote);
			return ATEM_OPENED;
		}
		if (a->state == ATEM_OPEN && session == a->session && op == OP_CLOSING) {
			header(reply, F_SYN, 20, a->session, 0);
			memset(reply + ATEM_HEADER, 0, 8);
			reply[ATEM_HEADER] = OP_CLOSED;
			*reply_len = 20;
			a->state = ATEM_CLOSED;
			return ATEM_ENDED;
		}
		if (a->state == ATEM_OPEN && session == a->session && op == OP_CLOSED) {
			a->state = ATEM_CLOSED;
			return ATEM_ENDED;
		}
		return 0;	/* a resent SYN/ACK, or another session's */
	}
	if (a->state != ATEM_OPEN || session != a->session || !(flags & F_ACK_REQUEST))
		return 0;	/* an old session's, or only an ack of ours */
	if (remote == ((a->last_remote + 1) & (ID_SPAN - 1))) {
		a->last_remote = remote;
		*reply_len = ack(reply, a->session, remote);
		return len > ATEM_HEADER ? (commands(a, buf + ATEM_HEADER, len - ATEM_HEADER) ? ATEM_CHANGED : 0) : 0;
	}
	if (already_had(a->last_remote, remote)) {
		/* Our ack was lost, or the network doubled it: say it again. */
		a->duplicates++;
		*reply_len = ack(reply, a->session, a->last_remote);
	} else {
		/* A gap: not acknowledged, so the switcher sends it again, in order. */
		a->out_of_order++;
	}
	return 0;
}
