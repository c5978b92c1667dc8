# Shared by the meta-train-*.sh examples: locates the application jar and the conf folder.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
APP_JAR="${METAMUT_APP_JAR:-$ROOT/jobs/target/metamut-app.jar}"
MAIN=org.metamut.jobs.cli.MetamutCli
CONF_DIR="${METAMUT_CONF_DIR:-$ROOT/conf}"
: "${SPARK_HOME:?set SPARK_HOME to a Spark 4.1 (Scala 2.13) installation}"
[ -f "$APP_JAR" ] || { echo "no $APP_JAR: run 'mvn -B package -DskipTests' (or -Pcuda for GPUs)" >&2; exit 1; }
SUBMIT="$SPARK_HOME/bin/spark-submit"
# One ND4J/OpenBLAS thread per Spark task thread (DESIGN.md §8): parallelism comes from executor cores.
COMMON_CONF=(--conf spark.executorEnv.OMP_NUM_THREADS=1 --conf spark.ui.showConsoleProgress=false)
