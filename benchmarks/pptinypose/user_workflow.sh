#!/bin/bash
# The user's workflow (issue 31, README "Fine-tune on your own data"), with a real run, from the repository root:
# a YOLO-pose tree (here: 1000 LSPET extra-training photos written as Ultralytics YOLO-pose labels, 800 train /
# 200 valid, standing in for a user's sports footage) -> data import -> train --init pretrained (quantizer in the
# loop) -> quantize with the gate -> bundle. AP before (the shipped model) and after, on the valid split it did not
# train on.
set -euo pipefail
D=${EDGEPOSE_SHARED_DATA:-../shared/data}
W=${OUT:-runs/user}
E=.venv/bin/edgepose
EPOCHS=${EPOCHS:-2}
EPOCH_SIZE=${EPOCH_SIZE:-1600}
rm -rf $W && mkdir -p $W
.venv/bin/python - "$D" "$W/yolo" <<'PY'
import json, os, sys
from pathlib import Path
data, out = Path(sys.argv[1]), Path(sys.argv[2])
coco = json.loads((data / "lspet" / "person_keypoints_train_extra.json").read_text())
anns = {a["image_id"]: a for a in coco["annotations"]}
images = [im for im in coco["images"] if im["id"] in anns][:1000]
for i, im in enumerate(images):
    split = "train" if i < 800 else "valid"
    (out / split / "images").mkdir(parents=True, exist_ok=True)
    (out / split / "labels").mkdir(parents=True, exist_ok=True)
    src = (data / "lspet" / "images" / Path(im["file_name"]).name).resolve()
    os.symlink(src, out / split / "images" / src.name)
    a, w, h = anns[im["id"]], im["width"], im["height"]
    x, y, bw, bh = a["bbox"]
    kp = a["keypoints"]
    vals = [0, (x + bw / 2) / w, (y + bh / 2) / h, bw / w, bh / h]
    for k in range(17):
        px, py, v = kp[3 * k : 3 * k + 3]
        vals += [px / w, py / h, v] if v > 0 else [0, 0, 0]
    (out / split / "labels" / (src.stem + ".txt")).write_text(" ".join(f"{v:.6g}" for v in vals) + "\n")
(out / "data.yaml").write_text("train: train/images\nval: valid/images\nnc: 1\nnames: ['person']\nkpt_shape: [17, 3]\n"
                               "flip_idx: [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]\n")
PY
$E data import $W/yolo --out $W/all.json
.venv/bin/python - "$W" <<'PY'
import json, sys
from pathlib import Path
from edgepose.data.coco import write_coco
w = Path(sys.argv[1])
coco = json.loads((w / "all.json").read_text())
for split in ("train", "valid"):
    ims = [im for im in coco["images"] if im.get("split") == split]
    ids = {im["id"] for im in ims}
    write_coco(w / f"{split}.json", {**coco, "images": ims, "annotations": [a for a in coco["annotations"] if a["image_id"] in ids]})
PY
echo "## before: the shipped int8 model on the valid split"
$E bench accuracy edgepose/pretrained/pptinypose_coco17_int8.tflite --data $W/valid.json --images $W/yolo --out $W/before --force | grep -A2 "^| AP |"
$E train $W/train.json --images $W/yolo --model pptinypose --init pretrained --qat --codec msra --sigma 2 \
  --soft-teacher ../shared/peers/pp_tinypose/128x96/model.xml --soft-alpha 0.5 \
  --epochs $EPOCHS --epoch-size $EPOCH_SIZE --batch 32 --lr 3e-5 --warmup-epochs 0.2 --val $W/valid.json --val-images $W/yolo \
  --out $W/run --force
$E calib build --data $W/train.json --images $W/yolo -n 200 --input 128x96 --out $W/calib --force
$E quantize $W/run/best.keras --calib $W/calib --out $W/model_int8.tflite --ranges tied --val $W/valid.json --val-images $W/yolo \
  --max-ap-drop 0.01 --force | tee $W/gate.txt
echo "## after: the fine-tuned int8 model on the valid split"
$E bench accuracy $W/model_int8.tflite --data $W/valid.json --images $W/yolo --out $W/after --force | grep -A2 "^| AP |"
$E bundle $W/model_int8.tflite --out $W/bundle --force
