// SPDX-License-Identifier: Apache-2.0
// Browser end-to-end: a wallet's top-up page (/t/<token>, linked from the ALIMENTER SMS) filled
// in Chromium with a test card. A typing error in the number is shown without the digits, then
// the right card is approved and the page says so; the link then shows the result only.
// Usage: node topup.mjs LINK ARTIFACT_DIR. Exits non-zero on the first failure.
import { check, launch } from "./lib.mjs";

const [link, artifacts] = process.argv.slice(2);

const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(link);
  check((await page.textContent("#amount")).includes("15,00"), "the page shows the amount");
  await page.screenshot({ path: artifacts + "/0-topup.png" });
  await page.fill("#pan", "4111 1111 1111 1112");
  await page.fill("#exp", "12/30");
  await page.fill("#cvv", "4826");
  await page.click("#pay");
  await page.waitForSelector("#note");
  const note = await page.textContent("#note");
  check(note.includes("erreur de frappe") && !note.includes("1112"),
        "a typing error is shown, without the digits");
  await page.fill("#pan", "4111 1111 1111 1111");
  await page.fill("#exp", "12/30");
  await page.fill("#cvv", "4826");
  await page.click("#pay");
  await page.waitForSelector("#result");
  await page.screenshot({ path: artifacts + "/1-topup-approved.png" });
  check((await page.textContent("#result")).includes("alimenté de 15,00"), "the card is approved");
  await page.goto(link);
  check((await page.textContent("#result")).includes("alimenté"), "the link shows the result only");
  check((await page.locator("#pan").count()) === 0, "no card form any more");
} finally {
  await browser.close();
}
