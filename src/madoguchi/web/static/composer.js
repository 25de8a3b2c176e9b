// A message box that sends on Enter, except when Enter only confirms an IME conversion
// (kana-kanji): then the browser is still composing and the Enter belongs to the IME.
export function bindComposer(textarea, send) {
  let composing = false;
  textarea.addEventListener("compositionstart", () => { composing = true; });
  textarea.addEventListener("compositionend", () => {
    // Safari fires compositionend before the keydown of the confirming Enter: keep the flag for that event.
    setTimeout(() => { composing = false; }, 0);
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey) return;
    if (event.isComposing || event.keyCode === 229 || composing) return;
    event.preventDefault();
    submit();
  });
  function submit() {
    const text = textarea.value.trim();
    if (!text) return;
    if (send(text) !== false) textarea.value = "";
  }
  return submit;
}

export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const timeFormats = {};
export function formatTime(iso, lang) {
  const locale = { ja: "ja-JP", en: "en-GB", zh: "zh-CN", ko: "ko-KR" }[lang] || "ja-JP";
  timeFormats[locale] ||= new Intl.DateTimeFormat(locale, {
    month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "Asia/Tokyo",
  });
  return timeFormats[locale].format(new Date(iso));
}

// Builds an element; text always goes in as text, never as HTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
