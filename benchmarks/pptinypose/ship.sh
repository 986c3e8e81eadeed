#!/bin/bash
# Ship the fine-tuned PP-TinyPose (issue 31), from the repository root with ../shared beside it.
# MODEL: best.keras of the CPU-form run (benchmarks/pptinypose/finetune.sh); TPU_MODEL: the Edge TPU form (default:
# the same weights lowered with `edgepose model lower`); both chosen
# on the COCO-domain validation split. Calibration: human-labelled everyday training people. Gate: float vs int8 on
# the validation split (--max-ap-drop 0.01). coco_val and the LSP test half are scored once, for the shipped files.
#   POOL=/data/human-dataset bash benchmarks/pptinypose/ship.sh
# The 256x192 accurate tier (CPU form only, shipped when its int8 reaches coco_val AP 0.62):
#   POOL=... SIZE=256x192 TIER=pptinypose-256x192 MODEL=runs/pptinypose/pptinypose-256x192-qat/best.keras TPU=0 \
#   OUT=runs/pptinypose/ship256 bash benchmarks/pptinypose/ship.sh
set -euo pipefail
: "${POOL:?set POOL to the human-dataset tree}"
MODEL=${MODEL:-runs/pptinypose/pptinypose-128x96-qat/best.keras}
TPU_MODEL=${TPU_MODEL:-}  # default: MODEL's weights in the Edge TPU lowering (interleave shuffle, same head)
RANGES=${RANGES:-tied}
SIZE=${SIZE:-128x96}
TIER=${TIER:-pptinypose}  # file prefix of what ships: $TIER_coco17{.keras,_int8.tflite}
TPU=${TPU:-1}
OUT=${OUT:-runs/pptinypose/ship}
Q=runs/everyday/data
D=../shared/data
E=.venv/bin/edgepose
PRE=edgepose/pretrained
mkdir -p $OUT
.venv/bin/python benchmarks/everyday/calib_people.py "$Q"
if [ "$TPU" = 1 ] && [ -z "$TPU_MODEL" ]; then
  TPU_MODEL=$OUT/pptinypose-edgetpu.keras
  $E model lower $MODEL --lowering edgetpu --out $TPU_MODEL --force
fi
$E calib build --data $Q/calib_people.json --images "$POOL" -n 300 --input $SIZE --out $OUT/calib --force
$E quantize $MODEL --calib $OUT/calib --out $OUT/${TIER}_coco17_int8.tflite --ranges $RANGES --force \
  --val $Q/val_coco.json --val-images "$POOL" --max-ap-drop 0.01 | tee $OUT/gate_cpu.txt
if [ "$TPU" = 1 ] && [ -f "$TPU_MODEL" ]; then
  $E quantize $TPU_MODEL --calib $OUT/calib --out $OUT/pptinypose-edgetpu_coco17_int8.tflite --ranges $RANGES --force \
    --val $Q/val_coco.json --val-images "$POOL" --max-ap-drop 0.01 | tee $OUT/gate_edgetpu.txt
  $E edgetpu check $OUT/pptinypose-edgetpu_coco17_int8.tflite | tee $OUT/edgetpu.txt
fi
# the test sets, once, for what ships
for m in $OUT/${TIER}_coco17_int8.tflite $OUT/pptinypose-edgetpu_coco17_int8.tflite; do
  [ -f $m ] || continue
  n=$(basename $m .tflite)
  $E bench accuracy $m --data $D/coco_val/person_keypoints.json --images $D/coco_val/images --out $OUT/coco_val_$n --force > /dev/null
  $E bench accuracy $m --data $D/lspet/person_keypoints_test.json --images $D/lspet/images --lsp-joints $D/lspet/joints.json \
    --out $OUT/lsp_$n --force > /dev/null
done
# latency against MoveNet Lightning int8, one thread, one process
$E bench latency $OUT/${TIER}_coco17_int8.tflite ../shared/peers/movenet_single_pose_lightning_ptq.tflite \
  --threads 1 --warmup 20 --runs 300 | tee $OUT/latency.txt
[ "${PUBLISH:-1}" = 1 ] || exit 0
cp $MODEL $PRE/${TIER}_coco17.keras
cp $OUT/${TIER}_coco17_int8.tflite $PRE/
[ "$TPU" = 1 ] && [ -f $OUT/pptinypose-edgetpu_coco17_int8.tflite ] && cp $OUT/pptinypose-edgetpu_coco17_int8.tflite $PRE/
echo "published $PRE/${TIER}_coco17{.keras,_int8.tflite}"
