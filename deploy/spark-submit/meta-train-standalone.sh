#!/usr/bin/env bash
# meta-train on a Spark standalone cluster, driver on this machine (client mode), with RPC authentication.
#   METAMUT_MASTER=spark://master:7077 METAMUT_SECRETS=/etc/metamut/spark-secret.conf \
#   SPARK_HOME=/opt/spark deploy/spark-submit/meta-train-standalone.sh [--resume] [-Dkey=value ...]
# METAMUT_SECRETS: a properties file readable only by you (chmod 600) holding
#   spark.authenticate.secret  <the secret the Master and Workers were started with>
# (the same spark.authenticate=true / secret must be in the daemons' conf/spark-defaults.conf; a file keeps
# the secret out of `ps`). Outputs: metamut.run.output-dir must be shared storage the driver can write
# (checkpoints and the model are written by the driver; executors only read broadcasts).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
: "${METAMUT_MASTER:?set METAMUT_MASTER, e.g. spark://master:7077}"
: "${METAMUT_SECRETS:?set METAMUT_SECRETS to a chmod-600 properties file with spark.authenticate.secret}"
export METAMUT_CONF_DIR="$CONF_DIR"
exec "$SUBMIT" --master "$METAMUT_MASTER" --deploy-mode client \
  --properties-file "$METAMUT_SECRETS" --conf spark.authenticate=true \
  --conf spark.network.crypto.enabled=true \
  --executor-memory "${METAMUT_EXECUTOR_MEMORY:-4g}" --executor-cores "${METAMUT_EXECUTOR_CORES:-2}" \
  --conf spark.task.maxFailures=4 \
  "${COMMON_CONF[@]}" --class "$MAIN" "$APP_JAR" meta-train --profile standalone "$@"
