/*
 * submit.c - submissions to the daily feed, and the papers users ask for
 * from arXiv.
 *
 * One rule for every route that may reach arXiv on a user's asking (the
 * paper page's "Fetch it", the submit form, the API's submit): a limit per
 * account (LIMIT_FETCH), counted here whatever the route, and a queue in
 * the store. Requests only add to the queue; the fetch runs on a thread of
 * its own (svc_fetch_work), one request at a time and never sleeping: when
 * arXiv is busy or away the job goes back to the queue for later. A
 * submission asked for counts against the daily limit from the moment it
 * is asked, fetched or not; a paper fetched for a submission that the
 * window refuses is not stored.
 */
#include "service.h"

/* A job that could not reach arXiv is tried again this often, then given up. */
#define FETCH_TRIES 4
#define FETCH_RETRY_MS 60000
#define FETCH_LEASE_MS 120000

static void written(struct svc *v)
{
	if (v->cfg->written)
		v->cfg->written(v->cfg->written_ctx);
}

/* Marks p as on today's feed, submitted by u at now. */
static void feature_fields(const struct user *u, pb_time now, struct paper *p)
{
	time_format_day(now, p->hf_day);
	p->submitted_at = now;
	free(p->submitter);
	free(p->submitter_name);
	p->submitter = xstrdup(u->name);
	p->submitter_name = xstrdup(u->fullname[0] ? u->fullname : u->name);
}

enum pb_status svc_feature(struct svc *v, const struct user *u, const char *id, struct buf *msg)
{
	struct buf err = BUF_INIT;
	struct paper sub;
	paper_init(&sub);
	snprintf(sub.id, sizeof(sub.id), "%s", id);
	feature_fields(u, time_now_ms(), &sub);
	enum upsert_result res;
	enum pb_status st = PB_OK;
	if (store_begin(v->s, &err) || store_upsert_batch(v->s, &sub, 1, &res, &err) || store_commit(v->s, &err)) {
		st = svc_store_failed(v, &err, msg);
		store_rollback(v->s);
	}
	paper_release(&sub);
	buf_release(&err);
	if (st == PB_OK)
		written(v);
	return st;
}

enum pb_status svc_submission_decide(struct svc *v, int64_t id, bool approve, const struct user *by,
				    struct buf *msg)
{
	struct buf err = BUF_INIT;
	struct submission sub;
	memset(&sub, 0, sizeof(sub));
	pb_time now = time_now_ms();
	int rc = store_begin(v->s, &err);
	if (!rc)
		rc = store_submission_decide(v->s, id, approve ? "featured" : "rejected", by->id, now, &sub, &err);
	if (!rc && approve) { /* in the submitter's name, in the same transaction */
		struct user who;
		memset(&who, 0, sizeof(who));
		who.id = sub.user_id;
		snprintf(who.name, sizeof(who.name), "%s", sub.user);
		struct paper p;
		paper_init(&p);
		snprintf(p.id, sizeof(p.id), "%s", sub.paper);
		feature_fields(&who, now, &p);
		enum upsert_result res;
		if (store_upsert_batch(v->s, &p, 1, &res, &err))
			rc = -1;
		paper_release(&p);
	}
	if (!rc && store_commit(v->s, &err))
		rc = -1;
	enum pb_status st = rc < 0 ? svc_store_failed_log(v, "submissions", &err, msg) : rc ? PB_NOTFOUND : PB_OK;
	if (rc)
		store_rollback(v->s);
	if (rc > 0)
		buf_setf(msg, "There is no such waiting submission.");
	buf_release(&err);
	if (st == PB_OK && approve)
		written(v);
	return st;
}

/* The daily limit: submissions made, and asked for (being fetched, or
 * fetched in vain), in the last 24 hours. */
static enum pb_status daily_limit(struct svc *v, const struct user *u, pb_time now, struct buf *msg)
{
	if (u->admin || v->cfg->submit_daily_limit <= 0)
		return PB_OK;
	int64_t made = 0, asked = 0;
	struct buf err = BUF_INIT;
	if (store_submission_count(v->s, u->id, now - 86400000, &made, &err) ||
	    store_fetch_count(v->s, u->id, now - 86400000, &asked, &err)) {
		enum pb_status failed = svc_store_failed(v, &err, msg);
		buf_release(&err);
		return failed;
	}
	buf_release(&err);
	if (made + asked >= v->cfg->submit_daily_limit) {
		buf_setf(msg, "You have submitted %lld papers in the last 24 hours, the most an account may; try again "
			      "tomorrow.",
			 (long long)(made + asked));
		return PB_LIMITED;
	}
	return PB_OK;
}

/* Hugging Face's rule: the feed is for new papers. */
static enum pb_status window(struct svc *v, const struct user *u, const struct paper *p, pb_time now,
			      struct buf *msg)
{
	int days = v->cfg->submit_window_days;
	if (u->admin || days <= 0 || !p->published || now - p->published <= (pb_time)days * 86400000)
		return PB_OK;
	char day[16];
	time_format_day(p->published, day);
	buf_setf(msg, "This paper was published on arXiv on %s, more than %d days ago; papers join the daily feed "
		      "within %d days of their publication.",
		 day, days, days);
	return PB_REFUSED;
}

/* What happens to a paper in the store that u submits: moderation or the
 * feed. */
static enum pb_status submit_known(struct svc *v, const struct user *u, const struct paper *p, pb_time now,
				    struct buf *msg)
{
	enum pb_status st = window(v, u, p, now, msg);
	if (st != PB_OK)
		return st;
	bool hold = v->cfg->moderate_submissions && !u->admin;
	struct buf err = BUF_INIT;
	if (store_submission_add(v->s, p->id, u->id, now, hold ? "pending" : "featured", NULL, &err)) {
		enum pb_status failed = svc_store_failed(v, &err, msg);
		buf_release(&err);
		return failed;
	}
	buf_release(&err);
	if (hold) {
		buf_setf(msg, "Thank you: your submission waits for a moderator, who will put it on the feed.");
		return PB_PENDING;
	}
	return svc_feature(v, u, p->id, msg);
}

/* Queues the fetch of id for u under the one limit. */
static enum pb_status ask(struct svc *v, const struct user *u, const char *id, bool submit, long *wait,
			   struct buf *msg)
{
	char who[32];
	snprintf(who, sizeof(who), "%lld", (long long)u->id);
	*wait = u->admin ? 0 : svc_limit_wait(v, LIMIT_FETCH, who);
	if (*wait > 0) {
		buf_setf(msg, "You have asked for many papers from arXiv lately; try again in %ld minute%s.",
			 (*wait + 59) / 60, (*wait + 59) / 60 == 1 ? "" : "s");
		return PB_LIMITED;
	}
	struct fetch_job j;
	memset(&j, 0, sizeof(j));
	snprintf(j.paper, sizeof(j.paper), "%s", id);
	j.user_id = u->id;
	j.submit = submit;
	int64_t jid;
	bool existed;
	struct buf err = BUF_INIT;
	if (store_fetch_add(v->s, &j, time_now_ms(), &jid, &existed, &err)) {
		enum pb_status failed = svc_store_failed(v, &err, msg);
		buf_release(&err);
		return failed;
	}
	buf_release(&err);
	if (!existed && !u->admin)
		svc_limit_count(v, LIMIT_FETCH, who);
	buf_setf(msg, "Fetching %s from arXiv: it appears here in a few seconds%s.", id,
		 submit ? ", and joins the feed if the submission rules allow" : "");
	return PB_ACCEPTED;
}

enum pb_status svc_fetch_ask(struct svc *v, const struct user *u, const char *id, long *wait, struct buf *msg)
{
	*wait = 0;
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	int rc = store_paper_get(v->s, id, &p, &err);
	bool hidden = p.hidden;
	paper_release(&p);
	if (rc < 0) {
		enum pb_status failed = svc_store_failed(v, &err, msg);
		buf_release(&err);
		return failed;
	}
	buf_release(&err);
	if (rc == 0) {
		if (hidden) {
			buf_setf(msg, "That paper has been hidden by a moderator.");
			return PB_REFUSED;
		}
		return PB_OK;
	}
	return ask(v, u, id, false, wait, msg);
}

enum pb_status svc_submit(struct svc *v, const struct user *u, const char *id_text, char id[PAPER_ID_MAX],
			   long *wait, struct buf *msg)
{
	*wait = 0;
	id[0] = '\0';
	if (!id_text || arxiv_id_parse(id_text, id, NULL)) {
		buf_setf(msg, "That is not an arXiv id or URL (try 2505.24864 or https://arxiv.org/abs/2505.24864).");
		id[0] = '\0';
		return PB_INVALID;
	}
	pb_time now = time_now_ms();
	enum pb_status st = daily_limit(v, u, now, msg);
	if (st != PB_OK)
		return st;
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	int rc = store_paper_get(v->s, id, &p, &err);
	if (rc < 0) {
		st = svc_store_failed(v, &err, msg);
	} else if (rc == 0 && p.hidden) {
		buf_setf(msg, "That paper has been hidden by a moderator.");
		st = PB_REFUSED;
	} else if (rc == 0 && p.hf_day[0]) {
		buf_setf(msg, "This paper is already on the feed of %s.", p.hf_day);
		st = PB_CONFLICT;
	} else if (rc == 1) {
		st = ask(v, u, id, true, wait, msg);
	} else {
		st = submit_known(v, u, &p, now, msg);
	}
	paper_release(&p);
	buf_release(&err);
	return st;
}

int svc_fetch_status(struct svc *v, const struct user *u, const char *id, struct fetch_job *j)
{
	struct buf err = BUF_INIT;
	int rc = store_fetch_get(v->s, id, u ? u->id : 0, j, &err);
	buf_release(&err);
	return rc == 0 ? 0 : 1;
}

/* ---- the worker ----------------------------------------------------------------- */

struct found {
	const char *id;
	struct paper p;
	bool have;
};

static int keep_match(struct paper *p, void *ctx)
{
	struct found *f = ctx;
	if (!f->have && !strcmp(p->id, f->id)) {
		f->p = *p;
		paper_init(p);
		f->have = true;
	}
	return 0;
}

/* Stores what arXiv said of the paper (one record), for a submission
 * (status "featured" or "pending") the submission of the job's user with
 * it, and the job done, with msg: one transaction, so the paper never shows
 * without its submission, nor a submission beside its job still waiting
 * (the daily limit counts both). */
static int store_record(struct svc *v, const struct paper *p, const struct fetch_job *j, const char *owner,
			const char *status, const char *msg, pb_time now, struct buf *err)
{
	enum upsert_result res;
	if (store_begin(v->s, err) || store_upsert_batch(v->s, p, 1, &res, err) ||
	    (status && store_submission_add(v->s, p->id, j->user_id, now, status, NULL, err)) ||
	    store_fetch_finish(v->s, j->id, owner, "done", msg, 0, now, err) < 0 || store_commit(v->s, err)) {
		store_rollback(v->s);
		return -1;
	}
	written(v);
	return 0;
}

static void finish(struct svc *v, const struct fetch_job *j, const char *owner, const char *state, const char *msg,
		   pb_time next_try)
{
	struct buf err = BUF_INIT;
	if (store_fetch_finish(v->s, j->id, owner, state, msg, next_try, time_now_ms(), &err) < 0)
		fprintf(stderr, "paperboy: arXiv fetches: %s\n", err.s);
	buf_release(&err);
}

int svc_fetch_work(struct svc *v, const char *owner, struct buf *err)
{
	struct fetch_job j;
	pb_time now = time_now_ms();
	int rc = store_fetch_claim(v->s, owner, now, FETCH_LEASE_MS, &j, err);
	if (rc)
		return rc;
	struct fetch_opts fo;
	fetch_opts_init(&fo);
	fo.endpoint = v->cfg->arxiv_api;
	fo.policy = v->cfg->fetch_policy;
	fo.timeout = 30;
	struct buf body = BUF_INIT, why = BUF_INIT, msg = BUF_INIT;
	long retry_after = -1;
	int got = fetch_arxiv_api_once(&fo, j.paper, &body, &retry_after, &why);
	if (got == -2 && j.attempts < FETCH_TRIES) {
		/* busy or away: later, never by sleeping here */
		pb_time later = retry_after > 0 ? (pb_time)(retry_after > 3600 ? 3600 : retry_after) * 1000
						: (pb_time)FETCH_RETRY_MS << (j.attempts - 1);
		fprintf(stderr, "paperboy: arXiv fetches: %s: %s; trying again in %lld s\n", j.paper, why.s,
			(long long)(later / 1000));
		finish(v, &j, owner, "queued", "arXiv did not answer yet; trying again shortly.", now + later);
		goto out;
	}
	if (got) {
		fprintf(stderr, "paperboy: arXiv fetches: %s: %s\n", j.paper, why.s);
		finish(v, &j, owner, "failed", "arXiv could not be reached; try again later.", 0);
		goto out;
	}
	struct found f;
	memset(&f, 0, sizeof(f));
	f.id = j.paper;
	paper_init(&f.p);
	struct buf perr = BUF_INIT;
	if (ingest_parse("arXiv", body.s, body.len, INGEST_ATOM, NULL, keep_match, &f, NULL, NULL, &perr) < 0 || !f.have) {
		buf_setf(&msg, "arXiv has no paper %s.", j.paper);
		finish(v, &j, owner, "failed", msg.s, 0);
	} else {
		struct user u;
		memset(&u, 0, sizeof(u));
		bool have_user = j.user_id && store_user_get(v->s, j.user_id, NULL, &u, err) == 0;
		enum pb_status st = PB_OK;
		if (j.submit && have_user)
			st = window(v, &u, &f.p, now, &msg); /* refused: not stored */
		const char *status = NULL; /* the submission, when it is one */
		if (st == PB_OK && j.submit && have_user) {
			bool hold = v->cfg->moderate_submissions && !u.admin;
			status = hold ? "pending" : "featured";
			if (hold)
				buf_setf(&msg, "Thank you: your submission waits for a moderator, who will put it on the feed.");
			else
				feature_fields(&u, now, &f.p);
		}
		if (st != PB_OK) {
			finish(v, &j, owner, "refused", msg.s, 0);
		} else if (store_record(v, &f.p, &j, owner, status, msg.s, now, err)) {
			fprintf(stderr, "paperboy: arXiv fetches: %s: %s\n", j.paper, err->s);
			finish(v, &j, owner, "queued", "The database failed; trying again shortly.", now + FETCH_RETRY_MS);
		}
	}
	paper_release(&f.p);
	buf_release(&perr);
out:
	buf_release(&body);
	buf_release(&why);
	buf_release(&msg);
	return 0;
}
