// What an event of a conversation says beyond its type: the mail received (subject, sender, files to download,
// warnings), why a mail is waiting or failed. Set as text and links only: mail content is the customer's.
import { el } from "./composer.js";

const WORDS = {
  ja: { from: "差出人", files: "添付ファイル", warning: "注意", failed: "送信できませんでした", waiting: "送信待ち",
    rating: "評価", chat: "チャット", email: "メール" },
  en: { from: "From", files: "Attachments", warning: "Warning", failed: "Not delivered", waiting: "Waiting to be sent",
    rating: "Rating", chat: "chat", email: "e-mail" },
};

function size(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

export function eventDetail(event, conversationId, lang) {
  const words = WORDS[lang] || WORDS.ja;
  const data = event.data || {};
  if (event.type === "email.received") {
    const files = (data.attachments || []).map((file) => el("li", {},
      el("a", { href: `/api/v1/console/conversations/${encodeURIComponent(conversationId)}/attachments/${encodeURIComponent(file.id)}`,
        download: file.filename || "attachment" }, file.filename || file.id),
      ` (${file.type || "?"}, ${size(file.size || 0)})`));
    return el("div", { class: "event-detail" },
      data.subject ? el("div", {}, `[#${data.ticket}] ${data.subject}`) : null,
      data.from_address ? el("div", {}, `${words.from}: ${data.from_address}`) : null,
      files.length ? el("div", {}, `${words.files}:`, el("ul", {}, ...files)) : null,
      ...(data.warnings || []).map((warning) => el("div", { class: "error" }, `${words.warning}: ${warning}`)));
  }
  if (event.type === "email.failed") {
    return el("div", { class: "event-detail error" },
      `${words.failed}: ${[data.reason, data.code, data.error].filter(Boolean).join(" · ")}`);
  }
  if (event.type === "csat.submitted") {
    return el("div", { class: `event-detail${data.score <= 2 ? " error" : ""}` },
      `${words.rating}: ${data.score}/5 (${words[data.via] || data.via})`,
      data.comment ? el("div", { class: "csat-comment" }, data.comment) : null);
  }
  if (event.type === "email.queued") {
    return el("div", { class: "event-detail" }, data.to ? `→ ${data.to}` : null,
      data.waiting ? el("div", {}, `${words.waiting}: ${data.waiting}`) : null);
  }
  return null;
}
