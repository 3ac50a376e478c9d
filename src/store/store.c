/* store.c - opening a store by URL and dispatching to its backend. */
#include "store_int.h"

int store_open(const char *url, unsigned flags, struct store **out, struct buf *err)
{
	*out = NULL;
	if (!url || !*url) {
		buf_setf(err, "empty database URL");
		return -1;
	}
	if (str_has_prefix(url, "postgresql://") || str_has_prefix(url, "postgres://")) {
		buf_setf(err, "%s: the PostgreSQL backend is not built yet; use a SQLite path or sqlite:PATH",
			 url);
		return -1;
	}
	const char *path = url;
	if (str_has_prefix(url, "sqlite:")) {
		path = url + 7;
		if (str_has_prefix(path, "//"))
			path += 2;
	} else if (strstr(url, "://")) {
		buf_setf(err, "%s: unknown database URL scheme (expected a path, sqlite:PATH or postgresql://...)", url);
		return -1;
	}
	if (!*path) {
		buf_setf(err, "%s: no file path in database URL", url);
		return -1;
	}
	return store_sqlite_open(path, flags, out, err);
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

int store_schema_version(struct store *s)
{
	return s->schema_version;
}

int store_begin(struct store *s, struct buf *err)
{
	return s->ops->begin(s, err);
}

int store_commit(struct store *s, struct buf *err)
{
	return s->ops->commit(s, err);
}

void store_rollback(struct store *s)
{
	s->ops->rollback(s);
}

int store_upsert_batch(struct store *s, const struct paper *papers, size_t n,
		       enum upsert_result *results, struct buf *err)
{
	return s->ops->upsert_batch(s, papers, n, results, err);
}

int store_paper_get(struct store *s, const char *id, struct paper *p, struct buf *err)
{
	return s->ops->paper_get(s, id, p, err);
}

int store_paper_list(struct store *s, const struct store_query *q,
		     int (*fn)(const struct paper *, void *), void *ctx, struct buf *err)
{
	return s->ops->paper_list(s, q, fn, ctx, err);
}

int store_paper_scan(struct store *s, int (*fn)(const struct paper *, void *), void *ctx, struct buf *err)
{
	return s->ops->paper_scan(s, fn, ctx, err);
}

int store_paper_scan_since(struct store *s, int64_t seq, int (*fn)(const struct paper *, void *), void *ctx,
			   struct buf *err)
{
	return s->ops->paper_scan_since(s, seq, fn, ctx, err);
}

int store_seq(struct store *s, int64_t *seq, struct buf *err)
{
	return s->ops->seq(s, seq, err);
}

int store_latest_day(struct store *s, const char *before, char out[16], struct buf *err)
{
	return s->ops->latest_day(s, before ? before : "", out, err);
}

int store_stats(struct store *s, struct store_stats *st, struct buf *err)
{
	memset(st, 0, sizeof(*st));
	st->schema_version = s->schema_version;
	return s->ops->stats(s, st, err);
}

int store_kv_get(struct store *s, const char *key, char **value, struct buf *err)
{
	return s->ops->kv_get(s, key, value, err);
}

int store_kv_set(struct store *s, const char *key, const char *value, struct buf *err)
{
	return s->ops->kv_set(s, key, value, err);
}
