package org.metamut.lib.bench;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The figures of an independent PyTorch 1.13 CPU implementation (OpenBLAS, 1 thread) of the same reference model and
 * meta-learning step, measured on the build machine (issue 15's table), which the benchmarks print beside their own:
 * a figure means little without the implementation it is measured against.
 */
public final class PyTorchFigures {
  /** Forward and forward+backward ms per batch of 16, by {@link ModelBenchmark} case name. */
  public static final Map<String, double[]> MODEL_MS = Map.of(
      "reference", new double[] {5.4, 16.3},
      "L4 d128 T128", new double[] {49.4, 135.0});
  /** ms per outer step, 8 tasks × (16 + 16), one inner step, by algorithm. */
  public static final Map<String, Double> OUTER_STEP_MS = Map.of("maml", 449.0, "fomaml", 229.0, "reptile", 225.0);
  /** Scoring variants/s at protein length 30 on 2 cores. */
  public static final double SCORE_L30_PER_S = 6000;

  private PyTorchFigures() {
  }

  /** One comparison line for a time (lower is better): ours, theirs and the ratio. */
  public static String time(String what, double oursMs, double theirsMs) {
    return String.format(Locale.ROOT, "vs PyTorch (issue 15, same machine, 1 thread): %s %.2f ms against %.2f ms = %.2f× its time",
        what, oursMs, theirsMs, oursMs / theirsMs);
  }

  /** One comparison line for a throughput (higher is better). */
  public static String throughput(String what, double ours, double theirs) {
    return String.format(Locale.ROOT, "vs PyTorch (issue 15, same machine): %s %,.0f/s against ~%,.0f/s = %.2f× its throughput",
        what, ours, theirs, ours / theirs);
  }

  /** The outer-step figure of {@code algorithm} at {@code tasks} tasks, if the table has one. */
  public static Optional<Double> outerStepMs(String algorithm, int tasks) {
    return tasks == 8 ? Optional.ofNullable(OUTER_STEP_MS.get(algorithm)) : Optional.empty();
  }
}
