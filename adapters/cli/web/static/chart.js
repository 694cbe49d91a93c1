// One metric's measurements over time, drawn as inline SVG: points coloured by their verdict,
// dashed lines at the numbers the success (green) and failure (red) conditions compare with.
(() => {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const PHASE_COLOURS = {
    Successful: "#1a7f37", Failed: "#cf222e", Inconclusive: "#9a6700", Error: "#656d76",
  };
  const BOX = { width: 480, height: 160, left: 48, right: 12, top: 10, bottom: 22 };

  function svgNode(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function chartScales(points, thresholds) {
    const times = points.map((p) => Date.parse(p.at));
    const values = points.filter((p) => p.number !== null).map((p) => p.number)
      .concat(thresholds.map((t) => t.value));
    let low = Math.min(0, ...values), high = Math.max(...values);
    if (!isFinite(high)) { low = 0; high = 1; }
    if (low === high) { low -= 1; high += 1; }
    const pad = (high - low) * 0.1;
    if (low !== 0) low -= pad;
    high += pad;
    const start = Math.min(...times), end = Math.max(...times);
    const span = end > start ? end - start : 1;
    const width = BOX.width - BOX.left - BOX.right, height = BOX.height - BOX.top - BOX.bottom;
    return {
      x: (at) => BOX.left + (times.length > 1 ? ((Date.parse(at) - start) / span) * width : width / 2),
      y: (value) => BOX.top + (1 - (value - low) / (high - low)) * height,
      low, high,
    };
  }

  function drawAxes(svg, scale) {
    const bottom = BOX.height - BOX.bottom;
    svg.append(svgNode("line", { x1: BOX.left, y1: BOX.top, x2: BOX.left, y2: bottom,
      stroke: "#8c959f" }));
    svg.append(svgNode("line", { x1: BOX.left, y1: bottom, x2: BOX.width - BOX.right, y2: bottom,
      stroke: "#8c959f" }));
    for (const value of [scale.low, scale.high]) {
      svg.append(svgNode("text", { x: BOX.left - 4, y: scale.y(value) + 4, "text-anchor": "end",
        "font-size": 10, fill: "#656d76" }, Number(value.toPrecision(3)).toString()));
    }
  }

  function drawThresholds(svg, thresholds, scale) {
    for (const line of thresholds) {
      const colour = line.kind === "success" ? "#1a7f37" : "#cf222e";
      const y = scale.y(line.value);
      svg.append(svgNode("line", { x1: BOX.left, y1: y, x2: BOX.width - BOX.right, y2: y,
        stroke: colour, "stroke-dasharray": "5 4", class: `threshold ${line.kind}` }));
      svg.append(svgNode("text", { x: BOX.width - BOX.right - 2, y: y - 3, "text-anchor": "end",
        "font-size": 10, fill: colour }, `${line.kind}: result ${line.op} ${line.value}`));
    }
  }

  function drawPoints(svg, points, scale) {
    const numbered = points.filter((p) => p.number !== null);
    if (numbered.length > 1) {
      const path = numbered.map((p) => `${scale.x(p.at)},${scale.y(p.number)}`).join(" ");
      svg.append(svgNode("polyline", { points: path, fill: "none", stroke: "#8c959f" }));
    }
    for (const point of numbered) {
      const dot = svgNode("circle", { cx: scale.x(point.at), cy: scale.y(point.number), r: 4,
        fill: PHASE_COLOURS[point.phase] || "#656d76", class: "measurement" });
      dot.append(svgNode("title", {},
        `#${point.index} ${point.value} ${point.phase} ${point.message || ""}`.trim()));
      svg.append(dot);
    }
  }

  function metricChart(chart) {
    const figure = document.createElement("figure");
    figure.className = "chart";
    figure.dataset.metric = `${chart.run}/${chart.metric}`;
    const svg = svgNode("svg", { viewBox: `0 0 ${BOX.width} ${BOX.height}`, role: "img" });
    const scale = chartScales(chart.points, chart.thresholds);
    drawAxes(svg, scale);
    drawThresholds(svg, chart.thresholds, scale);
    drawPoints(svg, chart.points, scale);
    if (chart.points.length === 0) {
      svg.append(svgNode("text", { x: BOX.width / 2, y: BOX.height / 2, "text-anchor": "middle",
        fill: "#656d76" }, "no measurements yet"));
    }
    const caption = document.createElement("figcaption");
    const conditions = [
      chart.success_condition && `success: ${chart.success_condition}`,
      chart.failure_condition && `failure: ${chart.failure_condition}`,
    ].filter(Boolean).join(" · ");
    caption.textContent = `${chart.run} / ${chart.metric}: ${chart.phase}` +
      `${chart.dry_run ? " (dry run)" : ""} · ${chart.points.length} measurement(s)` +
      (conditions ? ` · ${conditions}` : "");
    figure.append(svg, caption);
    return figure;
  }

  window.metricChart = metricChart;
})();
