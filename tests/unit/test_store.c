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
	CHECK(store_token_add(s, b.id, h2, "script", 10, &err) == 0);
	CHECK(store_token_user(s, h2, 20, &u, &err) == 0 && u.id == b.id);
	u.disabled = true;
	CHECK(store_user_update(s, &u, &err) == 0);
	CHECK(store_token_user(s, h2, 30, &u, &err) == 1);

	/* votes: a toggle, the total over the imported baseline */
	bool voted;
	int up;
	CHECK(store_vote_toggle(s, a.id, "2506.00011", 1000, &voted, &up, &err) == 0 && voted && up == 6);
	CHECK(store_vote_toggle(s, b.id, "2506.00011", 2000, &voted, &up, &err) == 0 && voted && up == 7);
	CHECK(store_vote_toggle(s, a.id, "2506.00011", 3000, &voted, &up, &err) == 0 && !voted && up == 6);
	CHECK(store_vote_toggle(s, a.id, "2999.00001", 3000, &voted, &up, &err) == 1);
	CHECK(store_vote_get(s, b.id, "2506.00011", &voted, &err) == 0 && voted);
	struct paper got_p;
	paper_init(&got_p);
	CHECK(store_paper_get(s, "2506.00011", &got_p, &err) == 0 && got_p.local_votes == 1 && paper_upvotes(&got_p) == 6);
	paper_release(&got_p);
	/* votes order the upvote list, and an upsert never touches them */
	CHECK(store_vote_toggle(s, a.id, "2506.00012", 1000, &voted, &up, &err) == 0);
	CHECK(store_vote_toggle(s, b.id, "2506.00012", 1000, &voted, &up, &err) == 0);
	CHECK(store_vote_toggle(s, a.id, "2506.00012", 1000, &voted, &up, &err) == 0);
	CHECK(store_vote_toggle(s, a.id, "2506.00012", 1000, &voted, &up, &err) == 0 && up == 3);
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

	/* hiding: out of lists, no votes */
	CHECK(store_paper_hide(s, "2506.00011", true, &err) == 0);
	buf_reset(&got);
	CHECK(store_paper_list(s, &q, collect, &got, &err) == 0 && !strcmp(got.s, "2506.00012,"));
	CHECK(store_vote_toggle(s, a.id, "2506.00011", 1000, &voted, &up, &err) == 1);
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

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	test_open_errors();
	test_upsert_list();
	test_people();
	struct buf cmd = BUF_INIT;
	buf_addf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.s))
		fprintf(stderr, "could not remove %s\n", dir);
	buf_release(&cmd);
	return check_report("test_store");
}
