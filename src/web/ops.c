/*
 * ops.c - the operators' routes: /metrics (Prometheus's text format) and
 * /healthz (whether a balancer should send requests here). Both answer
 * clients on this host and those with the metrics token in full; /healthz
 * tells anyone else its status only. And the administrators' status page
 * (sync, mail, store).
 */
#include "handlers.h"
#include "follower.h"
#include "html.h"
#include "lists.h"
#include "metrics.h"
#include "pool.h"
#include "respond.h"
#include "sync.h"
#include <sodium.h>

/* Whether the client may see how this process is doing: a client on this
 * host, or one with the metrics token. */
static bool req_operator(struct req *r)
{
	if (r->peer_local)
		return true;
	const char *tok = r->w->cfg.metrics_token, *auth = req_header(r, "Authorization");
	if (!tok || !auth || !str_has_prefix(auth, "Bearer "))
		return false;
	size_t n = strlen(tok);
	return strlen(auth + 7) == n && sodium_memcmp(auth + 7, tok, n) == 0;
}

/* The index against the store, the outbox, the connections, the pool. */
static void write_state(struct req *r, const char *node, struct buf *b)
{
	struct web *w = r->w;
	pthread_mutex_lock(&w->follow_lock);
	int64_t ix_seq = w->ix_seq, st_seq = w->store_seq_seen;
	double behind = w->behind_since ? mono_seconds() - w->behind_since : 0;
	pthread_mutex_unlock(&w->follow_lock);
	buf_addf(b, "# HELP paperboy_index_sequence The store's write sequence number the index holds (-1: no index).\n"
		    "# TYPE paperboy_index_sequence gauge\npaperboy_index_sequence{node=\"%s\"} %lld\n",
		 node, (long long)ix_seq);
	buf_addf(b, "# HELP paperboy_store_sequence The store's write sequence number (-1: unreachable).\n"
		    "# TYPE paperboy_store_sequence gauge\npaperboy_store_sequence{node=\"%s\"} %lld\n",
		 node, (long long)st_seq);
	buf_addf(b, "# HELP paperboy_index_lag_seconds How long the index has been behind the store (0: current).\n"
		    "# TYPE paperboy_index_lag_seconds gauge\npaperboy_index_lag_seconds{node=\"%s\"} %.3f\n",
		 node, behind);
	int64_t counts[4];
	struct buf err = BUF_INIT;
	if (store_outbox_counts(r->s, counts, &err) == 0) {
		static const char *const states[] = { "queued", "sending", "sent", "failed" };
		buf_addf(b, "# HELP paperboy_outbox_messages Messages in the outbox, by state.\n"
			    "# TYPE paperboy_outbox_messages gauge\n");
		for (int i = 0; i < 4; i++)
			buf_addf(b, "paperboy_outbox_messages{node=\"%s\",state=\"%s\"} %lld\n", node, states[i],
				 (long long)counts[i]);
	}
	buf_release(&err);
	/* the database connections: one per thread that has served */
	pthread_mutex_lock(&w->states_lock);
	unsigned open = w->nstates;
	pthread_mutex_unlock(&w->states_lock);
	size_t queued, running;
	pool_counts(w->pool, &queued, &running);
	buf_addf(b, "# HELP paperboy_store_connections Database connections of the request threads.\n"
		    "# TYPE paperboy_store_connections gauge\n"
		    "paperboy_store_connections{node=\"%s\",state=\"open\"} %u\n"
		    "paperboy_store_connections{node=\"%s\",state=\"max\"} %u\n",
		 node, open, node, w->threads);
	buf_addf(b, "# HELP paperboy_request_pool Requests given to the request threads: waiting and running.\n"
		    "# TYPE paperboy_request_pool gauge\n"
		    "paperboy_request_pool{node=\"%s\",state=\"waiting\"} %zu\n"
		    "paperboy_request_pool{node=\"%s\",state=\"running\"} %zu\n",
		 node, queued, node, running);
}

void h_metrics(struct req *r, struct resp *o)
{
	struct web *w = r->w;
	if (!req_operator(r)) {
		resp_error(r, o, 404, "There is no such page.");
		return;
	}
	struct buf *b = &o->body, node = BUF_INIT;
	metrics_label(&node, __atomic_load_n(&w->node_id, __ATOMIC_ACQUIRE));
	o->ctype = "text/plain; version=0.0.4; charset=utf-8";
	o->no_store = true;
	buf_addf(b, "# HELP paperboy_info This paperboy process.\n# TYPE paperboy_info gauge\n"
		    "paperboy_info{node=\"%s\",version=\"%s\",store=\"%s\"} 1\n",
		 node.s, PB_VERSION, store_backend(r->s));
	metrics_write(w->metrics, node.s, b);
	write_state(r, node.s, b);
	buf_release(&node);
}

/* /healthz: 503 when the store cannot be reached, or search cannot answer
 * (no index, or one more than 30 s behind the store). */
void h_health(struct req *r, struct resp *o)
{
	struct web *w = r->w;
	int64_t seq = 0;
	struct buf err = BUF_INIT;
	bool store_ok = store_seq(r->s, &seq, &err) == 0;
	pthread_mutex_lock(&w->follow_lock);
	int64_t ix_seq = w->ix_seq;
	double behind = w->behind_since ? mono_seconds() - w->behind_since : 0;
	pthread_mutex_unlock(&w->follow_lock);
	bool index_ok = ix_seq >= 0 && behind <= 30;
	o->no_store = true;
	o->private_ = true;
	if (!req_operator(r)) {
		/* anyone may ask whether this node serves; the detail is the operator's */
		resp_json(o, store_ok && index_ok ? 200 : 503,
			  json_pack("{s:s}", "status", store_ok && index_ok ? "ok" : "unavailable"));
		buf_release(&err);
		return;
	}
	char newest[16] = "";
	if (store_ok)
		lists_latest_day(r, "", newest);
	resp_json(o, store_ok && index_ok ? 200 : 503,
		  json_pack("{s:s,s:s,s:s,s:{s:I,s:I,s:f},s:{s:s?,s:b}}", "status", store_ok && index_ok ? "ok" : "unavailable",
			    "node", __atomic_load_n(&w->node_id, __ATOMIC_ACQUIRE), "store",
			    store_ok ? "ok" : pb_status_name(store_errkind(r->s)), "index", "sequence", (json_int_t)ix_seq,
			    "storeSequence", (json_int_t)seq, "lagSeconds", behind, "feed", "newest",
			    newest[0] ? newest : NULL, "stale", lists_feed_stale(newest)));
	buf_release(&err);
}


static void kv_row(struct req *r, struct buf *b, const char *label, const char *key)
{
	char *v = NULL;
	struct buf err = BUF_INIT;
	int rc = store_kv_get(r->s, key, &v, &err);
	html_printf(b, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", label, rc == 0 && v ? v : "—");
	free(v);
	buf_release(&err);
}

struct unverified_ctx {
	struct req *r;
	struct buf *b;
	int n;
};

static int unverified_row(const struct user *u, void *ctx)
{
	struct unverified_ctx *c = ctx;
	html_printf(c->b, "%S<li><a href=\"/u/%U\">%s</a> &lt;%s&gt;: <code>paperboy user verify %s</code></li>",
		    c->n ? "" : "<ul class=\"unverified\">", u->name, u->name, u->email, u->name);
	c->n++;
	return 0;
}

/* Accounts whose address is not verified: without mail, the operator
 * verifies them (paperboy user verify NAME). */
static void status_unverified(struct req *r, struct buf *b)
{
	struct unverified_ctx c = { r, b, 0 };
	struct buf err = BUF_INIT;
	html_printf(b, "<h2>Unverified accounts</h2>");
	store_user_unverified(r->s, 200, unverified_row, &c, &err);
	if (c.n)
		html_printf(b, "</ul><p class=\"muted\">%S</p>",
			    r->w->cfg.mail.smtp_url ? "Each was mailed a link; the command verifies one by hand."
						    : "No mail is sent from here: verify an account whose owner you know with the command.");
	else
		html_printf(b, "<p class=\"muted\">None.</p>");
	buf_release(&err);
}

void h_admin_status(struct req *r, struct resp *o)
{
	o->private_ = true;
	o->no_store = true;
	html_page_begin(r, o, "Status", NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"wide\"><h1>Status</h1><h2>Sync</h2>");
	if (!r->w->cfg.sync_jobs)
		html_printf(b, "<p class=\"muted\">This server does not sync (start it with <code>--sync hf,arxiv</code>).</p>");
	static const char *const titles[SYNC_JOBS] = { "Hugging Face daily papers", "arXiv OAI-PMH",
						       "Full texts (arXiv PDFs)" };
	for (int job = 0; job < SYNC_JOBS; job++) {
		char k[64];
		html_printf(b, "<table class=\"status\"><caption>%s%s</caption>", titles[job],
		     r->w->cfg.sync_jobs & (1u << job) ? "" : " (off here)");
		snprintf(k, sizeof(k), "sync.%s.last_ok", sync_job_names[job]);
		kv_row(r, b, "last success", k);
		snprintf(k, sizeof(k), "sync.%s.last_error", sync_job_names[job]);
		kv_row(r, b, "last error", k);
		snprintf(k, sizeof(k), "sync.%s.next", sync_job_names[job]);
		kv_row(r, b, "next run", k);
		html_printf(b, "</table>");
	}
	int64_t counts[4] = { 0 }, seq = 0;
	struct buf err = BUF_INIT;
	store_outbox_counts(r->s, counts, &err);
	store_seq(r->s, &seq, &err);
	html_printf(b, "<h2>Mail</h2><p>%S. Outbox: %lld queued, %lld sending, %lld sent, %lld failed.</p>",
	     r->w->cfg.mail.smtp_url ? "On" : "Off (no SMTP server)", (long long)counts[0], (long long)counts[1],
	     (long long)counts[2], (long long)counts[3]);
	status_unverified(r, b);
	html_printf(b, "<h2>Store</h2><p>Write sequence %lld.</p>", (long long)seq);
	html_printf(b, "<p><a href=\"/admin/submissions\">Submissions waiting for a moderator</a></p></main>");
	html_page_end(r, o);
	buf_release(&err);
}
