// The customer's chat: one WebSocket, an outbox that resends until the server acknowledges.
import { bindComposer, el, formatTime, newId } from "./composer.js";
import { pickLanguage, translator } from "./i18n.js";

const params = new URLSearchParams(location.search);
const shop = params.get("shop") || "";
const embedded = params.has("embed");
const lang = pickLanguage(["ja", "en", "zh", "ko"]);
const t = translator(lang);
const storeKey = (name) => `madoguchi.${name}${shop ? "." + shop : ""}`;

const ui = {
  title: document.getElementById("title"), status: document.getElementById("status"),
  messages: document.getElementById("messages"), text: document.getElementById("text"),
  form: document.getElementById("composer"), send: document.getElementById("send"),
  identity: document.getElementById("identity"), language: document.getElementById("language"),
};

let socket = null;
let retry = 0;
let conversationId = null;
const shown = new Map(); // message id or client id -> list item
// The bot's quick replies and links, by the id of the bot message they belong to (they ride on the ack,
// which may arrive before or after that message).
const suggestions = new Map();
// Messages typed but not yet acknowledged survive a reload and are resent with the same client id.
const outbox = new Map(JSON.parse(localStorage.getItem(storeKey("outbox")) || "[]"));

function saveOutbox() { localStorage.setItem(storeKey("outbox"), JSON.stringify([...outbox])); }

function setStatus(text) { ui.status.textContent = text; }

function describeState(frame) {
  if (frame.state === "queued") {
    return frame.queue_position ? t("queued", { n: frame.queue_position }) : t("queuedNoPos");
  }
  return t({ bot: "bot_state", assigned: "assigned", waiting: "waiting", resolved: "resolved" }[frame.state] || "connected");
}

function authorLabel(message) {
  if (message.author === "customer") return t("you");
  if (message.author === "agent") return message.agent_name || t("operator");
  return t(message.author);
}

function render(message, pending = false) {
  const key = message.id || message.client_id;
  let item = (message.client_id && shown.get(message.client_id)) || shown.get(key);
  const body = [
    el("span", { class: "author" }, authorLabel(message)),
    el("p", { class: "text" }, message.text),
    message.attachment && message.attachment.url ? photoLink(message.attachment) : null,
    el("time", { class: "time" }, pending ? t("sending") : formatTime(message.created_at, lang)),
  ];
  if (!item) {
    item = el("li", { class: `message ${message.author}` });
    ui.messages.append(item);
  }
  item.classList.toggle("pending", pending);
  item.replaceChildren(...body.filter(Boolean));
  if (message.client_id) shown.set(message.client_id, item);
  if (message.id) {
    item.dataset.id = message.id;
    shown.set(message.id, item);
  }
  if (message.id && suggestions.has(message.id)) attachSuggestions(item, suggestions.get(message.id));
  item.scrollIntoView({ block: "end" });
}

// The photo's signed link, good for a day; a reload of the chat brings fresh links in the history.
function photoLink(photo) {
  return el("a", { class: "photo", href: photo.url, target: "_blank", rel: "noopener", title: `${t("photo")}: ${photo.filename}` },
    el("img", { src: photo.url, alt: `${t("photo")}: ${photo.filename}`, width: "160" }));
}

// Photos go over HTTP with the chat's own credential; the socket then delivers the message like any other.
async function sendPhoto(input) {
  const file = input.files && input.files[0];
  input.value = "";
  if (!file || !conversationId) return;
  const form = new FormData();
  form.append("file", file);
  form.append("client_id", newId());
  const token = sessionStorage.getItem("madoguchi.identity");
  const visitor = localStorage.getItem("madoguchi.visitor");
  if (token) form.append("token", token);
  else if (visitor) form.append("visitor", visitor);
  try {
    const answer = await fetch(`/api/v1/chat/${encodeURIComponent(conversationId)}/photos`, { method: "POST", body: form });
    const body = await answer.json().catch(() => null);
    if (!answer.ok) { setStatus(body && body.message ? body.message : t("failed")); return; }
    render(body);
  } catch (_) {
    setStatus(t("failed"));
  }
}

function attachSuggestions(item, found) {
  const parts = [];
  if (found.links.length) {
    parts.push(el("ul", { class: "links" }, found.links.map((link) => el("li", {}, el("a", {
      href: link.url,
      target: link.kind === "article" || link.kind === "contact" ? "_blank" : null,
      rel: "noopener",
      download: link.kind === "receipt" || link.kind === "transcript" ? "" : null,
    }, link.title)))));
  }
  if (found.quick_replies.length) {
    parts.push(el("div", { class: "quick-replies" }, found.quick_replies.map((reply) => el("button", {
      type: "button",
      onclick: () => {
        // One answer per question: the buttons go once one is chosen.
        for (const block of ui.messages.querySelectorAll(".quick-replies")) block.remove();
        send(reply.text);
      },
    }, reply.label))));
  }
  item.append(...parts);
}

function flushOutbox() {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  for (const [clientId, text] of outbox) {
    socket.send(JSON.stringify({ type: "message", client_id: clientId, text }));
  }
}

function connect() {
  const url = new URL("/ws/chat", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const token = sessionStorage.getItem("madoguchi.identity");
  if (token) url.searchParams.set("token", token);
  const visitor = localStorage.getItem("madoguchi.visitor");
  if (!token && visitor) url.searchParams.set("visitor", visitor);
  if (shop) url.searchParams.set("shop", shop);
  url.searchParams.set("lang", lang);
  setStatus(retry ? t("reconnecting") : t("connecting"));
  socket = new WebSocket(url);
  socket.addEventListener("message", (event) => onFrame(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => {
    if (event.code === 4401) sessionStorage.removeItem("madoguchi.identity");
    retry += 1;
    setStatus(t("reconnecting"));
    setTimeout(connect, Math.min(10000, 300 * 2 ** Math.min(retry, 5)));
  });
}

function onFrame(frame) {
  switch (frame.type) {
    case "hello": {
      retry = 0;
      if (frame.visitor_token) localStorage.setItem("madoguchi.visitor", frame.visitor_token);
      if (conversationId !== frame.conversation_id) {
        conversationId = frame.conversation_id;
        ui.messages.replaceChildren();
        shown.clear();
      }
      document.body.dataset.conversationId = frame.conversation_id;
      if (!frame.history.length && !outbox.size) {
        render({ id: "welcome", author: "system", text: t("welcome"), created_at: new Date().toISOString() });
      }
      for (const message of frame.history) render(message);
      for (const [clientId, text] of outbox) render({ client_id: clientId, author: "customer", text }, true);
      setStatus(describeState(frame));
      flushOutbox();
      break;
    }
    case "ack": {
      const text = outbox.get(frame.client_id);
      outbox.delete(frame.client_id);
      saveOutbox();
      const item = shown.get(frame.client_id);
      if (item) {
        item.classList.remove("pending");
        item.dataset.id = frame.message_id;
        shown.set(frame.message_id, item);
        const time = item.querySelector(".time");
        if (time && text !== undefined) time.textContent = formatTime(new Date().toISOString(), lang);
      }
      if (frame.suggestions) {
        for (const block of ui.messages.querySelectorAll(".quick-replies")) block.remove();
        suggestions.set(frame.suggestions.message_id, frame.suggestions);
        const answer = shown.get(frame.suggestions.message_id);
        if (answer) attachSuggestions(answer, frame.suggestions);
      }
      break;
    }
    case "message":
      render(frame.message);
      break;
    case "status":
      setStatus(describeState(frame));
      break;
    case "error": {
      if (frame.code === "unavailable" && frame.client_id && outbox.has(frame.client_id)) {
        // The server could not take it just now: it stays in the outbox and is sent again (the same
        // client_id, so it is stored once).
        const clientId = frame.client_id;
        setTimeout(() => {
          const text = outbox.get(clientId);
          if (text !== undefined && socket && socket.readyState === WebSocket.OPEN) {
            socket.send(JSON.stringify({ type: "message", client_id: clientId, text }));
          }
        }, 2000);
      } else if (frame.client_id && outbox.has(frame.client_id)) {
        outbox.delete(frame.client_id);
        saveOutbox();
        const item = shown.get(frame.client_id);
        if (item) {
          item.classList.add("failed");
          item.querySelector(".time").textContent = `${t("failed")}: ${frame.message}`;
        }
      } else {
        setStatus(frame.message);
      }
      break;
    }
  }
}

function send(text) {
  const clientId = newId();
  outbox.set(clientId, text);
  saveOutbox();
  render({ client_id: clientId, author: "customer", text }, true);
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type: "message", client_id: clientId, text }));
  }
}

async function setUpIdentityPicker() {
  ui.identity.append(el("option", { value: "" }, t("guest")));
  let customers = [];
  try {
    const answer = await fetch("/api/v1/demo/customers");
    if (answer.ok) customers = await answer.json();
  } catch (_) { /* the demo picker is optional */ }
  if (!customers.length || embedded) { ui.identity.hidden = true; return; }
  for (const customer of customers) {
    ui.identity.append(el("option", { value: customer.id }, `${customer.name} (${customer.id})`));
  }
  ui.identity.value = sessionStorage.getItem("madoguchi.customer") || "";
  ui.identity.addEventListener("change", async () => {
    const customerId = ui.identity.value;
    sessionStorage.setItem("madoguchi.customer", customerId);
    if (!customerId) {
      sessionStorage.removeItem("madoguchi.identity");
    } else {
      const answer = await fetch("/api/v1/demo/identity", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ customer_id: customerId }),
      });
      if (!answer.ok) { setStatus((await answer.json()).message); return; }
      sessionStorage.setItem("madoguchi.identity", (await answer.json()).token);
    }
    location.reload();
  });
}

document.documentElement.lang = lang;
document.title = t("title");
ui.title.textContent = shop ? `${t("title")} — ${t("shopChat")}` : t("title");
ui.text.placeholder = t("placeholder");
ui.send.textContent = t("send");
ui.language.value = lang;
ui.language.addEventListener("change", () => {
  localStorage.setItem("madoguchi.lang", ui.language.value);
  const next = new URL(location.href);
  next.searchParams.set("lang", ui.language.value);
  location.href = next.toString();
});
if (embedded) document.body.classList.add("embedded");
const photoInput = el("input", { type: "file", id: "photo-input", hidden: true,
  accept: "image/jpeg,image/png,image/webp,image/heic,image/heif", onchange: () => { sendPhoto(photoInput); } });
ui.form.insertBefore(el("label", { class: "photo-button", title: t("sendPhoto") }, "📷", photoInput), ui.send);
const submit = bindComposer(ui.text, send);
ui.form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
setUpIdentityPicker().finally(connect);
