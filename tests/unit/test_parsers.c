/*
 * test_parsers.c - each source parser on fixtures written for it
 * (tests/fixtures), through a sink that collects what they deliver.
 */
#include "../../src/ingest/ingest_int.h"
#include "check.h"
#include <unistd.h>

struct collect {
	struct sink k;
	struct paper got[32];
	size_t n;
	char rejects[32][160];
	size_t nrej, nskip;
};

static int c_record(struct sink *k, struct paper *p)
{
	struct collect *c = (struct collect *)k;
	if (c->n < 32)
		c->got[c->n++] = *p;
	else
		paper_release(p);
	paper_init(p);
	return 0;
}

static void c_reject(struct sink *k, uint64_t recno, const char *field, const char *why)
{
	struct collect *c = (struct collect *)k;
	if (c->nrej < 32)
		snprintf(c->rejects[c->nrej++], 160, "%llu|%s|%s", (unsigned long long)recno, field ? field : "", why);
}

static void c_skip(struct sink *k, uint64_t recno, const char *why)
{
	(void)recno;
	(void)why;
	((struct collect *)k)->nskip++;
}

/* Parses a fixture file; returns the parser's result. */
static int run(const char *path, enum ingest_format fmt, struct collect *c, struct ingest_doc *doc, struct buf *err,
	       const char *day)
{
	memset(c, 0, sizeof(*c));
	c->k.record = c_record;
	c->k.reject = c_reject;
	c->k.skip = c_skip;
	c->k.doc = doc;
	c->k.hf_day = day;
	struct source src = { .name = path, .f = fopen(path, "rb") };
	if (!src.f) {
		fprintf(stderr, "cannot open fixture %s\n", path);
		return -99;
	}
	buf_reset(err);
	int rc = parse_source(&src, fmt, &c->k, err);
	fclose(src.f);
	source_release(&src);
	return rc;
}

static void release(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++)
		paper_release(&c->got[i]);
}

static bool has_reject(struct collect *c, const char *prefix)
{
	for (size_t i = 0; i < c->nrej; i++)
		if (str_has_prefix(c->rejects[i], prefix))
			return true;
	fprintf(stderr, "  no reject starting \"%s\"; got:\n", prefix);
	for (size_t i = 0; i < c->nrej; i++)
		fprintf(stderr, "    %s\n", c->rejects[i]);
	return false;
}

static void test_hf(void)
{
	struct collect c;
	struct buf err = BUF_INIT;
	CHECK(run("hf_small.json", INGEST_AUTO, &c, NULL, &err, "2025-06-09") == 0);
	CHECK(c.n == 3); /* record 2, a Python repr() of an item, is read */
	CHECK(c.nrej == 3);
	CHECK(has_reject(&c, "6||a string that is not a Python repr() of an item either (Python literal, offset 40: not a literal"));
	CHECK(has_reject(&c, "3|paper.id|not an arXiv identifier"));
	CHECK(has_reject(&c, "4|paper.upvotes|expected a non-negative integer"));
	struct paper *p = &c.got[0];
	CHECK_STR(p->id, "2506.00001");
	CHECK_STR(p->title, "Engines of Analysis");
	CHECK(p->authors.n == 2);
	CHECK_STR(p->authors.v[0], "Ada Lovelace");
	CHECK_STR(p->hf_day, "2025-06-02"); /* from submittedOnDailyAt */
	CHECK(p->upvotes == 12 && p->num_comments == 3);
	CHECK_STR(p->code_url, "https://github.com/ada/engine"); /* found in the abstract */
	CHECK(!p->code_explicit);
	CHECK_STR(p->submitter, "ada");
	CHECK_STR(p->submitter_name, "Ada L");
	CHECK(p->ai_keywords.n == 2);
	CHECK_STR(p->project_page, "https://ada.example.org");
	CHECK(p->sources == SRC_HF);
	CHECK_STR(c.got[1].id, "2506.00002");
	CHECK_STR(c.got[1].title, "A Python repr");
	p = &c.got[2];
	CHECK_STR(p->hf_day, "2025-06-09"); /* no submission time: the document's day */
	CHECK_STR(p->code_url, "https://github.com/grace/cobol");
	CHECK(p->code_explicit);
	release(&c);
	/* without a day hint, the item's own date */
	CHECK(run("hf_small.json", INGEST_HF, &c, NULL, &err, NULL) == 0);
	CHECK(c.n == 3 && !strcmp(c.got[2].hf_day, "2025-06-01"));
	release(&c);
	buf_release(&err);
}

static void test_pylit(void)
{
	struct buf why = BUF_INIT;
	const char *ok = "{'a': [1, -2, 3.5, 1e3, True, False, None], \"b\": 'it\\'s \\u00e9\\x41\\n', 'c': {}, 'd': []}";
	json_t *j = pylit_parse(ok, strlen(ok), &why);
	CHECK(j != NULL);
	if (j) {
		char *out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		CHECK_STR(out, "{\"a\":[1,-2,3.5,1000.0,true,false,null],\"b\":\"it's \u00e9A\\n\",\"c\":{},\"d\":[]}");
		free(out);
		json_decref(j);
	}
	static const char *const bad[] = {
		"{'a': (1, 2)}", "{'a': open('x')}", "{'a': 'x' 'y'}", "{'a': 'x'", "{'a' 1}", "{1: 'x'}",
		"['a',]x", "{'a': '\\q'}", "{'a': '\\ud800'}", "{'a': b'x'}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		"{'a': 99999999999999999999999}", "{'a': 'line\nbreak'}", "",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		json_t *b = pylit_parse(bad[i], strlen(bad[i]), &why);
		CHECK(b == NULL && str_has_prefix(why.s, "Python literal, offset "));
		if (b) {
			fprintf(stderr, "accepted: %s\n", bad[i]);
			json_decref(b);
		}
	}
	/* a trailing comma is Python */
	j = pylit_parse("['a', 'b',]", 11, &why);
	CHECK(j && json_array_size(j) == 2);
	json_decref(j);
	buf_release(&why);
}

static void test_snapshot(void)
{
	struct collect c;
	struct buf err = BUF_INIT;
	CHECK(run("snapshot_small.jsonl", INGEST_AUTO, &c, NULL, &err, NULL) == 0);
	CHECK(c.n == 2);
	struct paper *p = &c.got[0];
	CHECK_STR(p->id, "0704.0001");
	CHECK(p->version == 2);
	CHECK_STR(p->title, "Calculation of prompt diphoton production");
	CHECK_STR(p->abstract, "A fully differential calculation.");
	CHECK(p->authors.n == 3);
	CHECK_STR(p->authors.v[0], "C. Bal\xc3\xa1zs"); /* \u00e1 decoded */
	CHECK_STR(p->authors.v[2], "C. -P. Yuan Jr");
	CHECK(p->categories.n == 2 && !strcmp(p->categories.v[0], "hep-ph"));
	CHECK_STR(p->doi, "10.1103/PhysRevD.76.013009");
	CHECK(p->license == NULL);
	char t[32];
	time_format_iso(p->published, t);
	CHECK_STR(t, "2007-04-02T19:18:42.000Z");
	time_format_iso(p->updated, t);
	CHECK_STR(t, "2007-07-24T20:10:27.000Z");
	p = &c.got[1];
	CHECK_STR(p->id, "math/0703001");
	CHECK(p->authors.n == 3); /* split from the string, affiliation kept whole */
	CHECK_STR(p->authors.v[1], "B. Two (MIT)");
	CHECK_STR(p->code_url, "https://gitlab.com/g/p");
	CHECK(has_reject(&c, "4||invalid JSON"));
	CHECK(has_reject(&c, "5|id|expected a string"));
	CHECK(has_reject(&c, "6|versions[0].created|expected a date"));
	CHECK(has_reject(&c, "7|title|missing"));
	CHECK(has_reject(&c, "8|authors_parsed|expected an array"));
	CHECK(c.nrej == 5);
	release(&c);
	buf_release(&err);
}

static void test_atom(void)
{
	struct collect c;
	struct buf err = BUF_INIT;
	CHECK(run("atom_small.xml", INGEST_AUTO, &c, NULL, &err, NULL) == 0);
	CHECK(c.n == 2);
	struct paper *p = &c.got[0];
	CHECK_STR(p->id, "1605.08386");
	CHECK(p->version == 2);
	CHECK_STR(p->title, "Heat-bath random walks with Markov bases");
	CHECK_STR(p->abstract, "Graphs on lattice points & $x^2$.");
	CHECK(p->categories.n == 2);
	CHECK_STR(p->categories.v[0], "math.CO"); /* primary first */
	CHECK_STR(p->doi, "10.1000/xyz");
	CHECK_STR(p->comments, "20 pages");
	CHECK_STR(p->journal_ref, "J. Comb. 1 (2017)");
	CHECK(p->authors.n == 2);
	CHECK_STR(p->authors.v[1], "Tobias Windisch");
	CHECK(p->sources == SRC_ARXIV_API);
	CHECK_STR(c.got[1].id, "hep-th/9901001");
	CHECK(has_reject(&c, "3|id|not an arXiv abstract URL"));
	release(&c);
	CHECK(run("atom_error.xml", INGEST_AUTO, &c, NULL, &err, NULL) == -1);
	CHECK(strstr(err.s, "incorrect id format for xyz") != NULL);
	CHECK(c.n == 0);
	release(&c);
	buf_release(&err);
}

static void test_oai(void)
{
	struct collect c;
	struct buf err = BUF_INIT;
	struct ingest_doc doc;
	memset(&doc, 0, sizeof(doc));
	CHECK(run("oai_raw.xml", INGEST_AUTO, &c, &doc, &err, NULL) == 0);
	CHECK(c.n == 3);
	CHECK(c.nskip == 1); /* the deleted record */
	CHECK_STR(doc.resumption_token, "726959|1001");
	CHECK(doc.complete_list_size == 58011);
	struct paper *p = &c.got[0];
	CHECK_STR(p->id, "0704.0716");
	CHECK(p->version == 4);
	CHECK_STR(p->title, "Limit distributions and scaling functions");
	CHECK(p->authors.n == 3);
	CHECK_STR(p->authors.v[1], "Anna B (Univ. X, Y)");
	CHECK_STR(p->abstract, "We discuss \"lattice\" polygons.");
	CHECK_STR(p->code_url, "https://github.com/cr/limits"); /* from the comments */
	char t[32];
	time_format_iso(p->published, t);
	CHECK_STR(t, "2007-04-05T12:45:03.000Z");
	time_format_iso(p->updated, t);
	CHECK_STR(t, "2008-11-14T09:07:25.000Z");
	p = &c.got[1];
	CHECK_STR(p->id, "0704.0800");
	CHECK(p->authors.n == 2);
	CHECK_STR(p->authors.v[0], "A. Sergyeyev");
	CHECK_STR(p->authors.v[1], "J. Smith Jr");
	CHECK_STR(p->doi, "10.1007/x");
	p = &c.got[2];
	CHECK_STR(p->id, "0704.0042");
	CHECK_STR(p->authors.v[0], "Ignazio Licata");
	CHECK_STR(p->abstract, "It is outlined.");
	CHECK_STR(p->comments, "12 pages");
	CHECK_STR(p->doi, "10.1063/1.2779138");
	CHECK_STR(p->journal_ref, "J. Math. Phys. 48(2007)");
	CHECK(p->categories.n == 1 && !strcmp(p->categories.v[0], "quant-ph"));
	CHECK(has_reject(&c, "5|created|expected a date"));
	ingest_doc_release(&doc);
	release(&c);

	CHECK(run("oai_error.xml", INGEST_AUTO, &c, &doc, &err, NULL) == -1);
	CHECK_STR(doc.oai_error, "badResumptionToken");
	CHECK(strstr(err.s, "badResumptionToken") != NULL);
	ingest_doc_release(&doc);
	release(&c);

	CHECK(run("truncated.xml", INGEST_AUTO, &c, NULL, &err, NULL) == -1);
	CHECK(strstr(err.s, "malformed XML at line") != NULL);
	CHECK(c.n == 0);
	release(&c);
	buf_release(&err);
}

static void test_detect_garbage(void)
{
	struct collect c;
	struct buf err = BUF_INIT;
	memset(&c, 0, sizeof(c));
	c.k.record = c_record;
	c.k.reject = c_reject;
	c.k.skip = c_skip;
	static const char *bad[] = { "", "   ", "hello", "<html><body>x</body></html>", "{\"a\":1}\n",
				     "[{\"paper\": ", "[1,2,3]", "\xff\xfe\x00" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct source src = { .name = "mem", .mem = bad[i], .mem_len = strlen(bad[i]) };
		buf_reset(&err);
		int rc = parse_source(&src, INGEST_AUTO, &c.k, &err);
		source_release(&src);
		/* every one is refused or yields only rejects, never a paper */
		CHECK(rc == -1 || c.nrej > 0);
		CHECK(c.n == 0);
	}
	release(&c);
	buf_release(&err);
}

int main(void)
{
	if (chdir(FIXTURES_DIR)) {
		perror(FIXTURES_DIR);
		return 1;
	}
	test_hf();
	test_pylit();
	test_snapshot();
	test_atom();
	test_oai();
	test_detect_garbage();
	return check_report("test_parsers");
}
