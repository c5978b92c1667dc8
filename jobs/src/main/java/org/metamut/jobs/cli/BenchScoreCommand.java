package org.metamut.jobs.cli;

import org.metamut.jobs.config.AdaptKeys;
import org.metamut.jobs.config.ModelKeys;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.score.ScoreModel;
import org.metamut.jobs.score.ScoreJob;
import org.metamut.jobs.score.ScoreRun;
import org.metamut.jobs.spark.JobContext;
import org.metamut.lib.backend.Nd4jBackend;
import org.metamut.lib.bench.PyTorchFigures;
import org.metamut.lib.library.RandomMutants;
import org.metamut.lib.mutation.Mutation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code metamut bench score}: scores generated libraries of growing size for synthetic proteins of given
 * lengths with the reference model (DESIGN.md §6, freshly initialised: throughput does not depend on the
 * weights), and prints variants/s and the peak heap of the driver JVM for each run.
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Benchmark the score job: variants/s and peak driver heap versus library size and sequence length.",
        "Libraries are random K-site mutants of synthetic proteins, generated on the executors; the model is the",
        "transformer of metamut.model.* (default: the reference). Batch size, partitions: metamut.score.*. In local mode the driver JVM also runs the",
        "executors, so its peak heap includes theirs."})
final class BenchScoreCommand extends JobCommand {

  @Option(names = "--sizes", split = ",", paramLabel = "N,...", defaultValue = "100000,300000,1000000",
      description = "Library sizes (default: ${DEFAULT-VALUE}).")
  List<Long> sizes;

  @Option(names = "--lengths", split = ",", paramLabel = "L,...", defaultValue = "300",
      description = "Protein lengths (default: ${DEFAULT-VALUE}); the model sees at most a 64-token window.")
  List<Integer> lengths;

  @Option(names = "--sites", paramLabel = "K", defaultValue = "1", description = "Substitutions per variant (default: ${DEFAULT-VALUE}).")
  int sites;

  @Override
  String jobName() {
    return "bench-score";
  }

  @Override
  int run(JobContext ctx) {
    var spark = ctx.spark();
    ScoreModel model = ScoreRun.freshModel(ModelKeys.spec(ctx.config()), ModelKeys.encoder(ctx.config()),
        AdaptKeys.freshRecipe(ctx.config()), ctx.config().get(RunKeys.SEED));
    ScoreJob.Settings settings = ScoreRun.settings(ctx.config());
    ScoreJob warm = new ScoreJob(spark, settings, line -> { });
    ScoreJob job = new ScoreJob(spark, settings, ctx::say);
    String out = ctx.config().get(RunKeys.OUTPUT_DIR) + "/bench/score";
    ctx.say(String.format(Locale.ROOT, "Spark %s, master %s, %d cores for tasks; model %s; batch %d; OMP_NUM_THREADS=%s",
        spark.version(), spark.sparkContext().master(), spark.sparkContext().defaultParallelism(),
        model.scoringModel().factory().describe(), settings.batchSize(), System.getenv("OMP_NUM_THREADS")));
    // Warm-up: JIT, native libraries, model buffers.
    warm.scoreLibrary(new RandomMutants(protein(60, 1), sites, 2000, 1), "warm-up", model.scoringModel(), model.theta(),
        out + "/warm-up", Map.of());
    // after the warm-up, which loaded ND4J here (in local mode this JVM also runs the executors)
    ctx.say("driver JVM: " + Nd4jBackend.describe());
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    List<String> rows = new ArrayList<>();
    rows.add(String.format(Locale.ROOT, "%8s %10s %6s %10s %12s %9s %14s", "length", "variants", "parts", "score_s",
        "variants/s", "total_s", "peak_heap_MiB"));
    for (int len : lengths) {
      for (long n : sizes) {
        System.gc();
        AtomicLong peak = new AtomicLong(mem.getHeapMemoryUsage().getUsed());
        Thread sampler = new Thread(() -> {
          while (!Thread.currentThread().isInterrupted()) {
            peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
            try {
              Thread.sleep(100);
            } catch (InterruptedException e) {
              return;
            }
          }
        }, "bench-heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        ScoreJob.Result r = job.scoreLibrary(new RandomMutants(protein(len, len), sites, n, 7), "bench-L" + len,
            model.scoringModel(), model.theta(), out + "/L" + len + "-n" + n, Map.of());
        sampler.interrupt();
        String row = String.format(Locale.ROOT, "%8d %10d %6d %10.1f %12.0f %9.1f %14.0f", len, n, r.partitions(),
            r.scoreSeconds(), r.variantsPerSecond(), r.totalSeconds(), peak.get() / 1048576.0);
        rows.add(row);
        ctx.say(row.strip());
        if (len == 30) {
          rows.add(PyTorchFigures.throughput(String.format(Locale.ROOT, "scoring at L = 30, %,d variants", n), r.variantsPerSecond(),
              PyTorchFigures.SCORE_L30_PER_S));
        }
      }
    }
    ctx.say("summary (peak heap = driver JVM, which in local mode also runs the executors):");
    rows.forEach(r -> ctx.say(r));
    return 0;
  }

  /** A deterministic synthetic protein of length {@code len}. */
  static String protein(int len, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder(len);
    for (int i = 0; i < len; i++) {
      sb.append(Mutation.AMINO_ACIDS.charAt(rng.nextInt(20)));
    }
    return sb.toString();
  }
}
