package org.metamut.lib.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.lib.metrics.Metric;

/** The written files hold exactly the input numbers, the summaries follow their definitions, PNGs decode. */
class ReportWriterTest {

  @TempDir
  static Path shared;

  private static List<ResultRecord> records;
  private static ReportWriter.Written written;

  /** One report written once for the read-only checks (rendering is the slow part). */
  @BeforeAll
  static void writeOnce() {
    records = records();
    written = new ReportWriter(settings()).write(shared, records);
  }

  static List<ResultRecord> records() {
    Random r = new Random(17);
    List<ResultRecord> out = new ArrayList<>();
    String[] methods = {"finetune", "maml", "ridge-onehot"};
    for (String family : new String[] {"fitness", "solubility"}) {
      for (int t = 0; t < 3; t++) {
        for (int m = 0; m < methods.length; m++) {
          for (int k : new int[] {8, 16, 32}) {
            for (long seed = 0; seed < 3; seed++) {
              Map<Metric, Double> metrics = new EnumMap<>(Metric.class);
              metrics.put(Metric.SPEARMAN, 0.1 * m + 0.01 * k + 0.05 * r.nextGaussian());
              metrics.put(Metric.PEARSON, 0.1 * m + 0.01 * k + 0.05 * r.nextGaussian());
              metrics.put(Metric.RMSE, 1.0 / (1 + m) + r.nextDouble() / 10);
              metrics.put(Metric.R2, r.nextGaussian());
              if (family.equals("solubility")) {
                metrics.put(Metric.ACCURACY, 0.5 + 0.1 * m);
              }
              if (m == 2) { // a method with a predictive SD
                metrics.put(Metric.COVERAGE80, 0.7 + 0.2 * r.nextDouble());
                metrics.put(Metric.NLL, 1 + r.nextDouble());
              }
              out.add(new ResultRecord("task" + t, family, methods[m], k, seed, metrics, 0.5 + m + r.nextDouble(),
                  m == 1 ? 100.0 : 0.0));
            }
          }
        }
      }
    }
    // one undefined correlation (constant predictions)
    ResultRecord first = out.get(0);
    Map<Metric, Double> nan = new EnumMap<>(first.metrics());
    nan.put(Metric.SPEARMAN, Double.NaN);
    out.set(0, new ResultRecord(first.task(), first.family(), first.method(), first.k(), first.seed(), nan,
        first.adaptSeconds(), first.trainSeconds()));
    return out;
  }

  static ReportSettings settings() {
    return ReportSettings.builder().title("test <report> & co").referenceMethod("finetune").bootstrapResamples(300)
        .config("metamut.eval.shots", "[8, 16, 32]").fingerprint("variants", "abc123").generatedAt("2026-01-01T00:00Z")
        .build();
  }

  private static List<Map<String, String>> readCsv(Path p) throws Exception {
    try (MappingIterator<Map<String, String>> it = new CsvMapper().readerForMapOf(String.class)
        .with(CsvSchema.emptySchema().withHeader()).readValues(p.toFile())) {
      return it.readAll();
    }
  }

  @Test
  void filesHoldEveryInputNumber() throws Exception {
    ReportWriter.Written w = written;

    List<Map<String, String>> csv = readCsv(w.resultsCsv());
    assertEquals(records.size(), csv.size());
    JsonNode json = new ObjectMapper().readTree(w.json().toFile());
    assertEquals(records.size(), json.get("records").size());
    for (ResultRecord r : records) {
      Map<String, String> row = csv.stream().filter(m -> m.get("task").equals(r.task()) && m.get("family").equals(r.family())
          && m.get("method").equals(r.method()) && m.get("k").equals(Integer.toString(r.k()))
          && m.get("seed").equals(Long.toString(r.seed()))).findFirst().orElseThrow();
      assertEquals(r.adaptSeconds(), Double.parseDouble(row.get("adapt_seconds")));
      assertEquals(r.trainSeconds(), Double.parseDouble(row.get("train_seconds")));
      for (Metric m : Metric.values()) {
        Double v = r.metric(m);
        if (v == null) {
          String cell = row.get(m.key()); // no column when no record has the metric
          assertTrue(cell == null || cell.isEmpty(), m.key() + " = " + cell);
        } else {
          assertEquals(v, Double.parseDouble(row.get(m.key())), m.key()); // exact: Double.toString round-trips
        }
      }
    }
    for (JsonNode o : json.get("records")) {
      ResultRecord r = records.stream().filter(x -> x.task().equals(o.get("task").asText())
          && x.family().equals(o.get("family").asText()) && x.method().equals(o.get("method").asText())
          && x.k() == o.get("k").asInt() && x.seed() == o.get("seed").asLong()).findFirst().orElseThrow();
      assertEquals(r.adaptSeconds(), o.get("adapt_seconds").asDouble());
      for (Metric m : r.metrics().keySet()) {
        JsonNode v = o.get("metrics").get(m.key());
        if (r.metric(m).isNaN()) {
          assertTrue(v.isNull(), "NaN is written as null");
        } else {
          assertEquals(r.metric(m), v.asDouble());
        }
      }
    }
    assertEquals("abc123", json.get("fingerprints").get("variants").asText());
    assertEquals("[8, 16, 32]", json.get("config").get("metamut.eval.shots").asText());
  }

  @Test
  void summaryMatchesMeansComputedIndependently() throws Exception {
    ReportWriter.Written w = written;
    List<Map<String, String>> summary = readCsv(w.summaryCsv());

    // fitness / maml / k=16 / rmse: mean over 3 tasks of the mean over 3 seeds
    double expected = 0;
    for (int t = 0; t < 3; t++) {
      double s = 0;
      for (ResultRecord r : records) {
        if (r.family().equals("fitness") && r.method().equals("maml") && r.k() == 16 && r.task().equals("task" + t)) {
          s += r.metric(Metric.RMSE) / 3;
        }
      }
      expected += s / 3;
    }
    Map<String, String> row = find(summary, "fitness", "maml", "16", "rmse");
    assertEquals(expected, Double.parseDouble(row.get("mean")), 1e-12);
    assertEquals("9", row.get("runs"));
    assertEquals("3", row.get("tasks"));
    assertTrue(Double.parseDouble(row.get("ci_lower")) <= expected && expected <= Double.parseDouble(row.get("ci_upper")));

    // the undefined Spearman counts as 0 and is reported
    Map<String, String> undef = find(summary, "fitness", "finetune", "8", "spearman");
    assertEquals("1", undef.get("undefined"));
    double s0 = 0;
    for (int t = 0; t < 3; t++) {
      double s = 0;
      for (ResultRecord r : records) {
        if (r.family().equals("fitness") && r.method().equals("finetune") && r.k() == 8 && r.task().equals("task" + t)) {
          s += (r.metric(Metric.SPEARMAN).isNaN() ? 0 : r.metric(Metric.SPEARMAN)) / 3;
        }
      }
      s0 += s / 3;
    }
    assertEquals(s0, Double.parseDouble(undef.get("mean")), 1e-12);

    // quantities of one cell share the bootstrap draws: with no training time, total = adapt, CI included
    Map<String, String> adapt = find(summary, "fitness", "ridge-onehot", "8", "adapt_seconds");
    Map<String, String> total = find(summary, "fitness", "ridge-onehot", "8", "total_seconds");
    assertEquals(adapt.get("ci_lower"), total.get("ci_lower"));
    assertEquals(adapt.get("ci_upper"), total.get("ci_upper"));

    // pooled rows exist with 6 tasks; accuracy only where present
    assertEquals("6", find(summary, Summary.ALL, "maml", "32", "spearman").get("tasks"));
    assertEquals("3", find(summary, Summary.ALL, "maml", "32", "accuracy").get("tasks"));
    assertTrue(summary.stream().noneMatch(m -> m.get("family").equals("fitness") && m.get("quantity").equals("accuracy")));
  }

  @Test
  void improvementsAreRelativeChangesOfTheMeans() throws Exception {
    ReportWriter.Written w = written;
    List<Map<String, String>> summary = readCsv(w.summaryCsv());
    List<Map<String, String>> imp = readCsv(w.improvementsCsv());
    for (String q : new String[] {"pearson", "adapt_seconds", "rmse"}) {
      double m = Double.parseDouble(find(summary, "solubility", "maml", "32", q).get("mean"));
      double ref = Double.parseDouble(find(summary, "solubility", "finetune", "32", q).get("mean"));
      Map<String, String> row = imp.stream().filter(x -> x.get("family").equals("solubility")
          && x.get("method").equals("maml") && x.get("k").equals("32") && x.get("quantity").equals(q)).findFirst().orElseThrow();
      double change = (m - ref) / Math.abs(ref);
      assertEquals(change, Double.parseDouble(row.get("relative_change")), 1e-12, q);
      double sign = q.equals("pearson") ? 1 : -1;
      assertEquals(sign * change, Double.parseDouble(row.get("improvement")), 1e-12, q);
      assertTrue(Double.parseDouble(row.get("improvement_ci_lower")) <= sign * change
          && sign * change <= Double.parseDouble(row.get("improvement_ci_upper")), q);
      assertEquals("finetune", row.get("reference"));
    }
    // maml is slower to adapt in these records: a negative time improvement
    assertTrue(imp.stream().filter(x -> x.get("method").equals("maml") && x.get("quantity").equals("adapt_seconds"))
        .allMatch(x -> Double.parseDouble(x.get("improvement")) < 0));
  }

  @Test
  void chartsArePngsAndTheHtmlEmbedsThem() throws Exception {
    ReportWriter.Written w = written;
    assertEquals(9, w.charts().size(), "3 charts x (2 families + all)");
    for (Path p : w.charts()) {
      BufferedImage img = ImageIO.read(p.toFile());
      assertNotNull(img, p + " decodes");
      // the k chart has one panel per method group (maml | finetune | ridge-onehot), the others one plot
      assertEquals(p.getFileName().toString().contains("_vs_k_") ? 3 * 420 : Charts.WIDTH, img.getWidth(), p.toString());
      assertEquals(Charts.HEIGHT, img.getHeight());
    }
    String html = Files.readString(w.html());
    assertTrue(html.contains("<h1>test &lt;report&gt; &amp; co</h1>"), "title escaped");
    Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
    int n = 0;
    while (m.find()) {
      byte[] png = Base64.getDecoder().decode(m.group(1));
      assertNotNull(ImageIO.read(new ByteArrayInputStream(png)));
      n++;
    }
    assertEquals(9, n);
    byte[] onDisk = Files.readAllBytes(shared.resolve("charts/spearman_vs_k_fitness.png"));
    assertTrue(html.contains(Base64.getEncoder().encodeToString(onDisk)), "the embedded chart is the saved one");
    assertTrue(html.contains("abc123") && html.contains("metamut.eval.shots"));
  }

  @Test
  void calibrationTablesListOnlyTheMethodsWithAnSd() throws Exception {
    String html = Files.readString(written.html());
    int at = html.indexOf("calibration: coverage of the central 80% predictive interval");
    assertTrue(at > 0, "no calibration table");
    String table = html.substring(at, html.indexOf("</table>", at));
    assertTrue(table.contains("ridge-onehot"));
    assertTrue(!table.contains("maml") && !table.contains("finetune"), table);
    assertTrue(html.contains("calibration: Gaussian negative log-likelihood"));
    List<Map<String, String>> summary = readCsv(written.summaryCsv());
    assertTrue(summary.stream().anyMatch(m -> m.get("quantity").equals("coverage80") && m.get("method").equals("ridge-onehot")));
    assertTrue(summary.stream().noneMatch(m -> m.get("quantity").equals("nll") && m.get("method").equals("maml")));
  }

  @Test
  void sameInputsGiveIdenticalFiles(@TempDir Path dir) throws Exception {
    List<ResultRecord> shuffled = new ArrayList<>(records);
    java.util.Collections.shuffle(shuffled, new Random(1));
    ReportWriter.Written a = written;
    ReportWriter.Written b = new ReportWriter(settings()).write(dir.resolve("b"), shuffled);
    for (String f : List.of(ReportWriter.RESULTS_CSV, ReportWriter.SUMMARY_CSV, ReportWriter.IMPROVEMENTS_CSV,
        ReportWriter.RESULTS_JSON)) {
      assertArrayEquals(Files.readAllBytes(a.html().resolveSibling(f)), Files.readAllBytes(b.html().resolveSibling(f)), f);
    }
  }

  @Test
  void duplicateRunsAreRefused(@TempDir Path dir) {
    List<ResultRecord> dup = new ArrayList<>(records);
    dup.add(dup.get(5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ReportWriter(settings()).write(dir, dup));
    assertTrue(e.getMessage().startsWith("duplicate result: family fitness"), e.getMessage());
  }

  private static Map<String, String> find(List<Map<String, String>> rows, String family, String method, String k,
      String quantity) {
    return rows.stream().filter(m -> m.get("family").equals(family) && m.get("method").equals(method)
        && m.get("k").equals(k) && m.get("quantity").equals(quantity)).findFirst()
        .orElseThrow(() -> new AssertionError("no summary row " + family + "/" + method + "/" + k + "/" + quantity));
  }
}
