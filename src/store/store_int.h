/* store_int.h - private to src/store: the backend table (SQLite's VFS idea). */
#ifndef PAPERBOY_STORE_INT_H
#define PAPERBOY_STORE_INT_H

#include "store.h"

struct store_ops {
	const char *name;
	int (*begin)(struct store *, struct buf *);
	int (*commit)(struct store *, struct buf *);
	void (*rollback)(struct store *);
	int (*upsert_batch)(struct store *, const struct paper *, size_t, enum upsert_result *, struct buf *);
	int (*paper_get)(struct store *, const char *, struct paper *, struct buf *);
	int (*paper_list)(struct store *, const struct store_query *, int (*)(const struct paper *, void *),
			  void *, struct buf *);
	int (*paper_scan)(struct store *, int (*)(const struct paper *, void *), void *, struct buf *);
	int (*paper_scan_since)(struct store *, int64_t, int (*)(const struct paper *, void *), void *, struct buf *);
	int (*seq)(struct store *, int64_t *, struct buf *);
	int (*latest_day)(struct store *, const char *, char[16], struct buf *);
	int (*stats)(struct store *, struct store_stats *, struct buf *);
	int (*kv_get)(struct store *, const char *, char **, struct buf *);
	int (*kv_set)(struct store *, const char *, const char *, struct buf *);
	void (*close)(struct store *);
};

/* Every backend's struct begins with this. */
struct store {
	const struct store_ops *ops;
	int schema_version;
};

int store_sqlite_open(const char *path, unsigned flags, struct store **out, struct buf *err);

#endif
