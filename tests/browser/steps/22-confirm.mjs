// Deleting a comment or an API token asks first (found walking the site: one
// click deleted a comment). Dismissed, nothing is sent; accepted, it is gone.
export default async function ({ page, base, step, assert }) {
  await step("confirm: deleting a comment asks first", async () => {
    await page.goto(base + "/papers/1605.08386");
    const text = "A comment to delete " + Date.now();
    await page.fill("#body", text);
    await page.click('button:has-text("Comment")');
    await page.waitForURL(/#c\d+$/);
    const id = new URL(page.url()).hash.slice(1);
    const del = page.locator(`#${id} > form[action$="/delete"] button`);
    const asked = [];
    page.once("dialog", (d) => { asked.push(d.message()); d.dismiss(); });
    await del.click();
    await page.waitForTimeout(300);
    assert.equal(asked.length, 1, "a dialog was shown");
    assert.match(asked[0], /Delete this comment/);
    assert.equal(await page.locator(`#${id} .md`).innerText(), text, "dismissed: the comment stays");
    page.once("dialog", (d) => d.accept());
    await Promise.all([page.waitForNavigation(), del.click()]);
    await page.goto(base + "/papers/1605.08386");
    assert.equal(await page.getByText(text).count(), 0, "accepted: the comment is deleted");
  });
}
