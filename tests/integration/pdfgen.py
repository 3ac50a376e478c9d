"""Small PDFs written by hand for the full-text tests: the objects, a
content stream per page (Helvetica, one line of text a Tj) and the
cross-reference table, as the PDF specification (ISO 32000-1, 7.5) lays
them out. No PDF can be downloaded here, so the tests make their own."""
import zlib


def _esc(s):
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _stream(data, compress=False):
    if compress:
        data = zlib.compress(data)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def page_content(lines, size=11):
    out = [b"BT /F1 %d Tf %d TL 36 760 Td" % (size, size + 1)]
    for ln in lines:
        out.append(b"(" + _esc(ln).encode("latin-1") + b") Tj T*")
    out.append(b"ET")
    return b"\n".join(out)


def make_pdf(pages, compress=False, size=11):
    """pages: a list of pages, each a list of lines (or one string)."""
    objs = [None, None, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for p in pages:
        lines = [p] if isinstance(p, str) else p
        objs.append(_stream(page_content(lines, size), compress))
        content = len(objs)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 3 0 R >> >> >>" % content)
        kids.append(len(objs))
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def endless_stream_pdf():
    """A page whose content stream claims a huge length, never ends, and a
    file cut short: no endstream, no cross-reference table, no trailer."""
    good = make_pdf([["A first line"]])
    head = good[:good.index(b"4 0 obj")]
    body = b"4 0 obj\n<< /Length 999999999999 >>\nstream\nBT /F1 11 Tf 72 740 Td " + b"(x) Tj " * 20000
    return head + body
