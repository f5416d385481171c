// The live call-centre figures on /supervisor/. The same socket as the operators'
// dashboard (/ws/dashboard/) says *that* something changed (call.*, presence.changed);
// the figures themselves are computed on the server (/supervisor/live.json), so the page
// and the CSV never disagree about what "service level" means. The supervisors' own events
// (decision.*, handover.*; events/catalogue.py, never sent to an operator) mark the
// approvals and open-handovers lists as out of date. No text lives here: the page carries
// it in data attributes and hidden elements.

const section = document.getElementById("live");
const status = document.getElementById("live-connection");
const MAX_BACKOFF_MS = 10_000;
const FALLBACK_REFRESH_MS = 60_000;
let failures = 0;
let refreshTimer = null;
let longest = { seconds: 0, at: Date.now(), waiting: 0 };

function setConnection(live) {
  status.textContent = live ? section.dataset.textLive : section.dataset.textOffline;
  status.classList.toggle("live", live);
}

function showLongest() {
  const el = section.querySelector('[data-figure="longest_wait"]');
  const extra = longest.waiting ? Math.floor((Date.now() - longest.at) / 1000) : 0;
  const seconds = longest.seconds + extra;
  el.dataset.seconds = String(seconds);
  el.textContent = seconds >= 60 ? `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}` : `${seconds} s`;
}

function apply(figures) {
  for (const el of section.querySelectorAll("[data-figure]")) {
    const name = el.dataset.figure;
    if (name !== "longest_wait" && name in figures) el.textContent = String(figures[name]);
  }
  longest = { seconds: figures.longest_wait_seconds, at: Date.now(), waiting: figures.waiting };
  showLongest();
  for (const row of figures.operators) {
    const item = section.querySelector(`[data-presence="${row.state}"] strong`);
    if (item) item.textContent = String(row.count);
  }
  section.dataset.updated = figures.now;
}

async function refresh() {
  try {
    const response = await fetch(section.dataset.liveUrl, {
      credentials: "same-origin",
      // A timer's request, not the supervisor at work: it must not keep the session alive.
      headers: { "X-Requested-With": "fetch", "X-Background-Poll": "1" },
      redirect: "manual",
    });
    if (response.type === "opaqueredirect") {
      location.reload(); // logged out: the login page
      return;
    }
    if (response.ok) apply(await response.json());
  } catch {
    // The server is away; the socket's reconnect brings a refresh when it is back.
  }
}

function refreshSoon() {
  // A burst of events (a surge of calls) becomes one request.
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 200);
}

function relevant(kind) {
  return kind.startsWith("call.") || kind === "presence.changed";
}

// The server-rendered list each supervisors' event changes (its card's id).
const LIST_CHANGED_BY = {
  "decision.proposed": "approvals",
  "decision.rejected": "approvals",
  "handover.created": "handovers",
  "handover.escalated": "handovers",
  // The acute alert reaches supervisors here too: the acute list is out of date, said
  // out loud (the notice is role="alert").
  "acute.alert": "acute",
  "acute.call": "acute",
};
// A case action sends one "case.changed"; its action (cases.models.CaseAuditKind) says
// whether it took a decision off the approvals list or a handover off the open list.
const LIST_CHANGED_BY_ACTION = {
  decided: "approvals",
  handover_accepted: "handovers",
  handover_rejected: "handovers",
  safety_action: "acute",
};

function markStale(event) {
  const card =
    event.kind === "case.changed"
      ? LIST_CHANGED_BY_ACTION[event.payload && event.payload.action]
      : LIST_CHANGED_BY[event.kind];
  const notice = card && document.querySelector(`#${card} [data-stale]`);
  if (notice) notice.hidden = false;
}

function onEvents(events) {
  for (const event of events) markStale(event);
  if (events.some((event) => relevant(event.kind))) refreshSoon();
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/ws/dashboard/`);
  let opened = false;
  socket.addEventListener("open", () => {
    opened = true;
    failures = 0;
    setConnection(true);
  });
  socket.addEventListener("message", (message) => {
    const data = JSON.parse(message.data);
    if (data.type === "snapshot") refreshSoon();
    else if (data.type === "event") onEvents([data]);
    else if (data.type === "events") onEvents(data.events);
  });
  socket.addEventListener("close", (close) => {
    setConnection(false);
    if (close.code === 4401) {
      location.reload();
      return;
    }
    failures = opened ? 1 : failures + 1;
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 5));
    setTimeout(connect, delay + Math.random() * 250);
  });
}

if (section) {
  connect();
  setInterval(showLongest, 1000);
  setInterval(refresh, FALLBACK_REFRESH_MS);
}
