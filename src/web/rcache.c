/*
 * rcache.c - answers that cost something to make and change rarely, kept
 * for a while by a key that changes when they do: a collection's export
 * (keyed by the collection's `updated`), a private feed (by its reader).
 * Bounded in entries and bytes (the least recently used go first); one
 * lock, held only to copy.
 */
#include "rcache.h"

#define RCACHE_ENTRIES 64
#define RCACHE_BYTES (32u << 20)

struct rentry {
	char *key;
	double until, used;
	int status;
	const char *ctype; /* static strings only */
	bool private_;
	struct buf body;
	struct strlist headers;
};

struct rcache {
	pthread_mutex_t lock;
	struct rentry e[RCACHE_ENTRIES];
	size_t bytes;
};

struct rcache *rcache_new(void)
{
	struct rcache *c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	for (size_t i = 0; i < RCACHE_ENTRIES; i++)
		buf_init(&c->e[i].body);
	return c;
}

static void drop(struct rcache *c, struct rentry *e)
{
	c->bytes -= e->body.len;
	free(e->key);
	e->key = NULL;
	buf_release(&e->body);
	strlist_release(&e->headers);
}

void rcache_free(struct rcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < RCACHE_ENTRIES; i++)
		if (c->e[i].key)
			drop(c, &c->e[i]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

bool rcache_get(struct rcache *c, const char *key, struct resp *o)
{
	bool hit = false;
	double now = mono_seconds();
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < RCACHE_ENTRIES && !hit; i++) {
		struct rentry *e = &c->e[i];
		if (!e->key || strcmp(e->key, key))
			continue;
		if (e->until < now) {
			drop(c, e);
			break;
		}
		e->used = now;
		o->status = e->status;
		o->ctype = e->ctype;
		o->private_ = e->private_;
		buf_reset(&o->body);
		buf_add(&o->body, e->body.s, e->body.len);
		for (size_t k = 0; k < e->headers.n; k++)
			strlist_push(&o->headers, e->headers.v[k], strlen(e->headers.v[k]));
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void rcache_put(struct rcache *c, const char *key, double ttl, const struct resp *o)
{
	if (o->status != 200 || o->body.overflow || o->body.len > RCACHE_BYTES / 4)
		return;
	double now = mono_seconds();
	pthread_mutex_lock(&c->lock);
	/* its old value, or an empty slot, or the least recently used */
	struct rentry *slot = NULL;
	for (size_t i = 0; i < RCACHE_ENTRIES; i++)
		if (c->e[i].key && !strcmp(c->e[i].key, key))
			slot = &c->e[i];
	for (size_t i = 0; !slot && i < RCACHE_ENTRIES; i++)
		if (!c->e[i].key)
			slot = &c->e[i];
	if (!slot) {
		slot = &c->e[0];
		for (size_t i = 1; i < RCACHE_ENTRIES; i++)
			if (c->e[i].used < slot->used)
				slot = &c->e[i];
	}
	if (slot->key)
		drop(c, slot);
	/* room in bytes: the least recently used go */
	while (c->bytes + o->body.len > RCACHE_BYTES) {
		struct rentry *old = NULL;
		for (size_t i = 0; i < RCACHE_ENTRIES; i++)
			if (c->e[i].key && (!old || c->e[i].used < old->used))
				old = &c->e[i];
		if (!old)
			break;
		drop(c, old);
	}
	slot->key = xstrdup(key);
	slot->until = now + ttl;
	slot->used = now;
	slot->status = o->status;
	slot->ctype = o->ctype;
	slot->private_ = o->private_;
	buf_init(&slot->body);
	buf_add(&slot->body, o->body.s, o->body.len);
	for (size_t k = 0; k < o->headers.n; k++)
		strlist_push(&slot->headers, o->headers.v[k], strlen(o->headers.v[k]));
	c->bytes += o->body.len;
	pthread_mutex_unlock(&c->lock);
}
