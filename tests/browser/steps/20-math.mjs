// Math (issue 20, item 5): KaTeX, served by paperboy, renders the TeX of a
// paper's title, abstract and summary, of the cards and of comments; a
// literal "$5" stays prose; without JavaScript the TeX source reads as is.
// A CSP violation or a script error fails the run (run.mjs's final check).
import fs from "node:fs";
import path from "node:path";

const ID = "2401.99902";
const TITLE = "Attention in $\\mathcal{O}(n)$ with $E=mc^2$";

export default async function ({ browser, page, base, step, watch, pb, tmp, assert }) {
  const day = path.join(tmp, "math-2024-01-11.json");
  const paper = {
    id: ID, title: TITLE, authors: [{ name: "Ada Lovelace" }],
    summary: "We reach $\\mathcal{O}(n)$ time and $$\\sum_{i=1}^n x_i$$, at $5 per run; \\(a+b\\) too.",
    ai_summary: "Linear $\\mathcal{O}(n)$ attention.",
    publishedAt: "2024-01-11T10:00:00.000Z", upvotes: 1, submittedOnDailyAt: "2024-01-11T12:00:00.000Z",
  };
  fs.writeFileSync(day, JSON.stringify([{ paper, publishedAt: "2024-01-11T12:00:00.000Z", title: TITLE }]));
  pb("ingest", day);

  await step("math: KaTeX renders a paper's title, abstract and summary", async () => {
    await page.goto(base + "/papers/" + ID);
    await page.locator(".paper-head h1 .katex").first().waitFor({ timeout: 10000 });
    assert.equal(await page.locator(".paper-head h1 .katex").count(), 2);
    assert.ok((await page.locator(".abstract-full .katex").count()) >= 3, "inline, display and \\( \\) in the abstract");
    assert.ok((await page.locator(".abstract-full .katex-display").count()) >= 1);
    assert.ok((await page.locator(".summary .katex").count()) >= 1);
    assert.equal(await page.locator(".katex-error").count(), 0);
    assert.match(await page.locator(".abstract-full").innerText(), /at \$5 per run/);
    // the fonts come from paperboy, as the CSP allows
    const fonts = await page.evaluate(async () => {
      await document.fonts.ready;
      return Array.from(document.fonts).filter((f) => f.status === "loaded").map((f) => f.family);
    });
    assert.ok(fonts.some((f) => /KaTeX/.test(f)), "a KaTeX font loaded: " + fonts.join(", "));
  });

  await step("math: on the day's cards and in a comment", async () => {
    await page.goto(base + "/papers/date/2024-01-11");
    await page.locator("article.card .title .katex").first().waitFor({ timeout: 10000 });
    assert.ok((await page.locator("article.card .tldr .katex").count()) >= 1);
    // a reader of its own (the flows before may have signed out)
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    watch(p);
    await p.goto(base + "/signup");
    await p.fill("#name", "mathreader");
    await p.fill("#email", "math@example.org");
    await p.fill("#password", "a long math password");
    await p.click('button[type="submit"]:has-text("Sign up")');
    await p.waitForURL(base + "/");
    await p.goto(base + "/papers/" + ID);
    await p.fill("#body", "So $E=mc^2$ holds, at $5 a try.");
    await p.click('button.btn:text-is("Comment")');
    await p.waitForURL(new RegExp("/papers/" + ID.replace(".", "\\.")));
    const c = p.locator(".comment .md").filter({ hasText: "holds" }).last();
    await c.locator(".katex").first().waitFor({ timeout: 10000 });
    assert.match(await c.innerText(), /at \$5 a try/);
    await ctx.close();
  });

  await step("math: without JavaScript the TeX reads as written", async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const p = await noJs.newPage();
    watch(p);
    await p.goto(base + "/papers/" + ID);
    assert.equal(await p.locator(".paper-head h1").innerText(), TITLE);
    assert.equal(await p.locator(".katex").count(), 0);
    await noJs.close();
  });
}
