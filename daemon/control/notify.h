/* systemd's notify protocol (READY, STOPPING, WATCHDOG), spoken directly:
 * a datagram to $NOTIFY_SOCKET, as chrony does, without libsystemd. */
#ifndef ONAIR_NOTIFY_H
#define ONAIR_NOTIFY_H

#include <stdint.h>

/* Send a state string such as "READY=1"; a no-op outside systemd. */
void notify_send(const char *state);
/* The watchdog interval systemd asks for, in ms; 0 when none. */
int64_t notify_watchdog_ms(void);

#endif
