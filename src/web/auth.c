/*
 * auth.c - who is asking (auth.h). A session cookie holds 256 random bits;
 * the store keeps only their BLAKE2b hash, so a copy of the database opens
 * no session. API tokens likewise. A state-changing request on the
 * strength of a cookie must repeat the visitor's CSRF token (double
 * submit) and come from this site.
 */
#include "auth.h"
#include "http.h"
#include "respond.h"
#include <microhttpd.h>
#include <sodium.h>

#define SESSION_DAYS 30

bool auth_origin_is_ours(struct req *r, const char *url)
{
	if (!url)
		return false;
	size_t n = strlen(r->w->origin);
	if (!strncmp(url, r->w->origin, n) && (url[n] == '\0' || url[n] == '/'))
		return true;
	/* the address the browser used, when it differs from base_url */
	const char *host = req_header(r, MHD_HTTP_HEADER_HOST);
	for (int i = 0; host && i < 2; i++) {
		char mine[320];
		snprintf(mine, sizeof(mine), "%s://%s", i ? "https" : "http", host);
		n = strlen(mine);
		if (!strncmp(url, mine, n) && (url[n] == '\0' || url[n] == '/'))
			return true;
	}
	return false;
}

/* Whether a state-changing request comes from a page of this site: its
 * Origin (or, without one, its Referer) names this site, or neither is
 * sent (a script, not a browser); Sec-Fetch-Site, when sent, says so. */
bool auth_same_origin(struct req *r)
{
	const char *sfs = req_header(r, "Sec-Fetch-Site");
	if (sfs && strcmp(sfs, "same-origin") && strcmp(sfs, "none"))
		return false;
	const char *origin = req_header(r, "Origin");
	const char *src = origin ? origin : req_header(r, "Referer");
	return !src || auth_origin_is_ours(r, src);
}

void auth_token_new(char out[48])
{
	uint8_t raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, 48, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void auth_token_hash(const char *token, uint8_t out[TOKEN_HASH_BYTES])
{
	crypto_generichash(out, TOKEN_HASH_BYTES, (const uint8_t *)token, strlen(token), NULL, 0);
}

enum pb_status auth_load(struct req *r, bool allow_token)
{
	struct buf err = BUF_INIT;
	const char *auth = allow_token ? req_header(r, "Authorization") : NULL;
	int rc = 1;
	if (auth && str_has_prefix(auth, "Bearer ")) {
		uint8_t h[TOKEN_HASH_BYTES];
		auth_token_hash(auth + 7, h);
		if ((rc = store_token_user(r->s, h, time_now_ms(), &r->user, &err)) == 0)
			r->signed_in = r->via_token = true;
		sodium_memzero(h, sizeof(h));
	} else {
		const char *ck = req_cookie(r, "pb_session");
		if (ck && strlen(ck) == 43) {
			auth_token_hash(ck, r->session_hash);
			if ((rc = store_session_get(r->s, r->session_hash, time_now_ms(), &r->user, &err)) == 0)
				r->signed_in = true;
		}
	}
	enum pb_status st = PB_OK;
	if (rc < 0) { /* who asks is not known: not the same as nobody */
		fprintf(stderr, "paperboy: serve: reading the session or token: %s\n", err.s);
		struct svc v = req_svc(r);
		st = svc_store_failed(&v, &err, NULL);
		memset(&r->user, 0, sizeof(r->user));
		r->signed_in = r->via_token = false;
	}
	buf_release(&err);
	return st;
}

bool auth_csrf_ok(struct req *r)
{
	const char *f = req_form(r, "csrf");
	if (!f)
		f = req_header(r, "X-CSRF-Token");
	return !r->new_csrf && f && strlen(f) == strlen(r->csrf) && sodium_memcmp(f, r->csrf, strlen(f)) == 0;
}

int auth_start_session(struct req *r, struct resp *o, int64_t user_id)
{
	char tok[48];
	uint8_t h[TOKEN_HASH_BYTES];
	auth_token_new(tok);
	auth_token_hash(tok, h);
	struct buf err = BUF_INIT;
	int rc = store_session_add(r->s, h, user_id, time_now_ms() + (pb_time)SESSION_DAYS * 86400000, &err);
	if (rc)
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
	else
		resp_cookie(r, o, "pb_session", tok, (long)SESSION_DAYS * 86400, true);
	sodium_memzero(tok, sizeof(tok));
	buf_release(&err);
	return rc ? -1 : 0;
}

void auth_redirect_back(struct req *r, struct resp *o, const char *def)
{
	const char *b = req_form(r, "back");
	if (!(b && local_path_ok(b))) {
		/* the page of this site the form was on */
		const char *ref = req_header(r, "Referer");
		const char *rest = ref && strstr(ref, "://") ? strchr(strstr(ref, "://") + 3, '/') : NULL;
		b = rest && local_path_ok(rest) && auth_origin_is_ours(r, ref) ? rest : def;
	}
	resp_redirect(o, b);
}
