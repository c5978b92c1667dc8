package org.metamut.jobs.cli;

import org.metamut.lib.bench.ModelBenchmark;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code metamut bench model}: forward and forward+backward time per batch of the transformer for a few sizes, on one
 * and two native threads and two workers, then (optionally) a long run printing RSS and heap. No Spark involved.
 */
@Command(name = "model", mixinStandardHelpOptions = true,
    description = "Transformer speed (ms per batch, examples/s) on 1 and 2 threads, and memory over a long run.")
final class ModelBenchCommand implements Callable<Integer> {

  @Option(names = "--reps", defaultValue = "30", description = "Timed repetitions per case (default ${DEFAULT-VALUE}).")
  int reps;

  @Option(names = "--warmup", defaultValue = "10", description = "Untimed warm-up repetitions per case (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--jit-warmup-s", defaultValue = "3",
      description = "Keep warming up until this many seconds have passed, so that the JIT has compiled the model's loops "
          + "(default ${DEFAULT-VALUE}).")
  double jitWarmupSeconds;

  @Option(names = "--dtype", defaultValue = "FLOAT", description = "FLOAT or DOUBLE (default ${DEFAULT-VALUE}).")
  String dtype;

  @Option(names = "--long-run-steps", defaultValue = "0",
      description = "After the timings, run this many SGD steps of the reference model printing RSS/heap (e.g. 10000).")
  int longRunSteps;

  @Option(names = "--single-thread-only", description = "Skip the 2-thread and 2-worker measurements.")
  boolean singleThreadOnly;

  @Option(names = "--quick", description = "Only the reference case and L=4/d=128/T=128.")
  boolean quick;

  @Override
  public Integer call() throws Exception {
    if (reps < 1 || warmup < 0 || longRunSteps < 0 || !(jitWarmupSeconds >= 0 && jitWarmupSeconds <= 600)) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--reps must be >= 1, --warmup and --long-run-steps >= 0, --jit-warmup-s between 0 and 600");
    }
    DataType dt = switch (dtype.toUpperCase(java.util.Locale.ROOT)) {
      case "FLOAT" -> DataType.FLOAT;
      case "DOUBLE" -> DataType.DOUBLE;
      default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--dtype must be FLOAT or DOUBLE, got " + dtype);
    };
    List<ModelBenchmark.Case> cases = ModelBenchmark.defaultCases();
    if (quick) {
      cases = List.of(cases.get(0), cases.get(cases.size() - 1));
    }
    ModelBenchmark.run(new ModelBenchmark.Options(cases, warmup, jitWarmupSeconds, reps, dt, longRunSteps,
        !singleThreadOnly), System.out);
    return 0;
  }
}
