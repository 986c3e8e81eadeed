#!/bin/bash
# Student sweep on the everyday data (issue 24), accuracy half; the latency half is
# benchmarks/distill/student_latency.py (run it on a quiet machine). Every arm starts from the
# stage-5 weights (checkpoints/student-m-128x96-everyday/best.keras: the weights do not depend on the
# input size) and trains the same budget, EPOCHS x EPOCH_SIZE people, on the same mix: the everyday
# pool (human keypoints where COCO-train has them, PP-TinyPose 256x192 labels elsewhere), the
# fashion photos (PicoDet boxes, teacher labels), LSPET (extent boxes) and coco_train. Chosen by
# the COCO-domain validation split (benchmarks/everyday/split.py), LSPET val beside it; never coco_val.
# Widths other than -m have no trained weights to start from, so at an equal short budget they
# would rank by their initialisation, not their capacity: this sweep varies the input size.
#   POOL=/data/human-dataset FASHION=/data/fashion/photos bash benchmarks/everyday/sweep.sh
set -euo pipefail
: "${POOL:?set POOL to the human-dataset tree}"; : "${FASHION:?set FASHION to the fashion photos folder}"
EPOCHS=${EPOCHS:-3}
EPOCH_SIZE=${EPOCH_SIZE:-4000}
INIT=${INIT:-checkpoints/student-m-128x96-everyday/best.keras}
ARMS=${ARMS:-"edgehrnet-m:128x96 edgehrnet-m:160x128 edgehrnet-m:192x160"}
D=../shared/data
P=runs/distill/data
Q=runs/everyday/data
OUT=runs/everyday/sweep
E=.venv/bin/edgepose
mkdir -p $OUT
for f in $Q/pool_train_teacher.json $Q/fashion_teacher.json $Q/lspet_all_extent.json $Q/val_coco.json $P/val_lspet300.json; do
  [ -f $f ] || { echo "missing $f: run benchmarks/everyday/prepare.sh and train_student.sh once first" >&2; exit 2; }
done
for arm in $ARMS; do
  model=${arm%%:*}; size=${arm##*:}; out=$OUT/${model}_$size
  [ -f $out/train_log.json ] && grep -q "\"epoch\": $EPOCHS," $out/train_log.json && continue
  $E train $Q/pool_train_teacher.json --images "$POOL" \
    --data $Q/fashion_teacher.json:"$FASHION":0.2 \
    --data $Q/lspet_all_extent.json:$D/lspet/images:0.5 \
    --data $P/coco_train_teacher.json:$D/coco_train/images:0.05 \
    --val $Q/val_coco.json --val-images "$POOL" --val $P/val_lspet300.json --val-images $D/lspet/images --val-every $EPOCHS \
    --teacher-weight 1.0 --teacher-min-score 0.3 --box annotation --box-jitter 0.1 --truncate 0.15 \
    --model $model --input $size --epochs $EPOCHS --epoch-size $EPOCH_SIZE --batch 32 --lr ${LR:-3e-4} --augment strong --seed 9 \
    --init $INIT --out $out --force
done
.venv/bin/python - "$OUT" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
print("| student | input | COCO-domain val AP | AP75 | PCK@0.2 | LSPET val AP | LSPET val PCK@0.2 | train s |")
print("|---|---|---|---|---|---|---|---|")
for run in sorted(p for p in out.iterdir() if (p / "train_log.json").is_file()):
    log = json.loads((run / "train_log.json").read_text())
    last = [h for h in log["history"] if "val" in h][-1]
    lsp = last["val_extra"]["val_lspet300"]
    model, size = run.name.rsplit("_", 1)
    v = last["val"]
    print(f"| {model} | {size} | {v['AP']:.3f} | {v['AP75']:.3f} | {v['PCK_bbox']:.3f} | {lsp['AP']:.3f} | {lsp['PCK_bbox']:.3f} | {log['seconds']:.0f} |")
PY
