"""Raw model outputs on arch-independent inputs: isolates the TFLite kernels from OpenCV and decode.

    python benchmarks/arm64/probe.py MODEL.tflite OUT.npz [--n 8] [--threads 1]

The inputs come from numpy's PCG64 generator (bit-identical on every architecture), so two
machines that run the same kernels must write byte-identical outputs. Uses only the runtime
(numpy + LiteRT): it runs in the runtime-only install on ARM.
"""

from __future__ import annotations

import argparse
import hashlib
import platform

import numpy as np

from edgepose.engine.litert import make_interpreter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-xnnpack", action="store_true", help="TFLite's built-in kernels only")
    args = parser.parse_args()
    interpreter = make_interpreter(args.model, threads=args.threads, xnnpack=not args.no_xnnpack)
    inp = interpreter.get_input_details()[0]
    out = interpreter.get_output_details()[0]
    rng = np.random.Generator(np.random.PCG64(0))
    outputs = []
    for _ in range(args.n):
        if np.dtype(inp["dtype"]) == np.float32:
            x = rng.integers(0, 256, size=inp["shape"], dtype=np.uint8).astype(np.float32)
        else:
            info = np.iinfo(inp["dtype"])
            x = rng.integers(info.min, info.max + 1, size=inp["shape"], dtype=np.int64).astype(inp["dtype"])
        interpreter.set_tensor(inp["index"], x)
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(out["index"]).copy())
    stacked = np.stack(outputs)
    np.savez(args.out, outputs=stacked, machine=platform.machine())
    digest = hashlib.sha256(stacked.tobytes()).hexdigest()[:16]
    print(f"{platform.machine()}: {args.n} outputs {stacked.dtype} {list(stacked.shape[1:])} sha256 {digest}")


if __name__ == "__main__":
    main()
