/* libFuzzer: a group robot's answer (whatever a service, a proxy or a
 * stranger on the path sends back), and a message of any bytes made into
 * each service's body. The first byte picks the service and the status. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util.h"
#include "../../core/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 0, 200, 204, 301, 404, 408, 429, 500, 503 };
	char why[300], *text, *body;
	enum webhook_kind kind;
	enum webhook_verdict v;

	if (size == 0)
		return 0;
	kind = (enum webhook_kind)(data[0] % WEBHOOK_KINDS);
	v = webhook_answer(kind, statuses[(data[0] >> 2) % ARRAY_SIZE(statuses)], (const char *)data + 1, size - 1,
			   why, sizeof(why));
	if (v != WEBHOOK_DELIVERED && v != WEBHOOK_RETRY && v != WEBHOOK_REFUSED)
		abort();
	if (!utf8_valid(why, strlen(why)))
		abort();
	/* The bytes as a message's text: the body is JSON, its text valid
	 * UTF-8 within the service's limit. */
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	body = webhook_body(kind, text, data[0] & 1, NULL, (data[0] & 2) ? "secret" : "", 1733400000000LL);
	if (body) {
		cJSON *o = cJSON_Parse(body);

		if (!o)
			abort();
		cJSON_Delete(o);
		if (!utf8_wellformed(body, strlen(body)))
			abort();
	}
	free(body);
	free(text);
	return 0;
}
