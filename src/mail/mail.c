/*
 * mail.c - subscriptions, signed link tokens, digest rendering (plain text
 * and HTML, multipart/alternative) into the outbox, and delivery of the
 * outbox over SMTP with libcurl (one connection reused for the run).
 */
#include "mail.h"
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIRM_HOURS 48
#define MANAGE_DAYS 3650
#define TRENDING_N 10
#define TOPIC_N 5
#define BATCH 500

void mail_config_init(struct mail_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mail_from = "paperboy@localhost";
	c->base_url = "http://127.0.0.1:8080";
	c->rate = 0;
	c->timeout = 30;
	c->max_attempts = 8;
	c->pause_after = 3;
	c->out = stdout;
}

/* ---- tokens --------------------------------------------------------------- */

int mail_secret(struct store *s, uint8_t key[32], struct buf *err)
{
	if (sodium_init() < 0) {
		buf_setf(err, "libsodium failed to initialise");
		return -1;
	}
	char *hex = NULL;
	int rc = store_kv_get(s, "web.secret", &hex, err);
	if (rc < 0)
		return -1;
	size_t len = 0;
	if (rc == 0 && sodium_hex2bin(key, 32, hex, strlen(hex), NULL, &len, NULL) == 0 && len == 32) {
		free(hex);
		return 0;
	}
	free(hex);
	randombytes_buf(key, 32);
	char out[65];
	sodium_bin2hex(out, sizeof(out), key, 32);
	return store_kv_set(s, "web.secret", out, err);
}

struct token_body {
	uint8_t id[8], purpose, expires[8];
};

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void mail_token(const uint8_t key[32], int64_t sub_id, enum mail_token_purpose purpose, pb_time expires,
		char out[96])
{
	uint8_t raw[17 + crypto_auth_BYTES];
	put64(raw, (uint64_t)sub_id);
	raw[8] = (uint8_t)purpose;
	put64(raw + 9, (uint64_t)expires);
	crypto_auth(raw + 17, raw, 17, key);
	sodium_bin2base64(out, 96, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Only the base64url alphabet: libsodium's decoder maps some other bytes
 * (those above 127) to the value of '_', so one token would have many
 * spellings. */
static bool token_chars_ok(const char *tok)
{
	size_t n = strlen(tok);
	return n <= 95 && strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

int mail_token_check(const uint8_t key[32], const char *tok, enum mail_token_purpose purpose, pb_time now,
		     int64_t *sub_id)
{
	uint8_t raw[17 + crypto_auth_BYTES];
	size_t len = 0;
	if (!tok || !token_chars_ok(tok) ||
	    sodium_base642bin(raw, sizeof(raw), tok, strlen(tok), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
	    len != sizeof(raw) || crypto_auth_verify(raw + 17, raw, 17, key) != 0 || raw[8] != purpose ||
	    (pb_time)get64(raw + 9) < now)
		return -1;
	*sub_id = (int64_t)get64(raw);
	return 0;
}

/* A key for one purpose's tokens: BLAKE2b keyed with the link key over
 * the purpose's label and the value the token is bound to (lower-cased
 * when it is an address). */
static void bound_key(const uint8_t key[32], const char *label, const char *value, bool lower, uint8_t out[32])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, 32, 32);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	for (const char *p = value; *p; p++) {
		uint8_t c = (uint8_t)(lower && *p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		crypto_generichash_update(&st, &c, 1);
	}
	crypto_generichash_final(&st, out, 32);
}

static void verify_key(const uint8_t key[32], const char *email, uint8_t out[32])
{
	bound_key(key, "verify-email\n", email, true, out);
}

/* The user id in a token of that purpose, before it is checked. */
static int token_user(const char *tok, enum mail_token_purpose purpose, int64_t *user_id)
{
	uint8_t raw[17 + crypto_auth_BYTES];
	size_t len = 0;
	if (!tok || !token_chars_ok(tok) ||
	    sodium_base642bin(raw, sizeof(raw), tok, strlen(tok), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
	    len != sizeof(raw) || raw[8] != purpose)
		return -1;
	*user_id = (int64_t)get64(raw);
	return 0;
}

void mail_verify_token(const uint8_t key[32], int64_t user_id, const char *email, pb_time expires, char out[96])
{
	uint8_t k[32];
	verify_key(key, email, k);
	mail_token(k, user_id, TOKEN_VERIFY, expires, out);
	sodium_memzero(k, sizeof(k));
}

int mail_verify_token_user(const char *tok, int64_t *user_id)
{
	return token_user(tok, TOKEN_VERIFY, user_id);
}

int mail_verify_token_check(const uint8_t key[32], const char *tok, int64_t user_id, const char *email, pb_time now)
{
	uint8_t k[32];
	verify_key(key, email, k);
	int64_t id;
	int rc = mail_token_check(k, tok, TOKEN_VERIFY, now, &id);
	sodium_memzero(k, sizeof(k));
	return rc == 0 && id == user_id ? 0 : -1;
}

/* ---- MIME pieces ----------------------------------------------------------- */

static void b64_lines(struct buf *out, const char *s, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *tmp = xmalloc(cap);
	sodium_bin2base64(tmp, cap, (const uint8_t *)s, n, sodium_base64_VARIANT_ORIGINAL);
	size_t len = strlen(tmp);
	for (size_t i = 0; i < len; i += 76) {
		buf_add(out, tmp + i, len - i < 76 ? len - i : 76);
		buf_adds(out, "\r\n");
	}
	free(tmp);
}

/* An RFC 2047 encoded-word when the text is not plain ASCII. */
static void header_text(struct buf *out, const char *s)
{
	bool ascii = true;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p >= 127 || *p == '\r' || *p == '\n')
			ascii = false;
	if (ascii) {
		buf_adds(out, s);
		return;
	}
	size_t n = strlen(s);
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *tmp = xmalloc(cap);
	sodium_bin2base64(tmp, cap, (const uint8_t *)s, n, sodium_base64_VARIANT_ORIGINAL);
	buf_addf(out, "=?UTF-8?B?%s?=", tmp);
	free(tmp);
}

static void rfc2822_date(pb_time t, char out[64])
{
	time_t secs = (time_t)(t / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(out, 64, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* Text into HTML, escaped. */
static void add_text(struct buf *b, const char *s)
{
	buf_add_html(b, s, strlen(s));
}

static void host_of(const char *url, char out[128])
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t n = strcspn(p, ":/?#");
	snprintf(out, 128, "%.*s", (int)(n ? n : 9), n ? p : "localhost");
}

/* Headers every message carries. */
static void common_headers(struct buf *m, const struct mail_config *c, const char *to, const char *subject,
			   const char *message_id, pb_time now)
{
	char date[64];
	rfc2822_date(now, date);
	buf_addf(m, "From: paperboy <%s>\r\nTo: <%s>\r\nSubject: ", c->mail_from, to);
	header_text(m, subject);
	buf_addf(m, "\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n", date, message_id);
}

/* ---- subscribing -------------------------------------------------------------- */

static int queue_confirmation(struct store *s, const struct mail_config *c, const struct subscription *sub,
			      struct buf *err)
{
	uint8_t key[32];
	if (mail_secret(s, key, err))
		return -1;
	pb_time now = time_now_ms();
	char tok[96], mtok[96], host[128];
	mail_token(key, sub->id, TOKEN_CONFIRM, now + (pb_time)CONFIRM_HOURS * 3600000, tok);
	mail_token(key, sub->id, TOKEN_MANAGE, now + (pb_time)MANAGE_DAYS * 86400000, mtok);
	host_of(c->base_url, host);
	struct outbox_msg m;
	memset(&m, 0, sizeof(m));
	m.sub_id = sub->id;
	snprintf(m.kind, sizeof(m.kind), "confirm");
	snprintf(m.period_key, sizeof(m.period_key), "confirm:%lld", (long long)now);
	snprintf(m.message_id, sizeof(m.message_id), "confirm-%lld-%lld@%s", (long long)sub->id, (long long)now, host);
	snprintf(m.rcpt, sizeof(m.rcpt), "%s", sub->email);
	struct buf msg = BUF_INIT, body = BUF_INIT;
	common_headers(&msg, c, sub->email, "Confirm your paperboy subscription", m.message_id, now);
	buf_addf(&msg, "List-Unsubscribe: <%s/unsubscribe?t=%s>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
		 c->base_url, mtok);
	buf_addf(&body,
		 "Hello,\r\n\r\nSomeone (we hope you) asked for %s emails of trending papers from paperboy\r\n"
		 "at %s.\r\n\r\nTo start receiving them (or to apply the change), confirm here (the link\r\n"
		 "works for %d hours):\r\n\r\n"
		 "%s/subscribe/confirm?t=%s\r\n\r\nIf it was not you, ignore this message: nothing will be sent.\r\n"
		 "Change or cancel the subscription: %s/subscription?t=%s\r\n",
		 sub->period, c->base_url, CONFIRM_HOURS, c->base_url, tok, c->base_url, mtok);
	buf_adds(&msg, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	b64_lines(&msg, body.s, body.len);
	m.data = msg.s;
	m.len = msg.len;
	m.created = now;
	int rc = store_outbox_add(s, &m, NULL, err);
	buf_release(&msg);
	buf_release(&body);
	return rc < 0 ? -1 : 0;
}

int mail_verify_account(struct store *s, const struct mail_config *c, const struct user *u, struct buf *err)
{
	uint8_t key[32];
	if (mail_secret(s, key, err))
		return -1;
	pb_time now = time_now_ms();
	char tok[96], host[128];
	mail_verify_token(key, u->id, u->email, now + (pb_time)CONFIRM_HOURS * 3600000, tok);
	sodium_memzero(key, sizeof(key));
	host_of(c->base_url, host);
	struct outbox_msg m;
	memset(&m, 0, sizeof(m));
	m.user_id = u->id;
	snprintf(m.kind, sizeof(m.kind), "verify");
	snprintf(m.period_key, sizeof(m.period_key), "verify:%lld:%lld", (long long)u->id, (long long)now);
	snprintf(m.message_id, sizeof(m.message_id), "verify-%lld-%lld@%s", (long long)u->id, (long long)now, host);
	snprintf(m.rcpt, sizeof(m.rcpt), "%s", u->email);
	struct buf msg = BUF_INIT, body = BUF_INIT;
	common_headers(&msg, c, u->email, "Verify your email address for paperboy", m.message_id, now);
	buf_addf(&body,
		 "Hello %s,\r\n\r\nSomeone (we hope you) made the paperboy account \"%s\" at %s\r\n"
		 "with this email address. To verify that the address is yours, follow this link\r\n"
		 "(it works for %d hours):\r\n\r\n%s/account/verify?t=%s\r\n\r\n"
		 "Until then the address counts for nothing on the account: its email digests\r\n"
		 "are not shown there. If it was not you, ignore this message.\r\n",
		 u->name, u->name, c->base_url, CONFIRM_HOURS, c->base_url, tok);
	buf_adds(&msg, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	b64_lines(&msg, body.s, body.len);
	m.data = msg.s;
	m.len = msg.len;
	m.created = now;
	int rc = store_outbox_add(s, &m, NULL, err);
	buf_release(&msg);
	buf_release(&body);
	return rc < 0 ? -1 : 0;
}

int mail_reset_message(const struct user *u, const char *tok, int minutes, void *cfg, struct outbox_msg *m)
{
	const struct mail_config *c = cfg;
	pb_time now = time_now_ms();
	char host[128];
	host_of(c->base_url, host);
	memset(m, 0, sizeof(*m));
	m->user_id = u->id;
	snprintf(m->kind, sizeof(m->kind), "reset");
	snprintf(m->period_key, sizeof(m->period_key), "reset:%lld:%lld", (long long)u->id, (long long)now);
	snprintf(m->message_id, sizeof(m->message_id), "reset-%lld-%lld@%s", (long long)u->id, (long long)now, host);
	snprintf(m->rcpt, sizeof(m->rcpt), "%s", u->email);
	struct buf msg = BUF_INIT, body = BUF_INIT;
	common_headers(&msg, c, u->email, "Reset your paperboy password", m->message_id, now);
	buf_addf(&body,
		 "Hello %s,\r\n\r\nSomeone (we hope you) asked to reset the password of the paperboy\r\n"
		 "account \"%s\" at %s. To choose a new password, follow this link\r\n"
		 "(it works once, for %d minutes):\r\n\r\n%s/account/reset?t=%s\r\n\r\n"
		 "A new password signs the account out everywhere and deletes its API tokens.\r\n"
		 "If it was not you, ignore this message: your password stays as it is.\r\n",
		 u->name, u->name, c->base_url, minutes, c->base_url, tok);
	buf_adds(&msg, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	b64_lines(&msg, body.s, body.len);
	sodium_memzero(body.s, body.len);
	buf_release(&body);
	m->len = msg.len;
	m->data = buf_detach(&msg);
	m->created = now;
	return m->data ? 0 : -1;
}

int mail_sub_check(const char *period, const char *topics, struct buf *clean, struct buf *msg)
{
	if (!period || (strcmp(period, "daily") && strcmp(period, "weekly"))) {
		buf_setf(msg, "Choose daily or weekly.");
		return 1;
	}
	size_t ntopics = 0;
	for (const char *p = topics ? topics : ""; *p;) {
		size_t n = strcspn(p, "\r\n");
		char *t = text_collapse_dup(p, n);
		if (t) {
			if (strlen(t) > 200) {
				buf_setf(msg, "A topic can be at most 200 characters long.");
				free(t);
				return 1;
			}
			buf_addf(clean, "%s%s", clean->len ? "\n" : "", t);
			ntopics++;
			free(t);
		}
		p += n;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	if (ntopics > 20) {
		buf_setf(msg, "At most 20 topics, please.");
		return 1;
	}
	return 0;
}

int mail_subscribe(struct store *s, const struct mail_config *c, const char *email, const char *period,
		   const char *topics, int64_t user_id, bool owner, struct buf *msg)
{
	if (!email || !email_address_valid(email)) {
		buf_setf(msg, "\"%s\" is not an email address we can send to.", email ? email : "");
		return 1;
	}
	struct buf clean = BUF_INIT;
	if (mail_sub_check(period, topics, &clean, msg)) {
		buf_release(&clean);
		return 1;
	}
	struct subscription sub;
	memset(&sub, 0, sizeof(sub));
	snprintf(sub.email, sizeof(sub.email), "%s", email);
	snprintf(sub.period, sizeof(sub.period), "%s", period);
	sub.topics = clean.s;
	sub.user_id = user_id;
	bool created;
	struct buf err = BUF_INIT;
	int ret = 0;
	if (owner) {
		if (store_sub_upsert(s, &sub, &created, &err) ||
		    (strcmp(sub.status, "active") && store_sub_confirm(s, sub.id, &err))) {
			buf_setf(msg, "%s", err.s);
			ret = -1;
		} else {
			buf_setf(msg, "%s will get the %s digest.", email, period);
		}
	} else if (store_sub_propose(s, &sub, &created, &err) || queue_confirmation(s, c, &sub, &err)) {
		buf_setf(msg, "%s", err.s);
		ret = -1;
	} else {
		/* the same words whether the address was subscribed or not */
		buf_setf(msg, "Almost done: a link to confirm is on its way to %s. Nothing starts or changes until it is "
			      "followed.",
			 email);
	}
	buf_release(&clean);
	buf_release(&err);
	return ret;
}

/* ---- digests --------------------------------------------------------------- */

struct window {
	char from[16], to[16], newest[16]; /* feed days [from, to) */
	char key[48];                      /* "daily:2025-06-02", "weekly:2025-W23" */
	char title[96];                    /* subject */
	struct paper *papers;              /* the window's papers, trending first */
	size_t n, cap;
	size_t *order; /* indexes of papers by id, for membership */
};

static int window_cb(const struct paper *p, void *ctx)
{
	struct window *w = ctx;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->papers = xrealloc(w->papers, w->cap * sizeof(*w->papers));
	}
	paper_init(&w->papers[w->n]);
	paper_copy(&w->papers[w->n], p);
	w->n++;
	return 0;
}

static int cmp_order(const void *a, const void *b, void *ctx)
{
	const struct window *w = ctx;
	return strcmp(w->papers[*(const size_t *)a].id, w->papers[*(const size_t *)b].id);
}

/* Index of paper id in the window, or -1. */
static long window_find(const struct window *w, const char *id)
{
	size_t lo = 0, hi = w->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(w->papers[w->order[mid]].id, id);
		if (!c)
			return (long)w->order[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int window_load(struct store *s, const char *period, struct window *w, struct buf *err)
{
	memset(w, 0, sizeof(*w));
	if (store_latest_day(s, "", w->newest, err))
		return -1;
	if (!w->newest[0]) {
		buf_setf(err, "the store holds no papers yet");
		return -1;
	}
	pb_time t;
	day_parse(w->newest, &t);
	time_format_day(t + 86400000, w->to);
	time_t secs = (time_t)(t / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char pretty[48];
	strftime(pretty, sizeof(pretty), "%a %-d %b %Y", &tm);
	if (!strcmp(period, "daily")) {
		memcpy(w->from, w->newest, sizeof(w->from));
		snprintf(w->key, sizeof(w->key), "daily:%s", w->newest);
		snprintf(w->title, sizeof(w->title), "Trending papers — %s", pretty);
	} else {
		time_format_day(t - 6 * 86400000LL, w->from);
		char week[16];
		strftime(week, sizeof(week), "%G-W%V", &tm);
		snprintf(w->key, sizeof(w->key), "weekly:%s", week);
		snprintf(w->title, sizeof(w->title), "This week's papers — week of %s", pretty);
	}
	struct store_query q = { .sort = SORT_TRENDING, .now = t + 86400000 };
	memcpy(q.day_from, w->from, sizeof(q.day_from));
	memcpy(q.day_to, w->to, sizeof(q.day_to));
	if (store_paper_list(s, &q, window_cb, w, err))
		return -1;
	w->order = xmalloc((w->n + 1) * sizeof(size_t));
	for (size_t i = 0; i < w->n; i++)
		w->order[i] = i;
	qsort_r(w->order, w->n, sizeof(size_t), cmp_order, w);
	return 0;
}

static void window_release(struct window *w)
{
	for (size_t i = 0; i < w->n; i++)
		paper_release(&w->papers[i]);
	free(w->papers);
	free(w->order);
}

/* A topic's matches inside the window (window indexes, best first), cached
 * by topic text: many subscribers share topics. */
struct topic_cache {
	char **topic;
	long **hits; /* -1 terminated */
	size_t n, cap;
};

static int text_fetch(void *ctx, const char *id, struct buf *title, struct buf *abstract)
{
	const struct window *w = ctx;
	long i = window_find(w, id);
	if (i < 0)
		return 1;
	buf_adds(title, w->papers[i].title ? w->papers[i].title : "");
	buf_adds(abstract, w->papers[i].abstract ? w->papers[i].abstract : "");
	return 0;
}

static const long *topic_hits(struct topic_cache *tc, struct search_index *ix, const struct window *w,
			      const char *topic)
{
	for (size_t i = 0; i < tc->n; i++)
		if (!strcmp(tc->topic[i], topic))
			return tc->hits[i];
	if (tc->n == tc->cap) {
		tc->cap = tc->cap ? tc->cap * 2 : 64;
		tc->topic = xrealloc(tc->topic, tc->cap * sizeof(char *));
		tc->hits = xrealloc(tc->hits, tc->cap * sizeof(long *));
	}
	long *out = xmalloc(33 * sizeof(long));
	size_t k = 0;
	if (ix) {
		size_t n = 400;
		struct search_hit *hits = xmalloc(n * sizeof(*hits));
		struct buf err = BUF_INIT;
		struct search_cursor *cur = search_cursor_new(text_fetch, (void *)w);
		if (!cur || search_query(ix, cur, topic, SEARCH_HYBRID, hits, &n, &err))
			n = 0;
		for (size_t i = 0; i < n && k < 32; i++) {
			long j = window_find(w, hits[i].id);
			if (j >= 0)
				out[k++] = j;
		}
		search_cursor_free(cur);
		free(hits);
		buf_release(&err);
	}
	out[k] = -1;
	tc->topic[tc->n] = xstrdup(topic);
	tc->hits[tc->n] = out;
	tc->n++;
	return out;
}

static void topic_cache_release(struct topic_cache *tc)
{
	for (size_t i = 0; i < tc->n; i++) {
		free(tc->topic[i]);
		free(tc->hits[i]);
	}
	free(tc->topic);
	free(tc->hits);
}

struct section {
	const char *heading;
	long items[TRENDING_N > TOPIC_N ? TRENDING_N : TOPIC_N];
	size_t n;
};

void mail_paper_text(struct buf *t, const struct mail_config *c, const struct paper *p)
{
	buf_addf(t, "* %s\r\n", p->title ? p->title : p->id);
	if (p->authors.n) {
		buf_adds(t, "  ");
		for (size_t i = 0; i < p->authors.n && i < 4; i++)
			buf_addf(t, "%s%s", i ? ", " : "", p->authors.v[i]);
		if (p->authors.n > 4)
			buf_addf(t, " +%zu", p->authors.n - 4);
		buf_adds(t, "\r\n");
	}
	buf_addf(t, "  %d upvotes · %s/papers/%s\r\n", paper_upvotes(p), c->base_url, p->id);
	if (url_is_web(p->code_url))
		buf_addf(t, "  code: %s\r\n", p->code_url);
	buf_adds(t, "\r\n");
}

void mail_paper_html(struct buf *h, const struct mail_config *c, const struct paper *p)
{
	buf_adds(h, "<tr><td style=\"padding:12px 0;border-bottom:1px solid #e5e7eb\">"
		    "<a href=\"");
	add_text(h, c->base_url);
	buf_adds(h, "/papers/");
	add_text(h, p->id);
	buf_adds(h, "\" style=\"color:#111827;font-size:16px;font-weight:bold;text-decoration:none\">");
	add_text(h, p->title ? p->title : p->id);
	buf_adds(h, "</a><div style=\"color:#6b7280;font-size:13px;margin-top:4px\">");
	for (size_t i = 0; i < p->authors.n && i < 4; i++) {
		if (i)
			buf_adds(h, ", ");
		add_text(h, p->authors.v[i]);
	}
	if (p->authors.n > 4)
		buf_addf(h, " +%zu", p->authors.n - 4);
	buf_addf(h, "</div><div style=\"color:#374151;font-size:13px;margin-top:4px\">▲ %d", paper_upvotes(p));
	if (url_is_web(p->code_url)) {
		buf_adds(h, " · <a href=\"");
		add_text(h, p->code_url);
		buf_adds(h, "\" style=\"color:#2563eb\">code</a>");
	}
	buf_adds(h, "</div></td></tr>\r\n");
}

/* Renders one subscriber's digest; false when there is nothing new. */
static bool render_digest(const struct mail_config *c, const struct window *w, const struct subscription *sub,
			  const struct section *secs, size_t nsec, const char *message_id, const char *manage_tok,
			  pb_time now, struct buf *m)
{
	size_t total = 0;
	for (size_t i = 0; i < nsec; i++)
		total += secs[i].n;
	if (!total)
		return false;
	struct buf text = BUF_INIT, h = BUF_INIT, manage = BUF_INIT;
	buf_addf(&manage, "%s/subscription?t=%s", c->base_url, manage_tok);
	buf_addf(&text, "%s\r\n\r\n", w->title);
	buf_adds(&h, "<!doctype html><html><body style=\"margin:0;padding:0;background:#f3f4f6\">"
		     "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f3f4f6\"><tr><td align=\"center\">"
		     "<table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:600px;width:100%;"
		     "background:#ffffff;font-family:Helvetica,Arial,sans-serif;padding:24px\">"
		     "<tr><td style=\"font-size:22px;font-weight:bold;color:#111827;padding-bottom:8px\">");
	add_text(&h, w->title);
	buf_adds(&h, "</td></tr>\r\n");
	for (size_t i = 0; i < nsec; i++) {
		if (!secs[i].n)
			continue;
		buf_addf(&text, "== %s ==\r\n\r\n", secs[i].heading);
		buf_adds(&h, "<tr><td style=\"font-size:13px;font-weight:bold;color:#2563eb;text-transform:uppercase;"
			     "padding-top:16px\">");
		add_text(&h, secs[i].heading);
		buf_adds(&h, "</td></tr>\r\n");
		for (size_t j = 0; j < secs[i].n; j++) {
			mail_paper_text(&text, c, &w->papers[secs[i].items[j]]);
			mail_paper_html(&h, c, &w->papers[secs[i].items[j]]);
		}
	}
	buf_addf(&text, "--\r\nYou get this %s digest from %s.\r\nChange topics or unsubscribe: %s\r\n", sub->period,
		 c->base_url, manage.s);
	buf_adds(&h, "<tr><td style=\"color:#6b7280;font-size:12px;padding-top:24px\">You get this ");
	add_text(&h, sub->period);
	buf_adds(&h, " digest from paperboy. <a href=\"");
	add_text(&h, manage.s);
	buf_adds(&h, "\" style=\"color:#2563eb\">Change topics or unsubscribe</a>.</td></tr></table></td></tr></table></body></html>\r\n");

	common_headers(m, c, sub->email, w->title, message_id, now);
	buf_addf(m, "List-Unsubscribe: <%s/unsubscribe?t=%s>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
		 c->base_url, manage_tok);
	buf_addf(m, "List-Id: paperboy %s digest <%s.paperboy>\r\n", sub->period, sub->period);
	buf_addf(m, "X-Paperboy-Idempotency-Key: %lld/%s\r\n", (long long)sub->id, w->key);
	char boundary[64];
	snprintf(boundary, sizeof(boundary), "=_pb_%llx", (unsigned long long)hash_bytes(message_id, strlen(message_id)));
	buf_addf(m, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
	buf_addf(m, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary);
	b64_lines(m, text.s, text.len);
	buf_addf(m, "--%s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary);
	b64_lines(m, h.s, h.len);
	buf_addf(m, "--%s--\r\n", boundary);
	buf_release(&text);
	buf_release(&h);
	buf_release(&manage);
	return true;
}

struct digest_run {
	struct store *s;
	struct search_index *ix;
	const struct mail_config *c;
	struct window *w;
	struct topic_cache tc;
	uint8_t key[32];
	char host[128];
	struct mail_stats *st;
	struct progress pr;
	size_t in_batch;
	pb_time now;
	struct buf err;
	int failed;
};

static bool already_sent(struct digest_run *d, int64_t sub_id, const char *paper, struct section *secs, size_t nsec)
{
	for (size_t i = 0; i < nsec; i++)
		for (size_t j = 0; j < secs[i].n; j++)
			if (!strcmp(d->w->papers[secs[i].items[j]].id, paper))
				return true;
	bool has = false;
	store_sent_has(d->s, sub_id, paper, &has, &d->err);
	return has;
}

/* What an account's digest knows of its reader: mutes, follows and the
 * "for you" list the recommender made. */
struct reader {
	struct paper_rules mutes;
	struct strlist follow_kind, follow_value, recs;
};

static int reader_mute(const struct follow *f, void *ctx)
{
	paper_rules_add(&((struct reader *)ctx)->mutes, f->kind, f->value);
	return 0;
}

static int reader_follow(const struct follow *f, void *ctx)
{
	struct reader *rd = ctx;
	strlist_push(&rd->follow_kind, f->kind, strlen(f->kind));
	strlist_push(&rd->follow_value, f->value, strlen(f->value));
	return 0;
}

static int reader_rec(const char *paper, double score, void *ctx)
{
	(void)score;
	strlist_push(&((struct reader *)ctx)->recs, paper, strlen(paper));
	return 0;
}

static int reader_load(struct digest_run *d, int64_t user_id, struct reader *rd)
{
	memset(rd, 0, sizeof(*rd));
	if (user_id <= 0)
		return 0;
	if (store_mute_list(d->s, user_id, reader_mute, rd, &d->err) ||
	    store_follow_list(d->s, user_id, reader_follow, rd, &d->err) ||
	    store_recs_get(d->s, user_id, 100, reader_rec, rd, &d->err))
		return -1;
	return 0;
}

static void reader_free(struct reader *rd)
{
	paper_rules_release(&rd->mutes);
	strlist_release(&rd->follow_kind);
	strlist_release(&rd->follow_value);
	strlist_release(&rd->recs);
}

static bool reader_muted(const struct reader *rd, const struct paper *p)
{
	return paper_rules_match(&rd->mutes, p) >= 0;
}

/* Whether window paper i may go into the section being filled (secs[nsec]):
 * not muted, not in an earlier section, not sent before. */
static bool usable(struct digest_run *d, const struct subscription *sub, const struct reader *rd, long i,
		   struct section *secs, size_t nsec)
{
	const struct paper *p = &d->w->papers[i];
	return !reader_muted(rd, p) && !already_sent(d, sub->id, p->id, secs, nsec + 1);
}

/* The reader's own sections: "Following" (the window's papers of what they
 * follow, trending first) and "For you" (the recommender's, in its order). */
static size_t reader_sections(struct digest_run *d, const struct subscription *sub, const struct reader *rd,
			      struct section *secs, size_t nsec)
{
	if (rd->follow_kind.n) {
		secs[nsec] = (struct section){ .heading = "Following" };
		for (size_t f = 0; f < rd->follow_kind.n && secs[nsec].n < TOPIC_N; f++) {
			if (!strcmp(rd->follow_kind.v[f], "search") && d->ix) {
				const long *hits = topic_hits(&d->tc, d->ix, d->w, rd->follow_value.v[f]);
				for (size_t i = 0; hits[i] >= 0 && secs[nsec].n < TOPIC_N; i++)
					if (usable(d, sub, rd, hits[i], secs, nsec))
						secs[nsec].items[secs[nsec].n++] = hits[i];
				continue;
			}
			for (size_t i = 0; i < d->w->n && secs[nsec].n < TOPIC_N; i++)
				if (paper_matches(&d->w->papers[i], rd->follow_kind.v[f], rd->follow_value.v[f]) &&
				    usable(d, sub, rd, (long)i, secs, nsec))
					secs[nsec].items[secs[nsec].n++] = (long)i;
		}
		nsec++;
	}
	if (rd->recs.n) {
		secs[nsec] = (struct section){ .heading = "For you" };
		for (size_t k = 0; k < rd->recs.n && secs[nsec].n < TOPIC_N; k++) {
			long i = window_find(d->w, rd->recs.v[k]);
			if (i >= 0 && usable(d, sub, rd, i, secs, nsec))
				secs[nsec].items[secs[nsec].n++] = i;
		}
		nsec++;
	}
	return nsec;
}

static int digest_one(const struct subscription *sub, void *ctx)
{
	struct digest_run *d = ctx;
	if (d->c->only_email && strcasecmp(sub->email, d->c->only_email))
		return 0;
	d->st->subscribers++;
	bool has = false;
	if (store_outbox_has(d->s, sub->id, d->w->key, &has, &d->err)) {
		d->failed = 1;
		return 1;
	}
	if (has) {
		d->st->already++;
		return 0;
	}
	/* an account's reader: what they follow and what is for them, first;
	 * then the period's trending papers, then each topic's matches; what
	 * the reader muted nowhere */
	struct reader rd;
	if (reader_load(d, sub->user_id, &rd)) {
		reader_free(&rd);
		d->failed = 1;
		return 1;
	}
	struct section secs[23];
	size_t nsec = reader_sections(d, sub, &rd, secs, 0);
	secs[nsec] = (struct section){ .heading = "Trending" };
	for (size_t i = 0; i < d->w->n && secs[nsec].n < TRENDING_N; i++)
		if (usable(d, sub, &rd, (long)i, secs, nsec))
			secs[nsec].items[secs[nsec].n++] = (long)i;
	nsec++;
	struct strlist topics = STRLIST_INIT;
	strlist_split(&topics, sub->topics, strlen(sub->topics), '\n');
	for (size_t t = 0; t < topics.n && nsec < ARRAY_SIZE(secs); t++) {
		secs[nsec] = (struct section){ .heading = topics.v[t] };
		const long *hits = topic_hits(&d->tc, d->ix, d->w, topics.v[t]);
		for (size_t i = 0; hits[i] >= 0 && secs[nsec].n < TOPIC_N; i++)
			if (usable(d, sub, &rd, hits[i], secs, nsec))
				secs[nsec].items[secs[nsec].n++] = hits[i];
		nsec++;
	}
	reader_free(&rd);
	struct outbox_msg m;
	memset(&m, 0, sizeof(m));
	m.sub_id = sub->id;
	snprintf(m.kind, sizeof(m.kind), "digest");
	snprintf(m.period_key, sizeof(m.period_key), "%s", d->w->key);
	/* stable: the same subscriber and period always get the same id */
	snprintf(m.message_id, sizeof(m.message_id), "digest-%s-%lld@%s", d->w->key, (long long)sub->id, d->host);
	for (char *p = m.message_id; *p; p++)
		if (*p == ':')
			*p = '.';
	snprintf(m.rcpt, sizeof(m.rcpt), "%s", sub->email);
	char tok[96];
	mail_token(d->key, sub->id, TOKEN_MANAGE, d->now + (pb_time)MANAGE_DAYS * 86400000, tok);
	struct buf msg = BUF_INIT;
	int ret = 0;
	if (!render_digest(d->c, d->w, sub, secs, nsec, m.message_id, tok, d->now, &msg)) {
		d->st->empty++;
	} else if (d->c->dry_run) {
		fprintf(d->c->out, "would send to %s: %s\n", sub->email, d->w->title);
		for (size_t i = 0; i < nsec; i++)
			for (size_t j = 0; j < secs[i].n; j++)
				fprintf(d->c->out, "  [%s] %s %s\n", secs[i].heading, d->w->papers[secs[i].items[j]].id,
					d->w->papers[secs[i].items[j]].title ? d->w->papers[secs[i].items[j]].title : "");
		d->st->rendered++;
	} else {
		struct strlist ids = STRLIST_INIT;
		for (size_t i = 0; i < nsec; i++)
			for (size_t j = 0; j < secs[i].n; j++)
				strlist_push(&ids, d->w->papers[secs[i].items[j]].id, strlen(d->w->papers[secs[i].items[j]].id));
		m.data = msg.s;
		m.len = msg.len;
		m.created = d->now;
		int rc = store_outbox_add(d->s, &m, &ids, &d->err);
		strlist_release(&ids);
		if (rc < 0) {
			d->failed = 1;
			ret = 1;
		} else {
			d->st->rendered += rc == 0;
			d->st->already += rc == 1;
			/* commit in batches: a crash loses at most one batch of
			 * renderings, which the next run simply redoes */
			if (++d->in_batch >= BATCH) {
				if (store_commit(d->s, &d->err) || store_begin(d->s, &d->err)) {
					d->failed = 1;
					ret = 1;
				}
				d->in_batch = 0;
			}
		}
	}
	buf_release(&msg);
	strlist_release(&topics);
	progress_update(&d->pr, d->st->subscribers, 0);
	return ret;
}

int mail_digest(struct store *s, struct search_index *ix, const struct mail_config *c, const char *period,
		struct mail_stats *st, struct buf *err)
{
	if (strcmp(period, "daily") && strcmp(period, "weekly")) {
		buf_setf(err, "--period %s: daily or weekly", period);
		return -1;
	}
	double t0 = mono_seconds();
	struct window w;
	struct digest_run d;
	memset(&d, 0, sizeof(d));
	buf_init(&d.err);
	if (window_load(s, period, &w, err)) {
		window_release(&w);
		return -1;
	}
	d.s = s;
	d.ix = ix;
	d.c = c;
	d.w = &w;
	d.st = st;
	d.now = time_now_ms();
	host_of(c->base_url, d.host);
	if (mail_secret(s, d.key, err)) {
		window_release(&w);
		return -1;
	}
	progress_init(&d.pr, "digest", 0);
	d.pr.on = d.pr.on && c->progress;
	int rc = 0;
	if (!c->dry_run && store_begin(s, err)) {
		rc = -1;
	} else {
		if (store_sub_list(s, period, digest_one, &d, err))
			rc = -1;
		if (d.failed) {
			buf_setf(err, "%s", d.err.s);
			rc = -1;
		}
		if (!c->dry_run) {
			if (rc)
				store_rollback(s);
			else if (store_commit(s, err))
				rc = -1;
		}
	}
	progress_done(&d.pr);
	st->render_seconds += mono_seconds() - t0;
	if (c->only_email && !st->subscribers && !rc) {
		buf_setf(err, "%s has no active %s subscription", c->only_email, period);
		rc = -1;
	}
	topic_cache_release(&d.tc);
	buf_release(&d.err);
	window_release(&w);
	if (!rc && !c->dry_run && c->smtp_url)
		rc = mail_deliver(s, c, st, err);
	return rc;
}

/* ---- delivery ----------------------------------------------------------------- */

struct upload {
	const char *p;
	size_t left;
};

static size_t on_read(char *dst, size_t size, size_t n, void *ctx)
{
	struct upload *u = ctx;
	size_t k = size * n < u->left ? size * n : u->left;
	memcpy(dst, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

static size_t on_discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

struct due {
	struct outbox_msg *v;
	size_t n, cap;
};

static int due_cb(const struct outbox_msg *m, void *ctx)
{
	struct due *d = ctx;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n] = *m;
	d->v[d->n].data = xmalloc(m->len + 1);
	memcpy(d->v[d->n].data, m->data, m->len + 1);
	d->v[d->n].last_error = NULL;
	d->n++;
	return 0;
}

/* One sender at a time: the store's "mail.sender" lease, owned by "HOST
 * PID", renewed while sending. A lease whose process is gone (kill -9) on
 * this host is taken over at once, so the messages it left "sending" are
 * sent again by the new owner; another host's lease is trusted until it
 * expires. */
#define LEASE_NAME "mail.sender"

static pb_time lease_ttl(const struct mail_config *c)
{
	return c->lease_ms > 0 ? (pb_time)c->lease_ms : 60000;
}

static void lease_owner(char out[128])
{
	char host[64] = "";
	gethostname(host, sizeof(host) - 1);
	snprintf(out, 128, "%s %ld", host, (long)getpid());
}

/* 0 taken, 1 held by a live process, -1. */
static int take_lease(struct store *s, const struct mail_config *c, const char *me, struct buf *err)
{
	char holder[128];
	pb_time now = time_now_ms();
	int rc = store_lease_take(s, LEASE_NAME, me, now, lease_ttl(c), NULL, holder, err);
	if (rc != 1)
		return rc;
	char host[64] = "", hhost[64];
	long pid;
	gethostname(host, sizeof(host) - 1);
	if (sscanf(holder, "%63s %ld", hhost, &pid) == 2 && !strcmp(hhost, host) && pid != (long)getpid() &&
	    kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return store_lease_take(s, LEASE_NAME, me, now, lease_ttl(c), holder, NULL, err);
	return 1;
}

/* A libcurl handle set up to send mail through c->smtp_url, or NULL if libcurl cannot start. */
static CURL *smtp_open(const struct mail_config *c)
{
	CURL *curl = curl_easy_init();
	if (!curl)
		return NULL;
	bool local = strstr(c->smtp_url, "://localhost") || strstr(c->smtp_url, "://127.") || strstr(c->smtp_url, "@localhost") ||
		     strstr(c->smtp_url, "@127.");
	bool creds = strchr(c->smtp_url + (strstr(c->smtp_url, "://") ? strstr(c->smtp_url, "://") - c->smtp_url + 3 : 0), '@');
	curl_easy_setopt(curl, CURLOPT_URL, c->smtp_url);
	/* STARTTLS when offered; required when a password would go over the wire */
	if (str_has_prefix(c->smtp_url, "smtp://"))
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)(creds && !local ? CURLUSESSL_ALL : CURLUSESSL_TRY));
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_discard);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)(c->timeout > 0 ? c->timeout : 30));
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	char from[300];
	snprintf(from, sizeof(from), "<%s>", c->mail_from);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from); /* libcurl keeps a copy */
	return curl;
}

/* One delivery run: the connection, the lease, the pace and the counts. */
struct sender {
	struct store *s;
	const struct mail_config *c;
	struct mail_stats *st;
	struct buf *err;
	CURL *curl;
	const char *me;       /* the lease's owner */
	pb_time ttl, renewed; /* the lease's life, and when it was last renewed */
	double next_slot;     /* when the next message may leave (with a rate) */
	bool server_down;     /* the rest wait for the next run */
	struct progress pr;
};

/* What became of one message. */
struct outcome {
	const char *state; /* "sent", "failed" or "queued" */
	pb_time next;      /* when to try a queued message again */
	char why[256];     /* the error, "" when sent */
};

/* Waits for the next message's slot when the rate is limited. */
static void pace(struct sender *sd)
{
	if (sd->c->rate > 0) {
		double wait = sd->next_slot - mono_seconds();
		if (wait > 0)
			usleep((useconds_t)(wait * 1e6));
		sd->next_slot = (wait > 0 ? sd->next_slot : mono_seconds()) + 1.0 / sd->c->rate;
	}
}

/* Renews the lease a third of the way through its life; 0, or -1 when lost or the store failed. */
static int keep_lease(struct sender *sd)
{
	if (time_now_ms() - sd->renewed <= sd->ttl / 3)
		return 0;
	int r = store_lease_renew(sd->s, LEASE_NAME, sd->me, time_now_ms(), sd->ttl, sd->err);
	if (r) {
		if (r > 0)
			buf_setf(sd->err, "lost the mail sender's lease (renewed too late); the rest waits "
					  "for the next run");
		return -1;
	}
	sd->renewed = time_now_ms();
	return 0;
}

/* Sends one message over the connection: libcurl's result, with the SMTP reply code in *code. */
static CURLcode smtp_send(CURL *curl, const struct outbox_msg *m, long *code)
{
	char rcpt[300];
	snprintf(rcpt, sizeof(rcpt), "<%s>", m->rcpt);
	struct curl_slist *to = curl_slist_append(NULL, rcpt);
	struct upload up = { m->data, m->len };
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m->len);
	CURLcode rc = curl_easy_perform(curl);
	*code = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, code);
	curl_slist_free_all(to);
	return rc;
}

/* Fails or requeues (with backoff) the i-th message that did not go, notes a server down, and says so. */
static void not_sent(struct sender *sd, const struct outbox_msg *m, CURLcode rc, long code, size_t i, pb_time now,
		     struct outcome *o)
{
	snprintf(o->why, sizeof(o->why), "%s (SMTP %ld)", curl_easy_strerror(rc), code);
	bool permanent = code >= 500 && code < 600;
	if (permanent || m->attempts + 1 >= sd->c->max_attempts) {
		o->state = "failed";
		sd->st->failed++;
	} else {
		o->state = "queued";
		/* 1 min, 2, 4, ... up to 6 h */
		int k = m->attempts < 9 ? m->attempts : 9;
		o->next = now + (pb_time)60000 * (1 << k);
		if (o->next - now > 6 * 3600000LL)
			o->next = now + 6 * 3600000LL;
		sd->st->retry_later++;
	}
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_OPERATION_TIMEDOUT ||
	    rc == CURLE_LOGIN_DENIED)
		sd->server_down = true; /* the rest wait for the next run */
	if (!sd->server_down || i == 0)
		fprintf(stderr, "paperboy: mail to %s: %s%s\n", m->rcpt, o->why,
			!strcmp(o->state, "queued") ? ", will retry" : "");
}

/* Sends the i-th, claimed message and commits its outcome with the subscription's count; 0 or -1. */
static int send_one(struct sender *sd, const struct outbox_msg *m, size_t i)
{
	long code;
	CURLcode rc = smtp_send(sd->curl, m, &code);
	pb_time now = time_now_ms();
	struct outcome o = { .state = "sent" };
	if (rc == CURLE_OK)
		sd->st->sent++;
	else
		not_sent(sd, m, rc, code, i, now, &o);
	bool count = !strcmp(m->kind, "digest") && (rc == CURLE_OK || !strcmp(o.state, "failed"));
	if (store_begin(sd->s, sd->err) ||
	    store_outbox_settle(sd->s, m->id, o.state, o.next, o.why[0] ? o.why : NULL, now, sd->err) ||
	    (count && store_sub_delivery(sd->s, m->sub_id, rc == CURLE_OK, sd->c->pause_after, sd->err)) ||
	    store_commit(sd->s, sd->err)) {
		store_rollback(sd->s);
		return -1;
	}
	return 0;
}

/* Sends a batch in order until the server is down or a step fails, counting *done; 0 or -1. */
static int send_batch(struct sender *sd, struct due *due, int64_t *cursor, size_t *done)
{
	int ret = 0;
	*done = 0;
	for (size_t i = 0; i < due->n && !sd->server_down && !ret; i++, (*done)++) {
		struct outbox_msg *m = &due->v[i];
		*cursor = m->id;
		pace(sd);
		/* the lease, renewed a third of the way through its life (a
		 * sender that has lost it stops at once); then the claim,
		 * committed before the message leaves */
		if (keep_lease(sd) || store_outbox_claim(sd->s, m->id, sd->err)) {
			ret = -1;
			break;
		}
		/* the result, committed after */
		ret = send_one(sd, m, i);
		progress_update(&sd->pr, sd->st->sent + sd->st->failed, 0);
	}
	return ret;
}

int mail_deliver(struct store *s, const struct mail_config *c, struct mail_stats *st, struct buf *err)
{
	if (!c->smtp_url) {
		buf_setf(err, "no SMTP server configured (--smtp URL or PAPERBOY_SMTP_URL)");
		return -1;
	}
	char me[128];
	lease_owner(me);
	int lrc = take_lease(s, c, me, err);
	if (lrc)
		return lrc;
	struct sender sd = { .s = s, .c = c, .st = st, .err = err, .me = me, .ttl = lease_ttl(c) };
	sd.renewed = time_now_ms();
	double t0 = mono_seconds();
	sd.curl = smtp_open(c);
	if (!sd.curl) {
		buf_setf(err, "cannot start libcurl");
		store_lease_release(s, LEASE_NAME, me, err);
		return -1;
	}
	progress_init(&sd.pr, "mail", 0);
	sd.pr.on = sd.pr.on && c->progress;
	int ret = 0;
	sd.next_slot = mono_seconds();
	int64_t cursor = 0; /* each message once per run */
	for (;;) {
		struct due due = { 0 };
		pb_time now = time_now_ms();
		if (store_outbox_due(s, c->ignore_backoff ? INT64_MAX : now, cursor, 1000, due_cb, &due, err)) {
			ret = -1;
			break;
		}
		if (!due.n) {
			free(due.v);
			break;
		}
		size_t done;
		ret = send_batch(&sd, &due, &cursor, &done);
		for (size_t i = 0; i < due.n; i++)
			free(due.v[i].data);
		free(due.v);
		if (sd.server_down || ret)
			break;
		if (done < due.n)
			break;
	}
	progress_done(&sd.pr);
	curl_easy_cleanup(sd.curl);
	struct buf e2 = BUF_INIT;
	store_lease_release(s, LEASE_NAME, me, &e2);
	buf_release(&e2);
	st->send_seconds += mono_seconds() - t0;
	return ret;
}
