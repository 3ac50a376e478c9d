/*
 * fuzz_token.c - libFuzzer target: link tokens from mail (confirm, manage,
 * verify). Arbitrary bytes are never accepted as a token; a genuine token
 * with any byte changed is refused.
 */
#include "../../src/mail/mail.h"
#include <sodium.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t key[32];
	if (!key[0]) {
		if (sodium_init() < 0)
			abort();
		memset(key, 7, sizeof(key));
	}
	char *s = xstrndup((const char *)data, size);
	int64_t id;
	for (int p = TOKEN_CONFIRM; p <= TOKEN_VERIFY; p++)
		if (mail_token_check(key, s, (enum mail_token_purpose)p, 0, &id) == 0)
			abort(); /* a forgery */
	if (mail_verify_token_user(s, &id) == 0 && mail_verify_token_check(key, s, id, "a@b.org", 0) == 0)
		abort();
	/* a real token, tampered where the input says */
	char tok[96];
	mail_token(key, 42, TOKEN_MANAGE, INT64_MAX, tok);
	if (size >= 2) {
		size_t at = data[0] % strlen(tok);
		char c = (char)data[1];
		if (tok[at] != c && c) {
			tok[at] = c;
			if (mail_token_check(key, tok, TOKEN_MANAGE, 0, &id) == 0 && id == 42) {
				/* base64 has a few bits that do not matter in the last
				 * character; anything else is a forgery */
				if (at != strlen(tok) - 1)
					abort();
			}
		}
	}
	free(s);
	return 0;
}
