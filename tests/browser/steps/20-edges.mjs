// Issue 20: the card's Save button toggles without a reload (Save, then
// Saved with aria-pressed, then Save again), and the server agrees.
export default async function ({ page, base, step, assert }) {
  await step("Save toggles: Saved after a click, un-saved by the next", async () => {
    await page.goto(base + "/");
    const card = page.locator("article.card[data-paper]:has(form.save)").first();
    const id = await card.getAttribute("data-paper");
    const sel = `article.card[data-paper="${id}"]`;
    const btn = page.locator(`${sel} form.save button, ${sel} form.unsave button`);
    assert.equal(await btn.getAttribute("aria-pressed"), "false");
    await btn.click();
    await page.locator(`${sel} form.unsave button[aria-pressed="true"]`).waitFor();
    assert.match(await btn.innerText(), /^Saved/);
    await page.reload();
    assert.ok(await page.locator(`${sel} form.unsave`).isVisible(), "saved on the server");
    await btn.click();
    await page.locator(`${sel} form.save button[aria-pressed="false"]`).waitFor();
    assert.equal((await btn.innerText()).trim(), "Save");
    await page.reload();
    assert.ok(await page.locator(`${sel} form.save`).isVisible(), "un-saved on the server");
    // and again, from the fresh page
    await btn.click();
    await page.locator(`${sel} form.unsave button[aria-pressed="true"]`).waitFor();
  });
}
