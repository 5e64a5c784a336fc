/* Storage off the lamp path. Everything that must be durable (show log
 * lines, the state file) is handed to one worker thread, which writes it
 * in batches with one sync per file per batch (group commit), so the loop
 * never waits for a disk: lamps, displays and MQTT move at once, and an
 * SD card's 10-500 ms syncs are paid off the loop. Each item gets a ticket;
 * an answer that says "done" waits until its ticket is durable.
 * The worker owns nothing but its queue (STYLE: the one exception to one
 * thread). */
#ifndef ONAIR_STORE_H
#define ONAIR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_fault {
	bool failing;		/* the newest write failed; items are held */
	int err;		/* its errno */
	int64_t since_wall;	/* when recording first failed */
	uint64_t held;		/* items waiting in memory */
	uint64_t dropped;	/* items given up (the memory bound) */
};

/* Start the worker; changed(data) is called in the loop whenever items
 * became durable or the fault state changed. */
int store_init(void (*changed)(void *data), void *data);
/* Write everything still queued (waiting out a slow disk), then stop. */
void store_fini(void);
/* Append data to the file at path (created 0640). The ticket to wait for. */
uint64_t store_append(const char *path, const char *data, size_t len);
/* Replace the file at path atomically; a newer replacement of the same
 * path queued behind it makes it moot (only the newest is written). */
uint64_t store_replace(const char *path, const char *data, size_t len);
/* The newest ticket handed out, and the newest one durable. */
uint64_t store_last(void);
uint64_t store_durable(void);
/* Call done(data, recorded) from the loop once ticket is durable (on its
 * next pass when it already is, never from inside this call); recorded is
 * false when storage is failing. */
void store_when_durable(uint64_t ticket, void (*done)(void *data, bool recorded), void *data);
void store_fault(struct store_fault *f);
/* Syncs and bytes since start (for the wear figures). */
void store_counts(uint64_t *syncs, uint64_t *bytes, uint64_t *batches);

#endif
