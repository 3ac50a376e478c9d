/*
 * fuzz_refs.c - libFuzzer target: the arXiv identifiers a paper's text
 * names (paper_refs_find). Any bytes: every id found is one
 * arxiv_id_parse reads back as itself, without a version; they are
 * sorted, each once, never the paper's own, at most PAPER_REFS_MAX; and
 * found again in the text around them.
 */
#include "../../src/paper/paper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct strlist out = STRLIST_INIT;
	paper_refs_find(text, size, "2401.00001", &out);
	if (out.n > PAPER_REFS_MAX)
		abort();
	for (size_t i = 0; i < out.n; i++) {
		char id[PAPER_ID_MAX];
		int v = -1;
		if (arxiv_id_parse(out.v[i], id, &v) || strcmp(id, out.v[i]) || v != 0)
			abort(); /* not an id as the store keeps them */
		if (!strcmp(out.v[i], "2401.00001"))
			abort(); /* the paper itself */
		if (i && strcmp(out.v[i - 1], out.v[i]) >= 0)
			abort(); /* not sorted, or twice */
		const char *slash = strchr(out.v[i], '/');
		size_t n = slash ? (size_t)(slash - out.v[i]) : strlen(out.v[i]);
		if (!memmem(data, size, out.v[i], n))
			abort(); /* not in the text */
	}
	strlist_release(&out);
	return 0;
}
