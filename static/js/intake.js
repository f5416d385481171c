// Show only the fieldsets that belong to the chosen caller role. Without JavaScript
// every fieldset stays visible and the server still validates per role.
//
// The live radar: as the operator types a phone number, name, address, BSN or date of
// birth, the values go (in a POST body, never the URL) to the radar, which answers with
// earlier cases: reference, state, team, owner and last contact only. A case the operator
// may see gets "Toevoegen aan dossier VT-…": it submits this intake as a report on that
// case instead of a new one. All text comes translated from the page (#radar-strings).
const form = document.querySelector("form[data-role-fieldsets]");

function chosenRole() {
  const checked = form.querySelector('input[name="contact-role"]:checked');
  return checked ? checked.value : "";
}

function showFieldsetsFor(role) {
  for (const fieldset of form.querySelectorAll(".role-fieldset")) {
    const roles = fieldset.dataset.roles.split(" ");
    const visible = role !== "" && roles.includes(role);
    fieldset.hidden = !visible;
    // A hidden field is not submitted by accident, and is skipped by Tab.
    for (const input of fieldset.querySelectorAll("input, select, textarea")) {
      input.disabled = !visible;
    }
  }
}

// --- the live radar ------------------------------------------------------------------------

const RADAR_DELAY_MS = 400;
const RADAR_FIELDS = {
  phone: [/^contact-phone$/, /^contact-safe_number$/],
  name: [/^contact-name$/, /^people-\d+-name$/],
  bsn: [/^people-\d+-bsn$/],
  date_of_birth: [/^people-\d+-date_of_birth$/],
  postcode: [/^case-postcode$/],
  house_number: [/^case-house_number$/],
  addition: [/^case-addition$/],
};

function radarKey(name) {
  for (const [key, patterns] of Object.entries(RADAR_FIELDS)) {
    if (patterns.some((pattern) => pattern.test(name))) return key;
  }
  return null;
}

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function startRadar() {
  const url = form.dataset.radarUrl;
  const stringsNode = document.getElementById("radar-strings");
  if (!url || !stringsNode) return;
  const T = JSON.parse(stringsNode.textContent);
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const status = document.getElementById("radar-live-status");
  const list = document.getElementById("radar-live-matches");
  let timer = null;
  let lastBody = null;
  let inFlight = 0;

  function body() {
    const data = new URLSearchParams();
    for (const input of form.querySelectorAll("input")) {
      const key = radarKey(input.name);
      if (key && input.value.trim()) data.append(key, input.value.trim());
    }
    return data;
  }

  function render(matches) {
    list.replaceChildren();
    if (!matches.length) status.textContent = T.none;
    else status.textContent = matches.length === 1 ? T.found_one : format(T.found, { n: matches.length });
    for (const m of matches) {
      const same = m.matched_on.map((key) => T[key] || key).join(", ");
      const facts = [m.state, `${T.team}: ${m.team || "–"}`, `${T.owner}: ${m.owner || "–"}`];
      if (m.last_contact) facts.push(`${T.last_contact}: ${new Date(m.last_contact).toLocaleDateString(document.documentElement.lang === "en" ? "en-GB" : "nl-NL", { day: "numeric", month: "numeric", year: "numeric" })}`);
      facts.push(`${T.same} ${same}`);
      const item = el("li", { class: "radar-match", "data-reference": m.reference });
      if (m.visible && m.url) item.append(el("a", { href: m.url, target: "_blank", rel: "noopener", text: m.reference }));
      else item.append(el("strong", { text: m.reference }), ` (${T.outside})`);
      item.append(` · ${facts.join(" · ")} `);
      if (m.visible && m.case_id) {
        // A submit button of the intake form: the whole intake goes to that case.
        item.append(el("button", {
          type: "submit", name: "add_to_case", value: String(m.case_id), class: "add-to-case",
          text: format(T.add, { reference: m.reference }),
        }));
      }
      list.append(item);
    }
  }

  async function lookUp(force = false) {
    const data = body();
    const key = data.toString();
    if (!force && key === lastBody) return;
    lastBody = key;
    const mine = ++inFlight;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
        body: data,
        credentials: "same-origin",
      });
      if (mine !== inFlight) return; // a newer look-up is on its way
      const reply = await response.json();
      if (!response.ok) {
        status.textContent = reply.error || T.failed;
        return;
      }
      render(reply.matches);
    } catch {
      if (mine === inFlight) status.textContent = T.failed;
    }
  }

  form.addEventListener("input", (event) => {
    if (!radarKey(event.target.name || "")) return;
    clearTimeout(timer);
    timer = setTimeout(lookUp, RADAR_DELAY_MS);
  });
  // An intake for a call: the caller's own number is matched at once (server-side).
  if ("radarOnLoad" in form.dataset) lookUp(true);
}

if (form) {
  form.addEventListener("change", (event) => {
    if (event.target.name === "contact-role") {
      showFieldsetsFor(chosenRole());
    }
  });
  showFieldsetsFor(chosenRole());
  startRadar();
}

// The forms of violence: one Tab stop for the whole group, not one per checkbox. The arrow
// keys move between them and Space ticks one, as in a group of radio buttons; Tab goes on
// to the next field. Without JavaScript every checkbox is a Tab stop, as before.
for (const group of document.querySelectorAll("[data-one-tab-stop]")) {
  const boxes = [...group.querySelectorAll('input[type="checkbox"]')];
  if (boxes.length < 2) continue;
  const hint = group.querySelector("[data-one-tab-stop-hint]");
  if (hint) {
    hint.hidden = false;
    hint.id = hint.id || `${boxes[0].id}_keys`;
    const fieldset = group.querySelector("fieldset");
    if (fieldset) fieldset.setAttribute("aria-describedby", hint.id);
  }
  const focusable = (index) => boxes.forEach((box, i) => { box.tabIndex = i === index ? 0 : -1; });
  focusable(Math.max(0, boxes.findIndex((box) => box.checked)));
  group.addEventListener("keydown", (key) => {
    const index = boxes.indexOf(key.target);
    if (index < 0) return;
    let next = null;
    if (key.key === "ArrowDown" || key.key === "ArrowRight") next = (index + 1) % boxes.length;
    else if (key.key === "ArrowUp" || key.key === "ArrowLeft") next = (index - 1 + boxes.length) % boxes.length;
    else if (key.key === "Home") next = 0;
    else if (key.key === "End") next = boxes.length - 1;
    if (next === null) return;
    key.preventDefault();
    focusable(next);
    boxes[next].focus();
  });
  group.addEventListener("focusin", (focus) => {
    const index = boxes.indexOf(focus.target);
    if (index >= 0) focusable(index);
  });
}
