/* test_paper.c - arXiv identifiers, code URLs, the merge rule, the JSON shape. */
#include "../../src/paper/paper.h"
#include "check.h"

static void check_id(const char *in, const char *want, int want_v)
{
	char id[PAPER_ID_MAX] = "";
	int v = -1;
	int rc = arxiv_id_parse(in, id, &v);
	if (!want) {
		CHECK(rc == -1);
		if (rc != -1)
			fprintf(stderr, "  accepted bad id \"%s\" as %s\n", in, id);
		return;
	}
	CHECK(rc == 0);
	CHECK_STR(id, want);
	CHECK(v == want_v);
}

static void test_ids(void)
{
	check_id("2505.24864", "2505.24864", 0);
	check_id("2505.24864v2", "2505.24864", 2);
	check_id("https://arxiv.org/abs/2505.24864v2", "2505.24864", 2);
	check_id("http://arxiv.org/abs/1605.08386v1", "1605.08386", 1);
	check_id("https://arxiv.org/pdf/2505.24864v3.pdf", "2505.24864", 3);
	check_id("arXiv:0704.0001", "0704.0001", 0);
	check_id("oai:arXiv.org:hep-th/9901001", "hep-th/9901001", 0);
	check_id("hep-th/9901001v3", "hep-th/9901001", 3);
	check_id("quant-ph/0201082v1", "quant-ph/0201082", 1);
	check_id("math.GT/0309136", "math/0309136", 0);
	check_id("  1401.2122  ", "1401.2122", 0);
	/* every common way to name a paper (issue 13) */
	check_id("https://huggingface.co/papers/2505.24864", "2505.24864", 0);
	check_id("huggingface.co/papers/2505.24864", "2505.24864", 0);
	check_id("https://www.alphaxiv.org/abs/2505.24864v2", "2505.24864", 2);
	check_id("https://www.alphaxiv.org/overview/2505.24864", "2505.24864", 0);
	check_id("https://arxiv.org/html/2505.24864v1", "2505.24864", 1);
	check_id("https://arxiv.org/html/2505.24864v1#S3", "2505.24864", 1);
	check_id("10.48550/arXiv.2505.24864", "2505.24864", 0);
	check_id("https://doi.org/10.48550/arXiv.2505.24864", "2505.24864", 0);
	check_id("doi:10.48550/arxiv.2505.24864", "2505.24864", 0);
	check_id("arXiv:2505.24864v3", "2505.24864", 3);
	check_id("https://huggingface.co/models/2505.24864", NULL, 0);
	check_id("https://evil.example/huggingface.co/papers/2505.24864", NULL, 0);
	check_id("10.1000/arXiv.2505.24864", NULL, 0);
	check_id("abc", NULL, 0);
	check_id("0000.0000", NULL, 0);  /* month 00 */
	check_id("2513.12345", NULL, 0); /* month 13 */
	check_id("2505.123", NULL, 0);
	check_id("2505.123456", NULL, 0);
	check_id("2505.24864vx", NULL, 0);
	check_id("2505.24864; DROP TABLE papers", NULL, 0);
	check_id("https://example.org/abs/2505.24864", NULL, 0);
	check_id("hep-th/990100", NULL, 0);
	check_id("", NULL, 0);
}

static void check_url(const char *text, const char *want)
{
	char *u = code_url_find(text);
	if (!want) {
		CHECK(u == NULL);
		if (u)
			fprintf(stderr, "  found \"%s\" in \"%s\"\n", u, text);
	} else {
		CHECK_STR(u, want);
	}
	free(u);
}

static void test_code_urls(void)
{
	check_url("Code is at https://github.com/google-research/envharness.", "https://github.com/google-research/envharness");
	check_url("see \\url{https://github.com/a-b/c_d.git}", "https://github.com/a-b/c_d");
	check_url("Available at github.com/Foo/bar/tree/main/x", "https://github.com/Foo/bar");
	check_url("https://gitlab.com/grp/proj", "https://gitlab.com/grp/proj");
	check_url("(bitbucket.org/team/repo)", "https://bitbucket.org/team/repo");
	check_url("weights: https://huggingface.co/nvidia/Model-1.5B", "https://huggingface.co/nvidia/Model-1.5B");
	check_url("data: https://huggingface.co/datasets/org/set and more", "https://huggingface.co/datasets/org/set");
	check_url("https://huggingface.co/papers/2505.24864", NULL);
	check_url("see https://lab.github.io/project", NULL);
	check_url("https://github.com/orgs/foo", NULL);
	check_url("https://github.com/onlyowner", NULL);
	check_url("mygithub.com/a/b", NULL);
	check_url("first gitlab.com/x/y then github.com/a/b", "https://gitlab.com/x/y");
	check_url(NULL, NULL);
}

static void fill(struct paper *p, const char *id, unsigned src)
{
	paper_init(p);
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->sources = src;
}

static void test_merge(void)
{
	/* an arXiv record, then the HF record of the same paper */
	struct paper a, h, cur, again;
	fill(&a, "2505.24864", SRC_ARXIV_SNAP);
	a.version = 1;
	a.title = xstrdup("ProRL v1 title");
	a.abstract = xstrdup("abstract one");
	strlist_push(&a.authors, "Mingjie Liu", 11);
	strlist_push(&a.categories, "cs.LG", 5);
	a.doi = xstrdup("10.1/x");
	time_parse("2025-05-30T17:59:01Z", &a.published);
	a.updated = a.published;
	fill(&h, "2505.24864", SRC_HF);
	h.title = xstrdup("ProRL HF title");
	h.upvotes = 35;
	h.code_url = xstrdup("https://github.com/nv/prorl");
	h.code_explicit = true;
	snprintf(h.hf_day, sizeof(h.hf_day), "2025-06-02");
	h.ai_summary = xstrdup("summary");
	paper_init(&cur);
	paper_copy(&cur, &a);
	paper_merge(&cur, &h);
	CHECK_STR(cur.title, "ProRL v1 title"); /* arXiv metadata wins */
	CHECK(cur.upvotes == 35);              /* HF facts added */
	CHECK_STR(cur.code_url, "https://github.com/nv/prorl");
	CHECK_STR(cur.hf_day, "2025-06-02");
	CHECK_STR(cur.doi, "10.1/x");          /* nothing lost */
	CHECK(cur.sources == (SRC_ARXIV_SNAP | SRC_HF));
	/* idempotent: merging either record again changes nothing */
	paper_init(&again);
	paper_copy(&again, &cur);
	paper_merge(&again, &h);
	paper_merge(&again, &a);
	CHECK(paper_equal(&again, &cur));
	/* the other order gives the same paper */
	struct paper cur2;
	paper_init(&cur2);
	paper_copy(&cur2, &h);
	paper_merge(&cur2, &a);
	CHECK_STR(cur2.title, "ProRL v1 title");
	CHECK(cur2.upvotes == 35);
	CHECK_STR(cur2.doi, "10.1/x");
	/* a newer version replaces the arXiv fields, keeps the rest */
	struct paper v2;
	fill(&v2, "2505.24864", SRC_ARXIV_API);
	v2.version = 2;
	v2.title = xstrdup("ProRL v2 title");
	time_parse("2025-06-10T00:00:00Z", &v2.updated);
	paper_merge(&cur, &v2);
	CHECK_STR(cur.title, "ProRL v2 title");
	CHECK(cur.version == 2);
	CHECK_STR(cur.abstract, "abstract one"); /* v2 had none: kept */
	CHECK(cur.upvotes == 35);
	/* an older version does not roll it back */
	paper_merge(&cur, &a);
	CHECK_STR(cur.title, "ProRL v2 title");
	CHECK(cur.version == 2);
	/* upvotes never go down */
	struct paper h2;
	fill(&h2, "2505.24864", SRC_HF);
	h2.upvotes = 3;
	paper_merge(&cur, &h2);
	CHECK(cur.upvotes == 35);

	json_t *j = paper_to_json(&cur);
	CHECK_STR(json_string_value(json_object_get(j, "id")), "2505.24864");
	CHECK_STR(json_string_value(json_object_get(j, "publishedAt")), "2025-05-30T17:59:01.000Z");
	CHECK_STR(json_string_value(json_object_get(j, "githubRepo")), "https://github.com/nv/prorl");
	CHECK(json_integer_value(json_object_get(j, "upvotes")) == 35);
	json_t *au = json_object_get(j, "authors");
	CHECK(json_is_array(au) && json_array_size(au) == 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(au, 0), "name")), "Mingjie Liu");
	CHECK(json_object_get(j, "submittedOnDailyAt") == NULL); /* unknown: absent */
	json_decref(j);

	paper_release(&a);
	paper_release(&h);
	paper_release(&h2);
	paper_release(&v2);
	paper_release(&cur);
	paper_release(&cur2);
	paper_release(&again);
}

/* A reader's follows and mutes match papers by whole words, names, the
 * organization's name and the submitter. */
static void test_matches(void)
{
	struct paper p;
	paper_init(&p);
	p.title = xstrdup("Diffusion Transformers for Video");
	p.abstract = xstrdup("We study self-supervised pre-training of large language models.");
	strlist_push(&p.authors, "Yejin Choi", 10);
	strlist_push(&p.categories, "cs.CL", 5);
	p.organization = xstrdup("{\"_id\":\"x\",\"name\":\"allenai\",\"fullname\":\"Ai2\"}");
	p.submitter = xstrdup("akhaliq");
	CHECK(paper_matches(&p, "word", "diffusion"));
	CHECK(paper_matches(&p, "word", "LANGUAGE MODELS"));
	CHECK(paper_matches(&p, "word", "self-supervised"));
	CHECK(!paper_matches(&p, "word", "diffuse"));   /* a whole word */
	CHECK(paper_matches(&p, "word", "transformer")); /* a plural */
	CHECK(paper_matches(&p, "word", "model"));
	CHECK(!paper_matches(&p, "word", "transform")); /* not a prefix */
	CHECK(!paper_matches(&p, "word", "vide"));
	CHECK(!paper_matches(&p, "word", ""));
	CHECK(paper_matches(&p, "author", "yejin choi"));
	CHECK(!paper_matches(&p, "author", "Yejin"));
	CHECK(paper_matches(&p, "category", "CS.cl"));
	CHECK(!paper_matches(&p, "category", "cs.LG"));
	CHECK(paper_matches(&p, "org", "allenai"));
	CHECK(paper_matches(&p, "org", "Ai2"));
	CHECK(!paper_matches(&p, "org", "_id")); /* names, not the JSON */
	CHECK(paper_matches(&p, "hfuser", "AKhaliq"));
	CHECK(!paper_matches(&p, "search", "diffusion")); /* needs the index */
	paper_release(&p);
}

/* Issue 18 items 1, 9 and 10: citations are safe for any stored date,
 * notes are plain text in BibTeX, and a CSV formula hides behind no line
 * break. */
static void test_cite(void)
{
	struct paper p;
	paper_init(&p);
	snprintf(p.id, sizeof(p.id), "2405.99999");
	p.title = xstrdup("On $\\mathcal{O}(n)$ things");
	strlist_push(&p.authors, "Ada Lovelace", 12);
	const pb_time odd[] = { INT64_MAX, INT64_MIN, 253402297200000LL + 99 * 3600000LL, -62167219200001LL, 1 };
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		p.published = odd[i];
		struct buf b = BUF_INIT;
		cite_bibtex(&p, NULL, &b);
		cite_ris(&p, NULL, &b);
		cite_csv(&p, NULL, &b);
		CHECK(strstr(b.s, "month = ") != NULL);
		CHECK(strstr(b.s, "PY  - ") != NULL);
		buf_release(&b);
	}
	p.published = 1717000000000LL; /* 2024-05-29 */
	struct buf b = BUF_INIT;
	cite_bibtex(&p, "\\immediate\\write18{id}\\input{/etc/passwd} 100% & $x$ @misc{", &b);
	CHECK(strstr(b.s, "month = may") != NULL);
	CHECK(strstr(b.s, "\\mathcal{O}") != NULL); /* arXiv's LaTeX stays */
	CHECK(strstr(b.s, "\\immediate") == NULL);
	CHECK(strstr(b.s, "\\write18") == NULL);
	CHECK(strstr(b.s, "\\input") == NULL);
	CHECK(strstr(b.s, "annote = {\\textbackslash{}immediate\\textbackslash{}write18\\textbraceleft{}id\\textbraceright{}") != NULL);
	CHECK(strstr(b.s, "100\\% \\& \\$x\\$ {@}misc\\textbraceleft{}") != NULL);
	buf_reset(&b);
	cite_csv(&p, "\n=HYPERLINK(\"http://x\")", &b);
	CHECK(strstr(b.s, "\"' =HYPERLINK") != NULL);
	buf_reset(&b);
	cite_csv(&p, "  @SUM(1)", &b);
	CHECK(strstr(b.s, "\"'  @SUM") != NULL);
	buf_reset(&b);
	cite_ris(&p, "line one\nER  - \nTY  - JOUR", &b);
	CHECK(strstr(b.s, "\nER  - \nTY  - JOUR") == NULL); /* no record of its own */
	buf_release(&b);
	paper_release(&p);
}

/* The arXiv identifiers a text names, joined by commas. */
static void check_refs(const char *text, const char *self, const char *want)
{
	struct strlist out = STRLIST_INIT;
	paper_refs_find(text, strlen(text), self, &out);
	struct buf b = BUF_INIT;
	strlist_join(&out, ",", &b);
	CHECK_STR(b.s, want);
	if (strcmp(b.s, want))
		fprintf(stderr, "  in \"%s\"\n", text);
	buf_release(&b);
	strlist_release(&out);
}

static void test_refs(void)
{
	/* every form a reference list uses, versions dropped, each once, sorted */
	check_refs("[1] A. B. Title. arXiv preprint arXiv:2401.12345, 2024.", NULL, "2401.12345");
	check_refs("arXiv:2401.12345v2 and 2401.12345v3 and 2401.12345", NULL, "2401.12345");
	check_refs("see https://arxiv.org/abs/1706.03762v7.", NULL, "1706.03762");
	check_refs("http://arxiv.org/pdf/1706.03762.pdf", NULL, "1706.03762");
	check_refs("doi:10.48550/arXiv.2305.10601 and https://doi.org/10.48550/ARXIV.2106.09685", NULL,
		   "2106.09685,2305.10601");
	check_refs("hep-th/9901001, arXiv:hep-ph/0101001v2 and math.AG/0101001 [math.AG]", NULL,
		   "hep-ph/0101001,hep-th/9901001,math/0101001");
	check_refs("(0704.0001) four-digit numbers 0801.1234 and 1412.9999", NULL, "0704.0001,0801.1234,1412.9999");
	check_refs("Smith et al., 2023 [arXiv:2310.06825]; 2310.06825", NULL, "2310.06825");
	/* the paper's own id is no reference */
	check_refs("This paper, arXiv:2401.12345v1, cites 1706.03762.", "2401.12345", "1706.03762");
	check_refs("Old hep-th/9901001v1 cites hep-th/9812001", "hep-th/9901001", "hep-th/9812001");
	/* what only looks like one: numbers, months 13+, too many digits, too
	 * early or a five-digit number before 2015, unknown archives, letters
	 * glued on */
	check_refs("pi = 3.14159, 1234.5678, 2413.12345, 2401.123456, 12401.12345, 2401.123", NULL, "");
	check_refs("0612.1234 1501.1234 1412.12345 foo/9901001 hep-th/990100 hep-th/99010011", NULL, "");
	check_refs("x2401.12345 A2401.12345 2401.12345x", NULL, "");
	check_refs("", NULL, "");
	check_refs("2401.", NULL, "");
	check_refs("hep-th/", NULL, "");
	/* one form feed between pages, ids on both sides of it */
	check_refs("end of 2401.00001\f2401.00002 starts", NULL, "2401.00001,2401.00002");
	/* a text naming thousands stops at PAPER_REFS_MAX */
	struct buf big = BUF_INIT;
	for (int i = 0; i < PAPER_REFS_MAX + 500; i++)
		buf_addf(&big, "arXiv:23%02d.%05d ", 1 + i % 12, i);
	struct strlist out = STRLIST_INIT;
	paper_refs_find(big.s, big.len, NULL, &out);
	CHECK(out.n == PAPER_REFS_MAX);
	for (size_t i = 1; i < out.n; i++)
		CHECK(strcmp(out.v[i - 1], out.v[i]) < 0);
	strlist_release(&out);
	buf_release(&big);
}

int main(void)
{
	test_cite();
	test_ids();
	test_code_urls();
	test_merge();
	test_matches();
	test_refs();
	return check_report("test_paper");
}
