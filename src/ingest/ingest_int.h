/* ingest_int.h - private to src/ingest: input sources, the record sink and
 * the parsers. */
#ifndef PAPERBOY_INGEST_INT_H
#define PAPERBOY_INGEST_INT_H

#include "ingest.h"

/* An input stream: a FILE or a memory block, with a peek window for
 * format detection. */
struct source {
	const char *name;
	FILE *f;
	const char *mem;
	size_t mem_len, mem_pos;
	char *peek;          /* first bytes, served again before the rest */
	size_t peek_len, peek_pos;
	uint64_t bytes;      /* consumed so far */
	bool read_error;
};
/* Reads up to n bytes; 0 at end of input. */
size_t source_read(struct source *src, void *buf, size_t n);
/* Frees the peek window. */
void source_release(struct source *src);
/* Fills the peek window with up to n bytes. */
void source_peek(struct source *src, size_t n);

/* Where parsers deliver records. `record` takes ownership of *p and leaves
 * it initialised; it returns 0, or -1 when the store failed (stop). */
struct sink {
	int (*record)(struct sink *k, struct paper *p);
	void (*reject)(struct sink *k, uint64_t recno, const char *field, const char *why);
	void (*skip)(struct sink *k, uint64_t recno, const char *why);
	const char *hf_day; /* day hint for daily-papers documents */
	struct ingest_doc *doc;
};

/* Each parser reads the whole source and returns 0, -1 for a file-level
 * failure (message in err), or -2 when the sink said stop. */
int parse_hf(struct source *src, struct sink *k, struct buf *err);
int parse_jsonl(struct source *src, struct sink *k, struct buf *err);
int parse_atom(struct source *src, struct sink *k, struct buf *err);
int parse_oai(struct source *src, struct sink *k, struct buf *err);
/* A recorded HTTP exchange {"url","status_code","body"}: parses the body. */
int parse_recorded(struct source *src, struct sink *k, struct buf *err);

/* Peeks, detects the format when fmt is INGEST_AUTO, and runs the parser.
 * Returns like the parsers. */
int parse_source(struct source *src, enum ingest_format fmt, struct sink *k, struct buf *err);

/* Detects the format from the first bytes (after peeking them). 0 or -1. */
int detect_format(struct source *src, enum ingest_format *fmt, bool *recorded, struct buf *err);

/* Converts one Hugging Face item / snapshot line. 0, or -1 with the field
 * and the reason. */
int hf_item_to_paper(json_t *item, const char *hf_day, struct paper *p, struct buf *field, struct buf *why);
int snapshot_line_to_paper(const char *line, size_t len, struct paper *p, struct buf *field, struct buf *why);

/* Parses a Python literal (dict, list, str, int, float, True, False, None:
 * what repr() writes of JSON-like data) into a new jansson value; NULL with
 * the offset and the reason in why. */
json_t *pylit_parse(const char *s, size_t n, struct buf *why);

/* Splits an arXiv author string ("A, B and C") into names. */
void authors_split(struct strlist *out, const char *s);

#endif
