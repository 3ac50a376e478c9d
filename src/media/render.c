/*
 * render.c - `paperboy thumb png|pdf IN OUT` (media.h): turns what the
 * thumbnail thread downloaded into a PNG at most 480 pixels wide (and
 * twice as tall): an image (PNG) scaled down, or the first page of a PDF
 * rendered with poppler on white; and `paperboy thumb text IN OUT`, the
 * text of a PDF's pages (media_pdf_text), for `fetch pdf`. It runs in a
 * process of its own, under memory and CPU limits (media_child), started
 * by the web's thumbnail thread or the PDF fetch: the decoders see data
 * from the network.
 */
#include "media.h"
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <poppler.h>
#include "media_libs.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define THUMB_W 480

#if defined(__SANITIZE_ADDRESS__)
#define PB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PB_ASAN 1
#endif
#endif

static int fail(struct buf *err, const char *what, const char *detail)
{
	buf_setf(err, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
	return -1;
}

/*
 * poppler, cairo, fontconfig and GLib (with what they load, about forty
 * shared libraries) are opened when this file first makes a picture, not
 * when paperboy starts: every other command starts without them. Their
 * functions that this file calls, reached through lib.
 */
#define MEDIA_FUNCS(F) \
	F(FcFini) F(cairo_create) F(cairo_debug_reset_static_data) \
	F(cairo_destroy) F(cairo_fill) F(cairo_get_source) \
	F(cairo_image_surface_create) F(cairo_image_surface_create_from_png) F(cairo_image_surface_get_height) \
	F(cairo_image_surface_get_width) F(cairo_move_to) F(cairo_paint) \
	F(cairo_pattern_set_filter) F(cairo_rectangle) F(cairo_scale) \
	F(cairo_select_font_face) F(cairo_set_font_size) F(cairo_set_source_rgb) \
	F(cairo_set_source_surface) F(cairo_show_text) F(cairo_status_to_string) \
	F(cairo_surface_destroy) F(cairo_surface_status) F(cairo_surface_write_to_png) \
	F(cairo_text_extents) F(g_error_free) F(g_filename_to_uri) \
	F(g_free) F(g_object_unref) F(poppler_document_get_n_pages) \
	F(poppler_document_get_page) F(poppler_document_new_from_file) F(poppler_page_get_size) \
	F(poppler_page_get_text) F(poppler_page_render)
static struct {
#define F(f) __typeof__(f) *f;
	MEDIA_FUNCS(F)
#undef F
} lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static char lib_error[300]; /* why they could not be opened ("" when they were) */
static _Atomic bool lib_ready;

static void lib_open(void)
{
	static const char *const names[] = { MEDIA_SONAMES };
	void *h[ARRAY_SIZE(names)];
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		h[i] = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (!h[i]) {
			snprintf(lib_error, sizeof(lib_error), "cannot open %s: %s", names[i], dlerror());
			return;
		}
	}
	const char *top = names[ARRAY_SIZE(names) - 1];
	/* (the POSIX way to take a function from dlsym) */
#define F(f)                                                                 \
	for (size_t i = ARRAY_SIZE(names); !lib.f && i-- > 0;)               \
		*(void **)&lib.f = dlsym(h[i], #f);                          \
	if (!lib.f && !lib_error[0])                                         \
		snprintf(lib_error, sizeof(lib_error), "no %s in %s or what it loads", #f, top);
	MEDIA_FUNCS(F)
#undef F
	if (!lib_error[0])
		lib_ready = true;
}

/* Opens the libraries the first time (from any thread); false with err
 * when they cannot be. */
static bool libs(struct buf *err)
{
	pthread_once(&lib_once, lib_open);
	if (!lib_ready)
		buf_setf(err, "%s", lib_error);
	return lib_ready;
}

/* The PDF at path, or NULL with why in err. */
static PopplerDocument *open_pdf(const char *in, struct buf *err)
{
	GError *ge = NULL;
	char *abs = realpath(in, NULL);
	char *uri = abs ? lib.g_filename_to_uri(abs, NULL, &ge) : NULL;
	free(abs);
	PopplerDocument *doc = uri ? lib.poppler_document_new_from_file(uri, NULL, &ge) : NULL;
	lib.g_free(uri);
	if (!doc)
		fail(err, "not a PDF poppler can read", ge ? ge->message : in);
	if (ge)
		lib.g_error_free(ge);
	return doc;
}

static cairo_surface_t *scaled(cairo_surface_t *src, double w, double h, void (*draw)(cairo_t *, void *), void *ctx)
{
	double scale = w > THUMB_W ? THUMB_W / w : 1.0;
	int ow = (int)(w * scale + 0.5), oh = (int)(h * scale + 0.5);
	if (oh > 2 * THUMB_W)
		oh = 2 * THUMB_W; /* the top of a very tall page */
	if (ow < 1 || oh < 1)
		return NULL;
	cairo_surface_t *dst = lib.cairo_image_surface_create(CAIRO_FORMAT_RGB24, ow, oh);
	cairo_t *cr = lib.cairo_create(dst);
	lib.cairo_set_source_rgb(cr, 1, 1, 1);
	lib.cairo_paint(cr);
	lib.cairo_scale(cr, scale, scale);
	if (src) {
		lib.cairo_set_source_surface(cr, src, 0, 0);
		lib.cairo_pattern_set_filter(lib.cairo_get_source(cr), CAIRO_FILTER_GOOD);
		lib.cairo_paint(cr);
	} else {
		draw(cr, ctx);
	}
	lib.cairo_destroy(cr);
	return dst;
}

static void draw_page(cairo_t *cr, void *page)
{
	lib.poppler_page_render(page, cr);
}

int media_thumb_render(const char *kind, const char *in, const char *out, struct buf *err)
{
	/* limits first: whatever the decoders do, they do it small (the
	 * address-space cap is left out under AddressSanitizer, whose shadow
	 * memory alone is larger) */
	struct rlimit cpu = { 30, 30 };
	setrlimit(RLIMIT_CPU, &cpu);
#ifndef PB_ASAN
	struct rlimit as = { 1024u << 20, 1024u << 20 };
	setrlimit(RLIMIT_AS, &as);
#endif
	if (!libs(err))
		return -1;
	cairo_surface_t *dst = NULL;
	if (!strcmp(kind, "png")) {
		FILE *f = fopen(in, "rb");
		unsigned char magic[8] = { 0 };
		bool png = f && fread(magic, 1, 8, f) == 8 && !memcmp(magic, "\x89PNG\r\n\x1a\n", 8);
		if (f)
			fclose(f);
		if (!png)
			return fail(err, "not a PNG image", in);
		cairo_surface_t *src = lib.cairo_image_surface_create_from_png(in);
		if (lib.cairo_surface_status(src) != CAIRO_STATUS_SUCCESS) {
			lib.cairo_surface_destroy(src);
			return fail(err, "an unreadable PNG image", in);
		}
		int w = lib.cairo_image_surface_get_width(src), h = lib.cairo_image_surface_get_height(src);
		if (w > 20000 || h > 20000) {
			lib.cairo_surface_destroy(src);
			return fail(err, "an image too large", in);
		}
		dst = scaled(src, w, h, NULL, NULL);
		lib.cairo_surface_destroy(src);
	} else if (!strcmp(kind, "pdf")) {
		PopplerDocument *doc = open_pdf(in, err);
		if (!doc)
			return -1;
		PopplerPage *page = lib.poppler_document_get_n_pages(doc) > 0 ? lib.poppler_document_get_page(doc, 0) : NULL;
		if (!page) {
			lib.g_object_unref(doc);
			return fail(err, "a PDF without pages", in);
		}
		double pw, ph;
		lib.poppler_page_get_size(page, &pw, &ph);
		if (pw < 1 || ph < 1 || pw > 20000 || ph > 20000) {
			lib.g_object_unref(page);
			lib.g_object_unref(doc);
			return fail(err, "a PDF page of an odd size", in);
		}
		dst = scaled(NULL, pw, ph, draw_page, page);
		lib.g_object_unref(page);
		lib.g_object_unref(doc);
	} else {
		return fail(err, "thumb: give png or pdf", NULL);
	}
	if (!dst)
		return fail(err, "nothing to draw", in);
	cairo_status_t st = lib.cairo_surface_write_to_png(dst, out);
	lib.cairo_surface_destroy(dst);
	if (st != CAIRO_STATUS_SUCCESS)
		return fail(err, out, lib.cairo_status_to_string(st));
	return 0;
}

/* ---- the text of a PDF --------------------------------------------------------- */

/* Appends a page's text to b, at most MEDIA_TEXT_BYTES in all (cut at a
 * character), form feeds inside it made spaces; false when it was cut. */
static bool add_page_text(struct buf *b, const char *t)
{
	size_t n = strlen(t), room = MEDIA_TEXT_BYTES > b->len ? MEDIA_TEXT_BYTES - b->len : 0;
	bool whole = n <= room;
	if (!whole) {
		n = room;
		while (n && ((unsigned char)t[n] & 0xC0) == 0x80)
			n--; /* not inside a UTF-8 sequence */
	}
	size_t at = b->len;
	buf_add(b, t, n);
	for (size_t i = at; i < b->len; i++)
		if (b->s[i] == '\f')
			b->s[i] = ' ';
	return whole;
}

static void text_limits(void)
{
	struct rlimit cpu = { MEDIA_TEXT_CPU, MEDIA_TEXT_CPU };
	setrlimit(RLIMIT_CPU, &cpu);
	struct rlimit fsize = { MEDIA_TEXT_BYTES + 4096, MEDIA_TEXT_BYTES + 4096 };
	setrlimit(RLIMIT_FSIZE, &fsize);
#ifndef PB_ASAN
	struct rlimit as = { MEDIA_TEXT_AS, MEDIA_TEXT_AS };
	setrlimit(RLIMIT_AS, &as);
#endif
}

int media_pdf_text(const char *in, const char *out, struct buf *err)
{
	text_limits();
	if (!libs(err))
		return -1;
	PopplerDocument *doc = open_pdf(in, err);
	if (!doc)
		return -1;
	int pages = lib.poppler_document_get_n_pages(doc);
	int n = pages < MEDIA_TEXT_PAGES ? pages : MEDIA_TEXT_PAGES;
	struct buf text = BUF_INIT;
	int read = 0;
	for (bool room = true; room && read < n; read++) {
		PopplerPage *page = lib.poppler_document_get_page(doc, read);
		char *t = page ? lib.poppler_page_get_text(page) : NULL;
		if (read && text.len < MEDIA_TEXT_BYTES)
			buf_add(&text, "\f", 1); /* the pages' separator */
		else if (read)
			room = false;
		if (room && t)
			room = add_page_text(&text, t);
		lib.g_free(t);
		if (page)
			lib.g_object_unref(page);
	}
	lib.g_object_unref(doc);
	FILE *f = fopen(out, "wb");
	bool ok = f && fprintf(f, "pages %d of %d\n", read, pages) > 0 && fwrite(text.s, 1, text.len, f) == text.len;
	ok = (f && fclose(f) == 0) && ok;
	buf_release(&text);
	if (!ok)
		return fail(err, out, strerror(errno));
	return 0;
}

/* ---- the process of its own -------------------------------------------------------- */

static int child_wait(pid_t pid, const char *kind, FILE *ef, struct buf *err);

int media_child(const char *kind, const char *in, const char *out, struct buf *err)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		buf_setf(err, "cannot find this program to render with");
		return -1;
	}
	self[n] = '\0';
	char *argv[] = { self, "thumb", (char *)kind, (char *)in, (char *)out, NULL };
	FILE *ef = tmpfile(); /* its messages: the reason of a failure */
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (ef)
		posix_spawn_file_actions_adddup2(&fa, fileno(ef), 2);
	pid_t pid;
	int rc = posix_spawn(&pid, self, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		if (ef)
			fclose(ef);
		buf_setf(err, "cannot start the renderer: %s", strerror(rc));
		return -1;
	}
	rc = child_wait(pid, kind, ef, err);
	if (ef)
		fclose(ef);
	return rc;
}
/* The child's own reason, from the end of its messages ("paperboy: thumb:
 * WHY"), into why[cap] ("" when it gave none). */
static void child_reason(FILE *ef, char *why, size_t cap)
{
	char tail[512];
	why[0] = '\0';
	long size = ef && fseek(ef, 0, SEEK_END) == 0 ? ftell(ef) : 0;
	long from = size > (long)sizeof(tail) - 1 ? size - (long)sizeof(tail) + 1 : 0;
	if (size <= 0 || fseek(ef, from, SEEK_SET))
		return;
	size_t n = fread(tail, 1, sizeof(tail) - 1, ef);
	tail[n] = '\0';
	const char *mark = NULL;
	for (const char *p = tail; (p = strstr(p, "thumb: ")); p++)
		mark = p + 7;
	if (mark)
		snprintf(why, cap, "%.*s", (int)strcspn(mark, "\n"), mark);
}

static int child_wait(pid_t pid, const char *kind, FILE *ef, struct buf *err)
{
	int status = 0;
	/* looked at after 1 ms, then twice as long each time up to 100 ms: a
	 * quick child is not kept waiting for a fixed tick */
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (useconds_t nap = 1000;; nap = nap < 50000 ? nap * 2 : 100000) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= MEDIA_CHILD_WALL) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			buf_setf(err, "the renderer took longer than %d s", MEDIA_CHILD_WALL);
			return -1;
		}
		usleep(nap);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		bool cpu = WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL);
		char why[256];
		child_reason(ef, why, sizeof(why));
		buf_setf(err, "the %s could not be %s (%s %d%s)%s%s", kind, strcmp(kind, "text") ? "rendered" : "read",
			 WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			 cpu ? ": out of CPU time" : "", why[0] ? ": " : "", why);
		return -1;
	}
	return 0;
}

/* ---- title cards -------------------------------------------------------------- */

#define CARD_W 480
#define CARD_H 270

/* Writes text from *pos in lines of at most width, up to max_lines (the
 * last one ends with an ellipsis when the text goes on); returns the y
 * below the last line. Words are cut at spaces only. */
static double wrap(cairo_t *cr, const char *text, double x, double y, double width, double size, int max_lines)
{
	lib.cairo_set_font_size(cr, size);
	struct buf line = BUF_INIT, word = BUF_INIT;
	const char *p = text;
	for (int n = 0; *p && n < max_lines; n++) {
		buf_reset(&line);
		while (*p) {
			while (*p == ' ')
				p++;
			const char *e = p;
			while (*e && *e != ' ')
				e++;
			if (e == p)
				break;
			buf_reset(&word);
			buf_add(&word, line.s, line.len);
			buf_addf(&word, "%s%.*s", line.len ? " " : "", (int)(e - p), p);
			cairo_text_extents_t ext;
			lib.cairo_text_extents(cr, word.s, &ext);
			if (ext.x_advance > width && line.len)
				break;
			buf_reset(&line);
			buf_add(&line, word.s, word.len);
			p = e;
		}
		while (*p == ' ')
			p++;
		if (n == max_lines - 1 && *p)
			buf_adds(&line, " …");
		y += size * 1.25;
		lib.cairo_move_to(cr, x, y);
		lib.cairo_show_text(cr, line.s);
	}
	buf_release(&line);
	buf_release(&word);
	return y;
}

int media_title_card(const char *title, const char *byline, const char *org, const char *out, struct buf *err)
{
	if (!libs(err))
		return -1;
	cairo_surface_t *s = lib.cairo_image_surface_create(CAIRO_FORMAT_RGB24, CARD_W, CARD_H);
	cairo_t *cr = lib.cairo_create(s);
	/* a calm background whose hue follows the title, the same every time */
	unsigned h = 2166136261u;
	for (const char *c = title ? title : ""; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	double hue = (h % 360) / 360.0;
	lib.cairo_set_source_rgb(cr, 0.93 - 0.10 * hue, 0.94 - 0.05 * (1 - hue), 0.97);
	lib.cairo_paint(cr);
	lib.cairo_set_source_rgb(cr, 0.15 + 0.3 * hue, 0.39, 0.92 - 0.3 * hue);
	lib.cairo_rectangle(cr, 0, 0, 10, CARD_H);
	lib.cairo_fill(cr);
	lib.cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	lib.cairo_set_source_rgb(cr, 0.07, 0.09, 0.15);
	double y = wrap(cr, title && *title ? title : "Untitled", 32, 24, CARD_W - 60, 26, 4);
	lib.cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	lib.cairo_set_source_rgb(cr, 0.25, 0.28, 0.35);
	if (byline && *byline)
		wrap(cr, byline, 32, y + 8, CARD_W - 60, 15, 2);
	if (org && *org) {
		lib.cairo_set_font_size(cr, 14);
		lib.cairo_move_to(cr, 32, CARD_H - 22);
		lib.cairo_show_text(cr, org);
	}
	lib.cairo_destroy(cr);
	cairo_status_t st = lib.cairo_surface_write_to_png(s, out);
	lib.cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS)
		return fail(err, out, lib.cairo_status_to_string(st));
	return 0;
}

void media_fonts_release(void)
{
	if (!lib_ready) /* (never opened: nothing kept) */
		return;
	lib.cairo_debug_reset_static_data();
	lib.FcFini();
}
