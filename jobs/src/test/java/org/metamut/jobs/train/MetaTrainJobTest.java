package org.metamut.jobs.train;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.ModelKeys;
import org.metamut.jobs.output.OutputMarker;
import org.metamut.jobs.output.OutputRefusedException;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.meta.NonFiniteException;

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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The meta-train job in Spark local mode on a tiny transformer: determinism across partition counts, after a
 * failed-and-retried task and after a resume from checkpoint; checkpoint retention; metrics files; NaN stop; a fresh
 * run refused over another run's checkpoints, or started clean with overwrite.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MetaTrainJobTest {
  static Path data;

  @BeforeAll
  static void writeEpisodes(@TempDir Path dir) {
    data = dir;
    SyntheticEpisodes.write(LocalSpark.get(), dir.toString(), 6, 2, 2, 6, 1);
  }

  static String conf(Path out, String extra) {
    return "metamut.run.output-dir = \"" + out + "\"\n"
        + "metamut.train.episodes-dir = \"" + data.resolve("episodes") + "\"\n"
        + "metamut.train.proteins-dir = \"" + data.resolve("proteins") + "\"\n"
        + "metamut.model { layers = 1, d-model = 8, heads = 2, ff-dim = 16, max-tokens = 16, dtype = double }\n"
        + "metamut.train { outer-steps = 6, meta-batch-tasks = 4, inner.steps = 1, inner.learning-rate = 0.05,\n"
        + "  outer.learning-rate = 0.01, eval.every-steps = 3, eval.max-tasks = 2, checkpoint.every-steps = 2, checkpoint.keep = 2 }\n"
        + extra;
  }

  static MetaTrainJob job(MetamutConfig cfg, List<String> lines) {
    SparkSession spark = LocalSpark.get();
    return new MetaTrainJob(spark, TrainSettings.from(cfg), ModelKeys.factory(cfg), ModelKeys.encoder(cfg),
        lines::add).renderedConfig(cfg.renderMetamut());
  }

  static MetaTrainJob.Result run(Path out, String extra) throws Exception {
    MetamutConfig cfg = MetamutConfig.fromString(conf(out, extra));
    return job(cfg, new ArrayList<>()).run();
  }

  @Test
  void sameThetaForAnyPartitionCountAndAfterARetriedTask(@TempDir Path tmp) throws Exception {
    for (String alg : new String[] {"maml", "reptile"}) {
      // 4 steps: the injected failure hits step 3
      String a = "metamut.train.algorithm = " + alg + "\nmetamut.train.outer-steps = 4\n";
      MetaTrainJob.Result one = run(tmp.resolve(alg + "-p1"), a + "metamut.train.partitions = 1\n");
      MetaTrainJob.Result three = run(tmp.resolve(alg + "-p3"), a + "metamut.train.partitions = 3\n");
      assertArrayEquals(one.phi(), three.phi(), 0.0, alg + ": partitions 1 vs 3");
      MetamutConfig cfg = MetamutConfig.fromString(conf(tmp.resolve(alg + "-retry"), a + "metamut.train.partitions = 2\n"));
      if (alg.equals("maml")) {
        MetaTrainJob.Result retried = job(cfg, new ArrayList<>()).faultInjection(new FaultInjection(3, 1)).run();
        assertArrayEquals(one.phi(), retried.phi(), 0.0, alg + ": after a retried task");
      }
      assertEquals(4, one.lastStep());
      assertTrue(one.lastPostLoss() < 10 && Double.isFinite(one.lastPostLoss()));
    }
  }

  @Test
  void resumeFromCheckpointGivesTheSameTheta(@TempDir Path tmp) throws Exception {
    MetaTrainJob.Result full = run(tmp.resolve("full"), "");
    Path out = tmp.resolve("resumed");
    MetamutConfig three = MetamutConfig.fromString(conf(out, "metamut.train.outer-steps = 3\n"));
    job(three, new ArrayList<>()).run(); // checkpoints at 2 and (end) 3
    Path ck = out.resolve("meta-train/checkpoints");
    // a crashed writer's leftovers must be ignored and cleaned
    Files.createDirectories(ck.resolve(".tmp-crashed"));
    Files.writeString(ck.resolve(".tmp-crashed/state.bin"), "garbage");
    List<String> lines = new ArrayList<>();
    MetaTrainJob.Result resumed = job(MetamutConfig.fromString(conf(out, "")), lines).resume(true).run();
    assertTrue(lines.stream().anyMatch(l -> l.contains("resuming from") && l.contains("step-00000003")), lines.toString());
    assertArrayEquals(full.phi(), resumed.phi(), 0.0, "resumed run differs from the uninterrupted one");
    try (var s = Files.list(ck)) {
      assertEquals(List.of("step-00000004", "step-00000006"), s.map(p -> p.getFileName().toString()).sorted().toList());
    }
    List<String> csv = Files.readAllLines(out.resolve("meta-train/metrics.csv"));
    assertEquals(MetricsListener.TRAIN_HEADER, csv.get(0));
    assertEquals(7, csv.size(), csv.toString());
    for (int i = 1; i <= 6; i++) {
      assertTrue(csv.get(i).startsWith(i + ","), csv.toString());
    }
    assertEquals(Files.readAllLines(tmp.resolve("full/meta-train/metrics.csv")).stream().map(MetaTrainJobTest::lossesOnly).toList(),
        csv.stream().map(MetaTrainJobTest::lossesOnly).toList());
    List<String> eval = Files.readAllLines(out.resolve("meta-train/eval.csv"));
    assertEquals(3, eval.size(), eval.toString()); // header, step 3, step 6
    List<Long> trainSteps = new ArrayList<>(); // every JSON line parses back; each train step once after the resume
    for (String line : Files.readAllLines(out.resolve("meta-train/metrics.jsonl"))) {
      com.fasterxml.jackson.databind.JsonNode row = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
      if ("train".equals(row.get("kind").asText())) {
        trainSteps.add(row.get("step").asLong());
      }
    }
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), trainSteps);
    assertTrue(Files.exists(out.resolve("meta-train/model/params.json")));
    org.metamut.lib.io.SavedModel saved = org.metamut.lib.io.ModelFile.read(out.resolve("meta-train/model/model.mmut"));
    assertArrayEquals(resumed.theta(), saved.theta(), 0.0);
    assertEquals(full.selectedStep(), resumed.selectedStep(), "the same step is selected after a resume");
    assertArrayEquals(full.theta(), resumed.theta(), 0.0);
    assertEquals(Long.toString(resumed.selectedStep()), saved.provenance().get("meta-train.step"));
    assertEquals("6", saved.provenance().get("meta-train.last-step"));
    assertTrue(Files.readString(out.resolve("meta-train/model/manifest.json")).contains("\"step\" : " + resumed.selectedStep()));
  }

  private static String lossesOnly(String csvLine) {
    String[] f = csvLine.split(",");
    return f[0] + "," + f[1] + "," + f[2] + "," + f[3];
  }

  @Test
  void aFreshRunIntoAnotherRunsCheckpointsIsRefusedAndOverwriteStartsClean(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("shared");
    String two = "metamut.train { outer-steps = 2, algorithm = fomaml, eval.every-steps = 0 }\n";
    run(out, two); // another run: step-00000002 and model/
    Path ck = out.resolve("meta-train/checkpoints");
    assertTrue(Files.isDirectory(ck.resolve("step-00000002")));
    assertTrue(Files.exists(ck.resolve("step-00000002/" + OutputMarker.FILE)), "checkpoints are marked");
    assertTrue(Files.exists(out.resolve("meta-train/model/" + OutputMarker.FILE)), "the model folder is marked");
    Map<String, String> before = tree(out);

    MetamutConfig one = MetamutConfig.fromString(conf(out, "metamut.train { outer-steps = 1, algorithm = fomaml, "
        + "eval.every-steps = 0, checkpoint.every-steps = 1 }\n"));
    OutputRefusedException e = assertThrows(OutputRefusedException.class, () -> job(one, new ArrayList<>()).run());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().contains(ck.toString()) && e.getMessage().contains("step-00000002")
        && e.getMessage().contains("--overwrite") && e.getMessage().contains("--resume"), e.getMessage());
    assertEquals(before, tree(out), "every file left in place");

    List<String> lines = new ArrayList<>();
    MetaTrainJob.Result r = job(one, lines).overwrite(true).run();
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("--overwrite: removing")), lines.toString());
    try (var s = Files.list(ck)) {
      assertEquals(List.of("step-00000001"), s.map(p -> p.getFileName().toString()).sorted().toList(), "only this run's");
    }
    assertEquals("1", org.metamut.lib.io.ModelFile.read(out.resolve("meta-train/model/model.mmut")).provenance()
        .get("meta-train.step"));
    assertArrayEquals(run(tmp.resolve("clean"), "metamut.train { outer-steps = 1, algorithm = fomaml, "
        + "eval.every-steps = 0, checkpoint.every-steps = 1 }\n").theta(), r.theta(), 0.0, "same as a run into an empty folder");
  }

  /** Every file under {@code dir} (relative path -> bytes as Latin-1), hidden ones included. */
  private static Map<String, String> tree(Path dir) throws java.io.IOException {
    Map<String, String> m = new TreeMap<>();
    try (var s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        m.put(dir.relativize(p).toString(), new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    return m;
  }

  @Test
  void aCheckpointThatCannotBeWrittenFailsTheJob(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("ro");
    Files.createDirectories(out.resolve("meta-train"));
    Files.writeString(out.resolve("meta-train/checkpoints"), "a file where the checkpoint folder should be");
    MetamutConfig cfg = MetamutConfig.fromString(conf(out, "metamut.train { outer-steps = 2, checkpoint.every-steps = 1, "
        + "algorithm = fomaml, eval.every-steps = 0 }\n"));
    Exception e = assertThrows(Exception.class, () -> job(cfg, new ArrayList<>()).run());
    assertTrue(String.valueOf(e.getMessage()).contains("checkpoint of outer step 1 failed"), String.valueOf(e));
  }

  @Test
  void divergenceStopsWithTaskAndStepInsteadOfCorruptingTheta(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("nan");
    MetamutConfig cfg = MetamutConfig.fromString(conf(out, "metamut.train { inner.learning-rate = 1e3, inner.steps = 30, "
        + "algorithm = fomaml, checkpoint.every-steps = 1, outer.nan.max-consecutive-skips = 0 }\n"));
    NonFiniteException e = assertThrows(NonFiniteException.class, () -> job(cfg, new ArrayList<>()).run());
    assertTrue(e.getMessage().matches("(?s)outer step 1: task task\\d\\d#fresh \\(meta-batch slot \\d\\), inner step \\d+ of 30: .*"),
        e.getMessage());
    assertFalse(Files.exists(out.resolve("meta-train/checkpoints/step-00000001")));
  }
}
