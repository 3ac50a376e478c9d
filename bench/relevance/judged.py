#!/usr/bin/env python3
"""Top 3 of each search mode against the judged queries
(bench/relevance/judged_queries.tsv): prints each query's off-topic
results and, per mode, how many queries have one in their top 3.

usage: python3 bench/relevance/judged.py PAPERBOY_BIN DB [MODE...]
       (modes: semantic hybrid bm25; default all three)"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path=os.path.join(HERE, "judged_queries.tsv")):
    """[(query, [[alternative, ...], ...])]"""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            out.append((cols[0], [[a.lower() for a in g.split("|")] for g in cols[1:]]))
    return out


def on_topic(paper, groups):
    text = ((paper.get("title") or "") + " " + (paper.get("summary") or "")).lower()
    return all(any(a in text for a in g) for g in groups)


def top(binary, db, mode, query, k=3):
    out = subprocess.run([binary, "--db", db, "search", "--json", "--mode", mode, "--limit", str(k), query],
                         capture_output=True, text=True, check=True).stdout
    return [x["paper"] for x in json.loads(out)]


def main():
    binary, db = sys.argv[1], sys.argv[2]
    modes = sys.argv[3:] or ["semantic", "hybrid", "bm25"]
    queries = load()
    for mode in modes:
        bad = 0
        for q, groups in queries:
            papers = top(binary, db, mode, q)
            off = [p for p in papers if not on_topic(p, groups)]
            bad += bool(off)
            for p in off:
                print("%-8s %-45s off topic: %s %s" % (mode, q[:45], p["id"], p["title"][:70]))
        print("%-8s %d of %d judged queries have an off-topic paper in their top 3" % (mode, bad, len(queries)))


if __name__ == "__main__":
    main()
