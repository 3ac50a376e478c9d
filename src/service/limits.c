/*
 * limits.c - counters of what clients repeat, kept in the store (shared by
 * every process, kept across restarts, never evicted by other keys), keyed
 * by what they protect. The rules are this one table.
 */
#include "service.h"

static const struct limit_rule {
	const char *name;
	int free_n;              /* events before the key is blocked */
	pb_time quiet_ms;        /* the count starts again after this long without one */
	pb_time base_ms, max_ms; /* the block: doubling per further event, up to max */
} limit_rules[] = {
	/* failed password checks of one account (by its id, or the name
	 * tried when there is no such account): 8, then a minute, doubling
	 * to an hour */
	[LIMIT_SIGNIN_ACCOUNT] = { "signin.account", 8, 10 * 60000, 60000, 3600000 },
	/* of one address, whatever the names (a lab behind one NAT) */
	[LIMIT_SIGNIN_IP] = { "signin.ip", 50, 10 * 60000, 60000, 3600000 },
	/* subscription requests: each may cost a message */
	[LIMIT_SUBSCRIBE_IP] = { "subscribe.ip", 10, 10 * 60000, 10 * 60000, 3600000 },
	[LIMIT_SUBSCRIBE_ADDRESS] = { "subscribe.address", 3, 3600000, 3600000, 24 * 3600000LL },
	/* verification links asked for again */
	[LIMIT_VERIFY_MAIL] = { "verify.mail", 3, 3600000, 3600000, 24 * 3600000LL },
	/* papers fetched from arXiv on a user's asking: 20 an hour (or the
	 * configured number), then a minute between, doubling */
	[LIMIT_FETCH] = { "fetch.arxiv", 20, 3600000, 60000, 3600000 },
	/* accounts made from one address: the configured number an hour,
	 * then an hour's wait, doubling to a day */
	[LIMIT_SIGNUP_IP] = { "signup.ip", 5, 3600000, 3600000, 24 * 3600000LL },
	/* and in all: a flood from many addresses is slowed down too */
	[LIMIT_SIGNUP_ALL] = { "signup.all", 100, 3600000, 10 * 60000, 3600000 },
	/* comments of one account: 30 within a quiet spell of 10 minutes,
	 * then a minute between, doubling to an hour */
	[LIMIT_COMMENT] = { "comment", 30, 10 * 60000, 60000, 3600000 },
	/* the password work (an Argon2 hash or check, tens of milliseconds
	 * of a core each) that one address makes the server do, whatever the
	 * outcome: a sign-in that succeeds costs as much as one that fails.
	 * 20 (about a second of a core) within a spell of two minutes apart
	 * at most, then a minute's wait, doubling to an hour */
	[LIMIT_PASSWORD_IP] = { "password.ip", 20, 2 * 60000, 60000, 3600000 },
	/* forgotten passwords: each request may cost a message, and probes
	 * names; 10 an hour from one address, then ten minutes, doubling */
	[LIMIT_RESET_IP] = { "reset.ip", 10, 3600000, 10 * 60000, 24 * 3600000LL },
	/* links mailed to one account: 3, then an hour, doubling to a day */
	[LIMIT_RESET_ACCOUNT] = { "reset.account", 3, 3600000, 3600000, 24 * 3600000LL },
};
_Static_assert(sizeof(limit_rules) / sizeof(limit_rules[0]) == LIMIT_RESET_ACCOUNT + 1, "a rule for every limit");

/* The rule's number of free events under this configuration; 0: no limit. */
static int free_events(struct svc *v, enum svc_limit k)
{
	switch (k) {
	case LIMIT_FETCH: return v->cfg && v->cfg->fetch_hourly_limit ? v->cfg->fetch_hourly_limit : limit_rules[k].free_n;
	case LIMIT_SIGNUP_IP: return v->cfg ? v->cfg->signups_per_ip : limit_rules[k].free_n;
	case LIMIT_SIGNUP_ALL: return v->cfg ? v->cfg->signups_per_hour : limit_rules[k].free_n;
	case LIMIT_PASSWORD_IP: return v->cfg ? v->cfg->passwords_per_ip : limit_rules[k].free_n;
	default: return limit_rules[k].free_n;
	}
}

static void limit_key(enum svc_limit k, const char *who, char out[320])
{
	snprintf(out, 320, "%s:", limit_rules[k].name);
	size_t n = strlen(out);
	for (const char *p = who; *p && n < 319; p++)
		out[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p); /* one key whatever the case */
	out[n] = '\0';
}

long svc_limit_wait(struct svc *v, enum svc_limit k, const char *who)
{
	if (free_events(v, k) <= 0)
		return 0;
	char key[320];
	limit_key(k, who, key);
	struct store_limit l;
	struct buf err = BUF_INIT;
	long wait = 0;
	pb_time now = time_now_ms();
	if (store_limit_get(v->s, key, &l, &err))
		fprintf(stderr, "paperboy: limits: %s\n", err.s);
	else if (l.blocked_until > now)
		wait = (long)((l.blocked_until - now + 999) / 1000);
	buf_release(&err);
	return wait;
}

void svc_limit_count(struct svc *v, enum svc_limit k, const char *who)
{
	int free_n = free_events(v, k);
	if (free_n <= 0)
		return;
	const struct limit_rule *rule = &limit_rules[k];
	char key[320];
	limit_key(k, who, key);
	struct store_limit l;
	struct buf err = BUF_INIT;
	if (store_limit_hit(v->s, key, time_now_ms(), rule->quiet_ms, free_n, rule->base_ms, rule->max_ms, &l, &err))
		fprintf(stderr, "paperboy: limits: %s\n", err.s);
	buf_release(&err);
}

int svc_limits_prune(struct store *s, struct buf *err)
{
	pb_time quiet = 0;
	for (size_t i = 0; i < sizeof(limit_rules) / sizeof(limit_rules[0]); i++)
		if (limit_rules[i].quiet_ms > quiet)
			quiet = limit_rules[i].quiet_ms;
	return store_limit_prune(s, time_now_ms() - quiet, err);
}

void svc_limit_reset(struct svc *v, enum svc_limit k, const char *who)
{
	char key[320];
	limit_key(k, who, key);
	struct buf err = BUF_INIT;
	store_limit_clear(v->s, key, &err);
	buf_release(&err);
}

enum pb_status svc_store_failed(struct svc *v, const struct buf *err, struct buf *msg)
{
	enum pb_status k = store_errkind(v->s);
	if (msg) { /* msg is read by clients: the store's words (its file, its SQL) go to the log */
		fprintf(stderr, "paperboy: store: %s\n", err->s ? err->s : "(no message)");
		buf_setf(msg, "The database failed.");
	}
	return k == PB_OK ? PB_INTERNAL : k;
}

enum pb_status svc_store_failed_log(struct svc *v, const char *what, const struct buf *err, struct buf *msg)
{
	fprintf(stderr, "paperboy: %s: %s\n", what, err->s ? err->s : "(no message)");
	enum pb_status st = svc_store_failed(v, err, NULL);
	buf_setf(msg, "The database failed.");
	return st;
}
