/*
 * ingest.h - loading paper metadata from the sources researchers use into
 * the store: Hugging Face daily-papers JSON, arXiv API Atom, arXiv OAI-PMH
 * (arXiv, arXivRaw, oai_dc) and the arXiv metadata snapshot (JSON lines).
 *
 * Streaming parsers (memory stays flat), records written in batches inside
 * transactions (a crash loses at most the batch in flight, never half of
 * one), idempotent merges through the store. Every rejected record is
 * reported on stderr as "FILE: record N: field "F": why".
 */
#ifndef PAPERBOY_INGEST_H
#define PAPERBOY_INGEST_H

#include "../store/store.h"

enum ingest_format { INGEST_AUTO, INGEST_HF, INGEST_ATOM, INGEST_OAI, INGEST_JSONL };

/* "auto", "hf", "arxiv-atom", "arxiv-oai", "arxiv-jsonl". 0 or -1. */
int ingest_format_parse(const char *name, enum ingest_format *out);
const char *ingest_format_name(enum ingest_format f);

struct ingest_opts {
	enum ingest_format format;
	bool strict;      /* refuse a whole file when any record is rejected */
	size_t batch;     /* records per transaction (0: default) */
	bool progress;    /* draw the progress line when on a terminal */
	pb_time seen_at;  /* when the records were seen: the time of their
			   * GitHub stars in the history (0: the clock) */
};

struct ingest_totals {
	uint64_t files, files_failed, records, added, updated, unchanged, rejected, skipped;
};

/* What a document said beyond its records (OAI-PMH flow control). */
struct ingest_doc {
	char *resumption_token;     /* malloc'd; NULL or "" when the list is complete */
	int64_t complete_list_size; /* -1 when not given */
	char oai_error[64];         /* OAI-PMH error code, "" when none */
	char *error_text;           /* malloc'd message of the error, or NULL */
};
void ingest_doc_release(struct ingest_doc *d);

struct ingest;

/* A new ingest session writing into store s; free with ingest_free. */
struct ingest *ingest_new(struct store *s, const struct ingest_opts *opts);
void ingest_free(struct ingest *g);

/*
 * Ingests a file, a directory (recursively: *.json, *.jsonl, *.xml in name
 * order) or "-" for standard input. Returns 0 when every file and record
 * was taken, 1 when something was rejected, -1 when the store failed.
 */
int ingest_path(struct ingest *g, const char *path);

/*
 * Ingests one in-memory document (what fetch downloaded). `name` is used in
 * messages; `hf_day` ("YYYY-MM-DD" or NULL) is the day a daily-papers
 * document was published for. `doc` (may be NULL) receives OAI-PMH flow
 * control. Returns like ingest_path.
 */
int ingest_memory(struct ingest *g, const char *name, const char *data, size_t len,
		  enum ingest_format fmt, const char *hf_day, struct ingest_doc *doc);

/*
 * Parses an in-memory document without storing anything: fn(p, ctx) for
 * each record ingest would take (the same checks; the paper is the
 * caller's to keep: it may move it out and leave it initialised, else it
 * is released after fn). *rejected (may be NULL) counts the others.
 * Returns 0, -1 for a document that cannot be read (err), or fn's first
 * non-zero return (parsing stops there).
 */
int ingest_parse(const char *name, const char *data, size_t len, enum ingest_format fmt, const char *hf_day,
		 int (*fn)(struct paper *p, void *ctx), void *ctx, uint64_t *rejected, struct ingest_doc *doc,
		 struct buf *err);

const struct ingest_totals *ingest_get_totals(const struct ingest *g);
/* Prints the summary (new, updated, unchanged, rejected with reasons
 * grouped) to out. */
void ingest_print_summary(const struct ingest *g, FILE *out, double seconds);

#endif
