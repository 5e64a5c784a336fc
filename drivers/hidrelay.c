/* The common "USBRelay" HID relay boards (16c0:05df, product USBRelayN):
 * 8-byte feature reports without a report id, FF n = relay n on, FD n =
 * off. Each relay is a lamp or an ON AIR sign. Their state is lost when
 * unpowered, and read-back is not needed: on every (re)attach the whole
 * state is written again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "driver.h"
#include "usbhost.h"

#define RELAY_VID 0x16c0
#define RELAY_PID 0x05df	/* shared by V-USB gadgets: the product string must match too */
#define RELAY_MAX 8
#define RELAY_ON 0xFF
#define RELAY_OFF 0xFD

static const char *const hidrelay_keys[] = { "relay1", "relay2", "relay3", "relay4", "relay5",
					     "relay6", "relay7", "relay8", "port", NULL };

struct drv {
	struct usbhost_slot slot;
	struct drv_host *host;
	char name[DRV_NAME_MAX];
	enum drv_role role[RELAY_MAX];
	int want, sent;		/* bit n-1 = relay n; sent -1 unknown */
};

static void relay_send(struct drv *r)
{
	/* After an attach nothing is known (sent -1): every relay is written,
	 * not only those that differ from what one write has just set. */
	bool everything = r->sent < 0;
	int sent = everything ? 0 : r->sent;

	if (!r->slot.present)
		return;
	for (int i = 0; i < RELAY_MAX; i++) {
		int bit = 1 << i;
		uint8_t buf[8] = { r->want & bit ? RELAY_ON : RELAY_OFF, (uint8_t)(i + 1) };

		if (r->role[i] == DRV_ROLE_NONE || (!everything && (sent & bit) == (r->want & bit)))
			continue;
		if (!usbhost_slot_feature(&r->slot, 0, buf, sizeof(buf))) {
			r->sent = -1;	/* the queue was full: send everything next time */
			return;
		}
		sent = (sent & ~bit) | (r->want & bit);
	}
	r->sent = sent;
}

static bool hidrelay_attached(struct usbhost_slot *s)
{
	struct drv *r = s->data;

	r->sent = -1;
	relay_send(r);
	r->host->presence(r->host, r->name, true);
	return true;
}

static void hidrelay_detached(struct usbhost_slot *s)
{
	struct drv *r = s->data;

	r->sent = -1;
	r->host->presence(r->host, r->name, false);
}

static int hidrelay_parse(const struct conf_device *dev, const char *path, struct diag *d,
			  enum drv_role role[RELAY_MAX])
{
	int rc = 0, any = 0;

	for (int i = 0; i < RELAY_MAX; i++) {
		const char *v = drv_key(dev, hidrelay_keys[i]);
		int parsed = v ? drv_role_parse(v) : DRV_ROLE_NONE;

		role[i] = DRV_ROLE_NONE;
		if (!v)
			continue;
		any++;
		if (parsed < 0) {
			diag_add(d, path, drv_key_line(dev, hidrelay_keys[i]),
				 "%s must be tally, onair, cue or none", hidrelay_keys[i]);
			rc = -1;
			continue;
		}
		role[i] = (enum drv_role)parsed;
	}
	if (!any) {
		diag_add(d, path, dev->line, "[device.%s] switches no relay: set relay1 = onair …",
			 dev->name);
		rc = -1;
	}
	return rc;
}

static int hidrelay_check(const struct conf_device *dev, const struct board *board,
			  const char *path, struct diag *d)
{
	enum drv_role role[RELAY_MAX];
	char port[USBHOST_PORT_MAX];

	(void)board;
	return hidrelay_parse(dev, path, d, role) | usbhost_port_parse(dev, path, d, port, sizeof(port));
}

static struct drv *hidrelay_open(const struct conf_device *dev, struct drv_host *host,
				 struct diag *d)
{
	enum drv_role role[RELAY_MAX];
	char port[USBHOST_PORT_MAX];
	struct drv *r;

	if ((hidrelay_parse(dev, host->config_path, d, role) |
	     usbhost_port_parse(dev, host->config_path, d, port, sizeof(port))) < 0 ||
	    !(r = calloc(1, sizeof(*r))))
		return NULL;
	str_copy(r->slot.port, port, sizeof(r->slot.port));
	r->host = host;
	r->sent = -1;
	str_copy(r->name, dev->name, sizeof(r->name));
	memcpy(r->role, role, sizeof(r->role));
	str_copy(r->slot.product, "USBRelay", sizeof(r->slot.product));
	r->slot.ids[0][0] = RELAY_VID;
	r->slot.ids[0][1] = RELAY_PID;
	r->slot.nids = 1;
	r->slot.attached = hidrelay_attached;
	r->slot.detached = hidrelay_detached;
	r->slot.data = r;
	if (usbhost_slot_start(&r->slot, dev, host, d) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

static void hidrelay_render(struct drv *r, const struct show_view *view)
{
	const struct cue_output *out = &view->out;
	r->want = 0;
	for (int i = 0; i < RELAY_MAX; i++)
		if (drv_role_lit(r->role[i], out))
			r->want |= 1 << i;
	relay_send(r);
}

static void hidrelay_safe(struct drv *r)
{
	r->want = 0;
	relay_send(r);
	usbhost_slot_drain(&r->slot);
}

static void hidrelay_describe(struct drv *r, char *buf, size_t len, bool *present)
{
	*present = r->slot.present;
	if (r->slot.present)
		snprintf(buf, len, "%s on port %s, relays on: %02x, %llu reports sent",
			 r->slot.dev.product, r->slot.dev.port, r->sent < 0 ? 0 : r->sent,
			 (unsigned long long)r->slot.reports_sent);
	else
		usbhost_slot_missing(&r->slot, buf, len);
}

static void hidrelay_close(struct drv *r)
{
	usbhost_slot_stop(&r->slot);
	free(r);
}

const struct drv_ops hidrelay_driver_ops = {
	.name = "hidrelay",
	.keys = hidrelay_keys,
	.check = hidrelay_check,
	.open = hidrelay_open,
	.render = hidrelay_render,
	.safe = hidrelay_safe,
	.describe = hidrelay_describe,
	.close = hidrelay_close,
};
