/*
 * test_html.c - the HTML writer's pieces that read TeX: a search's marks
 * never go inside a math span, and Markdown never reads one. Each case
 * was a defect found on a real run (its comment says where).
 */
#include "../../src/web/html.h"
#include "check.h"

static void highlight(const char *text, const char *query, const char *want)
{
	struct buf b = BUF_INIT;
	html_highlight(&b, text, query);
	CHECK_STR(b.s, want);
	buf_release(&b);
}

static void markdown(const char *md, const char *want)
{
	struct buf b = BUF_INIT;
	html_markdown(&b, md);
	CHECK_STR(b.s, want);
	buf_release(&b);
}

static void test_highlight_skips_math(void)
{
	/* walking the site: $\<mark>mathcal{O}(n</mark>)$ */
	highlight("We reach $\\mathcal{O}(n)$ time.", "mathcal time", "We reach $\\mathcal{O}(n)$ <mark>time</mark>.");
	/* reviewing the change: the second span of a word was marked */
	highlight("sets $A$,$B \\cup C$ and cup", "cup", "sets $A$,$B \\cup C$ and <mark>cup</mark>");
	highlight("\\(a + cup\\) cup $$cup$$", "cup", "\\(a + cup\\) <mark>cup</mark> $$cup$$");
	/* prose with dollars is prose: "from $5 to $10" */
	highlight("from $5 to $10 per cup", "cup", "from $5 to $10 per <mark>cup</mark>");
	/* no span crosses a blank line */
	highlight("costs $5\n\nper cup$", "cup", "costs $5\n\nper <mark>cup</mark>$");
}

static void test_markdown_keeps_math(void)
{
	/* walking the site: Markdown read TeX first */
	markdown("$\\{x\\}$ and $a*b*c$", "<p>$\\{x\\}$ and $a*b*c$</p>\n");
	markdown("\\(\\frac{1}{2}\\)", "<p>\\(\\frac{1}{2}\\)</p>\n");
	markdown("`$a*b*c$` *em*", "<p><code>$a*b*c$</code> <em>em</em></p>\n");
	/* reviewing the change: across a blank line, in a link's address, or
	 * the marks' own bytes typed in */
	markdown("a $5\n\n- one\n\nb$", "<p>a $5</p>\n<ul>\n<li>one</li>\n</ul>\n<p>b$</p>\n");
	markdown("[l](http://e.org/$a$b)", "<p><a href=\"http://e.org/$a$b\">l</a></p>\n");
	markdown("x \x02" "0\x03 $y$", "<p>x 0 $y$</p>\n");
	/* the same as app.js's dollars(): a $ after a space does not close */
	markdown("$a $b$", "<p>$a $b$</p>\n");
}

int main(void)
{
	test_highlight_skips_math();
	test_markdown_keeps_math();
	return check_report("test_html");
}
