/*
 * net.c - what kind of address a peer or a destination is: the one check
 * behind "requests to this host only" (/metrics) and "never fetch from an
 * internal address" (every outbound fetch of a URL from data).
 */
#include "util.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Classifies an IPv4 address (host order). */
static bool v4_internal(uint32_t a, bool *loopback)
{
	*loopback = (a >> 24) == 127;
	return (a >> 24) == 0 ||                 /* 0.0.0.0/8 "this network" */
	       (a >> 24) == 10 ||                /* 10/8 */
	       (a >> 24) == 127 ||               /* loopback */
	       (a >> 22) == (100u << 2 | 1) ||   /* 100.64/10 shared (CGNAT) */
	       (a >> 16) == (169u << 8 | 254) || /* 169.254/16 link-local (cloud metadata) */
	       (a >> 20) == (172u << 4 | 1) ||   /* 172.16/12 */
	       (a >> 16) == (192u << 8 | 168) || /* 192.168/16 */
	       (a >> 8) == (192u << 16 | 0 << 8 | 0) || /* 192.0.0/24 protocol assignments */
	       (a >> 17) == (198u << 7 | 18u >> 1) ||   /* 198.18/15 benchmarking */
	       (a >> 28) >= 14;                  /* 224/4 multicast, 240/4 reserved, broadcast */
}

static enum addr_kind addr_kind_v4(uint32_t a)
{
	bool lo = false;
	bool internal = v4_internal(a, &lo);
	return lo ? ADDR_LOOPBACK : internal ? ADDR_INTERNAL : ADDR_PUBLIC;
}

static enum addr_kind addr_kind_v6(const uint8_t b[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t zero[16] = { 0 };
	if (!memcmp(b, mapped, 12) || (!memcmp(b, zero, 12) && (b[12] | b[13])))
		/* ::ffff:a.b.c.d and the old ::a.b.c.d: the IPv4 address decides */
		return addr_kind_v4((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
	if (!memcmp(b, zero, 15) && b[15] == 1)
		return ADDR_LOOPBACK; /* ::1 */
	if (!memcmp(b, zero, 16) || /* :: */
	    b[0] == 0xff ||         /* ff00::/8 multicast */
	    (b[0] & 0xfe) == 0xfc || /* fc00::/7 unique local */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || /* fe80::/10 link-local */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) || /* fec0::/10 site-local (old) */
	    (b[0] == 0x20 && b[1] == 0x02) ||           /* 2002::/16 6to4: may wrap any IPv4 */
	    (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)) /* 64:ff9b::/96 NAT64 */
		return ADDR_INTERNAL;
	return ADDR_PUBLIC;
}

enum addr_kind addr_kind_of(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return addr_kind_v4(ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr));
	if (sa->sa_family != AF_INET6)
		return ADDR_INTERNAL; /* unix sockets and the rest: never a web host */
	return addr_kind_v6(((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
}

enum addr_kind addr_kind_text(const char *ip)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, ip, &a4) == 1)
		return addr_kind_v4(ntohl(a4.s_addr));
	if (inet_pton(AF_INET6, ip, &a6) == 1)
		return addr_kind_v6(a6.s6_addr);
	return ADDR_INTERNAL;
}

/* ---- address blocks ---------------------------------------------------------- */

int cidr_parse_list(const char *text, const char *what, struct cidr **out, size_t *n, struct buf *err)
{
	*out = NULL;
	*n = 0;
	struct strlist parts = STRLIST_INIT;
	strlist_split(&parts, text, strlen(text), ',');
	int rc = 0;
	for (size_t i = 0; i < parts.n && !rc; i++) {
		char a[64];
		const char *p = parts.v[i];
		while (*p == ' ')
			p++;
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strcspn(p, " ");
		if (!len || len >= sizeof(a)) {
			buf_setf(err, "%s: \"%s\" is not an address or CIDR block", what, parts.v[i]);
			rc = -1;
			break;
		}
		memcpy(a, p, len);
		a[len] = '\0';
		struct cidr c = { 0 };
		if (inet_pton(AF_INET, a, c.addr) == 1) {
			c.family = AF_INET;
			c.bits = 32;
		} else if (inet_pton(AF_INET6, a, c.addr) == 1) {
			c.family = AF_INET6;
			c.bits = 128;
		} else {
			buf_setf(err, "%s: \"%s\" is not an IPv4 or IPv6 address", what, a);
			rc = -1;
			break;
		}
		if (slash) {
			long bits;
			if (parse_int(slash + 1, 0, c.bits, &bits)) {
				buf_setf(err, "%s: \"%s\": the prefix length must be 0 to %d", what, parts.v[i], c.bits);
				rc = -1;
				break;
			}
			c.bits = (int)bits;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = c;
	}
	strlist_release(&parts);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

bool cidr_match_bytes(const struct cidr *list, size_t n, int family, const uint8_t *a)
{
	for (size_t i = 0; family && i < n; i++) {
		if (list[i].family != family)
			continue;
		int bits = list[i].bits, whole = bits / 8, rest = bits % 8;
		if (memcmp(a, list[i].addr, (size_t)whole))
			continue;
		if (rest && ((a[whole] ^ list[i].addr[whole]) & (uint8_t)(0xff << (8 - rest))))
			continue;
		return true;
	}
	return false;
}

bool cidr_match(const struct cidr *list, size_t n, const char *ip)
{
	uint8_t a[16];
	int family = inet_pton(AF_INET, ip, a) == 1 ? AF_INET : inet_pton(AF_INET6, ip, a) == 1 ? AF_INET6 : 0;
	return cidr_match_bytes(list, n, family, a);
}
