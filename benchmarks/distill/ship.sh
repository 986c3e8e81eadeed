#!/bin/bash
# Ship the distilled student (run after benchmarks/distill/train_student.sh finished), from the
# repository root with ../shared beside it. Writes runs/distill/ship/ and prints the must-show tables;
# copying the files into edgepose/pretrained/ is the last, manual step (see the end).
#   NAME=student-m-128x96-trunc bash benchmarks/distill/ship.sh   (BEFORE_REV: the commit holding the v2 model;
#   INPUT: the student's HxW; PREVIOUS_REV: a commit whose shipped edgehrnet-m joins the table)
set -euo pipefail
NAME=${NAME:-student-m-128x96-trunc}
INPUT=${INPUT:-128x96}
D=../shared/data
P=runs/distill/data
RUN=runs/distill/$NAME
OUT=runs/distill/ship
E=.venv/bin/edgepose
MODEL=$RUN/best.keras  # chosen on the carved LSPET validation split, never on coco_val
mkdir -p $OUT
# calibration crops from training people with person-extent boxes (the boxes the model was trained on)
.venv/bin/python - "$P" <<'PY'
import json, sys
from pathlib import Path
from edgepose.data.coco import with_extent_boxes, write_coco
p = Path(sys.argv[1])
write_coco(p / "calib_extent.json", with_extent_boxes(json.loads((p / "lspet_train_teacher.json").read_text())))
PY
CALIB_JSON=$P/calib_extent.json EDGEPOSE=$E bash benchmarks/pretrained.sh $MODEL $OUT $INPUT
# the int8 gate at the issue's threshold (exit 3 when it fails)
$E quantize $MODEL --format int8 --calib $OUT/calib --out $OUT/model_int8.tflite --force \
  --val $D/coco_val/person_keypoints.json --val-images $D/coco_val/images --max-ap-drop 0.005 | tee $OUT/gate.txt
$E edgetpu check $OUT/model_int8.tflite | tee $OUT/edgetpu.txt
PEERS=../shared/peers
# ours before (the shipped v2 edgehrnet-t, from git) and after, under names the table can tell apart
C=$OUT/compare_models
mkdir -p $C
git show ${BEFORE_REV:-HEAD}:edgepose/pretrained/edgehrnet-t_coco17.keras > $C/v2-t.keras
git show ${BEFORE_REV:-HEAD}:edgepose/pretrained/edgehrnet-t_coco17_int8.tflite > $C/before_v2-t_int8.tflite
$E quantize $C/v2-t.keras --format fp32 --out $C/before_v2-t_fp32.tflite --force
# PREVIOUS_REV (optional): the commit holding the edgehrnet-m shipped before this one, compared as "previous"
PREV=()
if [ -n "${PREVIOUS_REV:-}" ]; then
  git show $PREVIOUS_REV:edgepose/pretrained/edgehrnet-m_coco17_int8.tflite > $C/previous_m_int8.tflite
  PREV=($C/previous_m_int8.tflite)
fi
cp $OUT/model_int8.tflite $C/after_student-m_int8.tflite
cp $OUT/model_fp32.tflite $C/after_student-m_fp32.tflite
$E bench compare $C/after_student-m_int8.tflite $C/after_student-m_fp32.tflite "${PREV[@]}" $C/before_v2-t_int8.tflite $C/before_v2-t_fp32.tflite \
  $PEERS/movenet_single_pose_lightning_ptq.tflite $PEERS/pose_landmark_lite.tflite \
  $PEERS/pp_tinypose/128x96/model.xml $PEERS/pp_tinypose/256x192/model.xml \
  --data $D/coco_val/person_keypoints.json --images $D/coco_val/images --threads 1,2 --runs 100 --out $OUT/compare --force
echo "next: python benchmarks/pretrained_card.py $RUN $OUT edgepose/pretrained --before BEFORE_DIR, then"
echo "      edgepose bundle $OUT/model_int8.tflite --out BUNDLE --metrics edgepose/pretrained/metrics.json and copy the bundled file"
