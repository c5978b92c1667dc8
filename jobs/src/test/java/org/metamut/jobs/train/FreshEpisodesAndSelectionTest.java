package org.metamut.jobs.train;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.SavedModel;
import org.metamut.jobs.testing.LocalSpark;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fresh episodes (real local Spark, real Parquet): bit-identical θ for 1 and 2 partitions, and not the fixed
 * episodes' θ. Meta-val selection: the model is θ of the best step of the curve in {@code eval.csv} (equal to a run
 * stopped at that step), its recipe chosen on meta-val is in the model file, early stopping after patience.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FreshEpisodesAndSelectionTest {
  static Path data;

  @BeforeAll
  static void writeEpisodes(@TempDir Path dir) {
    data = dir;
    SyntheticEpisodes.write(LocalSpark.get(), dir.toString(), 6, 3, 2, 6, 5);
  }

  static MetaTrainJob.Result run(Path out, String extra, List<String> lines) throws Exception {
    MetamutConfig cfg = MetamutConfig.fromString("metamut.run.output-dir = \"" + out + "\"\n"
        + "metamut.train.episodes-dir = \"" + data.resolve("episodes") + "\"\n"
        + "metamut.train.proteins-dir = \"" + data.resolve("proteins") + "\"\n"
        + "metamut.model { layers = 1, d-model = 8, heads = 2, ff-dim = 16, max-tokens = 16, dtype = double }\n"
        + "metamut.train { algorithm = fomaml, meta-batch-tasks = 4, inner.learning-rate = 0.05, outer.learning-rate = 0.02,\n"
        + "  checkpoint.every-steps = 0, recipe-grid { steps = [1, 2], learning-rates = [0.01, 0.05] } }\n" + extra);
    return MetaTrainJobTest.job(cfg, lines).run();
  }

  @Test
  void freshEpisodesGiveTheSameThetaForAnyPartitionCount(@TempDir Path tmp) throws Exception {
    String c = "metamut.train { outer-steps = 3, eval.every-steps = 0 }\n";
    List<String> lines = new ArrayList<>();
    MetaTrainJob.Result one = run(tmp.resolve("p1"), c + "metamut.train.partitions = 1\n", lines);
    MetaTrainJob.Result two = run(tmp.resolve("p2"), c + "metamut.train.partitions = 2\n", new ArrayList<>());
    assertArrayEquals(one.phi(), two.phi(), 0.0, "partitions 1 vs 2");
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("fresh episodes: 6 meta-train tasks, " + (6 * (2 * 12 + SyntheticEpisodes.EXTRA))
        + " variants")), lines.toString());
    MetaTrainJob.Result fixed = run(tmp.resolve("fixed"), c + "metamut.train.episodes = fixed\n", new ArrayList<>());
    assertFalse(Arrays.equals(one.phi(), fixed.phi()), "fresh and fixed episodes train differently");
  }

  @Test
  void theModelIsTheBestMetaValStepWithItsChosenRecipe(@TempDir Path tmp) throws Exception {
    List<String> lines = new ArrayList<>();
    Path out = tmp.resolve("sel");
    MetaTrainJob.Result r = run(out, "metamut.train { outer-steps = 8, eval { every-steps = 1, patience = 0 } }\n", lines);
    List<Map<String, Object>> curve;
    try (InputStream in = Files.newInputStream(out.resolve("meta-train/eval.csv"))) {
      curve = RowLog.read(in, RowLog.Format.CSV);
    }
    assertEquals(8, curve.size());
    long argmax = -1;
    double best = Double.NEGATIVE_INFINITY;
    for (Map<String, Object> row : curve) {
      assertEquals("3", row.get("tasks"), "every meta-val task is used");
      double rho = Double.parseDouble((String) row.get("val_spearman"));
      if (rho > best) {
        best = rho;
        argmax = Long.parseLong((String) row.get("step"));
      }
    }
    assertEquals(argmax, r.selectedStep());
    assertEquals(8, r.lastStep());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("meta-val: 3 of 3 meta-val tasks, 3 episodes")), lines.toString());
    // the model's θ is the selected step's: the same as a run that stops there
    MetaTrainJob.Result upTo = run(tmp.resolve("upto"), "metamut.train { outer-steps = " + argmax
        + ", eval.every-steps = 0 }\n", new ArrayList<>());
    assertArrayEquals(upTo.theta(), r.theta(), 0.0);
    SavedModel saved = ModelFile.read(out.resolve("meta-train/model/model.mmut"));
    assertArrayEquals(r.theta(), saved.theta(), 0.0);
    assertEquals(Long.toString(argmax), saved.provenance().get("meta-train.step"));
    assertEquals("8", saved.provenance().get("meta-train.last-step"));
    assertTrue(saved.recipe().selection().startsWith("chosen on meta-val at step " + argmax + " from 4 candidates"),
        saved.recipe().selection());
    assertTrue(saved.recipe().overrides().isEmpty(), "a chosen recipe is not an override");
    assertTrue(List.of(1, 2).contains(saved.recipe().steps()));
    assertTrue(Files.readString(out.resolve("meta-train/metrics.jsonl")).contains("\"kind\":\"selection\",\"selected_step\":" + argmax));
    try (var files = Files.list(out.resolve("meta-train/selection"))) {
      assertEquals(List.of(String.format("best-%08d.bin", argmax)), files.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void earlyStoppingStopsAfterPatienceEvaluationsWithoutImprovement(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("stop");
    List<String> lines = new ArrayList<>();
    MetaTrainJob.Result r = run(out, "metamut.train { outer-steps = 30, eval { every-steps = 1, patience = 2 } }\n", lines);
    List<Map<String, Object>> curve;
    try (InputStream in = Files.newInputStream(out.resolve("meta-train/eval.csv"))) {
      curve = RowLog.read(in, RowLog.Format.CSV);
    }
    ModelSelection expected = new ModelSelection(2);
    long stop = 30;
    for (Map<String, Object> row : curve) {
      long step = Long.parseLong((String) row.get("step"));
      expected.offer(step, Double.parseDouble((String) row.get("val_spearman")));
      if (expected.shouldStop()) {
        stop = step;
        break;
      }
    }
    assertTrue(stop < 30, "the curve never stalled twice in a row: " + curve);
    assertEquals(stop, r.lastStep(), "stopped exactly when patience ran out");
    assertEquals(stop, curve.size(), "no evaluation after the stop");
    assertEquals(expected.best().step(), r.selectedStep());
    String stopLine = "early stopping at step " + stop;
    assertTrue(lines.stream().anyMatch(l -> l.startsWith(stopLine)), lines.toString());
  }
}
