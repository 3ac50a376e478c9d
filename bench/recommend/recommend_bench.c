/*
 * recommend_bench.c - an offline evaluation of "for you" on the real daily
 * papers. Simulated readers: the Hugging Face users who submitted papers
 * (submittedOnDailyBy) on 6 days or more. For each, the papers they
 * submitted before their latest are what they liked; their latest is
 * hidden and ranked among every paper featured in the week that ends on its
 * day (that day and the 6 before: a week's feed). hit@10 and MRR of
 * the hidden paper, for: popularity (the day's upvotes), meaning only (the
 * liked papers' centroid), words only (the SVM), and the blend the service
 * uses. Goal: hit@10 at least twice popularity's.
 *
 * usage: pb-bench-recommend DB
 */
#include "../../src/search/search.h"

struct rec {
	char id[PAPER_ID_MAX], day[16];
	char *submitter, *text;
	pb_time at;
	int upvotes;
};

struct all {
	struct rec *v;
	size_t n, cap;
};

static int collect(const struct paper *p, void *ctx)
{
	struct all *a = ctx;
	if (!p->hf_day[0])
		return 0;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 4096;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	struct rec *r = &a->v[a->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", p->id);
	snprintf(r->day, sizeof(r->day), "%s", p->hf_day);
	r->submitter = p->submitter ? xstrdup(p->submitter) : NULL;
	struct buf t = BUF_INIT;
	buf_addf(&t, "%s\n%s", p->title ? p->title : "", p->abstract ? p->abstract : "");
	r->text = buf_detach(&t);
	r->at = p->submitted_at ? p->submitted_at : p->published;
	r->upvotes = paper_upvotes(p);
	return 0;
}

static void day_add(const char *day, int delta, char out[16])
{
	pb_time t;
	if (day_parse(day, &t)) {
		snprintf(out, 16, "%s", day);
		return;
	}
	time_format_day(t + (pb_time)delta * 86400000LL, out);
}

static int by_submitter_time(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
	int c = strcmp(a->submitter ? a->submitter : "", b->submitter ? b->submitter : "");
	if (c)
		return c;
	return (a->at > b->at) - (a->at < b->at);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pb-bench-recommend DB\n");
		return 2;
	}
	struct store *s;
	struct buf err = BUF_INIT, path = BUF_INIT;
	if (store_open(argv[1], 0, &s, &err)) {
		fprintf(stderr, "pb-bench-recommend: %s\n", err.s);
		return 1;
	}
	struct all a = { 0 };
	store_paper_scan(s, collect, &a, &err);
	search_index_path(argv[1], &path);
	struct search_index *ix;
	if (search_open(path.s, &ix, &err)) {
		fprintf(stderr, "pb-bench-recommend: %s\n", err.s);
		return 1;
	}
	struct search_cursor *cur = search_cursor_new(NULL, NULL);
	/* by day, for the candidates */
	struct rec *byday = xmalloc(a.n * sizeof(*byday));
	memcpy(byday, a.v, a.n * sizeof(*byday));
	qsort(a.v, a.n, sizeof(*a.v), by_submitter_time);
	static const char *const names[] = { "popularity (upvotes)", "meaning only", "words only (SVM)",
					     "blend (the service's)" };
	double hit[4] = { 0 }, mrr[4] = { 0 };
	size_t readers = 0, cands_total = 0;
	double t_total = 0;
	for (size_t i = 0; i < a.n;) {
		size_t j = i;
		while (j < a.n && a.v[j].submitter && a.v[i].submitter && !strcmp(a.v[j].submitter, a.v[i].submitter))
			j++;
		if (j == i)
			j = i + 1;
		/* distinct days of submission */
		size_t days = 0;
		for (size_t k = i; k < j; k++)
			days += k == i || strcmp(a.v[k].day, a.v[k - 1].day);
		if (a.v[i].submitter && days >= 6) {
			const struct rec *target = &a.v[j - 1];
			size_t nliked = 0;
			struct search_liked *liked = xcalloc(j - i, sizeof(*liked));
			char wk[16];
			day_add(target->day, -6, wk);
			for (size_t k = i; k < j - 1; k++)
				if (strcmp(a.v[k].day, wk) < 0) /* only what they liked before the week */
					liked[nliked++] = (struct search_liked){ a.v[k].id, a.v[k].text, 1.0 };
			struct search_candidate *cand = xcalloc(a.n, sizeof(*cand));
			int *votes = xcalloc(a.n, sizeof(int));
			size_t nc = 0, ti = 0;
			char from[16];
			day_add(target->day, -6, from);
			for (size_t k = 0; k < a.n; k++)
				if (strcmp(byday[k].day, target->day) <= 0 && strcmp(byday[k].day, from) >= 0) {
					if (!strcmp(byday[k].id, target->id))
						ti = nc;
					votes[nc] = byday[k].upvotes;
					cand[nc++] = (struct search_candidate){ byday[k].id, byday[k].text, 0 };
				}
			if (nliked >= 3 && nc >= 11) {
				readers++;
				cands_total += nc;
				double *sc = xcalloc(nc, sizeof(double));
				for (int m = 0; m < 4; m++) {
					if (m == 0) {
						for (size_t k = 0; k < nc; k++)
							sc[k] = votes[k];
					} else {
						double t0 = mono_seconds();
						search_recommend(ix, cur, m == 1 ? REC_MEANING : m == 2 ? REC_WORDS : REC_BLEND, liked,
								 nliked, cand, nc, sc, &err);
						if (m == 3)
							t_total += mono_seconds() - t0;
					}
					size_t rank = 1;
					for (size_t k = 0; k < nc; k++)
						rank += k != ti && (sc[k] > sc[ti] || (sc[k] == sc[ti] && k < ti));
					hit[m] += rank <= 10;
					mrr[m] += 1.0 / (double)rank;
				}
				free(sc);
			}
			free(liked);
			free(cand);
			free(votes);
		}
		i = j;
	}
	printf("%zu simulated readers (Hugging Face submitters on 6+ days): their latest paper hidden among the %.0f papers "
	       "of its week on average, the earlier ones liked\n",
	       readers, readers ? (double)cands_total / (double)readers : 0);
	for (int m = 0; m < 4; m++)
		printf("  %-24s hit@10 %.3f  MRR %.3f\n", names[m], hit[m] / (double)readers, mrr[m] / (double)readers);
	printf("blend / popularity: hit@10 %.2fx (goal >= 2x -> %s); %.1f ms a reader\n", hit[3] / hit[0],
	       hit[3] >= 2 * hit[0] ? "met" : "NOT met", readers ? t_total / (double)readers * 1e3 : 0);
	search_cursor_free(cur);
	search_close(ix);
	store_close(s);
	return 0;
}
