/*
 * auth.h - who is asking: the session cookie or bearer token of a request,
 * its CSRF token and origin, and the secrets behind them (256 random bits,
 * stored only as BLAKE2b hashes).
 */
#ifndef PAPERBOY_WEB_AUTH_H
#define PAPERBOY_WEB_AUTH_H

#include "web_int.h"

/* Reads the session cookie (or, when allow_token, a bearer token) into
 * r->user: PB_OK (signed in or not), or the store's failure (who asks is
 * not known: the request is answered that failure). */
enum pb_status auth_load(struct req *r, bool allow_token);
/* Whether the form (or X-CSRF-Token) repeats the visitor's CSRF token. */
bool auth_csrf_ok(struct req *r);
/* Whether a state-changing request comes from a page of this site. */
bool auth_same_origin(struct req *r);
/* Whether url (an Origin or a Referer) is of this site. */
bool auth_origin_is_ours(struct req *r, const char *url);
/* 43-character base64url of 32 random bytes. */
void auth_token_new(char out[48]);
/* Hash of a secret token (session or API) as stored. */
void auth_token_hash(const char *token, uint8_t out[TOKEN_HASH_BYTES]);
/* A new session for user_id: stored (hashed) and set as the cookie; -1
 * when the store failed (the caller answers). */
int auth_start_session(struct req *r, struct resp *o, int64_t user_id);

/* Back where a form was: its own local path ("back"), else the page of
 * this site it was on (Referer), else def. */
void auth_redirect_back(struct req *r, struct resp *o, const char *def);

#endif
