// The operator's softphone: Twilio's Voice JS SDK (static/vendor/twilio-voice/, loaded by
// the page before this module) registered under the operator's client identity with a
// token from /hotline/token/. When the operator takes a call, hotline.services moves the
// caller to <Dial><Client>operator-…</Client></Dial>, which rings this Device. A call that
// rings shortly after "Neem aan" (dashboard.js sends "hotline:taken") is that call and is
// answered at once; any other ringing call waits for "Opnemen". No text of its own: every
// string comes translated from the page (#dashboard-strings, key "softphone").

const root = document.querySelector("[data-softphone]");
const T = JSON.parse(document.getElementById("dashboard-strings").textContent).softphone;

// The caller is put through within seconds of "Neem aan"; a call ringing much later is
// not the one the operator asked for.
const AUTO_ACCEPT_MS = 60_000;
const TOKEN_RETRY_MS = 5_000;
const ENDED_SHOWN_MS = 4_000;

const stateLine = document.getElementById("softphone-state");
const errorLine = document.getElementById("softphone-error");
const answerButton = document.getElementById("softphone-answer");
const hangUpButton = document.getElementById("softphone-hang-up");

let device = null;
let current = null; // the Twilio Call ringing or in progress
let takenAt = 0;
let endedTimer = null;

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

function show(state) {
  clearTimeout(endedTimer);
  root.dataset.state = state;
  stateLine.textContent = T[state];
  answerButton.hidden = state !== "ringing";
  hangUpButton.hidden = !(state === "ringing" || state === "in_call");
}

function showError(text) {
  errorLine.textContent = text;
  errorLine.hidden = !text;
}

function idle() {
  show(device && device.state === "registered" ? "registered" : "offline");
}

async function fetchToken() {
  const response = await fetch(root.dataset.tokenUrl, {
    credentials: "same-origin",
    headers: { "X-Requested-With": "fetch", Accept: "application/json" },
  });
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || !type.startsWith("application/json")) {
    throw new Error(`token ${response.status}`);
  }
  return response.json();
}

async function refreshToken() {
  try {
    const data = await fetchToken();
    if (data.token && device) device.updateToken(data.token);
  } catch {
    // The old token is still valid for a few seconds: try again before it runs out.
    setTimeout(refreshToken, TOKEN_RETRY_MS);
  }
}

function describe(error) {
  if (error && error.code === 31401) return T.microphone_denied;
  if (error && error.code === 31402) return T.microphone_missing;
  return format(T.failed, { code: error && error.code ? error.code : "?" });
}

function ended(call) {
  if (call !== current) return;
  current = null;
  show("ended");
  endedTimer = setTimeout(idle, ENDED_SHOWN_MS);
}

function accept(call) {
  showError("");
  call.accept();
}

function onIncoming(call) {
  if (current) {
    call.reject(); // one conversation at a time
    return;
  }
  current = call;
  call.on("accept", () => {
    show("in_call");
    hangUpButton.focus();
  });
  for (const event of ["disconnect", "cancel", "reject"]) call.on(event, () => ended(call));
  // A call's errors (the microphone above all) are the call's, not the Device's.
  call.on("error", (error) => showError(describe(error)));
  show("ringing");
  if (Date.now() - takenAt < AUTO_ACCEPT_MS) {
    takenAt = 0;
    accept(call);
  } else {
    answerButton.focus();
  }
}

function soundUrls() {
  // The SDK would fetch its sounds from sdk.twilio.com: ours come from this server.
  const names = Object.values(window.Twilio.Device.SoundName || {});
  return Object.fromEntries(names.map((name) => [name, root.dataset.ringUrl]));
}

async function start() {
  let data;
  try {
    data = await fetchToken();
  } catch {
    show("offline");
    showError(T.token_failed);
    return;
  }
  if (!data.token) {
    show("simulated");
    return;
  }
  if (!window.Twilio || !window.Twilio.Device || !window.Twilio.Device.isSupported) {
    show("offline");
    showError(T.unsupported);
    return;
  }
  device = new window.Twilio.Device(data.token, {
    closeProtection: true, // the browser asks before leaving the page during a call
    publishEvents: false, // no call telemetry to Twilio's event gateway
    sounds: soundUrls(),
  });
  if (device.audio) {
    device.audio.outgoing(false);
    device.audio.disconnect(false);
  }
  device.on("registering", () => {
    if (!current) show("connecting");
  });
  device.on("registered", () => {
    if (!current) show("registered");
  });
  device.on("unregistered", () => {
    if (!current) show("offline");
  });
  device.on("tokenWillExpire", refreshToken);
  device.on("incoming", onIncoming);
  device.on("error", (error) => showError(describe(error)));
  try {
    await device.register();
  } catch (error) {
    show("offline");
    showError(describe(error));
  }
}

answerButton.addEventListener("click", () => {
  if (current) accept(current);
});
hangUpButton.addEventListener("click", () => {
  if (!current) return;
  if (current.status() === "pending") current.reject();
  else current.disconnect();
});
document.addEventListener("hotline:taken", () => {
  // The caller may already be ringing here when the take's answer reaches the page.
  if (current && current.status() === "pending" && root.dataset.state === "ringing") {
    accept(current);
  } else {
    takenAt = Date.now();
  }
});
window.addEventListener("pagehide", () => {
  if (device) device.destroy();
});

start();
