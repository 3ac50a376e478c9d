/*
 * time.c - parsing and formatting the datetimes found in the sources
 * (ISO-8601, RFC 2822, plain days), ISO weeks and months. All UTC, all in
 * milliseconds since the epoch; no dependence on the process time zone.
 */
#include "util.h"
#include <sys/time.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (civil calendar). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : md[m - 1];
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool valid_date(int y, int m, int d)
{
	return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= month_days(y, m);
}

/* The first instant of year y. */
static pb_time year_start(int y)
{
	return days_from_civil(y, 1, 1) * 86400000LL;
}

/* A time zone offset: hours and minutes within +-14:00 (the widest in use). */
static bool valid_offset(int oh, int om)
{
	return om <= 59 && oh * 60 + om <= 14 * 60;
}

bool time_sane(pb_time t)
{
	int y, m, d;
	time_civil(time_now_ms(), &y, &m, &d);
	return t >= year_start(TIME_SANE_FIRST_YEAR) && t < year_start(y + 2);
}

static int parse_iso(const char *s, pb_time *out)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, se = 0, ms = 0;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d) || !valid_date(y, mo, d))
		return -1;
	int64_t off = 0;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &se))
				return -1;
		}
		if (*p == '.') {
			p++;
			int scale = 100, n = 0;
			while (*p >= '0' && *p <= '9') {
				if (n++ < 3) {
					ms += (*p - '0') * scale;
					scale /= 10;
				}
				p++;
			}
			if (!n)
				return -1;
		}
		if (h > 23 || mi > 59 || se > 60)
			return -1;
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om;
			if (!digits(&p, 2, &oh))
				return -1;
			if (*p == ':')
				p++;
			if (!digits(&p, 2, &om) || !valid_offset(oh, om))
				return -1;
			off = sign * (oh * 60 + om) * 60000LL;
		}
	}
	if (*p)
		return -1;
	pb_time t = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * 1000LL + ms - off;
	if (!time_sane(t))
		return -1;
	*out = t;
	return 0;
}

/* "Mon, 2 Apr 2007 19:18:42 GMT" (weekday optional, zone GMT/UTC/+hhmm). */
static int parse_rfc2822(const char *s, pb_time *out)
{
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char *p = s;
	if (p[0] && p[1] && p[2] && p[3] == ',')
		p += 4;
	while (*p == ' ')
		p++;
	int d = 0, n = 0;
	while (*p >= '0' && *p <= '9' && n < 2) {
		d = d * 10 + (*p++ - '0');
		n++;
	}
	if (!n || *p++ != ' ')
		return -1;
	int m = 0;
	for (int i = 0; i < 12; i++)
		if (!strncmp(p, mon[i], 3))
			m = i + 1;
	if (!m || p[3] != ' ')
		return -1;
	p += 4;
	int y, h, mi, se;
	if (!digits(&p, 4, &y) || *p++ != ' ' || !digits(&p, 2, &h) || *p++ != ':' ||
	    !digits(&p, 2, &mi) || *p++ != ':' || !digits(&p, 2, &se))
		return -1;
	if (!valid_date(y, m, d) || h > 23 || mi > 59 || se > 60)
		return -1;
	while (*p == ' ')
		p++;
	int64_t off = 0;
	if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (!digits(&p, 2, &oh) || !digits(&p, 2, &om) || !valid_offset(oh, om))
			return -1;
		off = sign * (oh * 60 + om) * 60000LL;
	} else if (!strcmp(p, "GMT") || !strcmp(p, "UTC") || !strcmp(p, "UT") || !strcmp(p, "Z")) {
		p += strlen(p);
	}
	if (*p)
		return -1;
	pb_time t = (days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + se) * 1000LL - off;
	if (!time_sane(t))
		return -1;
	*out = t;
	return 0;
}

int time_parse(const char *s, pb_time *out)
{
	if (!s)
		return -1;
	while (*s == ' ')
		s++;
	if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' &&
	    s[3] >= '0' && s[3] <= '9' && s[4] == '-')
		return parse_iso(s, out);
	return parse_rfc2822(s, out);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The instants every formatter can write with a four-digit year: any
 * other value (a store holds any 64-bit number) is clamped into them. */
#define TIME_FMT_MIN (-62167219200000LL)  /* 0000-01-01T00:00:00.000Z */
#define TIME_FMT_MAX (253402300799999LL)  /* 9999-12-31T23:59:59.999Z */

static pb_time clamp_fmt(pb_time t)
{
	return t < TIME_FMT_MIN ? TIME_FMT_MIN : t > TIME_FMT_MAX ? TIME_FMT_MAX : t;
}

void time_civil(pb_time t, int *y, int *m, int *d)
{
	civil_from_days(floor_div(clamp_fmt(t), 86400000LL), y, m, d);
}

void time_format_iso(pb_time t, char out[32])
{
	t = clamp_fmt(t);
	int64_t days = floor_div(t, 86400000LL);
	int64_t rem = t - days * 86400000LL;
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	char tmp[96];
	int n = snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, (int)(rem / 3600000),
			 (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), (int)(rem % 1000));
	if (n < 0 || n > 31)
		n = 31;
	memcpy(out, tmp, (size_t)n);
	out[n] = '\0';
}

void time_format_day(pb_time t, char out[16])
{
	int y, m, d;
	time_civil(t, &y, &m, &d);
	char tmp[48];
	int n = snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y, m, d);
	if (n < 0 || n > 15)
		n = 15;
	memcpy(out, tmp, (size_t)n);
	out[n] = '\0';
}

int day_parse(const char *s, pb_time *start)
{
	const char *p = s;
	int y, m, d;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &m) || *p++ != '-' ||
	    !digits(&p, 2, &d) || *p || !valid_date(y, m, d))
		return -1;
	if (start)
		*start = days_from_civil(y, m, d) * 86400000LL;
	return 0;
}

static void day_str(int64_t days, char out[16])
{
	time_format_day(days * 86400000LL, out);
}

int week_range(const char *s, char first[16], char last_excl[16])
{
	const char *p = s;
	int y, w;
	if (!digits(&p, 4, &y) || *p++ != '-' || (*p != 'W' && *p != 'w'))
		return -1;
	p++;
	if (!digits(&p, 2, &w) || *p || y < 1900 || y > 9999 || w < 1)
		return -1;
	int64_t jan4 = days_from_civil(y, 1, 4);
	int wd = (int)(((jan4 % 7) + 7 + 3) % 7); /* 0 = Monday; 1970-01-01 was a Thursday */
	int64_t week1 = jan4 - wd;
	int64_t next_jan4 = days_from_civil(y + 1, 1, 4);
	int nwd = (int)(((next_jan4 % 7) + 7 + 3) % 7);
	int weeks = (int)((next_jan4 - nwd - week1) / 7);
	if (w > weeks)
		return -1;
	day_str(week1 + (w - 1) * 7, first);
	day_str(week1 + w * 7, last_excl);
	return 0;
}

int month_range(const char *s, char first[16], char last_excl[16])
{
	const char *p = s;
	int y, m;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &m) || *p || m < 1 || m > 12 ||
	    y < 1900 || y > 9999)
		return -1;
	day_str(days_from_civil(y, m, 1), first);
	day_str(m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1), last_excl);
	return 0;
}

pb_time time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (pb_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
