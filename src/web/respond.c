/*
 * respond.c - a request's inputs and the parts of its answer (respond.h).
 */
#include "respond.h"
#include "http.h"
#include <microhttpd.h>

const char *req_arg(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct url_with {
	struct buf *out;
	const char *skip;
	bool first;
};

static enum MHD_Result add_arg(void *ctx, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct url_with *u = ctx;
	if (u->skip && !strcmp(key, u->skip))
		return MHD_YES;
	buf_addc(u->out, u->first ? '?' : '&');
	u->first = false;
	buf_add_url(u->out, key);
	if (value) {
		buf_addc(u->out, '=');
		buf_add_url(u->out, value);
	}
	return MHD_YES;
}

void req_url_with(struct req *r, const char *name, const char *value, struct buf *out)
{
	buf_adds(out, r->path);
	struct url_with u = { out, name, true };
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &u);
	if (!value)
		return;
	buf_addf(out, "%c", u.first ? '?' : '&');
	buf_add_url(out, name);
	buf_addc(out, '=');
	buf_add_url(out, value);
}

bool req_layout_list(struct req *r)
{
	const char *v = req_cookie(r, "layout");
	return v && !strcmp(v, "list");
}

const char *req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *req_form(struct req *r, const char *name)
{
	for (size_t i = 0; i < r->form_k.n; i++)
		if (!strcmp(r->form_k.v[i], name))
			return r->form_v.v[i];
	return NULL;
}

void resp_header(struct resp *o, const char *name, const char *value)
{
	struct buf h = BUF_INIT;
	buf_addf(&h, "%s: %s", name, value);
	strlist_push(&o->headers, h.s, h.len);
	buf_release(&h);
}

void resp_redirect(struct resp *o, const char *location)
{
	o->status = 303;
	resp_header(o, "Location", local_path_ok(location) ? location : "/");
	buf_reset(&o->body);
}

void resp_cookie(struct req *r, struct resp *o, const char *name, const char *value, long max_age, bool http_only)
{
	struct buf c = BUF_INIT;
	buf_addf(&c, "%s=%s; Path=/; Max-Age=%ld; SameSite=Lax%s%s", name, value, max_age,
		 http_only ? "; HttpOnly" : "", r->w->cfg.secure_cookies || r->https ? "; Secure" : "");
	resp_header(o, "Set-Cookie", c.s);
	buf_release(&c);
}

void resp_json(struct resp *o, int status, json_t *j)
{
	o->status = status;
	o->ctype = "application/json; charset=utf-8";
	buf_reset(&o->body);
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	buf_adds(&o->body, s ? s : "null");
	free(s);
	json_decref(j);
}

void resp_init(struct resp *o)
{
	memset(o, 0, sizeof(*o));
	o->status = 200;
	o->ctype = "text/html; charset=utf-8";
	buf_init_max(&o->body, 64u << 20);
}

void resp_release(struct resp *o)
{
	buf_release(&o->body);
	strlist_release(&o->headers);
}

void resp_retry_after(struct resp *o, long seconds)
{
	char v[32];
	snprintf(v, sizeof(v), "%ld", seconds > 0 ? seconds : 1);
	resp_header(o, "Retry-After", v);
}

struct svc req_svc(struct req *r)
{
	struct svc v = { &r->w->svc, r->s };
	return v;
}

/* The one table: the HTTP status of each kind of outcome, from the rules'
 * answers to the store's failures, and how many seconds a client should
 * wait before it tries again (0: do not). */
static const struct {
	int status, retry_after;
} statuses[] = {
	[PB_OK] = { 200, 0 },	       [PB_ACCEPTED] = { 202, 0 }, [PB_PENDING] = { 202, 0 },
	[PB_INVALID] = { 400, 0 },     [PB_DENIED] = { 403, 0 },   [PB_REFUSED] = { 409, 0 },
	[PB_CONFLICT] = { 409, 0 },    [PB_NOTFOUND] = { 404, 0 }, [PB_LIMITED] = { 429, 0 },
	[PB_BUSY] = { 503, 1 },	       [PB_UNAVAILABLE] = { 503, 5 }, [PB_TIMEOUT] = { 503, 2 },
	[PB_IO] = { 503, 30 },	       [PB_CORRUPT] = { 500, 0 },  [PB_INTERNAL] = { 500, 0 },
};
_Static_assert(ARRAY_SIZE(statuses) == PB_INTERNAL + 1, "an HTTP status for every kind");

int resp_status(enum pb_status st, int *retry_after)
{
	if ((size_t)st >= ARRAY_SIZE(statuses))
		st = PB_INTERNAL;
	if (retry_after)
		*retry_after = statuses[st].retry_after;
	return statuses[st].status;
}

long req_limit_wait(struct req *r, enum svc_limit k, const char *who)
{
	struct svc v = req_svc(r);
	return svc_limit_wait(&v, k, who);
}

void req_limit_count(struct req *r, enum svc_limit k, const char *who)
{
	struct svc v = req_svc(r);
	svc_limit_count(&v, k, who);
}

bool req_form_flag(struct req *r, const char *name)
{
	const char *v = req_form(r, name);
	return v && !strcmp(v, "1");
}
