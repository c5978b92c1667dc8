package org.metamut.jobs.eval;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.ingest.IngestJob;
import org.metamut.jobs.testing.BundledData;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.report.ActiveLearningReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code evaluate --active-learning} end to end on a slice of the bundled data: every strategy runs every campaign
 * from the same start through every round, and the CSVs and the page are published.
 */
class ActiveLearningJobTest {

  @Test
  void campaignsRunForEveryStrategyAndTheReportIsWritten(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    String conf = BundledData.evaluationSlice(tmp)
        + "metamut.model { layers = 1, d-model = 16, heads = 2, ff-dim = 32, max-tokens = 24, pooling = sites,"
        + "  substitution-features = true }\n"
        + "metamut.train { meta-batch-tasks = 2, inner.steps = 1 }\n"
        + "metamut.evaluate { seeds = 2, max-tasks = 3, pool-size = 80, train.outer-steps = 2, bootstrap.resamples = 100,\n"
        + "  methods = [cf-head, ridge-substitution, ridge-combined],\n"
        + "  active-learning { start = 4, rounds = 2, batch = 4 } }\n";
    MetamutConfig cfg = MetamutConfig.fromString(conf);
    new IngestJob(spark, cfg, line -> { }).run();
    long t0 = System.nanoTime();
    ActiveLearningJob.Result r = new ActiveLearningJob(spark, cfg, line -> System.out.printf("[al %.1f s] %s%n",
        (System.nanoTime() - t0) / 1e9, line)).run();

    assertTrue(r.failures().isEmpty(), r.failures().toString());
    Set<String> strategies = r.rows().stream().map(ActiveLearningReport.Row::strategy).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(List.of("cf-head/ucb", "cf-head/random", "ridge-substitution/greedy",
        "ridge-combined/greedy")), strategies);
    // every campaign: rounds 0..2 with 4, 8, 12 labelled; all strategies of a (task, seed) share the start
    Map<String, List<ActiveLearningReport.Row>> byCampaign = new TreeMap<>();
    r.rows().forEach(x -> byCampaign.computeIfAbsent(x.task() + "|" + x.seed() + "|" + x.strategy(), k -> new java.util.ArrayList<>()).add(x));
    for (List<ActiveLearningReport.Row> c : byCampaign.values()) {
      assertEquals(List.of(0, 1, 2), c.stream().map(ActiveLearningReport.Row::round).sorted().toList());
      for (ActiveLearningReport.Row x : c) {
        assertEquals(4 + 4 * x.round(), x.labelled());
        assertTrue(x.bestQuantile() > 0 && x.bestQuantile() <= 1);
      }
    }
    Set<String> starts = new HashSet<>();
    for (ActiveLearningReport.Row x : r.rows()) {
      if (x.round() == 0) {
        starts.add(x.task() + "|" + x.seed() + "|" + x.bestValue());
      }
    }
    assertEquals(byCampaign.size() / 4, starts.size(), "one start per (task, seed), whatever the strategy");
    assertTrue(r.differences().stream().anyMatch(d -> d.strategy().equals("cf-head/ucb") && d.round() == 2));

    Path out = Path.of(r.outputDir().replaceFirst("^file:", ""));
    for (String f : List.of("active-learning.csv", "active-learning-summary.csv", "active-learning-vs-random.csv",
        "active-learning.html")) {
      assertTrue(Files.size(out.resolve(f)) > 0, f);
    }
    assertEquals(r.rows().size() + 1, Files.readAllLines(out.resolve("active-learning.csv")).size());
    assertTrue(Files.readString(out.resolve("active-learning.html")).contains("cf-head/ucb"));

    // a model named in metamut.evaluate.models is used, not meta-trained again (as evaluate does)
    Path model = Files.walk(tmp).filter(p -> p.getFileName().toString().equals("model.mmut")).findFirst().orElseThrow();
    List<String> said = new java.util.ArrayList<>();
    MetamutConfig withModel = cfg.withOverrides("metamut.evaluate.models { cf-head = \"" + model.getParent() + "\" }\n"
        + "metamut.evaluate.active-learning.output-dir = \"" + tmp.resolve("al-again") + "\"\n");
    ActiveLearningJob.Result again = new ActiveLearningJob(spark, withModel, said::add).run();
    assertTrue(again.failures().isEmpty(), again.failures().toString());
    assertTrue(said.stream().anyMatch(l -> l.contains("θ from " + model)), String.join("\n", said));
    assertTrue(said.stream().noneMatch(l -> l.contains("meta-training")), String.join("\n", said));
  }
}
