// The emulator console's page script: no framework, no build step. Everything shown comes
// from /console/api/workspace (reloaded when the event stream says the workspace changed)
// and /console/api/events (the live log, server-sent events). Text is always set with
// textContent: key names, meta and tags are whatever API callers sent.

const MAX_ROWS = 500;
const state = { workspace: null, log: [], subject: "", outcome: "" };

/** Builds an element: `h("td", { className: "x" }, "text", child)`. */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  Object.assign(el, props ?? {});
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === "") continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const $ = (selector) => document.querySelector(selector);
const chip = (text) => h("span", { className: "chip" }, text);
const chips = (list) => (list?.length ? list.map(chip) : "—");
// Meta as one `name: value` line per field, which wraps where one JSON line would not.
const json = (value) =>
  value === undefined || Object.keys(value).length === 0
    ? "—"
    : Object.entries(value).map(([name, v]) =>
        h(
          "div",
          { className: "mono" },
          `${name}: ${typeof v === "string" ? v : JSON.stringify(v)}`,
        ),
      );
const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });
const seconds = (ms) => `${Math.max(0, ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

function badge(outcome) {
  const good = outcome === "VALID" || outcome === "PASSED";
  const warn = outcome === "RATE_LIMITED" || outcome === "USAGE_EXCEEDED";
  return h("span", { className: `badge${good ? " good" : warn ? " warn" : ""}` }, outcome);
}

function fillBody(table, rows, columns) {
  const body = $(`${table} tbody`);
  body.replaceChildren(
    ...(rows.length
      ? rows
      : [h("tr", {}, h("td", { className: "empty", colSpan: columns }, "nothing yet"))]),
  );
}

function creditsCell(credits) {
  if (!credits) return "unlimited";
  const left = credits.remaining === null ? "unlimited" : `${credits.remaining} left`;
  const refill = credits.refill
    ? ` · refill ${credits.refill.amount} ${credits.refill.interval}` +
      (credits.refill.refillDay ? ` (day ${credits.refill.refillDay})` : "")
    : "";
  return left + refill;
}

function limitCell(limit, now) {
  const window =
    limit.remaining === null
      ? "not counted"
      : `${limit.remaining} left, resets in ${seconds(limit.reset - now)}`;
  const from = limit.from === "identity" ? " (identity)" : "";
  const auto = limit.autoApply ? " auto" : "";
  return h(
    "div",
    {},
    h("strong", {}, limit.name),
    ` ${limit.limit} / ${seconds(limit.duration)}${auto}${from}: ${window}`,
  );
}

function expiresCell(expires, now) {
  if (expires === undefined) return "never";
  const when = new Date(expires).toISOString().replace(".000Z", "Z");
  return expires < now ? h("span", {}, badge("EXPIRED"), ` ${when}`) : when;
}

function actionsCell(key) {
  const toggle = h("button", { type: "button" }, key.enabled ? "Disable" : "Enable");
  toggle.dataset.action = key.enabled ? "disable" : "enable";
  toggle.addEventListener("click", () =>
    act("keys.updateKey", { keyId: key.keyId, enabled: !key.enabled }).catch(showError),
  );
  // A key without a credit limit gets one ("set"); a limited key gets more ("increment").
  const limited = key.credits !== undefined && key.credits.remaining !== null;
  const amount = h("input", { type: "number", min: "1", value: "10", title: "credits" });
  const add = h("button", { type: "button" }, limited ? "+ credits" : "Set credits");
  add.dataset.action = "credits";
  add.addEventListener("click", () => addCredits(key, limited, Number(amount.value)));
  const remove = h("button", { type: "button", className: "danger" }, "Delete");
  remove.dataset.action = "delete";
  remove.addEventListener("click", () => {
    if (confirm(`Delete ${key.name ?? key.keyId}? It stops verifying at once.`)) {
      act("keys.deleteKey", { keyId: key.keyId }).catch(showError);
    }
  });
  return h(
    "td",
    { className: "actions" },
    h("div", {}, toggle, " ", remove),
    h("div", {}, amount, add),
  );
}

function keyRow(key, now) {
  const row = h(
    "tr",
    { className: key.enabled ? "" : "disabled" },
    h("td", {}, h("strong", {}, key.name ?? "—"), h("div", { className: "mono muted" }, key.keyId)),
    h("td", { className: "mono" }, `${key.start}…`),
    h("td", {}, chips(key.permissions)),
    h("td", {}, chips(key.roles)),
    h("td", {}, key.identity?.externalId ?? "—"),
    h("td", {}, json(key.meta)),
    h("td", {}, creditsCell(key.credits)),
    h("td", {}, key.limits.length ? key.limits.map((l) => limitCell(l, now)) : "—"),
    h("td", {}, key.enabled ? "yes" : badge("DISABLED")),
    h("td", {}, expiresCell(key.expires, now)),
    actionsCell(key),
  );
  row.dataset.keyId = key.keyId;
  return row;
}

function renderWorkspace(ws) {
  const apiName = new Map(ws.apis.map((api) => [api.id, api.name]));
  fillBody(
    "#apis",
    ws.apis.map((api) =>
      h(
        "tr",
        {},
        h("td", {}, api.name),
        h("td", { className: "mono" }, api.id),
        h("td", {}, api.keys),
      ),
    ),
    3,
  );
  fillBody(
    "#keys",
    ws.keys.map((key) => keyRow(key, ws.now)),
    11,
  );
  fillBody(
    "#identities",
    ws.identities.map((identity) =>
      h(
        "tr",
        {},
        h("td", {}, identity.externalId),
        h("td", { className: "mono" }, identity.id),
        h("td", {}, json(identity.meta)),
        h(
          "td",
          {},
          chips(identity.ratelimits.map((r) => `${r.name} ${r.limit}/${seconds(r.duration)}`)),
        ),
        h("td", {}, identity.keys),
      ),
    ),
    5,
  );
  const select = $("#create-key select[name=apiId]");
  const chosen = select.value;
  select.replaceChildren(
    ...ws.apis.map((api) => h("option", { value: api.id }, apiName.get(api.id))),
  );
  if (chosen) select.value = chosen;
  renderFilters();
}

function subjectLabel(entry) {
  if (entry.operation === "ratelimit.limit") return `${entry.namespace} › ${entry.identifier}`;
  return entry.keyName ?? entry.keyId ?? "unknown key";
}

function logRow(entry) {
  const limits = (entry.ratelimits ?? []).map((l) =>
    h("div", {}, `${l.name}: ${l.remaining}/${l.limit} left${l.exceeded ? " (exceeded)" : ""}`),
  );
  const outcome = entry.error
    ? h("span", {}, badge(`${entry.error.status}`), ` ${entry.error.code}: ${entry.error.detail}`)
    : badge(entry.outcome);
  const row = h(
    "tr",
    {},
    h("td", { className: "mono" }, clock(entry.time)),
    h("td", { className: "mono" }, entry.operation),
    h("td", {}, subjectLabel(entry)),
    h("td", {}, outcome),
    h("td", {}, chips(entry.tags)),
    h("td", { className: "mono" }, entry.permissions ?? "—"),
    h("td", {}, entry.credits ?? "—"),
    h("td", {}, limits.length ? limits : "—"),
  );
  row.dataset.outcome = entry.outcome;
  row.dataset.subject = entry.subject;
  return row;
}

const shown = (entry) =>
  (!state.subject || entry.subject === state.subject) &&
  (!state.outcome || entry.outcome === state.outcome);

function renderLog() {
  const rows = state.log.filter(shown).reverse().map(logRow);
  fillBody("#log", rows, 8);
  $("#log-count").textContent = `${rows.length} of ${state.log.length} calls`;
}

function options(select, current, entries) {
  select.replaceChildren(
    h("option", { value: "" }, "all"),
    ...[...entries].map(([value, label]) => h("option", { value }, label)),
  );
  select.value = entries.has(current) ? current : "";
}

function renderFilters() {
  const subjects = new Map();
  for (const key of state.workspace?.keys ?? []) subjects.set(key.keyId, key.name ?? key.keyId);
  for (const entry of state.log)
    if (!subjects.has(entry.subject)) subjects.set(entry.subject, subjectLabel(entry));
  const outcomes = new Map(state.log.map((entry) => [entry.outcome, entry.outcome]));
  options($("#filter-subject"), state.subject, subjects);
  options($("#filter-outcome"), state.outcome, outcomes);
}

async function loadWorkspace() {
  const response = await fetch("/console/api/workspace");
  if (!response.ok) throw new Error(`workspace: ${response.status}`);
  state.workspace = await response.json();
  renderWorkspace(state.workspace);
}

let reloadQueued = false;
function queueReload() {
  if (reloadQueued) return;
  reloadQueued = true;
  setTimeout(() => {
    reloadQueued = false;
    loadWorkspace().catch(showError);
  }, 100);
}

function showError(error) {
  const el = $("#action-error");
  el.textContent = error instanceof Error ? error.message : String(error);
  el.hidden = false;
}

async function act(operation, body) {
  $("#action-error").hidden = true;
  const response = await fetch(`/console/api/${operation}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    showError(`${operation}: ${answer.error?.detail ?? answer.detail ?? response.status}`);
    return undefined;
  }
  await loadWorkspace();
  return answer.data;
}

function addCredits(key, limited, amount) {
  if (!Number.isInteger(amount) || amount < 1)
    return showError("Credits: a whole number, 1 or more.");
  const operation = limited ? "increment" : "set";
  return act("keys.updateCredits", { keyId: key.keyId, operation, value: amount }).catch(showError);
}

async function createKey(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { apiId: form.get("apiId") };
  for (const field of ["name", "prefix"]) if (form.get(field)) body[field] = form.get(field);
  const permissions = String(form.get("permissions"))
    .split(/[\s,]+/)
    .filter(Boolean);
  if (permissions.length) body.permissions = permissions;
  if (form.get("credits") !== "") body.credits = { remaining: Number(form.get("credits")) };
  const created = await act("keys.createKey", body);
  if (!created) return;
  // The plaintext lives in this element only until "Done": never stored, never sent again.
  $("#created-name").textContent = body.name ?? created.keyId;
  $("#created-key").textContent = created.key;
  $("#created").hidden = false;
  event.target.reset();
}

function connect() {
  const status = $("#connection");
  const events = new EventSource("/console/api/events");
  events.addEventListener("ready", () => {
    status.dataset.state = "live";
    status.textContent = "live";
    renderFilters();
    renderLog();
  });
  events.addEventListener("log", (message) => {
    const entry = JSON.parse(message.data);
    if (state.log.some((seen) => seen.id === entry.id)) return;
    state.log.push(entry);
    if (state.log.length > MAX_ROWS) state.log.shift();
    if (status.dataset.state === "live") {
      renderFilters();
      renderLog();
      queueReload();
    }
  });
  events.addEventListener("state", queueReload);
  events.addEventListener("error", () => {
    status.dataset.state = events.readyState === EventSource.CLOSED ? "off" : "connecting";
    status.textContent =
      events.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting…";
  });
}

function start() {
  $("#filter-subject").addEventListener("change", (e) => {
    state.subject = e.target.value;
    renderLog();
  });
  $("#filter-outcome").addEventListener("change", (e) => {
    state.outcome = e.target.value;
    renderLog();
  });
  $("#create-key").addEventListener("submit", (e) => createKey(e).catch(showError));
  $("#created-dismiss").addEventListener("click", () => {
    $("#created-key").textContent = "";
    $("#created").hidden = true;
  });
  // Both at once: the tables and the log do not wait for each other.
  loadWorkspace().catch(showError);
  connect();
}

start();
