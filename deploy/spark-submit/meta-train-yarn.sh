#!/usr/bin/env bash
# meta-train on YARN in cluster mode. YARN generates and distributes the spark.authenticate secret itself.
# The driver runs in the cluster: the profile and your settings travel with --files and are named by
# --config (file names as shipped); outputs go to HDFS (the yarn profile's metamut.run.output-dir).
#   HADOOP_CONF_DIR=/etc/hadoop/conf SPARK_HOME=/opt/spark deploy/spark-submit/meta-train-yarn.sh [--resume]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
: "${HADOOP_CONF_DIR:?set HADOOP_CONF_DIR}"
USER_CONF="${METAMUT_USER_CONF:-$CONF_DIR/application.conf}"
exec "$SUBMIT" --master yarn --deploy-mode cluster --queue "${METAMUT_QUEUE:-default}" \
  --conf spark.authenticate=true --conf spark.network.crypto.enabled=true \
  --num-executors "${METAMUT_EXECUTORS:-4}" --executor-cores "${METAMUT_EXECUTOR_CORES:-4}" \
  --executor-memory "${METAMUT_EXECUTOR_MEMORY:-8g}" --conf spark.yarn.maxAppAttempts=1 \
  --conf spark.yarn.appMasterEnv.OMP_NUM_THREADS=1 \
  --files "$CONF_DIR/profiles/yarn.conf,$USER_CONF" \
  "${COMMON_CONF[@]}" --class "$MAIN" "$APP_JAR" meta-train --config yarn.conf --config "$(basename "$USER_CONF")" "$@"
