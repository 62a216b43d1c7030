// SPDX-License-Identifier: Apache-2.0
// The dev phone (/dev/phone): simulated phones that text mandat through /dev/mo and read
// their messages from /dev/outbox, starting from the conversation so far (/dev/history). A file
// of its own so that the pages' CSP allows no inline script.
"use strict";
const phones = document.getElementById("phones");

function bubble(box, text, dir) {
  const div = document.createElement("div");
  div.className = "msg " + dir;
  // Links in replies (the wallet pages) become clickable; everything else stays text.
  for (const part of text.split(/(https?:\/\/\S+)/)) {
    if (/^https?:\/\//.test(part)) {
      const a = document.createElement("a");
      a.href = part; a.textContent = part; a.target = "_blank";
      div.appendChild(a);
    } else {
      div.appendChild(document.createTextNode(part));
    }
  }
  box.appendChild(div);
  box.scrollTop = box.scrollHeight;
}

function addPhone(number) {
  const el = document.createElement("section");
  el.className = "phone";
  el.dataset.number = number;
  el.innerHTML = '<h2></h2><div class="msgs"></div>' +
    '<form><input type="text" aria-label="message" autocomplete="off"><button>Send</button></form>';
  el.querySelector("h2").textContent = number;
  const box = el.querySelector(".msgs");
  const input = el.querySelector("input");
  el.querySelector("form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    bubble(box, text, "out");
    const url = "/dev/mo?from=" + encodeURIComponent(number) + "&to=71004&text=" +
      encodeURIComponent(text);
    const res = await fetch(url);
    const body = await res.text();
    for (const line of body.split("\n").filter((l) => l)) bubble(box, line, "in");
  });
  phones.appendChild(el);
  // The conversation so far (texts as stored: codes and link tokens masked), then what comes.
  const ready = fetch("/dev/history?number=" + encodeURIComponent(number))
    .then((res) => (res.ok ? res.text() : ""))
    .then((body) => {
      for (const line of body.split("\n").filter((l) => l)) {
        bubble(box, line.slice(2), line.startsWith(">") ? "out" : "in");
      }
    })
    .catch(() => {});
  setInterval(async () => {
    await ready;
    const res = await fetch("/dev/outbox?to=" + encodeURIComponent(number));
    const body = await res.text();
    for (const line of body.split("\n").filter((l) => l)) bubble(box, line, "in");
  }, 1000);
}

document.getElementById("add").addEventListener("submit", (ev) => {
  ev.preventDefault();
  addPhone(document.getElementById("number").value.trim());
});
addPhone("+33612345678");
addPhone("+33698765432");
