/*
 * sqlx.c - what both backends keep the same way: their prepared statements,
 * found by the address of the shared SQL text (open addressing, linear
 * probing; each statement allocated once, so callers may keep one across
 * other prepares).
 */
#include "sqlx.h"

struct sqlx_cache_entry {
	const char *key;
	struct sqlx_stmt *q;
};

static size_t slot_of(const struct sqlx_cache *c, const char *key)
{
	size_t h = ((uintptr_t)key >> 3) * 0x9E3779B97F4A7C15ull;
	return (h >> 17) & (c->cap - 1);
}

static void grow(struct sqlx_cache *c)
{
	struct sqlx_cache_entry *old = c->e;
	size_t ocap = c->cap;
	c->cap = ocap ? ocap * 2 : 256;
	c->e = xcalloc(c->cap, sizeof(*c->e));
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].key)
			continue;
		size_t h = slot_of(c, old[i].key);
		while (c->e[h].key)
			h = (h + 1) & (c->cap - 1);
		c->e[h] = old[i];
	}
	free(old);
}

struct sqlx_stmt *sqlx_cache_find(const struct sqlx_cache *c, const char *key)
{
	if (!c->cap)
		return NULL;
	for (size_t h = slot_of(c, key); c->e[h].key; h = (h + 1) & (c->cap - 1))
		if (c->e[h].key == key)
			return c->e[h].q;
	return NULL;
}

void sqlx_cache_add(struct sqlx_cache *c, const char *key, struct sqlx_stmt *q)
{
	if ((c->used + 1) * 4 > c->cap * 3)
		grow(c);
	size_t h = slot_of(c, key);
	while (c->e[h].key)
		h = (h + 1) & (c->cap - 1);
	c->e[h] = (struct sqlx_cache_entry){ key, q };
	c->used++;
}

void sqlx_cache_release(struct sqlx_cache *c, void (*drop)(struct sqlx_stmt *q))
{
	for (size_t i = 0; i < c->cap; i++)
		if (c->e[i].key)
			drop(c->e[i].q);
	free(c->e);
	memset(c, 0, sizeof(*c));
}
