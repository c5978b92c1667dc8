package org.metamut.lib.backend;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses the OpenBLAS kernels from the CPU's instruction set before OpenBLAS is loaded.
 *
 * <p>Why: the OpenBLAS that nd4j-native bundles (0.3.19) picks its kernels from the CPU's family and model numbers, and
 * falls back to its oldest x86-64 kernels ("Prescott", SSE3) for a model it does not know. On this project's build
 * machine (an Intel Xeon of family 6, model 207, reported as "Intel(R) Xeon(R) Processor", with AVX-512) that made
 * every matmul 3–4× slower than the same library's SkylakeX kernels: 25 against 90 GFLOP/s for the model's
 * [1024 × 65]·[65 × 192] projection, and 1.5–1.7× on a whole forward+backward pass. OpenBLAS reads the environment
 * variable {@code OPENBLAS_CORETYPE} once, when the library is loaded; {@link #ensure()} sets it in the process's own
 * environment (libc {@code setenv}, through JNA, which ND4J already brings) from the instruction-set flags of
 * {@code /proc/cpuinfo}, so every JVM that calls it first (the command line's, every Spark executor's, the tests') gets
 * the kernels its CPU runs.
 *
 * <p>The rule, by what the CPU can execute rather than what it is called: AVX-512 F/CD/BW/DQ/VL give
 * {@value #AVX512}, AVX2 with FMA gives {@value #AVX2}, anything else is left to OpenBLAS. A value the user set
 * ({@code OPENBLAS_CORETYPE=...}) always wins, so {@code OPENBLAS_CORETYPE=Prescott} restores the old behaviour.
 * Nothing is done off Linux or once OpenBLAS is already in the process (too late: the log says so).
 */
public final class BlasCoreType {
  private static final Logger LOG = LoggerFactory.getLogger(BlasCoreType.class);

  /** The variable OpenBLAS reads at load time. */
  public static final String VARIABLE = "OPENBLAS_CORETYPE";
  static final String AVX512 = "SkylakeX";
  static final String AVX2 = "Haswell";

  private static final List<String> AVX512_FLAGS = List.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");

  /** What {@link #ensure()} did, for the start-up line of jobs and benchmarks. */
  public enum Outcome {
    /** {@code OPENBLAS_CORETYPE} was set before the JVM started. */
    SET_BY_USER,
    /** Set by {@link #ensure()} from the CPU's flags. */
    CHOSEN,
    /** The CPU has neither AVX2+FMA nor AVX-512, or its flags could not be read: OpenBLAS chooses. */
    LEFT_TO_OPENBLAS,
    /** OpenBLAS was already loaded when {@link #ensure()} first ran: nothing could be changed. */
    TOO_LATE,
    /** Not Linux, or libc could not be reached. */
    UNSUPPORTED
  }

  private static Outcome outcome;
  private static String value;

  private BlasCoreType() {
  }

  /**
   * Sets {@code OPENBLAS_CORETYPE} for this process if the user did not and the CPU's flags name a better kernel than
   * OpenBLAS may detect. Idempotent and cheap after the first call; call it before anything touches ND4J.
   */
  public static synchronized Outcome ensure() {
    if (outcome != null) {
      return outcome;
    }
    String user = System.getenv(VARIABLE);
    if (user != null && !user.isEmpty()) {
      value = user;
      return outcome = Outcome.SET_BY_USER;
    }
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
      return outcome = Outcome.UNSUPPORTED;
    }
    Optional<String> choice = forThisCpu();
    if (choice.isEmpty()) {
      return outcome = Outcome.LEFT_TO_OPENBLAS;
    }
    if (loadedOpenBlas().isPresent()) {
      LOG.warn("OpenBLAS was loaded before metamut could choose its kernels ({}={} would suit this CPU); "
          + "set {} in the environment to get them", VARIABLE, choice.get(), VARIABLE);
      return outcome = Outcome.TOO_LATE;
    }
    try {
      int rc = LibC.INSTANCE.setenv(VARIABLE, choice.get(), 0);
      if (rc != 0) {
        return outcome = Outcome.UNSUPPORTED;
      }
    } catch (LinkageError | RuntimeException e) {
      LOG.warn("could not set {} ({}); OpenBLAS chooses its kernels itself", VARIABLE, e.toString());
      return outcome = Outcome.UNSUPPORTED;
    }
    value = choice.get();
    LOG.debug("{}={} chosen from the CPU's instruction set", VARIABLE, value);
    return outcome = Outcome.CHOSEN;
  }

  /** The kernels {@link #ensure()} chooses on this machine's CPU when the user sets none (empty: OpenBLAS decides). */
  public static Optional<String> forThisCpu() {
    return cpuFlags().flatMap(BlasCoreType::choose);
  }

  /**
   * The OpenBLAS kernel for a CPU with these {@code /proc/cpuinfo} flags, or empty where OpenBLAS's own detection
   * should decide (no AVX2 with FMA).
   */
  static Optional<String> choose(Set<String> flags) {
    if (flags.containsAll(AVX512_FLAGS)) {
      return Optional.of(AVX512);
    }
    if (flags.contains("avx2") && flags.contains("fma")) {
      return Optional.of(AVX2);
    }
    return Optional.empty();
  }

  /** The flags of the first processor in {@code /proc/cpuinfo}, or empty if it cannot be read. */
  static Optional<Set<String>> cpuFlags() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          int colon = line.indexOf(':');
          return Optional.of(new HashSet<>(Arrays.asList(line.substring(colon + 1).trim().split("\\s+"))));
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot read /proc/cpuinfo: {}", e.toString());
    }
    return Optional.empty();
  }

  /**
   * The kernels the loaded OpenBLAS runs ({@code openblas_get_corename()}, e.g. "SkylakeX", "Prescott"), and how they
   * were chosen; "OpenBLAS not loaded" before ND4J's CPU backend is.
   */
  public static String describe() {
    return loadedKernels().orElse("OpenBLAS not loaded");
  }

  /** {@link #describe()}'s line when OpenBLAS is loaded, else empty ({@code /proc/self/maps} read once). */
  public static Optional<String> loadedKernels() {
    Optional<Path> lib = loadedOpenBlas();
    if (lib.isEmpty()) {
      return Optional.empty();
    }
    String core;
    try {
      Pointer name = NativeLibrary.getInstance(lib.get().toString()).getFunction("openblas_get_corename")
          .invokePointer(new Object[0]);
      core = name == null ? "?" : name.getString(0);
    } catch (LinkageError | RuntimeException e) {
      core = "?";
    }
    Outcome o = outcome == null ? Outcome.LEFT_TO_OPENBLAS : outcome;
    String how = switch (o) {
      case SET_BY_USER -> VARIABLE + "=" + value + " from the environment";
      case CHOSEN -> VARIABLE + "=" + value + " chosen from the CPU's flags";
      case TOO_LATE -> "detected by OpenBLAS (loaded before metamut could choose)";
      case LEFT_TO_OPENBLAS, UNSUPPORTED -> "detected by OpenBLAS";
    };
    return Optional.of("OpenBLAS kernels " + core + " (" + how + ")");
  }

  /** The OpenBLAS shared library mapped into this process, from {@code /proc/self/maps}, if any. */
  static Optional<Path> loadedOpenBlas() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
        int slash = line.indexOf('/');
        if (slash >= 0 && line.contains("libopenblas")) {
          return Optional.of(Path.of(line.substring(slash).trim()));
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot read /proc/self/maps: {}", e.toString());
    }
    return Optional.empty();
  }

  /** The one libc function needed. */
  private interface LibC extends Library {
    LibC INSTANCE = Native.loadLibrary("c", LibC.class);

    int setenv(String name, String value, int overwrite);
  }
}
