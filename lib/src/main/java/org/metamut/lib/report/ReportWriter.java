package org.metamut.lib.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import com.fasterxml.jackson.databind.SequenceWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.metamut.lib.metrics.Metric;
import org.metamut.lib.provenance.BuildInfo;

/**
 * Writes the evaluation report of a list of {@link ResultRecord}s into a directory:
 * <ul>
 *   <li>{@code results.csv} — one row per record: task, family, protein_group, method, k, seed, adapt_seconds,
 *       train_seconds, then one column per metric present (empty = absent, NaN = undefined);
 *   <li>{@code summary.csv} — {@link Summary#rows}: family, method, k, quantity, tasks, runs, undefined,
 *       mean, ci_lower, ci_upper;
 *   <li>{@code improvements.csv} — {@link Summary#improvements} against the reference method: family,
 *       method, reference, k, quantity, tasks, pairs, method_mean, reference_mean, relative_change and its
 *       CI, improvement and its CI;
 *   <li>{@code failed.csv} — the runs that threw ({@link FailedRun}): task, family, method, k, seed, error (header
 *       only when none did); they are also listed at the top of the page and in the JSON ({@code failures});
 *   <li>{@code results.json} — settings, config, fingerprints, records, failures, summary and improvements;
 *   <li>{@code charts/*.png} and {@code report.html}, which embeds the same PNGs as data URIs and so is a
 *       single self-contained file.
 * </ul>
 */
public final class ReportWriter {

  public static final String RESULTS_CSV = "results.csv";
  public static final String SUMMARY_CSV = "summary.csv";
  public static final String IMPROVEMENTS_CSV = "improvements.csv";
  public static final String RESULTS_JSON = "results.json";
  public static final String FAILED_CSV = "failed.csv";
  public static final String REPORT_HTML = "report.html";
  public static final String CHARTS_DIR = "charts";

  /** Paths of what {@link #write} wrote. */
  public record Written(Path html, Path resultsCsv, Path summaryCsv, Path improvementsCsv, Path json, List<Path> charts,
      Path failedCsv) {}

  private final ReportSettings settings;

  public ReportWriter(ReportSettings settings) {
    this.settings = settings;
  }

  public Written write(Path dir, List<ResultRecord> records) {
    return write(dir, records, List.of());
  }

  /** The report of {@code records} and of the runs that failed; at least one of them must be non-empty. */
  public Written write(Path dir, List<ResultRecord> records, List<FailedRun> failures) {
    if (records.isEmpty() && failures.isEmpty()) {
      throw new IllegalArgumentException("evaluation report for " + dir + ": no result records");
    }
    List<FailedRun> failed = new ArrayList<>(failures);
    failed.sort(FailedRun.ORDER);
    Summary.checkUnique(records);
    List<ResultRecord> sorted = new ArrayList<>(records);
    sorted.sort((a, b) -> {
      int c = a.family().compareTo(b.family());
      c = c != 0 ? c : a.task().compareTo(b.task());
      c = c != 0 ? c : a.method().compareTo(b.method());
      c = c != 0 ? c : Integer.compare(a.k(), b.k());
      return c != 0 ? c : Long.compare(a.seed(), b.seed());
    });
    List<Summary.Row> rows = Summary.rows(sorted, settings);
    List<Summary.Improvement> improvements = Summary.improvements(sorted, settings);
    try {
      Files.createDirectories(dir.resolve(CHARTS_DIR));
      Path resultsCsv = dir.resolve(RESULTS_CSV);
      Path summaryCsv = dir.resolve(SUMMARY_CSV);
      Path improvementsCsv = dir.resolve(IMPROVEMENTS_CSV);
      Path json = dir.resolve(RESULTS_JSON);
      writeResultsCsv(resultsCsv, sorted);
      writeSummaryCsv(summaryCsv, rows);
      writeImprovementsCsv(improvementsCsv, improvements);
      Path failedCsv = dir.resolve(FAILED_CSV);
      writeCsv(failedCsv, FailedRun.header(), failed.stream().map(FailedRun::row).toList());
      writeJson(json, sorted, failed, rows, improvements);
      Map<String, byte[]> charts = charts(sorted, rows);
      List<Path> chartPaths = new ArrayList<>();
      for (var e : charts.entrySet()) {
        Path p = dir.resolve(CHARTS_DIR).resolve(e.getKey());
        Files.write(p, e.getValue());
        chartPaths.add(p);
      }
      Path html = dir.resolve(REPORT_HTML);
      Files.writeString(html, Html.render(settings, sorted, failed, rows, improvements, charts), StandardCharsets.UTF_8);
      return new Written(html, resultsCsv, summaryCsv, improvementsCsv, json, List.copyOf(chartPaths), failedCsv);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the evaluation report to " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Metrics present in any record, in {@link Metric} order. */
  static List<Metric> metricsPresent(List<ResultRecord> records) {
    Set<Metric> m = EnumSet.noneOf(Metric.class);
    records.forEach(r -> m.addAll(r.metrics().keySet()));
    return List.copyOf(m);
  }

  /** Chart file name → PNG bytes, in display order. */
  private Map<String, byte[]> charts(List<ResultRecord> records, List<Summary.Row> rows) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    String primary = settings.primaryMetric().key();
    boolean hasPrimary = rows.stream().anyMatch(r -> r.quantity().equals(primary));
    for (String family : Summary.families(records)) {
      String f = fileSafe(family);
      if (hasPrimary) {
        // small multiples, one panel per method group with the best ridge as a reference line (ten overlapping bands
        // in one panel could not be read)
        List<FirstScreen.Ranked> ranking = FirstScreen.ranking(rows, family, primary);
        FirstScreen.Ranked ridge = FirstScreen.bestRidge(ranking);
        out.put(primary + "_vs_k_" + f + ".png", ranking.isEmpty()
            ? Charts.performanceVsK(rows, family, primary, settings.bootstrapLevel())
            : Charts.performanceVsKPanels(rows, family, primary, settings.bootstrapLevel(), FirstScreen.panels(ranking),
                ridge == null ? null : ridge.method()));
        out.put(primary + "_vs_adapt_seconds_" + f + ".png",
            Charts.timeVsQuantity(rows, family, primary, Quantity.ADAPT_SECONDS.key()));
        out.put(primary + "_vs_total_seconds_" + f + ".png",
            Charts.timeVsQuantity(rows, family, primary, Quantity.TOTAL_SECONDS.key()));
      }
    }
    return out;
  }

  static String fileSafe(String s) {
    return s.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  static String num(double v) {
    return Double.toString(v);
  }

  private static void writeResultsCsv(Path path, List<ResultRecord> records) throws IOException {
    List<Metric> metrics = metricsPresent(records);
    List<String> header = new ArrayList<>(List.of("task", "family", "protein_group", "method", "k", "seed", "adapt_seconds",
        "train_seconds"));
    metrics.forEach(m -> header.add(m.key()));
    List<List<String>> lines = new ArrayList<>();
    for (ResultRecord r : records) {
      List<String> line = new ArrayList<>(List.of(r.task(), r.family(), r.group(), r.method(), Integer.toString(r.k()),
          Long.toString(r.seed()), num(r.adaptSeconds()), num(r.trainSeconds())));
      for (Metric m : metrics) {
        Double v = r.metric(m);
        line.add(v == null ? "" : num(v));
      }
      lines.add(line);
    }
    writeCsv(path, header, lines);
  }

  private static void writeSummaryCsv(Path path, List<Summary.Row> rows) throws IOException {
    List<String> header = List.of("family", "method", "k", "quantity", "tasks", "runs", "undefined", "mean", "ci_lower",
        "ci_upper");
    List<List<String>> lines = new ArrayList<>();
    for (Summary.Row r : rows) {
      lines.add(List.of(r.family(), r.method(), Integer.toString(r.k()), r.quantity(), Integer.toString(r.tasks()),
          Integer.toString(r.runs()), Integer.toString(r.undefined()), num(r.mean()), num(r.lower()), num(r.upper())));
    }
    writeCsv(path, header, lines);
  }

  private static void writeImprovementsCsv(Path path, List<Summary.Improvement> rows) throws IOException {
    List<String> header = List.of("family", "method", "reference", "k", "quantity", "tasks", "pairs", "method_mean",
        "reference_mean", "relative_change", "change_ci_lower", "change_ci_upper", "improvement", "improvement_ci_lower", "improvement_ci_upper");
    List<List<String>> lines = new ArrayList<>();
    for (Summary.Improvement r : rows) {
      lines.add(List.of(r.family(), r.method(), r.reference(), Integer.toString(r.k()), r.quantity(),
          Integer.toString(r.tasks()), Integer.toString(r.pairs()), num(r.methodMean()), num(r.referenceMean()),
          num(r.relativeChange()), num(r.changeLower()), num(r.changeUpper()), num(r.improvement()),
          num(r.improvementLower()), num(r.improvementUpper())));
    }
    writeCsv(path, header, lines);
  }

  private static void writeCsv(Path path, List<String> header, List<List<String>> lines) throws IOException {
    CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
    header.forEach(schema::addColumn);
    try (Writer w = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
        SequenceWriter out = new CsvMapper().writer(schema.build()).writeValues(w)) {
      for (List<String> line : lines) {
        out.write(line);
      }
    }
  }

  private void writeJson(Path path, List<ResultRecord> records, List<FailedRun> failed, List<Summary.Row> rows,
      List<Summary.Improvement> improvements) throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    ObjectNode s = root.putObject("settings");
    s.put("title", settings.title());
    s.put("metamut", BuildInfo.current().toString());
    s.put("generated_at", settings.generatedAt());
    s.put("primary_metric", settings.primaryMetric().key());
    s.put("reference_method", settings.referenceMethod());
    s.put("bootstrap_resamples", settings.bootstrapResamples());
    s.put("bootstrap_level", settings.bootstrapLevel());
    s.put("bootstrap_seed", settings.bootstrapSeed());
    ObjectNode config = root.putObject("config");
    settings.config().forEach(config::put);
    ObjectNode fp = root.putObject("fingerprints");
    settings.fingerprints().forEach(fp::put);
    ArrayNode recs = root.putArray("records");
    for (ResultRecord r : records) {
      ObjectNode o = recs.addObject();
      o.put("task", r.task());
      o.put("family", r.family());
      o.put("protein_group", r.group());
      o.put("method", r.method());
      o.put("k", r.k());
      o.put("seed", r.seed());
      o.put("adapt_seconds", r.adaptSeconds());
      o.put("train_seconds", r.trainSeconds());
      ObjectNode m = o.putObject("metrics");
      r.metrics().forEach((k, v) -> putNumber(m, k.key(), v));
    }
    ArrayNode fails = root.putArray("failures");
    for (FailedRun f : failed) {
      ObjectNode o = fails.addObject();
      o.put("task", f.task());
      o.put("family", f.family());
      o.put("method", f.method());
      o.put("k", f.k());
      o.put("seed", f.seed());
      o.put("error", f.error());
    }
    ArrayNode sum = root.putArray("summary");
    for (Summary.Row r : rows) {
      ObjectNode o = sum.addObject();
      o.put("family", r.family());
      o.put("method", r.method());
      o.put("k", r.k());
      o.put("quantity", r.quantity());
      o.put("tasks", r.tasks());
      o.put("runs", r.runs());
      o.put("undefined", r.undefined());
      putNumber(o, "mean", r.mean());
      putNumber(o, "ci_lower", r.lower());
      putNumber(o, "ci_upper", r.upper());
    }
    ArrayNode imp = root.putArray("improvements");
    for (Summary.Improvement r : improvements) {
      ObjectNode o = imp.addObject();
      o.put("family", r.family());
      o.put("method", r.method());
      o.put("reference", r.reference());
      o.put("k", r.k());
      o.put("quantity", r.quantity());
      o.put("tasks", r.tasks());
      o.put("pairs", r.pairs());
      putNumber(o, "method_mean", r.methodMean());
      putNumber(o, "reference_mean", r.referenceMean());
      putNumber(o, "relative_change", r.relativeChange());
      putNumber(o, "change_ci_lower", r.changeLower());
      putNumber(o, "change_ci_upper", r.changeUpper());
      putNumber(o, "improvement", r.improvement());
      putNumber(o, "improvement_ci_lower", r.improvementLower());
      putNumber(o, "improvement_ci_upper", r.improvementUpper());
    }
    mapper.writeValue(path.toFile(), root);
  }

  /** JSON has no NaN: an undefined number is written as null. */
  private static void putNumber(ObjectNode o, String key, double v) {
    if (Double.isFinite(v)) {
      o.put(key, v);
    } else {
      o.putNull(key);
    }
  }

  /** The HTML page; kept apart from the file plumbing. */
  static final class Html {

    private Html() {}

    static String render(ReportSettings s, List<ResultRecord> records, List<FailedRun> failed, List<Summary.Row> rows,
        List<Summary.Improvement> improvements, Map<String, byte[]> charts) {
      StringBuilder b = new StringBuilder(1 << 16);
      String primary = s.primaryMetric().key();
      b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(s.title()))
          .append("</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
              + "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 8px;"
              + "text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}img{max-width:100%;border:1px solid #eee}"
              + "code{background:#f6f6f6}"
              + "#summary{border:1px solid #ccc;padding:0.2em 1em;background:#fafafa}ul.rec li{margin:0.3em 0}"
              + "table.ranked caption{text-align:left;font-weight:bold;padding:0.3em 0}small{color:#666}</style></head><body>\n");
      b.append("<h1>").append(esc(s.title())).append("</h1>\n");
      Set<String> tasks = new TreeSet<>();
      Set<String> methods = new TreeSet<>();
      Set<Integer> ks = new TreeSet<>();
      Set<Long> seeds = new TreeSet<>();
      for (ResultRecord r : records) {
        tasks.add(r.family() + "/" + r.task());
        methods.add(r.method());
        ks.add(r.k());
        seeds.add(r.seed());
      }
      b.append("<p>").append(records.size()).append(" runs: ").append(tasks.size()).append(" tasks, ")
          .append(methods.size()).append(" methods (").append(esc(String.join(", ", methods))).append("), k ∈ ")
          .append(esc(ks.toString())).append(", ").append(seeds.size()).append(" seeds. Primary metric: <b>")
          .append(esc(primary)).append("</b>.");
      if (!s.generatedAt().isEmpty()) {
        b.append(" Generated ").append(esc(s.generatedAt())).append('.');
      }
      b.append(" metamut ").append(esc(BuildInfo.current().toString())).append('.');
      b.append(" Every number is in <a href=\"results.csv\">results.csv</a>, <a href=\"summary.csv\">summary.csv</a>, "
          + "<a href=\"improvements.csv\">improvements.csv</a> and <a href=\"results.json\">results.json</a>.</p>\n");
      FirstScreen.html(b, s, rows, Summary.families(records));
      failedRuns(b, failed);

      for (String family : Summary.families(records)) {
        b.append("<h2>").append(esc(family)).append("</h2>\n");
        b.append("<h3>").append(esc(primary)).append(", mean over tasks [").append(Math.round(s.bootstrapLevel() * 100))
            .append("% bootstrap CI]</h3>\n");
        summaryTable(b, rows, family, primary, ks);
        b.append("<h3>adaptation seconds per run, mean</h3>\n");
        summaryTable(b, rows, family, Quantity.ADAPT_SECONDS.key(), ks);
        calibrationTables(b, rows, family, ks);
        if (s.referenceMethod() != null) {
          improvementTable(b, improvements, family, s.referenceMethod(),
              List.of(primary, Quantity.ADAPT_SECONDS.key(), Quantity.TOTAL_SECONDS.key()));
        }
        String f = fileSafe(family);
        for (var e : charts.entrySet()) {
          if (e.getKey().endsWith("_" + f + ".png")) {
            b.append("<p><img alt=\"").append(esc(e.getKey())).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(e.getValue())).append("\"></p>\n");
          }
        }
      }

      perTaskTables(b, records, s.primaryMetric());

      b.append("<h2>Definitions</h2>\n<ul>\n"
          + "<li>Spearman: Pearson correlation of ranks, ties get the average of their ranks. Pearson, RMSE = √(mean squared "
          + "error), R² = 1 − SS<sub>res</sub>/SS<sub>tot</sub> of the predictions as given; accuracy = fraction of classes "
          + "predicted exactly. All on the task's query variants.</li>\n"
          + "<li>Calibration (methods with a predictive SD only: the closed-form head, the ridge baselines as Bayesian "
          + "ridge): coverage80 = fraction of query values inside mean ± 1.2816·SD; nll = mean of ½ln(2πSD²) + "
          + "(y − mean)²/(2SD²), in the task's value units.</li>\n"
          + "<li>An undefined correlation (constant predictions) counts as 0 in means and is counted in "
          + "<code>undefined</code>; other undefined values are left out.</li>\n"
          + "<li>Mean = mean over tasks of the mean over seeds. CI: percentile bootstrap over protein groups (groups "
          + "with replacement, each drawn group with all its tasks, so several assays of one protein are one draw; then "
          + "seeds within each task), ").append(s.bootstrapResamples())
          .append(" replicates, seed ").append(s.bootstrapSeed()).append(", percentile type R-7.</li>\n"
          + "<li>Relative change vs the reference method = (mean<sub>method</sub> − mean<sub>ref</sub>) / |mean<sub>ref</sub>| "
          + "on the (task, seed) runs both have, bootstrapped paired; improvement = that change for higher-is-better "
          + "metrics and its negative (the relative reduction) for RMSE and times.</li>\n"
          + "<li>adapt_seconds: time from the support set to the task model; train_seconds: task-independent training "
          + "charged to the method (e.g. meta-training); total_seconds: their sum.</li>\n</ul>\n");

      b.append("<h2>Configuration</h2>\n");
      keyValueTable(b, s.config(), "key", "value");
      b.append("<h2>Data fingerprints</h2>\n");
      keyValueTable(b, s.fingerprints(), "input", "checksum");
      b.append("</body></html>\n");
      return b.toString();
    }

    private static void summaryTable(StringBuilder b, List<Summary.Row> rows, String family, String quantity,
        Set<Integer> ks) {
      Map<String, Map<Integer, Summary.Row>> grid = new java.util.TreeMap<>();
      for (Summary.Row r : rows) {
        if (r.family().equals(family) && r.quantity().equals(quantity)) {
          grid.computeIfAbsent(r.method(), m -> new java.util.TreeMap<>()).put(r.k(), r);
        }
      }
      if (grid.isEmpty()) {
        b.append("<p>(no values)</p>\n");
        return;
      }
      b.append("<table><tr><th class=\"l\">method</th>");
      ks.forEach(k -> b.append("<th>k = ").append(k).append("</th>"));
      b.append("</tr>\n");
      for (var e : grid.entrySet()) {
        b.append("<tr><td class=\"l\">").append(esc(e.getKey())).append("</td>");
        for (int k : ks) {
          Summary.Row r = e.getValue().get(k);
          b.append("<td>");
          if (r != null) {
            b.append(fmt(r.mean())).append(" [").append(fmt(r.lower())).append(", ").append(fmt(r.upper())).append(']');
            if (r.undefined() > 0) {
              b.append(" (").append(r.undefined()).append(" undef.)");
            }
          }
          b.append("</td>");
        }
        b.append("</tr>\n");
      }
      b.append("</table>\n");
    }

    /** Coverage and NLL of the methods with a predictive uncertainty; nothing when no method has one. */
    private static void calibrationTables(StringBuilder b, List<Summary.Row> rows, String family, Set<Integer> ks) {
      if (rows.stream().noneMatch(r -> r.family().equals(family) && r.quantity().equals(Metric.COVERAGE80.key()))) {
        return;
      }
      b.append("<h3>calibration: coverage of the central 80% predictive interval (right: 0.80), mean</h3>\n");
      summaryTable(b, rows, family, Metric.COVERAGE80.key(), ks);
      b.append("<h3>calibration: Gaussian negative log-likelihood per query variant (lower is better), mean</h3>\n");
      summaryTable(b, rows, family, Metric.NLL.key(), ks);
    }

    private static void improvementTable(StringBuilder b, List<Summary.Improvement> improvements, String family,
        String reference, List<String> quantities) {
      List<Summary.Improvement> mine = improvements.stream()
          .filter(i -> i.family().equals(family) && quantities.contains(i.quantity())).toList();
      if (mine.isEmpty()) {
        return;
      }
      b.append("<h3>relative to ").append(esc(reference))
          .append(" (positive = better: higher metric, less time)</h3>\n<table><tr><th class=\"l\">method</th><th>k</th>"
              + "<th class=\"l\">quantity</th><th>method</th><th>reference</th><th>improvement [CI]</th><th>pairs</th></tr>\n");
      for (Summary.Improvement i : mine) {
        double lo = i.improvementLower();
        double hi = i.improvementUpper();
        b.append("<tr><td class=\"l\">").append(esc(i.method())).append("</td><td>").append(i.k())
            .append("</td><td class=\"l\">").append(esc(i.quantity())).append("</td><td>").append(fmt(i.methodMean()))
            .append("</td><td>").append(fmt(i.referenceMean())).append("</td><td>").append(pct(i.improvement()))
            .append(" [").append(pct(lo)).append(", ").append(pct(hi)).append("]</td><td>").append(i.pairs())
            .append("</td></tr>\n");
      }
      b.append("</table>\n");
    }

    /** Per task, method and k: the primary metric's mean over seeds; last on the page, one folded table per k. */
    private static void perTaskTables(StringBuilder b, List<ResultRecord> records, org.metamut.lib.metrics.Metric m) {
      Map<Integer, Map<String, Map<String, double[]>>> byK = new java.util.TreeMap<>(); // k → task → method → {sum, n}
      Set<String> methods = new TreeSet<>();
      for (ResultRecord r : records) {
        Double v = r.metric(m);
        if (v == null || Double.isNaN(v)) {
          continue;
        }
        double[] acc = byK.computeIfAbsent(r.k(), k -> new java.util.TreeMap<>())
            .computeIfAbsent(r.family() + " / " + r.task(), t -> new java.util.TreeMap<>())
            .computeIfAbsent(r.method(), x -> new double[2]);
        acc[0] += v;
        acc[1]++;
        methods.add(r.method());
      }
      if (byK.isEmpty()) {
        return;
      }
      b.append("<h2>Per task</h2>\n<p>").append(esc(m.key())).append(" per task (family / task), mean over seeds.</p>\n");
      for (var e : byK.entrySet()) {
        b.append("<details><summary>k = ").append(e.getKey()).append(" (").append(e.getValue().size())
            .append(" tasks)</summary>\n<table><tr><th class=\"l\">task</th>");
        methods.forEach(x -> b.append("<th>").append(esc(x)).append("</th>"));
        b.append("</tr>\n");
        e.getValue().forEach((task, cells) -> {
          b.append("<tr><td class=\"l\">").append(esc(task)).append("</td>");
          for (String x : methods) {
            double[] acc = cells.get(x);
            b.append("<td>").append(acc == null ? "" : fmt(acc[0] / acc[1])).append("</td>");
          }
          b.append("</tr>\n");
        });
        b.append("</table></details>\n");
      }
    }

    private static void keyValueTable(StringBuilder b, Map<String, String> map, String k, String v) {
      if (map.isEmpty()) {
        b.append("<p>(none given)</p>\n");
        return;
      }
      b.append("<table><tr><th class=\"l\">").append(k).append("</th><th class=\"l\">").append(v).append("</th></tr>\n");
      map.forEach((key, value) -> b.append("<tr><td class=\"l\"><code>").append(esc(key))
          .append("</code></td><td class=\"l\"><code>").append(esc(value)).append("</code></td></tr>\n"));
      b.append("</table>\n");
    }

    static String fmt(double v) {
      if (Double.isNaN(v)) {
        return "NaN";
      }
      return String.format(Locale.ROOT, Math.abs(v) >= 1000 || (v != 0 && Math.abs(v) < 0.001) ? "%.3g" : "%.3f", v);
    }

    static String pct(double v) {
      return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.1f%%", 100 * v);
    }

    /** The runs that threw, first on the page: the means above them leave these runs out. */
    private static void failedRuns(StringBuilder b, List<FailedRun> failed) {
      if (failed.isEmpty()) {
        return;
      }
      b.append("<h2>Failed runs</h2>\n<p><b>").append(failed.size()).append(" run").append(failed.size() == 1 ? "" : "s")
          .append(" failed</b> and are left out of every mean below (also in <a href=\"failed.csv\">failed.csv</a>).</p>\n"
              + "<table><tr><th class=\"l\">task</th><th class=\"l\">family</th><th class=\"l\">method</th><th>k</th>"
              + "<th>seed</th><th class=\"l\">error</th></tr>\n");
      for (FailedRun f : failed) {
        b.append("<tr><td class=\"l\">").append(esc(f.task())).append("</td><td class=\"l\">").append(esc(f.family()))
            .append("</td><td class=\"l\">").append(esc(f.method())).append("</td><td>").append(f.k()).append("</td><td>")
            .append(f.seed()).append("</td><td class=\"l\">").append(esc(f.error())).append("</td></tr>\n");
      }
      b.append("</table>\n");
    }

    static String esc(String s) {
      if (s == null) {
        return "";
      }
      StringBuilder b = new StringBuilder(s.length());
      for (char c : s.toCharArray()) {
        switch (c) {
          case '<' -> b.append("&lt;");
          case '>' -> b.append("&gt;");
          case '&' -> b.append("&amp;");
          case '"' -> b.append("&quot;");
          case '\'' -> b.append("&#39;");
          default -> b.append(c);
        }
      }
      return b.toString();
    }
  }
}
