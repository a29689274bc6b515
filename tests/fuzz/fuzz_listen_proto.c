/* fuzz_listen_proto: the protocol part of a --listen spec ("chat",
 * "relay+tls", ...) through proto_parse() of src/server/wiring.c. The input
 * is copied to a buffer of exactly its size, so any read past the given
 * length is an ASan report. Invariants: a protocol is returned exactly when
 * the input is a name the table lists (proto_list), alone or followed by
 * "+tls" once, and it is that name with *tls saying which; otherwise the
 * reason is a terminated, non-empty string. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "server/wiring.h"

/* Whether `word` is one of the comma-separated names in `list`. */
static bool listed(const char *list, const char *word, size_t len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == len && memcmp(p, word, len) == 0)
			return true;
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size ? size : 1);
	FUZZ_CHECK(spec != NULL);
	memcpy(spec, data, size);
	char names[PROTO_LIST_MAX];
	proto_list(names, sizeof(names));
	char err[200];
	memset(err, 'x', sizeof(err));
	bool tls = true;
	const struct proto *p = proto_parse(spec, size, &tls, err, sizeof(err));
	bool suffix = size >= 4 && memcmp(spec + size - 4, "+tls", 4) == 0;
	size_t word = suffix ? size - 4 : size;
	bool known = memchr(spec, '\0', size) == NULL && listed(names, spec, word);
	FUZZ_CHECK((p != NULL) == known);
	if (p) {
		FUZZ_CHECK(tls == suffix);
		FUZZ_CHECK(strlen(proto_name(p)) == word);
		FUZZ_CHECK(memcmp(proto_name(p), spec, word) == 0);
		FUZZ_CHECK(proto_find(spec, word) == p);
	} else {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
	}
	free(spec);
	return 0;
}
