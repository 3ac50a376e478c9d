// Issue 20, item 13: on a phone the header is one row and every action is
// reachable (Sign up signed out; the reader's links behind the menu signed
// in); the header search's placeholder is not cut.
import path from "node:path";

export default async function ({ browser, base, step, watch, SHOTS, assert }) {
  async function oneRow(p) {
    const rows = await p.evaluate(() => {
      const kids = [...document.querySelectorAll("nav.bar > *")].map((e) => e.getBoundingClientRect())
        .filter((r) => r.width > 0 && r.height > 0);
      return { top: Math.max(...kids.map((r) => r.top)), bottom: Math.min(...kids.map((r) => r.bottom)) };
    });
    assert.ok(rows.top < rows.bottom, `the header's items are on more than one row (${JSON.stringify(rows)})`);
    const fits = await p.evaluate(() => {
      const i = document.querySelector("#q");
      if (!i) return true;
      const c = document.createElement("canvas").getContext("2d");
      c.font = getComputedStyle(i).font;
      return c.measureText(i.placeholder).width <= i.clientWidth;
    });
    assert.ok(fits, "the header search's placeholder is cut");
  }

  await step("phone: one header row; Sign up reachable; the signed-in links behind the menu", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const p = await phone.newPage();
    watch(p);
    await p.goto(base + "/");
    await oneRow(p);
    await p.locator("details.menu > summary").click();
    await p.locator("details.menu a[href='/signup']").click();
    await p.waitForURL(/\/signup/);
    const name = "phone" + Date.now().toString(36);
    await p.fill("#name", name);
    await p.fill("#email", name + "@example.org");
    await p.fill("#password", "a phone password here");
    await Promise.all([p.waitForNavigation(), p.locator("main form button[type=submit]").first().click()]);
    await p.goto(base + "/");
    await oneRow(p);
    await p.screenshot({ path: path.join(SHOTS, "phone-header-signed-in.png"), fullPage: false });
    await p.locator("details.menu > summary").click();
    for (const href of ["/me/for-you", "/me/following", "/submit", "/u/" + name])
      assert.ok(await p.locator(`details.menu a[href='${href}']`).isVisible(), href + " is not reachable");
    await p.locator("details.menu button", { hasText: "Sign out" }).click();
    await p.waitForLoadState();
    await p.goto(base + "/");
    assert.equal(await p.locator(`a[href='/u/${name}']`).count(), 0, "still signed in");
    await phone.close();
  });
}
