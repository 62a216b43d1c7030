// SPDX-License-Identifier: Apache-2.0
// Browser end-to-end: a card's holder activates it on /activate in Chromium. A wrong activation
// code gets the one answer the page gives for anything that does not match (and the number is not
// written back into the form); the right one activates the card.
// Usage: node activate.mjs URL PAN MM/YY CODE ARTIFACT_DIR. Exits non-zero on the first failure.
import { check, launch } from "./lib.mjs";

const [url, pan, expiry, code, artifacts] = process.argv.slice(2);

async function fill(page, withCode) {
  await page.fill("#pan", pan.replace(/(\d{4})(?=\d)/g, "$1 "));
  await page.fill("#expiry", expiry);
  await page.fill("#code", withCode);
  await page.click("#activate");
}

const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(url);
  await page.screenshot({ path: artifacts + "/0-activate.png" });
  await fill(page, code === "000000" ? "111111" : "000000");
  await page.waitForSelector("#note");
  check((await page.textContent("#note")).includes("ne correspondent pas"), "a wrong code is told");
  check((await page.inputValue("#pan")) === "", "the number is not written back");
  await page.screenshot({ path: artifacts + "/1-activate-wrong.png" });
  await fill(page, code);
  await page.waitForSelector("#result");
  const text = await page.textContent("#result");
  await page.screenshot({ path: artifacts + "/2-activate-done.png" });
  check(/Carte \*\*\*\*\d{4} activée/.test(text), "the card is activated");
} finally {
  await browser.close();
}
