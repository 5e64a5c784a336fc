/* vMix's TCP API (port 8099), the part a tally source needs: bytes in,
 * facts out. After vMix's published "TCP API" page
 * (https://www.vmix.com/help27/TCPAPI.html): UTF-8 lines ending "\r\n",
 * each "<COMMAND> <OK|ER|length> [text]", a length followed by that many
 * bytes of data (the XML state). TALLY gives one digit per input (0 off,
 * 1 program, 2 preview, at most 1000 inputs); ACTS gives activators
 * ("ACTS OK Streaming 1"); XML gives every input's number and title,
 * read here with expat (only the element path vmix > inputs > input, and
 * a document type, which vMix never sends, is refused). Pure: no sockets. */
#ifndef ONAIR_VMIX_H
#define ONAIR_VMIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMIX_INPUTS_MAX 1000
#define VMIX_LINE_MAX 2048		/* a TALLY line is 1011 bytes at most */
#define VMIX_TITLE_MAX 128
#define VMIX_XML_MAX (8u << 20)		/* larger XML is skipped, not parsed */

enum vmix_act { VMIX_STREAMING, VMIX_RECORDING, VMIX_EXTERNAL, VMIX_NACTS };

struct vmix_xml;	/* the XML being read */

struct vmix {
	char version[32];
	/* TALLY: '0', '1' or '2' per input, from input 1. */
	char tally[VMIX_INPUTS_MAX + 1];
	int ninputs;
	bool have_tally;
	signed char act[VMIX_NACTS];	/* -1 not told yet, 0 off, 1 on */
	/* From the last whole XML: input n's title is title[n - 1] ("" when
	 * the XML did not name it); ntitles is 0 before the first. */
	char (*title)[VMIX_TITLE_MAX];
	int ntitles;
	bool have_xml;
	/* The command a reply is awaited for ("" none): vMix asks for one
	 * request at a time. */
	char awaiting[16];
	char last_error[160];		/* vMix's ER text, or what was malformed */
	uint64_t bad_lines;
	/* Told each malformed thing as it is met (NULL: not told). */
	void (*malformed)(void *ctx, const char *why);
	void *ctx;

	/* The reader's own state. */
	char line[VMIX_LINE_MAX];
	size_t len;
	bool overlong;
	size_t data_left;		/* bytes of data still to come */
	char data_command[16];
	struct vmix_xml *xml;		/* non-NULL while XML is read */
};

/* 0, or -1 when memory is short. */
int vmix_init(struct vmix *v);
void vmix_free(struct vmix *v);
/* Forget the connection's state (a new connection), keeping the memory
 * and the malformed callback. */
void vmix_reset(struct vmix *v);
/* Bytes from vMix. Returns 1 when a fact changed (tally, an activator, a
 * title), else 0; a malformed line is counted, its reason kept in
 * last_error and in err (the caller logs it once), and skipped. */
int vmix_feed(struct vmix *v, const char *buf, size_t len, char *err, size_t errlen);
/* A request was sent: its reply is awaited. */
void vmix_sent(struct vmix *v, const char *command);
/* Input n's tally: '0', '1', '2', or 0 when vMix has no input n. */
char vmix_input_tally(const struct vmix *v, int input);
/* The input titled title (exactly, as vMix shows it), or 0. */
int vmix_input_numbered(const struct vmix *v, const char *title);
const char *vmix_act_name(enum vmix_act a);

#endif
