# Shared by the student's training stages (train_student.sh, finetune_student.sh, soft_student.sh);
# source it from the repository root after setting NAME. It makes the distillation data when it is
# missing (prepare.sh), restores a committed run from checkpoints/$NAME/ into runs/distill/$NAME/,
# and sets D, P, OUT, RESUME/FORCE (continue that run, or start afresh) and DATA: the training
# files, validation split and teacher/box options every stage uses.
D=../shared/data
P=runs/distill/data
OUT=runs/distill/$NAME
[ -f $P/val_lspet300.json ] || bash benchmarks/distill/prepare.sh
if [ ! -d $OUT/state ] && [ -d checkpoints/$NAME/state ]; then
  mkdir -p $OUT && cp -r checkpoints/$NAME/. $OUT/
fi
RESUME=""; FORCE=""
if [ -d $OUT/state ]; then RESUME="--resume"; else FORCE="--force"; fi
DATA=($P/lspet_train_teacher.json --images $D/lspet/images
  --data $P/lspet_extra_teacher.json:$D/lspet/images:0.67
  --data $P/lspet_more_train_teacher.json:$D/lspet/images:0.9
  --data $P/coco_train_teacher.json:$D/coco_train/images:0.3
  --val $P/val_lspet300.json --val-images $D/lspet/images
  --teacher-weight 1.0 --teacher-min-score 0.3 --box extent --box-jitter 0.1)
