/* common.c - allocation wrappers and the three error levels of common.h. */
#include "../common.h"
#include <pthread.h>

static PB_NORETURN void oom(size_t n)
{
	fprintf(stderr, "paperboy: out of memory (allocating %zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *xaligned_alloc(size_t align, size_t n)
{
	size_t size = (n ? n + align - 1 : align) / align * align; /* a multiple, as aligned_alloc asks */
	void *p = aligned_alloc(align, size);
	if (!p)
		oom(n);
	return p;
}

void run_pair(void *(*fn)(void *), void *first, void *second)
{
	pthread_t th;
	bool threaded = pthread_create(&th, NULL, fn, second) == 0;
	fn(first);
	if (threaded)
		pthread_join(th, NULL);
	else
		fn(second);
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("paperboy: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

void bug_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "paperboy: BUG at %s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

int error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("paperboy: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

const char *pb_status_name(enum pb_status st)
{
	static const char *const names[] = {
#define PB_STATUS_NAME(k, s) s,
		PB_STATUSES(PB_STATUS_NAME)
#undef PB_STATUS_NAME
	};
	return (size_t)st < ARRAY_SIZE(names) ? names[st] : "unknown";
}
