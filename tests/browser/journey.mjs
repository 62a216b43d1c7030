// SPDX-License-Identifier: Apache-2.0
// Browser steps of the card journey (tests/e2e/test_card_journey.sh) and of the newcomer's
// walkthrough (tests/e2e/test_run_walkthrough.sh), each in Chromium as a person does them:
//   pay SHOTS NAME LINK PAN MM/YY CVV keep|once [LINK PAN MM/YY CVV keep|once ...]
//     pays on each /t/ page in turn (a wallet's top-up or a card's reload by bank card), ticking
//     "keep this card" for keep; prints "amount: ", "reload: " (a card's reload line) and
//     "result: " as each page shows them.
//   order SHOTS NAME LINK HOLDER PHONE ALIAS CODE
//     orders a card on the /k/ page; prints "amount: " (the price) and "result: " once the page
//     says the card is ordered.
// The shell script checks the lines; this exits non-zero when a page lacks what a step needs.
import { check, launch } from "./lib.mjs";

const [step, shots, name, ...args] = process.argv.slice(2);

async function text(page, selector) {
  return page.locator(selector).count().then((n) => (n > 0 ? page.textContent(selector) : ""));
}

async function pay(browser, n, [link, pan, exp, cvv, keep]) {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(link);
  check((await page.locator("#pan").count()) === 1, "the page takes a card");
  console.log("amount: " + (await text(page, "#amount")));
  console.log("reload: " + (await text(page, "#reload")));
  await page.fill("#pan", pan.replace(/(\d{4})(?=\d)/g, "$1 "));
  await page.fill("#exp", exp);
  await page.fill("#cvv", cvv);
  if (keep === "keep") {
    await page.check("#keep");
  }
  await page.screenshot({ path: `${shots}/${name}-${n}-form.png` });
  await page.click("#pay");
  await page.waitForSelector("#result");
  await page.screenshot({ path: `${shots}/${name}-${n}-result.png` });
  console.log("result: " + (await text(page, "#result")));
  await page.close();
}

async function order(browser, [link, holder, phone, alias, code]) {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(link);
  check((await page.locator("#holder").count()) === 1, "the page takes an order");
  console.log("amount: " + (await text(page, "#amount")));
  await page.fill("#holder", holder);
  await page.fill("#phone", phone);
  await page.fill("#alias", alias);
  await page.fill("#code", code);
  await page.screenshot({ path: `${shots}/${name}-form.png` });
  await page.click("#order");
  await page.waitForSelector("#result");
  // Paid at once; the card is issued by the next step: the link shows it once it is.
  let result = await text(page, "#result");
  for (let i = 0; i < 40 && !result.includes("****"); i++) {
    await page.waitForTimeout(250);
    await page.goto(link);
    result = await text(page, "#result");
  }
  await page.screenshot({ path: `${shots}/${name}-result.png` });
  console.log("result: " + result);
}

const browser = await launch();
try {
  if (step === "pay") {
    check(args.length > 0 && args.length % 5 === 0, "pay: LINK PAN MM/YY CVV keep|once, repeated");
    for (let i = 0; i < args.length; i += 5) {
      await pay(browser, i / 5, args.slice(i, i + 5));
    }
  } else if (step === "order") {
    await order(browser, args);
  } else {
    check(false, "step: pay or order, not " + step);
  }
} finally {
  await browser.close();
}
