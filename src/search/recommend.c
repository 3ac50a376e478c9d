/*
 * recommend.c - "for you": a reader's own ranking of candidate papers,
 * learnt from the papers they liked (upvoted, saved, or that match what
 * they follow), as arxiv-sanity does: a linear SVM (liblinear) on tf-idf
 * features of title and abstract, the liked papers against a sample of the
 * others, blended with how near each candidate is in meaning to the liked
 * papers' centroid. Features are the index's own vocabulary (its term
 * numbers); a paper's meaning is its vector in the index. Runs in the
 * background, never inside a request.
 */
#include "search_int.h"
#include <linear.h>
#include <math.h>

struct feat_ctx {
	const struct segment *sg;
	uint32_t *idx;
	float *tf;
	size_t n, cap;
};

static void on_feature(void *ctx, const char *term, size_t n, unsigned pos, unsigned flags)
{
	struct feat_ctx *f = ctx;
	(void)pos;
	if (flags & TOK_PART)
		return;
	const struct idx_term *t = index_term_find(f->sg, term, n);
	if (!t)
		return;
	uint32_t k = (uint32_t)(t - f->sg->terms);
	for (size_t i = 0; i < f->n; i++)
		if (f->idx[i] == k) {
			f->tf[i] += 1.0f;
			return;
		}
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->idx = xrealloc(f->idx, f->cap * sizeof(*f->idx));
		f->tf = xrealloc(f->tf, f->cap * sizeof(*f->tf));
	}
	f->idx[f->n] = k;
	f->tf[f->n++] = 1.0f;
}

static int cmp_feat(const void *a, const void *b)
{
	const struct feature_node *x = a, *y = b;
	return (x->index > y->index) - (x->index < y->index);
}

/* tf-idf (sublinear tf) of text over the main segment's vocabulary, L2
 * normalised, sorted by index, ended by index -1 (and a bias slot). */
static struct feature_node *features(struct search_index *ix, struct search_cursor *c, const char *text)
{
	const struct segment *sg = ix->seg[0];
	struct feat_ctx f = { sg, NULL, NULL, 0, 0 };
	tokenize(c->tk, text, strlen(text), true, on_feature, &f);
	struct feature_node *x = xcalloc(f.n + 2, sizeof(*x));
	double norm = 0, nd = (double)sg->h->ndocs;
	for (size_t i = 0; i < f.n; i++) {
		double df = sg->terms[f.idx[i]].df;
		double v = (1.0 + log(f.tf[i])) * log((nd + 1.0) / (df + 1.0));
		x[i].index = (int)f.idx[i] + 1;
		x[i].value = v;
		norm += v * v;
	}
	norm = norm > 0 ? sqrt(norm) : 1.0;
	for (size_t i = 0; i < f.n; i++)
		x[i].value /= norm;
	qsort(x, f.n, sizeof(*x), cmp_feat);
	x[f.n].index = -1;
	free(f.idx);
	free(f.tf);
	return x;
}

/* Adds paper id's unit meaning vector to acc; false when it has none. */
static bool add_vector(struct search_index *ix, const char *id, float *acc, float scale)
{
	if (!ix->glove)
		return false;
	for (size_t i = ix->nseg; i-- > 0;) {
		const struct segment *sg = ix->seg[i];
		int64_t d = index_doc_by_id(sg, id);
		if (d < 0)
			continue;
		const int8_t *v = sg->vecs + (size_t)(sg->pos_of_doc ? sg->pos_of_doc[d] : (uint32_t)d) * sg->h->dims;
		for (uint32_t j = 0; j < sg->h->dims; j++)
			acc[j] += scale * (float)v[j] / 127.0f;
		return true;
	}
	return false;
}

static void zscore(double *v, size_t n)
{
	double m = 0, sd = 0;
	for (size_t i = 0; i < n; i++)
		m += v[i];
	m /= n ? (double)n : 1.0;
	for (size_t i = 0; i < n; i++)
		sd += (v[i] - m) * (v[i] - m);
	sd = n > 1 ? sqrt(sd / (double)(n - 1)) : 0;
	for (size_t i = 0; i < n; i++)
		v[i] = sd > 1e-12 ? (v[i] - m) / sd : 0;
}

static void quiet(const char *s)
{
	(void)s;
}

/* Scores each candidate by how near in meaning it is to the liked papers'
 * centroid, into vs (z-scores; 0 where there is no vector). */
static void meaning_scores(struct search_index *ix, uint32_t dims, const struct search_liked *liked, size_t nliked,
			   const struct search_candidate *cand, size_t ncand, double *vs)
{
	float *cen = xcalloc(dims, sizeof(float)), *cv = xcalloc(dims, sizeof(float));
	size_t have = 0;
	for (size_t i = 0; i < nliked; i++)
		have += add_vector(ix, liked[i].id, cen, (float)liked[i].weight);
	double cn = 0;
	for (uint32_t j = 0; j < dims; j++)
		cn += (double)cen[j] * cen[j];
	cn = cn > 0 ? sqrt(cn) : 1;
	for (size_t i = 0; have && i < ncand; i++) {
		memset(cv, 0, dims * sizeof(float));
		if (!add_vector(ix, cand[i].id, cv, 1.0f))
			continue;
		double dot = 0, nn = 0;
		for (uint32_t j = 0; j < dims; j++) {
			dot += (double)cen[j] * cv[j];
			nn += (double)cv[j] * cv[j];
		}
		vs[i] = nn > 0 ? dot / (cn * sqrt(nn)) : 0;
	}
	free(cen);
	free(cv);
	zscore(vs, ncand);
}

/* Scores each candidate by a linear SVM, the liked papers against the
 * candidates, into ws (z-scores); false, with err set, when liblinear
 * refuses the problem. */
static bool word_scores(struct search_index *ix, struct search_cursor *c, const struct search_liked *liked,
			size_t nliked, const struct search_candidate *cand, size_t ncand, double *ws, struct buf *err)
{
	size_t l = nliked + ncand;
	struct problem prob;
	prob.l = (int)l;
	prob.bias = 1.0;
	prob.y = xcalloc(l, sizeof(double));
	prob.x = xcalloc(l, sizeof(struct feature_node *));
	int maxf = 0;
	for (size_t i = 0; i < l; i++) {
		const char *text = i < nliked ? liked[i].text : cand[i - nliked].text;
		struct feature_node *x = features(ix, c, text ? text : "");
		size_t k = 0;
		while (x[k].index != -1) {
			if (x[k].index > maxf)
				maxf = x[k].index;
			k++;
		}
		prob.x[i] = x;
		prob.y[i] = i < nliked ? 1 : -1;
	}
	/* the bias feature after the vocabulary */
	for (size_t i = 0; i < l; i++) {
		size_t k = 0;
		while (prob.x[i][k].index != -1)
			k++;
		prob.x[i][k].index = maxf + 1;
		prob.x[i][k].value = prob.bias;
		prob.x[i][k + 1].index = -1;
	}
	prob.n = maxf + 1;
	struct parameter param;
	memset(&param, 0, sizeof(param));
	param.solver_type = L2R_L2LOSS_SVC_DUAL;
	param.eps = 0.1;
	param.C = 0.1;
	int labels[2] = { 1, -1 };
	double weights[2] = { (double)ncand / (double)nliked, 1.0 }; /* the classes weigh the same */
	param.nr_weight = 2;
	param.weight_label = labels;
	param.weight = weights;
	set_print_string_function(quiet);
	const char *bad = check_parameter(&prob, &param);
	if (bad) {
		buf_setf(err, "recommendations: %s", bad);
	} else {
		struct model *m = train(&prob, &param);
		for (size_t i = 0; i < ncand; i++) {
			double dec = 0;
			predict_values(m, prob.x[nliked + i], &dec);
			/* liblinear's first label is the first one seen: liked */
			ws[i] = m->label[0] == 1 ? dec : -dec;
		}
		free_and_destroy_model(&m);
		zscore(ws, ncand);
	}
	for (size_t i = 0; i < l; i++)
		free(prob.x[i]);
	free(prob.x);
	free(prob.y);
	return !bad;
}

int search_recommend(struct search_index *ix, struct search_cursor *c, enum search_rec_mode mode,
		     const struct search_liked *liked, size_t nliked, const struct search_candidate *cand, size_t ncand,
		     double *scores, struct buf *err)
{
	if (!ncand)
		return 0;
	for (size_t i = 0; i < ncand; i++)
		scores[i] = 0;
	if (!nliked)
		return 0;
	uint32_t dims = ix->glove ? ix->seg[0]->h->dims : 0;
	/* meaning: the liked papers' centroid */
	double *vs = xcalloc(ncand, sizeof(double));
	if (dims)
		meaning_scores(ix, dims, liked, nliked, cand, ncand, vs);
	/* words: a linear SVM, the liked papers against the candidates (most
	 * of which a reader passes by), once there are a few liked ones */
	double *ws = xcalloc(ncand, sizeof(double));
	bool svm = nliked >= 3 && mode != REC_MEANING;
	if (svm)
		svm = word_scores(ix, c, liked, nliked, cand, ncand, ws, err);
	double meaning = mode == REC_WORDS ? 0.0 : svm ? SEARCH_RECOMMEND_MEANING : 1.0;
	for (size_t i = 0; i < ncand; i++)
		scores[i] = (svm ? ws[i] : 0) + meaning * vs[i] + cand[i].boost;
	free(vs);
	free(ws);
	return 0;
}
