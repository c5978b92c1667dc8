package org.metamut.lib.backend;

import org.nd4j.linalg.factory.Nd4j;

import java.util.Properties;

/** Which ND4J backend is in use, in one line, for the start-up log of every job and benchmark. */
public final class Nd4jBackend {
  private Nd4jBackend() {
  }

  public static String describe() {
    String backend = Nd4j.getBackend().getClass().getSimpleName();
    Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
    return "ND4J backend " + backend
        + ", BLAS " + env.getOrDefault("blas.vendor", "?")
        + ", " + env.getOrDefault("omp.threads", "?") + " OpenMP thread(s)"
        + ", " + env.getOrDefault("cores", Runtime.getRuntime().availableProcessors()) + " core(s)"
        + BlasCoreType.loadedKernels().map(k -> ", " + k).orElse("")
        + (backend.toLowerCase(java.util.Locale.ROOT).contains("cpu") ? ", " + VectorApi.describe() : "");
  }
}
