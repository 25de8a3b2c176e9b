import { el } from "./composer.js";

const VERDICTS = {
  ja: { official: "公式の連絡先です", suspicious: "偽物の可能性が高いです", unknown: "公式かどうか確認できません" },
  en: { official: "This is an official contact", suspicious: "This is very likely a fake", unknown: "We cannot confirm it is official" },
};
const LABELS = {
  ja: { brand: "関係するブランド", reasons: "理由", contacts: "本物の連絡先", checking: "確認しています…", failed: "確認できませんでした",
    report: "不正・なりすましとして通報する", reported: "通報を受け付けました。担当部署が確認します。ありがとうございました。" },
  en: { brand: "Brand concerned", reasons: "Why", contacts: "The genuine contacts", checking: "Checking…", failed: "The check failed",
    report: "Report it as a fake", reported: "Thank you: your report has reached our trust & safety team." },
};

async function report(text, lang, button) {
  button.disabled = true;
  const answer = await fetch("/api/v1/trust/reports", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text }),
  }).catch(() => null);
  const body = answer ? await answer.json().catch(() => ({})) : {};
  button.replaceWith(el("p", { class: answer && answer.ok ? "advice" : "error" },
    answer && answer.ok ? LABELS[lang].reported : `${LABELS[lang].failed}: ${body.message || ""}`));
}

const form = document.getElementById("trust-form");
const input = document.getElementById("trust-input");
const language = document.getElementById("trust-lang");
const result = document.getElementById("trust-result");
if (navigator.language && !navigator.language.startsWith("ja")) language.value = "en";

function show(...children) {
  result.hidden = false;
  result.replaceChildren(...children);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const lang = language.value;
  const labels = LABELS[lang];
  show(el("p", {}, labels.checking));
  let answer;
  try {
    answer = await fetch("/api/v1/trust/check", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ input: input.value.trim(), lang }),
    });
  } catch {
    show(el("p", { class: "error" }, labels.failed));
    return;
  }
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    show(el("p", { class: "error" }, `${labels.failed}: ${body.message || answer.status}`));
    return;
  }
  // Everything below is set as text, never as HTML: the input and the reasons are shown exactly as written.
  const parts = [el("h2", { class: `verdict verdict-${body.verdict}` }, VERDICTS[lang][body.verdict])];
  parts.push(el("p", { class: "checked" }, body.input));
  if (body.brand_name) parts.push(el("p", {}, `${labels.brand}: ${body.brand_name}`));
  if (body.reasons.length) {
    parts.push(el("h3", {}, labels.reasons), el("ul", {}, ...body.reasons.map((reason) => el("li", {}, reason))));
  }
  if (body.advice) parts.push(el("p", { class: "advice" }, body.advice));
  if (body.verdict !== "official") {
    const button = el("button", { type: "button", class: "report" }, labels.report);
    button.addEventListener("click", () => report(body.input, lang, button));
    parts.push(button);
  }
  if (body.official_contacts.length) {
    parts.push(el("h3", {}, labels.contacts),
      el("ul", {}, ...body.official_contacts.map((contact) => el("li", {}, contact))));
  }
  show(...parts);
});
