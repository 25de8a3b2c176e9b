"""`madoguchi trust check` and `madoguchi trust check-email`, run as the installed command (DESIGN.md contract)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

MADOGUCHI = Path(sys.executable).parent / "madoguchi"
CONTRACT = {"input", "kind", "verdict", "brand", "brand_name", "reasons"}
VERDICTS = {"official", "suspicious", "unknown"}
BRAND_ID = re.compile(r"^[a-z][a-z0-9_]*$")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

PHISHING_MAIL = (
    b'From: "Amazon.co.jp" <account-update@amazon-security.example.top>\r\n'
    b"To: customer@example.jp\r\n"
    b"Subject: =?utf-8?B?44CQ6YeN6KaB44CR44Ki44Kr44Km44Oz44OI44Gu56K66KqN?=\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\n"
    + "24時間以内に https://amazon-security.example.top/ap/signin からログインしてください。\r\n".encode()
)
GENUINE_MAIL = (
    b"Authentication-Results: mx.example.jp; spf=pass smtp.mailfrom=amazon.co.jp; dkim=pass header.d=amazon.co.jp;"
    b" dmarc=pass header.from=amazon.co.jp\r\n"
    b"From: Amazon.co.jp <shipment-tracking@amazon.co.jp>\r\n"
    b"To: customer@example.jp\r\n"
    b"Subject: =?utf-8?B?55m66YCB44Gu44GK55+l44KJ44Gb?=\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    + "ご注文の商品を発送しました。https://www.amazon.co.jp/gp/css/order-history\r\n".encode()
)


def run(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    environment = {**os.environ, "PYTHONUTF8": "1"}
    return subprocess.run(
        [str(MADOGUCHI), "trust", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        cwd=cwd,
        env=environment,
        check=False,
    )


def answers(done: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    lines = done.stdout.decode("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def assert_contract(answer: dict[str, Any]) -> None:
    assert set(answer) >= CONTRACT, f"missing {CONTRACT - set(answer)} in {answer}"
    assert answer["input"] is None or isinstance(answer["input"], str)
    assert answer["kind"] in {"url", "domain", "phone", "email", "mail", "text"}, answer
    assert answer["verdict"] in VERDICTS, answer
    if answer["brand"] is None:
        assert answer["brand_name"] is None, answer
    else:
        assert BRAND_ID.match(answer["brand"]), answer
        assert isinstance(answer["brand_name"], str)
        assert answer["brand_name"]
    assert isinstance(answer["reasons"], list)
    assert answer["reasons"], answer
    assert all(isinstance(reason, str) and reason for reason in answer["reasons"])


def test_check_writes_one_object_per_item_line() -> None:
    lines = [
        b"https://www.amazon.co.jp/gp/help/customer/display.html",
        b"support@amazon-co-jp.example.top",
        b"0120-999-373",
        b"rakuten.co.jp",
        b"",
        b"   \t",
        b"\xff\xfe invalid \xc3\x28 utf-8",
        b"https://amaz0n-jp.com/signin\r",
        "０１２０－０１－９６２５".encode(),
    ]
    done = run("check", stdin=b"\n".join(lines) + b"\n")
    assert done.returncode == 0, done.stderr.decode()
    result = answers(done)
    assert len(result) == len(lines), result  # one answer per line, in order, blank lines included
    url, address, phone, domain, blank, spaces, invalid, lookalike, wide_phone = result
    for answer in (url, address, phone, domain, lookalike, wide_phone):
        assert_contract(answer)
    assert (url["kind"], url["verdict"], url["brand"]) == ("url", "official", "amazon")
    assert url["input"] == "https://www.amazon.co.jp/gp/help/customer/display.html"
    assert (address["kind"], address["verdict"], address["brand"]) == ("email", "suspicious", "amazon")
    assert (phone["kind"], phone["verdict"], phone["brand"]) == ("phone", "official", "amazon")
    assert (domain["kind"], domain["verdict"], domain["brand"]) == ("domain", "official", "rakuten")
    assert domain["brand_name"] == "楽天市場（楽天グループ）"
    assert (lookalike["input"], lookalike["verdict"], lookalike["brand"]) == (
        "https://amaz0n-jp.com/signin",
        "suspicious",
        "amazon",
    )
    assert (wide_phone["kind"], wide_phone["verdict"], wide_phone["brand"]) == ("phone", "official", "yamato")
    assert all(JAPANESE.search(answer["reasons"][0]) for answer in (url, address, phone, domain, lookalike))
    # A line that is not UTF-8 is answered in the same shape, with a reason that says what is wrong.
    assert_contract(invalid)
    assert (invalid["verdict"], invalid["brand"]) == ("unknown", None)
    assert "UTF-8" in " ".join(invalid["reasons"])
    assert isinstance(invalid["error"], str)
    assert "UTF-8" in invalid["error"]
    for empty in (blank, spaces):
        assert_contract(empty)
        assert (empty["verdict"], empty["brand"], empty["reason_codes"]) == ("unknown", None, ["empty_input"])
        assert isinstance(empty["error"], str)


def test_answers_pair_with_input_lines_by_position() -> None:
    lines = [b"", b"amazon.co.jp", b"", b"", b"https://amaz0n-jp.com/", b"\xff", b"   ", b"0120-999-373"]
    done = run("check", stdin=b"\r\n".join(lines) + b"\r\n")
    assert done.returncode == 0, done.stderr.decode()
    result = answers(done)
    assert len(result) == len(lines)
    assert [answer["error"] is not None for answer in result] == [
        True,
        False,
        True,
        True,
        False,
        True,
        True,
        False,
    ]
    assert [answer["verdict"] for answer in result][1::3] == ["official", "suspicious", "official"]


def test_every_error_is_a_string_or_null() -> None:
    items = [b"", b"amazon.co.jp", b"\xc3\x28", b"not an item at all", b"https://" + b"a" * 9000, b"http://[::zz]/"]
    done = run("check", "--lang", "en", stdin=b"\n".join(items) + b"\n")
    assert done.returncode == 0, done.stderr.decode()
    result = answers(done)
    assert len(result) == len(items)
    assert result[1]["error"] is None
    for answer in (result[0], *result[2:]):
        assert_contract(answer)
        assert isinstance(answer["error"], str), answer
        assert answer["error"], answer
        assert answer["verdict"] == "unknown", answer


def test_check_email_refuses_a_text_that_is_not_a_mail_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes("これは本物ですか？\nhttps://www.amazon.co.jp/\n".encode())
    for language in ("ja", "en"):
        done = run("check-email", "--lang", language, str(path))
        assert done.returncode == 0, done.stderr.decode()
        (answer,) = answers(done)
        assert_contract(answer)
        assert (answer["verdict"], answer["reason_codes"]) == ("unknown", ["mail_unreadable"])
        assert isinstance(answer["error"], str)
        assert "not a mail" in answer["error"]
        assert "?" not in answer["reasons"][0]
        assert ("メールではありません" if language == "ja" else "not a mail") in answer["reasons"][0]


def test_check_answers_in_english() -> None:
    done = run("check", "--lang", "en", stdin=b"amazon.co.jp\nhttps://www.rakuten-card.co.jp.example.top/login\n")
    assert done.returncode == 0, done.stderr.decode()
    genuine, fake = answers(done)
    for answer in (genuine, fake):
        assert_contract(answer)
        assert not any(JAPANESE.search(reason) for reason in answer["reasons"]), answer
    assert (genuine["verdict"], genuine["brand"], genuine["brand_name"]) == ("official", "amazon", "Amazon Japan")
    assert "official domain" in genuine["reasons"][0]
    assert (fake["verdict"], fake["brand"], fake["brand_name"]) == ("suspicious", "rakuten_card", "Rakuten Card")


def test_a_hyphenated_lookalike_is_named_after_the_brand_it_imitates() -> None:
    # 楽天カード, 楽天銀行 and PayPay銀行 are brands of their own, with their own official contacts: a fake
    # of rakuten-card.co.jp must name Rakuten Card, not Rakuten Ichiba.
    items = {
        "https://rakuten-card.example.top/login": "rakuten_card",
        "https://rakuten-card-security.com/": "rakuten_card",
        "rakuten-bank.example.top": "rakuten_bank",
        "paypay-bank-login.com": "paypay_bank",
    }
    done = run("check", "--lang", "en", stdin="\n".join(items).encode())
    assert done.returncode == 0, done.stderr.decode()
    named = {answer["input"]: (answer["verdict"], answer["brand"]) for answer in answers(done)}
    assert named == {item: ("suspicious", brand) for item, brand in items.items()}


def test_check_with_nothing_on_stdin_writes_nothing() -> None:
    done = run("check", stdin=b"")
    assert (done.returncode, done.stdout) == (0, b"")


def test_check_email_answers_for_a_file(tmp_path: Path) -> None:
    path = tmp_path / "suspicious.eml"
    path.write_bytes(PHISHING_MAIL)
    done = run("check-email", str(path))
    assert done.returncode == 0, done.stderr.decode()
    (answer,) = answers(done)
    assert_contract(answer)
    assert (answer["kind"], answer["verdict"], answer["brand"]) == ("mail", "suspicious", "amazon")
    assert answer["input"].endswith("suspicious.eml")
    assert JAPANESE.search(answer["reasons"][0])


def test_check_email_answers_for_each_file_in_order(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(GENUINE_MAIL)
    (tmp_path / "b.eml").write_bytes(PHISHING_MAIL)
    done = run("check-email", "--lang", "en", "a.eml", "b.eml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    genuine, fake = answers(done)
    for answer in (genuine, fake):
        assert_contract(answer)
    assert (genuine["input"], genuine["verdict"], genuine["brand"]) == ("a.eml", "official", "amazon")
    assert genuine["brand_name"] == "Amazon Japan"
    assert (fake["input"], fake["verdict"], fake["brand"]) == ("b.eml", "suspicious", "amazon")
    assert not any(JAPANESE.search(reason) for reason in genuine["reasons"])


def test_check_email_reads_standard_input() -> None:
    done = run("check-email", "-", stdin=PHISHING_MAIL)
    assert done.returncode == 0, done.stderr.decode()
    (answer,) = answers(done)
    assert_contract(answer)
    assert (answer["verdict"], answer["brand"]) == ("suspicious", "amazon")


def test_a_missing_file_is_an_error_and_the_others_are_still_answered(tmp_path: Path) -> None:
    (tmp_path / "first.eml").write_bytes(PHISHING_MAIL)
    (tmp_path / "last.eml").write_bytes(GENUINE_MAIL)
    done = run("check-email", "first.eml", "missing.eml", "last.eml", cwd=tmp_path)
    assert done.returncode == 1
    error = done.stderr.decode()
    assert "missing.eml" in error
    assert "No such file" in error
    assert "Traceback" not in error
    first, last = answers(done)
    assert (first["input"], first["verdict"]) == ("first.eml", "suspicious")
    assert (last["input"], last["verdict"]) == ("last.eml", "official")


def test_check_email_refuses_a_100_mb_file_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.eml"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: nothing is written
    done = run("check-email", "--lang", "en", str(path))
    assert done.returncode == 0, done.stderr.decode()
    (answer,) = answers(done)
    assert_contract(answer)
    assert answer["verdict"] == "unknown"
    assert "25 MB" in answer["reasons"][0]


def test_a_file_name_that_is_not_utf8_is_answered(tmp_path: Path) -> None:
    name = os.fsdecode(b"\xff\xfe-mail.eml")
    (tmp_path / name).write_bytes(PHISHING_MAIL)
    done = subprocess.run(
        [os.fsencode(MADOGUCHI), b"trust", b"check-email", b"\xff\xfe-mail.eml"],
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert "Traceback" not in done.stderr.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0
    (answer,) = answers(done)
    assert_contract(answer)
    assert (answer["verdict"], answer["brand"]) == ("suspicious", "amazon")
