#!/usr/bin/env bash
# meta-train in Spark local mode with a real spark-submit (without SPARK_HOME use deploy/bin/metamut meta-train).
#   SPARK_HOME=/opt/spark deploy/spark-submit/meta-train-local.sh [metamut options, e.g. --resume -Dmetamut.train.outer-steps=200]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export OMP_NUM_THREADS=1 METAMUT_CONF_DIR="$CONF_DIR"
exec "$SUBMIT" --master "local[${METAMUT_LOCAL_CORES:-*},4]" --driver-memory "${METAMUT_DRIVER_MEMORY:-4g}" \
  "${COMMON_CONF[@]}" --class "$MAIN" "$APP_JAR" meta-train --profile local "$@"
