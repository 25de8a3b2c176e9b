import { el } from "./composer.js";

// Trust & safety's queue of customers' reports: the analysis of each item, and the decision. Everything
// shown is set as text: reports are written by anyone, so nothing in them may become markup.
let csrf = "";
const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const headers = { "Content-Type": "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const answer = await fetch(path, { credentials: "same-origin", ...options, headers });
  const body = answer.status === 204 ? null : await answer.json().catch(() => null);
  if (answer.status === 401) { location.href = "/console"; throw new Error("not logged in"); }
  if (!answer.ok) throw new Error(body && body.message ? body.message : `${answer.status}`);
  return body;
}

function analysisList(analysis) {
  return el("ul", { class: "analysis" }, ...analysis.map((entry) => el("li", {},
    el("strong", { class: `verdict-${entry.verdict}` }, `${entry.verdict}`), " ",
    el("code", {}, entry.input), entry.brand_name ? ` — ${entry.brand_name}` : "",
    el("ul", {}, ...entry.reasons.map((reason, index) => el("li", {}, reason,
      entry.reasons_en && entry.reasons_en[index] ? el("br") : null,
      entry.reasons_en && entry.reasons_en[index] ? el("small", { lang: "en" }, entry.reasons_en[index]) : null))))));
}

// What confirming lists, item by item: those found suspicious are ticked, an unknown one only when the reviewer
// ticks it (an anonymous report may pair a fake with a genuine site the directory does not know), and an
// official one cannot be ticked at all.
function itemChoices(report) {
  const boxes = (report.items || []).map((item) => el("input", {
    type: "checkbox", value: item.input, checked: item.listed_by_default, disabled: item.verdict === "official",
    "aria-label": item.input }));
  const list = el("fieldset", { class: "case-items" },
    el("legend", {}, "偽物として登録する項目 / Items to list as fakes"),
    ...(report.items || []).map((item, index) => el("label", { class: "case-item" }, boxes[index], " ",
      el("strong", { class: `verdict-${item.verdict}` }, `${item.verdict}`), " ", el("code", {}, item.input))));
  return { list, chosen: () => boxes.filter((box) => box.checked && !box.disabled).map((box) => box.value) };
}

function caseItem(report) {
  const note = el("input", { type: "text", maxlength: "2000", placeholder: "メモ / Note", "aria-label": "note" });
  const choices = itemChoices(report);
  const decide = async (decision) => {
    $("cases-error").textContent = "";
    const body = { decision, note: note.value };
    if (decision === "confirm") body.items = choices.chosen();
    try {
      await api(`/api/v1/console/trust/reports/${encodeURIComponent(report.id)}/decision`, {
        method: "POST", body: JSON.stringify(body) });
      await load();
    } catch (error) {
      $("cases-error").textContent = `${error.message}`;
    }
  };
  const open = report.state === "open";
  return el("li", { class: "case", dataset: { id: report.id } },
    el("p", {}, el("strong", {}, `${report.kind} · ${report.verdict}`), report.brand ? ` · ${report.brand}` : "",
      " · ", new Date(report.created_at).toLocaleString()),
    el("pre", { class: "content" }, report.content || ""),
    analysisList(report.analysis),
    report.note ? el("p", {}, `メモ / Note: ${report.note}`) : null,
    open && report.items && report.items.length ? choices.list : null,
    open ? el("div", { class: "trust-actions" }, note,
      el("button", { type: "button", onclick: () => decide("confirm") }, "偽物と確認 / Confirm fake"),
      el("button", { type: "button", onclick: () => decide("dismiss") }, "対象外 / Dismiss")) : null);
}

async function load() {
  const reports = await api(`/api/v1/console/trust/reports?state=${encodeURIComponent($("case-state").value)}`);
  $("cases").replaceChildren(...(reports.length ? reports.map(caseItem) : [el("li", {}, "ありません / None")]));
}

async function start() {
  try {
    csrf = (await api("/api/v1/auth/session")).csrf_token;
    await load();
  } catch (error) {
    $("cases-error").textContent = error.message;
  }
}

$("case-state").addEventListener("change", () => load().catch((error) => { $("cases-error").textContent = error.message; }));
$("reload").addEventListener("click", () => load().catch((error) => { $("cases-error").textContent = error.message; }));
start();
