// The console's routing side: presence, offers, transfer, the routing decision and SLA clocks, the customer's
// orders and past conversations, canned responses, callbacks, the supervisor's live view, keyboard shortcuts.
import { el, formatTime } from "./composer.js";

const TEXTS = {
  ja: {
    presence: "在席状況", available: "対応可", away: "離席", offline: "オフライン",
    offer: "新しい会話の割り当て", accept: "受ける", decline: "見送る", offerLeft: "残り{s}秒",
    transfer: "転送", transferTo: "転送先", toDesk: "窓口へ", toAgent: "担当者へ", note: "メモ（担当者のみ）",
    send: "転送する", cancel: "キャンセル", routing: "振り分けの理由", sla: "SLA", due: "期限",
    orders: "注文", past: "過去の会話", canned: "定型文", callbacks: "折り返し電話", noCallbacks: "なし",
    call: "発信する", number: "電話番号", script: "トーク例", answered: "通話できた", no_answer: "不在",
    wrong_number: "番号違い", cancelled: "取り消し", overview: "待ち行列と担当者", waiting: "待ち",
    longest: "最長待ち", reassign: "再割り当て", help: "ショートカット", close: "閉じる",
    priority: "優先度", eta: "予想待ち時間", open: "受付中", closed: "受付時間外", error: "エラー",
    escalated: "SLA超過：{desk}へエスカレーションされました", dismiss: "閉じる", suggestions: "返信の候補・ヘルプ記事",
    lowRating: "低評価 {score}/5（{via}）", endedByCustomer: "お客さまがチャットを終了しました", chat: "チャット", email: "メール",
    shortcuts: [
      ["Alt+T", "会話を対応する"], ["Alt+R", "完了にする"], ["Alt+X", "転送"], ["Alt+N", "メモ入力の切り替え"],
      ["Alt+A", "割り当てを受ける"], ["Alt+D", "割り当てを見送る"], ["Alt+1〜9", "定型文を入力欄へ"],
      ["Alt+P", "在席状況の切り替え（対応可／離席）"], ["Alt+J / Alt+K", "待ち行列の次／前の会話"], ["?", "このヘルプ"],
    ],
  },
  en: {
    presence: "Presence", available: "Available", away: "Away", offline: "Offline",
    offer: "A conversation for you", accept: "Accept", decline: "Decline", offerLeft: "{s} s left",
    transfer: "Transfer", transferTo: "Transfer to", toDesk: "Desk", toAgent: "Operator", note: "Note (operators only)",
    send: "Transfer", cancel: "Cancel", routing: "Why it was routed here", sla: "SLA", due: "due",
    orders: "Orders", past: "Past conversations", canned: "Canned responses", callbacks: "Callbacks", noCallbacks: "None",
    call: "Call", number: "Number", script: "Script", answered: "Answered", no_answer: "No answer",
    wrong_number: "Wrong number", cancelled: "Cancelled", overview: "Queues and agents", waiting: "waiting",
    longest: "longest wait", reassign: "Reassign", help: "Shortcuts", close: "Close",
    priority: "Priority", eta: "Estimated wait", open: "open", closed: "closed", error: "Error",
    escalated: "SLA missed: escalated to {desk}", dismiss: "Dismiss", suggestions: "Suggested replies and articles",
    lowRating: "Low rating {score}/5 ({via})", endedByCustomer: "The customer ended the chat", chat: "chat", email: "e-mail",
    shortcuts: [
      ["Alt+T", "Take the conversation"], ["Alt+R", "Resolve"], ["Alt+X", "Transfer"], ["Alt+N", "Toggle note mode"],
      ["Alt+A", "Accept the offer"], ["Alt+D", "Decline the offer"], ["Alt+1…9", "Insert a canned response"],
      ["Alt+P", "Toggle presence (available / away)"], ["Alt+J / Alt+K", "Next / previous conversation in the queue"],
      ["?", "This help"],
    ],
  },
};

export function routingConsole({ lang, api, getCurrent, getMe, openConversation, take, resolve, toggleNote }) {
  const t = (key, values = {}) => String(TEXTS[lang === "ja" ? "ja" : "en"][key] ?? key)
    .replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
  const $ = (id) => document.getElementById(id);
  let offers = [];
  let canned = [];
  const report = (error) => alert(`${t("error")}: ${error.message}`);

  // --- presence ------------------------------------------------------------------------------------------
  function presenceSwitch(current) {
    const select = el("select", { id: "presence", "aria-label": t("presence"),
      onchange: async (event) => {
        try { await api("/api/v1/routing/presence", { method: "POST", body: JSON.stringify({ presence: event.target.value }) }); }
        catch (error) { report(error); }
      } },
    ...["available", "away", "offline"].map((value) => el("option", { value, selected: value === current }, t(value))));
    return select;
  }

  // --- offers --------------------------------------------------------------------------------------------
  function renderOffers() {
    const box = $("offers");
    if (!box) return;
    box.replaceChildren(...offers.map((offer) => {
      const left = Math.max(0, Math.round((new Date(offer.deadline) - Date.now()) / 1000));
      return el("div", { class: "offer", dataset: { id: String(offer.id) } },
        el("strong", {}, t("offer")), ` ${offer.desk || ""} · ${offer.language} · ${t("priority")} ${offer.priority} · `,
        el("span", { class: "offer-left" }, t("offerLeft", { s: left })),
        el("button", { type: "button", class: "offer-accept", onclick: () => accept(offer) }, t("accept")),
        el("button", { type: "button", class: "offer-decline", onclick: () => decline(offer) }, t("decline")));
    }));
  }

  async function refreshOffers() {
    try { offers = await api("/api/v1/routing/offers"); } catch (_) { offers = []; }
    renderOffers();
  }

  async function accept(offer) {
    try {
      const answer = await api(`/api/v1/routing/offers/${offer.id}/accept`, { method: "POST" });
      await refreshOffers();
      openConversation(answer.conversation_id);
    } catch (error) { report(error); refreshOffers(); }
  }

  async function decline(offer) {
    try { await api(`/api/v1/routing/offers/${offer.id}/decline`, { method: "POST" }); } catch (error) { report(error); }
    refreshOffers();
  }

  // --- transfer ------------------------------------------------------------------------------------------
  async function openTransfer() {
    const c = getCurrent();
    if (!c) return;
    let targets;
    try { targets = await api(`/api/v1/console/conversations/${encodeURIComponent(c.id)}/transfer-targets`); }
    catch (error) { report(error); return; }
    const deskSelect = el("select", { id: "transfer-desk" }, el("option", { value: "" }, "—"),
      ...targets.desks.map((desk) => el("option", { value: desk.id }, lang === "ja" ? desk.name_ja : desk.name_en)));
    const agentSelect = el("select", { id: "transfer-agent" }, el("option", { value: "" }, "—"),
      ...targets.agents.filter((agent) => agent.id !== getMe().id)
        .map((agent) => el("option", { value: String(agent.id) }, `${agent.name} (${t(agent.presence)})`)));
    const note = el("textarea", { id: "transfer-note", rows: "3", maxlength: "2000" });
    const dialog = el("dialog", { id: "transfer-dialog", class: "dialog" },
      el("form", { method: "dialog", onsubmit: async (event) => {
        event.preventDefault();
        const body = { note: note.value };
        if (deskSelect.value) body.desk = deskSelect.value;
        else if (agentSelect.value) body.agent_id = Number(agentSelect.value);
        try {
          await api(`/api/v1/console/conversations/${encodeURIComponent(c.id)}/transfer`, { method: "POST", body: JSON.stringify(body) });
          dialog.close(); dialog.remove();
          openConversation(c.id);
        } catch (error) { report(error); }
      } },
      el("h3", {}, t("transferTo")),
      el("label", {}, t("toDesk"), deskSelect),
      el("label", {}, t("toAgent"), agentSelect),
      el("label", {}, t("note"), note),
      el("div", { class: "actions" },
        el("button", { type: "submit", id: "transfer-send" }, t("send")),
        el("button", { type: "button", onclick: () => { dialog.close(); dialog.remove(); } }, t("cancel")))));
    document.body.append(dialog);
    dialog.showModal();
  }

  // --- details beside the chat -----------------------------------------------------------------------------
  function routingReasons(c) {
    const decided = c.events.filter((event) => event.type === "routing.decided" || event.type === "routing.escalated"
      || event.type === "sla.breached" || event.type === "conversation.transferred");
    if (!decided.length) return null;
    return [el("h3", {}, t("routing")), el("ul", { class: "routing-reasons", id: "routing-reasons" }, decided.map((event) => {
      const data = event.data;
      const parts = [event.type, data.desk, data.priority, ...(data.reasons || [])].filter(Boolean);
      if (data.eta_seconds !== undefined && data.eta_seconds !== null) parts.push(`${t("eta")} ${Math.round(data.eta_seconds / 60)} min`);
      if (data.open === false) parts.push(t("closed"));
      return el("li", {}, el("time", {}, formatTime(event.created_at, lang)), ` ${parts.join(" · ")}`);
    }))];
  }

  async function contextPanel(c) {
    const box = el("div", { id: "context" });
    try {
      const [context, responses] = await Promise.all([
        api(`/api/v1/console/conversations/${encodeURIComponent(c.id)}/context`),
        api(`/api/v1/console/conversations/${encodeURIComponent(c.id)}/canned`),
      ]);
      canned = responses;
      box.append(
        context.sla.length ? el("h3", {}, t("sla")) : "",
        el("ul", { class: "sla" }, context.sla.map((timer) =>
          el("li", { class: `sla-${timer.state}` }, `${timer.kind} · ${t("due")} ${formatTime(timer.due_at, lang)} · ${timer.state}`))),
        context.suggestions.length ? el("h3", {}, t("suggestions")) : "",
        el("ul", { class: "suggestions", id: "suggestions" }, context.suggestions.map((item) =>
          el("li", { class: `suggestion-${item.kind}` },
            el("button", { type: "button", title: item.text, onclick: () => insertText(item.text) },
              item.kind === "article" ? `📄 ${item.title}` : item.text)))),
        el("h3", {}, t("canned")),
        el("ol", { class: "canned", id: "canned" }, canned.map((item, index) =>
          el("li", {}, el("button", { type: "button", title: item.text, onclick: () => insertCanned(index) },
            `${index < 9 ? `Alt+${index + 1} ` : ""}${item.title}`)))),
        el("h3", {}, t("orders")),
        el("ul", { class: "orders", id: "orders" }, context.orders.map((order) =>
          el("li", {}, `${order.number} · ${order.status} · ¥${order.total_yen.toLocaleString("ja-JP")}`,
            order.tracking_id ? ` · ${order.carrier} ${order.tracking_id}` : "", el("br"), el("small", {}, order.items.join("、"))))),
        el("h3", {}, t("past")),
        el("ul", { class: "past" }, context.conversations.map((past) =>
          el("li", {}, el("a", { href: `#c=${encodeURIComponent(past.id)}`, onclick: (event) => { event.preventDefault(); openConversation(past.id); } },
            `${formatTime(past.created_at, lang)} · ${past.channel} · ${past.desk || "—"} · ${past.state}`)))),
      );
    } catch (_) { /* the conversation pane works without the context */ }
    return box;
  }

  function insertText(text) {
    const box = $("reply-text");
    if (!box) return;
    const start = box.selectionStart ?? box.value.length;
    box.value = box.value.slice(0, start) + text + box.value.slice(box.selectionEnd ?? start);
    box.focus();
  }

  function insertCanned(index) {
    const item = canned[index];
    if (item) insertText(item.text);
  }

  async function details(c) {
    return [routingReasons(c), await contextPanel(c)];
  }

  // --- callbacks -------------------------------------------------------------------------------------------
  async function refreshCallbacks() {
    const list = $("callbacks");
    if (!list) return;
    let rows = [];
    try { rows = await api("/api/v1/console/callbacks"); } catch (_) { return; }
    list.replaceChildren(...(rows.length ? rows.map((row) => el("li", { class: "item callback", dataset: { id: row.id },
      onclick: () => openCall(row.id) },
      el("strong", {}, row.phone_display), el("span", { class: "badge" }, row.state),
      el("span", { class: "preview" }, row.topic || ""),
      el("time", {}, `${formatTime(row.window_start, lang)}–${formatTime(row.window_end, lang)}`))) :
      [el("li", { class: "none" }, t("noCallbacks"))]));
  }

  async function openCall(id) {
    let call;
    try { call = await api(`/api/v1/console/callbacks/${encodeURIComponent(id)}/call`, { method: "POST" }); }
    catch (error) { report(error); return; }
    const cb = call.callback;
    const outcome = (value) => el("button", { type: "button", class: `outcome-${value}`, onclick: async () => {
      try {
        await api(`/api/v1/console/callbacks/${encodeURIComponent(id)}/outcome`, { method: "POST", body: JSON.stringify({ outcome: value, note: $("call-note").value }) });
        $("conversation").replaceChildren();
        refreshCallbacks();
      } catch (error) { report(error); }
    } }, t(value));
    $("conversation").replaceChildren(el("section", { class: "call", id: "call" },
      el("h2", {}, call.customer_name || cb.customer_id),
      el("p", {}, `${t("number")}: `, el("a", { href: `tel:${cb.phone}`, id: "call-number" }, cb.phone_display)),
      el("h3", {}, t("script")), el("ol", {}, call.script.map((line) => el("li", {}, line))),
      el("h3", {}, t("orders")), el("ul", {}, call.orders.map((order) => el("li", {}, `${order.number} · ${order.status}`))),
      el("textarea", { id: "call-note", rows: "2", maxlength: "500" }),
      el("div", { class: "actions" }, ...["answered", "no_answer", "wrong_number", "cancelled"].map(outcome)),
      cb.conversation_id ? el("button", { type: "button", onclick: () => openConversation(cb.conversation_id) }, "→ chat") : ""));
  }

  // --- supervision -----------------------------------------------------------------------------------------
  async function refreshOverview() {
    const box = $("overview");
    if (!box) return;
    let view;
    try { view = await api("/api/v1/routing/overview"); } catch (_) { return; }
    box.replaceChildren(
      el("ul", { class: "queues" }, view.queues.map((queue) =>
        el("li", {}, `${queue.desk}/${queue.language}: ${queue.waiting} ${t("waiting")} · ${t("longest")} ${Math.round(queue.longest_wait_s / 60)} min`))),
      el("ul", { class: "agents" }, view.agents.map((agent) =>
        el("li", { class: `agent presence-${agent.presence}` }, `${agent.name} · ${t(agent.presence)} · ${agent.load}/${agent.chat_capacity}`))));
  }

  async function reassign(agentId) {
    const c = getCurrent();
    try {
      await api(`/api/v1/console/conversations/${encodeURIComponent(c.id)}/reassign`, { method: "POST", body: JSON.stringify({ agent_id: agentId }) });
      openConversation(c.id);
    } catch (error) { report(error); }
  }

  // --- keyboard --------------------------------------------------------------------------------------------
  function showHelp() {
    const dialog = el("dialog", { id: "help-dialog", class: "dialog" }, el("h3", {}, t("help")),
      el("dl", { class: "shortcuts" }, TEXTS[lang === "ja" ? "ja" : "en"].shortcuts.flatMap(([keys, what]) =>
        [el("dt", {}, el("kbd", {}, keys)), el("dd", {}, what)])),
      el("button", { type: "button", onclick: () => { dialog.close(); dialog.remove(); } }, t("close")));
    document.body.append(dialog);
    dialog.showModal();
  }

  function stepQueue(direction) {
    const items = [...document.querySelectorAll("#queue li.item, #mine li.item")];
    if (!items.length) return;
    const c = getCurrent();
    const index = items.findIndex((item) => c && item.dataset.id === c.id);
    const next = items[(index + direction + items.length) % items.length];
    openConversation(next.dataset.id);
  }

  document.addEventListener("keydown", (event) => {
    const typing = ["TEXTAREA", "INPUT", "SELECT"].includes(document.activeElement?.tagName);
    if (event.key === "?" && !typing && !event.altKey) { event.preventDefault(); showHelp(); return; }
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const key = event.code;
    const actions = {
      KeyT: () => take(), KeyR: () => resolve(), KeyX: () => openTransfer(), KeyN: () => toggleNote(),
      KeyA: () => offers[0] && accept(offers[0]), KeyD: () => offers[0] && decline(offers[0]),
      KeyJ: () => stepQueue(1), KeyK: () => stepQueue(-1),
      KeyP: () => {
        const select = $("presence");
        if (!select) return;
        select.value = select.value === "available" ? "away" : "available";
        select.dispatchEvent(new Event("change"));
      },
    };
    const digit = /^Digit([1-9])$/.exec(key);
    if (digit) { event.preventDefault(); insertCanned(Number(digit[1]) - 1); return; }
    if (actions[key] && getCurrent() !== undefined) { event.preventDefault(); actions[key](); }
  });

  // Said at once, above everything, until the operator dismisses it: a missed SLA; a low rating (1 or 2) to
  // supervisors and admins, and to a shop's staff for their shop's conversations (the feed brings a shop's staff
  // nothing else); a chat the customer ended while it was this operator's.
  function notify(kind, conversation, text) {
    const box = $("alerts");
    if (!box) return;
    const id = conversation.id;
    const alert = el("div", { class: `alert alert-${kind}`, role: "alert", dataset: { id, kind } },
      el("a", { href: `#c=${encodeURIComponent(id)}`, onclick: (click) => { click.preventDefault(); openConversation(id); } }, text),
      el("button", { type: "button", onclick: () => alert.remove() }, t("dismiss")));
    box.querySelector(`[data-id="${CSS.escape(id)}"][data-kind="${kind}"]`)?.remove();
    box.append(alert);
  }

  function onEvent(event) {
    const conversation = event.conversation;
    const where = conversation.shop_id || conversation.desk;
    const at = where ? ` · ${where}` : "";
    if (event.type === "conversation.escalated") {
      notify("escalated", conversation, t("escalated", { desk: conversation.desk || "" }));
    } else if (event.type === "csat.submitted" && event.csat && event.csat.score <= 2) {
      const me = getMe();
      if (!me || !(["admin", "supervisor"].includes(me.role) || me.shop_id)) return;
      const comment = event.csat.comment ? ` — ${event.csat.comment.slice(0, 80)}` : "";
      notify("low-rating", conversation, `${t("lowRating", { score: event.csat.score, via: t(event.csat.via) })}${at}${comment}`);
    } else if (event.type === "conversation.resolved" && event.actor === "customer") {
      const me = getMe();
      if (me && conversation.assignee_id === me.id) notify("ended", conversation, `${t("endedByCustomer")}${at}`);
    }
  }

  setInterval(() => { renderOffers(); }, 1000);
  setInterval(() => { refreshOffers(); refreshCallbacks(); refreshOverview(); }, 5000);

  return {
    presenceSwitch, refreshOffers, refreshCallbacks, refreshOverview, openTransfer, details, showHelp, reassign, onEvent,
    refresh() { refreshOffers(); refreshCallbacks(); refreshOverview(); },
    t,
  };
}
