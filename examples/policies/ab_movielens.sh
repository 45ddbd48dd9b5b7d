#!/usr/bin/env bash
# A simulated A/B of the reference policies on the calibrated MovieLens population.
#
#   examples/policies/ab_movielens.sh [DATA_DIR] [WORK_DIR]     (from the repository root)
#
# 1. writes the movielens scenario's warm-start log in catalog ids (movielens_log.ts),
# 2. converts it into training files (make_movielens.py --log),
# 3. trains SASRec (K=0), ReaRec (K=2), LightGCN and LightGCN+RGCL on it,
# 4. serves them and runs `usersim eval ranking`: offline Recall@10/NDCG@10 on the
#    held-out ratings and a warm-started simulation, for these four beside BPR,
#    item-to-item (cooccurrence) and popularity, on the same split and seed.
# Budget knobs (environment): SEQ_EPOCHS (3), GCN_EPOCHS (60), RGCL_EPOCHS (20), USERS (610),
# ROUNDS (3), SEED (42), PY (/usr/bin/python3). Writes WORK_DIR/ab.txt; models already in
# WORK_DIR are reused.
set -euo pipefail
DATA=${1:-ml-latest-small}
WORK=${2:-$(mktemp -d)}
PY=${PY:-/usr/bin/python3}
SEED=${SEED:-42}
HERE=examples/policies
mkdir -p "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

npx tsx $HERE/movielens_log.ts --data "$DATA" --seed "$SEED" --out "$WORK/log.json"
# Sequences: each user's last 50 training items (what a 50-long model sees); graph: all of them.
$PY $HERE/make_movielens.py --log "$WORK/log.json" --last 50 --out "$WORK/last50" > /dev/null
$PY $HERE/make_movielens.py --log "$WORK/log.json" --out "$WORK/full" > /dev/null

train() { # name, command…
  local name=$1; shift
  if [ ! -f "$WORK/$name.pt" ]; then
    echo "training $name" >&2
    "$@" --out "$WORK/$name.pt" > "$WORK/$name.train.json" 2> "$WORK/$name.train.log"
  fi
}
train sasrec $PY $HERE/rearec/train.py --data "$WORK/last50/sequences" --k 0 --epochs "${SEQ_EPOCHS:-3}" --batch 8 --threads 1
train rearec $PY $HERE/rearec/train.py --data "$WORK/last50/sequences" --k 2 --epochs "${SEQ_EPOCHS:-3}" --batch 8 --threads 1
train lightgcn $PY $HERE/lightgcn/train.py --data "$WORK/full/graph" --epochs "${GCN_EPOCHS:-60}" --threads 1
train rgcl $PY $HERE/lightgcn/train.py --data "$WORK/full/graph" --rgcl --epochs "${RGCL_EPOCHS:-20}" --threads 1

serve() { # name, server script: starts it in this shell (so the trap stops it), sets URL
  local name=$1 script=$2
  rm -f "$WORK/$name.serve.out"
  $PY "$script" --model "$WORK/$name.pt" --port 0 --path "/$name" > "$WORK/$name.serve.out" 2> "$WORK/$name.serve.log" &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    if grep -q '^listening on ' "$WORK/$name.serve.out"; then break; fi
    sleep 0.2
  done
  URL=$(sed -n 's/^listening on //p' "$WORK/$name.serve.out")
  [ -n "$URL" ] || { echo "server $name did not start (see $WORK/$name.serve.log)" >&2; exit 1; }
}
URLS=()
for m in sasrec:rearec rearec:rearec lightgcn:lightgcn rgcl:lightgcn; do
  serve "${m%%:*}" "$HERE/${m#*:}/serve.py"
  URLS+=(--policy "$URL")
done

ARGS=(--data "$DATA" --seed "$SEED" --rounds "${ROUNDS:-3}" "${URLS[@]}" --policy bpr --policy cooccurrence --policy popularity --db "$WORK/ab.db")
[ -n "${USERS:-}" ] && ARGS+=(--users "$USERS")
npx usersim eval ranking "${ARGS[@]}" | tee "$WORK/ab.txt"
