package org.metamut.jobs.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.cli.CliTestAccess;
import org.metamut.jobs.cli.FailureLinesCliTest;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.output.FaultPoint;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.provenance.Sha256;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real-process crashes: the driver runs as its own JVM ({@code MetamutCli}, the test classpath and the Spark JVM flags
 * of this JVM, as the launcher starts it), pauses at a {@link FaultPoint} inside a commit, and is killed there with
 * SIGKILL ({@link Process#destroyForcibly}: no shutdown hook, no finally block runs). The next run, in this JVM, must
 * find the previous outputs intact and finish what the killed one started, with the results of an uninterrupted run.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class KillDashNineTest {

  /** Starts the CLI as a separate JVM paused at {@code point}, waits until it is there, and kills it with SIGKILL. */
  private static void runAndKillAt(Path tmp, String point, String... args) throws Exception {
    Path marker = tmp.resolve("paused-" + point.replace(':', '-'));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) { // surefire's argLine: Spark's flags
      if (a.startsWith("--add-opens") || a.startsWith("--add-modules") || a.startsWith("--enable-native-access")
          || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), "-D" + FaultPoint.PAUSE + "=" + point,
        "-D" + FaultPoint.MARKER + "=" + marker, "org.metamut.jobs.cli.MetamutCli"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("driver-" + point.replace(':', '-') + ".log").toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process p = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      while (!Files.exists(marker)) {
        assertTrue(p.isAlive(), "the driver ended before reaching " + point + ": "
            + Files.readString(tmp.resolve("driver-" + point.replace(':', '-') + ".log")));
        assertTrue(System.nanoTime() < deadline, "the driver did not reach " + point + " in 240 s");
        Thread.sleep(200);
      }
    } finally {
      p.destroyForcibly(); // SIGKILL
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    }
    assertEquals(137, p.exitValue(), "killed by SIGKILL");
  }

  private static Map<String, String> files(Path dir, String... names) throws Exception {
    Map<String, String> m = new TreeMap<>();
    for (String n : names) {
      Path p = dir.resolve(n);
      if (!Files.exists(p)) {
        continue;
      }
      try (var walk = Files.walk(p)) {
        for (Path f : walk.filter(Files::isRegularFile).toList()) {
          m.put(dir.relativize(f).toString(), Sha256.hex(Files.readAllBytes(f)));
        }
      }
    }
    return m;
  }

  @Test
  void killedDuringACheckpointWriteTheResumedThetaIsTheUninterruptedOne(@TempDir Path tmp) throws Exception {
    MetaTrainJobTest.data = tmp.resolve("data");
    SyntheticEpisodes.write(LocalSpark.get(), MetaTrainJobTest.data.toString(), 6, 2, 2, 6, 1);
    String four = "metamut.train.outer-steps = 4\n";
    MetaTrainJob.Result full = MetaTrainJobTest.job(MetamutConfig.fromString(MetaTrainJobTest.conf(tmp.resolve("full"),
        four)), new ArrayList<>()).run();

    Path out = tmp.resolve("killed");
    Path conf = tmp.resolve("train.conf");
    Files.writeString(conf, MetaTrainJobTest.conf(out, four));
    runAndKillAt(tmp, "checkpoint-publish:4", "meta-train", "--config", conf.toString());
    Path ck = out.resolve("meta-train/checkpoints");
    try (var s = Files.list(ck)) {
      List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
      assertTrue(names.contains("step-00000002") && !names.contains("step-00000004"), names.toString());
      assertTrue(names.stream().anyMatch(n -> n.startsWith(".step-00000004")), "the killed write's staging: " + names);
    }

    List<String> lines = new ArrayList<>();
    MetaTrainJob.Result resumed = MetaTrainJobTest.job(MetamutConfig.fromString(MetaTrainJobTest.conf(out, four)), lines)
        .resume(true).run();
    assertTrue(lines.stream().anyMatch(l -> l.contains("resuming from") && l.contains("step-00000002")), lines.toString());
    assertArrayEquals(full.phi(), resumed.phi(), 0.0, "resumed after kill -9 differs from the uninterrupted run");
    assertArrayEquals(full.theta(), resumed.theta(), 0.0);
    try (var s = Files.list(ck)) {
      assertEquals(List.of("step-00000002", "step-00000004"), s.map(p -> p.getFileName().toString()).sorted().toList(),
          "the killed write's staging folder is cleaned");
    }
  }

  @Test
  void killedDuringTheIngestSwapTheNextRunFinishesTheCommit(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data.resolve("toy"));
    Files.writeString(data.resolve("toy/wt.fasta"), ">toy\n" + FailureLinesCliTest.WT + "\n");
    Path csv = data.resolve("toy/toy.csv");
    Files.writeString(csv, FailureLinesCliTest.rows(','));
    Path out = tmp.resolve("out");
    Path conf = tmp.resolve("toy.conf");
    Files.writeString(conf, FailureLinesCliTest.catalogue(out, data));
    String[] first = CliTestAccess.run("ingest", "--config", conf.toString());
    assertEquals("0", first[0], first[1]);
    String[] tables = {"variants", "quarantine", "proteins", "episodes", "ingest-manifest.json"};
    Map<String, String> before = files(out, tables);

    Files.writeString(csv, FailureLinesCliTest.rows(',').replace(",0.1\n", ",0.15\n")); // one value changes
    runAndKillAt(tmp, "ingest-swap:1", "ingest", "--config", conf.toString());
    Map<String, String> killed = files(out, tables);
    assertNotEquals(before, killed, "the kill came after the first swap");
    for (String t : List.of("proteins", "episodes", "ingest-manifest.json")) {
      Map<String, String> was = new TreeMap<>(before);
      was.keySet().removeIf(k -> !k.startsWith(t));
      Map<String, String> now = new TreeMap<>(killed);
      now.keySet().removeIf(k -> !k.startsWith(t));
      assertEquals(was, now, t + " is not touched before its own commit");
    }
    assertTrue(Files.exists(out.resolve(".ingest-journal")), "the killed commit's journal is left for the next run");

    String[] rerun = CliTestAccess.run("ingest", "--config", conf.toString());
    assertEquals("0", rerun[0], rerun[1]);
    assertFalse(Files.exists(out.resolve(".ingest-journal")));
    // the same inputs ingested without a crash into another folder give the same variants and episodes
    Path clean = tmp.resolve("clean");
    Path cleanConf = tmp.resolve("clean.conf");
    Files.writeString(cleanConf, FailureLinesCliTest.catalogue(clean, data));
    String[] uninterrupted = CliTestAccess.run("ingest", "--config", cleanConf.toString());
    assertEquals("0", uninterrupted[0], uninterrupted[1]);
    var spark = LocalSpark.get();
    for (String t : List.of("variants", "episodes")) {
      List<String> got = spark.read().parquet(out.resolve(t).toString()).drop("source_file").toJSON().collectAsList()
          .stream().sorted().toList();
      List<String> want = spark.read().parquet(clean.resolve(t).toString()).drop("source_file").toJSON().collectAsList()
          .stream().sorted().toList();
      assertEquals(want, got, t);
      assertTrue(got.stream().anyMatch(r -> r.contains("0.15")) || !t.equals("variants"), "the new value is in " + t);
    }
  }
}
