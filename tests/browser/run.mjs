// Browser tests: Debian's headless Chromium driven by playwright-core against
// the real paperboy binary. Sign-up, sign-in, voting (with and without a
// reload), submitting, commenting, searching, and moving between days,
// weeks and months; screenshots go to $SCREENSHOTS (default ./screenshots).
import { chromium } from "playwright-core";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import assert from "node:assert/strict";

const BIN = process.env.PAPERBOY_BIN || path.resolve("../../build/paperboy");
const DATA = process.env.PAPERBOY_SHARED_DATA || path.resolve("../../../shared/data");
const SHOTS = process.env.SCREENSHOTS || path.resolve("screenshots");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const DAYS = ["2024-05-30", "2024-05-31", "2024-06-03", "2024-06-04"];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pb-browser-"));
const env = { ...process.env, PAPERBOY_DB: path.join(tmp, "b.db"), PAPERBOY_NO_PROGRESS: "1" };
fs.mkdirSync(SHOTS, { recursive: true });

function pb(...args) {
  return execFileSync(BIN, args, { env, stdio: ["ignore", "pipe", "pipe"] }).toString();
}

// arXiv API stand-in: replays a real recorded response, its dates moved to
// two days ago (submissions take papers published in the last 14 days)
const recent = new Date(Date.now() - 2 * 86400000).toISOString().replace(/\.\d{3}Z$/, "Z");
const atom = fs.readFileSync(path.join(DATA, "arxiv-api-atom/arxiv.py-recorded-2026-bodies/id_1605.08386_s0_m100_199195aa31ad.xml"),
  "utf8").replace(/<(published|updated)>[^<]*</g, `<$1>${recent}<`);
const arxiv = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "application/atom+xml" });
  res.end(atom);
});
await new Promise((r) => arxiv.listen(0, "127.0.0.1", r));

pb("init");
pb("ingest", ...DAYS.map((d) => path.join(DATA, "hf-daily-papers/Paper_metadata_download", d + ".json")));
execFileSync(BIN, ["user", "add", "boss", "--email", "boss@example.org", "--admin"], { env, input: "a long admin password\n" });
// a thumbnail in the cache, as the thumbnail thread leaves them
const lastDay = JSON.parse(fs.readFileSync(path.join(DATA, "hf-daily-papers/Paper_metadata_download", DAYS[3] + ".json")));
const thumbed = lastDay[0].paper.id;
const thumbDir = path.join(tmp, "thumbs");
fs.mkdirSync(thumbDir);
execFileSync("/usr/bin/python3", ["-c", "import sys; sys.path.insert(0, '../integration'); from test_feed import png; " +
  `open(${JSON.stringify(path.join(thumbDir, thumbed + ".png"))}, 'wb').write(png(320, 180))`]);

// a real SMTP server (Debian's python3-aiosmtpd) that accepts and drops mail
const smtpPort = await new Promise((resolve) => {
  const probe = http.createServer();
  probe.listen(0, "127.0.0.1", () => { const p = probe.address().port; probe.close(() => resolve(p)); });
});
const smtp = spawn("/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", `127.0.0.1:${smtpPort}`],
  { stdio: ["ignore", "ignore", "inherit"] });

const portFile = path.join(tmp, "port");
const server = spawn(BIN, ["serve", "--port", "0", "--port-file", portFile, "--access-log", "off",
  "--smtp", `smtp://127.0.0.1:${smtpPort}`, "--thumb-dir", thumbDir,
  "--thumb-pdf-base", `http://127.0.0.1:${smtpPort}/none/`,
  "--arxiv-api", `http://127.0.0.1:${arxiv.address().port}/api/query`,
  "--vote-age", "0", "--signups-per-ip", "0", "--signups-per-hour", "0", "--passwords-per-ip", "0", "--arxiv-delay", "0.05",
  "--digest-time", "off"],
  { env, stdio: ["ignore", "ignore", "inherit"] });
for (let i = 0; i < 600 && !(fs.existsSync(portFile) && fs.readFileSync(portFile, "utf8").trim()); i++)
  await new Promise((r) => setTimeout(r, 50));
const base = `http://127.0.0.1:${fs.readFileSync(portFile, "utf8").trim()}`;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
// Hugging Face's CDN, where a paper's pictures and videos are (its page
// shows them: mediaUrls), is answered here in every context: the tests run
// offline. A picture for a picture; anything else is not there.
const cdnPicture = fs.readFileSync(path.join(thumbDir, thumbed + ".png"));
const newContext = browser.newContext.bind(browser);
browser.newContext = async (...args) => {
  const c = await newContext(...args);
  await c.route(/^https:\/\/cdn-(uploads|thumbnails)\.huggingface\.co\//, (route) =>
    /\.(png|jpe?g|gif|webp)$/i.test(new URL(route.request().url()).pathname)
      ? route.fulfill({ status: 200, contentType: "image/png", body: cdnPicture })
      : route.fulfill({ status: 404, contentType: "text/plain", body: "not here" }));
  return c;
};
let failed = 0, passed = 0;
const problems = [];

async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log("ok   " + name);
  } catch (e) {
    failed++;
    console.log("FAIL " + name + "\n     " + String(e.stack || e).split("\n").slice(0, 4).join("\n     "));
  }
}

function watch(page) {
  // a CSP violation or a script error shows up here
  page.on("console", (m) => {
    // the duplicate submission answers 409 on purpose, a vote while
    // signed out 401 (the script then goes to the sign-in page)
    if (m.type() === "error" && !/status of (409|401)/.test(m.text())) problems.push(m.text() + " at " + page.url());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
}

const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await ctx.newPage();
watch(page);

try {
  await step("the daily page shows the newest day", async () => {
    await page.goto(base + "/");
    assert.match(await page.locator("h1").innerText(), /Daily papers — Tue 4 Jun 2024/);
    assert.ok((await page.locator("article.card").count()) > 5);
    assert.ok(await page.locator("#papers").getByText("#1 paper of the day").isVisible());
    await page.screenshot({ path: path.join(SHOTS, "daily.png"), fullPage: false });
  });

  await step("previous and next days skip the weekend", async () => {
    await page.click('a[rel="prev"]');
    await page.waitForURL(/\/papers\/date\/2024-06-03$/);
    await page.click('a[rel="prev"]');
    await page.waitForURL(/\/papers\/date\/2024-05-31$/);
    await page.click('a[rel="next"]');
    await page.waitForURL(/\/papers\/date\/2024-06-03$/);
  });

  await step("weeks and months with their charts", async () => {
    await page.click("nav.tabs >> text=Weekly");
    await page.waitForURL(/\/papers\/week\/2024-W23$/);
    await page.click('a[rel="prev"]');
    await page.waitForURL(/\/papers\/week\/2024-W22$/);
    assert.ok((await page.locator("figure.chart svg").count()) >= 2);
    await page.screenshot({ path: path.join(SHOTS, "week.png"), fullPage: false });
    await page.click("nav.tabs >> text=Monthly");
    await page.waitForURL(/\/papers\/month\/2024-06$/);
    await page.click('a[rel="prev"]');
    await page.waitForURL(/\/papers\/month\/2024-05$/);
    assert.ok((await page.locator("article.card").count()) > 5);
  });

  await step("an abstract expands", async () => {
    const d = page.locator("details.abstract").first();
    await d.locator("summary").click();
    assert.equal(await d.getAttribute("open"), "");
  });

  await step("sign up", async () => {
    await page.click("text=Sign up");
    await page.fill("#name", "browseruser");
    await page.fill("#email", "browser@example.org");
    await page.fill("#password", "a long browser password");
    await page.click('button[type="submit"]:has-text("Sign up")');
    await page.waitForURL(base + "/");
    assert.ok(await page.locator('nav .links a[href="/u/browseruser"]').isVisible());
  });

  await step("vote without a reload, and take it back", async () => {
    await page.evaluate(() => { window.__noReload = 1; });
    const btn = page.locator("form.vote .vote-btn").first();
    const before = Number(await btn.locator(".count").innerText());
    await btn.click();
    await page.waitForFunction((b) => Number(document.querySelector("form.vote .vote-btn .count").textContent) === b + 1, before);
    assert.equal(await btn.getAttribute("aria-pressed"), "true");
    assert.equal(await page.evaluate(() => window.__noReload), 1);
    await btn.click();
    await page.waitForFunction((b) => Number(document.querySelector("form.vote .vote-btn .count").textContent) === b, before);
  });

  await step("vote with JavaScript off (the form alone)", async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await ctx.storageState() });
    const p = await noJs.newPage();
    await p.goto(base + "/papers/date/2024-06-03");
    const btn = p.locator("form.vote .vote-btn").first();
    const before = Number(await btn.locator(".count").innerText());
    await btn.click();
    await p.waitForLoadState();
    assert.equal(Number(await p.locator("form.vote .vote-btn .count").first().innerText()), before + 1);
    await noJs.close();
  });

  await step("submit a paper from arXiv", async () => {
    await page.click("text=Submit a paper");
    await page.fill("#paper", "https://arxiv.org/abs/1605.08386v1");
    await page.click('button:has-text("Submit")');
    await page.waitForURL(/\/papers\/1605\.08386$/);
    // fetched in the background: the page looks again until it is here
    await page.getByText("submitted by").first().waitFor({ timeout: 15000 });
    await page.goto(base + "/submit");
    await page.fill("#paper", "1605.08386");
    await page.click('button:has-text("Submit")');
    assert.match(await page.locator(".notice").innerText(), /already on the feed/);
  });

  await step("a submission does not take over the front page", async () => {
    await page.goto(base + "/");
    const today = new Date().toUTCString().slice(0, 3);
    assert.match(await page.locator("h1").innerText(), new RegExp("Daily papers — " + today));
    assert.ok(await page.locator('article.card a[href="/papers/1605.08386"]').first().isVisible());
    assert.ok((await page.locator("article.card").count()) >= 10, "the days before the lone submission follow it");
    assert.ok((await page.locator("h2.day-head").count()) >= 1);
    await page.goto(base + "/papers/trending");
    assert.ok((await page.locator("article.card").count()) >= 20);
  });

  await step("an administrator hides a paper and shows it again", async () => {
    const adm = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const a = await adm.newPage();
    watch(a);
    await a.goto(base + "/signin");
    await a.fill("#name", "boss");
    await a.fill("#password", "a long admin password");
    await a.click('button[type="submit"]:has-text("Sign in")');
    await a.goto(base + "/papers/1605.08386");
    await a.click('button:has-text("Hide this paper")');
    await a.goto(base + "/");
    assert.equal(await a.locator('article.card a[href="/papers/1605.08386"]').count(), 0);
    assert.ok((await a.locator("article.card").count()) >= 10, "the front page is not emptied");
    await a.goto(base + "/papers/1605.08386");
    await a.click('button:has-text("Show this paper again")');
    await a.goto(base + "/");
    assert.equal(await a.locator('article.card a[href="/papers/1605.08386"]').first().isVisible(), true);
    await adm.close();
  });

  await step("a vote while signed out: sign in, and it is counted", async () => {
    const anon = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await anon.newPage();
    watch(p);
    await p.goto(base + "/papers/date/2024-06-03");
    const btn = p.locator("form.vote .vote-btn").last(); /* one browseruser has not voted for */
    const before = Number(await btn.locator(".count").innerText());
    const label = await btn.getAttribute("aria-label");
    await btn.click();
    await p.waitForURL(/\/signin\?next=/);
    assert.match(await p.locator(".notice").first().innerText(), /Sign in to upvote/);
    await p.fill("#name", "browseruser");
    await p.fill("#password", "a long browser password");
    await p.click('button[type="submit"]:has-text("Sign in")');
    await p.waitForURL(/\/papers\/date\/2024-06-03$/);
    const after = p.locator(`form.vote .vote-btn[aria-label="${label.replace(/"/g, '\\"')}"]`);
    assert.equal(await after.getAttribute("aria-pressed"), "true");
    assert.equal(Number(await after.locator(".count").innerText()), before + 1);
    await anon.close();
  });

  await step("thumbnails come from the local cache", async () => {
    await page.goto(base + "/papers/date/" + DAYS[3]);
    const img = page.locator(`article.card a.thumb img[src="/thumbs/${thumbed}.png"]`);
    assert.equal(await img.count(), 1);
    await img.scrollIntoViewIfNeeded();
    await page.waitForFunction((id) => {
      const i = document.querySelector(`img[src="/thumbs/${id}.png"]`);
      return i && i.complete && i.naturalWidth === 320;
    }, thumbed);
  });

  await step("comment with Markdown, then reply", async () => {
    await page.goto(base + "/papers/1605.08386");
    await page.fill("#body", "Nice **result**, see `code` <script>alert(1)</script>");
    await page.click('button:has-text("Comment")');
    await page.waitForURL(/#c\d+$/);
    assert.equal(await page.locator(".comment .md strong").first().innerText(), "result");
    assert.equal(await page.locator(".comment .md script").count(), 0);
    await page.locator("details.reply summary").first().click();
    await page.locator("details.reply textarea").first().fill("A reply");
    await page.locator('details.reply button:has-text("Reply")').first().click();
    await page.waitForURL(/#c\d+$/);
    assert.equal(await page.locator(".replies .comment").count(), 1);
    await page.screenshot({ path: path.join(SHOTS, "paper.png"), fullPage: true });
  });

  await step("search from the header, with highlighted words", async () => {
    await page.fill("#q", "video diffusion");
    await page.press("#q", "Enter");
    await page.waitForURL(/\/search\?q=video\+diffusion/);
    assert.ok((await page.locator("article.card").count()) > 0);
    assert.ok((await page.locator("mark").count()) > 0);
    await page.screenshot({ path: path.join(SHOTS, "search.png"), fullPage: false });
  });

  await step("sign out and back in", async () => {
    await page.click('button:has-text("Sign out")');
    await page.waitForURL(base + "/");
    await page.click("text=Sign in");
    await page.fill("#name", "browseruser");
    await page.fill("#password", "a long browser password");
    await page.click('button[type="submit"]:has-text("Sign in")');
    await page.waitForURL(base + "/");
    assert.ok(await page.locator('nav .links a[href="/u/browseruser"]').isVisible());
    await page.goto(base + "/u/browseruser");
    assert.ok((await page.locator("article.card").count()) >= 1); // the submission
  });

  await step("subscribe from the box at the foot of a page", async () => {
    await page.goto(base + "/papers/trending");
    await page.fill("#sub-email", "reader@lab.example");
    await page.selectOption("#sub-period", "weekly");
    await page.click('.subscribe-box button:has-text("Subscribe")');
    await page.waitForURL(/\/subscribe\?email=/);
    assert.equal(await page.inputValue("#email"), "reader@lab.example");
    assert.ok(await page.isChecked('input[name="period"][value="weekly"]'));
    await page.fill("#topics", "diffusion models\ncat:cs.CV");
    await page.click('main button:has-text("Subscribe")');
    assert.match(await page.locator(".notice").innerText(), /link to confirm is on its way to reader@lab\.example/);
    await page.screenshot({ path: path.join(SHOTS, "subscribe.png"), fullPage: false });
  });

  await step("keyboard: the first Tab reaches the skip link, focus is visible", async () => {
    await page.goto(base + "/");
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement.className);
    assert.equal(focused, "skip");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, "none");
  });

  // ---- each reader's own (issue 14), signed in as browseruser ----

  await step("keyboard: Tab, Enter on the skip link, and the next Tab is in the first paper", async () => {
    await page.goto(base + "/");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute("href")), "#papers");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    const inFirst = await page.evaluate(() => {
      const card = document.activeElement.closest("article.card");
      return card !== null && card === document.querySelector("article.card");
    });
    assert.ok(inFirst, "the third key press reaches the first paper");
  });

  await step("keyboard triage: j/k move, u upvotes, s saves, ? lists the keys, o opens", async () => {
    await page.goto(base + "/");
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await page.keyboard.press("k");
    const cur = () => page.evaluate(() => {
      const c = document.querySelector("article.card.current");
      return c ? [...document.querySelectorAll("article.card[data-paper]")].indexOf(c) : -1;
    });
    assert.equal(await cur(), 0);
    await page.keyboard.press("j");
    assert.equal(await cur(), 1);
    const second = page.locator("article.card[data-paper]").nth(1);
    const id = await second.getAttribute("data-paper");
    const btn = second.locator(".vote-btn");
    const was = await btn.getAttribute("aria-pressed");
    await page.keyboard.press("u");
    await page.waitForFunction(([i, w]) => document.querySelector(`article.card[data-paper="${i}"] .vote-btn`)
      .getAttribute("aria-pressed") !== w, [id, was]);
    await page.keyboard.press("s");
    await second.locator("form.unsave button[aria-pressed='true']:has-text('Saved')").waitFor();
    await page.keyboard.press("?");
    const help = page.locator(".keys-help");
    assert.ok(await help.isVisible());
    assert.match(await help.innerText(), /upvote the paper/);
    await page.screenshot({ path: path.join(SHOTS, "keys.png"), fullPage: false });
    await page.keyboard.press("Escape");
    assert.ok(!(await help.isVisible()));
    // focus goes back to the paper it was on (it was left on the body)
    assert.ok(await page.evaluate(() => document.activeElement === document.querySelector("article.card.current")),
      "focus back on the current paper after Esc");
    await page.keyboard.press("o");
    await page.waitForURL(base + "/papers/" + id);
    // saved: in the Saved collection, shown as saved on the card
    await page.goto(base + "/u/browseruser/collections");
    await page.click("text=Saved");
    assert.ok(await page.locator(`article.card[data-paper="${id}"]`).isVisible());
    await page.goto(base + "/");
    assert.ok(await page.locator(`article.card[data-paper="${id}"] form.unsave`).isVisible());
  });

  await step("follow an author from a paper's page; the Following page lists their papers", async () => {
    await page.goto(base + "/");
    await page.locator("article.card .title a").first().click();
    await page.waitForURL(/\/papers\/\d/);
    const follow = page.locator('form.follow button[aria-label^="Follow "]').first();
    const who = (await follow.getAttribute("aria-label")).slice(7);
    await follow.click();
    await page.locator(`form.follow button[aria-label="Stop following ${who}"]`).waitFor();
    await page.click('nav a[href="/me/following"]');
    assert.match(await page.locator("section.follows").innerText(), new RegExp(who));
    assert.ok((await page.locator("main article.card").count()) >= 1);
    await page.screenshot({ path: path.join(SHOTS, "following.png"), fullPage: false });
    // the private feed: its address alone opens it; a new address closes the old
    await page.click("text=Make the address");
    const url = await page.locator("code.feed-url").innerText();
    const anon = await browser.newContext();
    const feed = await anon.request.get(url);
    assert.equal(feed.status(), 200);
    assert.match(await feed.text(), /<feed[^>]*xmlns="http:\/\/www.w3.org\/2005\/Atom"[\s\S]*<entry>/);
    await page.click("text=Back");
    await page.click("text=Make a new address");
    assert.notEqual(await page.locator("code.feed-url").innerText(), url);
    assert.equal((await anon.request.get(url)).status(), 404);
    await anon.close();
  });

  await step("mute a word: its papers leave the day, or collapse with the reason", async () => {
    await page.goto(base + "/");
    const first = page.locator("article.card[data-paper]").first();
    const id = await first.getAttribute("data-paper");
    const word = (await first.locator(".title a").innerText()).split(/[^A-Za-z]+/).filter((w) => w.length > 4)[0];
    await page.goto(base + "/me/following");
    await page.selectOption("#mk", "word");
    await page.fill("#mv", word);
    await page.click('form[action="/me/mute"] button:has-text("Mute")');
    await page.goto(base + "/");
    assert.equal(await page.locator(`article.card[data-paper="${id}"]`).count(), 0);
    await page.goto(base + "/me/following");
    await page.selectOption("#mc", "1");
    await page.click('form[action="/me/prefs"] button');
    await page.goto(base + "/");
    assert.match(await page.locator("article.muted-card").first().innerText(), new RegExp("Muted \\(word \"" + word));
    await page.goto(base + "/me/following");
    await page.click(`button[aria-label="Unmute word ${word}"]`);
    await page.goto(base + "/");
    assert.equal(await page.locator(`article.card[data-paper="${id}"]`).count(), 1);
    // an author muted from a paper's page: the paper collapses on the day, saying why
    await page.goto(base + "/papers/" + id);
    const mute = page.locator('form.mute button[aria-label^="Mute author "]').first();
    const who = (await mute.getAttribute("aria-label")).slice("Mute author ".length);
    await mute.click();
    await page.waitForURL(base + "/papers/" + id);
    await page.goto(base + "/");
    assert.match(await page.locator("article.muted-card").first().innerText(), new RegExp("Muted \\(author \"" + who.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    await page.goto(base + "/me/following");
    await page.click(`button[aria-label="Unmute author ${who}"]`);
  });

  await step("a collection from a paper's page, with a note; its BibTeX; Cite", async () => {
    await page.goto(base + "/");
    await page.locator("article.card .title a").nth(2).click();
    await page.waitForURL(/\/papers\/\d/);
    const id = page.url().split("/").pop();
    await page.click("details.cite summary");
    const bib = await page.locator("details.cite pre").innerText();
    assert.match(bib, /^@(misc|article)\{/);
    assert.match(bib, /archivePrefix = \{arXiv\}/);
    assert.match(bib, new RegExp("eprint = \\{" + id.replace(".", "\\.") + "\\}"));
    await page.click("details.collect summary");
    await page.fill('input[aria-label="New collection"]', "Group reading");
    await page.click("text=Make it and add");
    await page.waitForURL(/\/c\/\d+$/);
    assert.ok(await page.locator(`article.card[data-paper="${id}"]`).isVisible());
    await page.fill("ol.coll-items input[name=note]", "read section 3");
    await page.click("ol.coll-items button:has-text('Save note')");
    assert.equal(await page.locator("ol.coll-items p.note").innerText(), "read section 3");
    const exp = await page.request.get(page.url() + "/export?format=bib");
    assert.equal(exp.status(), 200);
    assert.match(await exp.text(), /annote = \{read section 3\}/);
    await page.screenshot({ path: path.join(SHOTS, "collection.png"), fullPage: false });
  });

  await step("new since the last visit: marked, then all marked read", async () => {
    await page.goto(base + "/");
    // the last visit: the evening before the newest day
    const st = await page.evaluate(async () => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const r = await fetch("/api/me/prefs", { method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ readMark: "2024-06-03T18:00:00Z" }) });
      return r.status;
    });
    assert.equal(st, 200);
    // (the home page now starts with this run's own submission, made today)
    await page.goto(base + "/papers/date/2024-06-04");
    const fresh = await page.locator("article.card.new").count();
    assert.ok(fresh > 3, `${fresh} new cards`);
    assert.ok(await page.locator("article.card.new .badge.new").first().isVisible());
    await page.click("text=Mark all as read");
    await page.waitForURL(base + "/papers/date/2024-06-04");
    assert.equal(await page.locator("article.card.new").count(), 0);
  });

  await step("For you: recommendations appear after votes, saves and follows", async () => {
    let n = 0;
    for (let i = 0; i < 60 && !n; i++) {
      await page.goto(base + "/me/for-you");
      n = await page.locator("article.card").count();
      if (!n) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(n > 0, "no recommendations after 30 s");
  });

  await step("download one's data, then delete the account", async () => {
    const c = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await c.newPage();
    watch(p);
    await p.goto(base + "/signup");
    await p.fill("#name", "leaver");
    await p.fill("#email", "leaver@example.org");
    await p.fill("#password", "a long leaving password");
    await p.click('button[type="submit"]:has-text("Sign up")');
    await p.waitForURL(base + "/");
    await p.locator("form.vote .vote-btn").first().click();
    await p.goto(base + "/u/leaver");
    const [dl] = await Promise.all([p.waitForEvent("download"), p.click("text=Download your data")]);
    const data = JSON.parse(fs.readFileSync(await dl.path(), "utf8"));
    assert.equal(data.profile.name, "leaver");
    assert.equal(data.votes.length, 1);
    await p.click("text=Delete your account");
    await p.fill("#dp", "not my password");
    await p.click("text=Delete my account");
    assert.match(await p.locator("body").innerText(), /not your password/);
    await p.goto(base + "/me/delete");
    await p.fill("#dp", "a long leaving password");
    await p.click("text=Delete my account");
    await p.waitForURL(base + "/");
    assert.ok(await p.locator("text=Sign in").first().isVisible());
    assert.equal((await p.request.get(base + "/u/leaver")).status(), 404);
    await c.close();
  });

  await step("phone: the first paper shows without scrolling, one search box that fits the query", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const p = await phone.newPage();
    watch(p);
    for (const where of ["/", "/papers/date/2024-06-03", "/papers/week/2024-W22", "/papers/month/2024-05"]) {
      await p.goto(base + where);
      const box = await p.locator("article.card").first().boundingBox();
      assert.ok(box && box.y + 120 < 844, `${where}: the first card starts at y=${box && box.y}`);
    }
    const q = "retrieval augmented generation agents";
    await p.goto(base + "/search?q=" + encodeURIComponent(q));
    assert.equal(await p.locator('input[type="search"]').count(), 1);
    const fits = await p.evaluate(() => { const i = document.querySelector("#sq"); return i.scrollWidth <= i.clientWidth + 1; });
    assert.ok(fits, "the search box cuts the query on a phone");
    await p.screenshot({ path: path.join(SHOTS, "phone-week.png"), fullPage: false });
    await phone.close();
    await page.goto(base + "/search?q=" + encodeURIComponent(q));
    const wide = await page.evaluate(() => { const i = document.querySelector("#sq"); return i.clientWidth; });
    assert.ok(wide >= 400, `the search box is ${wide}px wide on a desktop`);
  });

  await step("phone-sized and dark-mode screenshots", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "dark", isMobile: true });
    const p = await phone.newPage();
    watch(p);
    await p.goto(base + "/");
    const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, "rgb(11, 15, 23)");
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.equal(overflow, false, "the page is wider than a phone");
    await p.screenshot({ path: path.join(SHOTS, "phone-dark.png"), fullPage: false });
    await phone.close();
  });

  // more flows, one file each (steps/*.mjs, in name order): each exports a
  // default async function given what the flows above use
  const stepDir = path.join(path.dirname(new URL(import.meta.url).pathname), "steps");
  for (const f of fs.existsSync(stepDir) ? fs.readdirSync(stepDir).filter((n) => n.endsWith(".mjs")).sort() : []) {
    const mod = await import(path.join(stepDir, f));
    await mod.default({ browser, ctx, page, base, step, watch, pb, env, tmp, thumbDir, SHOTS, DATA, DAYS, assert });
  }

  await step("no script errors or CSP violations on any page", async () => {
    assert.deepEqual(problems, [], problems.join("\n"));
  });
} finally {
  await browser.close();
  server.kill("SIGTERM");
  smtp.kill("SIGTERM");
  arxiv.close();
  await new Promise((r) => server.on("exit", r));
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed; screenshots in ${SHOTS}`);
process.exit(failed ? 1 : 0);
