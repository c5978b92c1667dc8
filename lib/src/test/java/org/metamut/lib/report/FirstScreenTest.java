package org.metamut.lib.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.lib.metrics.Metric;

/** The report's first screen: ranking, recommendation and its basis, panels, page order. */
class FirstScreenTest {

  @TempDir
  Path dir;

  /** Spearman = base of the method + 0.01·k on every task and seed (so means are known exactly). */
  static final Map<String, Double> BASE = Map.of("cf-head", 0.30, "maml", 0.05, "finetune", 0.10, "scratch", 0.0,
      "ridge-onehot", 0.12, "ridge-combined", 0.28);

  static List<ResultRecord> records() {
    List<ResultRecord> out = new ArrayList<>();
    for (var m : BASE.entrySet()) {
      for (int t = 0; t < 3; t++) {
        for (int k : new int[] {8, 32}) {
          for (long seed = 0; seed < 2; seed++) {
            Map<Metric, Double> metrics = new EnumMap<>(Metric.class);
            // cf-head is worse than ridge-combined at k = 32 only
            double v = m.getValue() + 0.01 * k + (m.getKey().equals("cf-head") && k == 32 ? -0.03 : 0);
            metrics.put(Metric.SPEARMAN, v);
            out.add(new ResultRecord("task" + t, "fitness", m.getKey(), k, seed, metrics, 0.1, 0.0));
          }
        }
      }
    }
    return out;
  }

  static ReportSettings settings(String split) {
    return ReportSettings.builder().bootstrapResamples(50).config(FirstScreen.SPLIT_KEY, split).build();
  }

  @Test
  void ranksByTheMeanOverKAndComparesWithTheBestRidge() {
    List<Summary.Row> rows = Summary.rows(records(), settings("meta-test"));
    List<FirstScreen.Ranked> ranking = FirstScreen.ranking(rows, "fitness", "spearman");
    // independent: mean over k of (base + 0.01 k), cf-head −0.03 at k = 32 → 0.30 + 0.20 − 0.015 = 0.485 > 0.48
    assertEquals(List.of("cf-head", "ridge-combined", "ridge-onehot", "finetune", "maml", "scratch"),
        ranking.stream().map(FirstScreen.Ranked::method).toList());
    assertEquals(0.30 + 0.20 - 0.015, ranking.get(0).overall(), 1e-12);
    assertEquals("ridge-combined", FirstScreen.bestRidge(ranking).method());
    String rec = FirstScreen.recommendation("fitness", ranking, "spearman");
    assertTrue(rec.contains("use <b>cf-head</b>"), rec);
    assertTrue(rec.contains("ridge-combined (0.480): +0.005 (k=8 +0.020, k=32 -0.010)"), rec);
    Map<String, List<String>> panels = FirstScreen.panels(ranking);
    assertEquals(List.of(FirstScreen.META_LEARNERS, FirstScreen.FINE_TUNING, FirstScreen.BASELINES),
        List.copyOf(panels.keySet()));
    assertEquals(List.of("cf-head", "maml"), panels.get(FirstScreen.META_LEARNERS));
    assertEquals(FirstScreen.META_LEARNERS, FirstScreen.group("fomaml/wt-mask"));
    assertEquals(FirstScreen.OTHER, FirstScreen.group("my-method"));
    assertNull(FirstScreen.bestRidge(ranking.subList(0, 1)));
  }

  @Test
  void thePageOpensWithTheSummaryAndEndsWithPerTaskTables() throws Exception {
    ReportWriter.Written w = new ReportWriter(settings("meta-test")).write(dir.resolve("test"), records());
    String html = Files.readString(w.html());
    int summary = html.indexOf("<section id=\"summary\">");
    int family = html.indexOf("<h2>fitness</h2>");
    int perTask = html.indexOf("<h2>Per task</h2>");
    int defs = html.indexOf("<h2>Definitions</h2>");
    assertTrue(summary > 0 && summary < family && family < perTask && perTask < defs, "page order");
    assertTrue(html.contains("<b>indicative only</b>"), "chosen on the test tasks: said");
    assertTrue(html.indexOf("use <b>cf-head</b>") < family);
    assertTrue(html.contains("<td class=\"l\">fitness / task0</td>"));

    String onVal = Files.readString(new ReportWriter(settings("meta-val")).write(dir.resolve("val"), records()).html());
    assertTrue(onVal.contains("best method on these <b>meta-val</b> tasks"));

    // the k chart: three panels side by side, wider than the single-panel chart
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(dir.resolve("test/charts/spearman_vs_k_fitness.png"))));
    assertEquals(3 * 420, img.getWidth());
  }
}
