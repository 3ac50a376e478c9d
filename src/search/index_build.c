/*
 * index_build.c - builds the search index from the store.
 *
 * One pass over the papers tokenizes each field and appends, per term, the
 * document's gap and its per-field term frequencies to an in-memory posting
 * buffer; field lengths are kept per document. Then BM25F impacts are
 * computed with the final average lengths, quantized to a byte, and the
 * file is written to "PATH.tmp", synced and renamed over PATH.
 *
 * BM25F (Robertson & Zaragoza): tf~ = sum_f w_f tf_f / (1 - b_f + b_f len_f/avglen_f),
 * impact = tf~ (k1 + 1) / (tf~ + k1); score(d, q) = sum_t idf_t impact_td.
 */
#include <ctype.h>
#include "search_int.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <dirent.h>
#include <libgen.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/file.h>
#include <unistd.h>

/* fwrite that accepts an empty array (a NULL pointer with n == 0, which
 * fwrite itself may not be given) */
static size_t fwrite_n(const void *p, size_t size, size_t n, FILE *f)
{
	return n && size ? fwrite(p, size, n, f) : 0;
}

/* Ranking settings, not fitted to any one collection: the usual BM25
 * values, titles and keywords weighted above the abstract. */
static const double K1 = 1.2;
static const double FIELD_W[NFIELDS] = { 2.0, 1.0, 1.0, 1.5, 1.0 };
static const double FIELD_B[NFIELDS] = { 0.5, 0.75, 0.3, 0.5, 0.75 };

#define TAIL_BYTES 31
#define POSTING_MAX (5 + 1 + NFIELDS) /* a posting's most bytes */

/* A term as its documents are indexed: one cache line, which counting a
 * document's terms brings in. Its newest postings are kept in the line
 * (tail) and put at the end of its list a few at a time: the lists' ends
 * are spread over the heap, and reaching one is a wait on memory. */
struct bterm {
	/* its list's last chunk (below): varint gap, field mask, one tf byte
	 * per set field, posting after posting */
	_Alignas(64) unsigned char *post;
	uint32_t post_len, post_cap; /* in the last chunk */
	uint32_t df;
	uint32_t last_doc; /* last document appended, for gaps */
	uint32_t seen_doc; /* the current document, + 1 (0: not seen) */
	uint32_t slot;     /* index into the current document's term list */
	uint8_t tail_len;
	unsigned char tail[TAIL_BYTES]; /* the postings after post's */
};
_Static_assert(sizeof(struct bterm) == 64, "a term is one cache line");

/* A term's string, looked at when it is met for the first time by a
 * thread's cache of words and when the file is written. */
struct tname {
	uint32_t hash;
	uint32_t str_off; /* into the builder's term arena */
	uint32_t len;
};

/* A term's list in memory is a chain of chunks taken from its lexicon's
 * pool, each twice the size of the one before (up to CHUNK_MAX) and
 * filled before the next is taken: a list is never copied to grow, and
 * the pool's memory, kept from one spill to the next, is touched once.
 * A chunk's bytes follow its header. */
struct chunk_head {
	unsigned char *next; /* the next chunk's bytes, NULL: the last */
	uint32_t cap;
	uint32_t pad;
};
#define CHUNK_FIRST 48
#define CHUNK_MAX (64u << 10)
#define POOL_BLOCK ((size_t)4 << 20)

struct pool {
	unsigned char **block;
	size_t nblock, used; /* blocks held, blocks taken since the last reset */
	unsigned char *cur, *end;
};

/* One indexing thread's dictionary and postings (its documents only, in
 * increasing order); merged with the others when the file is written. */
struct lexicon {
	struct tokenizer *tk;
	struct buf arena; /* term strings, NUL-separated */
	struct bterm *terms;
	struct tname *names;
	unsigned char **head; /* each term's first chunk in memory, NULL: none */
	struct pool pool;
	size_t nterms, cap;
	uint32_t *table; /* open addressing: term index + 1 */
	size_t tsize;
	/* the current document */
	uint32_t doc, *dterms;
	uint32_t *tok; /* its terms as met: term << 3 | field */
	size_t ntok, tokcap;
	uint8_t (*dtf)[NFIELDS];
	size_t ndterms, dcap;
	int field;
	uint16_t dlen[NFIELDS];
	uint64_t npostings;
	float *acc; /* vector accumulator */
	struct vec_words vw; /* the current document's words with vectors */
	struct glove_near near; /* the vectors of the words met */
	uint32_t *order; /* terms in term order, at write time */
	/* postings spilled to a file when they grow past the build's memory:
	 * run r holds, for each term it knew, the bytes appended since run
	 * r - 1 (the documents increase, so a term's runs, then what is in
	 * memory, put end to end are its whole list) */
	size_t post_bytes; /* in memory: the chunks taken from the pool */
	FILE *runs;
	uint64_t runs_len;
	struct run {
		uint64_t *off;
		uint32_t *len;
		size_t nterms;
	} *run;
	size_t nrun;
};

#define NLEX 2       /* indexing threads */
#define MAX_TERMS (1u << 29) /* a thread's: a term number and a field fit in 32 bits */
#define BATCH_DOCS 256
#define BATCH_TEXT_MAX (64u << 20) /* a batch's text is sent on past this (its offsets are 32-bit) */
#define QUEUE_BATCHES 8

/* What index_paper reads of a queued paper: its strings by number in the
 * batch's text (-1: none), its lists as runs of numbers. */
struct queued_paper {
	int32_t title, abstract;
	uint32_t list[3], nlist[3]; /* authors, keywords, categories */
};

struct batch {
	/* papers [first, first + n): their strings copied one after another
	 * into text (NUL-terminated), the k-th at text.s + str[k] */
	struct queued_paper p[BATCH_DOCS];
	struct buf text;
	uint32_t *str;
	size_t nstr, str_cap;
	uint32_t first, n;
	/* or (bodies) the full texts of documents doc[0..n) */
	bool bodies;
	uint32_t doc[BATCH_DOCS];
	char *body[BATCH_DOCS];
	size_t body_len[BATCH_DOCS], body_bytes;
};

struct builder {
	struct lexicon lex[NLEX];
	/* per document, shared (each written by the thread indexing it) */
	uint16_t (*lens)[NFIELDS];
	struct idx_doc *docs;
	uint64_t *tkeys; /* title keys */
	int8_t *vecs;
	struct buf ids;
	size_t ndocs, docs_cap;
	struct progress prog;
	uint64_t seq;  /* the store's write sequence when the scan began */
	bool delta;
	/* semantic vectors (NULL glove: none) */
	struct glove *glove;
	uint32_t dims;
	/* the queue from the reader to the indexing threads */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *queue[QUEUE_BATCHES];
	size_t qhead, qcount, busy;
	bool done;
	struct batch *filling;
	/* the papers that have a full text: their ids (sorted, from the
	 * store before the scan) and their documents (in order, from it) */
	char **text_ids;
	size_t ntext_ids, text_cap;
	uint32_t *body_docs;
	size_t nbody, body_cap;
	const char *path;      /* the index being built: spills go beside it */
	char spill_error[256]; /* a spill that failed ("" none) */
};


static void table_grow(struct lexicon *b)
{
	size_t size = b->tsize ? b->tsize * 2 : 1 << 16;
	uint32_t *t = xcalloc(size, sizeof(*t));
	for (size_t i = 0; i < b->nterms; i++) {
		const struct tname *bt = &b->names[i];
		size_t h = bt->hash & (size - 1);
		while (t[h])
			h = (h + 1) & (size - 1);
		t[h] = (uint32_t)i + 1;
	}
	free(b->table);
	b->table = t;
	b->tsize = size;
}

static uint32_t term_id(struct lexicon *b, const char *s, size_t n)
{
	if ((b->nterms + 1) * 2 > b->tsize)
		table_grow(b);
	uint32_t full = hash_bytes(s, n);
	size_t h = full & (b->tsize - 1);
	while (b->table[h]) {
		const struct tname *bt = &b->names[b->table[h] - 1];
		if (bt->hash == full && bt->len == n && !memcmp(b->arena.s + bt->str_off, s, n))
			return b->table[h] - 1;
		h = (h + 1) & (b->tsize - 1);
	}
	if (b->nterms == b->cap) {
		if (b->nterms >= MAX_TERMS) { /* (tens of gigabytes of terms first: as out of memory) */
			fprintf(stderr, "paperboy: index: more than %u terms in one indexing thread\n", MAX_TERMS);
			abort();
		}
		b->cap = b->cap ? b->cap * 2 : 1 << 15;
		struct bterm *terms = xaligned_alloc(64, b->cap * sizeof(*terms));
		if (b->nterms)
			memcpy(terms, b->terms, b->nterms * sizeof(*terms));
		free(b->terms);
		b->terms = terms;
		b->names = xrealloc(b->names, b->cap * sizeof(*b->names));
		b->head = xrealloc(b->head, b->cap * sizeof(*b->head));
	}
	memset(&b->terms[b->nterms], 0, sizeof(*b->terms));
	b->head[b->nterms] = NULL;
	struct tname *bt = &b->names[b->nterms];
	bt->hash = full;
	bt->str_off = (uint32_t)b->arena.len;
	bt->len = (uint32_t)n;
	buf_add(&b->arena, s, n);
	buf_addc(&b->arena, '\0');
	b->table[h] = (uint32_t)b->nterms + 1;
	return (uint32_t)b->nterms++;
}

static void add_term_id(struct lexicon *b, uint32_t t);

static void add_term(struct lexicon *b, const char *s, size_t n)
{
	add_term_id(b, term_id(b, s, n));
}

/* Term t met in the current field: counted when the document is done. */
static void add_term_id(struct lexicon *b, uint32_t t)
{
	if (b->ntok == b->tokcap) {
		b->tokcap = b->tokcap ? 2 * b->tokcap : 1024;
		b->tok = xrealloc(b->tok, b->tokcap * sizeof(*b->tok));
	}
	b->tok[b->ntok++] = t << 3 | (uint32_t)b->field;
}

void (*index_counts_hook)(uint32_t doc, const char *term, const uint8_t tf[NFIELDS]);

#define COUNT_AHEAD 8 /* terms whose state is asked for ahead of the one counted */

/* The current document's terms, in the order met, each once, with its
 * count in each field: its terms' states are spread over megabytes, so
 * each is asked for COUNT_AHEAD terms before it is looked at. */
static void count_terms(struct lexicon *b)
{
	uint32_t stamp = b->doc + 1;
	for (size_t i = 0; i < b->ntok; i++) {
		if (i + COUNT_AHEAD < b->ntok)
			__builtin_prefetch(&b->terms[b->tok[i + COUNT_AHEAD] >> 3], 1);
		uint32_t t = b->tok[i] >> 3, field = b->tok[i] & 7;
		struct bterm *bt = &b->terms[t];
		if (bt->seen_doc != stamp) {
			bt->seen_doc = stamp;
			if (b->ndterms == b->dcap) {
				b->dcap = b->dcap ? b->dcap * 2 : 1024;
				b->dterms = xrealloc(b->dterms, b->dcap * sizeof(*b->dterms));
				b->dtf = xrealloc(b->dtf, b->dcap * sizeof(*b->dtf));
			}
			bt->slot = (uint32_t)b->ndterms;
			b->dterms[b->ndterms] = t;
			memset(b->dtf[b->ndterms], 0, NFIELDS);
			b->ndterms++;
		}
		uint8_t *tf = &b->dtf[bt->slot][field];
		if (*tf < 255)
			(*tf)++;
	}
	b->ntok = 0;
	if (index_counts_hook)
		for (size_t i = 0; i < b->ndterms; i++)
			index_counts_hook(b->doc, b->arena.s + b->names[b->dterms[i]].str_off, b->dtf[i]);
}

static void on_token(void *ctx, const char *term, size_t n, unsigned pos, unsigned flags)
{
	struct lexicon *b = ctx;
	(void)pos;
	uint32_t *slot = tokenizer_slot(b->tk);
	if (slot && *slot) {
		add_term_id(b, *slot - 1);
	} else {
		uint32_t t = term_id(b, term, n);
		if (slot)
			*slot = t + 1;
		add_term_id(b, t);
	}
	if (!(flags & TOK_JOINED) && b->dlen[b->field] < UINT16_MAX)
		b->dlen[b->field]++;
}

/* Author names: every word as "a:word" (unstemmed) for author: queries,
 * and stemmed into the authors field for free text. */
static void on_author_token(void *ctx, const char *term, size_t n, unsigned pos, unsigned flags)
{
	struct lexicon *b = ctx;
	char tmp[80];
	uint32_t *slot = tokenizer_slot(b->tk);
	if (slot && slot[1]) {
		add_term_id(b, slot[1] - 1);
	} else if (n + 2 < sizeof(tmp)) {
		tmp[0] = 'a';
		tmp[1] = ':';
		memcpy(tmp + 2, term, n);
		uint32_t t = term_id(b, tmp, n + 2);
		if (slot)
			slot[1] = t + 1;
		add_term_id(b, t);
	}
	on_token(ctx, term, n, pos, flags);
}

static uint32_t get_varint(const unsigned char **p)
{
	uint32_t v = 0;
	int shift = 0;
	while (**p & 0x80) {
		v |= (uint32_t)(**p & 0x7f) << shift;
		shift += 7;
		(*p)++;
	}
	v |= (uint32_t)**p << shift;
	(*p)++;
	return v;
}

static void append_postings(struct lexicon *b);

struct vec_hook {
	struct glove_near *gn;
	struct vec_words *vw;
	float scale;
};

static void on_vec_word(void *ctx, const char *w, size_t n, uint32_t *slot)
{
	struct vec_hook *v = ctx;
	glove_near_add(v->gn, v->vw, w, n, slot, v->scale);
}

/* Indexes paper p as document `doc` into lexicon b (one thread's); its
 * meaning vector is made from the same pass over its words: the title
 * counts twice (it says what the paper is about), the abstract and the
 * keywords once, the authors not. */
static void index_paper(struct builder *bl, struct lexicon *b, const struct paper *p, uint32_t doc)
{
	struct vec_hook vh = { &b->near, &b->vw, 2.0f };
	b->doc = doc;
	b->ndterms = 0;
	memset(b->dlen, 0, sizeof(b->dlen));
	if (bl->glove) {
		memset(b->acc, 0, bl->dims * sizeof(float));
		tokenizer_on_word(b->tk, on_vec_word, &vh);
	}
	b->field = 0;
	if (p->title)
		tokenize(b->tk, p->title, strlen(p->title), true, on_token, b);
	vh.scale = 1.0f;
	b->field = 1;
	if (p->abstract)
		tokenize(b->tk, p->abstract, strlen(p->abstract), true, on_token, b);
	b->field = 3;
	for (size_t i = 0; i < p->ai_keywords.n; i++)
		tokenize(b->tk, p->ai_keywords.v[i], strlen(p->ai_keywords.v[i]), true, on_token, b);
	tokenizer_on_word(b->tk, NULL, NULL);
	if (bl->glove)
		glove_near_sum(&b->near, &b->vw, b->acc);
	b->field = 2;
	for (size_t i = 0; i < p->authors.n; i++)
		tokenize(b->tk, p->authors.v[i], strlen(p->authors.v[i]), false, on_author_token, b);
	/* categories as "c:cs.lg" (filters only: no length) */
	b->field = 3;
	for (size_t i = 0; i < p->categories.n; i++) {
		char tmp[80];
		int n = snprintf(tmp, sizeof(tmp), "c:%s", p->categories.v[i]);
		if (n > 2 && n < (int)sizeof(tmp)) {
			for (int k = 2; k < n; k++)
				tmp[k] = (char)(tmp[k] >= 'A' && tmp[k] <= 'Z' ? tmp[k] + 32 : tmp[k]);
			add_term(b, tmp, (size_t)n);
		}
	}
	count_terms(b);
	append_postings(b);
	memcpy(bl->lens[doc], b->dlen, sizeof(b->dlen));
	if (bl->glove) {
		glove_finish(bl->glove, b->acc);
		vec_quantize(b->acc, bl->dims, bl->vecs + (size_t)doc * bl->dims);
	}
}

/* n bytes (a multiple of 16) from pool p. */
static unsigned char *pool_take(struct pool *p, size_t n)
{
	if ((size_t)(p->end - p->cur) < n) {
		if (p->used == p->nblock) {
			p->block = xrealloc(p->block, (p->nblock + 1) * sizeof(*p->block));
			p->block[p->nblock++] = xaligned_alloc(64, POOL_BLOCK);
		}
		p->cur = p->block[p->used++];
		p->end = p->cur + POOL_BLOCK;
	}
	unsigned char *r = p->cur;
	p->cur += n;
	return r;
}

/* Every chunk given back, the blocks kept for the next. */
static void pool_reset(struct pool *p)
{
	p->used = 0;
	p->cur = p->end = NULL;
}

static void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->nblock; i++)
		free(p->block[i]);
	free(p->block);
	memset(p, 0, sizeof(*p));
}

static struct chunk_head *chunk_of(const unsigned char *bytes)
{
	return (struct chunk_head *)(void *)(bytes - sizeof(struct chunk_head));
}

/* A new last chunk for term t's list, twice its last. */
static void chunk_add(struct lexicon *lx, uint32_t t)
{
	struct bterm *bt = &lx->terms[t];
	size_t cap = bt->post_cap ? 2 * (size_t)bt->post_cap : CHUNK_FIRST;
	if (cap > CHUNK_MAX)
		cap = CHUNK_MAX;
	unsigned char *c = pool_take(&lx->pool, sizeof(struct chunk_head) + cap);
	lx->post_bytes += sizeof(struct chunk_head) + cap;
	struct chunk_head *h = (struct chunk_head *)(void *)c;
	h->next = NULL;
	h->cap = (uint32_t)cap;
	if (bt->post)
		chunk_of(bt->post)->next = c + sizeof(*h);
	else
		lx->head[t] = c + sizeof(*h);
	bt->post = c + sizeof(*h);
	bt->post_len = 0;
	bt->post_cap = (uint32_t)cap;
}

/* Forgets term t's postings in memory (spilled or written); their chunks
 * go back with the pool's reset. */
static void post_release(struct lexicon *lx, uint32_t t)
{
	struct bterm *bt = &lx->terms[t];
	bt->post = NULL;
	bt->post_len = bt->post_cap = 0;
	bt->tail_len = 0;
	lx->head[t] = NULL;
}

/* Puts term t's tail at the end of its list. */
static void flush_tail(struct lexicon *lx, uint32_t t)
{
	struct bterm *bt = &lx->terms[t];
	size_t n = bt->tail_len, done = 0;
	while (done < n) {
		if (bt->post_len == bt->post_cap)
			chunk_add(lx, t);
		size_t k = n - done < bt->post_cap - bt->post_len ? n - done : bt->post_cap - bt->post_len;
		memcpy(bt->post + bt->post_len, bt->tail + done, k);
		bt->post_len += (uint32_t)k;
		done += k;
	}
	bt->tail_len = 0;
}

/* Every term's tail at the end of its list (before its list is read). */
static void flush_tails(struct lexicon *lx)
{
	for (size_t t = 0; t < lx->nterms; t++)
		flush_tail(lx, (uint32_t)t);
}

/* Appends the current document to each of its terms' postings. */
static void append_postings(struct lexicon *b)
{
	uint32_t doc = b->doc;
	/* the lists' ends that are about to take a tail (spread over the
	 * heap): ask for them all first */
	for (size_t i = 0; i < b->ndterms; i++) {
		const struct bterm *bt = &b->terms[b->dterms[i]];
		if (bt->tail_len > TAIL_BYTES - POSTING_MAX && bt->post) /* (a new term has none yet) */
			__builtin_prefetch(bt->post + bt->post_len, 1);
	}
	for (size_t i = 0; i < b->ndterms; i++) {
		struct bterm *bt = &b->terms[b->dterms[i]];
		if (bt->tail_len > TAIL_BYTES - POSTING_MAX)
			flush_tail(b, b->dterms[i]);
		unsigned char *out = bt->tail + bt->tail_len;
		size_t n = 0;
		uint32_t gap = bt->df ? doc - bt->last_doc : doc;
		while (gap >= 0x80) {
			out[n++] = (unsigned char)(gap | 0x80);
			gap >>= 7;
		}
		out[n++] = (unsigned char)gap;
		size_t at_mask = n++;
		unsigned char mask = 0;
		for (int f = 0; f < NFIELDS; f++)
			if (b->dtf[i][f]) {
				mask |= (unsigned char)(1 << f);
				out[n++] = b->dtf[i][f];
			}
		if (!mask) { /* a category term: count it in the keywords field */
			mask = 1 << 3;
			out[n++] = 1;
		}
		out[at_mask] = mask;
		bt->tail_len = (uint8_t)(bt->tail_len + n);
		bt->last_doc = doc;
		bt->df++;
		b->npostings++;
	}
}

/* ---- the full text ------------------------------------------------------------
 * A paper's body goes in after the scan (the store is read one query at a
 * time), in document order: its words as "b:" terms of a field of their
 * own, with its own length. */

/* A body word: "b:" and its stem, never through the tokenizer's cache of
 * term numbers (which knows the words without the prefix). */
static void on_body_token(void *ctx, const char *term, size_t n, unsigned pos, unsigned flags)
{
	struct lexicon *b = ctx;
	char tmp[80];
	(void)pos;
	if (n + 2 < sizeof(tmp)) {
		memcpy(tmp, BODY_PREFIX, 2);
		memcpy(tmp + 2, term, n);
		add_term_id(b, term_id(b, tmp, n + 2));
	}
	if (!(flags & TOK_JOINED) && b->dlen[FIELD_BODY] < UINT16_MAX)
		b->dlen[FIELD_BODY]++;
}

/* Indexes a body as document doc into lexicon b (its other fields are in). */
static void index_body(struct builder *bl, struct lexicon *b, uint32_t doc, const char *text, size_t len)
{
	b->doc = doc;
	b->ndterms = 0;
	memset(b->dlen, 0, sizeof(b->dlen));
	b->field = FIELD_BODY;
	tokenize(b->tk, text, len, true, on_body_token, b);
	add_term(b, BODY_PREFIX, 2);
	count_terms(b);
	append_postings(b);
	bl->lens[doc][FIELD_BODY] = b->dlen[FIELD_BODY];
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int collect_text_id(const char *paper, void *ctx)
{
	struct builder *b = ctx;
	if (b->ntext_ids == b->text_cap) {
		b->text_cap = b->text_cap ? b->text_cap * 2 : 256;
		b->text_ids = xrealloc(b->text_ids, b->text_cap * sizeof(*b->text_ids));
	}
	b->text_ids[b->ntext_ids++] = xstrdup(paper);
	return 0;
}

/* The ids of the papers that have a full text, sorted (by bytes, as the
 * look-ups compare them, whatever the database's collation). */
static int load_text_ids(struct builder *b, struct store *s, struct buf *err)
{
	if (store_text_ids(s, collect_text_id, b, err))
		return -1;
	if (b->ntext_ids)
		qsort(b->text_ids, b->ntext_ids, sizeof(*b->text_ids), cmp_str);
	return 0;
}

/* Notes document doc (paper id) when the paper has a body (the scan's thread). */
static void note_body(struct builder *b, const char *id, uint32_t doc)
{
	if (!b->ntext_ids || !bsearch(&id, b->text_ids, b->ntext_ids, sizeof(*b->text_ids), cmp_str))
		return;
	if (b->nbody == b->body_cap) {
		b->body_cap = b->body_cap ? b->body_cap * 2 : 256;
		b->body_docs = xrealloc(b->body_docs, b->body_cap * sizeof(*b->body_docs));
	}
	b->body_docs[b->nbody++] = doc;
}

static struct batch *batch_new(bool bodies, uint32_t first);
static void push_batch(struct builder *b);
static void drain(struct builder *b);
static void maybe_spill(struct builder *b);

#define BODY_BATCH_BYTES (4u << 20) /* of text a batch of bodies holds, about */

/* Indexes the bodies of the documents noted, after the scan (whose papers
 * are all indexed first: a document's lengths are written once), by the
 * indexing threads: batches of bodies in document order, taken in order,
 * so that each thread's documents still increase; the postings held are
 * looked at after every quarter of the budget's worth of text (a text makes
 * about its own size of postings) and spilled past the budget. */
static int index_bodies(struct builder *b, struct store *s, struct buf *err)
{
	struct buf text = BUF_INIT;
	int rc = 0;
	uint64_t since_check = 0;
	drain(b);
	for (size_t i = 0; i < b->nbody && !rc && !b->spill_error[0]; i++) {
		uint32_t doc = b->body_docs[i];
		buf_reset(&text);
		const char *id = b->ids.s + b->docs[doc].id_off;
		int got = store_text_get(s, id, &text, err);
		if (got < 0 && store_errkind(s) == PB_CORRUPT) {
			/* one damaged text leaves its paper's body out, not the index */
			fprintf(stderr, "paperboy: index: %s: its full text is left out: %s\n", id, err->s);
			buf_reset(err);
			continue;
		}
		if (got < 0)
			rc = -1;
		if (got)
			continue; /* gone since (or failed) */
		if (!b->filling)
			b->filling = batch_new(true, 0);
		struct batch *bt = b->filling;
		bt->doc[bt->n] = doc;
		bt->body_len[bt->n] = text.len;
		bt->body_bytes += text.len;
		bt->body[bt->n++] = buf_detach(&text);
		since_check += bt->body_len[bt->n - 1];
		if (bt->n == BATCH_DOCS || bt->body_bytes >= BODY_BATCH_BYTES || since_check >= search_build_memory() / 4)
			push_batch(b);
		if (since_check >= search_build_memory() / 4 && b->path) {
			maybe_spill(b);
			since_check = 0;
		}
	}
	drain(b);
	buf_release(&text);
	return rc;
}

struct worker_arg {
	struct builder *b;
	struct lexicon *lex;
};

/* A new empty batch: of bodies, or of papers from document first. */
static struct batch *batch_new(bool bodies, uint32_t first)
{
	struct batch *bt = xcalloc(1, sizeof(*bt));
	buf_init(&bt->text);
	bt->bodies = bodies;
	bt->first = first;
	return bt;
}

/* Frees a batch whose bodies (if any) are freed already. */
static void batch_free(struct batch *bt)
{
	if (!bt)
		return;
	buf_release(&bt->text);
	free(bt->str);
	free(bt);
}

/* Indexes a batch of queued papers, each seen as a struct paper of what
 * index_paper reads, pointing into the batch's text. */
static void index_batch(struct builder *b, struct lexicon *lex, struct batch *bt)
{
	char **sp = xmalloc((bt->nstr ? bt->nstr : 1) * sizeof(*sp));
	for (size_t k = 0; k < bt->nstr; k++)
		sp[k] = bt->text.s + bt->str[k];
	struct paper view;
	paper_init(&view);
	struct strlist *lists[3] = { &view.authors, &view.ai_keywords, &view.categories };
	for (uint32_t i = 0; i < bt->n; i++) {
		const struct queued_paper *q = &bt->p[i];
		view.title = q->title < 0 ? NULL : sp[q->title];
		view.abstract = q->abstract < 0 ? NULL : sp[q->abstract];
		for (int l = 0; l < 3; l++) {
			lists[l]->v = sp + q->list[l];
			lists[l]->n = lists[l]->cap = q->nlist[l];
		}
		index_paper(b, lex, &view, bt->first + i);
	}
	free(sp);
}

/* An indexing thread: takes batches in order, so its documents increase. */
static void *index_worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct builder *b = wa->b;
	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->qcount && !b->done)
			pthread_cond_wait(&b->cv, &b->mu);
		if (!b->qcount)
			break;
		struct batch *bt = b->queue[b->qhead];
		b->qhead = (b->qhead + 1) % QUEUE_BATCHES;
		b->qcount--;
		b->busy++;
		pthread_cond_broadcast(&b->cv);
		pthread_mutex_unlock(&b->mu);
		if (bt->bodies) {
			for (uint32_t i = 0; i < bt->n; i++) {
				index_body(b, wa->lex, bt->doc[i], bt->body[i], bt->body_len[i]);
				free(bt->body[i]);
			}
		} else {
			index_batch(b, wa->lex, bt);
		}
		batch_free(bt);
		pthread_mutex_lock(&b->mu);
		b->busy--;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

static void push_batch(struct builder *b)
{
	struct batch *bt = b->filling;
	b->filling = NULL;
	if (!bt || !bt->n) {
		batch_free(bt);
		return;
	}
	pthread_mutex_lock(&b->mu);
	while (b->qcount == QUEUE_BATCHES)
		pthread_cond_wait(&b->cv, &b->mu);
	b->queue[(b->qhead + b->qcount) % QUEUE_BATCHES] = bt;
	b->qcount++;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

/* Waits until the indexing threads have nothing queued or in hand. */
static void drain(struct builder *b)
{
	push_batch(b);
	pthread_mutex_lock(&b->mu);
	while (b->qcount || b->busy)
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
}

static void temp_name(const char *path, struct buf *out);

/* A scratch file beside the index (removed at once: gone with the
 * process), or NULL with errno set. */
static FILE *scratch_file(const char *path)
{
	struct buf n = BUF_INIT;
	temp_name(path, &n);
	buf_adds(&n, ".scratch");
	int fd = open(n.s, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		unlink(n.s);
	buf_release(&n);
	FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
	if (fd >= 0 && !f)
		close(fd);
	return f;
}

/* Writes lexicon lx's postings in memory as a new run and frees them. */
static int spill_lexicon(struct builder *bl, struct lexicon *lx)
{
	if (!lx->runs && !(lx->runs = scratch_file(bl->path)))
		return -1;
	lx->run = xrealloc(lx->run, (lx->nrun + 1) * sizeof(*lx->run));
	struct run *r = &lx->run[lx->nrun++];
	r->nterms = lx->nterms;
	r->off = xmalloc((r->nterms ? r->nterms : 1) * sizeof(*r->off));
	r->len = xmalloc((r->nterms ? r->nterms : 1) * sizeof(*r->len));
	flush_tails(lx);
	for (size_t t = 0; t < lx->nterms; t++) {
		const struct bterm *bt = &lx->terms[t];
		r->off[t] = lx->runs_len;
		size_t len = 0;
		for (const unsigned char *c = lx->head[t]; c; c = chunk_of(c)->next) {
			size_t n = c == bt->post ? bt->post_len : chunk_of(c)->cap;
			if (fwrite(c, 1, n, lx->runs) != n)
				return -1;
			len += n;
		}
		r->len[t] = (uint32_t)len;
		lx->runs_len += len;
		post_release(lx, (uint32_t)t);
	}
	pool_reset(&lx->pool);
	lx->post_bytes = 0;
	return fflush(lx->runs) ? -1 : 0;
}

/* Every so many papers (SPILL_CHECK, fewer for a small budget), the
 * reader lets the indexing threads finish and spills every lexicon's
 * postings when they hold more than the build's memory: the build's peak
 * stays near that whatever the size of the collection. */
#define SPILL_CHECK 32768

static size_t spill_check_every(void)
{
	uint64_t every = search_build_memory() / 8192; /* ~2 KB of postings a paper */
	return every < 512 ? 512 : every > SPILL_CHECK ? SPILL_CHECK : (size_t)every;
}

static void maybe_spill(struct builder *b)
{
	drain(b);
	size_t held = 0;
	for (int l = 0; l < NLEX; l++)
		held += b->lex[l].post_bytes;
	if (held <= search_build_memory())
		return;
	for (int l = 0; l < NLEX && !b->spill_error[0]; l++)
		if (spill_lexicon(b, &b->lex[l]))
			snprintf(b->spill_error, sizeof(b->spill_error), "index: spilling postings beside %s: %s",
				 b->path, strerror(errno));
}

/* Copies s into batch bt's text: its number there, -1 for NULL. */
static int32_t batch_str(struct batch *bt, const char *s)
{
	if (!s)
		return -1;
	if (bt->nstr == bt->str_cap) {
		bt->str_cap = bt->str_cap ? bt->str_cap * 2 : 4096;
		bt->str = xrealloc(bt->str, bt->str_cap * sizeof(*bt->str));
	}
	bt->str[bt->nstr] = (uint32_t)bt->text.len;
	buf_add(&bt->text, s, strlen(s) + 1);
	return (int32_t)bt->nstr++;
}

/* The reader (the scan's thread): numbers the paper, records its id and
 * day, and queues a copy for the indexing threads. */
static int add_paper(const struct paper *p, void *ctx)
{
	struct builder *b = ctx;
	if (b->ndocs == UINT32_MAX - 1 || b->spill_error[0])
		return 1;
	if (b->ndocs && b->ndocs % spill_check_every() == 0 && b->path)
		maybe_spill(b);
	if (b->ndocs == b->docs_cap) {
		drain(b); /* the threads write into these arrays: let them finish first */
		b->docs_cap = b->docs_cap ? b->docs_cap * 2 : 1 << 14;
		b->docs = xrealloc(b->docs, b->docs_cap * sizeof(*b->docs));
		b->lens = xrealloc(b->lens, b->docs_cap * sizeof(*b->lens));
		b->tkeys = xrealloc(b->tkeys, b->docs_cap * sizeof(*b->tkeys));
		if (b->glove)
			b->vecs = xrealloc(b->vecs, b->docs_cap * b->dims);
	}
	b->docs[b->ndocs].id_off = (uint32_t)b->ids.len;
	b->docs[b->ndocs].minute = p->published ? (int32_t)(p->published / 60000LL) : 0;
	b->tkeys[b->ndocs] = p->title ? title_key(p->title) : 0;
	buf_add(&b->ids, p->id, strlen(p->id) + 1);
	note_body(b, p->id, (uint32_t)b->ndocs);
	if (!b->filling)
		b->filling = batch_new(false, (uint32_t)b->ndocs);
	/* what index_paper reads, no more, copied into the batch's text (one
	 * allocation for the batch, not one for each string) */
	struct batch *bt = b->filling;
	struct queued_paper *q = &bt->p[bt->n++];
	q->title = batch_str(bt, p->title);
	q->abstract = batch_str(bt, p->abstract);
	const struct strlist *lists[3] = { &p->authors, &p->ai_keywords, &p->categories };
	for (int l = 0; l < 3; l++) {
		q->list[l] = (uint32_t)bt->nstr;
		q->nlist[l] = (uint32_t)lists[l]->n;
		for (size_t k = 0; k < lists[l]->n; k++)
			batch_str(bt, lists[l]->v[k]);
	}
	b->ndocs++;
	if (bt->n == BATCH_DOCS || bt->text.len >= BATCH_TEXT_MAX)
		push_batch(b);
	progress_update(&b->prog, b->ndocs, (uint64_t)b->ndocs);
	return 0;
}

static int cmp_terms(const void *x, const void *y, void *ctx)
{
	const struct lexicon *lx = ctx;
	const struct tname *a = &lx->names[*(const uint32_t *)x];
	const struct tname *b = &lx->names[*(const uint32_t *)y];
	return strcmp(lx->arena.s + a->str_off, lx->arena.s + b->str_off);
}

static const char *term_str(const struct lexicon *l, uint32_t t)
{
	return l->arena.s + l->names[t].str_off;
}

/* Reads one lexicon's postings of a term: doc, field mask, tfs. */
struct pcur {
	const unsigned char *p;
	uint32_t left, doc;
	bool started;
	unsigned mask;
	unsigned char tf[NFIELDS];
};

static void pcur_init(struct pcur *c, const unsigned char *bytes, uint32_t df)
{
	c->p = bytes;
	c->left = df;
	c->started = false;
	c->doc = UINT32_MAX;
}

/* Advances; false at the end. */
static bool pcur_next(struct pcur *c)
{
	if (!c->left) {
		c->doc = UINT32_MAX;
		return false;
	}
	c->left--;
	uint32_t gap = get_varint(&c->p);
	c->doc = c->started ? c->doc + gap : gap;
	c->started = true;
	c->mask = *c->p++;
	for (int f = 0; f < NFIELDS; f++)
		c->tf[f] = (c->mask & (1u << f)) ? *c->p++ : 0;
	return true;
}

/* qsort has no context argument: the ids being sorted. */
static int cmp_docs_by_id(const void *x, const void *y, void *ctx)
{
	const struct builder *b = ctx;
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	return strcmp(b->ids.s + b->docs[i].id_off, b->ids.s + b->docs[j].id_off);
}

/* Titles in document order sorted by key, then by document: a radix sort
 * of the keys a byte a pass, stable, so that titles of one key stay in
 * document order; a pass whose byte is the same in every key is skipped.
 * (qsort took 0.8 s for 3M titles.) */
static void sort_titles(struct idx_title *t, size_t n)
{
	if (n < 2)
		return;
	_Static_assert(sizeof(t->key) == 8, "eight passes of a byte");
	size_t(*count)[256] = xcalloc(8, sizeof(*count));
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < 8; p++)
			count[p][(t[i].key >> (8 * p)) & 255]++;
	struct idx_title *tmp = xmalloc(n * sizeof(*tmp)), *src = t, *dst = tmp;
	for (int p = 0; p < 8; p++) {
		if (count[p][(src[0].key >> (8 * p)) & 255] == n)
			continue;
		size_t at = 0;
		for (int k = 0; k < 256; k++) {
			size_t c = count[p][k];
			count[p][k] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[p][(src[i].key >> (8 * p)) & 255]++] = src[i];
		struct idx_title *x = src;
		src = dst;
		dst = x;
	}
	if (src != t)
		memcpy(t, src, n * sizeof(*t));
	free(tmp);
	free(count);
}

#define ALIGN8(x) (((x) + 7) & ~(uint64_t)7)

/* Zero bytes to pad the sections to their 8-byte boundaries. */
static const char zeros[16];

/* Fills in the header's fixed fields and the fields' average lengths. */
static void header_init(const struct builder *b, struct idx_header *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, IDX_MAGIC, 8);
	h->version = IDX_VERSION;
	h->seq = b->seq;
	h->delta = b->delta;
	if (b->glove) {
		h->dims = b->dims;
		h->glove_words = glove_words(b->glove);
	}
	h->ndocs = b->ndocs;
	h->k1 = (float)K1;
	double sum[NFIELDS] = { 0 };
	for (size_t d = 0; d < b->ndocs; d++)
		for (int k = 0; k < NFIELDS; k++)
			sum[k] += b->lens[d][k];
	for (int k = 0; k < NFIELDS; k++) {
		/* a body's length is against the bodies' average, not the papers' */
		double n = k == FIELD_BODY ? (double)b->nbody : (double)b->ndocs;
		h->avg_len[k] = n > 0 && sum[k] > 0 ? (float)(sum[k] / n) : 1.0f;
	}
}

/* Puts each lexicon's terms in order (its order array) and counts the
 * postings into h; returns the number of terms of all the lexicons. */
static size_t sort_lexicons(struct builder *b, struct idx_header *h)
{
	size_t total_terms = 0;
	for (int l = 0; l < NLEX; l++) {
		struct lexicon *lx = &b->lex[l];
		lx->order = xmalloc((lx->nterms + 1) * sizeof(*lx->order));
		for (size_t i = 0; i < lx->nterms; i++)
			lx->order[i] = (uint32_t)i;
		qsort_r(lx->order, lx->nterms, sizeof(*lx->order), cmp_terms, lx);
		total_terms += lx->nterms;
		h->npostings += lx->npostings;
	}
	return total_terms;
}

/* The document numbers in the order of their ids. */
static uint32_t *docs_by_id(struct builder *b)
{
	uint32_t *idsort = xmalloc((b->ndocs + 1) * sizeof(*idsort));
	for (size_t i = 0; i < b->ndocs; i++)
		idsort[i] = (uint32_t)i;
	qsort_r(idsort, b->ndocs, sizeof(*idsort), cmp_docs_by_id, b);
	return idsort;
}

/* The union of the lexicons' terms, in order, into pairs: pairs of term
 * numbers (UINT32_MAX where a lexicon lacks the term). Returns how many
 * terms, and adds their strings' bytes to *strbytes. */
static size_t merge_terms(struct builder *b, uint32_t (*pairs)[NLEX], size_t *strbytes)
{
	size_t nterms = 0, pos[NLEX] = { 0 };
	for (;;) {
		const char *least = NULL;
		for (int l = 0; l < NLEX; l++)
			if (pos[l] < b->lex[l].nterms) {
				const char *t = term_str(&b->lex[l], b->lex[l].order[pos[l]]);
				if (!least || strcmp(t, least) < 0)
					least = t;
			}
		if (!least)
			break;
		size_t len = strlen(least);
		for (int l = 0; l < NLEX; l++) {
			pairs[nterms][l] = UINT32_MAX;
			if (pos[l] < b->lex[l].nterms && !strcmp(term_str(&b->lex[l], b->lex[l].order[pos[l]]), least))
				pairs[nterms][l] = b->lex[l].order[pos[l]++];
		}
		*strbytes += len + 1;
		nterms++;
	}
	return nterms;
}

/* Sets the offsets of the sections up to the postings. */
static void section_offsets(const struct builder *b, struct idx_header *h, size_t nterms, size_t strbytes)
{
	uint64_t off = sizeof(*h);
	h->off_docs = off;
	off = ALIGN8(off + b->ndocs * sizeof(struct idx_doc));
	h->off_ids = off;
	off = ALIGN8(off + b->ids.len);
	h->off_idsort = off;
	off = ALIGN8(off + b->ndocs * sizeof(uint32_t));
	h->off_terms = off;
	off = ALIGN8(off + nterms * sizeof(struct idx_term));
	h->off_termstr = off;
	off = ALIGN8(off + strbytes);
	h->off_postings = off;
}

/* The index file's disk writes are started every WRITE_BEHIND bytes as it
 * is written (sync_file_range, which only starts them), so that the fsync
 * at its end waits for the last stretch only, not for a file of up to
 * gigabytes kept dirty in the page cache until then. */
#define WRITE_BEHIND ((off_t)64 << 20)

/* Starts the writes of what f holds past *from, once that is WRITE_BEHIND
 * or more (stdio's buffer flushed first); advisory: a failure stays in f
 * for its writer to see, and the final fsync says whether the data
 * reached the disk. */
static void write_behind(FILE *f, off_t *from)
{
	off_t at = ftello(f);
	if (at < *from + WRITE_BEHIND || fflush(f))
		return;
	(void)sync_file_range(fileno(f), *from, at - *from, SYNC_FILE_RANGE_WRITE);
	*from = at;
}

/* The postings are encoded by two threads a chunk of terms at a time and
 * written straight into the index in term order, each chunk once the one
 * before it is: no scratch copy of them, and a chunk's bytes are all a
 * thread holds. */
struct pchunks {
	struct builder *b;
	const struct norms *nm;
	uint32_t (*pairs)[NLEX];
	struct idx_term *terms;
	size_t *cut, ncut; /* chunk c: the terms [cut[c], cut[c + 1]) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t taken, written; /* chunks */
	FILE *f;
	off_t behind;     /* the file's writes started up to here (write_behind) */
	uint64_t len;     /* the postings written */
	struct buf *tstr; /* the term strings, in order */
	char error[256];  /* "" none */
};

/* One thread's: the chunk it encodes, and the lexicons' lists it reads. */
struct pwriter {
	struct pchunks *pc;
	struct buf out, tstr;
	struct buf cat[NLEX]; /* one lexicon's whole list of a term */
	char error[256];      /* reading spilled postings back ("" none) */
};

/* Lexicon l's list of its term t: its spilled runs and what is in memory
 * put end to end. */
static const unsigned char *term_postings(struct pwriter *w, int l, uint32_t t)
{
	struct lexicon *lx = &w->pc->b->lex[l];
	const struct bterm *mem = &lx->terms[t];
	if (!lx->nrun && lx->head[t] == mem->post)
		return mem->post; /* one chunk */
	struct buf *cat = &w->cat[l];
	buf_reset(cat);
	for (size_t r = 0; r < lx->nrun; r++) {
		const struct run *run = &lx->run[r];
		if (t >= run->nterms || !run->len[t])
			continue;
		char *dst = buf_reserve(cat, run->len[t]);
		if (!dst)
			abort(); /* out of memory: as xmalloc */
		ssize_t got = pread(fileno(lx->runs), dst, run->len[t], (off_t)run->off[t]);
		if (got != (ssize_t)run->len[t]) {
			snprintf(w->error, sizeof(w->error), "index: reading spilled postings back: %s",
				 got < 0 ? strerror(errno) : "short read");
			memset(dst, 0, run->len[t]); /* decodable: the build fails after this term */
		}
		cat->len += run->len[t];
	}
	for (const unsigned char *c = lx->head[t]; c; c = chunk_of(c)->next)
		buf_add(cat, c, c == mem->post ? mem->post_len : chunk_of(c)->cap);
	return (const unsigned char *)cat->s;
}

/* Opens cursors on a term's postings in each lexicon (pair: its term
 * numbers there); returns its document frequency, and its string in *str. */
static uint32_t open_term(struct pwriter *w, const uint32_t pair[NLEX], struct pcur cur[NLEX], const char **str)
{
	uint32_t df = 0;
	for (int l = 0; l < NLEX; l++) {
		cur[l].left = 0;
		cur[l].doc = UINT32_MAX;
		if (pair[l] == UINT32_MAX)
			continue;
		struct lexicon *lx = &w->pc->b->lex[l];
		const struct bterm *bt = &lx->terms[pair[l]];
		*str = term_str(lx, pair[l]);
		df += bt->df;
		pcur_init(&cur[l], term_postings(w, l, pair[l]), bt->df);
		pcur_next(&cur[l]);
	}
	return df;
}

/* A posting taken from the lexicons' merged lists. */
struct merged {
	uint32_t doc;
	unsigned mask;
	unsigned char tf[NFIELDS];
};

/* Takes the next document of the lexicons' merged lists into *m. */
static void next_merged(struct pcur cur[NLEX], struct merged *m)
{
	int l = 0;
	for (int k = 1; k < NLEX; k++)
		if (cur[k].doc < cur[l].doc)
			l = k;
	m->doc = cur[l].doc;
	m->mask = cur[l].mask;
	memcpy(m->tf, cur[l].tf, NFIELDS);
	pcur_next(&cur[l]);
}

/* Per field, a length's BM25 norm as impact_of divides by it (at least
 * 0.05), for every length 0..the longest the documents have: worked out
 * once, not for every posting. */
struct norms {
	double *by_len[NFIELDS];
};

static void norms_init(struct norms *nm, const struct builder *b, const struct idx_header *h)
{
	uint16_t most[NFIELDS] = { 0 };
	for (size_t d = 0; d < b->ndocs; d++)
		for (int fi = 0; fi < NFIELDS; fi++)
			if (b->lens[d][fi] > most[fi])
				most[fi] = b->lens[d][fi];
	for (int fi = 0; fi < NFIELDS; fi++) {
		nm->by_len[fi] = xmalloc(((size_t)most[fi] + 1) * sizeof(double));
		for (int len = 0; len <= most[fi]; len++) {
			double norm = 1.0 - FIELD_B[fi] + FIELD_B[fi] * len / h->avg_len[fi];
			nm->by_len[fi][len] = norm > 0.05 ? norm : 0.05;
		}
	}
}

static void norms_free(struct norms *nm)
{
	for (int fi = 0; fi < NFIELDS; fi++)
		free(nm->by_len[fi]);
}

/* A posting's BM25F impact quantized to 1..255. */
static uint8_t impact_of(const struct builder *b, const struct norms *nm, const struct merged *m)
{
	double tft = 0;
	for (int fi = 0; fi < NFIELDS; fi++)
		if (m->mask & (1u << fi))
			tft += FIELD_W[fi] * m->tf[fi] / nm->by_len[fi][b->lens[m->doc][fi]];
	double sc = tft * (K1 + 1.0) / (tft + K1);
	int q = (int)round_half_away(sc / (K1 + 1.0) * 255.0);
	return (uint8_t)(q < 1 ? 1 : q > 255 ? 255 : q);
}

/* Sets the term's 10th, 30th and 100th largest impacts from their histogram. */
static void kth_impacts(struct idx_term *it, const uint32_t hist[256])
{
	uint32_t seen = 0;
	for (int v = 255; v >= 1; v--) {
		uint32_t before = seen;
		seen += hist[v];
		if (before < 10 && seen >= 10)
			it->kth10 = (uint8_t)v;
		if (before < 30 && seen >= 30)
			it->kth30 = (uint8_t)v;
		if (before < 100 && seen >= 100)
			it->kth100 = (uint8_t)v;
	}
}

/* Encodes a term's it->df merged postings (from cur) in blocks: their
 * headers into blockbuf, their bytes into payload (bdocs and bimp hold
 * one block); records the term's largest impacts in it. */
static void encode_term(const struct builder *b, const struct norms *nm, struct pcur cur[NLEX], struct idx_term *it,
			struct buf *blockbuf, struct buf *payload, uint32_t *bdocs, uint8_t *bimp)
{
	uint32_t df = it->df;
	uint32_t doc = 0, prev_last = 0;
	uint32_t hist[256] = { 0 };
	for (uint32_t k = 0; k < df;) {
		uint32_t cnt = df - k < IDX_BLOCK ? df - k : IDX_BLOCK;
		uint8_t bmax = 0;
		/* the block's postings first, their documents' lengths asked
		 * for (spread over the collection's: a look-up each otherwise
		 * waits on memory), then their impacts */
		struct merged m[IDX_BLOCK];
		for (uint32_t j = 0; j < cnt; j++) {
			next_merged(cur, &m[j]);
			__builtin_prefetch(b->lens[m[j].doc]);
		}
		for (uint32_t j = 0; j < cnt; j++, k++) {
			bimp[j] = impact_of(b, nm, &m[j]);
			bdocs[j] = doc = m[j].doc;
			if (bimp[j] > bmax)
				bmax = bimp[j];
		}
		struct idx_block bl = { doc, (uint32_t)payload->len, (uint16_t)cnt, bmax, 0 };
		uint32_t gaps[IDX_BLOCK];
		for (uint32_t j = 0; j < cnt; j++) {
			gaps[j] = j ? bdocs[j] - bdocs[j - 1] : bdocs[0] - prev_last;
			hist[bimp[j]]++;
		}
		bitpack_encode(gaps, cnt, payload);
		buf_add(payload, bimp, cnt);
		buf_add(blockbuf, &bl, sizeof(bl));
		prev_last = doc;
		if (bmax > it->max_impact)
			it->max_impact = bmax;
	}
	kth_impacts(it, hist);
	while ((blockbuf->len + payload->len) % 4) /* keep the next term's headers aligned */
		buf_addc(payload, 0);
}

/* Encodes chunk c's terms into w->out (their blocks, then payloads, term
 * after term) and their strings into w->tstr, their entries' offsets from
 * the chunk's start. */
static void encode_chunk(struct pwriter *w, size_t c, uint32_t *bdocs, uint8_t *bimp, struct buf *blockbuf,
			 struct buf *payload)
{
	struct pchunks *pc = w->pc;
	buf_reset(&w->out);
	buf_reset(&w->tstr);
	for (size_t i = pc->cut[c]; i < pc->cut[c + 1]; i++) {
		struct idx_term *it = &pc->terms[i];
		struct pcur cur[NLEX];
		const char *str = NULL;
		uint32_t df = open_term(w, pc->pairs[i], cur, &str);
		it->str_off = (uint32_t)w->tstr.len;
		buf_add(&w->tstr, str, strlen(str) + 1);
		it->df = df;
		it->post_off = w->out.len;
		it->nblocks = (df + IDX_BLOCK - 1) / IDX_BLOCK;
		buf_reset(blockbuf);
		buf_reset(payload);
		encode_term(pc->b, pc->nm, cur, it, blockbuf, payload, bdocs, bimp);
		buf_add(&w->out, blockbuf->s, blockbuf->len);
		buf_add(&w->out, payload->s, payload->len);
		for (int l = 0; l < NLEX; l++)
			if (pc->pairs[i][l] != UINT32_MAX)
				post_release(&pc->b->lex[l], pc->pairs[i][l]);
	}
}

/* Takes chunks until there are none, writing each when its turn comes. */
static void *write_chunks(void *arg)
{
	struct pwriter *w = arg;
	struct pchunks *pc = w->pc;
	struct buf blockbuf = BUF_INIT, payload = BUF_INIT;
	blockbuf.max = payload.max = (size_t)1 << 40;
	uint32_t *bdocs = xmalloc(IDX_BLOCK * sizeof(uint32_t));
	uint8_t *bimp = xmalloc(IDX_BLOCK);
	for (;;) {
		pthread_mutex_lock(&pc->mu);
		size_t c = pc->error[0] ? pc->ncut : pc->taken++;
		pthread_mutex_unlock(&pc->mu);
		if (c >= pc->ncut)
			break;
		encode_chunk(w, c, bdocs, bimp, &blockbuf, &payload);
		pthread_mutex_lock(&pc->mu);
		while (pc->written != c && !pc->error[0])
			pthread_cond_wait(&pc->cv, &pc->mu);
		if (!pc->error[0] && w->error[0])
			snprintf(pc->error, sizeof(pc->error), "%s", w->error);
		if (!pc->error[0]) {
			/* flushed: a failure is this chunk's, not a later write's */
			if (fwrite_n(w->out.s, 1, w->out.len, pc->f) != w->out.len || fflush(pc->f))
				snprintf(pc->error, sizeof(pc->error), "%s: writing postings: %s", pc->b->path,
					 strerror(errno));
			for (size_t i = pc->cut[c]; i < pc->cut[c + 1]; i++) {
				pc->terms[i].post_off += pc->len;
				pc->terms[i].str_off += (uint32_t)pc->tstr->len;
			}
			pc->len += w->out.len;
			buf_add(pc->tstr, w->tstr.s, w->tstr.len);
			write_behind(pc->f, &pc->behind);
		}
		pc->written++;
		pthread_cond_broadcast(&pc->cv);
		pthread_mutex_unlock(&pc->mu);
	}
	free(bdocs);
	free(bimp);
	buf_release(&blockbuf);
	buf_release(&payload);
	return NULL;
}

/* About this many postings a chunk (a few megabytes encoded). */
#define CHUNK_POSTINGS (1u << 20)
uint32_t index_chunk_postings; /* tests: another size (0: CHUNK_POSTINGS) */

/* Writes the postings of the nterms terms (pairs: their numbers in each
 * lexicon) into f from where it is, on two threads, fills in their entries
 * of terms and their strings in tstr; returns the postings' size (err set
 * when it failed). */
static uint64_t write_postings(struct builder *b, const struct idx_header *h, uint32_t (*pairs)[NLEX], size_t nterms,
			       struct idx_term *terms, struct buf *tstr, FILE *f, struct buf *err)
{
	struct pchunks pc = { .b = b, .pairs = pairs, .terms = terms, .f = f, .behind = (off_t)h->off_postings,
			      .tstr = tstr };
	pc.cut = xmalloc((nterms + 2) * sizeof(*pc.cut));
	pc.cut[0] = 0;
	uint64_t in_chunk = 0;
	for (size_t i = 0; i < nterms; i++) {
		for (int l = 0; l < NLEX; l++)
			in_chunk += pairs[i][l] != UINT32_MAX ? b->lex[l].terms[pairs[i][l]].df : 0;
		if (in_chunk >= (index_chunk_postings ? index_chunk_postings : CHUNK_POSTINGS) || i + 1 == nterms) {
			pc.cut[++pc.ncut] = i + 1;
			in_chunk = 0;
		}
	}
	struct norms nm;
	norms_init(&nm, b, h);
	pc.nm = &nm;
	pthread_mutex_init(&pc.mu, NULL);
	pthread_cond_init(&pc.cv, NULL);
	struct pwriter w[2];
	for (int k = 0; k < 2; k++) {
		memset(&w[k], 0, sizeof(w[k]));
		w[k].pc = &pc;
		buf_init_max(&w[k].out, (size_t)1 << 40);
		buf_init_max(&w[k].tstr, (size_t)1 << 40);
		for (int l = 0; l < NLEX; l++)
			buf_init_max(&w[k].cat[l], (size_t)1 << 40);
	}
	run_pair(write_chunks, &w[0], &w[1]);
	if (pc.error[0])
		buf_setf(err, "%s", pc.error);
	for (int k = 0; k < 2; k++) {
		buf_release(&w[k].out);
		buf_release(&w[k].tstr);
		for (int l = 0; l < NLEX; l++)
			buf_release(&w[k].cat[l]);
	}
	pthread_mutex_destroy(&pc.mu);
	pthread_cond_destroy(&pc.cv);
	norms_free(&nm);
	free(pc.cut);
	return pc.len;
}

/* The IVF partition of the vectors (all NULL: none). */
struct ivf {
	int8_t *cent;     /* centroids [nlists][dims] */
	uint32_t *start;  /* list starts [nlists + 1] */
	uint32_t *list_docs; /* doc numbers by list */
};

/* Partitions the vectors into lists when there are enough of them, and
 * places the partition after the vectors (h->file_size so far). */
static void ivf_build(const struct builder *b, struct idx_header *h, struct ivf *v)
{
	h->nlists = b->glove ? ivf_lists_for(b->ndocs) : 0;
	if (!h->nlists)
		return;
	uint32_t k = h->nlists;
	v->cent = xmalloc((size_t)k * b->dims);
	uint32_t *assign = xmalloc(b->ndocs * sizeof(uint32_t));
	ivf_train(b->vecs, b->ndocs, b->dims, k, v->cent, assign);
	v->start = xcalloc(k + 1, sizeof(uint32_t));
	for (size_t d = 0; d < b->ndocs; d++)
		v->start[assign[d] + 1]++;
	for (uint32_t j = 0; j < k; j++)
		v->start[j + 1] += v->start[j];
	v->list_docs = xmalloc((b->ndocs + 1) * sizeof(uint32_t));
	uint32_t *fill = xmalloc((k + 1) * sizeof(uint32_t));
	memcpy(fill, v->start, (k + 1) * sizeof(uint32_t));
	for (size_t d = 0; d < b->ndocs; d++)
		v->list_docs[fill[assign[d]]++] = (uint32_t)d;
	free(fill);
	free(assign);
	h->off_ivf = ALIGN8(h->file_size);
	h->file_size = h->off_ivf + ALIGN8((uint64_t)k * b->dims) + (uint64_t)(k + 1) * 4 + (uint64_t)b->ndocs * 8;
}

/* The titles by key, sorted, placed after the other sections. */
static struct idx_title *sorted_titles(const struct builder *b, struct idx_header *h)
{
	struct idx_title *titles = xmalloc((b->ndocs + 1) * sizeof(*titles));
	size_t ntitles = 0;
	for (size_t d = 0; d < b->ndocs; d++)
		if (b->tkeys[d])
			titles[ntitles++] = (struct idx_title){ b->tkeys[d], (uint32_t)d, 0 };
	sort_titles(titles, ntitles);
	h->ntitles = ntitles;
	h->off_titles = ALIGN8(h->file_size);
	h->file_size = h->off_titles + ntitles * sizeof(*titles);
	return titles;
}

/* Writes the header and the sections before the postings. */
static void write_head(const struct builder *b, const struct idx_header *h, const uint32_t *idsort,
		       const struct idx_term *terms, size_t nterms, const struct buf *tstr, FILE *f)
{
	fwrite_n(h, sizeof(*h), 1, f);
	fwrite_n(b->docs, sizeof(struct idx_doc), b->ndocs, f);
	fwrite_n(zeros, 1, (size_t)(h->off_ids - h->off_docs - b->ndocs * sizeof(struct idx_doc)), f);
	fwrite_n(b->ids.s, 1, b->ids.len, f);
	fwrite_n(zeros, 1, (size_t)(h->off_idsort - h->off_ids - b->ids.len), f);
	fwrite_n(idsort, sizeof(uint32_t), b->ndocs, f);
	fwrite_n(zeros, 1, (size_t)(h->off_terms - h->off_idsort - b->ndocs * sizeof(uint32_t)), f);
	fwrite_n(terms, sizeof(struct idx_term), nterms, f);
	fwrite_n(zeros, 1, (size_t)(h->off_termstr - h->off_terms - nterms * sizeof(struct idx_term)), f);
	fwrite_n(tstr->s, 1, tstr->len, f);
	fwrite_n(zeros, 1, (size_t)(h->off_postings - h->off_termstr - tstr->len), f);
}

/* Writes the sections after the postings (poff bytes): the vectors (in
 * list order when there are lists), the IVF partition and the titles. */
static void write_tail(const struct builder *b, const struct idx_header *h, uint64_t poff, const struct ivf *v,
		       const struct idx_title *titles, FILE *f)
{
	off_t behind = (off_t)(h->off_postings + poff);
	fwrite_n(zeros, 1, (size_t)(h->off_vecs - h->off_postings - poff), f);
	if (b->glove && !h->nlists)
		fwrite_n(b->vecs, b->dims, b->ndocs, f);
	if (h->nlists) { /* in list order: a list's vectors side by side */
		/* gathered a chunk at a time, the rows (spread over the
		 * vectors) asked for ahead */
		enum { AHEAD = 16, CHUNK = 4096 };
		int8_t *chunk = xmalloc((size_t)CHUNK * b->dims);
		for (size_t i = 0; i < b->ndocs; i += CHUNK) {
			size_t n = b->ndocs - i < CHUNK ? b->ndocs - i : CHUNK;
			for (size_t j = 0; j < n; j++) {
				if (i + j + AHEAD < b->ndocs)
					__builtin_prefetch(b->vecs + (size_t)v->list_docs[i + j + AHEAD] * b->dims);
				memcpy(chunk + j * b->dims, b->vecs + (size_t)v->list_docs[i + j] * b->dims, b->dims);
			}
			fwrite_n(chunk, b->dims, n, f);
			write_behind(f, &behind);
		}
		free(chunk);
	}
	if (h->nlists) {
		uint64_t at = h->off_vecs + (uint64_t)b->ndocs * b->dims;
		fwrite_n(zeros, 1, (size_t)(h->off_ivf - at), f);
		fwrite_n(v->cent, b->dims, h->nlists, f);
		fwrite_n(zeros, 1, (size_t)(ALIGN8((uint64_t)h->nlists * b->dims) - (uint64_t)h->nlists * b->dims), f);
		fwrite_n(v->start, sizeof(uint32_t), h->nlists + 1, f);
		fwrite_n(v->list_docs, sizeof(uint32_t), b->ndocs, f);
		uint32_t *place = xmalloc((b->ndocs + 1) * sizeof(uint32_t));
		for (size_t i = 0; i < b->ndocs; i++)
			place[v->list_docs[i]] = (uint32_t)i;
		fwrite_n(place, sizeof(uint32_t), b->ndocs, f);
		free(place);
	}
	uint64_t at = h->nlists ? h->off_ivf + ALIGN8((uint64_t)h->nlists * b->dims) +
					  (uint64_t)(h->nlists + 1) * 4 + (uint64_t)b->ndocs * 8
				: h->off_vecs + (b->glove ? (uint64_t)b->ndocs * b->dims : 0);
	fwrite_n(zeros, 1, (size_t)(h->off_titles - at), f);
	fwrite_n(titles, sizeof(*titles), h->ntitles, f);
}

/* Writes everything to f; returns 0 or -1. */
static int write_index(struct builder *b, FILE *f, struct buf *err)
{
	struct idx_header h;
	for (int l = 0; l < NLEX; l++)
		flush_tails(&b->lex[l]);
	header_init(b, &h);
	/* each lexicon's terms in order; the file's terms are their union */
	size_t total_terms = sort_lexicons(b, &h);
	uint32_t *idsort = docs_by_id(b);
	uint32_t (*pairs)[NLEX] = xmalloc((total_terms + 1) * sizeof(*pairs));
	size_t strbytes = 0;
	size_t nterms = merge_terms(b, pairs, &strbytes);
	h.nterms = nterms;
	section_offsets(b, &h, nterms, strbytes);

	/* the postings first, in their place (the sections before them have
	 * known sizes): the term table, before them, is made as they are
	 * written and goes in after */
	struct idx_term *terms = xcalloc(nterms + 1, sizeof(*terms));
	struct buf tstr = BUF_INIT;
	tstr.max = (size_t)1 << 40;
	uint64_t poff = 0;
	if (fseeko(f, (off_t)h.off_postings, SEEK_SET))
		buf_setf(err, "%s: writing the index: %s", b->path, strerror(errno));
	else
		poff = write_postings(b, &h, pairs, nterms, terms, &tstr, f, err);
	for (int l = 0; l < NLEX; l++)
		pool_free(&b->lex[l].pool); /* its lists written: room for what follows */
	h.off_vecs = ALIGN8(h.off_postings + poff + 8); /* 8 spare bytes: bitpack_decode reads ahead */
	h.file_size = h.off_vecs + (b->glove ? (uint64_t)b->ndocs * b->dims : 0);
	struct ivf ivf = { NULL, NULL, NULL };
	ivf_build(b, &h, &ivf);
	struct idx_title *titles = sorted_titles(b, &h);
	int rc = err->len ? -1 : 0;
	if (!rc) {
		if (fseeko(f, 0, SEEK_SET) == 0) {
			write_head(b, &h, idsort, terms, nterms, &tstr, f);
			if (fseeko(f, (off_t)(h.off_postings + poff), SEEK_SET) == 0)
				write_tail(b, &h, poff, &ivf, titles, f);
		}
		if (ferror(f)) {
			buf_setf(err, "%s: writing the index: %s", b->path, strerror(errno));
			rc = -1;
		} else if (ftello(f) != (off_t)h.file_size) {
			buf_setf(err, "%s: writing the index: it ends at %lld, not at %llu as laid out", b->path,
				 (long long)ftello(f), (unsigned long long)h.file_size);
			rc = -1;
		}
	}
	free(titles);
	free(ivf.cent);
	free(ivf.start);
	free(ivf.list_docs);
	free(pairs);
	free(idsort);
	free(terms);
	buf_release(&tstr);
	return rc;
}

void search_index_path(const char *db_url, struct buf *out)
{
	buf_reset(out);
	if (store_url_is_pg(db_url)) {
		/* postgresql://user@host:port/DBNAME?options */
		const char *p = strstr(db_url, "://");
		p = p ? strchr(p + 3, '/') : NULL;
		size_t n = p ? strcspn(p + 1, "?#") : 0;
		bool ok = n > 0 && n < 64;
		for (size_t i = 0; ok && i < n; i++)
			ok = isalnum((unsigned char)p[1 + i]) || p[1 + i] == '_' || p[1 + i] == '-';
		if (ok)
			buf_add(out, p + 1, n);
		else
			buf_adds(out, "paperboy");
		buf_adds(out, ".search");
		return;
	}
	const char *path = db_url;
	if (str_has_prefix(path, "sqlite:")) {
		path += 7;
		if (str_has_prefix(path, "//"))
			path += 2;
	}
	buf_addf(out, "%s.search", path);
}

/* A name of this writer's own for a file being written beside path. */
static void temp_name(const char *path, struct buf *out)
{
	buf_reset(out);
	buf_addf(out, "%s.tmp.%ld.%08x", path, (long)getpid(), randombytes_random());
}

/* Prepares builder b: its word vectors (if there are any), its lexicons
 * and its indexing threads, which it starts (started[l] says which did);
 * 0, or -1 with err set. */
static int builder_start(struct builder *b, pthread_t th[NLEX], bool started[NLEX], struct worker_arg wa[NLEX],
			 struct buf *err)
{
	memset(b, 0, sizeof(*b));
	buf_init_max(&b->ids, (size_t)1 << 40);
	progress_init(&b->prog, "index", 0);
	struct buf gp = BUF_INIT, gerr = BUF_INIT;
	glove_default_path(&gp);
	if (glove_open(gp.s, &b->glove, &gerr))
		fprintf(stderr, "paperboy: index: no word vectors (%s): semantic search is off; "
				"scripts/setup.sh fetches them\n", gerr.s);
	else
		b->dims = glove_dims(b->glove);
	buf_release(&gp);
	buf_release(&gerr);
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	int rc = 0;
	for (int l = 0; l < NLEX; l++) {
		struct lexicon *lx = &b->lex[l];
		lx->tk = tokenizer_new();
		buf_init_max(&lx->arena, (size_t)1 << 40);
		if (b->glove) {
			lx->acc = xcalloc(b->dims, sizeof(float));
			glove_near_init(&lx->near, b->glove);
		}
		wa[l].b = b;
		wa[l].lex = lx;
		if (!lx->tk) {
			buf_setf(err, "index: the Snowball English stemmer is not available");
			rc = -1;
		} else if (!rc && pthread_create(&th[l], NULL, index_worker, &wa[l])) {
			buf_setf(err, "index: cannot start an indexing thread: %s", strerror(errno));
			rc = -1;
		} else if (!rc) {
			started[l] = true;
		}
	}
	return rc;
}

/* Lets the indexing threads finish what is queued, then stops them. */
static void builder_stop(struct builder *b, pthread_t th[NLEX], const bool started[NLEX])
{
	if (started[0] && started[NLEX - 1])
		drain(b);
	pthread_mutex_lock(&b->mu);
	b->done = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	for (int l = 0; l < NLEX; l++)
		if (started[l])
			pthread_join(th[l], NULL);
}

/* Frees what builder b holds (its threads stopped). */
static void builder_release(struct builder *b)
{
	for (int l = 0; l < NLEX; l++) {
		struct lexicon *lx = &b->lex[l];
		pool_free(&lx->pool);
		free(lx->terms);
		free(lx->names);
		free(lx->head);
		free(lx->table);
		free(lx->dterms);
		free(lx->tok);
		free(lx->dtf);
		free(lx->acc);
		vec_words_free(&lx->vw);
		glove_near_free(&lx->near);
		free(lx->order);
		for (size_t r = 0; r < lx->nrun; r++) {
			free(lx->run[r].off);
			free(lx->run[r].len);
		}
		free(lx->run);
		if (lx->runs)
			fclose(lx->runs);
		buf_release(&lx->arena);
		tokenizer_free(lx->tk);
	}
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	for (size_t i = 0; i < b->ntext_ids; i++)
		free(b->text_ids[i]);
	free(b->text_ids);
	free(b->body_docs);
	free(b->lens);
	free(b->tkeys);
	free(b->docs);
	buf_release(&b->ids);
	glove_close(b->glove);
	free(b->vecs);
}

/* Builds one segment file at path from every paper (since < 0) or from
 * the papers written after `since`; *ndocs says how many (a delta with
 * none writes nothing). */
static int build_segment(struct store *s, const char *path, int64_t since, uint64_t *ndocs, struct buf *err)
{
	struct builder b;
	struct buf tmp = BUF_INIT;
	pthread_t th[NLEX];
	bool started[NLEX] = { false };
	struct worker_arg wa[NLEX];
	int rc = builder_start(&b, th, started, wa, err);
	b.path = path;
	int64_t seq = 0;
	if (!rc)
		rc = store_seq(s, &seq, err);
	b.seq = (uint64_t)seq;
	b.delta = since >= 0;
	if (!rc)
		rc = load_text_ids(&b, s, err);
	if (!rc)
		rc = since < 0 ? store_paper_scan(s, add_paper, &b, err)
			       : store_paper_scan_since(s, since, add_paper, &b, err);
	if (!rc && started[0] && started[NLEX - 1])
		rc = index_bodies(&b, s, err);
	builder_stop(&b, th, started);
	progress_done(&b.prog);
	if (!rc && b.spill_error[0]) {
		buf_setf(err, "%s", b.spill_error);
		rc = -1;
	}
	*ndocs = b.ndocs;
	if (!rc && since >= 0 && !b.ndocs)
		goto done; /* nothing new */
	temp_name(path, &tmp);
	FILE *f = NULL;
	if (!rc && !(f = fopen(tmp.s, "wb"))) {
		buf_setf(err, "%s: %s", tmp.s, strerror(errno));
		rc = -1;
	}
	if (f) /* written in large pieces: fewer system calls */
		setvbuf(f, NULL, _IOFBF, (size_t)1 << 20);
	if (!rc)
		rc = write_index(&b, f, err);
	if (f) {
		if (fflush(f) || fsync(fileno(f))) {
			if (!rc)
				buf_setf(err, "%s: %s", tmp.s, strerror(errno));
			rc = -1;
		}
		fclose(f);
	}
	if (!rc && rename(tmp.s, path)) {
		buf_setf(err, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc)
		unlink(tmp.s);
done:
	builder_release(&b);
	buf_release(&tmp);
	return rc;
}

/* ---- one writer at a time ---------------------------------------------------
 * Every process that writes the index (ingest, fetch, index rebuild and
 * update, serve) holds an exclusive lock on PATH.lock meanwhile; new files
 * are written under names of their own (PATH.tmp.PID.RANDOM) and renamed
 * into place. Whoever takes the lock removes temporary files left by a
 * writer that died (nobody else can be writing them). */

/* Removes PATH.tmp.* (and the fixed names of older versions). Locked. */
static void remove_stale(const char *path)
{
	char *dcopy = xstrdup(path), *bcopy = xstrdup(path);
	const char *dir = dirname(dcopy), *base = basename(bcopy);
	struct buf prefix = BUF_INIT, f = BUF_INIT;
	buf_addf(&prefix, "%s.tmp.", base);
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (str_has_prefix(e->d_name, prefix.s)) {
			buf_setf(&f, "%s/%s", dir, e->d_name);
			unlink(f.s);
		}
	}
	if (d)
		closedir(d);
	static const char *const old[] = { "new", "tmp", "deltas.tmp" };
	for (size_t i = 0; i < ARRAY_SIZE(old); i++) {
		buf_setf(&f, "%s.%s", path, old[i]);
		unlink(f.s);
	}
	buf_release(&prefix);
	buf_release(&f);
	free(dcopy);
	free(bcopy);
}

/* Takes PATH.lock, waiting for another writer to finish; the descriptor
 * to give to index_unlock, or -1 with err set. */
static int index_lock(const char *path, struct buf *err)
{
	struct buf l = BUF_INIT;
	buf_addf(&l, "%s.lock", path);
	int fd = open(l.s, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		buf_setf(err, "%s: %s", l.s, strerror(errno));
	} else {
		int rc;
		while ((rc = flock(fd, LOCK_EX)) && errno == EINTR)
			;
		if (rc) {
			buf_setf(err, "%s: %s", l.s, strerror(errno));
			close(fd);
			fd = -1;
		} else {
			remove_stale(path);
		}
	}
	buf_release(&l);
	return fd;
}

static void index_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the lock */
}

/* The manifest of deltas: PATH.deltas, one file name a line. */
static void manifest_path(const char *path, struct buf *out)
{
	buf_reset(out);
	buf_addf(out, "%s.deltas", path);
}

/* Removes the delta files a manifest lists, then the manifest. */
static void drop_deltas(const char *path)
{
	struct buf m = BUF_INIT, text = BUF_INIT, err = BUF_INIT, f = BUF_INIT;
	manifest_path(path, &m);
	if (!read_file(m.s, &text, &err)) {
		struct strlist names = STRLIST_INIT;
		strlist_split(&names, text.s, text.len, '\n');
		for (size_t i = 0; i < names.n; i++) {
			buf_setf(&f, "%s.%s", path, names.v[i]);
			if (!strchr(names.v[i], '/'))
				unlink(f.s);
		}
		strlist_release(&names);
	}
	unlink(m.s);
	buf_release(&m);
	buf_release(&text);
	buf_release(&err);
	buf_release(&f);
}

/* Builds the main segment of every paper (*n of them; n may be NULL). */
static int build_locked(struct store *s, const char *path, uint64_t *n, struct buf *err)
{
	uint64_t docs;
	/* the new main segment carries its sequence number, so older deltas are
	 * stale even if removing them below is interrupted */
	if (build_segment(s, path, -1, &docs, err))
		return -1;
	drop_deltas(path);
	if (n)
		*n = docs;
	return 0;
}

int search_index_build(struct store *s, const char *path, struct buf *err)
{
	int fd = index_lock(path, err);
	if (fd < 0)
		return -1;
	int rc = build_locked(s, path, NULL, err);
	index_unlock(fd);
	return rc;
}

static int update_locked(struct store *s, const char *path, uint64_t *added, struct buf *err);

int search_index_update(struct store *s, const char *path, uint64_t *added, struct buf *err)
{
	*added = 0;
	int fd = index_lock(path, err);
	if (fd < 0)
		return -1;
	int rc = update_locked(s, path, added, err);
	index_unlock(fd);
	return rc;
}

static int update_locked(struct store *s, const char *path, uint64_t *added, struct buf *err)
{
	struct search_index *ix;
	struct buf e2 = BUF_INIT;
	if (search_open(path, &ix, &e2)) {
		buf_release(&e2);
		return build_locked(s, path, added, err); /* none yet, or unreadable */
	}
	buf_release(&e2);
	uint64_t last = 0, main_docs = ix->seg[0]->h->ndocs, delta_docs = 0;
	size_t ndeltas = ix->nseg - 1;
	for (size_t i = 0; i < ix->nseg; i++) {
		if (ix->seg[i]->h->seq > last)
			last = ix->seg[i]->h->seq;
		if (i)
			delta_docs += ix->seg[i]->h->ndocs;
	}
	search_close(ix);
	int64_t now;
	if (store_seq(s, &now, err))
		return -1;
	if ((uint64_t)now <= last)
		return 0; /* up to date */
	struct buf tmp = BUF_INIT, name = BUF_INIT, fin = BUF_INIT, m = BUF_INIT, text = BUF_INIT;
	temp_name(path, &tmp);
	buf_adds(&tmp, ".seg");
	uint64_t n = 0;
	int rc = build_segment(s, tmp.s, (int64_t)last, &n, err);
	if (!rc && n && (ndeltas + 1 >= MAX_SEGMENTS / 2 || delta_docs + n > main_docs / 10 + 1000)) {
		/* too many or too large: merge everything into a new main segment */
		unlink(tmp.s);
		rc = build_locked(s, path, NULL, err);
		*added = n;
	} else if (!rc && n) {
		struct idx_header h;
		FILE *f = fopen(tmp.s, "rb");
		if (!f || fread(&h, sizeof(h), 1, f) != 1) {
			buf_setf(err, "%s: cannot read back the new segment", tmp.s);
			rc = -1;
		}
		if (f)
			fclose(f);
		if (!rc) {
			buf_addf(&name, "d%llu", (unsigned long long)h.seq);
			buf_addf(&fin, "%s.%s", path, name.s);
			if (rename(tmp.s, fin.s)) {
				buf_setf(err, "%s: %s", fin.s, strerror(errno));
				rc = -1;
			}
		}
		if (!rc) {
			/* the manifest names the deltas; written aside, then renamed */
			manifest_path(path, &m);
			struct buf old = BUF_INIT, e3 = BUF_INIT;
			if (!read_file(m.s, &old, &e3))
				buf_add(&text, old.s, old.len);
			buf_release(&old);
			buf_release(&e3);
			buf_addf(&text, "%s\n", name.s);
			struct buf mt = BUF_INIT;
			temp_name(path, &mt);
			FILE *mf = fopen(mt.s, "wb");
			if (!mf || fwrite_n(text.s, 1, text.len, mf) != text.len || fflush(mf) || fsync(fileno(mf))) {
				buf_setf(err, "%s: %s", mt.s, strerror(errno));
				rc = -1;
			}
			if (mf)
				fclose(mf);
			if (!rc && rename(mt.s, m.s)) {
				buf_setf(err, "%s: %s", m.s, strerror(errno));
				rc = -1;
			}
			buf_release(&mt);
		}
		*added = n;
	}
	buf_release(&tmp);
	buf_release(&name);
	buf_release(&fin);
	buf_release(&m);
	buf_release(&text);
	return rc;
}
