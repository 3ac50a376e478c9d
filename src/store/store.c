/* store.c - opening a store by URL and dispatching to its backend. */
#include "store_int.h"

enum pb_status store_errkind(const struct store *s)
{
	return s ? s->kind : PB_INTERNAL;
}

int store_open_kind(const char *url, unsigned flags, struct store **out, enum pb_status *kind, struct buf *err)
{
	*out = NULL;
	if (kind)
		*kind = PB_REFUSED;
	if (!url || !*url) {
		buf_setf(err, "empty database URL");
		return -1;
	}
	enum pb_status k = PB_REFUSED;
	if (!kind)
		kind = &k;
	if (store_url_is_pg(url))
		return store_pg_open(url, flags, out, kind, err);
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
	return store_sqlite_open(path, flags, out, kind, err);
}

int store_open(const char *url, unsigned flags, struct store **out, struct buf *err)
{
	return store_open_kind(url, flags, out, NULL, err);
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

const char *store_backend(const struct store *s)
{
	return s->ops->name;
}

void store_rollback(struct store *s)
{
	s->ops->rollback(s);
}

enum pb_status store_first_failure(const struct store *s)
{
	return s ? s->first : PB_OK;
}

uint64_t store_writes(const struct store *s)
{
	return s ? s->writes : 0;
}

void store_failures_clear(struct store *s)
{
	s->first = PB_OK;
}

/* The dispatchers: the kind of a failure is the backend's to set (a
 * failure it did not classify is a bug: internal). */
#define STORE_OP_DISPATCH(ret, name, params, args)                      \
	ret store_##name params                                         \
	{                                                               \
		s->kind = PB_OK;                                 \
		ret rc_ = s->ops->name args;                            \
		if (rc_ < 0) {                                          \
			if (s->kind == PB_OK)                    \
				s->kind = PB_INTERNAL;             \
			if (s->first == PB_OK)                   \
				s->first = s->kind;                     \
		}                                                       \
		return rc_;                                             \
	}
STORE_OPS(STORE_OP_DISPATCH)
#undef STORE_OP_DISPATCH
