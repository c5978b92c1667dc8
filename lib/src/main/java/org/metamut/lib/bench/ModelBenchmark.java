package org.metamut.lib.bench;

import org.metamut.lib.backend.Nd4jBackend;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.model.Transformer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Speed and memory of the {@link Transformer}: forward and forward+backward time per batch and examples/s for
 * a few model sizes, sequence lengths and batch sizes, on one native thread, two native threads (OpenMP/BLAS
 * inside one model) and two workers (two models on two Java threads, one native thread each: how executors run);
 * then optionally a long run of SGD steps printing RSS and heap, to show memory stays bounded.
 *
 * <p>Timings on a shared machine are noisy: the median and the minimum of {@code reps} repetitions are printed.
 */
public final class ModelBenchmark {

  /** One benchmark case. */
  public record Case(String name, ModelSpec spec, int batch, int seqLen) {
  }

  /**
   * What to run: cases, repetitions, data type, and how many long-run steps (0 = none). The warm-up runs at least
   * {@code warmup} repetitions and at least {@code jitWarmupSeconds}: the JIT compiles the vector kernels' loops only
   * after hundreds of calls, and 10 repetitions of the reference model timed partly compiled code (its forward pass
   * read ~11 ms in the first 200 calls of a fresh JVM, ~4.2 ms after).
   */
  public record Options(List<Case> cases, int warmup, double jitWarmupSeconds, int reps, DataType dataType,
                        int longRunSteps, boolean threads) {
  }

  public static List<Case> defaultCases() {
    ModelSpec ref = ModelSpec.reference();
    ModelSpec big = ModelSpec.reference(4, 128, 4, 256, 128);
    return List.of(
        new Case("reference", ref, 16, 64),
        new Case("reference B=4", ref, 4, 64),
        new Case("reference B=64", ref, 64, 64),
        new Case("reference T=32", ref, 16, 32),
        new Case("L4 d128 T128", big, 16, 128));
  }

  public static Options defaults() {
    return new Options(defaultCases(), 10, 3.0, 30, DataType.FLOAT, 0, true);
  }

  private ModelBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    Options o = defaults();
    if (args.length > 0) {
      o = new Options(o.cases(), o.warmup(), o.jitWarmupSeconds(), o.reps(), o.dataType(), Integer.parseInt(args[0]),
          o.threads());
    }
    run(o, System.out);
  }

  public static void run(Options o, PrintStream out) throws Exception {
    out.println(Nd4jBackend.describe());
    out.println("data type " + o.dataType() + ", " + o.warmup() + " warm-up repetitions (and at least " + o.jitWarmupSeconds()
        + " s of them) + " + o.reps() + " timed repetitions; times are ms per batch (median / min)");
    out.printf(Locale.ROOT, "%-16s %-46s %5s %5s %-9s %16s %16s %12s%n", "case", "model", "B", "T", "threads", "fwd ms", "fwd+bwd ms",
        "ex/s f+b");
    int[] threadModes = o.threads() ? new int[] {1, 2, -2} : new int[] {1};
    java.util.List<String> versus = new java.util.ArrayList<>();
    for (Case c : o.cases()) {
      for (int mode : threadModes) {
        Result r = mode > 0 ? timeOne(c, o, mode) : timeWorkers(c, o, -mode);
        out.printf(Locale.ROOT, "%-16s %-46s %5d %5d %-9s %7.2f / %6.2f %7.2f / %6.2f %12.0f%n", c.name(), c.spec().summary(), c.batch(),
            c.seqLen(), mode > 0 ? mode + " native" : (-mode) + " workers", r.fwdMedian, r.fwdMin, r.fbMedian, r.fbMin, r.examplesPerSec);
        double[] theirs = PyTorchFigures.MODEL_MS.get(c.name());
        if (mode == 1 && theirs != null && o.dataType() == DataType.FLOAT) {
          versus.add(PyTorchFigures.time(c.name() + " fwd (median)", r.fwdMedian, theirs[0]));
          versus.add(PyTorchFigures.time(c.name() + " fwd+bwd (median)", r.fbMedian, theirs[1]));
        }
      }
    }
    versus.forEach(out::println);
    setNativeThreads(1);
    out.println(memoryLine("after timings"));
    if (o.longRunSteps() > 0) {
      longRun(o.cases().get(0), o.dataType(), o.longRunSteps(), out);
    }
  }

  private record Result(double fwdMedian, double fwdMin, double fbMedian, double fbMin, double examplesPerSec) {
  }

  static TokenBatch syntheticBatch(ModelSpec spec, int b, int t, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] ids = new int[b * t];
    double[] y = new double[b];
    for (int i = 0; i < b; i++) {
      int len = t - rng.nextInt(Math.max(1, t / 8)); // a little padding, as in real batches
      ids[i * t] = 2;
      for (int j = 1; j < len; j++) {
        ids[i * t + j] = 6 + rng.nextInt(20);
      }
      y[i] = rng.nextGaussian();
    }
    return TokenBatch.of(b, t, ids, y);
  }

  /** Sets OpenMP and BLAS threads of the ND4J native backend (process-wide). */
  static void setNativeThreads(int n) {
    Nd4j.getEnvironment().setMaxThreads(n);
    Nd4j.getEnvironment().setMaxMasterThreads(n);
    Nd4j.factory().blas().setMaxThreads(n);
  }

  private static Result timeOne(Case c, Options o, int nativeThreads) {
    setNativeThreads(nativeThreads);
    try (Transformer m = new Transformer(c.spec(), o.dataType())) {
      double[] theta = ParamLayout.of(c.spec()).initialise(1);
      double[] grad = new double[theta.length];
      TokenBatch batch = syntheticBatch(c.spec(), c.batch(), c.seqLen(), 2);
      double[][] times = timeRepetitions(m, theta, batch, grad, o);
      double[] fwd = times[0];
      double[] fb = times[1];
      double fbMed = median(fb);
      return new Result(median(fwd), min(fwd), fbMed, min(fb), c.batch() * 1000.0 / fbMed);
    }
  }

  /**
   * Warm-up, then {@code o.reps()} timed repetitions of a forward pass and of a forward+backward pass;
   * returns {forward ms, forward+backward ms} per repetition.
   */
  private static double[][] timeRepetitions(Transformer m, double[] theta, TokenBatch batch, double[] grad, Options o) {
    long warmupEnd = System.nanoTime() + (long) (o.jitWarmupSeconds() * 1e9);
    for (int i = 0; i < o.warmup() || System.nanoTime() < warmupEnd; i++) {
      m.predict(theta, batch);
      m.lossAndGradient(theta, batch, grad);
    }
    double[] fwd = new double[o.reps()];
    double[] fb = new double[o.reps()];
    for (int i = 0; i < o.reps(); i++) {
      long t0 = System.nanoTime();
      m.predict(theta, batch);
      long t1 = System.nanoTime();
      m.lossAndGradient(theta, batch, grad);
      long t2 = System.nanoTime();
      fwd[i] = (t1 - t0) / 1e6;
      fb[i] = (t2 - t1) / 1e6;
    }
    return new double[][] {fwd, fb};
  }

  /** n models on n Java threads, one native thread each; examples/s is the aggregate. */
  private static Result timeWorkers(Case c, Options o, int n) throws Exception {
    setNativeThreads(1);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<double[][]>> fs = new ArrayList<>();
      long start = System.nanoTime();
      for (int w = 0; w < n; w++) {
        int seed = w;
        fs.add(pool.submit(() -> {
          setNativeThreads(1);
          try (Transformer m = new Transformer(c.spec(), o.dataType())) {
            double[] theta = ParamLayout.of(c.spec()).initialise(1 + seed);
            double[] grad = new double[theta.length];
            TokenBatch batch = syntheticBatch(c.spec(), c.batch(), c.seqLen(), 2 + seed);
            return timeRepetitions(m, theta, batch, grad, o);
          }
        }));
      }
      double[] fwdAll = new double[0];
      double[] fbAll = new double[0];
      double fbTotalMs = 0;
      for (Future<double[][]> f : fs) {
        double[][] r = f.get();
        fwdAll = concat(fwdAll, r[0]);
        fbAll = concat(fbAll, r[1]);
      }
      for (double x : fbAll) {
        fbTotalMs += x;
      }
      // aggregate rate: n workers each doing reps batches; per-worker time is the sum of its fwd+bwd times
      double perWorkerMs = fbTotalMs / n;
      return new Result(median(fwdAll), min(fwdAll), median(fbAll), min(fbAll), n * o.reps() * c.batch() * 1000.0 / perWorkerMs);
    } finally {
      pool.shutdownNow();
    }
  }

  /** SGD steps on one batch, printing RSS and heap periodically: memory must stay flat. */
  static void longRun(Case c, DataType dt, int steps, PrintStream out) {
    setNativeThreads(1);
    out.printf(Locale.ROOT, "long run: %,d SGD steps of %s, B=%d, T=%d%n", steps, c.spec().summary(), c.batch(), c.seqLen());
    try (Transformer m = new Transformer(c.spec(), dt)) {
      double[] theta = ParamLayout.of(c.spec()).initialise(3);
      double[] grad = new double[theta.length];
      TokenBatch[] batches = {syntheticBatch(c.spec(), c.batch(), c.seqLen(), 4), syntheticBatch(c.spec(), c.batch() / 2, c.seqLen(), 5)};
      long t0 = System.nanoTime();
      int every = Math.max(1, steps / 10);
      for (int s = 1; s <= steps; s++) {
        double loss = m.lossAndGradient(theta, batches[s % 2], grad);
        for (int i = 0; i < theta.length; i++) {
          theta[i] -= 1e-3 * grad[i];
        }
        if (s % every == 0 || s == 1) {
          out.printf(Locale.ROOT, "  step %,6d loss %.4f %.1f ms/step  %s%n", s, loss, (System.nanoTime() - t0) / 1e6 / s, memoryLine(""));
        }
      }
    }
  }

  static String memoryLine(String label) {
    Runtime rt = Runtime.getRuntime();
    long heapMb = (rt.totalMemory() - rt.freeMemory()) >> 20;
    String rss = "?";
    String hwm = "?";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = (Long.parseLong(line.replaceAll("\\D", "")) >> 10) + " MiB";
        } else if (line.startsWith("VmHWM:")) {
          hwm = (Long.parseLong(line.replaceAll("\\D", "")) >> 10) + " MiB";
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: RSS unknown
    }
    // RSS minus committed heap is native memory (ND4J buffers, metaspace, code): flat over a long run means no leak.
    // (JavaCPP's Pointer.totalBytes() does not see ND4J's buffers, so it is not shown.)
    long committedMb = rt.totalMemory() >> 20;
    return (label.isEmpty() ? "" : label + ": ") + "RSS " + rss + " (peak " + hwm + "), heap used " + heapMb + " / committed "
        + committedMb + " MiB";
  }

  /** The median of {@code xs} (not empty; the mean of the two middle values for an even count). */
  public static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(double[] xs) {
    return Arrays.stream(xs).min().orElse(Double.NaN);
  }

  private static double[] concat(double[] a, double[] b) {
    double[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
