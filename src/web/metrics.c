/*
 * metrics.c - counters of what the server answered (metrics.h): requests
 * by route and status, a histogram of their durations, counted with atomic
 * adds (no lock on the request path).
 */
#include "metrics.h"

static const int metric_statuses[] = { 200, 201, 202, 204, 301, 302, 303, 304, 400, 401, 403, 404,
				       405, 409, 410, 413, 414, 415, 429, 500, 503 };
#define NSTATUS (ARRAY_SIZE(metric_statuses) + 1) /* + "other" */
static const double metric_buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
					 0.1, 0.25, 0.5, 1, 2.5, 5 };
#define NBUCKETS (ARRAY_SIZE(metric_buckets) + 1) /* + Inf */

struct metrics {
	size_t nroutes;
	uint64_t *requests; /* [route + 1][NSTATUS]: route -1 (none) first */
	uint64_t buckets[NBUCKETS];
	uint64_t count, sum_us;
	uint64_t busy; /* requests being served now */
};

struct metrics *metrics_new(size_t nroutes)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	m->nroutes = nroutes;
	m->requests = xcalloc((nroutes + 1) * NSTATUS, sizeof(*m->requests));
	return m;
}

void metrics_free(struct metrics *m)
{
	if (m)
		free(m->requests);
	free(m);
}

void metrics_observe(struct metrics *m, int route, int status, double ms)
{
	size_t si = NSTATUS - 1;
	for (size_t i = 0; i < ARRAY_SIZE(metric_statuses); i++)
		if (metric_statuses[i] == status)
			si = i;
	size_t ri = route >= 0 && (size_t)route < m->nroutes ? (size_t)route + 1 : 0;
	__atomic_add_fetch(&m->requests[ri * NSTATUS + si], 1, __ATOMIC_RELAXED);
	double sec = ms / 1000;
	size_t b = 0;
	while (b < ARRAY_SIZE(metric_buckets) && sec > metric_buckets[b])
		b++;
	__atomic_add_fetch(&m->buckets[b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->count, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->sum_us, (uint64_t)(ms * 1000), __ATOMIC_RELAXED);
}

void metrics_busy(struct metrics *m, int delta)
{
	if (delta > 0)
		__atomic_add_fetch(&m->busy, 1, __ATOMIC_RELAXED);
	else
		__atomic_sub_fetch(&m->busy, 1, __ATOMIC_RELAXED);
}

void metrics_label(struct buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_addc(b, '\\');
		if (*v == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *v);
	}
}

static void write_requests(struct metrics *m, const char *node, struct buf *b)
{
	buf_addf(b, "# HELP paperboy_http_requests_total Requests answered, by route and status.\n"
		    "# TYPE paperboy_http_requests_total counter\n");
	for (size_t ri = 0; ri <= m->nroutes; ri++) {
		for (size_t si = 0; si < NSTATUS; si++) {
			uint64_t v = __atomic_load_n(&m->requests[ri * NSTATUS + si], __ATOMIC_RELAXED);
			if (!v)
				continue;
			struct buf route = BUF_INIT, rl = BUF_INIT;
			if (ri)
				buf_addf(&route, "%s %s", web_routes[ri - 1].method, web_routes[ri - 1].pattern);
			else
				buf_adds(&route, "none");
			metrics_label(&rl, route.s);
			char st[8];
			if (si < ARRAY_SIZE(metric_statuses))
				snprintf(st, sizeof(st), "%d", metric_statuses[si]);
			else
				snprintf(st, sizeof(st), "other");
			buf_addf(b, "paperboy_http_requests_total{node=\"%s\",route=\"%s\",status=\"%s\"} %llu\n", node, rl.s,
				 st, (unsigned long long)v);
			buf_release(&route);
			buf_release(&rl);
		}
	}
}

void metrics_write(struct metrics *m, const char *node, struct buf *b)
{
	write_requests(m, node, b);
	buf_addf(b, "# HELP paperboy_http_request_duration_seconds Time to answer a request.\n"
		    "# TYPE paperboy_http_request_duration_seconds histogram\n");
	uint64_t cum = 0;
	for (size_t i = 0; i < NBUCKETS; i++) {
		cum += __atomic_load_n(&m->buckets[i], __ATOMIC_RELAXED);
		if (i < ARRAY_SIZE(metric_buckets))
			buf_addf(b, "paperboy_http_request_duration_seconds_bucket{node=\"%s\",le=\"%g\"} %llu\n", node,
				 metric_buckets[i], (unsigned long long)cum);
		else
			buf_addf(b, "paperboy_http_request_duration_seconds_bucket{node=\"%s\",le=\"+Inf\"} %llu\n", node,
				 (unsigned long long)cum);
	}
	buf_addf(b, "paperboy_http_request_duration_seconds_sum{node=\"%s\"} %.6f\n", node,
		 (double)__atomic_load_n(&m->sum_us, __ATOMIC_RELAXED) / 1e6);
	buf_addf(b, "paperboy_http_request_duration_seconds_count{node=\"%s\"} %llu\n", node,
		 (unsigned long long)__atomic_load_n(&m->count, __ATOMIC_RELAXED));
	buf_addf(b, "# HELP paperboy_requests_busy Requests being served now.\n# TYPE paperboy_requests_busy gauge\n"
		    "paperboy_requests_busy{node=\"%s\"} %llu\n",
		 node, (unsigned long long)__atomic_load_n(&m->busy, __ATOMIC_RELAXED));
	buf_addf(b, "# HELP paperboy_password_work_total Password hashes and checks (Argon2id) done.\n"
		    "# TYPE paperboy_password_work_total counter\n"
		    "paperboy_password_work_total{node=\"%s\"} %llu\n",
		 node, svc_password_work());
}
