"""Weight-space ensemble of two models of one architecture (WiSE-FT, Wortsman et al. 2022).

    python benchmarks/average_weights.py BASE.keras FINETUNED.keras --alpha 0.5 --out OUT.keras

``OUT = (1 - alpha) * BASE + alpha * FINETUNED``, every variable (batch-norm statistics included).
Interpolating a fine-tuned model back towards the model it started from keeps most of the
fine-tuning gain on the new data while recovering accuracy on the original distribution.
"""

from __future__ import annotations

import argparse

from edgepose.train import load_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("finetuned")
    ap.add_argument("--alpha", type=float, default=0.5)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    base, tuned = load_model(args.base), load_model(args.finetuned)
    a, b = base.get_weights(), tuned.get_weights()
    if [w.shape for w in a] != [w.shape for w in b]:
        raise SystemExit("error: the two models do not have the same architecture")
    tuned.set_weights([(1 - args.alpha) * x + args.alpha * y for x, y in zip(a, b)])
    tuned.save(args.out)
    print(f"wrote {args.out} = {1 - args.alpha:g} x {args.base} + {args.alpha:g} x {args.finetuned}")


if __name__ == "__main__":
    main()
