/* USB foot pedals through libusb: the kernel's HID driver is detached (so a
 * PCsensor pedal's key strokes do not reach the console), the interrupt
 * IN endpoint is read with an asynchronous transfer in the loop, and each
 * pedal is an input with its own press / long / double mapping. Unplugged
 * and plugged back, it is picked up again; status says when it is missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/loop.h"
#include "input.h"
#include "pedalreport.h"
#include "usbhost.h"

static const char *const pedal_keys[] = {
	"model", "vid", "pid", "port", "interface", "report_id", "report_length", "pedal1_at",
	"pedal2_at", "pedal3_at", "keys", "pedal1_press", "pedal1_long", "pedal1_double",
	"pedal2_press", "pedal2_long", "pedal2_double", "pedal3_press", "pedal3_long",
	"pedal3_double", "debounce_ms", "long_ms", "double_ms", NULL,
};

static const char *const prefixes[PEDAL_MAX] = { "pedal1_", "pedal2_", "pedal3_" };

static const struct {
	const char *model;
	unsigned ids[5][2];
} model_ids[] = {
	{ "streamdeck", { { 0x0fd9, 0x0086 } } },
	{ "infinity", { { 0x05f3, 0x00ff } } },
	{ "pcsensor", { { 0x0c45, 0x7403 }, { 0x0c45, 0x7404 }, { 0x413d, 0x2107 },
			{ 0x1a86, 0xe026 }, { 0x3553, 0xb001 } } },
};

#define PEDAL_URBS 4

struct drv {
	struct usbhost_slot slot;
	struct drv_host *host;
	char name[DRV_NAME_MAX];
	struct pedalreport_format fmt;
	struct input_button in[PEDAL_MAX];
	bool down[PEDAL_MAX];
	/* Several reads queued at once: while the loop is busy the kernel
	 * goes on polling and keeps each report, so a quick double tap is
	 * two presses, never one state overwritten by the next. */
	struct libusb_transfer *xfer[PEDAL_URBS];
	int in_flight;
	uint8_t buf[PEDAL_URBS][PEDAL_REPORT_MAX];
	/* The report descriptor, asked for at attach (asynchronously, as every
	 * transfer here: a slow device must never hold the loop). */
	struct libusb_transfer *desc_xfer;
	uint8_t desc[LIBUSB_CONTROL_SETUP_SIZE + 4096];
	bool stopping;		/* being cancelled: a late descriptor starts no reads */
	int endpoint, packet, read_length;
	uint64_t reports, malformed, empty;
	char said[96];		/* the last malformed report's reason logged */
};

static bool hex_id(const char *v, unsigned *out)
{
	char *end;
	unsigned long n = strtoul(v ? v : "", &end, 16);

	if (!v || end == v || *end || n > 0xffff)
		return false;
	*out = (unsigned)n;
	return true;
}

/* A pedal's section, parsed once. */
struct pedal_opts {
	struct pedalreport_format fmt;
	unsigned ids[USBHOST_MAX_IDS][2];
	int nids;
	int iface;
	char port[USBHOST_PORT_MAX];
	struct gesture_conf timing;
	struct input_map map[PEDAL_MAX];
};

/* Build the format from the section; NULL-free: the reason goes to d. */
static int pedal_format(const struct conf_device *dev, struct pedalreport_format *f,
			const char *path, struct diag *d)
{
	const char *model = drv_key(dev, "model"), *v;
	const struct pedalreport_format *m;
	long long n;
	int rc = 0;

	if (!model) {
		diag_add(d, path, dev->line, "[device.%s] needs \"model\": streamdeck, infinity, "
			 "pcsensor or generic", dev->name);
		return -1;
	}
	if ((m = pedalreport_model(model))) {
		*f = *m;
	} else if (strcmp(model, "generic") == 0) {
		memset(f, 0, sizeof(*f));
		f->kind = PEDALREPORT_BYTES;
		f->report_id = -1;
		if ((v = drv_key(dev, "report_id")) && strcmp(v, "none") != 0) {
			if (int_parse(v, 1, 255, &n)) {
				f->report_id = (int)n;
			} else {
				diag_add(d, path, drv_key_line(dev, "report_id"),
					 "report_id must be none or 1 to 255");
				rc = -1;
			}
		}
		if (!(v = drv_key(dev, "report_length")) || !int_parse(v, 1, PEDAL_REPORT_MAX, &n)) {
			diag_add(d, path, drv_key_line(dev, "report_length"),
				 "report_length must be 1 to %d (bytes, report id included)",
				 PEDAL_REPORT_MAX);
			return -1;
		}
		f->length = f->max_length = (int)n;
		for (int i = 0; i < PEDAL_MAX; i++) {
			char key[16];

			snprintf(key, sizeof(key), "pedal%d_at", i + 1);
			if (!(v = drv_key(dev, key)))
				break;
			if (!pedalreport_position(v, f->length, &f->byte[i], &f->bit[i])) {
				diag_add(d, path, drv_key_line(dev, key),
					 "%s must be BYTE or BYTE.BIT inside the %d-byte report", key,
					 f->length);
				rc = -1;
			}
			f->pedals = i + 1;
		}
		if (f->pedals == 0) {
			diag_add(d, path, dev->line, "a generic pedal needs pedal1_at (BYTE or BYTE.BIT)");
			rc = -1;
		}
	} else {
		diag_add(d, path, drv_key_line(dev, "model"),
			 "unknown pedal model \"%s\" (streamdeck, infinity, pcsensor or generic)", model);
		return -1;
	}
	if ((v = drv_key(dev, "keys"))) {
		char copy[DRV_VALUE_MAX], *save = NULL;
		int i = 0;

		if (f->kind != PEDALREPORT_KEYS) {
			diag_add(d, path, drv_key_line(dev, "keys"), "keys is for a pcsensor pedal");
			return -1;
		}
		str_copy(copy, v, sizeof(copy));
		for (char *w = strtok_r(copy, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
			unsigned k;

			if (i == PEDAL_MAX || !hex_id(w, &k) || k == 0 || k > 0xff) {
				diag_add(d, path, drv_key_line(dev, "keys"),
					 "keys: up to 3 HID key usages in hex (04 = a, 05 = b …)");
				return -1;
			}
			f->key[i++] = (uint8_t)k;
		}
		f->pedals = i;
	}
	return rc;
}

static int pedal_ids(const struct conf_device *dev, struct pedal_opts *s, const char *path,
		     struct diag *d)
{
	const char *vid = drv_key(dev, "vid"), *pid = drv_key(dev, "pid"), *model = drv_key(dev, "model");

	s->nids = 0;
	if (vid || pid) {
		if (!hex_id(vid, &s->ids[0][0]) || !hex_id(pid, &s->ids[0][1])) {
			diag_add(d, path, drv_key_line(dev, vid ? "vid" : "pid"),
				 "vid and pid go together, in hex (vid = 0fd9, pid = 0086)");
			return -1;
		}
		s->nids = 1;
		return 0;
	}
	for (size_t m = 0; model && m < ARRAY_SIZE(model_ids); m++)
		for (int i = 0; strcmp(model, model_ids[m].model) == 0 && i < 5 && model_ids[m].ids[i][0]; i++) {
			s->ids[s->nids][0] = model_ids[m].ids[i][0];
			s->ids[s->nids++][1] = model_ids[m].ids[i][1];
		}
	if (s->nids == 0 && model && strcmp(model, "generic") == 0) {
		diag_add(d, path, dev->line, "a generic pedal needs vid and pid");
		return -1;
	}
	return 0;
}

static int pedal_parse(const struct conf_device *dev, const char *path, struct diag *d,
		       struct pedal_opts *o)
{
	static const char *const three[PEDAL_MAX] = { "prev", "hold-toggle", "next" };
	long long n;
	int rc;

	memset(o, 0, sizeof(*o));
	rc = pedal_format(dev, &o->fmt, path, d) | pedal_ids(dev, o, path, d);
	/* Left, middle, right: back, hold, forward; a lone pedal steps on. */
	for (int i = 0; i < PEDAL_MAX; i++)
		rc |= input_parse_map(dev, prefixes[i], o->fmt.pedals == 3 ? three[i] : i == 0 ? "next" : NULL,
				      SHOW_SRC_PEDAL, path, d, &o->map[i]);
	rc |= input_parse_timing(dev, path, d, &o->timing);
	n = 0;
	rc |= drv_int_key(dev, "interface", 0, 31, "", &n, path, d);
	o->iface = (int)n;
	rc |= usbhost_port_parse(dev, path, d, o->port, sizeof(o->port));
	return rc;
}

static int pedal_check(const struct conf_device *dev, const struct board *board, const char *path,
		       struct diag *d)
{
	struct pedal_opts o;

	(void)board;
	return pedal_parse(dev, path, d, &o);
}

static void pedal_set(struct drv *p, const bool down[PEDAL_MAX])
{
	int64_t now = time_mono_ms();

	for (int i = 0; i < p->fmt.pedals; i++) {
		if (down[i] == p->down[i])
			continue;
		p->down[i] = down[i];
		input_level(&p->in[i], down[i], now);
	}
}

/* Each new reason is said, a repeated one every hundredth time: a device
 * that floods bad reports must not flood the journal. */
static void pedal_malformed(struct drv *p, const char *why)
{
	p->malformed++;
	if (strcmp(why, p->said) == 0 && p->malformed % 100 != 0)
		return;
	log_warnx("device %s: malformed report ignored (%s); %llu so far", p->name, why,
		  (unsigned long long)p->malformed);
	str_copy(p->said, why, sizeof(p->said));
}

static void pedal_report(struct libusb_transfer *x)
{
	struct drv *p = x->user_data;
	bool down[PEDAL_MAX];
	char why[96];
	int rc;

	p->in_flight--;
	switch (x->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		if (x->actual_length == 0) {
			p->empty++;	/* a zero-length packet after a whole-packet report */
			break;
		}
		p->reports++;
		rc = pedalreport_parse(&p->fmt, x->buffer, (size_t)x->actual_length, down, why, sizeof(why));
		if (rc < 0)
			pedal_malformed(p, why);
		if (rc > 0)
			pedal_set(p, down);
		break;
	case LIBUSB_TRANSFER_OVERFLOW:
		snprintf(why, sizeof(why), "oversized report: more than %d bytes", x->length);
		pedal_malformed(p, why);
		break;
	case LIBUSB_TRANSFER_TIMED_OUT:
		break;
	case LIBUSB_TRANSFER_CANCELLED:
		return;
	default:
		usbhost_slot_lost(&p->slot, x->status == LIBUSB_TRANSFER_NO_DEVICE ? "unplugged"
					    : x->status == LIBUSB_TRANSFER_STALL ? "endpoint stalled"
										: "transfer failed (unplugged?)");
		return;
	}
	rc = libusb_submit_transfer(x);
	if (rc < 0)
		usbhost_slot_lost(&p->slot, libusb_strerror(rc));
	else
		p->in_flight++;
}

static void pedal_cancel(struct drv *p)
{
	struct timeval tv = { 0, 20000 };

	p->stopping = true;
	for (int i = 0; i < PEDAL_URBS; i++)
		if (p->xfer[i])
			libusb_cancel_transfer(p->xfer[i]);
	if (p->desc_xfer)
		libusb_cancel_transfer(p->desc_xfer);
	/* Let the cancellations complete before the transfers are freed. */
	for (int i = 0; i < 10 && p->in_flight > 0; i++)
		libusb_handle_events_timeout_completed(usbhost_ctx(), &tv, NULL);
	for (int i = 0; i < PEDAL_URBS; i++) {
		libusb_free_transfer(p->xfer[i]);
		p->xfer[i] = NULL;
	}
	libusb_free_transfer(p->desc_xfer);
	p->desc_xfer = NULL;
	p->in_flight = 0;
}

/* Queue the report reads, sized from the descriptor (NULL: none read). */
static void pedal_start_reads(struct drv *p, const uint8_t *desc, size_t len)
{
	bool capped;
	int rc;

	p->read_length = pedalreport_read_length(desc, len, p->packet, &p->fmt, &capped);
	if (capped)
		log_warnx("device %s: its reports are longer than %d bytes; only the first %d are read",
			  p->name, PEDAL_REPORT_MAX, PEDAL_REPORT_MAX);
	for (int i = 0; i < PEDAL_URBS; i++) {
		if (!(p->xfer[i] = libusb_alloc_transfer(0))) {
			usbhost_slot_lost(&p->slot, "out of memory");
			return;
		}
		libusb_fill_interrupt_transfer(p->xfer[i], p->slot.h, (unsigned char)p->endpoint, p->buf[i],
					       p->read_length, pedal_report, p, 0);
		rc = libusb_submit_transfer(p->xfer[i]);
		if (rc < 0) {
			usbhost_slot_lost(&p->slot, libusb_strerror(rc));
			return;
		}
		p->in_flight++;
	}
}

static void pedal_descriptor(struct libusb_transfer *x)
{
	struct drv *p = x->user_data;
	bool got = x->status == LIBUSB_TRANSFER_COMPLETED && x->actual_length > 0;

	p->in_flight--;
	if (x->status == LIBUSB_TRANSFER_CANCELLED || p->stopping)
		return;
	if (x->status == LIBUSB_TRANSFER_NO_DEVICE) {
		usbhost_slot_lost(&p->slot, "unplugged");
		return;
	}
	pedal_start_reads(p, got ? libusb_control_transfer_get_data(x) : NULL, got ? (size_t)x->actual_length : 0);
}

static bool pedal_attached(struct usbhost_slot *s)
{
	struct drv *p = s->data;
	struct libusb_config_descriptor *cfg;

	p->endpoint = -1;
	if (libusb_get_active_config_descriptor(libusb_get_device(s->h), &cfg) == 0) {
		for (int i = 0; i < cfg->bNumInterfaces; i++) {
			const struct libusb_interface_descriptor *id = cfg->interface[i].altsetting;

			for (int e = 0; id->bInterfaceNumber == s->iface && e < id->bNumEndpoints; e++) {
				const struct libusb_endpoint_descriptor *ep = &id->endpoint[e];

				if ((ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) &&
				    (ep->bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_INTERRUPT && p->endpoint < 0) {
					p->endpoint = ep->bEndpointAddress;
					p->packet = ep->wMaxPacketSize;
				}
			}
		}
		libusb_free_config_descriptor(cfg);
	}
	if (p->endpoint < 0) {
		log_warnx("device %s: interface %d has no interrupt IN endpoint", p->name, s->iface);
		return false;
	}
	p->stopping = false;
	/* GET_DESCRIPTOR (report) to the interface: HID 1.11, 7.1.1. */
	if (!(p->desc_xfer = libusb_alloc_transfer(0)))
		return false;
	libusb_fill_control_setup(p->desc, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_STANDARD |
						   LIBUSB_RECIPIENT_INTERFACE,
				  LIBUSB_REQUEST_GET_DESCRIPTOR, LIBUSB_DT_REPORT << 8, (uint16_t)s->iface,
				  (uint16_t)(sizeof(p->desc) - LIBUSB_CONTROL_SETUP_SIZE));
	libusb_fill_control_transfer(p->desc_xfer, s->h, p->desc, pedal_descriptor, p, 1000);
	if (libusb_submit_transfer(p->desc_xfer) == 0)
		p->in_flight++;
	else
		pedal_start_reads(p, NULL, 0);
	p->host->presence(p->host, p->name, true);
	return true;
}

static void pedal_detached(struct usbhost_slot *s)
{
	struct drv *p = s->data;
	const bool up[PEDAL_MAX] = { false };

	pedal_cancel(p);
	/* A pedal held as it was pulled out is a pedal let go. */
	pedal_set(p, up);
	p->host->presence(p->host, p->name, false);
}

static void pedal_close(struct drv *p);

static struct drv *pedal_open(const struct conf_device *dev, struct drv_host *host, struct diag *d)
{
	struct pedal_opts o;
	struct drv *p;

	if (pedal_parse(dev, host->config_path, d, &o) < 0 || !(p = calloc(1, sizeof(*p))))
		return NULL;
	p->host = host;
	str_copy(p->name, dev->name, sizeof(p->name));
	p->fmt = o.fmt;
	memcpy(p->slot.ids, o.ids, sizeof(p->slot.ids));
	p->slot.nids = o.nids;
	p->slot.iface = o.iface;
	str_copy(p->slot.port, o.port, sizeof(p->slot.port));
	for (int i = 0; i < p->fmt.pedals; i++) {
		char who[64];

		snprintf(who, sizeof(who), "pedal %s %d", dev->name, i + 1);
		input_setup(&p->in[i], &o.timing, &o.map[i], who, host);
	}
	p->slot.attached = pedal_attached;
	p->slot.detached = pedal_detached;
	p->slot.data = p;
	if (usbhost_slot_start(&p->slot, dev, host, d) < 0) {
		pedal_close(p);
		return NULL;
	}
	return p;
}

static void pedal_render(struct drv *p, const struct show_view *view)
{
	const struct cue_output *out = &view->out;
	(void)p, (void)out;
}

static void pedal_safe(struct drv *p)
{
	(void)p;	/* a pedal has no outputs */
}

static void pedal_describe(struct drv *p, char *buf, size_t len, bool *present)
{
	*present = p->slot.present;
	if (p->slot.present) {
		snprintf(buf, len, "%s %04x:%04x on port %s, %llu reports, %llu malformed, %llu empty, "
			 "reads of %d bytes, pedals %d%d%d",
			 *p->slot.dev.product ? p->slot.dev.product : "pedal", p->slot.dev.vid,
			 p->slot.dev.pid, p->slot.dev.port, (unsigned long long)p->reports,
			 (unsigned long long)p->malformed, (unsigned long long)p->empty, p->read_length,
			 p->down[0], p->down[1], p->down[2]);
		return;
	}
	usbhost_slot_missing(&p->slot, buf, len);
}

static void pedal_close(struct drv *p)
{
	usbhost_slot_stop(&p->slot);
	for (int i = 0; i < PEDAL_MAX; i++)
		input_fini(&p->in[i]);
	free(p);
}

const struct drv_ops pedal_driver_ops = {
	.name = "pedal",
	.keys = pedal_keys,
	.check = pedal_check,
	.open = pedal_open,
	.render = pedal_render,
	.safe = pedal_safe,
	.describe = pedal_describe,
	.close = pedal_close,
};
