// The page's state: the rollout list kept live by server-sent events, one selected rollout
// shown at the latest event (following the stream) or at the event the slider points to.
"use strict";

const page = { rows: new Map(), selected: null, point: null, loading: false, again: false };
const { element, phaseClass, renderDetail } = window.views;

function rowCells(summary) {
  return [
    ["name", `${summary.namespace}/${summary.name}`],
    ["status", summary.status],
    ["strategy", summary.strategy],
    ["step", summary.step ?? "-"],
    ["set-weight", summary.set_weight ?? "-"],
    ["actual-weight", summary.actual_weight ?? "-"],
  ];
}

function renderRow(summary) {
  const key = `${summary.namespace}/${summary.name}`;
  const body = document.getElementById("rollouts");
  let row = body.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
  if (!row) {
    body.querySelector("tr.empty")?.remove();
    row = element("tr");
    row.dataset.key = key;
    row.addEventListener("click", () => select(key));
    const after = [...body.children].find((other) => other.dataset.key > key);
    body.insertBefore(row, after || null);
  }
  row.replaceChildren(...rowCells(summary).map(([name, text]) => {
    const cell = element("td", name === "status" ? phaseClass(summary.phase) : name, text);
    cell.classList.add(name);
    return cell;
  }));
  row.classList.toggle("selected", key === page.selected);
}

function onUpdate(update) {
  if (update.snapshot) {
    for (const summary of update.snapshot) {
      page.rows.set(`${summary.namespace}/${summary.name}`, summary);
      renderRow(summary);
    }
    if (!page.selected && page.rows.size) select(location.hash.slice(1) || page.rows.keys().next().value);
    else if (page.selected) refresh();
    return;
  }
  const summary = update.rollout;
  const key = `${summary.namespace}/${summary.name}`;
  const known = page.rows.get(key);
  if (known && known.version > summary.version) return;
  page.rows.set(key, summary);
  renderRow(summary);
  if (!page.selected) select(key);
  else if (key === page.selected && page.point === null) refresh();
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.onopen = () => { live.textContent = "live"; live.classList.remove("off"); };
  source.onerror = () => { live.textContent = "reconnecting…"; live.classList.add("off"); };
  source.onmessage = (message) => {
    const update = JSON.parse(message.data);
    if (update.reconnect || update.closing) {
      source.close();
      live.textContent = update.closing ? "server stopped" : "reconnecting…";
      live.classList.add("off");
      setTimeout(connect, update.closing ? 2000 : 200);
      return;
    }
    onUpdate(update);
  };
}

function select(key) {
  if (!page.rows.has(key)) key = page.rows.keys().next().value;
  page.selected = key;
  page.point = null;
  history.replaceState(null, "", `#${key}`);
  for (const row of document.querySelectorAll("#rollouts tr[data-key]")) {
    row.classList.toggle("selected", row.dataset.key === key);
  }
  document.getElementById("answer").textContent = "";
  refresh();
}

async function refresh() {
  if (page.loading) { page.again = true; return; }
  page.loading = true;
  try {
    const query = page.point === null ? "" : `?at=${page.point}`;
    const response = await fetch(`/api/rollouts/${page.selected}${query}`);
    const doc = await response.json();
    if (response.ok) renderDetail(doc, pick);
  } finally {
    page.loading = false;
    if (page.again) { page.again = false; refresh(); }
  }
}

function pick(seq) {
  const slider = document.getElementById("slider");
  page.point = seq >= Number(slider.max) ? null : seq;
  slider.value = String(seq);
  refresh();
}

async function act(button) {
  const answer = document.getElementById("answer");
  const buttons = document.querySelectorAll("#actions button");
  buttons.forEach((b) => { b.disabled = true; });
  answer.textContent = `${button.textContent}…`;
  answer.className = "answer";
  try {
    const response = await fetch(`/api/rollouts/${page.selected}/${button.dataset.action}`,
      { method: "POST" });
    const result = await response.json();
    answer.textContent = result.ok ? result.message : `error: ${result.message ?? result.error}`;
    answer.className = result.ok ? "answer ok" : "answer refused";
  } catch (failure) {
    answer.textContent = `error: ${failure}`;
    answer.className = "answer refused";
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

document.getElementById("slider").addEventListener("input", (event) => pick(Number(event.target.value)));
document.getElementById("follow").addEventListener("click", () => { page.point = null; refresh(); });
for (const button of document.querySelectorAll("#actions button")) {
  button.addEventListener("click", () => act(button));
}
connect();
