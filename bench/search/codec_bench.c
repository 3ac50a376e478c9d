/*
 * codec_bench.c - posting-list codecs on the real gaps of an index:
 * LEB128 varints (paperboy's first format), Debian's libstreamvbyte (built
 * without SIMD there) and per-block bit-packing (the format since), by
 * decode speed (integers/s) and size (bits per gap). Blocks of 128.
 *
 * usage: pb-bench-codec INDEX_FILE
 */
#include "../../src/search/search_int.h"
#include <streamvbyte.h>

static size_t varint_decode(const uint8_t *p, uint32_t n, uint32_t *out)
{
	const uint8_t *s = p;
	for (uint32_t j = 0; j < n; j++) {
		uint32_t v = 0;
		int shift = 0;
		while (*p & 0x80) {
			v |= (uint32_t)(*p++ & 0x7f) << shift;
			shift += 7;
		}
		v |= (uint32_t)*p++ << shift;
		out[j] = v;
	}
	return (size_t)(p - s);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pb-bench-codec INDEX_FILE\n");
		return 2;
	}
	struct search_index *ix;
	struct buf err = BUF_INIT;
	if (search_open(argv[1], &ix, &err))
		die("%s", err.s);
	const struct segment *sg = ix->seg[0];
	/* collect every block's gaps (up to 40M) */
	size_t cap = (size_t)40 << 20, n = 0, nblocks = 0;
	uint32_t *gaps = xmalloc(cap * sizeof(uint32_t));
	uint32_t *bcount = xmalloc((cap / 16 + 1) * sizeof(uint32_t));
	for (uint64_t t = 0; t < sg->h->nterms && n + IDX_BLOCK <= cap; t++) {
		const struct idx_term *it = &sg->terms[t];
		const struct idx_block *bl = (const void *)(sg->postings + it->post_off);
		const uint8_t *payload = sg->postings + it->post_off + (uint64_t)it->nblocks * sizeof(*bl);
		for (uint32_t b = 0; b < it->nblocks && n + IDX_BLOCK <= cap; b++) {
			bitpack_decode(payload + bl[b].byte_off, bl[b].count, gaps + n);
			bcount[nblocks++] = bl[b].count;
			n += bl[b].count;
		}
	}
	uint8_t *sv = xmalloc(n * 5 + nblocks * 40), *bp = xmalloc(n * 5 + nblocks * 2), *vi = xmalloc(n * 5);
	size_t sv_bytes = 0, bp_bytes = 0, vi_bytes = 0, o = 0;
	for (size_t b = 0, at = 0; b < nblocks; at += bcount[b], b++) {
		sv_bytes += streamvbyte_encode(gaps + at, bcount[b], sv + sv_bytes);
		struct buf packed = BUF_INIT;
		bitpack_encode(gaps + at, bcount[b], &packed);
		memcpy(bp + bp_bytes, packed.s, packed.len);
		bp_bytes += packed.len;
		buf_release(&packed);
		for (uint32_t j = 0; j < bcount[b]; j++) {
			uint32_t v = gaps[at + j];
			while (v >= 0x80) {
				vi[vi_bytes++] = (uint8_t)(v | 0x80);
				v >>= 7;
			}
			vi[vi_bytes++] = (uint8_t)v;
		}
	}
	(void)o;
	uint32_t out[IDX_BLOCK];
	uint64_t check[3] = { 0 };
	double t[3];
	for (int c = 0; c < 3; c++) {
		double t0 = mono_seconds();
		const uint8_t *p = c == 0 ? vi : c == 1 ? sv : bp;
		for (int rep = 0; rep < 3; rep++) {
			size_t off = 0;
			for (size_t b = 0; b < nblocks; b++) {
				if (c == 0)
					off += varint_decode(p + off, bcount[b], out);
				else if (c == 1)
					off += streamvbyte_decode(p + off, out, bcount[b]);
				else
					off += (size_t)(bitpack_decode(p + off, bcount[b], out) - (p + off));
				check[c] += out[0] + out[bcount[b] - 1];
			}
		}
		t[c] = (mono_seconds() - t0) / 3;
	}
	printf("%zu gaps in %zu blocks from %s\n", n, nblocks, argv[1]);
	const char *names[] = { "varint (LEB128)", "streamvbyte (Debian)", "bit-packing (paperboy's)" };
	size_t bytes[] = { vi_bytes, sv_bytes, bp_bytes };
	for (int c = 0; c < 3; c++)
		printf("%-22s %7.1f M ints/s  %5.2f bits/gap  (%.2fx varint's speed)\n", names[c], n / t[c] / 1e6,
		       8.0 * bytes[c] / n, t[0] / t[c]);
	printf("checksums %s\n", check[0] == check[1] && check[1] == check[2] ? "agree" : "DIFFER");
	search_close(ix);
	return 0;
}
