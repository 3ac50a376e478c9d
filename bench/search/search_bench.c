/*
 * search_bench.c - query speed of paperboy's index, and of SQLite FTS5
 * (bm25(), porter tokenizer) on the same papers and queries.
 *
 * usage: pb-bench-search paperboy DB QUERIES PASSES
 *        pb-bench-search fts5 DB QUERIES MAXQUERIES
 * Prints "key=value" lines: build/index facts, p50_ms, p99_ms, qps.
 */
#include "../../src/search/search.h"
#include <errno.h>
#include <sqlite3.h>
#include <sys/resource.h>

static char **load_queries(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	char *line = NULL, **q = NULL;
	size_t cap = 0, qc = 0;
	ssize_t len;
	*n = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		if (*n == qc) {
			qc = qc ? qc * 2 : 1024;
			q = xrealloc(q, qc * sizeof(*q));
		}
		q[(*n)++] = xstrdup(line);
	}
	free(line);
	fclose(f);
	return q;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(double *lat, size_t n, double total)
{
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("queries=%zu\np50_ms=%.4f\np99_ms=%.4f\nqps=%.0f\n", n, lat[n / 2] * 1e3,
	       lat[(size_t)((double)n * 0.99)] * 1e3, (double)n / total);
}


static int run_paperboy(const char *db, char **q, size_t nq, long passes)
{
	struct buf path = BUF_INIT, err = BUF_INIT;
	search_index_path(db, &path);
	struct search_index *ix;
	if (search_open(path.s, &ix, &err))
		die("%s", err.s);
	/* PB_BENCH_TEXT=1: the cursor reads papers back from the store, as
	 * the server's does (phrases, words-only proximity) */
	struct store *s = NULL;
	const char *text = getenv("PB_BENCH_TEXT");
	if (text && *text == '1' && store_open(db, STORE_READONLY, &s, &err))
		die("%s", err.s);
	struct search_cursor *cur = search_cursor_new(s ? search_store_text : NULL, s);
	struct search_index_stats st;
	search_index_stats(ix, &st);
	printf("index_bytes=%llu\npostings=%llu\nterms=%llu\n", (unsigned long long)st.file_bytes,
	       (unsigned long long)st.postings, (unsigned long long)st.terms);
	struct search_hit hits[10];
	static const struct { const char *name; enum search_mode mode; } modes[] = {
		{ "", SEARCH_BM25 }, { "hybrid_", SEARCH_HYBRID }, { "semantic_", SEARCH_SEMANTIC } };
	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		long np = passes;
		size_t total = nq * (size_t)np, k = 0, empty = 0;
		double *lat = xmalloc(total * sizeof(*lat)), t0 = mono_seconds();
		for (long p = 0; p < np; p++)
			for (size_t i = 0; i < nq; i++) {
				size_t n = 10;
				double a = mono_seconds();
				if (search_query(ix, cur, q[i], modes[m].mode, hits, &n, &err))
					n = 0;
				lat[k++] = mono_seconds() - a;
				empty += n == 0;
			}
		double el = mono_seconds() - t0;
		/* PB_BENCH_SLOW=N: the N slowest queries of the last pass (diagnosis;
		 * the first runs on a cold cache) */
		const char *slow = getenv("PB_BENCH_SLOW");
		if (slow && !m) {
			long want = strtol(slow, NULL, 10);
			double *last = xmalloc(nq * sizeof(*last));
			memcpy(last, lat + (size_t)(np - 1) * nq, nq * sizeof(*last));
			for (long w = 0; w < want; w++) {
				size_t worst = 0;
				for (size_t i = 1; i < nq; i++)
					if (last[i] > last[worst])
						worst = i;
				fprintf(stderr, "slow %.2f ms  %s\n", last[worst] * 1e3, q[worst]);
				last[worst] = -1;
			}
			free(last);
		}
		qsort(lat, k, sizeof(*lat), cmp_double);
		printf("%sp50_ms=%.4f\n%sp99_ms=%.4f\n%sqps=%.0f\n", modes[m].name, lat[k / 2] * 1e3, modes[m].name,
		       lat[(size_t)((double)k * 0.99)] * 1e3, modes[m].name, (double)k / el);
		if (!m)
			printf("empty_results=%zu\n", empty / (size_t)np);
		free(lat);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak_rss_mb=%.0f\n", ru.ru_maxrss / 1024.0);
	search_cursor_free(cur);
	search_close(ix);
	store_close(s);
	buf_release(&path);
	buf_release(&err);
	return 0;
}

/* "w1 w2" -> "\"w1\" OR \"w2\"" with quotes doubled inside words. */
static void fts_query(const char *q, struct buf *out)
{
	buf_reset(out);
	const char *p = q;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && *p != ' ')
			p++;
		if (out->len)
			buf_adds(out, " OR ");
		buf_addc(out, '"');
		for (const char *c = s; c < p; c++) {
			if (*c == '"')
				buf_addc(out, '"');
			buf_addc(out, *c);
		}
		buf_addc(out, '"');
	}
}

static int run_fts5(const char *db, char **q, size_t nq, long maxq)
{
	struct buf fts = BUF_INIT, sql = BUF_INIT, fq = BUF_INIT;
	buf_addf(&fts, "%s.fts5", db);
	remove(fts.s);
	sqlite3 *h;
	if (sqlite3_open(fts.s, &h) != SQLITE_OK)
		die("cannot open %s", fts.s);
	double t0 = mono_seconds();
	buf_addf(&sql,
		 "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; ATTACH '%s' AS src;"
		 "CREATE VIRTUAL TABLE fts USING fts5(title, abstract, authors, tokenize='porter unicode61');"
		 "BEGIN; INSERT INTO fts(rowid, title, abstract, authors) SELECT docid, title, abstract, authors FROM src.papers; COMMIT;",
		 db);
	char *msg = NULL;
	if (sqlite3_exec(h, sql.s, NULL, NULL, &msg) != SQLITE_OK)
		die("fts5: %s", msg);
	printf("build_s=%.2f\n", mono_seconds() - t0);
	sqlite3_exec(h, "DETACH src", NULL, NULL, NULL);
	sqlite3_int64 pages = 0, psize = 0;
	sqlite3_stmt *st;
	sqlite3_prepare_v2(h, "PRAGMA page_count", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		pages = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(h, "PRAGMA page_size", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		psize = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	printf("index_bytes=%lld\n", (long long)(pages * psize));
	if (sqlite3_prepare_v2(h, "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY bm25(fts) LIMIT 10", -1, &st,
			       NULL) != SQLITE_OK)
		die("fts5: %s", sqlite3_errmsg(h));
	size_t n = nq < (size_t)maxq ? nq : (size_t)maxq;
	double *lat = xmalloc(n * sizeof(*lat));
	t0 = mono_seconds();
	for (size_t i = 0; i < n; i++) {
		fts_query(q[i], &fq);
		double a = mono_seconds();
		sqlite3_bind_text(st, 1, fq.s, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW)
			;
		sqlite3_reset(st);
		lat[i] = mono_seconds() - a;
	}
	report(lat, n, mono_seconds() - t0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	remove(fts.s);
	free(lat);
	buf_release(&fts);
	buf_release(&sql);
	buf_release(&fq);
	return 0;
}

int main(int argc, char **argv)
{
	long v;
	if (argc != 5 || parse_int(argv[4], 1, 1000000, &v)) {
		fprintf(stderr, "usage: pb-bench-search paperboy|fts5 DB QUERIES PASSES|MAXQUERIES\n");
		return 2;
	}
	size_t nq;
	char **q = load_queries(argv[3], &nq);
	int rc = !strcmp(argv[1], "fts5") ? run_fts5(argv[2], q, nq, v) : run_paperboy(argv[2], q, nq, v);
	for (size_t i = 0; i < nq; i++)
		free(q[i]);
	free(q);
	return rc;
}
