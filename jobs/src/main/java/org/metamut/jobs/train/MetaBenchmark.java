package org.metamut.jobs.train;

import org.metamut.lib.bench.ModelBenchmark;
import org.metamut.lib.model.ModelFactory;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.data.EpisodeStore;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code metamut bench meta}: time per outer step of the real distributed loop ({@link MetaTrainJob}: broadcast,
 * per-partition sums of the tasks' meta-gradients merged on the driver, Adam) on synthetic episodes of full-length random sequences, by
 * algorithm, tasks per step and partitions (= executor threads used in local mode). Also times one model
 * forward+backward, which bounds a step from below: a task costs (inner steps + 1) gradient calls for
 * FOMAML/ANIL, plus 2 per inner step for second-order MAML, and (inner steps) + one forward for Reptile.
 */
public final class MetaBenchmark {
  private MetaBenchmark() {
  }

  /**
   * One run's timed steps: their times, CPU time of the Spark tasks, of the rest of the JVM and of the driver's loop
   * thread, and for each Spark job (job, overhead, slowest task, wait) in ms.
   */
  public record Measurement(List<Double> stepMs, long taskCpuNanos, long otherCpuNanos, long driverCpuNanos,
                            List<double[]> jobs) {
  }

  /** One measured configuration (medians and per-step CPU over all its runs). */
  public record Row(String algorithm, int tasks, int partitions, double medianMs, double minMs, double tasksPerS,
                    double examplesPerS, double taskCpuMsPerStep, double otherCpuMsPerStep, double driverCpuMsPerStep,
                    Breakdown breakdown) {
  }

  /**
   * Where a step's time goes (medians over the timed steps' Spark jobs): the driver's own work outside the job
   * (meta-batch draw, broadcast, outer update), the job's latency around its tasks (scheduling, task and result
   * (de)serialisation, merging), the slowest partition's task, and how long the fastest one waited for it.
   */
  public record Breakdown(double driverMs, double jobOverheadMs, double slowestTaskMs, double waitMs) {
  }

  /** Per Spark job: start and end, and each task's launch and finish (epoch ms, as the listener bus reports them). */
  private static final class JobTimeline extends org.apache.spark.scheduler.SparkListener {
    final java.util.concurrent.atomic.AtomicBoolean counting;
    final java.util.concurrent.ConcurrentHashMap<Integer, long[]> jobs = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.concurrent.ConcurrentHashMap<Integer, Integer> stageToJob = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.concurrent.ConcurrentHashMap<Integer, List<long[]>> tasks = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicLong cpuNanos = new java.util.concurrent.atomic.AtomicLong();

    JobTimeline(java.util.concurrent.atomic.AtomicBoolean counting) {
      this.counting = counting;
    }

    @Override
    public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart e) {
      if (counting.get()) {
        jobs.put(e.jobId(), new long[] {e.time(), -1});
        for (Object id : scala.jdk.javaapi.CollectionConverters.asJava(e.stageIds())) {
          stageToJob.put((Integer) id, e.jobId());
        }
      }
    }

    @Override
    public void onJobEnd(org.apache.spark.scheduler.SparkListenerJobEnd e) {
      long[] j = jobs.get(e.jobId());
      if (j != null) {
        j[1] = e.time();
      }
    }

    @Override
    public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd e) {
      Integer job = stageToJob.get(e.stageId());
      if (job == null) {
        return;
      }
      if (e.taskMetrics() != null) {
        cpuNanos.addAndGet(e.taskMetrics().executorCpuTime());
      }
      tasks.computeIfAbsent(job, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
          .add(new long[] {e.taskInfo().launchTime(), e.taskInfo().finishTime()});
    }

    /** Each complete job: its time, the time around its slowest task, that task's time, the spread of task ends. */
    List<double[]> jobs() {
      List<double[]> out = new ArrayList<>();
      jobs.forEach((id, j) -> {
        List<long[]> ts = tasks.get(id);
        if (j[1] < 0 || ts == null || ts.isEmpty()) {
          return;
        }
        long slowest = 0;
        long firstEnd = Long.MAX_VALUE;
        long lastEnd = 0;
        for (long[] t : ts) {
          slowest = Math.max(slowest, t[1] - t[0]);
          firstEnd = Math.min(firstEnd, t[1]);
          lastEnd = Math.max(lastEnd, t[1]);
        }
        out.add(new double[] {j[1] - j[0], j[1] - j[0] - slowest, slowest, lastEnd - firstEnd});
      });
      return out;
    }
  }

  /** CPU time of the whole JVM: the tasks, and what competes with them (driver, JIT compilers, GC, Spark's threads). */
  private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double median(List<Double> xs) {
    return xs.isEmpty() ? Double.NaN : ModelBenchmark.median(xs.stream().mapToDouble(Double::doubleValue).toArray());
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

  /**
   * Median milliseconds of one loss+gradient call of the model on a batch of {@code batch} × {@code seqLen}, after
   * untimed calls for at least {@code warmupSeconds} (and 5 calls): the JIT compiles the model's vector kernels only
   * after hundreds of calls (ModelBenchmark.Options).
   */
  public static double gradientCallMs(ModelFactory f, int batch, int seqLen, int reps, double warmupSeconds) {
    EpisodeStore one = syntheticEpisodes(1, batch, 1, seqLen, 1);
    TokenBatch b = one.task(0, 0).support();
    try (FlatModel m = f.create()) {
      double[] th = f.initialTheta(1);
      double[] g = new double[th.length];
      long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
      for (int i = 0; i < 5 || System.nanoTime() < warmupEnd; i++) {
        m.lossAndGradient(th, b, g);
      }
      double[] times = new double[reps];
      for (int i = 0; i < reps; i++) {
        long t0 = System.nanoTime();
        m.lossAndGradient(th, b, g);
        times[i] = (System.nanoTime() - t0) / 1e6;
      }
      return ModelBenchmark.median(times);
    }
  }

  /** Runs {@code warmup} untimed then {@code steps} timed outer steps of one configuration. */
  public static Measurement run(SparkSession spark, TrainSettings base, ModelFactory factory, String algorithm, int tasks,
                        int partitions, int support, int query, int seqLen, int warmup, int steps, String outDir)
      throws Exception {
    TrainSettings s = new TrainSettings(algorithm, warmup + steps, tasks, base.innerSteps(), base.innerLearningRate(),
        false, base.anilSecondOrder(), base.reptileIncludeQuery(), base.cfHeadRankWeight(), base.hvpRelativeStep(), base.hvpCentral(), base.optimizer(),
        base.outerLearningRate(), base.beta1(), base.beta2(), base.adamEpsilon(), base.clipNorm(), partitions,
        base.aggregationDepth(), 0, 1, 0, 1, "", "", outDir, base.seed(), base.gpuEnabled(), Long.MAX_VALUE / 2_000_000,
        TrainSettings.FIXED, "", 1, 0, List.of(), List.of(), base.nan(), List.of());
    List<Double> ms = new ArrayList<>();
    Consumer<String> quiet = line -> { };
    // the timed steps' jobs and the CPU time of their tasks (robust to other processes on the machine)
    java.util.concurrent.atomic.AtomicBoolean counting = new java.util.concurrent.atomic.AtomicBoolean(false);
    JobTimeline timeline = new JobTimeline(counting);
    long[] processCpu = new long[2]; // the whole JVM's CPU time at the first and the last timed step
    long[] driverCpu = new long[2]; // the same for the thread running the loop (listeners run on it)
    spark.sparkContext().addSparkListener(timeline);
    // counting starts once the warm-up steps are done: here, or (listeners run on this thread) at the last of them
    Runnable startCounting = () -> {
      counting.set(true);
      processCpu[0] = processCpuNanos();
      driverCpu[0] = THREADS.getCurrentThreadCpuTime();
    };
    if (warmup == 0) {
      startCounting.run();
    }
    new MetaTrainJob(spark, s, factory, null, quiet)
        .episodes(syntheticEpisodes(Math.max(64, tasks * 4), support, query, seqLen, 7))
        .withoutFileListeners()
        .listener(new TrainListener() {
          @Override
          public void onStepEnd(StepReport r) {
            if (r.step() > warmup) {
              ms.add(r.stepNanos() / 1e6);
              processCpu[1] = processCpuNanos();
              driverCpu[1] = THREADS.getCurrentThreadCpuTime();
            }
            if (r.step() == warmup) {
              startCounting.run();
            }
          }
        })
        .run();
    Thread.sleep(500); // let the listener bus deliver the last task-end events
    spark.sparkContext().removeSparkListener(timeline);
    long tasksCpu = timeline.cpuNanos.get();
    return new Measurement(ms, tasksCpu, processCpu[1] - processCpu[0] - tasksCpu, driverCpu[1] - driverCpu[0],
        timeline.jobs());
  }

  /** The row of one configuration from its runs (one per round). */
  public static Row row(String algorithm, int tasks, int partitions, int support, int query, List<Measurement> runs) {
    List<Double> ms = new ArrayList<>();
    List<double[]> jobs = new ArrayList<>();
    long taskCpu = 0;
    long otherCpu = 0;
    long driverCpu = 0;
    for (Measurement m : runs) {
      ms.addAll(m.stepMs());
      jobs.addAll(m.jobs());
      taskCpu += m.taskCpuNanos();
      otherCpu += m.otherCpuNanos();
      driverCpu += m.driverCpuNanos();
    }
    int steps = ms.size();
    double median = median(ms);
    Breakdown b = new Breakdown(median - column(jobs, 0), column(jobs, 1), column(jobs, 2), column(jobs, 3));
    return new Row(algorithm, tasks, partitions, median, ms.stream().mapToDouble(Double::doubleValue).min().orElse(0),
        tasks / (median / 1000), tasks * (double) (support + query) / (median / 1000), taskCpu / 1e6 / steps,
        otherCpu / 1e6 / steps, driverCpu / 1e6 / steps, b);
  }

  /**
   * Speed-up from the fewest partitions to each other count, paired by round: each round's ratio of median step
   * times, then the median and range of those ratios. Rounds run the counts back to back, so the machine's drift in
   * speed, which moves the rows' medians by tens of percent from one minute to the next, mostly cancels.
   */
  public static List<String> scaling(String algorithm, int tasks, java.util.Map<Integer, List<Measurement>> runs) {
    int base = runs.keySet().stream().mapToInt(Integer::intValue).min().orElseThrow();
    List<Measurement> from = runs.get(base);
    // the fewest partitions' step and slowest task (as its row has them), for the bound beside each speed-up;
    // medians of two lists: clamp, so that a skewed run cannot put the slowest task above the step
    double step = median(from.stream().flatMap(m -> m.stepMs().stream()).toList());
    double slowest = Math.min(step, column(from.stream().flatMap(m -> m.jobs().stream()).toList(), 2));
    List<String> out = new ArrayList<>();
    for (var e : runs.entrySet()) {
      if (e.getKey() == base) {
        continue;
      }
      List<Double> ratios = new ArrayList<>();
      for (int r = 0; r < Math.min(from.size(), e.getValue().size()); r++) {
        ratios.add(median(from.get(r).stepMs()) / median(e.getValue().get(r).stepMs()));
      }
      double bound = Double.isFinite(slowest) ? dividedTasksBound(step, slowest, tasks, base, e.getKey()) : Double.NaN;
      out.add(String.format(Locale.ROOT, "%s, %d tasks: %d -> %d partitions %.2fx tasks/s (median of %d paired "
              + "rounds; range %.2f-%.2f); %.2fx if only the tasks' time were divided (at %d: %.1f of %.1f ms/step "
              + "outside the tasks)", algorithm, tasks, base, e.getKey(), median(ratios), ratios.size(),
          ratios.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
          ratios.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN),
          bound, base, step - slowest, step));
    }
    return out;
  }

  /**
   * The speed-up from {@code from} to {@code to} partitions if only the tasks' part of a step were divided among them
   * (Amdahl's bound): a step of {@code stepMs} whose slowest partition took {@code slowestTaskMs} keeps its
   * {@code stepMs − slowestTaskMs} outside the tasks (driver, broadcast, scheduling, results), and the slowest
   * partition's share goes from ⌈tasks/from⌉ to ⌈tasks/to⌉ tasks. What the measured speed-up lacks from this bound is
   * the tasks' own slow-down when they share the machine, the JVM's other threads on their cores, and the wait for
   * the slower partition.
   */
  public static double dividedTasksBound(double stepMs, double slowestTaskMs, int tasks, int from, int to) {
    if (!(slowestTaskMs >= 0 && slowestTaskMs <= stepMs) || tasks < 1 || from < 1 || to < 1) {
      throw new IllegalArgumentException("need 0 <= slowest task <= step and counts >= 1, got step " + stepMs
          + " ms, slowest task " + slowestTaskMs + " ms, " + tasks + " tasks, " + from + " -> " + to + " partitions");
    }
    double share = Math.ceil((double) tasks / Math.min(to, tasks)) / Math.ceil((double) tasks / Math.min(from, tasks));
    return stepMs / (stepMs - slowestTaskMs + slowestTaskMs * share);
  }

  private static double column(List<double[]> rows, int c) {
    return median(rows.stream().map(r -> r[c]).toList());
  }

  public static String header() {
    return String.format(Locale.ROOT, "%-8s %6s %10s %14s %10s %9s %11s %15s %16s %17s   %s", "algo", "tasks",
        "partitions", "median ms/step", "min ms", "tasks/s", "examples/s", "task CPU ms/step", "other CPU ms/step",
        "driver CPU ms/step",
        "median ms: driver | job overhead | slowest task | wait for it");
  }

  public static String format(Row r) {
    Breakdown b = r.breakdown();
    return String.format(Locale.ROOT, "%-8s %6d %10d %14.1f %10.1f %9.1f %11.1f %15.1f %16.1f %17.1f   %6.1f | %6.1f | %7.1f | %6.1f",
        r.algorithm(), r.tasks(), r.partitions(), r.medianMs(), r.minMs(), r.tasksPerS(), r.examplesPerS(),
        r.taskCpuMsPerStep(), r.otherCpuMsPerStep(), r.driverCpuMsPerStep(), b.driverMs(), b.jobOverheadMs(), b.slowestTaskMs(), b.waitMs());
  }
}
