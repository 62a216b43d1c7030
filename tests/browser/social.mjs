// SPDX-License-Identifier: Apache-2.0
// Browser end-to-end of pay-by-post, from the post to the confirmation, with playwright-core
// driving Debian's chromium. Posts are made on the stand-in Mastodon (tests/e2e/social_standin.js)
// and mandat's answers read back from it, as a person reads their notifications:
//   1. @alice posts "ouvrir"; the direct message's link opens the linking page; a badly typed
//      number, then her number; a wrong one-time code, then the one texted to her phone (read
//      with `mandat phone`) and her wallet's code; she opts in to being named on campaigns.
//   2. @alice posts a donation to a campaign; the direct message's link opens the order page;
//      a wrong code, then the right one; the link then no longer works.
//   3. @alice posts a payment to @bob, who has no wallet; she confirms; @bob is invited in public
//      without the amount.
//   4. The campaign's public page shows the total and @alice as a donor.
// Usage: node social.mjs STANDIN_URL MANDAT_URL MANDAT_CLI CONFIG PHONE CODE CAMPAIGN ARTIFACTS
// Exits non-zero on the first failure. Never prints a code.
import { check, launch } from "./lib.mjs";
import { execFileSync } from "node:child_process";

const [standin, base, cli, conf, phone, code, campaign, artifacts] = process.argv.slice(2);

async function mention(from, text) {
  const r = await fetch(standin + "/__mention", {
    method: "POST",
    body: JSON.stringify({ from, text }),
  });
  return (await r.json()).status_id;
}

// The answers mandat posted to the post `id`, waited for until `want` matches one (10 s).
async function answers(id, want) {
  let got = [];
  for (let i = 0; i < 100; i++) {
    const all = await (await fetch(standin + "/__statuses")).json();
    got = all.filter((s) => s.in_reply_to_id === id);
    if (got.some(want)) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error("FAIL no answer to post " + id + " as wanted; got " + JSON.stringify(got));
  process.exit(1);
}

function linkIn(statuses, path) {
  for (const s of statuses) {
    const m = s.status.match(new RegExp("https?://[^ ]+" + path + "/[0-9a-f]{32}"));
    if (m) return m[0];
  }
  return null;
}

// The one-time code in the last text the phone received (the CLI's dev phone).
function textedCode() {
  const out = execFileSync(cli, ["--config", conf, "phone", phone], { input: "" }).toString();
  const all = [...out.matchAll(/vérification mandat : ([0-9]{6})/g)];
  return all.length ? all[all.length - 1][1] : null;
}

const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });

  // 1. Linking the account.
  let id = await mention("alice", "@mandat ouvrir");
  let got = await answers(id, (s) => s.status.includes("/link/"));
  check(got.every((s) => s.visibility === "direct"), "the linking link comes by direct message");
  const link = linkIn(got, "/link");
  check(link !== null && link.startsWith(base), "the message holds a link to mandat");
  await page.goto(link);
  check((await page.textContent("h1")).includes("@alice"), "the page names the account");
  await page.screenshot({ path: artifacts + "/social-1-link.png" });
  await page.fill("#phone", "06 12");
  await page.click("#send");
  await page.waitForSelector("#note");
  check((await page.textContent("#note")).includes("Numéro de mobile non reconnu"),
        "a short number is refused, in French");
  await page.fill("#phone", phone.replace(/(\d\d)(?=\d)/g, "$1 "));
  await page.click("#send");
  await page.waitForSelector("#otp");
  check((await page.textContent("label[for=otp]")).includes("+33 6 12"),
        "the page says where the code went, masked");
  check((await page.locator("#again").count()) === 0, "an existing wallet asks for its code once");
  const otp = textedCode();
  check(otp !== null, "the phone received a one-time code");
  await page.fill("#otp", otp === "000000" ? "111111" : "000000");
  await page.fill("#code", code);
  await page.click("#link");
  await page.waitForSelector("#note");
  check((await page.textContent("#note")).includes("Code de vérification incorrect. Encore 4"),
        "a wrong one-time code leaves 4 tries");
  await page.screenshot({ path: artifacts + "/social-2-wrong-otp.png" });
  await page.fill("#otp", otp);
  await page.fill("#code", code);
  await page.check("#show_name");
  await page.click("#link");
  await page.waitForSelector("#result");
  check((await page.textContent("#result")).includes("@alice est relié à votre compte mandat"),
        "the account is linked");
  await page.screenshot({ path: artifacts + "/social-3-linked.png" });
  await page.goto(link);
  check((await page.textContent("#result")).includes("déjà servi"), "the link is single use");

  // 2. A donation by post.
  id = await mention("alice", "@mandat don 5€ #" + campaign);
  got = await answers(id, (s) => s.status.includes("/o/"));
  check(got.every((s) => s.visibility === "direct"), "the order link comes by direct message");
  const order = linkIn(got, "/o");
  await page.goto(order);
  check((await page.textContent("#amount")).includes("5,00"), "the order page shows the amount");
  check((await page.textContent("#from")).includes("@alice"), "the order page names the payer");
  await page.screenshot({ path: artifacts + "/social-4-order.png" });
  await page.fill("#code", code === "000111" ? "000222" : "000111");
  await page.click("#confirm");
  await page.waitForSelector("#note");
  check((await page.textContent("#note")).includes("Encore 4"), "a wrong code leaves 4 tries");
  await page.fill("#code", code);
  await page.click("#confirm");
  await page.waitForSelector("#result");
  check((await page.textContent("#result")).includes("Merci ! Don de 5,00 €"),
        "the right code gives");
  await page.screenshot({ path: artifacts + "/social-5-given.png" });
  got = await answers(id, (s) => s.status.includes("Merci"));
  check(got.filter((s) => s.visibility === "public").length === 0,
        "no public answer to a donation");
  await page.goto(order);
  check((await page.textContent("#result")).includes("n'attend plus de code"),
        "the order link is single use");

  // 3. A payment by post to someone without a wallet.
  id = await mention("alice", "@mandat envoie 3€ à @bob");
  got = await answers(id, (s) => s.status.includes("/o/"));
  await page.goto(linkIn(got, "/o"));
  check((await page.textContent("#payee")).includes("@bob"), "the order page names the payee");
  await page.fill("#code", code);
  await page.click("#confirm");
  await page.waitForSelector("#result");
  check((await page.textContent("#result")).includes("Envoyé : 3,00 € à @bob"), "the right code sends");
  got = await answers(id, (s) => s.visibility === "public");
  const pub = got.filter((s) => s.visibility === "public").map((s) => s.status).join("\n");
  check(pub.includes("@bob") && pub.includes("ouvrir"), "@bob is invited in public");
  check(!pub.includes("3,00") && !pub.includes("3 €"), "the invitation does not give the amount");

  // 4. The campaign's public page.
  await page.goto(base + "/campaigns/" + campaign.toLowerCase());
  check((await page.textContent("#total")).includes("5,00"), "the campaign page shows the total");
  check((await page.textContent("#donors")).includes("@alice"), "an opted-in donor is named");
  await page.screenshot({ path: artifacts + "/social-6-campaign.png" });
} finally {
  await browser.close();
}
