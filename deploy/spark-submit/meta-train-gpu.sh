#!/usr/bin/env bash
# meta-train on GPU executors (standalone or YARN; for Kubernetes add the same resource settings plus
# spark.executor.resource.gpu.vendor=nvidia.com to meta-train-kubernetes.sh).
# Build the CUDA jar first: mvn -B -Pcuda package -DskipTests  (nd4j-cuda-11.6: kernels up to sm_86, so
# Hopper (H100/H200) may refuse them; see src/docs/meta-train.md). Install deploy/gpu/discover-gpus.sh at the
# same path on every node. Spark gives each task one GPU address; each task binds ND4J to it
# (metamut.train.gpu.enabled = true in the gpu profile) and fails clearly if it got none.
#   METAMUT_MASTER=spark://master:7077 METAMUT_SECRETS=... SPARK_HOME=/opt/spark \
#   METAMUT_GPUS_PER_EXECUTOR=1 deploy/spark-submit/meta-train-gpu.sh [--resume]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
: "${METAMUT_MASTER:?set METAMUT_MASTER (spark://... or yarn)}"
: "${METAMUT_SECRETS:?set METAMUT_SECRETS to a chmod-600 properties file with spark.authenticate.secret (use an empty file on YARN)}"
GPUS="${METAMUT_GPUS_PER_EXECUTOR:-1}"
DISCOVERY="${METAMUT_GPU_DISCOVERY:-/opt/metamut/deploy/gpu/discover-gpus.sh}"
export METAMUT_CONF_DIR="$CONF_DIR"
exec "$SUBMIT" --master "$METAMUT_MASTER" --deploy-mode client \
  --properties-file "$METAMUT_SECRETS" --conf spark.authenticate=true \
  --conf spark.executor.resource.gpu.amount="$GPUS" \
  --conf spark.executor.resource.gpu.discoveryScript="$DISCOVERY" \
  --conf spark.task.resource.gpu.amount=1 \
  --conf spark.executor.cores="$GPUS" \
  --conf spark.task.maxFailures=4 \
  "${COMMON_CONF[@]}" --class "$MAIN" "$APP_JAR" meta-train --profile gpu "$@"
