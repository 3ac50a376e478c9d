/*
 * papers.c - rules about papers that more than one command or page needs:
 * the upvote order of search hits, and bringing the search index up to
 * date after papers were written (ingest, fetch, sync, the server's
 * follower: one function).
 */
#include "service.h"
#include <unistd.h>

struct hit_votes {
	int *votes;
};

static int hit_vote(const struct paper *p, size_t i, void *ctx)
{
	((struct hit_votes *)ctx)->votes[i] = paper_upvotes(p);
	return 0;
}

void svc_sort_by_votes(struct svc *v, struct search_hit *hits, size_t n)
{
	const char **ids = xcalloc(n ? n : 1, sizeof(*ids));
	struct hit_votes hv = { xcalloc(n ? n : 1, sizeof(int)) };
	for (size_t i = 0; i < n; i++) {
		ids[i] = hits[i].id;
		hv.votes[i] = -1;
	}
	struct buf err = BUF_INIT;
	store_papers_get(v->s, ids, n, true, hit_vote, &hv, &err);
	/* insertion sort: stable, so relevance breaks ties */
	for (size_t i = 1; i < n; i++) {
		struct search_hit h = hits[i];
		int votes = hv.votes[i];
		size_t j = i;
		for (; j > 0 && hv.votes[j - 1] < votes; j--) {
			hits[j] = hits[j - 1];
			hv.votes[j] = hv.votes[j - 1];
		}
		hits[j] = h;
		hv.votes[j] = votes;
	}
	free(ids);
	free(hv.votes);
	buf_release(&err);
}

int svc_index_catch_up(struct store *s, const char *index_path, uint64_t *added, bool *built, struct buf *err)
{
	*added = 0;
	*built = access(index_path, F_OK) != 0;
	return search_index_update(s, index_path, added, err);
}
