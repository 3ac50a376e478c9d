/* search_int.h - private to src/search: the index file layout. */
#ifndef PAPERBOY_SEARCH_INT_H
#define PAPERBOY_SEARCH_INT_H

#include "search.h"

#define IDX_MAGIC "PBIDX001"
#define IDX_VERSION 10
#define IDX_BLOCK 128
#define NFIELDS 5 /* title, abstract, authors, AI keywords, body (the full text) */
#define FIELD_BODY 4
/* The body's terms are the words' stems after "b:" (a field of their own,
 * so that a query can ask for it or leave it out), and "b:" alone is in
 * every document that has a body (its df counts them). */
#define BODY_PREFIX "b:"

/*
 * File layout (all little-endian, sections 8-byte aligned):
 *   struct idx_header
 *   docs:     struct idx_doc[ndocs]
 *   ids:      NUL-terminated arXiv ids
 *   idsort:   uint32 doc numbers in id order (for id look-ups)
 *   terms:    struct idx_term[nterms] in term order
 *   termstr:  NUL-terminated terms
 *   postings: per term, struct idx_block[nblocks] then the blocks' bytes:
 *             bit-packed doc-number gaps (bitpack.c), then one impact byte
 *             per document
 */
struct idx_header {
	char magic[8];
	uint32_t version, flags;
	uint64_t ndocs, nterms, npostings;
	float avg_len[NFIELDS];
	float k1, pad;
	uint64_t off_docs, off_ids, off_idsort, off_terms, off_termstr, off_postings, file_size;
	/* version 2: semantic vectors (dims 0: none) */
	uint32_t dims, glove_words;
	uint64_t off_vecs; /* int8 [ndocs][dims], after the postings */
	/* version 3: the store's write sequence the segment is complete up to,
	 * and whether it is a delta (papers written after the previous one) */
	uint64_t seq;
	uint32_t delta;
	/* version 4: an inverted-file (IVF) partition of the vectors, when
	 * there are enough of them: nlists int8 unit centroids [nlists][dims],
	 * uint32 list starts [nlists + 1], uint32 doc numbers by list, uint32
	 * each doc's place in that order. The vectors section is then in list
	 * order too, so that a list is read front to back. */
	uint32_t nlists;
	uint64_t off_ivf;
	/* version 7: titles by a key of their words (title_key), sorted by
	 * key, so that a query that is a paper's whole title finds it */
	uint64_t off_titles, ntitles;
};

struct idx_title {
	uint64_t key;
	uint32_t doc, pad;
};

/* The key of a title or query: its letters (ASCII folded to lower case)
 * and digits, words separated by one space, hashed; 0 for none. */
uint64_t title_key(const char *s);

struct idx_doc {
	uint32_t id_off; /* into ids */
	int32_t minute;  /* publication time, minutes since 1970 (version 9; 0: unknown) */
};

struct idx_term {
	uint32_t str_off; /* into termstr */
	uint32_t df;
	uint64_t post_off; /* into postings: the block headers */
	uint32_t nblocks;
	/* the term's largest impact, and its 10th, 100th (version 8) and 30th
	 * (version 10: the hybrid ranking's depth) largest (0: fewer
	 * postings): w x kth is a score that many documents reach on this
	 * term alone, where a top-k search may start its threshold */
	uint8_t max_impact, kth10, kth100, kth30;
};

struct idx_block {
	uint32_t last_doc;
	uint32_t byte_off; /* of this block's bytes, from the end of the headers */
	uint16_t count;
	uint8_t max_impact;
	uint8_t pad;
};

/* ---- posting codec (bitpack.c) ---- */
/* Appends n integers packed at the width of the largest. */
void bitpack_encode(const uint32_t *in, uint32_t n, struct buf *out);
/* Reads n integers; returns the first byte after them. */
const uint8_t *bitpack_decode(const uint8_t *in, uint32_t n, uint32_t *out);
/* As bitpack_decode, and turns the gaps into running sums from base:
 * out[i] = base + in[0] + ... + in[i] (a block's documents). */
const uint8_t *bitpack_decode_sum(const uint8_t *in, uint32_t n, uint32_t base, uint32_t *out);
/* Whether the decoders use AVX2 (set at start when the processor has it;
 * the tests turn it off to check the plain decoder). */
extern bool bitpack_simd;

/* ---- word vectors (vectors.c) ---- */
struct glove;
/* $PAPERBOY_VECTORS, else the build's default (var/glove-100d.bin). */
void glove_default_path(struct buf *out);
int glove_open(const char *path, struct glove **out, struct buf *err);
void glove_close(struct glove *g);
/* tests: 1 when g uses the table and common component its file holds and
 * they are what would be made (every word found at its place), 0 when
 * they were made on opening, -1 when the file's are wrong. */
int glove_check(const struct glove *g);
uint32_t glove_dims(const struct glove *g);
uint32_t glove_words(const struct glove *g);
/* Which opening of a vectors file g is (0 for NULL): a cursor whose
 * tokenizer kept the places of another's words must forget them. */
uint64_t glove_serial(const struct glove *g);
/* A word's frequency rank in GloVe's own corpus (1: the most frequent),
 * or UINT32_MAX when GloVe does not know it (or g is NULL). */
uint32_t glove_rank(const struct glove *g, const char *word, size_t n);
/* The bytes of postings an index build holds in memory before spilling. */
uint64_t search_build_memory(void);
/* Adds the SIF-weighted vectors of text's words (as tk splits and
 * normalises them), times scale, to acc[dims]. */
void glove_embed(const struct glove *g, struct tokenizer *tk, const char *text, size_t len, float scale, float *acc);
/* Adds word w's SIF-weighted vector times scale to acc; *slot keeps where
 * it was found (a tokenizer's word slot, 0 at first). */
void glove_word(const struct glove *g, const char *w, size_t n, uint32_t *slot, float scale, float *acc);
/* A thread's own copies of the vectors of the words it has met, side by
 * side in the order it met them: a collection's common words share a few
 * cache lines instead of being spread over the whole table. */
struct glove_near {
	const struct glove *g;
	uint32_t *local_of; /* a word's copy + 1, 0: none yet */
	int8_t *vec; /* rows of stride bytes: a vector, then its weight (a float) */
	size_t n, cap, stride;
};
void glove_near_init(struct glove_near *gn, const struct glove *g);
void glove_near_free(struct glove_near *gn);
/* A text's words with vectors, in the order met, summed when the text is
 * done: with AVX-512 the sums then stay in the processor's registers from
 * word to word, and the rows are fetched ahead. */
struct vec_words {
	uint32_t *row; /* glove_near copies + 1 */
	float *scale;
	size_t n, cap;
};
/* Appends word w (weighted by scale) to vw, its copy made when new (as
 * glove_word, with *slot naming the copy); nothing for an unknown word. */
void glove_near_add(struct glove_near *gn, struct vec_words *vw, const char *w, size_t n, uint32_t *slot,
		    float scale);
/* acc += vw's words' vectors, each times its scale and weight, in their
 * order (the same sums as glove_word's, to the bit); empties vw. */
void glove_near_sum(const struct glove_near *gn, struct vec_words *vw, float *acc);
void vec_words_free(struct vec_words *vw);
/* Removes the common component of text vectors from acc. */
void glove_finish(const struct glove *g, float *acc);
/* L2-normalises acc into int8 (x127); false when acc is all zero. */
bool vec_quantize(const float *acc, uint32_t dims, int8_t *out);
int32_t vec_dot(const int8_t *a, const int8_t *b, uint32_t dims);
/* lround(x) for |x| < 2^52, without the library call: the part past the
 * integer is exact (x - trunc(x) loses nothing), so halves go away from
 * zero as lround's do. */
static inline long round_half_away(double x)
{
	long q = (long)x;
	double frac = x - (double)q;
	return q + (frac >= 0.5) - (frac <= -0.5);
}
/* Whether texts' word vectors are summed and the IVF's nearest centroids
 * found by the plain loops (true) or with the best the processor has
 * (false, the default); for the tests. */
void vec_plain(bool plain);
/* The same by level, for the tests: 0 plain, 1 AVX2, 2 AVX-512 (the
 * vector sums, and the IVF's dot products with VNNI; it needs AVX-512 F,
 * BW, VL and VNNI); at most what the processor has, which is returned. */
int vec_level(int level);
/* The first of the k centroids c nearest v, as ivf_train finds it (tests). */
uint32_t ivf_nearest(const int8_t *v, const int8_t *c, uint32_t k, uint32_t dims);
/* The number of IVF lists for n vectors (0: scan them all). */
uint32_t ivf_lists_for(uint64_t n);
/* Spherical k-means of n int8 unit vectors into k lists: centroids
 * [k][dims] (int8 unit x 127) and each vector's list. Deterministic. */
void ivf_train(const int8_t *vecs, size_t n, uint32_t dims, uint32_t k, int8_t *centroids, uint32_t *assign);

/* One index file: the main segment, or a delta written by an update. */
struct segment {
	const unsigned char *map;
	size_t size;
	const struct idx_header *h;
	const struct idx_doc *docs;
	const char *ids;
	const uint32_t *idsort;
	const struct idx_term *terms;
	const char *termstr;
	const unsigned char *postings;
	const int8_t *vecs;     /* NULL: no semantic vectors */
	const int8_t *centroids; /* IVF, NULL: scan every vector */
	const uint32_t *list_start, *list_docs, *pos_of_doc;
	const struct idx_title *titles;
	uint8_t *older;         /* bitmap of papers a newer segment holds again; NULL: none */
	uint64_t nolder;
	/* what searches leave out: older, and the papers hidden by a
	 * moderator (search_index_hide); NULL: none; older itself when none
	 * are hidden */
	uint8_t *deleted;
	uint64_t ndeleted;
};

#define MAX_SEGMENTS 16

/* The segments, oldest (the main one) first; a paper in a newer segment
 * hides its older copies. */
struct search_index {
	struct segment *seg[MAX_SEGMENTS];
	size_t nseg;
	struct glove *glove; /* NULL: no semantic search */
};

/* A query's own state, one per thread: what is not read-only. */
struct window;
struct search_cursor {
	struct tokenizer *tk;
	search_text_fn fetch; /* for phrase checks; NULL: none */
	void *fetch_ctx;
	struct window *win; /* the scoring window, made when first needed */
	uint64_t glove_serial; /* the word vectors tk's word slots are of (0: none yet) */
};

/* During an emit callback: a 32-bit slot, [0], that stays with this term
 * as emitted from this word's surface form (stemmed or not) while the
 * tokenizer's cache of words keeps it (zeroed when the cache starts again),
 * or NULL; an unstemmed word has a second one, [1]. The index builder keeps
 * term ids there. */
uint32_t *tokenizer_slot(struct tokenizer *tk);
/* Tests: every text through the tokenizer's general path, not its ASCII one
 * (and normalised without SIMD): what the ASCII path is compared with. */
extern bool tokenize_general;
/* Tests: the ASCII path's portable code where the processor has AVX-512. */
extern bool tokenize_no_simd;
/* Tests: the postings an index build encodes and writes at a time (0: the
 * build's own size). */
extern uint32_t index_chunk_postings;
/* Tests: called by the index build, from its indexing threads, with each
 * document's terms and their counts by field (a full text: again, with its
 * own), as they go into the postings. */
extern void (*index_counts_hook)(uint32_t doc, const char *term, const uint8_t tf[NFIELDS]);
/* Tests: a text with non-ASCII bytes normalised by utf8proc whole, not a
 * piece at a time. */
extern bool tokenize_whole_norm;
/* Tests: the bits kept of the hash of the tokenizer's cache of words (few:
 * words collide, and are told apart by their bytes). */
extern uint32_t word_hash_mask;
/* Calls fn with every word of what is tokenized from now on (a compound's
 * parts, not its joined form; stop words too; normalised, unstemmed), and
 * a 32-bit slot of its own that stays with the word as tokenizer_slot's
 * does; fn NULL stops. tokenize's emit may be NULL to see the words only. */
void tokenizer_on_word(struct tokenizer *tk, void (*fn)(void *ctx, const char *w, size_t n, uint32_t *slot), void *ctx);

/* Finds a term; NULL when absent. */
const struct idx_term *index_term_find(const struct segment *sg, const char *term, size_t n);
/* The number of live papers holding every one of terms[0..n) (index
 * terms: stems), over every segment. */
uint64_t index_conj_df(const struct search_index *ix, const char *const *terms, const size_t *lens, size_t n);
/* The query with its misspelled words corrected into out (spell.c): 1
 * when a correction is strong (a word unknown or a hundred times rarer),
 * 0 weak, -1 none. */
int spell_correct(struct search_index *ix, struct tokenizer *tk, const char *text, struct buf *out);
/* Finds a paper by arXiv id: its doc number, or -1. */
int64_t index_doc_by_id(const struct segment *sg, const char *id);

#endif
