/*
 * thumbfile.c - the thumbnail cache's files (thumbfile.h).
 */
#include "thumbfile.h"
#include <dirent.h>

struct thumb_set {
	pthread_rwlock_t lock;
	struct strlist ids; /* sorted */
};

void thumb_file(const char *dir, const char *id, const char *ext, struct buf *out)
{
	buf_reset(out);
	buf_addf(out, "%s/", dir);
	for (const char *p = id; *p; p++)
		buf_addc(out, *p == '/' ? '_' : *p);
	buf_adds(out, ext);
}

void thumb_path(const char *id, struct buf *out)
{
	buf_reset(out);
	buf_adds(out, "/thumbs/");
	for (const char *p = id; *p; p++)
		buf_addc(out, *p == '/' ? '_' : *p);
	buf_adds(out, ".png");
}

/* Where name (a file name: the id with '_' for '/') is or would go. */
static size_t find(const struct strlist *ids, const char *name, bool *there)
{
	size_t lo = 0, hi = ids->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(ids->v[mid], name);
		if (!c) {
			*there = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*there = false;
	return lo;
}

static void name_of(const char *id, char out[PAPER_ID_MAX])
{
	snprintf(out, PAPER_ID_MAX, "%s", id);
	for (char *p = out; *p; p++)
		if (*p == '/')
			*p = '_';
}

bool thumb_exists(struct web *w, const char *id)
{
	struct thumb_set *ts = w->thumb_set;
	if (!ts)
		return false;
	char name[PAPER_ID_MAX];
	name_of(id, name);
	bool there;
	pthread_rwlock_rdlock(&ts->lock);
	find(&ts->ids, name, &there);
	pthread_rwlock_unlock(&ts->lock);
	return there;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void thumb_set_load(struct web *w)
{
	if (!w->thumb_dir)
		return;
	struct thumb_set *ts = xcalloc(1, sizeof(*ts));
	pthread_rwlock_init(&ts->lock, NULL);
	DIR *d = opendir(w->thumb_dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n > 4 && n < PAPER_ID_MAX + 4 && !strcmp(e->d_name + n - 4, ".png") && e->d_name[0] != '.')
			strlist_push(&ts->ids, e->d_name, n - 4);
	}
	if (d)
		closedir(d);
	if (ts->ids.n > 1)
		qsort(ts->ids.v, ts->ids.n, sizeof(*ts->ids.v), cmp_names);
	w->thumb_set = ts;
}

void thumb_set_add(struct web *w, const char *id)
{
	struct thumb_set *ts = w->thumb_set;
	if (!ts)
		return;
	char name[PAPER_ID_MAX];
	name_of(id, name);
	bool there;
	pthread_rwlock_wrlock(&ts->lock);
	size_t at = find(&ts->ids, name, &there);
	if (!there) {
		strlist_push(&ts->ids, name, strlen(name));
		char *last = ts->ids.v[ts->ids.n - 1];
		memmove(&ts->ids.v[at + 1], &ts->ids.v[at], (ts->ids.n - 1 - at) * sizeof(*ts->ids.v));
		ts->ids.v[at] = last;
	}
	pthread_rwlock_unlock(&ts->lock);
}

void thumb_set_free(struct web *w)
{
	struct thumb_set *ts = w->thumb_set;
	if (!ts)
		return;
	strlist_release(&ts->ids);
	pthread_rwlock_destroy(&ts->lock);
	free(ts);
	w->thumb_set = NULL;
}
