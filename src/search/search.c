/*
 * search.c - opening the index, parsing queries and top-k retrieval.
 *
 * Scores are integers: idf scaled by 1000 and rounded, times the posting's
 * impact byte; sums are exact and independent of the order of addition, so
 * the pruned search and the exhaustive one rank identically (ties: lower
 * document number first).
 *
 * Top-k for free text is MaxScore (Turtle & Flood) with block-max bounds:
 * terms are ordered by their largest possible contribution; those whose
 * bounds together cannot lift a document into the top k are only probed
 * for documents found through the others, and a probe is skipped when the
 * bound of the block it would land in is too small. Queries with required
 * terms walk the rarest required list and probe the rest.
 */
#include "search_int.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_QTERMS 64
#define END_DOC UINT32_MAX
/* idf x 1000 x impact (255 = k1 + 1): back to BM25's scale for display */
#define SCORE_SCALE (1000.0 * 255.0 / 2.2)

int search_open(const char *path, struct search_index **out, struct buf *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_setf(err, "%s: %s%s", path, strerror(errno),
			 errno == ENOENT ? " (run 'paperboy index rebuild')" : "");
		return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) || (size_t)sb.st_size < sizeof(struct idx_header)) {
		close(fd);
		buf_setf(err, "%s: not a paperboy index (too small)", path);
		return -1;
	}
	void *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		buf_setf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	const struct idx_header *h = map;
	if (memcmp(h->magic, IDX_MAGIC, 8) || h->version != IDX_VERSION || h->file_size != (uint64_t)sb.st_size ||
	    h->off_postings > h->file_size || h->off_docs + h->ndocs * sizeof(struct idx_doc) > h->off_ids ||
	    h->off_terms + h->nterms * sizeof(struct idx_term) > h->off_termstr ||
	    h->off_vecs + h->ndocs * (uint64_t)h->dims > h->file_size) {
		munmap(map, (size_t)sb.st_size);
		buf_setf(err, "%s: not a paperboy index, or a damaged one (run 'paperboy index rebuild')", path);
		return -1;
	}
	struct search_index *ix = xcalloc(1, sizeof(*ix));
	ix->map = map;
	ix->size = (size_t)sb.st_size;
	ix->h = h;
	ix->docs = (const struct idx_doc *)(ix->map + h->off_docs);
	ix->ids = (const char *)(ix->map + h->off_ids);
	ix->idsort = (const uint32_t *)(const void *)(ix->map + h->off_idsort);
	ix->terms = (const struct idx_term *)(const void *)(ix->map + h->off_terms);
	ix->termstr = (const char *)(ix->map + h->off_termstr);
	ix->postings = ix->map + h->off_postings;
	ix->tk = tokenizer_new();
	if (h->dims) {
		struct buf gp = BUF_INIT, gerr = BUF_INIT;
		glove_default_path(&gp);
		/* the same word vectors as at build time, or no semantic search */
		if (!glove_open(gp.s, &ix->glove, &gerr) &&
		    (glove_dims(ix->glove) != h->dims || glove_words(ix->glove) != h->glove_words)) {
			glove_close(ix->glove);
			ix->glove = NULL;
		}
		if (ix->glove)
			ix->vecs = (const int8_t *)(ix->map + h->off_vecs);
		buf_release(&gp);
		buf_release(&gerr);
	}
	*out = ix;
	return 0;
}

void search_close(struct search_index *ix)
{
	if (!ix)
		return;
	munmap((void *)ix->map, ix->size);
	tokenizer_free(ix->tk);
	glove_close(ix->glove);
	free(ix);
}

void search_index_stats(const struct search_index *ix, struct search_index_stats *st)
{
	st->docs = ix->h->ndocs;
	st->terms = ix->h->nterms;
	st->postings = ix->h->npostings;
	st->file_bytes = ix->size;
	for (int i = 0; i < NFIELDS; i++)
		st->avg_len[i] = ix->h->avg_len[i];
}

const struct idx_term *index_term_find(const struct search_index *ix, const char *term, size_t n)
{
	size_t lo = 0, hi = ix->h->nterms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *s = ix->termstr + ix->terms[mid].str_off;
		int c = strncmp(term, s, n);
		if (!c && s[n])
			c = -1;
		if (!c)
			return &ix->terms[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int64_t index_doc_by_id(const struct search_index *ix, const char *id)
{
	size_t lo = 0, hi = ix->h->ndocs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t d = ix->idsort[mid];
		int c = strcmp(id, ix->ids + ix->docs[d].id_off);
		if (!c)
			return d;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* ---- cursors over posting lists ----------------------------------------- */

struct cursor {
	const struct idx_block *blocks;
	const unsigned char *payload;
	uint32_t nb, b, sb, pos, cnt, doc;
	uint32_t docs[IDX_BLOCK];
	const uint8_t *imp;
	int64_t w; /* idf x 1000 */
	int64_t ub; /* w x the term's largest impact */
};

static void cur_decode(struct cursor *c)
{
	const struct idx_block *bl = &c->blocks[c->b];
	const unsigned char *p = c->payload + bl->byte_off;
	uint32_t doc = c->b ? c->blocks[c->b - 1].last_doc : 0;
	c->cnt = bl->count;
	for (uint32_t j = 0; j < c->cnt; j++) {
		uint32_t v = 0;
		int shift = 0;
		while (*p & 0x80) {
			v |= (uint32_t)(*p++ & 0x7f) << shift;
			shift += 7;
		}
		v |= (uint32_t)*p++ << shift;
		doc += v;
		c->docs[j] = doc;
	}
	c->imp = p;
	c->pos = 0;
	c->doc = c->docs[0];
}

static void cur_init(struct cursor *c, const struct search_index *ix, const struct idx_term *t, int64_t w)
{
	memset(c, 0, sizeof(*c));
	c->blocks = (const struct idx_block *)(const void *)(ix->postings + t->post_off);
	c->payload = ix->postings + t->post_off + (uint64_t)t->nblocks * sizeof(struct idx_block);
	c->nb = t->nblocks;
	c->w = w;
	c->ub = w * (int64_t)t->max_impact;
	if (c->nb)
		cur_decode(c);
	else
		c->doc = END_DOC;
}

static void cur_next(struct cursor *c)
{
	if (c->doc == END_DOC)
		return;
	if (++c->pos < c->cnt) {
		c->doc = c->docs[c->pos];
		return;
	}
	if (++c->b >= c->nb) {
		c->doc = END_DOC;
		return;
	}
	cur_decode(c);
}

static void cur_next_geq(struct cursor *c, uint32_t d)
{
	if (c->doc >= d)
		return;
	if (c->blocks[c->b].last_doc < d) {
		while (c->b < c->nb && c->blocks[c->b].last_doc < d)
			c->b++;
		if (c->b >= c->nb) {
			c->doc = END_DOC;
			return;
		}
		cur_decode(c);
	}
	while (c->docs[c->pos] < d)
		c->pos++;
	c->doc = c->docs[c->pos];
}

/* The largest contribution the term can make to document d, from the
 * block d would fall in (without decoding it). */
static int64_t cur_block_bound(struct cursor *c, uint32_t d)
{
	if (c->sb < c->b)
		c->sb = c->b;
	while (c->sb < c->nb && c->blocks[c->sb].last_doc < d)
		c->sb++;
	return c->sb < c->nb ? c->w * c->blocks[c->sb].max_impact : 0;
}

static int64_t cur_score(const struct cursor *c)
{
	return c->w * c->imp[c->pos];
}

/* ---- the top-k heap (worst result at the root) -------------------------- */

struct heap {
	struct { int64_t score; uint32_t doc; } *v;
	size_t n, k;
};

/* Is a worse than b? Lower score, or the same score and a later doc. */
static bool worse(int64_t sa, uint32_t da, int64_t sb, uint32_t db)
{
	return sa < sb || (sa == sb && da > db);
}

static void heap_push(struct heap *h, int64_t score, uint32_t doc)
{
	size_t i;
	if (h->n < h->k) {
		i = h->n++;
		while (i && worse(score, doc, h->v[(i - 1) / 2].score, h->v[(i - 1) / 2].doc)) {
			h->v[i] = h->v[(i - 1) / 2];
			i = (i - 1) / 2;
		}
	} else {
		if (!worse(h->v[0].score, h->v[0].doc, score, doc))
			return;
		i = 0;
		for (;;) {
			size_t l = 2 * i + 1, r = l + 1, m = i;
			int64_t ms = score;
			uint32_t md = doc;
			if (l < h->n && worse(h->v[l].score, h->v[l].doc, ms, md))
				m = l, ms = h->v[l].score, md = h->v[l].doc;
			if (r < h->n && worse(h->v[r].score, h->v[r].doc, ms, md))
				m = r;
			if (m == i)
				break;
			h->v[i] = h->v[m];
			i = m;
		}
	}
	h->v[i].score = score;
	h->v[i].doc = doc;
}

/* The score a new document must beat, or -1 while the heap is not full. */
static int64_t heap_threshold(const struct heap *h)
{
	return h->n < h->k ? -1 : h->v[0].score;
}

/* ---- queries ------------------------------------------------------------ */

enum qkind { Q_OPT, Q_REQ, Q_EXCL };

struct qterm {
	const struct idx_term *t; /* NULL: not in the index */
	int64_t w;
	enum qkind kind;
};

struct query {
	struct qterm terms[MAX_QTERMS];
	size_t n;
	int32_t after, before; /* days; 0: none */
	bool words;            /* any positive (optional or required) word */
	bool missing_required;
	int64_t id_doc;
	struct search_index *ix;
	enum qkind cur_kind;
	bool cur_filter;
	bool overflow;
	bool structured; /* operators, fields or phrases: lexical only */
};

static int64_t idf_weight(const struct search_index *ix, uint32_t df)
{
	double n = (double)ix->h->ndocs;
	return (int64_t)llround(1000.0 * log(1.0 + (n - df + 0.5) / (df + 0.5)));
}

static void add_qterm(struct query *q, const char *term, size_t n, enum qkind kind, bool filter)
{
	const struct idx_term *t = index_term_find(q->ix, term, n);
	if (kind != Q_EXCL)
		q->words = true;
	if (!t) {
		if (kind == Q_REQ)
			q->missing_required = true;
		return;
	}
	for (size_t i = 0; i < q->n; i++)
		if (q->terms[i].t == t) {
			if (kind == Q_REQ && q->terms[i].kind == Q_OPT)
				q->terms[i].kind = Q_REQ;
			if (kind == Q_EXCL)
				q->terms[i].kind = Q_EXCL;
			return;
		}
	if (q->n == MAX_QTERMS) {
		q->overflow = true;
		return;
	}
	q->terms[q->n].t = t;
	q->terms[q->n].w = filter || kind == Q_EXCL ? 0 : idf_weight(q->ix, t->df);
	q->terms[q->n].kind = kind;
	q->n++;
}

static void on_query_token(void *ctx, const char *term, size_t n, unsigned pos, unsigned flags)
{
	struct query *q = ctx;
	(void)pos;
	/* a required compound needs its joined form; its parts only score */
	enum qkind kind = q->cur_kind;
	if (kind == Q_REQ && (flags & TOK_PART))
		kind = Q_OPT;
	if (kind == Q_EXCL && (flags & TOK_PART))
		return;
	add_qterm(q, term, n, kind, false);
}

static void on_author_query_token(void *ctx, const char *term, size_t n, unsigned pos, unsigned flags)
{
	struct query *q = ctx;
	char tmp[80];
	(void)pos;
	if ((flags & TOK_PART) || n + 2 >= sizeof(tmp))
		return;
	tmp[0] = 'a';
	tmp[1] = ':';
	memcpy(tmp + 2, term, n);
	add_qterm(q, tmp, n + 2, q->cur_kind == Q_EXCL ? Q_EXCL : Q_REQ, true);
}

/* Reads one value: a "quoted string" or a run of non-space bytes. */
static const char *read_value(const char *p, const char **start, size_t *len)
{
	if (*p == '"') {
		p++;
		const char *e = strchr(p, '"');
		*start = p;
		*len = e ? (size_t)(e - p) : strlen(p);
		return e ? e + 1 : p + *len;
	}
	*start = p;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n')
		p++;
	*len = (size_t)(p - *start);
	return p;
}

static int parse_query(struct query *q, const char *text, struct buf *err)
{
	const char *p = text;
	bool any = false;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		any = true;
		enum qkind kind = Q_OPT;
		if (*p == '+' || *p == '-') {
			kind = *p == '+' ? Q_REQ : Q_EXCL;
			q->structured = true;
			p++;
		}
		if (*p == '"')
			q->structured = true;
		const char *colon = NULL;
		for (const char *s = p; *s && *s != ' ' && *s != '"'; s++)
			if (*s == ':') {
				colon = s;
				break;
			}
		const char *v;
		size_t vlen;
		char field[16] = "";
		if (colon && colon - p < (ptrdiff_t)sizeof(field) && colon > p) {
			memcpy(field, p, (size_t)(colon - p));
			field[colon - p] = '\0';
			for (char *f = field; *f; f++)
				*f = (char)(*f >= 'A' && *f <= 'Z' ? *f + 32 : *f);
		}
		if (field[0] && (!strcmp(field, "author") || !strcmp(field, "au") || !strcmp(field, "cat") ||
				 !strcmp(field, "category") || !strcmp(field, "after") || !strcmp(field, "before")))
			q->structured = true;
		if (!strcmp(field, "author") || !strcmp(field, "au")) {
			p = read_value(colon + 1, &v, &vlen);
			q->cur_kind = kind;
			tokenize(q->ix->tk, v, vlen, false, on_author_query_token, q);
		} else if (!strcmp(field, "cat") || !strcmp(field, "category")) {
			p = read_value(colon + 1, &v, &vlen);
			char tmp[80];
			if (vlen + 2 < sizeof(tmp)) {
				tmp[0] = 'c';
				tmp[1] = ':';
				for (size_t i = 0; i < vlen; i++)
					tmp[2 + i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
				add_qterm(q, tmp, vlen + 2, kind == Q_EXCL ? Q_EXCL : Q_REQ, true);
			}
		} else if (!strcmp(field, "after") || !strcmp(field, "before")) {
			p = read_value(colon + 1, &v, &vlen);
			char day[16];
			pb_time t;
			if (vlen >= sizeof(day) || (memcpy(day, v, vlen), day[vlen] = '\0', day_parse(day, &t))) {
				buf_setf(err, "%s: expects a date YYYY-MM-DD, got \"%.*s\"", field, (int)(vlen > 40 ? 40 : vlen), v);
				return -1;
			}
			if (field[0] == 'a')
				q->after = (int32_t)(t / 86400000LL);
			else
				q->before = (int32_t)(t / 86400000LL);
		} else {
			p = read_value(p, &v, &vlen);
			/* a quoted phrase: every word required (adjacency is not checked yet) */
			bool phrase = v > text && v[-1] == '"';
			q->cur_kind = phrase && kind == Q_OPT ? Q_REQ : kind;
			tokenize(q->ix->tk, v, vlen, true, on_query_token, q);
		}
	}
	if (!any) {
		buf_setf(err, "empty query: type a few words, an author:\"Name\", a cat:cs.LG or an arXiv id");
		return -1;
	}
	if (!q->words && !q->after && !q->before && q->id_doc < 0) {
		buf_setf(err, "nothing to search for: the query has no searchable words (only stop words, symbols or exclusions)");
		return -1;
	}
	if (q->overflow) {
		buf_setf(err, "query too long: at most %d distinct terms", MAX_QTERMS);
		return -1;
	}
	return 0;
}

static bool date_ok(const struct query *q, uint32_t d)
{
	int32_t day = q->ix->docs[d].day;
	if (q->after && day < q->after)
		return false;
	if (q->before && day >= q->before)
		return false;
	return true;
}

static int cmp_ub(const void *a, const void *b)
{
	const struct cursor *x = a, *y = b;
	return x->ub < y->ub ? -1 : x->ub > y->ub;
}

/* Top-k: fills heap h. */
static void run_query(struct query *q, struct heap *h)
{
	struct cursor cur[MAX_QTERMS], excl[MAX_QTERMS];
	size_t nc = 0, ne = 0, nreq = 0;
	if (q->missing_required)
		return;
	for (size_t i = 0; i < q->n; i++) {
		if (q->terms[i].kind == Q_EXCL)
			cur_init(&excl[ne++], q->ix, q->terms[i].t, 0);
	}
	/* required terms first (they lead), then optional ones */
	for (size_t i = 0; i < q->n; i++)
		if (q->terms[i].kind == Q_REQ)
			cur_init(&cur[nc++], q->ix, q->terms[i].t, q->terms[i].w);
	nreq = nc;
	for (size_t i = 0; i < q->n; i++)
		if (q->terms[i].kind == Q_OPT)
			cur_init(&cur[nc++], q->ix, q->terms[i].t, q->terms[i].w);

	if (!nc && q->words)
		return; /* none of the words is in the index */
	if (!nc) { /* only dates: every document in range, best = lowest number */
		for (uint32_t d = 0; d < q->ix->h->ndocs && h->n < h->k; d++) {
			bool ex = false;
			for (size_t e = 0; e < ne; e++) {
				cur_next_geq(&excl[e], d);
				ex |= excl[e].doc == d;
			}
			if (!ex && date_ok(q, d))
				heap_push(h, 0, d);
		}
		return;
	}

	if (nreq) {
		/* lead with the rarest required list */
		size_t lead = 0;
		for (size_t i = 1; i < nreq; i++)
			if (cur[i].nb < cur[lead].nb)
				lead = i;
		uint32_t d = cur[lead].doc;
		while (d != END_DOC) {
			bool all = true;
			for (size_t i = 0; i < nreq; i++) {
				cur_next_geq(&cur[i], d);
				if (cur[i].doc != d) {
					all = false;
					d = cur[i].doc;
					break;
				}
			}
			if (!all)
				continue;
			int64_t score = 0;
			for (size_t i = 0; i < nreq; i++)
				score += cur_score(&cur[i]);
			int64_t theta = heap_threshold(h), bound = score;
			for (size_t i = nreq; i < nc; i++)
				bound += cur[i].ub;
			bool ok = bound > theta && date_ok(q, d);
			for (size_t e = 0; ok && e < ne; e++) {
				cur_next_geq(&excl[e], d);
				ok = excl[e].doc != d;
			}
			if (ok) {
				for (size_t i = nreq; i < nc; i++) {
					cur_next_geq(&cur[i], d);
					if (cur[i].doc == d)
						score += cur_score(&cur[i]);
				}
				if (score > theta)
					heap_push(h, score, d);
			}
			cur_next(&cur[lead]);
			d = cur[lead].doc;
		}
		return;
	}

	/* MaxScore over optional terms */
	qsort(cur, nc, sizeof(*cur), cmp_ub);
	int64_t prefix[MAX_QTERMS];
	for (size_t i = 0; i < nc; i++)
		prefix[i] = cur[i].ub + (i ? prefix[i - 1] : 0);
	size_t fe = 0; /* cur[0..fe) are non-essential */
	for (;;) {
		int64_t theta = heap_threshold(h);
		while (fe < nc && prefix[fe] <= theta)
			fe++;
		if (fe == nc)
			break;
		uint32_t d = END_DOC;
		for (size_t i = fe; i < nc; i++)
			if (cur[i].doc < d)
				d = cur[i].doc;
		if (d == END_DOC)
			break;
		int64_t score = 0;
		for (size_t i = fe; i < nc; i++)
			if (cur[i].doc == d) {
				score += cur_score(&cur[i]);
				cur_next(&cur[i]);
			}
		bool ok = true;
		for (size_t i = fe; i-- > 0;) {
			if (score + prefix[i] <= theta) {
				ok = false;
				break;
			}
			int64_t bb = cur_block_bound(&cur[i], d);
			if (score + prefix[i] - cur[i].ub + bb <= theta) {
				ok = false;
				break;
			}
			if (!bb)
				continue;
			cur_next_geq(&cur[i], d);
			if (cur[i].doc == d)
				score += cur_score(&cur[i]);
		}
		if (!ok || score <= theta || !date_ok(q, d))
			continue;
		for (size_t e = 0; ok && e < ne; e++) {
			cur_next_geq(&excl[e], d);
			ok = excl[e].doc != d;
		}
		if (ok)
			heap_push(h, score, d);
	}
}

static int cmp_results(const void *a, const void *b)
{
	const struct { int64_t score; uint32_t doc; } *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* Sorts the heap and writes hits (the id-first paper leads); scores are
 * divided by `scale` for display. */
static void emit_hits_scaled(struct query *q, struct heap *h, struct search_hit *hits, size_t *n, double scale)
{
	qsort(h->v, h->n, sizeof(*h->v), cmp_results);
	size_t cap = *n, k = 0;
	if (q->id_doc >= 0 && k < cap) {
		snprintf(hits[k].id, sizeof(hits[k].id), "%s", q->ix->ids + q->ix->docs[q->id_doc].id_off);
		hits[k].score = h->n ? (double)h->v[0].score / scale + 1.0 : 1.0;
		k++;
	}
	for (size_t i = 0; i < h->n && k < cap; i++) {
		if ((int64_t)h->v[i].doc == q->id_doc)
			continue;
		snprintf(hits[k].id, sizeof(hits[k].id), "%s", q->ix->ids + q->ix->docs[h->v[i].doc].id_off);
		hits[k].score = (double)h->v[i].score / scale;
		k++;
	}
	*n = k;
}

static void emit_hits(struct query *q, struct heap *h, struct search_hit *hits, size_t *n)
{
	emit_hits_scaled(q, h, hits, n, SCORE_SCALE);
}

/* int8 dot products of unit vectors x 127 -> cosine similarity */
#define COSINE_SCALE (127.0 * 127.0)
/* fused RRF scores were scaled by 1e9 */
#define RRF_SCALE 1e9

static int prepare(struct search_index *ix, const char *text, struct query *q, struct buf *err)
{
	memset(q, 0, sizeof(*q));
	q->ix = ix;
	q->id_doc = -1;
	char id[PAPER_ID_MAX];
	if (!arxiv_id_parse(text, id, NULL)) {
		/* the whole query is an id or URL: that paper, and nothing that
		 * merely shares the URL's words */
		q->id_doc = index_doc_by_id(ix, id);
		q->words = true;
		q->missing_required = true;
		return 0;
	}
	return parse_query(q, text, err);
}

/* Nearest neighbours of vector v (int8, unit length x 127) by an exact
 * scan; `skip` (or -1) is left out, dates are honoured. Fills h. */
static void knn(struct search_index *ix, const int8_t *v, int64_t skip, const struct query *q, struct heap *h)
{
	uint32_t dims = ix->h->dims;
	for (uint32_t d = 0; d < ix->h->ndocs; d++) {
		int64_t score = vec_dot(v, ix->vecs + (size_t)d * dims, dims);
		if ((int64_t)d == skip || score <= heap_threshold(h) || (q && !date_ok(q, d)))
			continue;
		heap_push(h, score, d);
	}
}

/* Semantic top-k of the query's words. */
static void run_semantic(struct search_index *ix, const char *text, const struct query *q, struct heap *h)
{
	uint32_t dims = ix->h->dims;
	float *acc = xcalloc(dims, sizeof(float));
	int8_t *v = xmalloc(dims);
	glove_embed(ix->glove, text, strlen(text), acc);
	if (vec_quantize(acc, dims, v))
		knn(ix, v, -1, q, h);
	free(acc);
	free(v);
}

/* Reciprocal rank fusion (Cormack et al. 2009, k = 60) of two rankings
 * sorted best first; the fused list goes back into a. */
#define RRF_K 60

static void fuse(struct heap *a, struct heap *b)
{
	size_t n = a->n + b->n;
	struct { int64_t score; uint32_t doc; } *all = xmalloc((n + 1) * sizeof(*all));
	size_t m = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct heap *h = pass ? b : a;
		for (size_t r = 0; r < h->n; r++) {
			int64_t s = (int64_t)(1e9 / (RRF_K + r + 1));
			size_t i = 0;
			while (i < m && all[i].doc != h->v[r].doc)
				i++;
			if (i == m) {
				all[m].doc = h->v[r].doc;
				all[m].score = 0;
				m++;
			}
			all[i].score += s;
		}
	}
	qsort(all, m, sizeof(*all), cmp_results);
	a->n = m < a->k ? m : a->k;
	memcpy(a->v, all, a->n * sizeof(*all));
	free(all);
}

int search_query(struct search_index *ix, const char *text, enum search_mode mode, struct search_hit *hits,
		 size_t *n, struct buf *err)
{
	struct query q;
	if (prepare(ix, text, &q, err))
		return -1;
	bool semantic = ix->glove && mode != SEARCH_BM25 && !q.structured && q.id_doc < 0;
	if (mode == SEARCH_SEMANTIC && !semantic && q.id_doc < 0 && !q.structured) {
		buf_setf(err, "semantic search is off: the index has no word vectors (run scripts/setup.sh, then "
			      "'paperboy index rebuild')");
		return -1;
	}
	size_t depth = *n;
	if (semantic && mode == SEARCH_HYBRID && depth < 100)
		depth = 100; /* fuse deeper lists than we show */
	struct heap h = { xmalloc((depth + 1) * sizeof(*h.v)), 0, depth };
	if (mode != SEARCH_SEMANTIC || !semantic)
		run_query(&q, &h);
	else
		run_semantic(ix, text, &q, &h);
	if (semantic && mode == SEARCH_HYBRID) {
		struct heap s = { xmalloc((depth + 1) * sizeof(*s.v)), 0, depth };
		run_semantic(ix, text, &q, &s);
		qsort(h.v, h.n, sizeof(*h.v), cmp_results);
		qsort(s.v, s.n, sizeof(*s.v), cmp_results);
		fuse(&h, &s); /* sorted, best first: cutting keeps the best */
		free(s.v);
		if (h.n > *n)
			h.n = *n;
	}
	emit_hits_scaled(&q, &h, hits, n,
			 !semantic ? SCORE_SCALE : mode == SEARCH_HYBRID ? RRF_SCALE : COSINE_SCALE);
	free(h.v);
	return 0;
}

int search_similar(struct search_index *ix, const char *id, struct search_hit *hits, size_t *n, struct buf *err)
{
	char pid[PAPER_ID_MAX];
	if (arxiv_id_parse(id, pid, NULL))
		snprintf(pid, sizeof(pid), "%s", id);
	int64_t d = index_doc_by_id(ix, pid);
	if (d < 0) {
		buf_setf(err, "%s: not in the index", pid);
		return -1;
	}
	if (!ix->glove) {
		buf_setf(err, "similar papers need the word vectors (run scripts/setup.sh, then 'paperboy index rebuild')");
		return -1;
	}
	struct heap h = { xmalloc((*n + 1) * sizeof(*h.v)), 0, *n };
	knn(ix, ix->vecs + (size_t)d * ix->h->dims, d, NULL, &h);
	struct query q;
	memset(&q, 0, sizeof(q));
	q.ix = ix;
	q.id_doc = -1;
	emit_hits_scaled(&q, &h, hits, n, COSINE_SCALE);
	free(h.v);
	return 0;
}

int search_query_exhaustive(struct search_index *ix, const char *text, struct search_hit *hits, size_t *n,
			    struct buf *err)
{
	struct query q;
	if (prepare(ix, text, &q, err))
		return -1;
	size_t nd = ix->h->ndocs;
	int64_t *score = xcalloc(nd + 1, sizeof(*score));
	uint32_t *req = xcalloc(nd + 1, sizeof(*req));
	bool *any = xcalloc(nd + 1, sizeof(*any)), *ex = xcalloc(nd + 1, sizeof(*ex));
	size_t nreq = 0, npos = 0;
	for (size_t i = 0; i < q.n; i++) {
		struct cursor c;
		cur_init(&c, ix, q.terms[i].t, q.terms[i].w);
		nreq += q.terms[i].kind == Q_REQ;
		npos += q.terms[i].kind != Q_EXCL;
		for (; c.doc != END_DOC; cur_next(&c)) {
			if (q.terms[i].kind == Q_EXCL) {
				ex[c.doc] = true;
				continue;
			}
			score[c.doc] += cur_score(&c);
			any[c.doc] = true;
			req[c.doc] += q.terms[i].kind == Q_REQ;
		}
	}
	struct heap h = { xmalloc((*n + 1) * sizeof(*h.v)), 0, *n };
	bool nothing = q.missing_required || (q.words && !npos);
	for (size_t d = 0; d < nd && h.k && !nothing; d++) {
		if (ex[d] || req[d] != nreq || !date_ok(&q, (uint32_t)d) || (npos && !any[d]))
			continue;
		heap_push(&h, score[d], (uint32_t)d);
	}
	emit_hits(&q, &h, hits, n);
	free(h.v);
	free(score);
	free(req);
	free(any);
	free(ex);
	return 0;
}
