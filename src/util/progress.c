/*
 * progress.c - the progress line of long work: records, records/s, MB/s
 * and an ETA from bytes read, redrawn in place on a terminal; nothing at
 * all when stderr is not a terminal. Plus whole-file helpers (read_file,
 * map_file).
 */
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static bool off;

void progress_off(void)
{
	off = true;
}

void progress_init(struct progress *p, const char *what, uint64_t total_bytes)
{
	p->on = isatty(STDERR_FILENO) && !off;
	p->start = p->last = mono_seconds();
	p->total_bytes = total_bytes;
	p->what = what;
}

void progress_update(struct progress *p, uint64_t records, uint64_t bytes)
{
	if (!p->on)
		return;
	double now = mono_seconds();
	if (now - p->last < 0.2)
		return;
	p->last = now;
	double el = now - p->start;
	if (el <= 0)
		el = 1e-9;
	char eta[32] = "";
	if (p->total_bytes && bytes) {
		double left = el * ((double)p->total_bytes / (double)bytes - 1.0);
		if (left < 0)
			left = 0;
		snprintf(eta, sizeof(eta), "  ETA %d:%02d", (int)left / 60, (int)left % 60);
	}
	fprintf(stderr, "\r\033[K%s: %llu records  %.0f rec/s  %.1f MB/s%s", p->what,
		(unsigned long long)records, (double)records / el, (double)bytes / el / 1e6, eta);
	fflush(stderr);
}

void progress_count(struct progress *p, uint64_t done, uint64_t total, const char *unit)
{
	if (!p->on)
		return;
	double now = mono_seconds();
	if (now - p->last < 0.2 && done < total)
		return;
	p->last = now;
	double left = done ? (now - p->start) * (double)(total - (done < total ? done : total)) / (double)done : 0;
	fprintf(stderr, "\r\033[K%s: %llu/%llu %s  ETA %d:%02d", p->what, (unsigned long long)done,
		(unsigned long long)total, unit, (int)left / 60, (int)left % 60);
	fflush(stderr);
}

void progress_done(struct progress *p)
{
	if (p->on) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}

int read_file(const char *path, struct buf *out, struct buf *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		buf_setf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (out->max == BUF_DEFAULT_MAX)
		out->max = (size_t)1 << 30;
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(out, tmp, n);
	int bad = ferror(f);
	if (f != stdin)
		fclose(f);
	if (bad || out->overflow) {
		buf_setf(err, "%s: %s", path, bad ? "read error" : "file too large");
		return -1;
	}
	return 0;
}

int map_file(const char *path, size_t min_size, const void **map, size_t *size, struct buf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		buf_setf(err, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) || (size_t)sb.st_size < min_size || !sb.st_size) {
		close(fd);
		buf_setf(err, "%s: too short to be what it should be", path);
		errno = EINVAL;
		return -1;
	}
	void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	int e = errno;
	close(fd);
	if (m == MAP_FAILED) {
		buf_setf(err, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	*map = m;
	*size = (size_t)sb.st_size;
	return 0;
}
