/* The kinds of tally source, by the type a [source.NAME] section names:
 * a new kind is its file and a row here. */
#include <string.h>

#include "source.h"

static const struct source_ops *const kinds[] = {
	&source_tsl31_ops, &source_tsl5_ops, &source_obs_ops, &source_gpi_ops, &source_vmix_ops, &source_atem_ops,
};

const struct source_ops *source_kind(const char *type)
{
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
		if (strcmp(kinds[k]->type, type) == 0)
			return kinds[k];
	return NULL;
}

const char *source_kind_names(void)
{
	static char names[128];

	if (!*names)
		for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
			strcat(names, kinds[k]->type);
			if (k + 2 < ARRAY_SIZE(kinds))
				strcat(names, ", ");
			else if (k + 1 < ARRAY_SIZE(kinds))
				strcat(names, " or ");
		}
	return names;
}

const char *source_value(const struct source_conf *c, const char *key, int *line)
{
	const char *value = NULL;

	for (int i = 0; i < c->nkeys; i++)
		if (strcmp(c->kv[i].key, key) == 0) {
			value = c->kv[i].value;
			if (line)
				*line = c->kv[i].line;
		}
	return value;
}

const char *const *source_all_keys(void)
{
	static const char *all[64];

	if (!all[0]) {
		size_t n = 0;

		all[n++] = "type";
		all[n++] = "camera";
		for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
			for (int j = 0; kinds[k]->keys[j] && n + 1 < ARRAY_SIZE(all); j++)
				all[n++] = kinds[k]->keys[j];
	}
	return all;
}
