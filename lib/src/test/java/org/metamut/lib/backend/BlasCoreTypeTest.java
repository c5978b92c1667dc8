package org.metamut.lib.backend;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlasCoreTypeTest {

  @Test
  void theKernelFollowsTheInstructionSetNotTheModelName() {
    Set<String> avx512 = Set.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");
    assertEquals(Optional.of("SkylakeX"), BlasCoreType.choose(avx512));
    // AVX-512 without BW/DQ/VL (Knights Landing) cannot run the SkylakeX kernels
    assertEquals(Optional.of("Haswell"), BlasCoreType.choose(Set.of("avx", "avx2", "fma", "avx512f", "avx512cd")));
    assertEquals(Optional.of("Haswell"), BlasCoreType.choose(Set.of("avx", "avx2", "fma")));
    assertEquals(Optional.empty(), BlasCoreType.choose(Set.of("avx", "avx2")), "AVX2 without FMA: OpenBLAS decides");
    assertEquals(Optional.empty(), BlasCoreType.choose(Set.of("sse2", "sse3", "avx")));
    assertEquals(Optional.empty(), BlasCoreType.choose(Set.of()));
  }

  /** In a fresh JVM: nothing set, the CPU's choice is what the loaded OpenBLAS runs; a user's value wins. */
  @Test
  void aFreshJvmRunsTheChosenKernelsAndTheUsersValueWins() throws Exception {
    Optional<String> expected = BlasCoreType.forThisCpu();
    String chosen = runFresh(null);
    if (expected.isPresent()) {
      assertTrue(chosen.startsWith("OpenBLAS kernels " + expected.get() + " (OPENBLAS_CORETYPE=" + expected.get()
          + " chosen from the CPU's flags)"), chosen);
    } else {
      assertTrue(chosen.contains("(detected by OpenBLAS)"), chosen);
    }
    // Prescott runs on every x86-64 CPU, so the user's value can be tested on any machine
    String user = runFresh("Prescott");
    assertTrue(user.startsWith("OpenBLAS kernels Prescott (OPENBLAS_CORETYPE=Prescott from the environment)"), user);
  }

  @Test
  void thisJvmWasPreparedBeforeNd4jLoaded() {
    Nd4j.create(1); // loads the CPU backend if no other test has yet
    String d = BlasCoreType.describe();
    assertTrue(d.startsWith("OpenBLAS kernels "), d);
    assertTrue(!d.contains("loaded before metamut"), "the test session listener runs first: " + d);
    assertTrue(Nd4jBackend.describe().contains(d), Nd4jBackend.describe());
  }

  private static String runFresh(String coreType) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        Fresh.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
    pb.environment().remove(BlasCoreType.VARIABLE);
    if (coreType != null) {
      pb.environment().put(BlasCoreType.VARIABLE, coreType);
    }
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "fresh JVM did not finish");
    assertEquals(0, p.exitValue(), out);
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1];
  }

  /** The fresh JVM: what every entry point does (ensure, then ND4J), then the loaded library's own answer. */
  public static final class Fresh {
    public static void main(String[] args) {
      BlasCoreType.ensure();
      Nd4j.create(1);
      System.out.println(BlasCoreType.describe());
    }
  }
}
