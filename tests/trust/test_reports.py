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


async def test_a_reported_sms_is_analysed_and_its_fakes_are_listed_on_confirmation(server: str) -> None:
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
        decided = await supervisor.post(f"/api/v1/console/trust/reports/{case['id']}/decision", {"decision": "confirm"})
        assert decided.status_code == 200, decided.text
        assert decided.json()["state"] == "confirmed"
        again = await supervisor.post(f"/api/v1/console/trust/reports/{case['id']}/decision", {"decision": "dismiss"})
        assert again.status_code == 409
    async with httpx.AsyncClient(base_url=server) as http:
        after = (await http.post("/api/v1/trust/check", json={"input": "050-3177-2961"})).json()
        assert after["verdict"] == "suspicious"
        assert after["brand"] == "yamato"
        assert "reported_lookalike" in after["reason_codes"]
        page = await http.post("/api/v1/trust/check", json={"input": "https://kuroneko-redelivery-check.example.net/"})
        assert "reported_lookalike" in page.json()["reason_codes"]


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
