/*
 * fuzz_http.c - libFuzzer target: the request pieces of the web server
 * that see raw client bytes. The input is split at newlines into a path,
 * a urlencoded body (or query) and a redirect target:
 *  - the path against every route of the real table;
 *  - the body through percent-decoding and the form parser (every field it
 *    keeps must be UTF-8 text without NUL);
 *  - the redirect target through the local-path check (what passes must
 *    be a path of this site) and the access-log escaping (no control
 *    characters, spaces or quotes left);
 *  - the page-cache key: two parameter lists made from the body give the
 *    same key only when they are the same list;
 *  - the path's raw form tells a NUL its decoding would hold.
 */
#include <arpa/inet.h>
#include "../../src/web/html.h"
#include "../../src/web/http.h"

static void split_params(const char *s, size_t n, char sep, struct strlist *k, struct strlist *v)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == sep) {
			const char *eq = memchr(s + start, '=', i - start);
			size_t kl = eq ? (size_t)(eq - (s + start)) : i - start;
			strlist_push(k, s + start, kl);
			strlist_push(v, eq ? eq + 1 : "", eq ? (size_t)(s + i - eq - 1) : 0);
			start = i + 1;
		}
	}
}

static void key_of(const struct strlist *k, const struct strlist *v, struct buf *key)
{
	buf_reset(key);
	cache_key_part(key, "/search", 7);
	for (size_t i = 0; i < k->n; i++) {
		cache_key_part(key, k->v[i], strlen(k->v[i]));
		cache_key_part(key, v->v[i], strlen(v->v[i]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size;
	const char *nl1 = memchr(s, '\n', size);
	const char *p2 = nl1 ? nl1 + 1 : end;
	const char *nl2 = memchr(p2, '\n', (size_t)(end - p2));
	const char *p3 = nl2 ? nl2 + 1 : end;
	char *path = xstrndup(s, (size_t)((nl1 ? nl1 : end) - s));
	char *body = xstrndup(p2, (size_t)((nl2 ? nl2 : end) - p2));
	char *target = xstrndup(p3, (size_t)(end - p3));

	struct req r;
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < web_nroutes; i++)
		if (route_match(web_routes[i].pattern, path, &r))
			for (int c = 0; c < 4 && r.cap[c]; c++)
				if (strchr(r.cap[c], '/') || !*r.cap[c])
					abort(); /* a capture is one non-empty segment */

	struct buf out = BUF_INIT, why = BUF_INIT;
	/* a path whose decoding holds a NUL is told by its raw form (and
	 * refused): the decoded path is never cut short */
	size_t plen = strcspn(path, "?");
	url_decode(&out, path, plen);
	if ((memchr(out.s, '\0', out.len) != NULL) != raw_path_has_nul(path))
		abort();
	buf_reset(&out);
	url_decode(&out, body, strlen(body));
	struct strlist k = STRLIST_INIT, v = STRLIST_INIT;
	if (form_parse(body, strlen(body), &k, &v, &why) == 0)
		for (size_t i = 0; i < k.n; i++)
			if (!utf8_valid(k.v[i], strlen(k.v[i])) || !utf8_valid(v.v[i], strlen(v.v[i])))
				abort();
	strlist_release(&k);
	strlist_release(&v);

	/* X-Forwarded-For behind trusted proxies: the result is always an
	 * address (the peer's, or one from the header) */
	static const char *const trusted = "127.0.0.0/8, ::1, 10.0.0.0/8";
	struct cidr *cl;
	size_t ncl;
	if (cidr_parse_list(trusted, "fuzz", &cl, &ncl, &why) || ncl != 3)
		abort();
	char ip[64] = "127.0.0.1";
	forwarded_client(cl, ncl, body, ip);
	unsigned char bin[16];
	if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1)
		abort();
	free(cl);
	if (cidr_parse_list(body, "fuzz", &cl, &ncl, &why) == 0) {
		cidr_match(cl, ncl, target);
		free(cl);
	}

	if (local_path_ok(target) && (target[0] != '/' || target[1] == '/' || target[1] == '\\' ||
				      strpbrk(target, " \t\r\n\\")))
		abort();
	buf_reset(&out);
	log_escape(&out, target);
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.s[i] <= ' ' || out.s[i] == '"' || out.s[i] == 0x7F)
			abort();

	/* the same bytes split two ways: '&' and ';' as separators */
	struct strlist k1 = STRLIST_INIT, v1 = STRLIST_INIT, k2 = STRLIST_INIT, v2 = STRLIST_INIT;
	split_params(body, strlen(body), '&', &k1, &v1);
	split_params(body, strlen(body), ';', &k2, &v2);
	struct buf a = BUF_INIT, b = BUF_INIT;
	key_of(&k1, &v1, &a);
	key_of(&k2, &v2, &b);
	if (a.len == b.len && !memcmp(a.s, b.s, a.len) &&
	    !(strlist_equal(&k1, &k2) && strlist_equal(&v1, &v2)))
		abort(); /* different requests, one key */
	strlist_release(&k1);
	strlist_release(&v1);
	strlist_release(&k2);
	strlist_release(&v2);
	buf_release(&a);
	buf_release(&b);
	buf_release(&out);
	buf_release(&why);
	free(path);
	free(body);
	free(target);
	return 0;
}
