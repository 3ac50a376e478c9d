/*
 * url.c - database URLs as the rest of the store and its callers read
 * them (store.h): which backend one names, and one fit for messages.
 */
#include "store_int.h"

char *store_url_redact(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
	const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
	if (!colon)
		return xstrdup(url);
	struct buf b = BUF_INIT;
	buf_add(&b, url, (size_t)(colon - url) + 1);
	buf_adds(&b, "***");
	buf_adds(&b, at);
	return buf_detach(&b);
}

bool store_url_is_pg(const char *url)
{
	return url && (str_has_prefix(url, "postgresql://") || str_has_prefix(url, "postgres://"));
}
