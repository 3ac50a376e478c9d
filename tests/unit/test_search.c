/*
 * test_search.c - the tokenizer, the query language, and the index's
 * pruned top-k against an exhaustive scorer on random corpora.
 */
#include "../../src/search/search_int.h"
#include "check.h"
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct toks {
	struct buf out;
};

static void collect(void *ctx, const char *t, size_t n, unsigned pos, unsigned flags)
{
	struct toks *k = ctx;
	(void)pos;
	buf_addf(&k->out, "%s%.*s%s", k->out.len ? " " : "", (int)n, t, flags & TOK_JOINED ? "*" : "");
}

static void check_tokens(struct tokenizer *tk, const char *in, bool stem, const char *want)
{
	struct toks k = { BUF_INIT };
	tokenize(tk, in, strlen(in), stem, collect, &k);
	CHECK_STR(k.out.s, want);
	buf_release(&k.out);
}

struct words {
	struct buf out;
	uint32_t next;
};

/* Notes each word with what its slot held, and numbers it the first time. */
static void on_word(void *ctx, const char *w, size_t n, uint32_t *slot)
{
	struct words *k = ctx;
	buf_addf(&k->out, "%s%.*s:%u", k->out.len ? " " : "", (int)n, w, *slot);
	if (!*slot)
		*slot = ++k->next;
}

static void test_tokenizer(void)
{
	struct tokenizer *tk = tokenizer_new();
	check_tokens(tk, "GPT-4", true, "gpt 4 gpt4*");
	check_tokens(tk, "in-context learning", true, "context incontext* learn");
	check_tokens(tk, "ResNet-50 and L2 in 3D", true, "resnet 50 resnet50* l2 3d");
	check_tokens(tk, "Llama-3.1-8B.", true, "llama 3 1 8b llama318b*");
	check_tokens(tk, "Networks, networking; NETWORKED!", true, "network network network");
	check_tokens(tk, "Café Müller naïve", false, "cafe muller naive");
	check_tokens(tk, "Ｆｕｌｌｗｉｄｔｈ", false, "fullwidth");
	check_tokens(tk, "the of and", true, "");
	check_tokens(tk, "", true, "");
	check_tokens(tk, "e.g. x.y 3.14", true, "e g x y 3 14 314*");
	check_tokens(tk, "\xff\xfe broken \xc3 utf8", true, "broken utf8");
	/* a long text after the cache of words has grown large (its slots
	 * are then asked for ahead of the look-ups): the same terms as from a
	 * new tokenizer */
	{
		struct tokenizer *big = tokenizer_new();
		struct buf many = BUF_INIT, text = BUF_INIT;
		for (unsigned k = 0; k < 40000; k++)
			buf_addf(&many, "w%ux%u ", k * 7919u % 100003u, k);
		struct toks sink = { BUF_INIT };
		tokenize(big, many.s, many.len, true, collect, &sink);
		for (unsigned k = 0; k < 300; k++)
			buf_addf(&text, "%s w%ux%u, state-of-the-art é%u; ", k % 3 ? "Learning" : "networks", k * 7919u % 100003u,
				 k, k);
		struct toks a = { BUF_INIT }, b = { BUF_INIT };
		tokenize(big, text.s, text.len, true, collect, &a);
		struct tokenizer *fresh = tokenizer_new();
		tokenize(fresh, text.s, text.len, true, collect, &b);
		CHECK(a.out.len > 1000 && !strcmp(a.out.s, b.out.s));
		tokenizer_free(fresh);
		tokenizer_free(big);
		buf_release(&a.out);
		buf_release(&b.out);
		buf_release(&sink.out);
		buf_release(&many);
		buf_release(&text);
	}
	/* a 200-letter word is dropped, not truncated or overflowing */
	char longw[220];
	memset(longw, 'a', 200);
	snprintf(longw + 200, 20, " ok");
	check_tokens(tk, longw, true, "ok");
	/* from the cache of words, the same: a joined form that is a stop word
	 * as a word, words with digits, the unstemmed surface */
	for (int round = 0; round < 2; round++) {
		check_tokens(tk, "into in-to", true, "into*");
		check_tokens(tk, "GPT-4 gpt-4", true, "gpt 4 gpt4* gpt 4 gpt4*");
		check_tokens(tk, "Networking networks 3D", false, "networking networks 3d");
		check_tokens(tk, "networking the", true, "network");
	}
	/* every word goes to the word hook, stop words and a compound's parts
	 * too (not its joined form), with a slot that stays with the word */
	struct words w = { BUF_INIT, 0 };
	tokenizer_on_word(tk, on_word, &w);
	check_tokens(tk, "The GPT-4 model", true, "gpt 4 gpt4* model");
	CHECK_STR(w.out.s, "the:0 gpt:0 4:0 model:0");
	buf_reset(&w.out);
	check_tokens(tk, "model of the GPT-4", false, "model gpt 4 gpt4*");
	CHECK_STR(w.out.s, "model:4 of:0 the:1 gpt:2 4:3");
	tokenizer_on_word(tk, NULL, NULL);
	buf_reset(&w.out);
	check_tokens(tk, "the model", true, "model");
	CHECK_STR(w.out.s, "");
	buf_release(&w.out);
	tokenizer_free(tk);
}

/* ---- random corpora ----------------------------------------------------- */

static uint64_t rs = 0x9E3779B97F4A7C15ULL;
static unsigned rnd(unsigned n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (unsigned)(rs % n);
}

/* Every token with its position and flags. */
static void collect_all(void *ctx, const char *t, size_t n, unsigned pos, unsigned flags)
{
	struct toks *k = ctx;
	buf_addf(&k->out, " %.*s@%u/%u", (int)n, t, pos, flags);
}

/* The ASCII path (runs found and hashed in one pass, then compounds) gives
 * what the general path gives, token by token with positions and flags,
 * and the same words and slots to the word hook: random texts of words,
 * digits, capitals, separators, stop words, over-long words and compounds
 * of more than MAX_PARTS parts, with a cache of words small and grown. */
static void test_tokenizer_paths(void)
{
	/* a generator of its own: the random corpora below stay as they are */
	static uint64_t ts = 0x2545F4914F6CDD1DULL;
#define trnd(n) (ts ^= ts << 13, ts ^= ts >> 7, ts ^= ts << 17, (unsigned)(ts % (n)))
	static const char *pieces[] = { "Graph", "neural", "in", "the", "to", "of", "GPT", "4", "3", "1", "8b", "x", "e",
					"g", "state", "art", "Llama", "3D", "L2", "ResNet", "learning", "networks",
					"co", "z9", "2024", "a1b2", "representations", "Pre", "trained", "multi", "modal",
					/* not ASCII, normalised to it (or dropped as invalid) */
					"Caf\xc3\xa9", "na\xc3\xafve", "\xef\xbc\xa6\xef\xbd\x95ll", "M\xc3\xbcller", "\xff", "x\xc3" };
	/* (and the characters either side of the letters' and digits' ranges,
	 * which the 64-byte steps of the ASCII path's SIMD compare against) */
	static const char *seps[] = { " ", " ", " ", "-", "-", "_", ".", ". ", ", ", "--", " -", "- ", "(", ")", ":",
				      "/", "'", "\n", "+", "=", "@", "[", "`", "{", "\x7f", "\t" };
	size_t mismatches = 0, texts = 0, bytes = 0;
	/* twice over: the ASCII path with its SIMD code (where the processor
	 * has it), then with its portable code */
	for (int round = 0; round < 4; round++) {
		tokenize_no_simd = round >= 2;
		struct tokenizer *fast = tokenizer_new(), *general = tokenizer_new();
		if (round % 2) { /* grown caches: slots asked for ahead */
			struct buf many = BUF_INIT;
			struct toks sink = { BUF_INIT };
			for (unsigned k = 0; k < 40000; k++)
				buf_addf(&many, "w%ux%u ", k * 7919u % 100003u, k);
			tokenize(fast, many.s, many.len, true, collect_all, &sink);
			tokenize_general = true;
			tokenize(general, many.s, many.len, true, collect_all, &sink);
			tokenize_general = false;
			buf_release(&many);
			buf_release(&sink.out);
		}
		struct words wf = { BUF_INIT, 0 }, wg = { BUF_INIT, 0 };
		for (int t = 0; t < 3000; t++) {
			struct buf text = BUF_INIT;
			unsigned nw = 1 + trnd(t % 10 ? 40 : 400);
			for (unsigned i = 0; i < nw; i++) {
				unsigned r = trnd(100);
				if (r < 3) { /* a word past MAX_TERM, or just at it */
					for (unsigned k = 0, m = 60 + trnd(10); k < m; k++)
						buf_addc(&text, (char)('a' + trnd(26)));
				} else if (r < 6) { /* a long compound */
					for (unsigned k = 0, m = 6 + trnd(6); k < m; k++)
						buf_addf(&text, "%s%s", k ? "-" : "", pieces[trnd(ARRAY_SIZE(pieces))]);
				} else {
					buf_adds(&text, pieces[trnd(ARRAY_SIZE(pieces))]);
				}
				buf_adds(&text, seps[trnd(ARRAY_SIZE(seps))]);
			}
			/* a text that ends in a word; one whose last word ends just
			 * at a multiple of 64 bytes (the ASCII path's steps; most of
			 * them still do once normalised) */
			if (t % 3 == 0)
				while (text.len && !isalnum((unsigned char)text.s[text.len - 1]))
					text.s[--text.len] = '\0';
			if (t % 6 == 0)
				do
					buf_addc(&text, 'q');
				while (text.len % 64);
			bool stem = trnd(4) != 0;
			struct toks a = { BUF_INIT }, b = { BUF_INIT };
			tokenizer_on_word(fast, on_word, &wf);
			tokenizer_on_word(general, on_word, &wg);
			tokenize(fast, text.s, text.len, stem, collect_all, &a);
			tokenize_general = true;
			tokenize(general, text.s, text.len, stem, collect_all, &b);
			tokenize_general = false;
			texts++;
			bytes += a.out.len;
#define OR_EMPTY(b) ((b).s ? (b).s : "")
			bool same = !strcmp(OR_EMPTY(a.out), OR_EMPTY(b.out)) && !strcmp(OR_EMPTY(wf.out), OR_EMPTY(wg.out));
			if (!same && mismatches++ < 3)
				fprintf(stderr, "tokens differ for [%s]:\n  ascii:  %s\n  general: %s\n", text.s,
					OR_EMPTY(a.out), OR_EMPTY(b.out));
#undef OR_EMPTY
			buf_reset(&wf.out);
			buf_reset(&wg.out);
			buf_release(&a.out);
			buf_release(&b.out);
			buf_release(&text);
		}
		buf_release(&wf.out);
		buf_release(&wg.out);
		tokenizer_free(fast);
		tokenizer_free(general);
	}
	tokenize_no_simd = false;
	CHECK(mismatches == 0);
	CHECK(texts == 12000 && bytes > 200000);
}
#undef trnd

static size_t pairs_with_tokens; /* tok_pairs whose x gave tokens: the comparisons were not empty */

/* Two new tokenizers, x and y, whose tokens (with positions and flags) and
 * words (with their slots) are compared when the test is done with them. */
struct tok_pair {
	struct tokenizer *x, *y;
	struct toks a, b; /* x's and y's tokens */
	struct words wa, wb;
};

static void pair_begin(struct tok_pair *p)
{
	*p = (struct tok_pair){ .a = { BUF_INIT }, .b = { BUF_INIT }, .wa = { BUF_INIT, 0 }, .wb = { BUF_INIT, 0 } };
	p->x = tokenizer_new();
	p->y = tokenizer_new();
	tokenizer_on_word(p->x, on_word, &p->wa);
	tokenizer_on_word(p->y, on_word, &p->wb);
}

/* Counts in *bad whether x and y differed (the first three printed, as
 * what), and frees them. */
static void pair_end(struct tok_pair *p, const char *what, const char *text, size_t *bad)
{
	pairs_with_tokens += p->a.out.len > 0;
#define OR_EMPTY(b) ((b).s ? (b).s : "")
	if ((strcmp(OR_EMPTY(p->a.out), OR_EMPTY(p->b.out)) || strcmp(OR_EMPTY(p->wa.out), OR_EMPTY(p->wb.out))) &&
	    (*bad)++ < 3)
		fprintf(stderr, "%s [%s]:\n  %s | %s\n  %s | %s\n", what, text, OR_EMPTY(p->a.out), OR_EMPTY(p->wa.out),
			OR_EMPTY(p->b.out), OR_EMPTY(p->wb.out));
#undef OR_EMPTY
	tokenizer_free(p->x);
	tokenizer_free(p->y);
	buf_release(&p->a.out);
	buf_release(&p->b.out);
	buf_release(&p->wa.out);
	buf_release(&p->wb.out);
}

/* A text with non-ASCII bytes normalised a piece at a time gives what it
 * gives normalised whole: random texts of ASCII words and separators
 * mixed with marks after ASCII letters (composing or not, one overlay
 * that composes with '='), a mark after a space and at the start,
 * compatibility forms (ligatures, full-width, the Kelvin sign, super-
 * scripts), case folds that grow (German sharp s, dotted capital I),
 * Greek, ignorables (soft hyphen, zero-width space), Hangul jamo that
 * compose, and invalid bytes. */
static void test_norm_pieces(void)
{
	static uint64_t ns = 0xD1B54A32D192ED03ULL;
#define nrnd(n) (ns ^= ns << 13, ns ^= ns >> 7, ns ^= ns << 17, (unsigned)(ns % (n)))
	static const char *pieces[] = { "Cafe", "e", "E", "=", "a", "O", "model", "GPT", "4", "x", " ", "-", ".", "_",
					"\xcc\x81",	  /* combining acute */
					"\xcc\x88",	  /* combining diaeresis */
					"\xcc\xb8",	  /* combining long solidus overlay */
					"\xef\xac\x81", /* fi ligature */
					"\xef\xbc\xa1", /* full-width A */
					"\xe2\x84\xaa", /* Kelvin sign */
					"\xc2\xb2",	  /* superscript two */
					"\xc3\x9f",	  /* sharp s */
					"\xc4\xb0",	  /* dotted capital I */
					"\xce\xb1\xce\xb2", /* Greek */
					"\xc2\xad",	  /* soft hyphen */
					"\xe2\x80\x8b", /* zero-width space */
					"\xe1\x84\x80\xe1\x85\xa1", /* Hangul L + V */
					"\xc3\xa9",	  /* e acute, composed */
					"\xe2\x80\x94", /* em dash */
					"\xff",	  /* invalid */
					"\xc3" };	  /* truncated */
	size_t bad = 0;
	pairs_with_tokens = 0;
	for (int t = 0; t < 3000; t++) {
		struct buf text = BUF_INIT;
		for (unsigned i = 0, n = 1 + nrnd(30); i < n; i++)
			buf_adds(&text, pieces[nrnd(t % 4 ? ARRAY_SIZE(pieces) - 2 : ARRAY_SIZE(pieces))]);
		struct tok_pair p; /* x a piece at a time, y whole */
		pair_begin(&p);
		bool stem = nrnd(2);
		tokenize(p.x, text.s, text.len, stem, collect_all, &p.a);
		tokenize_whole_norm = true;
		tokenize(p.y, text.s, text.len, stem, collect_all, &p.b);
		tokenize_whole_norm = false;
		pair_end(&p, "pieces and whole differ for", text.s, &bad);
		buf_release(&text);
	}
	CHECK(bad == 0 && pairs_with_tokens > 2500);
#undef nrnd
}

/* round_half_away is lround: halves, their neighbours one step either
 * side, both signs, small and large values (the impacts and the vectors
 * are rounded with it). */
static void test_round_half_away(void)
{
	size_t bad = 0;
	for (int k = -300000; k <= 300000; k++) {
		double half = k + 0.5, xs[] = { half, nextafter(half, -1e300), nextafter(half, 1e300), k, k / 7.0,
						 k * 1e-6, k * 12345.678 };
		for (size_t i = 0; i < ARRAY_SIZE(xs); i++)
			if (round_half_away(xs[i]) != lround(xs[i]) && bad++ < 3)
				fprintf(stderr, "round_half_away(%.17g) = %ld, lround %ld\n", xs[i], round_half_away(xs[i]),
					lround(xs[i]));
	}
	CHECK(bad == 0);
}

/* Words told apart by their bytes, not their hashes: with the hash of the
 * cache of words cut to a few bits, texts of words that share their first
 * eight bytes, differ only in their ninth or last, or are another's prefix
 * give the tokens and word slots they give with the whole hash. */
static void test_tokenizer_collisions(void)
{
	static uint64_t cs = 0x9E3779B97F4A7C15ULL;
#define crnd(n) (cs ^= cs << 13, cs ^= cs >> 7, cs ^= cs << 17, (unsigned)(cs % (n)))
	static const char *stems[] = { "abcdefgh", "abcdefg", "abcdefghi", "abcdefgx", "representation",
				       "representations", "representational", "12345678", "123456789", "1234567",
				       "a", "ab", "the", "networks", "network", "networking", "x1", "x12345678y",
				       "transformers", "transformer" };
	size_t bad = 0;
	pairs_with_tokens = 0;
	for (int t = 0; t < 400; t++) {
		struct buf text = BUF_INIT;
		for (unsigned i = 0, n = 1 + crnd(60); i < n; i++) {
			buf_adds(&text, stems[crnd(ARRAY_SIZE(stems))]);
			if (crnd(3) == 0)
				buf_addc(&text, (char)('a' + crnd(3)));
			buf_adds(&text, crnd(5) ? " " : "-");
		}
		bool stem = crnd(2);
		struct tok_pair p; /* x with the whole hash, y with two bits of it */
		pair_begin(&p);
		/* twice (then from the cache), by each path */
		for (int rep = 0; rep < 4; rep++) {
			tokenize_general = rep % 2;
			tokenize(p.x, text.s, text.len, stem, collect_all, &p.a);
			word_hash_mask = 0x6; /* four hashes: 1, 3, 5, 7 */
			tokenize(p.y, text.s, text.len, stem, collect_all, &p.b);
			word_hash_mask = ~0u;
		}
		tokenize_general = false;
		pair_end(&p, "collisions change", text.s, &bad);
		buf_release(&text);
	}
	CHECK(bad == 0 && pairs_with_tokens > 380);
#undef crnd
}

static const char *words[] = { "graph", "neural", "network", "attention", "transformer", "diffusion", "model",
			       "language", "vision", "reward", "policy", "agent", "reasoning", "retrieval",
			       "quantum", "spin", "lattice", "gauge", "proof", "theorem", "sparse", "dense",
			       "kernel", "matrix", "token", "image", "video", "audio", "speech", "robot",
			       "control", "learning", "gpt-4", "in-context", "resnet-50", "3d", "l2", "bayesian",
			       "entropy", "benchmark" };

static const char *zipf_word(void)
{
	unsigned r = rnd(1000);
	unsigned i = r < 300 ? rnd(4) : r < 600 ? 4 + rnd(8) : 12 + rnd(ARRAY_SIZE(words) - 12);
	return words[i];
}

static void random_text(struct buf *b, unsigned nwords)
{
	buf_reset(b);
	for (unsigned i = 0; i < nwords; i++)
		buf_addf(b, "%s%s", i ? " " : "", zipf_word());
}

/* Meaning only stands on a floor of lexical evidence: every result is
 * among the BM25F top 100 and scores at least half the best of them
 * (issue 21: nearest neighbours over everything put other fields first). */
/* The title keys of the random corpus's papers, by their number. */
static uint64_t corpus_title_keys[3000];

static void check_semantic_floor(struct search_index *ix)
{
	struct search_hit sem[20], lex[101];
	struct buf err = BUF_INIT, q = BUF_INIT;
	int checked = 0;
	for (int qn = 0; qn < 100; qn++) {
		buf_reset(&q);
		unsigned nw = 1 + rnd(4);
		for (unsigned i = 0; i < nw; i++)
			buf_addf(&q, "%s%s", i ? " " : "", zipf_word());
		/* the semantic candidates are the lexical top 100 and, when the
		 * query is a paper's whole title, that paper, which the bm25 list
		 * puts first, from wherever it ranked: 101 of that list hold them */
		size_t ns = 20, nl = 101;
		CHECK(search_query(ix, NULL, q.s, SEARCH_SEMANTIC, sem, &ns, &err) == 0);
		CHECK(search_query(ix, NULL, q.s, SEARCH_BM25, lex, &nl, &err) == 0);
		/* a query that is a paper's whole title puts it first, at the
		 * best score + 1: the floor stands on the words' best */
		double best = nl ? lex[0].score : 0;
		unsigned num = 0;
		if (nl && sscanf(lex[0].id, "%*4u.%5u", &num) == 1 && num < ARRAY_SIZE(corpus_title_keys) &&
		    corpus_title_keys[num] == title_key(q.s))
			best -= 1.0;
		for (size_t i = 0; i < ns; i++) {
			bool found = false;
			for (size_t j = 0; j < nl && !found; j++)
				if (!strcmp(sem[i].id, lex[j].id)) {
					found = true;
					CHECK(lex[j].score >= 0.5 * best - 1e-6);
				}
			CHECK(found);
			if (i)
				CHECK(sem[i].score <= sem[i - 1].score); /* by meaning */
		}
		checked += ns > 0;
	}
	CHECK(checked > 50);
	buf_release(&err);
	buf_release(&q);
}

/* Removes a test's temporary folder and what is in it. */
static void remove_dir(const char *dir)
{
	struct buf cmd = BUF_INIT;
	buf_addf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.s))
		fprintf(stderr, "cannot remove %s\n", dir);
	buf_release(&cmd);
}

/* Whether two files hold the same bytes. */
static bool files_equal(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool same = fa && fb;
	while (same) {
		int ca = getc(fa), cb = getc(fb);
		same = ca == cb;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void test_topk_matches_exhaustive(void)
{
	char dir[] = "/tmp/pb-test-search-XXXXXX";
	if (!mkdtemp(dir))
		return;
	struct buf dbp = BUF_INIT, ixp = BUF_INIT, err = BUF_INIT, t = BUF_INIT;
	buf_addf(&dbp, "%s/s.db", dir);
	struct store *s;
	CHECK(store_open(dbp.s, STORE_CREATE, &s, &err) == 0);
	enum { NDOCS = 3000 };
	static const char *cats[] = { "cs.LG", "cs.CL", "hep-th", "math.PR" };
	static const char *names[] = { "Yann LeCun", "Ada Lovelace", "Alan Turing", "Grace Hopper", "Emmy Noether" };
	struct paper batch[100];
	enum upsert_result res[100];
	for (int d = 0; d < NDOCS; d += 100) {
		for (int j = 0; j < 100; j++) {
			struct paper *p = &batch[j];
			paper_init(p);
			snprintf(p->id, sizeof(p->id), "%04d.%05d", 2001 + (d + j) / 90000 % 12, (d + j) % 90000);
			random_text(&t, 3 + rnd(10));
			p->title = xstrdup(t.s);
			corpus_title_keys[d + j] = title_key(p->title);
			random_text(&t, 20 + rnd(150));
			p->abstract = xstrdup(t.s);
			unsigned na = 1 + rnd(3);
			for (unsigned k = 0; k < na; k++) {
				const char *nm = names[rnd(5)];
				strlist_push(&p->authors, nm, strlen(nm));
			}
			const char *c = cats[rnd(4)];
			strlist_push(&p->categories, c, strlen(c));
			p->published = (pb_time)(18000 + rnd(2000)) * 86400000LL;
			p->version = 1;
			p->sources = SRC_ARXIV_SNAP;
		}
		CHECK(store_begin(s, &err) == 0);
		CHECK(store_upsert_batch(s, batch, 100, res, &err) == 0);
		CHECK(store_commit(s, &err) == 0);
		for (int j = 0; j < 100; j++)
			paper_release(&batch[j]);
	}
	search_index_path(dbp.s, &ixp);
	search_configure(&(struct search_config){ .ivf_min_docs = 1000 }); /* partition even this small corpus */
	CHECK(search_index_build(s, ixp.s, &err) == 0);
	/* an index built in little memory (its postings spilled beside it in
	 * runs and read back) is the same file, byte for byte (issue 22) */
	struct buf ixp2 = BUF_INIT;
	buf_addf(&ixp2, "%s/spilled.search", dir);
	search_configure(&(struct search_config){ .ivf_min_docs = 1000, .build_memory = 64 << 10 });
	CHECK(search_index_build(s, ixp2.s, &err) == 0);
	CHECK(files_equal(ixp.s, ixp2.s));
	/* the papers' vectors summed and their IVF lists found by the plain
	 * loops, and with AVX2 only: the same file (the AVX2 and AVX-512 sums
	 * multiply then add, lane by lane, as the loop does; the dot products
	 * are exact) */
	search_configure(&(struct search_config){ .ivf_min_docs = 1000 });
	for (int level = 0; level < 2; level++) {
		if (vec_level(level) != level)
			continue; /* (no AVX2 here) */
		CHECK(search_index_build(s, ixp2.s, &err) == 0);
		CHECK(files_equal(ixp.s, ixp2.s));
	}
	vec_plain(false);
	/* the postings in chunks of a few hundred (the two writers taking
	 * turns hundreds of times), and in little memory too: the same file */
	index_chunk_postings = 300;
	CHECK(search_index_build(s, ixp2.s, &err) == 0);
	CHECK(files_equal(ixp.s, ixp2.s));
	search_configure(&(struct search_config){ .ivf_min_docs = 1000, .build_memory = 64 << 10 });
	CHECK(search_index_build(s, ixp2.s, &err) == 0);
	CHECK(files_equal(ixp.s, ixp2.s));
	search_configure(&(struct search_config){ .ivf_min_docs = 1000 });
	/* a build that cannot write its file (past the file size limit)
	 * fails, in time (its two postings writers do not wait on each other
	 * for ever), saying where and why, and leaves no index behind; so
	 * does one in little memory that cannot spill (an indexing thread's
	 * spill fails while the reader and the other thread go on) */
	for (int limit = 0; limit < 3; limit++) {
		buf_reset(&ixp2);
		buf_addf(&ixp2, "%s/limited.search", dir);
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			signal(SIGXFSZ, SIG_IGN);
			/* inside the postings, then inside the last section */
			struct stat st;
			rlim_t at = limit == 1 && stat(ixp.s, &st) == 0 ? (rlim_t)st.st_size - 100 : 20 << 10;
			struct rlimit rl = { at, at };
			setrlimit(RLIMIT_FSIZE, &rl);
			alarm(60);
			struct store *cs;
			struct buf e = BUF_INIT;
			search_configure(&(struct search_config){ .ivf_min_docs = 1000,
								  .build_memory = limit == 2 ? 64 << 10 : 0 });
			int ok = store_open(dbp.s, 0, &cs, &e) == 0 && search_index_build(cs, ixp2.s, &e) == -1 &&
				 strstr(e.s, "File too large") && strstr(e.s, "limited.search") &&
				 (limit != 0 || strstr(e.s, "writing postings")) &&
				 (limit != 2 || strstr(e.s, "spilling postings"));
			if (!ok)
				fprintf(stderr, "limited build: %s\n", e.s);
			_exit(ok ? 0 : 1);
		}
		int status = -1;
		CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CHECK(access(ixp2.s, F_OK) != 0);
		/* nor its temporary file (its lock file stays, as every index's) */
		DIR *dh = opendir(dir);
		size_t left = 0;
		for (struct dirent *de; dh && (de = readdir(dh));)
			if (!strncmp(de->d_name, "limited.search", 14) && strcmp(de->d_name, "limited.search.lock")) {
				fprintf(stderr, "left behind: %s\n", de->d_name);
				left++;
			}
		if (dh)
			closedir(dh);
		CHECK(left == 0);
	}
	index_chunk_postings = 0;
	buf_release(&ixp2);
	search_configure(&(struct search_config){ 0 });
	struct search_index *ix;
	CHECK(search_open(ixp.s, &ix, &err) == 0);
	if (ix->glove) {
		/* the IVF probe finds most of the exact nearest neighbours */
		const struct segment *sg = ix->seg[0];
		CHECK(sg->h->nlists == 16 && sg->centroids);
		uint32_t dims = sg->h->dims;
		size_t found = 0, want = 0;
		for (uint32_t probe = 0; probe < 50; probe++) {
			uint32_t d0 = (probe * 61) % NDOCS;
			const char *id = sg->ids + sg->docs[d0].id_off;
			struct search_hit got[10];
			size_t n = 10;
			CHECK(search_similar(ix, id, got, &n, &err) == 0);
			/* exact top-10 by brute force */
			int32_t best[10];
			uint32_t bestd[10];
			size_t nb = 0;
			for (uint32_t d = 0; d < NDOCS; d++) {
				if (d == d0)
					continue;
				int32_t sc = vec_dot(sg->vecs + (size_t)sg->pos_of_doc[d0] * dims,
						     sg->vecs + (size_t)sg->pos_of_doc[d] * dims, dims);
				size_t pos = nb < 10 ? nb++ : 10;
				if (pos == 10 && sc <= best[9])
					continue;
				if (pos == 10)
					pos = 9;
				while (pos > 0 && best[pos - 1] < sc) {
					best[pos] = best[pos - 1];
					bestd[pos] = bestd[pos - 1];
					pos--;
				}
				best[pos] = sc;
				bestd[pos] = d;
			}
			for (size_t i = 0; i < nb; i++) {
				want++;
				for (size_t j = 0; j < n; j++)
					found += !strcmp(got[j].id, sg->ids + sg->docs[bestd[i]].id_off);
			}
		}
		CHECK(found * 10 >= want * 7); /* recall@10 of at least 0.7 with 8 of 16 lists probed */
		fprintf(stderr, "IVF recall@10: %.3f\n", (double)found / (double)want);
	}
	struct search_index_stats st;
	search_index_stats(ix, &st);
	CHECK(st.docs == NDOCS);

	struct search_hit a[100], b[100];
	int mismatches = 0, queries = 0, nonempty = 0;
	/* an update: 300 new papers, and 100 old ones rewritten with a word
	 * only their new version has ("zebrafish"), losing one only their old
	 * version had (their title was "...") */
	{
		struct paper up[100];
		for (int round = 0; round < 4; round++) {
			for (int j = 0; j < 100; j++) {
				struct paper *p = &up[j];
				paper_init(p);
				int num = round < 3 ? NDOCS + round * 100 + j : j * 7;
				snprintf(p->id, sizeof(p->id), "%04d.%05d", 2001 + num / 90000 % 12, num % 90000);
				random_text(&t, 5);
				if (round == 3)
					buf_adds(&t, " zebrafish");
				p->title = xstrdup(t.s);
				random_text(&t, 40);
				p->abstract = xstrdup(t.s);
				strlist_push(&p->authors, "Ada Lovelace", 12);
				strlist_push(&p->categories, "cs.LG", 5);
				p->published = (pb_time)(18000 + rnd(2000)) * 86400000LL;
				p->version = round == 3 ? 2 : 1;
				p->sources = SRC_ARXIV_SNAP;
			}
			CHECK(store_begin(s, &err) == 0);
			CHECK(store_upsert_batch(s, up, 100, res, &err) == 0);
			CHECK(store_commit(s, &err) == 0);
			for (int j = 0; j < 100; j++)
				paper_release(&up[j]);
		}
		search_close(ix);
		uint64_t added = 0;
		CHECK(search_index_update(s, ixp.s, &added, &err) == 0);
		CHECK(added == 400);
		CHECK(search_open(ixp.s, &ix, &err) == 0);
		search_index_stats(ix, &st);
		CHECK(st.segments == 2);
		CHECK(st.docs == NDOCS + 300);
		size_t n = 100;
		CHECK(search_query(ix, NULL, "zebrafish", SEARCH_BM25, a, &n, &err) == 0);
		CHECK(n == 100);
		if (n != 100)
			fprintf(stderr, "zebrafish: %zu results (%s)\n", n, err.s);
		/* an updated paper appears once, in its new version */
		n = 100;
		CHECK(search_query(ix, NULL, "+zebrafish", SEARCH_BM25, a, &n, &err) == 0);
		int dup = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				dup += !strcmp(a[i].id, a[j].id);
		CHECK(dup == 0);
		n = 5;
		CHECK(search_query(ix, NULL, "https://arxiv.org/abs/2001.00007", SEARCH_BM25, a, &n, &err) == 0 && n == 1);
		/* up to date: a second update adds nothing */
		search_close(ix);
		CHECK(search_index_update(s, ixp.s, &added, &err) == 0 && added == 0);
		CHECK(search_open(ixp.s, &ix, &err) == 0);
	}
	for (int qn = 0; qn < 400; qn++) {
		struct buf q = BUF_INIT;
		unsigned nw = 1 + rnd(5);
		for (unsigned i = 0; i < nw; i++) {
			unsigned r = rnd(10);
			buf_addf(&q, "%s%s%s", i ? " " : "", r == 0 ? "+" : r == 1 ? "-" : "", zipf_word());
		}
		if (rnd(5) == 0)
			buf_addf(&q, " cat:%s", cats[rnd(4)]);
		if (rnd(5) == 0)
			buf_addf(&q, " after:%s", rnd(2) ? "2019-06-01" : "2020-01-01");
		if (rnd(6) == 0)
			buf_addf(&q, " author:\"%s\"", names[rnd(5)]);
		static const size_t depths[] = { 10, 21, 30, 100 }; /* the CLI and bench, the page, hybrid, API */
		size_t k = depths[rnd(4)], na = k, nb = k;
		int ra = search_query(ix, NULL, q.s, SEARCH_BM25, a, &na, &err);
		int rb = search_query_exhaustive(ix, q.s, b, &nb, &err);
		queries++;
		bool same = ra == rb && na == nb;
		for (size_t i = 0; same && i < na; i++)
			same = !strcmp(a[i].id, b[i].id) && a[i].score == b[i].score;
		if (!same && mismatches++ < 3) {
			fprintf(stderr, "top-%zu differs for [%s]: %zu vs %zu results\n", k, q.s, na, nb);
			for (size_t i = 0; i < (na > nb ? na : nb) && i < 12; i++)
				fprintf(stderr, "   %-12s %10.4f | %-12s %10.4f\n", i < na ? a[i].id : "-", i < na ? a[i].score : 0,
					i < nb ? b[i].id : "-", i < nb ? b[i].score : 0);
		}
		nonempty += na > 0;
		buf_release(&q);
	}
	CHECK(mismatches == 0);
	CHECK(nonempty > queries / 2); /* the queries do find things */
	if (ix->glove)
		check_semantic_floor(ix);

	/* the query language */
	size_t n = 10;
	CHECK(search_query(ix, NULL, "", SEARCH_BM25, a, &n, &err) == -1);
	CHECK(strstr(err.s, "empty query") != NULL);
	n = 10;
	CHECK(search_query(ix, NULL, "the of and", SEARCH_BM25, a, &n, &err) == -1);
	n = 10;
	CHECK(search_query(ix, NULL, "-graph", SEARCH_BM25, a, &n, &err) == -1);
	n = 10;
	CHECK(search_query(ix, NULL, "graph after:yesterday", SEARCH_BM25, a, &n, &err) == -1);
	CHECK(strstr(err.s, "after") != NULL);
	n = 10;
	CHECK(search_query(ix, NULL, "\"unbalanced quote graph", SEARCH_BM25, a, &n, &err) == 0);
	n = 10;
	CHECK(search_query(ix, NULL, "zzzunknownword", SEARCH_BM25, a, &n, &err) == 0 && n == 0);
	n = 10;
	CHECK(search_query(ix, NULL, "+zzzunknownword graph", SEARCH_BM25, a, &n, &err) == 0 && n == 0);
	n = 5;
	CHECK(search_query(ix, NULL, "https://arxiv.org/abs/2001.00042v3", SEARCH_BM25, a, &n, &err) == 0);
	CHECK(n == 1 && !strcmp(a[0].id, "2001.00042"));
	n = 10;
	CHECK(search_query(ix, NULL, "cat:hep-th", SEARCH_BM25, a, &n, &err) == 0 && n == 10);
	/* hostile bytes never crash */
	const char *hostile[] = { "\"\"\"", "+", "-", "author:", "cat:", "author:\"", "::::", "+-+-graph",
				  "\xff\xfe\xfd", "after:2020-01-01 before:2019-01-01" };
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		n = 10;
		int rc = search_query(ix, NULL, hostile[i], SEARCH_BM25, a, &n, &err);
		CHECK(rc == 0 || rc == -1);
	}
	search_close(ix);
	store_close(s);
	remove_dir(dir);
	buf_release(&dbp);
	buf_release(&ixp);
	buf_release(&err);
	buf_release(&t);
}

static struct store *text_store;


/* Similar papers share the paper's distinctive names (issue 21, item 5):
 * among 1,000 papers on language benchmarks, MMLU-Pro's similar papers are
 * the other MMLU ones first, KMMLU and IndicMMLU included. */
static void test_similar_shares_names(void)
{
	char dir[] = "/tmp/pb-test-similar-XXXXXX";
	if (!mkdtemp(dir))
		return;
	struct buf dbp = BUF_INIT, ixp = BUF_INIT, err = BUF_INIT, t = BUF_INIT;
	buf_addf(&dbp, "%s/s.db", dir);
	CHECK(store_open(dbp.s, STORE_CREATE, &text_store, &err) == 0);
	static const char *mmlu[][2] = {
		{ "2406.01574", "MMLU-Pro: A More Robust and Challenging Multi-Task Language Understanding Benchmark" },
		{ "2406.04127", "Are We Done with MMLU?" },
		{ "2412.03304", "Global MMLU: Understanding and Addressing Cultural and Linguistic Biases" },
		{ "2501.15747", "IndicMMLU-Pro: Benchmarking Indic Large Language Models on Multi-Task Language Understanding" },
		{ "2507.08924", "From KMMLU-Redux to KMMLU-Pro: A Professional Korean Benchmark Suite for LLM Evaluation" },
	};
	static const char *topic[] = { "language", "understanding", "benchmark", "reasoning", "evaluation", "robust",
				       "multi-task", "challenging", "models", "large", "knowledge", "questions" };
	struct paper batch[100];
	enum upsert_result res[100];
	for (int d = 0; d < 1000; d += 100) {
		for (int j = 0; j < 100; j++) {
			struct paper *p = &batch[j];
			paper_init(p);
			int k = d + j;
			snprintf(p->id, sizeof(p->id), "%s", k < 5 ? mmlu[k][0] : "");
			if (k >= 5)
				snprintf(p->id, sizeof(p->id), "2301.%05d", k);
			buf_reset(&t);
			for (int w = 0; w < 6; w++)
				buf_addf(&t, "%s%s", w ? " " : "", topic[rnd(ARRAY_SIZE(topic))]);
			p->title = xstrdup(k < 5 ? mmlu[k][1] : t.s);
			buf_adds(&t, " we evaluate large language models on knowledge and reasoning questions");
			if (k < 5 || k % 250 == 0)
				buf_adds(&t, " and report accuracy on MMLU-Pro");
			p->abstract = xstrdup(t.s);
			strlist_push(&p->authors, "Ada Lovelace", 12);
			p->version = 1;
			p->sources = SRC_ARXIV_SNAP;
		}
		CHECK(store_begin(text_store, &err) == 0);
		CHECK(store_upsert_batch(text_store, batch, 100, res, &err) == 0);
		CHECK(store_commit(text_store, &err) == 0);
		for (int j = 0; j < 100; j++)
			paper_release(&batch[j]);
	}
	search_index_path(dbp.s, &ixp);
	CHECK(search_index_build(text_store, ixp.s, &err) == 0);
	struct search_index *ix;
	CHECK(search_open(ixp.s, &ix, &err) == 0);
	if (ix->glove) {
		struct search_cursor *cur = search_cursor_new(search_store_text, text_store);
		struct search_hit hits[10];
		size_t n = 10;
		CHECK(search_similar_run(ix, cur, "2406.01574", SIMILAR_HYBRID, hits, &n, &err) == 0);
		int found = 0;
		for (size_t i = 0; i < n && i < 4; i++)
			for (size_t k = 1; k < 5; k++)
				found += !strcmp(hits[i].id, mmlu[k][0]);
		CHECK(found == 4);
		if (found != 4)
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, "similar %zu: %s %.3f\n", i, hits[i].id, hits[i].score);
		search_cursor_free(cur);
	}
	search_close(ix);
	store_close(text_store);
	remove_dir(dir);
	buf_release(&dbp);
	buf_release(&ixp);
	buf_release(&err);
	buf_release(&t);
}

/* The ids of the hits of query q (at most 20), space-separated, into out;
 * -1 when the query fails. */
static int hit_ids(struct search_index *ix, struct search_cursor *cur, const char *q, struct buf *out)
{
	struct search_hit hits[20];
	size_t n = 20;
	struct buf err = BUF_INIT;
	struct search_opts o = { SEARCH_BM25, SEARCH_RELEVANCE, false, false };
	int rc = search_run(ix, cur, q, &o, hits, &n, NULL, &err);
	buf_reset(out);
	for (size_t i = 0; !rc && i < n; i++)
		buf_addf(out, "%s%s", i ? " " : "", hits[i].id);
	buf_release(&err);
	return rc;
}

/* Issue 23: a paper's full text is a field of the index with its own
 * weight; in:body asks for it alone, -in:body leaves it out. */
static void test_full_text(void)
{
	char dir[] = "/tmp/pb-test-body-XXXXXX";
	if (!mkdtemp(dir))
		return;
	struct buf dbp = BUF_INIT, ixp = BUF_INIT, err = BUF_INIT, t = BUF_INIT, ids = BUF_INIT;
	buf_addf(&dbp, "%s/s.db", dir);
	struct store *s;
	CHECK(store_open(dbp.s, STORE_CREATE, &s, &err) == 0);
	static const char *topic[] = { "language", "models", "reasoning", "agents", "benchmark", "code", "training" };
	struct paper batch[100];
	enum upsert_result res[100];
	for (int j = 0; j < 100; j++) {
		struct paper *p = &batch[j];
		paper_init(p);
		snprintf(p->id, sizeof(p->id), "2401.%05d", j);
		buf_reset(&t);
		for (int w = 0; w < 8; w++)
			buf_addf(&t, "%s%s", w ? " " : "", topic[rnd(ARRAY_SIZE(topic))]);
		/* 2401.00000 names the benchmark in its title, and has no text */
		p->title = xstrdup(j == 0 ? "Coding agents on SWE-bench Verified" : t.s);
		p->abstract = xstrdup(t.s);
		p->version = 1;
		p->sources = SRC_ARXIV_SNAP;
	}
	CHECK(store_begin(s, &err) == 0);
	CHECK(store_upsert_batch(s, batch, 100, res, &err) == 0);
	CHECK(store_commit(s, &err) == 0);
	for (int j = 0; j < 100; j++)
		paper_release(&batch[j]);
	/* 2401.00001 evaluates on it on its third page; 2401.00002 trains
	 * with a KL penalty; thirty others have texts about other things */
	for (int j = 1; j < 33; j++) {
		buf_reset(&t);
		for (int w = 0; w < 400; w++)
			buf_addf(&t, "%s%s", w % 50 ? " " : "\f", topic[rnd(ARRAY_SIZE(topic))]);
		if (j == 1)
			buf_adds(&t, "\fWe evaluate on SWE-bench Verified and SWE-bench Lite.");
		if (j == 2)
			buf_adds(&t, " We use GRPO with a KL penalty of 0.04.");
		char id[24];
		snprintf(id, sizeof(id), "2401.%05d", j);
		CHECK(store_text_put(s, id, t.s, t.len, &err) == 0);
	}
	search_index_path(dbp.s, &ixp);
	CHECK(search_index_build(s, ixp.s, &err) == 0);
	/* bodies spill and come back like the other postings */
	struct buf ixp2 = BUF_INIT;
	buf_addf(&ixp2, "%s/spilled.search", dir);
	search_configure(&(struct search_config){ .build_memory = 16 << 10 });
	CHECK(search_index_build(s, ixp2.s, &err) == 0);
	CHECK(files_equal(ixp.s, ixp2.s));
	search_configure(&(struct search_config){ 0 });
	struct search_index *ix;
	CHECK(search_open(ixp.s, &ix, &err) == 0);
	struct search_index_stats st;
	search_index_stats(ix, &st);
	CHECK(st.bodies == 32);
	CHECK(st.avg_len[4] > 390 && st.avg_len[4] < 420);
	struct search_cursor *cur = search_cursor_new(search_store_text, s);
	/* the title counts most: the paper named for it first, then the one
	 * whose text says it */
	CHECK(hit_ids(ix, cur, "swe-bench verified", &ids) == 0);
	CHECK_STR(ids.s, "2401.00000 2401.00001");
	CHECK(hit_ids(ix, cur, "in:body swe-bench verified", &ids) == 0);
	CHECK_STR(ids.s, "2401.00001");
	CHECK(hit_ids(ix, cur, "-in:body swe-bench verified", &ids) == 0);
	CHECK_STR(ids.s, "2401.00000");
	CHECK(hit_ids(ix, cur, "grpo kl penalty", &ids) == 0);
	CHECK_STR(ids.s, "2401.00002");
	CHECK(hit_ids(ix, cur, "in:body +grpo", &ids) == 0);
	CHECK_STR(ids.s, "2401.00002");
	CHECK(hit_ids(ix, cur, "in:abstract grpo", &ids) == -1);
	/* a text stored later is found once the index is brought up to date */
	CHECK(store_text_put(s, "2401.00050", "Results on SWE-bench Verified.", 30, &err) == 0);
	search_close(ix);
	uint64_t added = 0;
	CHECK(search_index_update(s, ixp.s, &added, &err) == 0);
	CHECK(added == 1);
	CHECK(search_open(ixp.s, &ix, &err) == 0);
	CHECK(hit_ids(ix, cur, "in:body swe-bench verified", &ids) == 0);
	CHECK(strstr(ids.s, "2401.00050") && strstr(ids.s, "2401.00001"));
	search_cursor_free(cur);
	search_close(ix);
	store_close(s);
	remove_dir(dir);
	buf_release(&dbp);
	buf_release(&ixp);
	buf_release(&ixp2);
	buf_release(&err);
	buf_release(&t);
	buf_release(&ids);
}

/* ---- each document's terms and counts by field, as the build counts them ---- */

struct term_count {
	uint32_t doc;
	char term[96];
	uint8_t tf[NFIELDS];
};

struct term_counts {
	struct term_count *v;
	size_t n, cap;
	int field;         /* for the tokens to come */
	const char *tag;   /* their terms' prefix ("a:", "b:") or NULL */
	bool also_bare;    /* (authors) the word without it too */
};

static struct term_counts got_counts;
static pthread_mutex_t got_counts_mu = PTHREAD_MUTEX_INITIALIZER;

static void count_term(struct term_counts *c, uint32_t doc, const char *term, int field, const uint8_t *tf)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].doc == doc && !strcmp(c->v[i].term, term)) {
			for (int f = 0; f < NFIELDS; f++) {
				unsigned sum = c->v[i].tf[f] + (tf ? tf[f] : f == field);
				c->v[i].tf[f] = (uint8_t)(sum > 255 ? 255 : sum);
			}
			return;
		}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	struct term_count *t = &c->v[c->n++];
	memset(t, 0, sizeof(*t));
	t->doc = doc;
	snprintf(t->term, sizeof(t->term), "%s", term);
	for (int f = 0; f < NFIELDS; f++)
		t->tf[f] = tf ? tf[f] : f == field;
}

static void on_build_counts(uint32_t doc, const char *term, const uint8_t tf[NFIELDS])
{
	pthread_mutex_lock(&got_counts_mu);
	count_term(&got_counts, doc, term, -1, tf);
	pthread_mutex_unlock(&got_counts_mu);
}

/* A token as the build takes it, counted the plain way (doc 0). */
static void on_want_token(void *ctx, const char *term, size_t n, unsigned pos, unsigned flags)
{
	struct term_counts *c = ctx;
	(void)pos;
	(void)flags;
	char t[96];
	if (c->tag) {
		if (n + 2 < 80) {
			snprintf(t, sizeof(t), "%s%.*s", c->tag, (int)n, term);
			count_term(c, 0, t, c->field, NULL);
		}
		if (!c->also_bare)
			return;
	}
	snprintf(t, sizeof(t), "%.*s", (int)n, term);
	count_term(c, 0, t, c->field, NULL);
}

static int cmp_term_count(const void *a, const void *b)
{
	return strcmp(((const struct term_count *)a)->term, ((const struct term_count *)b)->term);
}

/* Every document's terms and their counts in each field, as the build
 * collects a document's terms and counts them at its end, are what
 * tokenizing each field on its own and counting plainly gives: titles,
 * abstracts, keywords (stemmed), authors (as "a:word" and word, not
 * stemmed), categories, full texts ("b:" words, their own field), with
 * repeats, compounds, stop words, non-ASCII and over-long words. */
static void test_term_counts(void)
{
	char dir[] = "/tmp/pb-test-counts-XXXXXX";
	if (!mkdtemp(dir))
		return;
	static const char *vocab[] = { "graph", "Graphs", "neural", "Network", "the", "of", "state-of-the-art",
				       "GPT-4", "model", "models", "learning", "Zoë", "naïve", "in-context", "x_1",
				       "3.5", "RLHF", "graph-based", "Über", "a", "reasoning",
				       "Pneumonoultramicroscopicsilicovolcanoconiosisxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" };
	enum { NPAPERS = 120 };
	struct buf dbp = BUF_INIT, ixp = BUF_INIT, err = BUF_INIT, t = BUF_INIT;
	buf_addf(&dbp, "%s/s.db", dir);
	struct store *s;
	CHECK(store_open(dbp.s, STORE_CREATE, &s, &err) == 0);
	struct paper *papers = xcalloc(NPAPERS, sizeof(*papers));
	char **bodies = xcalloc(NPAPERS, sizeof(*bodies));
	enum upsert_result res[NPAPERS];
	for (int j = 0; j < NPAPERS; j++) {
		struct paper *p = &papers[j];
		paper_init(p);
		snprintf(p->id, sizeof(p->id), "2403.%05d", j);
		buf_reset(&t);
		buf_addf(&t, "zz%d", j); /* the paper's own word: which document it is */
		for (unsigned w = rnd(8); w > 0; w--)
			buf_addf(&t, " %s", vocab[rnd(ARRAY_SIZE(vocab))]);
		p->title = xstrdup(t.s);
		buf_reset(&t);
		for (unsigned w = rnd(60); w > 0; w--)
			buf_addf(&t, "%s%s", t.len ? " " : "", vocab[rnd(ARRAY_SIZE(vocab))]);
		p->abstract = xstrdup(t.s);
		for (unsigned a = rnd(4); a > 0; a--) {
			buf_reset(&t);
			buf_addf(&t, "%s %s", vocab[rnd(ARRAY_SIZE(vocab))], vocab[rnd(ARRAY_SIZE(vocab))]);
			strlist_push(&p->authors, t.s, t.len);
		}
		for (unsigned k = rnd(3); k > 0; k--) {
			const char *w = vocab[rnd(ARRAY_SIZE(vocab))];
			strlist_push(&p->ai_keywords, w, strlen(w));
		}
		strlist_push(&p->categories, j % 2 ? "cs.LG" : "stat.ML", j % 2 ? 5 : 7);
		p->version = 1;
		p->sources = SRC_ARXIV_SNAP;
	}
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, papers, NPAPERS, res, &err) == 0 &&
	      store_commit(s, &err) == 0);
	for (int j = 0; j < NPAPERS; j += 7) {
		buf_reset(&t);
		for (unsigned w = 1 + rnd(300); w > 0; w--)
			buf_addf(&t, "%s%s", t.len ? " " : "", vocab[rnd(ARRAY_SIZE(vocab))]);
		bodies[j] = xstrdup(t.s);
		CHECK(store_text_put(s, papers[j].id, t.s, t.len, &err) == 0);
	}
	search_index_path(dbp.s, &ixp);
	index_counts_hook = on_build_counts;
	CHECK(search_index_build(s, ixp.s, &err) == 0);
	index_counts_hook = NULL;
	/* which document each paper is: its own word's */
	uint32_t *doc_of = xmalloc(NPAPERS * sizeof(*doc_of));
	size_t found = 0;
	for (int j = 0; j < NPAPERS; j++) {
		char own[16];
		snprintf(own, sizeof(own), "zz%d", j);
		doc_of[j] = UINT32_MAX;
		for (size_t i = 0; i < got_counts.n; i++)
			if (!strcmp(got_counts.v[i].term, own) && got_counts.v[i].tf[0] == 1)
				doc_of[j] = got_counts.v[i].doc;
		found += doc_of[j] != UINT32_MAX;
	}
	CHECK(found == NPAPERS);
	struct tokenizer *tk = tokenizer_new();
	size_t compared = 0, differ = 0;
	for (int j = 0; j < NPAPERS && doc_of[j] != UINT32_MAX; j++) {
		const struct paper *p = &papers[j];
		struct term_counts want = { 0 }, got = { 0 };
		want.field = 0;
		tokenize(tk, p->title, strlen(p->title), true, on_want_token, &want);
		want.field = 1;
		tokenize(tk, p->abstract, strlen(p->abstract), true, on_want_token, &want);
		want.field = 3;
		for (size_t k = 0; k < p->ai_keywords.n; k++)
			tokenize(tk, p->ai_keywords.v[k], strlen(p->ai_keywords.v[k]), true, on_want_token, &want);
		want.field = 2;
		want.tag = "a:";
		want.also_bare = true;
		for (size_t k = 0; k < p->authors.n; k++)
			tokenize(tk, p->authors.v[k], strlen(p->authors.v[k]), false, on_want_token, &want);
		want.also_bare = false;
		for (size_t k = 0; k < p->categories.n; k++) {
			char c[80];
			snprintf(c, sizeof(c), "c:%s", p->categories.v[k]);
			for (char *q = c; *q; q++)
				*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
			count_term(&want, 0, c, 3, NULL);
		}
		if (bodies[j]) {
			want.field = FIELD_BODY;
			want.tag = BODY_PREFIX;
			tokenize(tk, bodies[j], strlen(bodies[j]), true, on_want_token, &want);
			count_term(&want, 0, BODY_PREFIX, FIELD_BODY, NULL);
		}
		for (size_t i = 0; i < got_counts.n; i++)
			if (got_counts.v[i].doc == doc_of[j])
				count_term(&got, 0, got_counts.v[i].term, -1, got_counts.v[i].tf);
		qsort(want.v, want.n, sizeof(*want.v), cmp_term_count);
		qsort(got.v, got.n, sizeof(*got.v), cmp_term_count);
		bool same = want.n == got.n;
		for (size_t i = 0; same && i < want.n; i++)
			same = !strcmp(want.v[i].term, got.v[i].term) && !memcmp(want.v[i].tf, got.v[i].tf, NFIELDS);
		differ += !same;
		compared += want.n;
		free(want.v);
		free(got.v);
	}
	CHECK(differ == 0);
	CHECK(compared > 1000); /* (terms were compared) */
	tokenizer_free(tk);
	free(got_counts.v);
	memset(&got_counts, 0, sizeof(got_counts));
	free(doc_of);
	for (int j = 0; j < NPAPERS; j++) {
		paper_release(&papers[j]);
		free(bodies[j]);
	}
	free(papers);
	free(bodies);
	store_close(s);
	remove_dir(dir);
	buf_release(&dbp);
	buf_release(&ixp);
	buf_release(&err);
	buf_release(&t);
}

/* Bit-packed gaps decode to what was encoded at every width and count,
 * whichever instructions the decoder uses, reading nothing past the
 * block's impact bytes (as laid out in the index: values, then impacts). */
static void test_bitpack(void)
{
	uint32_t in[IDX_BLOCK], out[IDX_BLOCK + 8];
	for (uint32_t b = 0; b <= 32; b++) {
		for (int round = 0; round < 12; round++) {
			uint32_t n = round < 4 ? (uint32_t[]){ 1, 7, 8, IDX_BLOCK }[round] : 1 + rnd(IDX_BLOCK);
			uint64_t top = b == 32 ? UINT32_MAX : (1ull << b) - 1;
			for (uint32_t i = 0; i < n; i++)
				in[i] = (uint32_t)(((uint64_t)rnd(1u << 16) << 16 | rnd(1u << 16)) & top);
			if (b)
				in[rnd(n)] = (uint32_t)top; /* the width is b */
			struct buf packed = BUF_INIT;
			bitpack_encode(in, n, &packed);
			size_t values = packed.len;
			for (uint32_t i = 0; i < n; i++) /* the impacts */
				buf_addc(&packed, (char)(1 + i % 255));
			/* exactly as long, plus the 8 bytes the index leaves at its end */
			uint8_t *exact = xmalloc(packed.len + 8);
			memcpy(exact, packed.s, packed.len);
			memset(exact + packed.len, 0, 8);
			memset(out, 0xee, sizeof(out));
			const uint8_t *after = bitpack_decode(exact, n, out);
			CHECK(after == exact + values);
			bool same = true;
			for (uint32_t i = 0; i < n; i++)
				same &= out[i] == in[i];
			CHECK(same);
			CHECK(out[n] == 0xeeeeeeee); /* nothing written past n */
			/* and as a block's documents: running sums from a base */
			uint32_t base = rnd(1000), sum = base;
			memset(out, 0xee, sizeof(out));
			CHECK(bitpack_decode_sum(exact, n, base, out) == exact + values);
			same = true;
			for (uint32_t i = 0; i < n; i++)
				same &= out[i] == (sum += in[i]);
			CHECK(same);
			CHECK(out[n] == 0xeeeeeeee);
			free(exact);
			buf_release(&packed);
		}
	}
}

/* The dot product of quantised vectors, whichever instructions it uses,
 * is the plain sum of products, at every length and alignment. */
static void test_vec_dot(void)
{
	int8_t a[300], b[300];
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(a); i++) {
			a[i] = (int8_t)((int)rnd(255) - 127);
			b[i] = (int8_t)((int)rnd(255) - 127);
		}
		if (round < 2) /* the extremes */
			for (size_t i = 0; i < sizeof(a); i++) {
				a[i] = (int8_t)(round ? -127 : 127);
				b[i] = (int8_t)(i % 2 ? 127 : -127);
			}
		uint32_t dims = 1 + rnd(250), off = rnd(40);
		int32_t want = 0;
		for (uint32_t d = 0; d < dims; d++)
			want += a[off + d] * b[off + d];
		CHECK(vec_dot(a + off, b + off, dims) == want);
	}
	/* the IVF's nearest centroids with AVX2 (four at a time, the last
	 * piece of a vector masked) are the plain loop's, ties to the first:
	 * dimensions with and without a last part piece, centroids by fours
	 * and not, some vectors equal to a centroid or to each other */
	static const uint32_t dimses[] = { 100, 64, 45, 33, 32, 300, 31 };
	unsigned levels_seen = 0;
	for (size_t t = 0; t < ARRAY_SIZE(dimses); t++) {
		uint32_t dims = dimses[t], k = 19 + (uint32_t)t % 2, n = 600;
		int8_t *vecs = xmalloc((size_t)n * dims);
		for (size_t i = 0; i < (size_t)n * dims; i++)
			vecs[i] = (int8_t)((int)rnd(255) - 127);
		for (uint32_t i = 1; i < 40; i++) /* repeats: exact ties */
			memcpy(vecs + (size_t)i * dims, vecs, dims);
		int8_t *ca = xmalloc((size_t)k * dims), *cb = xmalloc((size_t)k * dims);
		uint32_t *sa = xmalloc(n * sizeof(uint32_t)), *sb = xmalloc(n * sizeof(uint32_t));
		vec_plain(true);
		ivf_train(vecs, n, dims, k, ca, sa);
		for (int level = 1; level <= 2; level++) { /* AVX2, then VNNI (where there) */
			if (vec_level(level) != level)
				continue;
			ivf_train(vecs, n, dims, k, cb, sb);
			CHECK(!memcmp(ca, cb, (size_t)k * dims) && !memcmp(sa, sb, n * sizeof(uint32_t)));
			levels_seen |= 1u << level;
		}
		vec_plain(false);
		free(vecs);
		free(ca);
		free(cb);
		free(sa);
		free(sb);
	}
	/* fewer than 16 centroids, and not a multiple of 16, at odd dimension
	 * counts: each level picks what the plain loop picks */
	{
		static const uint32_t ks[] = { 1, 2, 5, 15, 16, 17, 33 }, ds[] = { 100, 7, 64, 45 };
		int8_t cs[33 * 100], v[100];
		size_t differ = 0;
		for (size_t ki = 0; ki < ARRAY_SIZE(ks); ki++)
			for (size_t d = 0; d < ARRAY_SIZE(ds); d++)
				for (int rep = 0; rep < 50; rep++) {
					for (size_t i = 0; i < ks[ki] * ds[d]; i++)
						cs[i] = (int8_t)((int)rnd(255) - 127);
					for (size_t i = 0; i < ds[d]; i++)
						v[i] = (int8_t)((int)rnd(255) - 127);
					if (rep % 5 == 0 && ks[ki] > 1) /* a tie: the last centroid as the first */
						memcpy(cs + (size_t)(ks[ki] - 1) * ds[d], cs, ds[d]);
					vec_plain(true);
					uint32_t want = ivf_nearest(v, cs, ks[ki], ds[d]);
					for (int level = 1; level <= 2; level++)
						if (vec_level(level) == level)
							differ += ivf_nearest(v, cs, ks[ki], ds[d]) != want;
				}
		vec_plain(false);
		CHECK(differ == 0);
	}
	/* a vector whose dot products with every centroid are negative: the
	 * padding past the last of 17 centroids (16 a step) never wins */
	{
		int8_t cs[17 * 100], v[100];
		for (int i = 0; i < 100; i++)
			v[i] = (int8_t)(i % 3 ? -90 : -20);
		for (int j = 0; j < 17; j++)
			for (int i = 0; i < 100; i++)
				cs[j * 100 + i] = (int8_t)(i % 3 ? 50 + j : 60 - j);
		for (int level = 0; level <= 2; level++)
			if (vec_level(level) == level)
				CHECK(ivf_nearest(v, cs, 17, 100) == 0);
		vec_plain(false);
	}
	printf("IVF nearest centroids checked against the plain loop with:%s%s\n", levels_seen & 2 ? " AVX2" : "",
	       levels_seen & 4 ? " AVX-512 VNNI" : "");
}

/* A word-vector file of the given words, each a made-up vector of dims
 * (4: fixed ones, else random). */
static void write_vectors_dims(const char *path, const char *const *vw, uint32_t n, uint32_t dims)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	uint32_t off = 0;
	fwrite("PBGLOVE1", 1, 8, f);
	fwrite(&dims, 4, 1, f);
	fwrite(&n, 4, 1, f);
	for (uint32_t i = 0; i < n; i++) { /* offsets into the blob */
		fwrite(&off, 4, 1, f);
		off += (uint32_t)strlen(vw[i]) + 1;
	}
	for (uint32_t i = 1; i <= n; i++) /* ranks */
		fwrite(&i, 4, 1, f);
	for (uint32_t i = 0; i < n; i++)
		fwrite(vw[i], 1, strlen(vw[i]) + 1, f);
	for (uint32_t pad = off; pad % 4; pad++)
		fputc(0, f);
	for (uint32_t i = 0; i < n; i++) {
		int8_t v[4] = { (int8_t)(10 + i), (int8_t)(i % 3 ? 90 : -40), (int8_t)(i * 7 % 50), (int8_t)(i % 2 ? -60 : 30) };
		if (dims == 4) {
			fwrite(v, 1, 4, f);
			continue;
		}
		for (uint32_t d = 0; d < dims; d++)
			fputc((int)rnd(255) - 127, f);
	}
	fclose(f);
}

static void write_vectors(const char *path, const char *const *vw, uint32_t n)
{
	write_vectors_dims(path, vw, n, 4);
}

struct near_hook {
	struct glove_near *gn;
	struct vec_words *vw;
	unsigned words;
};

/* A word for the build's sums, weighted 2, 1 or 1.3 in turn (as a
 * title's, an abstract's): each row must meet its own weight. */
static void on_near_word(void *ctx, const char *w, size_t n, uint32_t *slot)
{
	struct near_hook *h = ctx;
	static const float scales[] = { 2.0f, 1.0f, 1.3f };
	glove_near_add(h->gn, h->vw, w, n, slot, scales[h->words++ % 3]);
}

/* The build's sums of text: its words collected, then summed, into got;
 * twice (the second time with every word's copy made). */
static void near_sums(struct glove *g, const struct buf *text, float *got, uint32_t dims)
{
	struct glove_near gn;
	struct vec_words met = { 0 };
	struct near_hook h = { &gn, &met, 0 };
	glove_near_init(&gn, g);
	for (int twice = 0; twice < 2; twice++) {
		memset(got, 0, dims * sizeof(float));
		h.words = 0;
		struct tokenizer *tk = tokenizer_new();
		tokenizer_on_word(tk, on_near_word, &h);
		tokenize(tk, text->s, text->len, false, NULL, NULL);
		CHECK(met.n > 3000);
		glove_near_sum(&gn, &met, got);
		CHECK(met.n == 0);
		tokenizer_free(tk);
	}
	glove_near_free(&gn);
	vec_words_free(&met);
}

/* A text's words' vectors summed with AVX2 and with AVX-512 (where the
 * processor has them), word by word or (as the index build sums them) a
 * text's words at its end with the sums in registers, are the plain
 * loop's sums to the bit: each lane multiplies, then adds, in the words'
 * order, as the loop does (a fused multiply-add would round once where
 * the loop rounds twice). Dimension counts with and without a last,
 * masked piece; past 128 the build's sum is the plain one. */
static void test_vector_sums(void)
{
	char dir[] = "/tmp/pb-test-vsum-XXXXXX";
	if (!mkdtemp(dir))
		return;
	enum { NWORDS = 300 };
	static char vwords[NWORDS][8];
	const char *vw[NWORDS];
	for (int i = 0; i < NWORDS; i++) {
		snprintf(vwords[i], sizeof(vwords[i]), "q%c%c%c", 'a' + i % 26, 'a' + i / 26 % 26, 'a' + i * 7 % 26);
		vw[i] = vwords[i];
	}
	struct buf path = BUF_INIT, text = BUF_INIT, err = BUF_INIT;
	buf_addf(&path, "%s/v.bin", dir);
	for (int i = 0; i < 4000; i++)
		buf_addf(&text, "%s ", vw[rnd(NWORDS)]);
	static const uint32_t dimses[] = { 100, 37, 16, 8, 300 };
	unsigned levels_seen = 0;
	for (size_t t = 0; t < ARRAY_SIZE(dimses); t++) {
		uint32_t dims = dimses[t];
		write_vectors_dims(path.s, vw, NWORDS, dims);
		struct glove *g = NULL;
		CHECK(glove_open(path.s, &g, &err) == 0);
		if (!g)
			break;
		struct tokenizer *tk = tokenizer_new();
		float *want = xcalloc(dims, sizeof(float)), *got = xcalloc(dims, sizeof(float));
		float *want_near = xcalloc(dims, sizeof(float));
		vec_plain(true);
		glove_embed(g, tk, text.s, text.len, 1.3f, want);
		near_sums(g, &text, want_near, dims);
		float any = 0;
		for (uint32_t d = 0; d < dims; d++)
			any += want[d] * want[d];
		CHECK(any > 0); /* (the words were found) */
		for (int level = 0; level <= 2; level++) {
			if (vec_level(level) != level)
				continue;
			memset(got, 0, dims * sizeof(float));
			tokenizer_free(tk); /* (its cache of words keeps the places) */
			tk = tokenizer_new();
			glove_embed(g, tk, text.s, text.len, 1.3f, got);
			CHECK(!memcmp(want, got, dims * sizeof(float)));
			/* the build's way: the words collected, then summed (their
			 * weights in turn; the plain loop's sums are want_near) */
			near_sums(g, &text, got, dims);
			CHECK(!memcmp(want_near, got, dims * sizeof(float)));
			levels_seen |= 1u << level;
		}
		vec_plain(false);
		free(want);
		free(want_near);
		free(got);
		tokenizer_free(tk);
		glove_close(g);
	}
	CHECK(levels_seen & 1);
	printf("vector sums checked against the plain loop with:%s%s\n", levels_seen & 2 ? " AVX2" : "",
	       levels_seen & 4 ? " AVX-512" : "");
	remove_dir(dir);
	buf_release(&path);
	buf_release(&text);
	buf_release(&err);
}

/* A search cursor keeps the places of its words in the word vectors'
 * table across queries: when the index is opened again with other
 * vectors (a smaller table), those places are forgotten, not read past
 * the new table's end (AddressSanitizer saw it before). */
static void test_vectors_replaced(void)
{
	char dir[] = "/tmp/pb-test-vec-XXXXXX";
	if (!mkdtemp(dir))
		return;
	struct buf dbp = BUF_INIT, ixp = BUF_INIT, va = BUF_INIT, vb = BUF_INIT, err = BUF_INIT;
	buf_addf(&dbp, "%s/s.db", dir);
	buf_addf(&va, "%s/a.bin", dir);
	buf_addf(&vb, "%s/b.bin", dir);
	static const char *big[] = { "the", "of", "a", "model", "graph", "neural", "network", "language", "vision",
				     "diffusion", "reward", "policy", "agent", "quantum", "robot", "zebra" };
	static const char *small[] = { "zebra", "model", "graph" };
	write_vectors(va.s, big, ARRAY_SIZE(big));
	write_vectors(vb.s, small, ARRAY_SIZE(small));
	struct store *s;
	CHECK(store_open(dbp.s, STORE_CREATE, &s, &err) == 0);
	struct paper batch[40];
	enum upsert_result res[40];
	for (int j = 0; j < 40; j++) {
		paper_init(&batch[j]);
		snprintf(batch[j].id, sizeof(batch[j].id), "2402.%05d", j);
		batch[j].title = xstrdup(j % 2 ? "A quantum robot zebra model" : "Graph neural network model of vision");
		batch[j].abstract = xstrdup(j % 3 ? "the reward policy of a diffusion agent" : "language model graph");
		batch[j].version = 1;
		batch[j].sources = SRC_ARXIV_SNAP;
	}
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, batch, 40, res, &err) == 0 &&
	      store_commit(s, &err) == 0);
	for (int j = 0; j < 40; j++)
		paper_release(&batch[j]);
	search_index_path(dbp.s, &ixp);
	struct search_cursor *cur = search_cursor_new(NULL, NULL);
	struct search_hit hits[10];
	for (int round = 0; round < 2; round++) {
		search_configure(&(struct search_config){ .vectors = round ? vb.s : va.s });
		CHECK(search_index_build(s, ixp.s, &err) == 0);
		struct search_index *ix;
		CHECK(search_open(ixp.s, &ix, &err) == 0);
		size_t n = 10;
		/* "zebra" is the last word of the big table, beyond the small one */
		CHECK(search_query(ix, cur, "quantum robot zebra model", SEARCH_HYBRID, hits, &n, &err) == 0);
		CHECK(n == 10);
		search_close(ix);
	}
	search_cursor_free(cur);
	search_configure(&(struct search_config){ 0 });
	store_close(s);
	remove_dir(dir);
	buf_release(&dbp);
	buf_release(&ixp);
	buf_release(&va);
	buf_release(&vb);
	buf_release(&err);
}

/* The titles section: every titled paper once, sorted by key and, among
 * papers of one title (key), by document: the look-up of a whole title
 * takes the first live one. 600 papers share 40 titles (and some have
 * titles of no letters or digits, which have no key), so that every key
 * has many documents (about 15). */
static void test_titles_sorted(void)
{
	char dir[] = "/tmp/pb-test-titles-XXXXXX";
	if (!mkdtemp(dir))
		return;
	enum { NPAPERS = 600, NTITLES = 40 };
	struct buf dbp = BUF_INIT, ixp = BUF_INIT, err = BUF_INIT, t = BUF_INIT;
	buf_addf(&dbp, "%s/s.db", dir);
	struct store *s;
	CHECK(store_open(dbp.s, STORE_CREATE, &s, &err) == 0);
	struct paper *papers = xcalloc(NPAPERS, sizeof(*papers));
	enum upsert_result res[NPAPERS];
	uint64_t key_of[NPAPERS];
	size_t keyed = 0;
	for (int j = 0; j < NPAPERS; j++) {
		struct paper *p = &papers[j];
		paper_init(p);
		snprintf(p->id, sizeof(p->id), "2404.%05d", j);
		unsigned k = rnd(NTITLES + 2);
		buf_reset(&t);
		if (k >= NTITLES)
			buf_adds(&t, "--- ?"); /* no key */
		else
			buf_addf(&t, "title %u of a paper", k);
		p->title = xstrdup(t.s);
		p->abstract = xstrdup("an abstract");
		p->version = 1;
		p->sources = SRC_ARXIV_SNAP;
		key_of[j] = title_key(p->title);
		keyed += key_of[j] != 0;
	}
	CHECK(keyed > NPAPERS / 2 && keyed < NPAPERS);
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, papers, NPAPERS, res, &err) == 0 &&
	      store_commit(s, &err) == 0);
	search_index_path(dbp.s, &ixp);
	CHECK(search_index_build(s, ixp.s, &err) == 0);
	FILE *f = fopen(ixp.s, "rb");
	CHECK(f != NULL);
	struct buf file = BUF_INIT;
	char chunk[65536];
	size_t got;
	while (f && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&file, chunk, got);
	if (f)
		fclose(f);
	struct idx_header h;
	CHECK(file.len >= sizeof(h));
	if (file.len >= sizeof(h)) {
		memcpy(&h, file.s, sizeof(h));
		CHECK(h.ndocs == NPAPERS);
		CHECK(h.ntitles == keyed);
		CHECK(h.off_titles + h.ntitles * sizeof(struct idx_title) <= file.len);
		CHECK(h.off_docs + h.ndocs * sizeof(struct idx_doc) <= file.len);
	}
	if (file.len >= sizeof(h) && h.ntitles == keyed && h.ndocs == NPAPERS &&
	    h.off_titles + h.ntitles * sizeof(struct idx_title) <= file.len &&
	    h.off_docs + h.ndocs * sizeof(struct idx_doc) <= file.len && h.off_ids < file.len) {
		const struct idx_title *ti = (const struct idx_title *)(const void *)(file.s + h.off_titles);
		const struct idx_doc *docs = (const struct idx_doc *)(const void *)(file.s + h.off_docs);
		size_t in_order = 0, right_key = 0;
		for (size_t i = 0; i < h.ntitles; i++) {
			if (!i || ti[i - 1].key < ti[i].key || (ti[i - 1].key == ti[i].key && ti[i - 1].doc < ti[i].doc))
				in_order++;
			unsigned num = NPAPERS;
			if (ti[i].doc < NPAPERS && docs[ti[i].doc].id_off < file.len - h.off_ids &&
			    sscanf(file.s + h.off_ids + docs[ti[i].doc].id_off, "2404.%5u", &num) == 1 &&
			    num < NPAPERS && key_of[num] == ti[i].key)
				right_key++;
		}
		CHECK(in_order == h.ntitles);
		CHECK(right_key == h.ntitles);
	}
	buf_release(&file);
	for (int j = 0; j < NPAPERS; j++)
		paper_release(&papers[j]);
	free(papers);
	store_close(s);
	remove_dir(dir);
	buf_release(&dbp);
	buf_release(&ixp);
	buf_release(&err);
	buf_release(&t);
}

/* Appends to a word-vector file of n words (dims 4) the part that
 * glove_convert.mjs writes after the vectors: the table over the words and
 * the common component, given here (common may be damaged); tsize 0 makes
 * it as the converter does, else a table of tsize slots every one taken. */
static void append_prepared(const char *path, const char *const *vw, uint32_t n, const float common[4], uint32_t tsize,
			    double harmonic, int damage)
{
	FILE *f = fopen(path, "ab");
	CHECK(f != NULL);
	if (!f)
		return;
	bool full = tsize != 0;
	if (!tsize)
		for (tsize = 1; tsize < 2 * n; tsize <<= 1)
			;
	while (ftell(f) % 8)
		fputc(0, f);
	uint32_t dims = 4;
	fwrite("PBGTAB02", 1, 8, f);
	fwrite(&tsize, 4, 1, f);
	fwrite(&dims, 4, 1, f);
	fwrite(&harmonic, 8, 1, f);
	fwrite(common, 4, 4, f);
	while (ftell(f) % 8)
		fputc(0, f);
	uint32_t *t = xcalloc((size_t)tsize * 2, sizeof(uint32_t));
	for (uint32_t i = 0; i < (full ? tsize : n); i++) {
		uint32_t h = full ? 12345 : hash_bytes(vw[i], strlen(vw[i]));
		size_t j = h & (tsize - 1);
		while (t[2 * j + 1])
			j = (j + 1) & (tsize - 1);
		t[2 * j] = h;
		t[2 * j + 1] = full ? i % n + 1 : i + 1;
		if (damage == 1 && i == 3) /* word 3 missing */
			t[2 * j + 1] = 0;
		if (damage == 2 && i == 3) /* word 2 twice, word 3 not at all */
			t[2 * j + 1] = 3;
	}
	fwrite(t, 8, tsize, f);
	free(t);
	fclose(f);
}

/* The word vectors' table and common component, which opening a file made
 * (a third of a short command's time): the converter writes them into the
 * file, and opening takes them from it when they hold; the shipped file's
 * are exactly what would be made, and a file whose part is damaged is
 * opened as before, its words all found. */
static void test_vectors_prepared(void)
{
	struct buf gp = BUF_INIT, err = BUF_INIT;
	glove_default_path(&gp);
	struct glove *g = NULL;
	CHECK(glove_open(gp.s, &g, &err) == 0);
	if (g) {
		CHECK(glove_check(g) == 1); /* the shipped file's, and right */
		CHECK(glove_rank(g, "the", 3) == 1);
		glove_close(g);
	}
	char dir[] = "/tmp/pb-test-vprep-XXXXXX";
	if (!mkdtemp(dir))
		return;
	static const char *vw[] = { "agent", "graph", "model", "neural", "policy", "robot", "the", "zebra" };
	uint32_t n = ARRAY_SIZE(vw);
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/v.bin", dir);
	/* the common component as common_make makes it for these vectors */
	float made[4];
	write_vectors(p.s, vw, n);
	CHECK(glove_open(p.s, &g, &err) == 0);
	if (g) {
		CHECK(glove_check(g) == 0); /* no part: made on opening */
		glove_close(g);
	}
	{ /* made: the frequency-weighted sum of write_vectors's rows, unit */
		double c[4] = { 0 }, norm = 0, hm = log((double)n) + 0.5772;
		for (uint32_t i = 0; i < n; i++) {
			int8_t v[4] = { (int8_t)(10 + i), (int8_t)(i % 3 ? 90 : -40), (int8_t)(i * 7 % 50), (int8_t)(i % 2 ? -60 : 30) };
			double pr = 1.0 / ((double)(i + 1) * hm);
			for (int d = 0; d < 4; d++)
				c[d] += pr * v[d];
		}
		for (int d = 0; d < 4; d++)
			norm += c[d] * c[d];
		norm = sqrt(norm);
		for (int d = 0; d < 4; d++)
			made[d] = (float)(c[d] / norm);
	}
	double hm = log((double)n) + 0.5772;
	struct { const char *what; float common[4]; uint32_t tsize; double harmonic; int damage, want; } cases[] = {
		{ "whole", { made[0], made[1], made[2], made[3] }, 0, hm, 0, 1 },
		{ "a common component off by one bit", { nextafterf(made[0], 2), made[1], made[2], made[3] }, 0, hm, 0, -1 },
		{ "a common component not finite", { NAN, made[1], made[2], made[3] }, 0, hm, 0, 0 },
		{ "a common component not a unit", { 0.5f, 0.5f, 0, 0 }, 0, hm, 0, 0 },
		{ "a harmonic number off by one bit", { made[0], made[1], made[2], made[3] }, 0, nextafter(hm, 9), 0, 0 },
		{ "a table too small", { made[0], made[1], made[2], made[3] }, 8, hm, 0, 0 },
		{ "a table with every slot taken", { made[0], made[1], made[2], made[3] }, 16, hm, 0, 0 },
		{ "a table without a word", { made[0], made[1], made[2], made[3] }, 0, hm, 1, 0 },
		{ "a table with a word twice", { made[0], made[1], made[2], made[3] }, 0, hm, 2, 0 },
	};
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		write_vectors(p.s, vw, n);
		append_prepared(p.s, vw, n, cases[c].common, cases[c].tsize, cases[c].harmonic, cases[c].damage);
		g = NULL;
		CHECK(glove_open(p.s, &g, &err) == 0);
		if (!g)
			continue;
		int got = glove_check(g);
		if (got != cases[c].want)
			fprintf(stderr, "vectors prepared, %s: %d, not %d\n", cases[c].what, got, cases[c].want);
		CHECK(got == cases[c].want);
		for (uint32_t i = 0; i < n; i++) /* every word found, whichever table */
			CHECK(glove_rank(g, vw[i], strlen(vw[i])) == i + 1);
		CHECK(glove_rank(g, "absent", 6) == UINT32_MAX);
		glove_close(g);
	}
	unlink(p.s);
	rmdir(dir);
	buf_release(&p);
	buf_release(&gp);
	buf_release(&err);
}

int main(void)
{
	test_tokenizer();
	test_tokenizer_paths();
	test_tokenizer_collisions();
	test_round_half_away();
	test_norm_pieces();
	test_vec_dot();
	test_bitpack();
	bool simd = bitpack_simd;
	bitpack_simd = false; /* the plain decoder, every width */
	test_bitpack();
	bitpack_simd = simd;
	test_topk_matches_exhaustive();
	test_similar_shares_names();
	test_full_text();
	test_vectors_replaced();
	test_vector_sums();
	test_vectors_prepared();
	test_term_counts();
	test_titles_sorted();
	return check_report("test_search");
}
