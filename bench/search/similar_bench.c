/*
 * similar_bench.c - how good "similar papers" are, measured on the real
 * daily papers: a paper's related papers are the others that share an
 * author with it or come from its organization (people and labs go on
 * working on their topics); precision@10 is the share of its 10 similar
 * papers that are related, averaged over the papers that have at least 3
 * related ones. A second count, with "related" = at least 2 shared AI
 * keywords, is printed beside. Both methods (meaning alone; meaning and
 * the title's words) run on the same papers.
 *
 * A third protocol (issue 21, item 5) asks whether similar papers share
 * the paper's distinctive words and names: a title word (letters and
 * digits, 4 or more, lower-cased) is distinctive when 2 to 10 titles hold
 * it, inside one of their words or as one (MMLU is in "KMMLU-Pro" and
 * "IndicMMLU-Pro"); two papers are related when one's title holds a
 * distinctive word of the other's. Precision@10 over the sampled papers
 * with 3 or more such related papers. (It is close to what the title
 * share of SIMILAR_HYBRID rewards, so read it beside the other two.)
 *
 * usage: pb-bench-similar DB [N]      (N papers sampled with a fixed seed, default 1000)
 */
#include "../../src/search/search.h"
#include <ctype.h>

struct rec {
	char id[PAPER_ID_MAX];
	struct strlist words; /* the title's words (letters and digits, lower case) */
	struct strlist authors, keywords;
	char *org;
};

struct all {
	struct rec *v;
	size_t n, cap;
};

static int collect(const struct paper *p, void *ctx)
{
	struct all *a = ctx;
	if (!p->hf_day[0] || p->hidden)
		return 0;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 1024;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	struct rec *r = &a->v[a->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", p->id);
	strlist_copy(&r->authors, &p->authors);
	for (size_t i = 0; i < p->ai_keywords.n; i++) {
		char k[128];
		size_t n = strlen(p->ai_keywords.v[i]) < sizeof(k) - 1 ? strlen(p->ai_keywords.v[i]) : sizeof(k) - 1;
		for (size_t j = 0; j < n; j++)
			k[j] = (char)(p->ai_keywords.v[i][j] >= 'A' && p->ai_keywords.v[i][j] <= 'Z' ? p->ai_keywords.v[i][j] + 32
												      : p->ai_keywords.v[i][j]);
		strlist_push(&r->keywords, k, n);
	}
	r->org = p->organization && *p->organization ? xstrdup(p->organization) : NULL;
	for (const char *t = p->title ? p->title : ""; *t;) {
		while (*t && !isalnum((unsigned char)*t))
			t++;
		char w[64];
		size_t n = 0;
		for (; isalnum((unsigned char)*t); t++)
			if (n < sizeof(w) - 1)
				w[n++] = (char)tolower((unsigned char)*t);
		if (n)
			strlist_push(&r->words, w, n);
	}
	return 0;
}

static bool title_holds(const struct rec *r, const char *w)
{
	for (size_t i = 0; i < r->words.n; i++)
		if (strstr(r->words.v[i], w))
			return true;
	return false;
}

/* How many titles hold w (inside a word), up to 11. */
static size_t title_df(const struct all *a, const char *w)
{
	size_t n = 0;
	for (size_t i = 0; i < a->n && n <= 10; i++)
		n += title_holds(&a->v[i], w);
	return n;
}

/* r's distinctive title words (2 to 10 titles hold them) into out. */
static void distinctive_words(const struct all *a, const struct rec *r, struct strlist *out)
{
	strlist_release(out);
	for (size_t i = 0; i < r->words.n; i++) {
		const char *w = r->words.v[i];
		size_t n = strlen(w), digits = strspn(w, "0123456789");
		if (n < 4 || digits == n)
			continue;
		size_t df = title_df(a, w);
		if (df >= 2 && df <= 10)
			strlist_push(out, w, n);
	}
}

static bool related_title(const struct strlist *dw, const struct rec *b)
{
	for (size_t i = 0; i < dw->n; i++)
		if (title_holds(b, dw->v[i]))
			return true;
	return false;
}

static bool share(const struct strlist *a, const struct strlist *b, size_t need)
{
	size_t n = 0;
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			if (!strcmp(a->v[i], b->v[j])) {
				if (++n >= need)
					return true;
				break;
			}
	return false;
}

static bool related_people(const struct rec *a, const struct rec *b)
{
	return share(&a->authors, &b->authors, 1) || (a->org && b->org && !strcmp(a->org, b->org));
}

static bool related_words(const struct rec *a, const struct rec *b)
{
	return share(&a->keywords, &b->keywords, 2);
}

static struct store *gstore;


static int by_id(const void *x, const void *y)
{
	return strcmp(((const struct rec *)x)->id, ((const struct rec *)y)->id);
}

int main(int argc, char **argv)
{
	long want = 1000;
	if (argc < 2 || (argc > 2 && parse_int(argv[2], 1, 1000000, &want))) {
		fprintf(stderr, "usage: pb-bench-similar DB [N]\n");
		return 2;
	}
	struct buf err = BUF_INIT, path = BUF_INIT;
	if (store_open(argv[1], 0, &gstore, &err)) {
		fprintf(stderr, "pb-bench-similar: %s\n", err.s);
		return 1;
	}
	struct all a = { 0 };
	store_paper_scan(gstore, collect, &a, &err);
	qsort(a.v, a.n, sizeof(*a.v), by_id);
	search_index_path(argv[1], &path);
	struct search_index *ix;
	if (search_open(path.s, &ix, &err)) {
		fprintf(stderr, "pb-bench-similar: %s\n", err.s);
		return 1;
	}
	struct search_cursor *cur = search_cursor_new(search_store_text, gstore);
	uint64_t rng = 88172645463325252ull;
	static const char *const names[] = { "meaning alone (today's)", "meaning + title words" };
	double p_people[2] = { 0 }, p_words[2] = { 0 }, secs[2] = { 0 };
	long used = 0, tries = 0;
	while (used < want && tries++ < want * 50) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		const struct rec *r = &a.v[rng % a.n];
		size_t nrel = 0;
		for (size_t j = 0; j < a.n && nrel < 3; j++)
			nrel += &a.v[j] != r && related_people(r, &a.v[j]);
		if (nrel < 3)
			continue;
		for (int m = 0; m < 2; m++) {
			struct search_hit hits[11];
			size_t n = 11;
			double t0 = mono_seconds();
			if (search_similar_run(ix, cur, r->id, m ? SIMILAR_HYBRID : SIMILAR_VECTORS, hits, &n, &err))
				n = 0;
			secs[m] += mono_seconds() - t0;
			size_t k = 0, hp = 0, hw = 0;
			for (size_t i = 0; i < n && k < 10; i++) {
				if (!strcmp(hits[i].id, r->id))
					continue;
				struct rec key;
				memcpy(key.id, hits[i].id, sizeof(key.id));
				const struct rec *o = bsearch(&key, a.v, a.n, sizeof(*a.v), by_id);
				k++;
				if (o) {
					hp += related_people(r, o);
					hw += related_words(r, o);
				}
			}
			p_people[m] += (double)hp / 10.0;
			p_words[m] += (double)hw / 10.0;
		}
		used++;
	}
	/* the title protocol: its own sample */
	double p_title[2] = { 0 };
	long used_t = 0;
	tries = 0;
	struct strlist dw = { 0 };
	while (used_t < want && tries++ < want * 50) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		const struct rec *r = &a.v[rng % a.n];
		distinctive_words(&a, r, &dw);
		size_t nrel = 0;
		for (size_t j = 0; j < a.n && nrel < 3 && dw.n; j++)
			nrel += &a.v[j] != r && related_title(&dw, &a.v[j]);
		if (nrel < 3)
			continue;
		for (int m = 0; m < 2; m++) {
			struct search_hit hits[11];
			size_t n = 11, k = 0, ht = 0;
			if (search_similar_run(ix, cur, r->id, m ? SIMILAR_HYBRID : SIMILAR_VECTORS, hits, &n, &err))
				n = 0;
			for (size_t i = 0; i < n && k < 10; i++) {
				if (!strcmp(hits[i].id, r->id))
					continue;
				struct rec key;
				memcpy(key.id, hits[i].id, sizeof(key.id));
				const struct rec *o = bsearch(&key, a.v, a.n, sizeof(*a.v), by_id);
				k++;
				ht += o && related_title(&dw, o);
			}
			p_title[m] += (double)ht / 10.0;
		}
		used_t++;
	}
	strlist_release(&dw);
	printf("%ld featured papers with 3+ related ones (of %zu), similar top 10:\n", used, a.n);
	for (int m = 0; m < 2; m++)
		printf("  %-26s precision@10: %.3f (same author or organization), %.3f (2+ shared AI keywords); %.2f ms a paper\n",
		       names[m], p_people[m] / (double)used, p_words[m] / (double)used, secs[m] / (double)used * 1e3);
	printf("ratio (new / today's): %.2fx, %.2fx\n", p_people[1] / p_people[0], p_words[1] / p_words[0]);
	printf("%ld featured papers with 3+ papers whose titles share a distinctive word with theirs:\n", used_t);
	for (int m = 0; m < 2; m++)
		printf("  %-26s precision@10: %.3f (titles share a distinctive word)\n", names[m],
		       p_title[m] / (double)used_t);
	search_cursor_free(cur);
	search_close(ix);
	store_close(gstore);
	return 0;
}
