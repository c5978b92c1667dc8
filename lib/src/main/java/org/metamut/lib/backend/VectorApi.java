package org.metamut.lib.backend;

/**
 * Whether this JVM can run the model's float SIMD kernels ({@code lib.model.VectorKernels}), which use the incubating
 * Vector API: the {@code jdk.incubator.vector} module must be in the JVM. Spark 4's launchers add
 * {@code --add-modules=jdk.incubator.vector} to the driver and to every executor, and so do {@code deploy/bin/metamut}
 * and the test JVMs; a JVM started without it runs the scalar kernels, with the same results to float rounding.
 * {@code -Dmetamut.vector-kernels=false} turns them off (for side-by-side benchmarks).
 */
public final class VectorApi {
  /** The system property that turns the SIMD kernels off when set to {@code false}. */
  public static final String PROPERTY = "metamut.vector-kernels";

  private VectorApi() {
  }

  public static boolean available() {
    return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"))
        && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** For start-up lines: which elementwise kernels a FLOAT model runs on the CPU backend, and why. */
  public static String describe() {
    if (available()) {
      return "float SIMD kernels (Vector API)";
    }
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
        ? "scalar kernels (-D" + PROPERTY + "=false)"
        : "scalar kernels (no --add-modules=jdk.incubator.vector)";
  }
}
