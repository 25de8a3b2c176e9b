"""What routing tells the customer: waits, hours, callbacks, escalations, referrals (Japanese and English;
other languages read the English, which customers writing in them more often read than Japanese)."""

from __future__ import annotations

_TEXTS: dict[str, dict[str, str]] = {
    "long_wait": {
        "ja": "ただいま混み合っており、おつなぎまで約{minutes}分かかる見込みです。"
        "お待ちいただく代わりに、折り返しのお電話（ご希望の時間帯）またはメールでのご回答もお選びいただけます。",
        "en": "We are busy: the wait for an operator is about {minutes} minutes. Instead of waiting, you can ask "
        "for a phone call back at a time that suits you, or for an answer by e-mail.",
    },
    "closed": {
        "ja": "{desk}の受付時間外です。{opens}から順番にご対応します。"
        "折り返しのお電話（ご希望の時間帯）またはメールでのご回答もお選びいただけます。",
        "en": "{desk} is closed now and opens at {opens} (Japan time); we will answer in turn from then. You can "
        "also ask for a phone call back at a time that suits you, or for an answer by e-mail.",
    },
    "nobody_on_duty": {
        "ja": "{desk}は受付時間内ですが、ただいまご対応できる担当者がおりません。担当者がつき次第、順番にご対応します。"
        "お待ちいただく代わりに、折り返しのお電話（ご希望の時間帯）またはメールでのご回答もお選びいただけます。",
        "en": "{desk} is open, but no operator who can answer you is available just now; we will answer in turn as "
        "soon as one is. Instead of waiting, you can ask for a phone call back at a time that suits you, or for an "
        "answer by e-mail.",
    },
    "escalated": {
        "ja": "ショップからのお返事がお約束の時間内になかったため、{desk}が引き継いでご対応します。",
        "en": "The shop did not answer within the time it promised, so {desk} is taking over your request.",
    },
    "transferred": {
        "ja": "{desk}の担当者におつなぎします。これまでの内容は引き継ぎますので、同じご説明は不要です。",
        "en": "We are passing you to {desk}. They will see everything so far; there is no need to repeat it.",
    },
    "email_booked": {
        "ja": "メールでのご回答を承りました。担当者から {address} へ件名に [#{number}] を付けてお返事します。"
        "このチャットは閉じていただいても構いません。",
        "en": "We will answer by e-mail to {address}, with [#{number}] in the subject. You may close this chat.",
    },
    "callback_booked": {
        "ja": "折り返しのお電話を承りました。{window}に {phone} へお電話します。",
        "en": "Your callback is booked: we will call {phone} between {window} (Japan time).",
    },
}


def say(key: str, language: str, **values: str) -> str:
    texts = _TEXTS[key]
    return texts["ja" if language == "ja" else "en"].format(**values)
