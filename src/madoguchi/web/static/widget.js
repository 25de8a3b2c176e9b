// Madoguchi chat widget. Embed on any page:
//   <script src="https://support.example.jp/widget.js" data-shop="SHOP_ID" data-lang="ja" async></script>
// It adds a button that opens the customer chat in a frame served by Madoguchi itself. A page whose customer
// is signed in passes the identity token its backend signed (docs/identity.md): `data-identity-token="…"`
// on the script tag, or later `window.Madoguchi.identify(token)`; `window.Madoguchi.signOut()` forgets it.
// The token reaches the frame by postMessage, never in its URL (which would leak into logs and referrers).
(function () {
  const script = document.currentScript;
  if (!script || window.__madoguchiWidget) return;
  window.__madoguchiWidget = true;
  const origin = new URL(script.src).origin;
  const chatUrl = new URL("/chat", origin);
  chatUrl.searchParams.set("embed", "1");
  if (script.dataset.shop) chatUrl.searchParams.set("shop", script.dataset.shop);
  if (script.dataset.lang) chatUrl.searchParams.set("lang", script.dataset.lang);
  const labels = { ja: "チャットで問い合わせる", en: "Chat with us", zh: "在线咨询", ko: "채팅 문의" };
  const lang = script.dataset.lang || (navigator.language || "ja").slice(0, 2);
  let identityToken = script.dataset.identityToken || null;

  const button = document.createElement("button");
  button.type = "button";
  button.id = "madoguchi-widget-button";
  button.textContent = labels[lang] || labels.ja;
  button.setAttribute("aria-expanded", "false");
  Object.assign(button.style, {
    position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483000", padding: "12px 18px",
    borderRadius: "24px", border: "none", background: "#b7282e", color: "#fff", font: "600 15px sans-serif",
    boxShadow: "0 4px 14px rgba(0,0,0,.25)", cursor: "pointer",
  });

  let frame = null;
  function sendIdentity() {
    if (frame && frame.contentWindow) {
      frame.contentWindow.postMessage({ type: "madoguchi:identity", token: identityToken }, origin);
    }
  }
  window.Madoguchi = Object.freeze({
    identify(token) { identityToken = token || null; sendIdentity(); },
    signOut() { identityToken = null; sendIdentity(); },
  });

  button.addEventListener("click", () => {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "madoguchi-widget-frame";
      frame.title = labels[lang] || labels.ja;
      // The chat waits a moment for the token rather than open a guest chat first.
      if (identityToken) chatUrl.searchParams.set("identity", "1");
      frame.src = chatUrl.toString();
      frame.addEventListener("load", sendIdentity);
      Object.assign(frame.style, {
        position: "fixed", right: "20px", bottom: "76px", width: "min(380px, calc(100vw - 40px))",
        height: "min(600px, calc(100vh - 100px))", border: "1px solid #ddd", borderRadius: "12px",
        boxShadow: "0 8px 30px rgba(0,0,0,.25)", zIndex: "2147483000", background: "#fff",
      });
      document.body.append(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
    button.setAttribute("aria-expanded", String(!frame.hidden));
  });
  document.body.append(button);
})();
