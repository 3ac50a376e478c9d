/*
 * gen_snapshot.c - writes N synthetic arXiv metadata snapshot records
 * (the Kaggle JSON-lines format, all 14 fields) to stdout, for the ingest
 * benchmark. Realistic shapes: a Zipfian vocabulary, 6-16-word titles,
 * 150-250-word abstracts with arXiv's hard line wraps, 1-20 authors,
 * 1-4 categories, 1-4 versions. Deterministic for a given seed.
 *
 * With VOCAB (lines "word count", e.g. counted from real abstracts), nine
 * words in ten are drawn from it by their real frequencies and the rest
 * from the synthetic Zipfian tail, so that real queries meet real
 * posting lists.
 *
 * usage: pb-gen-snapshot N [SEED [VOCAB]] > file.jsonl
 */
#include "../../src/util/util.h"
#include <math.h>

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

#define VOCAB 50000
static char *vocab[VOCAB];
static double zipf_cdf[VOCAB];

static void make_vocab(void)
{
	static const char *syl[] = { "ta", "ro", "mi", "ne", "sa", "ko", "li", "ver", "tion", "al", "ing",
				     "mo", "del", "net", "work", "gra", "dient", "lear", "ning", "qua", "tum",
				     "de", "pro", "con", "ex", "ma", "trix", "op", "ti", "mal", "sys", "tem" };
	for (int i = 0; i < VOCAB; i++) {
		struct buf b = BUF_INIT;
		int n = 1 + (int)below(3);
		for (int k = 0; k < n; k++)
			buf_adds(&b, syl[below(ARRAY_SIZE(syl))]);
		buf_addf(&b, "%s", i % 7 == 0 ? "s" : "");
		vocab[i] = buf_detach(&b);
	}
	double sum = 0;
	for (int i = 0; i < VOCAB; i++)
		sum += 1.0 / pow(i + 1, 1.07);
	double acc = 0;
	for (int i = 0; i < VOCAB; i++) {
		acc += 1.0 / pow(i + 1, 1.07) / sum;
		zipf_cdf[i] = acc;
	}
}

static char **real_words;
static double *real_cdf;
static size_t nreal;

static void load_vocab(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(1);
	}
	char w[128];
	double c, acc = 0;
	size_t cap = 0;
	while (fscanf(f, "%127s %lf", w, &c) == 2) {
		if (nreal == cap) {
			cap = cap ? cap * 2 : 4096;
			real_words = xrealloc(real_words, cap * sizeof(*real_words));
			real_cdf = xrealloc(real_cdf, cap * sizeof(*real_cdf));
		}
		acc += c;
		real_words[nreal] = xstrdup(w);
		real_cdf[nreal++] = acc;
	}
	fclose(f);
	for (size_t i = 0; i < nreal; i++)
		real_cdf[i] /= acc;
}

static const char *word(void)
{
	if (nreal && below(10)) {
		double u = (double)(rnd() >> 11) / 9007199254740992.0;
		size_t lo = 0, hi = nreal - 1;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (real_cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		return real_words[lo];
	}
	double u = (double)(rnd() >> 11) / 9007199254740992.0;
	int lo = 0, hi = VOCAB - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return vocab[lo];
}

static const char *first_names[] = { "Wei", "Maria", "John", "Yuki", "Ahmed", "Olga", "Luca", "Priya",
				     "Chen", "Anna", "David", "Sofia", "Kenji", "Fatima", "Pierre", "Elena" };
static const char *last_names[] = { "Zhang", "Garcia", "Smith", "Tanaka", "Hassan", "Ivanova", "Rossi",
				    "Patel", "Li", "M\u00fcller", "Cohen", "Silva", "Sato", "Khan", "Dubois",
				    "Petrov", "Wang", "Kim", "Nguyen", "Schmidt" };
static const char *cats[] = { "cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "math.OC", "hep-th",
			      "hep-ph", "quant-ph", "cond-mat.str-el", "astro-ph.GA", "math.PR", "physics.optics",
			      "cs.RO", "eess.IV", "q-bio.NC" };
static const char *days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

int main(int argc, char **argv)
{
	long n, seed = 1;
	if (argc < 2 || parse_int(argv[1], 1, 100000000, &n) || (argc > 2 && parse_int(argv[2], 1, 1L << 30, &seed))) {
		fprintf(stderr, "usage: pb-gen-snapshot N [SEED [VOCAB]]\n");
		return 2;
	}
	rng_state ^= (uint64_t)seed * 0x9E3779B97F4A7C15ULL;
	make_vocab();
	if (argc > 3)
		load_vocab(argv[3]);
	struct buf out = BUF_INIT, text = BUF_INIT, authors = BUF_INIT, parsed = BUF_INIT;
	for (long i = 0; i < n; i++) {
		int yy = 7 + (int)(i / 1200000) % 19, mm = 1 + (int)(i / 100000) % 12;
		buf_reset(&out);
		buf_addf(&out, "{\"id\":\"%02d%02d.%05ld\",\"submitter\":\"%s %s\",", yy, mm, i % 100000,
			 first_names[below(ARRAY_SIZE(first_names))], last_names[below(ARRAY_SIZE(last_names))]);
		/* authors: 1-20, mostly few */
		int na = 1 + (int)(below(100) < 70 ? below(5) : below(20));
		buf_reset(&authors);
		buf_reset(&parsed);
		for (int k = 0; k < na; k++) {
			const char *f = first_names[below(ARRAY_SIZE(first_names))];
			const char *l = last_names[below(ARRAY_SIZE(last_names))];
			buf_addf(&authors, "%s%s %s", k ? (k == na - 1 ? " and " : ", ") : "", f, l);
			buf_addf(&parsed, "%s[\"%s\",\"%s\",\"\"]", k ? "," : "", l, f);
		}
		buf_adds(&out, "\"authors\":");
		buf_add_json_str(&out, authors.s, authors.len);
		/* title */
		buf_reset(&text);
		int nt = 6 + (int)below(11);
		for (int k = 0; k < nt; k++)
			buf_addf(&text, "%s%s", k ? (k == 8 ? "\n  " : " ") : "", word());
		text.s[0] = (char)(text.s[0] - 32 * (text.s[0] >= 'a' && text.s[0] <= 'z'));
		buf_adds(&out, ",\"title\":");
		buf_add_json_str(&out, text.s, text.len);
		buf_addf(&out, ",\"comments\":\"%u pages, %u figures\",\"journal-ref\":%s,\"doi\":%s,\"report-no\":null,",
			 5 + below(40), below(12), below(4) ? "null" : "\"Phys.Rev.D76:013009,2007\"",
			 below(3) ? "null" : "\"10.1103/PhysRevD.76.013009\"");
		int nc = 1 + (int)below(3);
		buf_adds(&out, "\"categories\":\"");
		for (int k = 0; k < nc; k++)
			buf_addf(&out, "%s%s", k ? " " : "", cats[below(ARRAY_SIZE(cats))]);
		buf_adds(&out, "\",\"license\":\"http://arxiv.org/licenses/nonexclusive-distrib/1.0/\",");
		/* abstract: 150-250 words, wrapped at ~80 columns */
		buf_reset(&text);
		buf_adds(&text, "  ");
		int nw = 150 + (int)below(101), col = 2;
		for (int k = 0; k < nw; k++) {
			const char *w = word();
			int l = (int)strlen(w);
			if (col + l + 1 > 80) {
				buf_addc(&text, '\n');
				col = 0;
			} else if (k) {
				buf_addc(&text, ' ');
				col++;
			}
			buf_adds(&text, w);
			col += l;
			if (below(14) == 0) {
				buf_addc(&text, '.');
				col++;
			}
		}
		if (below(10) == 0)
			buf_adds(&text, " Code: https://github.com/lab/project.");
		buf_addc(&text, '\n');
		buf_adds(&out, "\"abstract\":");
		buf_add_json_str(&out, text.s, text.len);
		int nv = 1 + (int)(below(100) < 60 ? 0 : below(4));
		buf_adds(&out, ",\"versions\":[");
		for (int k = 0; k < nv; k++)
			buf_addf(&out, "%s{\"version\":\"v%d\",\"created\":\"%s, %u %s 20%02d %02u:%02u:%02u GMT\"}",
				 k ? "," : "", k + 1, days[below(7)], 1 + below(28), months[mm - 1], yy + (k > 1),
				 below(24), below(60), below(60));
		buf_addf(&out, "],\"update_date\":\"20%02d-%02d-%02u\",\"authors_parsed\":[%s]}\n", yy, mm,
			 1 + below(28), parsed.s);
		fwrite(out.s, 1, out.len, stdout);
	}
	buf_release(&out);
	buf_release(&text);
	buf_release(&authors);
	buf_release(&parsed);
	for (int i = 0; i < VOCAB; i++)
		free(vocab[i]);
	for (size_t i = 0; i < nreal; i++)
		free(real_words[i]);
	free(real_words);
	free(real_cdf);
	return 0;
}
