/*
 * paper.h - the paper model shared by every part: identity (arXiv ids),
 * fields, the merge rule used when one paper arrives from several sources,
 * code-repository detection, and the JSON serializer in the shape of the
 * Hugging Face papers API (used by the CLI now, by the web API later).
 */
#ifndef PAPERBOY_PAPER_H
#define PAPERBOY_PAPER_H

#include "../util/util.h"
#include <jansson.h>

#define PAPER_ID_MAX 48

/* Where a paper's facts came from (bits of paper.sources). */
enum paper_source {
	SRC_HF = 1 << 0,         /* Hugging Face daily papers */
	SRC_ARXIV_API = 1 << 1,  /* arXiv API Atom */
	SRC_ARXIV_OAI = 1 << 2,  /* arXiv OAI-PMH */
	SRC_ARXIV_SNAP = 1 << 3, /* arXiv metadata snapshot (Kaggle JSON lines) */
};
#define SRC_ARXIV_ANY (SRC_ARXIV_API | SRC_ARXIV_OAI | SRC_ARXIV_SNAP)

/*
 * One paper. Strings are owned (malloc'd) or NULL when unknown; times are
 * ms since the epoch, 0 when unknown; counters are -1 when unknown.
 * Initialise with paper_init(), free with paper_release().
 */
struct paper {
	char id[PAPER_ID_MAX]; /* "2505.24864" or "hep-th/9901001", no version */
	int version;           /* latest version known, 0 when unknown */
	char *title, *abstract;   /* whitespace collapsed, LaTeX as written */
	struct strlist authors;   /* in order */
	/* "Name\tuser" for each author who claimed the paper on Hugging Face */
	struct strlist author_users;
	struct strlist categories; /* primary first */
	pb_time published, updated;
	char *doi, *journal_ref, *comments, *license;
	char *code_url;     /* repository: GitHub, GitLab, Bitbucket or Hugging Face */
	bool code_explicit; /* code_url came from the source, not from the text */
	char *project_page;
	/* Daily-Papers facts */
	char hf_day[16];       /* "YYYY-MM-DD" featured on the daily page, "" if never */
	pb_time submitted_at;  /* submittedOnDailyAt */
	char *submitter, *submitter_name; /* username and full name */
	int upvotes, num_comments, github_stars;
	char *ai_summary;
	struct strlist ai_keywords;
	char *discussion_id;
	char *organization;       /* Hugging Face organization: compact JSON
				   * {"_id","name","fullname","avatar"}, or NULL */
	struct strlist media_urls; /* videos and images shown with the paper */
	char *thumbnail;          /* where Hugging Face keeps its thumbnail */
	bool author_participating; /* an author takes part in the discussion on Hugging Face */
	unsigned sources; /* enum paper_source bits */
	/* paperboy's own community facts, kept by the store beside the
	 * imported ones (never written by an upsert, ignored by paper_equal):
	 * votes and comments made here, and a moderator's hiding. */
	int local_votes, local_comments;
	bool hidden;
};

/* Upvotes shown: imported Hugging Face upvotes as a baseline plus local
 * votes. Comments are not added up that way: those written here
 * (local_comments, the visible ones) are the discussion shown here, and
 * those held on Hugging Face (num_comments, imported) are shown as such. */
int paper_upvotes(const struct paper *p);
int paper_comments(const struct paper *p);    /* here */
int paper_hf_comments(const struct paper *p); /* on Hugging Face */
/* A stable 24-hex-digit id derived from text (the shape of Hugging Face's
 * MongoDB ids: "_id" of authors, users and discussions). */
void pb_object_id(const char *a, const char *b, size_t i, char out[25]);

void paper_init(struct paper *p);
void paper_release(struct paper *p);
/* Deep copy; dst must be initialised (its old contents are released). */
void paper_copy(struct paper *dst, const struct paper *src);
bool paper_equal(const struct paper *a, const struct paper *b);

/*
 * The arXiv identifiers text[0..len) names, as a paper's reference list
 * does: new style (2401.12345, 0704.0001, with a version or not), old
 * style (hep-th/9901001, math.AG/0101001 read as math/0101001: a known
 * archive), alone or in "arXiv:", abs/pdf URLs and 10.48550/arXiv. DOIs.
 * A new-style id's month is 01-12, four digits after the dot until 1412
 * and five from 1501; no letter or digit touches it on either side (a
 * version "vN" after it is read and dropped). Into out: the ids without
 * versions, each once, sorted, self (NULL: none) left out, at most
 * PAPER_REFS_MAX (those first in the text).
 */
#define PAPER_REFS_MAX 2000
void paper_refs_find(const char *text, size_t len, const char *self, struct strlist *out);

/*
 * Parses an arXiv identifier as found anywhere: "2505.24864", "2505.24864v2",
 * "arXiv:2505.24864", "https://arxiv.org/abs/2505.24864v2", ".../pdf/...",
 * ".../html/...", "https://huggingface.co/papers/2505.24864",
 * "https://www.alphaxiv.org/abs/2505.24864", "10.48550/arXiv.2505.24864"
 * (also as a doi.org URL or "doi:..."),
 * "oai:arXiv.org:hep-th/9901001", "hep-th/9901001v3", "math.GT/0309136".
 * Writes the id without version into id and the version (0 if none) into
 * *version. Returns 0, or -1 when s holds no valid id.
 */
int arxiv_id_parse(const char *s, char id[PAPER_ID_MAX], int *version);

/*
 * Finds a code repository URL in text (abstract, comments) and returns a
 * malloc'd normalised "https://host/owner/repo" or NULL.
 */
char *code_url_find(const char *text);

/*
 * Drops the link fields (code_url, project_page) that are not http(s) URLs
 * (url_is_web), calling drop(ctx, field, value) for each before it goes;
 * the rest of the paper is kept. Spaces inside an http(s) URL (a typo no
 * URL can hold) are removed first.
 */
void paper_check_links(struct paper *p, void (*drop)(void *ctx, const char *field, const char *value), void *ctx);

/*
 * Fills derived fields after a source parser has set what it knows:
 * a code_url found in the abstract or comments when none is given.
 */
void paper_finish(struct paper *p);

/*
 * Merges `in` into `cur` (the stored paper). arXiv metadata is replaced when
 * `in` is a newer arXiv record (higher version, else later update time) and
 * otherwise only fills fields `cur` lacks; Hugging Face facts are replaced
 * by a record featured later, counters never go down. Idempotent: merging
 * the same record twice changes nothing the second time.
 */
void paper_merge(struct paper *cur, const struct paper *in);

/*
 * The paper as a Hugging Face papers API object: id, title, summary,
 * authors [{name}], publishedAt (ISO-8601 Z), upvotes, and when known
 * githubRepo, projectPage, ai_summary, ai_keywords, submittedOnDailyAt,
 * submittedOnDailyBy, plus paperboy's own arXiv fields. Returns a new
 * reference the caller owns (json_decref).
 */
json_t *paper_to_json(const struct paper *p);

/* The organization's name and full name ("" when none), from
 * p->organization. */
void paper_org(const struct paper *p, char name[128], char fullname[256]);
/* Whether p matches a reader's follow or mute of kind: "word" (a whole
 * word or phrase of the title or abstract, any case), "author" (one of its
 * authors), "category", "org" (the Hugging Face organization's name or
 * full name) or "hfuser" (who submitted it). Other kinds ("search", which
 * needs the index) match nothing here. An author followed as a person,
 * "Name @user", matches only the papers that user claimed on Hugging Face
 * (not namesakes); a bare name matches every author of that name. */
bool paper_matches(const struct paper *p, const char *kind, const char *value);
/* The Hugging Face username of the author named name, when they claimed p
 * there, else NULL (a pointer into p). */
const char *paper_author_user(const struct paper *p, const char *name);
/* An author follow's value: "Name @user" for a person, "Name" by name.
 * paper_author_follow writes the value for p's author name (out of size
 * n); follow_author_name splits a value into the name (out) and the user
 * (the returned pointer into value, or NULL when by name only). */
void paper_author_follow(const struct paper *p, const char *name, char *out, size_t n);
const char *follow_author_name(const char *value, char *out, size_t n);

/* A reader's rules of that kind (their mutes, say): kind/value pairs. */
struct paper_rules {
	struct strlist kind, value;
};
void paper_rules_add(struct paper_rules *r, const char *kind, const char *value);
/* The first rule p matches (its index), or -1. */
long paper_rules_match(const struct paper_rules *r, const struct paper *p);
void paper_rules_release(struct paper_rules *r);

/* What a link of a paper points to, by its URL. */
enum link_kind { LINK_CODE, LINK_MODEL, LINK_DATASET, LINK_SPACE, LINK_PAGE };
enum link_kind link_kind_of(const char *url);
/* "Code", "Model", "Dataset", "Space", "Project page". */
const char *link_kind_name(enum link_kind k);

/* The feed day: the Daily-Papers day, else the arXiv publication day. */
void paper_feed_day(const struct paper *p, char out[16]);

/* ---- citations (cite.c) ----------------------------------------------------
 * A paper as one BibTeX entry, one RIS record or one CSV row, appended to
 * b, with a reader's note (plain text, NULL or "" for none). Text from
 * arXiv keeps its LaTeX; the note is escaped as plain text. Safe for any
 * value a paper can hold. */
void cite_bibtex(const struct paper *p, const char *note, struct buf *b);
void cite_ris(const struct paper *p, const char *note, struct buf *b);
void cite_csv_header(struct buf *b);
void cite_csv(const struct paper *p, const char *note, struct buf *b);
/* Plain text for a BibTeX field: every character TeX acts on escaped. */
void cite_tex_plain(struct buf *b, const char *s);

#endif
