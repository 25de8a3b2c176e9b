"""What the bot says, in Japanese, English, Chinese (simplified) and Korean: every key in all four
(tests/conversations/test_catalogues.py fails on a missing one). The mall's name is written in Latin letters
outside Japanese: a Chinese or Korean reader is not expected to read kana."""

from __future__ import annotations

_TEXTS: dict[str, dict[str, str]] = {
    "greeting": {
        "ja": "こんにちは。まどぐちモールのチャットです。ご注文・お届け・返品・お支払いなど、ご用件をお書きください。",
        "en": "Hello, this is Madoguchi Mall's chat. Tell me what you need: an order, a delivery, a return, a paymen"
        "t...",
        "zh": "您好，这里是 Madoguchi Mall 在线客服。请告诉我您需要什么帮助：订单、配送、退货、付款等。",
        "ko": "안녕하세요, Madoguchi Mall 채팅입니다. 주문, 배송, 반품, 결제 등 용건을 입력해 주세요.",
    },
    "thanks": {
        "ja": "どういたしまして。ほかにもご用件があれば、いつでもお書きください。",
        "en": "You're welcome. Write any time if there is anything else.",
        "zh": "不客气。如有其他问题，请随时留言。",
        "ko": "천만에요. 다른 용건이 있으시면 언제든지 입력해 주세요.",
    },
    "scope": {
        "ja": "申し訳ありません。こちらではご注文・お届け・返品・お支払い・アカウントのご相談を承っています。",
        "en": "Sorry, I can help with orders, deliveries, returns, payments and your account.",
        "zh": "抱歉，这里可以为您处理订单、配送、退货、付款和账户相关的问题。",
        "ko": "죄송합니다. 이곳에서는 주문, 배송, 반품, 결제, 계정에 관한 문의를 도와드립니다.",
    },
    "unsure": {
        "ja": "恐れ入ります、ご用件を読み取れませんでした。別の言葉で教えていただけますか。",
        "en": "Sorry, I did not quite understand. Could you put it another way?",
        "zh": "抱歉，我没有理解您的意思。能换一种说法吗？",
        "ko": "죄송합니다. 잘 이해하지 못했습니다. 다른 말로 알려 주시겠어요?",
    },
    "maybe_article": {
        "ja": "こちらのヘルプが役に立つかもしれません：「{title}」{url}",
        "en": "This help page may help: “{title}” {url}",
        "zh": "以下帮助页面或许有用：「{title}」{url}",
        "ko": "다음 도움말이 도움이 될 수 있습니다: 「{title}」{url}",
    },
    "article": {
        "ja": "「{title}」をご覧ください：{url}\n{snippet}",
        "en": "See “{title}”: {url}\n{snippet}",
        "zh": "请参阅「{title}」：{url}\n{snippet}",
        "ko": "「{title}」을(를) 확인해 주세요: {url}\n{snippet}",
    },
    "article_in": {
        "ja": "「{title}」をご覧ください（{page_language}のページです）：{url}",
        # The title is quoted as the page writes it, in the corner brackets Japanese titles take.
        "en": "See the page 「{title}」 (it is in {page_language}): {url}",
        "zh": "请参阅「{title}」（该页面为{page_language}版本）：{url}",
        "ko": "「{title}」을(를) 확인해 주세요({page_language} 페이지입니다): {url}",
    },
    "page_ja": {"ja": "日本語", "en": "Japanese", "zh": "日语", "ko": "일본어"},
    "page_en": {"ja": "英語", "en": "English", "zh": "英语", "ko": "영어"},
    "which_topic": {
        "ja": "ご注文 {number} について、どのようなご用件ですか。",
        "en": "What would you like to do about order {number}?",
        "zh": "关于订单 {number}，请问需要什么帮助？",
        "ko": "주문 {number}에 대해 어떤 용건이신가요?",
    },
    "pick_order": {
        "ja": "どのご注文についてですか。下から選ぶか、注文番号（MD-から始まる番号）をお書きください。",
        "en": "Which order is it about? Choose one below or type the order number (it starts with MD-).",
        "zh": "请问是哪一笔订单？请在下方选择，或输入订单号（以MD-开头）。",
        "ko": "어느 주문에 관한 문의인가요? 아래에서 선택하시거나 주문 번호(MD-로 시작)를 입력해 주세요.",
    },
    "pick_order_again": {
        "ja": "恐れ入ります、ご注文を特定できませんでした。下のボタンから選んでください。",
        "en": "Sorry, I could not tell which order. Please choose one of the buttons below.",
        "zh": "抱歉，无法确定是哪笔订单。请点击下方按钮选择。",
        "ko": "죄송합니다. 주문을 확인하지 못했습니다. 아래 버튼에서 선택해 주세요.",
    },
    "no_orders": {
        "ja": "このアカウントには該当するご注文が見つかりませんでした。",
        "en": "I found no matching orders on this account.",
        "zh": "此账户中没有找到相关订单。",
        "ko": "이 계정에서 해당하는 주문을 찾지 못했습니다.",
    },
    "order_not_found": {
        "ja": "ご注文 {number} はこのアカウントでは見つかりませんでした。番号をご確認ください。",
        "en": "I cannot find order {number} on this account. Please check the number.",
        "zh": "此账户中找不到订单 {number}，请确认订单号。",
        "ko": "이 계정에서 주문 {number}을(를) 찾을 수 없습니다. 번호를 확인해 주세요.",
    },
    "sign_in": {
        "ja": "ご注文の情報をお伝えするには、ログインしてからチャットを開いてください。"
        "ログインせずにお調べになる場合は、こちらをご覧ください：「{title}」{url}",
        "en": "To see your orders here, please sign in and open the chat again. "
        "Without signing in, this page explains what to do: “{title}” {url}",
        "zh": "如需查询订单信息，请登录后重新打开聊天。未登录时可参阅：「{title}」{url}",
        "ko": "주문 정보를 확인하시려면 로그인한 후 채팅을 다시 열어 주세요. 로그인하지 않고 확인하시려면: "
        "「{title}」{url}",
    },
    "sign_in_only": {
        "ja": "この操作はログイン中のお客様のみご利用いただけます。ログインしてからチャットを開いてください。",
        "en": "This is only available when you are signed in. Please sign in and open the chat again.",
        "zh": "此操作仅限已登录的客户使用。请登录后重新打开聊天。",
        "ko": "로그인한 고객만 이용하실 수 있습니다. 로그인한 후 채팅을 다시 열어 주세요.",
    },
    "status": {
        "ja": "ご注文 {number}（{items}）は現在「{status}」です。",
        "en": "Order {number} ({items}) is now: {status}.",
        "zh": "订单 {number}（{items}）当前状态：{status}。",
        "ko": "주문 {number}({items})의 현재 상태는 「{status}」입니다.",
    },
    "carrier": {
        "ja": "配送は{carrier}、追跡番号は {tracking} です。お問い合わせは{carrier}の公式窓口 {phone}（{hours}）へ。"
        "追跡ページ：{url}",
        "en": "It travels with {carrier}, tracking number {tracking}. The carrier's official contact: {phone} ({hour"
        "s}). "
        "Tracking page: {url}",
        "zh": "承运商为{carrier}，运单号 {tracking}。{carrier}官方电话：{phone}（{hours}）。查询页面：{url}",
        "ko": "배송업체는 {carrier}, 송장 번호는 {tracking}입니다. 공식 연락처: {phone}({hours}). 조회 페이지: {url}",
    },
    "delivered_checklist": {
        "ja": "配達完了と表示されているのにお手元にない場合は、宅配ボックス・郵便受け・玄関まわり・ご家族や管理人の"
        "方をご確認ください。"
        "配達完了から24時間ほどで届くこともあります。",
        "en": "When it shows as delivered but you do not have it, check the parcel locker, mailbox, around the door "
        "and "
        "with family or the building manager. Parcels sometimes arrive within 24 hours of the scan.",
        "zh": "显示已送达但未收到时，请检查快递柜、信箱、门口周围，并询问家人或管理员。有时会在24小时内送到。",
        "ko": "배달 완료로 표시되었는데 받지 못하셨다면 택배함, 우편함, 현관 주변, 가족이나 관리인에게 확인해 주세요.",
    },
    "late_checklist": {
        "ja": "配送状況は上の追跡ページで最新の情報をご確認いただけます。ご不在で持ち戻りの場合は、配送業者の公式窓"
        "口で再配達をご依頼ください。",
        "en": "The tracking page above has the latest status. If it was taken back because you were out, book a "
        "redelivery with the carrier's official contact.",
        "zh": "请在上方查询页面确认最新配送状态。如因不在家被带回，请通过承运商官方窗口预约再次配送。",
        "ko": "위 조회 페이지에서 최신 배송 상황을 확인하실 수 있습니다. 부재로 반송된 경우 배송업체 공식 창구에서 "
        "재배달을 요청해 주세요.",
    },
    "not_shipped_yet": {
        "ja": "まだ発送前です。発送されると追跡番号をお知らせします。",
        "en": "It has not been shipped yet. You will get the tracking number once it is.",
        "zh": "尚未发货。发货后会通知您运单号。",
        "ko": "아직 발송 전입니다. 발송되면 송장 번호를 알려 드립니다.",
    },
    "confirm_cancel": {
        "ja": "ご注文 {number}（{items}、{total}）をキャンセルします。よろしいですか。",
        "en": "I will cancel order {number} ({items}, {total}). Shall I go ahead?",
        "zh": "将取消订单 {number}（{items}，{total}）。确定吗？",
        "ko": "주문 {number}({items}, {total})을(를) 취소합니다. 진행할까요?",
    },
    "cancelled": {
        "ja": "ご注文 {number} をキャンセルしました。{refund}",
        "en": "Order {number} is cancelled. {refund}",
        "zh": "订单 {number} 已取消。{refund}",
        "ko": "주문 {number}이(가) 취소되었습니다. {refund}",
    },
    "cancel_refund_card": {
        "ja": "ご請求は取り消されます（カード会社の明細への反映には1〜2回の締め日をまたぐことがあります）。",
        "en": "The charge is reversed (it can take one or two billing cycles to show on your statement).",
        "zh": "将撤销扣款（信用卡账单上的显示可能需要经过1至2个结算日）。",
        "ko": "청구가 취소됩니다(카드 명세서에 반영되기까지 결제일이 1~2회 지날 수 있습니다).",
    },
    "cancel_refund_none": {
        "ja": "お支払い前のため、ご請求はありません。",
        "en": "Nothing was charged, as it had not been paid yet.",
        "zh": "由于尚未付款，不会产生任何费用。",
        "ko": "결제 전이므로 청구되는 금액은 없습니다.",
    },
    "already_cancelled": {
        "ja": "ご注文 {number} はすでにキャンセルされています。",
        "en": "Order {number} is already cancelled.",
        "zh": "订单 {number} 已经取消。",
        "ko": "주문 {number}은(는) 이미 취소되었습니다.",
    },
    "cannot_cancel_shipped": {
        "ja": "ご注文 {number} はすでに発送済みのため、キャンセルできません。お届け後30日以内でしたら返品を承ります。",
        "en": "Order {number} has already been shipped, so it can no longer be cancelled. You can return it within 30 "
        "days of delivery.",
        "zh": "订单 {number} 已发货，无法取消。收货后30天内可以申请退货。",
        "ko": "주문 {number}은(는) 이미 발송되어 취소할 수 없습니다. 배달 후 30일 이내라면 반품하실 수 있습니다.",
    },
    "kept": {
        "ja": "かしこまりました。変更はしていません。",
        "en": "All right, I have changed nothing.",
        "zh": "好的，没有做任何更改。",
        "ko": "알겠습니다. 아무것도 변경하지 않았습니다.",
    },
    "confirm_again": {
        "ja": "恐れ入ります、「はい」か「いいえ」でお答えください。",
        "en": "Sorry, please answer yes or no.",
        "zh": "抱歉，请回答“是”或“否”。",
        "ko": "죄송합니다. 「예」 또는 「아니요」로 답해 주세요.",
    },
    "ask_address": {
        "ja": "新しいお届け先の住所を、都道府県から建物名・部屋番号までお書きください。",
        "en": "Please type the new delivery address in full, from the prefecture to the building and room number.",
        "zh": "请输入完整的新收货地址，从都道府县一直写到建筑名称和房间号。",
        "ko": "새 배송지 주소를 도도부현부터 건물명·호수까지 모두 입력해 주세요.",
    },
    "confirm_address": {
        "ja": "ご注文 {number} のお届け先を「{address}」に変更します。よろしいですか。",
        "en": "I will change the delivery address of order {number} to “{address}”. Shall I go ahead?",
        "zh": "将订单 {number} 的收货地址更改为「{address}」。确定吗？",
        "ko": "주문 {number}의 배송지를 「{address}」(으)로 변경합니다. 진행할까요?",
    },
    "address_changed": {
        "ja": "ご注文 {number} のお届け先を「{address}」に変更しました。",
        "en": "The delivery address of order {number} is now “{address}”.",
        "zh": "订单 {number} 的收货地址已更改为「{address}」。",
        "ko": "주문 {number}의 배송지를 「{address}」(으)로 변경했습니다.",
    },
    "address_shipped": {
        "ja": "ご注文 {number} は発送済みのため、こちらでは変更できません。配送業者の公式窓口でお届け先の変更をご相"
        "談ください。",
        "en": "Order {number} has already left, so I cannot change it here. The carrier's official contact can redir"
        "ect it.",
        "zh": "订单 {number} 已发货，这里无法更改地址。请联系快递公司的官方窗口申请更改收货地址。",
        "ko": "주문 {number}은(는) 이미 발송되어 여기서는 변경할 수 없습니다. 배송업체 공식 창구에 배송지 변경을 "
        "문의해 주세요.",
    },
    "return_not_allowed": {
        "ja": "ご注文 {number} は返品の対象外です（{why}）。詳しくはこちら：{url}",
        "en": "Order {number} cannot be returned ({why}). Details: {url}",
        "zh": "订单 {number} 不符合退货条件（{why}）。详情请见：{url}",
        "ko": "주문 {number}은(는) 반품 대상이 아닙니다({why}). 자세한 내용: {url}",
    },
    "return_too_late": {
        "ja": "お届けから30日を過ぎています",
        "en": "more than 30 days have passed since delivery",
        "zh": "自收货起已超过30天",
        "ko": "배달일로부터 30일이 지났습니다",
    },
    "return_category": {
        "ja": "食品・デジタル商品は返品できません",
        "en": "food and digital items cannot be returned",
        "zh": "食品和数字商品不支持退货",
        "ko": "식품·디지털 상품은 반품할 수 없습니다",
    },
    "return_not_delivered": {
        "ja": "まだお届け前です。お届け前ならキャンセルをご検討ください",
        "en": "it has not been delivered yet; before delivery you can cancel it instead",
        "zh": "商品尚未送达；送达前可以考虑取消订单",
        "ko": "아직 배달 전입니다. 배달 전이라면 주문 취소를 검토해 주세요",
    },
    "return_already": {
        "ja": "すでに返品済みです",
        "en": "it has already been returned",
        "zh": "已经退货",
        "ko": "이미 반품되었습니다",
    },
    "ask_return_method": {
        "ja": "ご注文 {number} は返品できます（あと{days}日）。返送方法をお選びください。"
        "コンビニから発送するか、ご自宅まで集荷に伺います。",
        "en": "Order {number} can be returned ({days} days left). How would you like to send it back: drop it off at a "
        "convenience store, or have it picked up from your home?",
        "zh": "订单 {number} 可以退货（还剩{days}天）。请选择寄回方式：到便利店寄回，或上门取件。",
        "ko": "주문 {number}은(는) 반품하실 수 있습니다(남은 기간 {days}일). 반송 방법을 선택해 주세요. 편의점에서 "
        "발송하시거나 댁으로 방문 수거해 드립니다.",
    },
    "ask_return_method_again": {
        "ja": "恐れ入ります、「コンビニから発送」か「集荷」かをボタンからお選びください。",
        "en": "Sorry, please choose “Convenience store” or “Pick-up” with the buttons.",
        "zh": "抱歉，请通过按钮选择「便利店寄回」或「上门取件」。",
        "ko": "죄송합니다. 버튼에서 「편의점 발송」 또는 「방문 수거」를 선택해 주세요.",
    },
    "confirm_return": {
        "ja": "ご注文 {number}（{items}）の{kind}を、{method}で申し込みます。返金予定額は{refund}です。よろしいです"
        "か。",
        "en": "I will book the {kind} of order {number} ({items}) by {method}. Expected refund: {refund}. "
        "Shall I go ahead?",
        "zh": "将为订单 {number}（{items}）申请{kind}，寄回方式：{method}。预计退款金额：{refund}。确定吗？",
        "ko": "주문 {number}({items})의 {kind}을(를) {method}(으)로 신청합니다. 환불 예정 금액은 {refund}입니다. "
        "진행할까요?",
    },
    "return_fee_note": {
        "ja": "（お客様のご都合による返品は返送料{fee}を差し引きます。プレミアム会員は無料です）",
        "en": " (a return for your own reasons costs {fee} for shipping, free for Premium members)",
        "zh": "（因个人原因退货将扣除{fee}的退货运费；Premium 会员免费）",
        "ko": " (고객님 사정에 의한 반품은 반송료 {fee}을(를) 차감합니다. 프리미엄 회원은 무료입니다)",
    },
    "return_started": {
        "ja": "{kind}を受け付けました。返品コードは {code} です。{how}",
        "en": "Your {kind} is booked. Your return code is {code}. {how}",
        "zh": "已受理您的{kind}申请。退货码为 {code}。{how}",
        "ko": "{kind} 신청이 접수되었습니다. 반품 코드는 {code}입니다. {how}",
    },
    "return_how_konbini": {
        "ja": "梱包した商品をコンビニにお持ちいただき、店頭端末にこのコードを入力するか店員さんにご提示ください。",
        "en": "Take the packed item to a convenience store and enter this code at the in-store terminal or show it at "
        "the counter.",
        "zh": "请将包装好的商品带到便利店，在店内终端输入此代码，或出示给店员。",
        "ko": "포장한 상품을 편의점에 가져가셔서 매장 단말기에 이 코드를 입력하시거나 점원에게 보여 주세요.",
    },
    "return_how_pickup": {
        "ja": "配送業者から集荷日時のご連絡を差し上げます。このコードを伝票にご記入ください。",
        "en": "The carrier will contact you to arrange the pick-up. Write this code on the slip.",
        "zh": "快递公司会联系您确定上门取件的时间。请将此代码写在运单上。",
        "ko": "배송업체에서 수거 일시를 연락드립니다. 이 코드를 송장에 적어 주세요.",
    },
    "refund_none": {
        "ja": "ご注文 {number} について、現在進行中の返金はありません。返品をご希望でしたら「返品したい」とお書きく"
        "ださい。",
        "en": "There is no refund in progress for order {number}. To send it back, write “I want to return it”.",
        "zh": "订单 {number} 目前没有正在处理的退款。如需退货，请输入“我要退货”。",
        "ko": "주문 {number}에 대해 현재 진행 중인 환불은 없습니다. 반품을 원하시면 「반품하고 싶어요」라고 입력해 "
        "주세요.",
    },
    "refund_pending": {
        "ja": "ご注文 {number} の返金（{amount}）は手続き中です。{timing}",
        "en": "The refund of order {number} ({amount}) is in progress. {timing}",
        "zh": "订单 {number} 的退款（{amount}）正在处理中。{timing}",
        "ko": "주문 {number}의 환불({amount})이 진행 중입니다. {timing}",
    },
    "refund_done": {
        "ja": "ご注文 {number} の返金（{amount}）は完了しています。{timing}",
        "en": "The refund of order {number} ({amount}) has been made. {timing}",
        "zh": "订单 {number} 的退款（{amount}）已完成。{timing}",
        "ko": "주문 {number}의 환불({amount})이 완료되었습니다. {timing}",
    },
    "refund_timing_card": {
        "ja": "クレジットカードの場合、明細への反映まで1〜2回の締め日をまたぐことがあります。",
        "en": "On a credit card it can take one or two billing cycles to show.",
        "zh": "信用卡退款可能需要经过1至2个结算日才会显示在账单上。",
        "ko": "신용카드의 경우 명세서에 반영되기까지 결제일이 1~2회 지날 수 있습니다.",
    },
    "refund_timing_other": {
        "ja": "ご登録の口座・残高へ5営業日以内に返金します。",
        "en": "It is paid to your registered account or balance within 5 business days.",
        "zh": "将在5个工作日内退回到您登记的账户或余额。",
        "ko": "등록하신 계좌·잔액으로 5영업일 이내에 환불해 드립니다.",
    },
    "receipt": {
        "ja": "ご注文 {number} の領収書（PDF）はこちらからダウンロードできます（{hours}時間有効）：{url}",
        "en": "The receipt of order {number} (PDF) can be downloaded here (valid for {hours} hours): {url}",
        "zh": "订单 {number} 的收据（PDF）可在此下载（{hours}小时内有效）：{url}",
        "ko": "주문 {number}의 영수증(PDF)은 여기에서 다운로드하실 수 있습니다({hours}시간 유효): {url}",
    },
    "receipt_unpaid": {
        "ja": "ご注文 {number} はお支払いが完了していないため、領収書はまだ発行できません。",
        "en": "Order {number} has not been paid, so there is no receipt yet.",
        "zh": "订单 {number} 尚未完成付款，暂时无法开具收据。",
        "ko": "주문 {number}은(는) 결제가 완료되지 않아 아직 영수증을 발행할 수 없습니다.",
    },
    "card_issuer": {
        "ja": "身に覚えのないご請求は、カード会社にご連絡ください：{contacts}。メールやSMSに書かれた番号には掛けない"
        "でください。",
        "en": "For a charge you do not recognise, contact your card company: {contacts}. Never call a number from an "
        "e-mail or a text message.",
        "zh": "如有不明扣款，请联系发卡公司：{contacts}。请勿拨打邮件或短信中的号码。",
        "ko": "기억에 없는 청구는 카드사에 문의해 주세요: {contacts}. 메일이나 문자에 적힌 번호로는 전화하지 마세요.",
    },
    "recent_orders": {
        "ja": "最近のご注文はこちらです。ご請求がこの中のものでないかご確認ください：{orders}",
        "en": "Your recent orders, in case the charge is one of them: {orders}",
        "zh": "以下是您最近的订单，请确认该扣款是否属于其中之一：{orders}",
        "ko": "최근 주문 내역입니다. 청구가 이 중 하나가 아닌지 확인해 주세요: {orders}",
    },
    "compromised": {
        "ja": "すぐに次のことを行ってください。1. パスワードを再設定する（{url}） 2. 「ログイン中の端末」からすべて"
        "の端末をログアウトする "
        "3. 注文履歴とお届け先に見覚えのない変更がないか確認する。会員サポートに優先してお引き継ぎします。",
        "en": "Please do this now: 1. reset your password ({url}); 2. sign out all other devices under “Signed-in "
        "devices”; 3. check your orders and addresses for changes you did not make. I am passing you to member "
        "support with priority.",
        "zh": "请立即执行以下操作：1. 重新设置密码（{url}） 2. 在“已登录的设备”中退出所有设备 3. "
        "检查订单记录和收货地址是否有您不知道的更改。我们将优先为您转接会员支持。",
        "ko": "지금 바로 다음을 진행해 주세요. 1. 비밀번호 재설정({url}) 2. 「로그인 중인 기기」에서 모든 기기 "
        "로그아웃 3. 주문 내역과 배송지에 모르는 변경이 없는지 확인. 회원 지원으로 우선 연결해 드리겠습니다.",
    },
    "ask_scam_item": {
        "ja": "確認したいURL・電話番号・メールアドレス、または届いたメッセージの本文を貼り付けてください。",
        "en": "Please paste the URL, phone number, e-mail address, or the text of the message you received.",
        "zh": "请粘贴需要确认的网址、电话号码、邮箱地址，或您收到的消息内容。",
        "ko": "확인하실 URL, 전화번호, 이메일 주소 또는 받으신 메시지 본문을 붙여 넣어 주세요.",
    },
    "scam_verdict": {
        "ja": "{item}：{verdict}{brand}。{reasons}",
        "en": "{item}: {verdict}{brand}. {reasons}",
        "zh": "{item}：{verdict}{brand}。{reasons}",
        "ko": "{item}: {verdict}{brand}. {reasons}",
    },
    "verdict_official": {"ja": "公式のものです", "en": "official", "zh": "是官方联系方式", "ko": "공식 연락처입니다"},
    "verdict_suspicious": {
        "ja": "公式のものではありません（偽物の疑い）",
        "en": "NOT official (likely fake)",
        "zh": "不是官方联系方式（疑似假冒）",
        "ko": "공식 연락처가 아닙니다(가짜로 의심됨)",
    },
    "verdict_unknown": {
        "ja": "公式の連絡先としては登録されていません",
        "en": "not a registered official contact",
        "zh": "未登记为官方联系方式",
        "ko": "공식 연락처로 등록되어 있지 않습니다",
    },
    "scam_advice": {
        "ja": "リンクを開いたり、番号に掛けたり、返信したりしないでください。"
        "パスワードやカード番号を入力してしまった場合は、すぐにパスワードを変更し、カード会社にご連絡ください。",
        "en": "Do not open the link, call the number or reply. If you entered a password or a card number, change the "
        "password now and call your card company.",
        "zh": "请不要打开链接、拨打号码或回复。如果已经输入了密码或卡号，请立即修改密码并联系发卡公司。",
        "ko": "링크를 열거나 번호로 전화하거나 답장하지 마세요. 비밀번호나 카드 번호를 입력하셨다면 바로 비밀번호를 "
        "변경하고 카드사에 연락해 주세요.",
    },
    "scam_reported": {
        "ja": "安全対策チームに報告しました（受付番号 {report}）。同じ偽物を見た他のお客様にも警告されます。",
        "en": "I have reported it to our trust & safety team (report {report}); other customers are warned about it.",
        "zh": "已报告给我们的安全对策团队（受理编号 {report}）。看到同一假冒信息的其他客户也会收到警告。",
        "ko": "안전 대책 팀에 신고했습니다(접수 번호 {report}). 같은 가짜를 본 다른 고객에게도 경고가 표시됩니다.",
    },
    "ask_phone": {
        "ja": "折り返しのお電話番号をお書きください。",
        "en": "Which phone number should we call you on?",
        "zh": "请留下回电的电话号码。",
        "ko": "회신받으실 전화번호를 입력해 주세요.",
    },
    "ask_phone_again": {
        "ja": "恐れ入ります、電話番号として読み取れませんでした。例：090-1234-5678",
        "en": "Sorry, that does not look like a phone number. Example: 090-1234-5678",
        "zh": "抱歉，无法识别电话号码。例如：090-1234-5678",
        "ko": "죄송합니다. 전화번호로 인식하지 못했습니다. 예: 090-1234-5678",
    },
    "ask_window": {
        "ja": "ご都合のよい時間帯をお選びください。",
        "en": "When suits you best?",
        "zh": "请选择方便接听的时间段。",
        "ko": "편하신 시간대를 선택해 주세요.",
    },
    "ask_window_again": {
        "ja": "恐れ入ります、下のボタンから時間帯をお選びください。",
        "en": "Sorry, please choose a time with the buttons below.",
        "zh": "抱歉，请通过下方按钮选择时间段。",
        "ko": "죄송합니다. 아래 버튼에서 시간대를 선택해 주세요.",
    },
    "history": {
        "ja": "過去のチャットの記録です。リンクからテキストでダウンロードできます（{hours}時間有効）：\n{lines}",
        "en": "Your past chats. Each link downloads the transcript as text (valid for {hours} hours):\n{lines}",
        "zh": "以下是您过去的聊天记录。点击链接即可下载文本（{hours}小时内有效）：\n{lines}",
        "ko": "지난 채팅 기록입니다. 링크에서 텍스트로 다운로드하실 수 있습니다({hours}시간 유효):\n{lines}",
    },
    "history_none": {
        "ja": "過去のチャットの記録はまだありません。このチャットの記録はこちら：{url}",
        "en": "There are no earlier chats yet. This chat's transcript: {url}",
        "zh": "目前还没有过去的聊天记录。本次聊天的记录：{url}",
        "ko": "지난 채팅 기록은 아직 없습니다. 이번 채팅 기록: {url}",
    },
    "seller_platform": {
        "ja": "ご注文 {number} はまどぐちモールが販売しています。ご用件をこのままお書きください。",
        "en": "Order {number} was sold by Madoguchi Mall itself. Please tell me what you need here.",
        "zh": "订单 {number} 由 Madoguchi Mall 直接销售。请直接在这里告诉我您需要什么帮助。",
        "ko": "주문 {number}은(는) Madoguchi Mall이 직접 판매한 상품입니다. 용건을 여기에 그대로 입력해 주세요.",
    },
    "change_order": {
        "ja": "ご注文後に商品や数量を変更することはできません。発送前でしたら、キャンセルしてからあらためてご注文く"
        "ださい。",
        "en": "Items and quantities cannot be changed after ordering. Before shipment you can cancel and order again.",
        "zh": "下单后无法更改商品或数量。发货前可以先取消订单，再重新下单。",
        "ko": "주문 후에는 상품이나 수량을 변경할 수 없습니다. 발송 전이라면 취소하신 후 다시 주문해 주세요.",
    },
    "membership_cancel_confirm": {
        "ja": "まどぐちプレミアムを解約すると、次回更新日以降は送料無料・返品送料無料などの特典がなくなります。解約"
        "の手続きに進みますか。",
        "en": "If you cancel Madoguchi Premium, free shipping, free returns and the other benefits end at the next "
        "renewal date. Do you want to cancel?",
        "zh": "解除 Madoguchi Premium 后，从下次续费日起将不再享受免运费、免费退货等权益。要继续办理解约手续吗？",
        "ko": "Madoguchi Premium을 해지하시면 다음 갱신일부터 무료 배송, 무료 반품 등의 혜택이 없어집니다. 해지 "
        "절차를 진행할까요?",
    },
    "damaged_return": {
        "ja": "申し訳ございません。破損・不良・誤配送の商品は、返送料無料で返品・交換を承ります。",
        "en": "We are sorry. Damaged, defective or wrong items are returned or exchanged free of charge.",
        "zh": "非常抱歉。破损、不良或错发的商品可免运费退货或换货。",
        "ko": "죄송합니다. 파손·불량·오배송 상품은 반송료 무료로 반품·교환해 드립니다.",
    },
    "payment_checks": {
        "ja": "お支払いのトラブルは、お支払い窓口の担当者が確認します。先にこちらもご確認ください：「{title}」{url}",
        "en": "A payments specialist will look into it. Meanwhile this page lists the usual causes: “{title}” {url}",
        "zh": "付款问题将由付款窗口的工作人员为您确认。您也可以先参阅：「{title}」{url}",
        "ko": "결제 문제는 결제 창구 담당자가 확인해 드립니다. 먼저 다음 내용도 확인해 주세요: 「{title}」{url}",
    },
}

STATUS: dict[str, dict[str, str]] = {
    "pending_payment": {"ja": "お支払い待ち", "en": "awaiting payment", "zh": "待付款", "ko": "결제 대기"},
    "confirmed": {"ja": "ご注文確定", "en": "confirmed", "zh": "已确认", "ko": "주문 확정"},
    "preparing": {"ja": "発送準備中", "en": "being prepared", "zh": "备货中", "ko": "발송 준비 중"},
    "shipped": {"ja": "発送済み", "en": "shipped", "zh": "已发货", "ko": "발송 완료"},
    "in_transit": {"ja": "配送中", "en": "in transit", "zh": "运输中", "ko": "배송 중"},
    "out_for_delivery": {"ja": "本日お届け予定", "en": "out for delivery", "zh": "派送中", "ko": "배달 중"},
    "delivery_failed": {
        "ja": "ご不在のため持ち戻り",
        "en": "taken back (nobody was in)",
        "zh": "无人签收已带回",
        "ko": "부재로 반송",
    },
    "delivered": {"ja": "お届け済み", "en": "delivered", "zh": "已送达", "ko": "배달 완료"},
    "cancelled": {"ja": "キャンセル済み", "en": "cancelled", "zh": "已取消", "ko": "취소됨"},
    "returned": {"ja": "返品済み", "en": "returned", "zh": "已退货", "ko": "반품 완료"},
}

BUTTONS: dict[str, dict[str, str]] = {
    "yes": {"ja": "はい", "en": "Yes", "zh": "是", "ko": "예"},
    "no": {"ja": "いいえ", "en": "No", "zh": "否", "ko": "아니요"},
    "konbini": {"ja": "コンビニから発送", "en": "Convenience store", "zh": "便利店寄回", "ko": "편의점 발송"},
    "pickup": {"ja": "集荷", "en": "Pick-up", "zh": "上门取件", "ko": "방문 수거"},
    "morning": {"ja": "午前（9〜12時）", "en": "Morning (9-12)", "zh": "上午（9-12点）", "ko": "오전(9~12시)"},
    "afternoon": {"ja": "午後（12〜18時）", "en": "Afternoon (12-18)", "zh": "下午（12-18点）", "ko": "오후(12~18시)"},
    "evening": {"ja": "夕方（18〜21時）", "en": "Evening (18-21)", "zh": "傍晚（18-21点）", "ko": "저녁(18~21시)"},
    "operator": {"ja": "オペレーターと話す", "en": "Talk to a person", "zh": "转人工客服", "ko": "상담원 연결"},
    "track": {"ja": "注文の配送状況", "en": "Where is my order?", "zh": "查询订单", "ko": "주문 배송 조회"},
    "return": {"ja": "返品・交換", "en": "Return an item", "zh": "退货", "ko": "반품"},
    "cancel": {"ja": "キャンセル", "en": "Cancel an order", "zh": "取消订单", "ko": "주문 취소"},
    "receipt": {"ja": "領収書", "en": "Receipt", "zh": "发票", "ko": "영수증"},
}

KINDS: dict[str, dict[str, str]] = {
    "return": {"ja": "返品", "en": "return", "zh": "退货", "ko": "반품"},
    "exchange": {"ja": "交換", "en": "exchange", "zh": "换货", "ko": "교환"},
}

# "… and 2 more" after an order's first item.
MORE_ITEMS: dict[str, str] = {
    "ja": " ほか{count}点",
    "en": " and {count} more",
    "zh": " 等{count}件",
    "ko": " 외 {count}건",
}
# Prices: the yen in the reader's own way of writing it.
YEN: dict[str, str] = {"ja": "{amount}円", "en": "¥{amount}", "zh": "{amount}日元", "ko": "{amount}엔"}

CATALOGUES: dict[str, dict[str, dict[str, str]]] = {
    "bot.texts": _TEXTS,
    "bot.status": STATUS,
    "bot.buttons": BUTTONS,
    "bot.kinds": KINDS,
    "bot.more_items": {"more_items": MORE_ITEMS},
    "bot.yen": {"yen": YEN},
}


def _pick(table: dict[str, str], language: str) -> str:
    return table.get(language) or table["en"]


def say(key: str, language: str, **values: object) -> str:
    return _pick(_TEXTS[key], language).format(**{name: str(value) for name, value in values.items()})


def button(key: str, language: str) -> str:
    return _pick(BUTTONS[key], language)


def status_name(status: str, language: str) -> str:
    names = STATUS.get(status)
    return _pick(names, language) if names else status


def kind_name(kind: str, language: str) -> str:
    return _pick(KINDS[kind], language)


def yen(amount: int, language: str = "ja") -> str:
    return _pick(YEN, language).format(amount=f"{amount:,}")


def more_items(count: int, language: str) -> str:
    return _pick(MORE_ITEMS, language).format(count=count)
