// SPDX-License-Identifier: Apache-2.0
// What the browser tests share: Debian's chromium launched headless by playwright-core, and a
// check that stops the test at the first failure with what was wanted.
import { chromium } from "playwright-core";

export function check(cond, what) {
  if (!cond) {
    console.error("FAIL " + what);
    process.exit(1);
  }
  console.log("ok " + what);
}

// Quiet and offline: no sandbox (containers), no background fetches that could slow a test.
export function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
