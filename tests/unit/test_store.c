/*
 * test_store.c - the store's conformance suite: both backends pass the same
 * checks (store.h's promises: opening by URL, schema versions, upsert
 * results, lists, people, limits, leases, subscriptions, batch reads,
 * compare-and-set, paged scans and the write sequence, error kinds, and
 * races between processes). `test_store` runs it on SQLite files in a
 * temporary folder; `test_store pg` on databases it creates on the
 * PostgreSQL server $PAPERBOY_TEST_PG names (the test cluster of
 * scripts/pg_test.sh). Only the few checks that break a store on purpose
 * (a newer schema, a foreign database) reach past the interface.
 */
#include "../../src/store/store.h"
#include "check.h"
#include <ctype.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/pb-test-store-XXXXXX";
static bool pg;
static const char *pg_base; /* the server's maintenance database */
static struct strlist pg_dbs; /* databases made here, dropped at the end */

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Runs SQL on the PostgreSQL server (its maintenance database when db is
 * NULL); 0 or -1. */
static int pg_exec_on(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	int rc = -1;
	PQsetNoticeProcessor(c, quiet, NULL);
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, sql);
		rc = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK ? 0 : -1;
		if (rc)
			fprintf(stderr, "test_store: %s: %s", sql, PQerrorMessage(c));
		PQclear(r);
	} else {
		fprintf(stderr, "test_store: %s", PQerrorMessage(c));
	}
	PQfinish(c);
	return rc;
}

/* The base URL with its database replaced by db. */
static void pg_url(struct buf *b, const char *db)
{
	const char *a = strstr(pg_base, "://");
	const char *slash = strchr(a + 3, '/');
	const char *q = strchr(slash, '?');
	buf_reset(b);
	buf_add(b, pg_base, (size_t)(slash - pg_base) + 1);
	buf_adds(b, db);
	if (q)
		buf_adds(b, q);
}

/* The URL of a new, empty store called name (nothing is created on
 * SQLite: the file is made by the first open with STORE_CREATE). */
static void path(struct buf *b, const char *name)
{
	buf_reset(b);
	if (!pg) {
		buf_addf(b, "%s/%s", dir, name);
		return;
	}
	char db[64];
	snprintf(db, sizeof(db), "pbt_%ld_", (long)getpid());
	size_t n = strlen(db);
	for (const char *c = name; *c && n + 1 < sizeof(db); c++)
		db[n++] = isalnum((unsigned char)*c) ? *c : '_';
	db[n] = '\0';
	struct buf sql = BUF_INIT;
	buf_addf(&sql, "DROP DATABASE IF EXISTS %s", db);
	pg_exec_on(pg_base, sql.s);
	buf_reset(&sql);
	buf_addf(&sql, "CREATE DATABASE %s", db);
	if (pg_exec_on(pg_base, sql.s) == 0)
		strlist_push(&pg_dbs, db, strlen(db));
	buf_release(&sql);
	pg_url(b, db);
}

/* Runs SQL on the store at url, past the interface (breaking it on
 * purpose). */
static int raw_exec(const char *url, const char *sqlite_sql, const char *pg_sql)
{
	if (pg)
		return pg_exec_on(url, pg_sql);
	sqlite3 *db;
	int rc = sqlite3_open(url, &db) == SQLITE_OK && sqlite3_exec(db, sqlite_sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	sqlite3_close(db);
	return rc;
}

static void make(struct paper *p, const char *id, const char *day, int upvotes, const char *title)
{
	paper_init(p);
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->title = xstrdup(title);
	strlist_push(&p->authors, "A B", 3);
	snprintf(p->hf_day, sizeof(p->hf_day), "%s", day);
	day_parse(day, &p->published);
	p->published -= 86400000LL;
	p->upvotes = upvotes;
	p->sources = SRC_HF;
}

static int collect_id(const char *id, void *ctx)
{
	buf_addf(ctx, "%s,", id);
	return 0;
}

static int collect(const struct paper *p, void *ctx)
{
	struct buf *b = ctx;
	buf_addf(b, "%s,", p->id);
	return 0;
}

static void test_open_errors(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT;
	enum pb_status kind;
	CHECK(store_open_kind("mysql://x", 0, &s, &kind, &err) == -1 && kind == PB_REFUSED);
	CHECK(strstr(err.s, "unknown database URL scheme") != NULL);
	CHECK(store_open("sqlite:", 0, &s, &err) == -1);
	CHECK(store_open("", 0, &s, &err) == -1);
	if (!pg) {
		path(&p, "missing.db");
		CHECK(store_open_kind(p.s, 0, &s, &kind, &err) == -1 && kind == PB_NOTFOUND);
		CHECK(strstr(err.s, "paperboy init") != NULL);
		CHECK(access(p.s, F_OK) != 0); /* not created by a failed open */
		/* a file that is not SQLite */
		path(&p, "junk.db");
		FILE *f = fopen(p.s, "w");
		fputs("this is not a database, just text that is long enough to matter..............", f);
		fclose(f);
		CHECK(store_open_kind(p.s, 0, &s, &kind, &err) == -1 && kind != PB_OK);
		/* sqlite: URLs work */
		path(&p, "url.db");
		struct buf url = BUF_INIT;
		buf_addf(&url, "sqlite:%s", p.s);
		CHECK(store_open(url.s, STORE_CREATE, &s, &err) == 0);
		CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION);
		CHECK(!strcmp(store_backend(s), "sqlite"));
		store_close(s);
		buf_release(&url);
	} else {
		/* a database that does not exist, a server that is not there: the
		 * message says which, and never shows a password */
		struct buf url = BUF_INIT;
		pg_url(&url, "pbt_no_such_db");
		CHECK(store_open_kind(url.s, 0, &s, &kind, &err) == -1 && kind == PB_UNAVAILABLE);
		CHECK(strstr(err.s, "does not exist") != NULL);
		CHECK(store_open_kind("postgresql://paperboy:sekrit@/x?host=/nonexistent/dir&connect_timeout=2", 0, &s,
				      &kind, &err) == -1);
		CHECK(kind == PB_UNAVAILABLE);
		CHECK(strstr(err.s, "sekrit") == NULL && strstr(err.s, "***") != NULL);
		/* an empty database is not initialised until init (STORE_CREATE) */
		path(&p, "empty");
		CHECK(store_open_kind(p.s, 0, &s, &kind, &err) == -1 && kind == PB_REFUSED);
		CHECK(strstr(err.s, "paperboy init") != NULL);
		CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
		CHECK(!strcmp(store_backend(s), "postgresql"));
		store_close(s);
		CHECK(store_open(p.s, 0, &s, &err) == 0); /* and then it is */
		store_close(s);
		/* another program's database is left alone */
		path(&p, "foreign");
		CHECK(raw_exec(p.s, NULL, "CREATE TABLE papers(x INTEGER)") == 0);
		CHECK(store_open_kind(p.s, STORE_CREATE, &s, &kind, &err) == -1 && kind == PB_REFUSED);
		CHECK(strstr(err.s, "not a paperboy database") != NULL);
		buf_release(&url);
	}
	/* a newer schema is refused clearly */
	path(&p, "future.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	store_close(s);
	CHECK(raw_exec(p.s, "PRAGMA user_version = 99", "UPDATE paperboy_schema SET version = 99") == 0);
	CHECK(store_open_kind(p.s, 0, &s, &kind, &err) == -1 && kind == PB_REFUSED);
	CHECK(strstr(err.s, "newer") != NULL && strstr(err.s, "99") != NULL);
	buf_release(&err);
	buf_release(&p);
}

static void test_upsert_list(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT, ids = BUF_INIT;
	path(&p, "main.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	struct paper ps[4];
	make(&ps[0], "2506.00001", "2025-06-02", 5, "one");
	make(&ps[1], "2506.00002", "2025-06-02", 50, "two");
	make(&ps[2], "2506.00003", "2025-06-03", 1, "three");
	make(&ps[3], "2506.00001", "2025-06-02", 9, "one again"); /* same id in one batch */
	strlist_push(&ps[3].author_users, "A B\tab-hf", 9);
	ps[1].submitter = xstrdup("AKhaliq");
	enum upsert_result r[4];
	CHECK(store_begin(s, &err) == 0);
	CHECK(store_upsert_batch(s, ps, 4, r, &err) == 0);
	CHECK(store_commit(s, &err) == 0);
	CHECK(r[0] == UPSERT_NEW && r[1] == UPSERT_NEW && r[2] == UPSERT_NEW && r[3] == UPSERT_UPDATED);
	/* again: nothing changes */
	CHECK(store_begin(s, &err) == 0);
	CHECK(store_upsert_batch(s, ps, 4, r, &err) == 0);
	CHECK(store_commit(s, &err) == 0);
	CHECK(r[0] == UPSERT_UNCHANGED && r[1] == UPSERT_UNCHANGED && r[2] == UPSERT_UNCHANGED &&
	      r[3] == UPSERT_UNCHANGED);
	struct paper got;
	paper_init(&got);
	CHECK(store_paper_get(s, "2506.00001", &got, &err) == 0);
	CHECK(got.upvotes == 9);
	CHECK_STR(got.title, "one"); /* both HF, same day: the first title stays */
	CHECK(got.authors.n == 1 && !strcmp(got.authors.v[0], "A B"));
	/* who claimed the paper on Hugging Face is kept (issue 20, item 2) */
	CHECK(got.author_users.n == 1 && !strcmp(got.author_users.v[0], "A B\tab-hf"));
	CHECK_STR(paper_author_user(&got, "a b"), "ab-hf");
	CHECK(paper_matches(&got, "author", "A B @ab-hf") && !paper_matches(&got, "author", "A B @other"));
	CHECK(paper_matches(&got, "author", "a b"));
	paper_release(&got);
	CHECK(store_paper_get(s, "9999.99999", &got, &err) == 1);
	/* a submitter's name, whatever its case (a sign-up may not take it) */
	CHECK(store_submitter_known(s, "AKhaliq", &err) == 0);
	CHECK(store_submitter_known(s, "akhaliq", &err) == 0);
	CHECK(store_submitter_known(s, "akhali", &err) == 1);
	/* a rolled-back batch leaves nothing */
	struct paper extra;
	make(&extra, "2506.00009", "2025-06-04", 0, "gone");
	CHECK(store_begin(s, &err) == 0);
	CHECK(store_upsert_batch(s, &extra, 1, r, &err) == 0);
	store_rollback(s);
	CHECK(store_paper_get(s, "2506.00009", &got, &err) == 1);
	paper_release(&extra);

	struct store_query q = { .day_from = "2025-06-02", .day_to = "2025-06-03", .sort = SORT_UPVOTES, .limit = 10 };
	CHECK(store_paper_list(s, &q, collect, &ids, &err) == 0);
	CHECK_STR(ids.s, "2506.00002,2506.00001,");
	buf_reset(&ids);
	q.limit = 1;
	q.offset = 1;
	CHECK(store_paper_list(s, &q, collect, &ids, &err) == 0);
	CHECK_STR(ids.s, "2506.00001,");
	buf_reset(&ids);
	struct store_query w = { .day_from = "2025-06-02", .day_to = "2025-06-09", .sort = SORT_PUBLISHED };
	CHECK(store_paper_list(s, &w, collect, &ids, &err) == 0);
	CHECK_STR(ids.s, "2506.00003,2506.00002,2506.00001,");
	char day[16];
	CHECK(store_latest_day(s, NULL, day, &err) == 0);
	CHECK_STR(day, "2025-06-03");
	CHECK(store_latest_day(s, "2025-06-03", day, &err) == 0);
	CHECK_STR(day, "2025-06-02");
	struct store_stats st;
	CHECK(store_stats(s, &st, &err) == 0);
	CHECK(st.papers == 3 && st.featured == 3);
	CHECK_STR(st.first_day, "2025-06-02");

	char *v = NULL;
	CHECK(store_kv_get(s, "k", &v, &err) == 1);
	CHECK(store_kv_set(s, "k", "x|1001", &err) == 0);
	CHECK(store_kv_get(s, "k", &v, &err) == 0);
	CHECK_STR(v, "x|1001");
	free(v);
	CHECK(store_kv_set(s, "k", NULL, &err) == 0);
	CHECK(store_kv_get(s, "k", &v, &err) == 1);
	for (int i = 0; i < 4; i++)
		paper_release(&ps[i]);
	store_close(s);
	buf_release(&err);
	buf_release(&p);
	buf_release(&ids);
}

static int count_comment(const struct comment *c, void *ctx)
{
	struct buf *b = ctx;
	buf_addf(b, "%lld:%lld:%s;", (long long)c->id, (long long)c->parent, c->deleted ? "-" : c->body);
	return 0;
}

static void test_people(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT, got = BUF_INIT;
	path(&p, "people.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	struct paper ps[3];
	make(&ps[0], "2506.00011", "2025-06-02", 5, "one");
	make(&ps[1], "2506.00012", "2025-06-02", 1, "two");
	make(&ps[2], "2506.00013", "2025-05-25", 0, "old");
	enum upsert_result r[3];
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, ps, 3, r, &err) == 0 && store_commit(s, &err) == 0);

	/* users: names are unique without regard to case; an address only
	 * once verified (so a sign-up never tells it is registered) */
	struct user a = { 0 }, b = { 0 }, u;
	snprintf(a.name, sizeof(a.name), "alice");
	snprintf(a.email, sizeof(a.email), "a@x.org");
	snprintf(a.pwhash, sizeof(a.pwhash), "$argon2id$fake");
	b = a;
	CHECK(store_user_add(s, &a, &err) == 0 && a.id > 0 && !a.email_verified);
	snprintf(b.name, sizeof(b.name), "ALICE");
	snprintf(b.email, sizeof(b.email), "b@x.org");
	CHECK(store_user_add(s, &b, &err) == 1);
	snprintf(b.name, sizeof(b.name), "bob");
	snprintf(b.email, sizeof(b.email), "A@X.ORG");
	CHECK(store_user_add(s, &b, &err) == 0); /* the same unverified address */
	CHECK(store_user_verify_email(s, b.id, "a@x.org", &err) == 0); /* case-insensitive */
	CHECK(store_user_verify_email(s, a.id, "a@x.org", &err) == 2); /* bob verified it first */
	CHECK(store_user_verify_email(s, a.id, "old@x.org", &err) == 1); /* not alice's address now */
	CHECK(store_user_find(s, "a@X.org", &u, &err) == 0 && u.id == b.id && u.email_verified);
	CHECK(store_user_find(s, "ALICE", &u, &err) == 0 && u.id == a.id && !u.email_verified);
	CHECK(store_user_find(s, "nobody@x.org", &u, &err) == 1);
	struct user a2 = a;
	snprintf(a2.name, sizeof(a2.name), "carl");
	a2.email_verified = true; /* an operator's account with bob's verified address */
	CHECK(store_user_add(s, &a2, &err) == 1);
	CHECK(store_user_get(s, 0, "Alice", &u, &err) == 0 && u.id == a.id);
	CHECK(store_user_get(s, b.id, NULL, &u, &err) == 0 && !strcmp(u.name, "bob"));
	CHECK(store_user_get(s, 0, "carol", &u, &err) == 1);

	/* an account's number is never given again (state keyed by it, such
	 * as the limits' counters, cannot pass to a later account): the
	 * newest account deleted, the next one gets a new number. (The first
	 * deletion makes the placeholder that deleted accounts' comments keep,
	 * numbered after it; the second shows it.) */
	for (int i = 0; i < 2; i++) {
		struct user t = { 0 }, n;
		snprintf(t.name, sizeof(t.name), "temp%d", i);
		snprintf(t.email, sizeof(t.email), "t%d@x.org", i);
		snprintf(t.pwhash, sizeof(t.pwhash), "$argon2id$fake");
		n = t;
		snprintf(n.name, sizeof(n.name), "next%d", i);
		CHECK(store_user_add(s, &t, &err) == 0 && store_user_delete(s, t.id, &err) == 0);
		CHECK(store_user_add(s, &n, &err) == 0);
		if (n.id <= t.id)
			fprintf(stderr, "account %lld deleted, the next one got %lld\n", (long long)t.id, (long long)n.id);
		CHECK(n.id > t.id);
		CHECK(store_user_delete(s, n.id, &err) == 0);
	}

	/* limits: counted per key, blocked from the free_n-th event, the block
	 * doubling up to the cap, a new count after a quiet spell */
	struct store_limit l;
	for (int i = 1; i <= 3; i++)
		CHECK(store_limit_hit(s, "k", 1000 * i, 60000, 3, 100, 1000, &l, &err) == 0 && l.count == i);
	CHECK(l.blocked_until == 3000 + 100);
	CHECK(store_limit_hit(s, "k", 4000, 60000, 3, 100, 1000, &l, &err) == 0 && l.blocked_until == 4000 + 200);
	for (int i = 0; i < 40; i++)
		store_limit_hit(s, "k", 5000 + i, 60000, 3, 100, 1000, &l, &err);
	CHECK(l.blocked_until == 5039 + 1000); /* capped, no overflow */
	CHECK(store_limit_hit(s, "k", 500000, 60000, 3, 100, 1000, &l, &err) == 0 && l.count == 1 && !l.blocked_until);
	CHECK(store_limit_get(s, "other", &l, &err) == 0 && l.count == 0);
	CHECK(store_limit_clear(s, "k", &err) == 0 && store_limit_get(s, "k", &l, &err) == 0 && l.count == 0);
	CHECK(store_limit_hit(s, "old", 10, 60000, 3, 100, 1000, &l, &err) == 0);
	CHECK(store_limit_prune(s, 100000, &err) == 0 && store_limit_get(s, "old", &l, &err) == 0 && l.count == 0);

	/* leases: one holder; renewed by it only; free when expired; taken
	 * from a holder named dead */
	char holder[128];
	pb_time exp;
	CHECK(store_lease_take(s, "job", "h1 1", 1000, 500, NULL, holder, &err) == 0);
	CHECK(store_lease_take(s, "job", "h2 2", 1200, 500, NULL, holder, &err) == 1 && !strcmp(holder, "h1 1"));
	CHECK(store_lease_renew(s, "job", "h1 1", 1400, 500, &err) == 0);
	CHECK(store_lease_take(s, "job", "h2 2", 1600, 500, NULL, NULL, &err) == 1); /* renewed to 1900 */
	CHECK(store_lease_renew(s, "job", "h2 2", 1600, 500, &err) == 1);
	CHECK(store_lease_take(s, "job", "h2 2", 1900, 500, NULL, NULL, &err) == 0); /* expired */
	CHECK(store_lease_renew(s, "job", "h1 1", 2000, 500, &err) == 1);             /* h1 lost it */
	CHECK(store_lease_take(s, "job", "h3 3", 2000, 500, "h2 2", NULL, &err) == 0); /* h2 is dead */
	CHECK(store_lease_get(s, "job", holder, &exp, &err) == 0 && !strcmp(holder, "h3 3") && exp == 2500);
	CHECK(store_lease_release(s, "job", "h1 1", &err) == 0 && store_lease_get(s, "job", holder, &exp, &err) == 0);
	CHECK(store_lease_release(s, "job", "h3 3", &err) == 0 && store_lease_get(s, "job", holder, &exp, &err) == 1);

	/* subscriptions: a proposal makes a new one pending, and holds a change
	 * of an existing one until it is confirmed */
	struct subscription sub = { 0 }, sgot;
	bool created;
	snprintf(sub.email, sizeof(sub.email), "s@x.org");
	snprintf(sub.period, sizeof(sub.period), "daily");
	sub.topics = "diffusion";
	CHECK(store_sub_propose(s, &sub, &created, &err) == 0 && created && !strcmp(sub.status, "pending"));
	CHECK(store_sub_confirm(s, sub.id, &err) == 0);
	snprintf(sub.period, sizeof(sub.period), "weekly");
	sub.topics = "other";
	CHECK(store_sub_propose(s, &sub, &created, &err) == 0 && !created);
	CHECK(store_sub_get(s, 0, "S@X.ORG", &sgot, &err) == 0 && !strcmp(sgot.period, "daily") &&
	      !strcmp(sgot.topics, "diffusion") && !strcmp(sgot.status, "active") && !strcmp(sgot.pending_period, "weekly"));
	subscription_release(&sgot);
	CHECK(store_sub_confirm(s, sub.id, &err) == 0);
	CHECK(store_sub_get(s, sub.id, NULL, &sgot, &err) == 0 && !strcmp(sgot.period, "weekly") &&
	      !strcmp(sgot.topics, "other") && !sgot.pending_period[0] && !sgot.pending_topics);
	subscription_release(&sgot);
	CHECK(store_sub_confirm(s, 999, &err) == 1);

	/* sessions: found by hash until they expire or the user is disabled */
	uint8_t h[TOKEN_HASH_BYTES] = { 1, 2, 3 }, h2[TOKEN_HASH_BYTES] = { 9 };
	CHECK(store_session_add(s, h, a.id, 5000, &err) == 0);
	CHECK(store_session_get(s, h, 4000, &u, &err) == 0 && u.id == a.id);
	CHECK(store_session_get(s, h, 6000, &u, &err) == 1);
	CHECK(store_session_get(s, h2, 4000, &u, &err) == 1);
	/* signing in again and again keeps the newest STORE_SESSIONS_MAX (found
	 * attacking the server: 88 rows for one account after one run) */
	for (int i = 0; i < STORE_SESSIONS_MAX + 8; i++) {
		uint8_t hi[TOKEN_HASH_BYTES] = { 0xAA, (uint8_t)i };
		CHECK(store_session_add(s, hi, a.id, 100000 + i, &err) == 0);
	}
	for (int i = 0; i < STORE_SESSIONS_MAX + 8; i++) {
		uint8_t hi[TOKEN_HASH_BYTES] = { 0xAA, (uint8_t)i };
		CHECK(store_session_get(s, hi, 4000, &u, &err) == (i < 8 ? 1 : 0));
	}
	CHECK(store_session_get(s, h, 4000, &u, &err) == 1); /* the oldest of all: gone */
	CHECK(store_token_add(s, b.id, h2, "script", 10, &err) == 0);
	CHECK(store_token_user(s, h2, 20, &u, &err) == 0 && u.id == b.id);
	/* an account's tokens are bounded too (they were not) */
	for (int i = 1; i < STORE_TOKENS_MAX; i++) {
		uint8_t ht[TOKEN_HASH_BYTES] = { 0xBB, (uint8_t)i };
		CHECK(store_token_add(s, b.id, ht, "more", 10, &err) == 0);
	}
	/* a new password ends the account's sessions (its tokens stay); an
	 * update (an administrator's) keeps them, and never writes a password
	 * hash read before a change back */
	{
		uint8_t hs[TOKEN_HASH_BYTES] = { 0xCD };
		struct user pu;
		CHECK(store_session_add(s, hs, b.id, 100000, &err) == 0);
		CHECK(store_user_get(s, b.id, NULL, &pu, &err) == 0);
		char first[128];
		snprintf(first, sizeof(first), "%s", pu.pwhash);
		CHECK(store_user_set_password(s, b.id, first, "$argon2id$another", &err) == 0);
		CHECK(store_session_get(s, hs, 4000, &u, &err) == 1);
		CHECK(store_session_add(s, hs, b.id, 100000, &err) == 0);
		/* a flag set while another change was made writes only itself:
		 * the new hash, the other flag stay */
		CHECK(store_user_flag(s, b.id, USER_FLAG_ADMIN, true, &err) == 0);
		CHECK(store_user_flag(s, b.id, USER_FLAG_DISABLED, false, &err) == 0);
		CHECK(store_session_get(s, hs, 4000, &u, &err) == 0 && u.id == b.id && !strcmp(u.pwhash, "$argon2id$another") &&
		      u.admin && !u.disabled);
		CHECK(store_user_flag(s, b.id, USER_FLAG_ADMIN, false, &err) == 0);
		CHECK(store_user_get(s, b.id, NULL, &pu, &err) == 0 && !pu.admin && !strcmp(pu.pwhash, "$argon2id$another"));
		CHECK(store_user_flag(s, 424242, USER_FLAG_DISABLED, true, &err) == 1);
		CHECK(store_token_user(s, h2, 20, &u, &err) == 0 && u.id == b.id);
		/* a change over a hash that moved meanwhile is refused */
		CHECK(store_user_set_password(s, b.id, "$argon2id$stale", "$argon2id$third", &err) == 1);
		CHECK(store_session_get(s, hs, 4000, &u, &err) == 0);
		CHECK(store_user_set_password(s, b.id, "$argon2id$another", "$argon2id$third", &err) == 0);
		CHECK(store_session_get(s, hs, 4000, &u, &err) == 1);
		CHECK(store_user_get(s, b.id, NULL, &pu, &err) == 0 && !strcmp(pu.pwhash, "$argon2id$third"));
		/* forgotten passwords: a token's hash, for a while, used once;
		 * using it ends the sessions and API tokens; a token for no one
		 * (user 0) opens nothing */
		uint8_t r1[TOKEN_HASH_BYTES] = { 0xE1 }, r2[TOKEN_HASH_BYTES] = { 0xE2 }, r0[TOKEN_HASH_BYTES] = { 0xE0 };
		CHECK(store_reset_add(s, r0, 0, 9000, 1000, NULL, &err) == 0);
		CHECK(store_reset_get(s, r0, 2000, &u, &err) == 1);
		CHECK(store_reset_add(s, r1, b.id, 9000, 1000, NULL, &err) == 0);
		CHECK(store_reset_add(s, r2, b.id, 1500, 1000, NULL, &err) == 0);
		CHECK(store_reset_get(s, r1, 2000, &u, &err) == 0 && u.id == b.id);
		CHECK(store_reset_get(s, r2, 2000, &u, &err) == 1); /* expired */
		CHECK(store_session_add(s, hs, b.id, 100000, &err) == 0);
		CHECK(store_reset_use(s, r1, 2000, "$argon2id$reset", &pu, &err) == 0 && pu.id == b.id &&
		      !strcmp(pu.pwhash, "$argon2id$reset"));
		CHECK(store_session_get(s, hs, 4000, &u, &err) == 1);
		CHECK(store_token_user(s, h2, 20, &u, &err) == 1); /* b's twenty tokens: gone */
		for (int i = 1; i < STORE_TOKENS_MAX; i++) {
			uint8_t hb[TOKEN_HASH_BYTES] = { 0xBB, (uint8_t)i };
			CHECK(store_token_user(s, hb, 20, &u, &err) == 1);
			CHECK(store_token_add(s, b.id, hb, "more", 10, &err) == 0); /* as they were, for what follows */
		}
		CHECK(store_reset_use(s, r1, 2000, "$argon2id$again", &pu, &err) == 1); /* once */
		/* a change of password, or a deleted account, ends its links (a
		 * later account may get the same number) */
		CHECK(store_reset_add(s, r2, b.id, 9000, 1000, NULL, &err) == 0);
		CHECK(store_user_set_password(s, b.id, "$argon2id$reset", "$argon2id$changed", &err) == 0);
		CHECK(store_reset_get(s, r2, 2000, &u, &err) == 1);
		CHECK(store_user_set_password(s, b.id, "$argon2id$changed", "$argon2id$reset", &err) == 0);
		CHECK(store_user_get(s, b.id, NULL, &pu, &err) == 0 && !strcmp(pu.pwhash, "$argon2id$reset"));
		/* a disabled account's token opens nothing */
		CHECK(store_reset_add(s, r2, b.id, 9000, 1000, NULL, &err) == 0);
		CHECK(store_user_flag(s, b.id, USER_FLAG_DISABLED, true, &err) == 0);
		CHECK(store_reset_get(s, r2, 2000, &u, &err) == 1 && store_reset_use(s, r2, 2000, "$x", &u, &err) == 1);
		CHECK(store_user_flag(s, b.id, USER_FLAG_DISABLED, false, &err) == 0);
		CHECK(store_token_add(s, b.id, h2, "script", 10, &err) == 0);
	}
	uint8_t h_over[TOKEN_HASH_BYTES] = { 0xBC };
	CHECK(store_token_add(s, b.id, h_over, "one too many", 10, &err) == 1);
	CHECK(store_token_user(s, h_over, 20, &u, &err) == 1);
	CHECK(store_token_add(s, a.id, h_over, "another account's", 10, &err) == 0);
	CHECK(store_token_user(s, h2, 20, &u, &err) == 0 && u.id == b.id);
	CHECK(store_user_flag(s, u.id, USER_FLAG_DISABLED, true, &err) == 0);
	CHECK(store_token_user(s, h2, 30, &u, &err) == 1);

	/* votes: a toggle, the total over the imported baseline */
	bool voted;
	int up;
	CHECK(store_vote_toggle(s, a.id, "2506.00011", 1000, true, &voted, &up, &err) == 0 && voted && up == 6);
	CHECK(store_vote_toggle(s, b.id, "2506.00011", 2000, true, &voted, &up, &err) == 0 && voted && up == 7);
	CHECK(store_vote_toggle(s, a.id, "2506.00011", 3000, true, &voted, &up, &err) == 0 && !voted && up == 6);
	CHECK(store_vote_toggle(s, a.id, "2999.00001", 3000, true, &voted, &up, &err) == 1);
	CHECK(store_vote_get(s, b.id, "2506.00011", &voted, &err) == 0 && voted);
	struct paper got_p;
	paper_init(&got_p);
	CHECK(store_paper_get(s, "2506.00011", &got_p, &err) == 0 && got_p.local_votes == 1 && paper_upvotes(&got_p) == 6);
	paper_release(&got_p);
	/* votes order the upvote list, and an upsert never touches them */
	CHECK(store_vote_toggle(s, a.id, "2506.00012", 1000, true, &voted, &up, &err) == 0);
	CHECK(store_vote_toggle(s, b.id, "2506.00012", 1000, true, &voted, &up, &err) == 0);
	CHECK(store_vote_toggle(s, a.id, "2506.00012", 1000, true, &voted, &up, &err) == 0);
	CHECK(store_vote_toggle(s, a.id, "2506.00012", 1000, true, &voted, &up, &err) == 0 && up == 3);
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, ps, 2, r, &err) == 0 && store_commit(s, &err) == 0);
	struct store_query q = { .day_from = "2025-06-02", .day_to = "2025-06-03", .sort = SORT_UPVOTES };
	buf_reset(&got);
	CHECK(store_paper_list(s, &q, collect, &got, &err) == 0);
	CHECK(!strcmp(got.s, "2506.00011,2506.00012,")); /* 6 against 3 */

	/* comments: one level of replies, counters follow deletes */
	struct comment c1 = { 0 }, c2 = { 0 }, c3 = { 0 }, cg;
	snprintf(c1.paper, sizeof(c1.paper), "2506.00012");
	c1.user_id = a.id;
	c1.body = "first";
	CHECK(store_comment_add(s, &c1, &err) == 0 && c1.id > 0);
	c2 = c1;
	c2.id = 0;
	c2.parent = c1.id;
	c2.body = "reply";
	CHECK(store_comment_add(s, &c2, &err) == 0);
	c3 = c1;
	c3.parent = c2.id; /* a reply to a reply */
	c3.body = "deeper";
	CHECK(store_comment_add(s, &c3, &err) == 1);
	snprintf(c3.paper, sizeof(c3.paper), "2506.00011"); /* a parent on another paper */
	c3.parent = c1.id;
	CHECK(store_comment_add(s, &c3, &err) == 1);
	CHECK(store_comment_edit(s, c1.id, "first, edited", 77, &err) == 0);
	CHECK(store_comment_get(s, c1.id, &cg, &err) == 0 && cg.edited == 77 && !strcmp(cg.user, "alice"));
	comment_release(&cg);
	buf_reset(&got);
	CHECK(store_comment_list(s, "2506.00012", count_comment, &got, &err) == 0);
	struct buf want = BUF_INIT;
	buf_addf(&want, "%lld:0:first, edited;%lld:%lld:reply;", (long long)c1.id, (long long)c2.id, (long long)c1.id);
	CHECK(!strcmp(got.s, want.s));
	CHECK(store_comment_delete(s, c2.id, &err) == 0);
	CHECK(store_comment_delete(s, c2.id, &err) == 1); /* once */
	CHECK(store_comment_edit(s, c2.id, "zombie", 78, &err) == 1);
	paper_init(&got_p);
	CHECK(store_paper_get(s, "2506.00012", &got_p, &err) == 0 && got_p.local_comments == 1);
	paper_release(&got_p);

	/* hiding: out of lists, no votes; listed as hidden (the index leaves
	 * them out), the generation moving with each change and only then */
	int64_t gen0 = -1, gen1 = -1, gen2 = -1;
	CHECK(store_hidden_gen(s, &gen0, &err) == 0 && gen0 >= 0);
	CHECK(store_paper_hide(s, "2506.00011", true, &err) == 0);
	CHECK(store_paper_hide(s, "2506.00011", true, &err) == 0); /* already: no change */
	CHECK(store_paper_hide(s, "2999.99999", true, &err) == 1);
	buf_reset(&got);
	CHECK(store_papers_hidden(s, &gen1, collect_id, &got, &err) == 0 && !strcmp(got.s, "2506.00011,") &&
	      gen1 == gen0 + 1);
	CHECK(store_paper_hide(s, "2506.00012", true, &err) == 0 && store_paper_hide(s, "2506.00012", false, &err) == 0);
	buf_reset(&got);
	CHECK(store_papers_hidden(s, &gen2, collect_id, &got, &err) == 0 && !strcmp(got.s, "2506.00011,") &&
	      gen2 == gen1 + 2);
	buf_reset(&got);
	CHECK(store_paper_list(s, &q, collect, &got, &err) == 0 && !strcmp(got.s, "2506.00012,"));
	CHECK(store_vote_toggle(s, a.id, "2506.00011", 1000, true, &voted, &up, &err) == 1);
	char day[16];
	CHECK(store_next_day(s, "2025-05-25", day, &err) == 0 && !strcmp(day, "2025-06-02"));
	CHECK(store_next_day(s, "2025-06-02", day, &err) == 0 && !day[0]);

	/* trending: age weighs against votes */
	CHECK(store_trending_score(10, 0, 3600000LL * 10) < store_trending_score(10, 0, 3600000LL));
	CHECK(store_trending_score(20, 0, 3600000LL * 24) > store_trending_score(10, 0, 3600000LL * 24));
	store_close(s);
	buf_release(&want);
	buf_release(&got);
	buf_release(&err);
	buf_release(&p);
	for (int i = 0; i < 3; i++)
		paper_release(&ps[i]);
}

/* ---- batch reads, compare-and-set, scans ------------------------------------ */

struct got_list {
	struct buf ids;
	size_t last_i;
	bool ordered;
};

static int got_indexed(const struct paper *p, size_t i, void *ctx)
{
	struct got_list *g = ctx;
	if (g->ids.len && i <= g->last_i)
		g->ordered = false;
	g->last_i = i;
	buf_addf(&g->ids, "%zu=%s,", i, p->id);
	return 0;
}

/* As got_indexed, with the paper's title and first author. */
static int got_titled(const struct paper *p, size_t i, void *ctx)
{
	struct got_list *g = ctx;
	buf_addf(&g->ids, "%zu=%s:%s:%s,", i, p->id, p->title ? p->title : "-", p->authors.n ? p->authors.v[0] : "-");
	return 0;
}

static void test_batch_reads(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT;
	path(&p, "batch.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	/* 250 papers: the reads cross their chunks of a hundred */
	enum { N = 250 };
	struct paper *ps = xcalloc(N, sizeof(*ps));
	enum upsert_result *r = xcalloc(N, sizeof(*r));
	char idbuf[N][24];
	const char *ids[N + 2];
	for (int i = 0; i < N; i++) {
		snprintf(idbuf[i], sizeof(idbuf[i]), "2507.%05d", i);
		make(&ps[i], idbuf[i], "2025-07-01", i, "t");
		ids[i] = idbuf[N - 1 - i]; /* asked for in reverse */
	}
	ids[N] = "2999.99999"; /* not there */
	ids[N + 1] = idbuf[0];  /* twice */
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, ps, N, r, &err) == 0 && store_commit(s, &err) == 0);
	CHECK(store_paper_hide(s, idbuf[7], true, &err) == 0);
	struct got_list g = { BUF_INIT, 0, true };
	CHECK(store_papers_get(s, ids, N + 2, false, got_indexed, &g, &err) == 0);
	CHECK(g.ordered);
	CHECK(strstr(g.ids.s, "0=2507.00249,1=2507.00248,") == g.ids.s);
	CHECK(strstr(g.ids.s, "2507.00007") == NULL); /* hidden */
	CHECK(strstr(g.ids.s, "250=") == NULL);        /* missing */
	CHECK(strstr(g.ids.s, ",251=2507.00000,") != NULL);
	buf_reset(&g.ids);
	g.ordered = true;
	CHECK(store_papers_get(s, ids, N + 2, true, got_indexed, &g, &err) == 0);
	CHECK(strstr(g.ids.s, "=2507.00007,") != NULL);
	CHECK(store_papers_get(s, ids, 0, true, got_indexed, &g, &err) == 0);
	/* an id asked for twice in one read: both places get the whole paper
	 * (the row moves to the first and is copied to the second) */
	const char *dup[3] = { idbuf[3], idbuf[4], idbuf[3] };
	buf_reset(&g.ids);
	CHECK(store_papers_get(s, dup, 3, true, got_titled, &g, &err) == 0);
	CHECK_STR(g.ids.s, "0=2507.00003:t:A B,1=2507.00004:t:A B,2=2507.00003:t:A B,");

	/* which of many papers a user voted for */
	struct user u = { 0 };
	snprintf(u.name, sizeof(u.name), "voter");
	snprintf(u.email, sizeof(u.email), "v@x.org");
	snprintf(u.pwhash, sizeof(u.pwhash), "$argon2id$fake");
	CHECK(store_user_add(s, &u, &err) == 0);
	bool voted, *vv = xcalloc(N + 2, sizeof(*vv));
	int up;
	CHECK(store_vote_toggle(s, u.id, idbuf[3], 1, true, &voted, &up, &err) == 0 && voted);
	CHECK(store_vote_toggle(s, u.id, idbuf[203], 1, true, &voted, &up, &err) == 0 && voted);
	CHECK(store_votes_get(s, u.id, ids, N + 2, vv, &err) == 0);
	int n = 0;
	for (int i = 0; i < N + 2; i++)
		n += vv[i];
	CHECK(n == 2 && vv[N - 1 - 3] && vv[N - 1 - 203]);

	/* compare-and-set: one claim wins */
	char *v = NULL;
	CHECK(store_kv_cas(s, "run:1", NULL, "a", &err) == 0);
	CHECK(store_kv_cas(s, "run:1", NULL, "b", &err) == 1);
	CHECK(store_kv_cas(s, "run:1", "b", "c", &err) == 1);
	CHECK(store_kv_cas(s, "run:1", "a", "c", &err) == 0);
	CHECK(store_kv_get(s, "run:1", &v, &err) == 0 && !strcmp(v, "c"));
	free(v);
	CHECK(store_kv_cas(s, "run:1", "c", NULL, &err) == 0);
	CHECK(store_kv_get(s, "run:1", &v, &err) == 1);
	CHECK(store_errkind(s) == PB_OK);

	/* a unique key taken is an answer, not a failure */
	struct user u2 = u;
	CHECK(store_user_add(s, &u2, &err) == 1 && store_errkind(s) == PB_OK);
	free(vv);
	for (int i = 0; i < N; i++)
		paper_release(&ps[i]);
	free(ps);
	free(r);
	buf_release(&g.ids);
	store_close(s);
	buf_release(&err);
	buf_release(&p);
}

struct scan_ctx {
	int n;
	bool ordered;
	char last[32];
	struct buf ids;
};

static int scan_count(const struct paper *p, void *ctx)
{
	struct scan_ctx *c = ctx;
	c->n++;
	buf_addf(&c->ids, "%s,", p->id);
	return 0;
}

static int scan_stop(const struct paper *p, void *ctx)
{
	(void)p;
	return ++*(int *)ctx == 1500;
}

/* Papers "PREFIX.NNNNN" k..k+n-1 in one batch, in its own transaction. */
static int write_batch(struct store *s, const char *prefix, int k, int n, const char *title, struct buf *err)
{
	struct paper *ps = xcalloc((size_t)n, sizeof(*ps));
	enum upsert_result *r = xcalloc((size_t)n, sizeof(*r));
	for (int i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof(id), "%s.%05d", prefix, k + i);
		make(&ps[i], id, "2025-07-02", 1, title);
		ps[i].sources = SRC_ARXIV_SNAP;
		ps[i].version = title[0] - 'a' + 1; /* a later version replaces */
	}
	int rc = store_begin(s, err) || store_upsert_batch(s, ps, (size_t)n, r, err) || store_commit(s, err) ? -1 : 0;
	if (rc)
		store_rollback(s);
	for (int i = 0; i < n; i++)
		paper_release(&ps[i]);
	free(ps);
	free(r);
	return rc;
}

/* Whether the process maps the file named by path (/proc/self/maps). */
static bool file_mapped(const char *path)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		size_t n = strlen(line), m = strlen(path);
		found = n >= m && !strcmp(line + n - m, path);
	}
	if (f)
		fclose(f);
	return found;
}

struct mapped_ctx {
	const char *path;
	int n, mapped;
};

static int scan_mapped(const struct paper *p, void *ctx)
{
	(void)p;
	struct mapped_ctx *m = ctx;
	m->n++;
	m->mapped += file_mapped(m->path);
	return 0;
}

static void test_scan(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT;
	path(&p, "scan.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	int64_t m0, m1, m2;
	CHECK(store_seq(s, &m0, &err) == 0 && m0 == 0);
	CHECK(write_batch(s, "2508", 0, 1200, "a", &err) == 0);
	CHECK(store_seq(s, &m1, &err) == 0 && m1 > m0);
	CHECK(write_batch(s, "2508", 1200, 1300, "a", &err) == 0);
	CHECK(write_batch(s, "2508", 5, 2, "b", &err) == 0); /* two changed */
	CHECK(store_seq(s, &m2, &err) == 0 && m2 > m1);
	/* every paper, in pages, in the order first stored */
	struct scan_ctx c = { 0, true, "", BUF_INIT };
	CHECK(store_paper_scan(s, scan_count, &c, &err) == 0 && c.n == 2500);
	CHECK(strstr(c.ids.s, "2508.00000,2508.00001,") == c.ids.s);
	int stopped = 0;
	CHECK(store_paper_scan(s, scan_stop, &stopped, &err) == 0 && stopped == 1500);
	/* what changed after the first batch: the second and the two changed */
	c.n = 0;
	buf_reset(&c.ids);
	CHECK(store_paper_scan_since(s, m1, scan_count, &c, &err) == 0 && c.n == 1302);
	CHECK(strstr(c.ids.s, "2508.00005,2508.00006,") != NULL);
	CHECK(strstr(c.ids.s, "2508.00004,") == NULL);
	c.n = 0;
	CHECK(store_paper_scan_since(s, m2, scan_count, &c, &err) == 0 && c.n == 0);
	/* a batch that changes nothing moves nothing */
	CHECK(write_batch(s, "2508", 5, 2, "b", &err) == 0);
	c.n = 0;
	CHECK(store_paper_scan_since(s, m2, scan_count, &c, &err) == 0 && c.n == 0);
	buf_release(&c.ids);
	if (!pg) {
		/* a scan of every paper (an index build) reads the file through
		 * read(), not SQLite's memory map: the map's pages would count
		 * as the process's own, up to 2 GB of a large database (issue 22:
		 * peak RSS of a 3M rebuild 3.0 GB with it, 0.94 GB without);
		 * other reads map it */
		char full[PATH_MAX];
		CHECK(realpath(p.s, full) != NULL);
		store_close(s); /* a connection whose cache is cold maps what it reads */
		CHECK(store_open(p.s, 0, &s, &err) == 0);
		struct paper one;
		paper_init(&one);
		CHECK(store_paper_get(s, "2508.00007", &one, &err) == 0);
		paper_release(&one);
		CHECK(file_mapped(full));
		store_close(s);
		CHECK(store_open(p.s, 0, &s, &err) == 0);
		struct mapped_ctx mc = { full, 0, 0 };
		CHECK(store_paper_scan(s, scan_mapped, &mc, &err) == 0 && mc.n == 2500 && mc.mapped == 0);
		mc.n = 0;
		CHECK(store_paper_scan_since(s, m1, scan_mapped, &mc, &err) == 0 && mc.n == 1302 && mc.mapped == 0);
	}
	store_close(s);
	buf_release(&err);
	buf_release(&p);
}

/* ---- each reader's own ---------------------------------------------------------------- */

static int count_follow(const struct follow *f, void *ctx)
{
	struct buf *b = ctx;
	buf_addf(b, "%s=%s;", f->kind, f->value);
	return 0;
}

static int count_coll(const struct collection *c, void *ctx)
{
	struct buf *b = ctx;
	buf_addf(b, "%s:%lld;", c->name, (long long)c->items);
	return 0;
}

static int count_item(const struct collection_item *it, void *ctx)
{
	struct buf *b = ctx;
	buf_addf(b, "%s[%s];", it->paper, it->note);
	return 0;
}

static int count_rec(const char *paper, double score, void *ctx)
{
	struct buf *b = ctx;
	buf_addf(b, "%s=%.2f;", paper, score);
	return 0;
}

static int due_user(int64_t id, void *ctx)
{
	*(int64_t *)ctx = id;
	return 0;
}

static void test_personal(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT, got = BUF_INIT;
	path(&p, "personal.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	struct paper ps[3];
	enum upsert_result r[3];
	make(&ps[0], "2510.00001", "2025-10-01", 10, "one");
	make(&ps[1], "2510.00002", "2025-10-01", 20, "two");
	make(&ps[2], "2510.00003", "2025-10-02", 30, "three");
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, ps, 3, r, &err) == 0 && store_commit(s, &err) == 0);
	struct user a = { 0 }, b = { 0 };
	snprintf(a.name, sizeof(a.name), "reader");
	snprintf(a.email, sizeof(a.email), "r@x.org");
	snprintf(a.pwhash, sizeof(a.pwhash), "$argon2id$fake");
	b = a;
	snprintf(b.name, sizeof(b.name), "other");
	CHECK(store_user_add(s, &a, &err) == 0 && store_user_add(s, &b, &err) == 0);

	/* follows and mutes: idempotent sets */
	CHECK(store_follow_set(s, a.id, "author", "Ada Lovelace", true, 1, 0, &err) == 0);
	CHECK(store_follow_set(s, a.id, "author", "Ada Lovelace", true, 2, 2, &err) == 0);
	CHECK(store_follow_set(s, a.id, "category", "cs.CL", true, 3, 2, &err) == 0);
	/* a cap of two: a third pair is refused, one already there is not */
	CHECK(store_follow_set(s, a.id, "category", "cs.LG", true, 3, 2, &err) == 1 && store_errkind(s) == PB_OK);
	CHECK(store_follow_set(s, a.id, "category", "cs.CL", true, 3, 2, &err) == 0);
	CHECK(store_follow_set(s, b.id, "category", "cs.LG", true, 3, 2, &err) == 0); /* the cap is each user's */
	CHECK(store_follow_set(s, b.id, "category", "cs.LG", false, 3, 0, &err) == 0);
	CHECK(store_follow_list(s, a.id, count_follow, &got, &err) == 0);
	CHECK_STR(got.s, "author=Ada Lovelace;category=cs.CL;");
	CHECK(store_follow_set(s, a.id, "category", "cs.CL", false, 4, 2, &err) == 0);
	buf_reset(&got);
	CHECK(store_follow_list(s, a.id, count_follow, &got, &err) == 0 && !strcmp(got.s, "author=Ada Lovelace;"));
	CHECK(store_mute_set(s, a.id, "word", "benchmark", true, 5, 1, &err) == 0);
	CHECK(store_mute_set(s, a.id, "word", "survey", true, 5, 1, &err) == 1);
	buf_reset(&got);
	CHECK(store_mute_list(s, a.id, count_follow, &got, &err) == 0 && !strcmp(got.s, "word=benchmark;"));

	/* preferences, marks, the private feed */
	struct user_prefs pr;
	CHECK(store_prefs_get(s, a.id, &pr, &err) == 0 && !pr.mute_collapse && !pr.read_mark && !pr.has_feed);
	pr.mute_collapse = true;
	pr.read_mark = 12345;
	pr.has_feed = true;
	memset(pr.feed_hash, 7, sizeof(pr.feed_hash));
	CHECK(store_prefs_set(s, a.id, &pr, PREFS_MUTE_COLLAPSE | PREFS_READ_MARK | PREFS_FEED, &err) == 0);
	struct user_prefs pr2;
	CHECK(store_prefs_get(s, a.id, &pr2, &err) == 0 && pr2.mute_collapse && pr2.read_mark == 12345 && pr2.has_feed &&
	      pr2.feed_hash[5] == 7);
	/* only the fields named are written: the others keep what is stored */
	struct user_prefs stale = pr2;
	stale.mute_collapse = false;
	stale.has_feed = false;
	stale.read_mark = 999;
	CHECK(store_prefs_set(s, a.id, &stale, PREFS_READ_MARK, &err) == 0);
	CHECK(store_prefs_get(s, a.id, &pr2, &err) == 0 && pr2.mute_collapse && pr2.read_mark == 999 && pr2.has_feed);
	CHECK(store_prefs_set(s, a.id, &stale, PREFS_FEED, &err) == 0);
	CHECK(store_prefs_get(s, a.id, &pr2, &err) == 0 && pr2.mute_collapse && !pr2.has_feed);
	CHECK(store_prefs_set(s, a.id, &stale, PREFS_MUTE_COLLAPSE, &err) == 0);
	CHECK(store_prefs_get(s, a.id, &pr2, &err) == 0 && !pr2.mute_collapse && pr2.read_mark == 999);
	CHECK(store_prefs_set(s, a.id, &pr, PREFS_MUTE_COLLAPSE | PREFS_READ_MARK | PREFS_FEED, &err) == 0);
	CHECK(store_prefs_get(s, a.id, &pr2, &err) == 0 && pr2.mute_collapse && pr2.read_mark == 12345 && pr2.has_feed);
	struct user u;
	CHECK(store_user_by_feed(s, pr.feed_hash, &u, &err) == 0 && u.id == a.id);
	uint8_t other[TOKEN_HASH_BYTES] = { 1 };
	CHECK(store_user_by_feed(s, other, &u, &err) == 1);
	CHECK(store_prefs_get(s, 9999, &pr2, &err) == 1);
	/* activity makes recommendations due; making them settles it */
	int64_t due = 0;
	CHECK(store_users_due_recs(s, 0, 0, 10, due_user, &due, &err) == 0 && due == 0);
	CHECK(store_user_touch(s, a.id, 1000, &err) == 0);
	CHECK(store_users_due_recs(s, 0, 0, 10, due_user, &due, &err) == 0 && due == a.id);
	const char *rp[] = { "2510.00002", "2510.00003" };
	double rs[] = { 0.25, 1.5 };
	CHECK(store_recs_set(s, a.id, rp, rs, 2, 2000, &err) == 0);
	buf_reset(&got);
	CHECK(store_recs_get(s, a.id, 10, count_rec, &got, &err) == 0);
	CHECK_STR(got.s, "2510.00003=1.50;2510.00002=0.25;");
	due = 0;
	CHECK(store_users_due_recs(s, 0, 0, 10, due_user, &due, &err) == 0 && due == 0);
	/* made at 2000: stale by 3000 for one active since 500, not since 1500 */
	CHECK(store_users_due_recs(s, 3000, 500, 10, due_user, &due, &err) == 0 && due == a.id);
	due = 0;
	CHECK(store_users_due_recs(s, 3000, 1500, 10, due_user, &due, &err) == 0 && due == 0);
	CHECK(store_users_due_recs(s, 1500, 500, 10, due_user, &due, &err) == 0 && due == 0);

	/* collections: unique names per user (any case), ordered items with notes */
	struct collection c = { 0 }, c2 = { 0 }, cg;
	c.user_id = a.id;
	snprintf(c.name, sizeof(c.name), "Reading list");
	CHECK(store_collection_add(s, &c, 1, &err) == 0 && c.id > 0);
	c2 = c;
	c2.id = 0;
	snprintf(c2.name, sizeof(c2.name), "READING LIST");
	CHECK(store_collection_add(s, &c2, 0, &err) == 1 && store_errkind(s) == PB_OK);
	snprintf(c2.name, sizeof(c2.name), "Another");
	CHECK(store_collection_add(s, &c2, 1, &err) == 2 && store_errkind(s) == PB_OK); /* the cap */
	snprintf(c2.name, sizeof(c2.name), "READING LIST");
	c2.user_id = b.id; /* another user may */
	CHECK(store_collection_add(s, &c2, 1, &err) == 0);
	CHECK(store_collection_put(s, c.id, "2510.00001", "first", 10, 0, &err) == 0);
	CHECK(store_collection_put(s, c.id, "2510.00002", NULL, 11, 2, &err) == 0);
	CHECK(store_collection_put(s, c.id, "2510.00003", "third", 12, 2, &err) == 2); /* full */
	CHECK(store_collection_put(s, c.id, "2510.00003", "third", 12, 3, &err) == 0);
	CHECK(store_collection_put(s, c.id, "2510.00001", NULL, 13, 3, &err) == 0); /* note kept; in it already */
	CHECK(store_collection_put(s, c.id, "2999.00001", "no such paper", 14, 0, &err) == 1);
	CHECK(store_collection_put(s, 99999, "2510.00001", NULL, 14, 0, &err) == 1);
	buf_reset(&got);
	CHECK(store_collection_items(s, c.id, count_item, &got, &err) == 0);
	CHECK_STR(got.s, "2510.00001[first];2510.00002[];2510.00003[third];");
	CHECK(store_collection_move(s, c.id, "2510.00003", 0, &err) == 0);
	buf_reset(&got);
	CHECK(store_collection_items(s, c.id, count_item, &got, &err) == 0);
	CHECK_STR(got.s, "2510.00003[third];2510.00001[first];2510.00002[];");
	CHECK(store_collection_move(s, c.id, "2510.00003", 9, &err) == 0);
	buf_reset(&got);
	CHECK(store_collection_items(s, c.id, count_item, &got, &err) == 0);
	CHECK_STR(got.s, "2510.00001[first];2510.00002[];2510.00003[third];");
	CHECK(store_collection_remove(s, c.id, "2510.00002", &err) == 0);
	CHECK(store_collection_remove(s, c.id, "2510.00002", &err) == 1);
	int64_t ids[4];
	size_t nids;
	CHECK(store_collections_of(s, a.id, "2510.00003", ids, 4, &nids, &err) == 0 && nids == 1 && ids[0] == c.id);
	CHECK(store_collection_get(s, c.id, &cg, &err) == 0 && cg.items == 2 && !cg.public_ && !strcmp(cg.user, "reader"));
	CHECK(store_collection_find(s, a.id, "reading LIST", &cg, &err) == 0 && cg.id == c.id);
	/* only the fields named are written */
	struct collection old_copy = c;
	snprintf(old_copy.name, sizeof(old_copy.name), "old_copy name");
	old_copy.public_ = true;
	CHECK(store_collection_update(s, &old_copy, COLL_PUBLIC, &err) == 0);
	CHECK(store_collection_get(s, c.id, &cg, &err) == 0 && cg.public_ && !strcmp(cg.name, "Reading list"));
	old_copy.public_ = false;
	snprintf(old_copy.name, sizeof(old_copy.name), "Reading list");
	CHECK(store_collection_update(s, &old_copy, COLL_NAME, &err) == 0);
	CHECK(store_collection_get(s, c.id, &cg, &err) == 0 && cg.public_);
	c.public_ = true;
	CHECK(store_collection_update(s, &c, COLL_NAME | COLL_PUBLIC, &err) == 0);
	buf_reset(&got);
	CHECK(store_collection_list(s, a.id, false, count_coll, &got, &err) == 0);
	CHECK_STR(got.s, "Reading list:2;");
	CHECK(store_collection_delete(s, c2.id, a.id, &err) == 1); /* not hers */

	/* deleting an account: its votes leave the counts, its comments keep
	 * the thread's shape, everything else of it goes */
	bool voted;
	int up;
	CHECK(store_vote_toggle(s, a.id, "2510.00001", 1, true, &voted, &up, &err) == 0 && up == 11);
	struct comment cm = { 0 };
	snprintf(cm.paper, sizeof(cm.paper), "2510.00001");
	cm.user_id = a.id;
	cm.body = "mine";
	CHECK(store_comment_add(s, &cm, &err) == 0);
	struct paper gp;
	paper_init(&gp);
	CHECK(store_paper_get(s, "2510.00001", &gp, &err) == 0 && gp.local_votes == 1 && gp.local_comments == 1);
	paper_release(&gp);
	CHECK(store_user_delete(s, a.id, &err) == 0);
	CHECK(store_user_get(s, a.id, NULL, &u, &err) == 1);
	paper_init(&gp);
	CHECK(store_paper_get(s, "2510.00001", &gp, &err) == 0 && gp.local_votes == 0 && gp.local_comments == 0);
	paper_release(&gp);
	struct comment cg2;
	CHECK(store_comment_get(s, cm.id, &cg2, &err) == 0 && cg2.deleted && !strcmp(cg2.user, "[deleted]"));
	comment_release(&cg2);
	CHECK(store_collection_get(s, c.id, &cg, &err) == 1);
	buf_reset(&got);
	CHECK(store_recs_get(s, a.id, 10, count_rec, &got, &err) == 0 && got.len == 0);
	CHECK(store_user_by_feed(s, pr.feed_hash, &u, &err) == 1);
	/* the recommender finishing for a user deleted meanwhile: nothing kept, no error */
	CHECK(store_recs_set(s, a.id, rp, rs, 2, 3000, &err) == 0);
	CHECK(store_recs_get(s, a.id, 10, count_rec, &got, &err) == 0 && got.len == 0);
	CHECK(store_user_delete(s, a.id, &err) == 1);
	CHECK(store_user_get(s, b.id, NULL, &u, &err) == 0); /* the others stay */
	for (int i = 0; i < 3; i++)
		paper_release(&ps[i]);
	store_close(s);
	buf_release(&got);
	buf_release(&err);
	buf_release(&p);
}

/* ---- races between processes ----------------------------------------------------- */

enum { PROCS = 6 };

/* Runs fn(url, i) in PROCS processes at once (each opens its own store);
 * their exit statuses in st. */
static void race(const char *url, int (*fn)(const char *url, int i), int st[PROCS])
{
	pid_t pids[PROCS];
	int go[2];
	if (pipe(go))
		abort();
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(go[1]);
			char c;
			if (read(go[0], &c, 1) < 0) /* all start together */
				_exit(99);
			_exit(fn(url, i));
		}
	}
	close(go[0]);
	close(go[1]); /* EOF: go */
	for (int i = 0; i < PROCS; i++) {
		int ws;
		waitpid(pids[i], &ws, 0);
		st[i] = WIFEXITED(ws) ? WEXITSTATUS(ws) : 100;
	}
}

/* 0/1 as the call said, 2+ for failures */
static int race_claims(const char *url, int i)
{
	struct store *s;
	struct buf err = BUF_INIT;
	if (store_open(url, 0, &s, &err))
		return 90;
	int won = 0;
	char val[8];
	snprintf(val, sizeof(val), "%d", i);
	for (int k = 0; k < 20; k++) {
		char key[32];
		snprintf(key, sizeof(key), "claim:%d", k);
		int rc = store_kv_cas(s, key, NULL, val, &err);
		if (rc < 0)
			return 91;
		won += rc == 0;
	}
	store_close(s);
	return won;
}

static int race_lease(const char *url, int i)
{
	struct store *s;
	struct buf err = BUF_INIT;
	if (store_open(url, 0, &s, &err))
		return 90;
	char owner[16];
	snprintf(owner, sizeof(owner), "p%d", i);
	int rc = store_lease_take(s, "job", owner, 1000, 60000, NULL, NULL, &err);
	store_close(s);
	return rc < 0 ? 91 : rc;
}

static int race_user(const char *url, int i)
{
	(void)i;
	struct store *s;
	struct buf err = BUF_INIT;
	if (store_open(url, 0, &s, &err))
		return 90;
	struct user u = { 0 };
	snprintf(u.name, sizeof(u.name), i % 2 ? "Same" : "sAME"); /* one name, any case */
	snprintf(u.email, sizeof(u.email), "same@x.org");
	snprintf(u.pwhash, sizeof(u.pwhash), "$argon2id$fake");
	int rc = store_user_add(s, &u, &err);
	store_close(s);
	return rc < 0 ? 91 : rc;
}

/* each user votes 11 times (on at the end); the counter must agree */
static int race_votes(const char *url, int i)
{
	struct store *s;
	struct buf err = BUF_INIT;
	if (store_open(url, 0, &s, &err))
		return 90;
	struct user u = { 0 };
	snprintf(u.name, sizeof(u.name), "voter%d", i);
	snprintf(u.email, sizeof(u.email), "v%d@x.org", i);
	snprintf(u.pwhash, sizeof(u.pwhash), "$argon2id$fake");
	if (store_user_add(s, &u, &err))
		return 92;
	for (int k = 0; k < 11; k++) {
		bool voted;
		int up;
		if (store_vote_toggle(s, u.id, "2509.00001", 1000 + k, true, &voted, &up, &err))
			return 93;
	}
	store_close(s);
	return 0;
}

/* writers: 25 batches of 10 new papers each */
static int race_writer(const char *url, int i)
{
	struct store *s;
	struct buf err = BUF_INIT;
	if (store_open(url, 0, &s, &err))
		return 90;
	char prefix[16];
	snprintf(prefix, sizeof(prefix), "26%02d", i);
	for (int b = 0; b < 25; b++)
		if (write_batch(s, prefix, b * 10, 10, "w", &err)) {
			fprintf(stderr, "writer %d: %s\n", i, err.s);
			return 91;
		}
	store_close(s);
	buf_release(&err);
	return 0;
}

static int count_ids(const struct paper *p, void *ctx)
{
	struct strlist *seen = ctx;
	strlist_push(seen, p->id, strlen(p->id));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Issue 18: votes that wait for their account to age; the queue of arXiv
 * fetches users ask for. */
/* ---- the Hub's repositories citing a paper ------------------------------------------ */

static int due_id(const char *paper, void *ctx)
{
	struct buf *b = ctx;
	buf_addf(b, "%s,", paper);
	return 0;
}

static int due_first(const char *paper, void *ctx)
{
	buf_addf(ctx, "%s,", paper);
	return 1;
}

static int due_touch(const char *paper, void *ctx)
{
	struct buf e = BUF_INIT;
	int rc = store_links_put(ctx, paper, "{}", 2500, &e);
	buf_release(&e);
	return rc ? 1 : 0;
}

static void test_links(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT, got = BUF_INIT;
	path(&p, "links.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	struct paper ps[5];
	enum upsert_result r[5];
	make(&ps[0], "2511.00001", "2025-11-01", 1, "one");
	make(&ps[1], "2511.00002", "2025-11-02", 2, "two");
	make(&ps[2], "2511.00003", "2025-11-03", 3, "three");
	make(&ps[3], "2511.00004", "2025-11-03", 4, "hidden");
	make(&ps[4], "2511.00005", "", 5, "never featured");
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, ps, 5, r, &err) == 0 && store_commit(s, &err) == 0);
	CHECK(store_paper_hide(s, "2511.00004", true, &err) == 0);
	for (int i = 0; i < 5; i++)
		paper_release(&ps[i]);

	/* none fetched: every visible featured paper of the days, newest day first */
	CHECK(store_links_due(s, "2025-11-01", "2025-11-03", 1000, 10, due_id, &got, &err) == 0);
	CHECK_STR(got.s, "2511.00003,2511.00002,2511.00001,");
	buf_reset(&got);
	CHECK(store_links_due(s, "2025-11-02", "2025-11-02", 1000, 10, due_id, &got, &err) == 0);
	CHECK_STR(got.s, "2511.00002,");
	buf_reset(&got);
	CHECK(store_links_due(s, "2025-11-01", "2025-11-03", 1000, 2, due_id, &got, &err) == 0);
	CHECK_STR(got.s, "2511.00003,2511.00002,");
	buf_reset(&got);
	CHECK(store_links_due(s, "2025-11-01", "2025-11-03", 1000, 10, due_first, &got, &err) == 0);
	CHECK_STR(got.s, "2511.00003,");

	/* a document is kept as given, replaced whole, read back with its time */
	pb_time when = 0;
	buf_reset(&got);
	CHECK(store_links_get(s, "2511.00001", &got, &when, &err) == 1 && got.len == 0);
	const char *doc = "{\"linkedModels\":[{\"id\":\"org/m\",\"likes\":3}],\"numTotalModels\":1,\"n\":\"é\"}";
	CHECK(store_links_put(s, "2511.00001", "{}", 500, &err) == 0);
	CHECK(store_links_put(s, "2511.00001", doc, 900, &err) == 0);
	CHECK(store_links_get(s, "2511.00001", &got, &when, &err) == 0);
	CHECK_STR(got.s, doc);
	CHECK(when == 900);
	CHECK(store_links_put(s, "2511.00003", "{\"numTotalModels\":0}", 2000, &err) == 0);

	/* due: never fetched first, then the longest ago; fresh ones not at all */
	buf_reset(&got);
	CHECK(store_links_due(s, "2025-11-01", "2025-11-03", 1000, 10, due_id, &got, &err) == 0);
	CHECK_STR(got.s, "2511.00002,2511.00001,");
	buf_reset(&got);
	CHECK(store_links_due(s, "2025-11-01", "2025-11-03", 3000, 10, due_id, &got, &err) == 0);
	CHECK_STR(got.s, "2511.00002,2511.00001,2511.00003,");
	buf_reset(&got);
	CHECK(store_links_due(s, "2025-11-01", "2025-11-03", 800, 10, due_id, &got, &err) == 0);
	CHECK_STR(got.s, "2511.00002,");
	/* fn may use the store while the papers are listed */
	CHECK(store_links_due(s, "2025-11-01", "2025-11-03", 3000, 10, due_touch, s, &err) == 0);
	buf_reset(&got);
	CHECK(store_links_due(s, "2025-11-01", "2025-11-03", 2400, 10, due_id, &got, &err) == 0);
	CHECK_STR(got.s, "");
	CHECK(store_links_due(s, "2025-11-01", "2025-11-03", 2600, 10, due_id, &got, &err) == 0);
	CHECK_STR(got.s, "2511.00003,2511.00002,2511.00001,");
	store_close(s);
	buf_release(&err);
	buf_release(&p);
	buf_release(&got);
}

/* ---- full texts, references, the PDF fetch's state ------------------------------------ */

static int text_id(const char *paper, void *ctx)
{
	buf_addf(ctx, "%s,", paper);
	return 0;
}

static int text_first(const char *paper, void *ctx)
{
	buf_addf(ctx, "%s,", paper);
	return 1;
}

static void test_text(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT, got = BUF_INIT;
	path(&p, "text.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION);
	struct paper ps[4];
	enum upsert_result r[4];
	make(&ps[0], "2401.00001", "2024-01-02", 1, "one");
	make(&ps[1], "2401.00002", "2024-01-03", 2, "two");
	make(&ps[2], "hep-th/9901001", "", 0, "old");
	make(&ps[3], "2401.00004", "2024-01-03", 4, "hidden");
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, ps, 4, r, &err) == 0 && store_commit(s, &err) == 0);
	CHECK(store_paper_hide(s, "2401.00004", true, &err) == 0);

	/* none yet */
	CHECK(store_text_get(s, "2401.00001", &got, &err) == 1 && got.len == 0);
	CHECK(store_text_ids(s, text_id, &got, &err) == 0 && got.len == 0);
	int64_t nr = -1, nc = -1;
	CHECK(store_refs_count(s, "2401.00001", &nr, &nc, &err) == 0 && nr == 0 && nc == 0);

	/* a text is kept as given (pages by form feeds, any UTF-8), its
	 * references found, the paper itself left out */
	struct buf text = BUF_INIT;
	buf_adds(&text, "Page one é \xe2\x88\x91 cites arXiv:2401.00002v3 and hep-th/9901001 and itself 2401.00001\f");
	for (int i = 0; i < 20000; i++)
		buf_adds(&text, "words that compress well ");
	buf_adds(&text, "\fpage three: https://arxiv.org/abs/2402.00009 (not here yet), 10.48550/arXiv.2401.00004");
	int64_t seq0 = 0, seq1 = 0;
	CHECK(store_seq(s, &seq0, &err) == 0);
	CHECK(store_text_put(s, "2401.00001", text.s, text.len, &err) == 0);
	CHECK(store_seq(s, &seq1, &err) == 0 && seq1 == seq0 + 1);
	/* it moved the paper's write sequence: the index's scan finds it again */
	buf_reset(&got);
	CHECK(store_paper_scan_since(s, seq0, collect, &got, &err) == 0);
	CHECK_STR(got.s, "2401.00001,");
	buf_reset(&got);
	CHECK(store_text_get(s, "2401.00001", &got, &err) == 0);
	CHECK(got.len == text.len && !memcmp(got.s, text.s, text.len));
	/* references: the papers here, newest first; the hidden one left out */
	buf_reset(&got);
	CHECK(store_refs_list(s, "2401.00001", false, 0, 10, collect, &got, &err) == 0);
	CHECK_STR(got.s, "2401.00002,hep-th/9901001,");
	buf_reset(&got);
	CHECK(store_refs_list(s, "2401.00001", false, 1, 10, collect, &got, &err) == 0);
	CHECK_STR(got.s, "hep-th/9901001,");
	buf_reset(&got);
	CHECK(store_refs_list(s, "2401.00002", true, 0, 10, collect, &got, &err) == 0);
	CHECK_STR(got.s, "2401.00001,");
	CHECK(store_refs_count(s, "2401.00001", &nr, &nc, &err) == 0 && nr == 2 && nc == 0);
	CHECK(store_refs_count(s, "2401.00002", &nr, &nc, &err) == 0 && nr == 0 && nc == 1);

	/* a paper that arrives later is among the references at once */
	struct paper late;
	make(&late, "2402.00009", "2024-02-05", 0, "late");
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, &late, 1, r, &err) == 0 && store_commit(s, &err) == 0);
	paper_release(&late);
	buf_reset(&got);
	CHECK(store_refs_list(s, "2401.00001", false, 0, 10, collect, &got, &err) == 0);
	CHECK_STR(got.s, "2402.00009,2401.00002,hep-th/9901001,");
	CHECK(store_refs_count(s, "2402.00009", &nr, &nc, &err) == 0 && nc == 1);

	/* replaced whole, references too; inside the caller's transaction */
	CHECK(store_begin(s, &err) == 0);
	CHECK(store_text_put(s, "2401.00001", "only 2402.00009", 15, &err) == 0);
	CHECK(store_text_put(s, "2401.00002", "", 0, &err) == 0);
	CHECK(store_commit(s, &err) == 0);
	buf_reset(&got);
	CHECK(store_refs_list(s, "2401.00001", false, 0, 10, collect, &got, &err) == 0);
	CHECK_STR(got.s, "2402.00009,");
	buf_reset(&got);
	CHECK(store_text_get(s, "2401.00002", &got, &err) == 0 && got.len == 0);
	buf_reset(&got);
	CHECK(store_text_ids(s, text_id, &got, &err) == 0);
	CHECK_STR(got.s, "2401.00001,2401.00002,");
	buf_reset(&got);
	CHECK(store_text_ids(s, text_first, &got, &err) == 0);
	CHECK_STR(got.s, "2401.00001,");
	/* a paper not in the store has no text */
	CHECK(store_text_put(s, "2499.99999", "x", 1, &err) == -1 && store_errkind(s) == PB_NOTFOUND);

	/* the PDF fetch's state: due are the featured papers never tried, and
	 * failed ones whose time has come */
	struct pdf_state st;
	CHECK(store_pdf_get(s, "2401.00001", &st, &err) == 1);
	buf_reset(&got);
	CHECK(store_pdf_due(s, "2024-01-01", "2024-12-31", 1000, 10, text_id, &got, &err) == 0);
	CHECK_STR(got.s, "2402.00009,2401.00002,2401.00001,");
	memset(&st, 0, sizeof(st));
	snprintf(st.paper, sizeof(st.paper), "2401.00001");
	snprintf(st.state, sizeof(st.state), "done");
	snprintf(st.etag, sizeof(st.etag), "\"abc\"");
	snprintf(st.last_modified, sizeof(st.last_modified), "Tue, 02 Jan 2024 00:00:00 GMT");
	st.updated = 900;
	CHECK(store_pdf_set(s, &st, &err) == 0);
	snprintf(st.paper, sizeof(st.paper), "2401.00002");
	snprintf(st.state, sizeof(st.state), "failed");
	snprintf(st.message, sizeof(st.message), "HTTP 500");
	st.attempts = 2;
	st.next_try = 5000;
	CHECK(store_pdf_set(s, &st, &err) == 0);
	buf_reset(&got);
	CHECK(store_pdf_due(s, "2024-01-01", "2024-12-31", 1000, 10, text_id, &got, &err) == 0);
	CHECK_STR(got.s, "2402.00009,");
	buf_reset(&got);
	CHECK(store_pdf_due(s, "2024-01-01", "2024-12-31", 5000, 10, text_id, &got, &err) == 0);
	CHECK_STR(got.s, "2402.00009,2401.00002,");
	buf_reset(&got);
	CHECK(store_pdf_due(s, "2024-01-03", "2024-01-03", 5000, 1, text_id, &got, &err) == 0);
	CHECK_STR(got.s, "2401.00002,");
	struct pdf_state back;
	CHECK(store_pdf_get(s, "2401.00002", &back, &err) == 0);
	CHECK_STR(back.state, "failed");
	CHECK_STR(back.message, "HTTP 500");
	CHECK(back.attempts == 2 && back.next_try == 5000);
	CHECK(store_pdf_get(s, "2401.00001", &back, &err) == 0);
	CHECK_STR(back.etag, "\"abc\"");
	CHECK_STR(back.last_modified, "Tue, 02 Jan 2024 00:00:00 GMT");
	CHECK(back.updated == 900);
	buf_release(&text);
	for (int i = 0; i < 4; i++)
		paper_release(&ps[i]);
	store_close(s);
	buf_release(&err);
	buf_release(&p);
	buf_release(&got);
}

/* An account's API tokens stay bounded when two connections add one at
 * the same time: one holds its transaction open with the last free place
 * taken while the other adds. Under PostgreSQL's READ COMMITTED the
 * other counted the places without the first's row and took one too. */
struct token_add_arg {
	struct store *s;
	int64_t user;
	int rc;
};

static void *token_add_thread(void *arg)
{
	struct token_add_arg *a = arg;
	struct buf err = BUF_INIT;
	uint8_t h[TOKEN_HASH_BYTES] = { 0xC2, 0xFF };
	a->rc = store_token_add(a->s, a->user, h, "the other", 10, &err);
	buf_release(&err);
	return NULL;
}

static void test_token_cap_race(void)
{
	struct store *s1, *s2;
	struct buf err = BUF_INIT, p = BUF_INIT;
	path(&p, "tokcap.db");
	CHECK(store_open(p.s, STORE_CREATE, &s1, &err) == 0);
	CHECK(store_open(p.s, 0, &s2, &err) == 0);
	struct user u = { 0 }, got;
	snprintf(u.name, sizeof(u.name), "capped");
	snprintf(u.email, sizeof(u.email), "c@x.org");
	snprintf(u.pwhash, sizeof(u.pwhash), "$argon2id$fake");
	CHECK(store_user_add(s1, &u, &err) == 0);
	for (int i = 0; i < STORE_TOKENS_MAX - 1; i++) {
		uint8_t h[TOKEN_HASH_BYTES] = { 0xC1, (uint8_t)i };
		CHECK(store_token_add(s1, u.id, h, "mine", 10, &err) == 0);
	}
	uint8_t last[TOKEN_HASH_BYTES] = { 0xC2, 0x01 };
	CHECK(store_begin(s1, &err) == 0);
	CHECK(store_token_add(s1, u.id, last, "the last place", 10, &err) == 0);
	struct token_add_arg a = { s2, u.id, -2 };
	pthread_t th;
	CHECK(pthread_create(&th, NULL, token_add_thread, &a) == 0);
	usleep(300000); /* the other asks while the first holds its place */
	CHECK(store_commit(s1, &err) == 0);
	pthread_join(th, NULL);
	CHECK(a.rc == 1); /* refused: the account has its twenty */
	uint8_t other[TOKEN_HASH_BYTES] = { 0xC2, 0xFF };
	CHECK(store_token_user(s1, other, 20, &got, &err) == 1);
	CHECK(store_token_user(s1, last, 20, &got, &err) == 0 && got.id == u.id);
	store_close(s2);
	store_close(s1);
	buf_release(&err);
	buf_release(&p);
}

static void test_bounded(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT;
	path(&p, "bounded.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	struct paper one;
	enum upsert_result r;
	make(&one, "2512.00001", "2025-12-01", 3, "voted on");
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, &one, 1, &r, &err) == 0 && store_commit(s, &err) == 0);
	paper_release(&one);
	struct user old = { 0 }, young = { 0 };
	snprintf(old.name, sizeof(old.name), "old");
	snprintf(old.email, sizeof(old.email), "o@x.org");
	snprintf(old.pwhash, sizeof(old.pwhash), "$argon2id$fake");
	old.created = 1000;
	young = old;
	snprintf(young.name, sizeof(young.name), "young");
	young.created = 50000;
	CHECK(store_user_add(s, &old, &err) == 0 && store_user_add(s, &young, &err) == 0);
	int up = 0;
	bool voted;
	/* a vote that counts, set twice: once */
	CHECK(store_vote_set(s, old.id, "2512.00001", true, 60000, true, &up, &err) == 0 && up == 4);
	CHECK(store_vote_set(s, old.id, "2512.00001", true, 60000, true, &up, &err) == 0 && up == 4);
	/* a young account's vote waits: kept, not counted */
	CHECK(store_vote_set(s, young.id, "2512.00001", true, 60000, false, &up, &err) == 0 && up == 4);
	CHECK(store_vote_get(s, young.id, "2512.00001", &voted, &err) == 0 && voted);
	int64_t n = -1;
	CHECK(store_votes_mature(s, 40000, &n, &err) == 0 && n == 0); /* not old enough yet */
	CHECK(store_votes_mature(s, 50000, &n, &err) == 0 && n == 1);
	struct paper got;
	paper_init(&got);
	CHECK(store_paper_get(s, "2512.00001", &got, &err) == 0 && paper_upvotes(&got) == 5);
	paper_release(&got);
	CHECK(store_votes_mature(s, 90000, &n, &err) == 0 && n == 0); /* once */
	/* taken back: a waiting vote never counted, a counted one leaves */
	CHECK(store_vote_set(s, young.id, "2512.00001", false, 70000, false, &up, &err) == 0 && up == 4);
	CHECK(store_vote_toggle(s, young.id, "2512.00001", 70000, false, &voted, &up, &err) == 0 && voted && up == 4);
	CHECK(store_vote_toggle(s, young.id, "2512.00001", 70000, false, &voted, &up, &err) == 0 && !voted && up == 4);
	CHECK(store_vote_set(s, old.id, "2512.00001", false, 70000, true, &up, &err) == 0 && up == 3);
	CHECK(store_vote_set(s, old.id, "2512.00001", false, 70000, true, &up, &err) == 0 && up == 3);
	CHECK(store_vote_set(s, old.id, "2999.99999", true, 70000, true, &up, &err) == 1);
	/* a deleted account's waiting vote takes nothing from the total */
	CHECK(store_vote_set(s, old.id, "2512.00001", true, 80000, true, &up, &err) == 0 && up == 4);
	CHECK(store_vote_set(s, young.id, "2512.00001", true, 80000, false, &up, &err) == 0 && up == 4);
	CHECK(store_user_delete(s, young.id, &err) == 0);
	paper_init(&got);
	CHECK(store_paper_get(s, "2512.00001", &got, &err) == 0 && paper_upvotes(&got) == 4);
	paper_release(&got);

	/* the fetch queue: one waiting job per user and paper; claimed by one
	 * owner until its lease ends; settled by its owner only */
	struct fetch_job j = { 0 }, c;
	snprintf(j.paper, sizeof(j.paper), "2401.00001");
	j.user_id = old.id;
	j.submit = true;
	int64_t id1, id2;
	bool existed;
	CHECK(store_fetch_add(s, &j, 1000, &id1, &existed, &err) == 0 && !existed);
	CHECK(store_fetch_add(s, &j, 1001, &id2, &existed, &err) == 0 && existed && id2 == id1);
	CHECK(store_fetch_count(s, old.id, 0, &n, &err) == 0 && n == 1);
	CHECK(store_fetch_get(s, "2401.00001", 0, &c, &err) == 0 && !strcmp(c.state, "queued") && c.submit);
	CHECK(store_fetch_claim(s, "h1 1", 2000, 500, &c, &err) == 0 && c.id == id1 && c.attempts == 1 &&
	      !strcmp(c.state, "running") && !strcmp(c.paper, "2401.00001"));
	CHECK(store_fetch_claim(s, "h2 2", 2100, 500, &c, &err) == 1); /* held */
	CHECK(store_fetch_claim(s, "h2 2", 2600, 500, &c, &err) == 0 && c.attempts == 2); /* its lease ended */
	CHECK(store_fetch_finish(s, id1, "h1 1", "done", "", 0, 2700, &err) == 1);    /* h1 lost it */
	CHECK(store_fetch_finish(s, id1, "h2 2", "queued", "later", 5000, 2700, &err) == 0);
	CHECK(store_fetch_claim(s, "h2 2", 3000, 500, &c, &err) == 1); /* not before 5000 */
	CHECK(store_fetch_claim(s, "h2 2", 5000, 500, &c, &err) == 0);
	CHECK(store_fetch_finish(s, id1, "h2 2", "refused", "too old", 0, 5100, &err) == 0);
	CHECK(store_fetch_get(s, "2401.00001", old.id, &c, &err) == 0 && !strcmp(c.state, "refused") &&
	      !strcmp(c.message, "too old"));
	CHECK(store_fetch_count(s, old.id, 0, &n, &err) == 0 && n == 1); /* refused: it still counts */
	CHECK(store_fetch_add(s, &j, 6000, &id2, &existed, &err) == 0 && !existed && id2 != id1);
	CHECK(store_fetch_claim(s, "h1 1", 7000, 500, &c, &err) == 0 && c.id == id2);
	CHECK(store_fetch_finish(s, id2, "h1 1", "done", "", 0, 7100, &err) == 0);
	CHECK(store_fetch_count(s, old.id, 0, &n, &err) == 0 && n == 1); /* done: a submission counts it */
	CHECK(store_fetch_get(s, "2401.99999", 0, &c, &err) == 1);
	store_close(s);
	buf_release(&err);
	buf_release(&p);
}

/* each process claims jobs until none is due; every job goes to one */
static int race_fetch(const char *url, int i)
{
	struct store *s;
	struct buf err = BUF_INIT;
	if (store_open(url, 0, &s, &err))
		return 90;
	char me[32];
	snprintf(me, sizeof(me), "p%d", i);
	int got = 0;
	for (;;) {
		struct fetch_job j;
		int rc = store_fetch_claim(s, me, 1000, 600000, &j, &err);
		if (rc < 0 && store_errkind(s) == PB_BUSY)
			continue;
		if (rc)
			break;
		if (store_fetch_finish(s, j.id, me, "done", "", 0, 1000, &err))
			return 91;
		got++;
	}
	store_close(s);
	return got;
}

static void test_races(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT;
	path(&p, "race.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	struct paper one;
	enum upsert_result r;
	make(&one, "2509.00001", "2025-09-01", 0, "contested");
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, &one, 1, &r, &err) == 0 && store_commit(s, &err) == 0);
	paper_release(&one);
	int st[PROCS], sum;

	/* each of 20 one-off runs is claimed by exactly one process */
	race(p.s, race_claims, st);
	sum = 0;
	for (int i = 0; i < PROCS; i++) {
		CHECK(st[i] <= 20);
		sum += st[i];
	}
	CHECK(sum == 20);
	/* one holder of a lease */
	race(p.s, race_lease, st);
	sum = 0;
	for (int i = 0; i < PROCS; i++) {
		CHECK(st[i] == 0 || st[i] == 1);
		sum += st[i] == 0;
	}
	CHECK(sum == 1);
	/* one account of a name; the others told it is taken */
	race(p.s, race_user, st);
	sum = 0;
	for (int i = 0; i < PROCS; i++) {
		CHECK(st[i] == 0 || st[i] == 1);
		sum += st[i] == 0;
	}
	CHECK(sum == 1);
	/* 30 queued fetches: each claimed by exactly one process */
	for (int k = 0; k < 30; k++) {
		struct fetch_job j = { 0 };
		snprintf(j.paper, sizeof(j.paper), "2401.%05d", k);
		CHECK(store_fetch_add(s, &j, 500, NULL, NULL, &err) == 0);
	}
	race(p.s, race_fetch, st);
	sum = 0;
	for (int i = 0; i < PROCS; i++) {
		CHECK(st[i] <= 30);
		sum += st[i];
	}
	CHECK(sum == 30);
	/* votes and their counter agree */
	race(p.s, race_votes, st);
	for (int i = 0; i < PROCS; i++)
		CHECK(st[i] == 0);
	struct paper got;
	paper_init(&got);
	CHECK(store_paper_get(s, "2509.00001", &got, &err) == 0 && got.local_votes == PROCS);
	paper_release(&got);

	/* the write sequence is a safe mark: a reader that follows it while
	 * writers race never misses a paper */
	int64_t mark;
	CHECK(store_seq(s, &mark, &err) == 0);
	int done[2];
	if (pipe(done))
		abort();
	pid_t reader = fork();
	if (reader == 0) {
		close(done[1]);
		fcntl(done[0], F_SETFL, O_NONBLOCK);
		struct store *rs;
		if (store_open(p.s, 0, &rs, &err))
			_exit(90);
		struct strlist seen = { 0 };
		int64_t last = mark;
		for (bool writers_done = false;;) {
			char c;
			if (!writers_done && read(done[0], &c, 1) == 0)
				writers_done = true; /* this pass is the last */
			int64_t m;
			if (store_seq(rs, &m, &err) || store_paper_scan_since(rs, last, count_ids, &seen, &err))
				_exit(91);
			last = m;
			if (writers_done)
				break;
			usleep(2000);
		}
		qsort(seen.v, seen.n, sizeof(*seen.v), cmp_str);
		size_t distinct = 0;
		for (size_t i = 0; i < seen.n; i++)
			distinct += i == 0 || strcmp(seen.v[i], seen.v[i - 1]);
		store_close(rs);
		if (distinct != PROCS * 250)
			fprintf(stderr, "test_store: the reader saw %zu of %d papers\n", distinct, PROCS * 250);
		_exit(distinct == PROCS * 250 ? 0 : 1);
	}
	close(done[0]);
	race(p.s, race_writer, st);
	for (int i = 0; i < PROCS; i++)
		CHECK(st[i] == 0);
	close(done[1]);
	int ws;
	waitpid(reader, &ws, 0);
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	store_close(s);
	buf_release(&err);
	buf_release(&p);
}

/* PostgreSQL: a connection the server ends between transactions is
 * replaced before the next statement (nothing fails); one it ends inside a
 * transaction fails that transaction with PB_UNAVAILABLE (nothing of
 * it is kept), and the next call connects again. */
/* ---- GitHub stars over time ------------------------------------------------------------ */

#define D_MS 86400000LL
#define H_MS 3600000LL
static const pb_time T0 = 20000 * D_MS; /* 2024-10-04, midnight UTC */

static int history_cb(const struct star_point *pt, void *ctx)
{
	struct buf *b = ctx;
	buf_addf(b, "%lld:%d,", (long long)((pt->at - T0) / H_MS), pt->stars);
	return 0;
}

static int gain_cb(const struct paper *p, const struct star_gain *g, void *ctx)
{
	struct buf *b = ctx;
	buf_addf(b, "%s=%d/%+d,", p->id, g->stars, g->gained);
	return 0;
}

/* Seen at T0 + hours: the papers' stars (-1: none given). */
static void seen(struct store *s, struct paper *ps, size_t n, const int *stars, long hours)
{
	struct buf err = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		ps[i].github_stars = stars[i];
	enum upsert_result r[8];
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, ps, n, r, &err) == 0 &&
	      store_stars_record(s, ps, n, T0 + hours * H_MS, &err) == 0 && store_commit(s, &err) == 0);
	buf_release(&err);
}

static void history_is(struct store *s, const char *paper, pb_time until, const char *want)
{
	struct buf err = BUF_INIT, got = BUF_INIT;
	CHECK(store_stars_history(s, paper, until, history_cb, &got, &err) == 0);
	CHECK_STR(got.s, want);
	buf_release(&err);
	buf_release(&got);
}

static void trending_is(struct store *s, pb_time now, size_t limit, size_t offset, const char *want)
{
	struct buf err = BUF_INIT, got = BUF_INIT;
	CHECK(store_stars_trending(s, now, limit, offset, gain_cb, &got, &err) == 0);
	CHECK_STR(got.s, want);
	buf_release(&err);
	buf_release(&got);
}

static void test_stars(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT;
	path(&p, "stars.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	struct paper ps[5];
	make(&ps[0], "2512.00001", "2025-12-01", 1, "grows");
	make(&ps[1], "2512.00002", "2025-12-01", 1, "young");
	make(&ps[2], "2512.00003", "2025-12-01", 1, "drops");
	make(&ps[3], "2512.00004", "2025-12-01", 1, "no code");
	make(&ps[4], "2512.00005", "2025-12-01", 1, "hidden");
	trending_is(s, T0, 10, 0, "");
	/* day 0 and again the same day: the same count writes nothing, a
	 * later different count replaces the day's point */
	seen(s, ps, 5, (const int[]){ 100, -1, 500, -1, 70 }, 1);
	seen(s, ps, 5, (const int[]){ 100, -1, 500, -1, 70 }, 5);
	seen(s, ps, 5, (const int[]){ 110, -1, 500, -1, 70 }, 9);
	history_is(s, "2512.00001", 0, "9:110,");
	history_is(s, "2512.00003", 0, "1:500,");
	/* the same count a day later is a point of its own */
	seen(s, ps, 5, (const int[]){ 150, -1, 500, -1, 80 }, 3 * 24 + 1);
	seen(s, ps, 5, (const int[]){ 400, 40, 480, -1, 900 }, 8 * 24 + 1);
	seen(s, ps, 5, (const int[]){ -1, 90, -1, -1, -1 }, 9 * 24 + 1);
	history_is(s, "2512.00001", 0, "9:110,73:150,193:400,");
	history_is(s, "2512.00001", T0 + 100 * H_MS, "9:110,73:150,");
	history_is(s, "2512.00003", 0, "1:500,73:500,193:480,");
	history_is(s, "2512.00004", 0, "");
	/* an earlier time of the same day does not replace a later point */
	seen(s, ps, 5, (const int[]){ -1, 10, -1, -1, -1 }, 9 * 24);
	history_is(s, "2512.00002", 0, "193:40,217:90,");
	CHECK(store_paper_hide(s, "2512.00005", true, &err) == 0);

	/* now = day 9: the window starts at day 2: grows 400 - 110 (day 0),
	 * young 90 - 40 (its first point), drops 480 - 500; nothing of the
	 * paper without code or the hidden one */
	trending_is(s, T0 + 9 * D_MS + 2 * H_MS, 10, 0, "2512.00001=400/+290,2512.00002=90/+50,2512.00003=480/-20,");
	trending_is(s, T0 + 9 * D_MS + 2 * H_MS, 1, 1, "2512.00002=90/+50,");
	/* a later clock reads the newest point's time: the same */
	trending_is(s, T0 + 400 * D_MS, 2, 0, "2512.00001=400/+290,2512.00002=90/+50,");
	/* now = day 11: the window starts at day 4: grows 400 - 150 (day 3) */
	seen(s, ps, 5, (const int[]){ -1, -1, -1, -1, -1 }, 11 * 24);
	seen(s, ps, 5, (const int[]){ -1, -1, 485, -1, -1 }, 11 * 24);
	trending_is(s, T0 + 11 * D_MS + 1, 10, 0, "2512.00001=400/+250,2512.00002=90/+50,2512.00003=485/-15,");
	/* an earlier now sees the history as it was then */
	trending_is(s, T0 + 3 * D_MS + 2 * H_MS, 10, 0, "2512.00001=150/+40,2512.00003=500/+0,");

	/* bounded: the points more than 90 days before a paper's newest (day 120) go */
	for (int d = 20; d <= 120; d += 10)
		seen(s, ps, 1, (const int[]){ 400 + d }, d * 24);
	history_is(s, "2512.00001", 0, "720:430,960:440,1200:450,1440:460,1680:470,1920:480,2160:490,2400:500,2640:510,2880:520,");
	store_close(s);
	for (int i = 0; i < 5; i++)
		paper_release(&ps[i]);
	buf_release(&err);
	buf_release(&p);
}

static void kill_backends(const char *url)
{
	const char *db = strchr(strstr(url, "://") + 3, '/') + 1;
	struct buf sql = BUF_INIT;
	buf_addf(&sql, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%.*s' AND pid <> pg_backend_pid()",
		 (int)strcspn(db, "?"), db);
	CHECK(pg_exec_on(pg_base, sql.s) == 0);
	buf_release(&sql);
	usleep(100000);
}

static void test_reconnect(void)
{
	struct store *s;
	struct buf err = BUF_INIT, p = BUF_INIT;
	path(&p, "reconnect");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	CHECK(store_kv_set(s, "k", "v", &err) == 0);
	kill_backends(p.s);
	char *v = NULL;
	CHECK(store_kv_get(s, "k", &v, &err) == 0 && v && !strcmp(v, "v"));
	free(v);
	kill_backends(p.s);
	CHECK(store_kv_set(s, "k", "w", &err) == 0);
	/* inside a transaction */
	CHECK(store_begin(s, &err) == 0);
	CHECK(store_kv_set(s, "k", "x", &err) == 0);
	kill_backends(p.s);
	CHECK(store_kv_set(s, "k2", "y", &err) == -1 && store_errkind(s) == PB_UNAVAILABLE);
	CHECK(store_first_failure(s) == PB_UNAVAILABLE);
	store_rollback(s);
	v = NULL;
	CHECK(store_kv_get(s, "k", &v, &err) == 0 && v && !strcmp(v, "w"));
	free(v);
	CHECK(store_kv_get(s, "k2", &v, &err) == 1);
	store_close(s);
	buf_release(&err);
	buf_release(&p);
}

int main(int argc, char **argv)
{
	pg = argc > 1 && !strcmp(argv[1], "pg");
	if (pg) {
		pg_base = getenv("PAPERBOY_TEST_PG");
		if (!pg_base || !*pg_base) {
			fprintf(stderr, "test_store pg: PAPERBOY_TEST_PG names no server (ctest starts one)\n");
			return 1;
		}
	} else if (!mkdtemp(dir)) {
		return 99;
	}
	test_open_errors();
	test_upsert_list();
	test_people();
	test_batch_reads();
	test_scan();
	test_personal();
	test_links();
	test_text();
	test_stars();
	test_bounded();
	test_token_cap_race();
	test_races();
	if (pg)
		test_reconnect();
	if (pg) {
		for (size_t i = 0; i < pg_dbs.n; i++) {
			struct buf sql = BUF_INIT;
			buf_addf(&sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_dbs.v[i]);
			pg_exec_on(pg_base, sql.s);
			buf_release(&sql);
		}
		strlist_release(&pg_dbs);
	} else {
		struct buf cmd = BUF_INIT;
		buf_addf(&cmd, "rm -rf '%s'", dir);
		if (system(cmd.s))
			fprintf(stderr, "could not remove %s\n", dir);
		buf_release(&cmd);
	}
	return check_report(pg ? "test_store (postgresql)" : "test_store (sqlite)");
}
