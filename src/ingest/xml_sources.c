/*
 * xml_sources.c - the XML sources, read with libxml2's streaming reader:
 * arXiv API Atom feeds (2016 and 2026 styles, error feeds included) and
 * OAI-PMH responses in the arXiv, arXivRaw and oai_dc formats (error
 * responses and resumption tokens included).
 *
 * Elements are matched by local name, so documents that mix namespaced and
 * un-namespaced elements parse the same. A small walker keeps the stack of
 * open elements and the text of the innermost one, and calls the format's
 * start/end handlers.
 */
#include "ingest_int.h"
#include <libxml/xmlreader.h>

#define MAX_DEPTH 64

struct walker {
	struct source *src;
	struct sink *k;
	struct buf *err;
	const char *stack[MAX_DEPTH]; /* interned local names */
	int depth;
	struct buf text;
	int (*start)(struct walker *w, xmlTextReaderPtr r, const char *name);
	int (*end)(struct walker *w, const char *name, const char *text, size_t len);
	void *ctx;
	uint64_t recno;
};

static int read_cb(void *ctx, char *buffer, int len)
{
	struct source *src = ctx;
	return (int)source_read(src, buffer, (size_t)len);
}

static int close_cb(void *ctx)
{
	(void)ctx;
	return 0;
}

/* The name of the element `up` levels above the current one ("" if none). */
static const char *parent(struct walker *w, int up)
{
	int i = w->depth - 1 - up;
	return i >= 0 ? w->stack[i] : "";
}

static bool inside(struct walker *w, const char *name)
{
	for (int i = 0; i < w->depth; i++)
		if (!strcmp(w->stack[i], name))
			return true;
	return false;
}

static char *attr(xmlTextReaderPtr r, const char *name)
{
	xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
	if (!v)
		return NULL;
	char *s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

static void silence(void *arg, const char *msg, xmlParserSeverities sev, xmlTextReaderLocatorPtr loc)
{
	(void)arg;
	(void)msg;
	(void)sev;
	(void)loc;
}

/* Walks the document; returns 0, -1 (err set) or -2 (sink stop). */
static int walk(struct walker *w)
{
	xmlTextReaderPtr r = xmlReaderForIO(read_cb, close_cb, w->src, NULL, NULL,
					    XML_PARSE_NONET | XML_PARSE_NOCDATA);
	if (!r) {
		buf_setf(w->err, "cannot start the XML reader");
		return -1;
	}
	xmlTextReaderSetErrorHandler(r, silence, NULL);
	buf_init(&w->text);
	int rc = 0, ret;
	while (!rc && (ret = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_ELEMENT) {
			const char *name = (const char *)xmlTextReaderConstLocalName(r);
			bool empty = xmlTextReaderIsEmptyElement(r);
			if (w->depth >= MAX_DEPTH) {
				buf_setf(w->err, "line %d: elements nested deeper than %d", xmlTextReaderGetParserLineNumber(r),
					 MAX_DEPTH);
				rc = -1;
				break;
			}
			w->stack[w->depth++] = name ? name : "";
			buf_reset(&w->text);
			rc = w->start ? w->start(w, r, w->stack[w->depth - 1]) : 0;
			if (!rc && empty) {
				rc = w->end(w, w->stack[w->depth - 1], "", 0);
				w->depth--;
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (w->depth > 0) {
				rc = w->end(w, w->stack[w->depth - 1], w->text.s, w->text.len);
				w->depth--;
			}
			buf_reset(&w->text);
		} else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
			   type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || type == XML_READER_TYPE_WHITESPACE) {
			const char *v = (const char *)xmlTextReaderConstValue(r);
			if (v)
				buf_adds(&w->text, v);
		}
	}
	if (!rc && ret < 0) {
		const xmlError *e = xmlGetLastError();
		buf_setf(w->err, "malformed XML at line %d: %s", e ? e->line : xmlTextReaderGetParserLineNumber(r),
			 e && e->message ? e->message : "parse error");
		size_t l = w->err->len;
		while (l && w->err->s[l - 1] == '\n')
			l--;
		buf_truncate(w->err, l);
		rc = -1;
	}
	xmlFreeTextReader(r);
	buf_release(&w->text);
	return rc;
}

/* Delivers a finished record or reports it; 0 or -2. */
static int finish_record(struct walker *w, struct paper *p, const char *bad_field, const char *why)
{
	if (!bad_field && !p->id[0]) {
		bad_field = "id";
		why = "missing or not an arXiv identifier";
	}
	if (!bad_field && !p->title) {
		bad_field = "title";
		why = "missing or empty";
	}
	if (bad_field) {
		w->k->reject(w->k, w->recno, bad_field, why);
		paper_release(p);
		return 0;
	}
	paper_finish(p);
	return w->k->record(w->k, p) ? -2 : 0;
}

static void set_text(char **dst, const char *s, size_t n)
{
	free(*dst);
	*dst = text_collapse_dup(s, n);
}

/* Moves `primary` to the front of the category list. */
static void primary_first(struct strlist *cats, const char *primary)
{
	if (!primary || !*primary)
		return;
	for (size_t i = 0; i < cats->n; i++)
		if (!strcmp(cats->v[i], primary)) {
			char *t = cats->v[i];
			memmove(cats->v + 1, cats->v, i * sizeof(*cats->v));
			cats->v[0] = t;
			return;
		}
	strlist_push(cats, primary, strlen(primary));
	char *t = cats->v[cats->n - 1];
	memmove(cats->v + 1, cats->v, (cats->n - 1) * sizeof(*cats->v));
	cats->v[0] = t;
}

/* ---- Atom --------------------------------------------------------------- */

struct atom {
	bool in_entry, error_entry;
	struct paper p;
	char *primary;
	const char *bad_field, *why;
	struct buf error_text;
};

static int atom_start(struct walker *w, xmlTextReaderPtr r, const char *name)
{
	struct atom *a = w->ctx;
	if (!strcmp(name, "entry")) {
		a->in_entry = true;
		a->error_entry = false;
		a->bad_field = NULL;
		paper_release(&a->p);
		free(a->primary);
		a->primary = NULL;
		w->recno++;
		return 0;
	}
	if (!a->in_entry)
		return 0;
	if (!strcmp(name, "category")) {
		char *t = attr(r, "term");
		if (t && *t)
			strlist_push(&a->p.categories, t, strlen(t));
		free(t);
	} else if (!strcmp(name, "primary_category")) {
		free(a->primary);
		a->primary = attr(r, "term");
	} else if (!strcmp(name, "link")) {
		char *title = attr(r, "title"), *href = attr(r, "href");
		if (title && href && !strcmp(title, "doi") && !a->p.doi) {
			const char *d = strstr(href, "doi.org/");
			a->p.doi = xstrdup(d ? d + 8 : href);
		}
		free(title);
		free(href);
	}
	return 0;
}

static int atom_end(struct walker *w, const char *name, const char *text, size_t len)
{
	struct atom *a = w->ctx;
	if (!a->in_entry)
		return 0;
	struct paper *p = &a->p;
	const char *up = parent(w, 1);
	if (!strcmp(name, "entry")) {
		a->in_entry = false;
		if (a->error_entry) {
			buf_reset(&a->error_text);
			buf_adds(&a->error_text, p->abstract ? p->abstract : "unknown error");
			buf_setf(w->err, "the arXiv API answered with an error: %s", a->error_text.s);
			return -1;
		}
		primary_first(&p->categories, a->primary);
		p->sources = SRC_ARXIV_API;
		return finish_record(w, p, a->bad_field, a->why);
	}
	if (strcmp(up, "entry") && strcmp(up, "author"))
		return 0;
	if (!strcmp(name, "id") && !strcmp(up, "entry")) {
		char *id = text_collapse_dup(text, len);
		if (id && strstr(id, "/api/errors"))
			a->error_entry = true;
		else if (!id || arxiv_id_parse(id, p->id, &p->version)) {
			a->bad_field = "id";
			a->why = "not an arXiv abstract URL";
		}
		free(id);
	} else if (!strcmp(name, "title")) {
		set_text(&p->title, text, len);
	} else if (!strcmp(name, "summary")) {
		set_text(&p->abstract, text, len);
	} else if (!strcmp(name, "published") || !strcmp(name, "updated")) {
		char *t = text_collapse_dup(text, len);
		pb_time v;
		if (!t || time_parse(t, &v)) {
			a->bad_field = name[0] == 'p' ? "published" : "updated";
			a->why = "expected an ISO-8601 date and time: " TIME_SANE_WHY;
		} else if (name[0] == 'p') {
			p->published = v;
		} else {
			p->updated = v;
		}
		free(t);
	} else if (!strcmp(name, "name") && !strcmp(up, "author")) {
		strlist_push_text(&p->authors, text, len);
	} else if (!strcmp(name, "comment")) {
		set_text(&p->comments, text, len);
	} else if (!strcmp(name, "journal_ref")) {
		set_text(&p->journal_ref, text, len);
	} else if (!strcmp(name, "doi")) {
		set_text(&p->doi, text, len);
	}
	return 0;
}

int parse_atom(struct source *src, struct sink *k, struct buf *err)
{
	struct atom a = { 0 };
	paper_init(&a.p);
	buf_init(&a.error_text);
	struct walker w = { .src = src, .k = k, .err = err, .start = atom_start, .end = atom_end, .ctx = &a };
	int rc = walk(&w);
	paper_release(&a.p);
	free(a.primary);
	buf_release(&a.error_text);
	return rc;
}

/* ---- OAI-PMH ------------------------------------------------------------ */

enum oai_fmt { OAI_NONE, OAI_ARXIV, OAI_RAW, OAI_DC };

struct oai {
	bool in_record, deleted;
	enum oai_fmt fmt;
	struct paper p;
	struct strlist sets;
	struct buf fore, key, suffix; /* arXiv-format author parts */
	const char *bad_field, *why;
	int dc_desc, dc_dates;
	char *error_code;
	bool saw_oai;
};

/* "physics:quant-ph" -> "quant-ph", "cs" -> "cs". */
static void set_to_category(struct strlist *cats, const char *set)
{
	const char *c = strchr(set, ':');
	c = c ? c + 1 : set;
	if (*c)
		strlist_push(cats, c, strlen(c));
}

static int oai_start(struct walker *w, xmlTextReaderPtr r, const char *name)
{
	struct oai *o = w->ctx;
	if (!strcmp(name, "OAI-PMH") || !strcmp(name, "ListRecords") || !strcmp(name, "GetRecord"))
		o->saw_oai = true;
	if (!strcmp(name, "record") && !inside(w, "metadata")) {
		o->in_record = true;
		o->deleted = false;
		o->fmt = OAI_NONE;
		o->bad_field = NULL;
		o->dc_desc = o->dc_dates = 0;
		paper_release(&o->p);
		strlist_release(&o->sets);
		w->recno++;
		return 0;
	}
	if (!strcmp(name, "error")) {
		free(o->error_code);
		o->error_code = attr(r, "code");
		if (!o->error_code)
			o->error_code = xstrdup("unknown");
		return 0;
	}
	if (!strcmp(name, "resumptionToken") && w->k->doc) {
		char *size = attr(r, "completeListSize");
		long v;
		if (size && !parse_int(size, 0, INT32_MAX, &v))
			w->k->doc->complete_list_size = v;
		free(size);
		return 0;
	}
	if (!o->in_record)
		return 0;
	if (!strcmp(name, "header")) {
		char *st = attr(r, "status");
		o->deleted = st && !strcmp(st, "deleted");
		free(st);
	} else if (!strcmp(name, "arXiv") && !strcmp(parent(w, 1), "metadata")) {
		o->fmt = OAI_ARXIV;
	} else if (!strcmp(name, "arXivRaw")) {
		o->fmt = OAI_RAW;
	} else if (!strcmp(name, "dc")) {
		o->fmt = OAI_DC;
	} else if (!strcmp(name, "author") && o->fmt == OAI_ARXIV) {
		buf_reset(&o->fore);
		buf_reset(&o->key);
		buf_reset(&o->suffix);
	} else if (!strcmp(name, "version") && o->fmt == OAI_RAW) {
		char *v = attr(r, "version");
		long num;
		if (v && (v[0] == 'v' || v[0] == 'V') && !parse_int(v + 1, 1, 9999, &num) && num > o->p.version)
			o->p.version = (int)num;
		free(v);
	}
	return 0;
}

static void set_time_field(struct oai *o, const char *field, const char *text, size_t len, pb_time *dst, bool keep_min)
{
	char *t = text_collapse_dup(text, len);
	pb_time v;
	if (!t || time_parse(t, &v)) {
		o->bad_field = field;
		o->why = "expected a date: " TIME_SANE_WHY;
	} else if (!*dst || (keep_min ? v < *dst : v > *dst)) {
		*dst = v;
	}
	free(t);
}

/* Ends an <error> outside the records: 0 for noRecordsMatch, else -1 with the error in err. */
static int oai_error_end(struct walker *w, const char *text, size_t len)
{
	struct oai *o = w->ctx;
	if (w->k->doc) {
		snprintf(w->k->doc->oai_error, sizeof(w->k->doc->oai_error), "%s", o->error_code);
		free(w->k->doc->error_text);
		w->k->doc->error_text = text_collapse_dup(text, len);
	}
	char *msg = text_collapse_dup(text, len);
	if (!strcmp(o->error_code, "noRecordsMatch")) {
		free(msg);
		return 0; /* an empty harvest, not a failure */
	}
	buf_setf(w->err, "OAI-PMH error %s: %s", o->error_code, msg ? msg : "");
	free(msg);
	return -1;
}

/* Keeps the resumption token in the sink's document, if there is one. */
static void oai_token_end(struct walker *w, const char *text, size_t len)
{
	if (w->k->doc) {
		free(w->k->doc->resumption_token);
		w->k->doc->resumption_token = text_collapse_dup(text, len);
	}
}

/* Ends a record: skips it, rejects it or delivers it; 0 or -2. */
static int oai_record_end(struct walker *w)
{
	struct oai *o = w->ctx;
	struct paper *p = &o->p;
	o->in_record = false;
	if (o->deleted) {
		w->k->skip(w->k, w->recno, "deleted record");
		paper_release(p);
		return 0;
	}
	if (o->fmt == OAI_NONE) {
		w->k->reject(w->k, w->recno, "metadata", "no arXiv, arXivRaw or oai_dc metadata");
		paper_release(p);
		return 0;
	}
	if (!p->categories.n)
		for (size_t i = 0; i < o->sets.n; i++)
			set_to_category(&p->categories, o->sets.v[i]);
	p->sources = SRC_ARXIV_OAI;
	return finish_record(w, p, o->bad_field, o->why);
}

/* Ends an element of a record's header: the identifier or a set. */
static void oai_header_end(struct oai *o, const char *name, const char *text, size_t len)
{
	struct paper *p = &o->p;
	if (!strcmp(name, "identifier")) {
		char *id = text_collapse_dup(text, len);
		if (!id || arxiv_id_parse(id, p->id, NULL)) {
			o->bad_field = "header.identifier";
			o->why = "not an arXiv OAI identifier";
		}
		free(id);
	} else if (!strcmp(name, "setSpec")) {
		strlist_push_text(&o->sets, text, len);
	}
}

/* Takes the <id> of an arXiv or arXivRaw record, or marks it bad. */
static void oai_arxiv_id(struct oai *o, const char *text, size_t len)
{
	char *id = text_collapse_dup(text, len);
	char tmp[PAPER_ID_MAX];
	if (!id || arxiv_id_parse(id, tmp, NULL)) {
		o->bad_field = "id";
		o->why = "not an arXiv identifier";
	} else {
		memcpy(o->p.id, tmp, sizeof(tmp));
	}
	free(id);
}

/* Adds the author whose parts (forenames, keyname, suffix) were read. */
static void oai_arxiv_author(struct oai *o)
{
	struct buf n = BUF_INIT;
	if (o->fore.len)
		buf_addf(&n, "%s ", o->fore.s);
	buf_add(&n, o->key.s, o->key.len);
	if (o->suffix.len)
		buf_addf(&n, " %s", o->suffix.s);
	if (n.len)
		strlist_push(&o->p.authors, n.s, n.len);
	buf_release(&n);
}

/* Ends an element inside the metadata of an arXiv or arXivRaw record. */
static void oai_arxiv_end(struct walker *w, const char *name, const char *text, size_t len)
{
	struct oai *o = w->ctx;
	struct paper *p = &o->p;
	if (!strcmp(name, "id")) {
		oai_arxiv_id(o, text, len);
	} else if (!strcmp(name, "title")) {
		set_text(&p->title, text, len);
	} else if (!strcmp(name, "abstract")) {
		set_text(&p->abstract, text, len);
	} else if (!strcmp(name, "comments")) {
		set_text(&p->comments, text, len);
	} else if (!strcmp(name, "journal-ref")) {
		set_text(&p->journal_ref, text, len);
	} else if (!strcmp(name, "doi")) {
		set_text(&p->doi, text, len);
	} else if (!strcmp(name, "license")) {
		set_text(&p->license, text, len);
	} else if (!strcmp(name, "categories")) {
		strlist_release(&p->categories);
		char *c = text_collapse_dup(text, len);
		if (c)
			strlist_split(&p->categories, c, strlen(c), ' ');
		free(c);
	} else if (!strcmp(name, "created")) {
		set_time_field(o, "created", text, len, &p->published, true);
	} else if (!strcmp(name, "updated")) {
		set_time_field(o, "updated", text, len, &p->updated, false);
	} else if (!strcmp(name, "date") && !strcmp(parent(w, 1), "version")) {
		set_time_field(o, "version.date", text, len, &p->published, true);
		set_time_field(o, "version.date", text, len, &p->updated, false);
	} else if (!strcmp(name, "authors") && o->fmt == OAI_RAW) {
		char *a = text_collapse_dup(text, len);
		authors_split(&p->authors, a);
		free(a);
	} else if (!strcmp(name, "keyname")) {
		text_collapse(&o->key, text, len);
	} else if (!strcmp(name, "forenames")) {
		text_collapse(&o->fore, text, len);
	} else if (!strcmp(name, "suffix")) {
		text_collapse(&o->suffix, text, len);
	} else if (!strcmp(name, "author") && o->fmt == OAI_ARXIV) {
		oai_arxiv_author(o);
	}
}

/* Adds a dc:creator, "Last, First" turned into "First Last". */
static void oai_dc_creator(struct paper *p, const char *text, size_t len)
{
	char *c = text_collapse_dup(text, len);
	if (c) {
		char *comma = strstr(c, ", ");
		struct buf n = BUF_INIT;
		if (comma) {
			buf_addf(&n, "%s ", comma + 2);
			buf_add(&n, c, (size_t)(comma - c));
		} else {
			buf_adds(&n, c);
		}
		strlist_push(&p->authors, n.s, n.len);
		buf_release(&n);
	}
	free(c);
}

/* Takes a dc:description: "Comment: ..." is the comments, the first other one the abstract. */
static void oai_dc_description(struct oai *o, const char *text, size_t len)
{
	struct paper *p = &o->p;
	char *d = text_collapse_dup(text, len);
	if (d && str_has_prefix(d, "Comment: ")) {
		free(p->comments);
		p->comments = xstrdup(d + 9);
	} else if (d && !o->dc_desc++) {
		free(p->abstract);
		p->abstract = d;
		d = NULL;
	}
	free(d);
}

/* Takes a dc:identifier: a DOI, the arXiv id, or else (when not a URL) the journal reference. */
static void oai_dc_identifier(struct paper *p, const char *text, size_t len)
{
	char *d = text_collapse_dup(text, len);
	char tmp[PAPER_ID_MAX];
	if (!d) {
	} else if (str_has_prefix(d, "doi:")) {
		free(p->doi);
		p->doi = xstrdup(d + 4);
	} else if (!arxiv_id_parse(d, tmp, NULL)) {
		memcpy(p->id, tmp, sizeof(tmp));
	} else if (!str_has_prefix(d, "http")) {
		free(p->journal_ref);
		p->journal_ref = xstrdup(d);
	}
	free(d);
}

/* Ends an element inside the metadata of an oai_dc record. */
static void oai_dc_end(struct oai *o, const char *name, const char *text, size_t len)
{
	struct paper *p = &o->p;
	if (!strcmp(name, "title")) {
		set_text(&p->title, text, len);
	} else if (!strcmp(name, "creator")) {
		oai_dc_creator(p, text, len);
	} else if (!strcmp(name, "description")) {
		oai_dc_description(o, text, len);
	} else if (!strcmp(name, "date")) {
		set_time_field(o, "date", text, len, &p->published, true);
		if (o->dc_dates++)
			set_time_field(o, "date", text, len, &p->updated, false);
	} else if (!strcmp(name, "identifier")) {
		oai_dc_identifier(p, text, len);
	}
}

/* Ends an element of an OAI-PMH response; 0, -1 (err set) or -2. */
static int oai_end(struct walker *w, const char *name, const char *text, size_t len)
{
	struct oai *o = w->ctx;
	if (!strcmp(name, "error") && !o->in_record)
		return oai_error_end(w, text, len);
	if (!strcmp(name, "resumptionToken")) {
		oai_token_end(w, text, len);
		return 0;
	}
	if (!o->in_record)
		return 0;
	if (!strcmp(name, "record") && !inside(w, "metadata"))
		return oai_record_end(w);
	if (inside(w, "header")) {
		oai_header_end(o, name, text, len);
		return 0;
	}
	switch (o->fmt) {
	case OAI_ARXIV:
	case OAI_RAW:
		oai_arxiv_end(w, name, text, len);
		break;
	case OAI_DC:
		oai_dc_end(o, name, text, len);
		break;
	default:
		break;
	}
	return 0;
}

int parse_oai(struct source *src, struct sink *k, struct buf *err)
{
	struct oai o = { 0 };
	paper_init(&o.p);
	buf_init(&o.fore);
	buf_init(&o.key);
	buf_init(&o.suffix);
	struct walker w = { .src = src, .k = k, .err = err, .start = oai_start, .end = oai_end, .ctx = &o };
	int rc = walk(&w);
	if (!rc && !o.saw_oai && !w.recno) {
		buf_setf(err, "not an OAI-PMH response (no OAI-PMH, ListRecords, GetRecord or record element)");
		rc = -1;
	}
	paper_release(&o.p);
	strlist_release(&o.sets);
	buf_release(&o.fore);
	buf_release(&o.key);
	buf_release(&o.suffix);
	free(o.error_code);
	return rc;
}
