// Copy buttons: <button data-copy="ID" hidden> copies the value of the element with that id.
// The buttons stay hidden without JavaScript; the text box can still be selected and copied by hand.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(source.value ?? source.textContent);
      const done = button.dataset.copied;
      if (done) button.textContent = done;
    });
  }
});
