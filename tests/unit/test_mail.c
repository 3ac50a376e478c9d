/* test_mail.c - signed link tokens and address checks. */
#include "../../src/mail/mail.h"
#include "check.h"
#include <sodium.h>

static void test_tokens(void)
{
	uint8_t key[32], other[32];
	CHECK(sodium_init() >= 0);
	randombytes_buf(key, sizeof(key));
	randombytes_buf(other, sizeof(other));
	char tok[96];
	int64_t id = 0;
	mail_token(key, 4242, TOKEN_MANAGE, 10000, tok);
	CHECK(strlen(tok) < 96 && strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(tok));
	CHECK(mail_token_check(key, tok, TOKEN_MANAGE, 9999, &id) == 0 && id == 4242);
	CHECK(mail_token_check(key, tok, TOKEN_MANAGE, 10001, &id) == -1);  /* expired */
	CHECK(mail_token_check(key, tok, TOKEN_CONFIRM, 9999, &id) == -1);  /* another purpose */
	CHECK(mail_token_check(other, tok, TOKEN_MANAGE, 9999, &id) == -1); /* another key */
	/* every single-character change is refused */
	size_t n = strlen(tok), refused = 0;
	for (size_t i = 0; i < n; i++) {
		char t[96];
		memcpy(t, tok, n + 1);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		refused += mail_token_check(key, t, TOKEN_MANAGE, 9999, &id) == -1;
	}
	CHECK(refused == n);
	CHECK(mail_token_check(key, "", TOKEN_MANAGE, 0, &id) == -1);
	CHECK(mail_token_check(key, NULL, TOKEN_MANAGE, 0, &id) == -1);
	CHECK(mail_token_check(key, "!!!!", TOKEN_MANAGE, 0, &id) == -1);
	char big[200];
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(mail_token_check(key, big, TOKEN_MANAGE, 0, &id) == -1);
	/* ids differ, tokens differ */
	char tok2[96];
	mail_token(key, 4243, TOKEN_MANAGE, 10000, tok2);
	CHECK(strcmp(tok, tok2) != 0);
}

static void test_addresses(void)
{
	const char *good[] = { "a@b.org", "first.last+tag@lab.example.ac.uk", "x_y-z@sub.domain.io" };
	const char *bad[] = { "", "a", "a@b", "@b.org", "a@@b.org", "a b@c.org", "a@b.org.", "a@.org", "<a@b.org>",
			      "a@b..org", "a@b.org\r\nBcc: x@y.org", "a,b@c.org", "\"a\"@b.org" };
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		CHECK(email_address_valid(good[i]));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(!email_address_valid(bad[i]));
}

int main(void)
{
	test_tokens();
	test_addresses();
	return check_report("test_mail");
}
