#!/bin/bash
# Copy a run's resumable state into checkpoints/NAME/ (committed, a few MB) so that the next
# session resumes it with benchmarks/distill/train_student.sh. Run between epochs or after a stop.
# WITH_LAST=1: also the last epoch's weights (the stage-1 end that finetune_student.sh starts from).
set -euo pipefail
NAME=${NAME:-student-m-128x96}
bash benchmarks/pptinypose/save_state.sh runs/distill/$NAME checkpoints/$NAME
