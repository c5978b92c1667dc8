package org.metamut.jobs.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code metamut bench meta} on a tiny model: a row per partition count, the paired scaling line, bad options. */
class BenchMetaCommandTest {

  private static String[] run(String... args) {
    CommandLine cl = MetamutCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    // the job's lines go to standard output, as on the console
    java.io.PrintStream console = System.out;
    java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
    int code;
    try {
      code = cl.execute(args);
    } finally {
      System.setOut(console);
    }
    return new String[] {Integer.toString(code), out + said.toString(java.nio.charset.StandardCharsets.UTF_8),
        err.toString()};
  }

  @Test
  void roundsOfEveryPartitionCountGiveARowEachAndAPairedSpeedUp() {
    String[] r = run("bench", "meta", "--algorithms", "fomaml", "--tasks", "2", "--partitions", "1,2", "--rounds", "2",
        "--steps", "2", "--warmup", "1", "--jit-warmup-s", "0", "--support", "2", "--query", "2",
        "-Dmetamut.model.max-tokens=12", "-Dmetamut.model.d-model=8", "-Dmetamut.model.heads=2",
        "-Dmetamut.model.ff-dim=8", "-Dmetamut.model.layers=1");
    assertEquals("0", r[0], r[2]);
    for (int p = 1; p <= 2; p++) {
      // algorithm, tasks, partitions, then the median ms per step: positive, and tasks/s consistent with it
      Matcher m = Pattern.compile("fomaml +2 +" + p + " +([0-9.]+) +([0-9.]+) +([0-9.]+) ").matcher(r[1]);
      assertTrue(m.find(), r[1]);
      double ms = Double.parseDouble(m.group(1));
      assertTrue(ms > 0 && Double.parseDouble(m.group(2)) <= ms, r[1]);
      assertEquals(2 / (ms / 1000), Double.parseDouble(m.group(3)), 0.05 + 0.01 * 2 / (ms / 1000), r[1]);
    }
    assertTrue(Pattern.compile("fomaml, 2 tasks: 1 -> 2 partitions [0-9.]+x tasks/s \\(median of 2 paired rounds; "
        + "range [0-9.]+-[0-9.]+\\); [0-9.]+x if only the tasks. time were divided \\(at 1: [0-9.]+ of [0-9.]+ ms/step")
        .matcher(r[1]).find(), r[1]);
  }

  @Test
  void withoutWarmUpEveryStepIsTimedAndBrokenDown() {
    String[] r = run("bench", "meta", "--algorithms", "reptile", "--tasks", "2", "--partitions", "2", "--rounds", "1",
        "--steps", "2", "--warmup", "0", "--jit-warmup-s", "0", "--support", "2", "--query", "2",
        "-Dmetamut.model.max-tokens=12", "-Dmetamut.model.d-model=8", "-Dmetamut.model.heads=2",
        "-Dmetamut.model.ff-dim=8", "-Dmetamut.model.layers=1");
    assertEquals("0", r[0], r[2]);
    // the row's last four figures: driver | job overhead | slowest task | wait, from the timed steps' jobs
    Matcher m = Pattern.compile("reptile +2 +2 .* ([0-9.-]+) \\| +([0-9.-]+) \\| +([0-9.-]+) \\| +([0-9.-]+)").matcher(r[1]);
    assertTrue(m.find(), r[1]);
    assertTrue(Double.parseDouble(m.group(3)) > 0, r[1]);
  }

  @Test
  void nonsenseCountsAreAUsageError() {
    String[] r = run("bench", "meta", "--rounds", "0");
    assertEquals("2", r[0], r[1] + r[2]);
    assertTrue(r[2].contains("--rounds"), r[2]);
  }
}
