"""What the system and the bot say, in the customer's language: Japanese, English, Chinese (simplified) and
Korean, every key in all four (tests/conversations/test_catalogues.py checks it)."""

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
    "resolved_by_customer": {
        "ja": "チャットを終了しました。ご利用ありがとうございました。"
        "24時間以内でしたら、このチャットに書き込むと再開できます。",
        "en": "You have ended this chat. Thank you for contacting us. Write here within 24 hours to reopen it.",
        "zh": "您已结束本次聊天，感谢您的咨询。24小时内在此留言即可重新开启。",
        "ko": "채팅을 종료했습니다. 이용해 주셔서 감사합니다. "
        "24시간 이내에 이곳에 입력하시면 다시 이어서 상담할 수 있습니다.",
    },
    "resolved_idle": {
        "ja": "しばらくご入力がなかったため、このチャットを終了しました。"
        "24時間以内でしたら、このチャットに書き込むと再開できます。",
        "en": "We closed this chat as we have not heard from you for a while. Write here within 24 hours to reopen it.",
        "zh": "由于您一段时间内没有输入，本次聊天已结束。24小时内在此留言即可重新开启。",
        "ko": "한동안 입력이 없어 채팅을 종료했습니다. 24시간 이내에 이곳에 입력하시면 다시 이어서 상담할 수 있습니다.",
    },
    "bot.handoff": {
        "ja": "{desk}におつなぎします。ここまでの内容は担当者に引き継ぎますので、同じご説明は不要です。",
        "en": "I am passing you to {desk}. They will see everything you have told me, "
        "so there is no need to repeat it.",
        "zh": "正在为您转接{desk}。您的咨询内容将转交给工作人员，无需重复说明。",
        "ko": "{desk}(으)로 연결해 드리겠습니다. "
        "지금까지의 내용은 담당자에게 전달되므로 다시 설명하지 않으셔도 됩니다.",
    },
    "bot.shop": {
        "ja": "ご注文のショップ「{shop}」にお伝えします。ショップは{hours}時間以内にお返事します。",
        "en": "I will pass this to the shop that sold the item, {shop}. The shop replies within {hours} hours.",
        "zh": "我们将转达给售出该商品的店铺「{shop}」，店铺将在{hours}小时内回复。",
        "ko": "상품을 판매한 쇼핑몰 「{shop}」에 전달하겠습니다. 쇼핑몰은 {hours}시간 이내에 답변드립니다.",
    },
    # Said to a caller who has not shown that the order is theirs: the desk is right, the shop stays unnamed.
    "bot.shop_unnamed": {
        "ja": "ご注文の商品を販売したショップのご担当です。"
        "ご注文者様としてログインしたうえでチャットでお問い合わせいただくと、ショップにおつなぎします。",
        "en": "The shop that sold the item answers this. Sign in as the customer who ordered it and ask in the "
        "chat: we pass it to the shop.",
        "zh": "此问题由售出该商品的店铺负责。请以下单顾客身份登录后在聊天中咨询，我们将为您转达给店铺。",
        "ko": "상품을 판매한 쇼핑몰이 담당합니다. "
        "주문하신 고객님으로 로그인한 후 채팅으로 문의하시면 쇼핑몰에 전달해 드립니다.",
    },
    "bot.card_issuer": {
        "ja": "身に覚えのないご請求は、お手持ちのカードの裏面に記載された番号でカード会社にご連絡ください。"
        "メールやSMSに書かれた番号には掛けないでください。",
        "en": "For a charge you do not recognise, call your card company on the number printed on the back of your "
        "card. Never call a number given in an e-mail or a text message.",
        "zh": "如有不明扣款，请拨打您信用卡背面印有的电话联系发卡公司。请勿拨打邮件或短信中的号码。",
        "ko": "기억에 없는 청구는 카드 뒷면에 적힌 번호로 카드사에 문의해 주세요. "
        "메일이나 문자에 적힌 번호로는 전화하지 마세요.",
    },
    "bot.carrier": {
        "ja": "{carrier}の公式窓口は {phone}（{hours}）です。{tracking}",
        "en": "The official contact of {carrier} is {phone} ({hours}). {tracking}",
        "zh": "{carrier}的官方联系电话为 {phone}（{hours}）。{tracking}",
        "ko": "{carrier}의 공식 연락처는 {phone}({hours})입니다. {tracking}",
    },
    "bot.carrier_any": {
        "ja": "配送業者の公式窓口をご案内します：{contacts}",
        "en": "The carriers' official contacts: {contacts}",
        "zh": "各快递公司的官方联系方式：{contacts}",
        "ko": "배송업체 공식 연락처: {contacts}",
    },
    "bot.article": {
        "ja": "こちらのヘルプをご覧ください：「{title}」",
        "en": "This help page answers it: “{title}”",
        "zh": "请参阅帮助页面：「{title}」",
        "ko": "다음 도움말을 확인해 주세요: 「{title}」",
    },
    # An operator's first words when the customer has only asked for a person: what is the need?
    "assist.ask_need": {
        "ja": "お待たせいたしました。担当の者です。どのようなご用件でしょうか。"
        "ご注文についてでしたら、注文番号もお知らせください。",
        "en": "Thank you for waiting, I am here to help. What can I do for you? "
        "If it is about an order, please add the order number.",
        "zh": "让您久等了，我是负责的客服人员。请问有什么可以帮您？如果是关于订单的问题，请告诉我订单号。",
        "ko": "기다려 주셔서 감사합니다. 담당자입니다. 어떤 용건이신가요? 주문 관련 문의라면 주문 번호도 알려 주세요.",
    },
    "bot.out_of_scope": {
        "ja": "申し訳ありません。こちらではご注文・お届け・お支払い・アカウントについてのご相談を承っています。",
        "en": "Sorry, I can help with orders, deliveries, payments and your account.",
        "zh": "抱歉，这里可以为您处理订单、配送、付款和账户相关的问题。",
        "ko": "죄송합니다. 이곳에서는 주문, 배송, 결제, 계정에 관한 문의를 도와드립니다.",
    },
    "bot.unsure": {
        "ja": "恐れ入りますが、もう少し詳しく教えていただけますか。ご注文番号があれば添えてください。",
        "en": "Could you tell me a little more? Please add the order number if you have one.",
        "zh": "能再详细说明一下吗？如有订单号请一并提供。",
        "ko": "조금 더 자세히 알려 주시겠어요? 주문 번호가 있으면 함께 알려 주세요.",
    },
    "bot.tracking": {
        "ja": "追跡番号: {number}",
        "en": "Tracking number: {number}",
        "zh": "运单号：{number}",
        "ko": "송장 번호: {number}",
    },
}


def catalogue() -> dict[str, dict[str, str]]:
    """Every key with its four texts (for the check that none is missing)."""
    return _PHRASES


def phrase(key: str, language: str, **values: str) -> str:
    texts = _PHRASES[key]
    return (texts.get(language) or texts["en"]).format(**values)
