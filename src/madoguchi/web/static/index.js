import { el } from "./composer.js";

const list = document.getElementById("shops");
const answer = await fetch("/api/v1/demo/shops");
if (answer.ok) {
  for (const shop of await answer.json()) {
    list.append(el("li", {}, el("strong", {}, shop.name), ` (${shop.name_en}) — `,
      el("a", { href: `/chat?shop=${encodeURIComponent(shop.id)}` }, "ショップに問い合わせる / Message the shop")));
  }
}
