"""NLU benchmark: accuracy on outside data, out-of-scope detection, speed, memory and training time.

    .venv/bin/python benchmarks/nlu.py                 # every pipeline, then speed of the default one
    .venv/bin/python benchmarks/nlu.py --json          # one JSON object

Evaluation files are never trained on: Bitext's test split, CLINC150's out-of-scope set, xSID's Japanese
test and validation files, and the project's own Japanese test set (benchmarks/data/ja_intents_test.tsv).
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from madoguchi.nlu.data import read_tsv, shared_dir, training_examples
from madoguchi.nlu.intent import DEFAULT_PIPELINE, OUT_OF_SCOPE, PIPELINES, IntentModel, load_model, train
from madoguchi.nlu.pipeline import NluPipeline

HERE = Path(__file__).resolve().parent
JA_TEST = HERE / "data" / "ja_intents_test.tsv"


def _column(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE) if row[column]]


def evaluate(model: IntentModel, shared: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    bitext = read_tsv(shared / "eval" / "bitext" / "test.tsv")
    predicted = model.predict([text for _, text in bitext])
    results["bitext_test_accuracy"] = sum(p == t for (p, _), (t, _) in zip(predicted, bitext, strict=True)) / len(
        bitext
    )
    results["bitext_test_n"] = len(bitext)
    clinc = _column(shared / "eval" / "clinc150_oos" / "oos.tsv", "text")
    results["clinc150_oos_recall"] = sum(p == OUT_OF_SCOPE for p, _ in model.predict(clinc)) / len(clinc)
    results["clinc150_oos_n"] = len(clinc)
    xsid = [
        text
        for name in ("ja.test.tsv", "ja.valid.tsv")
        for text in _column(shared / "eval" / "xsid_ja" / name, "text_ja")
    ]
    results["xsid_ja_oos_recall"] = sum(p == OUT_OF_SCOPE for p, _ in model.predict(xsid)) / len(xsid)
    results["xsid_ja_n"] = len(xsid)
    ours = read_tsv(JA_TEST)
    predicted = model.predict([text for _, text in ours])
    pairs = list(zip((p for p, _ in predicted), (t for t, _ in ours), strict=True))
    in_scope = [(p, t) for p, t in pairs if t != OUT_OF_SCOPE]
    out_scope = [(p, t) for p, t in pairs if t == OUT_OF_SCOPE]
    results["ja_test_accuracy"] = sum(p == t for p, t in pairs) / len(pairs)
    results["ja_test_in_scope_accuracy"] = sum(p == t for p, t in in_scope) / len(in_scope)
    results["ja_test_oos_recall"] = sum(p == OUT_OF_SCOPE for p, _ in out_scope) / len(out_scope)
    results["ja_test_n"] = len(pairs)
    results["ja_test_errors"] = [
        {"text": text, "expected": truth, "predicted": label}
        for (label, _), (truth, text) in zip(predicted, ours, strict=True)
        if label != truth
    ]
    return results


def speed(model_path: Path, texts: list[str], seconds: float = 5.0) -> dict[str, Any]:
    process = psutil.Process()
    gc.collect()
    before = process.memory_info().rss
    pipeline = NluPipeline(load_model(model_path))
    pipeline.understand("ウォームアップ")  # loads the Japanese dictionary too
    loaded = process.memory_info().rss
    batch = (texts * (5000 // len(texts) + 1))[:5000]
    started = time.perf_counter()
    processed = 0
    while time.perf_counter() - started < seconds:
        pipeline.understand_many(batch)
        processed += len(batch)
    batch_rate = processed / (time.perf_counter() - started)
    latencies = []
    for text in (texts * (3000 // len(texts) + 1))[:3000]:
        begin = time.perf_counter()
        pipeline.understand(text)
        latencies.append((time.perf_counter() - begin) * 1000)
    latencies.sort()
    return {
        "batch_messages_per_second": round(batch_rate),
        "single_p50_ms": round(statistics.median(latencies), 3),
        "single_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 3),
        "model_memory_mb": round((loaded - before) / 2**20, 1),
        "model_file_mb": round(model_path.stat().st_size / 2**20, 1),
    }


def speed_in_fresh_process(model_path: Path, seconds: float) -> dict[str, Any]:
    """Speed and memory measured in a new interpreter, so one pipeline's memory does not hide another's."""
    finished = subprocess.run(
        [sys.executable, __file__, "--speed-of", str(model_path), "--speed-seconds", str(seconds)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(finished.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speed-of", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pipelines", nargs="*", default=list(PIPELINES), choices=list(PIPELINES))
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--speed-seconds", type=float, default=5.0)
    args = parser.parse_args()
    if args.speed_of:
        print(json.dumps(speed(args.speed_of, [text for _, text in read_tsv(JA_TEST)], args.speed_seconds)))
        return 0
    shared = shared_dir()
    if shared is None:
        print("shared/ (with eval/) must be beside the project", file=sys.stderr)
        return 2
    examples, sources = training_examples()
    report: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {round(psutil.virtual_memory().total / 2**30)} GiB, "
        f"Python {platform.python_version()}",
        "training": {"examples": len(examples), "sources": sources},
        "pipelines": {},
    }
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.pipelines:
            started = time.perf_counter()
            model = train(examples, name, sources)
            seconds = time.perf_counter() - started
            path = Path(scratch) / f"{name}.pkl"
            model.save(path)
            result = evaluate(model, shared)
            result["training_seconds"] = round(seconds, 1)
            result["threshold"] = model.threshold
            result.update(speed_in_fresh_process(path, args.speed_seconds))
            report["pipelines"][name] = result
            del model
            gc.collect()
            if not args.json:
                print(
                    f"{name}: "
                    + ", ".join(
                        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in result.items()
                        if k != "ja_test_errors"
                    ),
                    flush=True,
                )
    report["default_pipeline"] = DEFAULT_PIPELINE
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for name, result in report["pipelines"].items():
            print(f"\n{name}: {len(result['ja_test_errors'])} errors on the Japanese test set")
            for error in result["ja_test_errors"][:40]:
                print(f"  {error['expected']:>24} → {error['predicted']:<24} {error['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
