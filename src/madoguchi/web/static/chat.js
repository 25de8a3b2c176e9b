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
  end: document.getElementById("end-chat"), endDialog: document.getElementById("end-dialog"),
  csat: document.getElementById("csat"), csatForm: document.getElementById("csat-form"),
  csatScale: document.getElementById("csat-scale"), csatComment: document.getElementById("csat-comment"),
  csatError: document.getElementById("csat-error"), csatSend: document.getElementById("csat-send"),
  csatThanks: document.getElementById("csat-thanks"),
};

const offers = {
  section: document.getElementById("offers"), title: document.getElementById("offers-title"),
  callback: document.getElementById("offer-callback"), email: document.getElementById("offer-email"),
  callbackForm: document.getElementById("callback-form"), windows: document.getElementById("callback-windows"),
  windowsLegend: document.getElementById("callback-windows-legend"), phone: document.getElementById("callback-phone"),
  phoneLabel: document.getElementById("callback-phone-label"), callbackError: document.getElementById("callback-error"),
  callbackSend: document.getElementById("callback-send"), emailForm: document.getElementById("email-form"),
  address: document.getElementById("email-address"), addressLabel: document.getElementById("email-label"),
  emailHint: document.getElementById("email-hint"), emailError: document.getElementById("email-error"),
  emailSend: document.getElementById("email-send"), done: document.getElementById("offer-done"),
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
// The conversation's state as last told; an `end` frame and a rating waiting for their acknowledgement (resent
// with the same client id after a reconnect: the server answers a resend the same way).
let state = null;
let customerWrote = false;
let pendingEnd = null;
let pendingRating = null;

function saveOutbox() { localStorage.setItem(storeKey("outbox"), JSON.stringify([...outbox])); }

function setStatus(text) { ui.status.textContent = text; }

function sendFrame(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
}

// --- ending the chat and rating it ---------------------------------------------------------------------------
// "End chat" once there is something to end: the customer has written, and it is not over yet.
function showEndButton() {
  ui.end.hidden = !customerWrote || state === null || state === "resolved";
}

function setState(next) {
  const before = state;
  state = next;
  showEndButton();
  if (next !== "resolved") hideRating();
  return before;
}

function buildScale() {
  const choices = [];
  for (let score = 1; score <= 5; score += 1) {
    choices.push(
      el("input", { type: "radio", name: "score", id: `csat-score-${score}`, value: String(score), class: "visually-hidden" }),
      el("label", { for: `csat-score-${score}` }, el("span", { class: "score", "aria-hidden": "true" }, String(score)),
        el("span", { class: "visually-hidden" }, `${score} `), t(`csat${score}`)),
    );
  }
  ui.csatScale.append(el("div", { class: "csat-choices" }, choices));
}

// The rating prompt of a fresh resolution; `focus` when the customer has just ended the chat themselves.
function showRating({ focus = false } = {}) {
  if (ui.csat.hidden) {
    ui.csatForm.reset();
    ui.csatForm.hidden = false;
    ui.csatThanks.hidden = true;
    ui.csatError.textContent = "";
    ui.csatSend.disabled = false;
    ui.csat.hidden = false;
    ui.csat.scrollIntoView({ block: "end" });
  }
  if (focus && !ui.csatForm.hidden) ui.csatScale.querySelector("input").focus();
}

function hideRating() {
  ui.csat.hidden = true;
  pendingRating = null;
}

function thankForRating(text) {
  pendingRating = null;
  ui.csatForm.hidden = true;
  ui.csatThanks.textContent = text;
  ui.csatThanks.hidden = false;
  ui.csat.hidden = false;
  ui.csatThanks.focus();
}

function submitRating() {
  const chosen = ui.csatScale.querySelector("input:checked");
  if (!chosen) {
    ui.csatError.textContent = t("csatPick");
    ui.csatScale.querySelector("input").focus();
    return;
  }
  ui.csatError.textContent = "";
  const comment = ui.csatComment.value.trim();
  pendingRating = { type: "csat", client_id: newId(), score: Number(chosen.value) };
  if (comment) pendingRating.comment = comment;
  ui.csatSend.disabled = true;
  sendFrame(pendingRating);
}

function endChat() {
  pendingEnd = { type: "end", client_id: newId() };
  sendFrame(pendingEnd);
}

// --- a callback or an answer by e-mail instead of waiting ------------------------------------------------------
// The status frame says what may be offered (`offers`, `callback_windows`); the choice goes back as a frame and
// is resent with the same client id after a reconnect, until the server acknowledges or refuses it.
let pendingOffer = null;
let offerTaken = false;

function describeWindow(start, end) {
  // The desk's hours are Japan time: the windows are shown in it whatever the browser's zone.
  const day = new Intl.DateTimeFormat(lang, { timeZone: "Asia/Tokyo", month: "short", day: "numeric", weekday: "short" });
  const time = new Intl.DateTimeFormat(lang, { timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return `${day.format(new Date(start))} ${time.format(new Date(start))}–${time.format(new Date(end))}`;
}

function showOffers(frame) {
  const offered = frame.state === "queued" && Array.isArray(frame.offers) ? frame.offers : [];
  if (offerTaken) return;
  offers.section.hidden = offered.length === 0;
  offers.callback.hidden = !offered.includes("callback");
  offers.email.hidden = !offered.includes("email");
  if (offers.callback.hidden) openOfferForm(null);
  const chosen = offers.windows.querySelector("input:checked");
  const keep = chosen ? chosen.value : null;
  for (const item of offers.windows.querySelectorAll("label")) item.remove();
  (frame.callback_windows || []).forEach((window, index) => {
    const value = `${window.start}|${window.end}`;
    const input = el("input", { type: "radio", name: "callback-window", value, id: `callback-window-${index}` });
    if (value === keep) input.checked = true;
    offers.windows.append(el("label", { for: input.id }, input, describeWindow(window.start, window.end)));
  });
}

function openOfferForm(which) {
  for (const [button, form] of [[offers.callback, offers.callbackForm], [offers.email, offers.emailForm]]) {
    const open = button === which && form.hidden;
    form.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  }
  const first = which === offers.callback ? offers.windows.querySelector("input") : offers.address;
  if (which && !(which === offers.callback ? offers.callbackForm : offers.emailForm).hidden && first) first.focus();
}

function refuseOffer(errorEl, input, message) {
  errorEl.textContent = message;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

function requestCallback() {
  offers.callbackError.textContent = "";
  offers.phone.removeAttribute("aria-invalid");
  const chosen = offers.windows.querySelector("input:checked");
  if (!chosen) {
    refuseOffer(offers.callbackError, offers.windows.querySelector("input"), t("callbackPick"));
    return;
  }
  const [start, end] = chosen.value.split("|");
  pendingOffer = { type: "callback", client_id: newId(), phone: offers.phone.value.trim(), window_start: start, window_end: end };
  offers.callbackSend.disabled = true;
  sendFrame(pendingOffer);
}

function requestEmail() {
  offers.emailError.textContent = "";
  offers.address.removeAttribute("aria-invalid");
  pendingOffer = { type: "answer_by_email", client_id: newId(), email: offers.address.value.trim() };
  offers.emailSend.disabled = true;
  sendFrame(pendingOffer);
}

function offerAccepted(frame) {
  pendingOffer = null;
  offerTaken = true;
  offers.callbackSend.disabled = false;
  offers.emailSend.disabled = false;
  for (const part of [offers.callback, offers.email, offers.callbackForm, offers.emailForm]) part.hidden = true;
  offers.done.textContent = frame.callback
    ? t("callbackBooked", { window: describeWindow(frame.callback.window_start, frame.callback.window_end), phone: frame.callback.phone_display })
    : t("emailBooked", { address: frame.email.address, ticket: frame.email.ticket });
  offers.done.hidden = false;
  offers.done.focus();
}

function offerRefused(frame) {
  const kind = pendingOffer.type;
  if (frame.code === "unavailable" || frame.code === "rate_limited") {
    const again = pendingOffer;
    setTimeout(() => { if (pendingOffer === again) sendFrame(again); }, 2000);
    return;
  }
  pendingOffer = null;
  offers.callbackSend.disabled = false;
  offers.emailSend.disabled = false;
  if (kind === "callback") {
    const windowProblem = /時間帯|window/i.test(frame.message);
    refuseOffer(offers.callbackError, windowProblem ? offers.windows.querySelector("input") : offers.phone, frame.message);
  } else {
    refuseOffer(offers.emailError, offers.address, frame.message);
  }
}

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
  if (message.author === "customer" && !customerWrote) {
    customerWrote = true;
    showEndButton();
  }
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
        customerWrote = false;
      }
      document.body.dataset.conversationId = frame.conversation_id;
      if (!frame.history.length && !outbox.size) {
        render({ id: "welcome", author: "system", text: t("welcome"), created_at: new Date().toISOString() });
      }
      for (const message of frame.history) render(message);
      for (const [clientId, text] of outbox) render({ client_id: clientId, author: "customer", text }, true);
      setStatus(describeState(frame));
      flushOutbox();
      setState(frame.state);
      if (frame.can_rate) showRating();
      if (pendingEnd) sendFrame(pendingEnd);
      if (pendingRating) sendFrame(pendingRating);
      if (pendingOffer) sendFrame(pendingOffer);
      showOffers(frame);
      break;
    }
    case "ack": {
      if (pendingEnd && frame.client_id === pendingEnd.client_id) {
        pendingEnd = null;
        // Ended just now by this page (the status frame may come before or after this): the rating prompt, with
        // the focus on it, since the button that ended the chat is gone.
        if (frame.state === "resolved" && !frame.duplicate) {
          if (setState("resolved") !== "resolved") setStatus(describeState(frame));
          showRating({ focus: true });
        }
        break;
      }
      if (pendingRating && frame.client_id === pendingRating.client_id) {
        thankForRating(t("csatThanks"));
        break;
      }
      if (pendingOffer && frame.client_id === pendingOffer.client_id) {
        offerAccepted(frame);
        break;
      }
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
      showOffers(frame);
      if (setState(frame.state) !== "resolved" && frame.state === "resolved") showRating();
      break;
    case "error": {
      if (frame.client_id && pendingOffer && frame.client_id === pendingOffer.client_id) {
        offerRefused(frame);
        break;
      }
      if (frame.client_id && pendingEnd && frame.client_id === pendingEnd.client_id) {
        if (frame.code === "unavailable" || frame.code === "rate_limited") {
          setTimeout(() => { if (pendingEnd) sendFrame(pendingEnd); }, 2000);
        } else {
          pendingEnd = null;
          setStatus(frame.message);
        }
        break;
      }
      if (frame.client_id && pendingRating && frame.client_id === pendingRating.client_id) {
        if (frame.code === "unavailable" || frame.code === "rate_limited") {
          setTimeout(() => { if (pendingRating) sendFrame(pendingRating); }, 2000);
        } else if (frame.reason === "already_rated") {
          thankForRating(t("csatAlready"));
        } else if (frame.reason === "not_resolved") {
          hideRating();
        } else {
          pendingRating = null;
          ui.csatSend.disabled = false;
          ui.csatError.textContent = frame.field === "score" ? t("csatPick") : frame.message;
        }
        break;
      }
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
ui.end.textContent = t("endChat");
document.getElementById("end-title").textContent = t("endTitle");
document.getElementById("end-body").textContent = t("endBody");
document.getElementById("end-confirm").textContent = t("endYes");
document.getElementById("end-cancel").textContent = t("cancel");
document.getElementById("csat-title").textContent = t("csatTitle");
offers.title.textContent = t("offersTitle");
offers.callback.textContent = t("offerCallback");
offers.email.textContent = t("offerEmail");
offers.windowsLegend.textContent = t("callbackWindows");
offers.phoneLabel.textContent = t("callbackPhone");
offers.callbackSend.textContent = t("callbackSend");
offers.addressLabel.textContent = t("emailAddress");
offers.emailSend.textContent = t("emailSend");
// A signed-in customer may leave it empty (their registered address); a guest must give one.
const signedIn = Boolean(sessionStorage.getItem("madoguchi.identity"));
offers.emailHint.textContent = signedIn ? t("emailMemberHint") : t("emailGuestHint");
offers.address.required = !signedIn;
offers.callback.addEventListener("click", () => openOfferForm(offers.callback));
offers.email.addEventListener("click", () => openOfferForm(offers.email));
offers.callbackForm.addEventListener("submit", (event) => { event.preventDefault(); requestCallback(); });
offers.emailForm.addEventListener("submit", (event) => { event.preventDefault(); requestEmail(); });
document.getElementById("csat-comment-label").textContent = t("csatComment");
document.getElementById("csat-hint").textContent = t("csatHint");
ui.csatSend.textContent = t("csatSend");
buildScale();
// Confirmed first: a dialog (Escape or Cancel closes it; the focus goes back to the button).
ui.end.addEventListener("click", () => ui.endDialog.showModal());
ui.endDialog.addEventListener("close", () => {
  if (ui.endDialog.returnValue === "end") endChat();
  else ui.end.focus();
  ui.endDialog.returnValue = "";
});
ui.csatForm.addEventListener("submit", (event) => { event.preventDefault(); submitRating(); });
const photoInput = el("input", { type: "file", id: "photo-input", hidden: true,
  accept: "image/jpeg,image/png,image/webp,image/heic,image/heif", onchange: () => { sendPhoto(photoInput); } });
ui.form.insertBefore(el("label", { class: "photo-button", title: t("sendPhoto") }, "📷", photoInput), ui.send);
const submit = bindComposer(ui.text, send);
ui.form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
// Embedded by widget.js on a shop's page, the chat is told the customer's identity token by that page
// (postMessage from the parent frame only; the server checks the token's signature). With `identity=1` the
// page said a token is coming: wait for it, a few seconds at most, rather than open a guest chat first.
let started = false;
function start() {
  if (started) return;
  started = true;
  connect();
}
window.addEventListener("message", (event) => {
  if (!embedded || event.source !== window.parent || !event.data || event.data.type !== "madoguchi:identity") return;
  const token = typeof event.data.token === "string" && event.data.token ? event.data.token : null;
  const changed = token !== sessionStorage.getItem("madoguchi.identity");
  if (token) sessionStorage.setItem("madoguchi.identity", token);
  else sessionStorage.removeItem("madoguchi.identity");
  if (!started) start();
  else if (changed && socket) socket.close(); // reconnects as the customer now signed in (or as a guest)
});
setUpIdentityPicker().finally(() => {
  if (embedded && params.get("identity") === "1") setTimeout(start, 3000);
  else start();
});
