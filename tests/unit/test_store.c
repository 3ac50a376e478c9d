/* test_store.c - the SQLite store: opening by URL, schema versions, upsert
 * results, listing by period, key/value state. */
#include "../../src/store/store.h"
#include "check.h"
#include <sqlite3.h>
#include <unistd.h>

static char dir[] = "/tmp/pb-test-store-XXXXXX";

static void path(struct buf *b, const char *name)
{
	buf_reset(b);
	buf_addf(b, "%s/%s", dir, name);
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
	path(&p, "missing.db");
	CHECK(store_open(p.s, 0, &s, &err) == -1);
	CHECK(strstr(err.s, "paperboy init") != NULL);
	CHECK(access(p.s, F_OK) != 0); /* not created by a failed open */
	CHECK(store_open("postgresql://u@localhost/db", 0, &s, &err) == -1);
	CHECK(strstr(err.s, "not built yet") != NULL);
	CHECK(store_open("mysql://x", 0, &s, &err) == -1);
	CHECK(store_open("sqlite:", 0, &s, &err) == -1);
	/* a file that is not SQLite */
	path(&p, "junk.db");
	FILE *f = fopen(p.s, "w");
	fputs("this is not a database, just text that is long enough to matter..............", f);
	fclose(f);
	CHECK(store_open(p.s, 0, &s, &err) == -1);
	/* a newer schema is refused clearly */
	path(&p, "future.db");
	CHECK(store_open(p.s, STORE_CREATE, &s, &err) == 0);
	store_close(s);
	sqlite3 *db;
	sqlite3_open(p.s, &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK(store_open(p.s, 0, &s, &err) == -1);
	CHECK(strstr(err.s, "newer") != NULL && strstr(err.s, "99") != NULL);
	/* sqlite: URLs work */
	path(&p, "url.db");
	struct buf url = BUF_INIT;
	buf_addf(&url, "sqlite:%s", p.s);
	CHECK(store_open(url.s, STORE_CREATE, &s, &err) == 0);
	CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION);
	store_close(s);
	buf_release(&url);
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
	paper_release(&got);
	CHECK(store_paper_get(s, "9999.99999", &got, &err) == 1);
	/* a rolled-back batch leaves nothing */
	struct paper extra;
	make(&extra, "2506.00009", "2025-06-04", 0, "gone");
	CHECK(store_begin(s, &err) == 0);
	CHECK(store_upsert_batch(s, &extra, 1, r, &err) == 0);
	store_rollback(s);
	CHECK(store_paper_get(s, "2506.00009", &got, &err) == 1);
	paper_release(&extra);

	struct store_query q = { "2025-06-02", "2025-06-03", SORT_UPVOTES, 10, 0 };
	CHECK(store_paper_list(s, &q, collect, &ids, &err) == 0);
	CHECK_STR(ids.s, "2506.00002,2506.00001,");
	buf_reset(&ids);
	q.limit = 1;
	q.offset = 1;
	CHECK(store_paper_list(s, &q, collect, &ids, &err) == 0);
	CHECK_STR(ids.s, "2506.00001,");
	buf_reset(&ids);
	struct store_query w = { "2025-06-02", "2025-06-09", SORT_PUBLISHED, 0, 0 };
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

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	test_open_errors();
	test_upsert_list();
	struct buf cmd = BUF_INIT;
	buf_addf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.s))
		fprintf(stderr, "could not remove %s\n", dir);
	buf_release(&cmd);
	return check_report("test_store");
}
