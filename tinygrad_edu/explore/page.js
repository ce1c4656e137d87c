// The backprop explorer: the page viz.explore() writes. It reads the graph document
// (docs/explorer_format.md) embedded in the page, draws it as SVG, and lets a learner step
// through the forward pass and then the backward pass, one op at a time.
"use strict";

const doc = JSON.parse(document.getElementById("graph").textContent);
const nodes = doc.nodes;
const SVG_NS = "http://www.w3.org/2000/svg";
const BOX_W = 140, BOX_H = 38, COL_W = 200, ROW_H = 58;  // the layout grid, in SVG units
const FOLD_ABOVE = 400;  // more ops than this: open with the top-level modules folded

// The two walks a learner can step through: every op in forward order, or in backward order.
const steps = {
  forward: doc.forward.filter((id) => nodes[id].kind === "op"),
  backward: doc.backward,
};
// index: the position of the current op in steps[mode]; -1 means no step taken yet.
const state = { mode: "forward", index: -1 };
let selected = doc.output;       // the node shown in the panel
let timer = null;                // the interval of "play", or null
const folded = new Set();        // indices of the modules drawn as one box
let shown = new Map();           // node id -> the <g> that stands for it (itself or a box)
let placed = new Map();          // node id -> {x, y} of that <g>
const view = { x: 20, y: 20, scale: 1 };  // pan and zoom of the drawing

const byId = (id) => document.getElementById(id);
const canvas = byId("canvas"), drawing = byId("drawing");

// ---- small helpers ----

function svg(tag, attrs, parent, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  parent.append(e);
  return e;
}

function html(tag, text, parent, className) {
  const e = document.createElement(tag);
  e.textContent = text;
  if (className) e.className = className;
  parent.append(e);
  return e;
}

// A number to 4 significant digits; NaN and Inf arrive as the strings "nan", "inf", "-inf".
function fmt(x) {
  if (x === null || x === undefined) return "–";
  if (typeof x === "string") return x;
  const r = Number(x.toPrecision(4));
  return Math.abs(r) >= 1e6 || (r !== 0 && Math.abs(r) < 1e-4) ? r.toExponential() : String(r);
}

const shortName = (s, n = 17) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
const shapeText = (shape) => (shape === null ? "shape not kept" : shape.length ? `[${shape.join(", ")}]` : "scalar");
const moduleName = (m) => doc.modules[m].path || doc.modules[m].type;  // the model itself has path ""

// ---- modules and folding ----

// A module's index followed by its ancestors', innermost first.
function moduleChain(m) {
  const chain = [];
  for (; m !== null && m !== undefined; m = doc.modules[m].parent) chain.push(m);
  return chain;
}

// What stands for a node in the drawing: the outermost folded module around it, or itself.
function shownKey(id) {
  const n = nodes[id];
  let key = "n" + id;
  if (n.kind === "op") {
    for (const m of moduleChain(n.module)) if (folded.has(m)) key = "m" + m;
  } else if (n.kind !== "input" && n.users.length) {
    // A param or constant used only inside one folded box (a module's weight) folds into it too.
    const keys = new Set(n.users.map(shownKey));
    if (keys.size === 1 && [...keys][0][0] === "m") key = [...keys][0];
  }
  return key;
}

// The modules a learner thinks of as "top level": those without a parent, or, when the root
// is the model itself (path ""), its children.
function topModules() {
  return doc.modules.map((_, i) => i).filter((i) => {
    const parent = doc.modules[i].parent;
    return parent === null ? doc.modules[i].path !== "" : doc.modules[parent].path === "";
  });
}

// ---- layout and drawing: done once per fold change, never per frame ----

// Columns by depth (the longest path from the leaves), rows by order of appearance in the
// column. One pass in forward order is enough: the forward order puts each node after its inputs.
function layout() {
  const verts = new Map();  // key ("n3" or "m1") -> {key, depth, members, x, y}
  const edges = new Map();  // "from>to" -> [from, to], so a folded box gets each edge once
  const vertex = (key) => {
    if (!verts.has(key)) verts.set(key, { key, depth: 0, members: [] });
    return verts.get(key);
  };
  for (const id of doc.forward) {
    const key = shownKey(id), v = vertex(key);
    v.members.push(id);
    for (const input of nodes[id].inputs) {
      const from = shownKey(input);
      if (from === key) continue;  // an edge hidden inside a folded box
      v.depth = Math.max(v.depth, vertex(from).depth + 1);
      edges.set(from + ">" + key, [from, key]);
    }
  }
  const rows = [];
  for (const v of verts.values()) {
    rows[v.depth] = rows[v.depth] || 0;
    v.x = v.depth * COL_W;
    v.y = rows[v.depth]++ * ROW_H;
  }
  return { verts, edges: [...edges.values()] };
}

function draw() {
  const { verts, edges } = layout();
  drawing.replaceChildren();
  shown = new Map();
  placed = new Map();
  const edgeLayer = svg("g", { class: "edges" }, drawing);
  for (const [from, to] of edges) {
    const a = verts.get(from), b = verts.get(to);
    const x1 = a.x + BOX_W, y1 = a.y + BOX_H / 2, x2 = b.x, y2 = b.y + BOX_H / 2;
    svg("path", { d: `M${x1},${y1} C${x1 + 40},${y1} ${x2 - 40},${y2} ${x2},${y2}` }, edgeLayer);
  }
  for (const v of verts.values()) {
    const g = svg("g", { transform: `translate(${v.x},${v.y})` }, drawing);
    svg("rect", { width: BOX_W, height: BOX_H, rx: 6 }, g);
    if (v.key[0] === "m") drawBox(g, Number(v.key.slice(1)), v.members);
    else drawNode(g, nodes[Number(v.key.slice(1))]);
    for (const id of v.members) {
      shown.set(id, g);
      placed.set(id, v);
    }
  }
  markSteps();
  shown.get(selected)?.classList.add("selected");
}

function drawNode(g, n) {
  const classes = ["node", n.kind];
  if (n.id === doc.output) classes.push("output");
  if (n.bad || n.bad_grad) classes.push("bad");
  g.setAttribute("class", classes.join(" "));
  g.setAttribute("data-id", n.id);
  svg("text", { x: 8, y: 16 }, g, shortName(n.name));
  svg("text", { x: 8, y: 31, class: "sub" }, g, shapeText(n.shape));
  if (n.kind === "op") svg("text", { x: BOX_W - 16, y: 31, class: "gmark" }, g, "∇");
  if (n.first_bad) firstBadMarker(g);
}

// A folded module: one box standing for all its ops; clicking it unfolds it.
function drawBox(g, m, members) {
  g.setAttribute("class", "box");
  g.setAttribute("data-module", m);
  const ops = members.map((id) => nodes[id]).filter((n) => n.kind === "op");
  if (ops.some((n) => n.bad || n.bad_grad)) g.classList.add("bad");
  svg("text", { x: 8, y: 16 }, g, shortName(moduleName(m)));
  const count = `${ops.length} op${ops.length === 1 ? "" : "s"}`;
  svg("text", { x: 8, y: 31, class: "sub" }, g, `${doc.modules[m].type} · ${count}`);
  svg("text", { x: BOX_W - 16, y: 31, class: "gmark" }, g, "∇");
  if (ops.some((n) => n.first_bad)) firstBadMarker(g);
}

function firstBadMarker(g) {
  svg("circle", { cx: BOX_W, cy: 0, r: 8, class: "first-bad" }, g);
  svg("text", { x: BOX_W - 2.5, y: 4.5, class: "first-bad" }, g, "!");
}

// Show the progress of the walk on the drawing, by classes only: no redraw. Each <g> is only
// touched where its class changes, so a step through 10,000 ops stays fast.
function markSteps() {
  const seq = steps[state.mode], marks = new Map();  // <g> -> the step classes it should have
  const mark = (id, name) => {
    const g = shown.get(id);
    if (!marks.has(g)) marks.set(g, new Set());
    marks.get(g).add(name);
  };
  if (state.mode === "forward") {
    for (let i = state.index + 1; i < seq.length; i++) mark(seq[i], "pending");
  } else {
    for (let i = 0; i < state.index; i++) mark(seq[i], "grad-done");
  }
  if (state.index >= 0) mark(seq[state.index], "current");
  for (const g of new Set(shown.values())) {
    for (const name of ["pending", "grad-done", "current"]) g.classList.toggle(name, marks.get(g)?.has(name) ?? false);
  }
  const where = state.index < 0 ? "start" : `step ${state.index + 1} of ${seq.length}: ${nodes[seq[state.index]].name}`;
  byId("status").textContent = seq.length ? `${state.mode}, ${where}` : `${state.mode}: no backward was recorded`;
}

// ---- the panel ----

function select(id) {
  selected = id;
  for (const g of drawing.querySelectorAll(".selected")) g.classList.remove("selected");
  shown.get(id)?.classList.add("selected");
  fillPanel(nodes[id]);
}

function fillPanel(n) {
  const backward = state.mode === "backward";
  byId("panel-name").textContent = n.name;
  byId("panel-kind").textContent = `${n.kind} #${n.id} · ${shapeText(n.shape)} ${n.dtype}`;
  byId("panel-formula").textContent = n.formula;
  fillModule(n);

  let bad = "";
  const badName = { nan: "NaN", inf: "Inf" };
  if (n.first_bad) bad = `${badName[n.bad || n.bad_grad] || "NaN"} first appears here`;
  else if (n.bad || n.bad_grad) bad = `holds ${n.bad || n.bad_grad} in its ${n.bad ? "value" : "gradient"}`;
  byId("panel-bad").textContent = bad;

  const notKept = doc.recorded ? "not kept" : "not kept: run the forward inside viz.recording() to keep it";
  showValue(byId("panel-value"), n.value, n.kind === "op" ? notKept : "not kept");

  // Forward: the values the op took, one per input (click an input to see it alone).
  byId("section-inputs").hidden = backward || n.kind !== "op";
  const received = byId("panel-inputs");
  received.replaceChildren();
  if (n.kind === "op") {
    n.inputs.forEach((input) => {
      html("div", `from ${nodes[input].name} (#${input})`, received, "to");
      showValue(html("div", "", received), nodes[input].value, notKept);
    });
  }

  byId("section-g").hidden = !(backward && n.kind === "op");
  showValue(byId("panel-g"), n.g, steps.backward.length ? "none: the backward did not reach this op" : "not computed");

  byId("section-sent").hidden = !(backward && n.kind === "op");
  const sent = byId("panel-sent");
  sent.replaceChildren();
  if (n.kind === "op") {
    n.inputs.forEach((input, k) => {
      html("div", `to ${nodes[input].name} (#${input})`, sent, "to");
      const none = steps.backward.length ? "none: this input needs no gradient" : "not computed";
      showValue(html("div", "", sent), n.sent ? n.sent[k] : null, none);
    });
  }

  byId("section-grad").hidden = !n.grad;
  showValue(byId("panel-grad"), n.grad);

  // A node used by several ops gets the sum of what each of them sent back.
  const users = byId("panel-users");
  users.textContent = "";
  if (n.users.length > 1 && (backward || n.grad)) {
    const list = n.users.map((u) => `${nodes[u].name} (#${u})`).join(" + ");
    users.textContent = `Used by ${n.users.length} ops, so its gradient is the SUM of what each sent: ${list}`;
  }
}

// The op's module and its ancestors, each with a button to fold it into one box.
function fillModule(n) {
  const box = byId("panel-module");
  box.replaceChildren();
  if (n.kind !== "op" || n.module === null) return;
  html("span", `module ${moduleName(n.module)} (${doc.modules[n.module].type}) `, box, "muted");
  for (const m of moduleChain(n.module)) {
    html("button", `fold ${moduleName(m)}`, box).addEventListener("click", () => fold([m]));
  }
}

// A value in a panel element: its numbers (form "full"), a heat map ("heat"), and its statistics.
function showValue(box, v, missing = "not kept") {
  box.replaceChildren();
  if (!v) {
    html("div", missing, box, "muted");
    return;
  }
  if (v.form === "full") html("div", v.data.map(fmt).join(", "), box, "numbers");
  if (v.form === "heat") heatMap(box, v);
  let stats = `${shapeText(v.shape)} ${v.dtype}  min ${fmt(v.min)}  max ${fmt(v.max)}  `
    + `mean ${fmt(v.mean)}  std ${fmt(v.std)}`;
  if (v.nan || v.inf) stats += `  nan: ${v.nan}  inf: ${v.inf}`;
  html("div", stats, box, "stats");
}

// A heat map: blue below 0, white at 0, red above, scaled by the largest |value|; NaN is black.
function heatMap(box, v) {
  const cell = Math.max(2, Math.floor(256 / Math.max(v.rows, v.cols)));
  const c = document.createElement("canvas");
  c.width = v.cols * cell;
  c.height = v.rows * cell;
  const ctx = c.getContext("2d");
  const scale = Math.max(Math.abs(v.min || 0), Math.abs(v.max || 0)) || 1;
  v.data.forEach((x, k) => {
    ctx.fillStyle = heatColour(x, scale);
    ctx.fillRect((k % v.cols) * cell, Math.floor(k / v.cols) * cell, cell, cell);
  });
  box.append(c);
  html("div", `${v.rows} x ${v.cols} cells, each the mean of a block; blue < 0 < red`, box, "stats");
}

function heatColour(x, scale) {
  const BLUE = [33, 102, 172], RED = [178, 24, 43];
  if (x === "nan") return "#000";
  if (typeof x === "string") x = x === "inf" ? scale : -scale;
  const t = Math.min(1, Math.abs(x) / scale);
  const [r, g, b] = (x < 0 ? BLUE : RED).map((c) => Math.round(255 + (c - 255) * t));
  return `rgb(${r},${g},${b})`;
}

// ---- stepping ----

function step(delta) {
  const seq = steps[state.mode];
  state.index = Math.max(-1, Math.min(seq.length - 1, state.index + delta));
  markSteps();
  const id = seq[state.index];
  if (id !== undefined) {
    select(id);
    reveal(id);
  }
  return id;
}

function setMode(mode) {
  state.mode = mode;
  state.index = -1;
  byId("mode").textContent = mode;
  markSteps();
  fillPanel(nodes[selected]);
}

function togglePlay() {
  if (timer) {
    clearInterval(timer);
    timer = null;
  } else {
    if (state.index >= steps[state.mode].length - 1) state.index = -1;  // play again from the start
    timer = setInterval(() => {
      if (state.index >= steps[state.mode].length - 1) togglePlay();
      else step(1);
    }, 700);
  }
  byId("play").textContent = timer ? "pause" : "play";
}

function fold(modules) {
  for (const m of modules) folded.add(m);
  draw();
}

function unfold(modules) {
  for (const m of modules) folded.delete(m);
  draw();
}

// ---- pan and zoom: one transform on the drawing ----

function applyView() {
  drawing.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.scale})`);
}

// Centre the view on a node when stepping takes it off the screen.
function reveal(id) {
  const p = placed.get(id), r = canvas.getBoundingClientRect();
  if (!p) return;
  const sx = view.x + p.x * view.scale, sy = view.y + p.y * view.scale;
  if (sx >= 0 && sy >= 0 && sx + BOX_W * view.scale <= r.width && sy + BOX_H * view.scale <= r.height) return;
  view.x = r.width / 2 - (p.x + BOX_W / 2) * view.scale;
  view.y = r.height / 2 - (p.y + BOX_H / 2) * view.scale;
  applyView();
}

// Fit the whole drawing at first, but never so small that the labels cannot be read.
function fitView() {
  const box = drawing.getBBox(), r = canvas.getBoundingClientRect();
  view.scale = Math.min(1, Math.max(0.3, Math.min(r.width / (box.width + 40), r.height / (box.height + 40))));
  view.x = 20;
  view.y = 20;
  applyView();
}

canvas.addEventListener("wheel", (e) => {
  e.preventDefault();
  const r = canvas.getBoundingClientRect(), px = e.clientX - r.left, py = e.clientY - r.top;
  const scale = Math.min(4, Math.max(0.02, view.scale * Math.exp(-e.deltaY * 0.0015)));
  // Zoom about the mouse: the point under it stays where it is.
  view.x = px - (px - view.x) * (scale / view.scale);
  view.y = py - (py - view.y) * (scale / view.scale);
  view.scale = scale;
  applyView();
}, { passive: false });

let drag = null, dragged = false;  // a drag pans; a click that did not move selects
canvas.addEventListener("pointerdown", (e) => {
  drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
  dragged = false;
});
window.addEventListener("pointermove", (e) => {
  if (!drag) return;
  const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
  if (Math.abs(dx) + Math.abs(dy) > 3) dragged = true;
  view.x = drag.vx + dx;
  view.y = drag.vy + dy;
  applyView();
});
window.addEventListener("pointerup", () => { drag = null; });

canvas.addEventListener("click", (e) => {
  if (dragged) return;
  const node = e.target.closest("[data-id]"), box = e.target.closest("[data-module]");
  if (node) select(Number(node.dataset.id));
  else if (box) unfold([Number(box.dataset.module)]);
});

// ---- controls and keys ----

byId("step-back").addEventListener("click", () => step(-1));
byId("step-forward").addEventListener("click", () => step(1));
byId("play").addEventListener("click", togglePlay);
byId("mode").addEventListener("click", () => setMode(state.mode === "forward" ? "backward" : "forward"));
byId("fold-all").addEventListener("click", () => fold(topModules()));
byId("unfold-all").addEventListener("click", () => unfold([...folded]));

document.addEventListener("keydown", (e) => {
  if (e.key === "ArrowRight") step(1);
  else if (e.key === "ArrowLeft") step(-1);
  else if (e.key === " ") togglePlay();
  else return;
  e.preventDefault();  // no scrolling, and Space does not also press the focused button
});
document.addEventListener("keyup", (e) => {
  if (e.key === " ") e.preventDefault();
});

// ---- start ----

byId("title").textContent = doc.title;
byId("note").textContent = doc.note || "";  // what the document could not keep, and why
document.title = `backprop explorer: ${doc.title}`;
if (steps.forward.length > FOLD_ABOVE) topModules().forEach((m) => folded.add(m));
draw();
fitView();
select(selected);
window.explorer = { doc, state, select, step };
