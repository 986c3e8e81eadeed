#!/bin/bash
# Figures of a trained model on the real data (../shared/data): calibration, the five TFLite
# formats, COCO AP on coco_val and PCK on the LSP test half (ground-truth boxes), latency.
#   bash benchmarks/pretrained.sh MODEL.keras OUT_DIR [HxW]
# Writes OUT_DIR/{calib,model_*.tflite,acc_*/accuracy.json,lsp_*/accuracy.json,latency.json}.
set -euo pipefail
MODEL=$1
OUT=$2
SIZE=${3:-128x96}
D=${EDGEPOSE_SHARED_DATA:-../shared/data}
EP=${EDGEPOSE:-edgepose}
mkdir -p "$OUT"
# calibration: 300 people from the training split, through the inference preprocessing
# (CALIB_JSON/CALIB_IMAGES: another training-side file, e.g. with person-extent boxes)
$EP calib build --data "${CALIB_JSON:-$D/lspet/person_keypoints_train.json}" --images "${CALIB_IMAGES:-$D/lspet/images}" -n 300 \
  --input "$SIZE" --out "$OUT/calib" --force
for f in fp32 fp16 dynamic int8 int16x8; do
  R=(); [ "$f" = int8 ] && R=(--ranges "${RANGES:-minmax}")
  $EP quantize "$MODEL" --format "$f" --calib "$OUT/calib" --out "$OUT/model_$f.tflite" --force "${R[@]}"
done
$EP quantize "$MODEL" --format int8 --calib "$OUT/calib" --out "$OUT/model_int8.tflite" --force --ranges "${RANGES:-minmax}" \
  --val "$D/coco_val/person_keypoints.json" --val-images "$D/coco_val/images" --layer-report || true
for m in "$MODEL" "$OUT"/model_{fp32,fp16,dynamic,int8,int16x8}.tflite; do
  name=$(basename "$m"); name=${name%.*}
  $EP bench accuracy "$m" --data "$D/coco_val/person_keypoints.json" --images "$D/coco_val/images" --out "$OUT/acc_$name" --force --json > /dev/null
done
for m in "$MODEL" "$OUT/model_fp32.tflite" "$OUT/model_int8.tflite"; do
  name=$(basename "$m"); name=${name%.*}
  $EP bench accuracy "$m" --data "$D/lspet/person_keypoints_test.json" --images "$D/lspet/images" \
    --lsp-joints "$D/lspet/joints.json" --out "$OUT/lsp_$name" --force --json > /dev/null
done
$EP bench latency "$OUT"/model_{fp32,fp16,dynamic,int8}.tflite --threads 1,2 --warmup 20 --runs 200 --json > "$OUT/latency.json"
$EP bench latency "$OUT/model_int16x8.tflite" --threads 1 --warmup 3 --runs 20 --json > "$OUT/latency_int16x8.json"
# the gate against a deliberately wrong calibration: crops 20x too dark (pixel range 0..12, as if the
# calibration images had been normalised by another pipeline)
python3 - "$OUT/calib" "$OUT/calib_wrong" <<'PY'
import json, sys
from pathlib import Path
import numpy as np
src, dst = (Path(a) for a in sys.argv[1:3])
dst.mkdir(exist_ok=True)
crops = np.load(src / "calibration.npz")["crops"]
np.savez_compressed(dst / "calibration.npz", crops=(crops // 20).astype(np.uint8))
meta = json.loads((src / "calibration.json").read_text())
meta["source"] += " (deliberately wrong: pixels // 20)"
(dst / "calibration.json").write_text(json.dumps(meta))
PY
set +e
$EP quantize "$MODEL" --format int8 --calib "$OUT/calib_wrong" --out "$OUT/model_int8_wrongcalib.tflite" --force --ranges "${RANGES:-minmax}" \
  --val "$D/coco_val/person_keypoints.json" --val-images "$D/coco_val/images" --max-ap-drop 0.005 > "$OUT/wrongcalib.txt" 2>&1
echo "wrong calibration: exit $?" | tee -a "$OUT/wrongcalib.txt"
# a float model where int8 is required
$EP edgetpu check "$OUT/model_fp32.tflite" > "$OUT/float_where_int8.txt" 2>&1
echo "float model to edgetpu check: exit $?" | tee -a "$OUT/float_where_int8.txt"
set -e
echo "done: $OUT"
