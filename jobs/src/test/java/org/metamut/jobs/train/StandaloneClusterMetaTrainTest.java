package org.metamut.jobs.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.ModelKeys;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.jobs.spark.NativeBackendPlugin;
import org.metamut.jobs.testing.StandaloneCluster;
import org.metamut.lib.backend.BlasCoreType;
import org.metamut.lib.backend.VectorApi;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * meta-train on a real standalone cluster (Master + Worker JVMs on 127.0.0.1) whose Worker offers two fake GPUs
 * from a discovery script: two executors with one core and one GPU each, every task requires a GPU
 * (metamut.train.gpu.enabled) and reports the address it was bound to. An executor is SIGKILLed after step 2;
 * its tasks are retried and θ equals a local-mode run of the same configuration, bit for bit.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class StandaloneClusterMetaTrainTest {

  @Test
  void fakeGpuClusterSurvivesAnExecutorKillWithTheSameTheta(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data");
    SyntheticEpisodes.write(LocalSpark.get(), data.toString(), 6, 2, 2, 6, 3);
    String conf = "metamut.train.episodes-dir = \"" + data.resolve("episodes") + "\"\n"
        + "metamut.train.proteins-dir = \"" + data.resolve("proteins") + "\"\n"
        + "metamut.model { layers = 1, d-model = 8, heads = 2, ff-dim = 16, max-tokens = 16, dtype = double }\n"
        + "metamut.train { algorithm = maml, outer-steps = 4, meta-batch-tasks = 4, inner.learning-rate = 0.05,"
        + " outer.learning-rate = 0.01, eval.every-steps = 0, checkpoint.every-steps = 0, partitions = 4 }\n";
    MetamutConfig localCfg = MetamutConfig.fromString(conf + "metamut.run.output-dir = \"" + tmp.resolve("local") + "\"\n");
    MetaTrainJob.Result local = new MetaTrainJob(LocalSpark.get(), TrainSettings.from(localCfg),
        ModelKeys.factory(localCfg), ModelKeys.encoder(localCfg), s -> { }).run();

    LocalSpark.get().stop();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    try (StandaloneCluster cluster = StandaloneCluster.start(tmp.resolve("cluster"), 2, 2, Duration.ofSeconds(90))) {
      SparkSession spark = SparkSession.builder()
          .master(cluster.masterUrl())
          .appName("metamut-cluster-test")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.ui.enabled", "false")
          .config("spark.executor.cores", "1")
          .config("spark.executor.memory", "1g")
          .config("spark.cores.max", "2")
          .config("spark.executor.resource.gpu.amount", "1")
          .config("spark.task.resource.gpu.amount", "1")
          .config("spark.task.maxFailures", "4")
          .config("spark.executor.extraJavaOptions", String.join(" ", StandaloneCluster.sparkJvmFlags()))
          .config("spark.executorEnv.OMP_NUM_THREADS", "1")
          .config("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1")
          .config("spark.plugins", NativeBackendPlugin.class.getName())
          .getOrCreate();
      try {
        // each executor JVM chose its BLAS kernels before its first task loaded ND4J (NativeBackendPlugin), and runs the
        // model's float SIMD kernels (Spark passes --add-modules=jdk.incubator.vector to executors)
        List<String> blas = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(0, 1), 2).map(i -> {
              Nd4j.create(1);
              return BlasCoreType.describe() + "; " + VectorApi.describe();
            }).collect();
        assertTrue(blas.stream().allMatch(d -> d.endsWith("; float SIMD kernels (Vector API)")), "executors: " + blas);
        String expected = BlasCoreType.forThisCpu()
            .map(core -> "OpenBLAS kernels " + core + " (OPENBLAS_CORETYPE=" + core + " chosen from the CPU's flags)")
            .orElse("(detected by OpenBLAS)");
        assertTrue(System.getenv(BlasCoreType.VARIABLE) != null || blas.stream().allMatch(d -> d.contains(expected)),
            "executors' BLAS: " + blas);
        MetamutConfig cfg = MetamutConfig.fromString(conf + "metamut.run.output-dir = \"" + tmp.resolve("cluster-out") + "\"\n"
            + "metamut.train.gpu.enabled = true\n");
        AtomicLong killed = new AtomicLong(-1);
        List<String> lines = new ArrayList<>();
        MetaTrainJob.Result r = new MetaTrainJob(spark, TrainSettings.from(cfg), ModelKeys.factory(cfg),
            ModelKeys.encoder(cfg), lines::add)
            .listener(new TrainListener() {
              @Override
              public void onStepEnd(StepReport report) {
                if (report.step() == 2) {
                  killed.set(cluster.killOneExecutor());
                }
              }
            })
            .run();
        assertTrue(killed.get() > 0, "an executor was killed");
        Set<String> devices = r.devices();
        assertTrue(devices.stream().allMatch(d -> d.equals("gpu:0") || d.equals("gpu:1")), "devices " + devices);
        assertEquals(Set.of("gpu:0", "gpu:1"), devices, "both fake GPUs used");
        assertEquals(4, r.lastStep());
        assertArrayEquals(local.phi(), r.phi(), 0.0, "cluster run with a killed executor differs from local mode");
      } finally {
        spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
      }
    }
  }
}
