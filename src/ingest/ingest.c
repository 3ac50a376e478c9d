/*
 * ingest.c - the ingest driver: walks paths, detects formats, hands records
 * from the parsers to the store in batches, and keeps the tallies.
 *
 * Transactions: without --strict a batch of records is committed as soon
 * as it is full (so a crash loses at most the batch in flight, and a re-run
 * finishes the job, the upsert being idempotent). With --strict, a whole
 * file is one transaction, rolled back when any of its records is rejected.
 * A file-level failure (say, truncated XML) rolls back the uncommitted
 * batch; tallies count only what was committed.
 */
#include "ingest_int.h"
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <sys/stat.h>

#define DEFAULT_BATCH 2000
#define SHOWN_REJECTS_PER_FILE 5

static const char *const format_names[] = { "auto", "hf", "arxiv-atom", "arxiv-oai", "arxiv-jsonl" };

int ingest_format_parse(const char *name, enum ingest_format *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++)
		if (!strcmp(name, format_names[i])) {
			*out = (enum ingest_format)i;
			return 0;
		}
	return -1;
}

const char *ingest_format_name(enum ingest_format f)
{
	return format_names[f];
}

void ingest_doc_release(struct ingest_doc *d)
{
	free(d->resumption_token);
	free(d->error_text);
	memset(d, 0, sizeof(*d));
	d->complete_list_size = -1;
}

struct reason {
	char *text;
	uint64_t count;
};

/*
 * The writer: a thread that owns the store during an ingest. The parser
 * (the caller's thread) hands it full batches through a short queue, so
 * parsing and writing run on two cores at once. Each job is a batch to
 * upsert (committed at once unless the file is one transaction) or the end
 * of a file (commit or roll back what is open).
 */
enum job_kind { JOB_BATCH, JOB_COMMIT, JOB_ROLLBACK };

struct job {
	enum job_kind kind;
	struct paper *papers; /* owned by the job */
	size_t n;
	bool commit_after;
};

#define QUEUE_LEN 3

struct writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job q[QUEUE_LEN];
	size_t head, count;
	bool busy, quit, failed;
	bool no_thread; /* it could not be started: every batch fails */
	/* written by the writer thread, read by the parser only when idle */
	bool in_tx;
	struct ingest_totals pending;   /* of the open transaction */
	struct ingest_totals committed; /* not yet collected by the parser */
	enum upsert_result *results;
	struct buf err;
	struct store *store;
	pb_time seen_at; /* ingest_opts' (0: the clock) */
};

struct ingest {
	struct sink sink; /* first: parsers see only this */
	struct store *store;
	struct ingest_opts opts;
	struct ingest_totals t;
	/* the current file */
	const char *file;
	struct ingest_totals ft; /* records and rejects of the current file */
	uint64_t file_rejects;
	struct paper *batch;
	size_t nbatch;
	struct writer w;
	struct reason *reasons;
	size_t nreasons;
	struct progress prog;
	uint64_t bytes_before; /* bytes of files already done */
	struct source *src;
};

int detect_format(struct source *src, enum ingest_format *fmt, bool *recorded, struct buf *err)
{
	*recorded = false;
	const char *p = src->peek, *end = src->peek + src->peek_len;
	if (end - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	if (p == end) {
		buf_setf(err, "empty input");
		return -1;
	}
	size_t n = (size_t)(end - p);
	if (*p == '[') {
		*fmt = INGEST_HF;
		return 0;
	}
	if (*p == '<') {
		if (memmem(p, n, "http://www.w3.org/2005/Atom", 27) || memmem(p, n, "<feed", 5))
			*fmt = INGEST_ATOM;
		else if (memmem(p, n, "OAI-PMH", 7) || memmem(p, n, "<ListRecords", 12) ||
			 memmem(p, n, "<GetRecord", 10) || memmem(p, n, "<record", 7))
			*fmt = INGEST_OAI;
		else {
			buf_setf(err, "XML that is neither an arXiv API Atom feed nor an OAI-PMH response");
			return -1;
		}
		return 0;
	}
	if (*p == '{') {
		const char *nl = memchr(p, '\n', n);
		json_error_t je;
		json_t *first = json_loadb(p, nl ? (size_t)(nl - p) : n, 0, &je);
		if (!first) {
			/* A multi-line object: a recorded HTTP exchange, or the
			 * daily-papers wrapper {"status","data":[...]}. */
			if (memmem(p, n, "\"status_code\"", 13) && memmem(p, n, "\"body\"", 6)) {
				*recorded = true;
				*fmt = INGEST_ATOM;
			} else {
				*fmt = INGEST_HF;
			}
			return 0;
		}
		int rc = 0;
		if (json_object_get(first, "url") && json_object_get(first, "body") &&
		    json_object_get(first, "status_code")) {
			*recorded = true;
			*fmt = INGEST_ATOM;
		} else if (json_object_get(first, "paper")) {
			*fmt = INGEST_HF;
		} else if (json_object_get(first, "id") &&
			   (json_object_get(first, "abstract") || json_object_get(first, "versions"))) {
			*fmt = INGEST_JSONL;
		} else {
			buf_setf(err, "JSON that is neither Hugging Face daily papers nor arXiv snapshot lines");
			rc = -1;
		}
		json_decref(first);
		return rc;
	}
	buf_setf(err, "unrecognised content (expected JSON, JSON lines or XML)");
	return -1;
}

int parse_source(struct source *src, enum ingest_format fmt, struct sink *k, struct buf *err)
{
	bool recorded = false;
	source_peek(src, 65536);
	if (fmt == INGEST_AUTO && detect_format(src, &fmt, &recorded, err))
		return -1;
	if (fmt == INGEST_ATOM && src->peek_len && src->peek[0] == '{') {
		enum ingest_format f2;
		struct buf ignored = BUF_INIT;
		detect_format(src, &f2, &recorded, &ignored);
		buf_release(&ignored);
	}
	switch (fmt) {
	case INGEST_HF: return parse_hf(src, k, err);
	case INGEST_JSONL: return parse_jsonl(src, k, err);
	case INGEST_ATOM: return recorded ? parse_recorded(src, k, err) : parse_atom(src, k, err);
	case INGEST_OAI: return parse_oai(src, k, err);
	default: BUG("format %d", (int)fmt);
	}
}

/* ---- the sink ----------------------------------------------------------- */

static void count_reason(struct ingest *g, const char *field, const char *why)
{
	struct buf r = BUF_INIT;
	if (field && *field)
		buf_addf(&r, "field \"%s\": %s", field, why);
	else
		buf_adds(&r, why);
	for (size_t i = 0; i < g->nreasons; i++)
		if (!strcmp(g->reasons[i].text, r.s)) {
			g->reasons[i].count++;
			buf_release(&r);
			return;
		}
	g->reasons = xrealloc(g->reasons, (g->nreasons + 1) * sizeof(*g->reasons));
	g->reasons[g->nreasons].text = buf_detach(&r);
	g->reasons[g->nreasons].count = 1;
	g->nreasons++;
}

static void add_totals(struct ingest_totals *a, const struct ingest_totals *b)
{
	a->records += b->records;
	a->added += b->added;
	a->updated += b->updated;
	a->unchanged += b->unchanged;
	a->rejected += b->rejected;
	a->skipped += b->skipped;
}

static void free_papers(struct paper *papers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		paper_release(&papers[i]);
	free(papers);
}

static void tally(struct ingest_totals *t, const enum upsert_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (r[i] == UPSERT_NEW)
			t->added++;
		else if (r[i] == UPSERT_UPDATED)
			t->updated++;
		else
			t->unchanged++;
	}
}

/* Runs one job in the writer thread; returns false when the store failed. */
static bool run_job(struct writer *w, struct job *j)
{
	if (j->kind == JOB_ROLLBACK) {
		if (w->in_tx)
			store_rollback(w->store);
		w->in_tx = false;
		memset(&w->pending, 0, sizeof(w->pending));
		return true;
	}
	if (j->kind == JOB_BATCH && j->n) {
		if (!w->in_tx) {
			if (store_begin(w->store, &w->err))
				return false;
			w->in_tx = true;
		}
		/* the papers, then what they say of their stars (the history
		 * keeps what was seen, the paper the highest) */
		if (store_upsert_batch(w->store, j->papers, j->n, w->results, &w->err) ||
		    store_stars_record(w->store, j->papers, j->n, w->seen_at ? w->seen_at : time_now_ms(), &w->err))
			return false;
		tally(&w->pending, w->results, j->n);
	}
	if ((j->kind == JOB_COMMIT || j->commit_after) && w->in_tx) {
		w->in_tx = false;
		if (store_commit(w->store, &w->err))
			return false;
		add_totals(&w->committed, &w->pending);
		memset(&w->pending, 0, sizeof(w->pending));
	}
	return true;
}

/* Runs a job; a batch that is a transaction of its own is tried again
 * while the store is unreachable or busy (a database server restarting),
 * for up to a minute. The batch is written idempotently (merged), so a
 * commit whose answer was lost does no harm when repeated. */
static bool run_job_retrying(struct writer *w, struct job *j)
{
	bool alone = !w->in_tx && j->kind == JOB_BATCH && j->commit_after;
	double waited = 0, delay = 0.25;
	for (;;) {
		if (run_job(w, j))
			return true;
		enum pb_status k = store_errkind(w->store);
		if (!alone || waited >= 60 || (k != PB_UNAVAILABLE && k != PB_BUSY && k != PB_TIMEOUT))
			return false;
		store_rollback(w->store);
		w->in_tx = false;
		memset(&w->pending, 0, sizeof(w->pending));
		fprintf(stderr, "paperboy: ingest: %s; trying the batch again in %.1f s\n", w->err.s, delay);
		buf_reset(&w->err);
		struct timespec ts = { (time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9) };
		nanosleep(&ts, NULL);
		waited += delay;
		delay = delay * 2 < 5 ? delay * 2 : 5;
	}
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	pthread_setname_np(pthread_self(), "pb-writer");
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->count && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->count && w->quit)
			break;
		struct job j = w->q[w->head];
		w->head = (w->head + 1) % QUEUE_LEN;
		w->count--;
		w->busy = true;
		bool failed = w->failed;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		bool ok = failed || run_job_retrying(w, &j);
		if (!ok) {
			store_rollback(w->store);
			w->in_tx = false;
			memset(&w->pending, 0, sizeof(w->pending));
		}
		free_papers(j.papers, j.n);
		pthread_mutex_lock(&w->mu);
		if (!ok && !w->failed) {
			w->failed = true;
			error("ingest: %s", w->err.s);
		}
		w->busy = false;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Queues a job (waiting while the queue is full); false once the writer
 * has failed. */
static bool writer_push(struct writer *w, struct job j)
{
	pthread_mutex_lock(&w->mu);
	while (w->count == QUEUE_LEN && !w->failed)
		pthread_cond_wait(&w->cv, &w->mu);
	bool failed = w->failed;
	if (!failed) {
		w->q[(w->head + w->count) % QUEUE_LEN] = j;
		w->count++;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	if (failed)
		free_papers(j.papers, j.n);
	return !failed;
}

/* Waits until every queued job is done; false when the writer failed. */
static bool writer_wait(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->count || w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	bool ok = !w->failed;
	pthread_mutex_unlock(&w->mu);
	return ok;
}

/* Hands the current batch to the writer. */
static bool submit_batch(struct ingest *g, bool commit_after)
{
	struct job j = { JOB_BATCH, g->batch, g->nbatch, commit_after };
	g->batch = xcalloc(g->opts.batch, sizeof(*g->batch));
	g->nbatch = 0;
	return writer_push(&g->w, j);
}

/* Ends the current file: commits (or rolls back) what the writer holds,
 * waits for it, and collects the committed tallies into g->t. */
static bool end_file(struct ingest *g, bool commit)
{
	bool ok = true;
	if (commit && g->nbatch)
		ok = submit_batch(g, !g->opts.strict); /* a transaction of its own unless strict */
	if (!commit) {
		for (size_t i = 0; i < g->nbatch; i++)
			paper_release(&g->batch[i]);
		g->nbatch = 0;
	}
	struct job j = { commit ? JOB_COMMIT : JOB_ROLLBACK, NULL, 0, false };
	ok = writer_push(&g->w, j) && ok;
	ok = writer_wait(&g->w) && ok;
	add_totals(&g->t, &g->w.committed);
	memset(&g->w.committed, 0, sizeof(g->w.committed));
	return ok;
}

struct link_note {
	struct ingest *g;
	const char *id;
};

static void drop_link(void *ctx, const char *field, const char *value)
{
	struct link_note *n = ctx;
	progress_done(&n->g->prog);
	fprintf(stderr, "paperboy: ingest: %s: paper %s: field \"%s\": \"%.80s\" is not an http(s) URL; the field is "
			"dropped, the paper kept\n",
		n->g->file, n->id, field, value);
}

static int sink_record(struct sink *k, struct paper *p)
{
	struct ingest *g = (struct ingest *)k;
	struct link_note note = { g, p->id };
	paper_check_links(p, drop_link, &note);
	g->ft.records++;
	g->batch[g->nbatch++] = *p;
	paper_init(p);
	if (g->nbatch == g->opts.batch && !submit_batch(g, !g->opts.strict))
		return -1;
	if (g->src)
		progress_update(&g->prog, g->t.records + g->ft.records, g->bytes_before + g->src->bytes);
	return 0;
}

static void sink_reject(struct sink *k, uint64_t recno, const char *field, const char *why)
{
	struct ingest *g = (struct ingest *)k;
	g->ft.records++;
	g->ft.rejected++;
	g->file_rejects++;
	count_reason(g, field, why);
	if (g->file_rejects <= SHOWN_REJECTS_PER_FILE) {
		progress_done(&g->prog);
		if (field && *field)
			fprintf(stderr, "paperboy: ingest: %s: record %llu: field \"%s\": %s\n", g->file,
				(unsigned long long)recno, field, why);
		else
			fprintf(stderr, "paperboy: ingest: %s: record %llu: %s\n", g->file,
				(unsigned long long)recno, why);
	}
}

static void sink_skip(struct sink *k, uint64_t recno, const char *why)
{
	struct ingest *g = (struct ingest *)k;
	(void)recno;
	(void)why;
	g->ft.skipped++;
}

/* ---- parsing without a store ------------------------------------------------- */

struct parse_sink {
	struct sink k; /* first */
	int (*fn)(struct paper *p, void *ctx);
	void *ctx;
	int stopped;
	uint64_t rejected;
};

static void drop_quietly(void *ctx, const char *field, const char *value)
{
	(void)ctx, (void)field, (void)value;
}

static int parse_record(struct sink *k, struct paper *p)
{
	struct parse_sink *ps = (struct parse_sink *)k;
	paper_check_links(p, drop_quietly, NULL);
	int rc = ps->fn(p, ps->ctx);
	paper_release(p);
	paper_init(p);
	if (rc) {
		ps->stopped = rc;
		return -1;
	}
	return 0;
}

static void parse_reject(struct sink *k, uint64_t recno, const char *field, const char *why)
{
	(void)recno, (void)field, (void)why;
	((struct parse_sink *)k)->rejected++;
}

static void parse_skip(struct sink *k, uint64_t recno, const char *why)
{
	(void)k, (void)recno, (void)why;
}

int ingest_parse(const char *name, const char *data, size_t len, enum ingest_format fmt, const char *hf_day,
		 int (*fn)(struct paper *p, void *ctx), void *ctx, uint64_t *rejected, struct ingest_doc *doc,
		 struct buf *err)
{
	struct ingest_doc own;
	memset(&own, 0, sizeof(own));
	struct parse_sink ps = { .k = { .record = parse_record, .reject = parse_reject, .skip = parse_skip,
					.hf_day = hf_day, .doc = doc ? doc : &own },
				 .fn = fn, .ctx = ctx };
	struct source src = { .name = name, .mem = data, .mem_len = len };
	int rc = parse_source(&src, fmt, &ps.k, err);
	source_release(&src);
	if (!doc)
		ingest_doc_release(&own);
	if (rejected)
		*rejected = ps.rejected;
	if (ps.stopped)
		return ps.stopped;
	return rc < 0 ? -1 : 0;
}

/* ---- driver ------------------------------------------------------------- */

struct ingest *ingest_new(struct store *s, const struct ingest_opts *opts)
{
	struct ingest *g = xcalloc(1, sizeof(*g));
	g->store = s;
	g->opts = *opts;
	if (!g->opts.batch)
		g->opts.batch = DEFAULT_BATCH;
	g->batch = xcalloc(g->opts.batch, sizeof(*g->batch));
	g->sink.record = sink_record;
	g->sink.reject = sink_reject;
	g->sink.skip = sink_skip;
	progress_init(&g->prog, "ingest", 0);
	if (!opts->progress)
		g->prog.on = false;
	struct writer *w = &g->w;
	w->store = s;
	w->seen_at = opts->seen_at;
	w->results = xcalloc(g->opts.batch, sizeof(*w->results));
	buf_init(&w->err);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w)) {
		/* no writer: every batch fails with this message */
		w->failed = true;
		w->no_thread = true;
		buf_setf(&w->err, "ingest: cannot start the writer thread: %s", strerror(errno));
	}
	return g;
}

void ingest_free(struct ingest *g)
{
	if (!g)
		return;
	struct writer *w = &g->w;
	struct job j = { JOB_ROLLBACK, NULL, 0, false };
	if (!w->no_thread) {
		writer_push(w, j);
		pthread_mutex_lock(&w->mu);
		w->quit = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->results);
	buf_release(&w->err);
	for (size_t i = 0; i < g->nbatch; i++)
		paper_release(&g->batch[i]);
	free(g->batch);
	for (size_t i = 0; i < g->nreasons; i++)
		free(g->reasons[i].text);
	free(g->reasons);
	free(g);
}

const struct ingest_totals *ingest_get_totals(const struct ingest *g)
{
	return &g->t;
}

/* Ingests one opened source. Returns 0, 1 (something rejected) or -1. */
static int ingest_source(struct ingest *g, struct source *src, enum ingest_format fmt,
			 const char *hf_day, struct ingest_doc *doc)
{
	struct buf err = BUF_INIT;
	int rc = 0;
	g->file = src->name;
	g->file_rejects = 0;
	g->src = src;
	memset(&g->ft, 0, sizeof(g->ft));
	g->sink.hf_day = hf_day;
	g->sink.doc = doc;
	g->t.files++;

	rc = parse_source(src, fmt, &g->sink, &err);
	if (!rc && src->read_error) {
		buf_setf(&err, "read error");
		rc = -1;
	}
	int ret = 0;
	if (rc == -2) {
		end_file(g, false);
		ret = -1;
	} else if (rc < 0) {
		progress_done(&g->prog);
		error("ingest: %s: %s", src->name, err.s);
		/* group by the kind of failure: the message up to its first ": " */
		const char *colon = strstr(err.s, ": ");
		struct buf kind = BUF_INIT;
		buf_addf(&kind, "file refused: %.*s", colon ? (int)(colon - err.s) : (int)err.len, err.s);
		count_reason(g, NULL, kind.s);
		buf_release(&kind);
		g->t.files_failed++;
		if (!end_file(g, false))
			ret = -1;
		g->t.rejected += g->ft.rejected;
		g->t.records += g->ft.records;
		ret = ret ? ret : 1;
	} else if (g->opts.strict && g->ft.rejected) {
		progress_done(&g->prog);
		error("ingest: %s: refused whole file (--strict): %llu of %llu records rejected", src->name,
		      (unsigned long long)g->ft.rejected, (unsigned long long)g->ft.records);
		ret = end_file(g, false) ? 1 : -1;
		g->t.files_failed++;
		g->t.records += g->ft.records;
		g->t.rejected += g->ft.records; /* none of the file was taken */
	} else if (!end_file(g, true)) {
		ret = -1;
	} else {
		g->t.records += g->ft.records;
		g->t.rejected += g->ft.rejected;
		g->t.skipped += g->ft.skipped;
		ret = g->file_rejects ? 1 : 0;
	}
	memset(&g->ft, 0, sizeof(g->ft));
	if (g->file_rejects > SHOWN_REJECTS_PER_FILE) {
		progress_done(&g->prog);
		fprintf(stderr, "paperboy: ingest: %s: %llu more rejected records not shown\n", src->name,
			(unsigned long long)(g->file_rejects - SHOWN_REJECTS_PER_FILE));
	}
	g->bytes_before += src->bytes;
	g->src = NULL;
	source_release(src);
	buf_release(&err);
	return ret;
}

static int ingest_file(struct ingest *g, const char *path)
{
	struct source src = { .name = path };
	if (!strcmp(path, "-")) {
		src.f = stdin;
		src.name = "<stdin>";
	} else if (!(src.f = fopen(path, "rb"))) {
		error("ingest: %s: %s", path, strerror(errno));
		g->t.files_failed++;
		count_reason(g, NULL, "file refused: it could not be opened");
		return 1;
	}
	/* A file named after its day (daily-papers dumps) gives the day. */
	char day[16] = "";
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strlen(base) >= 10) {
		memcpy(day, base, 10);
		day[10] = '\0';
		if (day_parse(day, NULL))
			day[0] = '\0';
	}
	int rc = ingest_source(g, &src, g->opts.format, day[0] ? day : NULL, NULL);
	if (src.f != stdin)
		fclose(src.f);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ingestible_name(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && ((l > 5 && !strcmp(n + l - 5, ".json")) || (l > 6 && !strcmp(n + l - 6, ".jsonl")) ||
			       (l > 4 && !strcmp(n + l - 4, ".xml")));
}

/* Sums the sizes of what a path will ingest, for the ETA. */
static uint64_t path_bytes(const char *path, int depth)
{
	struct stat sb;
	if (depth > 16 || stat(path, &sb))
		return 0;
	if (!S_ISDIR(sb.st_mode))
		return (uint64_t)sb.st_size;
	uint64_t total = 0;
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *e;
	struct buf sub = BUF_INIT;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		buf_setf(&sub, "%s/%s", path, e->d_name);
		if (!stat(sub.s, &sb) && (S_ISDIR(sb.st_mode) || ingestible_name(e->d_name)))
			total += path_bytes(sub.s, depth + 1);
	}
	buf_release(&sub);
	closedir(d);
	return total;
}

static int ingest_tree(struct ingest *g, const char *path, int depth)
{
	struct stat sb;
	if (strcmp(path, "-") && stat(path, &sb)) {
		error("ingest: %s: %s", path, strerror(errno));
		g->t.files_failed++;
		count_reason(g, NULL, "file refused: it could not be opened");
		return 1;
	}
	if (!strcmp(path, "-") || !S_ISDIR(sb.st_mode))
		return ingest_file(g, path);
	if (depth > 16)
		return 0;
	DIR *d = opendir(path);
	if (!d) {
		error("ingest: %s: %s", path, strerror(errno));
		g->t.files_failed++;
		return 1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	int worst = 0;
	struct buf sub = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		buf_setf(&sub, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
		int rc = 0;
		if (!stat(sub.s, &sb) && S_ISDIR(sb.st_mode))
			rc = ingest_tree(g, sub.s, depth + 1);
		else if (ingestible_name(names[i]))
			rc = ingest_file(g, sub.s);
		if (rc < 0) {
			worst = -1;
			break;
		}
		if (rc > worst)
			worst = rc;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_release(&sub);
	return worst;
}

int ingest_path(struct ingest *g, const char *path)
{
	if (strcmp(path, "-"))
		g->prog.total_bytes += path_bytes(path, 0);
	int rc = ingest_tree(g, path, 0);
	progress_done(&g->prog);
	return rc;
}

int ingest_memory(struct ingest *g, const char *name, const char *data, size_t len,
		  enum ingest_format fmt, const char *hf_day, struct ingest_doc *doc)
{
	struct source src = { .name = name, .mem = data, .mem_len = len };
	if (doc) {
		memset(doc, 0, sizeof(*doc));
		doc->complete_list_size = -1;
	}
	int rc = ingest_source(g, &src, fmt, hf_day, doc);
	progress_done(&g->prog);
	return rc;
}

void ingest_print_summary(const struct ingest *g, FILE *out, double seconds)
{
	const struct ingest_totals *t = &g->t;
	fprintf(out, "ingest: %llu files (%llu failed), %llu records: %llu new, %llu updated, %llu unchanged, "
		     "%llu rejected, %llu skipped",
		(unsigned long long)t->files, (unsigned long long)t->files_failed, (unsigned long long)t->records,
		(unsigned long long)t->added, (unsigned long long)t->updated, (unsigned long long)t->unchanged,
		(unsigned long long)t->rejected, (unsigned long long)t->skipped);
	if (seconds > 0)
		fprintf(out, " in %.2f s (%.0f records/s)", seconds, (double)t->records / seconds);
	fputc('\n', out);
	/* the reasons: of whole files (failed, above) apart from records'
	 * (rejected), so that the lines add up to the counts they explain */
	static const char file_mark[] = "file refused: ";
	for (size_t i = 0; i < g->nreasons; i++) {
		unsigned long long n = g->reasons[i].count;
		const char *why = g->reasons[i].text;
		bool file = !strncmp(why, file_mark, sizeof(file_mark) - 1);
		fprintf(out, "  %llu %s%s %s: %s\n", n, file ? "file" : "record", n == 1 ? "" : "s",
			file ? "failed" : "rejected", file ? why + sizeof(file_mark) - 1 : why);
	}
}
