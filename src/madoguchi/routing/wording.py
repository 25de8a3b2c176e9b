"""What routing tells the customer: waits, hours, callbacks, escalations, referrals — in Japanese, English,
Chinese (simplified) and Korean, every key in all four (tests/conversations/test_catalogues.py checks it)."""

from __future__ import annotations

_TEXTS: dict[str, dict[str, str]] = {
    "long_wait": {
        "ja": "ただいま混み合っており、おつなぎまで約{minutes}分かかる見込みです。"
        "お待ちいただく代わりに、折り返しのお電話（ご希望の時間帯）またはメールでのご回答もお選びいただけます。",
        "en": "We are busy: the wait for an operator is about {minutes} minutes. Instead of waiting, you can ask "
        "for a phone call back at a time that suits you, or for an answer by e-mail.",
        "zh": "目前咨询较多，预计约需等待{minutes}分钟才能为您接通客服人员。"
        "您也可以选择在方便的时间段由我们回电，或通过邮件回复。",
        "ko": "현재 문의가 많아 상담원 연결까지 약 {minutes}분이 걸릴 것으로 예상됩니다. "
        "기다리시는 대신 원하시는 시간대에 회신 전화를 받으시거나 이메일로 답변을 받으실 수도 있습니다.",
    },
    "closed": {
        "ja": "{desk}の受付時間外です。{opens}から順番にご対応します。"
        "折り返しのお電話（ご希望の時間帯）またはメールでのご回答もお選びいただけます。",
        "en": "{desk} is closed now and opens at {opens} (Japan time); we will answer in turn from then. You can "
        "also ask for a phone call back at a time that suits you, or for an answer by e-mail.",
        "zh": "{desk}目前不在服务时间内，将于{opens}（日本时间）开始按顺序为您处理。"
        "您也可以选择在方便的时间段由我们回电，或通过邮件回复。",
        "ko": "{desk}은(는) 지금 접수 시간이 아닙니다. {opens}(일본 시간)부터 순서대로 응대해 드립니다. "
        "원하시는 시간대에 회신 전화를 받으시거나 이메일로 답변을 받으실 수도 있습니다.",
    },
    "nobody_on_duty": {
        "ja": "{desk}は受付時間内ですが、ただいまご対応できる担当者がおりません。担当者がつき次第、順番にご対応します。"
        "お待ちいただく代わりに、折り返しのお電話（ご希望の時間帯）またはメールでのご回答もお選びいただけます。",
        "en": "{desk} is open, but no operator who can answer you is available just now; we will answer in turn as "
        "soon as one is. Instead of waiting, you can ask for a phone call back at a time that suits you, or for an "
        "answer by e-mail.",
        "zh": "{desk}目前在服务时间内，但暂时没有可以为您服务的客服人员。一旦有客服人员空闲，将按顺序为您处理。"
        "您也可以选择在方便的时间段由我们回电，或通过邮件回复。",
        "ko": "{desk}은(는) 접수 시간이지만 지금은 응대할 수 있는 상담원이 없습니다. 상담원이 배정되는 대로 순서대로 "
        "응대해 드립니다. 기다리시는 대신 원하시는 시간대에 회신 전화를 받으시거나 이메일로 답변을 받으실 수도 "
        "있습니다.",
    },
    "escalated": {
        "ja": "ショップからのお返事がお約束の時間内になかったため、{desk}が引き継いでご対応します。",
        "en": "The shop did not answer within the time it promised, so {desk} is taking over your request.",
        "zh": "由于店铺未在承诺的时间内回复，{desk}将接手处理您的咨询。",
        "ko": "쇼핑몰이 약속한 시간 내에 답변하지 않아 {desk}에서 문의를 이어받아 응대해 드립니다.",
    },
    "transferred": {
        "ja": "{desk}の担当者におつなぎします。これまでの内容は引き継ぎますので、同じご説明は不要です。",
        "en": "We are passing you to {desk}. They will see everything so far; there is no need to repeat it.",
        "zh": "正在为您转接{desk}的工作人员。之前的内容会一并转交，无需重复说明。",
        "ko": "{desk} 담당자에게 연결해 드리겠습니다. 지금까지의 내용은 전달되므로 다시 설명하지 않으셔도 됩니다.",
    },
    "email_booked": {
        "ja": "メールでのご回答を承りました。担当者から {address} へ件名に [#{number}] を付けてお返事します。"
        "このチャットは閉じていただいても構いません。",
        "en": "We will answer by e-mail to {address}, with [#{number}] in the subject. You may close this chat.",
        "zh": "已为您安排邮件回复。工作人员将发送邮件至 {address}，邮件主题中带有 [#{number}]。您可以关闭此聊天窗口。",
        "ko": "이메일로 답변해 드리겠습니다. 담당자가 제목에 [#{number}]을(를) 붙여 {address}(으)로 회신드립니다. "
        "이 채팅은 닫으셔도 됩니다.",
    },
    "callback_booked": {
        "ja": "折り返しのお電話を承りました。{window}に {phone} へお電話します。",
        "en": "Your callback is booked: we will call {phone} between {window} (Japan time).",
        "zh": "已为您预约回电。我们将在{window}（日本时间）致电 {phone}。",
        "ko": "회신 전화 예약이 완료되었습니다. {window}(일본 시간)에 {phone}(으)로 전화드리겠습니다.",
    },
    "referral": {
        "ja": "{name}の公式窓口をご案内します。メールやSMSに書かれた番号ではなく、こちらにご連絡ください。",
        "en": "The official contacts of {name}. Use these, never a number given in an e-mail or a text.",
        "zh": "以下是{name}的官方联系方式。请通过这些方式联系，切勿拨打邮件或短信中提供的号码。",
        "ko": "{name}의 공식 연락처를 안내해 드립니다. 메일이나 문자에 적힌 번호가 아닌 이쪽으로 연락해 주세요.",
    },
    "callback_window_closed": {
        "ja": "その時間帯は窓口の営業時間外です（次の受付：{opens}）。別の時間帯をお選びください。",
        "en": "Nobody can call in that window: the desk is closed then (next open: {opens}). Choose another time.",
        "zh": "该时间段不在服务时间内（下次受理：{opens}）。请选择其他时间段。",
        "ko": "해당 시간대는 창구 운영 시간이 아닙니다(다음 접수: {opens}). 다른 시간대를 선택해 주세요.",
    },
    "callback_callback_pending": {
        "ja": "折り返しのお電話はすでに承っています。",
        "en": "A callback is already booked for this conversation.",
        "zh": "您已预约过回电。",
        "ko": "회신 전화는 이미 예약되어 있습니다.",
    },
    "callback_phone_missing": {
        "ja": "電話番号を入力してください。例：090-1234-5678",
        "en": "Please enter a phone number, e.g. 090-1234-5678.",
        "zh": "请输入电话号码，例如：090-1234-5678。",
        "ko": "전화번호를 입력해 주세요. 예: 090-1234-5678",
    },
    "callback_phone_unreadable": {
        "ja": "電話番号として読み取れません。090-1234-5678 のようにご入力ください。",
        "en": "That is not a phone number: enter it like 090-1234-5678.",
        "zh": "无法识别为电话号码，请按 090-1234-5678 的格式输入。",
        "ko": "전화번호로 인식할 수 없습니다. 090-1234-5678 형식으로 입력해 주세요.",
    },
    "callback_phone_invalid": {
        "ja": "この電話番号は存在しません。番号をご確認ください。",
        "en": "This phone number does not exist: check the digits.",
        "zh": "该电话号码不存在，请确认号码。",
        "ko": "존재하지 않는 전화번호입니다. 번호를 확인해 주세요.",
    },
    "callback_phone_premium": {
        "ja": "ナビダイヤル等の番号にはお掛けできません。携帯電話か固定電話の番号をお書きください。",
        "en": "We cannot call back a shared-cost or premium number. Please give a mobile or landline number.",
        "zh": "我们无法回拨 Navi Dial 等收费号码。请提供手机或固定电话号码。",
        "ko": "나비 다이얼 등 유료 번호로는 전화드릴 수 없습니다. 휴대전화나 일반 전화번호를 입력해 주세요.",
    },
    "callback_window_short": {
        "ja": "時間帯は30分以上にしてください。",
        "en": "The time window must be at least 30 minutes long.",
        "zh": "时间段至少需要30分钟。",
        "ko": "시간대는 30분 이상으로 지정해 주세요.",
    },
    "callback_window_past": {
        "ja": "過去の時間帯は選べません。これより後の時間帯をお選びください。",
        "en": "The time window has already passed: choose a later one.",
        "zh": "该时间段已经过去，请选择之后的时间段。",
        "ko": "이미 지난 시간대입니다. 이후의 시간대를 선택해 주세요.",
    },
    "callback_window_far": {
        "ja": "14日以内の時間帯を選んでください。",
        "en": "Choose a time window within the next 14 days.",
        "zh": "请选择14天以内的时间段。",
        "ko": "14일 이내의 시간대를 선택해 주세요.",
    },
}

KEYS = frozenset(_TEXTS)


def catalogue() -> dict[str, dict[str, str]]:
    """Every key with its four texts (for the check that none is missing)."""
    return _TEXTS


def say(key: str, language: str, **values: str) -> str:
    texts = _TEXTS[key]
    return (texts.get(language) or texts["en"]).format(**values)
