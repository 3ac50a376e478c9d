/*
 * test_service.c - the rules of the service (src/service), called as the
 * web and the CLI call them, without HTTP: accounts and the one password
 * limiter, votes (set, toggle, the vote age), comments and their limit,
 * submissions and arXiv fetches (window, daily limit, moderation, the
 * queue and its limit), the upvote order of hits, and the index catching
 * up after writes. `test_service` runs on a SQLite file; `test_service pg`
 * on a database it makes on the server $PAPERBOY_TEST_PG names.
 */
#include "../../src/search/search.h"
#include "../../src/service/service.h"
#include "check.h"
#include <libpq-fe.h>
#include <unistd.h>

static char dir[] = "/tmp/pb-test-service-XXXXXX";
static const char *pg_base;
static char pg_db[64];

/* Runs one statement on the PostgreSQL server's maintenance database. */
static int pg_exec(const char *sql)
{
	PGconn *c = PQconnectdb(pg_base);
	int rc = -1;
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, sql);
		rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
		if (rc)
			fprintf(stderr, "test_service: %s: %s", sql, PQerrorMessage(c));
		PQclear(r);
	}
	PQfinish(c);
	return rc;
}

/* A new, empty store (a file, or a database on the server). */
static struct store *new_store(void)
{
	struct buf url = BUF_INIT, err = BUF_INIT;
	if (pg_base) {
		snprintf(pg_db, sizeof(pg_db), "pbsvc_%ld", (long)getpid());
		char sql[128];
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_db);
		if (pg_exec(sql))
			exit(1);
		const char *a = strstr(pg_base, "://"), *slash = strchr(a + 3, '/'), *q = strchr(slash, '?');
		buf_add(&url, pg_base, (size_t)(slash - pg_base) + 1);
		buf_adds(&url, pg_db);
		if (q)
			buf_adds(&url, q);
	} else {
		buf_addf(&url, "%s/s.db", dir);
	}
	struct store *s = NULL;
	if (store_open(url.s, STORE_CREATE, &s, &err)) {
		fprintf(stderr, "test_service: %s\n", err.s);
		exit(1);
	}
	buf_release(&url);
	buf_release(&err);
	return s;
}

/* Stores a paper published `age_days` ago, on the feed of `hf_day` ("":
 * not on it), with `upvotes` imported. */
static void add_paper(struct store *s, const char *id, int age_days, const char *hf_day, int upvotes)
{
	struct paper p;
	paper_init(&p);
	snprintf(p.id, sizeof(p.id), "%s", id);
	p.title = xstrdup("Diffusion transformers for video generation");
	p.abstract = xstrdup("We study attention in diffusion models.");
	strlist_push(&p.authors, "Ada Lovelace", 12);
	strlist_push(&p.categories, "cs.LG", 5);
	p.published = time_now_ms() - (pb_time)age_days * 86400000;
	snprintf(p.hf_day, sizeof(p.hf_day), "%s", hf_day);
	p.upvotes = upvotes;
	p.sources = SRC_ARXIV_API;
	enum upsert_result res;
	struct buf err = BUF_INIT;
	CHECK(store_begin(s, &err) == 0 && store_upsert_batch(s, &p, 1, &res, &err) == 0 && store_commit(s, &err) == 0);
	paper_release(&p);
	buf_release(&err);
}

static int paper_votes(struct store *s, const char *id)
{
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	int n = store_paper_get(s, id, &p, &err) == 0 ? paper_upvotes(&p) : -1;
	paper_release(&p);
	buf_release(&err);
	return n;
}

static struct user account(struct svc *v, const char *name, bool admin)
{
	struct user u;
	long wait;
	struct buf msg = BUF_INIT;
	char email[64];
	snprintf(email, sizeof(email), "%s@example.org", name);
	CHECK(svc_account_create(v, name, email, "correct horse battery", admin, true, NULL, &u, &wait, &msg) == PB_OK);
	buf_release(&msg);
	return u;
}

static void test_accounts(struct svc *v, struct svc_config *cfg)
{
	CHECK(svc_name_problem("ab") == NULL);
	CHECK(svc_name_problem("a") != NULL);
	CHECK(svc_name_problem("-ab") != NULL);
	CHECK(svc_name_problem("a b") != NULL);
	CHECK(svc_password_problem("short") != NULL);
	CHECK(svc_password_problem("ten chars!") == NULL);
	struct user u;
	long wait;
	struct buf msg = BUF_INIT;
	CHECK(svc_account_create(v, "x y", "x@example.org", "long enough pw", false, false, NULL, &u, &wait, &msg) ==
	      PB_INVALID);
	CHECK(strstr(msg.s, "username") != NULL);
	CHECK(svc_account_create(v, "xy", "not an address", "long enough pw", false, false, NULL, &u, &wait, &msg) ==
	      PB_INVALID);
	CHECK(svc_account_create(v, "xy", "x@example.org", "short", false, false, NULL, &u, &wait, &msg) == PB_INVALID);
	struct user alice = account(v, "alice", false);
	CHECK(alice.id > 0 && alice.created > 0);
	CHECK(svc_account_create(v, "ALICE", "a2@example.org", "long enough pw", false, false, NULL, &u, &wait, &msg) ==
	      PB_CONFLICT);
	/* sign-ups from one address: the configured number, then a wait */
	cfg->signups_per_ip = 2;
	cfg->signups_per_hour = 100;
	CHECK(svc_account_create(v, "web1", "w1@example.org", "long enough pw", false, false, "192.0.2.7", &u, &wait,
				 &msg) == PB_OK);
	CHECK(svc_account_create(v, "web2", "w2@example.org", "long enough pw", false, false, "192.0.2.7", &u, &wait,
				 &msg) == PB_OK);
	CHECK(svc_account_create(v, "web3", "w3@example.org", "long enough pw", false, false, "192.0.2.7", &u, &wait,
				 &msg) == PB_LIMITED);
	CHECK(wait > 0);
	/* another address, and the operator, are not held up */
	CHECK(svc_account_create(v, "web4", "w4@example.org", "long enough pw", false, false, "192.0.2.8", &u, &wait,
				 &msg) == PB_OK);
	CHECK(svc_account_create(v, "op1", "o1@example.org", "long enough pw", false, false, "", &u, &wait, &msg) ==
	      PB_OK);
	cfg->signups_per_ip = cfg->signups_per_hour = 0;
	buf_release(&msg);
}

static void test_passwords(struct svc *v)
{
	struct user u;
	long wait;
	CHECK(svc_password_check(v, "alice", &u, "correct horse battery", "198.51.100.1", &wait) == PB_OK);
	CHECK_STR(u.name, "alice");
	/* a served password's hash: Argon2id with libsodium's interactive
	 * limits (the integration tests alone ask for weak ones) */
	CHECK(!svc_password_weak());
	CHECK(!strncmp(u.pwhash, "$argon2id$v=19$m=65536,t=2,p=1$", 31));
	char h[128];
	CHECK(svc_password_hash("another password", h) == PB_OK && !strncmp(h, "$argon2id$v=19$m=65536,t=2,p=1$", 31));
	CHECK(svc_password_check(v, "ALICE@example.org", &u, "correct horse battery", "198.51.100.1", &wait) == PB_OK);
	CHECK(svc_password_check(v, "nobody", &u, "correct horse battery", "198.51.100.1", &wait) == PB_DENIED);
	/* eight wrong guesses, then even the right password waits: one
	 * limiter for every check of this account */
	struct user bob = account(v, "bob", false);
	int denied = 0;
	for (int i = 0; i < 8; i++)
		denied += svc_password_check(v, "bob", &u, "wrong password!", "198.51.100.2", &wait) == PB_DENIED;
	CHECK(denied == 8);
	CHECK(svc_password_check(v, "bob", &u, "correct horse battery", "198.51.100.3", &wait) == PB_LIMITED);
	CHECK(wait > 0);
	/* a signed-in user's check (account deletion) goes through it too */
	CHECK(svc_password_check(v, NULL, &bob, "correct horse battery", "198.51.100.3", &wait) == PB_LIMITED);
	/* others are not held up */
	CHECK(svc_password_check(v, "alice", &u, "correct horse battery", "198.51.100.3", &wait) == PB_OK);
}

static void test_votes(struct svc *v, struct svc_config *cfg)
{
	add_paper(v->s, "2501.00001", 1, "2025-01-02", 10);
	add_paper(v->s, "2501.00002", 1, "2025-01-02", 0);
	struct user u = account(v, "voter", false);
	bool voted;
	int up;
	/* set is idempotent, toggle flips */
	CHECK(svc_vote(v, &u, "2501.00001", 1, &voted, &up) == PB_OK && voted && up == 11);
	CHECK(svc_vote(v, &u, "2501.00001", 1, &voted, &up) == PB_OK && voted && up == 11);
	CHECK(paper_votes(v->s, "2501.00001") == 11);
	CHECK(svc_vote(v, &u, "2501.00001", -1, &voted, &up) == PB_OK && !voted && up == 10);
	CHECK(svc_vote(v, &u, "2501.00001", 0, &voted, &up) == PB_OK && !voted && up == 10);
	CHECK(svc_vote(v, &u, "2501.99999", 1, &voted, &up) == PB_NOTFOUND);
	struct buf err = BUF_INIT;
	CHECK(store_paper_hide(v->s, "2501.00002", true, &err) == 0);
	CHECK(svc_vote(v, &u, "2501.00002", 1, &voted, &up) == PB_NOTFOUND);
	CHECK(store_paper_hide(v->s, "2501.00002", false, &err) == 0);
	/* a young account votes, but its vote counts once it is old enough */
	cfg->vote_age_ms = 3600 * 1000;
	struct user young = account(v, "young", false);
	CHECK(svc_vote(v, &young, "2501.00002", 1, &voted, &up) == PB_OK && voted && up == 0);
	int64_t n = -1;
	CHECK(svc_votes_mature(v, &n, &err) == 0 && n == 0);
	CHECK(paper_votes(v->s, "2501.00002") == 0);
	cfg->vote_age_ms = 1;
	usleep(5000);
	CHECK(svc_votes_mature(v, &n, &err) == 0 && n == 1);
	CHECK(paper_votes(v->s, "2501.00002") == 1);
	cfg->vote_age_ms = 0;
	buf_release(&err);
}

static void test_comments(struct svc *v)
{
	struct user u = account(v, "talker", false), admin = account(v, "moder", true);
	struct comment c;
	long wait;
	struct buf msg = BUF_INIT;
	memset(&c, 0, sizeof(c));
	snprintf(c.paper, sizeof(c.paper), "2501.00001");
	c.body = (char *)"   ";
	CHECK(svc_comment_add(v, &u, &c, &wait, &msg) == PB_INVALID);
	c.body = (char *)"a reply to nothing";
	c.parent = 999999;
	CHECK(svc_comment_add(v, &u, &c, &wait, &msg) == PB_NOTFOUND);
	c.parent = 0;
	snprintf(c.paper, sizeof(c.paper), "2501.99999");
	CHECK(svc_comment_add(v, &u, &c, &wait, &msg) == PB_NOTFOUND);
	snprintf(c.paper, sizeof(c.paper), "2501.00001");
	int ok = 0;
	for (int i = 0; i < 30; i++) {
		c.id = 0;
		c.created = 0;
		c.body = (char *)"a fine point";
		ok += svc_comment_add(v, &u, &c, &wait, &msg) == PB_OK;
	}
	CHECK(ok == 30);
	c.id = c.created = 0;
	c.body = (char *)"one more";
	CHECK(svc_comment_add(v, &u, &c, &wait, &msg) == PB_LIMITED && wait > 0);
	c.id = c.created = 0;
	CHECK(svc_comment_add(v, &admin, &c, &wait, &msg) == PB_OK);
	buf_release(&msg);
}

/* What a reader keeps: the rules of service/library.c. */
static void test_library(struct svc *v)
{
	struct user u = account(v, "keeper", false);
	struct buf msg = BUF_INIT;
	CHECK(svc_pair_set(v, u.id, false, "colour", "blue", true, &msg) == PB_INVALID);
	CHECK(svc_pair_set(v, u.id, true, "hfuser", "someone", true, &msg) == PB_INVALID); /* not a mute's kind */
	CHECK(svc_pair_set(v, u.id, false, "author", "   ", true, &msg) == PB_INVALID);
	char longv[201];
	memset(longv, 'x', 200);
	longv[200] = '\0';
	CHECK(svc_pair_set(v, u.id, false, "author", longv, true, &msg) == PB_INVALID);
	longv[199] = '\0';
	CHECK(svc_pair_set(v, u.id, false, "author", longv, true, &msg) == PB_OK);
	/* a follow, and an unfollow, are the recommendations' cue */
	struct buf err = BUF_INIT;
	struct user_prefs p;
	CHECK(store_prefs_get(v->s, u.id, &p, &err) == 0 && p.active_at > 0);
	pb_time before = p.active_at;
	struct timespec ms = { 0, 2000000 };
	nanosleep(&ms, NULL);
	CHECK(svc_pair_set(v, u.id, false, "author", longv, false, &msg) == PB_OK);
	CHECK(store_prefs_get(v->s, u.id, &p, &err) == 0 && p.active_at > before);
	/* the caps, with the service's numbers */
	for (int i = 0; i < SVC_PAIRS_MAX; i++) {
		char val[32];
		snprintf(val, sizeof(val), "w%d", i);
		CHECK(svc_pair_set(v, u.id, true, "word", val, true, &msg) == PB_OK);
	}
	CHECK(svc_pair_set(v, u.id, true, "word", "one more", true, &msg) == PB_REFUSED && strstr(msg.s, "500"));
	CHECK(svc_pair_set(v, u.id, true, "word", "w7", true, &msg) == PB_OK); /* had already */
	struct collection c, saved;
	CHECK(svc_collection_create(v, u.id, "", false, &c, &msg) == PB_INVALID);
	CHECK(svc_collection_create(v, u.id, "Reading", true, &c, &msg) == PB_OK && c.id > 0 && c.public_);
	CHECK(svc_collection_create(v, u.id, "reading", false, &c, &msg) == PB_CONFLICT);
	for (int i = 1; i < SVC_COLLECTIONS_MAX; i++) {
		char name[32];
		snprintf(name, sizeof(name), "list %d", i);
		CHECK(svc_collection_create(v, u.id, name, false, &c, &msg) == PB_OK);
	}
	CHECK(svc_collection_create(v, u.id, "one more", false, &c, &msg) == PB_REFUSED);
	CHECK(svc_collection_saved(v, u.id, &saved, &msg) == PB_OK && !strcmp(saved.name, "Saved")); /* the 101st */
	CHECK(svc_collection_saved(v, u.id, &c, &msg) == PB_OK && c.id == saved.id);
	CHECK(svc_collection_change(v, &c, "  ", -1, &msg) == PB_INVALID);
	CHECK(svc_collection_change(v, &c, "list 3", -1, &msg) == PB_CONFLICT);
	CHECK(svc_collection_change(v, &c, "Kept", 1, &msg) == PB_OK && c.public_ && !strcmp(c.name, "Kept"));
	CHECK(svc_collection_put(v, u.id, &saved, "2501.00001", NULL, &msg) == PB_OK);
	CHECK(svc_collection_put(v, u.id, &saved, "2501.99999", NULL, &msg) == PB_NOTFOUND);
	char note[SVC_NOTE_MAX + 2];
	memset(note, 'n', SVC_NOTE_MAX + 1);
	note[SVC_NOTE_MAX + 1] = '\0';
	CHECK(svc_collection_put(v, u.id, &saved, "2501.00001", note, &msg) == PB_INVALID);
	note[SVC_NOTE_MAX] = '\0';
	CHECK(svc_collection_put(v, u.id, &saved, "2501.00001", note, &msg) == PB_OK);
	buf_release(&err);
	buf_release(&msg);
}

static void test_submissions(struct svc *v, struct svc_config *cfg)
{
	struct user u = account(v, "submitter", false), admin = account(v, "boss", true);
	add_paper(v->s, "2502.00001", 2, "", 0);   /* new, not on the feed */
	add_paper(v->s, "2502.00002", 60, "", 0);  /* too old for the window */
	add_paper(v->s, "2502.00003", 1, "2025-02-03", 0); /* on the feed */
	add_paper(v->s, "2502.00004", 1, "", 0);
	add_paper(v->s, "2502.00005", 1, "", 0);
	struct buf err = BUF_INIT, msg = BUF_INIT;
	CHECK(store_paper_hide(v->s, "2502.00004", true, &err) == 0);
	cfg->submit_window_days = 14;
	cfg->submit_daily_limit = 3;
	char id[PAPER_ID_MAX];
	long wait;
	CHECK(svc_submit(v, &u, "not a paper", id, &wait, &msg) == PB_INVALID);
	CHECK(svc_submit(v, &u, "https://arxiv.org/abs/2502.00003v2", id, &wait, &msg) == PB_CONFLICT);
	CHECK_STR(id, "2502.00003");
	CHECK(strstr(msg.s, "2025-02-03") != NULL);
	CHECK(svc_submit(v, &u, "2502.00004", id, &wait, &msg) == PB_REFUSED);
	CHECK(svc_submit(v, &u, "arXiv:2502.00002", id, &wait, &msg) == PB_REFUSED);
	CHECK(strstr(msg.s, "14 days") != NULL);
	CHECK(svc_submit(v, &admin, "2502.00002", id, &wait, &msg) == PB_OK); /* administrators bypass the window */
	CHECK(svc_submit(v, &u, "2502.00001", id, &wait, &msg) == PB_OK);
	struct paper p;
	paper_init(&p);
	CHECK(store_paper_get(v->s, "2502.00001", &p, &err) == 0 && p.hf_day[0] && p.submitter &&
	      !strcmp(p.submitter, "submitter"));
	paper_release(&p);
	/* held for a moderator: not on the feed yet */
	cfg->moderate_submissions = true;
	CHECK(svc_submit(v, &u, "2502.00005", id, &wait, &msg) == PB_PENDING);
	paper_init(&p);
	CHECK(store_paper_get(v->s, "2502.00005", &p, &err) == 0 && !p.hf_day[0]);
	paper_release(&p);
	cfg->moderate_submissions = false;
	/* not here: queued for the fetcher (it counts against the daily limit) */
	CHECK(svc_submit(v, &u, "2502.09999", id, &wait, &msg) == PB_ACCEPTED);
	struct fetch_job j;
	CHECK(svc_fetch_status(v, &u, "2502.09999", &j) == 0 && !strcmp(j.state, "queued") && j.submit);
	/* three asked for today (submitted, held, being fetched; the window's
	 * refusals do not count): the limit is three */
	CHECK(svc_submit(v, &u, "2502.09998", id, &wait, &msg) == PB_LIMITED);
	CHECK(svc_submit(v, &admin, "2502.09998", id, &wait, &msg) == PB_ACCEPTED);
	cfg->submit_daily_limit = 0;
	buf_release(&err);
	buf_release(&msg);
}

static void test_fetches(struct svc *v, struct svc_config *cfg)
{
	struct user u = account(v, "reader", false);
	struct buf msg = BUF_INIT;
	long wait;
	cfg->fetch_hourly_limit = 2;
	CHECK(svc_fetch_ask(v, &u, "2501.00001", &wait, &msg) == PB_OK); /* here already: nothing to fetch */
	CHECK(svc_fetch_ask(v, &u, "2502.00004", &wait, &msg) == PB_REFUSED); /* hidden */
	CHECK(svc_fetch_ask(v, &u, "2503.00001", &wait, &msg) == PB_ACCEPTED);
	CHECK(svc_fetch_ask(v, &u, "2503.00001", &wait, &msg) == PB_ACCEPTED); /* waiting already: not counted */
	CHECK(svc_fetch_ask(v, &u, "2503.00002", &wait, &msg) == PB_ACCEPTED);
	CHECK(svc_fetch_ask(v, &u, "2503.00003", &wait, &msg) == PB_LIMITED && wait > 0);
	struct fetch_job j;
	CHECK(svc_fetch_status(v, NULL, "2503.00002", &j) == 0 && !j.submit);
	CHECK(svc_fetch_status(v, NULL, "2503.00003", &j) == 1);
	cfg->fetch_hourly_limit = 0;
	buf_release(&msg);
}

static void test_sort_and_index(struct svc *v)
{
	add_paper(v->s, "2504.00001", 1, "2025-04-01", 3);
	add_paper(v->s, "2504.00002", 1, "2025-04-01", 7);
	add_paper(v->s, "2504.00003", 1, "2025-04-01", 7);
	struct search_hit hits[4] = { { .id = "2504.00001" }, { .id = "2504.00003" }, { .id = "2504.00002" },
				      { .id = "2599.00000" } };
	svc_sort_by_votes(v, hits, 4);
	/* by votes; equal votes keep their relevance order; unknown last */
	CHECK_STR(hits[0].id, "2504.00003");
	CHECK_STR(hits[1].id, "2504.00002");
	CHECK_STR(hits[2].id, "2504.00001");
	CHECK_STR(hits[3].id, "2599.00000");

	struct buf path = BUF_INIT, err = BUF_INIT;
	buf_addf(&path, "%s/s.search", dir);
	uint64_t added = 0;
	bool built = false;
	CHECK(svc_index_catch_up(v->s, path.s, &added, &built, &err) == 0 && built && added == 10);
	struct search_index *ix;
	struct search_index_stats st = { 0 };
	if (search_open(path.s, &ix, &err) == 0) {
		search_index_stats(ix, &st);
		search_close(ix);
	}
	CHECK(st.docs == 10); /* every paper stored above (the hidden one too: it is filtered at query time) */
	add_paper(v->s, "2504.00004", 1, "", 0);
	CHECK(svc_index_catch_up(v->s, path.s, &added, &built, &err) == 0 && !built && added == 1);
	CHECK(svc_index_catch_up(v->s, path.s, &added, &built, &err) == 0 && !built && added == 0);
	buf_release(&path);
	buf_release(&err);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "pg")) {
		pg_base = getenv("PAPERBOY_TEST_PG");
		if (!pg_base || !*pg_base) {
			fprintf(stderr, "test_service pg: PAPERBOY_TEST_PG names no server (ctest starts one)\n");
			return 1;
		}
	}
	if (!mkdtemp(dir))
		return 99;
	search_configure(&(struct search_config){ .vectors = "/nonexistent" });
	progress_off();
	struct svc_config cfg = { 0 };
	struct svc v = { &cfg, new_store() };
	test_accounts(&v, &cfg);
	test_passwords(&v);
	test_votes(&v, &cfg);
	test_comments(&v);
	test_library(&v);
	test_submissions(&v, &cfg);
	test_fetches(&v, &cfg);
	test_sort_and_index(&v);
	store_close(v.s);
	if (pg_base) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_db);
		pg_exec(sql);
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report(pg_base ? "test_service (postgresql)" : "test_service (sqlite)");
}
