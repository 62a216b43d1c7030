// SPDX-License-Identifier: Apache-2.0
// Browser end-to-end: a card ordered on a wallet page (/k/<token>, linked from the CARTE
// COMMANDE SMS) in Chromium. A wrong code is shown on the form with the tries left and the
// fields kept; the right one pays the price, and the page then shows the masked card.
// Usage: node order.mjs LINK ARTIFACT_DIR. Exits non-zero on the first failure.
import { check, launch } from "./lib.mjs";

const [link, artifacts] = process.argv.slice(2);

const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(link);
  check((await page.textContent("#amount")).includes("19,00"), "the page shows the price");
  await page.screenshot({ path: artifacts + "/0-order.png" });
  await page.fill("#holder", "Fatou Diop");
  await page.fill("#phone", "+221771234567");
  await page.fill("#alias", "TATA");
  await page.fill("#code", "111111");
  await page.click("#order");
  await page.waitForSelector("#note");
  check((await page.textContent("#note")).includes("Code incorrect"), "a wrong code is shown");
  check((await page.inputValue("#holder")) === "Fatou Diop", "the fields are kept");
  await page.fill("#code", "483920");
  await page.click("#order");
  await page.waitForSelector("#result");
  let text = "";
  for (let i = 0; i < 40 && !text.includes("commandée pour TATA"); i++) {
    await page.goto(link);
    text = await page.textContent("#result");
    if (!text.includes("commandée")) {
      await page.waitForTimeout(250);
    }
  }
  await page.screenshot({ path: artifacts + "/1-order-done.png" });
  check(/Carte \*\*\*\*\d{4} commandée pour TATA/.test(text), "the page shows the masked card");
  check((await page.locator("#code").count()) === 0, "no form any more");
} finally {
  await browser.close();
}
