#!/usr/bin/env bash
# meta-train on Kubernetes in cluster mode. With spark.authenticate=true Spark creates a per-application
# secret and mounts it into the executors. The image must contain the Spark 4.1 distribution and
# /opt/metamut/metamut-app.jar (+ /opt/metamut/conf); outputs go to a volume or object store (kubernetes profile).
#   K8S_API=https://k8s-api:6443 METAMUT_IMAGE=registry/metamut:0.1.0 SPARK_HOME=/opt/spark \
#   deploy/spark-submit/meta-train-kubernetes.sh [--resume]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${SPARK_HOME:?set SPARK_HOME}"
: "${K8S_API:?set K8S_API, e.g. https://k8s-api:6443}"
: "${METAMUT_IMAGE:?set METAMUT_IMAGE}"
exec "$SPARK_HOME/bin/spark-submit" --master "k8s://$K8S_API" --deploy-mode cluster \
  --name metamut-meta-train \
  --conf spark.kubernetes.container.image="$METAMUT_IMAGE" \
  --conf spark.kubernetes.namespace="${METAMUT_NAMESPACE:-metamut}" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName=metamut \
  --conf spark.authenticate=true --conf spark.network.crypto.enabled=true \
  --conf spark.executor.instances="${METAMUT_EXECUTORS:-4}" --conf spark.executor.cores="${METAMUT_EXECUTOR_CORES:-4}" \
  --conf spark.executorEnv.OMP_NUM_THREADS=1 --conf spark.kubernetes.driverEnv.OMP_NUM_THREADS=1 \
  --conf spark.kubernetes.driverEnv.METAMUT_CONF_DIR=/opt/metamut/conf \
  --class org.metamut.jobs.cli.MetamutCli local:///opt/metamut/metamut-app.jar \
  meta-train --profile kubernetes "$@"
