"""House rules kept by a tool, not by review (../shared/STYLE.md): no
function in src/ over 100 lines; no file of src/web includes another
part's private header; the CLI calls no web function but web_serve; the
parts' headers are their whole interface. Prints the longest functions.

    python3 tests/style/check_style.py [SRC_DIR]
"""
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "src")
MAX_LINES = 100


def code_only(text):
    """The text with comments, strings and character literals blanked
    (newlines kept): what is left is the code's structure."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    """(name, first line, length) of each function defined at the top level."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    lines = code_only(text).split("\n")
    out = []
    depth = 0
    start = name = None
    for i, code in enumerate(lines):
        if depth == 0 and code.startswith("{") and start is None:
            # the function's name is on a line above: "type name(args)"
            for k in range(i - 1, max(i - 6, -1), -1):
                m = re.search(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(", lines[k])
                if m and not lines[k].startswith((" ", "\t", "#")):
                    name = m.group(1)
                    break
            start = i
        depth += code.count("{") - code.count("}")
        if depth == 0 and start is not None:
            if name:
                out.append((name, start + 1, i - start + 1))
            start = name = None
    return out


def main():
    found = []
    for root, _, files in os.walk(SRC):
        for f in files:
            if f.endswith(".c"):
                p = os.path.join(root, f)
                for name, line, n in functions(p):
                    found.append((n, os.path.relpath(p, SRC), line, name))
    found.sort(reverse=True)
    print("longest functions in src/:")
    for n, p, line, name in found[:10]:
        print("  %4d lines  %s:%d %s" % (n, p, line, name))
    long = [f for f in found if f[0] > MAX_LINES]
    problems = ["%s:%d %s is %d lines (at most %d)" % (p, line, name, n, MAX_LINES) for n, p, line, name in long]
    # the CLI is a client of the parts' interfaces; of web, only web_serve
    cli = open(os.path.join(SRC, "cli", "cli.c"), encoding="utf-8").read()
    for m in sorted(set(re.findall(r"\bweb_[a-z_]+\s*\(", cli))):
        if not m.startswith("web_serve"):
            problems.append("cli.c calls %s) (only web_serve is the CLI's)" % m.strip())
    # private headers stay in their folder
    for root, _, files in os.walk(SRC):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            text = open(os.path.join(root, f), encoding="utf-8").read()
            for inc in re.findall(r'#include "\.\./([a-z]+)/([a-z_]+_int\.h)"', text):
                problems.append("%s includes ../%s/%s, another part's private header"
                                % (os.path.relpath(os.path.join(root, f), SRC), *inc))
    for p in problems:
        print("style: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
