"""What a trust check concludes, and why, in words a customer understands (Japanese and English).

A check collects findings; each finding is a reason code with the values its sentence needs. The verdict is
decided from the findings by the check itself, and the sentences are rendered only at the edge, in the
language asked for, so the same result serves the CLI, the API, the chat bot and the public page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["official", "suspicious", "unknown"]
Kind = Literal["url", "domain", "phone", "email", "mail", "text"]
Language = Literal["ja", "en"]

# code -> (Japanese, English); `{...}` are filled from the finding's values.
_SENTENCES: dict[str, tuple[str, str]] = {
    "official_domain": (
        "{domain} は{brand}の公式ドメインとして登録されています。",
        "{domain} is registered as an official domain of {brand}.",
    ),
    "official_phone": (
        "{number} は{brand}の公式窓口（{label}、{hours}）として登録されています。",
        "{number} is registered as an official line of {brand} ({label}, {hours}).",
    ),
    "official_email_domain": (
        "{domain} は{brand}がメールの送信に使う公式ドメインです。"
        "ただし差出人は偽装できるため、本文のリンクは開かず公式サイトから確認してください。",
        "{domain} is a domain {brand} sends mail from. A sender can be forged, so check on the official site "
        "rather than through links in the mail.",
    ),
    "reported_lookalike": (
        "{value} は偽物として確認・登録されています。",
        "{value} has been confirmed as a fake and is on our list of lookalikes.",
    ),
    "brand_in_subdomain": (
        "「{brand}」の名前（{token}）が、"
        "{brand}とは無関係のドメイン {domain} の前に付けられています。本物に見せかける典型的な手口です。",
        "The name of {brand} ({token}) is put in front of {domain}, a domain that has nothing to do with {brand}: "
        "a common trick to look genuine.",
    ),
    "official_domain_in_subdomain": (
        "本物のドメイン {official} が、別のドメイン {domain} の一部として使われています。"
        "実際の行き先は {domain} です。",
        "The genuine domain {official} is used as part of another domain, {domain}; the address really leads to "
        "{domain}.",
    ),
    "glued_domain": (
        "アドレスの先頭に {shown} と書かれていますが、ハイフンで後ろにつながっており、実際のドメインは {domain} です。"
        "本物のドメインに見せかける手口です。",
        "The address begins with {shown}, but a hyphen joins it to more: the domain is really {domain}. This is "
        "a trick to pass for a genuine domain.",
    ),
    "spelt_domain": (
        "{domain} の「{token}」は、ドメイン名の点をハイフンに置き換えて"
        "「{keyword}」（{brand}）のアドレスに見せかけた綴りです。",
        "“{token}” in {domain} spells an address of “{keyword}” ({brand}) with hyphens for dots, to pass for it.",
    ),
    "official_domain_in_path": (
        "{brand}の公式ドメイン {official} が、無関係のサイト {domain} のパスに書かれています。"
        "実際の行き先は {domain} です。",
        "The official domain of {brand}, {official}, is written in the path of {domain}, a site that has nothing "
        "to do with it; the address really leads to {domain}.",
    ),
    "brand_in_domain": (
        "ドメイン {domain} に「{brand}」の名前（{token}）が含まれていますが、{brand}の公式ドメインではありません。",
        "The domain {domain} contains the name of {brand} ({token}) but is not an official domain of {brand}.",
    ),
    "typosquat": (
        "{domain} の「{token}」は「{keyword}」（{brand}）に似せた綴りです。",
        "“{token}” in {domain} is spelled to look like “{keyword}” ({brand}).",
    ),
    "typosquat_keyboard": (
        "{domain} の「{token}」は「{keyword}」（{brand}）のキーボード上の隣の文字を打った綴りです。",
        "“{token}” in {domain} is “{keyword}” ({brand}) with a neighbouring key typed instead.",
    ),
    "homoglyph": (
        "{domain} には、英字に見える別の文字（{characters}）が使われ、「{keyword}」（{brand}）に見せかけています。",
        "{domain} uses characters that only look like Latin letters ({characters}) to imitate “{keyword}” ({brand}).",
    ),
    "letter_lookalike": (
        "{domain} の「{token}」は、似た形の文字の置き換え（rn→m、"
        "0→o など）で「{keyword}」（{brand}）に見せかけています。",
        "“{token}” in {domain} imitates “{keyword}” ({brand}) with look-alike letters (rn for m, 0 for o, …).",
    ),
    "brand_in_path": (
        "アドレスの後半に「{brand}」の名前（{token}）がありますが、行き先は{brand}と無関係の {domain} です。",
        "The name of {brand} ({token}) appears in the path, but the site is {domain}, which is not {brand}'s.",
    ),
    "punycode": (
        "国際化ドメイン（{ascii}）で、表示は {unicode} になります。見た目で本物と区別しにくいドメインです。",
        "An internationalised domain ({ascii}) that displays as {unicode}: hard to tell apart by eye.",
    ),
    "ip_host": (
        "ドメイン名ではなく IP アドレス（{host}）のサイトです。企業の正規サイトではまず使われません。",
        "The site is a bare IP address ({host}); genuine company sites practically never use one.",
    ),
    "shortener": (
        "短縮URL（{domain}）のため、実際の行き先が分かりません。開かずに公式サイトから確認してください。",
        "A short link ({domain}) hides where it really leads; do not open it, go to the official site instead.",
    ),
    "free_hosting": (
        "{domain} は誰でもすぐに作れる無料のホスティングです。企業の公式サイトがここに置かれることはありません。",
        "{domain} is free hosting where anyone can open a site in minutes; official company sites are not there.",
    ),
    "embedded_url": (
        "{domain} は本物ですが、このアドレスは別のサイト {target} を中継して表示します。"
        "実際の中身は {target} のものです。",
        "{domain} is genuine, but this address relays another site, {target}; what you see comes from {target}.",
    ),
    "relayed_url": (
        "このアドレスは {domain} を経由して別のサイト {target} に転送します。行き先の {target} で判断しました。",
        "This address goes through {domain} on to another site, {target}; it is judged by where it leads.",
    ),
    "relay_limit": (
        "{domain} のアドレスは別のアドレスを運んでいますが、入れ子が深すぎるか数が多すぎるため"
        "（上限 {limit}）、最後の行き先まで確かめていません。",
        "The address on {domain} carries other addresses, nested too deeply or too many of them (limit {limit}), "
        "so where it finally leads was not checked.",
    ),
    "user_content": (
        "{host} は{brand}のサービスですが、"
        "誰でもページやフォームを公開できる場所です。{brand}の公式な連絡とは限りません。",
        "{host} is a {brand} service where anyone can publish pages and forms; it is not necessarily {brand} speaking.",
    ),
    "risky_tld": (
        "トップレベルドメイン「.{tld}」は、なりすましサイトに多く使われています。",
        "The top-level domain “.{tld}” is often used by fake sites.",
    ),
    "credential_words": (
        "アドレスに「{words}」などログインや本人確認を装う語が含まれています。",
        "The address contains words such as “{words}” that pose as a log-in or verification page.",
    ),
    "userinfo_trick": (
        "アドレスの「{shown}@」の部分は飾りで、実際の行き先は {domain} です。",
        "The “{shown}@” part of the address is decoration; it really leads to {domain}.",
    ),
    "not_in_directory": (
        "{value} は公式窓口の一覧にありません。公式サイトに載っている連絡先を使ってください。",
        "{value} is not in our directory of official contacts; use the contact shown on the official site.",
    ),
    "unparsable": (
        "{value} は{what}として読み取れませんでした。",
        "{value} could not be read as {what_en}.",
    ),
    "empty_input": (
        "空の行です。確認したい URL・ドメイン・メールアドレス・電話番号を1行に1つ書いてください。",
        "The line is empty; write one URL, domain, e-mail address or phone number per line.",
    ),
    "not_utf8": (
        "{line}行目は UTF-8 として読めません（{byte}バイト目）。UTF-8 で保存してください。",
        "Line {line} is not valid UTF-8 (byte {byte}): save the input as UTF-8.",
    ),
    "phone_premium": (
        "{number} は高額な通話料がかかる番号（ダイヤルQ2 など）です。企業の窓口がこの番号を使うことはありません。",
        "{number} is a premium-rate number; company support lines do not use them.",
    ),
    "phone_international": (
        "{number} は海外（{region}）の番号です。国内の窓口を名乗る連絡で海外番号が使われるのは詐欺の典型です。",
        "{number} is an international number ({region}); a Japanese help desk calling from abroad is a classic "
        "scam sign.",
    ),
    "phone_ip": (
        "{number} は IP 電話（050）の番号です。"
        "誰でもすぐに取得できるため、公式窓口かどうかは公式サイトで確認してください。",
        "{number} is an IP-phone number (050), which anyone can get in minutes; check the official site.",
    ),
    "brand_has_no_phone": (
        "{brand}は電話窓口を設けていません。{brand}を名乗る電話番号は偽物です。",
        "{brand} has no phone support at all; any number claiming to be {brand} is fake.",
    ),
    "phone_not_brands": (
        "{number} は{brand}の公式番号ではありません。{brand}の公式番号: {official}",
        "{number} is not a number of {brand}. {brand}'s official numbers: {official}",
    ),
    "freemail_brand": (
        "フリーメール（{domain}）のアドレスで「{brand}」を名乗っています。"
        "企業がフリーメールから連絡することはありません。",
        "A free-mail address ({domain}) that uses the name of {brand}; companies do not write from free mail.",
    ),
    "freemail": (
        "{domain} は個人向けのフリーメールです。企業の公式アドレスではありません。",
        "{domain} is a free personal mail service, not a company's official address.",
    ),
    "mail_claims_brand": (
        "メールは{brand}を名乗っていますが、差出人のドメイン {domain} は{brand}のものではありません。",
        "The mail claims to come from {brand}, but the sender's domain {domain} is not {brand}'s.",
    ),
    "display_name_spoof": (
        "差出人の表示名「{display}」は実際のアドレス {address} と一致しません。",
        "The sender's display name “{display}” does not match the real address {address}.",
    ),
    "reply_to_mismatch": (
        "返信先（Reply-To: {reply_to}）が差出人（{sender}）と別のドメインです。",
        "Replies go to {reply_to}, a different domain from the sender {sender}.",
    ),
    "return_path_mismatch": (
        "実際の送信元（Return-Path: {return_path}）が差出人（{sender}）と別のドメインです。",
        "The mail was really sent from {return_path}, not from the sender's domain {sender}.",
    ),
    "auth_failed": (
        "送信ドメイン認証（{method}）に失敗しています（{result}）。差出人が偽装されている可能性が高いです。",
        "Sender authentication ({method}) failed ({result}): the sender is probably forged.",
    ),
    "auth_missing": (
        "送信ドメイン認証（DMARC）で差出人の正しさを確認できません。",
        "Sender authentication (DMARC) does not confirm the sender.",
    ),
    "auth_passed": (
        "送信ドメイン認証（DMARC）に合格し、差出人は {domain} です。",
        "Sender authentication (DMARC) passed for {domain}.",
    ),
    "link_text_mismatch": (
        "リンクの表示（{shown}）と実際の行き先（{target}）が違います。",
        "A link shows {shown} but leads to {target}.",
    ),
    "link_not_official": (
        "{brand}を名乗るメールに、{brand}と無関係のサイト（{domain}）へのリンクがあります。",
        "The mail claims to be from {brand} but links to {domain}, which is not {brand}'s.",
    ),
    "urgency_words": (
        "「{words}」など、急がせる表現があります。",
        "It pushes you to hurry (“{words}”).",
    ),
    "credential_request": (
        "「{words}」など、ログイン情報やカード情報の入力を求める表現があります。正規の企業はメールで入力を求めません。",
        "It asks for log-in or card details (“{words}”); genuine companies never ask for them by mail.",
    ),
    "dangerous_attachment": (
        "危険な種類の添付ファイル（{name}）があります。開かないでください。",
        "It carries a dangerous kind of attachment ({name}); do not open it.",
    ),
    "no_sender": (
        "差出人（From）のないメールです。誰が送ったか確かめられません。",
        "The mail has no sender (no From): who sent it cannot be checked.",
    ),
    "mail_limit": (
        "{what}が上限（{limit}）を超えたため、その先は読んでいません。その先にあるリンクや添付ファイルは確かめていません。",
        "{what_en} went past the limit ({limit_en}); nothing beyond it was read, so links or attachments there "
        "were not checked.",
    ),
    "mail_unreadable": (
        "メールを読み取れませんでした（{problem}）。",
        "The mail could not be read ({problem}).",
    ),
}

_ADVICE: dict[Verdict, tuple[str, str]] = {
    "suspicious": (
        "リンクを開いたり、電話をかけたり、情報を入力したりしないでください。",
        "Do not open links, call, or enter any details.",
    ),
    "unknown": (
        "判断できません。公式サイトやカード裏面など、確かな所に載っている連絡先を使ってください。",
        "We cannot tell. Use the contact given on the official site or on the back of your card.",
    ),
    "official": ("", ""),
}


@dataclass(frozen=True, slots=True)
class BrandRef:
    id: str
    name_ja: str
    name_en: str

    def name(self, language: Language) -> str:
        return self.name_ja if language == "ja" else self.name_en


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason for a verdict: a stable code and the values of its sentence."""

    code: str
    values: dict[str, str] = field(default_factory=dict)

    def sentence(self, language: Language) -> str:
        ja, en = _SENTENCES[self.code]
        if language == "ja":
            return ja.format(**self.values)
        # A value may come in English as well, under the same key with `_en` appended.
        return en.format(**{key: self.values.get(f"{key}_en", value) for key, value in self.values.items()})


def brand_values(brand: BrandRef) -> dict[str, str]:
    """The brand's name for a finding's sentence, in both languages."""
    return {"brand": brand.name_ja, "brand_en": brand.name_en}


@dataclass(frozen=True, slots=True)
class CheckResult:
    input: str
    kind: Kind
    verdict: Verdict
    brand: BrandRef | None
    findings: tuple[Finding, ...]
    # The brand's genuine contacts, offered when something pretends to be that brand.
    official_contacts: dict[Language, tuple[str, ...]] = field(default_factory=dict)
    details: dict[str, object] = field(default_factory=dict)

    def contract(self, language: Language = "ja") -> dict[str, object]:
        """The JSON object of `madoguchi trust check` and `POST /api/v1/trust/check` (DESIGN.md)."""
        reasons = [_printable(finding.sentence(language)) for finding in self.findings]
        advice = _ADVICE[self.verdict][0 if language == "ja" else 1]
        return {
            "input": _printable(self.input),
            "kind": self.kind,
            "verdict": self.verdict,
            "brand": self.brand.id if self.brand else None,
            "brand_name": self.brand.name(language) if self.brand else None,
            "reasons": reasons,
            "reason_codes": [finding.code for finding in self.findings],
            "advice": advice or None,
            "official_contacts": list(self.official_contacts.get(language, ())),
            # One shape wherever a check answers: null, or an English sentence saying why the item could not
            # be checked (the verdict is then `unknown`).
            "error": None,
            **self.details,
        }


def _printable(text: str) -> str:
    """Text JSON can carry: lone surrogates (from undecodable input) become "?"."""
    return text.encode("utf-8", "replace").decode("utf-8") if not text.isascii() else text


def known_codes() -> frozenset[str]:
    return frozenset(_SENTENCES)
