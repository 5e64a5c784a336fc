/* USB for the drivers: libusb driven from our loop, and devices found by
 * reading sysfs when the kernel says (a uevent netlink socket) that a USB
 * device came or went. libusb's own discovery is off, so it starts no
 * hotplug thread and needs no udev daemon; we open the usbfs node and hand
 * it to libusb. */
#ifndef ONAIR_USBHOST_H
#define ONAIR_USBHOST_H

#include <libusb.h>
#include <stdbool.h>

#include "driver.h"

struct usbhost_dev {
	char port[32];		/* sysfs name = USB port path, "1-1.2" */
	unsigned vid, pid;
	int busnum, devnum;
	char product[64];
};

struct usbhost_watch;

/* Take a reference on the shared context (the first sets it up);
 * -1 with a logged reason. */
int usbhost_ref(void);
void usbhost_unref(void);
libusb_context *usbhost_ctx(void);

/* Call cb from the loop whenever a USB device is added or removed. */
struct usbhost_watch *usbhost_watch_add(void (*cb)(void *data), void *data);
void usbhost_watch_remove(struct usbhost_watch *w);

/* The first present device (by port path) with vid:pid, on port if given,
 * whose product string starts with product if given. 0 when found. */
int usbhost_find(unsigned vid, unsigned pid, const char *port, const char *product,
		 struct usbhost_dev *out);
/* Open its usbfs node and wrap it; NULL with errno. *fd is ours to close
 * after libusb_close. */
libusb_device_handle *usbhost_open(const struct usbhost_dev *dev, int *fd);
void usbhost_close(libusb_device_handle *h, int fd);

/* One configured USB device a driver wants: found by vid:pid (one of
 * several), optionally by port and product, its interface claimed with the
 * kernel driver detached. Attached whenever it is plugged in; a driver
 * reports losing it (a transfer saying "no device") with usbhost_slot_lost. */
#define USBHOST_MAX_IDS 8
#define USBHOST_QUEUE 16
#define USBHOST_REPORT_MAX 64
#define USBHOST_PORT_MAX 32
struct usbhost_slot {
	/* set by the driver */
	char who[40];			/* "device pedal", for logs */
	unsigned ids[USBHOST_MAX_IDS][2];
	int nids;
	char port[USBHOST_PORT_MAX];	/* "" any */
	char product[32];		/* product string prefix, "" any */
	int iface;
	bool (*attached)(struct usbhost_slot *s);	/* start transfers; false: failed */
	void (*detached)(struct usbhost_slot *s);
	void *data;
	/* kept by usbhost */
	struct usbhost_dev dev;
	libusb_device_handle *h;
	int fd;
	bool present;
	struct usbhost_watch *watch;
	struct loop_timer *retry, *lost;
	/* feature reports waiting to be sent, one control transfer at a time */
	struct libusb_transfer *ctrl;
	bool ctrl_busy;
	uint8_t queue[USBHOST_QUEUE][LIBUSB_CONTROL_SETUP_SIZE + USBHOST_REPORT_MAX];
	int queue_len[USBHOST_QUEUE];
	int qhead, qcount;
	uint64_t reports_sent;
	char lost_why[64];
	char said[160];			/* the last failure logged, to say it once */
};

/* Take a context reference and attach if present (its port, set by the
 * driver, narrows the search); says when it is absent. -1 with the reason in d
 * if USB is unusable. */
int usbhost_slot_start(struct usbhost_slot *s, const struct conf_device *dev,
		       struct drv_host *host, struct diag *d);
/* The "port" key every USB device takes: a port path such as 1-1.2, so
 * that two devices of one model are told apart; "" when not set. */
int usbhost_port_parse(const struct conf_device *dev, const char *path, struct diag *d, char *port,
		       size_t len);
/* "missing: no 0fd9:0086 plugged in on port 1-2", for describe. */
void usbhost_slot_missing(const struct usbhost_slot *s, char *buf, size_t len);
/* The device went away or failed (safe from a transfer callback): close
 * it from the loop, tell the driver, look again. */
void usbhost_slot_lost(struct usbhost_slot *s, const char *why);
void usbhost_slot_stop(struct usbhost_slot *s);
/* Queue a HID SET_REPORT(Feature) to the claimed interface, sent
 * asynchronously in order; data starts with the report id when the device
 * uses ids. Dropped (false) when absent or the queue is full. */
bool usbhost_slot_feature(struct usbhost_slot *s, int report_id, const uint8_t *data, int len);
/* Send what is queued before returning (at exit, to leave a light dark). */
void usbhost_slot_drain(struct usbhost_slot *s);
/* "0fd9:0086", for messages. */
void usbhost_slot_ids(const struct usbhost_slot *s, char *buf, size_t len);

#endif
