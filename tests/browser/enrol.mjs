// SPDX-License-Identifier: Apache-2.0
// Browser end-to-end: the enrolment page linked from the welcome SMS. A weak code is refused,
// two different codes are refused, a good one is saved, and the link then no longer works.
// Usage: node enrol.mjs LINK CODE ARTIFACT_DIR. Exits non-zero on the first failure.
import { check, launch } from "./lib.mjs";

const [link, code, artifacts] = process.argv.slice(2);

const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(link);
  await page.screenshot({ path: artifacts + "/0-enrol.png" });
  await page.fill("#code", "123456");
  await page.fill("#again", "123456");
  await page.click("#save");
  await page.waitForSelector("#note");
  check((await page.textContent("#note")).includes("suite de chiffres"), "a weak code is refused");
  await page.fill("#code", code);
  await page.fill("#again", "999999");
  await page.click("#save");
  await page.waitForSelector("#note");
  check((await page.textContent("#note")).includes("diffèrent"), "two different codes are refused");
  await page.fill("#code", code);
  await page.fill("#again", code);
  await page.click("#save");
  await page.waitForSelector("#result");
  check((await page.textContent("#result")).includes("Code enregistré"), "the code is saved");
  await page.goto(link);
  check((await page.textContent("#result")).includes("a déjà servi"), "the link is single use");
} finally {
  await browser.close();
}
