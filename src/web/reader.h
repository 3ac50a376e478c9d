/*
 * reader.h - the signed-in reader's state, read from the store once per
 * request and only when asked: preferences and marks, mutes, follows, the
 * "Saved" collection, votes on the papers of the page. What a card shows
 * about its reader is computed here (reader_card) and handed to the
 * renderers as data. For anyone signed out every answer is "no".
 */
#ifndef PAPERBOY_WEB_READER_H
#define PAPERBOY_WEB_READER_H

#include "web_int.h"

struct reader; /* in struct req, made on first use */
void reader_free(struct reader *rd);

const struct user_prefs *reader_prefs(struct req *r);
/* Forgets what was read (after the request changed it). */
void reader_prefs_set(struct req *r, const struct user_prefs *p);
/* Why the reader muted p ("word \"x\"" into why), or NULL. */
const char *reader_muted(struct req *r, const struct paper *p, char why[160]);
bool reader_mute_collapse(struct req *r);
/* Whether p was featured after the reader marked everything read. */
bool reader_is_new(struct req *r, const struct paper *p);
bool reader_follows(struct req *r, const char *kind, const char *value);
/* The reader's "Saved" collection when it holds paper id, else 0. */
int64_t reader_saved(struct req *r, const char *id);
/* Reads the reader's votes on ps[0..n) at once (for their cards). */
void reader_votes_prefetch(struct req *r, const struct paper *ps, size_t n);
/* Whether the reader voted for paper id (prefetched, else asked now). */
bool reader_voted(struct req *r, const char *id);

/* What a card shows about its reader. */
struct card_flags {
	char muted[160]; /* why the reader muted the paper ("": not muted) */
	bool collapse;   /* a muted paper is a line saying so (else left out) */
	bool fresh;      /* new since the reader's last visit */
	bool voted;
	int64_t saved;   /* the Saved collection holding it (0: not saved) */
	bool thumb;      /* a picture is in the cache: the thumbnail, or else */
	bool title_card; /* ... the title card paperboy drew (ID.card.png) */
};
void reader_card(struct req *r, const struct paper *p, struct card_flags *f);

#endif
