package org.metamut.jobs.train;

import org.metamut.lib.model.ModelFactory;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.data.EpisodeStore;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code metamut bench meta}: time per outer step of the real distributed loop ({@link MetaTrainJob}: broadcast,
 * treeAggregate over Spark tasks, Adam on the driver) on synthetic episodes of full-length random sequences, by
 * algorithm, tasks per step and partitions (= executor threads used in local mode). Also times one model
 * forward+backward, which bounds a step from below: a task costs (inner steps + 1) gradient calls for
 * FOMAML/ANIL, plus 2 per inner step for second-order MAML, and (inner steps) + one forward for Reptile.
 */
public final class MetaBenchmark {
  private MetaBenchmark() {
  }

  /** One measured configuration. */
  public record Row(String algorithm, int tasks, int partitions, double medianMs, double minMs, double tasksPerS,
                    double examplesPerS, double taskCpuMsPerStep) {
  }

  /** Random episodes: {@code episodes} meta-train episodes of support + query variants, each a full-length sequence. */
  public static EpisodeStore syntheticEpisodes(int episodes, int support, int query, int seqLen, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<EpisodeStore.Episode> eps = new ArrayList<>();
    for (int e = 0; e < episodes; e++) {
      int[][] ids = new int[2][];
      double[][] ys = new double[2][];
      int[] n = {support, query};
      for (int k = 0; k < 2; k++) {
        ids[k] = new int[n[k] * seqLen];
        ys[k] = new double[n[k]];
        for (int b = 0; b < n[k]; b++) {
          ids[k][b * seqLen] = 2; // BOS
          for (int t = 1; t < seqLen - 1; t++) {
            ids[k][b * seqLen + t] = 6 + r.nextInt(20);
          }
          ids[k][b * seqLen + seqLen - 1] = 3; // EOS
          ys[k][b] = r.nextDouble(-1, 1);
        }
      }
      eps.add(new EpisodeStore.Episode(String.format("bench%04d", e), 0, "meta-train", seqLen, ids[0], null, ys[0],
          ids[1], null, ys[1]));
    }
    return new EpisodeStore(eps);
  }

  /** Median milliseconds of one loss+gradient call of the model on a batch of {@code batch} × {@code seqLen}. */
  public static double gradientCallMs(ModelFactory f, int batch, int seqLen, int reps) {
    EpisodeStore one = syntheticEpisodes(1, batch, 1, seqLen, 1);
    TokenBatch b = one.task(0, 0).support();
    try (FlatModel m = f.create()) {
      double[] th = f.initialTheta(1);
      double[] g = new double[th.length];
      double[] times = new double[reps];
      for (int i = 0; i < reps + 5; i++) {
        long t0 = System.nanoTime();
        m.lossAndGradient(th, b, g);
        if (i >= 5) {
          times[i - 5] = (System.nanoTime() - t0) / 1e6;
        }
      }
      Arrays.sort(times);
      return times[reps / 2];
    }
  }

  public static Row run(SparkSession spark, TrainSettings base, ModelFactory factory, String algorithm, int tasks,
                        int partitions, int support, int query, int seqLen, int warmup, int steps, String outDir)
      throws Exception {
    TrainSettings s = new TrainSettings(algorithm, warmup + steps, tasks, base.innerSteps(), base.innerLearningRate(),
        false, base.anilSecondOrder(), base.reptileIncludeQuery(), base.cfHeadRankWeight(), base.hvpRelativeStep(), base.hvpCentral(), base.optimizer(),
        base.outerLearningRate(), base.beta1(), base.beta2(), base.adamEpsilon(), base.clipNorm(), partitions,
        base.aggregationDepth(), 0, 1, 0, 1, "", "", outDir, base.seed(), base.gpuEnabled(), Long.MAX_VALUE / 2_000_000,
        TrainSettings.FIXED, "", 1, 0, List.of(), List.of(), base.nan(), List.of());
    List<Double> ms = new ArrayList<>();
    Consumer<String> quiet = line -> { };
    // CPU time of the Spark tasks (robust to other processes on the machine); counted after the warm-up steps
    java.util.concurrent.atomic.AtomicBoolean counting = new java.util.concurrent.atomic.AtomicBoolean(false);
    java.util.concurrent.atomic.AtomicLong cpuNanos = new java.util.concurrent.atomic.AtomicLong();
    org.apache.spark.scheduler.SparkListener cpu = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd e) {
        if (counting.get() && e.taskMetrics() != null) {
          cpuNanos.addAndGet(e.taskMetrics().executorCpuTime());
        }
      }
    };
    spark.sparkContext().addSparkListener(cpu);
    new MetaTrainJob(spark, s, factory, null, quiet)
        .episodes(syntheticEpisodes(Math.max(64, tasks * 4), support, query, seqLen, 7))
        .withoutFileListeners()
        .listener(new TrainListener() {
          @Override
          public void onStepEnd(StepReport r) {
            if (r.step() > warmup) {
              ms.add(r.stepNanos() / 1e6);
            }
            if (r.step() == warmup) {
              counting.set(true);
            }
          }
        })
        .run();
    Thread.sleep(500); // let the listener bus deliver the last task-end events
    spark.sparkContext().removeSparkListener(cpu);
    double[] a = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double median = a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    return new Row(algorithm, tasks, partitions, median, a[0], tasks / (median / 1000),
        tasks * (double) (support + query) / (median / 1000), cpuNanos.get() / 1e6 / steps);
  }

  public static String header() {
    return String.format(Locale.ROOT, "%-8s %6s %10s %14s %10s %9s %11s %15s", "algo", "tasks", "partitions",
        "median ms/step", "min ms", "tasks/s", "examples/s", "task CPU ms/step");
  }

  public static String format(Row r) {
    return String.format(Locale.ROOT, "%-8s %6d %10d %14.1f %10.1f %9.1f %11.1f %15.1f", r.algorithm(), r.tasks(),
        r.partitions(), r.medianMs(), r.minMs(), r.tasksPerS(), r.examplesPerS(), r.taskCpuMsPerStep());
  }
}
