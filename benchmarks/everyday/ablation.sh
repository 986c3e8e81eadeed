#!/bin/bash
# Data ablation at equal steps (issue 24): from the shipped v3.2 weights, the same budget
# (EPOCHS x EPOCH_SIZE people, lr 5e-4 cosine, no soft targets so that the arms cost the same),
# three amounts of the everyday pool mixed with LSPET (extent boxes) and coco_train:
#   none: LSPET + coco_train only; 3k: about 3,000 pool images (whole source groups); all: the pool.
# Each arm is scored on the COCO-domain validation split and the carved LSPET split (never coco_val).
#   POOL=/data/human-dataset bash benchmarks/everyday/ablation.sh   (after prepare.sh and one train_student.sh start)
set -euo pipefail
: "${POOL:?set POOL to the human-dataset tree}"
EPOCHS=${EPOCHS:-3}
EPOCH_SIZE=${EPOCH_SIZE:-4000}
D=../shared/data
P=runs/distill/data
Q=runs/everyday/data
OUT=runs/everyday/ablation
mkdir -p $OUT
[ -f $Q/lspet_all_extent.json ] || { echo "run benchmarks/everyday/train_student.sh once first (it writes $Q/lspet_all_extent.json)" >&2; exit 2; }
if [ ! -f $Q/pool_3k_teacher.json ]; then
  .venv/bin/python - "$Q" <<'PY'
import json, sys
from pathlib import Path
from edgepose.data.coco import split_coco, write_coco
q = Path(sys.argv[1])
pool = json.loads((q / "pool_train_teacher.json").read_text())
_, part = split_coco(pool, 3000, seed=11)  # whole source groups, about 3,000 images
write_coco(q / "pool_3k_teacher.json", part)
print(f"pool subset: {len(part['images'])} images, {len(part['annotations'])} people")
PY
fi
COMMON=(--val $Q/val_coco.json --val-images "$POOL" --val $P/val_lspet300.json --val-images $D/lspet/images --val-every $EPOCHS
  --teacher-weight 1.0 --teacher-min-score 0.3 --box annotation --box-jitter 0.1 --truncate 0.15
  --model edgehrnet-m --input 128x96 --epochs $EPOCHS --epoch-size $EPOCH_SIZE --batch 32 --lr 5e-4 --augment strong --seed 7
  --init edgepose/pretrained/edgehrnet-m_coco17.keras --force)
E=.venv/bin/edgepose
[ -f $OUT/none/train_log.json ] || $E train $Q/lspet_all_extent.json --images $D/lspet/images \
  --data $P/coco_train_teacher.json:$D/coco_train/images:0.1 "${COMMON[@]}" --out $OUT/none
for arm in 3k all; do
  f=$Q/pool_${arm}_teacher.json; [ $arm = all ] && f=$Q/pool_train_teacher.json
  [ -f $OUT/$arm/train_log.json ] || $E train $f --images "$POOL" \
    --data $Q/lspet_all_extent.json:$D/lspet/images:0.5 --data $P/coco_train_teacher.json:$D/coco_train/images:0.05 \
    "${COMMON[@]}" --out $OUT/$arm
done
.venv/bin/python - "$OUT" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
print("| everyday pool | pool images | COCO-domain val AP | AP75 | LSPET val AP | LSPET val PCK@0.2 | train s |")
print("|---|---|---|---|---|---|---|")
for arm in ("none", "3k", "all"):
    log = json.loads((out / arm / "train_log.json").read_text())
    last = [h for h in log["history"] if "val" in h][-1]
    lsp = last["val_extra"]["val_lspet300"]
    n = {"none": 0}.get(arm)
    if n is None:
        f = Path("runs/everyday/data") / ("pool_3k_teacher.json" if arm == "3k" else "pool_train_teacher.json")
        n = len(json.loads(f.read_text())["images"])
    print(f"| {arm} | {n} | {last['val']['AP']:.3f} | {last['val']['AP75']:.3f} | {lsp['AP']:.3f} | {lsp['PCK_bbox']:.3f} | {log['seconds']:.0f} |")
PY
