// Issue 20, item 4: a paper's media (mediaUrls) are on its page: pictures
// from Hugging Face's CDN load (the CSP lets them in; run.mjs answers for
// the CDN, as the tests run offline), videos load nothing until they are
// played, and an address that is not https is not there. A CSP violation
// or a script error fails the run (run.mjs's final check).
import fs from "node:fs";
import path from "node:path";

const ID = "2401.99903";
const CDN = "https://cdn-uploads.huggingface.co/production/uploads/6485bd278d14bcd5cdbb7c8d/";

export default async function ({ browser, base, step, watch, pb, tmp, SHOTS, assert }) {
  const file = path.join(tmp, "media-2024-01-12.json");
  const paper = {
    id: ID, title: "Pictures and videos of a paper", authors: [{ name: "Grace Hopper" }],
    summary: "A paper with media.", publishedAt: "2024-01-12T10:00:00.000Z", upvotes: 1,
    submittedOnDailyAt: "2024-01-12T12:00:00.000Z",
    mediaUrls: [CDN + "figure.png", CDN + "demo.gif", CDN + "demo.mp4", CDN + "clip.webm", "http://cdn-uploads.huggingface.co/plain.png"],
  };
  fs.writeFileSync(file, JSON.stringify([{ paper, publishedAt: paper.submittedOnDailyAt, title: paper.title }]));
  pb("ingest", file);

  await step("media: a paper's pictures load from Hugging Face's CDN; its videos wait to be played", async () => {
    const c = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await c.newPage();
    watch(p);
    const asked = [];
    p.on("request", (r) => { if (r.url().startsWith("https://cdn-uploads.huggingface.co/")) asked.push(r.url()); });
    await p.goto(base + "/papers/" + ID);
    const media = p.locator("section.media");
    await media.scrollIntoViewIfNeeded();
    assert.equal(await media.locator("img").count(), 2);
    assert.equal(await media.locator('video[controls][preload="none"]').count(), 2);
    assert.equal(await p.locator('[src^="http:"], [href^="http://cdn-uploads"]').count(), 0, "an address that is not https");
    await p.waitForFunction(() => [...document.querySelectorAll("section.media img")].every((i) => i.complete && i.naturalWidth > 0),
      null, { timeout: 10000 });
    await p.screenshot({ path: path.join(SHOTS, "paper-media.png"), fullPage: true });
    assert.deepEqual(asked.filter((u) => /\.(mp4|webm)$/.test(u)), [], "a video loaded before it was played");
    assert.ok(asked.some((u) => u.endsWith("/figure.png")), "the picture came from the CDN");
    await c.close();
  });
}
