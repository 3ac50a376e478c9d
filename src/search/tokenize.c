/*
 * tokenize.c - terms for scientific English.
 *
 * Text is normalised with utf8proc (NFKC, case folding, accents stripped;
 * pure ASCII takes a fast path), split into runs of letters and digits, and
 * runs joined by '-' or '_' (or '.' between digits) form a compound:
 * "GPT-4", "in-context", "ResNet-50", "Llama-3.1-8B". A compound gives its
 * parts and its joined form ("gpt", "4", "gpt4"), so that "GPT-4", "GPT 4"
 * and "GPT4" all meet. Purely alphabetic words get Snowball English stems;
 * words with digits ("L2", "3D", "8b") are kept as they are. Stop words are
 * dropped as words and as parts, never from a joined form.
 */
#include "search.h"
#include <libstemmer.h>
#include <utf8proc.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

#define MAX_TERM 64
#define MAX_PARTS 8

/* A cache of stems: a word's surface form -> its stem ("" for a stop
 * word). Words follow Zipf's law, so almost every word is found here and
 * neither the stop list nor the stemmer is consulted. */
struct stem_entry {
	uint64_t key8;    /* the word's first eight bytes (zeros past its end) */
	uint32_t key_off; /* the word, then its stem, in cache_bytes */
	uint16_t key_len, stem_len;
	/* free for the caller: [0] for the stem, [1] and [2] for the surface
	 * form, as emitted (see tokenizer_slot); [3] the word hook's */
	uint32_t slot[4];
};

#define STEM_CACHE_MAX (1u << 20)

/* A run of ASCII letters and digits of the text being tokenized, with its
 * hash as cache_entry takes it. */
struct word_run {
	uint32_t start, len, hash;
	bool has_digit;
};

struct tokenizer {
	struct sb_stemmer *stemmer;
	struct buf norm, joined;
	struct word_run *runs;
	size_t runs_cap;
	uint64_t *bits; /* the ASCII path's letters-or-digits, then digits */
	size_t bits_cap; /* words of each */
	/* open addressing, 8 bytes a slot (the word's hash, its entry + 1),
	 * over the entries in the order they were made: the common words
	 * come first, so their entries sit together */
	struct cache_slot {
		uint32_t hash, ent;
	} *cache;
	size_t cache_size, cache_used;
	struct stem_entry *ents;
	size_t ents_cap;
	struct buf cache_bytes;
	uint32_t *slot; /* of the token being emitted, or NULL */
	void (*word_fn)(void *ctx, const char *w, size_t n, uint32_t *slot);
	void *word_ctx;
};

#include "search_int.h"

uint32_t *tokenizer_slot(struct tokenizer *tk)
{
	return tk->slot;
}

void tokenizer_on_word(struct tokenizer *tk, void (*fn)(void *ctx, const char *w, size_t n, uint32_t *slot), void *ctx)
{
	tk->word_fn = fn;
	tk->word_ctx = ctx;
}

/* Sorted: looked up by binary search. */
static const char *const stop_words[] = {
	"a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are",
	"as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
	"can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from",
	"further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself",
	"his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "may", "me", "might",
	"more", "most", "must", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once",
	"only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should",
	"so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then",
	"there", "these", "they", "this", "those", "through", "thus", "to", "too", "under", "until", "up",
	"upon", "us", "very", "via", "was", "we", "were", "what", "when", "where", "whether", "which",
	"while", "who", "whom", "why", "will", "with", "within", "would", "you", "your", "yours",
};

static int cmp_word(const char *w, size_t n, const char *s)
{
	size_t m = strlen(s);
	int c = memcmp(w, s, n < m ? n : m);
	return c ? c : (n < m ? -1 : n > m);
}

static bool is_stop(const char *w, size_t n)
{
	size_t lo = 0, hi = ARRAY_SIZE(stop_words);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_word(w, n, stop_words[mid]);
		if (!c)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

struct tokenizer *tokenizer_new(void)
{
	struct tokenizer *tk = xcalloc(1, sizeof(*tk));
	tk->stemmer = sb_stemmer_new("english", NULL);
	if (!tk->stemmer) { /* out of memory: libstemmer has English built in */
		free(tk);
		return NULL;
	}
	buf_init(&tk->norm);
	buf_init(&tk->joined);
	buf_init(&tk->cache_bytes);
	tk->cache_size = 1 << 12;
	tk->cache = xcalloc(tk->cache_size, sizeof(*tk->cache));
	return tk;
}

void tokenizer_free(struct tokenizer *tk)
{
	if (!tk)
		return;
	sb_stemmer_delete(tk->stemmer);
	buf_release(&tk->norm);
	buf_release(&tk->joined);
	buf_release(&tk->cache_bytes);
	free(tk->cache);
	free(tk->ents);
	free(tk->runs);
	free(tk->bits);
	free(tk);
}

/* Eight bytes at s as a little-endian number: byte k is bits 8k..8k+7. */
static inline uint64_t load_le64(const char *s)
{
	uint64_t x;
	memcpy(&x, s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* The tokenizer's words are read eight bytes at a time, up to seven past
 * their end: its buffers keep eight zero bytes after their text. */
#define WORD_PAD 8

static void pad_buf(struct buf *b)
{
	char *d = buf_reserve(b, WORD_PAD);
	if (d)
		memset(d, 0, WORD_PAD);
}

/* Bytes [0, k) of x (k 1..8) kept, the others cleared. */
static inline uint64_t low_bytes(uint64_t x, size_t k)
{
	return x & (~0ull >> (8 * (8 - k)));
}

uint32_t word_hash_mask = ~0u; /* tests: fewer bits, words colliding */

/* The cache of words' hash of w[0..n) (w in a padded buffer): eight bytes
 * a step, multiplied and folded; never 0 (0 marks a free slot). */
static inline uint32_t word_hash(const char *w, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	size_t i = 0;
	for (; n - i > 8; i += 8) {
		h = (h ^ load_le64(w + i)) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 29;
	}
	if (n)
		h = (h ^ low_bytes(load_le64(w + i), n - i)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 32)) * 0x94d049bb133111ebull;
	return ((uint32_t)(h >> 32) & word_hash_mask) | 1;
}

/* Appends text[0..len) lower-cased, for ASCII text. */
static void add_lower(struct buf *b, const char *text, size_t len)
{
	char *d = buf_reserve(b, len);
	if (!d)
		return;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		d[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	b->len += len;
	b->s[b->len] = '\0';
}

/* Appends utf8proc's NFKC case-fold of text[0..len), marks stripped;
 * false when it is not valid UTF-8. */
static bool map_utf8(struct tokenizer *tk, const char *text, size_t len)
{
	utf8proc_uint8_t *out = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &out,
					  UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
						  UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
	if (n < 0)
		return false;
	buf_add(&tk->norm, out, (size_t)n);
	free(out);
	return true;
}

bool tokenize_whole_norm; /* tests: every text mapped by utf8proc whole */

/* map_utf8 of a text with some non-ASCII bytes, a piece at a time: the
 * ASCII runs lower-cased here, each run of other bytes mapped with the
 * ASCII character before it (a mark may join it). The same text: no
 * character composes with an ASCII one after it or changes one, and an
 * ASCII character ends any reordering of marks. */
static bool map_pieces(struct tokenizer *tk, const char *text, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && (unsigned char)text[j] < 0x80)
			j++;
		size_t from = j < len && j > i ? j - 1 : j; /* the piece to map begins here */
		add_lower(&tk->norm, text + i, from - i);
		if (j == len)
			break;
		size_t k = j;
		while (k < len && (unsigned char)text[k] >= 0x80)
			k++;
		if (!map_utf8(tk, text + from, k - from))
			return false;
		i = k;
	}
	return true;
}

bool tokenize_general; /* tests: every text through the general path (and no SIMD) */
bool tokenize_no_simd;  /* tests: the ASCII path with its portable code */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* add_lower of an all-ASCII text, sixty-four bytes a step (the last step
 * masked); false at a byte that is not ASCII (nothing appended then: the
 * buffer's length is not moved, its room past it is written). */
__attribute__((target("avx512f,avx512bw"))) static bool add_lower_avx512(struct buf *b, const char *text, size_t len)
{
	char *d = buf_reserve(b, len);
	if (!d)
		return true; /* (as add_lower: nothing added) */
	const __m512i A = _mm512_set1_epi8('A'), span = _mm512_set1_epi8('Z' - 'A'), up = _mm512_set1_epi8(32);
	for (size_t i = 0; i < len; i += 64) {
		__mmask64 m = len - i >= 64 ? ~0ull : (1ull << (len - i)) - 1;
		__m512i x = _mm512_maskz_loadu_epi8(m, text + i);
		if (_mm512_movepi8_mask(x))
			return false;
		__mmask64 upper = _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, A), span);
		_mm512_mask_storeu_epi8(d + i, m, _mm512_mask_add_epi8(x, upper, x, up));
	}
	b->len += len;
	b->s[b->len] = '\0';
	return true;
}

/* ascii_bits sixty-four bytes a step. */
__attribute__((target("avx512f,avx512bw"))) static void ascii_bits_avx512(const char *s, size_t n, uint64_t *an,
									uint64_t *dg)
{
	const __m512i zero = _mm512_set1_epi8('0'), nine = _mm512_set1_epi8(9), a = _mm512_set1_epi8('a'),
		      z = _mm512_set1_epi8('z' - 'a');
	for (size_t w = 0; w * 64 < n; w++) {
		size_t rest = n - w * 64;
		__mmask64 m = rest >= 64 ? ~0ull : (1ull << rest) - 1;
		__m512i x = _mm512_maskz_loadu_epi8(m, s + w * 64);
		__mmask64 digit = _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, zero), nine);
		__mmask64 letter = _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, a), z);
		an[w] = (digit | letter) & m;
		dg[w] = digit & m;
	}
}

static bool have_avx512bw;

__attribute__((constructor)) static void tokenizer_choose(void)
{
	__builtin_cpu_init();
	have_avx512bw = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}
#define SIMD_ASCII (have_avx512bw && !tokenize_general && !tokenize_no_simd)
#else
#define SIMD_ASCII false
#define add_lower_avx512(b, text, len) false
#define ascii_bits_avx512(s, n, an, dg) ((void)0)
#endif

/* Normalises text into tk->norm: lower-case ASCII, or utf8proc's NFKC
 * case-fold with marks stripped. Invalid UTF-8 is dropped byte by byte.
 * True when the result is all ASCII. */
static bool normalise(struct tokenizer *tk, const char *text, size_t len)
{
	buf_reset(&tk->norm);
	if (SIMD_ASCII) {
		if (add_lower_avx512(&tk->norm, text, len)) {
			pad_buf(&tk->norm);
			return true;
		}
		buf_reset(&tk->norm);
	}
	unsigned char high = 0; /* the bytes or'ed: ASCII when its top bit is clear */
	for (size_t i = 0; i < len; i++)
		high |= (unsigned char)text[i];
	if (high < 0x80) {
		add_lower(&tk->norm, text, len);
		pad_buf(&tk->norm);
		return true;
	}
	bool valid = tokenize_whole_norm ? map_utf8(tk, text, len) : map_pieces(tk, text, len);
	if (valid) {
		pad_buf(&tk->norm);
		for (size_t i = 0; i < tk->norm.len; i++)
			if ((unsigned char)tk->norm.s[i] >= 0x80)
				return false;
		return true;
	}
	/* invalid UTF-8: keep the ASCII bytes only */
	buf_reset(&tk->norm);
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if ((unsigned char)c < 0x80)
			buf_addc(&tk->norm, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
		else
			buf_addc(&tk->norm, ' ');
	}
	pad_buf(&tk->norm);
	return true;
}

/* Length of the letter or digit at s[i] (0 if it is neither); *digit says
 * which. */
static size_t alnum_at(const char *s, size_t i, size_t n, bool *digit)
{
	unsigned char c = (unsigned char)s[i];
	if (c < 0x80) {
		*digit = c >= '0' && c <= '9';
		return (*digit || (c >= 'a' && c <= 'z')) ? 1 : 0;
	}
	utf8proc_int32_t cp;
	utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
	if (l <= 0)
		return 0;
	utf8proc_category_t cat = utf8proc_category(cp);
	*digit = cat == UTF8PROC_CATEGORY_ND;
	bool ok = (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
		  (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
	return ok ? (size_t)l : 0;
}

struct part {
	const char *s;
	size_t n;
	bool has_digit;
	uint32_t hash; /* word_hash(s, n) */
};


/* memcmp(a, b, n) == 0 for words in padded buffers: eight bytes a step,
 * the last step masked, so that a word's length costs no branch below
 * nine bytes. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	for (; n - i > 8; i += 8)
		if (load_le64(a + i) != load_le64(b + i))
			return false;
	return !n || !low_bytes(load_le64(a + i) ^ load_le64(b + i), n - i);
}

/* A word's first eight bytes as an entry keeps them (w padded). */
static inline uint64_t first_bytes(const char *w, size_t n)
{
	return n >= 8 ? load_le64(w) : n ? low_bytes(load_le64(w), n) : 0;
}

/* The cache's entry for word w (its stem, "" for a stop word; a word
 * with digits is its own stem and never a stop word), made when it is not
 * there. Valid until the next call. */
static struct stem_entry *cache_entry(struct tokenizer *tk, const char *w, size_t n, bool has_digit, uint32_t h)
{
	/* h: word_hash(w, n), never 0 (0 marks a free slot) */
	size_t mask = tk->cache_size - 1, i = h & mask;
	for (; tk->cache[i].hash; i = (i + 1) & mask) {
		if (tk->cache[i].hash != h)
			continue;
		struct stem_entry *e = &tk->ents[tk->cache[i].ent - 1];
		if (e->key_len == n && e->key8 == first_bytes(w, n) &&
		    (n <= 8 || same_bytes(tk->cache_bytes.s + e->key_off + 8, w + 8, n - 8)))
			return e;
	}
	const char *st = w;
	size_t sl = n;
	if (!has_digit && is_stop(w, n)) {
		st = "";
		sl = 0;
	} else if (!has_digit) {
		const sb_symbol *r = sb_stemmer_stem(tk->stemmer, (const sb_symbol *)w, (int)n);
		if (r) {
			st = (const char *)r;
			sl = (size_t)sb_stemmer_length(tk->stemmer);
		}
	}
	if (tk->cache_used >= STEM_CACHE_MAX || tk->cache_bytes.len > ((size_t)1 << 30)) {
		/* full: start again (rare; keeps memory bounded) */
		memset(tk->cache, 0, tk->cache_size * sizeof(*tk->cache));
		tk->cache_used = 0;
		buf_reset(&tk->cache_bytes);
		i = h & mask;
	} else if ((tk->cache_used + 1) * 2 > tk->cache_size) {
		size_t size = tk->cache_size * 2;
		struct cache_slot *c = xcalloc(size, sizeof(*c));
		for (size_t k = 0; k < tk->cache_size; k++) {
			if (!tk->cache[k].hash)
				continue;
			size_t j = tk->cache[k].hash & (size - 1);
			while (c[j].hash)
				j = (j + 1) & (size - 1);
			c[j] = tk->cache[k];
		}
		free(tk->cache);
		tk->cache = c;
		tk->cache_size = size;
		mask = size - 1;
		for (i = h & mask; tk->cache[i].hash; i = (i + 1) & mask)
			;
	}
	if (tk->cache_used == tk->ents_cap) {
		tk->ents_cap = tk->ents_cap ? 2 * tk->ents_cap : 1024;
		tk->ents = xrealloc(tk->ents, tk->ents_cap * sizeof(*tk->ents));
	}
	struct stem_entry *e = &tk->ents[tk->cache_used];
	e->key8 = first_bytes(w, n);
	e->key_off = (uint32_t)tk->cache_bytes.len;
	e->key_len = (uint16_t)n;
	buf_add(&tk->cache_bytes, w, n);
	e->stem_len = (uint16_t)sl;
	buf_add(&tk->cache_bytes, st, sl);
	buf_addc(&tk->cache_bytes, '\0');
	pad_buf(&tk->cache_bytes); /* keys are compared eight bytes a step */
	memset(e->slot, 0, sizeof(e->slot));
	tk->cache[i] = (struct cache_slot){ h, (uint32_t)++tk->cache_used };
	return e;
}

/* An entry's stem: right after its word. */
static inline const char *stem_of(const struct tokenizer *tk, const struct stem_entry *e)
{
	return tk->cache_bytes.s + e->key_off + e->key_len;
}

static void emit_word(struct tokenizer *tk, const struct part *p, bool stem, unsigned pos, unsigned flags,
		      void (*emit)(void *, const char *, size_t, unsigned, unsigned), void *ctx)
{
	if (p->n > MAX_TERM)
		return;
	struct stem_entry *e = cache_entry(tk, p->s, p->n, p->has_digit, p->hash);
	if (tk->word_fn)
		tk->word_fn(tk->word_ctx, p->s, p->n, &e->slot[3]);
	if (!emit || !e->stem_len) /* a stop word */
		return;
	if (stem) {
		tk->slot = &e->slot[0];
		emit(ctx, stem_of(tk, e), e->stem_len, pos, flags);
	} else {
		tk->slot = &e->slot[1];
		emit(ctx, tk->cache_bytes.s + e->key_off, e->key_len, pos, flags);
	}
	tk->slot = NULL;
}

/* The joined form of a compound, never a stop word ("in-context"). */
static void emit_joined(struct tokenizer *tk, const struct part *j, bool stem, unsigned pos,
			void (*emit)(void *, const char *, size_t, unsigned, unsigned), void *ctx)
{
	if (j->n > MAX_TERM || !emit)
		return;
	if (!stem) {
		emit(ctx, j->s, j->n, pos, TOK_JOINED);
		return;
	}
	struct stem_entry *e = cache_entry(tk, j->s, j->n, j->has_digit, word_hash(j->s, j->n));
	if (e->stem_len) {
		tk->slot = &e->slot[0];
		emit(ctx, stem_of(tk, e), e->stem_len, pos, TOK_JOINED);
		tk->slot = NULL;
		return;
	}
	/* a stop word as a word ("in-to"), not as a compound */
	const sb_symbol *st = sb_stemmer_stem(tk->stemmer, (const sb_symbol *)j->s, (int)j->n);
	if (st)
		emit(ctx, (const char *)st, (size_t)sb_stemmer_length(tk->stemmer), pos, TOK_JOINED);
}

typedef void (*emit_fn)(void *ctx, const char *term, size_t n, unsigned pos, unsigned flags);

/* A compound's parts[0..np) (its first MAX_PARTS) emitted as words, then
 * their joined form; or a lone word (np 1). Returns the positions taken. */
static unsigned emit_compound(struct tokenizer *tk, const struct part *parts, size_t np, bool stem, unsigned pos,
			      emit_fn emit, void *ctx)
{
	if (np == 1) {
		emit_word(tk, &parts[0], stem, pos, 0, emit, ctx);
		return 1;
	}
	struct part j = { NULL, 0, false, 0 };
	buf_reset(&tk->joined);
	for (size_t k = 0; k < np; k++) {
		emit_word(tk, &parts[k], stem, pos + (unsigned)k, TOK_PART, emit, ctx);
		buf_add(&tk->joined, parts[k].s, parts[k].n);
		j.has_digit |= parts[k].has_digit;
	}
	pad_buf(&tk->joined);
	j.s = tk->joined.s;
	j.n = tk->joined.len;
	emit_joined(tk, &j, stem, pos, emit, ctx);
	return (unsigned)np; /* parts count as words: "state-of-the-art" ~ "state of the art" */
}

/* 1: a lower-case ASCII letter, 2: a digit, 0: neither */
static const uint8_t ascii_kind[256] = {
	['0'] = 2, ['1'] = 2, ['2'] = 2, ['3'] = 2, ['4'] = 2, ['5'] = 2, ['6'] = 2, ['7'] = 2, ['8'] = 2, ['9'] = 2,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
	['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};


/* Whether the cache of words is past what the processor's caches hold, so
 * that a text's words' slots are worth asking for ahead of the look-ups. */
static bool cache_is_large(const struct tokenizer *tk)
{
	return tk->cache_size >= ((size_t)1 << 15);
}

/* The longest text taken by the ASCII path (its runs are held at once: a
 * paper's abstract, not a full text, which the general path takes). */
#define ASCII_PATH_MAX (64 * 1024)

/* Asks for the cache's slots of a long text's words before they are
 * looked up one by one (the general path's; the ASCII path does it as it
 * finds the words). The words as the splitter cuts plain ASCII ones, hashed
 * as cache_entry hashes them; another word's guess only wastes a fetch. */
static void prefetch_words(const struct tokenizer *tk, const char *s, size_t n)
{
	size_t mask = tk->cache_size - 1;
	for (size_t i = 0; i < n;) {
		while (i < n && !ascii_kind[(unsigned char)s[i]])
			i++;
		size_t b = i;
		while (i < n && ascii_kind[(unsigned char)s[i]])
			i++;
		if (i > b)
			__builtin_prefetch(&tk->cache[word_hash(s + b, i - b) & mask]);
	}
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Sets, for the padded lower-case ASCII text s[0..n), bit i of an (in
 * words of 64) when s[i] is a letter or a digit, of dg when a digit:
 * eight bytes at a time, each byte's test in its top bit. */
static void ascii_bits(const char *s, size_t n, uint64_t *an, uint64_t *dg)
{
	const uint64_t ones = 0x0101010101010101ull, top = 0x8080808080808080ull;
	/* top bit of each byte x (< 0x80) set when x >= c (c <= 0x80) */
#define AT_LEAST(x, c) ((((x) | top) - (c) * ones) & top)
	/* the eight top bits as the low eight bits, byte k to bit k */
#define GATHER(m) (((((m) >> 7) * 0x0102040810204080ull) >> 56) & 0xff)
	size_t nw = (n + 63) / 64;
	for (size_t w = 0; w < nw; w++) {
		uint64_t a = 0, d = 0;
		for (size_t k = 0; k < 8 && w * 64 + k * 8 < n; k++) {
			uint64_t x = load_le64(s + w * 64 + k * 8);
			uint64_t digit = AT_LEAST(x, '0') & ~AT_LEAST(x, '9' + 1);
			uint64_t letter = AT_LEAST(x, 'a') & ~AT_LEAST(x, 'z' + 1);
			a |= GATHER(digit | letter) << (8 * k);
			d |= GATHER(digit) << (8 * k);
		}
		an[w] = a;
		dg[w] = d;
	}
#undef AT_LEAST
#undef GATHER
}

/* bits[b..b + len) (len 1..64) as the low bits of a word. */
static inline uint64_t bits_at(const uint64_t *bits, size_t b, size_t len)
{
	size_t w = b / 64, o = b % 64;
	uint64_t x = bits[w] >> o;
	if (o + len > 64) /* (then o > 0) */
		x |= bits[w + 1] << (64 - o);
	return len == 64 ? x : x & ((1ull << len) - 1);
}

/* How many words ahead of the one looked up their entries are asked for;
 * their slots in the table, twice as far. */
#define FETCH_AHEAD 8

/* Asks for the cache's slot of run k, or (ent) for its entry when its
 * slot, asked for before, shows it. Hints only: a wrong guess wastes a
 * fetch. */
static inline void fetch_run(const struct tokenizer *tk, const struct word_run *runs, size_t k, bool ent)
{
	const struct cache_slot *c = &tk->cache[runs[k].hash & (tk->cache_size - 1)];
	if (!ent)
		__builtin_prefetch(c);
	else if (c->hash == runs[k].hash)
		__builtin_prefetch(&tk->ents[c->ent - 1]);
}

/* The runs of letters and digits of the padded all-ASCII text s[0..n)
 * (n > 0), hashed, into tk->runs; returns how many. */
static size_t ascii_runs(struct tokenizer *tk, const char *s, size_t n)
{
	if (n / 2 + 1 > tk->runs_cap) {
		tk->runs_cap = n / 2 + 1 > 2 * tk->runs_cap ? n / 2 + 1 : 2 * tk->runs_cap;
		free(tk->runs);
		tk->runs = xmalloc(tk->runs_cap * sizeof(*tk->runs));
	}
	struct word_run *runs = tk->runs;
	size_t nr = 0;
	/* the letters-or-digits and the digits as bits, eight bytes a step
	 * (the text is padded with zeros: neither) */
	size_t nw = (n + 63) / 64;
	if (2 * nw > tk->bits_cap) {
		tk->bits_cap = 2 * nw > 2 * tk->bits_cap ? 2 * nw : 2 * tk->bits_cap;
		free(tk->bits);
		tk->bits = xmalloc(tk->bits_cap * sizeof(*tk->bits));
	}
	uint64_t *an = tk->bits, *dg = tk->bits + nw;
	if (SIMD_ASCII)
		ascii_bits_avx512(s, n, an, dg);
	else
		ascii_bits(s, n, an, dg);
	/* a run starts where a bit is set after a clear one and ends where a
	 * bit is clear after a set one: both found a word of bits at a time,
	 * in order, starts and ends taking turns */
	uint64_t carry = 0;
	size_t b = 0;
	bool open = false;
	for (size_t w = 0; w <= nw; w++) {
		uint64_t x = w < nw ? an[w] : 0, prev = x << 1 | carry;
		carry = x >> 63;
		for (uint64_t ev = x ^ prev; ev; ev &= ev - 1) {
			size_t at = w * 64 + (size_t)__builtin_ctzll(ev);
			if (!open) {
				if (at >= n) /* (never: the bits past the text are clear) */
					return nr;
				b = at;
				open = true;
				continue;
			}
			open = false;
			size_t e = at < n ? at : n;
			/* its digits' bits at once (a run past MAX_TERM is never
			 * looked up, alone or joined, so its flag is never read) */
			_Static_assert(MAX_TERM <= 64, "a word's bits in one window");
			bool digit = e - b <= MAX_TERM && bits_at(dg, b, e - b) != 0;
			uint32_t h = word_hash(s + b, e - b);
			runs[nr++] = (struct word_run){ (uint32_t)b, (uint32_t)(e - b), h, digit };
		}
	}
	return nr;
}

/* An all-ASCII normalised text (most of arXiv's): its runs of letters and
 * digits found and hashed in one pass, then compounds formed from runs one
 * separator apart, as the general path forms them. */
static void tokenize_ascii(struct tokenizer *tk, const char *s, size_t n, bool stem, emit_fn emit, void *ctx)
{
	if (!n)
		return;
	size_t nr = ascii_runs(tk, s, n);
	const struct word_run *runs = tk->runs;
	bool ahead = cache_is_large(tk);
	unsigned pos = 0;
	struct part parts[MAX_PARTS];
	/* the slots of the runs up to 2 FETCH_AHEAD ahead of the one looked
	 * up are asked for, and of those found there, the entries of the runs
	 * up to FETCH_AHEAD ahead: a look-up then finds both at hand, and the
	 * processor has the fetches of many words under way at once (at
	 * arXiv's size the cache is megabytes, and a look-up otherwise waits
	 * on memory) */
	for (size_t k = 0; ahead && k < nr && k < 2 * FETCH_AHEAD; k++)
		fetch_run(tk, runs, k, false);
	for (size_t k = 0; ahead && k < nr && k < FETCH_AHEAD; k++)
		fetch_run(tk, runs, k, true);
	for (size_t r = 0; r < nr;) {
		size_t np = 0;
		for (;; r++) {
			const struct word_run *w = &runs[r];
			if (ahead && r + 2 * FETCH_AHEAD < nr)
				fetch_run(tk, runs, r + 2 * FETCH_AHEAD, false);
			if (ahead && r + FETCH_AHEAD < nr)
				fetch_run(tk, runs, r + FETCH_AHEAD, true);
			if (np < MAX_PARTS)
				parts[np++] = (struct part){ s + w->start, w->len, w->has_digit, w->hash };
			if (r + 1 == nr)
				break;
			/* joined to the next run: one separator between, '-', '_',
			 * or '.' between digits */
			size_t end = (size_t)w->start + w->len;
			if (runs[r + 1].start != end + 1)
				break;
			char sep = s[end];
			if (!(sep == '-' || sep == '_' || (sep == '.' && is_digit(s[end - 1]) && is_digit(s[end + 1]))))
				break;
		}
		r++;
		pos += emit_compound(tk, parts, np, stem, pos, emit, ctx);
	}
}

void tokenize(struct tokenizer *tk, const char *text, size_t len, bool stem, emit_fn emit, void *ctx)
{
	bool ascii = normalise(tk, text, len);
	const char *s = tk->norm.s;
	size_t n = tk->norm.len, i = 0;
	if (ascii && n <= ASCII_PATH_MAX && !tokenize_general) {
		tokenize_ascii(tk, s, n, stem, emit, ctx);
		return;
	}
	if (n >= 256 && cache_is_large(tk))
		prefetch_words(tk, s, n);
	unsigned pos = 0;
	struct part parts[MAX_PARTS];
	while (i < n) {
		bool digit;
		size_t l = alnum_at(s, i, n, &digit);
		if (!l) {
			i++;
			while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
				i++; /* the rest of a multi-byte character */
			continue;
		}
		/* a compound: parts joined by '-', '_' or a '.' between digits */
		size_t np = 0;
		for (;;) {
			struct part p = { s + i, 0, false, 0 };
			while (i < n && (l = alnum_at(s, i, n, &digit))) {
				p.has_digit |= digit;
				p.n += l;
				i += l;
			}
			if (np < MAX_PARTS) {
				p.hash = word_hash(p.s, p.n);
				parts[np++] = p;
			}
			if (i + 1 >= n)
				break;
			char sep = s[i];
			bool d2;
			size_t next = alnum_at(s, i + 1, n, &d2);
			bool joins = next && (sep == '-' || sep == '_' ||
					      (sep == '.' && d2 && p.n && p.s[p.n - 1] >= '0' && p.s[p.n - 1] <= '9'));
			if (!joins)
				break;
			i++;
		}
		pos += emit_compound(tk, parts, np, stem, pos, emit, ctx);
	}
}

uint64_t title_key(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	bool word = false, any = false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		bool keep = c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!keep) {
			word = false;
			continue;
		}
		if (!word && any)
			h = (h ^ ' ') * 1099511628211ull;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		h = (h ^ c) * 1099511628211ull;
		word = any = true;
	}
	return any ? (h ? h : 1) : 0;
}
