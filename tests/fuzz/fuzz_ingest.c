/*
 * fuzz_ingest.c - libFuzzer target: arbitrary bytes through format
 * detection and every source parser.
 */
#include "../../src/ingest/ingest_int.h"

static int on_record(struct sink *k, struct paper *p)
{
	(void)k;
	paper_release(p);
	return 0;
}

static void on_reject(struct sink *k, uint64_t recno, const char *field, const char *why)
{
	(void)k, (void)recno, (void)field, (void)why;
}

static void on_skip(struct sink *k, uint64_t recno, const char *why)
{
	(void)k, (void)recno, (void)why;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ingest_format fmts[] = { INGEST_AUTO, INGEST_HF, INGEST_JSONL, INGEST_ATOM, INGEST_OAI };
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		struct ingest_doc doc;
		memset(&doc, 0, sizeof(doc));
		struct sink k = { .record = on_record, .reject = on_reject, .skip = on_skip, .doc = &doc,
				  .hf_day = "2025-06-02" };
		struct source src = { .name = "fuzz", .mem = (const char *)data, .mem_len = size };
		struct buf err = BUF_INIT;
		parse_source(&src, fmts[i], &k, &err);
		source_release(&src);
		ingest_doc_release(&doc);
		buf_release(&err);
	}
	return 0;
}
