/* TSL UMD decoders (see tsl.h). Every length is checked against the bytes
 * there are before anything is read; text is kept as printable UTF-8. */
#include <stdio.h>
#include <string.h>

#include "tsl.h"
#include "util.h"

#define TSL31_LEN 18
#define TSL5_HEADER 6		/* PBC, VER, FLAGS, SCREEN */
#define TSL5_DMSG_HEADER 6	/* INDEX, CONTROL, LENGTH */
#define TSL5_FLAG_UTF16 0x01
#define TSL5_FLAG_SCONTROL 0x02
#define TSL5_CONTROL_DATA 0x8000
#define DLE 0xFE
#define STX 0x02

static const char *const tsl_tally_names[] = { "off", "program", "preview", "both" };

const char *tsl_tally_name(enum tsl_tally t)
{
	return tsl_tally_names[t];
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Printable ASCII kept, the rest left out: a display's text is a label. */
static void ascii_text(char *out, size_t size, const uint8_t *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < size; i++)
		if (p[i] >= 0x20 && p[i] < 0x7F)
			out[o++] = (char)p[i];
	while (o && out[o - 1] == ' ')
		o--;	/* 3.1 pads its 16 characters with spaces */
	out[o] = '\0';
}

/* UTF-16LE (5.0's unicode flag) as UTF-8; a lone surrogate or a control
 * character is left out. */
static void utf16_text(char *out, size_t size, const uint8_t *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i + 1 < n; i += 2) {
		uint32_t cp = le16(p + i);
		char enc[4];
		size_t k;

		if (cp >= 0xD800 && cp < 0xDC00 && i + 3 < n && le16(p + i + 2) >= 0xDC00 &&
		    le16(p + i + 2) < 0xE000) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (le16(p + i + 2) - 0xDC00);
			i += 2;
		} else if (cp >= 0xD800 && cp < 0xE000) {
			continue;
		}
		if (cp < 0x20 || cp == 0x7F)
			continue;
		if (cp < 0x80) {
			enc[0] = (char)cp;
			k = 1;
		} else if (cp < 0x800) {
			enc[0] = (char)(0xC0 | cp >> 6);
			enc[1] = (char)(0x80 | (cp & 0x3F));
			k = 2;
		} else if (cp < 0x10000) {
			enc[0] = (char)(0xE0 | cp >> 12);
			enc[1] = (char)(0x80 | (cp >> 6 & 0x3F));
			enc[2] = (char)(0x80 | (cp & 0x3F));
			k = 3;
		} else {
			enc[0] = (char)(0xF0 | cp >> 18);
			enc[1] = (char)(0x80 | (cp >> 12 & 0x3F));
			enc[2] = (char)(0x80 | (cp >> 6 & 0x3F));
			enc[3] = (char)(0x80 | (cp & 0x3F));
			k = 4;
		}
		if (o + k + 1 > size)
			break;
		memcpy(out + o, enc, k);
		o += k;
	}
	out[o] = '\0';
}

static enum tsl_tally tally_of(bool program, bool preview)
{
	return program && preview ? TSL_BOTH : program ? TSL_PROGRAM : preview ? TSL_PREVIEW : TSL_OFF;
}

int tsl31_parse(const uint8_t *buf, size_t len, int program_bit, int preview_bit,
		struct tsl_display *out, char *err, size_t errlen)
{
	if (len != TSL31_LEN)
		BAD("a 3.1 packet is 18 bytes, this one %zu", len);
	if (!(buf[0] & 0x80) || buf[0] == 0xFF)
		BAD("3.1 header byte 0x%02x is not an address (0x80 + 0 to 126)", buf[0]);
	if (buf[1] & 0x80)
		BAD("3.1 control byte 0x%02x has its top bit set", buf[1]);
	memset(out, 0, sizeof(*out));
	out->index = (uint16_t)(buf[0] - 0x80);
	out->tally = tally_of(program_bit >= 1 && program_bit <= 4 && (buf[1] >> (program_bit - 1) & 1),
			      preview_bit >= 1 && preview_bit <= 4 && (buf[1] >> (preview_bit - 1) & 1));
	ascii_text(out->text, sizeof(out->text), buf + 2, 16);
	return 0;
}

/* 5.0's lamp colours: 1 red (program), 2 green (preview), 3 amber (both). */
static enum tsl_tally tally5(uint16_t control)
{
	bool program = false, preview = false;

	for (int shift = 0; shift <= 4; shift += 2) {
		int colour = control >> shift & 3;

		program |= colour == 1 || colour == 3;
		preview |= colour == 2 || colour == 3;
	}
	return tally_of(program, preview);
}

int tsl5_parse(const uint8_t *raw, size_t len, tsl_display_cb cb, void *ctx, char *err, size_t errlen)
{
	uint8_t unstuffed[TSL5_PACKET_MAX];
	const uint8_t *buf = raw;
	size_t pbc, at;
	uint8_t flags;
	int pass;

	if (len >= 2 && raw[0] == DLE && raw[1] == STX) {
		size_t n = 0;

		for (size_t i = 2; i < len; i++) {
			if (raw[i] == DLE && i + 1 < len && raw[i + 1] == DLE)
				i++;
			else if (raw[i] == DLE)
				BAD("a lone DLE inside a 5.0 packet");
			if (n == sizeof(unstuffed))
				BAD("a 5.0 packet over %d bytes", TSL5_PACKET_MAX);
			unstuffed[n++] = raw[i];
		}
		buf = unstuffed;
		len = n;
	}
	if (len < TSL5_HEADER)
		BAD("a 5.0 packet of %zu bytes is shorter than its header", len);
	pbc = le16(buf);
	if (pbc + 2 != len)
		BAD("5.0 byte count %zu does not match the %zu bytes that follow it", pbc, len - 2);
	if (buf[2] != 0)
		BAD("5.0 version %u (only 0 is defined)", buf[2]);
	flags = buf[3];
	if (flags & TSL5_FLAG_SCONTROL)
		return 0;	/* screen control data: nothing a tally reads */
	/* Check every message first, so a bad packet reports none of them. */
	for (pass = 0; pass < 2; pass++) {
		for (at = TSL5_HEADER; at < len;) {
			struct tsl_display d;
			uint16_t control, length;

			/* Text, or display control data (bit 15): a length first either way. */
			if (len - at < TSL5_DMSG_HEADER)
				BAD("a 5.0 display message cut at byte %zu", at);
			control = le16(buf + at + 2);
			length = le16(buf + at + 4);
			if (length > len - at - TSL5_DMSG_HEADER)
				BAD("5.0 text length %u runs past the packet", length);
			if ((flags & TSL5_FLAG_UTF16) && (length & 1))
				BAD("5.0 UTF-16 text of an odd length %u", length);
			if (pass == 1 && !(control & TSL5_CONTROL_DATA)) {
				memset(&d, 0, sizeof(d));
				d.index = le16(buf + at);
				d.tally = tally5(control);
				if (flags & TSL5_FLAG_UTF16)
					utf16_text(d.text, sizeof(d.text), buf + at + TSL5_DMSG_HEADER, length);
				else
					ascii_text(d.text, sizeof(d.text), buf + at + TSL5_DMSG_HEADER, length);
				cb(ctx, &d);
			}
			at += TSL5_DMSG_HEADER + length;
		}
	}
	return 0;
}

void tsl5_stream_init(struct tsl5_stream *s)
{
	memset(s, 0, sizeof(*s));
}

int tsl5_stream_feed(struct tsl5_stream *s, const uint8_t *data, size_t len, tsl_display_cb cb,
		     void *ctx, char *err, size_t errlen)
{
	int bad = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t b = data[i];

		if (s->dle) {
			s->dle = false;
			if (b == STX) {
				/* A new packet: one cut short before it is malformed. */
				if (s->in_packet && s->len && !s->overflow) {
					snprintf(err, errlen, "a 5.0 packet cut short by the next one");
					bad++;
				}
				s->in_packet = true;
				s->overflow = false;
				s->len = 0;
				continue;
			}
			if (b != DLE) {
				snprintf(err, errlen, "DLE followed by 0x%02x in a 5.0 stream", b);
				bad++;
				s->in_packet = false;
				continue;
			}
		} else if (b == DLE) {
			s->dle = true;
			continue;
		}
		if (!s->in_packet)
			continue;	/* between packets: noise is skipped */
		if (s->len == sizeof(s->buf)) {
			if (!s->overflow) {
				snprintf(err, errlen, "a 5.0 packet over %d bytes", TSL5_PACKET_MAX);
				bad++;
			}
			s->overflow = true;
			continue;
		}
		s->buf[s->len++] = b;
		if (s->len >= 2 && s->len == (size_t)le16(s->buf) + 2 && !s->overflow) {
			if (tsl5_parse(s->buf, s->len, cb, ctx, err, errlen) < 0)
				bad++;
			s->in_packet = false;
			s->len = 0;
		}
	}
	return bad;
}

size_t tsl31_build(uint8_t out[18], int address, int program_bit, int preview_bit, enum tsl_tally tally,
		   const char *text, const char *fallback)
{
	bool ascii = true;
	size_t n;

	if (address < 0 || address > 126 || program_bit < 1 || program_bit > 4 || preview_bit < 1 ||
	    preview_bit > 4)
		return 0;
	for (const char *p = text; *p; p++)
		ascii &= *p >= 0x20 && *p < 0x7F;
	if (!ascii || !*text)
		text = fallback;
	out[0] = (uint8_t)(0x80 + address);
	out[1] = 0x30;	/* brightness 3 (bits 4–5) */
	if (tally == TSL_PROGRAM || tally == TSL_BOTH)
		out[1] |= (uint8_t)(1 << (program_bit - 1));
	if (tally == TSL_PREVIEW || tally == TSL_BOTH)
		out[1] |= (uint8_t)(1 << (preview_bit - 1));
	memset(out + 2, ' ', TSL31_TEXT);
	n = strlen(text) < TSL31_TEXT ? strlen(text) : TSL31_TEXT;
	for (size_t i = 0; i < n; i++)
		out[2 + i] = text[i] >= 0x20 && text[i] < 0x7F ? (uint8_t)text[i] : '?';
	return TSL31_LEN;
}

/* UTF-8 text as UTF-16LE into out; its byte length, or -1 when it does
 * not fit or is not UTF-8. */
static long utf16le(uint8_t *out, size_t size, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t o = 0;

	if (!utf8_wellformed(text, strlen(text)))
		return -1;
	while (*p) {
		uint32_t cp;
		int k = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;

		cp = k == 1 ? *p : k == 2 ? *p & 0x1F : k == 3 ? *p & 0x0F : *p & 0x07;
		for (int i = 1; i < k; i++)
			cp = cp << 6 | (p[i] & 0x3F);
		p += k;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			uint16_t hi = (uint16_t)(0xD800 + (v >> 10)), lo = (uint16_t)(0xDC00 + (v & 0x3FF));

			if (o + 4 > size)
				return -1;
			out[o++] = (uint8_t)hi;
			out[o++] = (uint8_t)(hi >> 8);
			out[o++] = (uint8_t)lo;
			out[o++] = (uint8_t)(lo >> 8);
		} else {
			if (o + 2 > size)
				return -1;
			out[o++] = (uint8_t)cp;
			out[o++] = (uint8_t)(cp >> 8);
		}
	}
	return (long)o;
}

size_t tsl5_build(uint8_t *out, size_t size, uint16_t screen, uint16_t index, enum tsl_tally tally,
		  const char *text, bool framed)
{
	uint8_t p[TSL5_HEADER + TSL5_DMSG_HEADER + 2 * TSL_TEXT_MAX * 2];
	static const uint16_t colour[] = { 0, 1, 2, 3 };	/* off, red, green, amber by tsl_tally */
	bool ascii = true;
	long textlen;
	size_t len, o = 0;
	uint16_t control;

	for (const char *c = text; *c; c++)
		ascii &= (unsigned char)*c < 0x80;
	if (ascii) {
		textlen = (long)strlen(text);
		if ((size_t)textlen > sizeof(p) - TSL5_HEADER - TSL5_DMSG_HEADER)
			return 0;
		memcpy(p + TSL5_HEADER + TSL5_DMSG_HEADER, text, (size_t)textlen);
	} else if ((textlen = utf16le(p + TSL5_HEADER + TSL5_DMSG_HEADER,
				      sizeof(p) - TSL5_HEADER - TSL5_DMSG_HEADER, text)) < 0) {
		return 0;
	}
	len = TSL5_HEADER + TSL5_DMSG_HEADER + (size_t)textlen;
	control = (uint16_t)(colour[tally] | colour[tally] << 2 | colour[tally] << 4 | 3 << 6);
	p[0] = (uint8_t)(len - 2);
	p[1] = (uint8_t)((len - 2) >> 8);
	p[2] = 0;					/* version */
	p[3] = ascii ? 0 : TSL5_FLAG_UTF16;
	p[4] = (uint8_t)screen;
	p[5] = (uint8_t)(screen >> 8);
	p[6] = (uint8_t)index;
	p[7] = (uint8_t)(index >> 8);
	p[8] = (uint8_t)control;
	p[9] = (uint8_t)(control >> 8);
	p[10] = (uint8_t)textlen;
	p[11] = (uint8_t)(textlen >> 8);
	if (!framed) {
		if (len > size)
			return 0;
		memcpy(out, p, len);
		return len;
	}
	if (size < 2)
		return 0;
	out[o++] = DLE;
	out[o++] = STX;
	for (size_t i = 0; i < len; i++) {
		if (o + (p[i] == DLE ? 2 : 1) > size)
			return 0;
		if (p[i] == DLE)
			out[o++] = DLE;
		out[o++] = p[i];
	}
	return o;
}
