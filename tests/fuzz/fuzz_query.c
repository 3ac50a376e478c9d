/*
 * fuzz_query.c - libFuzzer target: arbitrary bytes as a search query (all
 * modes) and as text for the tokenizer, against a small index built once.
 * The tokenizer's ASCII path and its general path give the same tokens.
 */
#include "../../src/search/search.h"
#include "../../src/search/search_int.h"
#include <unistd.h>

static struct search_index *ix;
static struct tokenizer *tk;
static struct search_cursor *cur;

static void noop(void *ctx, const char *t, size_t n, unsigned pos, unsigned flags)
{
	(void)ctx, (void)t, (void)n, (void)pos, (void)flags;
}

/* Every token with its position and flags. */
static void note(void *ctx, const char *t, size_t n, unsigned pos, unsigned flags)
{
	buf_addf(ctx, "%.*s@%u/%u ", (int)n, t, pos, flags);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* CTest points this at nothing: the lexical engine is what is fuzzed here */
	search_configure(&(struct search_config){ .vectors = getenv("PAPERBOY_VECTORS") });
	progress_off();
	char dir[] = "/tmp/pb-fuzz-XXXXXX";
	if (!mkdtemp(dir))
		abort();
	struct buf db = BUF_INIT, ixp = BUF_INIT, err = BUF_INIT;
	buf_addf(&db, "%s/f.db", dir);
	struct store *s;
	if (store_open(db.s, STORE_CREATE, &s, &err))
		abort();
	static const char *titles[] = { "GPT-4 in-context learning", "Diffusion models for video",
					"ResNet-50 on ImageNet in 3D", "Quantum spin lattice", "Llama-3.1-8B reasoning" };
	struct paper p[5];
	enum upsert_result r[5];
	for (int i = 0; i < 5; i++) {
		paper_init(&p[i]);
		snprintf(p[i].id, sizeof(p[i].id), "2501.0000%d", i);
		p[i].title = xstrdup(titles[i]);
		p[i].abstract = xstrdup("We study transformers, attention and diffusion with L2 loss.");
		strlist_push(&p[i].authors, "Yann LeCun", 10);
		strlist_push(&p[i].categories, "cs.LG", 5);
		p[i].published = (pb_time)(20000 + i) * 86400000LL;
		p[i].sources = SRC_ARXIV_SNAP;
	}
	store_begin(s, &err);
	store_upsert_batch(s, p, 5, r, &err);
	store_commit(s, &err);
	search_index_path(db.s, &ixp);
	if (search_index_build(s, ixp.s, &err) || search_open(ixp.s, &ix, &err))
		abort();
	for (int i = 0; i < 5; i++)
		paper_release(&p[i]);
	store_close(s);
	tk = tokenizer_new();
	cur = search_cursor_new(NULL, NULL);
	buf_release(&db);
	buf_release(&ixp);
	buf_release(&err);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *q = xstrndup((const char *)data, size);
	struct search_hit hits[20];
	struct buf err = BUF_INIT;
	for (int m = 0; m < 3; m++) {
		size_t n = 20;
		search_query(ix, cur, q, (enum search_mode)m, hits, &n, &err);
		if (n > 20)
			abort();
	}
	tokenize(tk, (const char *)data, size, true, noop, NULL);
	struct buf fast = BUF_INIT, general = BUF_INIT;
	bool stem = size && (data[0] & 1);
	tokenize_no_simd = size && (data[0] & 2); /* the ASCII path's SIMD code, or its portable one */
	tokenize(tk, (const char *)data, size, stem, note, &fast);
	tokenize_no_simd = false;
	tokenize_general = true;
	tokenize(tk, (const char *)data, size, stem, note, &general);
	tokenize_general = false;
	if (fast.len != general.len || (fast.len && memcmp(fast.s, general.s, fast.len)))
		abort(); /* the two paths disagree */
	buf_release(&fast);
	buf_release(&general);
	buf_release(&err);
	free(q);
	return 0;
}
