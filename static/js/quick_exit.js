// Quick exit on every public page: leave for a neutral site at once, replacing this
// page in the history (Back does not return), and tell the server to destroy the draft.
// Escape pressed twice within a second does the same. Without JavaScript the button is
// an ordinary link to the neutral site.
const exit = document.querySelector("[data-quick-exit]");
const cleanup = document.querySelector("[data-quick-exit-form]");

function leave() {
  if (cleanup && navigator.sendBeacon) {
    navigator.sendBeacon(cleanup.action, new FormData(cleanup));
  }
  window.location.replace(exit.href);
}

if (exit) {
  exit.addEventListener("click", (event) => {
    event.preventDefault();
    leave();
  });
  let lastEscape = 0;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") {
      return;
    }
    const now = Date.now();
    if (now - lastEscape < 1000) {
      leave();
    }
    lastEscape = now;
  });
}
