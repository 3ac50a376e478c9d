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

// arXiv API stand-in: replays a real recorded response
const atom = fs.readFileSync(path.join(DATA, "arxiv-api-atom/arxiv.py-recorded-2026-bodies/id_1605.08386_s0_m100_199195aa31ad.xml"));
const arxiv = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "application/atom+xml" });
  res.end(atom);
});
await new Promise((r) => arxiv.listen(0, "127.0.0.1", r));

pb("init");
pb("ingest", ...DAYS.map((d) => path.join(DATA, "hf-daily-papers/Paper_metadata_download", d + ".json")));
pb("index", "rebuild");

// a real SMTP server (Debian's python3-aiosmtpd) that accepts and drops mail
const smtpPort = await new Promise((resolve) => {
  const probe = http.createServer();
  probe.listen(0, "127.0.0.1", () => { const p = probe.address().port; probe.close(() => resolve(p)); });
});
const smtp = spawn("/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", `127.0.0.1:${smtpPort}`],
  { stdio: ["ignore", "ignore", "inherit"] });

const portFile = path.join(tmp, "port");
const server = spawn(BIN, ["serve", "--port", "0", "--port-file", portFile, "--access-log", "off",
  "--smtp", `smtp://127.0.0.1:${smtpPort}`,
  "--arxiv-api", `http://127.0.0.1:${arxiv.address().port}/api/query`], { env, stdio: ["ignore", "ignore", "inherit"] });
for (let i = 0; i < 600 && !(fs.existsSync(portFile) && fs.readFileSync(portFile, "utf8").trim()); i++)
  await new Promise((r) => setTimeout(r, 50));
const base = `http://127.0.0.1:${fs.readFileSync(portFile, "utf8").trim()}`;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
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
    // the duplicate submission answers 409 on purpose
    if (m.type() === "error" && !/status of 409/.test(m.text())) problems.push(m.text() + " at " + page.url());
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
    assert.ok(await page.getByText("#1 paper of the day").isVisible());
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
    assert.ok(await page.locator('nav a[href="/u/browseruser"]').isVisible());
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
    assert.ok(await page.getByText("submitted by").first().isVisible());
    await page.goto(base + "/submit");
    await page.fill("#paper", "1605.08386");
    await page.click('button:has-text("Submit")');
    assert.match(await page.locator(".notice").innerText(), /already on the feed/);
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
    assert.ok(await page.locator('nav a[href="/u/browseruser"]').isVisible());
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
