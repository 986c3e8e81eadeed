#!/bin/bash
# Issue 19's numbered reproductions, re-run: each command, its stderr/stdout tail and exit code,
# and SHA-256 checksums of every input before and after. From the repository root with
# ../shared beside it; works in a scratch folder (default /tmp/edgepose-hostile).
set -uo pipefail
E=${EDGEPOSE:-$(pwd)/.venv/bin/edgepose}
REPO=$(pwd)
S=${1:-/tmp/edgepose-hostile}
rm -rf "$S" && mkdir -p "$S" && cd "$S" || exit 1
cp "$REPO/edgepose/pretrained/"*_int8.tflite m.tflite
cp "$REPO/edgepose/pretrained/"*.keras k.keras
cp -r "$REPO/../shared/data/coco_val" D
mkdir -p victim imgs dir && cp D/images/000000000785.jpg imgs/ && cp m.tflite dir/
python3 - <<'PY'
import json
d = json.load(open("D/person_keypoints.json"))
im = d["images"][0]
evil = {**d, "images": [{**im, "file_name": "../../victim/" + im["file_name"]}], "annotations": [a for a in d["annotations"] if a["image_id"] == im["id"]]}
json.dump(evil, open("evil.json", "w"))
json.dump({**d, "images": [{**im, "file_name": "/etc/passwd"}], "annotations": evil["annotations"]}, open("abs.json", "w"))
zero = {**d, "annotations": [{**a, "bbox": [a["bbox"][0], a["bbox"][1], 0, 0]} for a in d["annotations"]]}
json.dump(zero, open("zero_box.json", "w"))
json.dump({**d, "annotations": []}, open("empty.json", "w"))
off = {**d, "annotations": [{**a, "keypoints": [9e4 if i % 3 < 2 else v for i, v in enumerate(a["keypoints"])]} for a in d["annotations"]]}
json.dump(off, open("off_image.json", "w"))
preds = [{"image_id": a["image_id"], "category_id": 1, "keypoints": a["keypoints"], "score": 1.0} for a in d["annotations"] if a.get("num_keypoints", 0) > 0]
json.dump(preds, open("dir/PRED.json", "w"))
preds[0]["score"] = float("nan")
open("nan_preds.json", "w").write(json.dumps(preds))
open("deep.json", "w").write("[" * 200000 + "]" * 200000)
PY
head -c 20000 D/images/000000000785.jpg > imgs/truncated.jpg
mkdir -p victim && echo "precious" > victim/000000000139.jpg
# every input the commands below are given (the scratch folder also holds their outputs and logs)
sums() { find m.tflite k.keras D imgs dir victim ./*.json -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16; }
run() {
  echo "\$ edgepose $*"
  "$E" "$@" > .o 2> .e; code=$?
  tr '\r' '\n' < .e | grep -v '^\s*$' | grep -v '^✓' | tail -n 2 | cut -c1-220
  echo "  -> exit $code"
}
BEFORE=$(sums)
echo "## 1. writes outside --out"
run predict m.tflite D/images --coco evil.json --out out/p1
run predict m.tflite D/images --coco abs.json --out out/p2
run data check evil.json --images D/images
echo "## 2. inputs destroyed"
run data show D/person_keypoints.json --images D/images --out D/person_keypoints.json
run eval dir/PRED.json --gt D/person_keypoints.json --out dir
run predict m.tflite imgs --out imgs --force
run bundle dir/m.tflite --out dir --force
run quantize k.keras --out k.keras --format fp32 --force
echo "## 3. existing files overwritten without --force"
run eval dir/PRED.json --gt D/person_keypoints.json --out out/e
run eval dir/PRED.json --gt D/person_keypoints.json --out out/e
echo "## 4. concurrent runs into one --out"
( "$E" predict m.tflite D/images --out out/c > .c1 2>&1; echo "run A exit $?" >> .c1 ) &
( "$E" predict m.tflite D/images --out out/c > .c2 2>&1; echo "run B exit $?" >> .c2 ) &
wait; tr '\r' '\n' < .c1 | grep -E "error|exit" | cut -c1-200; tr '\r' '\n' < .c2 | grep -E "error|exit" | cut -c1-200
echo "## 5. partial outputs"
"$E" quantize k.keras --format fp32 --out f32.tflite --force > /dev/null 2>&1
run bundle f32.tflite --out out/b32
ls out/b32
"$E" calib build --data D/person_keypoints.json --images D/images -n 8 --out out/cal > /dev/null 2>&1
python3 - <<'PY'
import json, numpy as np
from pathlib import Path
p = Path("out/cal_dark"); p.mkdir(exist_ok=True)
c = np.load("out/cal/calibration.npz")["crops"]
np.savez_compressed(p / "calibration.npz", crops=(c // 20).astype(np.uint8))
(p / "calibration.json").write_text(Path("out/cal/calibration.json").read_text())
PY
run quantize k.keras --format int8 --calib out/cal_dark --out out/gated.tflite --val D/person_keypoints.json --val-images D/images --max-ap-drop 0.0
ls out/gated.tflite 2>&1 | tail -1
echo "## 6. threads"
run bench latency m.tflite --threads 99999
run predict m.tflite imgs --out out/t --threads 99999
echo "## 7. silent wrong results"
run predict m.tflite imgs/truncated.jpg --out out/tr
run eval nan_preds.json --gt D/person_keypoints.json
run bench accuracy m.tflite --data zero_box.json --images D/images
run eval dir/PRED.json --gt empty.json
run train off_image.json --images D/images --out out/off --epochs 1 --batch 8
run train D/person_keypoints.json --images D/images --out out/lr --lr -1
run eval dir/PRED.json --gt D/person_keypoints.json --json
python3 -c "import json; s=json.load(open('.o')); print('  per-keypoint AP of perfect predictions:', sorted({round(v['AP'], 3) for v in s['per_keypoint'].values() if v.get('AP') is not None}))"
echo "## 8. tracebacks"
run data check deep.json --images D/images
run calib build --synthetic --out out/big --input 99968x99968
run bench latency m.tflite --runs 1000000000000
AFTER=$(sums)
echo "## inputs: checksum before $BEFORE, after $AFTER"
cat victim/000000000139.jpg
