/*
 * conn.c - what keeps slow or greedy clients from starving the others:
 *
 *  - a limit on the connections open at once from one address (checked by
 *    libmicrohttpd's accept policy, counted by its connection notices);
 *  - deadlines: a request's line and headers must arrive within
 *    head_timeout seconds of the connection (or of the previous answer on
 *    a kept-alive one), its body within body_timeout seconds after that.
 *    libmicrohttpd only has an idle timeout, which a client sending one
 *    header line every few seconds never reaches, so a sweeper thread
 *    shuts down the sockets of requests past their deadline (the socket is
 *    shut down, not closed: libmicrohttpd sees the end of the stream and
 *    closes it itself; the entry is removed under the same lock before
 *    libmicrohttpd closes the descriptor, so a reused descriptor is never
 *    touched);
 *  - requests with too many query parameters are answered 414 from the raw
 *    request line, before libmicrohttpd parses them into its per-connection
 *    memory pool (which would run out and leave the client waiting).
 */
#include "conn.h"
#include "http.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <unistd.h>

#define IP_BUCKETS 4096

struct conn_entry {
	struct conn_entry *prev, *next;
	int fd;
	char ip[64];
	int phase;       /* 0 reading a head, 1 reading a body, 2 answering */
	int64_t since;   /* when the phase began, ms on the monotonic clock */
	bool cut;
};

struct ip_count {
	struct ip_count *next;
	unsigned n;
	char ip[64];
};

struct conn_guard {
	struct web *w;
	pthread_mutex_t lock;
	struct conn_entry head; /* circular list of open connections */
	struct ip_count *buckets[IP_BUCKETS];
	uint64_t seed; /* keys the bucket hash: addresses cannot be chosen to collide */
	pthread_t sweeper;
	pthread_cond_t wake;
	bool running;
};

static size_t bucket_of(struct conn_guard *g, const char *ip)
{
	uint8_t h[8];
	crypto_shorthash(h, (const uint8_t *)ip, strlen(ip), (const uint8_t *)&g->seed);
	uint64_t v;
	memcpy(&v, h, sizeof(v));
	return (size_t)(v % IP_BUCKETS);
}

/* The count of ip; created when `create`. Locked. */
static struct ip_count *ip_find(struct conn_guard *g, const char *ip, bool create)
{
	size_t b = bucket_of(g, ip);
	for (struct ip_count *c = g->buckets[b]; c; c = c->next)
		if (!strcmp(c->ip, ip))
			return c;
	if (!create)
		return NULL;
	struct ip_count *c = xcalloc(1, sizeof(*c));
	snprintf(c->ip, sizeof(c->ip), "%s", ip);
	c->next = g->buckets[b];
	g->buckets[b] = c;
	return c;
}

static void ip_release(struct conn_guard *g, const char *ip)
{
	size_t b = bucket_of(g, ip);
	for (struct ip_count **pp = &g->buckets[b]; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->ip, ip)) {
			if (--(*pp)->n == 0) {
				struct ip_count *dead = *pp;
				*pp = dead->next;
				free(dead);
			}
			return;
		}
	}
}

static void addr_text(const struct sockaddr *sa, char out[64])
{
	snprintf(out, 64, "-");
	if (!sa)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 64);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, 64);
}

enum MHD_Result conn_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	(void)addrlen;
	struct web *w = cls;
	struct conn_guard *g = w->guard;
	if (__atomic_load_n(&w->stopping, __ATOMIC_ACQUIRE))
		return MHD_NO; /* stopping: closed at once */
	char ip[64];
	addr_text(addr, ip);
	pthread_mutex_lock(&g->lock);
	struct ip_count *c = ip_find(g, ip, false);
	/* a trusted proxy carries many clients: no per-address cap for it */
	bool ok = !c || c->n < w->cfg.max_per_ip || (w->nproxies && cidr_match(w->proxies, w->nproxies, ip));
	pthread_mutex_unlock(&g->lock);
	return ok ? MHD_YES : MHD_NO;
}

void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	struct web *w = cls;
	struct conn_guard *g = w->guard;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn_entry *e = xcalloc(1, sizeof(*e));
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		addr_text(ci ? ci->client_addr : NULL, e->ip);
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		e->fd = ci ? ci->connect_fd : -1;
		e->since = (int64_t)(mono_seconds() * 1000);
		pthread_mutex_lock(&g->lock);
		e->next = g->head.next;
		e->prev = &g->head;
		g->head.next->prev = e;
		g->head.next = e;
		ip_find(g, e->ip, true)->n++;
		pthread_mutex_unlock(&g->lock);
		*socket_context = e;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		struct conn_entry *e = *socket_context;
		if (!e)
			return;
		pthread_mutex_lock(&g->lock);
		e->prev->next = e->next;
		e->next->prev = e->prev;
		ip_release(g, e->ip);
		pthread_mutex_unlock(&g->lock);
		free(e);
		*socket_context = NULL;
	}
}

static struct conn_entry *entry_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void set_phase(struct MHD_Connection *c, int phase)
{
	struct conn_entry *e = entry_of(c);
	if (!e)
		return;
	/* written by the connection's thread, read by the sweeper */
	__atomic_store_n(&e->since, (int64_t)(mono_seconds() * 1000), __ATOMIC_RELAXED);
	__atomic_store_n(&e->phase, phase, __ATOMIC_RELEASE);
}

void conn_head_done(struct MHD_Connection *c)
{
	set_phase(c, 1);
}

void conn_request_done(struct MHD_Connection *c)
{
	set_phase(c, 0);
}

char conn_refused;

/* Answers msg (a whole response) at once and ends the connection. */
static void answer_and_close(struct MHD_Connection *c, const char *msg, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci) {
		ssize_t sent = send(ci->connect_fd, msg, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)sent;
		shutdown(ci->connect_fd, SHUT_RDWR);
	}
}

void *conn_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	if (raw_path_has_nul(uri)) {
		/* libmicrohttpd decodes the path in place: a NUL would cut it
		 * short ("/metrics%00.css" answered as /metrics) */
		static const char msg[] = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
					  "Connection: close\r\nContent-Length: 32\r\n\r\n"
					  "The path holds a NUL character.\n";
		_Static_assert(sizeof("The path holds a NUL character.\n") - 1 == 32, "Content-Length");
		answer_and_close(c, msg, sizeof(msg) - 1);
		return &conn_refused; /* (libmicrohttpd would go on to the cut path) */
	}
	size_t params = 0, len = 0;
	for (const char *p = uri; *p; p++, len++)
		params += *p == '&' || *p == ';';
	const char *q = strchr(uri, '?');
	if (q && q[1])
		params++;
	if (params <= MAX_PARAMS)
		return NULL;
	/* answer now and end the connection: libmicrohttpd would otherwise
	 * parse every parameter into the connection's memory pool first */
	static const char msg[] = "HTTP/1.1 414 URI Too Long\r\nContent-Type: text/plain; charset=utf-8\r\n"
				  "Connection: close\r\nContent-Length: 39\r\n\r\n"
				  "The URL has too many query parameters.\n";
	_Static_assert(sizeof("The URL has too many query parameters.\n") - 1 == 39, "Content-Length");
	answer_and_close(c, msg, sizeof(msg) - 1);
	return &conn_refused;
}

static void *sweeper_main(void *arg)
{
	struct conn_guard *g = arg;
	struct web *w = g->w;
	pthread_mutex_lock(&g->lock);
	while (g->running) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
		int64_t now = (int64_t)(mono_seconds() * 1000);
		for (struct conn_entry *e = g->head.next; e != &g->head; e = e->next) {
			int phase = __atomic_load_n(&e->phase, __ATOMIC_ACQUIRE);
			int64_t since = __atomic_load_n(&e->since, __ATOMIC_RELAXED);
			double limit = phase == 0 ? w->cfg.head_timeout : phase == 1 ? w->cfg.body_timeout : 0;
			if (!e->cut && limit > 0 && (double)(now - since) > limit * 1000 && e->fd >= 0) {
				shutdown(e->fd, SHUT_RDWR);
				e->cut = true;
			}
		}
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int conn_guard_start(struct web *w, struct buf *err)
{
	struct conn_guard *g = xcalloc(1, sizeof(*g));
	g->w = w;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	g->head.next = g->head.prev = &g->head;
	randombytes_buf(&g->seed, sizeof(g->seed));
	g->running = true;
	w->guard = g;
	if (pthread_create(&g->sweeper, NULL, sweeper_main, g)) {
		buf_setf(err, "cannot start the connection sweeper: %s", strerror(errno));
		g->running = false;
		return -1;
	}
	return 0;
}

void conn_guard_stop(struct web *w)
{
	struct conn_guard *g = w->guard;
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	bool was = g->running;
	g->running = false;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	if (was)
		pthread_join(g->sweeper, NULL);
	for (size_t i = 0; i < IP_BUCKETS; i++) {
		for (struct ip_count *c = g->buckets[i], *n; c; c = n) {
			n = c->next;
			free(c);
		}
	}
	for (struct conn_entry *e = g->head.next, *n; e != &g->head; e = n) {
		n = e->next;
		free(e);
	}
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->wake);
	free(g);
	w->guard = NULL;
}
