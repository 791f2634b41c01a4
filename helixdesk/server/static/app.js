/* HelixDesk dashboard.
 *
 * Plays episodes through the server's session API, like any other client: GET tasks,
 * POST reset, POST step, POST grader. A baseline agent's move comes from
 * POST dashboard/agent-action (computed by the real agent on the server); ground-truth
 * surges come from GET dashboard/surges once the episode is over. Nothing is simulated here.
 * Action fields, their choices and where each choice sits in the action mask come from
 * GET layout, by name: no position is written down here. Every operation runs through one
 * serial queue, so steps never overlap.
 */
"use strict";

const SPEEDS = [
  { label: "1 step/s", delay: 1000 },
  { label: "2 steps/s", delay: 500 },
  { label: "5 steps/s", delay: 200 },
  { label: "10 steps/s", delay: 100 },
  { label: "30 steps/s", delay: 33 },
  { label: "as fast as possible", delay: 0 },
];
const LETTER_KEYS = {
  classification: { query: "q", complaint: "c", flag_for_review: "f" },
  priority: { critical: "u", high: "h", medium: "m", normal: "n" },
  secondary: { auto_reply_from_kb: "k", alert_gm: "g", none: "x" },
};
const DEFAULT_CHOICE = { priority: "normal", assignment: "no_assignment", secondary: "none" };
const FLAG = "flag_for_review";
const HISTORY_LENGTH = 30;
const LOG_LENGTH = 8;

const $ = (id) => document.getElementById(id);

const ui = {
  session: null,
  reply: null,
  layout: null,
  layouts: new Map(),
  running: false,
  loop: 0,
  queue: Promise.resolve(),
  rewards: [],
  openTickets: [],
  reviewQueue: [],
  resolveHistory: [],
  decisions: [],
  lastEmail: null,
  choice: {},
  padMessage: "",
  keyMap: new Map(),
  tasks: new Map(),
};

/* -- small helpers ----------------------------------------------------------------------- */

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function fixed(value, digits = 3) {
  return Number(value).toFixed(digits);
}

function signed(value, digits = 3) {
  const text = fixed(value, digits);
  return value > 0 ? `+${text}` : text;
}

function percent(share) {
  return `${Math.round(share * 100)}%`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function bar(share, className = "") {
  const width = Math.max(0, Math.min(1, share)) * 100;
  const fill = el("span", { class: `fill ${className}`.trim(), style: `width:${width}%` });
  return el("span", { class: "bar", "aria-hidden": "true" }, fill);
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function errorText(data, status) {
  const detail = data && data.detail;
  if (Array.isArray(detail)) {
    return detail.map((item) => item.msg).join("; ");
  }
  return detail || `HTTP ${status}`;
}

async function api(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, errorText(data, response.status));
  }
  return data;
}

/* One operation at a time; a failure is shown and stops playback. */
function enqueue(operation) {
  ui.queue = ui.queue.then(operation).catch(showError);
  return ui.queue;
}

function showError(error) {
  ui.running = false;
  $("error").textContent = `Error: ${error.message}`;
  $("error").hidden = false;
  updateControls();
}

function setStatus(text) {
  $("status").textContent = text;
}

/* -- setup ------------------------------------------------------------------------------- */

function agentName() {
  return $("agent").value;
}

function speed() {
  return SPEEDS[Number($("speed").value)];
}

function episodeOver() {
  return ui.reply !== null && ui.reply.done;
}

async function loadTasks() {
  const { tasks } = await api("GET", "tasks");
  const select = $("task");
  for (const task of tasks) {
    select.append(el("option", { value: task.id }, `${task.id} (${task.emails} emails)`));
  }
  ui.tasks = new Map(tasks.map((task) => [task.id, task]));
  showTaskDescription();
  document.body.dataset.ready = "true";
}

function showTaskDescription() {
  const task = ui.tasks.get($("task").value);
  $("task-description").textContent = task ? task.description : "";
}

/* The served layout of a task's scenario (GET layout), fetched once per task. */
async function layoutOf(task) {
  if (!ui.layouts.has(task)) {
    const query = task === null ? "" : `?${new URLSearchParams({ task })}`;
    ui.layouts.set(task, await api("GET", `layout${query}`));
  }
  return ui.layouts.get(task);
}

/* The action's fields, in order. */
function actionFields() {
  return Object.keys(ui.layout.choices);
}

async function reset() {
  const body = { task: $("task").value, seed: Number($("seed").value) };
  if (ui.session) {
    body.session_id = ui.session;
  }
  let reply;
  try {
    reply = await api("POST", "reset", body);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404 && body.session_id)) {
      throw error;
    }
    delete body.session_id; // the old session expired: open a new one
    reply = await api("POST", "reset", body);
  }
  startEpisode(reply, await layoutOf(reply.observation.task));
}

function startEpisode(reply, layout) {
  Object.assign(ui, {
    session: reply.session_id,
    layout,
    rewards: [0],
    openTickets: [],
    reviewQueue: [],
    resolveHistory: [],
    decisions: [],
    lastEmail: null,
  });
  $("error").hidden = true;
  $("grade").hidden = true;
  $("surges").textContent = "Revealed when the episode ends.";
  $("last-decision").textContent = "None yet.";
  showDecisions();
  buildPad(layout.choices);
  show(reply);
  setStatus(`Episode started: task ${$("task").value}, seed ${$("seed").value}.`);
}

/* -- playing ----------------------------------------------------------------------------- */

/* The move for the current email: yours (null until a classification is picked, e.g. when
 * Enter is pressed twice before the next email shows) or the baseline agent's. */
async function nextAction() {
  if (agentName() === "you") {
    return ui.choice.classification ? { ...ui.choice } : null;
  }
  const body = { session_id: ui.session, agent: agentName() };
  return api("POST", "dashboard/agent-action", body);
}

async function stepOnce() {
  if (!ui.reply || episodeOver()) {
    return;
  }
  const decider = agentName();
  const action = await nextAction();
  if (action === null) {
    return;
  }
  const reply = await api("POST", "step", { session_id: ui.session, action });
  logDecision(decider, action, reply);
  show(reply);
  if (reply.done) {
    await finish();
  }
}

/* Free the session's slot when the page goes away (closed, reloaded, navigated from): a
 * keepalive request outlives the page. A page restored from the back-forward cache is idle
 * and opens a new session at its next Start. */
function closeSession() {
  if (!ui.session) {
    return;
  }
  fetch("close", {
    method: "POST",
    keepalive: true,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ session_id: ui.session }),
  }).catch(() => {});
  Object.assign(ui, { session: null, reply: null, running: false });
  updateControls();
}

async function finish() {
  ui.running = false;
  const session = { session_id: ui.session };
  const grade = await api("POST", "grader", session);
  const query = new URLSearchParams(session);
  const { surges } = await api("GET", `dashboard/surges?${query}`);
  showGrade(grade);
  showSurges(surges);
  setStatus(`Episode over: grade ${fixed(grade.score, 4)}.`);
  updateControls();
}

async function playLoop() {
  const loop = ++ui.loop; // a newer loop (pause, then play again) supersedes this one
  const current = () => ui.running && ui.loop === loop;
  while (current() && !episodeOver()) {
    await enqueue(stepOnce);
    await sleep(speed().delay);
  }
  if (ui.loop === loop) {
    ui.running = false;
    updateControls();
  }
}

function togglePlay() {
  if ($("play").disabled) {
    return;
  }
  ui.running = !ui.running;
  updateControls();
  if (ui.running) {
    setStatus(`Playing: ${agentName()} agent.`);
    playLoop();
  } else {
    setStatus("Paused.");
  }
}

function singleStep() {
  if (!$("step").disabled) {
    enqueue(stepOnce);
  }
}

function decide() {
  if (!$("decide").disabled) {
    enqueue(stepOnce);
  }
}

function updateControls() {
  const live = ui.reply !== null && !episodeOver();
  const you = agentName() === "you";
  $("play").disabled = !live || you;
  $("step").disabled = !live || you || ui.running;
  $("play").textContent = ui.running ? "Pause" : "Play";
  $("play").setAttribute("aria-pressed", String(ui.running));
  $("pad").hidden = !you;
  document.body.dataset.phase = ui.reply === null ? "idle" : episodeOver() ? "done" : "live";
  updatePad();
}

/* -- "you" mode: the decision pad ---------------------------------------------------------- */

function optionKey(dim, value, index) {
  if (dim !== "assignment") {
    return LETTER_KEYS[dim][value];
  }
  return value === "no_assignment" ? "0" : index < 9 ? String(index + 1) : "";
}

function buildPad(choices) {
  ui.keyMap.clear();
  for (const [dim, values] of Object.entries(choices)) {
    const container = document.querySelector(`.options[data-dim="${dim}"]`);
    container.replaceChildren();
    values.forEach((value, index) => {
      const key = optionKey(dim, value, index);
      const button = el("button", { type: "button", "data-value": value, "aria-pressed": "false" });
      if (key) {
        button.setAttribute("aria-keyshortcuts", key);
        button.append(el("kbd", {}, key), " ");
        ui.keyMap.set(key, { dim, value });
      }
      button.append(value.replaceAll("_", " "));
      button.addEventListener("click", () => choose(dim, value));
      container.append(button);
    });
  }
}

/* The action mask is flat: a field's choice sits at the field's offset plus the choice's
 * index among the field's choices (the layout's mask_offsets and choices). */
function isMasked(dim, value) {
  const { choices, mask_offsets: offsets } = ui.layout;
  return !ui.reply.observation.action_mask[offsets[dim] + choices[dim].indexOf(value)];
}

function maskReason(dim, value) {
  if (dim === "assignment") {
    const member = ui.reply.observation.desk.team.find((m) => m.name === value);
    return `${value} is at capacity (${member.open_tickets}/${member.capacity}): a ticket `
      + "sent there bounces to nobody.";
  }
  return "No KB article for this topic: an auto-reply would fail (customers rate it 1–2).";
}

function forcedByFlag(dim) {
  return dim !== "classification" && ui.choice.classification === FLAG;
}

function padActive() {
  return agentName() === "you" && ui.reply !== null && !episodeOver();
}

function choose(dim, value) {
  if (!padActive()) {
    return;
  }
  if (forcedByFlag(dim)) {
    ui.padMessage = `Flag for review fixes the ${dim}: unflag first to change it.`;
  } else if (isMasked(dim, value)) {
    ui.padMessage = maskReason(dim, value);
  } else {
    ui.padMessage = "";
    ui.choice[dim] = value;
    if (value === FLAG) {
      Object.assign(ui.choice, DEFAULT_CHOICE);
    }
  }
  updatePad();
}

function padNotes() {
  const notes = ui.padMessage ? [ui.padMessage] : [];
  const choice = ui.choice;
  if (!choice.classification) {
    notes.push("Pick a classification (q, c or f) to decide.");
  }
  if (choice.classification === FLAG) {
    notes.push("Flag for review sends the email to the review queue: priority normal, no "
      + "assignee and no secondary action are forced.");
  }
  for (const dim of ["assignment", "secondary"]) {
    for (const value of ui.layout.choices[dim]) {
      if (isMasked(dim, value)) {
        notes.push(maskReason(dim, value));
      }
    }
  }
  if (choice.classification === "query" && choice.priority !== "normal") {
    notes.push("Priority only orders complaints: a query is worked at normal priority.");
  }
  const unhandled = choice.assignment === "no_assignment"
    && choice.secondary !== "auto_reply_from_kb";
  if (choice.classification && choice.classification !== FLAG && unhandled) {
    notes.push("Nobody is assigned and no auto-reply is sent: the ticket will be abandoned "
      + "at its deadline.");
  }
  return notes;
}

function updatePad() {
  const active = padActive();
  for (const button of document.querySelectorAll("#pad .options button")) {
    const dim = button.parentElement.dataset.dim;
    const value = button.dataset.value;
    const masked = active && isMasked(dim, value);
    button.setAttribute("aria-pressed", String(ui.choice[dim] === value));
    button.disabled = !active || masked || forcedByFlag(dim);
    button.title = masked ? maskReason(dim, value) : "";
  }
  const notes = active ? padNotes() : ["No email to triage."];
  $("pad-notes").replaceChildren(...notes.map((note) => el("li", {}, note)));
  $("decide").disabled = !active || !ui.choice.classification;
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  if (["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName)) {
    return;
  }
  const key = event.key.toLowerCase();
  if (padActive()) {
    const hit = ui.keyMap.get(key);
    if (key === "enter" || hit) {
      event.preventDefault();
      if (hit) {
        choose(hit.dim, hit.value);
      } else {
        decide();
      }
    }
    return;
  }
  if (key === "p") {
    togglePlay();
  } else if (key === "s") {
    singleStep();
  }
}

/* -- rendering --------------------------------------------------------------------------- */

function show(reply) {
  ui.reply = reply;
  const { desk } = reply.observation;
  if (reply.reward !== null) {
    ui.rewards.push(ui.rewards[ui.rewards.length - 1] + reply.reward);
  }
  ui.openTickets.push(Object.values(desk.queue.by_priority).reduce((a, b) => a + b, 0));
  ui.reviewQueue.push(desk.queue.review_queue);
  ui.resolveHistory.push(desk.team.map((member) => member.avg_service_hours));
  ui.resolveHistory = ui.resolveHistory.slice(-HISTORY_LENGTH);
  ui.choice = { ...DEFAULT_CHOICE };
  ui.padMessage = "";
  showSummary(reply);
  showEmail(desk.email);
  showQueue(desk.queue);
  showTeam(desk.team);
  showTrends(desk);
  showRewards(reply);
  drawCharts();
  updateControls();
}

function showSummary(reply) {
  const desk = reply.observation.desk;
  const total = desk.emails_total;
  $("progress").textContent = reply.done
    ? `all ${total} triaged`
    : `${desk.email_index + 1} of ${total}`;
  $("clock").textContent = desk.clock;
  $("step-reward").textContent = reply.reward === null ? "–" : signed(reply.reward);
  $("cum-reward").textContent = signed(ui.rewards[ui.rewards.length - 1]);
  $("session-id").textContent = ui.session;
}

/* After the last step there is no email: the last one triaged stays on show. */
function showEmail(current) {
  const email = current || ui.lastEmail;
  $("email").hidden = !email;
  $("email-empty").hidden = current !== null;
  $("email-empty").textContent = "All emails triaged; the last one was:";
  if (!email) {
    return;
  }
  ui.lastEmail = email;
  $("email-from").textContent = email.sender;
  $("email-subject").textContent = email.subject;
  $("email-body").textContent = email.body;
  $("sig-tier").textContent = email.tier;
  $("sig-category").textContent = email.category;
  $("sig-sentiment").textContent = signed(email.sentiment, 2);
  $("sig-keyword").textContent = email.keyword_flag ? "YES" : "no";
  $("sig-confidence").textContent = fixed(email.classifier_confidence, 2);
  $("sig-kb").textContent = email.kb_has_answer ? "available" : "none";
  $("sig-keyword").parentElement.classList.toggle("hot", email.keyword_flag);
}

function queueRow(label, key, count, scale) {
  const cell = el("td", { class: "num", "data-queue": key }, String(count));
  return el("tr", {}, el("th", { scope: "row" }, label), el("td", {}, bar(count / scale, key)), cell);
}

function showQueue(queue) {
  const counts = [...Object.values(queue.by_priority), queue.review_queue];
  const scale = Math.max(10, ...counts);
  const rows = Object.entries(queue.by_priority).map(([p, count]) => queueRow(p, p, count, scale));
  rows.push(queueRow("review queue", "review", queue.review_queue, scale));
  $("queue-rows").replaceChildren(...rows);
  $("sla-pressure").replaceChildren(bar(queue.sla_pressure, "pressure"), ` ${percent(queue.sla_pressure)}`);
  $("sla-overdue").textContent = percent(queue.overdue_share);
  $("sla-near").textContent = percent(queue.near_deadline_share);
  $("sla-critical").textContent = queue.critical_overdue ? "YES" : "no";
  $("sla-critical").classList.toggle("hot", queue.critical_overdue);
}

function sparkline(values) {
  const width = 80;
  const height = 20;
  const top = Math.max(...values, 0.01);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const points = values.map((v, i) => `${fixed(i * step, 1)},${fixed(height - (v / top) * height, 1)}`);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "spark");
  svg.setAttribute("aria-hidden", "true");
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points.join(" "));
  svg.append(line);
  return svg;
}

function showTeam(team) {
  const rows = team.map((member, e) => {
    const full = member.open_tickets >= member.capacity;
    const name = el("th", { scope: "row" }, member.name,
      el("small", {}, member.specialties.join(", ") || "–"));
    const load = el("td", {}, bar(member.open_tickets / member.capacity, full ? "full" : ""),
      ` ${member.open_tickets}/${member.capacity}${full ? " full" : ""}`);
    const history = ui.resolveHistory.map((hours) => hours[e]);
    const resolve = el("td", {}, `~${fixed(member.avg_service_hours, 2)} h `, sparkline(history));
    return el("tr", {}, name, load, resolve);
  });
  $("team-rows").replaceChildren(...rows);
}

function showTrends(desk) {
  $("trend-alerts").textContent = desk.trending.length
    ? `Trend alert: ${desk.trending.join(", ")} growing fast.`
    : "No trend alerts.";
  $("trend-alerts").classList.toggle("hot", desk.trending.length > 0);
  const rows = Object.entries(desk.trends).map(([category, growth]) => {
    const alert = desk.trending.includes(category);
    return el("tr", {}, el("th", { scope: "row" }, category),
      el("td", {}, bar(Math.abs(growth), growth < 0 ? "shrinking" : alert ? "hot" : "")),
      el("td", { class: "num" }, signed(growth, 2)));
  });
  $("trend-rows").replaceChildren(...rows);
}

function showRewards(reply) {
  const components = Object.entries(reply.observation.reward_components);
  const scale = Math.max(1e-9, ...components.map(([, v]) => Math.abs(v)));
  const rows = components.map(([name, value]) => el("tr", { class: value === 0 ? "zero" : "" },
    el("th", { scope: "row" }, name.replaceAll("_", " ")),
    el("td", {}, bar(Math.abs(value) / scale, value < 0 ? "negative" : "positive")),
    el("td", { class: "num" }, signed(value))));
  const raw = `step reward (raw ${signed(reply.observation.reward_raw)})`;
  const total = reply.reward === null ? "–" : signed(reply.reward);
  rows.push(el("tr", { class: "total" }, el("th", { scope: "row", colspan: "2" }, raw),
    el("td", { class: "num" }, total)));
  $("reward-rows").replaceChildren(...rows);
}

function describe(action) {
  return actionFields().map((dim) => String(action[dim]).replaceAll("_", " ")).join(" · ");
}

function logDecision(decider, sent, reply) {
  const applied = reply.observation.applied_action;
  const subject = ui.reply.observation.desk.email.subject;
  const forced = actionFields().some((dim) => String(sent[dim]) !== String(applied[dim]));
  const text = `${describe(applied)} — by ${decider}${forced ? " (flag rule applied)" : ""}`;
  $("last-decision").textContent = `“${subject}”: ${text}`;
  ui.decisions.unshift(`#${ui.reply.observation.desk.email_index + 1} ${text}`);
  ui.decisions = ui.decisions.slice(0, LOG_LENGTH);
  showDecisions();
}

function showDecisions() {
  $("decision-log").replaceChildren(...ui.decisions.map((line) => el("li", {}, line)));
}

function showGrade(grade) {
  $("grade-score").textContent = fixed(grade.score, 4);
  $("grade-score").dataset.score = String(grade.score);
  const rows = Object.entries(grade.parts).map(([name, value]) => el("tr", {},
    el("th", { scope: "row" }, name.replaceAll("_", " ")),
    el("td", {}, bar(value, "positive")),
    el("td", { class: "num", "data-part": name }, fixed(value, 4))));
  $("grade-parts").replaceChildren(...rows);
  $("grade").hidden = false;
}

function showSurges(surges) {
  if (!surges.length) {
    $("surges").textContent = "This episode had no surges.";
    return;
  }
  const items = surges.map((s) => el("li", {}, `${s.category}: shift hours `
    + `${fixed(s.start_hours, 1)}–${fixed(s.end_hours, 1)}, GM alerted in time: `
    + (s.alerted ? "yes" : "no")));
  $("surges").replaceChildren(el("ul", { class: "surge-list" }, ...items));
}

/* -- charts (canvas) --------------------------------------------------------------------- */

function cssColor(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { context, width, height };
}

function lineChart(canvas, series) {
  const { context, width, height } = fitCanvas(canvas);
  const pad = { left: 44, right: 8, top: 8, bottom: 18 };
  const all = series.flatMap((s) => s.values);
  const low = Math.min(0, ...all);
  const high = Math.max(low + 1e-6, ...all);
  const length = Math.max(2, ...series.map((s) => s.values.length));
  const x = (i) => pad.left + (i / (length - 1)) * (width - pad.left - pad.right);
  const y = (v) => pad.top + (1 - (v - low) / (high - low)) * (height - pad.top - pad.bottom);
  context.clearRect(0, 0, width, height);
  context.font = "11px system-ui, sans-serif";
  context.fillStyle = cssColor("--muted");
  context.strokeStyle = cssColor("--grid");
  context.lineWidth = 1;
  for (const value of [low, high, ...(low < 0 && high > 0 ? [0] : [])]) {
    context.beginPath();
    context.moveTo(pad.left, y(value));
    context.lineTo(width - pad.right, y(value));
    context.stroke();
    context.fillText(Number(value.toFixed(1)).toString(), 2, y(value) + 4);
  }
  context.fillText(`step ${length - 1}`, width - pad.right - 44, height - 4);
  for (const { values, color } of series) {
    context.strokeStyle = cssColor(color);
    context.lineWidth = 2;
    context.beginPath();
    values.forEach((v, i) => (i ? context.lineTo(x(i), y(v)) : context.moveTo(x(i), y(v))));
    context.stroke();
  }
}

function drawCharts() {
  lineChart($("chart-reward"), [{ values: ui.rewards, color: "--accent" }]);
  lineChart($("chart-queue"), [
    { values: ui.openTickets, color: "--accent" },
    { values: ui.reviewQueue, color: "--warn" },
  ]);
  const last = (values) => values[values.length - 1];
  $("chart-reward").setAttribute("aria-label",
    `Cumulative reward over ${ui.rewards.length - 1} steps, now ${fixed(last(ui.rewards), 2)}`);
  $("chart-queue").setAttribute("aria-label", `Queue depth over the steps: now `
    + `${last(ui.openTickets)} open tickets and ${last(ui.reviewQueue)} awaiting review`);
}

/* -- wiring ------------------------------------------------------------------------------ */

function showSpeed() {
  $("speed-label").textContent = speed().label;
}

function init() {
  $("setup").addEventListener("submit", (event) => {
    event.preventDefault();
    ui.running = false;
    enqueue(reset);
  });
  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", singleStep);
  $("decide").addEventListener("click", decide);
  $("agent").addEventListener("change", () => {
    ui.running = false;
    updateControls();
  });
  $("task").addEventListener("change", showTaskDescription);
  $("speed").addEventListener("input", showSpeed);
  document.addEventListener("keydown", onKey);
  window.addEventListener("resize", () => ui.reply && drawCharts());
  window.addEventListener("pagehide", closeSession);
  showSpeed();
  updateControls();
  enqueue(loadTasks);
}

init();
