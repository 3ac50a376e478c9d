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

#define MAX_TERM 64
#define MAX_PARTS 8

/* A cache of stems: a word's surface form -> its stem ("" for a stop
 * word). Words follow Zipf's law, so almost every word is found here and
 * neither the stop list nor the stemmer is consulted. */
struct stem_entry {
	uint32_t hash, key_off, stem_off;
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
	uint8_t kinds; /* 1: has a letter, 2: has a digit */
};

struct tokenizer {
	struct sb_stemmer *stemmer;
	struct buf norm, joined;
	struct word_run *runs;
	size_t runs_cap;
	struct stem_entry *cache;
	size_t cache_size, cache_used;
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
	free(tk->runs);
	free(tk);
}

/* Normalises text into tk->norm: lower-case ASCII, or utf8proc's NFKC
 * case-fold with marks stripped. Invalid UTF-8 is dropped byte by byte.
 * True when the result is all ASCII. */
static bool normalise(struct tokenizer *tk, const char *text, size_t len)
{
	buf_reset(&tk->norm);
	bool ascii = true;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80) {
			ascii = false;
			break;
		}
	if (ascii) {
		char *d = buf_reserve(&tk->norm, len);
		if (!d)
			return true;
		for (size_t i = 0; i < len; i++) {
			char c = text[i];
			d[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		tk->norm.len = len;
		tk->norm.s[len] = '\0';
		return true;
	}
	utf8proc_uint8_t *out = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &out,
					  UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
						  UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
	if (n >= 0) {
		buf_add(&tk->norm, out, (size_t)n);
		free(out);
		for (size_t i = 0; i < tk->norm.len; i++)
			if ((unsigned char)tk->norm.s[i] >= 0x80)
				return false;
		return true;
	}
	/* invalid UTF-8: keep the ASCII bytes only */
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if ((unsigned char)c < 0x80)
			buf_addc(&tk->norm, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
		else
			buf_addc(&tk->norm, ' ');
	}
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
	bool has_digit, has_alpha;
	uint32_t hash; /* hash_bytes(s, n) */
};


/* memcmp(a, b, n) == 0 for the short strings of words, inline. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
	for (; n >= 8; a += 8, b += 8, n -= 8) {
		uint64_t x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
	}
	for (; n; a++, b++, n--)
		if (*a != *b)
			return false;
	return true;
}

/* The cache's entry for word w (its stem, "" for a stop word; a word
 * with digits is its own stem and never a stop word), made when it is not
 * there. Valid until the next call. */
static struct stem_entry *cache_entry(struct tokenizer *tk, const char *w, size_t n, bool has_digit, uint32_t h)
{
	/* h: hash_bytes(w, n), never 0 (0 marks a free slot) */
	size_t mask = tk->cache_size - 1, i = h & mask;
	for (; tk->cache[i].hash; i = (i + 1) & mask) {
		struct stem_entry *e = &tk->cache[i];
		if (e->hash == h && e->key_len == n && same_bytes(tk->cache_bytes.s + e->key_off, w, n))
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
		struct stem_entry *c = xcalloc(size, sizeof(*c));
		for (size_t k = 0; k < tk->cache_size; k++)
			if (tk->cache[k].hash) {
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
	struct stem_entry *e = &tk->cache[i];
	e->hash = h;
	e->key_off = (uint32_t)tk->cache_bytes.len;
	e->key_len = (uint16_t)n;
	buf_add(&tk->cache_bytes, w, n);
	e->stem_off = (uint32_t)tk->cache_bytes.len;
	e->stem_len = (uint16_t)sl;
	buf_add(&tk->cache_bytes, st, sl);
	buf_addc(&tk->cache_bytes, '\0');
	memset(e->slot, 0, sizeof(e->slot));
	tk->cache_used++;
	return e;
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
		emit(ctx, tk->cache_bytes.s + e->stem_off, e->stem_len, pos, flags);
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
	struct stem_entry *e = cache_entry(tk, j->s, j->n, j->has_digit, hash_bytes(j->s, j->n));
	if (e->stem_len) {
		tk->slot = &e->slot[0];
		emit(ctx, tk->cache_bytes.s + e->stem_off, e->stem_len, pos, TOK_JOINED);
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
	struct part j = { NULL, 0, false, false, 0 };
	buf_reset(&tk->joined);
	for (size_t k = 0; k < np; k++) {
		emit_word(tk, &parts[k], stem, pos + (unsigned)k, TOK_PART, emit, ctx);
		buf_add(&tk->joined, parts[k].s, parts[k].n);
		j.has_digit |= parts[k].has_digit;
		j.has_alpha |= parts[k].has_alpha;
	}
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

bool tokenize_general; /* tests: every text through the general path */

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
			__builtin_prefetch(&tk->cache[hash_bytes(s + b, i - b) & mask]);
	}
}

/* An all-ASCII normalised text (most of arXiv's): the runs of letters and
 * digits found and hashed in one pass, each run's slot of the cache of
 * words asked for at once when the cache is large (at arXiv's size it is
 * megabytes, and a look-up otherwise waits on memory), then compounds
 * formed from runs one separator apart, as the general path forms them. */
static void tokenize_ascii(struct tokenizer *tk, const char *s, size_t n, bool stem, emit_fn emit, void *ctx)
{
	if (n / 2 + 1 > tk->runs_cap) {
		tk->runs_cap = n / 2 + 1 > 2 * tk->runs_cap ? n / 2 + 1 : 2 * tk->runs_cap;
		free(tk->runs);
		tk->runs = xmalloc(tk->runs_cap * sizeof(*tk->runs));
	}
	struct word_run *runs = tk->runs;
	bool ahead = cache_is_large(tk);
	size_t mask = tk->cache_size - 1, nr = 0;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		if (!ascii_kind[u[i]]) {
			i++;
			continue;
		}
		size_t b = i;
		unsigned kinds = 0, k;
		while (i < n && (k = ascii_kind[u[i]])) {
			kinds |= k;
			i++;
		}
		uint32_t h = hash_bytes(s + b, i - b);
		runs[nr++] = (struct word_run){ (uint32_t)b, (uint32_t)(i - b), h, (uint8_t)kinds };
		if (ahead)
			__builtin_prefetch(&tk->cache[h & mask]);
	}
	unsigned pos = 0;
	struct part parts[MAX_PARTS];
	for (size_t r = 0; r < nr;) {
		size_t np = 0;
		for (;; r++) {
			const struct word_run *w = &runs[r];
			if (np < MAX_PARTS)
				parts[np++] = (struct part){ s + w->start, w->len, w->kinds & 2, w->kinds & 1, w->hash };
			if (r + 1 == nr)
				break;
			/* joined to the next run: one separator between, '-', '_',
			 * or '.' between digits */
			size_t end = (size_t)w->start + w->len;
			if (runs[r + 1].start != end + 1)
				break;
			char sep = s[end];
			if (!(sep == '-' || sep == '_' || (sep == '.' && ascii_kind[u[end - 1]] == 2 && ascii_kind[u[end + 1]] == 2)))
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
			struct part p = { s + i, 0, false, false, 0 };
			while (i < n && (l = alnum_at(s, i, n, &digit))) {
				p.has_digit |= digit;
				p.has_alpha |= !digit;
				p.n += l;
				i += l;
			}
			if (np < MAX_PARTS) {
				p.hash = hash_bytes(p.s, p.n);
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
