// Two minutes before the idle logout (accounts.middleware.SessionTimeoutMiddleware) the
// page says so and offers "Blijf ingelogd": a real request that counts as activity.
// The server tells the page how long it has left (data-idle-seconds on <body>); pages
// whose own requests extend the session (the dashboard) dispatch "vt:session-extended".

const WARN_BEFORE_MS = 2 * 60 * 1000;
const dialog = document.getElementById("idle-warning");
const form = document.getElementById("idle-warning-form");
const seconds = Number(document.body.dataset.idleSeconds);
// The server moves its idle clock at most once a minute, so after a request the page
// counts from a minute less than the full limit.
const afterActivity = Number(document.body.dataset.idleLimit) - 60;
let warnTimer = null;
let endTimer = null;
let returnFocus = null;

function schedule(msLeft) {
  clearTimeout(warnTimer);
  clearTimeout(endTimer);
  warnTimer = setTimeout(show, Math.max(0, msLeft - WARN_BEFORE_MS));
  // Past the limit the server has logged us out: reloading shows the login page.
  endTimer = setTimeout(() => location.reload(), msLeft + 1000);
}

function show() {
  returnFocus = document.activeElement;
  dialog.hidden = false;
  form.querySelector("button").focus();
}

function hide() {
  dialog.hidden = true;
  if (returnFocus && typeof returnFocus.focus === "function") returnFocus.focus();
}

async function stay(submit) {
  submit.preventDefault();
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      redirect: "manual",
    });
    if (response.status === 204) {
      hide();
      schedule(Number(response.headers.get("X-Idle-Seconds") || afterActivity) * 1000);
      return;
    }
  } catch {
    // Network trouble: fall through to a reload, which shows where we stand.
  }
  location.reload();
}

if (dialog && form && Number.isFinite(seconds)) {
  form.addEventListener("submit", stay);
  document.addEventListener("vt:session-extended", () => schedule(afterActivity * 1000));
  dialog.addEventListener("keydown", (key) => {
    if (key.key === "Escape") hide();
  });
  schedule(seconds * 1000);
}
