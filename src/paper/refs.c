/*
 * refs.c - the arXiv identifiers a paper's text names (paper_refs_find,
 * paper.h): its references, as its PDF's text gives them. One pass over
 * the text: a new-style id starts at a digit that no letter or digit
 * precedes; an old-style one is found at its slash, read backwards to its
 * archive. The forms around them ("arXiv:", abs/pdf URLs, the 10.48550
 * DOIs) end in the id itself, so they need no rule of their own.
 */
#include "paper.h"
#include <ctype.h>

/* arXiv's archives of old-style ids (before April 2007). */
static const char *const archives[] = {
	"acc-phys", "adap-org", "alg-geom",  "ao-sci",   "astro-ph", "atom-ph",  "bayes-an", "chao-dyn", "chem-ph",
	"cmp-lg",   "comp-gas", "cond-mat",  "cs",       "dg-ga",    "funct-an", "gr-qc",    "hep-ex",   "hep-lat",
	"hep-ph",   "hep-th",   "math",      "math-ph",  "mtrl-th",  "nlin",     "nucl-ex",  "nucl-th",  "patt-sol",
	"physics",  "plasm-ph", "q-alg",     "q-bio",    "quant-ph", "solv-int", "supr-con",
};

#define SET_SLOTS 4096 /* a power of two, over twice PAPER_REFS_MAX */

struct idset {
	char (*slot)[PAPER_ID_MAX];
	size_t n;
};

/* Adds id unless there: its copy in the set, or NULL when it was there. */
static const char *idset_add(struct idset *s, const char *id)
{
	uint32_t h = 2166136261u;
	for (const char *c = id; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	for (size_t i = h & (SET_SLOTS - 1);; i = (i + 1) & (SET_SLOTS - 1)) {
		if (!s->slot[i][0]) {
			snprintf(s->slot[i], PAPER_ID_MAX, "%s", id);
			s->n++;
			return s->slot[i];
		}
		if (!strcmp(s->slot[i], id))
			return NULL;
	}
}

static size_t digits(const char *p, const char *end)
{
	size_t n = 0;
	while (p + n < end && isdigit((unsigned char)p[n]))
		n++;
	return n;
}

/* What follows an id at q: an optional version, then no letter or digit. */
static bool tail_ok(const char *q, const char *end)
{
	if (q < end && (*q == 'v' || *q == 'V')) {
		size_t d = digits(q + 1, end);
		if (d)
			q += 1 + d;
	}
	return q >= end || !isalnum((unsigned char)*q);
}

/* A new-style id starting at p into id; false when there is none. */
static bool new_at(const char *p, const char *end, char id[PAPER_ID_MAX])
{
	if (end - p < 9 || digits(p, end) != 4 || p[4] != '.')
		return false;
	int yymm = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
	int mm = yymm % 100;
	if (mm < 1 || mm > 12 || yymm < 704)
		return false;
	size_t d = digits(p + 5, end);
	if (d != (yymm >= 1501 ? 5u : 4u) || !tail_ok(p + 5 + d, end))
		return false;
	memcpy(id, p, 5 + d);
	id[5 + d] = '\0';
	return true;
}

static bool known_archive(const char *a, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(archives); i++)
		if (strlen(archives[i]) == n && !memcmp(archives[i], a, n))
			return true;
	return false;
}

/* An old-style id whose slash is at slash (text begins at start) into id:
 * archive[.SC]/YYMMNNN, the subject class dropped. */
static bool old_at(const char *start, const char *slash, const char *end, char id[PAPER_ID_MAX])
{
	if (end - slash < 8 || digits(slash + 1, end) != 7 || !tail_ok(slash + 8, end))
		return false;
	const char *a = slash, *b = slash;
	while (b > start && isalpha((unsigned char)b[-1]))
		b--;
	if (b > start + 1 && b < slash && b[-1] == '.' && slash - b <= 8)
		a = b - 1; /* a subject class: math.AG/0101001 */
	const char *s = a;
	while (s > start && (islower((unsigned char)s[-1]) || s[-1] == '-'))
		s--;
	if ((s > start && isalnum((unsigned char)s[-1])) || !known_archive(s, (size_t)(a - s)))
		return false;
	size_t n = (size_t)(a - s);
	memcpy(id, s, n);
	memcpy(id + n, slash, 8);
	id[n + 8] = '\0';
	return true;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void paper_refs_find(const char *text, size_t len, const char *self, struct strlist *out)
{
	struct idset set = { xcalloc(SET_SLOTS, PAPER_ID_MAX), 0 };
	const char *end = text + len;
	char id[PAPER_ID_MAX];
	const char **found = xmalloc(PAPER_REFS_MAX * sizeof(*found));
	for (const char *p = text; p < end && set.n < PAPER_REFS_MAX; p++) {
		bool hit = false;
		if (isdigit((unsigned char)*p) && (p == text || !isalnum((unsigned char)p[-1])))
			hit = new_at(p, end, id);
		else if (*p == '/')
			hit = old_at(text, p, end, id);
		const char *copy = hit && (!self || strcmp(id, self)) ? idset_add(&set, id) : NULL;
		if (copy)
			found[set.n - 1] = copy;
	}
	qsort(found, set.n, sizeof(*found), cmp_id);
	for (size_t i = 0; i < set.n; i++)
		strlist_push(out, found[i], strlen(found[i]));
	free(found);
	free(set.slot);
}
