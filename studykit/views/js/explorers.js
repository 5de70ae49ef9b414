// The market explorer (notebook 01) and the filter explorer (notebook 02), drawn and computed in the
// browser. Python sends the model's logits once (studykit.views.browser_explorers); every slider move is
// answered here, with or without a kernel. With a kernel, the sliders' values are also sent back, so
// that `explorer.market` in Python follows them.
//
// `model` is an anywidget model ({get, set, save_changes, on}); the offline site passes a plain one.
// Readouts and the figure say what studykit.views.widgets says for the same setting, word for word.

import { barChartSvg } from "./bar_chart.js";
import { fixed, formatCount, general, grouped } from "./format.js";
import {
  ascendingOrder, entropy, inverseCdf, marketShares, softmax, uniformStream, warpStages,
} from "./sampling.js";

const THEORY = "#3b6ea8", SHOPPERS = "#e08a2c", BEFORE = "#b9c3cd", AFTER = "#2a8062"; // plots' colours
const STEPS = ["greedy", "top-k", "top-p", "min-p"]; // which step closed a stall (only T = 0 closes at the first)

// The logits as float64, from the bytes Python sent (little-endian float32 or float64).
export function readLogits(model) {
  const view = model.get("logits");
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice(); // aligned copy
  const Type = model.get("logits_dtype") === "float32" ? Float32Array : Float64Array;
  return Float64Array.from(new Type(bytes.buffer));
}

// ------------------------------------------------------------------------------ the states

// The market at temperature T: what studykit.views.market.Market holds, and its readouts and chart.
export function marketState(data, temperature, shoppers = null) {
  const probs = softmax(data.logits, temperature);
  const nats = entropy(probs);
  const effective = Math.exp(nats);
  const stalls = formatCount(effective);
  const series = [{ name: "theory: probability", values: marketShares(probs, data.stallIds), color: THEORY }];
  if (shoppers) {
    const total = shoppers.counts.reduce((a, b) => a + b, 0);
    series.push({ name: `${total} shoppers sent`, values: shoppers.counts.map((c) => c / total), color: SHOPPERS });
  }
  return {
    probs,
    readouts: {
      entropy: `entropy ${fixed(nats, 2)} nats`,
      "effective-stalls": `≈ ${stalls} equally busy stall${stalls === "1" ? "" : "s"}`,
    },
    chart: {
      title: data.title,
      labels: [...data.stallLabels, "rest of the market"],
      notes: [...data.stallLabels.map(() => ""), `${grouped(data.logits.length - data.stallIds.length)} stalls`],
      series,
      subtitle: `T = ${fixed(temperature, 2)} · entropy ${fixed(nats, 2)} nats (≈ ${stalls} equally busy stalls)`,
    },
  };
}

// Send `count` shoppers into the market: counts per chart row and the summary line (Market.send_shoppers).
export function sendShoppers(data, probs, temperature, uniforms) {
  const ids = inverseCdf(probs, uniforms);
  const rows = data.stallIds.length;
  const counts = new Array(rows + 1).fill(0);
  const rowOf = new Map(Array.from(data.stallIds, (id, row) => [id, row]));
  for (const id of ids) counts[rowOf.has(id) ? rowOf.get(id) : rows] += 1;
  const elsewhere = counts[rows], visited = new Set(ids).size;
  const summary = `${ids.length} shoppers at T = ${fixed(temperature, 2)}: ${ids.length - elsewhere} at the top ` +
    `${rows} stalls, ${elsewhere} elsewhere, ${visited} different stall${visited === 1 ? "" : "s"}`;
  return { ids, counts, summary };
}

// The market after temperature, top-k, top-p and min-p: studykit.views.market.FilteredMarket's state.
export function filterState(data, settings) {
  const { stages, probsOf } = warpStages(data.logits, data.order, settings);
  // Which tokens are open after each step, and how many: once per distinct stage array (a filter that is
  // off shares its input's), with plain loops (Uint8Array.from(scores, f) and reduce are far slower in V8).
  const masks = new Map();
  for (const scores of stages) {
    if (masks.has(scores)) continue;
    const open = new Uint8Array(scores.length);
    let total = 0;
    for (let i = 0; i < scores.length; i++) if (scores[i] > -Infinity) { open[i] = 1; total += 1; }
    masks.set(scores, { open, total });
  }
  const alive = stages.map((scores) => masks.get(scores).open);
  const count = (step) => masks.get(stages[step]).total;
  const kept = alive[3];
  const keptCount = count(3);
  const probsBefore = probsOf(stages[0]);
  const probsAfter = probsOf(stages[3]);
  const nats = entropy(probsAfter);
  const vocab = data.logits.length;
  const removedBy = Array.from(data.stallIds, (id) => (kept[id] ? "" : STEPS[alive.findIndex((a) => !a[id])]));
  const keptRest = keptCount - data.stallIds.reduce((n, id) => n + kept[id], 0);
  const names = { topK: "top-k", topP: "top-p", minP: "min-p" };
  const on = { topK: settings.topK !== null, topP: settings.topP !== null, minP: settings.minP !== null };
  const stageText = ["topK", "topP", "minP"].map((f, i) =>
    (on[f] ? `${names[f]} ${grouped(count(i + 1))}` : `${names[f]} off`));
  const settingsText = [`temperature T = ${fixed(settings.temperature, 2)}`,
    ...["topK", "topP", "minP"].filter((f) => on[f]).map((f) => `${names[f]} ${general(settings[f])}`)].join(", ");
  return {
    kept,
    probsBefore,
    probsAfter,
    readouts: {
      "kept-count": `kept ${grouped(keptCount)} of ${grouped(vocab)} tokens`,
      entropy: `entropy ${fixed(nats, 2)} nats`,
      stages: `stalls open after each step: ${[`temperature ${grouped(count(0))}`, ...stageText].join(" → ")}`,
    },
    chart: {
      title: data.title,
      labels: [...data.stallLabels, "rest of the market"],
      notes: [...removedBy.map((why) => (why ? `✗ ${why}` : "")),
        `${grouped(keptRest)} of ${grouped(vocab - data.stallIds.length)} kept`],
      series: [
        { name: "after temperature only", values: marketShares(probsBefore, data.stallIds), color: BEFORE },
        { name: "after the filters, renormalised", values: marketShares(probsAfter, data.stallIds), color: AFTER },
      ],
      subtitle: `${settingsText} · kept ${grouped(keptCount)} of ${grouped(vocab)}`,
    },
  };
}

// What both explorers read from the model once.
export function explorerData(model) {
  const logits = readLogits(model);
  return {
    logits,
    order: ascendingOrder(logits),
    stallIds: Uint32Array.from(model.get("stall_ids")),
    stallLabels: model.get("stall_labels"),
    title: model.get("title"),
  };
}

// ------------------------------------------------------------------------------ the views

// The keys a range input answers to. JupyterLab's shortcut handler, further up the page, would take
// them (preventDefault) to move between cells: a focused slider keeps them.
const SLIDER_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);

function explorerRoot(className) {
  const root = element("div", `studykit-explorer ${className}`);
  root.addEventListener("keydown", (event) => {
    if (event.target.type === "range" && SLIDER_KEYS.has(event.key)) event.stopPropagation();
  });
  return root;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A native range input with its visible label and readout: keyboard-operable, named for screen readers.
function slider(name, label, { min, max, step, value, format }) {
  const control = element("label", `studykit-control studykit-${name}`);
  const input = element("input", "studykit-slider");
  Object.assign(input, { type: "range", min: String(min), max: String(max), step: String(step) });
  input.value = String(value);
  const readout = element("output", "studykit-slider-value");
  readout.setAttribute("aria-hidden", "true"); // the input itself announces its value
  const show = () => {
    readout.textContent = format(Number(input.value));
    input.setAttribute("aria-valuetext", format(Number(input.value)));
  };
  control.append(element("span", "studykit-slider-label", label), input, readout);
  show();
  return { control, input, show, value: () => Number(input.value) };
}

// Tell the kernel, when there is one; without one the explorer goes on alone.
function sendToKernel(model, values) {
  try {
    for (const [key, value] of Object.entries(values)) model.set(key, value);
    model.save_changes();
  } catch (error) {
    // no kernel (stopped, or the offline site): nothing to keep in step
  }
}

function readoutRow(names) {
  const row = element("div", "studykit-readouts");
  row.setAttribute("aria-live", "polite");
  const cells = Object.fromEntries(names.map((name) => [name, element("div", `studykit-${name}`)]));
  row.append(...Object.values(cells));
  return { row, cells };
}

function renderMarket(model, el) {
  const data = explorerData(model);
  const twoDecimals = (v) => fixed(v, 2);
  const temperature = slider("temperature", "temperature T",
    { min: 0, max: model.get("max_temperature"), step: 0.05, value: model.get("temperature"), format: twoDecimals });
  const { row, cells } = readoutRow(["entropy", "effective-stalls"]);
  const figure = element("div", "studykit-figure");
  const display = element("div", "studykit-display");
  display.append(row, figure);
  const count = model.get("shoppers");
  const button = element("button", "studykit-shoppers", `Send ${count} shoppers`);
  button.type = "button";
  const summary = element("span", "studykit-shoppers-summary");
  summary.setAttribute("aria-live", "polite");
  const footer = element("div", "studykit-footer");
  footer.append(button, summary);
  const root = explorerRoot("studykit-market-explorer");
  root.append(temperature.control, display, footer);
  el.append(root);

  const uniforms = uniformStream(model.get("seed"));
  let state, shoppers = null;
  const redraw = () => {
    temperature.show();
    state = marketState(data, temperature.value(), shoppers);
    for (const [name, text] of Object.entries(state.readouts)) cells[name].textContent = text;
    figure.innerHTML = barChartSvg(state.chart);
    if (shoppers) summary.textContent = shoppers.summary;
    else summary.innerHTML = `<i>press to send ${count} shoppers at this temperature</i>`;
  };
  temperature.input.addEventListener("input", () => {
    shoppers = null; // they were sent at another temperature
    redraw();
    sendToKernel(model, { temperature: temperature.value() });
  });
  button.addEventListener("click", () => {
    const draws = Array.from({ length: count }, uniforms);
    shoppers = sendShoppers(data, state.probs, temperature.value(), draws);
    redraw();
  });
  const fromKernel = () => {
    if (Number(model.get("temperature")) === temperature.value()) return;
    temperature.input.value = String(model.get("temperature"));
    shoppers = null;
    redraw();
  };
  model.on("change:temperature", fromKernel);
  redraw();
  return () => model.off && model.off("change:temperature", fromKernel);
}

function renderFilters(model, el) {
  const data = explorerData(model);
  const twoDecimals = (v) => fixed(v, 2);
  const sliders = {
    temperature: slider("temperature", "temperature T",
      { min: 0, max: model.get("max_temperature"), step: 0.05, value: model.get("temperature"), format: twoDecimals }),
    top_k: slider("top-k", "top-k (0 = off)",
      { min: 0, max: model.get("max_top_k"), step: 1, value: model.get("top_k"), format: (v) => (v ? String(v) : "off") }),
    top_p: slider("top-p", "top-p (1 = off)",
      { min: 0.01, max: 1, step: 0.01, value: model.get("top_p"), format: (v) => (v < 1 ? fixed(v, 2) : "off") }),
    min_p: slider("min-p", "min-p (0 = off)",
      { min: 0, max: 1, step: 0.01, value: model.get("min_p"), format: (v) => (v > 0 ? fixed(v, 2) : "off") }),
  };
  const controls = element("div", "studykit-controls");
  controls.append(...Object.values(sliders).map((s) => s.control));
  const { row, cells } = readoutRow(["kept-count", "entropy"]);
  const stages = element("div", "studykit-stages");
  const figure = element("div", "studykit-figure");
  const display = element("div", "studykit-display");
  display.append(row, stages, figure);
  const root = explorerRoot("studykit-filter-explorer");
  root.append(controls, display);
  el.append(root);

  const settings = () => {
    const k = sliders.top_k.value(), p = sliders.top_p.value(), m = sliders.min_p.value();
    return { temperature: sliders.temperature.value(), topK: k > 0 ? k : null, topP: p < 1 ? p : null, minP: m > 0 ? m : null };
  };
  const redraw = () => {
    Object.values(sliders).forEach((s) => s.show());
    const state = filterState(data, settings());
    cells["kept-count"].textContent = state.readouts["kept-count"];
    cells.entropy.textContent = state.readouts.entropy;
    stages.textContent = state.readouts.stages;
    figure.innerHTML = barChartSvg(state.chart);
  };
  for (const [key, s] of Object.entries(sliders)) {
    s.input.addEventListener("input", () => {
      redraw();
      sendToKernel(model, { [key]: s.value() });
    });
  }
  const fromKernel = () => {
    let changed = false;
    for (const [key, s] of Object.entries(sliders)) {
      if (Number(model.get(key)) !== s.value()) {
        s.input.value = String(model.get(key));
        changed = true;
      }
    }
    if (changed) redraw();
  };
  const events = Object.keys(sliders).map((key) => `change:${key}`);
  for (const event of events) model.on(event, fromKernel);
  redraw();
  return () => events.forEach((event) => model.off && model.off(event, fromKernel));
}

function render({ model, el }) {
  return model.get("kind") === "market" ? renderMarket(model, el) : renderFilters(model, el);
}

export default { render };
