// The ledger's pages: hash a chosen file in the browser (SHA-256, Web Crypto) so that it is never uploaded.
//
//   <div data-file-hash hidden> <input type="file" data-hash-into="ID"> <p data-hash-status> </div>
//     fills the text field ID with the file's hex digest and says the file's name and size (notarise page).
//   <div data-file-check hidden> <input type="file" data-check-digest="HEX"> <p data-check-result> </div>
//     says whether the file's digest equals HEX (a record's page).
//
// Both blocks stay hidden without JavaScript or Web Crypto (which needs HTTPS or localhost); the pages
// then offer a text field for a digest computed elsewhere. Messages come translated in data-text-*
// attributes, with {name} and {size} filled in here.
"use strict";

(() => {
  const canHash = () => Boolean(window.crypto && window.crypto.subtle && window.File && File.prototype.arrayBuffer);

  const hex = (buffer) => Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");

  async function sha256(file) {
    return hex(await window.crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
  }

  function say(input, key, file) {
    const template = input.dataset[key] || "";
    const lang = document.documentElement.lang || undefined;
    const size = new Intl.NumberFormat(lang).format(file ? file.size : 0);
    return template.replaceAll("{name}", file ? file.name : "").replaceAll("{size}", size);
  }

  // Files picked in quick succession: only the answer for the latest one may be shown.
  function latestOnly(input, work) {
    let turn = 0;
    input.addEventListener("change", async () => {
      const mine = ++turn;
      const file = input.files && input.files[0];
      if (!file) return;
      await work(file, () => mine === turn);
    });
  }

  function setUpHashInto(block) {
    const input = block.querySelector("input[type=file][data-hash-into]");
    const target = input && document.getElementById(input.dataset.hashInto);
    const status = block.querySelector("[data-hash-status]");
    if (!input || !target || !status) return;
    block.hidden = false;
    latestOnly(input, async (file, current) => {
      status.textContent = say(input, "textHashing", file);
      target.setAttribute("aria-busy", "true");
      try {
        const digest = await sha256(file);
        if (!current()) return;
        target.value = digest;
        target.dispatchEvent(new Event("input", { bubbles: true }));
        status.textContent = say(input, "textDone", file);
        status.dataset.digest = digest;
      } catch (error) {
        if (current()) status.textContent = say(input, "textFailed", file);
      } finally {
        if (current()) target.removeAttribute("aria-busy");
      }
    });
  }

  function setUpCheck(block) {
    const input = block.querySelector("input[type=file][data-check-digest]");
    const result = block.querySelector("[data-check-result]");
    if (!input || !result) return;
    const expected = input.dataset.checkDigest.toLowerCase();
    block.hidden = false;
    const show = (text, outcome) => {
      result.hidden = false;
      result.textContent = text;
      result.dataset.result = outcome;
      result.classList.remove("success", "error", "info");
      result.classList.add(outcome === "match" ? "success" : outcome === "no-match" ? "error" : "info");
    };
    latestOnly(input, async (file, current) => {
      show(say(input, "textHashing", file), "working");
      try {
        const digest = await sha256(file);
        if (!current()) return;
        result.dataset.digest = digest;
        if (digest === expected) show(say(input, "textMatch", file), "match");
        else show(say(input, "textNomatch", file), "no-match");
      } catch (error) {
        if (current()) show(say(input, "textFailed", file), "failed");
      }
    });
  }

  function start() {
    if (!canHash()) return;
    document.querySelectorAll("[data-file-hash]").forEach(setUpHashInto);
    document.querySelectorAll("[data-file-check]").forEach(setUpCheck);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
