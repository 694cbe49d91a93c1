// Rendering of one rollout document (GET /api/rollouts/{ns}/{name}): figures, tree, steps,
// charts and timeline. Text goes in through textContent only: names come from manifests.
(() => {
  "use strict";

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setText(id, text) {
    document.getElementById(id).textContent = text === null || text === undefined ? "-" : text;
  }

  function phaseClass(phase) {
    return phase ? `status phase-${phase}` : "status";
  }

  function renderFigures(doc) {
    const rollout = doc.rollout;
    setText("name", `${rollout.namespace}/${rollout.name}`);
    const status = document.getElementById("status");
    status.textContent = rollout.status;
    status.className = phaseClass(rollout.phase);
    setText("message", rollout.message || "");
    setText("step", rollout.step);
    setText("set-weight", rollout.set_weight);
    setText("actual-weight", rollout.actual_weight);
    const r = doc.tree.replicas;
    setText("replicas", `${r.current} current · ${r.updated} updated · ${r.ready} ready ` +
      `· ${r.available} available (of ${r.desired})`);
    setText("as-of", doc.at === doc.latest ? "" : `as of event #${doc.at} of ${doc.latest}`);
  }

  function podsNode(revision) {
    const pods = element("span", "pods");
    pods.title = `${revision.ready} of ${revision.pods} pod(s) ready`;
    for (let i = 0; i < revision.pods; i += 1) {
      pods.append(element("span", i < revision.ready ? "pod ready" : "pod"));
    }
    return pods;
  }

  function revisionNode(revision) {
    const item = element("li", "revision", `revision:${revision.revision}`);
    const children = element("ul");
    const rs = element("li", "replicaset", `${revision.replica_set} ${revision.status} ` +
      `ready:${revision.ready}/${revision.desired}`);
    for (const role of revision.roles) rs.append(element("span", "role", role));
    rs.append(podsNode(revision));
    children.append(rs);
    for (const run of revision.runs) {
      children.append(element("li", "run", `AnalysisRun ${run.name} ${run.phase} (${run.kind})` +
        (run.message ? `: ${run.message}` : "")));
    }
    item.append(children);
    return item;
  }

  function renderTree(doc) {
    const tree = document.getElementById("tree");
    tree.replaceChildren();
    for (const image of doc.tree.images) {
      tree.append(element("li", "image", `${image.image} (${image.roles.join(", ")})`));
    }
    for (const revision of doc.tree.revisions) tree.append(revisionNode(revision));
  }

  function renderSteps(doc) {
    const steps = document.getElementById("steps");
    steps.replaceChildren();
    if (doc.steps.length === 0) steps.append(element("li", "none", "no canary steps"));
    for (const step of doc.steps) {
      const item = element("li", step.current ? "current" : step.done ? "done" : "", step.text);
      if (step.current) item.setAttribute("aria-current", "step");
      steps.append(item);
    }
  }

  function renderCharts(doc) {
    const charts = document.getElementById("charts");
    charts.replaceChildren();
    if (doc.charts.length === 0) charts.append(element("p", "none", "no analysis runs"));
    for (const chart of doc.charts) charts.append(window.metricChart(chart));
  }

  function renderTimeline(doc, onPick) {
    const slider = document.getElementById("slider");
    const first = doc.timeline.length ? doc.timeline[0].seq : 1;
    slider.min = String(first);
    slider.max = String(doc.latest);
    if (document.activeElement !== slider) slider.value = String(doc.at);
    setText("slider-label", `event #${doc.at} of ${doc.latest}`);
    const list = document.getElementById("timeline");
    list.replaceChildren();
    for (const entry of doc.timeline) {
      const cls = entry.seq === doc.at ? "at" : entry.seq > doc.at ? "later" : "";
      const item = element("li", cls, `#${entry.seq} ${entry.at.slice(11, 23)} ${entry.type} ` +
        entry.summary);
      item.value = entry.seq;
      item.addEventListener("click", () => onPick(entry.seq));
      list.append(item);
    }
    const current = list.querySelector("li.at");
    if (current) current.scrollIntoView({ block: "nearest" });
  }

  function renderDetail(doc, onPick) {
    document.getElementById("detail").hidden = false;
    renderFigures(doc);
    renderTree(doc);
    renderSteps(doc);
    renderCharts(doc);
    renderTimeline(doc, onPick);
  }

  window.views = { element, phaseClass, renderDetail };
})();
