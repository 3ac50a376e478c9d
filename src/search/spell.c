/*
 * spell.c - spelling correction of queries from the index's own
 * vocabulary.
 *
 * Every plain word of the query (4 to SPELL_MAX_LEN letters, not in quotes
 * or a field) that the index hardly knows, or that is not an English word
 * although its stem is common ("reinforcment" stems like "reinforcement"),
 * is compared with every word one edit away (a letter deleted, inserted,
 * replaced, or two swapped). The candidates the index holds are ranked by
 * how many papers hold their stem, English words first (GloVe's vocabulary
 * says which are words: "models", not "modeles"). Then the candidates of
 * the query's words are tried together: the combination whose words occur
 * together in the most papers wins, so each word is corrected in the
 * light of the others.
 *
 * Its cost is bounded whatever the query: at most SPELL_MAX_WORDS words
 * are tried (54 x 20 + 20 candidates each), queries of more than
 * SPELL_MAX_QUERY_WORDS words are not corrected at all (a pasted text is
 * not a typo), at most SPELL_COMBOS combinations are counted, and the whole
 * correction stops at SPELL_BUDGET_S of the thread's CPU time (what was
 * found by then is used).
 */
#include "search_int.h"
#include <ctype.h>
#include <time.h>

#define SPELL_MAX_LEN 20
#define SPELL_MAX_WORDS 6
#define SPELL_MAX_QUERY_WORDS 12
#define SPELL_BUDGET_S 0.010
#define SPELL_CANDS 3
#define SPELL_COMBOS 64
/* A word GloVe ranks beyond this is rare enough to be a misspelling. */
#define SPELL_RARE_RANK 120000

struct spell_cand {
	char w[SPELL_MAX_LEN + 2];
	uint64_t df;   /* papers holding its stem */
	uint32_t rank; /* in GloVe, UINT32_MAX: not an English word */
};

struct spell_word {
	const char *p; /* in the query */
	size_t n;
	char lower[SPELL_MAX_LEN + 1];
	uint64_t df;
	uint32_t rank;
	struct spell_cand c[SPELL_CANDS]; /* best first */
	size_t nc;
	bool keep_ok; /* the word as written is a choice too */
	bool plain;   /* tried: a plain word of the right length */
	size_t pick;  /* 0: as written, k: c[k - 1] */
};

struct spell {
	struct search_index *ix;
	struct tokenizer *tk;
	uint64_t ndocs;
	double deadline;
	struct spell_word w[SPELL_MAX_QUERY_WORDS];
	size_t nw;
};

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct stem_ctx {
	char stem[64];
	size_t n;
};

static void on_stem(void *ctx, const char *term, size_t n, unsigned pos, unsigned flags)
{
	struct stem_ctx *sc = ctx;
	(void)pos;
	if (!sc->n && !(flags & TOK_PART) && n < sizeof(sc->stem)) {
		memcpy(sc->stem, term, n);
		sc->n = n;
	}
}

/* The number of papers whose text holds word's stem; UINT64_MAX for a
 * stop word. */
static uint64_t word_df(struct spell *s, const char *word, size_t n)
{
	struct stem_ctx sc = { "", 0 };
	tokenize(s->tk, word, n, true, on_stem, &sc);
	if (!sc.n)
		return UINT64_MAX;
	uint64_t df = 0;
	for (size_t i = 0; i < s->ix->nseg; i++) {
		const struct idx_term *t = index_term_find(s->ix->seg[i], sc.stem, sc.n);
		df += t ? t->df : 0;
	}
	return df;
}

static bool same_stem(struct spell *s, const char *a, size_t an, const char *b, size_t bn)
{
	struct stem_ctx x = { "", 0 }, y = { "", 0 };
	tokenize(s->tk, a, an, true, on_stem, &x);
	tokenize(s->tk, b, bn, true, on_stem, &y);
	return x.n && x.n == y.n && !memcmp(x.stem, y.stem, x.n);
}

/* Candidates compare by their stem's papers, an English word counting
 * four times an unknown one, then by GloVe's rank. */
static bool cand_better(const struct spell_cand *a, const struct spell_cand *b)
{
	double qa = (double)a->df * (a->rank <= SPELL_RARE_RANK ? 4 : 1);
	double qb = (double)b->df * (b->rank <= SPELL_RARE_RANK ? 4 : 1);
	return qa != qb ? qa > qb : a->rank < b->rank;
}

/* Considers cand[0..m) for word sw (kept among its best few). */
static void consider(struct spell *s, struct spell_word *sw, const char *cand, size_t m, bool common_stem)
{
	uint64_t df = word_df(s, cand, m);
	if (df == UINT64_MAX || df < 3)
		return;
	struct spell_cand c;
	memcpy(c.w, cand, m);
	c.w[m] = '\0';
	c.df = df;
	c.rank = s->ix->glove ? glove_rank(s->ix->glove, cand, m) : UINT32_MAX;
	if (common_stem) {
		/* the word's stem is common: only the English spelling of that
		 * very stem ("reinforcment"), not another word or an inflection
		 * ("rollouts" is not "rollout" misspelled) */
		size_t diff = 0;
		while (diff < m && diff < sw->n && cand[diff] == sw->lower[diff])
			diff++;
		if (c.rank > SPELL_RARE_RANK || diff + 2 >= sw->n || !same_stem(s, sw->lower, sw->n, cand, m))
			return;
	} else if (df < 10 * (sw->df + 1)) {
		return; /* not clearly more common than the word */
	}
	for (size_t i = 0; i < sw->nc; i++)
		if (!strcmp(sw->c[i].w, c.w))
			return;
	size_t at = sw->nc;
	while (at > 0 && cand_better(&c, &sw->c[at - 1]))
		at--;
	if (at >= SPELL_CANDS)
		return;
	size_t last = sw->nc < SPELL_CANDS ? sw->nc : SPELL_CANDS - 1;
	memmove(&sw->c[at + 1], &sw->c[at], (last - at) * sizeof(sw->c[0]));
	sw->c[at] = c;
	if (sw->nc < SPELL_CANDS)
		sw->nc++;
}

/* Fills sw's candidates: every word one edit away that passes. */
static void word_candidates(struct spell *s, struct spell_word *sw)
{
	const char *w = sw->lower;
	size_t n = sw->n;
	sw->df = word_df(s, w, n);
	if (sw->df == UINT64_MAX)
		return;
	sw->rank = s->ix->glove ? glove_rank(s->ix->glove, w, n) : UINT32_MAX;
	bool known = sw->df * 20000 >= s->ndocs + 19999; /* in 1 paper of 20,000, or more */
	bool english = sw->rank <= SPELL_RARE_RANK || !s->ix->glove;
	sw->keep_ok = sw->df > 0;
	if (known && english)
		return; /* a word, and the index knows it */
	char cand[SPELL_MAX_LEN + 2];
	for (int op = 0; op < 4; op++) {
		size_t positions = op == 1 ? n + 1 : op == 3 ? n - 1 : n;
		for (size_t i = 0; i < positions; i++) {
			if (thread_cpu() > s->deadline)
				return; /* the budget is spent: the best so far */
			for (char ch = 'a'; ch <= 'z'; ch++) {
				size_t m = n;
				if (op == 0) { /* delete i (once) */
					if (ch != 'a')
						break;
					memcpy(cand, w, i);
					memcpy(cand + i, w + i + 1, n - i - 1);
					m = n - 1;
				} else if (op == 1) { /* insert ch at i */
					memcpy(cand, w, i);
					cand[i] = ch;
					memcpy(cand + i + 1, w + i, n - i);
					m = n + 1;
				} else if (op == 2) { /* replace i with ch */
					if (w[i] == ch)
						continue;
					memcpy(cand, w, n);
					cand[i] = ch;
				} else { /* swap i, i + 1 (once) */
					if (ch != 'a' || w[i] == w[i + 1])
						break;
					memcpy(cand, w, n);
					cand[i] = w[i + 1];
					cand[i + 1] = w[i];
				}
				consider(s, sw, cand, m, known);
			}
		}
	}
}

/* The papers holding every plain word as the choice picks them. */
static uint64_t choice_df(struct spell *s)
{
	char stems[SPELL_MAX_QUERY_WORDS][64];
	const char *terms[SPELL_MAX_QUERY_WORDS];
	size_t lens[SPELL_MAX_QUERY_WORDS], nt = 0;
	for (size_t i = 0; i < s->nw; i++) {
		const struct spell_word *sw = &s->w[i];
		const char *w = sw->pick ? sw->c[sw->pick - 1].w : sw->lower;
		struct stem_ctx sc = { "", 0 };
		tokenize(s->tk, w, strlen(w), true, on_stem, &sc);
		if (!sc.n)
			continue;
		memcpy(stems[nt], sc.stem, sc.n);
		terms[nt] = stems[nt];
		lens[nt++] = sc.n;
	}
	return nt ? index_conj_df(s->ix, terms, lens, nt) : 0;
}

/* Chooses each word's form: the combination of the open words' options
 * (as written when that is a choice, else their candidates) whose words
 * the most papers hold together; with none held together, each word's
 * best candidate. */
static void choose(struct spell *s)
{
	size_t open[SPELL_MAX_QUERY_WORDS], nopen = 0, combos = 1;
	for (size_t i = 0; i < s->nw; i++) {
		struct spell_word *sw = &s->w[i];
		sw->pick = sw->nc && !sw->keep_ok ? 1 : 0;
		size_t options = sw->nc + (sw->keep_ok ? 1 : 0);
		if (sw->nc && combos * options <= SPELL_COMBOS) {
			open[nopen++] = i;
			combos *= options;
		}
	}
	if (!nopen)
		return;
	size_t best_pick[SPELL_MAX_QUERY_WORDS];
	uint64_t best = 0;
	int best_words = -1;
	for (size_t k = 0; k < combos && (k & 7 || thread_cpu() < s->deadline + SPELL_BUDGET_S / 2); k++) {
		size_t rest = k;
		int words = 0; /* English words picked: "reinforcement", not "reinforcment" (one stem) */
		for (size_t j = 0; j < nopen; j++) {
			struct spell_word *sw = &s->w[open[j]];
			size_t options = sw->nc + (sw->keep_ok ? 1 : 0);
			sw->pick = rest % options + (sw->keep_ok ? 0 : 1);
			rest /= options;
			words += (sw->pick ? sw->c[sw->pick - 1].rank : sw->rank) <= SPELL_RARE_RANK;
		}
		uint64_t df = choice_df(s);
		if (df > best || (df == best && words > best_words)) {
			best = df;
			best_words = words;
			for (size_t j = 0; j < nopen; j++)
				best_pick[j] = s->w[open[j]].pick;
		}
	}
	/* nothing held together (or no time to count): each word's best
	 * candidate, unless the index holds the word as written */
	for (size_t j = 0; j < nopen; j++)
		s->w[open[j]].pick = best ? best_pick[j] : s->w[open[j]].keep_ok ? 0 : 1;
}

/* Reads the query's words into s; false when it has too many to be a typo. */
static bool read_words(struct spell *s, const char *text)
{
	bool quoted = false;
	size_t tried = 0, words = 0;
	for (const char *p = text; *p;) {
		if (*p == '"')
			quoted = !quoted;
		if ((unsigned char)*p >= 0x80) {
			/* a word that starts beyond ASCII ("Übersetzung") is left
			 * whole, not its ASCII tail */
			while (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80)
				p++;
			continue;
		}
		if (!isalpha((unsigned char)*p)) {
			p++;
			continue;
		}
		const char *e = p;
		while (isalnum((unsigned char)*e) || (unsigned char)*e >= 0x80)
			e++;
		if (++words > SPELL_MAX_QUERY_WORDS)
			return false;
		bool field = *e == ':';
		/* letters only, and no capital but the first: not a name such
		 * as "BEIR", "MusicRL" or "GenEval" */
		bool letters = true;
		for (const char *x = p; x < e; x++)
			letters &= isalpha((unsigned char)*x) && (x == p || !isupper((unsigned char)*x));
		struct spell_word *sw = &s->w[s->nw++];
		memset(sw, 0, sizeof(*sw));
		sw->p = p;
		sw->n = (size_t)(e - p);
		sw->plain = !quoted && !field && letters && sw->n >= 4 && sw->n <= SPELL_MAX_LEN && tried < SPELL_MAX_WORDS;
		tried += sw->plain;
		for (size_t i = 0; sw->plain && i < sw->n; i++)
			sw->lower[i] = (char)tolower((unsigned char)p[i]);
		if (!sw->plain) {
			s->nw--; /* not corrected, not counted together */
			if (field) /* the field's value stays as written */
				e = *++e == '"' ? (strchr(e + 1, '"') ? strchr(e + 1, '"') + 1 : e + strlen(e))
						: e + strcspn(e, " \t");
		}
		p = e;
	}
	return true;
}

int spell_correct(struct search_index *ix, struct tokenizer *tk, const char *text, struct buf *out)
{
	struct spell s = { .ix = ix, .tk = tk };
	for (size_t i = 0; i < ix->nseg; i++)
		s.ndocs += ix->seg[i]->h->ndocs;
	buf_reset(out);
	s.deadline = thread_cpu() + SPELL_BUDGET_S;
	if (!read_words(&s, text))
		return -1;
	for (size_t i = 0; i < s.nw; i++)
		word_candidates(&s, &s.w[i]);
	choose(&s);
	int rc = -1;
	const char *p = text;
	for (size_t i = 0; i < s.nw; i++) {
		const struct spell_word *sw = &s.w[i];
		buf_add(out, p, (size_t)(sw->p - p));
		p = sw->p + sw->n;
		if (!sw->pick) {
			buf_add(out, sw->p, sw->n);
			continue;
		}
		const struct spell_cand *c = &sw->c[sw->pick - 1];
		buf_adds(out, c->w);
		/* strong: the word was unknown, or a hundred times rarer */
		int k = sw->df == 0 || c->df >= 100 * (sw->df + 1) ? 1 : 0;
		rc = rc > k ? rc : k;
	}
	buf_adds(out, p);
	return rc;
}
