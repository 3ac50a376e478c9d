/*
 * votes.c - upvotes, and the rule that keeps a flood of new accounts from
 * moving the front page: an account younger than the vote age (a setting,
 * an hour by default) votes at once and sees its vote, but the vote counts
 * in the paper's total only when the account is that old (svc_votes_mature,
 * run in the background).
 */
#include "service.h"

pb_time svc_votes_count_in(const struct svc_config *cfg, const struct user *u, pb_time now)
{
	if (cfg->vote_age_ms <= 0)
		return 0;
	if (!u->created) /* (an account of before the rule: not told apart) */
		return cfg->vote_age_ms;
	pb_time left = u->created + cfg->vote_age_ms - now;
	return left > 0 ? left : 0;
}

enum pb_status svc_vote(struct svc *v, const struct user *u, const char *paper, int want, bool *voted,
			 int *upvotes)
{
	/* any form of an id that names the paper (a version, arXiv's
	 * prefixes), as its page takes it, on every route */
	char id[PAPER_ID_MAX];
	if (!paper || arxiv_id_parse(paper, id, NULL))
		return PB_NOTFOUND;
	pb_time now = time_now_ms();
	bool counts = svc_votes_count_in(v->cfg, u, now) == 0;
	struct buf err = BUF_INIT;
	int rc;
	if (want < 0) {
		rc = store_vote_toggle(v->s, u->id, id, now, counts, voted, upvotes, &err);
	} else {
		rc = store_vote_set(v->s, u->id, id, want > 0, now, counts, upvotes, &err);
		*voted = want > 0;
	}
	enum pb_status st = rc < 0 ? svc_store_failed(v, &err, NULL) : rc ? PB_NOTFOUND : PB_OK;
	if (rc == 0)
		store_user_touch(v->s, u->id, now, &err); /* the recommendations follow */
	buf_release(&err);
	return st;
}

int svc_votes_mature(struct svc *v, int64_t *n, struct buf *err)
{
	pb_time age = v->cfg->vote_age_ms > 0 ? v->cfg->vote_age_ms : 0;
	return store_votes_mature(v->s, time_now_ms() - age, n, err);
}
