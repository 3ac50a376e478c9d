/*
 * cli.c - the command table and the handlers of the commands. Options are
 * declared once per command (name, argument, help) and the same table
 * parses the command line and prints the help.
 */
#include "cli.h"
#include "../fetch/fetch.h"
#include "../ingest/ingest.h"
#include "../search/search.h"
#include "../media/media.h"
#include "../service/service.h"
#include "../store/store.h"
#include "../web/web.h"
#include "../mail/mail.h"
#include <libxml/parser.h>
#include <sodium.h>
#include <unistd.h>

#define MAX_OPTS 48

struct opt {
	const char *name; /* without "--" */
	const char *arg;  /* metavariable, or NULL for a flag */
	const char *help;
};

struct args {
	const char *db;
	const char *index; /* NULL: the one beside the database (search_index_path) */
	bool quiet;        /* no progress line */
	const char *val[MAX_OPTS]; /* by index into the command's opts */
	char **pos;
	int npos;
	const struct command *cmd;
};

struct command {
	const char *name;
	const char *synopsis;
	const char *summary;
	const struct opt opts[MAX_OPTS];
	int (*run)(struct args *a);
	int min_pos, max_pos; /* positional arguments (-1: any number) */
};

static const struct command commands[];

/* The options of every command, given before the command's name; like a
 * command's own, each may come from the environment or the file too. */
static const struct command global = {
	"", "", "",
	{ { "db", "URL", "the store: a SQLite file (PATH or sqlite:PATH) or postgresql://user@host:port/dbname "
			 "(default ./paperboy.db)" },
	  { "index", "PATH", "the search index (default DB.search beside a SQLite file, DBNAME.search in the "
			     "working directory for PostgreSQL)" },
	  { "vectors", "FILE", "the word vectors of semantic search (default: the ones scripts/setup.sh installs)" },
	  { "index-memory", "MB", "postings an index build holds before spilling them beside the index (default 256; "
				  "the build's peak is about twice this plus 130 bytes a paper)" },
	  { "config", "FILE", "\"option = value\" lines, used when neither the flag nor $PAPERBOY_OPTION is set" },
	  { "no-progress", NULL, "no progress line, even on a terminal" } },
	NULL, 0, 0,
};

/* The configuration file (--config FILE or $PAPERBOY_CONFIG): "key = value"
 * lines, '#' comments; keys are option names ("base-url"). */
static struct strlist conf_k, conf_v;

static int load_config(const char *path)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	if (read_file(path, &text, &err)) {
		error("%s", err.s);
		buf_release(&err);
		return -1;
	}
	int line = 0, ret = 0;
	for (char *s = text.s, *next; s && *s; s = next) {
		next = strchr(s, '\n');
		if (next)
			*next++ = '\0';
		line++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			ret = error("%s:%d: expected 'key = value'", path, line);
			break;
		}
		char *ke = eq;
		while (ke > s && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		char *v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vn = strlen(v);
		while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t' || v[vn - 1] == '\r'))
			vn--;
		strlist_push(&conf_k, s, (size_t)(ke - s));
		strlist_push(&conf_v, v, vn);
	}
	buf_release(&text);
	return ret;
}

/* An option's value: the command line, else $PAPERBOY_NAME (upper case,
 * '-' as '_'), else the configuration file; NULL when none. */
static const char *opt_val(const struct args *a, const char *name)
{
	for (int i = 0; i < MAX_OPTS && a->cmd->opts[i].name; i++) {
		if (strcmp(a->cmd->opts[i].name, name))
			continue;
		if (a->val[i])
			return a->val[i];
		char env[64] = "PAPERBOY_";
		size_t k = strlen(env);
		for (const char *p = name; *p && k + 1 < sizeof(env); p++)
			env[k++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		env[k] = '\0';
		const char *e = getenv(env);
		if (e && *e)
			return e;
		/* names the documentation promises besides the regular ones */
		static const char *const alias[][2] = { { "smtp", "PAPERBOY_SMTP_URL" } };
		for (size_t j = 0; j < ARRAY_SIZE(alias); j++)
			if (!strcmp(alias[j][0], name) && (e = getenv(alias[j][1])) && *e)
				return e;
		for (size_t j = conf_k.n; j-- > 0;)
			if (!strcmp(conf_k.v[j], name))
				return conf_v.v[j];
		return NULL;
	}
	BUG("command %s has no option --%s", a->cmd->name, name);
}

static int usage_error(const struct command *c, const char *fmt, ...) PB_PRINTF(2, 3);
static int usage_error(const struct command *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("paperboy: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (c)
		fprintf(stderr, "\nusage: paperboy %s %s\n(see 'paperboy %s --help')\n", c->name, c->synopsis, c->name);
	else
		fputs("\n(see 'paperboy help')\n", stderr);
	return EXIT_USAGE;
}

static void print_command_help(const struct command *c, FILE *out)
{
	fprintf(out, "usage: paperboy [--db URL] %s %s\n\n%s\n", c->name, c->synopsis, c->summary);
	if (c->opts[0].name) {
		fputs("\noptions:\n", out);
		for (int i = 0; i < MAX_OPTS && c->opts[i].name; i++) {
			char left[64];
			snprintf(left, sizeof(left), "--%s%s%s", c->opts[i].name, c->opts[i].arg ? " " : "",
				 c->opts[i].arg ? c->opts[i].arg : "");
			fprintf(out, "  %-24s %s\n", left, c->opts[i].help);
		}
	}
}

static void print_help(FILE *out)
{
	fputs("usage: paperboy [--db URL] [--index PATH] [OPTIONS] COMMAND [ARGS...]\n\n"
	      "paperboy: a self-hosted research-paper discovery service.\n\n"
	      "options of every command (before its name; or $PAPERBOY_OPTION, or the --config file):\n",
	      out);
	for (const struct opt *o = global.opts; o->name; o++) {
		char head[64];
		snprintf(head, sizeof(head), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-18s %s\n", head, o->help);
	}
	fputs("\ncommands:\n", out);
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-8s %s\n", c->name, c->summary);
	fputs("\n'paperboy COMMAND --help' tells more about one command.\n", out);
}

/* Parses the command's options; returns 0, or an exit status to stop with. */
static int parse_args(const struct command *c, int argc, char **argv, struct args *a)
{
	a->cmd = c;
	a->pos = xcalloc((size_t)argc + 1, sizeof(char *));
	bool only_pos = false;
	for (int i = 0; i < argc; i++) {
		char *s = argv[i];
		if (only_pos || s[0] != '-' || !strcmp(s, "-")) {
			a->pos[a->npos++] = s;
			continue;
		}
		if (!strcmp(s, "--")) {
			only_pos = true;
			continue;
		}
		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			print_command_help(c, stdout);
			return -EXIT_OK - 1;
		}
		if (s[1] != '-')
			return -usage_error(c, "%s: unknown option '%s'", c->name, s) - 1;
		const char *name = s + 2;
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		int k = -1;
		for (int j = 0; j < MAX_OPTS && c->opts[j].name; j++)
			if (strlen(c->opts[j].name) == nlen && !strncmp(c->opts[j].name, name, nlen))
				k = j;
		if (k < 0)
			return -usage_error(c, "%s: unknown option '--%.*s'", c->name, (int)nlen, name) - 1;
		if (!c->opts[k].arg) {
			if (eq)
				return -usage_error(c, "%s: option '--%s' takes no value", c->name, c->opts[k].name) - 1;
			a->val[k] = "1";
		} else if (eq) {
			a->val[k] = eq + 1;
		} else if (i + 1 < argc) {
			a->val[k] = argv[++i];
		} else {
			return -usage_error(c, "%s: option '--%s' needs a value (%s)", c->name, c->opts[k].name,
					    c->opts[k].arg) - 1;
		}
	}
	if (a->npos < c->min_pos)
		return -usage_error(c, "%s: missing argument", c->name) - 1;
	if (c->max_pos >= 0 && a->npos > c->max_pos)
		return -usage_error(c, "%s: unexpected argument '%s'", c->name, a->pos[c->max_pos]) - 1;
	return 0;
}

/* The search index: --index, else the one that belongs to the database. */
static void index_path(const struct args *a, struct buf *out)
{
	if (a->index) {
		buf_reset(out);
		buf_adds(out, a->index);
	} else {
		search_index_path(a->db, out);
	}
}

static struct store *open_store(const struct args *a, unsigned flags)
{
	struct store *s;
	struct buf err = BUF_INIT;
	if (store_open(a->db, flags, &s, &err)) {
		error("%s", err.s);
		buf_release(&err);
		return NULL;
	}
	buf_release(&err);
	return s;
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	puts(s);
	free(s);
}

/* After papers were written: brings the search index up to date (builds it
 * when there is none), so that they are searchable at once. */
static void refresh_index(const struct args *a, struct store *s)
{
	struct buf path = BUF_INIT, err = BUF_INIT;
	index_path(a, &path);
	uint64_t added = 0;
	bool built = false;
	double t0 = mono_seconds();
	if (svc_index_catch_up(s, path.s, &added, &built, &err))
		error("index update: %s (the index is as it was; 'paperboy index rebuild' remakes it)", err.s);
	else if (built)
		fprintf(stderr, "index: built in %.2f s\n", mono_seconds() - t0);
	else if (added)
		fprintf(stderr, "index: %llu papers indexed in %.2f s\n", (unsigned long long)added, mono_seconds() - t0);
	buf_release(&path);
	buf_release(&err);
}

/* ---- init --------------------------------------------------------------- */

static int cmd_init(struct args *a)
{
	struct store *s = open_store(a, STORE_CREATE);
	if (!s)
		return EXIT_FAIL;
	char *shown = store_url_redact(a->db);
	printf("paperboy: database %s ready (schema version %d)\n", shown, store_schema_version(s));
	free(shown);
	store_close(s);
	return EXIT_OK;
}

/* ---- ingest ------------------------------------------------------------- */

static int parse_format(const struct args *a, enum ingest_format *f)
{
	const char *v = opt_val(a, "format");
	*f = INGEST_AUTO;
	if (v && ingest_format_parse(v, f))
		return usage_error(a->cmd, "%s: --format: unknown format '%s' (auto, hf, arxiv-atom, arxiv-oai, arxiv-jsonl)",
				   a->cmd->name, v);
	return 0;
}

static int cmd_ingest(struct args *a)
{
	struct ingest_opts o = { .strict = opt_val(a, "strict") != NULL, .progress = true };
	if (parse_format(a, &o.format))
		return EXIT_USAGE;
	const char *batch = opt_val(a, "batch");
	long b = 0;
	if (batch && parse_int(batch, 1, 1000000, &b))
		return usage_error(a->cmd, "ingest: --batch: expected a number from 1 to 1000000");
	o.batch = (size_t)b;
	const char *at = opt_val(a, "at");
	if (at && (time_parse(at, &o.seen_at) || o.seen_at <= 0))
		return usage_error(a->cmd, "ingest: --at: expected a time such as 2026-12-01T10:00:00Z, got '%s'", at);
	struct store *s = open_store(a, 0);
	if (!s)
		return EXIT_FAIL;
	struct ingest *g = ingest_new(s, &o);
	double t0 = mono_seconds();
	int worst = 0;
	for (int i = 0; i < a->npos; i++) {
		int rc = ingest_path(g, a->pos[i]);
		if (rc < 0) {
			worst = -1;
			break;
		}
		if (rc > worst)
			worst = rc;
	}
	ingest_print_summary(g, stderr, mono_seconds() - t0);
	ingest_free(g);
	if (worst >= 0)
		if (!opt_val(a, "no-index"))
			refresh_index(a, s);
	store_close(s);
	return worst ? EXIT_FAIL : EXIT_OK;
}

/* ---- fetch -------------------------------------------------------------- */

struct missing_cats {
	struct strlist ids;
};

static int featured_without_categories(const struct paper *p, void *ctx)
{
	struct missing_cats *m = ctx;
	if (p->hf_day[0] && !p->categories.n)
		strlist_push(&m->ids, p->id, strlen(p->id));
	return 0;
}

/* fetch arxiv --ids: the papers named (comma-separated), or "featured":
 * every featured paper without arXiv categories (Hugging Face gives none),
 * from the arXiv API, a hundred a request. */
static int fetch_ids(struct store *s, struct ingest *g, const struct fetch_opts *o, const char *ids, struct buf *err)
{
	struct missing_cats m = { STRLIST_INIT };
	if (!strcmp(ids, "featured")) {
		if (store_paper_scan(s, featured_without_categories, &m, err))
			return -1;
	} else {
		strlist_split(&m.ids, ids, strlen(ids), ',');
		for (size_t i = 0; i < m.ids.n; i++) {
			char id[PAPER_ID_MAX];
			if (arxiv_id_parse(m.ids.v[i], id, NULL)) {
				buf_setf(err, "--ids: \"%s\" is not an arXiv id", m.ids.v[i]);
				strlist_release(&m.ids);
				return -1;
			}
		}
	}
	fprintf(stderr, "paperboy: fetch arxiv: %zu papers to fetch by id\n", m.ids.n);
	struct fetch_opts ao = *o;
	if (!ao.endpoint)
		ao.endpoint = FETCH_ARXIV_API_ENDPOINT;
	int rc = 0;
	for (size_t i = 0; i < m.ids.n && !rc; i += 100) {
		struct buf chunk = BUF_INIT;
		for (size_t j = i; j < m.ids.n && j < i + 100; j++) {
			char id[PAPER_ID_MAX];
			if (!arxiv_id_parse(m.ids.v[j], id, NULL))
				buf_addf(&chunk, "%s%s", chunk.len ? "," : "", id);
		}
		if (i > 0 && ao.delay > 0)
			usleep((useconds_t)(ao.delay * 1e6));
		rc = fetch_arxiv_api_ids(g, &ao, chunk.s, err);
		buf_release(&chunk);
	}
	strlist_release(&m.ids);
	return rc;
}

static int opt_seconds(struct args *a, const char *name, double min, double max, double *out, const char *give);

/* fetch hf, after the day: the Hub's models, datasets and Spaces citing
 * the day's papers (those not asked about in the last day). 0, or 1 when
 * some were not stored (each said). */
static int fetch_hf_links(struct store *s, const struct fetch_opts *o)
{
	char day[16];
	if (o->date)
		snprintf(day, sizeof(day), "%s", o->date);
	else
		time_format_day(time_now_ms(), day);
	struct fetch_links_result r;
	struct buf err = BUF_INIT;
	int rc = fetch_links(s, o, day, day, FETCH_LINKS_PER_RUN, &r, &err);
	for (size_t i = 0; i < r.failures.n; i++)
		error("fetch hf: linked repos: %s", r.failures.v[i]);
	if (rc < 0)
		error("fetch hf: linked repos: %s", err.s);
	else
		fprintf(stderr, "fetch hf: linked repos: %zu papers asked about, %zu stored, %zu failed\n", r.due,
			r.stored, r.failed);
	fetch_links_result_release(&r);
	buf_release(&err);
	return rc ? 1 : 0;
}

/* The ids of --ids for fetch pdf (parsed, without versions) into out; -1
 * with err for one that is not an arXiv id. */
static int pdf_ids(const char *list, struct strlist *out, struct buf *err)
{
	struct strlist raw = STRLIST_INIT;
	strlist_split(&raw, list, strlen(list), ',');
	int rc = 0;
	for (size_t i = 0; i < raw.n && !rc; i++) {
		char id[PAPER_ID_MAX];
		if (arxiv_id_parse(raw.v[i], id, NULL)) {
			buf_setf(err, "--ids: \"%s\" is not an arXiv id", raw.v[i]);
			rc = -1;
		} else {
			strlist_push(out, id, strlen(id));
		}
	}
	strlist_release(&raw);
	return rc;
}

/* paperboy fetch pdf --ids ID,... | --featured [--since D]: full texts. */
static int cmd_fetch_pdf(struct args *a, struct fetch_opts *o)
{
	const char *ids = opt_val(a, "ids"), *since = opt_val(a, "since");
	bool featured = opt_val(a, "featured") != NULL;
	if (!ids == !featured)
		return usage_error(a->cmd, "fetch pdf: give --ids ID,... or --featured");
	if (since && (ids || day_parse(since, NULL)))
		return usage_error(a->cmd, "fetch pdf: --since YYYY-MM-DD goes with --featured");
	o->refresh = opt_val(a, "refresh") != NULL;
	if (opt_seconds(a, "retry-wait", 0, 30 * 86400, &o->retry_wait, "give seconds from 0 to 2592000"))
		return EXIT_USAGE;
	struct strlist list = STRLIST_INIT;
	struct buf err = BUF_INIT;
	if (ids && pdf_ids(ids, &list, &err)) {
		strlist_release(&list);
		int rc = usage_error(a->cmd, "fetch pdf: %s", err.s);
		buf_release(&err);
		return rc;
	}
	struct store *s = open_store(a, 0);
	if (!s) {
		strlist_release(&list);
		return EXIT_FAIL;
	}
	struct fetch_pdf_result r;
	int rc = fetch_pdf(s, o, ids ? &list : NULL, since, &r, &err);
	for (size_t i = 0; i < r.notes.n; i++)
		fprintf(stderr, "fetch pdf: %s\n", r.notes.v[i]);
	for (size_t i = 0; i < r.failures.n; i++)
		error("fetch pdf: %s", r.failures.v[i]);
	if (rc < 0)
		error("fetch pdf: %s", err.s);
	fprintf(stderr, "fetch pdf: %zu papers: %zu stored, %zu unchanged, %zu skipped (done, or failed and not due yet), "
			"%zu failed\n",
		r.due, r.stored, r.unchanged, r.skipped, r.failed);
	fetch_pdf_result_release(&r);
	if (rc >= 0 && r.stored)
		refresh_index(a, s);
	store_close(s);
	strlist_release(&list);
	buf_release(&err);
	return rc ? EXIT_FAIL : EXIT_OK;
}

static int cmd_fetch(struct args *a)
{
	const char *what = a->pos[0];
	bool arxiv = !strcmp(what, "arxiv"), hf = !strcmp(what, "hf"), pdf = !strcmp(what, "pdf");
	if (!arxiv && !hf && !pdf)
		return usage_error(a->cmd, "fetch: unknown source '%s' (arxiv, hf or pdf)", what);
	struct fetch_opts o;
	fetch_opts_init(&o);
	o.endpoint = opt_val(a, "endpoint");
	o.set = opt_val(a, "set");
	o.from = opt_val(a, "from");
	o.until = opt_val(a, "until");
	o.date = opt_val(a, "date");
	const char *delay = opt_val(a, "delay");
	if (delay) {
		char *end;
		o.delay = strtod(delay, &end);
		if (*end || o.delay < 0 || o.delay > 3600)
			return usage_error(a->cmd, "fetch: --delay: expected seconds between 0 and 3600");
	}
	const char *retries = opt_val(a, "retries");
	long r;
	if (retries) {
		if (parse_int(retries, 0, 100, &r))
			return usage_error(a->cmd, "fetch: --retries: expected a number from 0 to 100");
		o.max_retries = (int)r;
	}
	if (opt_seconds(a, "hub-delay", 0, 3600, &o.hub_delay, "give seconds from 0 to 3600"))
		return EXIT_USAGE;
	o.progress = true;
	if (pdf)
		return cmd_fetch_pdf(a, &o);
	if (opt_val(a, "featured") || opt_val(a, "since") || opt_val(a, "refresh") || opt_val(a, "retry-wait"))
		return usage_error(a->cmd, "fetch: --featured, --since, --refresh and --retry-wait are for 'fetch pdf'");
	bool links = hf && !opt_val(a, "no-links");
	const char *days[][2] = { { "--from", o.from }, { "--until", o.until }, { "--date", o.date } };
	for (size_t i = 0; i < ARRAY_SIZE(days); i++)
		if (days[i][1] && day_parse(days[i][1], NULL))
			return usage_error(a->cmd, "fetch: %s: expected YYYY-MM-DD, got '%s'", days[i][0], days[i][1]);
	if (hf && (o.set || o.from || o.until))
		return usage_error(a->cmd, "fetch hf: --set, --from and --until are for 'fetch arxiv'");
	if (arxiv && o.date)
		return usage_error(a->cmd, "fetch arxiv: --date is for 'fetch hf' (use --from/--until)");
	const char *ids = opt_val(a, "ids");
	if (ids && (hf || o.set || o.from || o.until))
		return usage_error(a->cmd, "fetch: --ids is for 'fetch arxiv' alone (not with --set, --from, --until)");
	struct store *s = open_store(a, 0);
	if (!s)
		return EXIT_FAIL;
	struct ingest_opts io = { .progress = true };
	struct ingest *g = ingest_new(s, &io);
	struct buf err = BUF_INIT;
	double t0 = mono_seconds();
	int rc = ids ? fetch_ids(s, g, &o, ids, &err) : arxiv ? fetch_arxiv(s, g, &o, &err) : fetch_hf(s, g, &o, &err);
	if (rc < 0)
		error("fetch %s: %s", what, err.s);
	ingest_print_summary(g, stderr, mono_seconds() - t0);
	ingest_free(g);
	refresh_index(a, s);
	if (links && rc >= 0 && fetch_hf_links(s, &o))
		rc = 1;
	store_close(s);
	buf_release(&err);
	return rc ? EXIT_FAIL : EXIT_OK;
}

/* ---- show / list -------------------------------------------------------- */

static void print_paper_line(const struct paper *p)
{
	char day[16];
	paper_feed_day(p, day);
	printf("%-16s %s %4d  %s", p->id, day, p->upvotes > 0 ? p->upvotes : 0, p->title ? p->title : "");
	if (p->authors.n)
		printf(" — %s%s", p->authors.v[0], p->authors.n > 1 ? " et al." : "");
	putchar('\n');
}

static void print_paper_long(const struct paper *p)
{
	char t[32];
	printf("%s%s%.0d  %s\n", p->id, p->version ? "v" : "", p->version, p->title ? p->title : "");
	if (p->authors.n) {
		struct buf b = BUF_INIT;
		strlist_join(&p->authors, ", ", &b);
		printf("authors:     %s\n", b.s);
		buf_release(&b);
	}
	if (p->categories.n) {
		struct buf b = BUF_INIT;
		strlist_join(&p->categories, " ", &b);
		printf("categories:  %s\n", b.s);
		buf_release(&b);
	}
	if (p->published) {
		time_format_iso(p->published, t);
		printf("published:   %s\n", t);
	}
	if (p->updated) {
		time_format_iso(p->updated, t);
		printf("updated:     %s\n", t);
	}
#define LINE(label, v) if (v) printf("%-13s%s\n", label ":", v)
	LINE("doi", p->doi);
	LINE("journal", p->journal_ref);
	LINE("comments", p->comments);
	LINE("license", p->license);
	LINE("code", p->code_url);
	LINE("project", p->project_page);
	if (p->hf_day[0])
		printf("daily:       %s, %d upvotes, %d comments%s%s\n", p->hf_day, p->upvotes > 0 ? p->upvotes : 0,
		       p->num_comments > 0 ? p->num_comments : 0, p->submitter ? ", submitted by " : "",
		       p->submitter ? p->submitter : "");
	LINE("ai summary", p->ai_summary);
#undef LINE
	printf("abs:         https://arxiv.org/abs/%s\n", p->id);
	if (p->abstract)
		printf("\n%s\n", p->abstract);
}

/* One paper, or several in the order given: with --json one object, or an
 * array of them (null where an id is not in the store); an id not in the
 * store is named, the others shown, and the exit status says so. */
static int cmd_show(struct args *a)
{
	char (*ids)[PAPER_ID_MAX] = xcalloc((size_t)a->npos, sizeof(*ids));
	for (int i = 0; i < a->npos; i++)
		if (arxiv_id_parse(a->pos[i], ids[i], NULL)) {
			free(ids);
			return usage_error(a->cmd, "show: '%s' is not an arXiv id or URL", a->pos[i]);
		}
	struct store *s = open_store(a, 0);
	if (!s) {
		free(ids);
		return EXIT_FAIL;
	}
	bool json = opt_val(a, "json") != NULL, many = a->npos > 1;
	json_t *arr = json && many ? json_array() : NULL;
	struct paper p;
	struct buf err = BUF_INIT;
	int ret = EXIT_OK, shown = 0;
	for (int i = 0; i < a->npos; i++) {
		paper_init(&p);
		int rc = store_paper_get(s, ids[i], &p, &err);
		if (rc < 0) {
			error("show: %s", err.s);
			ret = EXIT_FAIL;
		} else if (rc == 1) {
			char *where = store_url_redact(a->db);
			error("show: %s: no such paper in %s", ids[i], where);
			free(where);
			ret = EXIT_FAIL;
			if (arr)
				json_array_append_new(arr, json_null()); /* in its place */
		} else if (arr) {
			json_array_append_new(arr, paper_to_json(&p));
		} else if (json) {
			json_t *j = paper_to_json(&p);
			print_json(j);
			json_decref(j);
		} else {
			if (shown++)
				putchar('\n');
			print_paper_long(&p);
		}
		paper_release(&p);
		if (rc < 0)
			break; /* the store failed: the rest would too */
	}
	if (arr) {
		if (a->npos == (int)json_array_size(arr)) /* else a part, not in the ids' places: none */
			print_json(arr);
		json_decref(arr);
	}
	buf_release(&err);
	store_close(s);
	free(ids);
	return ret;
}

struct list_ctx {
	json_t *arr;
	size_t n;
};

static int list_one(const struct paper *p, void *ctx)
{
	struct list_ctx *l = ctx;
	l->n++;
	if (l->arr)
		json_array_append_new(l->arr, paper_to_json(p));
	else
		print_paper_line(p);
	return 0;
}

static int list_gain(const struct paper *p, const struct star_gain *g, void *ctx)
{
	struct list_ctx *l = ctx;
	l->n++;
	if (l->arr) {
		json_t *j = paper_to_json(p);
		json_object_set_new(j, "githubStars", json_integer(g->stars));
		json_object_set_new(j, "githubStarsGained", json_integer(g->gained));
		json_array_append_new(l->arr, j);
	} else {
		printf("%+7d  %7d  %-16s %s\n", g->gained, g->stars, p->id, p->title ? p->title : "");
	}
	return 0;
}

/* list --sort stars: trending by code, the store's rule (any day). */
static int list_by_stars(struct args *a, const struct store_query *q)
{
	struct store *s = open_store(a, 0);
	if (!s)
		return EXIT_FAIL;
	struct buf err = BUF_INIT;
	struct list_ctx l = { .arr = opt_val(a, "json") ? json_array() : NULL };
	int ret = EXIT_OK;
	if (store_stars_trending(s, 0, q->limit, q->offset, list_gain, &l, &err)) {
		error("list: %s", err.s);
		ret = EXIT_FAIL;
	} else if (l.arr) {
		print_json(l.arr);
	} else if (!l.n) {
		fprintf(stderr, "paperboy: list: no papers with a history of GitHub stars\n");
	}
	json_decref(l.arr);
	buf_release(&err);
	store_close(s);
	return ret;
}

static int cmd_list(struct args *a)
{
	const char *date = opt_val(a, "date"), *week = opt_val(a, "week"), *month = opt_val(a, "month");
	if (!!date + !!week + !!month > 1)
		return usage_error(a->cmd, "list: give one of --date, --week and --month");
	struct store_query q = { .sort = SORT_PUBLISHED, .limit = 50 };
	const char *sort = opt_val(a, "sort"), *limit = opt_val(a, "limit"), *offset = opt_val(a, "offset");
	if (sort && !strcmp(sort, "upvotes"))
		q.sort = SORT_UPVOTES;
	else if (sort && strcmp(sort, "published") && strcmp(sort, "stars"))
		return usage_error(a->cmd, "list: --sort: expected 'published', 'upvotes' or 'stars', got '%s'", sort);
	long v;
	if (limit) {
		if (parse_int(limit, 1, 100000, &v))
			return usage_error(a->cmd, "list: --limit: expected a number from 1 to 100000, got '%s'", limit);
		q.limit = (size_t)v;
	}
	if (offset) {
		if (parse_int(offset, 0, 100000000, &v))
			return usage_error(a->cmd, "list: --offset: expected a non-negative number, got '%s'", offset);
		q.offset = (size_t)v;
	}
	pb_time t;
	if (date) {
		if (day_parse(date, &t))
			return usage_error(a->cmd, "list: --date: expected YYYY-MM-DD, got '%s'", date);
		snprintf(q.day_from, sizeof(q.day_from), "%s", date);
		time_format_day(t + 86400000LL, q.day_to);
	} else if (week) {
		if (week_range(week, q.day_from, q.day_to))
			return usage_error(a->cmd, "list: --week: expected an ISO week YYYY-Www, got '%s'", week);
	} else if (month) {
		if (month_range(month, q.day_from, q.day_to))
			return usage_error(a->cmd, "list: --month: expected YYYY-MM, got '%s'", month);
	}
	if (sort && !strcmp(sort, "stars"))
		return date || week || month ? usage_error(a->cmd, "list: --sort stars ranks every paper: no period")
					     : list_by_stars(a, &q);
	struct store *s = open_store(a, 0);
	if (!s)
		return EXIT_FAIL;
	struct buf err = BUF_INIT;
	int ret = EXIT_OK;
	if (!date && !week && !month) {
		/* the newest day with papers, as the daily page shows */
		if (store_latest_day(s, NULL, q.day_from, &err)) {
			error("list: %s", err.s);
			ret = EXIT_FAIL;
		} else if (q.day_from[0]) {
			day_parse(q.day_from, &t);
			time_format_day(t + 86400000LL, q.day_to);
		}
	}
	struct list_ctx l = { .arr = opt_val(a, "json") ? json_array() : NULL };
	if (ret == EXIT_OK && q.day_from[0] && store_paper_list(s, &q, list_one, &l, &err)) {
		error("list: %s", err.s);
		ret = EXIT_FAIL;
	}
	if (l.arr) {
		if (ret == EXIT_OK)
			print_json(l.arr);
		json_decref(l.arr);
	} else if (ret == EXIT_OK && !l.n) {
		fprintf(stderr, "paperboy: list: no papers%s%s\n", q.day_from[0] ? " from " : " in the database",
			q.day_from);
	}
	buf_release(&err);
	store_close(s);
	return ret;
}

/* ---- stats -------------------------------------------------------------- */

static int cmd_stats(struct args *a)
{
	struct store *s = open_store(a, 0);
	if (!s)
		return EXIT_FAIL;
	struct store_stats st;
	struct buf err = BUF_INIT;
	int ret = EXIT_OK;
	if (store_stats(s, &st, &err)) {
		error("stats: %s", err.s);
		ret = EXIT_FAIL;
	} else if (opt_val(a, "json")) {
		json_t *j = json_pack("{s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I},s:s?,s:s?,s:I,s:i}", "papers",
				      (json_int_t)st.papers, "featured", (json_int_t)st.featured, "withCode",
				      (json_int_t)st.with_code, "withAbstract", (json_int_t)st.with_abstract, "sources",
				      "hf", (json_int_t)st.by_source[0], "arxivApi", (json_int_t)st.by_source[1],
				      "arxivOai", (json_int_t)st.by_source[2], "arxivSnapshot", (json_int_t)st.by_source[3],
				      "firstDay", st.first_day[0] ? st.first_day : NULL, "lastDay",
				      st.last_day[0] ? st.last_day : NULL, "databaseBytes", (json_int_t)st.db_bytes,
				      "schemaVersion", st.schema_version);
		print_json(j);
		json_decref(j);
	} else {
		printf("papers:          %lld\n", (long long)st.papers);
		printf("featured daily:  %lld\n", (long long)st.featured);
		printf("with code:       %lld\n", (long long)st.with_code);
		printf("with abstract:   %lld\n", (long long)st.with_abstract);
		printf("from sources:    hf %lld, arXiv API %lld, OAI-PMH %lld, snapshot %lld\n",
		       (long long)st.by_source[0], (long long)st.by_source[1], (long long)st.by_source[2],
		       (long long)st.by_source[3]);
		printf("days:            %s .. %s\n", st.first_day[0] ? st.first_day : "-",
		       st.last_day[0] ? st.last_day : "-");
		char *shown = store_url_redact(a->db);
		printf("database:        %s, %.1f MB, schema version %d\n", shown, (double)st.db_bytes / 1e6,
		       st.schema_version);
		free(shown);
	}
	buf_release(&err);
	store_close(s);
	return ret;
}

/* ---- migrate --------------------------------------------------------------- */

static int cmd_migrate(struct args *a)
{
	const char *from_url = a->pos[0], *to_url = a->pos[1];
	if (!strcmp(from_url, to_url)) {
		error("migrate: the source and the target are the same store");
		return EXIT_USAGE;
	}
	struct store *from = NULL, *to = NULL;
	struct buf err = BUF_INIT;
	int ret = EXIT_FAIL;
	if (store_open(from_url, 0, &from, &err)) {
		error("migrate: %s", err.s);
		goto out;
	}
	if (store_open(to_url, STORE_CREATE, &to, &err)) {
		error("migrate: %s", err.s);
		goto out;
	}
	struct store_migrate_report rep;
	bool quiet = a->quiet;
	int rc = store_migrate(from, to, opt_val(a, "replace") != NULL, !quiet, &rep, &err);
	for (size_t i = 0; i < rep.ntables; i++)
		fprintf(stderr, "migrate: %-14s %10lld rows  checksum %016llx\n", rep.tables[i].table,
			(long long)rep.tables[i].rows, (unsigned long long)rep.tables[i].checksum);
	if (rc) {
		error("migrate: %s", err.s);
		goto out;
	}
	int64_t rows = 0;
	for (size_t i = 0; i < rep.ntables; i++)
		rows += rep.tables[i].rows;
	char *f = store_url_redact(from_url), *t = store_url_redact(to_url);
	fprintf(stderr, "migrate: %lld rows of %zu tables copied from %s (%s) to %s (%s) and verified in %.2f s\n",
		(long long)rows, rep.ntables, f, store_backend(from), t, store_backend(to), rep.seconds);
	free(f);
	free(t);
	ret = EXIT_OK;
out:
	store_close(from);
	store_close(to);
	buf_release(&err);
	return ret;
}

/* ---- search / index ---------------------------------------------------- */

static int cmd_index(struct args *a)
{
	const char *what = a->pos[0];
	struct buf path = BUF_INIT, err = BUF_INIT;
	index_path(a, &path);
	int ret = EXIT_OK;
	if (!strcmp(what, "rebuild")) {
		struct store *s = open_store(a, 0);
		if (!s) {
			buf_release(&path);
			return EXIT_FAIL;
		}
		double t0 = mono_seconds();
		if (search_index_build(s, path.s, &err)) {
			error("index rebuild: %s", err.s);
			ret = EXIT_FAIL;
		} else {
			struct search_index *ix;
			if (!search_open(path.s, &ix, &err)) {
				struct search_index_stats st;
				search_index_stats(ix, &st);
				fprintf(stderr, "index: %llu papers, %llu terms, %llu postings, %.1f MB in %.2f s\n",
					(unsigned long long)st.docs, (unsigned long long)st.terms,
					(unsigned long long)st.postings, (double)st.file_bytes / 1e6, mono_seconds() - t0);
				search_close(ix);
			}
		}
		store_close(s);
	} else if (!strcmp(what, "update")) {
		struct store *s = open_store(a, 0);
		if (!s) {
			buf_release(&path);
			return EXIT_FAIL;
		}
		uint64_t added = 0;
		bool built;
		if (svc_index_catch_up(s, path.s, &added, &built, &err)) {
			error("index update: %s", err.s);
			ret = EXIT_FAIL;
		} else {
			fprintf(stderr, "index: %llu papers indexed\n", (unsigned long long)added);
		}
		store_close(s);
	} else if (!strcmp(what, "stats")) {
		struct search_index *ix;
		if (search_open(path.s, &ix, &err)) {
			error("index stats: %s", err.s);
			ret = EXIT_FAIL;
		} else {
			struct search_index_stats st;
			search_index_stats(ix, &st);
			printf("index:     %s\nsegments:  %llu\npapers:    %llu\nterms:     %llu\npostings:  %llu\n"
			       "size:      %.1f MB\navg length: title %.1f, abstract %.1f, authors %.1f, keywords %.1f\n"
			       "full text: %llu papers (average length %.0f words)\n",
			       path.s, (unsigned long long)st.segments, (unsigned long long)st.docs, (unsigned long long)st.terms,
			       (unsigned long long)st.postings, (double)st.file_bytes / 1e6, st.avg_len[0], st.avg_len[1],
			       st.avg_len[2], st.avg_len[3], (unsigned long long)st.bodies, st.bodies ? st.avg_len[4] : 0.0);
			search_close(ix);
		}
	} else {
		ret = usage_error(a->cmd, "index: unknown action '%s' (rebuild, update or stats)", what);
	}
	buf_release(&path);
	buf_release(&err);
	return ret;
}

/* Prints hits as lines or as the HF search API's JSON. */
struct print_ctx {
	const struct search_hit *hits;
	json_t *arr;
};

static int print_hit(const struct paper *p, size_t i, void *ctx)
{
	struct print_ctx *pc = ctx;
	if (pc->arr) {
		json_t *pj = paper_to_json(p);
		json_array_append_new(pc->arr, json_pack("{s:o,s:s,s:f}", "paper", pj, "title", p->title ? p->title : "",
							 "score", pc->hits[i].score));
	} else {
		printf("%7.2f  ", pc->hits[i].score);
		print_paper_line(p);
	}
	return 0;
}

static void print_hits(struct store *s, const struct search_hit *hits, size_t n, bool json)
{
	struct buf err = BUF_INIT;
	json_t *arr = json ? json_array() : NULL;
	const char **ids = xcalloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = hits[i].id;
	struct print_ctx pc = { hits, arr };
	if (store_papers_get(s, ids, n, true, print_hit, &pc, &err))
		error("search: %s", err.s);
	free(ids);
	if (arr) {
		print_json(arr);
		json_decref(arr);
	} else if (!n) {
		fprintf(stderr, "paperboy: search: no papers match\n");
	}
	buf_release(&err);
}

/* --limit N of search and similar (default 10); 0 or a usage status. */
static int parse_limit(const struct args *a, long *lim)
{
	const char *limit = opt_val(a, "limit");
	*lim = 10;
	if (limit && parse_int(limit, 1, 1000, lim))
		return usage_error(a->cmd, "%s: --limit: expected a number from 1 to 1000, got '%s'", a->cmd->name, limit);
	return 0;
}


static int cmd_similar(struct args *a)
{
	long lim;
	if (parse_limit(a, &lim))
		return EXIT_USAGE;
	struct store *s = open_store(a, 0);
	if (!s)
		return EXIT_FAIL;
	struct buf path = BUF_INIT, err = BUF_INIT;
	index_path(a, &path);
	struct search_index *ix = NULL;
	struct search_hit *hits = xcalloc((size_t)lim, sizeof(*hits));
	size_t n = (size_t)lim;
	int ret = EXIT_OK;
	struct search_cursor *cur = search_cursor_new(search_store_text, s);
	int64_t gen;
	if (search_open(path.s, &ix, &err) || search_hide_stored(ix, s, &gen, &err) ||
	    search_similar_run(ix, cur, a->pos[0], SIMILAR_HYBRID, hits, &n, &err)) {
		error("similar: %s", err.s);
		ret = EXIT_FAIL;
	} else {
		print_hits(s, hits, n, opt_val(a, "json") != NULL);
	}
	free(hits);
	search_cursor_free(cur);
	search_close(ix);
	store_close(s);
	buf_release(&path);
	buf_release(&err);
	return ret;
}


static int cmd_search(struct args *a)
{
	const char *mode = opt_val(a, "mode");
	long lim;
	if (parse_limit(a, &lim))
		return EXIT_USAGE;
	enum search_mode m;
	if (search_mode_parse(mode, &m))
		return usage_error(a->cmd, "search: --mode: expected hybrid, bm25 or semantic, got '%s'", mode);
	const char *sort = opt_val(a, "sort");
	if (sort && strcmp(sort, "relevance") && strcmp(sort, "newest") && strcmp(sort, "upvotes"))
		return usage_error(a->cmd, "search: --sort: expected relevance, newest or upvotes, got '%s'", sort);
	bool by_votes = sort && !strcmp(sort, "upvotes");
	struct search_opts so = { m, sort && !strcmp(sort, "newest") ? SEARCH_NEWEST : SEARCH_RELEVANCE, true, by_votes };
	struct search_info info;
	struct buf q = BUF_INIT, path = BUF_INIT, err = BUF_INIT;
	for (int i = 0; i < a->npos; i++)
		buf_addf(&q, "%s%s", i ? " " : "", a->pos[i]);
	struct store *s = open_store(a, 0);
	if (!s) {
		buf_release(&q);
		return EXIT_FAIL;
	}
	index_path(a, &path);
	struct search_index *ix = NULL;
	int ret = EXIT_OK;
	/* by upvotes: the best 300 by relevance, in the order of their votes */
	size_t cap = by_votes && lim < 300 ? 300 : (size_t)lim;
	struct search_hit *hits = xcalloc(cap, sizeof(*hits));
	size_t n = cap;
	struct search_cursor *cur = search_cursor_new(search_store_text, s);
	int64_t gen;
	search_open(path.s, &ix, &err);
	if (!ix || !cur) {
		error("search: %s", ix ? "the Snowball English stemmer is not available" : err.s);
		ret = EXIT_FAIL;
	} else if (search_hide_stored(ix, s, &gen, &err)) { /* as the server's searches: no hidden paper */
		error("search: %s", err.s);
		ret = EXIT_FAIL;
	} else if (search_run(ix, cur, q.s, &so, hits, &n, &info, &err)) {
		error("search: %s", err.s);
		ret = EXIT_USAGE;
	} else {
		if (by_votes) {
			struct svc_config cfg = { 0 };
			struct svc v = { &cfg, s };
			svc_sort_by_votes(&v, hits, n);
		}
		if (n > (size_t)lim)
			n = (size_t)lim;
		if (info.corrected)
			fprintf(stderr, "paperboy: search: showing results for \"%s\" (no good match for \"%s\")\n",
				info.suggestion, q.s);
		else if (info.suggestion[0])
			fprintf(stderr, "paperboy: search: did you mean \"%s\"?\n", info.suggestion);
		if (n)
			fprintf(stderr, "paperboy: search: %s%llu papers match\n", info.exact ? "" : "about ",
				(unsigned long long)info.total);
		print_hits(s, hits, n, opt_val(a, "json") != NULL);
	}
	free(hits);
	search_cursor_free(cur);
	search_close(ix);
	store_close(s);
	buf_release(&q);
	buf_release(&path);
	buf_release(&err);
	return ret;
}

/* ---- help / version ----------------------------------------------------- */

static int mail_opts(struct args *a, struct mail_config *mc);

/* --name N, a whole number from min to max, into *out (left as it is when
 * the option is absent): 0, or the exit status of the usage error. */
static int opt_long(struct args *a, const char *name, long min, long max, long *out, const char *give)
{
	const char *s = opt_val(a, name);
	if (s && parse_int(s, min, max, out))
		return usage_error(a->cmd, "%s: --%s %s: %s", a->cmd->name, name, s, give);
	return 0;
}

/* The same for an int. */
static int opt_int(struct args *a, const char *name, long min, long max, int *out, const char *give)
{
	long v = *out;
	int rc = opt_long(a, name, min, max, &v, give);
	*out = (int)v;
	return rc;
}

/* --name SECONDS from min to max (a decimal number) into *out. */
static int opt_seconds(struct args *a, const char *name, double min, double max, double *out, const char *give)
{
	const char *s = opt_val(a, name);
	if (!s)
		return 0;
	char *end;
	double v = strtod(s, &end);
	if (*end || !(v >= min && v <= max))
		return usage_error(a->cmd, "%s: --%s %s: %s", a->cmd->name, name, s, give);
	*out = v;
	return 0;
}

/* serve's listening, limits and timeouts. */
static int serve_http_opts(struct args *a, struct web_config *c)
{
	long port = 8080, threads = 0, maxc = 0, maxip = 0;
	int rc = opt_long(a, "port", 0, 65535, &port, "not a port number");
	rc = rc ? rc : opt_long(a, "threads", 1, 256, &threads, "give 1 to 256");
	c->page_cache_ttl = 2;
	rc = rc ? rc : opt_seconds(a, "page-cache-ttl", 0, 3600, &c->page_cache_ttl, "give seconds from 0 to 3600");
	rc = rc ? rc : opt_seconds(a, "head-timeout", 0.5, 600, &c->head_timeout, "give seconds from 0.5 to 600");
	rc = rc ? rc : opt_long(a, "max-connections", 16, 1000000, &maxc, "give 16 to 1000000");
	rc = rc ? rc : opt_long(a, "max-connections-per-ip", 1, 1000000, &maxip, "give 1 to 1000000");
	c->port = (unsigned)port;
	c->threads = (unsigned)threads;
	c->max_connections = (unsigned)maxc;
	c->max_per_ip = (unsigned)maxip;
	c->listen = opt_val(a, "listen");
	c->base_url = opt_val(a, "base-url");
	c->access_log = opt_val(a, "access-log");
	c->secure_cookies = opt_val(a, "secure-cookies") != NULL;
	c->port_file = opt_val(a, "port-file");
	c->node_id = opt_val(a, "node-id");
	c->trusted_proxy = opt_val(a, "trusted-proxy");
	c->fetch_allow = opt_val(a, "fetch-allow");
	c->metrics_token = opt_val(a, "metrics-token"); /* (or $PAPERBOY_METRICS_TOKEN, as every option) */
	if (!rc && c->metrics_token && strlen(c->metrics_token) < 16)
		rc = usage_error(a->cmd, "serve: --metrics-token: give at least 16 characters");
	return rc;
}

/* serve's rules: votes, sign-ups, submissions, arXiv. */
static int serve_rule_opts(struct args *a, struct web_config *c)
{
	long va = 3600;
	c->signups_per_ip = 5;
	c->signups_per_hour = 100;
	c->passwords_per_ip = 20;
	c->submit_window_days = 14;
	c->submit_daily_limit = 5;
	c->arxiv_delay = 3;
	int rc = opt_long(a, "vote-age", 0, 30 * 86400, &va, "give seconds from 0 to 2592000");
	rc = rc ? rc : opt_int(a, "signups-per-ip", 0, 1000000, &c->signups_per_ip, "give a number (0: no limit)");
	rc = rc ? rc : opt_int(a, "signups-per-hour", 0, 1000000, &c->signups_per_hour, "give a number (0: no limit)");
	rc = rc ? rc : opt_int(a, "passwords-per-ip", 0, 1000000, &c->passwords_per_ip, "give a number (0: no limit)");
	rc = rc ? rc : opt_seconds(a, "arxiv-delay", 0.01, 3600, &c->arxiv_delay,
				   "seconds between requests to arXiv (default 3)");
	rc = rc ? rc : opt_int(a, "submit-window-days", 0, 100000, &c->submit_window_days,
			       "give a number of days (0: no window)");
	rc = rc ? rc : opt_int(a, "submit-daily-limit", 0, 100000, &c->submit_daily_limit, "give a number (0: no limit)");
	c->vote_age = (double)va;
	c->arxiv_api = opt_val(a, "arxiv-api");
	c->moderate_submissions = opt_val(a, "moderate-submissions") != NULL;
	return rc;
}

/* serve's background work: thumbnails, keeping current, digests. */
static int serve_background_opts(struct args *a, struct web_config *c)
{
	c->thumb_dir = opt_val(a, "thumb-dir");
	c->katex_dir = opt_val(a, "katex-dir");
	c->media_hosts = opt_val(a, "media-hosts");
	c->thumb_pdf_base = opt_val(a, "thumb-pdf-base");
	int rc = opt_seconds(a, "thumb-pdf-delay", 0.01, 3600, &c->thumb_pdf_delay, "seconds between PDF downloads");
	const char *sync = opt_val(a, "sync");
	if (!rc && sync) {
		struct strlist jobs = STRLIST_INIT;
		strlist_split(&jobs, sync, strlen(sync), ',');
		for (size_t i = 0; !rc && i < jobs.n; i++) {
			if (!strcmp(jobs.v[i], "hf"))
				c->sync_jobs |= 1;
			else if (!strcmp(jobs.v[i], "arxiv"))
				c->sync_jobs |= 2;
			else if (!strcmp(jobs.v[i], "pdf"))
				c->sync_jobs |= 4;
			else
				rc = usage_error(a->cmd, "serve: --sync %s: name hf, arxiv, pdf or several (hf,arxiv,pdf)", sync);
		}
		strlist_release(&jobs);
	}
	rc = rc ? rc : opt_seconds(a, "sync-every", 1, 7 * 86400, &c->sync_every, "give seconds from 1 to 604800");
	c->hub_delay = 0.5;
	rc = rc ? rc : opt_seconds(a, "hub-delay", 0, 3600, &c->hub_delay, "give seconds from 0 to 3600");
	c->sync_hf_endpoint = opt_val(a, "sync-hf-endpoint");
	c->sync_oai_endpoint = opt_val(a, "sync-oai-endpoint");
	c->sync_oai_set = opt_val(a, "sync-set");
	c->sync_pdf_endpoint = opt_val(a, "sync-pdf-endpoint");
	c->pdf_delay = 3;
	rc = rc ? rc : opt_seconds(a, "pdf-delay", 0, 3600, &c->pdf_delay, "give seconds from 0 to 3600");
	rc = rc ? rc : mail_opts(a, &c->mail);
	c->digest_minute = 8 * 60;
	c->weekly_wday = 1;
	const char *dt = opt_val(a, "digest-time");
	if (!rc && dt && !strcmp(dt, "off")) {
		c->digest_minute = -1; /* confirmations and retries only: digests by `paperboy digest` */
	} else if (!rc && dt) {
		int hh, mm;
		char extra;
		if (sscanf(dt, "%d:%d%c", &hh, &mm, &extra) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59)
			return usage_error(a->cmd, "serve: --digest-time %s: give HH:MM or off", dt);
		c->digest_minute = hh * 60 + mm;
	}
	c->digest_weekends = opt_val(a, "digest-weekends") != NULL;
	return rc;
}

static int cmd_serve(struct args *a)
{
	struct web_config c = { 0 };
	c.db_url = a->db;
	c.index_path = a->index;
	int rc = serve_http_opts(a, &c);
	rc = rc ? rc : serve_rule_opts(a, &c);
	rc = rc ? rc : serve_background_opts(a, &c);
	if (rc)
		return rc;
	/* what a request could not survive is checked here, once */
	struct tokenizer *tk = tokenizer_new();
	if (!tk)
		die("serve: the Snowball English stemmer is not available");
	tokenizer_free(tk);
	const char *tz = opt_val(a, "timezone");
	if (tz) {
		/* before any thread starts: localtime_r reads TZ */
		setenv("TZ", tz, 1);
		tzset();
	}
	struct buf err = BUF_INIT;
	rc = web_serve(&c, &err);
	if (rc)
		error("serve: %s", err.s);
	buf_release(&err);
	return rc ? EXIT_FAIL : EXIT_OK;
}

/* paper hide|unhide ID, comment hide|unhide COMMENT_ID: what an
 * administrator does on the pages, through the same rules; a running
 * server sees it (its index follows the hidden papers). */
static int cmd_moderate(struct args *a)
{
	const char *verb = a->pos[0], *what = a->cmd->name;
	bool comment = !strcmp(what, "comment");
	if (strcmp(verb, "hide") && strcmp(verb, "unhide"))
		return usage_error(a->cmd, "%s: unknown action '%s' (hide, unhide)", what, verb);
	long id = 0;
	if (comment && parse_int(a->pos[1], 1, LONG_MAX, &id))
		return usage_error(a->cmd, "comment %s: COMMENT_ID is a number: '%s'", verb, a->pos[1]);
	struct store *s = open_store(a, 0);
	if (!s)
		return EXIT_FAIL;
	struct svc_config cfg = { 0 };
	struct svc v = { &cfg, s };
	struct buf msg = BUF_INIT;
	bool hide = !strcmp(verb, "hide");
	struct comment c;
	enum pb_status st = comment ? svc_comment_hide(&v, id, hide, &c, &msg) : svc_paper_hide(&v, a->pos[1], hide, &msg);
	if (comment)
		comment_release(&c);
	int rc = EXIT_OK;
	if (st != PB_OK) {
		error("%s %s: %s: %s", what, verb, a->pos[1], st == PB_NOTFOUND ? (comment ? "no such comment" : "no such paper")
										   : msg.s);
		rc = EXIT_FAIL;
	} else {
		printf("%s %s %s\n", hide ? "hid" : "unhid", what, a->pos[1]);
	}
	buf_release(&msg);
	store_close(s);
	return rc;
}

/* paperboy thumb png|pdf IN OUT: what serve's thumbnail thread runs in a
 * process of its own for each download. */
static int cmd_thumb(struct args *a)
{
	struct buf err = BUF_INIT;
	int rc = !strcmp(a->pos[0], "text") ? media_pdf_text(a->pos[1], a->pos[2], &err)
					    : media_thumb_render(a->pos[0], a->pos[1], a->pos[2], &err);
	if (rc)
		error("thumb: %s", err.s);
	buf_release(&err);
	return rc ? EXIT_FAIL : EXIT_OK;
}

/* The password of 'user add' or 'user password': --password, else the
 * first line of standard input (so that it stays out of the process
 * list); NULL (said) when there is none. */
static const char *read_password(const struct args *a, char *line, size_t cap)
{
	const char *pw = opt_val(a, "password");
	if (pw)
		return pw;
	if (isatty(0))
		fprintf(stderr, "password for %s: ", a->pos[1]);
	size_t n = 0;
	int c = EOF;
	while (n < cap && (c = getchar()) != EOF && c != '\n')
		line[n++] = (char)c;
	if (n && line[n - 1] == '\r')
		n--;
	const char *why = !n && c == EOF ? "no password given (on standard input or --password)"
			  : n == cap ? "the password is too long"
			  : memchr(line, '\0', n) ? "the password holds a NUL byte" : NULL;
	if (why) {
		sodium_memzero(line, cap);
		error("user %s: %s", a->pos[0], why);
		return NULL;
	}
	line[n] = '\0';
	return line;
}

/* 'user password NAME': a new password set by the operator (a forgotten
 * one, when the server sends no mail); the account's sessions end. */
static int user_password(struct args *a)
{
	if (a->npos != 2)
		return usage_error(a->cmd, "user password: give one NAME");
	char line[4200]; /* 1,024 characters of up to four bytes */
	const char *pw = read_password(a, line, sizeof(line));
	if (!pw)
		return EXIT_FAIL;
	struct store *s = open_store(a, 0);
	if (!s)
		return EXIT_FAIL;
	struct svc_config cfg = { 0 };
	struct svc v = { &cfg, s };
	struct user u;
	struct buf err = BUF_INIT;
	long wait;
	int rc = EXIT_OK;
	int found = store_user_get(s, 0, a->pos[1], &u, &err);
	if (found) {
		error("user password: %s", found < 0 ? err.s : "no such user");
		rc = EXIT_FAIL;
	} else if (svc_password_set(&v, &u, pw, NULL, &wait, &err) != PB_OK) {
		error("user password: %s: %s", a->pos[1], err.s);
		rc = EXIT_FAIL;
	} else {
		printf("set the password of %s; its sessions are signed out\n", u.name);
	}
	sodium_memzero(line, sizeof(line));
	sodium_memzero(&u, sizeof(u));
	buf_release(&err);
	store_close(s);
	return rc;
}

static int cmd_user(struct args *a)
{
	const char *verb = a->pos[0];
	struct buf err = BUF_INIT;
	int rc = EXIT_OK;
	if (!strcmp(verb, "add")) {
		if (a->npos != 2)
			return usage_error(a->cmd, "user add: give one NAME");
		const char *email = opt_val(a, "email");
		if (!email)
			return usage_error(a->cmd, "user add: --email is required");
		char line[4200];
		const char *pw = read_password(a, line, sizeof(line));
		if (!pw)
			return EXIT_FAIL;
		struct store *s = open_store(a, 0);
		if (!s)
			return EXIT_FAIL;
		/* the operator vouches for the address; no sign-up limits */
		struct svc_config cfg = { 0 };
		struct svc v = { &cfg, s };
		struct user u;
		long wait;
		enum pb_status st = svc_account_create(&v, a->pos[1], email, pw, opt_val(a, "admin") != NULL, true, NULL,
							&u, &wait, &err);
		if (st != PB_OK) {
			error("user add: %s: %s", a->pos[1], err.s);
			rc = EXIT_FAIL;
		} else {
			printf("added %s%s\n", a->pos[1], opt_val(a, "admin") ? " (administrator)" : "");
		}
		memset(&u, 0, sizeof(u));
		sodium_memzero(line, sizeof(line));
		store_close(s);
	} else if (!strcmp(verb, "password")) {
		return user_password(a);
	} else if (!strcmp(verb, "verify")) {
		/* the operator vouches for the address (when the server sends no mail) */
		if (a->npos != 2)
			return usage_error(a->cmd, "user verify: give one NAME");
		struct store *s = open_store(a, 0);
		if (!s)
			return EXIT_FAIL;
		struct user u;
		int found = store_user_get(s, 0, a->pos[1], &u, &err);
		int vr = found ? found : store_user_verify_email(s, u.id, u.email, &err);
		if (found) {
			error("user verify: %s", found < 0 ? err.s : "no such user");
			rc = EXIT_FAIL;
		} else if (vr == 2) {
			error("user verify: another account has verified %s", u.email);
			rc = EXIT_FAIL;
		} else if (vr) {
			error("user verify: %s", vr < 0 ? err.s : "the account changed meanwhile");
			rc = EXIT_FAIL;
		} else {
			printf("verified %s <%s>\n", u.name, u.email);
		}
		store_close(s);
	} else if (!strcmp(verb, "disable") || !strcmp(verb, "enable") || !strcmp(verb, "admin")) {
		if (a->npos != 2)
			return usage_error(a->cmd, "user %s: give one NAME", verb);
		struct store *s = open_store(a, 0);
		if (!s)
			return EXIT_FAIL;
		/* the operator may do what an administrator may, and more: the
		 * rule is the service's, whoever asks */
		struct svc_config cfg = { 0 };
		struct svc v = { &cfg, s };
		struct user u;
		bool admin = !strcmp(verb, "admin");
		enum pb_status st = svc_account_flag(&v, NULL, a->pos[1], admin ? USER_FLAG_ADMIN : USER_FLAG_DISABLED,
						     admin || !strcmp(verb, "disable"), &u, &err);
		if (st != PB_OK) {
			error("user %s: %s: %s", verb, a->pos[1], st == PB_NOTFOUND ? "no such user" : err.s);
			rc = EXIT_FAIL;
		}
		sodium_memzero(&u, sizeof(u));
		store_close(s);
	} else {
		return usage_error(a->cmd, "user: unknown action '%s' (add, password, verify, disable, enable, admin)", verb);
	}
	buf_release(&err);
	return rc;
}

/* The mail settings shared by digest and serve (flag, environment, file). */
static int mail_opts(struct args *a, struct mail_config *mc)
{
	mail_config_init(mc);
	mc->smtp_url = opt_val(a, "smtp");
	if (opt_val(a, "mail-from"))
		mc->mail_from = opt_val(a, "mail-from");
	if (opt_val(a, "base-url"))
		mc->base_url = opt_val(a, "base-url");
	const char *rate = opt_val(a, "mail-rate");
	if (rate) {
		char *end;
		mc->rate = strtod(rate, &end);
		if (*end || mc->rate < 0)
			return usage_error(a->cmd, "%s: --mail-rate %s: messages per second, 0 for no limit", a->cmd->name, rate);
	}
	const char *lease = opt_val(a, "mail-lease");
	if (lease) {
		char *end;
		double sec = strtod(lease, &end);
		if (*end || !(sec >= 0.1 && sec <= 3600))
			return usage_error(a->cmd, "%s: --mail-lease %s: seconds, from 0.1 to 3600", a->cmd->name, lease);
		mc->lease_ms = (long)(sec * 1000);
	}
	/* the sender may be a local name (paperboy@localhost) */
	const char *at = strchr(mc->mail_from, '@');
	if (!at || at == mc->mail_from || !at[1] || strpbrk(mc->mail_from, " \t\r\n<>\"(),;"))
		return usage_error(a->cmd, "%s: --mail-from %s: not an email address", a->cmd->name, mc->mail_from);
	if (mc->smtp_url && !str_has_prefix(mc->smtp_url, "smtp://") && !str_has_prefix(mc->smtp_url, "smtps://"))
		return usage_error(a->cmd, "%s: --smtp %s: give smtp://[user:pass@]host:port or smtps://...", a->cmd->name,
				   mc->smtp_url);
	return 0;
}

static int cmd_digest(struct args *a)
{
	struct mail_config mc;
	int rc = mail_opts(a, &mc);
	if (rc)
		return rc;
	const char *period = opt_val(a, "period");
	if (!period)
		period = "daily";
	mc.dry_run = opt_val(a, "dry-run") != NULL;
	mc.only_email = opt_val(a, "to");
	mc.ignore_backoff = true; /* an explicit run tries every queued message now */
	mc.progress = true;
	if (!mc.smtp_url && !mc.dry_run)
		return usage_error(a->cmd, "digest: no SMTP server: give --smtp URL (or PAPERBOY_SMTP_URL), or --dry-run");
	struct store *s = open_store(a, 0);
	if (!s)
		return EXIT_FAIL;
	struct buf path = BUF_INIT, err = BUF_INIT;
	index_path(a, &path);
	struct search_index *ix = NULL;
	int64_t gen;
	if (search_open(path.s, &ix, &err) || search_hide_stored(ix, s, &gen, &err)) {
		fprintf(stderr, "paperboy: digest: topics are not searched (%s)\n", err.s);
		search_close(ix);
		ix = NULL;
		buf_reset(&err);
	}
	struct mail_stats st = { 0 };
	rc = mail_digest(s, ix, &mc, period, &st, &err);
	fprintf(stderr,
		"digest %s: %llu subscribers, %llu rendered (%.0f/s), %llu already done, %llu with nothing new; "
		"%llu sent (%.0f/s), %llu to retry, %llu failed\n",
		period, (unsigned long long)st.subscribers, (unsigned long long)st.rendered,
		st.render_seconds > 0 ? (double)st.rendered / st.render_seconds : 0.0, (unsigned long long)st.already,
		(unsigned long long)st.empty, (unsigned long long)st.sent,
		st.send_seconds > 0 ? (double)st.sent / st.send_seconds : 0.0, (unsigned long long)st.retry_later,
		(unsigned long long)st.failed);
	if (rc > 0) {
		fprintf(stderr, "paperboy: digest: another paperboy process is delivering mail; the messages wait for it\n");
		rc = 0;
	} else if (rc) {
		error("digest: %s", err.s);
	}
	if (ix)
		search_close(ix);
	store_close(s);
	buf_release(&path);
	buf_release(&err);
	return rc || st.retry_later || st.failed ? EXIT_FAIL : EXIT_OK;
}

/* paperboy subscribe: add subscribers by hand or in bulk (an import). */
static int cmd_subscribe(struct args *a)
{
	struct mail_config mc;
	int rc = mail_opts(a, &mc);
	if (rc)
		return rc;
	const char *period = opt_val(a, "period");
	if (!period)
		period = "daily";
	bool confirmed = opt_val(a, "confirmed") != NULL;
	const char *topics = opt_val(a, "topics");
	struct store *s = open_store(a, 0);
	if (!s)
		return EXIT_FAIL;
	struct strlist lines = STRLIST_INIT;
	for (int i = 0; i < a->npos; i++)
		strlist_push(&lines, a->pos[i], strlen(a->pos[i]));
	struct buf text = BUF_INIT, err = BUF_INIT, msg = BUF_INIT;
	const char *file = opt_val(a, "file");
	if (file) {
		if (read_file(file, &text, &err)) {
			error("subscribe: %s", err.s);
			store_close(s);
			return EXIT_FAIL;
		}
		strlist_split(&lines, text.s, text.len, '\n');
	}
	uint64_t added = 0, bad = 0;
	rc = store_begin(s, &err);
	for (size_t i = 0; i < lines.n && !rc; i++) {
		/* "EMAIL" or "EMAIL<TAB>topic|topic" */
		char *line = lines.v[i], *tab = strchr(line, '\t');
		struct buf t = BUF_INIT;
		if (tab) {
			*tab = '\0';
			for (const char *p = tab + 1; *p; p++)
				buf_addc(&t, *p == '|' ? '\n' : *p);
		} else if (topics) {
			buf_adds(&t, topics);
		}
		int r = mail_subscribe(s, &mc, line, period, t.s, 0, confirmed, &msg);
		buf_release(&t);
		if (r < 0) {
			rc = error("subscribe: %s", msg.s);
		} else if (r > 0) {
			fprintf(stderr, "paperboy: subscribe: %s%sline %zu: %s\n", file ? file : "", file ? ": " : "", i + 1, msg.s);
			bad++;
		} else {
			added++;
		}
	}
	if (!rc && store_commit(s, &err))
		rc = error("subscribe: %s", err.s);
	if (rc)
		store_rollback(s);
	else
		printf("%llu subscribed%s, %llu refused\n", (unsigned long long)added,
		       confirmed ? " (confirmed, no confirmation mail)" : " (confirmation mail queued)", (unsigned long long)bad);
	strlist_release(&lines);
	buf_release(&text);
	buf_release(&err);
	buf_release(&msg);
	store_close(s);
	return rc ? EXIT_FAIL : bad ? EXIT_FAIL : EXIT_OK;
}

static int cmd_help(struct args *a)
{
	if (a->npos) {
		for (const struct command *c = commands; c->name; c++)
			if (!strcmp(c->name, a->pos[0])) {
				print_command_help(c, stdout);
				return EXIT_OK;
			}
		return usage_error(NULL, "help: no command '%s'", a->pos[0]);
	}
	print_help(stdout);
	return EXIT_OK;
}

static int cmd_version(struct args *a)
{
	(void)a;
	printf("paperboy %s\n", PB_VERSION);
	return EXIT_OK;
}

static const struct command commands[] = {
	{ "init", "", "create the database, or bring its schema up to date", { { 0 } }, cmd_init, 0, 0 },
	{ "ingest", "[--format F] [--strict] [--at TIME] PATH...",
	  "load papers from files, directories (recursively) or - (stdin)",
	  { { "format", "F", "auto (default), hf, arxiv-atom, arxiv-oai or arxiv-jsonl" },
	    { "strict", NULL, "refuse a whole file when any of its records is rejected" },
	    { "batch", "N", "records per transaction (default 2000)" },
	    { "at", "TIME", "when the records were seen (their GitHub stars' time in the history; default now)" },
	    { "no-index", NULL, "leave the search index as it is (benchmarks; 'paperboy index update' catches up)" } },
	  cmd_ingest, 1, -1 },
	{ "fetch", "arxiv|hf|pdf [OPTIONS]",
	  "download papers: an arXiv OAI-PMH harvest, a Hugging Face daily page, or papers' full texts from arXiv's PDFs",
	  { { "set", "SET", "arxiv: OAI set, e.g. cs or physics:hep-th" },
	    { "from", "YYYY-MM-DD", "arxiv: records changed on or after this day" },
	    { "until", "YYYY-MM-DD", "arxiv: records changed on or before this day" },
	    { "date", "YYYY-MM-DD", "hf: the day to fetch (default: today, UTC)" },
	    { "endpoint", "URL", "the server (default " FETCH_ARXIV_ENDPOINT " or " FETCH_HF_ENDPOINT ")" },
	    { "delay", "SECONDS", "seconds between requests (default 3, as arXiv asks)" },
	    { "retries", "N", "retries of a request after 503, 429 or a network error (default 5)" },
	    { "ids", "ID,...|featured", "arxiv: these papers from the arXiv API, or every featured paper still without arXiv categories; "
				       "pdf: these papers' full texts" },
	    { "hub-delay", "SECONDS", "hf: between requests to the Hub for the models, datasets and Spaces citing the day's papers "
				     "(default 0.5)" },
	    { "no-links", NULL, "hf: do not ask the Hub for the models, datasets and Spaces citing the day's papers" },
	    { "featured", NULL, "pdf: the full texts of the featured papers that have none (at most 200 a run)" },
	    { "since", "YYYY-MM-DD", "pdf --featured: papers featured on or after this day" },
	    { "refresh", NULL, "pdf: ask again for texts already stored, conditionally (a 304 changes nothing)" },
	    { "retry-wait", "SECONDS", "pdf: a failed paper is asked again after this long, doubling per failure "
					"(default 3600)" } },
	  cmd_fetch, 1, 1 },
	{ "show", "ID... [--json]", "show papers (ID: an arXiv id or URL), in the order given",
	  { { "json", NULL, "print the paper as Hugging Face's papers API does; several: an array of them" } },
	  cmd_show, 1, 100000 },
	{ "list", "[--date D | --week W | --month M] [OPTIONS]",
	  "list the papers of a day (default: the newest), an ISO week or a month",
	  { { "date", "YYYY-MM-DD", "one day" },
	    { "week", "YYYY-Www", "one ISO week, e.g. 2025-W23" },
	    { "month", "YYYY-MM", "one month" },
	    { "sort", "KEY", "published (default), upvotes, or stars: trending by code, every paper with a history of GitHub stars by those gained in the last 7 days" },
	    { "limit", "N", "at most N papers (default 50)" },
	    { "offset", "N", "skip the first N papers" },
	    { "json", NULL, "print a JSON array of papers in the Hugging Face API shape" } },
	  cmd_list, 0, 0 },
	{ "search", "[--mode hybrid|bm25|semantic] [--sort relevance|newest|upvotes] [--limit N] [--json] QUERY",
	  "search titles, abstracts, authors, keywords and full texts: words, \"phrases\", +must, -not, "
	  "author:\"Name\", cat:cs.LG, after:YYYY-MM-DD, before:YYYY-MM-DD, in:body (the full text only), "
	  "-in:body (all but it), or an arXiv id",
	  { { "mode", "MODE", "hybrid (the default: words, reranked by meaning), bm25 (words only) or semantic (meaning only)" },
	    { "sort", "ORDER", "relevance (default), newest (every word required, newest first) or upvotes (the best 300 by their votes)" },
	    { "limit", "N", "at most N results (default 10)" },
	    { "json", NULL, "print [{\"paper\": {...}, \"title\": ...}] as the Hugging Face search API does" } },
	  cmd_search, 1, -1 },
	{ "similar", "ID [--limit N] [--json]", "papers nearest in meaning to paper ID",
	  { { "limit", "N", "at most N papers (default 10)" }, { "json", NULL, "print JSON" } }, cmd_similar, 1, 1 },
	{ "index", "rebuild|update|stats",
	  "rebuild the search index, bring it up to date (ingest and fetch do this), or describe it", { { 0 } },
	  cmd_index, 1, 1 },
	{ "stats", "[--json]", "count what the database holds", { { "json", NULL, "print JSON" } }, cmd_stats, 0, 0 },
	{ "migrate", "FROM_URL TO_URL [--replace]",
	  "copy a whole store (papers, accounts, votes, comments, mail...) into another, SQLite or PostgreSQL, "
	  "and verify the copy",
	  { { "replace", NULL, "empty a target that already holds papers or accounts first" } }, cmd_migrate, 2, 2 },
	{ "serve", "[OPTIONS]", "run the web service: pages, JSON API and Atom feeds",
	  { { "listen", "ADDR", "address to bind (default 127.0.0.1; 0.0.0.0 for all)" },
	    { "port", "N", "port (default 8080; 0 picks a free one)" },
	    { "base-url", "URL", "the public URL, for feeds and links (default http://ADDR:PORT)" },
	    { "threads", "N", "worker threads (default 2 per CPU, at least 4)" },
	    { "access-log", "FILE", "where to log requests: a file, - for stderr (default), off" },
	    { "arxiv-api", "URL", "the arXiv API for submissions (default " FETCH_ARXIV_API_ENDPOINT ")" },
	    { "secure-cookies", NULL, "mark cookies Secure (automatic with an https base URL)" },
	    { "port-file", "FILE", "write the bound port there once listening" },
	    { "head-timeout", "SECONDS", "time a client has to send a request's line and headers (default 10)" },
	    { "submit-window-days", "N", "papers join the feed within N days of their arXiv publication (default 14; 0: any)" },
	    { "submit-daily-limit", "N", "submissions per account per 24 hours (default 5; 0: no limit)" },
	    { "moderate-submissions", NULL, "submissions wait for an administrator's approval (/admin/submissions)" },
	    { "page-cache-ttl", "SECONDS", "how long an anonymous page is kept and served again (default 2; one request makes it again meanwhile)" },
	    { "arxiv-delay", "SECONDS", "between requests to the arXiv API for the papers users ask for (default 3, as arXiv asks)" },
	    { "vote-age", "SECONDS", "votes of younger accounts count once they are this old (default 3600; 0: at once)" },
	    { "signups-per-ip", "N", "accounts made from one address per hour (default 5; 0: no limit)" },
	    { "signups-per-hour", "N", "accounts made per hour in all (default 100; 0: no limit)" },
	    { "passwords-per-ip", "N", "password checks and hashes (sign-ups, sign-ins) one address may ask for before it waits a minute, doubling (default 20; 0: no limit)" },
	    { "thumb-dir", "DIR", "the thumbnail cache (default DB.thumbs beside the database; off: no thumbnails)" },
	    { "thumb-pdf-base", "URL", "where first pages come from (default https://arxiv.org/pdf/)" },
	    { "thumb-pdf-delay", "SECONDS", "between PDF downloads (default 3, as arXiv asks)" },
	    { "katex-dir", "DIR", "KaTeX's files for math in titles, abstracts and comments (default var/katex of the source, "
				  "as scripts/setup.sh fetches it; off: no math rendering)" },
	    { "media-hosts", "HOST,...", "where a paper's images and videos are shown from, over https (default "
					 "cdn-uploads.huggingface.co,cdn-thumbnails.huggingface.co; off: links only)" },
	    { "sync", "hf,arxiv,pdf", "keep current: fetch Hugging Face's daily papers (and the Hub's models, datasets and "
				      "Spaces citing the papers of the last 14 days), the arXiv OAI-PMH increment, and/or the "
				      "full texts of the last 14 days' featured papers (their arXiv PDFs)" },
	    { "sync-every", "SECONDS", "how often (default 3600); once per cluster of processes on one store" },
	    { "sync-set", "SET", "the arXiv OAI set to harvest, e.g. cs (default: every set)" },
	    { "sync-hf-endpoint", "URL", "the daily-papers API (default " FETCH_HF_ENDPOINT "; the Hub is asked on its host)" },
	    { "hub-delay", "SECONDS", "between the sync's requests to the Hub (default 0.5)" },
	    { "sync-oai-endpoint", "URL", "the OAI-PMH endpoint (default " FETCH_ARXIV_ENDPOINT ")" },
	    { "sync-pdf-endpoint", "URL", "where --sync pdf gets PDFs, as URL/pdf/ID (default " FETCH_PDF_ENDPOINT ")" },
	    { "pdf-delay", "SECONDS", "between --sync pdf's PDF downloads (default 3, as arXiv asks)" },
	    { "max-connections", "N", "connections open at once (default 10000, less if the file limit is lower)" },
	    { "max-connections-per-ip", "N", "connections open at once from one address (default 64)" },
	    { "smtp", "URL", "mail server for digests: smtp://[user:pass@]host:port or smtps://... (none: no mail)" },
	    { "mail-from", "ADDRESS", "the sender of digests (default paperboy@localhost)" },
	    { "mail-rate", "N", "at most N messages per second (default: no limit)" },
	    { "mail-lease", "SECONDS", "one sender at a time: a sender that stops renewing its claim loses it after "
				       "this long (default 60)" },
	    { "digest-time", "HH:MM", "when the daily (weekdays) and weekly (Mondays) digests go out (default 08:00; off: the server sends none, `paperboy digest` does)" },
	    { "timezone", "TZ", "the time zone of --digest-time, e.g. Europe/Paris (default: the system's)" },
	    { "digest-weekends", NULL, "send the daily digest on Saturdays and Sundays too" },
	    { "node-id", "NAME", "this process's name in logs, /healthz and /metrics (default HOST:PORT)" },
	    { "trusted-proxy", "CIDR,...", "believe X-Forwarded-For and X-Forwarded-Proto from these addresses only (the balancer)" },
	    { "fetch-allow", "HOSTS", "internal hosts (addresses, CIDR blocks, names) that fetches of URLs from data may reach "
				      "(default: public addresses only)" },
	    { "metrics-token", "TOKEN", "/metrics and /healthz's detail for clients sending 'Authorization: Bearer TOKEN' "
					"(default: clients on this host only; or $PAPERBOY_METRICS_TOKEN)" } },
	  cmd_serve, 0, 0 },
	{ "digest", "[--period daily|weekly] [--dry-run] [--to EMAIL] [OPTIONS]",
	  "render the digests of a period for every confirmed subscriber now, and send them",
	  { { "period", "P", "daily (default: the newest day of papers) or weekly (the last 7 days)" },
	    { "dry-run", NULL, "print what would be sent; change and send nothing" },
	    { "to", "EMAIL", "only this subscriber" },
	    { "smtp", "URL", "smtp://[user:pass@]host:port (STARTTLS when offered) or smtps://..." },
	    { "mail-from", "ADDRESS", "the sender address" },
	    { "base-url", "URL", "the public URL of the web service, for links" },
	    { "mail-rate", "N", "at most N messages per second (default: no limit)" },
	    { "mail-lease", "SECONDS", "a sender that stops renewing its claim loses it after this long (default 60)" } },
	  cmd_digest, 0, 0 },
	{ "subscribe", "[--period P] [--topics T] [--confirmed] EMAIL... | --file FILE",
	  "subscribe addresses (a confirmation mail is queued unless --confirmed)",
	  { { "period", "P", "daily (default) or weekly" },
	    { "topics", "T", "search queries, one a line" },
	    { "confirmed", NULL, "the addresses have opted in elsewhere: no confirmation mail" },
	    { "file", "FILE", "one EMAIL or EMAIL<TAB>topic|topic a line" },
	    { "mail-from", "ADDRESS", "the sender of the confirmation" },
	    { "base-url", "URL", "the public URL, for the confirmation link" },
	    { "smtp", "URL", "unused here (accepted for symmetry)" },
	    { "mail-rate", "N", "unused here" },
	    { "mail-lease", "SECONDS", "unused here" } },
	  cmd_subscribe, 0, -1 },
	{ "user", "add NAME --email E [--admin] | password NAME | verify NAME | disable NAME | enable NAME | admin NAME",
	  "manage accounts (the password of 'add' and 'password' is read from standard input)",
	  { { "email", "E", "the new user's email address" },
	    { "admin", NULL, "make the new user an administrator (moderation)" },
	    { "password", "P", "the password (better: on standard input)" } },
	  cmd_user, 1, 2 },
	{ "paper", "hide ID | unhide ID", "hide a paper from every list, page and search (as an administrator does), or show "
					  "it again",
	  { { 0 } }, cmd_moderate, 2, 2 },
	{ "comment", "hide COMMENT_ID | unhide COMMENT_ID", "hide a comment (its thread keeps its place), or show it again",
	  { { 0 } }, cmd_moderate, 2, 2 },
	{ "thumb", "png|pdf|text IN OUT", "make a card thumbnail from an image or a PDF's first page, or read a PDF's text "
					   "(serve and fetch pdf run it, under limits)", { { 0 } },
	  cmd_thumb, 3, 3 },
	{ "help", "[COMMAND]", "show help for paperboy or one command", { { 0 } }, cmd_help, 0, 1 },
	{ "version", "", "print the version", { { 0 } }, cmd_version, 0, 0 },
	{ 0 },
};

int cli_main(int argc, char **argv)
{
	LIBXML_TEST_VERSION;
	struct args a = { 0 }, g = { .cmd = &global };
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_help(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--version"))
			return cmd_version(&a);
		const char *name = argv[i] + 2, *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		int k = -1;
		for (int j = 0; argv[i][1] == '-' && global.opts[j].name; j++)
			if (strlen(global.opts[j].name) == nlen && !strncmp(global.opts[j].name, name, nlen))
				k = j;
		if (k < 0)
			return usage_error(NULL, "unknown option '%s'", argv[i]);
		if (!global.opts[k].arg)
			g.val[k] = "1";
		else if (eq)
			g.val[k] = eq + 1;
		else if (i + 1 < argc)
			g.val[k] = argv[++i];
		else
			return usage_error(NULL, "option '--%s' needs a value (%s)", global.opts[k].name, global.opts[k].arg);
	}
	if (i >= argc) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	const char *config = opt_val(&g, "config"); /* the flag or the environment */
	if (config && load_config(config))
		return EXIT_FAIL;
	a.db = opt_val(&g, "db") ? opt_val(&g, "db") : "./paperboy.db";
	a.index = opt_val(&g, "index");
	a.quiet = opt_val(&g, "no-progress") != NULL;
	if (a.quiet)
		progress_off();
	long index_mb = 0;
	const char *im = opt_val(&g, "index-memory");
	if (im && parse_int(im, 16, 1 << 20, &index_mb))
		return usage_error(NULL, "--index-memory %s: give megabytes from 16 to 1048576", im);
	search_configure(&(struct search_config){ .vectors = opt_val(&g, "vectors"), .build_memory = (uint64_t)index_mb << 20 });
	const struct command *c = commands;
	while (c->name && strcmp(c->name, argv[i]))
		c++;
	if (!c->name)
		return usage_error(NULL, "unknown command '%s'", argv[i]);
	int rc = parse_args(c, argc - i - 1, argv + i + 1, &a);
	if (rc == 0)
		rc = c->run(&a);
	else
		rc = -rc - 1;
	free(a.pos);
	xmlCleanupParser();
	return rc;
}
