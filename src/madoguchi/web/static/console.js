// The operator console: REST for actions (with the CSRF token), a WebSocket for everything live.
import { bindComposer, el, formatTime, newId } from "./composer.js";
import { pickLanguage, translator } from "./i18n.js";
import { routingConsole } from "./console-routing.js";
import { eventDetail } from "./console-events.js";

const lang = pickLanguage(["ja", "en"]);
const t = translator(lang);
const $ = (id) => document.getElementById(id);
let csrf = null;
let me = null;
let current = null; // the open conversation's detail
let noteMode = false;
let refreshTimer = null;
let routing = null;

async function api(path, options = {}) {
  const headers = { "Content-Type": "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const answer = await fetch(path, { credentials: "same-origin", ...options, headers });
  const loggingIn = path === "/api/v1/auth/login";
  if (answer.status === 401 && !loggingIn) { showLogin(); throw new Error("not logged in"); }
  const body = answer.status === 204 ? null : await answer.json().catch(() => null);
  if (!answer.ok) {
    const error = new Error(body && body.message ? body.message : `${answer.status}`);
    error.code = body && body.code;
    throw error;
  }
  return body;
}

function translatePage() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  $("ui-language").value = lang;
}

function showLogin() {
  $("app").hidden = true;
  $("login").hidden = false;
}

async function start() {
  translatePage();
  try {
    const session = await api("/api/v1/auth/session");
    csrf = session.csrf_token;
    me = session.agent;
  } catch (_) { showLogin(); return; }
  $("login").hidden = true;
  $("app").hidden = false;
  $("me").textContent = `${me.name}${me.shop_id ? ` (${t("shop")}: ${me.shop_id})` : ""}`;
  // Reports are for supervisors, administrators and shops' staff (their own shop's numbers); operators have none.
  $("reports-link").hidden = !["admin", "supervisor", "shop_agent"].includes(me.role);
  $("admin-link").hidden = !["admin", "supervisor", "shop_agent"].includes(me.role);
  routing = routingConsole({
    lang, api, getCurrent: () => current, getMe: () => me, openConversation, take, resolve,
    toggleNote: () => { noteMode = !noteMode; if (current) renderConversation(); },
  });
  $("presence-slot").replaceChildren(routing.presenceSwitch(me.presence || "available"));
  $("help").onclick = () => routing.showHelp();
  $("callbacks-title").textContent = routing.t("callbacks");
  $("overview-title").textContent = routing.t("overview");
  routing.refresh();
  await refreshLists();
  connectLive();
  const wanted = new URLSearchParams(location.hash.slice(1)).get("c");
  if (wanted) openConversation(wanted);
}

function listItem(conversation) {
  const name = conversation.customer.name || t("anonymous");
  return el("li", {
    class: `item${current && current.id === conversation.id ? " active" : ""}`,
    dataset: { id: conversation.id },
    onclick: () => openConversation(conversation.id),
  },
    el("strong", {}, name),
    el("span", { class: "badge" }, conversation.shop_id || conversation.desk || ""),
    conversation.priority > 0 ? el("span", { class: `badge priority-${conversation.priority}` }, conversation.priority > 1 ? "urgent" : "high") : null,
    el("span", { class: "preview" }, conversation.last_message || ""),
    el("time", {}, formatTime(conversation.last_activity_at, lang)),
  );
}

function fill(listId, conversations) {
  const list = $(listId);
  list.replaceChildren(...(conversations.length ? conversations.map(listItem) : [el("li", { class: "none" }, t("noItems"))]));
  const count = $(`${listId}-count`);
  if (count) count.textContent = String(conversations.length);
}

async function refreshLists() {
  const lists = await api("/api/v1/console/conversations");
  fill("queue", lists.queue);
  fill("mine", lists.mine);
  fill("resolved", lists.resolved);
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => { refreshLists().catch(() => {}); if (routing) routing.refresh(); }, 150);
}

function messageItem(message) {
  const who = message.author === "agent" ? (message.agent_name || t("operator")) :
    message.author === "customer" ? (current.customer.name || t("customer")) : t(message.author);
  return el("li", { class: `message ${message.author}${message.private ? " note" : ""}`, dataset: { id: message.id } },
    el("span", { class: "author" }, message.private ? `${who} — ${t("note")}` : who),
    el("p", { class: "text" }, message.text),
    message.attachment ? photoLink(message) : null,
    el("time", { class: "time" }, formatTime(message.created_at, lang)),
  );
}

// A photo in the conversation, opened through the console's own (shop-scoped) download.
function photoLink(message) {
  const photo = message.attachment;
  const href = `/api/v1/console/conversations/${encodeURIComponent(message.conversation_id)}/photos/${encodeURIComponent(photo.id)}`;
  return el("a", { class: "photo", href, target: "_blank", rel: "noopener", title: `${t("photo")}: ${photo.filename}` },
    el("img", { src: href, alt: `${t("photo")}: ${photo.filename}`, width: "160" }));
}

async function sendPhoto(input) {
  const file = input.files && input.files[0];
  input.value = "";
  if (!file || !current) return;
  const form = new FormData();
  form.append("file", file);
  // No Content-Type of our own: the browser writes the multipart boundary.
  const answer = await fetch(`/api/v1/console/conversations/${encodeURIComponent(current.id)}/photos`,
    { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf }, body: form });
  const body = await answer.json().catch(() => null);
  if (!answer.ok) { alert(body && body.message ? body.message : `${answer.status}`); return; }
  appendMessage(body);
}

function appendMessage(message) {
  const list = document.querySelector("#conversation .messages");
  if (!list || list.querySelector(`[data-id="${CSS.escape(message.id)}"]`)) return;
  const item = messageItem(message);
  list.append(item);
  item.scrollIntoView({ block: "end" });
}

function renderConversation() {
  const c = current;
  // A live update re-renders the pane: the operator's unsent draft, caret and focus must survive it.
  const previous = document.getElementById("reply-text");
  const draft = previous && previous.dataset.conversation === c.id ? {
    value: previous.value, start: previous.selectionStart, end: previous.selectionEnd,
  } : null;
  // Focus goes to the reply box unless the operator is working somewhere the re-render does not touch.
  const active = document.activeElement;
  const focusElsewhere = active && active !== document.body && !$("conversation").contains(active);
  const open = c.state !== "resolved";
  const mineNow = c.assignee_id === me.id;
  const textarea = el("textarea", { id: "reply-text", rows: "3", maxlength: "4000",
    placeholder: noteMode ? t("notePlaceholder") : t("placeholder"), dataset: { conversation: c.id } });
  const form = el("form", { class: `composer${noteMode ? " note-mode" : ""}` }, textarea,
    el("div", { class: "composer-actions" },
      el("label", {}, el("input", { type: "checkbox", id: "note-mode", checked: noteMode,
        onchange: (event) => { noteMode = event.target.checked; renderConversation(); } }), t("note")),
      noteMode ? null : el("label", { class: "photo-button", title: t("sendPhoto") }, `📷 ${t("sendPhoto")}`,
        el("input", { type: "file", id: "photo-input", hidden: true, accept: "image/jpeg,image/png,image/webp,image/heic,image/heif",
          onchange: (event) => { sendPhoto(event.target); } })),
      el("button", { type: "submit", id: "reply-send" }, noteMode ? t("note") : t("reply"))));
  const actions = el("div", { class: "actions" },
    open && !mineNow ? el("button", { type: "button", id: "take", onclick: take }, t("take")) : null,
    open && routing ? el("button", { type: "button", id: "transfer", onclick: () => routing.openTransfer() }, routing.t("transfer")) : null,
    open ? el("button", { type: "button", id: "resolve", onclick: resolve }, t("resolve")) : null);
  $("conversation").replaceChildren(
    el("header", { class: "conversation-header" },
      el("h2", {}, c.customer.name || t("anonymous")),
      el("span", { class: `state state-${c.state}` }, c.state), actions),
    el("ol", { class: "messages" }, c.messages.map(messageItem)),
    form,
  );
  const submit = bindComposer(textarea, (text) => { sendReply(text); });
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  const list = document.querySelector("#conversation .messages");
  list.scrollTop = list.scrollHeight;
  if (draft) textarea.value = draft.value;
  if (!focusElsewhere) {
    textarea.focus();
    if (draft) textarea.setSelectionRange(draft.start, draft.end);
  }
  $("details").replaceChildren(
    el("h3", {}, t("customer")),
    el("dl", {},
      el("dt", {}, "ID"), el("dd", {}, c.customer.id),
      el("dt", {}, t("language")), el("dd", {}, c.language),
      el("dt", {}, t("desk")), el("dd", {}, c.desk || "—"),
      c.shop_id ? [el("dt", {}, t("shop")), el("dd", {}, c.shop_id)] : null,
      c.customer.email ? [el("dt", {}, t("email")), el("dd", {}, c.customer.email)] : null,
      c.customer.member_tier === "premium" ? [el("dt", {}, ""), el("dd", {}, t("member_premium"))] : null,
      understood(c)),
    el("h3", {}, t("events")),
    el("ol", { class: "events" }, c.events.map((event) =>
      el("li", {}, el("time", {}, formatTime(event.created_at, lang)), ` ${event.type} · ${event.actor}`,
        eventDetail(event, c.id, lang)))),
  );
  if (routing) {
    routing.details(c).then((parts) => { if (current === c) $("details").prepend(...parts.flat().filter(Boolean)); });
  }
}

// What the customer's latest message means (the `message.classified` event), beside the customer's details.
function understood(c) {
  const latest = c.events.filter((event) => event.type === "message.classified").pop();
  if (!latest) return null;
  const data = latest.data;
  const mood = [];
  if (data.anger >= 0.5) mood.push(`${t("anger")} ${Math.round(data.anger * 100)}%`);
  if (data.urgency >= 0.5) mood.push(`${t("urgency")} ${Math.round(data.urgency * 100)}%`);
  return [
    el("dt", {}, t("intent")),
    el("dd", { id: "intent" }, `${data.intent} (${Math.round(data.confidence * 100)}%)`),
    mood.length ? [el("dt", {}, ""), el("dd", { class: "error" }, mood.join(" · "))] : null,
  ];
}

async function openConversation(id) {
  try {
    current = await api(`/api/v1/console/conversations/${encodeURIComponent(id)}`);
  } catch (error) {
    $("conversation").replaceChildren(el("p", { class: "error" }, `${t("errorPrefix")}: ${error.message}`));
    return;
  }
  history.replaceState(null, "", `#c=${encodeURIComponent(id)}`);
  renderConversation();
  scheduleRefresh();
}

async function take() {
  try { current = await api(`/api/v1/console/conversations/${current.id}/take`, { method: "POST" }); renderConversation(); }
  catch (error) { alert(error.message); }
  scheduleRefresh();
}

async function resolve() {
  try { current = await api(`/api/v1/console/conversations/${current.id}/resolve`, { method: "POST" }); renderConversation(); }
  catch (error) { alert(error.message); }
  scheduleRefresh();
}

async function sendReply(text) {
  const path = `/api/v1/console/conversations/${current.id}/${noteMode ? "notes" : "messages"}`;
  try {
    const message = await api(path, { method: "POST", body: JSON.stringify({ text, client_id: newId() }) });
    appendMessage(message);
  } catch (error) {
    alert(error.message);
  }
}

// Administrators' notices (a webhook paused): a banner that stays until it is dismissed.
function showNotice(notice) {
  const text = lang === "ja" ? notice.message_ja : notice.message_en;
  const close = el("button", { type: "button", "aria-label": "×" }, "×");
  const banner = el("div", { class: "admin-notice", role: "alert" }, el("span", {}, text), close);
  close.addEventListener("click", () => banner.remove());
  document.body.prepend(banner);
}

function connectLive(retry = 0) {
  const url = new URL("/ws/console", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(url);
  socket.addEventListener("open", () => { $("live").textContent = t("live"); $("live").className = "live on"; });
  socket.addEventListener("message", (raw) => {
    const frame = JSON.parse(raw.data);
    if (frame.type === "hello" && retry > 0) refreshLists().catch(() => {});
    if (frame.type === "notice") { showNotice(frame.notice); return; }
    if (frame.type !== "event") return;
    const event = frame.event;
    if (routing) routing.onEvent(event);
    if (current && event.conversation.id === current.id) {
      if (event.type === "message.created") appendMessage(event.message);
      else openConversation(current.id);
    }
    scheduleRefresh();
  });
  socket.addEventListener("close", (event) => {
    $("live").textContent = t("offline");
    $("live").className = "live off";
    if (event.code === 4401) { showLogin(); return; }
    setTimeout(() => connectLive(retry + 1), Math.min(10000, 300 * 2 ** Math.min(retry, 5)));
  });
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const otp = $("login-otp").value.trim();
    const session = await api("/api/v1/auth/login", { method: "POST",
      body: JSON.stringify({ email: $("login-email").value, password: $("login-password").value, otp: otp || null }) });
    csrf = session.csrf_token;
    // Sent here to log in from another console page (reports): back to it, never to another site.
    const next = new URLSearchParams(location.search).get("next");
    if (next && /^\/console\/[a-z-]+(\?[^#\\]*)?$/.test(next)) { location.assign(next); return; }
    start();
  } catch (error) {
    if (error.code === "two_factor_required") {
      // The password was right: ask for the authenticator's code and keep what was typed.
      $("login-otp-field").hidden = false;
      $("login-otp").focus();
      $("login-error").textContent = t("otpNeeded");
      return;
    }
    $("login-error").textContent = `${t("loginFailed")}: ${error.message}`;
  }
});
$("logout").addEventListener("click", async () => {
  try { await api("/api/v1/auth/logout", { method: "POST" }); } finally { location.reload(); }
});
$("ui-language").addEventListener("change", (event) => {
  localStorage.setItem("madoguchi.lang", event.target.value);
  location.reload();
});
start();
