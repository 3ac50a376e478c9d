/* test_util.c - the string buffer, text normalisation and time helpers. */
#include "../../src/util/util.h"
#include "check.h"

static void test_buf(void)
{
	struct buf b = BUF_INIT;
	CHECK(b.s && b.s[0] == '\0' && b.len == 0);
	buf_adds(&b, "abc");
	buf_addf(&b, "-%d-", 42);
	buf_addc(&b, 'x');
	CHECK_STR(b.s, "abc-42-x");
	/* long formatted output takes the slow path */
	buf_reset(&b);
	buf_addf(&b, "%0300d", 7);
	CHECK(b.len == 300 && b.s[299] == '7');
	/* the cap drops what passes it and says so */
	struct buf c = BUF_INIT;
	c.max = 8;
	CHECK(buf_adds(&c, "12345") == 0);
	CHECK(buf_adds(&c, "6789") == -1);
	CHECK(c.overflow);
	CHECK_STR(c.s, "12345");
	/* once cut, always cut: a later small append fails too */
	CHECK(buf_addc(&c, 'x') == -1 && buf_addf(&c, "%d", 1) == -1 && buf_add(&c, "", 0) == -1);
	CHECK_STR(c.s, "12345");
	buf_release(&c);
	/* no cap unless the caller sets one */
	struct buf big = BUF_INIT;
	CHECK(big.max > ((size_t)1 << 40));
	buf_init_max(&big, 3);
	CHECK(buf_adds(&big, "abcd") == -1 && big.overflow);
	buf_release(&big);
	buf_reset(&b);
	buf_add_json_str(&b, "a\"b\\c\n\x01", 7);
	CHECK_STR(b.s, "\"a\\\"b\\\\c\\n\\u0001\"");
	char *d = buf_detach(&b);
	CHECK_STR(d, "\"a\\\"b\\\\c\\n\\u0001\"");
	free(d);
	CHECK(b.len == 0 && b.s[0] == '\0');
	buf_release(&b);
}

static void test_html_and_utf8(void)
{
	struct buf b = BUF_INIT;
	buf_add_html(&b, "<a href=\"x\">&'</a>", 18);
	CHECK_STR(b.s, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	buf_reset(&b);
	/* what XML 1.0 forbids never passes; tab, LF, CR do */
	buf_add_html(&b, "a\x01" "b\x1b[c\x7f\td\ne\r\x00" "f", 14);
	CHECK_STR(b.s, "ab[c\td\ne\rf");
	buf_reset(&b);
	buf_add_html(&b, "x\xEF\xBF\xBE" "y\xEF\xBF\xBF" "z", 9); /* U+FFFE, U+FFFF */
	CHECK_STR(b.s, "xyz");
	buf_reset(&b);
	buf_add_html(&b, "\xC3\xA9\xFF\xC3(\xED\xA0\x80\xF0\x9F\x98\x80", 12); /* é, bad, bad, surrogate, emoji */
	CHECK_STR(b.s, "\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xF0\x9F\x98\x80");
	/* long texts (sixteen bytes at a time are looked at where SSE2 is):
	 * the same as their pieces one by one (each short, byte by byte),
	 * whatever the piece at each of the sixteen places */
	static const char *const units[] = { "a", "Z", " ", "0", "&", "<", ">", "\"", "'", "\t", "\n", "\x01",
					     "\x7f", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xFF",
					     "\xEF\xBF\xBE", "~", "transformers ", "attention is all " };
	struct buf whole = BUF_INIT, pieces = BUF_INIT, text = BUF_INIT;
	uint32_t seed = 12345;
	int differ = 0;
	for (int round = 0; round < 3000; round++) {
		buf_reset(&text);
		buf_reset(&pieces);
		size_t nu = 1 + (size_t)(round % 97);
		for (size_t k = 0; k < nu; k++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly plain: a special one in eight */
			unsigned pick = (seed >> 16) % 8 ? (seed >> 20) % 2 ? 19 : (seed >> 21) % 2 ? 0 : 20
							 : (seed >> 16) % ARRAY_SIZE(units);
			buf_adds(&text, units[pick]);
			buf_add_html(&pieces, units[pick], strlen(units[pick]));
		}
		buf_reset(&whole);
		buf_add_html(&whole, text.s, text.len);
		differ += whole.len != pieces.len || memcmp(whole.s, pieces.s, whole.len);
	}
	CHECK(differ == 0);
	buf_release(&whole);
	buf_release(&pieces);
	buf_release(&text);
	buf_reset(&b);
	buf_add_html(&b, "0123456789abcdef<0123456789abcdef&", 34); /* a mark at 16 and at the end */
	CHECK_STR(b.s, "0123456789abcdef&lt;0123456789abcdef&amp;");
	buf_reset(&b);
	buf_add_html(&b, "0123456789abcde\xC3\xA9\x01x0123456789abcdef\"", 36);
	CHECK_STR(b.s, "0123456789abcde\xC3\xA9x0123456789abcdef&quot;");
	buf_release(&b);
	CHECK(utf8_valid("abc \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 15));
	CHECK(utf8_valid("", 0));
	CHECK(!utf8_valid("a\0b", 3));
	CHECK(!utf8_valid("\xC0\xAF", 2));         /* overlong '/' */
	CHECK(!utf8_valid("\xED\xA0\x80", 3));     /* a surrogate */
	CHECK(!utf8_valid("\xF4\x90\x80\x80", 4)); /* past U+10FFFF */
	CHECK(!utf8_valid("\xC3", 1));
	CHECK(utf8_chars("\xC3\xA9\xC3\xA9x") == 3);
	const char *ctl = "Control \x01 and escape \x1b[31m\x7f in a title";
	char *s = text_collapse_dup(ctl, strlen(ctl));
	CHECK_STR(s, "Control and escape [31m in a title");
	free(s);
}

static void test_strlist(void)
{
	struct strlist l = STRLIST_INIT, m = STRLIST_INIT;
	strlist_split(&l, "cs.LG  cs.AI stat.ML", 20, ' ');
	CHECK(l.n == 3);
	CHECK_STR(l.v[2], "stat.ML");
	strlist_copy(&m, &l);
	CHECK(strlist_equal(&l, &m));
	strlist_push(&m, "x", 1);
	CHECK(!strlist_equal(&l, &m));
	struct buf b = BUF_INIT;
	strlist_join(&l, ",", &b);
	CHECK_STR(b.s, "cs.LG,cs.AI,stat.ML");
	buf_release(&b);
	strlist_release(&l);
	strlist_release(&m);
}

static void test_collapse(void)
{
	char *s = text_collapse_dup("  A fully differential\n  calculation\tof $\\alpha$\n", 49);
	CHECK_STR(s, "A fully differential calculation of $\\alpha$");
	free(s);
	CHECK(text_collapse_dup(" \n\t ", 4) == NULL);
	s = text_collapse_dup("a\xC2\xA0\xC2\xA0" "b", 6);
	CHECK_STR(s, "a b");
	free(s);
	struct buf b = BUF_INIT;
	buf_adds(&b, "x:");
	text_collapse(&b, " y  z ", 6);
	CHECK_STR(b.s, "x:y z");
	buf_release(&b);
}

/* The simplest correct collapse, to compare the fast one with. */
static void collapse_ref(const char *s, size_t n, struct buf *out)
{
	bool pending = false;
	size_t start = out->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ws = c <= ' ' || c == 0x7F;
		if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
			ws = true;
			i++;
		}
		if (ws) {
			pending = out->len > start;
			continue;
		}
		if (pending)
			buf_addc(out, ' ');
		pending = false;
		buf_addc(out, (char)c);
	}
}

static void test_collapse_random(void)
{
	static const char alphabet[] = { ' ', ' ', ' ', '\n', '\t', '\r', 'a', 'b', 'c', 'd', 'e', '$', '\\',
					 (char)0xC2, (char)0xA0, (char)0xC3, (char)0xA9, '\v', '\f', '.', '\x01', '\x1b',
					 '\x7f', '\x1f' };
	uint64_t x = 12345;
	int bad = 0;
	for (int round = 0; round < 20000; round++) {
		char s[200];
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t n = (size_t)(x % 200);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			s[i] = (x % 4) ? alphabet[6 + x % 5] : alphabet[x % sizeof(alphabet)];
		}
		struct buf a = BUF_INIT, b = BUF_INIT;
		buf_adds(&a, "p:");
		buf_adds(&b, "p:");
		text_collapse(&a, s, n);
		collapse_ref(s, n, &b);
		if (strcmp(a.s, b.s) && bad++ < 3)
			fprintf(stderr, "collapse mismatch:\n  fast: [%s]\n  ref:  [%s]\n", a.s, b.s);
		buf_release(&a);
		buf_release(&b);
	}
	CHECK(bad == 0);
}

static void test_time(void)
{
	pb_time t;
	char out[32];
	CHECK(time_parse("2025-06-02T03:18:21.654Z", &t) == 0);
	time_format_iso(t, out);
	CHECK_STR(out, "2025-06-02T03:18:21.654Z");
	CHECK(time_parse("2016-10-09T00:00:00-04:00", &t) == 0);
	time_format_iso(t, out);
	CHECK_STR(out, "2016-10-09T04:00:00.000Z");
	CHECK(time_parse("Mon, 2 Apr 2007 19:18:42 GMT", &t) == 0);
	time_format_iso(t, out);
	CHECK_STR(out, "2007-04-02T19:18:42.000Z");
	CHECK(time_parse("2 Apr 2007 19:18:42 GMT", &t) == 0);
	CHECK(time_parse("2007-04-02", &t) == 0);
	time_format_day(t, out);
	CHECK_STR(out, "2007-04-02");
	CHECK(time_parse("1969-12-31T23:59:59Z", &t) == -1 || t < 0); /* before 1970 still parses */
	time_format_iso(-1000, out);
	CHECK_STR(out, "1969-12-31T23:59:59.000Z");
	CHECK(time_parse("2025-02-30", &t) == -1);
	CHECK(time_parse("2025-13-01T00:00:00Z", &t) == -1);
	CHECK(time_parse("2025-01-01T25:00:00Z", &t) == -1);
	CHECK(time_parse("yesterday", &t) == -1);
	CHECK(time_parse("", &t) == -1);
	CHECK(time_parse("2025-01-01Tgarbage", &t) == -1);
	CHECK(day_parse("2024-02-29", NULL) == 0);
	CHECK(day_parse("2023-02-29", NULL) == -1);
	CHECK(day_parse("2024-2-29", NULL) == -1);
}

/* Issue 18 item 1: dates outside 1900 to next year, or with an offset
 * beyond +-14:00, are refused; every formatter is safe for any value. */
static void test_time_range(void)
{
	pb_time t;
	char out[32], day[16];
	CHECK(time_parse("9999-12-31T23:00:00-99:00", &t) == -1);
	CHECK(time_parse("2025-06-02T10:00:00+14:01", &t) == -1);
	CHECK(time_parse("2025-06-02T10:00:00-14:00", &t) == 0);
	CHECK(time_parse("2025-06-02T10:00:00+05:60", &t) == -1);
	CHECK(time_parse("Mon, 2 Apr 2007 19:18:42 +9900", &t) == -1);
	CHECK(time_parse("1899-12-31T23:59:59Z", &t) == -1);
	CHECK(time_parse("1900-01-01T00:00:00Z", &t) == 0);
	CHECK(time_parse("9999-12-31", &t) == -1);
	int y, m, d;
	time_civil(time_now_ms(), &y, &m, &d);
	char next[40];
	snprintf(next, sizeof(next), "%04d-12-31T23:59:59Z", y + 1);
	CHECK(time_parse(next, &t) == 0);
	snprintf(next, sizeof(next), "%04d-01-01T00:00:00Z", y + 2);
	CHECK(time_parse(next, &t) == -1);
	/* whatever a store holds */
	const pb_time odd[] = { INT64_MAX, INT64_MIN, INT64_MAX / 2, -INT64_MAX / 3, 253402300800000LL, -1 };
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		time_format_iso(odd[i], out);
		time_format_day(odd[i], day);
		time_civil(odd[i], &y, &m, &d);
		CHECK(strlen(out) == 24 && out[4] == '-' && out[10] == 'T');
		CHECK(strlen(day) == 10 && day[4] == '-' && day[7] == '-');
		CHECK(y >= 0 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31);
	}
	time_format_day(INT64_MAX, day);
	CHECK_STR(day, "9999-12-31");
}

static void test_periods(void)
{
	char a[16], b[16];
	CHECK(week_range("2025-W01", a, b) == 0);
	CHECK_STR(a, "2024-12-30");
	CHECK_STR(b, "2025-01-06");
	CHECK(week_range("2025-W23", a, b) == 0);
	CHECK_STR(a, "2025-06-02");
	CHECK(week_range("2020-W53", a, b) == 0); /* 2020 has 53 ISO weeks */
	CHECK_STR(a, "2020-12-28");
	CHECK(week_range("2021-W53", a, b) == -1);
	CHECK(week_range("2021-W00", a, b) == -1);
	CHECK(week_range("2021-23", a, b) == -1);
	CHECK(month_range("2024-12", a, b) == 0);
	CHECK_STR(a, "2024-12-01");
	CHECK_STR(b, "2025-01-01");
	CHECK(month_range("2024-13", a, b) == -1);
	long v;
	CHECK(parse_int("42", 0, 100, &v) == 0 && v == 42);
	CHECK(parse_int("42x", 0, 100, &v) == -1);
	CHECK(parse_int("101", 0, 100, &v) == -1);
	CHECK(parse_int("", 0, 100, &v) == -1);
}

int main(void)
{
	test_buf();
	test_html_and_utf8();
	test_strlist();
	test_collapse();
	test_collapse_random();
	test_time();
	test_time_range();
	test_periods();
	return check_report("test_util");
}
