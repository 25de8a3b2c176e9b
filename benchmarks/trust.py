"""Trust-check benchmark: real phishing URLs and mails reported in Japan, false alarms, and speed.

    .venv/bin/python benchmarks/trust.py           # a readable report
    .venv/bin/python benchmarks/trust.py --json    # one JSON object

The evaluation data (../shared/eval/jpcert_phishurl, ../shared/eval/jp_phish_mail) hold live malicious URLs:
they are only parsed here, never fetched or opened.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import time
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from madoguchi.nlu.data import shared_dir
from madoguchi.trust.checker import TrustChecker
from madoguchi.trust.hosts import parse_host

if TYPE_CHECKING:
    from pathlib import Path

# The brand labels of JPCERT/CC's list → the directory's brand ids.
JPCERT_BRANDS = {
    "Amazon": "amazon",
    "メルカリ": "mercari",
    "楽天": "rakuten",
    "Rakuten": "rakuten",
    "ヤマト運輸": "yamato",
    "ヤマトフィナンシャル": "yamato",
    "ヨドバシカメラ": "yodobashi",
    "楽天カード": "rakuten_card",
    "PayPay": "paypay",
    "日本郵便": "japanpost",
    "Yahoo! JAPAN": "yahoo_japan",
    "Yahoo!": "yahoo_japan",
    "PayPay銀行": "paypay_bank",
    "PayPay Bank": "paypay_bank",
    "ビックカメラ": "biccamera",
    "楽天銀行": "rakuten_bank",
    "楽天証券": "rakuten_securities",
    "ZOZOTOWN": "zozotown",
}
# Brands that are one company's family: naming the parent for its card or bank is right about who is faked.
FAMILY = {
    "rakuten_card": "rakuten",
    "rakuten_bank": "rakuten",
    "rakuten_securities": "rakuten",
    "paypay_bank": "paypay",
}


def _family(brand: str | None) -> str | None:
    return FAMILY.get(brand or "", brand)


def phishing_urls(checker: TrustChecker, shared: Path) -> dict[str, Any]:
    path = shared / "eval" / "jpcert_phishurl" / "phishurl_ecommerce_2019_2024.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("url")]
    in_directory = [row for row in rows if JPCERT_BRANDS.get(row["brand"]) in checker.directory.brands]
    verdicts: Counter[str] = Counter()
    exact = family = carrying = carrying_named = 0
    per_brand: dict[str, Counter[str]] = {}
    for row in in_directory:
        expected = JPCERT_BRANDS[row["brand"]]
        result = checker.check(row["url"])
        verdicts[result.verdict] += 1
        named = result.brand.id if result.brand else None
        counts = per_brand.setdefault(expected, Counter())
        counts["n"] += 1
        counts["suspicious"] += result.verdict == "suspicious"
        if result.verdict == "suspicious" and named == expected:
            exact += 1
            counts["named"] += 1
        if result.verdict == "suspicious" and _family(named) == _family(expected):
            family += 1
        # Does the address carry any trace of a brand at all (its name, misspelt or not, anywhere)?
        if named is not None:
            carrying += 1
            carrying_named += _family(named) == _family(expected)
    n = len(in_directory)
    return {
        "urls": len(rows),
        "urls_of_directory_brands": n,
        "suspicious_share": verdicts["suspicious"] / n,
        "official_verdicts": verdicts["official"],
        "brand_named_exact_recall": exact / n,
        "brand_named_family_recall": family / n,
        "urls_naming_some_brand": carrying,
        "right_brand_when_one_is_named": carrying_named / carrying if carrying else None,
        "per_brand": {
            brand: {
                "n": counts["n"],
                "suspicious": counts["suspicious"] / counts["n"],
                "named": counts["named"] / counts["n"],
            }
            for brand, counts in sorted(per_brand.items(), key=lambda item: -item[1]["n"])
        },
    }


def false_alarms(checker: TrustChecker) -> dict[str, Any]:
    """Every official domain (bare, with www., as a URL), number and sender domain of the directory."""
    alarms: list[str] = []
    checked = 0
    for brand in checker.directory.brands.values():
        items = []
        for domain in brand.domains:
            items += [domain, f"www.{domain}", f"https://{domain}/", f"https://www.{domain}/help?x=1"]
        items += [line.number for line in brand.phones]
        items += [f"info@{domain}" for domain in brand.email_domains if parse_host(domain).registrable == domain]
        for item in items:
            checked += 1
            result = checker.check(item)
            if result.verdict != "official" or result.brand is None or result.brand.id != brand.id:
                alarms.append(f"{item} → {result.verdict} {result.brand.id if result.brand else None}")
    return {"checked": checked, "false_alarms": len(alarms), "examples": alarms[:10]}


def phishing_mails(checker: TrustChecker, shared: Path) -> dict[str, Any]:
    folder = shared / "eval" / "jp_phish_mail"
    with (folder / "index.csv").open(encoding="utf-8", newline="") as handle:
        index = {row["file"]: row for row in csv.DictReader(handle)}
    verdicts: Counter[str] = Counter()
    named = 0
    brands: Counter[str] = Counter()
    started = time.perf_counter()
    for name in sorted(index):
        result = checker.check_mail((folder / "eml" / name).read_bytes(), name=name)
        verdicts[result.verdict] += 1
        named += result.brand is not None
        brands[result.brand.id if result.brand else "-"] += 1
    elapsed = time.perf_counter() - started
    n = len(index)
    return {
        "mails": n,
        "suspicious_share": verdicts["suspicious"] / n,
        "official_verdicts": verdicts["official"],
        "unknown_verdicts": verdicts["unknown"],
        "brand_named_share": named / n,
        "brands_named": dict(brands.most_common()),
        "mails_per_second": n / elapsed,
    }


def speed(checker: TrustChecker, shared: Path, limit: int = 30_000) -> dict[str, Any]:
    """URLs checked per second by one process: wall-clock, and per second of the process's own CPU time (the
    figure that does not depend on what else the machine is running)."""
    path = shared / "eval" / "jpcert_phishurl" / "phishurl_ecommerce_2019_2024.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        urls = [row["url"] for row in csv.DictReader(handle) if row.get("url")][:limit]
    # Every URL once, from cold caches: a stream of new addresses, as a public check page sees.
    parse_host.cache_clear()
    started, cpu_started = time.perf_counter(), time.process_time()
    for url in urls:
        checker.check(url)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"urls_checked": len(urls), "urls_per_second": len(urls) / elapsed, "urls_per_cpu_second": len(urls) / cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    arguments = parser.parse_args()
    shared = shared_dir()
    checker = TrustChecker()
    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "brands_in_directory": len(checker.directory),
        "speed": speed(checker, shared),
        "phishing_urls": phishing_urls(checker, shared),
        "false_alarms": false_alarms(checker),
        "phishing_mails": phishing_mails(checker, shared),
    }
    if arguments.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    urls, mails = report["phishing_urls"], report["phishing_mails"]
    print(f"directory: {report['brands_in_directory']} brands")
    print(f"phishing URLs of directory brands: {urls['urls_of_directory_brands']} of {urls['urls']}")
    print(f"  judged suspicious: {urls['suspicious_share']:.4f} (official: {urls['official_verdicts']})")
    print(
        f"  suspicious with the right brand: {urls['brand_named_exact_recall']:.4f} "
        f"(same company: {urls['brand_named_family_recall']:.4f})"
    )
    for brand, figures in urls["per_brand"].items():
        print(f"    {brand:20} n={figures['n']:6} suspicious={figures['suspicious']:.3f} named={figures['named']:.3f}")
    alarms = report["false_alarms"]
    print(f"official entries checked: {alarms['checked']}, false alarms: {alarms['false_alarms']} {alarms['examples']}")
    print(
        f"phishing mails: {mails['mails']}, suspicious {mails['suspicious_share']:.4f}, "
        f"official {mails['official_verdicts']}, brand named {mails['brand_named_share']:.4f}"
    )
    print(f"  brands: {mails['brands_named']}")
    speed_figures = report["speed"]
    print(
        f"speed: {speed_figures['urls_per_second']:.0f} URLs/s ({speed_figures['urls_per_cpu_second']:.0f} per CPU "
        f"second), {mails['mails_per_second']:.0f} mails/s"
    )


if __name__ == "__main__":
    main()
