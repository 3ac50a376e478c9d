/*
 * spell_bench.c - how well spelling correction recovers misspelled queries.
 *
 * Queries are made from the real titles in a store: a span of 2 to 4
 * consecutive words of a title, one word of it (5 letters or more)
 * misspelled by one edit (a letter deleted, two swapped, or one replaced),
 * drawn with a fixed seed; then held-out sets (other seeds) with two and
 * three misspelled words. For each, the top 10 of the correct query is
 * compared with the top 10 of the misspelled one, with correction on (as
 * the web, API and CLI search) and off: the overlap is the share of the
 * correct top 10 found again. Prints the averages and query times.
 *
 * usage: pb-bench-spell DB [N]     (default N = 500; the index DB.search)
 */
#include "../../src/search/search.h"
#include <ctype.h>

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static int collect_titles(const struct paper *p, void *ctx)
{
	struct strlist *t = ctx;
	if (p->title && !p->hidden)
		strlist_push(t, p->title, strlen(p->title));
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Words of 3+ ASCII letters (lower case) of a title, in order. */
static void words_of(const char *t, struct strlist *out)
{
	strlist_release(out);
	for (const char *p = t; *p;) {
		while (*p && !isalpha((unsigned char)*p))
			p++;
		const char *e = p;
		while (*e && isalpha((unsigned char)*e))
			e++;
		if (e - p >= 3 && (!*e || *e == ' ' || *e == ',' || *e == ':')) {
			char w[64];
			size_t n = (size_t)(e - p) < sizeof(w) - 1 ? (size_t)(e - p) : sizeof(w) - 1;
			for (size_t i = 0; i < n; i++)
				w[i] = (char)tolower((unsigned char)p[i]);
			w[n] = '\0';
			strlist_push(out, w, n);
		}
		p = e;
	}
}

static double overlap(const struct search_hit *a, size_t na, const struct search_hit *b, size_t nb)
{
	if (!na)
		return 1.0;
	size_t same = 0;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (!strcmp(a[i].id, b[j].id)) {
				same++;
				break;
			}
	return (double)same / (double)na;
}

/* Misspells one word of 5+ letters of words[start, start + span) in
 * place of `bad` (never its first letter); the operation, or -1. */
static int misspell(const char *word, char bad[64])
{
	snprintf(bad, 64, "%s", word);
	size_t len = strlen(bad), at = 1 + rnd((uint32_t)(len - 2));
	int op = (int)rnd(3);
	if (op == 0) {
		memmove(bad + at, bad + at + 1, len - at);
	} else if (op == 1) {
		if (bad[at] == bad[at + 1])
			return -1;
		char c = bad[at];
		bad[at] = bad[at + 1];
		bad[at + 1] = c;
	} else {
		char c;
		do
			c = (char)('a' + rnd(26));
		while (c == bad[at]);
		bad[at] = c;
	}
	return op;
}

struct set {
	long made, corrected, exact_fix, by_op[3];
	double sum_on, sum_off, ov_op[3], *t_on, *t_off;
};

/* One case: a span of 2-4 words of a title with nbad of its words of 5+
 * letters misspelled; 0, or -1 when the title does not fit. */
static int one_case(struct search_index *ix, struct search_cursor *cur, struct strlist *words, int nbad,
		    struct set *st)
{
	if (words->n < 2)
		return -1;
	size_t span = 2 + rnd(3), start;
	if (span > words->n)
		span = words->n;
	start = rnd((uint32_t)(words->n - span + 1));
	size_t cand[8], nc = 0;
	for (size_t i = start; i < start + span && nc < 8; i++)
		if (strlen(words->v[i]) >= 5)
			cand[nc++] = i;
	if (nc < (size_t)nbad)
		return -1;
	/* which words: nbad distinct of the candidates */
	bool wrong_at[8] = { false };
	char bad[8][64];
	int op = 0;
	for (int k = 0; k < nbad; k++) {
		size_t j;
		do
			j = rnd((uint32_t)nc);
		while (wrong_at[j]);
		wrong_at[j] = true;
		if ((op = misspell(words->v[cand[j]], bad[j])) < 0)
			return -1;
	}
	struct buf good = BUF_INIT, wrong = BUF_INIT;
	for (size_t i = start, j = 0; i < start + span; i++) {
		bool w = j < nc && cand[j] == i && wrong_at[j];
		buf_addf(&good, "%s%s", i > start ? " " : "", words->v[i]);
		buf_addf(&wrong, "%s%s", i > start ? " " : "", w ? bad[j] : words->v[i]);
		j += j < nc && cand[j] == i;
	}
	struct search_hit a[10], b[10], c2[10];
	size_t na = 10, nb = 10, nc2 = 10;
	struct search_opts off = { SEARCH_HYBRID, SEARCH_RELEVANCE, false, false }, on = off;
	on.correct = true;
	struct search_info info;
	struct buf err = BUF_INIT;
	int rc = -1;
	if (search_run(ix, cur, good.s, &off, a, &na, NULL, &err) == 0 && na) {
		double t0 = mono_seconds();
		search_run(ix, cur, wrong.s, &on, b, &nb, &info, &err);
		st->t_on[st->made] = mono_seconds() - t0;
		t0 = mono_seconds();
		search_run(ix, cur, wrong.s, &off, c2, &nc2, NULL, &err);
		st->t_off[st->made] = mono_seconds() - t0;
		double o_on = overlap(a, na, b, nb), o_off = overlap(a, na, c2, nc2);
		st->sum_on += o_on;
		st->sum_off += o_off;
		st->corrected += info.corrected || info.suggestion[0];
		st->exact_fix += !strcmp(info.suggestion, good.s);
		st->by_op[op]++;
		st->ov_op[op] += o_on;
		st->made++;
		rc = 0;
	}
	buf_release(&good);
	buf_release(&wrong);
	buf_release(&err);
	return rc;
}

static void report(const char *what, struct set *st)
{
	static const char *const ops[] = { "deletion", "transposition", "substitution" };
	long made = st->made;
	if (!made)
		return;
	qsort(st->t_on, (size_t)made, sizeof(double), cmp_double);
	qsort(st->t_off, (size_t)made, sizeof(double), cmp_double);
	printf("%s: %ld queries\n", what, made);
	printf("  top-10 overlap with the correct query's top 10: %.3f with correction, %.3f without\n",
	       st->sum_on / (double)made, st->sum_off / (double)made);
	for (int i = 0; i < 3; i++)
		printf("  %-13s %4ld queries, overlap %.3f\n", ops[i], st->by_op[i],
		       st->by_op[i] ? st->ov_op[i] / (double)st->by_op[i] : 0);
	printf("  corrected or suggested: %ld (%.1f%%), to exactly the correct query: %ld (%.1f%%)\n", st->corrected,
	       100.0 * (double)st->corrected / (double)made, st->exact_fix, 100.0 * (double)st->exact_fix / (double)made);
	printf("  query time (hybrid, one thread): with correction p50 %.2f ms, p99 %.2f ms; without p50 %.2f ms, p99 %.2f ms\n",
	       st->t_on[made / 2] * 1e3, st->t_on[made * 99 / 100] * 1e3, st->t_off[made / 2] * 1e3,
	       st->t_off[made * 99 / 100] * 1e3);
	printf("  goal: overlap >= 0.8 -> %s\n", st->sum_on / (double)made >= 0.8 ? "met" : "NOT met");
}

int main(int argc, char **argv)
{
	long n = 500;
	if (argc < 2 || (argc > 2 && parse_int(argv[2], 1, 100000, &n))) {
		fprintf(stderr, "usage: pb-bench-spell DB [N]\n");
		return 2;
	}
	struct store *s;
	struct buf err = BUF_INIT, path = BUF_INIT;
	if (store_open(argv[1], 0, &s, &err)) {
		fprintf(stderr, "pb-bench-spell: %s\n", err.s);
		return 1;
	}
	struct strlist titles = STRLIST_INIT, words = STRLIST_INIT;
	store_paper_scan(s, collect_titles, &titles, &err);
	search_index_path(argv[1], &path);
	struct search_index *ix;
	if (!titles.n || search_open(path.s, &ix, &err)) {
		fprintf(stderr, "pb-bench-spell: no titles or no index: %s\n", err.s);
		return 1;
	}
	struct search_cursor *cur = search_cursor_new(NULL, NULL);
	printf("misspelled queries from %zu real titles (2-4 words, one edit in each misspelled word of 5+ letters; seeded)\n",
	       titles.n);
	/* one misspelled word (the first seed), then two or three (held out:
	 * another seed, never looked at while the correction was made) */
	static const struct { const char *what; int nbad; uint64_t seed; } sets[] = {
		{ "one misspelled word", 1, 88172645463325252ull },
		{ "two misspelled words (held out)", 2, 0x9e3779b97f4a7c15ull },
		{ "three misspelled words (held out)", 3, 0xd1b54a32d192ed03ull },
	};
	for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
		struct set st = { 0 };
		st.t_on = xcalloc((size_t)n, sizeof(double));
		st.t_off = xcalloc((size_t)n, sizeof(double));
		rng = sets[k].seed;
		for (long tries = 0; st.made < n && tries < n * 100; tries++) {
			words_of(titles.v[rnd((uint32_t)titles.n)], &words);
			one_case(ix, cur, &words, sets[k].nbad, &st);
		}
		report(sets[k].what, &st);
		free(st.t_on);
		free(st.t_off);
	}
	search_cursor_free(cur);
	search_close(ix);
	store_close(s);
	strlist_release(&titles);
	strlist_release(&words);
	buf_release(&err);
	buf_release(&path);
	return 0;
}
