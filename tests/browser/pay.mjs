// SPDX-License-Identifier: Apache-2.0
// Browser end-to-end with playwright-core driving Debian's chromium: the payer opens the link of
// a payment request, types a wrong code, then the right one; and the dev phone enrols a number.
// Usage: node pay.mjs BASE_URL LINK CODE ARTIFACT_DIR. Exits non-zero on the first failure.
import { check, launch } from "./lib.mjs";

const [base, link, code, artifacts, ibase] = process.argv.slice(2);

const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(link);
  check((await page.textContent("#amount")).includes("25,00"), "the page shows the amount");
  check((await page.textContent("h1")).includes("Boutique Zoé"), "the page names the payee");
  await page.screenshot({ path: artifacts + "/1-confirm.png" });
  await page.fill("#code", "000111");
  await page.click("#pay");
  await page.waitForSelector("#note");
  check((await page.textContent("#note")).includes("Encore 4"), "a wrong code leaves 4 tries");
  await page.screenshot({ path: artifacts + "/2-wrong-code.png" });
  await page.fill("#code", code);
  await page.click("#pay");
  await page.waitForSelector("#result");
  check((await page.textContent("#result")).includes("Payé : 25,00 €"), "the right code pays");
  await page.screenshot({ path: artifacts + "/3-paid.png" });
  await page.goto(link);
  check((await page.textContent("#result")).includes("déjà fait"), "the link is single use");

  const phone = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await phone.goto(ibase + "/dev/phone");
  const first = phone.locator(".phone").first();
  await first.locator("input").fill("AIDE");
  await first.locator("button").click();
  // The reply to AIDE (the phone starts with the conversation so far, so not the first one).
  await first.locator(".msg.in", { hasText: "ENVOI" }).first().waitFor();
  check((await first.locator(".msg.in", { hasText: "ENVOI" }).count()) >= 1,
        "the dev phone shows mandat's reply");
  check((await phone.locator(".phone").count()) === 2, "the dev phone shows two phones");
  // Opened again, it starts from the conversation so far (/dev/history), not empty. The reply
  // reached the page in /dev/mo's answer; wait until its row is committed as sent (history shows
  // sent replies; queued ones come by /dev/outbox), so that the reload is not a race.
  for (let i = 0; i < 100; i++) {
    const h = await (await fetch(ibase + "/dev/history?number=%2B33612345678")).text();
    if (h.includes("ENVOI")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await phone.reload();
  const again = phone.locator(".phone").first();
  await again.locator(".msg.out", { hasText: "AIDE" }).first().waitFor();
  check((await again.locator(".msg.in", { hasText: "ENVOI" }).count()) >= 1,
        "the reopened dev phone shows the conversation so far");
  await phone.screenshot({ path: artifacts + "/4-dev-phone.png" });
} finally {
  await browser.close();
}
