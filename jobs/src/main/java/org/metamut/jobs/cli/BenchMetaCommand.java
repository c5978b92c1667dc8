package org.metamut.jobs.cli;

import org.metamut.jobs.config.ModelKeys;
import org.metamut.jobs.spark.JobContext;
import org.metamut.jobs.train.MetaBenchmark;
import org.metamut.jobs.train.TrainSettings;
import org.metamut.lib.model.TransformerFactory;
import org.metamut.lib.backend.Nd4jBackend;
import org.metamut.lib.bench.PyTorchFigures;
import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code metamut bench meta}: milliseconds per outer step of meta-train's distributed loop, by algorithm, tasks per
 * step and partitions, on the configured model (default: DESIGN.md §6 reference, float32).
 */
@Command(name = "meta", mixinStandardHelpOptions = true,
    description = "Time per outer step of meta-training (MAML, FOMAML, ANIL, Reptile) through Spark, with scaling "
        + "in tasks per step and partitions (executor threads in local mode).")
final class BenchMetaCommand extends JobCommand {

  @Option(names = "--algorithms", split = ",",
      description = "Meta-learners to time (default: every meta-learner of the method registry).")
  List<String> algorithms;

  @Option(names = "--tasks", split = ",", defaultValue = "8", description = "Tasks per outer step, e.g. 4,8,16.")
  List<Integer> tasks;

  @Option(names = "--partitions", split = ",", defaultValue = "2",
      description = "Spark partitions per step, e.g. 1,2 (local mode: executor threads used).")
  List<Integer> partitions;

  @Option(names = "--support", defaultValue = "16", description = "Support examples per task.")
  int support;

  @Option(names = "--query", defaultValue = "16", description = "Query examples per task.")
  int query;

  @Option(names = "--warmup", defaultValue = "3", description = "Untimed outer steps at the start of every run.")
  int warmup;

  @Option(names = "--steps", defaultValue = "5", description = "Timed outer steps per run.")
  int steps;

  @Option(names = "--rounds", defaultValue = "3",
      description = "Rounds; each runs every partition count once, in turn, so that the machine's drift in speed "
          + "falls on all of them alike (a row's median is over rounds x steps).")
  int rounds;

  @Option(names = "--jit-warmup-s", defaultValue = "30",
      description = "Seconds of untimed outer steps per algorithm before its first round, at the largest partition "
          + "count: the JIT compilers otherwise take CPU from the tasks for the first minute (0: none).")
  int jitWarmupSeconds;

  @Override
  String jobName() {
    return "bench-meta";
  }

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  int run(JobContext ctx) throws Exception {
    if (steps < 1 || rounds < 1 || warmup < 0 || jitWarmupSeconds < 0 || support < 1 || query < 1
        || tasks.stream().anyMatch(t -> t < 1) || partitions.stream().anyMatch(p -> p < 1)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--steps, --rounds, --support, "
          + "--query, --tasks and --partitions must be >= 1, --warmup and --jit-warmup-s >= 0");
    }
    TrainSettings base = TrainSettings.from(ctx.config());
    TransformerFactory factory = ModelKeys.factory(ctx.config());
    int seqLen = factory.spec().maxLen();
    var spark = ctx.spark();
    ctx.say(Nd4jBackend.describe() + "; Spark " + spark.version() + " " + spark.sparkContext().master()
        + ", defaultParallelism " + spark.sparkContext().defaultParallelism() + "; OMP_NUM_THREADS="
        + System.getenv("OMP_NUM_THREADS"));
    ctx.say(factory.describe() + "; " + base.innerSteps() + " inner step(s); " + support + " support + " + query
        + " query per task, sequence length " + seqLen);
    double callWarmup = Math.min(jitWarmupSeconds, 3);
    ctx.say(String.format(Locale.ROOT,
        "model loss+gradient, batch %d: %.1f ms (median of 20 after %.0f s of warm-up, driver thread)", support,
        MetaBenchmark.gradientCallMs(factory, support, seqLen, 20, callWarmup), callWarmup));
    Path tmp = Files.createTempDirectory("metamut-bench-meta");
    ctx.say(MetaBenchmark.header());
    List<MetaBenchmark.Row> rows = new ArrayList<>();
    List<String> scaling = new ArrayList<>();
    int widest = partitions.stream().mapToInt(Integer::intValue).max().orElse(1);
    for (String a : algorithms == null ? Methods.names(MethodKind.META_LEARNER) : algorithms) {
      long until = System.nanoTime() + jitWarmupSeconds * 1_000_000_000L;
      for (int chunk = 0; System.nanoTime() < until; chunk++) {
        MetaBenchmark.run(spark, base, factory, a, tasks.get(0), widest, support, query, seqLen, 0, 5,
            tmp.resolve(a + "-jit-" + chunk).toString());
      }
      for (int t : tasks) {
        java.util.Map<Integer, List<MetaBenchmark.Measurement>> runs = new java.util.LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
          for (int p : partitions) {
            runs.computeIfAbsent(p, k -> new ArrayList<>()).add(MetaBenchmark.run(spark, base, factory, a, t, p,
                support, query, seqLen, warmup, steps, tmp.resolve(a + "-" + t + "-" + p + "-" + round).toString()));
          }
        }
        runs.forEach((p, m) -> {
          MetaBenchmark.Row r = MetaBenchmark.row(a, t, p, support, query, m);
          rows.add(r);
          ctx.say(MetaBenchmark.format(r));
        });
        scaling.addAll(MetaBenchmark.scaling(a, t, runs));
      }
    }
    scaling.forEach(ctx::say);
    for (MetaBenchmark.Row r : rows) {
      PyTorchFigures.outerStepMs(r.algorithm(), r.tasks()).ifPresent(theirs -> ctx.say(PyTorchFigures.time(
          r.algorithm() + " outer step, " + r.tasks() + " tasks, " + r.partitions() + " partition(s) (median)",
          r.medianMs(), theirs)));
    }
    return 0;
  }
}
