/* The line-counting reader shared by the config and board files. */
#include <string.h>

#include "inifile.h"

char *inifile_reader(char *str, int num, void *stream)
{
	struct inifile *x = stream;
	const char *nl, *start;
	size_t len;

	if (x->p >= x->end)
		return NULL;
	x->line++;
	nl = memchr(x->p, '\n', (size_t)(x->end - x->p));
	len = nl ? (size_t)(nl - x->p) : (size_t)(x->end - x->p);
	start = x->p;
	x->p += len + (nl ? 1 : 0);
	if (len && start[len - 1] == '\r')
		len--;
	while (len && (*start == ' ' || *start == '\t')) {
		start++;
		len--;
	}
	if (x->line == 1 && len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
		start += 3;
		len -= 3;
	}
	if (len + 2 > (size_t)num) {
		diag_add(x->d, x->path, x->line, "line is longer than %d bytes", num - 2);
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	if (memchr(start, '\0', len)) {
		diag_add(x->d, x->path, x->line, "line contains a NUL byte");
		len = 0;
	} else if (len && start[0] != ';' && start[0] != '#') {
		if (start[0] == '[') {
			x->section_line = x->line;
			if (!memchr(start, ']', len))
				diag_add(x->d, x->path, x->line, "section header has no closing ']'");
		} else if (!memchr(start, '=', len) && !memchr(start, ':', len)) {
			diag_add(x->d, x->path, x->line, "expected \"key = value\" or \"[section]\"");
			len = 0;
		}
	}
	memcpy(str, start, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}
