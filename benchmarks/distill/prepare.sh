#!/bin/bash
# Distillation data, from the repository root with ../shared beside it (about 4 min on 2 cores):
# PP-TinyPose 256x192 (OpenVINO IR) labels every training person (teacher_keypoints; human labels
# are kept), and a validation split of 300 LSPET images is carved out of train_more (never coco_val,
# never the LSPET test half), its boxes made person-extent boxes like the training ones.
set -euo pipefail
D=../shared/data
T=../shared/peers/pp_tinypose/256x192/model.xml
OUT=${OUT:-runs/distill/data}
mkdir -p $OUT
E=.venv/bin/edgepose
for spec in "coco_train coco_train/person_keypoints.json coco_train/images" \
            "lspet_train lspet/person_keypoints_train.json lspet/images" \
            "lspet_extra lspet/person_keypoints_train_extra.json lspet/images" \
            "lspet_more lspet/person_keypoints_train_more.json lspet/images"; do
  set -- $spec
  [ -f $OUT/$1_teacher.json ] || $E data teacher-label $D/$2 --images $D/$3 --teacher $T --out $OUT/$1_teacher.json
done
.venv/bin/python - "$OUT" <<'PY'
import json, sys
from pathlib import Path
from edgepose.data.coco import split_coco, with_extent_boxes, write_coco
out = Path(sys.argv[1])
more = json.loads((out / "lspet_more_teacher.json").read_text())
train, val = split_coco(more, 300, seed=0)
write_coco(out / "lspet_more_train_teacher.json", train)
write_coco(out / "val_lspet300.json", with_extent_boxes(val))
print(f"lspet train_more: {len(train['images'])} train / {len(val['images'])} validation images")
PY
