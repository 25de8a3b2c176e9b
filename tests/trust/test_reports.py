"""A customer's report becomes a trust & safety case; what the case confirms, every later check calls out."""

from __future__ import annotations

from email.message import EmailMessage

import httpx

from tests.helpers import Console

SUPERVISOR = ("nakamura@madoguchi.localhost", "demo-supervisor")
ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")

SMS = (
    "【ヤマト運輸】お荷物のお届けにあがりましたが不在の為持ち帰りました。"
    "配送物はこちらにてご確認ください https://kuroneko-redelivery-check.example.net/track?id=8841 "
    "お問い合わせ 050-3177-2961"
)
URL = "https://kuroneko-redelivery-check.example.net/track?id=8841"


async def test_confirming_a_case_lists_only_what_was_found_suspicious(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        before = (await http.post("/api/v1/trust/check", json={"input": "050-3177-2961"})).json()
        assert before["verdict"] == "unknown"
        answer = await http.post("/api/v1/trust/reports", json={"text": SMS})
        assert answer.status_code == 201, answer.text
        case = answer.json()
        assert case["verdict"] == "suspicious"
        assert case["brand"] == "yamato"
        assert {entry["kind"] for entry in case["analysis"]} == {"url", "phone"}
    async with Console(server, *SUPERVISOR) as supervisor:
        cases = (await supervisor.get("/api/v1/console/trust/reports")).json()
        assert [listed["id"] for listed in cases] == [case["id"]]
        offered = {item["input"]: item for item in cases[0]["items"]}
        assert offered["050-3177-2961"]["listed_by_default"] is False
        assert offered[URL]["listed_by_default"] is True
        decided = await supervisor.post(f"/api/v1/console/trust/reports/{case['id']}/decision", {"decision": "confirm"})
        assert decided.status_code == 200, decided.text
        assert decided.json()["state"] == "confirmed"
        again = await supervisor.post(f"/api/v1/console/trust/reports/{case['id']}/decision", {"decision": "dismiss"})
        assert again.status_code == 409
    async with httpx.AsyncClient(base_url=server) as http:
        page = await http.post("/api/v1/trust/check", json={"input": "https://kuroneko-redelivery-check.example.net/"})
        assert "reported_lookalike" in page.json()["reason_codes"]
        after = (await http.post("/api/v1/trust/check", json={"input": "050-3177-2961"})).json()
        assert after["verdict"] == "unknown"
        assert "reported_lookalike" not in after["reason_codes"]


async def test_an_unknown_item_is_listed_when_the_handler_names_it(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        case = (await http.post("/api/v1/trust/reports", json={"text": SMS})).json()
    async with Console(server, *SUPERVISOR) as supervisor:
        decided = await supervisor.post(
            f"/api/v1/console/trust/reports/{case['id']}/decision",
            # Written another way than in the report: the same number all the same.
            {"decision": "confirm", "items": ["050 3177 2961"]},
        )
        assert decided.status_code == 200, decided.text
    async with httpx.AsyncClient(base_url=server) as http:
        number = (await http.post("/api/v1/trust/check", json={"input": "050-3177-2961"})).json()
        assert (number["verdict"], number["brand"]) == ("suspicious", "yamato")
        assert "reported_lookalike" in number["reason_codes"]
        page = (await http.post("/api/v1/trust/check", json={"input": URL})).json()
        assert "reported_lookalike" not in page["reason_codes"]


async def test_a_case_cannot_list_an_item_it_does_not_contain(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        case = (await http.post("/api/v1/trust/reports", json={"text": SMS})).json()
    async with Console(server, *SUPERVISOR) as supervisor:
        answer = await supervisor.post(
            f"/api/v1/console/trust/reports/{case['id']}/decision",
            {"decision": "confirm", "items": ["https://www.city.example.lg.jp/"]},
        )
        assert answer.status_code == 422
        assert "not an item of this case" in answer.json()["message"]
        still = (await supervisor.get("/api/v1/console/trust/reports")).json()
        assert [listed["id"] for listed in still] == [case["id"]]


async def test_an_anonymous_report_cannot_make_innocent_contacts_lookalikes(server: str) -> None:
    # A report that pairs an Amazon fake with a city's genuine site and number (neither in the directory).
    text = (
        "Amazonアカウントが停止されました https://amazon-co-jp.account-verify.example.top/signin "
        "市役所のお知らせ https://www.city.minato-example.lg.jp/ 問い合わせ 03-3578-2111"
    )
    async with httpx.AsyncClient(base_url=server) as http:
        case = (await http.post("/api/v1/trust/reports", json={"text": text})).json()
        assert (case["verdict"], case["brand"]) == ("suspicious", "amazon")
    async with Console(server, *SUPERVISOR) as supervisor:
        decided = await supervisor.post(f"/api/v1/console/trust/reports/{case['id']}/decision", {"decision": "confirm"})
        assert decided.status_code == 200, decided.text
    async with httpx.AsyncClient(base_url=server) as http:
        fake = (
            await http.post("/api/v1/trust/check", json={"input": "https://amazon-co-jp.account-verify.example.top/"})
        ).json()
        assert "reported_lookalike" in fake["reason_codes"]
        for innocent in ("https://www.city.minato-example.lg.jp/", "03-3578-2111"):
            checked = (await http.post("/api/v1/trust/check", json={"input": innocent})).json()
            assert checked["verdict"] == "unknown", checked
            assert checked["brand"] is None, checked


async def test_a_reported_mail_keeps_the_original(server: str) -> None:
    mail = EmailMessage()
    mail["From"] = "Amazon.co.jp <account-update@amazon-co-jp.example.top>"
    mail["To"] = "customer@example.jp"
    mail["Subject"] = "【重要】Amazonアカウントの確認"
    mail.set_content("24時間以内にログインして本人確認を行ってください https://amazon-co-jp.example.top/signin")
    async with httpx.AsyncClient(base_url=server) as http:
        answer = await http.post(
            "/api/v1/trust/reports/mail", content=bytes(mail), headers={"Content-Type": "message/rfc822"}
        )
    assert answer.status_code == 201, answer.text
    case = answer.json()
    assert (case["kind"], case["verdict"], case["brand"]) == ("mail", "suspicious", "amazon")
    assert case["analysis"][0]["sender"] == "account-update@amazon-co-jp.example.top"


async def test_a_reported_mails_sender_and_links_are_judged_one_by_one(server: str) -> None:
    mail = EmailMessage()
    mail["From"] = "Amazon.co.jp <account-update@amazon-co-jp.example.top>"
    mail["To"] = "customer@example.jp"
    mail["Subject"] = "【重要】Amazonアカウントの確認"
    mail.set_content(
        "24時間以内にログインして本人確認を行ってください https://amazon-co-jp.example.top/signin\n"
        "お住まいの市のお知らせ https://www.city.minato-example.lg.jp/"
    )
    async with httpx.AsyncClient(base_url=server) as http:
        case = (
            await http.post(
                "/api/v1/trust/reports/mail", content=bytes(mail), headers={"Content-Type": "message/rfc822"}
            )
        ).json()
    async with Console(server, *SUPERVISOR) as supervisor:
        listed = (await supervisor.get("/api/v1/console/trust/reports")).json()
        offered = {item["input"]: item for item in listed[0]["items"]}
        assert offered["account-update@amazon-co-jp.example.top"]["listed_by_default"] is True
        assert offered["https://www.city.minato-example.lg.jp/"]["verdict"] == "unknown"
        assert offered["https://www.city.minato-example.lg.jp/"]["listed_by_default"] is False
        decided = await supervisor.post(f"/api/v1/console/trust/reports/{case['id']}/decision", {"decision": "confirm"})
        assert decided.status_code == 200, decided.text
    async with httpx.AsyncClient(base_url=server) as http:
        city = (await http.post("/api/v1/trust/check", json={"input": "https://www.city.minato-example.lg.jp/"})).json()
        assert (city["verdict"], city["brand"]) == ("unknown", None)
        sender = (
            await http.post("/api/v1/trust/check", json={"input": "account-update@amazon-co-jp.example.top"})
        ).json()
        assert "reported_lookalike" in sender["reason_codes"]


async def test_an_official_contact_cannot_be_listed_as_a_fake(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        case = (await http.post("/api/v1/trust/reports", json={"text": "0120-999-373"})).json()
        assert case["verdict"] == "official"
    async with Console(server, *SUPERVISOR) as supervisor:
        answer = await supervisor.post(
            f"/api/v1/console/trust/reports/{case['id']}/decision", {"decision": "confirm", "items": ["0120-999-373"]}
        )
        assert answer.status_code == 422
        assert "directory" in answer.json()["message"]


async def test_an_admin_edits_the_directory_and_the_checks_follow(server: str) -> None:
    brand = {
        "name": {"ja": "さくら配送", "en": "Sakura Delivery"},
        "kind": "carrier",
        "names": ["さくら配送", "Sakura Delivery"],
        "keywords": ["sakurahaisou"],
        "domains": ["sakura-haisou.example"],
        "phones": [{"number": "0120-111-222", "label": {"ja": "お客様窓口", "en": "Customer desk"}}],
        "sources": ["https://sakura-haisou.example/contact"],
    }
    async with Console(server, *ADMIN) as admin:
        bad = await admin.http.put(
            "/api/v1/console/trust/brands/sakura",
            json={**brand, "domains": ["amazon.co.jp"]},
            headers={"X-CSRF-Token": admin.csrf},
        )
        assert bad.status_code == 422
        assert "amazon.co.jp" in bad.json()["message"]
        saved = await admin.http.put(
            "/api/v1/console/trust/brands/sakura", json=brand, headers={"X-CSRF-Token": admin.csrf}
        )
        assert saved.status_code == 200, saved.text
        entries = (await admin.get("/api/v1/auth/audit")).json()
        assert any(entry["action"] == "trust.brand.saved" and entry["target"] == "sakura" for entry in entries)
    async with httpx.AsyncClient(base_url=server) as http:
        official = (await http.post("/api/v1/trust/check", json={"input": "0120-111-222"})).json()
        assert (official["verdict"], official["brand"]) == ("official", "sakura")
        fake = (
            await http.post("/api/v1/trust/check", json={"input": "https://sakurahaisou-login.example.top/"})
        ).json()
        assert (fake["verdict"], fake["brand"]) == ("suspicious", "sakura")
