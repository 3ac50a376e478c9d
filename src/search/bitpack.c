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
	buf_addc(out, (char)b);
	uint64_t acc = 0;
	uint32_t have = 0;
	for (uint32_t i = 0; i < n; i++) {
		acc |= (uint64_t)in[i] << have;
		have += b;
		while (have >= 8) {
			buf_addc(out, (char)(uint8_t)acc);
			acc >>= 8;
			have -= 8;
		}
	}
	if (have)
		buf_addc(out, (char)(uint8_t)acc);
}

const uint8_t *bitpack_decode(const uint8_t *in, uint32_t n, uint32_t *out)
{
	uint32_t b = *in++;
	if (!b) {
		memset(out, 0, n * sizeof(*out));
		return in;
	}
	/* each value from one unaligned 8-byte load: no branch per value (the
	 * index leaves 8 bytes after the postings, so the last load stays in) */
	uint64_t mask = (1ull << b) - 1;
	size_t bit = 0;
	for (uint32_t i = 0; i < n; i++, bit += b) {
		uint64_t w;
		memcpy(&w, in + (bit >> 3), 8);
		out[i] = (uint32_t)((w >> (bit & 7)) & mask);
	}
	return in + ((size_t)n * b + 7) / 8;
}
