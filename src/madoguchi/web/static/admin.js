// The administration page: operators, desks, shops and canned responses, kept without code through
// /api/v1/admin (docs/api.md). What a role may change is decided by the server; the page only hides controls
// a role cannot use, and shows the server's sentence when it refuses.
import { el } from "./composer.js";
import { pickLanguage, translator } from "./i18n.js";

const lang = pickLanguage(["ja", "en"]);
const t = translator(lang);
const $ = (id) => document.getElementById(id);

const ROLES = ["agent", "supervisor", "admin", "shop_agent"];
const LANGUAGES = ["ja", "en", "zh", "ko"];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"];
const TABS = ["operators", "desks", "shops", "canned", "integrations"];
// The scopes of DESIGN.md's "Integrations" contract.
const SCOPES = ["conversations:read", "conversations:write", "reports:read", "webhooks:write"];
const KEEPERS = ["admin", "supervisor", "shop_agent"];

let me = null;
let csrf = "";
let desks = [];
let shops = [];

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const answer = await fetch(path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (answer.status === 204) return null;
  const data = await answer.json().catch(() => null);
  if (!answer.ok) throw new ApiError(answer.status, (data && data.message) || `${answer.status}`);
  return data;
}

function say(form, text, failed = false) {
  const note = form.querySelector(".form-note") || $("page-note");
  note.textContent = text;
  note.classList.toggle("failed", failed);
}

const isAdmin = () => me && me.role === "admin";
const deskName = (desk) => (lang === "ja" ? desk.name_ja : desk.name_en) || desk.id;
const shopName = (shop) => (lang === "ja" ? shop.name : shop.name_en) || shop.id;
const takesConversations = (desk) => desk.kind !== "referral";

function table(node, headings, rows) {
  node.replaceChildren(
    el("thead", {}, el("tr", {}, headings.map((heading) => el("th", { scope: "col" }, heading)))),
    el("tbody", {}, rows.length ? rows : [el("tr", {}, el("td", { colspan: String(headings.length) }, t("noItems")))]),
  );
}

function checkboxes(fieldset, name, options, checked = []) {
  const legend = fieldset.querySelector("legend");
  fieldset.replaceChildren(legend, ...options.map(([value, label]) => el("label", { class: "choice" },
    el("input", { type: "checkbox", name, value, checked: checked.includes(value) }), label)));
}

function options(select, pairs, selected) {
  select.replaceChildren(...pairs.map(([value, label]) => el("option", { value, selected: value === selected }, label)));
}

// --- operators -------------------------------------------------------------------------------------------

async function loadOperators() {
  const operators = await api("GET", "/api/v1/admin/operators");
  const shopsById = new Map(shops.map((shop) => [shop.id, shop]));
  const desksById = new Map(desks.map((desk) => [desk.id, desk]));
  table($("operators-table"),
    [t("adm.name"), t("email"), t("adm.role"), t("shop"), t("adm.desks"), t("language"), t("adm.chatCapacity"), t("adm.status"), ""],
    operators.map((operator) => el("tr", { class: operator.active ? "" : "inactive", dataset: { id: String(operator.id) } },
      el("td", {}, operator.name),
      el("td", {}, operator.email),
      el("td", {}, t(`adm.role.${operator.role}`)),
      el("td", {}, operator.shop_id ? shopName(shopsById.get(operator.shop_id) || { id: operator.shop_id }) : "—"),
      el("td", {}, operator.desks.map((id) => (desksById.has(id) ? deskName(desksById.get(id)) : id)).join("、") || "—"),
      el("td", {}, operator.languages.join(", ")),
      el("td", {}, String(operator.chat_capacity)),
      el("td", {}, operator.active ? t("adm.active") : t("adm.inactive"), operator.two_factor ? ` · ${t("adm.twoFactor")}` : ""),
      el("td", { class: "actions" }, isAdmin() && operator.id !== me.id ? operatorActions(operator) : null))));
}

function operatorActions(operator) {
  const act = async (path, question, done) => {
    if (question && !window.confirm(question)) return;
    try {
      const answer = await api("POST", `/api/v1/admin/operators/${operator.id}/${path}`);
      const returned = answer && answer.returned_to_queue ? answer.returned_to_queue.length : 0;
      $("page-note").textContent = t(done, { name: operator.name, n: returned });
      await loadOperators();
    } catch (error) { $("page-note").textContent = error.message; }
  };
  return [
    operator.active
      ? el("button", { type: "button", class: "ghost", onclick: () => act("deactivate", t("adm.confirmDeactivate", { name: operator.name }), "adm.deactivated") }, t("adm.deactivate"))
      : el("button", { type: "button", class: "ghost", onclick: () => act("activate", null, "adm.activated") }, t("adm.activate")),
    operator.two_factor
      ? el("button", { type: "button", class: "ghost", onclick: () => act("reset-two-factor", t("adm.confirmReset", { name: operator.name }), "adm.resetDone") }, t("adm.resetTwoFactor"))
      : null,
  ];
}

function setUpOperatorForm() {
  const form = $("operator-form");
  form.hidden = !isAdmin();
  options(form.elements.role, ROLES.map((role) => [role, t(`adm.role.${role}`)]), "agent");
  options(form.elements.shop_id, [["", "—"], ...shops.map((shop) => [shop.id, shopName(shop)])], "");
  checkboxes($("operator-desks"), "desks", desks.filter((desk) => desk.kind === "queue").map((desk) => [desk.id, deskName(desk)]));
  checkboxes($("operator-languages"), "languages", LANGUAGES.map((code) => [code, t(`rep.lang.${code}`)]), ["ja"]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      email: data.get("email"), name: data.get("name"), role: data.get("role"),
      shop_id: data.get("shop_id") || null, desks: data.getAll("desks"), languages: data.getAll("languages"),
      chat_capacity: Number(data.get("chat_capacity")),
    };
    try {
      const created = await api("POST", "/api/v1/admin/operators", body);
      form.reset();
      say(form, t("adm.operatorCreated", { name: created.operator.name, password: created.password }));
      await loadOperators();
    } catch (error) { say(form, error.message, true); }
  });
}

// --- desks -----------------------------------------------------------------------------------------------

function deskCard(desk) {
  const readOnly = !isAdmin();
  const hours = el("div", { class: "hours-grid" }, DAYS.map((day) => el("label", {},
    el("span", {}, t(`adm.day.${day}`)),
    el("input", { name: `hours.${day}`, value: desk.hours[day] || "", placeholder: t("adm.closed"), disabled: readOnly, size: "11" }))));
  const form = el("form", { class: "admin-form desk-card", dataset: { desk: desk.id } },
    el("h3", {}, deskName(desk), el("small", {}, ` ${desk.id}`)),
    hours,
    el("label", { class: "wide" }, el("span", {}, t("adm.closedDays")),
      el("textarea", { name: "closed_days", rows: "2", disabled: readOnly, placeholder: "2026-12-31" }, desk.closed_days.join("\n"))),
    el("label", {}, el("span", {}, t("adm.firstResponse")),
      el("input", { name: "first_response_minutes", type: "number", min: "1", value: String(desk.first_response_minutes), disabled: readOnly })),
    el("label", {}, el("span", {}, t("adm.resolution")),
      el("input", { name: "resolution_hours", type: "number", min: "1", value: String(desk.resolution_hours), disabled: readOnly })),
    el("label", {}, el("span", {}, t("adm.slaClock")), (() => {
      const select = el("select", { name: "sla_clock", disabled: readOnly });
      options(select, [["calendar", t("adm.calendar")], ["business_hours", t("adm.businessHours")]], desk.sla_clock);
      return select;
    })()),
    readOnly ? null : el("button", { type: "submit" }, t("adm.save")),
    el("p", { class: "form-note", role: "status", "aria-live": "polite" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      hours: Object.fromEntries(DAYS.map((day) => [day, String(data.get(`hours.${day}`) || "").trim() || null])),
      closed_days: String(data.get("closed_days") || "").split(/\s+/).filter(Boolean),
      first_response_minutes: Number(data.get("first_response_minutes")),
      resolution_hours: Number(data.get("resolution_hours")),
      sla_clock: data.get("sla_clock"),
    };
    try {
      await api("PATCH", `/api/v1/admin/desks/${encodeURIComponent(desk.id)}`, body);
      say(form, t("adm.saved"));
    } catch (error) { say(form, error.message, true); }
  });
  return form;
}

function showDesks() {
  $("desk-list").replaceChildren(...desks.filter(takesConversations).map(deskCard));
}

// --- shops -----------------------------------------------------------------------------------------------

function showShops() {
  table($("shops-table"), [t("adm.shopId"), t("adm.name"), t("adm.promise"), t("adm.contactEmail"), t("adm.status"), ""],
    shops.map((shop) => el("tr", { class: shop.suspended ? "inactive" : "" },
      el("td", {}, shop.id), el("td", {}, shopName(shop)), el("td", {}, String(shop.reply_promise_hours)),
      el("td", {}, shop.contact_email), el("td", {}, shop.suspended ? t("adm.suspended") : t("adm.active")),
      el("td", { class: "actions" }, isAdmin() ? el("button", {
        type: "button", class: "ghost",
        onclick: async () => {
          if (!shop.suspended && !window.confirm(t("adm.confirmSuspend", { name: shopName(shop) }))) return;
          try {
            await api("PATCH", `/api/v1/admin/shops/${encodeURIComponent(shop.id)}`, { suspended: !shop.suspended });
            shops = await api("GET", "/api/v1/admin/shops");
            showShops();
          } catch (error) { $("page-note").textContent = error.message; }
        },
      }, shop.suspended ? t("adm.restore") : t("adm.suspend")) : null))));
}

function setUpShopForm() {
  const form = $("shop-form");
  form.hidden = !isAdmin();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const weekday = String(data.get("weekday_hours") || "").trim() || null;
    const body = {
      id: data.get("id"), name: data.get("name"), name_en: data.get("name_en"), contact_email: data.get("contact_email"),
      reply_promise_hours: Number(data.get("reply_promise_hours")), languages: ["ja"],
      hours: Object.fromEntries(["mon", "tue", "wed", "thu", "fri"].map((day) => [day, weekday])),
    };
    try {
      const created = await api("POST", "/api/v1/admin/shops", body);
      form.reset();
      say(form, t("adm.shopCreated", { name: shopName(created) }));
      shops = await api("GET", "/api/v1/admin/shops");
      showShops();
    } catch (error) { say(form, error.message, true); }
  });
}

// --- canned responses ------------------------------------------------------------------------------------

async function loadCanned() {
  const rows = await api("GET", "/api/v1/admin/canned-responses");
  const desksById = new Map(desks.map((desk) => [desk.id, desk]));
  table($("canned-table"), [t("adm.shortcut"), t("language"), t("adm.titleField"), t("rep.desk"), t("shop"), t("adm.text"), ""],
    rows.map((row) => el("tr", {},
      el("td", {}, `/${row.shortcut}`), el("td", {}, row.language), el("td", {}, row.title),
      el("td", {}, row.desk ? deskName(desksById.get(row.desk) || { id: row.desk }) : t("adm.everyDesk")),
      el("td", {}, row.shop_id || "—"), el("td", { class: "text" }, row.text),
      el("td", { class: "actions" }, el("button", {
        type: "button", class: "ghost", "aria-label": t("adm.deleteNamed", { name: row.shortcut }),
        onclick: async () => {
          if (!window.confirm(t("adm.confirmDelete", { name: row.shortcut }))) return;
          try { await api("DELETE", `/api/v1/admin/canned-responses/${row.id}`); await loadCanned(); }
          catch (error) { $("page-note").textContent = error.message; }
        },
      }, t("adm.delete"))))));
}

function setUpCannedForm() {
  const form = $("canned-form");
  options(form.elements.language, LANGUAGES.map((code) => [code, t(`rep.lang.${code}`)]), lang);
  options(form.elements.desk, [["", t("adm.everyDesk")], ...desks.filter((desk) => desk.kind === "queue").map((desk) => [desk.id, deskName(desk)])], "");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { shortcut: data.get("shortcut"), language: data.get("language"), title: data.get("title"),
      text: data.get("text"), desk: data.get("desk") || null };
    try {
      await api("POST", "/api/v1/admin/canned-responses", body);
      form.reset();
      say(form, t("adm.saved"));
      await loadCanned();
    } catch (error) { say(form, error.message, true); }
  });
}

// --- integrations: API tokens and webhooks --------------------------------------------------------------

const when = (iso) => (iso ? new Date(iso).toLocaleString(lang === "ja" ? "ja-JP" : "en-GB", { timeZone: "Asia/Tokyo" }) : "—");

async function loadTokens() {
  const tokens = await api("GET", "/api/v1/admin/api-tokens");
  table($("tokens-table"), [t("adm.tokenName"), t("adm.prefix"), t("adm.scopes"), t("shop"), t("adm.lastUsed"), t("adm.status"), ""],
    tokens.map((token) => el("tr", { class: token.revoked_at ? "inactive" : "" },
      el("td", {}, token.name), el("td", {}, el("code", {}, `${token.prefix}…`)), el("td", {}, token.scopes.join(", ")),
      el("td", {}, token.shop_id || "—"), el("td", {}, when(token.last_used_at)),
      el("td", {}, token.revoked_at ? t("adm.revoked") : t("adm.active")),
      el("td", { class: "actions" }, token.revoked_at ? null : el("button", {
        type: "button", class: "ghost", "aria-label": t("adm.revokeNamed", { name: token.name }),
        onclick: async () => {
          if (!window.confirm(t("adm.confirmRevoke", { name: token.name }))) return;
          try { await api("DELETE", `/api/v1/admin/api-tokens/${token.id}`); await loadTokens(); }
          catch (error) { $("page-note").textContent = error.message; }
        },
      }, t("adm.revoke"))))));
}

async function showDeliveries(hook) {
  const rows = await api("GET", `/api/v1/admin/webhooks/${hook.id}/deliveries`);
  $("deliveries").hidden = false;
  $("deliveries-title").textContent = t("adm.deliveriesOf", { url: hook.url });
  table($("deliveries-table"), [t("adm.event"), t("adm.status"), t("adm.attempts"), t("adm.lastAnswer"), t("adm.created"), t("adm.delivered")],
    rows.map((row) => el("tr", { class: row.status === "delivered" ? "" : "pending" },
      el("td", {}, row.type), el("td", {}, row.status === "delivered" ? t("adm.deliveredState") : t("adm.pendingState")),
      el("td", {}, String(row.attempts)), el("td", {}, row.last_status ? String(row.last_status) : row.last_error || "—"),
      el("td", {}, when(row.created_at)), el("td", {}, when(row.delivered_at)))));
}

async function loadWebhooks() {
  const hooks = await api("GET", "/api/v1/admin/webhooks");
  const act = (hook, path) => async () => {
    try { await api("POST", `/api/v1/admin/webhooks/${hook.id}/${path}`); await loadWebhooks(); }
    catch (error) { $("page-note").textContent = error.message; }
  };
  table($("webhooks-table"), ["URL", t("adm.events"), t("shop"), t("adm.status"), ""],
    hooks.map((hook) => el("tr", { class: hook.active ? "" : "inactive" },
      el("td", { class: "text" }, hook.url), el("td", { class: "text" }, hook.events.join(", ")), el("td", {}, hook.shop_id || "—"),
      el("td", {}, hook.active ? t("adm.active") : `${t("adm.paused")}${hook.paused_reason ? ` (${hook.paused_reason})` : ""}`),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "ghost", onclick: () => showDeliveries(hook).catch((error) => { $("page-note").textContent = error.message; }) }, t("adm.deliveries")),
        el("button", { type: "button", class: "ghost", onclick: act(hook, hook.active ? "pause" : "resume") }, hook.active ? t("adm.pause") : t("adm.resume")),
        el("button", {
          type: "button", class: "ghost", "aria-label": t("adm.deleteNamed", { name: hook.url }),
          onclick: async () => {
            if (!window.confirm(t("adm.confirmDeleteHook", { url: hook.url }))) return;
            try { await api("DELETE", `/api/v1/admin/webhooks/${hook.id}`); await loadWebhooks(); }
            catch (error) { $("page-note").textContent = error.message; }
          },
        }, t("adm.delete"))))));
}

function setUpIntegrations() {
  const shopChoices = [["", t("adm.allShops")], ...shops.map((shop) => [shop.id, shopName(shop)])];
  const tokenForm = $("token-form");
  options(tokenForm.elements.shop_id, shopChoices, "");
  checkboxes($("token-scopes"), "scopes", SCOPES.map((scope) => [scope, scope]), ["conversations:read"]);
  tokenForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(tokenForm);
    const body = { name: data.get("name"), scopes: data.getAll("scopes"), shop_id: data.get("shop_id") || null };
    try {
      const issued = await api("POST", "/api/v1/admin/api-tokens", body);
      tokenForm.reset();
      say(tokenForm, t("adm.tokenIssued", { token: issued.token }));
      await loadTokens();
    } catch (error) { say(tokenForm, error.message, true); }
  });
  const hookForm = $("webhook-form");
  options(hookForm.elements.shop_id, shopChoices, "");
  hookForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(hookForm);
    const events = String(data.get("events") || "").split(/[\s,、]+/).filter(Boolean);
    try {
      const made = await api("POST", "/api/v1/admin/webhooks", { url: data.get("url"), events, shop_id: data.get("shop_id") || null });
      hookForm.reset();
      say(hookForm, t("adm.webhookMade", { secret: made.secret }));
      await loadWebhooks();
    } catch (error) { say(hookForm, error.message, true); }
  });
}

// --- tabs ------------------------------------------------------------------------------------------------

function visibleTabs() {
  if (me.role === "shop_agent") return ["canned"];
  return me.role === "admin" ? TABS : TABS.filter((tab) => tab !== "integrations");
}

function select(name, focus = false) {
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const chosen = tab === name;
    button.setAttribute("aria-selected", String(chosen));
    button.tabIndex = chosen ? 0 : -1;
    $(tab).hidden = !chosen;
    if (chosen && focus) button.focus();
  }
  history.replaceState(null, "", `#${name}`);
}

function setUpTabs() {
  const shown = visibleTabs();
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    button.hidden = !shown.includes(tab);
    button.addEventListener("click", () => select(tab));
    // Arrow keys move between tabs, as the WAI-ARIA tabs pattern has it.
    button.addEventListener("keydown", (event) => {
      const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      const index = (shown.indexOf(tab) + step + shown.length) % shown.length;
      select(shown[index], true);
    });
  }
  const fromAddress = () => {
    const wanted = location.hash.slice(1);
    select(shown.includes(wanted) ? wanted : shown[0]);
  };
  window.addEventListener("hashchange", fromAddress);
  fromAddress();
}

// --- start -----------------------------------------------------------------------------------------------

function translatePage() {
  document.documentElement.lang = lang;
  document.title = `${t("adm.title")} — Madoguchi`;
  // The variables' hint names them literally: {name} is shown, not filled in.
  const literal = { name: "{name}", order: "{order}", tracking: "{tracking}" };
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t, literal);
  $("ui-language").value = lang;
  $("ui-language").addEventListener("change", () => {
    localStorage.setItem("madoguchi.lang", $("ui-language").value);
    location.reload();
  });
}

async function start() {
  translatePage();
  try {
    const session = await api("GET", "/api/v1/auth/session");
    me = session.agent;
    csrf = session.csrf_token;
  } catch (error) {
    if (error.status === 401) $("login-needed").hidden = false;
    else $("page-note").textContent = error.message;
    return;
  }
  $("me").textContent = me.name;
  if (!KEEPERS.includes(me.role)) { $("refused").hidden = false; return; }
  $("admin").hidden = false;
  try {
    if (me.role !== "shop_agent") {
      [desks, shops] = await Promise.all([api("GET", "/api/v1/admin/desks"), api("GET", "/api/v1/admin/shops")]);
    }
    setUpTabs();
    setUpCannedForm();
    await loadCanned();
    if (me.role === "shop_agent") return;
    setUpOperatorForm();
    setUpShopForm();
    showDesks();
    showShops();
    await loadOperators();
    if (me.role === "admin") {
      setUpIntegrations();
      await Promise.all([loadTokens(), loadWebhooks()]);
    }
  } catch (error) {
    $("page-note").textContent = error.message;
  }
}

start();
