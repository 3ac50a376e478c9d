/*
 * recorded.c - a recorded HTTP exchange {"url","status_code","body"}
 * (what the fetch tests replay) whose body is an arXiv API feed: the
 * envelope is read with jansson, the feed by the Atom parser.
 */
#include "ingest_int.h"
#include <jansson.h>

int parse_recorded(struct source *src, struct sink *k, struct buf *err)
{
	struct buf doc = BUF_INIT;
	doc.max = 256u << 20;
	char tmp[65536];
	size_t n;
	while ((n = source_read(src, tmp, sizeof(tmp))) > 0)
		buf_add(&doc, tmp, n);
	json_error_t je;
	json_t *o = doc.overflow ? NULL : json_loadb(doc.s, doc.len, 0, &je);
	buf_release(&doc);
	if (!o) {
		buf_setf(err, "invalid recorded exchange");
		return -1;
	}
	json_t *body = json_object_get(o, "body");
	if (!json_is_string(body)) {
		json_decref(o);
		buf_setf(err, "field \"body\": expected a string");
		return -1;
	}
	struct source inner = { .name = src->name, .mem = json_string_value(body), .mem_len = json_string_length(body) };
	int rc = parse_atom(&inner, k, err);
	json_int_t status = json_integer_value(json_object_get(o, "status_code"));
	if (!rc && status && (status < 200 || status > 299)) {
		buf_setf(err, "recorded HTTP status %lld", (long long)status);
		rc = -1;
	}
	json_decref(o);
	return rc;
}
