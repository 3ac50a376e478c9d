/*
 * relevance.c - ranking quality on any BEIR-layout dataset: corpus.jsonl
 * ({"_id","title","text"}), queries.jsonl ({"_id","text"}) and
 * qrels/NAME.tsv (query-id, corpus-id, score). The corpus is loaded into a
 * temporary store, indexed, and every judged query is run; prints nDCG@10
 * and Recall@100 for each mode.
 *
 * usage: pb-bench-relevance DATASET_DIR
 */
#include "../../src/search/search.h"
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <unistd.h>

struct qrel {
	char *qid, *did;
	int score;
};

/* The corpus in memory, sorted by id: the cursor's text source, as the
 * server's reads the store. */
struct doc {
	char *id, *title, *abstract;
};
struct corpus {
	struct doc *v;
	size_t n, cap;
};

static int cmp_doc(const void *a, const void *b)
{
	return strcmp(((const struct doc *)a)->id, ((const struct doc *)b)->id);
}

static int corpus_text(void *ctx, const char *id, struct buf *title, struct buf *abstract)
{
	const struct corpus *c = ctx;
	struct doc key = { (char *)id, NULL, NULL };
	const struct doc *d = bsearch(&key, c->v, c->n, sizeof(*c->v), cmp_doc);
	if (!d)
		return -1;
	buf_adds(title, d->title);
	buf_adds(abstract, d->abstract);
	return 0;
}

/* The calling thread's CPU time, in seconds (the machine is shared: CPU
 * time, not the clock, measures a query's cost). */
static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_qrel(const void *a, const void *b)
{
	const struct qrel *x = a, *y = b;
	int c = strcmp(x->qid, y->qid);
	return c ? c : strcmp(x->did, y->did);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pb-bench-relevance DATASET_DIR\n");
		return 2;
	}
	const char *ds = argv[1];
	char tmpdir[] = "/tmp/pb-relevance-XXXXXX";
	if (!mkdtemp(tmpdir))
		die("mkdtemp: %s", strerror(errno));
	struct buf path = BUF_INIT, err = BUF_INIT, ixp = BUF_INIT;
	buf_addf(&path, "%s/r.db", tmpdir);
	struct store *s;
	if (store_open(path.s, STORE_CREATE, &s, &err))
		die("%s", err.s);

	/* corpus */
	buf_setf(&path, "%s/corpus.jsonl", ds);
	FILE *f = fopen(path.s, "r");
	if (!f)
		die("%s: %s", path.s, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	struct paper batch[500];
	enum upsert_result res[500];
	size_t nb = 0, ndocs = 0;
	struct corpus corpus = { NULL, 0, 0 };
	double t0 = mono_seconds();
	store_begin(s, &err);
	while (getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		const char *id = json_string_value(json_object_get(o, "_id"));
		if (!o || !id || strlen(id) >= PAPER_ID_MAX) {
			json_decref(o);
			continue;
		}
		struct paper *p = &batch[nb++];
		paper_init(p);
		snprintf(p->id, sizeof(p->id), "%s", id);
		const char *title = json_string_value(json_object_get(o, "title"));
		const char *text = json_string_value(json_object_get(o, "text"));
		p->title = xstrdup(title ? title : "");
		p->abstract = xstrdup(text ? text : "");
		p->sources = SRC_ARXIV_SNAP;
		if (corpus.n == corpus.cap) {
			corpus.cap = corpus.cap ? corpus.cap * 2 : 4096;
			corpus.v = xrealloc(corpus.v, corpus.cap * sizeof(*corpus.v));
		}
		corpus.v[corpus.n++] = (struct doc){ xstrdup(p->id), xstrdup(p->title), xstrdup(p->abstract) };
		json_decref(o);
		ndocs++;
		if (nb == 500) {
			if (store_upsert_batch(s, batch, nb, res, &err))
				die("%s", err.s);
			for (size_t i = 0; i < nb; i++)
				paper_release(&batch[i]);
			nb = 0;
		}
	}
	if (nb && store_upsert_batch(s, batch, nb, res, &err))
		die("%s", err.s);
	for (size_t i = 0; i < nb; i++)
		paper_release(&batch[i]);
	store_commit(s, &err);
	fclose(f);
	buf_setf(&ixp, "%s/r.db.search", tmpdir);
	if (search_index_build(s, ixp.s, &err))
		die("%s", err.s);
	struct search_index *ix;
	if (search_open(ixp.s, &ix, &err))
		die("%s", err.s);
	qsort(corpus.v, corpus.n, sizeof(*corpus.v), cmp_doc);
	struct search_cursor *cur = search_cursor_new(corpus_text, &corpus);
	double t_index = mono_seconds() - t0;

	/* qrels */
	struct qrel *qr = NULL;
	size_t nq = 0, qcap = 0;
	buf_setf(&path, "%s/qrels", ds);
	DIR *d = opendir(path.s);
	if (!d)
		die("%s: %s", path.s, strerror(errno));
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".tsv"))
			continue;
		struct buf qp = BUF_INIT;
		buf_addf(&qp, "%s/%s", path.s, e->d_name);
		FILE *qf = fopen(qp.s, "r");
		buf_release(&qp);
		while (qf && getline(&line, &cap, qf) > 0) {
			char *q = line;
			char *tab1 = strchr(q, '\t');
			if (!tab1)
				continue;
			*tab1 = '\0';
			char *doc = tab1 + 1, *tab2 = strchr(doc, '\t');
			if (!tab2)
				continue;
			*tab2 = '\0';
			long sc;
			char *end = tab2 + 1;
			end[strcspn(end, "\r\n")] = '\0';
			if (parse_int(end, 0, 100, &sc) || !strcmp(q, "query-id"))
				continue;
			if (nq == qcap) {
				qcap = qcap ? qcap * 2 : 1024;
				qr = xrealloc(qr, qcap * sizeof(*qr));
			}
			qr[nq].qid = xstrdup(q);
			qr[nq].did = xstrdup(doc);
			qr[nq].score = (int)sc;
			nq++;
		}
		if (qf)
			fclose(qf);
	}
	closedir(d);
	qsort(qr, nq, sizeof(*qr), cmp_qrel);

	/* queries */
	buf_setf(&path, "%s/queries.jsonl", ds);
	f = fopen(path.s, "r");
	if (!f)
		die("%s: %s", path.s, strerror(errno));
	static const struct { const char *name; enum search_mode mode; } modes[] = {
		{ "bm25", SEARCH_BM25 }, { "semantic", SEARCH_SEMANTIC }, { "hybrid", SEARCH_HYBRID } };
	double ndcg_m[3] = { 0 }, recall_m[3] = { 0 }, qtime_m[3] = { 0 };
	/* PB_RELEVANCE_RUNS=DIR writes each mode's ranking as a TREC run file
	 * (DIR/MODE.run: qid Q0 docid rank score paperboy) for study */
	const char *runs = getenv("PB_RELEVANCE_RUNS");
	size_t judged = 0, failed_m[3] = { 0 };
	for (int mi = 0; mi < 3; mi++) {
	rewind(f);
	judged = 0;
	FILE *run = NULL;
	if (runs) {
		struct buf rp = BUF_INIT;
		buf_addf(&rp, "%s/%s.run", runs, modes[mi].name);
		run = fopen(rp.s, "w");
		buf_release(&rp);
	}
	struct search_hit hits[100];
	while (getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		const char *qid = json_string_value(json_object_get(o, "_id"));
		const char *text = json_string_value(json_object_get(o, "text"));
		if (!qid || !text) {
			json_decref(o);
			continue;
		}
		/* its judgements */
		size_t lo = 0, hi = nq;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(qr[mid].qid, qid) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		size_t first = lo, last = lo;
		while (last < nq && !strcmp(qr[last].qid, qid))
			last++;
		if (first == last) {
			json_decref(o);
			continue;
		}
		judged++;
		size_t n = 100;
		long depth_env;
		if (getenv("PB_REL_DEPTH") && !parse_int(getenv("PB_REL_DEPTH"), 1, 100, &depth_env))
			n = (size_t)depth_env;
		double q0 = thread_cpu();
		if (search_query(ix, cur, text, modes[mi].mode, hits, &n, &err)) {
			failed_m[mi]++;
			n = 0;
		}
		qtime_m[mi] += thread_cpu() - q0;
		for (size_t i = 0; run && i < n; i++)
			fprintf(run, "%s Q0 %s %zu %.6f paperboy\n", qid, hits[i].id, i + 1, hits[i].score);
		double dcg = 0, idcg = 0;
		size_t rel_total = 0, rel_found = 0;
		int ideal[256];
		size_t ni = 0;
		for (size_t k = first; k < last; k++)
			if (qr[k].score > 0) {
				rel_total++;
				if (ni < 256)
					ideal[ni++] = qr[k].score;
			}
		for (size_t i = 0; i < ni; i++)
			for (size_t j = i + 1; j < ni; j++)
				if (ideal[j] > ideal[i]) {
					int t = ideal[i];
					ideal[i] = ideal[j];
					ideal[j] = t;
				}
		for (size_t i = 0; i < ni && i < 10; i++)
			idcg += (pow(2, ideal[i]) - 1) / log2((double)i + 2);
		for (size_t i = 0; i < n; i++) {
			int rel = 0;
			for (size_t k = first; k < last; k++)
				if (!strcmp(qr[k].did, hits[i].id))
					rel = qr[k].score;
			if (rel > 0) {
				if (i < 10)
					dcg += (pow(2, rel) - 1) / log2((double)i + 2);
				rel_found++;
			}
		}
		ndcg_m[mi] += idcg > 0 ? dcg / idcg : 0;
		recall_m[mi] += rel_total ? (double)rel_found / (double)rel_total : 0;
		json_decref(o);
	}
	if (run)
		fclose(run);
	}
	fclose(f);
	printf("dataset %s: %zu documents, %zu judged queries, index built in %.2f s\n", ds, ndocs, judged, t_index);
	for (int mi = 0; mi < 3; mi++) {
		if (failed_m[mi] == judged && judged) {
			printf("%-8s unavailable (%s)\n", modes[mi].name, err.s);
			continue;
		}
		printf("%-8s nDCG@10 %.4f  Recall@100 %.4f  (%.3f ms CPU/query, %zu refused)\n", modes[mi].name,
		       ndcg_m[mi] / (double)judged, recall_m[mi] / (double)judged, qtime_m[mi] / (double)judged * 1000,
		       failed_m[mi]);
	}
	printf("reference: Xapian BM25 (k1 0.9, b 0.4, English stemming) scores nDCG@10 0.685 on scifact-train\n");
	search_close(ix);
	store_close(s);
	struct buf cmd = BUF_INIT;
	buf_addf(&cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd.s))
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	buf_release(&cmd);
	free(line);
	for (size_t i = 0; i < nq; i++) {
		free(qr[i].qid);
		free(qr[i].did);
	}
	free(qr);
	for (size_t i = 0; i < corpus.n; i++) {
		free(corpus.v[i].id);
		free(corpus.v[i].title);
		free(corpus.v[i].abstract);
	}
	free(corpus.v);
	search_cursor_free(cur);
	buf_release(&path);
	buf_release(&ixp);
	buf_release(&err);
	return 0;
}
