// The operators' live dashboard. Plain ES module, no build step, no text of its own:
// every string comes translated from the page (#dashboard-strings).
//
// Protocol (dashboard/consumers.py): the socket sends a snapshot with its sequence number,
// then events in sequence order: only our region's, and only kinds meant for us
// (events/catalogue.py). An event further ahead than lastSeq + 1 means we may have missed
// something: we ask for everything since lastSeq and hold newer events until the answer
// arrives (its `upto` covers the holes that were never ours). Every event says "this call /
// operator / case now looks like this", so applying one twice changes nothing. After a
// disconnect we reconnect with backoff and the server sends a fresh snapshot.
//
// A socket can stay open while the server has lost its database (nothing new can happen)
// or its channel layer (nothing new reaches us): the page asks /hotline/status/ every few
// seconds, shows a banner that says what is down and what still works, and does not say
// "Live" meanwhile.

const root = document.querySelector("[data-dashboard]");
const T = JSON.parse(document.getElementById("dashboard-strings").textContent);
const me = root.dataset.username;
const myId = Number(root.dataset.userId);
const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;

const QUEUED = "queued";
const FINAL = new Set(["ended", "abandoned"]);
const ACTIVE = new Set(["taken", "connected"]);
const RESYNC_TIMEOUT_MS = 5000;
const MAX_BACKOFF_MS = 5000;
const HEARTBEAT_MS = 60_000;
const REPORTS_SHOWN = 20;
const STATUS_POLL_MS = 5000;
const STATUS_TIMEOUT_MS = 8000; // the server gives each of its checks at most 2 s

const state = {
  lastSeq: 0,
  clockOffset: 0, // server time minus ours, for the waiting times
  calls: new Map(),
  operators: new Map(),
  reports: new Map(),
  alerts: new Map(), // the acute list: "case-<id>" and "call-<id>" items with their clocks
  wrapUps: new Map(), // my answered calls with neither an intake nor an outcome code
  notices: new Map(), // reports added to cases I own
};

let socket = null;
let resyncing = false;
let resyncTimer = null;
let pending = [];
let failures = 0;
let socketOpen = false;
let outage = null; // what the server said is down, while something is

const $ = (id) => document.getElementById(id);

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function announce(text, urgent = false) {
  const region = $(urgent ? "announce-assertive" : "announce-polite");
  region.textContent = "";
  // A change after a tick is what screen readers pick up reliably.
  setTimeout(() => { region.textContent = text; }, 50);
}

// On duty: on this dashboard and not "away". Someone away still sees the item on the
// acute list; only the spoken alert is for those on duty.
function alertOnDuty(text) {
  const mine = state.operators.get(me);
  if (!mine || mine.state !== "away") announce(text, true);
}

function showMessage(text, isError = false) {
  const box = $("dash-message");
  box.textContent = text;
  box.classList.toggle("error", isError);
  box.hidden = !text;
}

// --- applying what the server says ----------------------------------------------------

function applySnapshot(snapshot) {
  state.lastSeq = snapshot.seq;
  state.clockOffset = Date.parse(snapshot.now) - Date.now();
  state.calls = new Map(snapshot.calls.map((c) => [c.call_id, c]));
  state.operators = new Map(snapshot.operators.map((o) => [o.username, o]));
  state.reports = new Map(snapshot.reports.map((r) => [r.case_id, r]));
  state.alerts = new Map(snapshot.alerts.map((a) => [a.key, a]));
  state.wrapUps = new Map((snapshot.wrap_up || []).map((c) => [c.call_id, c]));
  resyncDone();
  render();
}

function applyEvent(event, live) {
  const p = event.payload;
  const kind = event.kind;
  if (kind.startsWith("call.")) {
    const before = state.calls.get(p.call_id);
    if (p.state === QUEUED || ACTIVE.has(p.state)) state.calls.set(p.call_id, p);
    else state.calls.delete(p.call_id);
    if (p.operator === me) {
      // An ended call of mine stays as a reminder until it has an intake or an outcome.
      if (p.state === "ended" && !p.case_id && !p.wrap_up_outcome) state.wrapUps.set(p.call_id, p);
      else state.wrapUps.delete(p.call_id);
    }
    // An acute call is announced once, by its own alert (acute.call).
    if (live && !p.acute && p.state === QUEUED && (!before || before.state !== QUEUED)) {
      announce(format(T.new_call, { role: T.roles[p.role] || "" }));
    }
    const item = state.alerts.get(`call-${p.call_id}`);
    if (item && p.case_id) state.alerts.delete(item.key); // its case carries the clock on
    else if (item) state.alerts.set(item.key, { ...item, state: p.state, can_record: FINAL.has(p.state) });
  } else if (kind === "presence.changed") {
    state.operators.set(p.username, p);
  } else if (kind === "acute.call") {
    const key = `call-${p.call_id}`;
    if (p.handled) state.alerts.delete(key);
    else {
      if (live && !state.alerts.has(key)) alertOnDuty(format(T.new_acute_call, { role: T.roles[p.role] || "" }));
      const call = state.calls.get(p.call_id);
      state.alerts.set(key, {
        kind: "call", key, call_id: p.call_id, role: p.role, acute_since: p.acute_since,
        state: call ? call.state : QUEUED, can_record: call ? FINAL.has(call.state) : false,
      });
    }
  } else if (kind === "acute.alert") {
    const key = `case-${p.case_id}`;
    if (live && !state.alerts.has(key)) alertOnDuty(format(T.new_alert, { reference: p.reference }));
    state.alerts.set(key, { kind: "case", key, case_id: p.case_id, reference: p.reference, acute_since: p.acute_since });
  }
  if (kind === "case.changed" && p.action === "report_added" && p.assigned_to_id === myId) {
    // A new report about a family whose case is mine: tell me, whoever took it.
    state.notices.set(p.case_id, { case_id: p.case_id, reference: p.reference });
    if (live) announce(format(T.report_added, { reference: p.reference }), true);
  }
  if (kind === "case.created" || kind === "case.changed" || kind === "acute.alert") {
    const key = `case-${p.case_id}`;
    if (kind === "case.created" && p.acute && p.acute_since) {
      // Made from an acute call, whose alert already went out: on the list, quietly.
      state.alerts.set(key, { kind: "case", key, case_id: p.case_id, reference: p.reference, acute_since: p.acute_since });
    } else if (!p.acute || p.state === "closed" || p.action === "safety_action") {
      // The first safety action is recorded (or the flag lifted, or the case closed).
      state.alerts.delete(key);
    }
    // A new online report is announced by case.created, or by acute.alert when it was
    // acute from the start (one event per case action: events/catalogue.py).
    if ((kind === "case.created" || kind === "acute.alert") && p.channel === "online") {
      state.reports.set(p.case_id, p);
      if (live) announce(format(T.new_report, { reference: p.reference }));
    } else if (state.reports.has(p.case_id)) {
      state.reports.set(p.case_id, { ...state.reports.get(p.case_id), ...p });
    }
  }
}

function onEvent(event) {
  if (resyncing) {
    pending.push(event);
    return;
  }
  if (event.seq <= state.lastSeq) return; // already in the snapshot or applied
  if (event.seq > state.lastSeq + 1) {
    pending.push(event);
    askSince();
    return;
  }
  applyEvent(event, true);
  state.lastSeq = event.seq;
  render();
}

function onEvents(reply) {
  for (const event of reply.events) {
    if (event.seq > state.lastSeq) {
      applyEvent(event, true);
      state.lastSeq = event.seq;
    }
  }
  // Other regions' events fill the holes up to `upto`: nothing of ours is missing there.
  state.lastSeq = Math.max(state.lastSeq, reply.upto);
  resyncDone();
  render();
}

function resyncDone() {
  resyncing = false;
  clearTimeout(resyncTimer);
  const held = pending.sort((a, b) => a.seq - b.seq);
  pending = [];
  for (const event of held) onEvent(event);
}

function askSince() {
  resyncing = true;
  send({ type: "since", seq: state.lastSeq });
  clearTimeout(resyncTimer);
  // No answer in time (a dropped message, a dying socket): start over from a snapshot.
  resyncTimer = setTimeout(() => send({ type: "snapshot" }), RESYNC_TIMEOUT_MS);
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

// --- the socket -------------------------------------------------------------------------

function setConnection(text, live) {
  const status = $("connection");
  // An open socket to a server that lost its database or channel layer is not "Live".
  if (live && outage) [text, live] = [T.outage.indicator, false];
  status.textContent = text;
  status.classList.toggle("offline", !live);
}

// --- the server's own health ---------------------------------------------------------------

function showOutage(down) {
  const banner = $("outage");
  const what = [];
  if (down.server) what.push(T.outage.server);
  if (down.database) what.push(T.outage.database);
  if (down.channel_layer) what.push(T.outage.channel_layer);
  const was = outage;
  outage = what.length ? down : null;
  // The phone line's fallback answers callers without the database (hotline/middleware.py);
  // without the channel layer only the live updates stop.
  let works = "";
  if (down.database) works = T.outage.fallback;
  else if (down.channel_layer) works = T.outage.queue_works;
  // Only a change is written: role="alert" reads the banner out each time it changes.
  const whatText = what.join(" ");
  if ($("outage-what").textContent !== whatText) $("outage-what").textContent = whatText;
  if ($("outage-works").textContent !== works) $("outage-works").textContent = works;
  banner.hidden = !outage;
  if (was && !outage) {
    showMessage(T.outage.over);
    send({ type: "snapshot" }); // start again from what the database holds now
  }
  if (socketOpen) setConnection(T.live, true);
}

async function pollStatus() {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), STATUS_TIMEOUT_MS);
  try {
    const response = await fetch($("outage").dataset.statusUrl, {
      signal: controller.signal,
      cache: "no-store",
      headers: { "X-Background-Poll": "1" },
    });
    const status = await response.json();
    showOutage({ database: status.database === false, channel_layer: status.channel_layer === false });
  } catch {
    // No answer at all: the server itself (or the way to it) is down.
    showOutage({ server: true });
  } finally {
    clearTimeout(timer);
    setTimeout(pollStatus, STATUS_POLL_MS);
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}/ws/dashboard/`);
  let opened = false;
  socket.addEventListener("open", () => {
    opened = true;
    socketOpen = true;
    failures = 0;
    // The server answers again; what else is down, the next status poll says.
    if (outage && outage.server) showOutage({});
    setConnection(T.live, true);
  });
  socket.addEventListener("message", (message) => {
    const data = JSON.parse(message.data);
    if (data.type === "snapshot") applySnapshot(data);
    else if (data.type === "event") onEvent(data);
    else if (data.type === "events") onEvents(data);
  });
  socket.addEventListener("close", (close) => {
    socket = null;
    socketOpen = false;
    resyncing = false;
    pending = [];
    clearTimeout(resyncTimer);
    setConnection(T.offline, false);
    if (close.code === 4401) {
      // The session ended (logout, idle limit): the page itself goes to the login.
      location.reload();
      return;
    }
    failures = opened ? 1 : failures + 1;
    if (failures >= 4) checkSession();
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 5));
    setTimeout(connect, delay + Math.random() * 250);
  });
}

async function checkSession() {
  // A refused handshake looks like a dead server; a redirect to the login tells them apart.
  try {
    const response = await fetch(location.href, {
      redirect: "manual",
      headers: { "X-Background-Poll": "1" }, // a check, not activity
    });
    if (response.type === "opaqueredirect") location.reload();
  } catch {
    // The server is down: keep trying to reconnect.
  }
}

// --- rendering ----------------------------------------------------------------------------

function queueOrder(a, b) {
  if (a.acute !== b.acute) return a.acute ? -1 : 1;
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.enqueued_at !== b.enqueued_at) return a.enqueued_at < b.enqueued_at ? -1 : 1;
  return a.call_id - b.call_id;
}

function waitedSeconds(enqueuedAt) {
  return Math.max(0, Math.floor((Date.now() + state.clockOffset - Date.parse(enqueuedAt)) / 1000));
}

function waited(enqueuedAt) {
  const seconds = waitedSeconds(enqueuedAt);
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}

// The wait, highlighted once it is past the service-level norm (SERVICE_LEVEL_SECONDS).
function showWait(wait) {
  const enqueuedAt = wait.dataset.enqueuedAt;
  const past = Boolean(enqueuedAt) && waitedSeconds(enqueuedAt) > T.wait_norm_seconds;
  wait.classList.toggle("past-norm", past);
  const text = enqueuedAt ? format(T.waiting, { time: waited(enqueuedAt) }) : "";
  wait.textContent = text;
  if (past) wait.append(el("span", { className: "visually-hidden", text: ` (${T.past_norm})` }));
}

function regionName(code) {
  return T.regions[code] || "";
}

// Keeps existing elements (and the focus on them) and only moves what changed place.
function reconcile(list, items, keyOf, build, update) {
  const existing = new Map([...list.children].map((child) => [child.dataset.key, child]));
  items.forEach((item, index) => {
    const key = String(keyOf(item));
    let node = existing.get(key);
    if (!node) {
      node = build(item);
      node.dataset.key = key;
    }
    existing.delete(key);
    update(node, item, index);
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  for (const node of existing.values()) node.remove();
}

// One line per caller: their place in the queue (not the call's id), acute, who is calling,
// the region by name, the wait (highlighted past the norm) and the button.
function renderQueue() {
  const calls = [...state.calls.values()].filter((c) => c.state === QUEUED).sort(queueOrder);
  reconcile(
    $("queue"),
    calls,
    (c) => c.call_id,
    (c) => {
      const take = el("button", { type: "button", className: "take", text: T.take });
      take.addEventListener("click", () => takeCall(c.call_id, take));
      return el(
        "li",
        { className: "call", "data-call-id": c.call_id },
        el("span", { className: "place" }),
        el(
          "span",
          { className: "who" },
          el("span", { className: "badge acute-badge", text: T.acute }),
          el("span", { className: "role" }),
          el("span", { className: "meta" }),
        ),
        el("span", { className: "wait", "data-enqueued-at": c.enqueued_at }),
        take,
      );
    },
    (node, c, index) => {
      const place = index + 1;
      node.classList.toggle("is-acute", c.acute);
      node.querySelector(".acute-badge").hidden = !c.acute;
      const placeNode = node.querySelector(".place");
      placeNode.textContent = format(T.place, { place });
      placeNode.setAttribute("title", format(T.place_label, { place }));
      const role = T.roles[c.role] || "";
      node.querySelector(".role").textContent = role;
      node.querySelector(".meta").textContent = regionName(c.region);
      const wait = node.querySelector(".wait");
      wait.dataset.enqueuedAt = c.enqueued_at || "";
      showWait(wait);
      node.querySelector(".take").setAttribute("aria-label", format(T.take_label, { place, role }));
    },
  );
  $("queue-count").textContent = String(calls.length);
  $("queue-empty").hidden = calls.length > 0;
}

function renderInHand() {
  const mine = [...state.calls.values()].filter((c) => ACTIVE.has(c.state) && c.operator === me);
  reconcile(
    $("in-hand"),
    mine,
    (c) => c.call_id,
    (c) => el("div", { className: "in-hand-call", "data-call-id": c.call_id }),
    (node, c) => {
      node.classList.toggle("is-acute", c.acute);
      const parts = [el("strong", { text: format(T.call, { id: c.call_id }) })];
      if (c.acute) parts.push(el("span", { className: "badge acute-badge", text: T.acute }));
      parts.push(el("span", { text: ` · ${T.roles[c.role] || ""} · ${T.call_states[c.state] || ""} · ` }));
      if (c.case_id) {
        // The intake is saved: the call's case, by reference.
        parts.push(el("a", {
          className: "call-case", href: caseUrl(root.dataset.caseUrl, c.case_id),
          text: format(T.case_reference, { reference: c.case_reference }),
        }));
      } else {
        // The intake for this call, filled in with what the caller told the menu. A new
        // tab: leaving this page would end the softphone's call.
        parts.push(el("a", {
          className: "call-intake", href: caseUrl(root.dataset.callIntakeUrl, c.call_id),
          target: "_blank", text: T.start_intake,
        }));
      }
      node.replaceChildren(...parts);
    },
  );
  $("in-hand-empty").hidden = mine.length > 0;
}

// Times as the rest of the system writes them: 24-hour, in the organisation's time zone,
// in the page's language with the day before the month (en-GB, not en-US, for English).
function clock(iso) {
  if (!iso) return "";
  const locale = document.documentElement.lang === "en" ? "en-GB" : "nl-NL";
  return new Date(iso).toLocaleTimeString(locale, {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: T.time_zone,
  });
}

function renderWrapUps() {
  const calls = [...state.wrapUps.values()].sort((a, b) => a.call_id - b.call_id);
  reconcile(
    $("wrap-up"),
    calls,
    (c) => c.call_id,
    (c) => {
      const select = el("select", { name: "outcome", "aria-label": `${T.wrap_up_choose} ${format(T.call, { id: c.call_id })}` },
        el("option", { value: "", text: `${T.wrap_up_choose}…` }),
        ...Object.entries(T.outcomes).map(([value, label]) => el("option", { value, text: label })));
      const form = el("form", { className: "wrap-up-form" },
        el("a", { className: "call-intake", href: caseUrl(root.dataset.callIntakeUrl, c.call_id), target: "_blank", text: T.wrap_up_intake }),
        " · ", select, el("button", { type: "submit", text: T.wrap_up_button }));
      form.addEventListener("submit", (submit) => {
        submit.preventDefault();
        wrapUp(c.call_id, select.value, form);
      });
      return el("li", { className: "wrap-up-call", "data-call-id": c.call_id }, el("span", { className: "label" }), " ", form);
    },
    (node, c) => {
      node.querySelector(".label").textContent = format(T.wrap_up_label, { id: c.call_id, time: clock(c.ended_at) });
    },
  );
  $("wrap-up-section").hidden = calls.length === 0;
}

function renderNotices() {
  const notices = [...state.notices.values()];
  reconcile(
    $("notices"),
    notices,
    (n) => n.case_id,
    (n) => el("li", { className: "notice", "data-case-id": n.case_id }),
    (node, n) => {
      node.replaceChildren(el("a", { href: caseUrl(root.dataset.caseUrl, n.case_id), text: format(T.report_added, { reference: n.reference }) }));
    },
  );
  $("notices-section").hidden = notices.length === 0;
}

function renderOperators() {
  const operators = [...state.operators.values()].sort((a, b) => a.username.localeCompare(b.username));
  reconcile(
    $("operators"),
    operators,
    (o) => o.username,
    (o) => el("li", { className: "operator", "data-username": o.username }),
    (node, o) => {
      node.className = `operator state-${o.state}`;
      const name = o.username === me ? `${o.username} (${T.you})` : o.username;
      node.replaceChildren(
        el("span", { className: "name", text: name }),
        el("span", { className: "state", text: T.presence[o.state] || "" }),
      );
      if (o.username === me) {
        for (const button of document.querySelectorAll("#presence-form button")) {
          button.setAttribute("aria-pressed", String(button.value === o.state));
        }
      }
    },
  );
}

function caseUrl(pattern, caseId) {
  return pattern ? pattern.replace("/0/", `/${caseId}/`) : "";
}

function renderReports() {
  const reports = [...state.reports.values()]
    .sort((a, b) => (a.reported_at < b.reported_at ? 1 : -1))
    .slice(0, REPORTS_SHOWN);
  reconcile(
    $("reports"),
    reports,
    (r) => r.case_id,
    (r) => el("li", { className: "report", "data-case-id": r.case_id }),
    (node, r) => {
      const time = clock(r.reported_at);
      node.replaceChildren(
        el("a", { href: caseUrl(root.dataset.caseUrl, r.case_id), text: r.reference }),
        el("span", { text: ` · ${T.case_types[r.case_type] || ""} · ${time}` }),
      );
    },
  );
  $("reports-empty").hidden = reports.length > 0;
}

// The hour clock of an acute item: the same words as cases/acute_clock.py.
function duration(minutes) {
  return minutes <= 60 ? format(T.minutes, { n: minutes }) : format(T.hours_minutes, { h: Math.floor(minutes / 60), m: minutes % 60 });
}

function dueOf(a) {
  return Date.parse(a.acute_since) + T.acute_hours * 3600_000;
}

function acuteClock(a) {
  const seconds = (dueOf(a) - (Date.now() + state.clockOffset)) / 1000;
  const within = T.acute_within;
  if (seconds >= 0) return { overdue: false, text: format(T.acute_left, { within, time: duration(Math.ceil(seconds / 60)) }) };
  return { overdue: true, text: format(T.acute_late, { within, time: duration(Math.max(1, Math.floor(-seconds / 60))) }) };
}

function showClock(node, a) {
  const clock = acuteClock(a);
  node.classList.toggle("overdue", clock.overdue);
  node.querySelector(".acute-clock").textContent = clock.text;
}

function renderAlerts() {
  // Past their clock first, the most overdue first: the earliest due on top.
  const alerts = [...state.alerts.values()].sort((a, b) => dueOf(a) - dueOf(b) || (a.key < b.key ? -1 : 1));
  reconcile(
    $("alerts"),
    alerts,
    (a) => a.key,
    (a) => el("li", { className: "alert", "data-key": a.key, "data-case-id": a.case_id, "data-call-id": a.call_id }),
    (node, a) => {
      const parts = [el("strong", { text: `${T.acute}: ` })];
      if (a.kind === "call") {
        parts.push(el("span", { text: format(T.acute_call, { id: a.call_id }) }), " · ");
        if (a.can_record) {
          parts.push(el("a", { className: "acute-call-record", href: caseUrl(root.dataset.acuteCallUrl, a.call_id), text: T.acute_call_record }));
        } else parts.push(el("span", { text: T.acute_call_in_progress }));
      } else {
        parts.push(el("a", { href: caseUrl(root.dataset.caseUrl, a.case_id), text: a.reference }), " · ",
          el("a", { className: "record-actions", href: `${caseUrl(root.dataset.caseUrl, a.case_id)}#safety-actions`, text: T.record_actions }));
        if (root.dataset.assessmentUrl) {
          parts.push(" · ", el("a", { href: caseUrl(root.dataset.assessmentUrl, a.case_id), text: T.assessment }));
        }
      }
      parts.push(" · ", el("span", { className: "acute-clock" }));
      node.replaceChildren(...parts);
      showClock(node, a);
    },
  );
  $("alerts-section").hidden = alerts.length === 0;
}

function render() {
  renderNotices();
  renderAlerts();
  renderQueue();
  renderInHand();
  renderWrapUps();
  renderOperators();
  renderReports();
}

function tick() {
  for (const node of document.querySelectorAll("#alerts .alert")) {
    const a = state.alerts.get(node.dataset.key);
    if (a) showClock(node, a);
  }
  for (const wait of document.querySelectorAll("#queue .wait")) {
    if (wait.dataset.enqueuedAt) showWait(wait);
  }
}

// --- actions ------------------------------------------------------------------------------

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken, "X-Requested-With": "fetch" },
    body,
    credentials: "same-origin",
  });
  if (response.redirected) {
    location.reload(); // logged out: the login page
    return null;
  }
  // The operator's own action counts as activity: the idle warning (idle_warning.js) restarts.
  if (response.ok) document.dispatchEvent(new CustomEvent("vt:session-extended"));
  let data = {};
  try {
    data = await response.json();
  } catch {
    // not JSON: an error page
  }
  return { ok: response.ok, status: response.status, data };
}

// The softphone (softphone.js) answers the call that rings next: it is this one.
function tookCall(callId) {
  document.dispatchEvent(new CustomEvent("hotline:taken", { detail: { callId } }));
}

async function takeCall(callId, button) {
  button.disabled = true;
  try {
    const result = await post(root.dataset.takeUrl.replace("/0/", `/${callId}/`));
    if (!result) return;
    if (result.ok) {
      showMessage(format(T.taken, { id: callId }));
      tookCall(callId);
    }
    else showMessage(result.data.error || (result.status === 409 ? T.taken_elsewhere : T.failed), true);
    if (result.ok && result.data.call) {
      state.calls.set(result.data.call.call_id, result.data.call);
      render();
    }
  } catch {
    showMessage(T.failed, true);
  } finally {
    button.disabled = false;
  }
}

async function takeNext() {
  try {
    const result = await post(root.dataset.takeNextUrl);
    if (!result) return;
    if (!result.ok) showMessage(result.data.error || T.failed, true);
    else if (result.data.call) {
      state.calls.set(result.data.call.call_id, result.data.call);
      // `notice`: callers ahead of this one had long hung up and were taken off the queue.
      const notice = result.data.notice ? ` ${result.data.notice}` : "";
      showMessage(format(T.taken, { id: result.data.call.call_id }) + notice);
      tookCall(result.data.call.call_id);
      render();
    } else showMessage(result.data.message || T.queue_empty);
  } catch {
    showMessage(T.failed, true);
  }
}

async function wrapUp(callId, outcome, form) {
  const button = form.querySelector("button");
  button.disabled = true;
  const body = new FormData();
  body.append("outcome", outcome);
  try {
    const result = await post(caseUrl(root.dataset.wrapUpUrl, callId), body);
    if (!result) return;
    if (result.ok) {
      state.wrapUps.delete(callId);
      showMessage(format(T.wrap_up_saved, { id: callId, outcome: T.outcomes[outcome] || "" }));
      render();
    } else showMessage(result.data.error || T.failed, true);
  } catch {
    showMessage(T.failed, true);
  } finally {
    button.disabled = false;
  }
}

async function setPresence(value) {
  const body = new FormData();
  body.append("state", value);
  try {
    const result = await post(root.dataset.presenceUrl, body);
    if (!result) return;
    if (result.ok) showMessage(format(T.presence_saved, { state: result.data.label }));
    else showMessage(result.data.error || T.failed, true);
  } catch {
    showMessage(T.failed, true);
  }
}

// --- keeping the session while the operator works ------------------------------------------

let lastActivity = Date.now();
for (const type of ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"]) {
  window.addEventListener(type, () => { lastActivity = Date.now(); }, { passive: true });
}
setInterval(() => {
  // Only someone who touched keyboard or mouse in the last minute keeps the session alive;
  // a dashboard left alone times out like any other page.
  // The heartbeat is the operator's own activity, so it does extend the session (and
  // post() tells the page's idle warning so).
  if (Date.now() - lastActivity < HEARTBEAT_MS) post(root.dataset.heartbeatUrl).catch(() => {});
}, HEARTBEAT_MS);

$("take-next").addEventListener("click", takeNext);
$("presence-form").addEventListener("submit", (submit) => {
  submit.preventDefault();
  if (submit.submitter) setPresence(submit.submitter.value);
});
setInterval(tick, 1000);
setConnection(T.connecting, false);
connect();
pollStatus();
