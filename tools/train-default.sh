#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Train the shipped models from the TRAIN scenes (t-*) of the committed corpus and evaluate them
# on the HELD-OUT scenes (h-*: other programs, other periods, other transports):
#   models/default.json      CART tree (the daemon's default model)
#   models/default-mlp.json  MLP, one hidden layer of 8
# Deterministic: rerunning it on the same corpus rewrites the same bytes.
# Usage: tools/train-default.sh [--no-write]   (--no-write: train into /tmp, compare, evaluate)
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEDML=${SCHEDML:-build/schedml}
make -s "$SCHEDML"
TRAIN=(artifacts/corpus/t-*/scheduling_events.log.gz)
HELD=(artifacts/corpus/h-*/scheduling_events.log.gz)
dest=models
if [ "${1:-}" = --no-write ]; then
	dest=$(mktemp -d /tmp/schedml-models.XXXXXX)
	trap 'rm -rf "$dest"' EXIT
fi
"$SCHEDML" train --cv --kind tree --max-depth 6 --min-leaf 50 --seed 1 --name schedml-default-tree \
	--out "$dest/default.json" "${TRAIN[@]}"
"$SCHEDML" train --cv --kind mlp --hidden 8 --seed 1 --name schedml-default-mlp \
	--out "$dest/default-mlp.json" "${TRAIN[@]}"
if [ "$dest" != models ]; then
	for m in default.json default-mlp.json; do
		cmp "$dest/$m" "models/$m" && echo "models/$m: reproduced byte for byte"
	done
fi
for m in "$dest/default.json" "$dest/default-mlp.json"; do
	echo "== held-out evaluation of $m"
	"$SCHEDML" eval --kernel --model "$m" "${HELD[@]}"
done
