/* See usbhost.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/log.h"
#include "../core/loop.h"
#include "../core/util.h"
#include "usbhost.h"

#define SYSFS_USB "/sys/bus/usb/devices"
#define MAX_FDS 32
#define MAX_WATCHES 16
/* Without uevents (a container, say) the bus is read this often. */
#define RESCAN_MS 2000

struct usbhost_watch {
	void (*cb)(void *data);
	void *data;
};

static struct {
	int refs;
	libusb_context *ctx;
	struct {
		int fd;
		struct loop_watch *watch;
	} fds[MAX_FDS];
	int uevent_fd;
	struct loop_watch *uevent;
	struct loop_timer *changed;	/* runs the watches once a burst of uevents is over */
	struct usbhost_watch *watch[MAX_WATCHES];
} usb = { .uevent_fd = -1 };

static void usb_events(int fd, uint32_t events, void *data)
{
	struct timeval zero = { 0, 0 };

	(void)fd;
	(void)events;
	(void)data;
	libusb_handle_events_timeout_completed(usb.ctx, &zero, NULL);
}

static void fd_added(int fd, short events, void *data)
{
	uint32_t ev = (events & POLLIN ? EPOLLIN : 0) | (events & POLLOUT ? EPOLLOUT : 0);

	(void)data;
	for (int i = 0; i < MAX_FDS; i++) {
		if (usb.fds[i].watch)
			continue;
		usb.fds[i].fd = fd;
		usb.fds[i].watch = loop_watch_add(fd, ev, usb_events, NULL);
		if (!usb.fds[i].watch)
			log_warn("usb: watch fd %d", fd);
		return;
	}
	log_warnx("usb: more than %d libusb fds; fd %d is not watched", MAX_FDS, fd);
}

static void fd_removed(int fd, void *data)
{
	(void)data;
	for (int i = 0; i < MAX_FDS; i++) {
		if (usb.fds[i].watch && usb.fds[i].fd == fd) {
			loop_watch_remove(usb.fds[i].watch);
			usb.fds[i].watch = NULL;
		}
	}
}

static void run_watches(void *data)
{
	(void)data;
	if (usb.uevent_fd < 0)
		loop_timer_arm(usb.changed, time_mono_ms() + RESCAN_MS);
	for (int i = 0; i < MAX_WATCHES; i++)
		if (usb.watch[i])
			usb.watch[i]->cb(usb.watch[i]->data);
}

static void uevent_ready(int fd, uint32_t events, void *data)
{
	char buf[4096];
	ssize_t n;
	bool usb_changed = false;

	(void)events;
	(void)data;
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		/* "add@/devices/…/1-1" then NUL-separated KEY=VALUE lines. */
		for (char *p = buf; p < buf + n; p += strlen(p) + 1)
			if (strcmp(p, "DEVTYPE=usb_device") == 0)
				usb_changed = true;
	}
	/* Several uevents come per device: act once they have settled. */
	if (usb_changed)
		loop_timer_arm(usb.changed, time_mono_ms() + 50);
}

static void uevent_open(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		log_warn("usb: kernel uevents; reading the bus every %d ms instead", RESCAN_MS);
		if (fd >= 0)
			close(fd);
		loop_timer_arm(usb.changed, time_mono_ms() + RESCAN_MS);
		return;
	}
	usb.uevent_fd = fd;
	usb.uevent = loop_watch_add(fd, EPOLLIN, uevent_ready, NULL);
}

int usbhost_ref(void)
{
	const struct libusb_pollfd **fds;
	int rc;

	if (usb.refs++)
		return 0;
	libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY);
	rc = libusb_init(&usb.ctx);
	if (rc < 0) {
		log_warnx("usb: libusb_init: %s", libusb_strerror(rc));
		usb.refs = 0;
		return -1;
	}
	if (!libusb_pollfds_handle_timeouts(usb.ctx))
		log_warnx("usb: this libusb needs timeouts driven by hand; transfers have none");
	libusb_set_pollfd_notifiers(usb.ctx, fd_added, fd_removed, NULL);
	fds = libusb_get_pollfds(usb.ctx);
	for (int i = 0; fds && fds[i]; i++)
		fd_added(fds[i]->fd, fds[i]->events, NULL);
	libusb_free_pollfds(fds);
	usb.changed = loop_timer_add(run_watches, NULL);
	uevent_open();
	return 0;
}

void usbhost_unref(void)
{
	if (!usb.refs || --usb.refs)
		return;
	if (usb.uevent) {
		loop_watch_remove(usb.uevent);
		close(usb.uevent_fd);
	}
	usb.uevent = NULL;
	usb.uevent_fd = -1;
	loop_timer_remove(usb.changed);
	libusb_set_pollfd_notifiers(usb.ctx, NULL, NULL, NULL);
	for (int i = 0; i < MAX_FDS; i++)
		if (usb.fds[i].watch)
			fd_removed(usb.fds[i].fd, NULL);
	libusb_exit(usb.ctx);
	usb.ctx = NULL;
}

libusb_context *usbhost_ctx(void)
{
	return usb.ctx;
}

struct usbhost_watch *usbhost_watch_add(void (*cb)(void *data), void *data)
{
	for (int i = 0; i < MAX_WATCHES; i++) {
		if (usb.watch[i])
			continue;
		usb.watch[i] = malloc(sizeof(*usb.watch[i]));
		if (!usb.watch[i])
			return NULL;
		*usb.watch[i] = (struct usbhost_watch){ cb, data };
		return usb.watch[i];
	}
	return NULL;
}

void usbhost_watch_remove(struct usbhost_watch *w)
{
	for (int i = 0; i < MAX_WATCHES; i++)
		if (usb.watch[i] == w)
			usb.watch[i] = NULL;
	free(w);
}

/* One sysfs attribute of a device as text, "" when absent. */
static void attr(const char *port, const char *name, char *buf, size_t len)
{
	char path[128];
	int fd;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), SYSFS_USB "/%s/%s", port, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int usbhost_find(unsigned vid, unsigned pid, const char *port, const char *product,
		 struct usbhost_dev *out)
{
	struct dirent **names;
	int n = scandir(SYSFS_USB, &names, NULL, by_name), found = -1;

	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char v[16], p[16], num[16];

		/* Devices are "1-1.2" or "usb1"; interfaces have a colon. */
		if (found == 0 || name[0] == '.' || strchr(name, ':') || (port && *port && strcmp(port, name)))
			continue;
		attr(name, "idVendor", v, sizeof(v));
		attr(name, "idProduct", p, sizeof(p));
		if (!*v || strtoul(v, NULL, 16) != vid || strtoul(p, NULL, 16) != pid)
			continue;
		attr(name, "product", out->product, sizeof(out->product));
		if (product && *product && strncmp(out->product, product, strlen(product)) != 0)
			continue;
		str_copy(out->port, name, sizeof(out->port));
		out->vid = vid;
		out->pid = pid;
		attr(name, "busnum", num, sizeof(num));
		out->busnum = atoi(num);
		attr(name, "devnum", num, sizeof(num));
		out->devnum = atoi(num);
		found = 0;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	if (n >= 0)
		free(names);
	return found;
}

libusb_device_handle *usbhost_open(const struct usbhost_dev *dev, int *fd)
{
	char path[64];
	libusb_device_handle *h = NULL;
	int rc;

	snprintf(path, sizeof(path), "/dev/bus/usb/%03d/%03d", dev->busnum, dev->devnum);
	*fd = open(path, O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	rc = libusb_wrap_sys_device(usb.ctx, (intptr_t)*fd, &h);
	if (rc < 0) {
		close(*fd);
		*fd = -1;
		errno = rc == LIBUSB_ERROR_NO_MEM ? ENOMEM : EIO;
		return NULL;
	}
	return h;
}

void usbhost_close(libusb_device_handle *h, int fd)
{
	if (h)
		libusb_close(h);
	if (fd >= 0)
		close(fd);
}

/* Also after a failure: right after the kernel's uevent, udev may not yet
 * have given the node to our group. */
#define RETRY_MS 1000

static void slot_say(struct usbhost_slot *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void slot_say(struct usbhost_slot *s, const char *fmt, ...)
{
	char msg[sizeof(s->said)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(msg, s->said) != 0)
		log_warnx("%s: %s", s->who, msg);
	str_copy(s->said, msg, sizeof(s->said));
}

void usbhost_slot_ids(const struct usbhost_slot *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < s->nids && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%04x:%04x", i ? " or " : "", s->ids[i][0],
				      s->ids[i][1]);
}

static void slot_attach(struct usbhost_slot *s)
{
	struct usbhost_dev dev;
	int rc, i;

	if (s->present)
		return;
	for (i = 0; i < s->nids; i++)
		if (usbhost_find(s->ids[i][0], s->ids[i][1], s->port, s->product, &dev) == 0)
			break;
	if (i == s->nids) {
		s->said[0] = '\0';	/* simply absent: say the next failure again */
		return;
	}
	s->dev = dev;
	s->h = usbhost_open(&dev, &s->fd);
	if (!s->h) {
		slot_say(s, "open %04x:%04x on port %s: %s", dev.vid, dev.pid, dev.port, strerror(errno));
		goto retry;
	}
	libusb_set_auto_detach_kernel_driver(s->h, 1);
	rc = libusb_claim_interface(s->h, s->iface);
	if (rc < 0) {
		slot_say(s, "claim interface %d of %04x:%04x on port %s: %s", s->iface, dev.vid,
			 dev.pid, dev.port, libusb_strerror(rc));
		goto close;
	}
	s->present = true;
	if (!s->attached(s)) {
		s->present = false;
		libusb_release_interface(s->h, s->iface);
		goto close;
	}
	s->said[0] = '\0';
	log_info("%s: %s %04x:%04x on port %s", s->who, *dev.product ? dev.product : "device", dev.vid,
		 dev.pid, dev.port);
	return;
close:
	usbhost_close(s->h, s->fd);
	s->h = NULL;
	s->fd = -1;
retry:
	loop_timer_arm(s->retry, time_mono_ms() + RETRY_MS);
}

static void slot_changed(void *data)
{
	struct usbhost_slot *s = data;
	struct usbhost_dev now;

	/* A device with nothing in flight (a relay board between writes) only
	 * learns it was unplugged from the bus: is it still on its port? */
	if (s->present && (usbhost_find(s->dev.vid, s->dev.pid, s->dev.port, NULL, &now) < 0 ||
			   now.devnum != s->dev.devnum || now.busnum != s->dev.busnum)) {
		usbhost_slot_lost(s, "unplugged");
		return;
	}
	slot_attach(s);
}

static void ctrl_next(struct usbhost_slot *s);

static void ctrl_done(struct libusb_transfer *x)
{
	struct usbhost_slot *s = x->user_data;

	s->ctrl_busy = false;
	if (x->status == LIBUSB_TRANSFER_CANCELLED)
		return;
	if (x->status != LIBUSB_TRANSFER_COMPLETED) {
		usbhost_slot_lost(s, x->status == LIBUSB_TRANSFER_NO_DEVICE ? "unplugged"
				     : x->status == LIBUSB_TRANSFER_STALL ? "report refused (stall)"
									  : "report not sent (unplugged?)");
		return;
	}
	s->reports_sent++;
	ctrl_next(s);
}

static void ctrl_next(struct usbhost_slot *s)
{
	int rc;

	if (s->ctrl_busy || !s->qcount || !s->present)
		return;
	if (!s->ctrl && !(s->ctrl = libusb_alloc_transfer(0)))
		return;
	libusb_fill_control_transfer(s->ctrl, s->h, s->queue[s->qhead], ctrl_done, s, 1000);
	s->qhead = (s->qhead + 1) % USBHOST_QUEUE;
	s->qcount--;
	rc = libusb_submit_transfer(s->ctrl);
	if (rc < 0) {
		usbhost_slot_lost(s, libusb_strerror(rc));
		return;
	}
	s->ctrl_busy = true;
}

bool usbhost_slot_feature(struct usbhost_slot *s, int report_id, const uint8_t *data, int len)
{
	uint8_t *buf;

	if (!s->present || s->qcount == USBHOST_QUEUE || len > USBHOST_REPORT_MAX)
		return false;
	buf = s->queue[(s->qhead + s->qcount) % USBHOST_QUEUE];
	/* HID class SET_REPORT, report type Feature (3) in wValue's high byte. */
	libusb_fill_control_setup(buf, LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS |
				       LIBUSB_RECIPIENT_INTERFACE,
				  0x09, (uint16_t)(0x0300 | report_id), (uint16_t)s->iface, (uint16_t)len);
	memcpy(buf + LIBUSB_CONTROL_SETUP_SIZE, data, (size_t)len);
	s->qcount++;
	ctrl_next(s);
	return true;
}

/* Wait (briefly) for the control transfer in flight; true when none is. */
static bool ctrl_settle(struct usbhost_slot *s, int tries)
{
	struct timeval tv = { 0, 20000 };

	for (int i = 0; i < tries && s->ctrl_busy; i++)
		libusb_handle_events_timeout_completed(usb.ctx, &tv, NULL);
	return !s->ctrl_busy;
}

void usbhost_slot_drain(struct usbhost_slot *s)
{
	for (int i = 0; i < USBHOST_QUEUE + 1 && s->present && (s->qcount || s->ctrl_busy); i++)
		ctrl_settle(s, 25);
}

/* Nothing may stay in flight once the handle is closed. */
static void ctrl_stop(struct usbhost_slot *s)
{
	if (s->ctrl_busy && libusb_cancel_transfer(s->ctrl) == 0)
		ctrl_settle(s, 10);
	if (!s->ctrl_busy) {
		libusb_free_transfer(s->ctrl);
		s->ctrl = NULL;
	}
	s->qcount = 0;
}

static void slot_close_lost(void *data)
{
	struct usbhost_slot *s = data;

	if (!s->present)
		return;
	log_warnx("%s: %04x:%04x on port %s lost: %s", s->who, s->dev.vid, s->dev.pid, s->dev.port,
		  s->lost_why);
	s->present = false;
	s->detached(s);
	ctrl_stop(s);
	libusb_release_interface(s->h, s->iface);
	usbhost_close(s->h, s->fd);
	s->h = NULL;
	s->fd = -1;
	/* It may still be there (a stall, an error): look again soon. */
	loop_timer_arm(s->retry, time_mono_ms() + RETRY_MS);
}

void usbhost_slot_missing(const struct usbhost_slot *s, char *buf, size_t len)
{
	char ids[96];

	usbhost_slot_ids(s, ids, sizeof(ids));
	snprintf(buf, len, "missing: no %s%s%s plugged in%s%s", ids, *s->product ? " " : "",
		 s->product, *s->port ? " on port " : "", s->port);
}

int usbhost_port_parse(const struct conf_device *dev, const char *path, struct diag *d, char *port,
		       size_t len)
{
	const char *v = drv_key(dev, "port");

	*port = '\0';
	if (!v)
		return 0;
	if (strlen(v) >= len || strspn(v, "0123456789-.") != strlen(v)) {
		diag_add(d, path, drv_key_line(dev, "port"),
			 "port is a USB port path such as 1-1.2 (see /sys/bus/usb/devices)");
		return -1;
	}
	str_copy(port, v, len);
	return 0;
}

int usbhost_slot_start(struct usbhost_slot *s, const struct conf_device *dev,
		       struct drv_host *host, struct diag *d)
{
	snprintf(s->who, sizeof(s->who), "device %s", dev->name);
	s->fd = -1;
	if (usbhost_ref() < 0) {
		diag_add(d, host->config_path, dev->line, "[device.%s]: USB is not usable here",
			 dev->name);
		return -1;
	}
	s->watch = usbhost_watch_add(slot_changed, s);
	s->retry = loop_timer_add(slot_changed, s);
	s->lost = loop_timer_add(slot_close_lost, s);
	slot_attach(s);
	if (!s->present) {
		char missing[160];

		usbhost_slot_missing(s, missing, sizeof(missing));
		log_warnx("%s: %s; waiting for it", s->who, missing + strlen("missing: "));
		host->presence(host, dev->name, false);
	}
	return 0;
}

void usbhost_slot_lost(struct usbhost_slot *s, const char *why)
{
	/* Called from a transfer callback, inside libusb's event handling,
	 * where libusb_close would deadlock on libusb's own lock: close from
	 * the loop instead, at once. */
	str_copy(s->lost_why, why, sizeof(s->lost_why));
	loop_timer_arm(s->lost, time_mono_ms());
}

void usbhost_slot_stop(struct usbhost_slot *s)
{
	if (s->present) {
		s->present = false;
		s->detached(s);
		ctrl_stop(s);
		libusb_release_interface(s->h, s->iface);
		usbhost_close(s->h, s->fd);
	}
	if (s->watch)
		usbhost_watch_remove(s->watch);
	if (s->retry)
		loop_timer_remove(s->retry);
	if (s->lost)
		loop_timer_remove(s->lost);
	if (s->watch || s->retry)
		usbhost_unref();
	s->watch = NULL;
	s->retry = s->lost = NULL;
}
