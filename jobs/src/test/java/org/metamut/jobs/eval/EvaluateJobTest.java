package org.metamut.jobs.eval;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.ingest.IngestJob;
import org.metamut.jobs.testing.BundledData;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.metrics.Metric;
import org.metamut.lib.report.ResultRecord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end on a small slice of the real bundled data (FireProt stability, PON-Sol2 solubility classes, MTH3
 * fitness), leave-one-protein-out, a tiny transformer and a few steps: every method's rows reach the report files,
 * and no evaluated task or protein group reaches meta-training or the fine-tuning baseline's pre-training.
 */
class EvaluateJobTest {


  @Test
  void reportHasEveryMethodAndTheSplitIsLeakFree(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    String conf = BundledData.evaluationSlice(tmp)
        + "metamut.model { layers = 1, d-model = 16, heads = 2, ff-dim = 32, max-tokens = 24 }\n"
        + "metamut.train { meta-batch-tasks = 2, inner.steps = 1 }\n"
        + "metamut.adapt.fine-tune.steps = 2\n"
        + "metamut.evaluate { shots = [4, 8], seeds = 2, max-tasks = 3, max-query = 30, min-query = 8, pool-size = 120,\n"
        + "  train.outer-steps = 2, bootstrap.resamples = 100,\n"
        + "  ablation { method = fomaml, encoders = [separator, mutant-only, wt-mask] } }\n";
    MetamutConfig cfg = MetamutConfig.fromString(conf);
    long i0 = System.nanoTime();
    new IngestJob(spark, cfg, line -> { }).run();
    System.out.printf("ingest of the slice: %.1f s%n", (System.nanoTime() - i0) / 1e9);
    List<String> lines = new ArrayList<>();
    long t0 = System.nanoTime();
    EvaluateJob.Result r = new EvaluateJob(spark, cfg, line -> {
      lines.add(line);
      System.out.printf("[evaluate %.1f s] %s%n", (System.nanoTime() - t0) / 1e9, line);
    }).run();

    // Leak-free: evaluated tasks and their protein groups are absent from meta-train episodes and pre-training.
    Set<String> trainTasks = new HashSet<>();
    Set<String> trainGroups = new HashSet<>();
    Map<String, String> groupOf = new HashMap<>();
    for (Row row : spark.read().parquet(tmp.resolve("episodes").toString())
        .select("task_id", "protein_group", "split").distinct().collectAsList()) {
      groupOf.put(row.getString(0), row.getString(1));
      if ("meta-train".equals(row.getString(2))) {
        trainTasks.add(row.getString(0));
        trainGroups.add(row.getString(1));
      }
    }
    assertFalse(r.tasks().isEmpty());
    assertFalse(r.pretrainingTasks().isEmpty());
    for (String t : r.tasks()) {
      assertFalse(trainTasks.contains(t), t + " is meta-trained on");
      assertFalse(trainGroups.contains(groupOf.get(t)), t + "'s protein group is meta-trained on");
      assertFalse(r.pretrainingTasks().contains(t), t + " is in the fine-tuning pre-training");
    }
    assertTrue(trainTasks.containsAll(r.pretrainingTasks()), "pre-training saw only meta-train tasks");

    // Every method has rows, on identical (task, k, seed) runs.
    Set<String> expected = new TreeSet<>(List.of("maml", "fomaml", "anil", "reptile", "cf-head", "finetune", "scratch",
        "ridge-onehot", "ridge-substitution", "ridge-combined", "fomaml/mutant-only", "fomaml/wt-mask"));
    Map<String, Set<String>> runsByMethod = new HashMap<>();
    for (ResultRecord rec : r.records()) {
      runsByMethod.computeIfAbsent(rec.method(), m -> new TreeSet<>()).add(rec.task() + "|" + rec.k() + "|" + rec.seed());
      assertTrue(rec.metrics().containsKey(Metric.SPEARMAN));
    }
    assertEquals(expected, runsByMethod.keySet());
    Set<String> runs = runsByMethod.get("ridge-onehot");
    assertFalse(runs.isEmpty());
    runsByMethod.values().forEach(v -> assertEquals(runs, v));
    assertTrue(r.trainSeconds().get("maml") > 0 && r.trainSeconds().get("finetune") > 0);

    // Calibration: methods with a predictive SD (Bayesian ridge, the closed-form head) have it; SGD-adapted ones never.
    for (ResultRecord rec : r.records()) {
      boolean sd = rec.method().startsWith("ridge-") || rec.method().equals("cf-head");
      if (rec.method().startsWith("ridge-")) {
        assertTrue(rec.metrics().containsKey(Metric.COVERAGE80) && rec.metrics().containsKey(Metric.NLL), rec.toString());
      }
      if (!sd) {
        assertFalse(rec.metrics().containsKey(Metric.COVERAGE80) || rec.metrics().containsKey(Metric.NLL), rec.toString());
      }
    }
    assertTrue(r.records().stream().anyMatch(x -> x.method().equals("cf-head") && x.metrics().containsKey(Metric.NLL)));

    // Report files, each method named in them.
    Path dir = r.reportDir();
    for (String f : List.of("report.html", "results.csv", "summary.csv", "improvements.csv", "results.json")) {
      assertTrue(Files.size(dir.resolve(f)) > 0, f);
    }
    String csv = Files.readString(dir.resolve("results.csv"));
    String html = Files.readString(dir.resolve("report.html"));
    for (String m : expected) {
      assertTrue(csv.contains("," + m + ","), m + " in results.csv");
      assertTrue(html.contains(m), m + " in report.html");
    }
    assertTrue(csv.lines().findFirst().orElseThrow().contains("coverage80,nll"), "calibration columns in results.csv");
    assertTrue(html.contains("calibration: coverage of the central 80%"));
    try (var charts = Files.list(dir.resolve("charts"))) {
      assertTrue(charts.anyMatch(p -> p.toString().endsWith(".png")));
    }
    assertEquals(dir.resolve("report.html").toAbsolutePath(), r.written().html().toAbsolutePath(), "final, not staged, paths");

    // Published through the output layer, with the meta-trainings it ran, and nothing left staged.
    assertTrue(Files.readString(dir.resolve(org.metamut.jobs.output.OutputMarker.FILE)).contains("\"evaluate\""));
    assertTrue(Files.exists(dir.resolve("training/maml/model/model.mmut")));
    try (var siblings = Files.list(dir.getParent())) {
      assertTrue(siblings.map(p -> p.getFileName().toString())
          .noneMatch(n -> n.startsWith(".evaluate.") && org.metamut.jobs.output.OutputFolder.isLeftover(n)));
    }
  }
}
