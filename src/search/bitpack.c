/*
 * bitpack.c - the posting-list codec: a block's document gaps packed at the
 * bit width of the largest (one byte for the width, then the bits, low
 * first). On this index's real gaps it decodes faster than LEB128 varints
 * and than Debian's libstreamvbyte, and is smaller than both
 * (bench/search/codec_bench.c).
 */
#include "search_int.h"

void bitpack_encode(const uint32_t *in, uint32_t n, struct buf *out)
{
	uint32_t max = 0;
	for (uint32_t i = 0; i < n; i++)
		max |= in[i];
	uint32_t b = max ? 32 - (uint32_t)__builtin_clz(max) : 0;
	size_t bytes = 1 + ((size_t)n * b + 7) / 8;
	unsigned char *d = (unsigned char *)buf_reserve(out, bytes);
	if (!d) /* out of room (out's limit): nothing added, out marked overflowed */
		return;
	*d++ = (unsigned char)b;
	uint64_t acc = 0;
	uint32_t have = 0;
	for (uint32_t i = 0; i < n; i++) {
		acc |= (uint64_t)in[i] << have;
		have += b;
		while (have >= 8) {
			*d++ = (unsigned char)acc;
			acc >>= 8;
			have -= 8;
		}
	}
	if (have)
		*d = (unsigned char)acc;
	out->len += bytes;
	out->s[out->len] = '\0';
}

/* values [i, n) of a block whose values start at bit 0 of in */
static void decode_plain(const uint8_t *in, uint32_t i, uint32_t n, uint32_t b, uint32_t *out)
{
	/* each value from one unaligned 8-byte load: no branch per value (the
	 * index leaves 8 bytes after the postings, so the last load stays in) */
	uint64_t mask = (1ull << b) - 1;
	size_t bit = (size_t)i * b;
	for (; i < n; i++, bit += b) {
		uint64_t w;
		memcpy(&w, in + (bit >> 3), 8);
		out[i] = (uint32_t)((w >> (bit & 7)) & mask);
	}
}

bool bitpack_simd;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/*
 * With AVX2, widths up to 24 bits go eight values at a time: eight values
 * take exactly b bytes; the first four are within 16 bytes of the group's
 * start and the last four within 16 bytes of byte 4b/8, so two 16-byte
 * loads, a byte shuffle into 32-bit lanes (4 bytes from each value's first
 * byte), a shift by each value's first bit and a mask give them.
 */
#define SIMD_MAX_BITS 24
static uint8_t simd_shuffle[SIMD_MAX_BITS + 1][32];
static uint32_t simd_shift[SIMD_MAX_BITS + 1][8];

__attribute__((constructor)) static void simd_init(void)
{
	__builtin_cpu_init();
	bitpack_simd = __builtin_cpu_supports("avx2");
	for (uint32_t b = 1; b <= SIMD_MAX_BITS; b++) {
		uint32_t hi = (4 * b) >> 3;
		for (uint32_t k = 0; k < 8; k++) {
			uint32_t bit = k * b, first = (bit >> 3) - (k < 4 ? 0 : hi);
			simd_shift[b][k] = bit & 7;
			for (uint32_t i = 0; i < 4; i++)
				simd_shuffle[b][k * 4 + i] = (uint8_t)(first + i);
		}
	}
}

/* Values [0, n) at width b; `avail` bytes from in may be read. Returns how
 * many it decoded (whole groups of eight); the caller does the rest. With
 * sum, the running sums from *base instead (*base: the last of them). */
__attribute__((target("avx2"))) static uint32_t decode_avx2(const uint8_t *in, uint32_t n, uint32_t b, size_t avail,
							       bool sum, uint32_t *base, uint32_t *out)
{
	__m256i carry = _mm256_set1_epi32((int)*base);
	const __m256i last = _mm256_set1_epi32(7), third = _mm256_set1_epi32(3);
	const __m256i shuffle = _mm256_loadu_si256((const __m256i *)(const void *)simd_shuffle[b]);
	const __m256i shift = _mm256_loadu_si256((const __m256i *)(const void *)simd_shift[b]);
	const __m256i mask = _mm256_set1_epi32((int)((1u << b) - 1));
	size_t hi = (4 * b) >> 3;
	uint32_t g = 0;
	for (; (g + 1) * 8 <= n && (size_t)g * b + hi + 16 <= avail; g++) {
		const uint8_t *p = in + (size_t)g * b;
		__m128i lo = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i up = _mm_loadu_si128((const __m128i *)(const void *)(p + hi));
		__m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), up, 1);
		v = _mm256_shuffle_epi8(v, shuffle);
		v = _mm256_and_si256(_mm256_srlv_epi32(v, shift), mask);
		if (sum) { /* within each half, then the first half's total to the second */
			v = _mm256_add_epi32(v, _mm256_slli_si256(v, 4));
			v = _mm256_add_epi32(v, _mm256_slli_si256(v, 8));
			__m256i low = _mm256_permutevar8x32_epi32(v, third);
			v = _mm256_add_epi32(v, _mm256_blend_epi32(_mm256_setzero_si256(), low, 0xF0));
			v = _mm256_add_epi32(v, carry);
			carry = _mm256_permutevar8x32_epi32(v, last);
		}
		_mm256_storeu_si256((__m256i *)(void *)(out + g * 8), v);
	}
	*base = (uint32_t)_mm256_cvtsi256_si32(carry);
	return g * 8;
}
#endif

static const uint8_t *decode(const uint8_t *in, uint32_t n, bool sum, uint32_t base, uint32_t *out)
{
	uint32_t b = *in++, i = 0;
	size_t bytes = ((size_t)n * b + 7) / 8;
	if (!b) {
		for (uint32_t k = 0; k < n; k++)
			out[k] = sum ? base : 0;
		return in;
	}
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	/* a block's n impact bytes follow its values: they may be read */
	if (bitpack_simd && b <= SIMD_MAX_BITS)
		i = decode_avx2(in, n, b, bytes + n, sum, &base, out);
#endif
	decode_plain(in, i, n, b, out);
	if (sum)
		for (; i < n; i++)
			out[i] = base += out[i];
	return in + bytes;
}

const uint8_t *bitpack_decode(const uint8_t *in, uint32_t n, uint32_t *out)
{
	return decode(in, n, false, 0, out);
}

const uint8_t *bitpack_decode_sum(const uint8_t *in, uint32_t n, uint32_t base, uint32_t *out)
{
	return decode(in, n, true, base, out);
}
