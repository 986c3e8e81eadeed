"""The Edge TPU predictor over every published compiler pair and every built rule model.

    python benchmarks/edgetpu_table.py [--pairs ../shared/peers/edgetpu_pairs] [--out runs/edgetpu_table]

Pairs: the ops the predictor leaves on the CPU against the ops Google's edgetpu_compiler left
on the CPU (same ops in the same order = match). Built models (tests/edgetpu_cases.py): the
table's prediction for the op each one is about, and the rule the predictor cites.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from edgetpu_cases import CASES, build_case  # noqa: E402

from edgepose.edgetpu import compiled_cpu_ops, edgetpu_check  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=Path, default=ROOT.parent / "shared" / "peers" / "edgetpu_pairs")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "edgetpu_table")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = ["| model | kind | ops | predicted on TPU | real compiler on TPU | CPU ops match | predicted CPU ops |",
            "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    ok = 0
    pairs = json.loads((args.pairs / "pairs.json").read_text())["pairs"] if (args.pairs / "pairs.json").is_file() else []
    for pair in pairs:
        name = pair["name"]
        pred = edgetpu_check(args.pairs / f"{name}.tflite")
        truth = compiled_cpu_ops(args.pairs / f"{name}_edgetpu.tflite")
        match = pred["cpu_ops"] == truth
        ok += match
        n = pred["ops_total"]
        cpu = ", ".join(f"{k}×{v}" for k, v in Counter(pred["cpu_ops"]).items()) or "none"
        rows.append(
            f"| {name} | compiler pair | {n} | {pred['ops_on_tpu']} | {n - len(truth)} | {'yes' if match else 'NO'} | {cpu} |"
        )
    rows += [
        "",
        "| built model | runtime | op | table predicts | predictor says | rule cited |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for case in CASES:
        path = build_case(case, args.out)
        report = edgetpu_check(path, case.runtime)
        for op, expect in case.expect.items():
            verdict = next(o for o in report["ops"] if o["op"] == op)
            ok += verdict["on_tpu"] == expect
            said = "TPU" if verdict["on_tpu"] else "CPU"
            rows.append(f"| {case.name} | {case.runtime} | {op} | {'TPU' if expect else 'CPU'} | {said} | "
                        f"{verdict['reason'] or case.rule} |")  # fmt: skip
    total = len(pairs) + sum(len(c.expect) for c in CASES)
    rows.append(f"\nagreement: {ok}/{total}")
    text = "\n".join(rows) + "\n"
    (args.out / "table.md").write_text(text)
    print(text)
    return 0 if ok == total else 1


if __name__ == "__main__":
    sys.exit(main())
