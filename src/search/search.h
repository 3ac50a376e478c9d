/*
 * search.h - paperboy's search engine: the whole interface used by the CLI
 * (and later the web and mail parts).
 *
 * Lexical search over titles, abstracts, authors and AI keywords with
 * BM25F. Each posting carries a precomputed, quantized BM25F impact (the
 * saturated, length-normalised field-weighted term frequency), so a query
 * scores a document by adding idf x impact; postings are in blocks of 128
 * documents with the block's largest impact, and top-k uses MaxScore with
 * block-max bounds, so a query never scores every matching document.
 *
 * The index is one file beside the database (DB.search), memory-mapped,
 * written to a temporary name and renamed into place (a crash leaves the
 * old index or the new one, never half of one). It knows papers by arXiv
 * id only: it reads them through the store interface, never through SQL.
 */
#ifndef PAPERBOY_SEARCH_H
#define PAPERBOY_SEARCH_H

#include "../store/store.h"

/* ---- tokenizer ---------------------------------------------------------- */

struct tokenizer;
/* Returns a tokenizer (English stemming and stop words), or NULL when the
 * stemmer cannot be made (out of memory); free with tokenizer_free. Not
 * thread-safe: one per thread. */
struct tokenizer *tokenizer_new(void);
void tokenizer_free(struct tokenizer *tk);

enum token_flags {
	TOK_JOINED = 1 << 0, /* the joined form of a compound ("gpt4" for GPT-4) */
	TOK_PART = 1 << 1,   /* a part of a compound ("gpt", "4") */
};

/*
 * Splits UTF-8 text into normalised terms (NFKC, case-folded, accents
 * stripped, Snowball English stems, stop words dropped) and calls emit for
 * each, with its position (a compound's parts take one position each, as
 * separate words would; its joined form takes the first part's). `stem` false keeps words unstemmed (author
 * names). The term passed to emit is only valid during the call.
 */
void tokenize(struct tokenizer *tk, const char *text, size_t len, bool stem,
	      void (*emit)(void *ctx, const char *term, size_t n, unsigned pos, unsigned flags), void *ctx);

/* ---- settings ------------------------------------------------------------ */

/* What every index of the process shares, set once at start, before any
 * index is opened or built (the CLI takes it from its options); a field
 * left 0 or NULL keeps its default. */
struct search_config {
	const char *vectors;   /* the word vectors (default: the ones setup installs) */
	uint64_t ivf_min_docs; /* from this many papers, the vectors are partitioned (IVF; default 20000) */
	/* bytes of postings an index build holds before it spills them to a
	 * file beside the index (default 256 MB; the build's peak is about
	 * twice this plus 130 bytes a paper) */
	uint64_t build_memory;
};
void search_configure(const struct search_config *c);

/* ---- index -------------------------------------------------------------- */

struct search_index;

/* The index that belongs to a database URL when none is named: "PATH.search"
 * beside a SQLite file, else "DBNAME.search" in the working directory for a
 * PostgreSQL store (each host keeps its own index of the shared store). */
void search_index_path(const char *db_url, struct buf *out);

/*
 * Builds the index of every paper in s and moves it into place at path
 * atomically. Shows a progress line on a terminal. 0 or -1 (err set).
 */
int search_index_build(struct store *s, const char *path, struct buf *err);

/*
 * Brings the index up to date with the store: the papers written since it
 * was built go into a small delta segment (a paper in a newer segment
 * hides its older copy); when the deltas grow past a tenth of the index,
 * everything is merged into a new main segment. Builds the index when
 * there is none. *added says how many papers were indexed.
 */
int search_index_update(struct store *s, const char *path, uint64_t *added, struct buf *err);

/* Opens (memory-maps) an index; the caller frees it with search_close. An
 * open index is read-only: any number of threads may query it at once,
 * each with a cursor of its own. */
int search_open(const char *path, struct search_index **out, struct buf *err);
void search_close(struct search_index *ix);
/* Leaves the papers ids[0..n) (hidden by a moderator) out of every search
 * of ix, in place of those it left out before; ids it does not hold are
 * ignored. Not while ix is searched (the caller's lock). */
void search_index_hide(struct search_index *ix, const char *const *ids, size_t n);
/* The store's hidden papers left out of ix's searches; *gen the store's
 * hidden generation it applied (store_papers_hidden). 0/-1. */
int search_hide_stored(struct search_index *ix, struct store *s, int64_t *gen, struct buf *err);

struct search_index_stats {
	uint64_t docs, terms, postings, file_bytes, segments;
	double avg_len[5]; /* title, abstract, authors, keywords, body (of the papers that have one) */
	uint64_t bodies;   /* papers whose full text is indexed */
};
void search_index_stats(const struct search_index *ix, struct search_index_stats *st);
/* The store's write sequence number the index holds every paper up to. */
uint64_t search_index_seq(const struct search_index *ix);

/* ---- queries ------------------------------------------------------------ */

/* SEARCH_HYBRID (the default everywhere): the top 30 by BM25F, reordered
 * by their min-max normalised BM25F score plus 0.5 x the cosine of their
 * meaning vector with the query's (later pages: the words' order after
 * them). SEARCH_BM25: words only. SEARCH_SEMANTIC:
 * meaning only over a floor of lexical evidence: of the BM25F top 100,
 * those scoring at least half the best, ordered by the cosine of their
 * meaning vector with the query's (the query's words' vector plus twice
 * the mean of its 5 best lexical matches'); the score is that cosine.
 * Without word vectors, hybrid is BM25F. */
enum search_mode { SEARCH_BM25, SEARCH_SEMANTIC, SEARCH_HYBRID };
/* A mode's name ("hybrid" or NULL/"" for the default, "bm25", "semantic")
 * into *mode: 0, or -1 for another (the web and the CLI read it here). */
int search_mode_parse(const char *s, enum search_mode *mode);
const char *search_mode_name(enum search_mode mode);

struct search_hit {
	char id[PAPER_ID_MAX];
	double score;
};

/*
 * A cursor: what one thread needs to run queries (a tokenizer, scratch,
 * and where the text of "exact phrases" is read back: fetch fills title
 * and abstract (caller-owned bufs) and returns 0, or non-zero when the
 * paper is gone; without one, a phrase only requires its words). NULL when
 * the stemmer cannot be made.
 */
typedef int (*search_text_fn)(void *ctx, const char *id, struct buf *title, struct buf *abstract);
struct search_cursor;
struct search_cursor *search_cursor_new(search_text_fn fetch, void *ctx);
/* The text source most callers want: the paper read from the store ctx
 * (a struct store *). */
int search_store_text(void *ctx, const char *id, struct buf *title, struct buf *abstract);
void search_cursor_set_text(struct search_cursor *c, search_text_fn fetch, void *ctx);
void search_cursor_free(struct search_cursor *c);

/*
 * Runs a query with cursor c (NULL: one made for this call):
 *   free text (ranked, every term optional), "exact phrase", +required,
 *   -excluded, author:"Yann LeCun", cat:cs.LG, after:2025-01-01,
 *   before:2025-06-01; a query that is an arXiv id or URL returns that
 *   paper first.
 * Fills hits[0..*n) best first (*n in: capacity, out: count). Returns 0,
 * or -1 with a message for the user in err (an empty or unusable query).
 */
int search_query(struct search_index *ix, struct search_cursor *c, const char *query, enum search_mode mode,
		 struct search_hit *hits, size_t *n, struct buf *err);

/* The longest query, in bytes: a pasted abstract fits. A query of more
 * than 40 words is read as a text (no operators) and searched by its most
 * informative words, like "more like this". */
#define SEARCH_MAX_QUERY 5000

/* The order of results: by relevance (the mode's ranking; a query that is
 * a paper's whole title puts that paper first), or newest first (every
 * word required, by publication day, ties by relevance; lexical). */
enum search_sort { SEARCH_RELEVANCE, SEARCH_NEWEST };
struct search_opts {
	enum search_mode mode;
	enum search_sort sort;
	/* spelling: a word the index hardly knows is corrected from its own
	 * vocabulary (one edit away); the suggestion's results replace the
	 * query's when the correction is strong or the query finds little */
	bool correct;
	bool all_words; /* every free word required (as newest first does) */
};
struct search_info {
	uint64_t total;       /* papers matching */
	bool exact;           /* counted (required words, newest first), else estimated */
	char suggestion[256]; /* "did you mean": the corrected query, "" when none */
	bool corrected;       /* the hits are the suggestion's */
	uint64_t bodies;      /* papers whose full text the query searched (0: no snippet to look for) */
	bool no_bodies;       /* the query leaves the full texts out (-in:body, a pasted text) */
};
/* search_query with options; info (may be NULL) says how many match and
 * whether the spelling was corrected. */
int search_run(struct search_index *ix, struct search_cursor *c, const char *query, const struct search_opts *o,
	       struct search_hit *hits, size_t *n, struct search_info *info, struct buf *err);

/* The papers nearest to paper `id` in meaning (semantic vectors), best
 * first. 0, or -1 with a message in err. */
int search_similar(struct search_index *ix, const char *id, struct search_hit *hits, size_t *n, struct buf *err);
/* Similar papers, by meaning alone (SIMILAR_VECTORS, search_similar), or
 * (SIMILAR_HYBRID) by meaning and the words of the paper's title (read
 * through the cursor's text source): the 100 nearest in meaning and the
 * 100 best by the title's words (each weighing its idf squared, so that
 * the distinctive ones lead; a distinctive name such as MMLU brings the
 * index's terms that contain it, KMMLU, IndicMMLU), ranked by cosine +
 * 0.5 x the title score normalised by the best + the share of the
 * paper's distinctive title words (idf squared) that the candidate's own
 * title holds; bench/search/similar_bench.c compares them. */
enum similar_mode { SIMILAR_VECTORS, SIMILAR_HYBRID };
int search_similar_run(struct search_index *ix, struct search_cursor *c, const char *id, enum similar_mode mode,
		       struct search_hit *hits, size_t *n, struct buf *err);

/* ---- recommendations (recommend.c) --------------------------------------------
 * A reader's ranking of candidate papers from the ones they liked: a linear
 * SVM (liblinear) on tf-idf features of the texts (the liked papers against
 * the candidates), once 3 or more are liked, plus how near each candidate is
 * in meaning to the liked ones' centroid (SEARCH_RECOMMEND_MEANING of it;
 * meaning alone below 3), plus a caller's boost (follows); z-scored parts.
 * Texts are the callers' (title and abstract). */
#define SEARCH_RECOMMEND_MEANING 0.5
struct search_liked {
	const char *id, *text;
	double weight; /* of its meaning in the centroid (1: a vote) */
};
struct search_candidate {
	const char *id, *text;
	double boost;
};
enum search_rec_mode { REC_BLEND, REC_MEANING, REC_WORDS };
int search_recommend(struct search_index *ix, struct search_cursor *c, enum search_rec_mode mode,
		     const struct search_liked *liked, size_t nliked, const struct search_candidate *cand, size_t ncand,
		     double *scores, struct buf *err);

/* The same ranking by scoring every document (for tests). */
int search_query_exhaustive(struct search_index *ix, const char *query, struct search_hit *hits, size_t *n,
			    struct buf *err);

#endif
