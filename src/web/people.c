/*
 * people.c - the people and organizations of the feed: a Hugging Face
 * submitter's page (their submissions, newest first, with upvotes) for
 * names that are not accounts here, and an organization's page (its
 * featured papers, newest first, and its members seen as submitters).
 * An account's own profile (account.c) shows its submissions too.
 */
#include "handlers.h"
#include "cards.h"
#include "html.h"
#include "lists.h"
#include "reader.h"
#include "respond.h"

#define PEOPLE_PAGE 60

/* The featured papers a query selects, newest first: 0, or -1 (err). */
static int newest(struct req *r, struct store_query *q, struct collect *out, struct buf *err)
{
	snprintf(q->day_from, sizeof(q->day_from), "0000-00-00");
	snprintf(q->day_to, sizeof(q->day_to), "9999-99-99");
	q->sort = SORT_PUBLISHED;
	q->limit = PEOPLE_PAGE;
	return store_paper_list(r->s, q, collect_add, out, err);
}

static void cards(struct req *r, struct buf *b, const struct collect *ps)
{
	html_printf(b, "<div class=\"cards\" id=\"papers\" tabindex=\"-1\">");
	reader_votes_prefetch(r, ps->v, ps->n);
	for (size_t i = 0; i < ps->n; i++)
		card_write(r, b, &ps->v[i], NULL);
	html_printf(b, "</div>");
}

int people_submitter_page(struct req *r, struct resp *o, const char *name)
{
	struct store_query q = { .submitter = name };
	struct collect ps = { 0 };
	struct buf err = BUF_INIT;
	int rc = newest(r, &q, &ps, &err);
	buf_release(&err);
	if (rc || !ps.n) {
		collect_release(&ps);
		return rc ? -1 : 1;
	}
	const char *full = ps.v[0].submitter_name && *ps.v[0].submitter_name ? ps.v[0].submitter_name : name;
	html_page_begin(r, o, full, NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"wide\"><h1>%s</h1><p class=\"muted\">%s submits papers to the daily feed on Hugging "
		"Face (<a href=\"https://huggingface.co/%U\">huggingface.co/%s</a>); not an account here. ",
	     full, name, name, name);
	html_follow_button(r, b, "hfuser", name, !reader_follows(r, "hfuser", name), r->path);
	html_printf(b, "</p><h2>Submitted papers</h2>");
	cards(r, b, &ps);
	html_printf(b, "</main>");
	html_page_end(r, o);
	collect_release(&ps);
	return 0;
}

/* GET /orgs/NAME: an organization's papers and the people who submit them. */
void h_org(struct req *r, struct resp *o)
{
	const char *name = r->cap[0];
	struct store_query q = { .organization = name };
	struct collect ps = { 0 };
	struct buf err = BUF_INIT;
	int rc = strlen(name) > 96 ? 1 : newest(r, &q, &ps, &err);
	buf_release(&err);
	if (rc || !ps.n) {
		resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "The database failed." : "There is no such organization here.");
		collect_release(&ps);
		return;
	}
	char org[128], full[256];
	paper_org(&ps.v[0], org, full);
	html_page_begin(r, o, full[0] ? full : name, NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"wide\"><h1>%s</h1><p class=\"muted\">An organization on Hugging Face "
		"(<a href=\"https://huggingface.co/%U\">huggingface.co/%s</a>). ", full[0] ? full : name, name, name);
	html_follow_button(r, b, "org", name, !reader_follows(r, "org", name), r->path);
	/* its members, as far as the feed shows them: who submits its papers */
	struct strlist seen = STRLIST_INIT;
	for (size_t i = 0; i < ps.n; i++) {
		bool dup = !ps.v[i].submitter;
		for (size_t k = 0; !dup && k < seen.n; k++)
			dup = !strcmp(seen.v[k], ps.v[i].submitter);
		if (!dup)
			strlist_push(&seen, ps.v[i].submitter, strlen(ps.v[i].submitter));
	}
	if (seen.n) {
		html_printf(b, "</p><p>Submitted by ");
		for (size_t i = 0; i < seen.n; i++)
			html_printf(b, "%S<a href=\"/u/%U\">%s</a>", i ? ", " : "", seen.v[i], seen.v[i]);
	}
	strlist_release(&seen);
	html_printf(b, "</p><h2>Papers</h2>");
	cards(r, b, &ps);
	html_printf(b, "</main>");
	html_page_end(r, o);
	collect_release(&ps);
}
