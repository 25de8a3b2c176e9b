// The reports page: managers' numbers over a period, as tiles, charts and tables. Every number comes from
// /api/v1/reports (docs/reports.md); the charts are drawn by plotly.js, served from the installed plotly
// package (web/assets.py). Each section loads on its own: one failing request leaves the others standing.
import { el, formatTime } from "./composer.js";
import { pickLanguage, translator } from "./i18n.js";

const lang = pickLanguage(["ja", "en"]);
const t = translator(lang);
const locale = lang === "ja" ? "ja-JP" : "en-GB";
const $ = (id) => document.getElementById(id);

const API = "/api/v1/reports";
const TZ = "Asia/Tokyo";
const READERS = ["admin", "supervisor", "shop_agent"];
const FILTERS = ["desk", "channel", "language", "shop"];
const CHANNELS = ["chat", "email"];
const LANGUAGES = ["ja", "en", "zh", "ko"];
const MAX_DAYS = 366;
const TOP_INTENTS = 12;
const RATINGS_LIMIT = 200;
const DASH = "—";
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
// Plotly draws in SVG, outside the page's CSS: the same font and colours as the page.
const FONT = '"Hiragino Sans", "Noto Sans CJK JP", "Yu Gothic", system-ui, sans-serif';
const COLOR = {
  bot: "#2f7d4f", handed: "#b7282e", ongoing: "#b9b4aa", line: "#1f4e8c", bars: "#3d6fb6", wait: "#8a5a00",
  desks: ["#1f4e8c", "#b7282e", "#2f7d4f", "#8a5a00", "#6a3d9a", "#0f7c86", "#a0527a", "#5b6b2f", "#7a7a7a", "#c46a1b"],
};
const CONFIG = { displayModeBar: false, responsive: true, displaylogo: false };

let me = null;
let generation = 0;
const deskNames = new Map(); // desk id -> {ja, en}
const knownShops = new Map(); // shop id -> {ja, en}
const localCsv = {}; // what the CSV buttons of sections without a server CSV download

// --- formatting ------------------------------------------------------------------------------------------

const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
const isNumber = (value) => typeof value === "number" && Number.isFinite(value);

function count(value) { return isNumber(value) ? integer.format(value) : DASH; }
function share(value) { return isNumber(value) ? percent.format(value) : DASH; }
function score(value) { return isNumber(value) ? decimal.format(value) : DASH; }

const UNITS = {
  ja: { day: "日", hour: "時間", min: "分", sec: "秒", join: "" },
  en: { day: "d", hour: "h", min: "min", sec: "s", join: " " },
};

// Seconds for people: 「1分30秒」, "1 min 30 s"; two units at most, the larger first.
function duration(seconds) {
  if (!isNumber(seconds)) return DASH;
  const total = Math.max(0, Math.round(seconds));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const parts = days ? [[days, "day"], [hours, "hour"]] : hours ? [[hours, "hour"], [minutes, "min"]]
    : minutes ? [[minutes, "min"], [secs, "sec"]] : [[secs, "sec"]];
  const units = UNITS[lang];
  return parts.filter(([amount], index) => index === 0 || amount > 0)
    .map(([amount, unit]) => (lang === "ja" ? `${amount}${units[unit]}` : `${amount} ${units[unit]}`))
    .join(units.join);
}

// A bar of a distribution: 「〜10秒」「1〜2分」「4時間〜」, "< 10 s", "1–2 min", "4 h +".
function bucketLabel(bucket) {
  const [from, to] = [bucket.from_s, bucket.to_s];
  const unitOf = (s) => (s >= 3600 && s % 3600 === 0 ? ["hour", s / 3600] : s >= 60 && s % 60 === 0 ? ["min", s / 60] : ["sec", s]);
  const units = UNITS[lang];
  const one = (s) => { const [unit, amount] = unitOf(s); return lang === "ja" ? `${amount}${units[unit]}` : `${amount} ${units[unit]}`; };
  if (to === null || to === undefined) return lang === "ja" ? `${one(from)}〜` : `${one(from)} +`;
  if (from === 0) return lang === "ja" ? `〜${one(to)}` : `< ${one(to)}`;
  const [fromUnit, fromAmount] = unitOf(from);
  const [toUnit] = unitOf(to);
  const sep = lang === "ja" ? "〜" : "–";
  return fromUnit === toUnit ? `${fromAmount}${sep}${one(to)}` : `${one(from)}${sep}${one(to)}`;
}

const dayFormat = new Intl.DateTimeFormat(locale, { month: "numeric", day: "numeric", weekday: "short", timeZone: "UTC" });
const longDayFormat = new Intl.DateTimeFormat(locale, { year: "numeric", month: lang === "ja" ? "numeric" : "short", day: "numeric", timeZone: "UTC" });
const asDate = (iso) => new Date(`${iso}T00:00:00Z`);
const shortDay = (iso) => dayFormat.format(asDate(iso));
const longDay = (iso) => longDayFormat.format(asDate(iso));

function todayInTokyo() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function addDays(iso, days) {
  const day = asDate(iso);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

const daysBetween = (from, to) => Math.round((asDate(to) - asDate(from)) / DAY_MS) + 1;

function label(names, key, fallback = key) {
  const name = names && (names[lang] || names.ja || names.en);
  return name || fallback;
}

// The name of a row's key as people read it.
function keyName(groupBy, row) {
  const key = row.key;
  if (groupBy === "intent") return t(`intent.${key}`) === `intent.${key}` ? key : t(`intent.${key}`);
  if (groupBy === "desk" && (key === "bot" || key === "unrouted")) return t(`rep.desk.${key}`);
  if (groupBy === "shop" && key === "platform") return t("rep.platform");
  if (groupBy === "agent" && key === "unassigned") return t("rep.unassigned");
  if (groupBy === "channel") return t(`rep.channel.${key}`) === `rep.channel.${key}` ? key : t(`rep.channel.${key}`);
  if (groupBy === "language") return t(`rep.lang.${key}`) === `rep.lang.${key}` ? key : t(`rep.lang.${key}`);
  if (groupBy === "desk" && !row.label && deskNames.has(key)) return label(deskNames.get(key), key);
  return label(row.label, key);
}

function deskName(id) {
  if (!id) return DASH;
  if (id === "bot" || id === "unrouted") return t(`rep.desk.${id}`);
  return deskNames.has(id) ? label(deskNames.get(id), id) : id;
}

function shopName(id) {
  if (!id) return DASH;
  return knownShops.has(id) ? label(knownShops.get(id), id) : id;
}

// --- the state in the address bar ------------------------------------------------------------------------

function readState() {
  const params = new URLSearchParams(location.search);
  const to = ISO_DATE.test(params.get("to") || "") ? params.get("to") : todayInTokyo();
  const from = ISO_DATE.test(params.get("from") || "") ? params.get("from") : addDays(to, -29);
  const state = { from, to };
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) state[name] = value;
  }
  // A shop's staff see their own shop's numbers: the server narrows, and another shop would be refused.
  if (me && me.role === "shop_agent") delete state.shop;
  return state;
}

function writeState(state, push) {
  const params = new URLSearchParams(location.search);
  for (const name of ["from", "to", ...FILTERS]) {
    if (state[name]) params.set(name, state[name]);
    else params.delete(name);
  }
  const url = `${location.pathname}?${params}`;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

function query(state, extra = {}) {
  const params = new URLSearchParams({ from: state.from, to: state.to, tz: TZ });
  for (const name of FILTERS) if (state[name]) params.set(name, state[name]);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  return params.toString();
}

// --- requests --------------------------------------------------------------------------------------------

class RequestFailed extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function getJson(path) {
  let answer;
  try {
    answer = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch (_) {
    throw new RequestFailed(0, t("rep.offline"));
  }
  const body = await answer.json().catch(() => null);
  if (!answer.ok) throw new RequestFailed(answer.status, body && body.message ? body.message : `HTTP ${answer.status}`);
  return body;
}

const summary = (state, groupBy) => getJson(`${API}/summary?${query(state, groupBy ? { group_by: groupBy } : {})}`);
// Several groupings counted in one pass; each is handed on in the summary's shape.
const overview = (state, groupBys) => getJson(`${API}/overview?${query(state, { group_by: groupBys.join(",") })}`);
const grouped = (answer, groupBy) => ({ ...answer, group_by: groupBy, rows: answer.groups[groupBy] });
const distribution = (state, metric) => getJson(`${API}/distribution?${query(state, { metric })}`);
const ratings = (state) => getJson(`${API}/ratings?${query(state, { limit: String(RATINGS_LIMIT) })}`);

function staffing(state) {
  const params = new URLSearchParams({ weeks: "4" });
  if (state.desk) params.set("desk", state.desk);
  return getJson(`${API}/staffing?${params}`);
}

function once(make) {
  let promise = null;
  return () => (promise ||= make());
}

// --- sections --------------------------------------------------------------------------------------------

function setSectionState(section, state, ...content) {
  section.dataset.state = state;
  section.setAttribute("aria-busy", state === "loading" ? "true" : "false");
  section.querySelector(".section-state").replaceChildren(...content);
}

function showLoading(section) {
  setSectionState(section, "loading", el("span", { class: "spinner", "aria-hidden": "true" }), t("rep.loading"));
}

async function runSection(spec, state, shared) {
  const run = generation;
  const section = $(spec.id);
  showLoading(section);
  let data;
  try {
    data = await spec.fetch(state, shared);
  } catch (error) {
    if (run !== generation) return;
    if (error.status === 401) { showLogin(); return; }
    if (error.status === 403) { showRefusal(); return; }
    spec.clear();
    if (spec.optional && error.status === 404) {
      setSectionState(section, "unavailable", el("p", { class: "unavailable" }, t(spec.optional)));
      return;
    }
    setSectionState(section, "error", el("p", { class: "error", role: "alert" }, t("rep.failed", { message: error.message }), " ",
      el("button", { type: "button", class: "ghost", onclick: () => runSection(spec, state, sharedRequests(state)) }, t("rep.retry"))));
    return;
  }
  if (run !== generation) return;
  const empty = spec.render(data, state);
  setSectionState(section, "ready", empty ? el("p", { class: "empty-note" }, t("rep.noData")) : "");
  performance.mark(`reports:${spec.id}`);
}

function sharedRequests(state) {
  const rest = once(() => overview(state, ["intent", "agent", "shop", "desk"]));
  return {
    day: once(() => summary(state, "day")),
    by: (groupBy) => rest().then((answer) => grouped(answer, groupBy)),
  };
}

const SECTIONS = [
  { id: "sec-kpis", fetch: (state, shared) => shared.day(), render: renderKpis, clear: () => $("kpis").replaceChildren() },
  { id: "sec-volume", fetch: (state, shared) => shared.day(), render: renderVolume, clear: () => clearChart("chart-volume", "table-volume") },
  // The second wave: everything below the first screen, asked as soon as the first wave is in (on a busy
  // server every request shares the same CPUs: what is seen first is counted first).
  { id: "sec-intents", wave: 2, fetch: (state, shared) => shared.by("intent"), render: renderIntents, clear: () => clearChart("chart-intents", "table-intents") },
  {
    id: "sec-distributions",
    fetch: (state) => Promise.all([distribution(state, "first_response_s"), distribution(state, "wait_s")]),
    render: renderDistributions,
    clear: () => { clearChart("chart-first-response", "table-distributions"); clearChart("chart-wait"); },
  },
  { id: "sec-agents", wave: 2, fetch: (state, shared) => shared.by("agent"), render: renderAgents, clear: () => $("table-agents").replaceChildren() },
  { id: "sec-shops", wave: 2, fetch: (state, shared) => shared.by("shop"), render: renderShops, clear: () => $("table-shops").replaceChildren() },
  { id: "sec-desks", wave: 2, fetch: (state, shared) => shared.by("desk"), render: renderDesks, clear: () => $("table-desks").replaceChildren() },
  {
    id: "sec-csat",
    wave: 2,
    fetch: (state, shared) => Promise.all([shared.day(), ratings(state)]),
    render: renderCsat,
    clear: () => { $("table-csat").replaceChildren(); $("csat-summary").textContent = ""; },
  },
  {
    id: "sec-staffing",
    wave: 2,
    fetch: (state) => staffing(state),
    render: renderStaffing,
    clear: () => {
      noChart("chart-staffing");
      $("table-staffing").replaceChildren();
      $("staffing-summary").textContent = "";
      $("staffing-desk").replaceChildren();
      $("staffing-desk").closest(".staffing-pick").hidden = true;
    },
    optional: "rep.staffingUnavailable",
  },
];

function load(state) {
  generation += 1;
  updateCsvLinks(state);
  updateScope(state);
  const shared = sharedRequests(state);
  const run = generation;
  // The sections of each wave ask at once, and each draws as soon as its own answer is in.
  const wave = (number) => Promise.allSettled(SECTIONS.filter((spec) => (spec.wave || 1) === number)
    .map((spec) => runSection(spec, state, shared)));
  for (const spec of SECTIONS) if (spec.wave === 2) showLoading($(spec.id));
  wave(1)
    .then(() => (run === generation ? wave(2) : null))
    .then(() => {
      if (run !== generation) return;
      document.body.dataset.loaded = String(run);
      performance.mark("reports:loaded");
    });
}

// --- charts ----------------------------------------------------------------------------------------------

const CHARTS_SCRIPT = "/assets/charts/plotly.min.js";
let chartsReady = null; // resolves to whether plotly.js is there
const pendingCharts = new Map(); // chart node -> the drawing asked for before plotly.js was ready

function loadCharts() {
  chartsReady ||= new Promise((resolve) => {
    if (window.Plotly) { resolve(true); return; }
    const script = el("script", { src: CHARTS_SCRIPT, async: true });
    script.addEventListener("load", () => resolve(Boolean(window.Plotly)));
    script.addEventListener("error", () => resolve(false));
    document.head.append(script);
  });
  return chartsReady;
}

function layout(extra = {}) {
  return {
    font: { family: FONT, size: 12, color: "#222" },
    margin: { l: 56, r: 24, t: 8, b: 44 },
    paper_bgcolor: "#fff",
    plot_bgcolor: "#fff",
    hoverlabel: { font: { family: FONT } },
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", traceorder: "normal" },
    ...extra,
  };
}

// Draws into `node`, which is an image to assistive technology (its label says what it shows); the table of
// the same numbers beside it is the text alternative. Without plotly.js the tables are opened instead.
function draw(node, traces, chartLayout, description) {
  node.setAttribute("role", "img");
  node.setAttribute("aria-label", description);
  node.classList.remove("no-data");
  if (!window.Plotly) {
    // Drawn once plotly.js has loaded (the latest drawing asked for each chart), or replaced by the table.
    const waiting = pendingCharts.size > 0;
    pendingCharts.set(node, [traces, chartLayout, description]);
    if (!waiting) {
      loadCharts().then((loaded) => {
        const asked = [...pendingCharts];
        pendingCharts.clear();
        for (const [chart, args] of asked) {
          if (loaded) draw(chart, ...args);
          else chartMissing(chart);
        }
      });
    }
    return;
  }
  window.Plotly.react(node, traces, chartLayout, CONFIG);
}

function chartMissing(node) {
  node.classList.add("missing");
  node.replaceChildren(el("p", { class: "chart-missing" }, t("rep.chartsMissing")));
  const details = node.closest("section").querySelector("details");
  if (details) details.open = true;
}

function clearChart(chartId, tableId) {
  const node = $(chartId);
  pendingCharts.delete(node);
  if (window.Plotly && node.classList.contains("js-plotly-plot")) window.Plotly.purge(node);
  node.replaceChildren();
  node.removeAttribute("aria-label");
  if (tableId) $(tableId).replaceChildren();
}

function noChart(chartId) {
  clearChart(chartId);
  $(chartId).classList.add("no-data");
}

// --- tables ----------------------------------------------------------------------------------------------

// columns: [{label, cell(row) -> text or node, num?}]; the first column names the row (a row header).
function table(caption, columns, rows, { total = null, rowClass = () => null, key = (row) => row.key } = {}) {
  const cells = (row) => columns.map((column, index) => {
    const value = column.cell(row);
    if (index === 0) return el("th", { scope: "row" }, value);
    const classes = [column.num ? "num" : "", column.bad && column.bad(row) ? "bad" : ""].join(" ").trim();
    return el("td", { class: classes || null }, value);
  });
  const body = rows.length
    ? rows.map((row) => el("tr", { class: rowClass(row), dataset: { key: String(key(row)) } }, ...cells(row)))
    : [el("tr", {}, el("td", { colspan: String(columns.length), class: "none" }, t("rep.noData")))];
  return el("table", { class: "data" },
    el("caption", { class: "visually-hidden" }, caption),
    el("thead", {}, el("tr", {}, ...columns.map((column) => el("th", { scope: "col", class: column.num ? "num" : null }, heading(column.label))))),
    el("tbody", {}, ...body),
    total ? el("tfoot", {}, el("tr", { dataset: { key: "total" } }, ...cells(total))) : null);
}

// A column's heading, with what kind of figure it is on a line of its own: 「初回応答」「中央値」.
function heading(text) {
  const match = /^(.+?)[（(](.+)[）)]$/.exec(text);
  return match ? [match[1], el("span", { class: "sub" }, match[2])] : text;
}

const totalRow = (report) => ({ ...report.totals, key: "total", total: true });
const nameCell = (groupBy) => (row) => (row.total ? t("rep.total") : keyName(groupBy, row));
const csatCell = (row) => (row.csat.responses ? t("rep.csatCell", { mean: score(row.csat.mean), n: count(row.csat.responses) }) : DASH);

// --- rendering -------------------------------------------------------------------------------------------

function renderKpis(report) {
  const total = report.totals;
  const tiles = [
    ["conversations", total.conversations, null, count(total.conversations),
      t("kpi.conversationsNote", { bot: count(total.bot_resolved), handed: count(total.handed_over) })],
    ["containment", total.containment, null, share(total.containment), t("kpi.containmentNote")],
    ["service_level_60s", total.service_level_60s, null, share(total.service_level_60s), t("kpi.serviceLevelNote")],
    ["first_response", total.first_response_s.p50, total.first_response_s.p90, duration(total.first_response_s.p50),
      t("kpi.p90", { value: duration(total.first_response_s.p90) })],
    ["wait", total.wait_s.p50, total.wait_s.p90, duration(total.wait_s.p50), t("kpi.p90", { value: duration(total.wait_s.p90) })],
    ["handle", total.handle_s.mean, null, duration(total.handle_s.mean), t("kpi.handleNote")],
    ["resolution", total.resolution_s.p50, total.resolution_s.p90, duration(total.resolution_s.p50),
      t("kpi.p90", { value: duration(total.resolution_s.p90) })],
    ["sla", total.sla_met, total.sla_breached, `${count(total.sla_met)} / ${count(total.sla_breached)}`, t("kpi.slaNote")],
    ["csat", total.csat.mean, total.csat.responses, score(total.csat.mean), t("kpi.csatNote", { n: count(total.csat.responses) })],
    ["reopen_rate", total.reopen_rate, total.reopened, share(total.reopen_rate), t("kpi.reopenNote", { n: count(total.reopened) })],
  ];
  $("kpis").replaceChildren(...tiles.map(([key, value, secondary, text, note]) => el("div", {
    class: `kpi${key === "sla" && total.sla_breached > 0 ? " warn" : ""}`,
    dataset: { kpi: key, value: JSON.stringify(value ?? null), secondary: JSON.stringify(secondary ?? null) },
  }, el("dt", {}, t(`kpi.${key}`)), el("dd", { class: "kpi-value" }, text), el("dd", { class: "kpi-note" }, note))));
  return total.conversations === 0;
}

function renderVolume(report) {
  const rows = report.rows;
  const days = rows.map((row) => row.key);
  const ongoing = rows.map((row) => Math.max(0, row.conversations - row.bot_resolved - row.handed_over));
  const node = $("chart-volume");
  if (report.totals.conversations === 0) {
    noChart("chart-volume");
  } else {
    const traces = [
      { type: "bar", name: t("rep.botResolved"), x: days, y: rows.map((row) => row.bot_resolved), marker: { color: COLOR.bot },
        hovertemplate: `%{y}${t("rep.unitConversations")}<extra>${t("rep.botResolved")}</extra>` },
      { type: "bar", name: t("rep.handedOver"), x: days, y: rows.map((row) => row.handed_over), marker: { color: COLOR.handed },
        hovertemplate: `%{y}${t("rep.unitConversations")}<extra>${t("rep.handedOver")}</extra>` },
    ];
    if (ongoing.some((value) => value > 0)) {
      traces.push({ type: "bar", name: t("rep.ongoing"), x: days, y: ongoing, marker: { color: COLOR.ongoing },
        hovertemplate: `%{y}${t("rep.unitConversations")}<extra>${t("rep.ongoing")}</extra>` });
    }
    traces.push({ type: "scatter", mode: "lines+markers", name: t("rep.serviceLevel"), x: days,
      y: rows.map((row) => row.service_level_60s), yaxis: "y2", line: { color: COLOR.line, width: 2 }, marker: { size: 5 },
      hovertemplate: `%{y:.0%}<extra>${t("rep.serviceLevel")}</extra>` });
    const every = Math.max(1, Math.ceil(days.length / 15));
    draw(node, traces, layout({
      barmode: "stack",
      hovermode: "x unified",
      margin: { l: 56, r: 64, t: 8, b: 44 },
      xaxis: { type: "date", tick0: days[0], dtick: every * DAY_MS, range: [`${addDays(days[0], -1)} 12:00`, `${days[days.length - 1]} 12:00`], tickformat: lang === "ja" ? "%-m/%-d" : "%-d %b",
        hoverformat: "%Y-%m-%d", showgrid: false },
      yaxis: { title: { text: t("rep.axisConversations") }, rangemode: "tozero", gridcolor: "#eee" },
      yaxis2: { title: { text: t("rep.axisServiceLevel") }, overlaying: "y", side: "right", range: [0, 1.02],
        tickmode: "array", tickvals: [0, 0.25, 0.5, 0.75, 1], tickformat: ".0%", showgrid: false, zeroline: false },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", traceorder: "normal" },
    }), t("rep.volumeAlt", { days: count(days.length), n: count(report.totals.conversations), sl: share(report.totals.service_level_60s) }));
  }
  $("table-volume").replaceChildren(table(t("rep.volume"), [
    { label: t("col.day"), cell: (row) => (row.total ? t("rep.total") : shortDay(row.key)) },
    { label: t("col.conversations"), cell: (row) => count(row.conversations), num: true },
    { label: t("rep.botResolved"), cell: (row) => count(row.bot_resolved), num: true },
    { label: t("rep.handedOver"), cell: (row) => count(row.handed_over), num: true },
    { label: t("col.sl60"), cell: (row) => share(row.service_level_60s), num: true },
    { label: t("col.frP50"), cell: (row) => duration(row.first_response_s.p50), num: true },
  ], rows, { total: totalRow(report) }));
  return report.totals.conversations === 0;
}

function renderIntents(report) {
  const decided = (row) => row.bot_resolved + row.handed_over;
  const rows = report.rows.filter((row) => decided(row) > 0).slice(0, TOP_INTENTS);
  const node = $("chart-intents");
  if (!rows.length) {
    noChart("chart-intents");
  } else {
    const names = rows.map((row) => keyName("intent", row));
    node.style.height = `${Math.max(220, 56 + rows.length * 30)}px`;
    draw(node, [{
      type: "bar", orientation: "h", y: names, x: rows.map((row) => row.containment ?? 0),
      text: rows.map((row) => t("rep.containmentCell", { share: share(row.containment), bot: count(row.bot_resolved), of: count(decided(row)) })),
      textposition: rows.map((row) => ((row.containment ?? 0) > 0.55 ? "inside" : "outside")), insidetextanchor: "end",
      cliponaxis: false, marker: { color: COLOR.bot },
      hovertemplate: `%{y}: %{text}<extra></extra>`,
    }], layout({
      showlegend: false,
      margin: { l: 8, r: 24, t: 8, b: 40 },
      xaxis: { range: [0, 1], tickformat: ".0%", gridcolor: "#eee", title: { text: t("col.containment") } },
      yaxis: { autorange: "reversed", automargin: true },
    }), t("rep.intentsAlt", { n: count(rows.length) }));
  }
  $("table-intents").replaceChildren(table(t("rep.intents"), [
    { label: t("col.intent"), cell: nameCell("intent") },
    { label: t("col.conversations"), cell: (row) => count(row.conversations), num: true },
    { label: t("rep.botResolved"), cell: (row) => count(row.bot_resolved), num: true },
    { label: t("rep.handedOver"), cell: (row) => count(row.handed_over), num: true },
    { label: t("col.containment"), cell: (row) => share(row.containment), num: true },
  ], report.rows.filter((row) => row.conversations > 0), { total: totalRow(report) }));
  return report.rows.every((row) => row.conversations === 0);
}

function renderDistributions([firstResponse, wait]) {
  const labels = firstResponse.buckets.map(bucketLabel);
  const bars = (spread, chartId, color, title) => {
    if (!spread.count) { noChart(chartId); return; }
    draw($(chartId), [{
      type: "bar", x: labels, y: spread.buckets.map((bucket) => bucket.count), marker: { color },
      text: spread.buckets.map((bucket) => (bucket.count ? count(bucket.count) : "")), textposition: "outside", cliponaxis: false,
      hovertemplate: `%{x}: %{y}${t("rep.unitConversations")}<extra></extra>`,
    }], layout({
      showlegend: false,
      margin: { l: 44, r: 12, t: 16, b: 64 },
      xaxis: { type: "category", tickangle: -40 },
      yaxis: { rangemode: "tozero", gridcolor: "#eee", title: { text: t("rep.axisConversations") } },
    }), t("rep.distributionAlt", { what: title, n: count(spread.count) }));
  };
  bars(firstResponse, "chart-first-response", COLOR.bars, t("rep.firstResponseDist"));
  bars(wait, "chart-wait", COLOR.wait, t("rep.waitDist"));
  const rows = firstResponse.buckets.map((bucket, index) => ({
    key: labels[index], first: bucket.count, wait: wait.buckets[index] ? wait.buckets[index].count : null,
  }));
  $("table-distributions").replaceChildren(table(t("rep.distributions"), [
    { label: t("col.range"), cell: (row) => (row.total ? t("rep.total") : row.key) },
    { label: t("rep.firstResponseDist"), cell: (row) => count(row.first), num: true },
    { label: t("rep.waitDist"), cell: (row) => count(row.wait), num: true },
  ], rows, { total: { key: "total", total: true, first: firstResponse.count, wait: wait.count } }));
  localCsv.distributions = {
    name: "distributions",
    header: ["from_s", "to_s", "label", "first_response_s", "wait_s"],
    rows: firstResponse.buckets.map((bucket, index) => [bucket.from_s, bucket.to_s ?? "", labels[index], bucket.count,
      wait.buckets[index] ? wait.buckets[index].count : ""]),
  };
  refreshLocalCsv("distributions");
  return !firstResponse.count && !wait.count;
}

function renderAgents(report) {
  $("table-agents").replaceChildren(table(t("rep.agents"), [
    { label: t("col.agent"), cell: nameCell("agent") },
    { label: t("col.conversations"), cell: (row) => count(row.conversations), num: true },
    { label: t("col.frP50"), cell: (row) => duration(row.first_response_s.p50), num: true },
    { label: t("col.handleMean"), cell: (row) => duration(row.handle_s.mean), num: true },
    { label: t("col.csat"), cell: csatCell, num: true },
  ], report.rows.filter((row) => row.conversations > 0), { total: totalRow(report) }));
  return report.totals.conversations === 0;
}

function renderShops(report) {
  for (const row of report.rows) {
    if (row.key !== "platform") knownShops.set(row.key, row.label || { ja: row.key, en: row.key });
  }
  fillShopOptions($("f-shop").value); // what is chosen in the form stays chosen
  updateScope(readState());
  const kept = (row) => {
    const judged = row.shop_promise.met + row.shop_promise.breached;
    return judged ? row.shop_promise.met / judged : null;
  };
  $("table-shops").replaceChildren(table(t("rep.shops"), [
    { label: t("col.shop"), cell: nameCell("shop") },
    { label: t("col.conversations"), cell: (row) => count(row.conversations), num: true },
    { label: t("col.promiseKept"), cell: (row) => count(row.shop_promise.met), num: true },
    { label: t("col.promiseMissed"), cell: (row) => count(row.shop_promise.breached), num: true, bad: (row) => row.shop_promise.breached > 0 },
    { label: t("col.promiseRate"), cell: (row) => share(kept(row)), num: true },
    { label: t("col.frP50"), cell: (row) => duration(row.first_response_s.p50), num: true },
    { label: t("col.csat"), cell: csatCell, num: true },
  ], report.rows.filter((row) => row.conversations > 0), { total: totalRow(report) }));
  return report.totals.conversations === 0;
}

function renderDesks(report) {
  $("table-desks").replaceChildren(table(t("rep.desks"), [
    { label: t("col.desk"), cell: nameCell("desk") },
    { label: t("col.conversations"), cell: (row) => count(row.conversations), num: true },
    { label: t("rep.botResolved"), cell: (row) => count(row.bot_resolved), num: true },
    { label: t("rep.handedOver"), cell: (row) => count(row.handed_over), num: true },
    { label: t("col.containment"), cell: (row) => share(row.containment), num: true },
    { label: t("col.sl60"), cell: (row) => share(row.service_level_60s), num: true },
    { label: t("col.frP50"), cell: (row) => duration(row.first_response_s.p50), num: true },
    { label: t("col.waitP50"), cell: (row) => duration(row.wait_s.p50), num: true },
    { label: t("col.slaMet"), cell: (row) => count(row.sla_met), num: true },
    { label: t("col.slaBreached"), cell: (row) => count(row.sla_breached), num: true, bad: (row) => row.sla_breached > 0 },
    { label: t("col.csat"), cell: csatCell, num: true },
  ], report.rows.filter((row) => row.conversations > 0), { total: totalRow(report) }));
  return report.totals.conversations === 0;
}

let shownRatings = [];

function renderCsat([day, found]) {
  const csat = day.totals.csat;
  shownRatings = found.ratings;
  $("csat-summary").textContent = csat.responses
    ? t("rep.csatSummary", { mean: score(csat.mean), n: count(csat.responses), low: count(csat.low ?? 0) })
    : t("rep.csatNone");
  drawRatings();
  return false; // the summary says when there is none
}

function drawRatings() {
  if (!shownRatings.length) {
    $("table-csat").replaceChildren();
    delete localCsv.ratings;
    return;
  }
  const lowOnly = $("low-only").checked;
  const rows = shownRatings.filter((rating) => !lowOnly || rating.score <= 2);
  const stars = (value) => `${"★".repeat(value)}${"☆".repeat(Math.max(0, 5 - value))}`;
  $("table-csat").replaceChildren(table(t("rep.csat"), [
    { label: t("col.date"), cell: (rating) => el("time", { datetime: rating.at }, formatTime(rating.at, lang)) },
    { label: t("col.score"), cell: (rating) => el("span", { class: "score" },
      el("span", { class: "stars", "aria-hidden": "true" }, stars(rating.score)), ` ${rating.score}`,
      rating.score <= 2 ? el("span", { class: "badge low-badge" }, t("rep.low")) : null) },
    { label: t("col.comment"), cell: (rating) => (rating.comment ? rating.comment : el("span", { class: "muted" }, t("rep.noComment"))) },
    { label: t("col.desk"), cell: (rating) => deskName(rating.desk) },
    { label: t("col.shop"), cell: (rating) => (rating.shop_id ? shopName(rating.shop_id) : t("rep.platform")) },
    { label: t("col.agent"), cell: (rating) => rating.agent || DASH },
  ], rows, { rowClass: (rating) => (rating.score <= 2 ? "low" : null), key: (rating) => rating.conversation_id }));
  const more = shownRatings.length >= RATINGS_LIMIT ? el("p", { class: "panel-note" }, t("rep.ratingsLimit", { n: count(RATINGS_LIMIT) })) : null;
  if (more) $("table-csat").append(more);
  localCsv.ratings = {
    name: "ratings",
    header: ["at", "score", "comment", "desk", "shop", "agent", "intent", "language", "via"],
    rows: rows.map((rating) => [rating.at, rating.score, rating.comment ?? "", rating.desk ?? "", rating.shop_id ?? "",
      rating.agent ?? "", rating.intent ?? "", rating.language ?? "", rating.via ?? ""]),
  };
  refreshLocalCsv("ratings");
}

let staffingPlan = null;

function renderStaffing(plan) {
  staffingPlan = plan;
  const desks = plan.desks || [];
  $("staffing-summary").textContent = t("rep.staffingSummary", {
    week: longDay(plan.week_of), weeks: count(plan.weeks_of_history),
    sl: share(plan.target && plan.target.service_level), within: duration(plan.target && plan.target.within_s),
  });
  $("staffing-desk").closest(".staffing-pick").hidden = !desks.length;
  if (!desks.length) {
    noChart("chart-staffing");
    $("table-staffing").replaceChildren();
    $("staffing-desk").replaceChildren();
    return true;
  }
  const traces = desks.map((desk, index) => ({
    type: "bar", name: label(desk.label, desk.desk),
    x: desk.hours.map((hour) => `${hour.date}T${String(hour.hour).padStart(2, "0")}:00`),
    y: desk.hours.map((hour) => (hour.open ? hour.agents : 0)),
    marker: { color: COLOR.desks[index % COLOR.desks.length] },
    hovertemplate: `%{y}${t("rep.unitPeople")}<extra>${label(desk.label, desk.desk)}</extra>`,
  }));
  const dates = [...new Set(desks.flatMap((desk) => desk.hours.map((hour) => hour.date)))].sort();
  draw($("chart-staffing"), traces, layout({
    barmode: "stack", bargap: 0.05,
    hovermode: "x unified",
    // Each day named under its middle, with its weekday; a line between the days.
    xaxis: { type: "date", tickmode: "array", tickvals: dates.map((date) => `${date} 12:00`), ticktext: dates.map(shortDay),
      hoverformat: "%-m/%-d %H:00", showgrid: false },
    shapes: dates.slice(1).map((date) => ({ type: "line", xref: "x", yref: "paper", x0: date, x1: date, y0: 0, y1: 1,
      line: { color: "#ccc", width: 1 } })),
    yaxis: { title: { text: t("rep.axisAgents") }, rangemode: "tozero", gridcolor: "#eee" },
  }), t("rep.staffingAlt", { n: count(desks.length), week: longDay(plan.week_of) }));
  const pick = $("staffing-desk");
  const wanted = pick.value;
  pick.replaceChildren(...desks.map((desk) => el("option", { value: desk.desk }, label(desk.label, desk.desk))));
  pick.value = desks.some((desk) => desk.desk === wanted) ? wanted : desks[0].desk;
  drawStaffingTable();
  localCsv.staffing = {
    name: `staffing-${plan.week_of}`,
    header: ["desk", "date", "hour", "open", "peak_arrivals_per_hour", "agents"],
    rows: desks.flatMap((desk) => desk.hours.map((hour) => [desk.desk, hour.date, hour.hour, hour.open ? 1 : 0,
      hour.peak_arrivals_per_hour ?? "", hour.agents ?? ""])),
  };
  refreshLocalCsv("staffing");
  return false;
}

function drawStaffingTable() {
  if (!staffingPlan) return;
  const desk = staffingPlan.desks.find((entry) => entry.desk === $("staffing-desk").value);
  if (!desk) return;
  const dates = [...new Set(desk.hours.map((hour) => hour.date))].sort();
  const at = new Map(desk.hours.map((hour) => [`${hour.date} ${hour.hour}`, hour]));
  const hours = [...new Set(desk.hours.map((hour) => hour.hour))].sort((a, b) => a - b);
  const name = label(desk.label, desk.desk);
  const facts = el("p", { class: "panel-note" }, t("rep.staffingDesk", {
    desk: name, handle: duration(desk.handle_s), arrivals: count(desk.arrivals_per_week), peak: count(desk.peak_agents),
  }));
  const grid = el("table", { class: "data staffing" },
    el("caption", { class: "visually-hidden" }, `${t("rep.staffing")}: ${name}`),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("col.hour")),
      ...dates.map((date) => el("th", { scope: "col", class: "num" }, shortDay(date))))),
    el("tbody", {}, ...hours.map((hour) => el("tr", { dataset: { key: String(hour) } },
      el("th", { scope: "row" }, `${String(hour).padStart(2, "0")}:00`),
      ...dates.map((date) => {
        const slot = at.get(`${date} ${hour}`);
        if (!slot || !slot.open) return el("td", { class: "num closed" }, t("rep.closed"));
        // Shaded by how many are needed against the desk's peak (the number is always there as text).
        const level = desk.peak_agents > 0 ? Math.round((4 * (slot.agents || 0)) / desk.peak_agents) : 0;
        return el("td", { class: `num heat-${level}${slot.agents === desk.peak_agents && slot.agents > 0 ? " peak" : ""}` }, count(slot.agents));
      })))));
  $("table-staffing").replaceChildren(facts, grid);
}

// --- CSV -------------------------------------------------------------------------------------------------

function updateCsvLinks(state) {
  for (const link of document.querySelectorAll("a.csv[data-csv]")) {
    const groupBy = link.dataset.csv;
    link.href = `${API}/summary?${query(state, groupBy === "total" ? { format: "csv" } : { group_by: groupBy, format: "csv" })}`;
    link.removeAttribute("download"); // the server names the file (Content-Disposition)
  }
  for (const link of document.querySelectorAll("a.csv[data-csv-local]")) {
    link.removeAttribute("href");
    link.setAttribute("aria-disabled", "true");
  }
}

// A cell a spreadsheet would run as a formula is quoted, as the server's CSV does.
function csvCell(value) {
  let text = String(value ?? "");
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvUrls = {};

function refreshLocalCsv(name) {
  const data = localCsv[name];
  const link = document.querySelector(`a.csv[data-csv-local="${name}"]`);
  if (!data || !link) return;
  const state = readState();
  const text = [data.header, ...data.rows].map((row) => row.map(csvCell).join(",")).join("\r\n");
  if (csvUrls[name]) URL.revokeObjectURL(csvUrls[name]);
  // With a byte order mark, as the server's: Excel in Japan reads it as UTF-8.
  csvUrls[name] = URL.createObjectURL(new Blob(["\ufeff", text, "\r\n"], { type: "text/csv;charset=utf-8" }));
  link.href = csvUrls[name];
  link.download = `madoguchi-report-${state.from}-${state.to}-${data.name}.csv`;
  link.removeAttribute("aria-disabled");
}

// --- the page around the numbers ------------------------------------------------------------------------

function translatePage() {
  document.documentElement.lang = lang;
  document.title = `${t("rep.title")} — Madoguchi`;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const link of document.querySelectorAll("a.csv")) {
    const title = link.closest("section").querySelector("h2").textContent;
    link.setAttribute("aria-label", t("rep.csvOf", { what: title }));
    link.title = t("rep.csvOf", { what: title });
  }
  $("ui-language").value = lang;
}

function showRefusal() {
  generation += 1;
  $("report").hidden = true;
  $("login-needed").hidden = true;
  $("refused").hidden = false;
}

function showLogin() {
  generation += 1;
  $("report").hidden = true;
  $("refused").hidden = true;
  $("login-needed").hidden = false;
  $("login-link").href = `/console?next=${encodeURIComponent(location.pathname + location.search)}`;
}

function option(value, text) { return el("option", { value }, text); }

function fillSelect(select, allKey, values, selected) {
  const options = [option("", t(allKey)), ...values.map(([value, text]) => option(value, text))];
  if (selected && !values.some(([value]) => value === selected)) options.push(option(selected, selected));
  select.replaceChildren(...options);
  select.value = selected || "";
}

function fillShopOptions(selected) {
  const shops = [...knownShops.entries()].map(([id, names]) => [id, label(names, id)]).sort((a, b) => a[1].localeCompare(b[1], locale));
  fillSelect($("f-shop"), "rep.allShops", shops, selected);
}

function fillForm(state) {
  $("f-from").value = state.from;
  $("f-to").value = state.to;
  fillSelect($("f-desk"), "rep.allDesks", [...deskNames.entries()].map(([id, names]) => [id, label(names, id)]), state.desk);
  fillSelect($("f-channel"), "rep.allChannels", CHANNELS.map((id) => [id, t(`rep.channel.${id}`)]), state.channel);
  fillSelect($("f-language"), "rep.allLanguages", LANGUAGES.map((id) => [id, t(`rep.lang.${id}`)]), state.language);
  fillShopOptions(state.shop);
  for (const button of document.querySelectorAll(".quick button")) {
    const days = Number(button.dataset.days);
    button.setAttribute("aria-pressed", String(state.to === todayInTokyo() && daysBetween(state.from, state.to) === days));
  }
}

function formState() {
  const state = { from: $("f-from").value, to: $("f-to").value };
  for (const name of FILTERS) {
    const value = $(`f-${name}`).value;
    if (value) state[name] = value;
  }
  if (me.role === "shop_agent") delete state.shop;
  return state;
}

function checkRange(state) {
  if (!ISO_DATE.test(state.from) || !ISO_DATE.test(state.to)) return t("rep.badDates");
  if (state.from > state.to) return t("rep.fromAfterTo");
  if (daysBetween(state.from, state.to) > MAX_DAYS) return t("rep.tooLong", { n: MAX_DAYS });
  return "";
}

function apply(state, push) {
  const problem = checkRange(state);
  $("filters-error").textContent = problem;
  if (problem) return;
  writeState(state, push);
  fillForm(state);
  load(state);
}

function updateScope(state) {
  const parts = [t("rep.period", { from: longDay(state.from), to: longDay(state.to) })];
  if (me.role === "shop_agent") parts.push(t("rep.ownShopOnly", { shop: shopName(me.shop_id) }));
  else if (state.shop) parts.push(t("rep.oneShop", { shop: shopName(state.shop) }));
  $("scope").textContent = parts.join(" · ");
}

async function loadDesks(state) {
  try {
    for (const desk of await getJson("/api/v1/desks")) deskNames.set(desk.id, { ja: desk.name_ja, en: desk.name_en });
  } catch (_) {
    return; // the filter still offers "all desks" and whatever the address asked for
  }
  fillSelect($("f-desk"), "rep.allDesks", [...deskNames.entries()].map(([id, names]) => [id, label(names, id)]),
    $("f-desk").value || state.desk);
}

async function loadShopNames(state) {
  // A view of one shop still offers the others: their names come from the period's shops.
  try {
    const report = await summary({ from: state.from, to: state.to }, "shop");
    for (const row of report.rows) if (row.key !== "platform") knownShops.set(row.key, row.label || { ja: row.key, en: row.key });
    fillShopOptions($("f-shop").value);
    updateScope(readState());
  } catch (_) { /* the options keep what is known */ }
}

function bindControls() {
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    apply(formState(), true);
  });
  for (const button of document.querySelectorAll(".quick button")) {
    button.addEventListener("click", () => {
      const to = todayInTokyo();
      $("f-to").value = to;
      $("f-from").value = addDays(to, 1 - Number(button.dataset.days));
      apply(formState(), true);
    });
  }
  $("low-only").addEventListener("change", drawRatings);
  $("staffing-desk").addEventListener("change", drawStaffingTable);
  for (const link of document.querySelectorAll("a.csv[data-csv-local]")) {
    link.addEventListener("click", (event) => { if (!link.getAttribute("href")) event.preventDefault(); });
  }
  window.addEventListener("popstate", () => {
    const state = readState();
    fillForm(state);
    load(state);
  });
  $("ui-language").addEventListener("change", (event) => {
    localStorage.setItem("madoguchi.lang", event.target.value);
    const params = new URLSearchParams(location.search);
    params.delete("lang");
    location.replace(`${location.pathname}?${params}`);
  });
}

async function start() {
  translatePage();
  bindControls();
  try {
    me = (await getJson("/api/v1/auth/session")).agent;
  } catch (error) {
    if (error.status === 401) showLogin();
    else $("page-note").textContent = t("rep.failed", { message: error.message });
    return;
  }
  $("me").textContent = me.name;
  if (!READERS.includes(me.role)) { showRefusal(); return; }
  $("report").hidden = false;
  $("f-shop-field").hidden = me.role === "shop_agent";
  const state = readState();
  fillForm(state);
  writeState(state, false);
  loadDesks(state);
  if (state.shop) loadShopNames(state);
  apply(state, false);
  loadCharts();
}

start();
