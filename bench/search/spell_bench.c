/*
 * spell_bench.c - how well spelling correction recovers misspelled queries.
 *
 * Queries are made from the real titles in a store: a span of 2 to 4
 * consecutive words of a title, one word of it (5 letters or more)
 * misspelled by one edit (a letter deleted, two swapped, or one replaced),
 * drawn with a fixed seed. For each, the top 10 of the correct query is
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
	double sum_on = 0, sum_off = 0, *t_on = xcalloc((size_t)n, sizeof(double)), *t_off = xcalloc((size_t)n, sizeof(double));
	long made = 0, corrected = 0, exact_fix = 0, tries = 0;
	static const char *const ops[] = { "deletion", "transposition", "substitution" };
	long by_op[3] = { 0 };
	double ov_op[3] = { 0 };
	while (made < n && tries++ < n * 100) {
		words_of(titles.v[rnd((uint32_t)titles.n)], &words);
		if (words.n < 2)
			continue;
		size_t span = 2 + rnd(3), start;
		if (span > words.n)
			span = words.n;
		start = rnd((uint32_t)(words.n - span + 1));
		/* the word to misspell: 5 letters or more */
		size_t cand[8], nc = 0;
		for (size_t i = start; i < start + span && nc < 8; i++)
			if (strlen(words.v[i]) >= 5)
				cand[nc++] = i;
		if (!nc)
			continue;
		size_t wi = cand[rnd((uint32_t)nc)];
		char bad[64];
		snprintf(bad, sizeof(bad), "%s", words.v[wi]);
		size_t len = strlen(bad), at = 1 + rnd((uint32_t)(len - 2)); /* never the first letter */
		int op = (int)rnd(3);
		if (op == 0) {
			memmove(bad + at, bad + at + 1, len - at);
		} else if (op == 1) {
			if (bad[at] == bad[at + 1])
				continue;
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
		struct buf good = BUF_INIT, wrong = BUF_INIT;
		for (size_t i = start; i < start + span; i++) {
			buf_addf(&good, "%s%s", i > start ? " " : "", words.v[i]);
			buf_addf(&wrong, "%s%s", i > start ? " " : "", i == wi ? bad : words.v[i]);
		}
		struct search_hit a[10], b[10], c2[10];
		size_t na = 10, nb = 10, nc2 = 10;
		struct search_opts off = { SEARCH_HYBRID, SEARCH_RELEVANCE, false, false }, on = off;
		on.correct = true;
		struct search_info info;
		if (search_run(ix, cur, good.s, &off, a, &na, NULL, &err) || !na) {
			buf_release(&good);
			buf_release(&wrong);
			continue;
		}
		double t0 = mono_seconds();
		search_run(ix, cur, wrong.s, &on, b, &nb, &info, &err);
		t_on[made] = mono_seconds() - t0;
		t0 = mono_seconds();
		search_run(ix, cur, wrong.s, &off, c2, &nc2, NULL, &err);
		t_off[made] = mono_seconds() - t0;
		double o_on = overlap(a, na, b, nb), o_off = overlap(a, na, c2, nc2);
		sum_on += o_on;
		sum_off += o_off;
		corrected += info.corrected;
		exact_fix += info.corrected && !strcmp(info.suggestion, good.s);
		by_op[op]++;
		ov_op[op] += o_on;
		made++;
		buf_release(&good);
		buf_release(&wrong);
	}
	qsort(t_on, (size_t)made, sizeof(double), cmp_double);
	qsort(t_off, (size_t)made, sizeof(double), cmp_double);
	printf("%ld misspelled queries from %zu real titles (2-4 words, one edit in a word of 5+ letters; seeded)\n",
	       made, titles.n);
	printf("top-10 overlap with the correct query's top 10: %.3f with correction, %.3f without\n", sum_on / (double)made,
	       sum_off / (double)made);
	for (int i = 0; i < 3; i++)
		printf("  %-13s %4ld queries, overlap %.3f\n", ops[i], by_op[i], by_op[i] ? ov_op[i] / (double)by_op[i] : 0);
	printf("corrected: %ld (%.1f%%), to exactly the correct query: %ld (%.1f%%)\n", corrected,
	       100.0 * (double)corrected / (double)made, exact_fix, 100.0 * (double)exact_fix / (double)made);
	printf("query time (hybrid, one thread): with correction p50 %.2f ms, p99 %.2f ms; without p50 %.2f ms, p99 %.2f ms\n",
	       t_on[made / 2] * 1e3, t_on[made * 99 / 100] * 1e3, t_off[made / 2] * 1e3, t_off[made * 99 / 100] * 1e3);
	printf("goal: overlap >= 0.8 -> %s\n", sum_on / (double)made >= 0.8 ? "met" : "NOT met");
	search_cursor_free(cur);
	search_close(ix);
	store_close(s);
	strlist_release(&titles);
	strlist_release(&words);
	free(t_on);
	free(t_off);
	buf_release(&err);
	buf_release(&path);
	return 0;
}
