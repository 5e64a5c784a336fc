#include "mosq.h"

#include <dlfcn.h>
#include <stdio.h>

struct mosq_api mosq;

/* The soname of Debian's libmosquitto1 (also 2.x). */
#define MOSQ_LIBRARY "libmosquitto.so.1"

int mosq_load(char *err, size_t errlen)
{
	static void *lib;
	const char *missing = NULL;

	if (lib)
		return 0;
	if (!(lib = dlopen(MOSQ_LIBRARY, RTLD_NOW | RTLD_LOCAL))) {
		snprintf(err, errlen, "cannot load %s (package libmosquitto1): %s", MOSQ_LIBRARY, dlerror());
		return -1;
	}
#define F(name)                                                                         \
	if (!(*(void **)&mosq.name = dlsym(lib, "mosquitto_" #name)) && !missing)      \
		missing = "mosquitto_" #name;
	MOSQ_FUNCTIONS
#undef F
	if (missing) {
		snprintf(err, errlen, "%s has no %s: too old (2.0 or later is needed)", MOSQ_LIBRARY, missing);
		dlclose(lib);
		lib = NULL;
		return -1;
	}
	return 0;
}
