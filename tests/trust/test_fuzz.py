"""Hostile and arbitrary input: every check answers with one of its three verdicts, quickly, and never raises.

The item checks (URL, domain, phone number, address) are fuzzed with hypothesis; the mail check gets the mails
an attacker would send to a public endpoint: too large, nested too deep, too many parts, wrongly encoded, zip
bombs, huge headers and random bytes.
"""

from __future__ import annotations

import base64
import functools
import io
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from madoguchi.trust.addresses import check_address
from madoguchi.trust.checker import TrustChecker
from madoguchi.trust.mail import MAX_MAIL_BYTES
from madoguchi.trust.phones import check_phone
from madoguchi.trust.urls import check_url

if TYPE_CHECKING:
    from madoguchi.trust.verdicts import CheckResult, Kind, Language

VERDICTS = {"official", "suspicious", "unknown"}
CHECKER = TrustChecker()
# A refusal must come this fast, whatever the input (seconds, on a loaded 2-core machine).
QUICK_S = 5.0

FUZZ = settings(
    max_examples=150,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ_MAILS = settings(
    max_examples=100,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_answered(result: CheckResult) -> dict[str, Any]:
    """A verdict from the three, reasons in both languages, and JSON the CLI and the API can write."""
    assert result.verdict in VERDICTS, result
    answers = {}
    languages: tuple[Language, ...] = ("ja", "en")
    for language in languages:
        contract = result.contract(language)
        assert contract["verdict"] in VERDICTS
        assert isinstance(contract["reasons"], list)
        assert contract["reasons"], contract
        assert all(isinstance(reason, str) and reason for reason in contract["reasons"])
        assert contract["brand"] is None or (contract["brand"].isascii() and contract["brand"].islower())
        orjson.dumps(contract)  # raises on what JSON cannot carry (lone surrogates, for one)
        answers[language] = contract
    return answers["en"]


# ---------------------------------------------------------------------------------------------- item checks

CONTROL = st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"])
# Letters a lookalike host is made of: Latin, Cyrillic and Greek look-alikes, full-width forms, kana, kanji.
IDN_LETTERS = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyz0123456789-")
    + list("аеорсухіјԁһӏѕԛԝ")
    + list("αβεικνορτυχ")
    + list("ａｍａｚｏｎ０１")
    + list("アマゾン楽天めるかり")
    + ["\u200b", "\u200d", "\u0301", "ß", "ς", "ﬁ"]
)
IDN_LABEL = st.text(IDN_LETTERS, min_size=1, max_size=20)
TLD = st.sampled_from(["com", "co.jp", "jp", "top", "xyz", "xn--p1ai", "みんな", "公司", "", "a", "1"])
HOST = st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(IDN_LABEL, min_size=1, max_size=5), TLD)
URL = st.builds(
    lambda scheme, userinfo, host, port, path: f"{scheme}{userinfo}{host}{port}{path}",
    st.sampled_from(["http://", "https://", "hxxps://", "ftp://", "javascript:", "", "//", "HTTPS://"]),
    st.sampled_from(["", "user@", "www.amazon.co.jp@", ":@", "a:b@"]),
    HOST,
    st.sampled_from(["", ":0", ":443", ":99999", ":-1", ":abc", ":"]),
    st.text(max_size=40).map(lambda text: "/" + text),
)
ANY_TEXT = st.one_of(
    st.text(),
    st.text(CONTROL),
    st.text(st.one_of(st.characters(), CONTROL)),
    st.binary().map(lambda raw: raw.decode("utf-8", errors="replace")),
    st.binary().map(lambda raw: raw.decode("latin-1")),
    st.binary().map(lambda raw: raw.decode("cp932", errors="ignore")),
    URL,
    HOST,
)


@FUZZ
@given(ANY_TEXT)
@example("")
@example("\x00")
@example("http://")
@example("http://[::1")
@example("http://[v1.fe80::a+en1]/")
@example("http://%E3%81%82.com/")
@example("https://xn--/")
@example("https://xn--zz-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz.com/")
@example("https://" + "a" * 64 + ".com/")
@example("https://" + "a." * 200 + "com/")
@example("tel:+")
@example("@")
@example("a@b@c")
@example("..")
def test_check_answers_any_text(text: str) -> None:
    assert_answered(CHECKER.check(text))


@FUZZ
@given(st.one_of(URL, HOST, st.text()))
def test_url_and_domain_checks_answer_any_text(text: str) -> None:
    kinds: tuple[Kind, ...] = ("url", "domain")
    for kind in kinds:
        assert_answered(check_url(text, CHECKER.directory, CHECKER.lookalikes, kind=kind))


PHONE = st.lists(
    st.sampled_from([*"0123456789+-() .ー－−―‐＋０１２３４５６７８９#*pw,;x", "tel:", "ext.", "0120", "+81", "0990"]),
    max_size=30,
).map("".join)


@FUZZ
@given(st.one_of(PHONE, st.text()))
@example("+")
@example("0" * 300)
@example("+81" + "9" * 40)
@example("+999 123 456")
@example("0990-" * 50)
def test_phone_check_answers_any_text(text: str) -> None:
    assert_answered(check_phone(text, CHECKER.directory, CHECKER.lookalikes))


ADDRESS = st.one_of(
    st.emails(),
    st.builds(lambda local, host: f"{local}@{host}", st.text(max_size=30), HOST),
    st.builds(lambda name, local, host: f'"{name}" <{local}@{host}>', st.text(max_size=20), IDN_LABEL, HOST),
)


@FUZZ
@given(st.one_of(ADDRESS, st.text()))
@example("@")
@example("a@")
@example("@amazon.co.jp")
@example("a@[127.0.0.1]")
@example("a@@amazon.co.jp")
@example('"a@amazon.co.jp"@example.top')
def test_address_check_answers_any_text(text: str) -> None:
    assert_answered(check_address(text, CHECKER.directory, CHECKER.lookalikes))


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "item",
    [
        pytest.param("a" * 1_000_000, id="1M letters"),
        pytest.param("https://" + "a." * 4000 + "com/", id="8000-character host"),
        pytest.param("https://amazon.co.jp/" + "%" * 8100, id="long path"),
        pytest.param("https://" + "ア" * 8000 + ".com/", id="long IDN label"),
        pytest.param("0" * 8192, id="8192 digits"),
        pytest.param("a" * 8000 + "@example.com", id="long address"),
        pytest.param("\u0301" * 8000, id="combining marks"),
        pytest.param("ﷺ" * 8000, id="NFKC expands 18 times"),
        pytest.param("\x00" * 8000, id="NUL"),
    ],
)
def test_very_long_items_are_answered_quickly(item: str) -> None:
    started = time.perf_counter()
    assert_answered(CHECKER.check(item))
    assert time.perf_counter() - started < QUICK_S


# ---------------------------------------------------------------------------------------------- whole mails


def check_mail_quickly(data: bytes) -> dict[str, Any]:
    started = time.perf_counter()
    result = CHECKER.check_mail(data)
    elapsed = time.perf_counter() - started
    answer = assert_answered(result)
    assert elapsed < QUICK_S, f"{elapsed:.1f} s for {len(data):,} bytes: {answer['reason_codes']}"
    return answer


# What may hang is checked in a child process with a hard deadline: a hang then costs seconds, not minutes, and
# leaves nothing running behind.
_CHILD = """
import sys, time, orjson
from madoguchi.trust.checker import TrustChecker
checker = TrustChecker()
data = sys.stdin.buffer.read()
started = time.perf_counter()
result = checker.check_mail(data)
elapsed = time.perf_counter() - started
contracts = {language: result.contract(language) for language in ("ja", "en")}
sys.stdout.write(orjson.dumps({"elapsed": elapsed, "verdict": result.verdict, **contracts}).decode())
"""
# The child's own start (imports, the directory) comes on top of the time the check may take.
CHILD_START_S = 5.0


def answer_in_a_child(data: bytes) -> dict[str, Any]:
    deadline = QUICK_S + CHILD_START_S
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD], input=data, capture_output=True, timeout=deadline, check=False
        )
    except subprocess.TimeoutExpired:
        done = None
    if done is None:
        message = f"no answer within {deadline:.0f} s for a mail of {len(data):,} bytes (the check was stopped)"
        pytest.fail(message, pytrace=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    answer: dict[str, Any] = orjson.loads(done.stdout)
    english = answer["en"]
    assert answer["verdict"] in VERDICTS
    assert english["reasons"], answer
    assert answer["ja"]["reasons"], answer
    assert answer["elapsed"] < QUICK_S, f"{answer['elapsed']:.1f} s for {len(data):,} bytes: {english['reason_codes']}"
    return {**english, "elapsed": answer["elapsed"]}


HEAD = b"From: a@example.net\r\nTo: b@example.jp\r\nSubject: test\r\nMIME-Version: 1.0\r\n"


@pytest.mark.timeout(30)
def test_a_100_mb_mail_is_refused_by_its_size() -> None:
    head = HEAD + b"Content-Type: text/plain\r\n\r\n"
    data = head.ljust(100 * 1024 * 1024, b"a")  # one allocation, no copies
    answer = check_mail_quickly(data)
    del data
    assert answer["verdict"] == "unknown"
    assert answer["reason_codes"] == ["mail_unreadable"]
    assert f"{MAX_MAIL_BYTES // (1024 * 1024)} MB" in answer["error"]
    assert "MB" in answer["reasons"][0]


def nested(levels: int) -> bytes:
    parts = [HEAD]
    parts += [
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level) for level in range(levels)
    ]
    parts.append(b"Content-Type: text/plain\r\n\r\nhello\r\n")
    parts += [b"--b%d--\r\n" % level for level in reversed(range(levels))]
    return b"".join(parts)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("levels", [50, 5000])
def test_deeply_nested_multipart_is_refused(levels: int) -> None:
    answer = check_mail_quickly(nested(levels))
    assert answer["verdict"] == "unknown"
    assert "nested" in answer["error"]


@pytest.mark.timeout(30)
def test_nested_message_rfc822_is_refused() -> None:
    data = HEAD + b"Content-Type: text/plain\r\n\r\nend\r\n"
    for _ in range(300):
        data = HEAD + b"Content-Type: message/rfc822\r\n\r\n" + data
    answer = check_mail_quickly(data)
    assert answer["verdict"] == "unknown"


def many_parts(count: int) -> bytes:
    parts = [HEAD, b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n']
    parts += [b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % number for number in range(count)]
    parts.append(b"--b--\r\n")
    return b"".join(parts)


@pytest.mark.timeout(30)
def test_a_mail_with_thousands_of_parts_is_refused() -> None:
    answer = check_mail_quickly(many_parts(5000))
    assert answer["verdict"] == "unknown"
    assert "parts" in answer["error"]


@pytest.mark.timeout(30)
def test_a_mail_at_the_size_limit_made_of_tiny_parts_is_refused_quickly() -> None:
    part = b"--b\r\n\r\n"
    data = HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + part * ((MAX_MAIL_BYTES - 200) // len(part))
    assert len(data) <= MAX_MAIL_BYTES
    answer = answer_in_a_child(data)
    assert answer["verdict"] == "unknown"
    assert "parts" in answer["error"]


def raw_mail(headers: bytes, body: bytes) -> bytes:
    return b"From: a@example.net\r\nTo: b@example.jp\r\nMIME-Version: 1.0\r\n" + headers + b"\r\n" + body


INVALID = [
    pytest.param(
        raw_mail(
            b"Subject: x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n", b"!!!!@@@@****=\r\n"
        ),
        id="bad base64",
    ),
    pytest.param(
        raw_mail(
            b"Subject: x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n", b"QUJD=\r\nRE=VG\r\n="
        ),
        id="bad base64 padding",
    ),
    pytest.param(
        raw_mail(
            b"Subject: x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n",
            b"=ZZ=\r\n=E3=8",
        ),
        id="bad quoted-printable",
    ),
    pytest.param(
        raw_mail(
            b"Subject: x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode-9\r\n", b"begin 644\r\n"
        ),
        id="unknown transfer encoding",
    ),
    pytest.param(
        raw_mail(
            b"Subject: x\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n", "楽天カード".encode("cp932")
        ),
        id="unknown charset",
    ),
    pytest.param(
        raw_mail(b'Subject: x\r\nContent-Type: text/plain; charset="../../../../etc/passwd"\r\n', b"hello"),
        id="charset that is a path",
    ),
    pytest.param(
        raw_mail(b"Subject: x\r\nContent-Type: text/plain; charset=utf-7\r\n", b"+ZeVnLIqe-+AGEAYgBj-+/v8-"),
        id="utf-7",
    ),
    pytest.param(
        raw_mail(b"Subject: x\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n", b"\x1b$B3ZE7%+\x1b$"),
        id="truncated ISO-2022-JP escape",
    ),
    pytest.param(
        raw_mail(b"Subject: =?ISO-2022-JP?B?GyRCM1pFNyUrGyQ=?=\r\nContent-Type: text/plain\r\n", b"hello"),
        id="truncated ISO-2022-JP in an encoded word",
    ),
    pytest.param(
        raw_mail(
            b"Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n",
            b"\xed\xa0\x80\xed\xbf\xbf https://\xed\xa0\x80.example.com/",
        ),
        id="utf-8 encoded lone surrogates",
    ),
    pytest.param(
        raw_mail(b"Subject: \xed\xa0\x80\xff\xfe\r\nContent-Type: text/plain\r\n", b"hello"),
        id="lone surrogate bytes in a header",
    ),
    pytest.param(
        raw_mail(b"Subject: =?utf-8?B?7aCA?= =?x-bogus?Q?a?= =?utf-8?Q?=ZZ?= =?utf-8?B?****?=\r\n", b"hello"),
        id="broken encoded words",
    ),
    pytest.param(
        b"From: =?utf-8?B?7aCA?= <a@example.net>\r\nReply-To: \xff\xfe@\xed\xa0\x80.com\r\n"
        b"Return-Path: <\xed\xa0\x80@gmail.com>\r\nSubject: x\r\n\r\nhello",
        id="lone surrogates in addresses",
    ),
    pytest.param(
        raw_mail(b"Subject: x\r\nContent-Type: multipart/mixed\r\n", b"no boundary at all\r\n"),
        id="multipart without a boundary",
    ),
    pytest.param(
        raw_mail(
            b'Subject: x\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
            b"--b\r\nContent-Type: text/html\r\n\r\n<a href=",
        ),
        id="unterminated multipart and HTML",
    ),
    pytest.param(
        raw_mail(
            b"Subject: x\r\nContent-Type: text/html; charset=utf-8\r\n",
            b"<a href='http://[::1'>x</a><a href='http://%zz/'>y</a><a href=''>",
        ),
        id="broken link targets",
    ),
    pytest.param(
        raw_mail(
            b'Subject: x\r\nContent-Type: application/zip; name="a.zip"\r\n'
            b'Content-Disposition: attachment; filename="a.zip"\r\nContent-Transfer-Encoding: base64\r\n',
            b"UEsDBBQAAAAIAAAAIQ==\r\n",
        ),
        id="truncated zip",
    ),
    pytest.param(
        raw_mail(b"Authentication-Results: ;;;==; dmarc=\r\nSubject: x\r\n", b"hello"),
        id="garbled Authentication-Results",
    ),
    pytest.param(b"\r\n\r\n\r\n", id="no headers"),
    pytest.param(b"\x00" * 1000, id="NUL bytes"),
    pytest.param(b"From: \r\nFrom: \r\nSubject:\r\n\r\n", id="empty headers"),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("data", INVALID)
def test_wrongly_encoded_mail_gets_an_answer(data: bytes) -> None:
    check_mail_quickly(data)


@functools.cache
def zip_bomb(name: str, declared: int) -> bytes:
    """A zip whose one member inflates to `declared` zero bytes: built from one deflated block, never inflated.

    A deflate stream flushed with Z_FULL_FLUSH after each chunk restarts from nothing, so the compressed form of
    one chunk of zeros repeats exactly; the CRC is computed over the chunks the same way.
    """
    chunk_size = 16 * 1024 * 1024
    assert declared % chunk_size == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(chunk_size)) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    stream = block * (declared // chunk_size) + tail
    crc = 0
    zeros = bytes(chunk_size)
    for _ in range(declared // chunk_size):
        crc = zlib.crc32(zeros, crc)
    encoded = name.encode("utf-8")
    flags = 0x800  # names in UTF-8
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, 0, 0x21, crc, len(stream), declared, len(encoded), 0)
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        flags,
        8,
        0,
        0x21,
        crc,
        len(stream),
        declared,
        len(encoded),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    directory = central + encoded
    offset = len(local) + len(encoded) + len(stream)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(directory), offset, 0)
    return local + encoded + stream + directory + end


def with_attachment(name: str, data: bytes, media_type: str = "application/zip") -> bytes:
    return raw_mail(
        b'Subject: invoice\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attachment.\r\n"
        + b"--b\r\nContent-Type: "
        + media_type.encode()
        + b'\r\nContent-Disposition: attachment; filename="'
        + name.encode()
        + b'"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + base64.encodebytes(data)
        + b"--b--\r\n",
    )


def test_the_zip_bomb_is_a_real_one() -> None:
    bomb = zip_bomb("invoice.pdf.exe", 1024 * 1024 * 1024)
    assert len(bomb) < 2 * 1024 * 1024
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        (info,) = archive.infolist()
        assert (info.filename, info.file_size) == ("invoice.pdf.exe", 1024 * 1024 * 1024)
        with archive.open(info) as member:
            assert member.read(1024 * 1024) == bytes(1024 * 1024)


@pytest.mark.timeout(30)
def test_a_zip_bomb_attachment_is_named_but_never_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def recording_open(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(name))
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
    data = with_attachment("documents.zip", zip_bomb("invoice.pdf.exe", 1024 * 1024 * 1024))
    answer = check_mail_quickly(data)
    assert opened == [], "the check inflated a member of the archive"
    assert answer["verdict"] == "suspicious"
    assert "dangerous_attachment" in answer["reason_codes"]
    assert any("invoice.pdf.exe" in reason for reason in answer["reasons"])


@pytest.mark.timeout(30)
def test_a_zip_of_zips_is_answered() -> None:
    inner = zip_bomb("zeros.bin", 256 * 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(16):
            archive.writestr(f"part{number}.zip", inner)
    check_mail_quickly(with_attachment("archive.zip", buffer.getvalue()))


@pytest.mark.timeout(30)
def test_an_archive_with_a_huge_directory_is_answered() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(20_000):
            archive.writestr(f"{number}.txt", b"")
    check_mail_quickly(with_attachment("many.zip", buffer.getvalue()))


MEGABYTE = 1024 * 1024
HUGE_HEADERS = [
    pytest.param(b"Subject: " + b"x" * MEGABYTE + b"\r\n", id="1 MB subject"),
    pytest.param(
        b"Subject: " + b"=?utf-8?B?44Ki44Oe44K+44Oz?= " * (MEGABYTE // 30) + b"\r\n", id="1 MB of encoded words"
    ),
    pytest.param(b"Subject: " + b"word\r\n " * (MEGABYTE // 7) + b"\r\n", id="1 MB folded subject"),
    pytest.param(b'From: "' + b"Amazon " * (MEGABYTE // 7) + b'" <a@example.net>\r\n', id="1 MB display name"),
    pytest.param(b"Reply-To: " + b"a@example.net, " * (MEGABYTE // 15) + b"\r\n", id="1 MB address list"),
    pytest.param(
        b"Authentication-Results: mx.example.jp; " + b"spf=fail smtp.mailfrom=a.example; " * (MEGABYTE // 34) + b"\r\n",
        id="1 MB Authentication-Results",
    ),
    pytest.param(b"X-Filler: y\r\n" * (MEGABYTE // 13), id="80,000 headers"),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("header", HUGE_HEADERS)
def test_a_mail_with_1_mb_headers_is_answered_quickly(header: bytes) -> None:
    data = b"To: b@example.jp\r\n" + header + b"From: a@example.net\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    answer_in_a_child(data)


@pytest.mark.timeout(60)
@FUZZ_MAILS
@given(st.binary(max_size=4096))
@example(b"")
@example(b"\r\n")
@example(b"From:")
@example(b"--\r\n")
def test_random_bytes_get_an_answer(data: bytes) -> None:
    check_mail_quickly(data)


SAMPLE = (
    b"From: =?utf-8?B?QW1hem9uLmNvLmpw?= <no-reply@amazon.co.jp>\r\n"
    b"Reply-To: help@example.top\r\n"
    b"Authentication-Results: mx.example.jp; spf=fail smtp.mailfrom=example.top;"
    b" dmarc=fail header.from=amazon.co.jp\r\n"
    b"Subject: =?ISO-2022-JP?B?GyRCM1pFNyUrITwlSRsoQg==?=\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
    b'--outer\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n'
    b"--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"44Ot44Kw44Kk44Oz44GX44Gm44GP44Gg44GV44GE\r\n"
    b"--alt\r\nContent-Type: text/html; charset=shift_jis\r\n\r\n"
    b'<a href="https://example.top/">https://www.amazon.co.jp/</a>\r\n'
    b"--alt--\r\n"
    b'--outer\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename="a.zip"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nUEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\r\n"
    b"--outer--\r\n"
)


@pytest.mark.timeout(60)
@FUZZ_MAILS
@given(st.data())
def test_a_damaged_mail_gets_an_answer(data: st.DataObject) -> None:
    """A real-looking mail with bytes overwritten, inserted and cut at random places."""
    mail = bytearray(SAMPLE)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(mail)))
        action = data.draw(st.sampled_from(["replace", "insert", "cut"]))
        chunk = data.draw(st.binary(min_size=1, max_size=16))
        if action == "replace":
            mail[position : position + len(chunk)] = chunk
        elif action == "insert":
            mail[position:position] = chunk
        else:
            del mail[position : position + len(chunk)]
    check_mail_quickly(bytes(mail))


HEADER_TEXT = st.text(st.one_of(st.characters(codec="utf-8"), CONTROL), max_size=200)


@pytest.mark.timeout(60)
@FUZZ_MAILS
@given(
    sender=HEADER_TEXT,
    subject=HEADER_TEXT,
    reply_to=HEADER_TEXT,
    results=HEADER_TEXT,
    content_type=st.sampled_from(["text/plain", "text/html", "multipart/mixed", "message/rfc822", "application/zip"]),
    charset=st.sampled_from(["utf-8", "iso-2022-jp", "shift_jis", "euc-jp", "x-unknown", ""]),
    body=st.binary(max_size=2000),
)
def test_arbitrary_header_values_get_an_answer(
    sender: str, subject: str, reply_to: str, results: str, content_type: str, charset: str, body: bytes
) -> None:
    def line(name: str, value: str) -> bytes:
        return name.encode() + b": " + value.replace("\r", " ").replace("\n", " ").encode("utf-8", "surrogateescape")

    data = b"\r\n".join(
        [
            line("From", sender),
            line("Subject", subject),
            line("Reply-To", reply_to),
            line("Authentication-Results", results),
            line("Content-Type", f"{content_type}; charset={charset}"),
            b"",
            body,
        ]
    )
    check_mail_quickly(data)
