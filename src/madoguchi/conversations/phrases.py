"""What the system says in a conversation, in the customer's language."""

from __future__ import annotations

_PHRASES: dict[str, dict[str, str]] = {
    "queued": {
        "ja": "担当者におつなぎします。順番にご案内しますので、このままお待ちください。",
        "en": "We are connecting you to an operator. Please stay here; you will be helped in turn.",
        "zh": "正在为您转接客服人员，请稍候，我们将按顺序为您服务。",
        "ko": "상담원에게 연결해 드리겠습니다. 순서대로 안내해 드리니 잠시만 기다려 주세요.",
    },
    "queued_shop": {
        "ja": "ショップの担当者にお伝えしました。ショップは48時間以内にお返事します。",
        "en": "We have passed your message to the shop. The shop replies within 48 hours.",
        "zh": "已将您的消息转达给店铺，店铺将在48小时内回复。",
        "ko": "메시지를 쇼핑몰 담당자에게 전달했습니다. 48시간 이내에 답변드립니다.",
    },
    "assigned": {
        "ja": "{agent}が担当いたします。",
        "en": "{agent} will help you now.",
        "zh": "{agent}将为您服务。",
        "ko": "{agent}이(가) 도와드리겠습니다.",
    },
    "resolved": {
        "ja": "お問い合わせを完了しました。24時間以内でしたら、このチャットに書き込むと再開できます。",
        "en": "This conversation is closed. Write here within 24 hours to reopen it.",
        "zh": "本次咨询已结束。24小时内在此留言即可重新开启。",
        "ko": "문의가 완료되었습니다. 24시간 이내에 이곳에 입력하시면 다시 이어서 상담할 수 있습니다.",
    },
}


def phrase(key: str, language: str, **values: str) -> str:
    texts = _PHRASES[key]
    return texts.get(language, texts["ja"]).format(**values)
