// Issue 20, item 4: on a wide screen the feeds are a grid of cards (more
// than one column, as on Hugging Face); "List" makes them one column and
// is remembered (a cookie the server reads: a reload, and the next page,
// are still a list); a phone shows one column.
import path from "node:path";

// where the first two papers of the page are: side by side, or one below the other
function twoCards(p) {
  return p.evaluate(() => {
    const [a, b] = [...document.querySelectorAll("#papers > article.card")].slice(0, 2).map((e) => e.getBoundingClientRect());
    return { sideBySide: Math.abs(a.top - b.top) < 2 && b.left >= a.right, below: b.top >= a.bottom - 1 && Math.abs(a.left - b.left) < 2 };
  });
}

export default async function ({ browser, base, step, watch, SHOTS, DAYS, assert }) {
  await step("grid: cards side by side on a wide screen; List is one column, and remembered", async () => {
    const c = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await c.newPage();
    watch(p);
    const day = base + "/papers/date/" + DAYS[0];
    await p.goto(day);
    assert.ok((await twoCards(p)).sideBySide, "the first two cards are not side by side: " + JSON.stringify(await twoCards(p)));
    assert.equal(await p.locator("nav.layout a[aria-current]").innerText(), "Grid");
    await p.screenshot({ path: path.join(SHOTS, "grid.png"), fullPage: false });
    // the same address comes back: wait for the new page, not for the URL
    await p.locator("nav.layout a", { hasText: "List" }).click();
    await p.locator("#papers.cards.list").waitFor();
    await p.waitForLoadState("load");
    assert.equal(p.url(), day);
    assert.ok((await twoCards(p)).below, "List: the second card is not below the first");
    assert.equal(await p.locator("nav.layout a[aria-current]").innerText(), "List");
    await p.screenshot({ path: path.join(SHOTS, "list.png"), fullPage: false });
    await p.reload();
    assert.ok((await twoCards(p)).below, "after a reload the list is a grid again");
    await p.goto(base + "/papers/week/2024-W22");
    assert.ok((await twoCards(p)).below, "the week is not a list");
    await p.locator("nav.layout a", { hasText: "Grid" }).click();
    await p.locator("#papers.cards.grid").waitFor();
    await p.waitForLoadState("load");
    assert.equal(p.url(), base + "/papers/week/2024-W22");
    assert.ok((await twoCards(p)).sideBySide, "Grid: the cards are not side by side again");
    await c.close();
  });

  await step("grid: one column on a phone", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const p = await phone.newPage();
    watch(p);
    for (const where of ["/papers/date/" + DAYS[3], "/papers/week/2024-W22"]) {
      await p.goto(base + where);
      assert.ok((await twoCards(p)).below, where + ": a phone shows more than one column");
    }
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.equal(overflow, false, "the page is wider than a phone");
    await phone.close();
  });
}
