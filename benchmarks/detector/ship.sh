#!/bin/bash
# The shipped int8 person detector (issue 26): YOLOX-nano (Apache-2.0) through `edgepose convert`
# (cut at its per-stride heads, person class only; stem SiLU chain split into channel groups;
# activation ranges of least error), calibrated on 200 everyday-pool training photos (never a
# validation or test image), gated on person AP over the pool's COCO-domain validation split
# (benchmarks/everyday/prepare.sh), checked for the Edge TPU, then scored once on coco_val.
#   POOL=/data/human-dataset bash benchmarks/detector/ship.sh
set -euo pipefail
: "${POOL:?set POOL to the human-dataset tree (benchmarks/everyday/prepare.sh)}"
YOLOX=../shared/peers/detectors/yolox_nano/yolox_nano.onnx
Q=runs/everyday/data
OUT=runs/detector
NAME=yolox_nano_person_int8.tflite
E=.venv/bin/edgepose
[ -f $Q/pool_train.json ] || { echo "missing $Q/pool_train.json: run benchmarks/everyday/prepare.sh first" >&2; exit 2; }
rm -rf $OUT/photos && mkdir -p $OUT/photos
.venv/bin/python - "$Q/pool_train.json" "$POOL" "$OUT/photos" <<'PY'
import json, sys
from pathlib import Path
import numpy as np
pool, root, dst = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]).resolve(), Path(sys.argv[3])
for i in np.random.default_rng(0).choice(len(pool["images"]), 200, replace=False):
    src = root / pool["images"][i]["file_name"]
    (dst / src.name).symlink_to(src)
print(f"{len(list(dst.iterdir()))} calibration photos from the pool's training split")
PY
$E convert $YOLOX --out $OUT/$NAME --calib-images $OUT/photos --val $Q/val_coco.json --val-images "$POOL" \
  --max-ap-drop 0.03 --force | tee $OUT/convert.txt
$E edgetpu check $OUT/$NAME | tee $OUT/edgetpu.txt
.venv/bin/python benchmarks/detector_ap.py $YOLOX $OUT/$NAME | tee $OUT/coco_val.md
cp $OUT/$NAME edgepose/pretrained/$NAME
cp ../shared/peers/detectors/yolox_nano/LICENSE edgepose/pretrained/LICENSE-YOLOX.txt
echo "published edgepose/pretrained/$NAME"
