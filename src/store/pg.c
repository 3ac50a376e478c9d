/*
 * pg.c - the PostgreSQL backend: the SQL driver of the shared code (sqlx.h)
 * over one libpq connection, the schema, and the bulk load by COPY.
 *
 * Statements are prepared once per connection (named pb1, pb2, ...) and
 * cached by the address of their SQL; parameters go as text (bytea as
 * binary), results come back as text and are read whole (every scan is
 * paged by a key, so a result never holds more than a page). Errors are
 * told apart by SQLSTATE. A lost connection fails the call in progress with
 * PB_UNAVAILABLE and is re-established by the next call; statements
 * are prepared again on the new connection when first used.
 *
 * Each connection runs with a statement timeout, a lock timeout and an
 * idle-in-transaction timeout, so no client can hold the others up for
 * long. Transactions are READ COMMITTED; the shared code makes every
 * multi-row change one transaction and takes row locks where an order
 * matters (the write sequence).
 */
#include "sqlx.h"
#include <libpq-fe.h>
#include <stdlib.h>

#define PG_APP_ID "paperboy"

struct sqlx_stmt {
	struct pg *owner;
	const char *key;    /* the shared SQL's address */
	char name[16];      /* its prepared name on the connection */
	unsigned gen;       /* the connection it was prepared on (0: not yet) */
	int nparams;
	char **vals;        /* owned copies of the bound values, NULL for NULL */
	int *lens, *fmts;
	PGresult *res;
	int row, nrows;     /* row: the current row, -1 before the first step */
	int64_t changes;
	char *blob;         /* the last bytea read, decoded */
};

struct pg {
	struct store base;
	PGconn *conn;
	char *url;  /* for messages: without its password */
	unsigned gen; /* bumped on every (re)connection */
	unsigned next_name;
	bool lookup_first; /* the bulk load reads stored papers first (pg_upsert_batch) */
	struct sqlx_cache stmts; /* prepared statements (sqlx.c) */
};

static inline struct pg *PG(struct store *s)
{
	return (struct pg *)s;
}

/* ---- errors --------------------------------------------------------------------- */

static enum pb_status kind_of_state(const char *st)
{
	if (!st || strlen(st) != 5)
		return PB_INTERNAL;
	if (!strcmp(st, "23505"))
		return PB_CONFLICT;
	if (!strncmp(st, "23", 2) || !strncmp(st, "22", 2))
		return PB_REFUSED; /* a constraint, or a value the column refuses */
	if (!strcmp(st, "40P01") || !strcmp(st, "40001") || !strcmp(st, "55P03"))
		return PB_BUSY;
	if (!strcmp(st, "57014"))
		return PB_TIMEOUT;
	if (!strncmp(st, "08", 2) || !strcmp(st, "57P01") || !strcmp(st, "57P02") || !strcmp(st, "57P03") ||
	    !strcmp(st, "53300"))
		return PB_UNAVAILABLE;
	if (!strncmp(st, "53", 2) || !strncmp(st, "58", 2))
		return PB_IO;
	if (!strcmp(st, "XX001") || !strcmp(st, "XX002"))
		return PB_CORRUPT;
	return PB_INTERNAL;
}

/* The first line of a libpq message. */
static void add_msg(struct buf *err, const char *m)
{
	size_t n = strcspn(m ? m : "", "\n");
	buf_add(err, m ? m : "", n);
}

/* Records a failure (res may be NULL: the connection's own message). */
static int fail(struct pg *s, const PGresult *res, struct buf *err, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	/* no SQLSTATE: libpq's own failure, the connection's (the server went
	 * away, or cannot be reached) */
	if (PQstatus(s->conn) != CONNECTION_OK || !state)
		s->base.kind = PB_UNAVAILABLE;
	else
		s->base.kind = kind_of_state(state);
	buf_setf(err, "%s: %s: ", s->url, what);
	add_msg(err, res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) : PQerrorMessage(s->conn));
	return -1;
}

/* ---- the connection ---------------------------------------------------------------- */

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int session_setup(struct pg *s, struct buf *err)
{
	PGresult *r = PQexec(s->conn, "SET statement_timeout = '120s'; SET lock_timeout = '10s'; "
				      "SET idle_in_transaction_session_timeout = '120s'; SET client_min_messages = warning; "
				      "SET TIME ZONE 'UTC'");
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(s, r, err, "setting up the session");
	PQclear(r);
	return rc;
}

/* Connects again after the connection was lost. 0 when it is good. */
static int ensure_conn(struct pg *s, struct buf *err)
{
	/* between transactions, read what the server sent meanwhile: a
	 * connection it closed (it restarted) shows as bad now, before a
	 * statement is lost on it (a recv or two; the socket never blocks) */
	if (PQstatus(s->conn) == CONNECTION_OK && PQtransactionStatus(s->conn) == PQTRANS_IDLE) {
		/* (twice: the server's farewell, then the end of the stream) */
		PQconsumeInput(s->conn);
		if (PQstatus(s->conn) == CONNECTION_OK)
			PQconsumeInput(s->conn);
	}
	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		s->base.kind = PB_UNAVAILABLE;
		buf_setf(err, "%s: the server cannot be reached: ", s->url);
		add_msg(err, PQerrorMessage(s->conn));
		return -1;
	}
	s->gen++; /* every statement is prepared again when next used */
	return session_setup(s, err);
}

/* ---- statements -------------------------------------------------------------------- */

/* The number of parameters: the highest $N in the text. */
static int count_params(const char *sql)
{
	int n = 0;
	for (const char *p = sql; *p; p++) {
		if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
			int v = (int)strtol(p + 1, NULL, 10);
			if (v > n)
				n = v;
		}
	}
	return n;
}

static void clear_binds(struct sqlx_stmt *q)
{
	for (int i = 0; i < q->nparams; i++) {
		free(q->vals[i]);
		q->vals[i] = NULL;
		q->lens[i] = 0;
		q->fmts[i] = 0;
	}
}

static void pg_reset(struct sqlx_stmt *q)
{
	PQclear(q->res);
	q->res = NULL;
	q->row = -1;
	q->nrows = 0;
	clear_binds(q);
}

static struct sqlx_stmt *pg_prep(struct store *st, const char *sql, struct buf *err)
{
	struct pg *s = PG(st);
	if (ensure_conn(s, err))
		return NULL;
	struct sqlx_stmt *had = sqlx_cache_find(&s->stmts, sql);
	if (had) {
		pg_reset(had);
		return had;
	}
	struct sqlx_stmt *q = xcalloc(1, sizeof(*q));
	q->owner = s;
	q->key = sql;
	snprintf(q->name, sizeof(q->name), "pb%u", ++s->next_name);
	q->nparams = count_params(sql);
	q->vals = xcalloc((size_t)q->nparams + 1, sizeof(*q->vals));
	q->lens = xcalloc((size_t)q->nparams + 1, sizeof(*q->lens));
	q->fmts = xcalloc((size_t)q->nparams + 1, sizeof(*q->fmts));
	q->row = -1;
	sqlx_cache_add(&s->stmts, sql, q);
	return q;
}

static void set_param(struct sqlx_stmt *q, int i, char *v, int len, int fmt)
{
	if (i < 1 || i > q->nparams) {
		free(v);
		BUG("parameter $%d of a statement with %d", i, q->nparams);
	}
	free(q->vals[i - 1]);
	q->vals[i - 1] = v;
	q->lens[i - 1] = len;
	q->fmts[i - 1] = fmt;
}

static void pg_bind_null(struct sqlx_stmt *q, int i)
{
	set_param(q, i, NULL, 0, 0);
}

static void pg_bind_int(struct sqlx_stmt *q, int i, int64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof(t), "%lld", (long long)v);
	set_param(q, i, xstrndup(t, (size_t)n), n, 0);
}

static void pg_bind_text(struct sqlx_stmt *q, int i, const char *v, size_t n)
{
	set_param(q, i, xstrndup(v, n), (int)n, 0);
}

static void pg_bind_blob(struct sqlx_stmt *q, int i, const void *v, size_t n)
{
	char *c = xmalloc(n + 1);
	memcpy(c, v, n);
	set_param(q, i, c, (int)n, 1);
}

/* Prepares q on the current connection when it was not yet. */
static int ensure_prepared(struct sqlx_stmt *q, struct buf *err)
{
	struct pg *s = q->owner;
	if (q->gen == s->gen)
		return 0;
	PGresult *r = PQprepare(s->conn, q->name, q->key, q->nparams, NULL);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = fail(s, r, err, "preparing a statement");
		if (s->base.kind != PB_UNAVAILABLE && s->base.kind != PB_BUSY)
			s->base.kind = PB_INTERNAL;
	} else {
		q->gen = s->gen;
	}
	PQclear(r);
	return rc;
}

/* Whether a statement that failed for want of a connection may run again
 * on a new one: outside a transaction, a read (or a BEGIN) did nothing the
 * server kept, and a connection found dead is most often one the server
 * closed while it was idle (it restarted since). Writes are not repeated:
 * the server may have done one before it went away. */
static bool may_retry(const char *sql, bool was_idle)
{
	while (*sql == ' ')
		sql++;
	return was_idle && (!strncmp(sql, "SELECT", 6) || !strncmp(sql, "BEGIN", 5));
}

static int pg_step(struct sqlx_stmt *q, struct buf *err)
{
	struct pg *s = q->owner;
	if (!q->res) {
		bool idle = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
		for (int attempt = 0;; attempt++) {
			ExecStatusType st = PGRES_FATAL_ERROR;
			if (!ensure_prepared(q, err)) {
				q->res = PQexecPrepared(s->conn, q->name, q->nparams, (const char *const *)q->vals, q->lens,
							q->fmts, 0);
				st = PQresultStatus(q->res);
				if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
					fail(s, q->res, err, "running a statement");
			}
			if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
				break;
			PQclear(q->res);
			q->res = NULL;
			if (attempt || s->base.kind != PB_UNAVAILABLE || !may_retry(q->key, idle) ||
			    ensure_conn(s, err))
				return -1;
			buf_reset(err);
		}
		q->nrows = PQntuples(q->res);
		const char *ct = PQcmdTuples(q->res);
		q->changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
		const char *cmd = PQcmdStatus(q->res);
		if (q->changes > 0 && cmd &&
		    (!strncmp(cmd, "INSERT", 6) || !strncmp(cmd, "UPDATE", 6) || !strncmp(cmd, "DELETE", 6)))
			s->base.writes += (uint64_t)q->changes;
		q->row = -1;
	}
	if (q->row + 1 < q->nrows) {
		q->row++;
		return 1;
	}
	q->row = q->nrows;
	return 0;
}

static bool pg_col_null(struct sqlx_stmt *q, int c)
{
	return PQgetisnull(q->res, q->row, c);
}

static int64_t pg_col_int(struct sqlx_stmt *q, int c)
{
	if (PQgetisnull(q->res, q->row, c))
		return 0;
	const char *v = PQgetvalue(q->res, q->row, c);
	if (v[0] == 't' && !v[1])
		return 1;
	if (v[0] == 'f' && !v[1])
		return 0;
	return strtoll(v, NULL, 10);
}

static double pg_col_double(struct sqlx_stmt *q, int c)
{
	if (PQgetisnull(q->res, q->row, c))
		return 0;
	return strtod(PQgetvalue(q->res, q->row, c), NULL);
}

static const char *pg_col_text(struct sqlx_stmt *q, int c, size_t *n)
{
	if (PQgetisnull(q->res, q->row, c)) {
		*n = 0;
		return NULL;
	}
	*n = (size_t)PQgetlength(q->res, q->row, c);
	return PQgetvalue(q->res, q->row, c);
}

static const void *pg_col_blob(struct sqlx_stmt *q, int c, size_t *n)
{
	*n = 0;
	if (PQgetisnull(q->res, q->row, c))
		return NULL;
	if (q->blob) {
		PQfreemem(q->blob);
		q->blob = NULL;
	}
	size_t len;
	unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(q->res, q->row, c), &len);
	if (!b)
		return NULL;
	q->blob = (char *)b;
	*n = len;
	return b;
}

static int64_t pg_changes(struct sqlx_stmt *q)
{
	return q->changes;
}

static int pg_exec(struct store *st, const char *sql, struct buf *err)
{
	struct pg *s = PG(st);
	for (int attempt = 0;; attempt++) {
		if (ensure_conn(s, err))
			return -1;
		bool idle = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
		PGresult *r = PQexec(s->conn, sql);
		int rc = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK
				 ? 0
				 : fail(s, r, err, "running a statement");
		PQclear(r);
		if (!rc || attempt || s->base.kind != PB_UNAVAILABLE || !may_retry(sql, idle))
			return rc;
		buf_reset(err);
	}
}

static bool pg_in_tx(struct store *st)
{
	PGTransactionStatusType t = PQtransactionStatus(PG(st)->conn);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static int pg_snapshot(struct store *st, struct buf *err)
{
	return pg_exec(st, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err);
}

static int pg_reset_identity(struct store *st, const char *table, const char *column, struct buf *err)
{
	/* names from the code's own table list, never from data */
	struct buf sql = BUF_INIT;
	buf_addf(&sql, "SELECT setval(pg_get_serial_sequence('%s', '%s'), coalesce((SELECT max(%s) FROM %s), 0) + 1, false)",
		 table, column, column, table);
	int rc = pg_exec(st, sql.s, err);
	buf_release(&sql);
	return rc;
}

static const struct sqlx_driver pg_driver = {
	.prep = pg_prep,
	.bind_null = pg_bind_null,
	.bind_int = pg_bind_int,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.step = pg_step,
	.col_null = pg_col_null,
	.col_int = pg_col_int,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.changes = pg_changes,
	.reset = pg_reset,
	.exec = pg_exec,
	.in_tx = pg_in_tx,
	.snapshot = pg_snapshot,
	.reset_identity = pg_reset_identity,
};

/* ---- the bulk load: COPY ------------------------------------------------------------- */

/* A paper as a row of COPY's binary format (no escapes, no number parsing
 * on the server: a fifth less of its work than the text format). Integers are big-endian, 4 bytes
 * for the INTEGER columns (F_INT, F_UINT, F_BOOL) and 8 for the BIGINT
 * ones (F_I64), as the schema declares them. */
static void put_be(struct buf *b, uint64_t v, int bytes)
{
	unsigned char t[8];
	for (int i = 0; i < bytes; i++)
		t[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
	buf_add(b, t, (size_t)bytes);
}

static void bin_text(struct buf *b, const char *v, size_t n)
{
	if (!v) {
		put_be(b, 0xffffffffu, 4);
		return;
	}
	put_be(b, n, 4);
	buf_add(b, v, n);
}

static void bin_int(struct buf *b, int64_t v, int bytes)
{
	put_be(b, (uint64_t)bytes, 4);
	put_be(b, (uint64_t)v, bytes);
}

static void copy_paper_bin(struct buf *b, const struct paper *p, pb_time now, int64_t seq, struct buf *tmp)
{
	const char *base = (const char *)p;
	put_be(b, paper_ncols + 4, 2);
	for (size_t i = 0; i < paper_ncols; i++) {
		const struct fcol *c = &paper_cols[i];
		const void *f = base + c->off;
		switch (c->type) {
		case F_I64: bin_int(b, *(const int64_t *)f, 8); break;
		case F_INT: bin_int(b, *(const int *)f, 4); break;
		case F_UINT: bin_int(b, (int64_t)*(const unsigned *)f, 4); break;
		case F_BOOL: bin_int(b, *(const bool *)f ? 1 : 0, 4); break;
		case F_CHARS: bin_text(b, f, strlen(f)); break;
		case F_STR:
		case F_STRE: {
			const char *v = *(char *const *)f;
			bin_text(b, v, v ? strlen(v) : 0);
			break;
		}
		case F_LIST_NL:
		case F_LIST_SP:
			buf_reset(tmp);
			strlist_join(f, c->type == F_LIST_NL ? "\n" : " ", tmp);
			bin_text(b, tmp->s ? tmp->s : "", tmp->len);
			break;
		case F_BLOB: BUG("no blob among a paper's columns"); break;
		}
	}
	char day[16];
	paper_feed_day(p, day);
	bin_text(b, day, strlen(day));
	bin_int(b, now, 8);
	bin_int(b, now, 8);
	bin_int(b, seq, 8);
}

static char copy_sql[2048];
static pthread_once_t copy_once = PTHREAD_ONCE_INIT;

static void copy_sql_init(void)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "COPY papers(");
	for (size_t i = 0; i < paper_ncols; i++)
		buf_addf(&b, "%s, ", paper_cols[i].name);
	buf_adds(&b, "feed_day, first_seen, changed_at, seq) FROM STDIN WITH (FORMAT binary)");
	if (b.len >= sizeof(copy_sql))
		BUG("COPY statement too long");
	memcpy(copy_sql, b.s, b.len + 1);
	buf_release(&b);
}

/* A bulk load in progress: rows are formatted into buf and sent whenever
 * it holds COPY_CHUNK bytes, so the server inserts while the next rows are
 * being formatted. */
#define COPY_CHUNK (256 << 10)

struct copy_in {
	struct pg *s;
	struct buf buf;
	bool started;
	int ok; /* PQputCopyData's last answer */
};

static int copy_start(struct copy_in *c, struct buf *err)
{
	pthread_once(&copy_once, copy_sql_init);
	PGresult *r = PQexec(c->s->conn, copy_sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		fail(c->s, r, err, "starting a bulk load");
		PQclear(r);
		return -1;
	}
	PQclear(r);
	c->started = true;
	c->ok = 1;
	/* the binary format's signature, flags and header extension */
	buf_add(&c->buf, "PGCOPY\n\377\r\n\0", 11);
	put_be(&c->buf, 0, 4);
	put_be(&c->buf, 0, 4);
	return 0;
}

static void copy_flush(struct copy_in *c, bool all)
{
	if (c->buf.len && (all || c->buf.len >= COPY_CHUNK) && c->ok == 1) {
		c->ok = PQputCopyData(c->s->conn, c->buf.s, (int)c->buf.len);
		buf_reset(&c->buf);
	}
}

static int copy_end(struct copy_in *c, struct buf *err)
{
	put_be(&c->buf, 0xffff, 2); /* the trailer */
	copy_flush(c, true);
	if (c->ok == 1)
		c->ok = PQputCopyEnd(c->s->conn, NULL);
	int rc = 0;
	PGresult *r;
	while ((r = PQgetResult(c->s->conn))) {
		if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = fail(c->s, r, err, "loading papers");
		PQclear(r);
	}
	if (!rc && c->ok != 1)
		rc = fail(c->s, NULL, err, "loading papers");
	return rc;
}

/* A batch's papers, found by id. */
struct slot {
	char *id;
	const struct paper *first; /* new to the store and seen once: the input itself, uncopied */
	struct paper cur, orig;
	int64_t docid; /* 0: new in this batch */
	bool stored, changed;
};

struct batch_map {
	struct slot *v;
	size_t cap, n;
	size_t *order; /* slots in the order they were first seen */
};

static size_t id_hash(const char *id)
{
	size_t h = 1469598103934665603ull;
	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ull;
	return h;
}

static struct slot *map_find(struct batch_map *m, const char *id, bool add)
{
	size_t h = id_hash(id) & (m->cap - 1);
	while (m->v[h].id) {
		if (!strcmp(m->v[h].id, id))
			return &m->v[h];
		h = (h + 1) & (m->cap - 1);
	}
	if (!add)
		return NULL;
	struct slot *sl = &m->v[h];
	sl->id = xstrdup(id);
	paper_init(&sl->cur);
	paper_init(&sl->orig);
	m->order[m->n++] = h;
	return sl;
}

static void map_init(struct batch_map *m, const struct paper *papers, size_t n, struct buf *ids)
{
	memset(m, 0, sizeof(*m));
	m->cap = 16;
	while (m->cap < n * 2)
		m->cap *= 2;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	m->order = xcalloc(n, sizeof(*m->order));
	buf_reset(ids);
	for (size_t i = 0; i < n; i++) {
		if (!map_find(m, papers[i].id, false)) {
			map_find(m, papers[i].id, true);
			buf_addf(ids, "%s%s", ids->len ? "\n" : "", papers[i].id);
		}
	}
}

static void map_release(struct batch_map *m)
{
	for (size_t j = 0; j < m->n; j++) {
		struct slot *sl = &m->v[m->order[j]];
		free(sl->id);
		paper_release(&sl->cur);
		paper_release(&sl->orig);
	}
	free(m->v);
	free(m->order);
	memset(m, 0, sizeof(*m));
}

/* Reads what the store holds of the batch's papers (one statement); the
 * number found in *found. */
static int map_lookup(struct store *st, struct batch_map *m, const struct buf *ids, size_t *found, struct buf *err)
{
	struct sx x;
	*found = 0;
	if (!sx_prep(&x, st, "SELECT " PAPER_SELECT " FROM papers WHERE id = ANY(string_to_array($1, chr(10)))", err))
		return -1;
	sx_strn(&x, 1, ids->s ? ids->s : "", ids->len);
	int rc;
	struct paper p;
	paper_init(&p);
	while ((rc = sx_step(&x, err)) == 1) {
		sx_paper(&x, 1, &p);
		struct slot *sl = map_find(m, p.id, false);
		if (sl && !sl->stored) {
			sl->stored = true;
			sl->docid = sx_cint(&x, 0);
			paper_copy(&sl->cur, &p);
			paper_copy(&sl->orig, &p);
			++*found;
		}
		paper_release(&p);
	}
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

/* Merges the batch into the map, in order: a paper new to the store is new
 * once, and merged from its second time on. */
static void map_merge(struct batch_map *m, const struct paper *papers, size_t n, enum upsert_result *results)
{
	bool *seen = xcalloc(m->cap, sizeof(*seen));
	for (size_t i = 0; i < n; i++) {
		struct slot *sl = map_find(m, papers[i].id, false);
		size_t k = (size_t)(sl - m->v);
		if (!sl->stored && !seen[k]) {
			sl->first = &papers[i];
			results[i] = UPSERT_NEW;
		} else {
			if (sl->first) {
				paper_copy(&sl->cur, sl->first);
				sl->first = NULL;
			}
			struct paper before;
			paper_init(&before);
			paper_copy(&before, &sl->cur);
			paper_merge(&sl->cur, &papers[i]);
			bool same = paper_equal(&before, &sl->cur);
			paper_release(&before);
			results[i] = same ? UPSERT_UNCHANGED : UPSERT_UPDATED;
			if (!same && sl->stored)
				sl->changed = true;
		}
		seen[k] = true;
	}
	free(seen);
}

/* COPY of the map's papers new to the store, streamed as they are
 * formatted. */
static int map_copy_new(struct pg *s, struct batch_map *m, pb_time now, int64_t seq, struct buf *tmp,
			struct buf *err)
{
	struct copy_in cp = { s, BUF_INIT, false, 0 };
	int ret = 0;
	for (size_t j = 0; j < m->n && !ret; j++) {
		struct slot *sl = &m->v[m->order[j]];
		if (sl->stored)
			continue;
		if (!cp.started && copy_start(&cp, err)) {
			ret = -1;
			break;
		}
		copy_paper_bin(&cp.buf, sl->first ? sl->first : &sl->cur, now, seq, tmp);
		copy_flush(&cp, false);
	}
	if (!ret && cp.started && copy_end(&cp, err))
		ret = -1;
	buf_release(&cp.buf);
	return ret;
}

/*
 * The bulk load. Normally the batch's stored papers are read first (one
 * statement), merged, and the new ones loaded by COPY. While batches meet
 * no stored paper (a first load), the read is skipped: the batch is loaded
 * at once under a savepoint, and a paper that was there after all fails
 * the COPY on the unique id, which rolls back to the savepoint and takes
 * the normal way (and keeps to it until a batch finds nothing stored).
 */
static int pg_upsert_batch(struct store *st, const struct paper *papers, size_t n, enum upsert_result *results,
			   struct buf *err)
{
	struct pg *s = PG(st);
	if (!n)
		return 0;
	int64_t seq;
	if (sql_next_seq(st, &seq, err))
		return -1;
	pb_time now = time_now_ms();
	struct batch_map m;
	struct buf ids = BUF_INIT, tmp = BUF_INIT;
	int ret = 0;
	map_init(&m, papers, n, &ids);
	if (!s->lookup_first) {
		map_merge(&m, papers, n, results);
		if (pg_exec(st, "SAVEPOINT pb_load", err) == 0) {
			ret = map_copy_new(s, &m, now, seq, &tmp, err);
			if (!ret)
				goto out; /* all new: done (the savepoint ends with the transaction) */
			if (s->base.kind != PB_CONFLICT || pg_exec(st, "ROLLBACK TO SAVEPOINT pb_load", err)) {
				ret = -1;
				goto out;
			}
			buf_reset(err);
			s->base.kind = PB_OK;
		} else {
			ret = -1;
			goto out;
		}
		/* some were stored: the normal way */
		s->lookup_first = true;
		map_release(&m);
		map_init(&m, papers, n, &ids);
	}
	size_t found;
	if ((ret = map_lookup(st, &m, &ids, &found, err)))
		goto out;
	if (!found)
		s->lookup_first = false; /* a batch of new papers: try the quick way next */
	map_merge(&m, papers, n, results);
	if ((ret = map_copy_new(s, &m, now, seq, &tmp, err)))
		goto out;
	struct buf scratch[PAPER_LISTS] = PAPER_SCRATCH_INIT;
	for (size_t j = 0; j < m.n && !ret; j++) {
		struct slot *sl = &m.v[m.order[j]];
		if (!sl->stored || !sl->changed || paper_equal(&sl->orig, &sl->cur))
			continue;
		struct sx x;
		if (!sx_prep(&x, st, sx_paper_update_sql(), err)) {
			ret = -1;
			break;
		}
		sx_bind_paper(&x, &sl->cur, now, seq, scratch);
		sx_int(&x, (int)paper_ncols + 4, sl->docid);
		ret = sx_done(&x, err);
	}
	for (int i = 0; i < PAPER_LISTS; i++)
		buf_release(&scratch[i]);
out:
	map_release(&m);
	buf_release(&ids);
	buf_release(&tmp);
	return ret;
}

/* ---- what differs from the shared code ------------------------------------------------ */

static void pg_rollback(struct store *st)
{
	struct pg *s = PG(st);
	if (PQstatus(s->conn) == CONNECTION_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
		PGresult *r = PQexec(s->conn, "ROLLBACK");
		PQclear(r);
	}
}

static int pg_stats(struct store *st, struct store_stats *o, struct buf *err)
{
	if (sql_stats(st, o, err))
		return -1;
	struct sx x;
	if (!sx_prep(&x, st, "SELECT pg_database_size(current_database())", err))
		return -1;
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		o->db_bytes = sx_cint(&x, 0);
		sx_reset(&x);
	}
	return 0;
}

static void drop_stmt(struct sqlx_stmt *q)
{
	pg_reset(q);
	if (q->blob)
		PQfreemem(q->blob);
	free(q->vals);
	free(q->lens);
	free(q->fmts);
	free(q);
}

static void pg_close(struct store *st)
{
	struct pg *s = PG(st);
	sqlx_cache_release(&s->stmts, drop_stmt);
	PQfinish(s->conn);
	free(s->url);
	free(s);
}

/* the shared functions, then its own over them */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const struct store_ops pg_ops = {
	.name = "postgresql",
#define PG_SHARED(ret, name, params, args) .name = sql_##name,
	STORE_OPS(PG_SHARED)
#undef PG_SHARED
	.upsert_batch = pg_upsert_batch,
	.stats = pg_stats,
	.rollback = pg_rollback,
	.close = pg_close,
};
#pragma GCC diagnostic pop

/* ---- the schema ---------------------------------------------------------------------- */

/* pg_schema[i] takes the database from version from[i] to i's target; the
 * first creates the whole schema of version 7 (the first PostgreSQL had). */
static const struct {
	int from, to;
	const char *sql;
} pg_schema[] = {
	{ 0, 7,
	  "CREATE TABLE paperboy_schema(version INTEGER NOT NULL, app TEXT NOT NULL);"
	  "INSERT INTO paperboy_schema VALUES(0, '" PG_APP_ID "');"
	  "CREATE TABLE papers("
	  "  docid BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	  /* ids and days order by their bytes, as on SQLite, whatever the
	   * database's locale */
	  "  id TEXT COLLATE \"C\" NOT NULL UNIQUE,"
	  "  version INTEGER NOT NULL DEFAULT 0,"
	  "  title TEXT, abstract TEXT,"
	  "  authors TEXT NOT NULL DEFAULT '',"
	  "  categories TEXT NOT NULL DEFAULT '',"
	  "  published BIGINT NOT NULL DEFAULT 0,"
	  "  updated BIGINT NOT NULL DEFAULT 0,"
	  "  doi TEXT, journal_ref TEXT, comments TEXT, license TEXT,"
	  "  code_url TEXT, code_explicit INTEGER NOT NULL DEFAULT 0, project_page TEXT,"
	  "  feed_day TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
	  "  hf_day TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
	  "  submitted_at BIGINT NOT NULL DEFAULT 0,"
	  "  submitter TEXT, submitter_name TEXT,"
	  "  upvotes INTEGER NOT NULL DEFAULT -1,"
	  "  num_comments INTEGER NOT NULL DEFAULT -1,"
	  "  github_stars INTEGER NOT NULL DEFAULT -1,"
	  "  ai_summary TEXT, ai_keywords TEXT NOT NULL DEFAULT '', discussion_id TEXT,"
	  "  sources INTEGER NOT NULL DEFAULT 0,"
	  "  first_seen BIGINT NOT NULL, changed_at BIGINT NOT NULL,"
	  "  seq BIGINT NOT NULL DEFAULT 0,"
	  "  local_votes INTEGER NOT NULL DEFAULT 0,"
	  "  local_comments INTEGER NOT NULL DEFAULT 0,"
	  "  hidden INTEGER NOT NULL DEFAULT 0,"
	  "  organization TEXT,"
	  "  media_urls TEXT NOT NULL DEFAULT '',"
	  "  thumbnail TEXT,"
	  "  author_participating INTEGER NOT NULL DEFAULT 0)"
	  /* a paper's row is a few kB: kept whole in its page, uncompressed
	   * (compressing it costs a bulk load a fifth of its time and saves
	   * little) */
	  "  WITH (toast_tuple_target = 8160);"
	  "CREATE INDEX papers_feed ON papers(feed_day, published);"
	  "CREATE INDEX papers_seq ON papers(seq, docid);"
	  "CREATE INDEX papers_submitter ON papers(submitter) WHERE submitter IS NOT NULL;"
	  "CREATE INDEX papers_featured ON papers(hf_day, published) WHERE hf_day <> '';"
	  "CREATE TABLE kv(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	  "INSERT INTO kv VALUES('seq', '0');"
	  "CREATE TABLE users("
	  "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	  "  name TEXT NOT NULL,"
	  "  email TEXT NOT NULL,"
	  "  email_verified INTEGER NOT NULL DEFAULT 0,"
	  "  fullname TEXT NOT NULL DEFAULT '',"
	  "  pwhash TEXT NOT NULL,"
	  "  admin INTEGER NOT NULL DEFAULT 0,"
	  "  disabled INTEGER NOT NULL DEFAULT 0,"
	  "  created BIGINT NOT NULL);"
	  "CREATE UNIQUE INDEX users_lower_name ON users(lower(name));"
	  "CREATE INDEX users_lower_email ON users(lower(email));"
	  "CREATE UNIQUE INDEX users_verified_email ON users(lower(email)) WHERE email_verified = 1;"
	  "CREATE TABLE sessions("
	  "  hash BYTEA PRIMARY KEY,"
	  "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	  "  expires BIGINT NOT NULL);"
	  "CREATE INDEX sessions_user ON sessions(user_id);"
	  "CREATE TABLE api_tokens("
	  "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	  "  hash BYTEA NOT NULL UNIQUE,"
	  "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	  "  label TEXT NOT NULL,"
	  "  created BIGINT NOT NULL,"
	  "  last_used BIGINT NOT NULL DEFAULT 0);"
	  "CREATE INDEX api_tokens_user ON api_tokens(user_id);"
	  "CREATE TABLE votes("
	  "  paper TEXT NOT NULL,"
	  "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	  "  at BIGINT NOT NULL,"
	  "  PRIMARY KEY(paper, user_id));"
	  "CREATE INDEX votes_user ON votes(user_id, at);"
	  "CREATE TABLE comments("
	  "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	  "  paper TEXT NOT NULL,"
	  "  user_id BIGINT NOT NULL REFERENCES users(id),"
	  "  parent BIGINT REFERENCES comments(id),"
	  "  body TEXT NOT NULL,"
	  "  created BIGINT NOT NULL,"
	  "  edited BIGINT NOT NULL DEFAULT 0,"
	  "  deleted INTEGER NOT NULL DEFAULT 0,"
	  "  hidden INTEGER NOT NULL DEFAULT 0);"
	  "CREATE INDEX comments_paper ON comments(paper, id);"
	  "CREATE INDEX comments_user ON comments(user_id);"
	  "CREATE TABLE subscriptions("
	  "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	  "  email TEXT NOT NULL,"
	  "  period TEXT NOT NULL CHECK(period IN ('daily', 'weekly')),"
	  "  topics TEXT NOT NULL DEFAULT '',"
	  "  user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,"
	  "  status TEXT NOT NULL DEFAULT 'pending',"
	  "  created BIGINT NOT NULL,"
	  "  confirmed_at BIGINT NOT NULL DEFAULT 0,"
	  "  failures INTEGER NOT NULL DEFAULT 0,"
	  "  pending_period TEXT,"
	  "  pending_topics TEXT);"
	  "CREATE UNIQUE INDEX subscriptions_lower_email ON subscriptions(lower(email));"
	  "CREATE INDEX subscriptions_period ON subscriptions(period, status);"
	  "CREATE TABLE outbox("
	  "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	  "  sub_id BIGINT REFERENCES subscriptions(id) ON DELETE CASCADE,"
	  "  user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,"
	  "  kind TEXT NOT NULL,"
	  "  period_key TEXT NOT NULL,"
	  "  message_id TEXT NOT NULL UNIQUE,"
	  "  rcpt TEXT NOT NULL,"
	  "  data BYTEA NOT NULL,"
	  "  state TEXT NOT NULL DEFAULT 'queued',"
	  "  attempts INTEGER NOT NULL DEFAULT 0,"
	  "  next_try BIGINT NOT NULL DEFAULT 0,"
	  "  last_error TEXT,"
	  "  created BIGINT NOT NULL,"
	  "  sent_at BIGINT NOT NULL DEFAULT 0,"
	  "  UNIQUE(sub_id, period_key));"
	  "CREATE INDEX outbox_due ON outbox(state, next_try);"
	  "CREATE TABLE sent_papers("
	  "  sub_id BIGINT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,"
	  "  paper TEXT NOT NULL,"
	  "  PRIMARY KEY(sub_id, paper));"
	  "CREATE TABLE limits(key TEXT PRIMARY KEY, count BIGINT NOT NULL, last BIGINT NOT NULL,"
	  "  blocked_until BIGINT NOT NULL DEFAULT 0);"
	  "CREATE TABLE leases(name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires BIGINT NOT NULL);"
	  "CREATE TABLE submissions("
	  "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	  "  paper TEXT NOT NULL,"
	  "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	  "  at BIGINT NOT NULL,"
	  "  status TEXT NOT NULL CHECK(status IN ('featured', 'pending', 'rejected')),"
	  "  decided_by BIGINT REFERENCES users(id) ON DELETE SET NULL,"
	  "  decided_at BIGINT NOT NULL DEFAULT 0);"
	  "CREATE INDEX submissions_user ON submissions(user_id, at);"
	  "CREATE INDEX submissions_status ON submissions(status, at);"
	  /* the trending score (store_trending_score in sqlite.c) and the UTC
	   * day of a time in milliseconds */
	  "CREATE FUNCTION pb_trending(votes BIGINT, featured BIGINT, now BIGINT) RETURNS DOUBLE PRECISION "
	  "  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
	  "  'SELECT votes / power(greatest((now - featured) / 3600000.0, 0) + 2.0, 1.5)';"
	  "CREATE FUNCTION pb_day(ms BIGINT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
	  "  $$SELECT to_char(to_timestamp(ms / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')$$;" },
	{ 7, 8,
	  /* each reader's own: preferences and marks, follows, mutes,
	   * collections, recommendations */
	  "ALTER TABLE users ADD COLUMN mute_collapse INTEGER NOT NULL DEFAULT 0,"
	  "  ADD COLUMN read_mark BIGINT NOT NULL DEFAULT 0, ADD COLUMN active_at BIGINT NOT NULL DEFAULT 0,"
	  "  ADD COLUMN recs_at BIGINT NOT NULL DEFAULT 0, ADD COLUMN feed_hash BYTEA;"
	  "CREATE UNIQUE INDEX users_feed ON users(feed_hash) WHERE feed_hash IS NOT NULL;"
	  "CREATE INDEX users_due_recs ON users(active_at) WHERE active_at > recs_at;"
	  "CREATE TABLE follows(user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, kind TEXT NOT NULL,"
	  "  value TEXT NOT NULL, created BIGINT NOT NULL, PRIMARY KEY(user_id, kind, value));"
	  "CREATE TABLE mutes(user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, kind TEXT NOT NULL,"
	  "  value TEXT NOT NULL, created BIGINT NOT NULL, PRIMARY KEY(user_id, kind, value));"
	  "CREATE TABLE collections(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	  "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL,"
	  "  public INTEGER NOT NULL DEFAULT 0, created BIGINT NOT NULL, updated BIGINT NOT NULL);"
	  "CREATE UNIQUE INDEX collections_name ON collections(user_id, lower(name));"
	  "CREATE TABLE collection_items(collection_id BIGINT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
	  "  paper TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', position BIGINT NOT NULL DEFAULT 0,"
	  "  added BIGINT NOT NULL, PRIMARY KEY(collection_id, paper));"
	  "CREATE TABLE recs(user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, paper TEXT NOT NULL,"
	  "  score BIGINT NOT NULL, PRIMARY KEY(user_id, paper));" },
	{ 8, 9,
	  "ALTER TABLE votes ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;"
	  "CREATE INDEX votes_waiting ON votes(user_id) WHERE counted = 0;"
	  "CREATE TABLE fetch_jobs(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, paper TEXT COLLATE \"C\" NOT NULL,"
	  "  user_id BIGINT REFERENCES users(id) ON DELETE CASCADE, submit INTEGER NOT NULL DEFAULT 0,"
	  "  state TEXT NOT NULL DEFAULT 'queued', message TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0,"
	  "  created BIGINT NOT NULL, updated BIGINT NOT NULL, next_try BIGINT NOT NULL DEFAULT 0,"
	  "  owner TEXT NOT NULL DEFAULT '');"
	  "CREATE INDEX fetch_jobs_due ON fetch_jobs(state, next_try);"
	  "CREATE INDEX fetch_jobs_paper ON fetch_jobs(paper, id);"
	  "CREATE INDEX fetch_jobs_user ON fetch_jobs(user_id, created);"
	  "CREATE INDEX collection_items_order ON collection_items(collection_id, position, added);" },
	{ 9, 10,
	  "ALTER TABLE papers ADD COLUMN author_users TEXT NOT NULL DEFAULT '';"
	  "CREATE TABLE paper_links(paper TEXT COLLATE \"C\" PRIMARY KEY, data TEXT NOT NULL, fetched BIGINT NOT NULL);" },
	{ 10, 11,
	  /* full texts from the PDFs (zlib), the arXiv ids they name, and
	   * where each paper's PDF fetch stands */
	  "CREATE TABLE paper_text(paper TEXT COLLATE \"C\" PRIMARY KEY, data BYTEA NOT NULL, bytes BIGINT NOT NULL);"
	  "CREATE TABLE paper_refs(paper TEXT COLLATE \"C\" NOT NULL, ref TEXT COLLATE \"C\" NOT NULL,"
	  "  PRIMARY KEY(paper, ref));"
	  "CREATE INDEX paper_refs_ref ON paper_refs(ref, paper);"
	  "CREATE TABLE pdf_fetch(paper TEXT COLLATE \"C\" PRIMARY KEY, state TEXT NOT NULL, etag TEXT NOT NULL DEFAULT '',"
	  "  last_modified TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0,"
	  "  next_try BIGINT NOT NULL DEFAULT 0, updated BIGINT NOT NULL DEFAULT 0,"
	  "  message TEXT NOT NULL DEFAULT '');" },
	{ 11, 12,
	  /* each paper's GitHub stars over time, a point a day at most (day:
	   * the UTC day of `at`, in days since 1970) */
	  "CREATE TABLE paper_stars(paper TEXT COLLATE \"C\" NOT NULL, day BIGINT NOT NULL, at BIGINT NOT NULL,"
	  "  stars INTEGER NOT NULL, PRIMARY KEY(paper, day));" },
	{ 12, 13,
	  /* a submitter's name looked up whatever its case (a sign-up may not
	   * take it; sessions and tokens have their user's index already) */
	  "CREATE INDEX papers_lower_submitter ON papers(lower(submitter)) WHERE submitter IS NOT NULL;" },
	{ 13, 14,
	  /* forgotten passwords' links, by the hash of their token (user_id
	   * 0: a request that matched no account) */
	  "CREATE TABLE password_resets(hash BYTEA PRIMARY KEY, user_id BIGINT NOT NULL, expires BIGINT NOT NULL);"
	  "CREATE INDEX password_resets_user ON password_resets(user_id);" },
	{ 14, 15,
	  /* the hidden papers, found without a scan (a server's index leaves
	   * them out of its searches), and a number that moves when one is
	   * hidden or shown again */
	  "CREATE INDEX papers_hidden ON papers(id) WHERE hidden <> 0;"
	  "INSERT INTO kv(key, value) VALUES('hidden', '0') ON CONFLICT DO NOTHING;" },
	{ 15, 16,
	  /* (SQLite's accounts stop reusing numbers; an identity never goes
	   * back: nothing to do) */
	  "SELECT 1;" },
};

static int pg_query_int(struct pg *s, const char *sql, int64_t *out, bool *null, struct buf *err)
{
	PGresult *r = PQexec(s->conn, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fail(s, r, err, "reading the schema");
		PQclear(r);
		return -1;
	}
	*null = PQntuples(r) == 0 || PQgetisnull(r, 0, 0);
	*out = *null ? 0 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

static int pg_migrate(struct pg *s, bool create, struct buf *err)
{
	int64_t v;
	bool none;
	/* one process at a time brings the schema up to date */
	if (pg_exec(&s->base, "BEGIN; SELECT pg_advisory_xact_lock(1346523225)", err))
		return -1;
	if (pg_query_int(s, "SELECT CASE WHEN to_regclass('paperboy_schema') IS NULL THEN NULL ELSE 1 END", &v, &none,
			 err))
		goto fail;
	int version = 0;
	if (!none) {
		if (pg_query_int(s, "SELECT version FROM paperboy_schema", &v, &none, err))
			goto fail;
		version = (int)v;
	} else {
		int64_t tables;
		if (pg_query_int(s,
				 "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
				 "AND table_name IN ('papers', 'users', 'kv')",
				 &tables, &none, err))
			goto fail;
		if (tables) {
			s->base.kind = PB_REFUSED;
			buf_setf(err, "%s: not a paperboy database (it has tables of another program)", s->url);
			goto fail;
		}
		if (!create) {
			s->base.kind = PB_REFUSED;
			buf_setf(err, "%s: database is not initialised (run 'paperboy init')", s->url);
			goto fail;
		}
	}
	if (version > STORE_SCHEMA_VERSION) {
		s->base.kind = PB_REFUSED;
		buf_setf(err,
			 "%s: database schema version %d is newer than this paperboy understands (%d); upgrade paperboy",
			 s->url, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	for (size_t i = 0; i < ARRAY_SIZE(pg_schema); i++) {
		if (pg_schema[i].from != version)
			continue;
		if (pg_exec(&s->base, pg_schema[i].sql, err))
			goto fail;
		version = pg_schema[i].to;
		struct buf sql = BUF_INIT;
		buf_addf(&sql, "UPDATE paperboy_schema SET version = %d", version);
		int rc = pg_exec(&s->base, sql.s, err);
		buf_release(&sql);
		if (rc)
			goto fail;
	}
	if (version != STORE_SCHEMA_VERSION) {
		s->base.kind = PB_INTERNAL;
		buf_setf(err, "%s: no way from schema version %d to %d", s->url, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (pg_exec(&s->base, "COMMIT", err))
		goto fail;
	s->base.schema_version = version;
	return 0;
fail:
	pg_rollback(&s->base);
	return -1;
}

int store_pg_open(const char *url, unsigned flags, struct store **out, enum pb_status *kind, struct buf *err)
{
	*kind = PB_OK;
	struct pg *s = xcalloc(1, sizeof(*s));
	s->base.ops = &pg_ops;
	s->base.sql = &pg_driver;
	s->url = store_url_redact(url);
	s->gen = 1;
	/* defaults first: what the URL says overrides them */
	const char *keys[] = { "connect_timeout", "application_name", "client_encoding", "dbname", NULL };
	const char *vals[] = { "10", "paperboy", "UTF8", url, NULL };
	s->conn = PQconnectdbParams(keys, vals, 1);
	if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
		buf_setf(err, "%s: cannot connect: ", s->url);
		add_msg(err, s->conn ? PQerrorMessage(s->conn) : "out of memory");
		*kind = PB_UNAVAILABLE;
		pg_close(&s->base);
		return -1;
	}
	PQsetNoticeProcessor(s->conn, quiet_notices, NULL);
	if (session_setup(s, err) || pg_migrate(s, flags & STORE_CREATE, err)) {
		*kind = s->base.kind ? s->base.kind : PB_INTERNAL;
		pg_close(&s->base);
		return -1;
	}
	*out = &s->base;
	return 0;
}
