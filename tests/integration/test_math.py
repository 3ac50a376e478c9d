"""Math (issue 20, item 5): paperboy serves KaTeX's files from --katex-dir
under /static/katex/, only the names KaTeX has, with long-lived caching;
pages refer to them when they are there and keep the TeX source in the
HTML (the script renders it in the browser); without them pages work and
refer to nothing."""
import json
import os
import re

from common import PaperboyTest
from web import Client, Server

PAPER = "2401.99901"
TITLE = "$E=mc^2$ and $\\mathcal{O}(n)$ attention"
ABSTRACT = ("We reach $\\mathcal{O}(n)$ time, $$\\sum_{i=1}^n x_i$$ in display, \\(a+b\\) inline; "
            "it costs $5 per run.")
SUMMARY = "Linear $\\mathcal{O}(n)$ attention."
FONT = "KaTeX_Main-Regular.woff2"


def math_day():
    paper = {
        "id": PAPER, "title": TITLE, "summary": ABSTRACT, "ai_summary": SUMMARY,
        "authors": [{"name": "Ada Lovelace"}],
        "publishedAt": "2024-01-10T10:00:00.000Z", "upvotes": 4,
        "submittedOnDailyAt": "2024-01-10T12:00:00.000Z",
    }
    return [{"paper": paper, "publishedAt": "2024-01-10T12:00:00.000Z", "title": TITLE}]


def katex_dir(root):
    """A folder laid out as scripts/setup.sh leaves var/katex, its files
    marked so the answers can be told apart."""
    for sub in ("contrib", "fonts"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    files = {"katex.min.js": b"/* katex */ window.katex = {};\n",
             "katex.min.css": b".katex { font: normal 1.21em KaTeX_Main; }\n",
             "contrib/auto-render.min.js": b"/* auto-render */\n",
             "fonts/" + FONT: b"wOF2\x00\x01\x00\x00font bytes",
             "secret.txt": b"not KaTeX's\n", "fonts/notes.txt": b"not a font\n"}
    for name, data in files.items():
        with open(os.path.join(root, name), "wb") as fh:
            fh.write(data)
    return files


class MathTest(PaperboyTest):
    def setUp(self):
        super().setUp()
        self.init()
        day = os.path.join(self.tmp, "2024-01-10.json")
        with open(day, "w") as fh:
            json.dump(math_day(), fh)
        self.pb("ingest", day)
        self.kdir = os.path.join(self.tmp, "katex")
        self.files = katex_dir(self.kdir)

    def serve(self, *args):
        srv = Server(self.env, self.tmp, *args)
        self.addCleanup(srv.stop)
        return Client(srv)

    def test_files_served_with_types_and_caching(self):
        c = self.serve("--katex-dir", self.kdir)
        for name, ctype in (("katex.min.js", "text/javascript"), ("katex.min.css", "text/css"),
                            ("contrib/auto-render.min.js", "text/javascript"), ("fonts/" + FONT, "font/woff2")):
            r = c.get("/static/katex/" + name)
            self.assertEqual(r.status, 200, name)
            self.assertEqual(r.body, self.files[name], name)
            self.assertTrue(r.header("Content-Type").startswith(ctype), (name, r.header("Content-Type")))
            cc = r.header("Cache-Control")
            m = re.search(r"max-age=(\d+)", cc or "")
            self.assertTrue(cc.startswith("public") and m and int(m.group(1)) >= 86400 * 30, (name, cc))
            self.assertTrue(r.header("ETag"), name)
            self.assertEqual(c.get("/static/katex/" + name, headers={"If-None-Match": r.header("ETag")}).status, 304)
        self.assertIn("font-src 'self'", r.header("Content-Security-Policy"))

    def test_other_names_not_found(self):
        c = self.serve("--katex-dir", self.kdir)
        for path in ("/static/katex/secret.txt", "/static/katex/fonts/notes.txt", "/static/katex/..",
                     "/static/katex/%2e%2e/katex.min.js", "/static/katex/fonts/..%2fsecret.txt",
                     "/static/katex/fonts/%2e%2e%2fkatex.min.js.woff2", "/static/katex/fonts/.woff2",
                     "/static/katex/fonts/KaTeX.Main.woff2", "/static/katex/contrib/katex.min.js",
                     "/static/katex/katex/katex.min.js", "/static/katex/fonts/a/b.woff2",
                     "/static/katex/auto-render.min.js", "/static/katex"):
            r = c.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertNotIn(b"not KaTeX", r.body, path)

    def test_pages_refer_to_katex_and_keep_the_tex(self):
        c = self.serve("--katex-dir", self.kdir)
        for path in ("/papers/" + PAPER, "/papers/date/2024-01-10", "/"):
            r = c.get(path)
            self.assertEqual(r.status, 200, path)
            html = r.text
            self.assertIn('<link rel="stylesheet" href="/static/katex/katex.min.css">', html, path)
            self.assertIn('<script src="/static/katex/katex.min.js" defer></script>', html, path)
            self.assertIn('<script src="/static/katex/contrib/auto-render.min.js" defer></script>', html, path)
            # KaTeX's scripts before app.js, which starts the rendering
            self.assertLess(html.index("/static/katex/contrib/auto-render.min.js"), html.index("/static/app.js"), path)
            self.assertNotIn("<script>", html, path)
        page = c.get("/papers/" + PAPER).text
        for tex in (TITLE, "$\\mathcal{O}(n)$ time", "$$\\sum_{i=1}^n x_i$$", "\\(a+b\\)", "costs $5 per run", SUMMARY):
            self.assertIn(tex, page)
        day = c.get("/papers/date/2024-01-10").text
        self.assertIn(TITLE, day)
        self.assertIn(SUMMARY, day)
        # a comment keeps its TeX too
        c.signup("texer")
        r = c.post("/papers/%s/comments" % PAPER, {"body": "So $E=mc^2$ holds, at $5 a try."})
        self.assertEqual(r.status, 303)
        self.assertIn("So $E=mc^2$ holds, at $5 a try.", c.get("/papers/" + PAPER).text)

    def test_comment_math_is_not_read_as_markdown(self):
        """Found walking the site: Markdown read a comment's TeX first,
        "\\{" lost its backslash, "a*b*c" became emphasis, "\\\\" one
        backslash, "\\," a comma and "\\(" a parenthesis, so the formulas
        broke. Math outside code is now kept as written; code stays code."""
        c = self.serve("--katex-dir", self.kdir)
        c.signup("texer2")
        body = ("Sets $\\{x : x > 0\\}$ and $a*b*c$ and *this* is emphasis.\n\n"
                "$$\\int_0^1 f(x)\\,dx$$\n\n"
                "Inline \\(\\frac{1}{2}\\) and \\[\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}\\]\n\n"
                "Code `$a*b*c$` and a price: from $5 to $10.\n\n"
                "```\n$x_*y_*$\n```\n")
        r = c.post("/papers/%s/comments" % PAPER, {"body": body})
        self.assertEqual(r.status, 303)
        page = c.get("/papers/" + PAPER).text
        m = re.search(r'<div class="md">(.*?)</div>', page, re.S)
        html = m.group(1) if m else page
        for tex in ("$\\{x : x &gt; 0\\}$", "$a*b*c$", "$$\\int_0^1 f(x)\\,dx$$", "\\(\\frac{1}{2}\\)",
                    "\\[\\begin{pmatrix}1 &amp; 2 \\\\ 3 &amp; 4\\end{pmatrix}\\]"):
            self.assertIn(tex, html)
        self.assertIn("<em>this</em>", html)  # Markdown still applies around the math
        self.assertIn("<code>$a*b*c$</code>", html)
        self.assertIn("from $5 to $10.", html)
        self.assertIn("<pre><code>$x_*y_*$\n</code></pre>", html)
        # no span crosses a paragraph, none is taken from a link's address
        # (found reviewing the change)
        body = "It costs $5 here\n\n- one\n- two\n\nIs US$ fine? [a link](http://example.org/$a$b) and $x$."
        self.assertEqual(c.post("/papers/%s/comments" % PAPER, {"body": body}).status, 303)
        page = c.get("/papers/" + PAPER).text
        mds = re.findall(r'<div class="md">(.*?)</div>', page, re.S)
        html = next(m for m in mds if "It costs" in m)
        self.assertIn("<li>one</li>", html)
        self.assertIn('href="http://example.org/$a$b"', html)
        self.assertIn("and $x$.", html)

    def test_search_marks_no_word_inside_math(self):
        """Found walking the site: a search's marks went inside TeX
        ("$\\<mark>mathcal{O}(n)</mark>$"), and the formula no longer
        rendered. Words of math spans are not marked; the others are."""
        c = self.serve("--katex-dir", self.kdir)
        page = c.get("/search?q=mathcal+time+display").text
        self.assertIn(PAPER, page)
        self.assertIn("$\\mathcal{O}(n)$ <mark>time</mark>", page)
        self.assertIn("$$\\sum_{i=1}^n x_i$$ in <mark>display</mark>", page)
        self.assertIn(">$E=mc^2$ and $\\mathcal{O}(n)$ attention</a>", page)  # the title, unmarked
        self.assertNotIn("<mark>mathcal", page)

    def test_app_js_renders_math(self):
        c = self.serve("--katex-dir", self.kdir)
        js = c.get("/static/app.js").text
        self.assertIn("renderMathInElement", js)
        self.assertIn("throwOnError: false", js)

    def test_without_katex(self):
        for args in (("--katex-dir", os.path.join(self.tmp, "none")), ("--katex-dir", "off")):
            c = self.serve(*args)
            page = c.get("/papers/" + PAPER)
            self.assertEqual(page.status, 200, args)
            self.assertNotIn("/static/katex/", page.text, args)
            self.assertIn(TITLE, page.text, args)
            self.assertEqual(c.get("/").status, 200, args)
            for name in ("katex.min.js", "fonts/" + FONT):
                self.assertEqual(c.get("/static/katex/" + name).status, 404, (args, name))
            c.server.stop()


if __name__ == "__main__":
    import unittest
    unittest.main()
