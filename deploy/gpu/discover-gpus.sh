#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript /
# spark.worker.resource.gpu.discoveryScript): prints this node's GPUs in the JSON Spark expects,
#   {"name": "gpu", "addresses": ["0", "1", ...]}
# using nvidia-smi. Addresses are CUDA device ordinals; metamut binds each task's ND4J to the address
# Spark assigned it (org.metamut.jobs.train.GpuBinding). Respects CUDA_VISIBLE_DEVICES when set (then the
# addresses are the ordinals 0..n-1 CUDA sees). Prints an empty list (and a note on stderr) without GPUs.
set -euo pipefail

if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then
  n=$(echo "$CUDA_VISIBLE_DEVICES" | tr ',' '\n' | grep -c .)
  ids=$(seq 0 $((n - 1)))
elif command -v nvidia-smi >/dev/null 2>&1; then
  ids=$(nvidia-smi --query-gpu=index --format=csv,noheader,nounits 2>/dev/null || true)
else
  echo "discover-gpus.sh: nvidia-smi not found; reporting no GPUs" >&2
  ids=""
fi

printf '{"name": "gpu", "addresses": ['
first=1
for i in $ids; do
  i=$(echo "$i" | tr -d '[:space:]')
  [ -z "$i" ] && continue
  if [ $first -eq 1 ]; then first=0; else printf ', '; fi
  printf '"%s"' "$i"
done
printf ']}\n'
