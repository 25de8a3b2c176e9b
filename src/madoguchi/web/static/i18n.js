// UI strings. Customers: Japanese, English, Chinese, Korean. Operators: Japanese and English.
const STRINGS = {
  ja: {
    title: "まどぐちモール サポート", placeholder: "メッセージを入力（Enterで送信、Shift+Enterで改行）",
    send: "送信", connecting: "接続しています…", connected: "接続しました", reconnecting: "再接続しています…",
    sending: "送信中", failed: "送信できませんでした", you: "あなた", bot: "ボット", system: "お知らせ",
    operator: "担当者", queued: "担当者をお待ちください（{n}番目）", queuedNoPos: "担当者をお待ちください",
    assigned: "担当者が対応中です", waiting: "担当者からの返信があります", resolved: "このお問い合わせは完了しています。書き込むと再開します。",
    bot_state: "ご用件をお書きください", guest: "ゲスト（ログインなし）", signedInAs: "ログイン中のお客さま",
    shopChat: "ショップへのお問い合わせ", platformChat: "まどぐちモールへのお問い合わせ", welcome: "こんにちは。ご用件をお書きください。",
    console: "オペレーターコンソール", login: "ログイン", logout: "ログアウト", email: "メールアドレス", password: "パスワード",
    queue: "待ち行列", mine: "対応中", resolvedList: "完了", take: "対応する", resolve: "完了にする",
    note: "社内メモ", reply: "返信", notePlaceholder: "社内メモ（お客さまには見えません）", empty: "会話を選んでください",
    noItems: "ありません", customer: "お客さま", anonymous: "ゲスト", events: "履歴", language: "言語", desk: "担当窓口",
    state: "状態", loginFailed: "ログインできませんでした", otp: "確認コード（6桁）", otpNeeded: "認証アプリに表示されている6桁の確認コードを入力してください", live: "リアルタイム接続中", offline: "接続が切れました。再接続しています…",
    errorPrefix: "エラー", member_premium: "プレミアム会員", shop: "ショップ",
    intent: "用件", anger: "怒り", urgency: "緊急度",
    sendPhoto: "写真を送る", photo: "写真",
  },
  en: {
    title: "Madoguchi Mall support", placeholder: "Type a message (Enter to send, Shift+Enter for a new line)",
    send: "Send", connecting: "Connecting…", connected: "Connected", reconnecting: "Reconnecting…",
    sending: "sending", failed: "could not be sent", you: "You", bot: "Bot", system: "Notice",
    operator: "Operator", queued: "Please wait for an operator (you are number {n})", queuedNoPos: "Please wait for an operator",
    assigned: "An operator is with you", waiting: "The operator has replied", resolved: "This conversation is closed. Write to reopen it.",
    bot_state: "How can we help?", guest: "Guest (not signed in)", signedInAs: "Signed-in customer",
    shopChat: "Message to the shop", platformChat: "Message to Madoguchi Mall", welcome: "Hello. How can we help you?",
    console: "Operator console", login: "Log in", logout: "Log out", email: "E-mail", password: "Password",
    queue: "Queue", mine: "Mine", resolvedList: "Resolved", take: "Take", resolve: "Resolve",
    note: "Private note", reply: "Reply", notePlaceholder: "Private note (the customer never sees it)", empty: "Pick a conversation",
    noItems: "None", customer: "Customer", anonymous: "Guest", events: "History", language: "Language", desk: "Desk",
    state: "State", loginFailed: "Could not log in", otp: "Verification code (6 digits)", otpNeeded: "Enter the 6-digit code shown in your authenticator app", live: "Live", offline: "Disconnected. Reconnecting…",
    errorPrefix: "Error", member_premium: "Premium member", shop: "Shop",
    intent: "Intent", anger: "Anger", urgency: "Urgency",
    sendPhoto: "Send a photo", photo: "Photo",
  },
  zh: {
    title: "Madoguchi Mall 客服", placeholder: "请输入消息（Enter发送，Shift+Enter换行）", send: "发送",
    connecting: "正在连接…", connected: "已连接", reconnecting: "正在重新连接…", sending: "发送中", failed: "发送失败",
    you: "您", bot: "机器人", system: "通知", operator: "客服", queued: "请等待客服（第{n}位）", queuedNoPos: "请等待客服",
    assigned: "客服正在为您服务", waiting: "客服已回复", resolved: "本次咨询已结束，留言即可重新开启。", bot_state: "请告诉我们您的问题",
    guest: "访客（未登录）", signedInAs: "已登录顾客", shopChat: "咨询店铺", platformChat: "咨询 Madoguchi Mall",
    welcome: "您好，请问有什么可以帮您？", sendPhoto: "发送照片", photo: "照片",
  },
  ko: {
    title: "마도구치 몰 고객센터", placeholder: "메시지를 입력하세요 (Enter 전송, Shift+Enter 줄바꿈)", send: "전송",
    connecting: "연결 중…", connected: "연결되었습니다", reconnecting: "다시 연결 중…", sending: "전송 중", failed: "전송 실패",
    you: "나", bot: "봇", system: "안내", operator: "상담원", queued: "상담원을 기다려 주세요 ({n}번째)", queuedNoPos: "상담원을 기다려 주세요",
    assigned: "상담원이 응대 중입니다", waiting: "상담원이 답변했습니다", resolved: "문의가 완료되었습니다. 입력하시면 다시 시작됩니다.",
    bot_state: "문의 내용을 입력해 주세요", guest: "게스트 (로그인 안 함)", signedInAs: "로그인한 고객",
    shopChat: "쇼핑몰에 문의", platformChat: "마도구치 몰에 문의", welcome: "안녕하세요. 무엇을 도와드릴까요?",
    sendPhoto: "사진 보내기", photo: "사진",
  },
};

export function pickLanguage(allowed) {
  const asked = new URLSearchParams(location.search).get("lang") || localStorage.getItem("madoguchi.lang");
  if (asked && allowed.includes(asked)) return asked;
  for (const lang of navigator.languages || [navigator.language || "ja"]) {
    const short = lang.slice(0, 2).toLowerCase();
    if (allowed.includes(short)) return short;
  }
  return "ja";
}

export function translator(lang) {
  return (key, vars = {}) => {
    const text = (STRINGS[lang] && STRINGS[lang][key]) ?? STRINGS.en[key] ?? STRINGS.ja[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
  };
}
