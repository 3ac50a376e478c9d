/*
 * sql_text.c - full texts, the references they name and the PDF fetch's
 * state (store.h), in the SQL both backends speak.
 *
 * A text is kept compressed with zlib (level 6) beside its length: the
 * text of an arXiv paper is mostly words and compresses to about a
 * quarter, and nothing but the whole text is ever read back. References
 * are the raw ids the text names (paper_refs_find), one row each; lists
 * and counts join them with the papers when read, so a paper stored later
 * is found then.
 */
#include "sqlx.h"
#include <zlib.h>

#define TEXT_IDS_PAGE 1000
#define REFS_LIST_MAX 200

struct text_put {
	const char *paper, *text;
	size_t len;
};

static int refs_replace(struct store *s, const struct text_put *t, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "DELETE FROM paper_refs WHERE paper = $1", err))
		return -1;
	sx_str(&x, 1, t->paper);
	if (sx_done(&x, err))
		return -1;
	struct strlist ids = STRLIST_INIT;
	paper_refs_find(t->text, t->len, t->paper, &ids);
	int rc = 0;
	for (size_t i = 0; !rc && i < ids.n; i++) {
		if (!sx_prep(&x, s, "INSERT INTO paper_refs(paper, ref) VALUES($1, $2)", err)) {
			rc = -1;
			break;
		}
		sx_str(&x, 1, t->paper);
		sx_str(&x, 2, ids.v[i]);
		rc = sx_done(&x, err);
	}
	strlist_release(&ids);
	return rc;
}

static int text_write(struct store *s, const struct text_put *t, struct buf *err)
{
	uLongf clen = compressBound((uLong)t->len);
	Bytef *z = xmalloc(clen ? clen : 1);
	if (compress2(z, &clen, (const Bytef *)t->text, (uLong)t->len, 6) != Z_OK) {
		free(z);
		s->kind = PB_INTERNAL;
		buf_setf(err, "%s: the text could not be compressed", t->paper);
		return -1;
	}
	struct sx x;
	int rc = -1;
	if (sx_prep(&x, s,
		    "INSERT INTO paper_text(paper, data, bytes) VALUES($1, $2, $3) ON CONFLICT(paper) DO UPDATE "
		    "SET data = excluded.data, bytes = excluded.bytes",
		    err)) {
		sx_str(&x, 1, t->paper);
		sx_blob(&x, 2, z, clen);
		sx_int(&x, 3, (int64_t)t->len);
		rc = sx_done(&x, err);
	}
	free(z);
	return rc;
}

static int text_put_tx(struct store *s, void *ctx, struct buf *err)
{
	const struct text_put *t = ctx;
	int64_t seq;
	if (sql_next_seq(s, &seq, err))
		return -1;
	/* the paper's own write: the index's update reads it again */
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE papers SET seq = $1 WHERE id = $2", err))
		return -1;
	sx_int(&x, 1, seq);
	sx_str(&x, 2, t->paper);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	if (rc < 0)
		return -1;
	if (n != 1) {
		s->kind = PB_NOTFOUND;
		buf_setf(err, "%s: no such paper in the store", t->paper);
		return -1;
	}
	return text_write(s, t, err) || refs_replace(s, t, err) ? -1 : 0;
}

int sql_text_put(struct store *s, const char *paper, const char *text, size_t len, struct buf *err)
{
	if (len > STORE_TEXT_MAX) {
		s->kind = PB_INVALID;
		buf_setf(err, "%s: a text of %zu bytes (at most %u)", paper, len, STORE_TEXT_MAX);
		return -1;
	}
	struct text_put t = { paper, text ? text : "", len };
	return sx_tx(s, text_put_tx, &t, err);
}

int sql_text_get(struct store *s, const char *paper, struct buf *out, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT data, bytes FROM paper_text WHERE paper = $1", err))
		return -1;
	sx_str(&x, 1, paper);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	size_t zn = 0;
	const void *z = s->sql->col_blob(x.q, 0, &zn);
	int64_t bytes = sx_cint(&x, 1);
	uLongf n = (uLongf)bytes;
	bool ok = bytes >= 0 && bytes <= STORE_TEXT_MAX;
	if (ok) {
		char *t = xmalloc((size_t)bytes + 1);
		ok = uncompress((Bytef *)t, &n, z ? z : "", (uLong)zn) == Z_OK && n == (uLongf)bytes;
		if (ok)
			buf_add(out, t, (size_t)n);
		free(t);
	}
	sx_reset(&x);
	if (!ok) {
		s->kind = PB_CORRUPT;
		buf_setf(err, "%s: the stored text does not decompress", paper);
		return -1;
	}
	return 0;
}

int sql_text_ids(struct store *s, int (*fn)(const char *, void *), void *ctx, struct buf *err)
{
	/* in pages by id, each read whole first: fn may use the store */
	struct strlist page = STRLIST_INIT;
	char last[PAPER_ID_MAX] = "";
	int rc = 0, stop = 0;
	do {
		struct sx x;
		if (!sx_prep(&x, s, "SELECT paper FROM paper_text WHERE paper > $1 ORDER BY paper LIMIT $2", err)) {
			rc = -1;
			break;
		}
		sx_str(&x, 1, last);
		sx_int(&x, 2, TEXT_IDS_PAGE);
		strlist_release(&page);
		while ((rc = sx_step(&x, err)) == 1) {
			const char *id = sx_ctext(&x, 0);
			strlist_push(&page, id ? id : "", id ? strlen(id) : 0);
		}
		sx_reset(&x);
		for (size_t i = 0; rc == 0 && !stop && i < page.n; i++)
			stop = fn(page.v[i], ctx);
		if (page.n)
			snprintf(last, sizeof(last), "%s", page.v[page.n - 1]);
	} while (rc == 0 && !stop && page.n == TEXT_IDS_PAGE);
	strlist_release(&page);
	return rc < 0 ? -1 : 0;
}

int sql_refs_list(struct store *s, const char *paper, bool citations, size_t offset, size_t limit,
		  int (*fn)(const struct paper *, void *), void *ctx, struct buf *err)
{
	struct sx x;
	const char *sql = citations ? "SELECT " PAPER_SELECT_P " FROM paper_refs r JOIN papers p ON p.id = r.paper "
					"WHERE r.ref = $1 AND p.hidden = 0 ORDER BY p.published DESC, p.id LIMIT $2 OFFSET $3"
				    : "SELECT " PAPER_SELECT_P " FROM paper_refs r JOIN papers p ON p.id = r.ref "
				      "WHERE r.paper = $1 AND p.hidden = 0 ORDER BY p.published DESC, p.id LIMIT $2 OFFSET $3";
	if (!sx_prep(&x, s, sql, err))
		return -1;
	sx_str(&x, 1, paper);
	sx_int(&x, 2, (int64_t)(limit < REFS_LIST_MAX ? limit : REFS_LIST_MAX));
	sx_int(&x, 3, (int64_t)offset);
	return sx_each_paper(&x, fn, ctx, err);
}

int sql_refs_count(struct store *s, const char *paper, int64_t *refs, int64_t *cites, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT (SELECT count(*) FROM paper_refs r JOIN papers p ON p.id = r.ref WHERE r.paper = $1 AND "
		     "p.hidden = 0), (SELECT count(*) FROM paper_refs r JOIN papers p ON p.id = r.paper WHERE r.ref = $1 "
		     "AND p.hidden = 0)",
		     err))
		return -1;
	sx_str(&x, 1, paper);
	int rc = sx_row(&x, err);
	if (rc)
		return -1;
	if (refs)
		*refs = sx_cint(&x, 0);
	if (cites)
		*cites = sx_cint(&x, 1);
	sx_reset(&x);
	return 0;
}

/* ---- the PDF fetch's state ------------------------------------------------------ */

#define PF(n, t) { #n, t, offsetof(struct pdf_state, n), sizeof(((struct pdf_state *)0)->n) }
static const struct fcol pdf_cols[] = { PF(paper, F_CHARS),    PF(state, F_CHARS),    PF(etag, F_CHARS),
					PF(last_modified, F_CHARS), PF(attempts, F_INT), PF(next_try, F_I64),
					PF(updated, F_I64),  PF(message, F_CHARS) };
#undef PF

int sql_pdf_get(struct store *s, const char *paper, struct pdf_state *st, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT paper, state, etag, last_modified, attempts, next_try, updated, message FROM pdf_fetch "
		     "WHERE paper = $1",
		     err))
		return -1;
	sx_str(&x, 1, paper);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	sx_read(&x, 0, pdf_cols, ARRAY_SIZE(pdf_cols), st);
	sx_reset(&x);
	return 0;
}

int sql_pdf_set(struct store *s, const struct pdf_state *st, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "INSERT INTO pdf_fetch(paper, state, etag, last_modified, attempts, next_try, updated, message) "
		     "VALUES($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT(paper) DO UPDATE SET state = excluded.state, "
		     "etag = excluded.etag, last_modified = excluded.last_modified, attempts = excluded.attempts, "
		     "next_try = excluded.next_try, updated = excluded.updated, message = excluded.message",
		     err))
		return -1;
	sx_bind(&x, 1, pdf_cols, ARRAY_SIZE(pdf_cols), st, NULL);
	return sx_done(&x, err);
}

int sql_pdf_due(struct store *s, const char *day_from, const char *day_to, pb_time now, size_t limit,
		int (*fn)(const char *, void *), void *ctx, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT p.id FROM papers p LEFT JOIN pdf_fetch f ON f.paper = p.id WHERE p.hf_day >= $1 AND "
		     "p.hf_day <= $2 AND p.hf_day <> '' AND p.hidden = 0 AND (f.paper IS NULL OR (f.state = 'failed' AND "
		     "f.next_try <= $3)) ORDER BY CASE WHEN f.paper IS NULL THEN 0 ELSE 1 END, p.hf_day DESC, p.id LIMIT $4",
		     err))
		return -1;
	sx_str(&x, 1, day_from);
	sx_str(&x, 2, day_to);
	sx_int(&x, 3, now);
	sx_int(&x, 4, (int64_t)limit);
	return sx_each_id(&x, fn, ctx, err);
}
