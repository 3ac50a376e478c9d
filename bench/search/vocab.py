"""Counts the words of the real titles and abstracts in ../shared/data's
Hugging Face dumps: the vocabulary the synthetic corpus draws from."""
import collections
import glob
import json
import os
import re
import sys

data = sys.argv[1]
counts = collections.Counter()
for path in glob.glob(os.path.join(data, "hf-daily-papers", "**", "*.json"), recursive=True):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    for item in doc if isinstance(doc, list) else []:
        if isinstance(item, dict):
            p = item["paper"]
            for text in (p.get("title", ""), p.get("summary", "")):
                counts.update(w for w in re.findall(r"[A-Za-z][A-Za-z0-9-]*", text))
for w, c in counts.most_common():
    print(w, c)
