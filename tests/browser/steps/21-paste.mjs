// A pasted abstract (issue 21, item 4): typed into the header's search box,
// a text of ~2,000 characters goes to the search page by POST (app.js: too
// long for an address) and the paper it came from leads the results; a
// misspelled query shows what it searched for instead.
import fs from "node:fs";
import path from "node:path";

export default async function ({ browser, base, step, watch, DATA, DAYS, assert }) {
  const items = JSON.parse(fs.readFileSync(path.join(DATA, "hf-daily-papers/Paper_metadata_download", DAYS[2] + ".json")));
  const paper = items.map((it) => it.paper).find((p) => (p.summary || "").length > 1500);
  assert.ok(paper, "a paper with a long abstract on " + DAYS[2]);
  const text = paper.summary.replace(/\s+/g, " ").trim();

  // a visitor of its own: the earlier flows may have left the page signed in or out
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  watch(page);
  try {
    await step("paste: an abstract in the header's search finds its paper first, by POST", async () => {
      await page.goto(base + "/");
      const posts = [];
      page.on("request", (r) => {
        if (new URL(r.url()).pathname === "/search") posts.push(r.method());
      });
      await page.fill("header form[role=search] input[name=q]", text);
      await Promise.all([page.waitForURL(/\/search/), page.press("header form[role=search] input[name=q]", "Enter")]);
      assert.deepEqual(posts, ["POST"], "a text this long goes by POST");
      const first = page.locator("article.card h3.title a").first();
      assert.equal(await first.getAttribute("href"), "/papers/" + paper.id);
      assert.match(await page.locator(".result-count").innerText(), /papers?/);
    });

    await step("paste: every misspelled word of a query is corrected", async () => {
      await page.goto(base + "/search?q=" + encodeURIComponent("reinforcment lerning"));
      const notice = page.locator("p.notice", { hasText: "Showing results for" });
      await notice.waitFor();
      assert.equal((await notice.locator("strong").innerText()).trim(), "reinforcement learning");
    });
  } finally {
    await ctx.close();
  }
}
