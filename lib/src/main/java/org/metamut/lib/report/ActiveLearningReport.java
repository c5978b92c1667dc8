package org.metamut.lib.report;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.metamut.lib.metrics.Bootstrap;
import org.metamut.lib.metrics.Interval;

/**
 * The active-learning benchmark's tables: per (strategy, round) the mean over tasks of the mean over seeds of the best
 * value found (as its quantile in the task's pool) and of the Spearman correlation on the variants still unlabelled,
 * with bootstrap intervals over protein groups then seeds (the evaluation report's {@link Bootstrap#grouped}); and
 * each strategy's paired difference to the random-picks strategy on the same (task, seed) campaigns. An undefined
 * Spearman (constant predictions) counts as 0, as in the evaluation report.
 */
public final class ActiveLearningReport {
  private ActiveLearningReport() {
  }

  /** The two summarised quantities. */
  public static final List<String> QUANTITIES = List.of("best_quantile", "spearman_remaining");

  /** One (task, strategy, seed, round) point of a campaign. */
  public record Row(String task, String family, String group, String strategy, long seed, int round, int labelled,
                    double bestValue, double bestQuantile, double spearmanRemaining) implements Serializable {
    double value(String quantity) {
      return switch (quantity) {
        case "best_quantile" -> bestQuantile;
        case "spearman_remaining" -> Double.isNaN(spearmanRemaining) ? 0 : spearmanRemaining;
        default -> throw new IllegalArgumentException("unknown quantity " + quantity);
      };
    }
  }

  /** A mean with its interval; for a difference, {@code strategy} is compared with {@code reference}. */
  public record Cell(String strategy, String reference, int round, int labelled, String quantity, int tasks, int runs,
                     double mean, double lower, double upper) {
  }

  public static final String CSV_HEADER = "task,family,protein_group,strategy,seed,round,labelled,best_value,best_quantile,"
      + "spearman_remaining";

  /** Means per (strategy, round, quantity). */
  public static List<Cell> means(List<Row> rows, Bootstrap b) {
    List<Cell> out = new ArrayList<>();
    for (var se : byStrategyRound(rows).entrySet()) {
      for (var re : se.getValue().entrySet()) {
        for (String q : QUANTITIES) {
          Grid g = Grid.of(re.getValue(), null, q);
          Interval ci = b.grouped(g.groups, g.seedsPerTask(), Bootstrap.weightedMean(g.values));
          out.add(new Cell(se.getKey(), null, re.getKey(), re.getValue().get(0).labelled(), q, g.values.length, g.runs,
              ci.estimate(), ci.lower(), ci.upper()));
        }
      }
    }
    return out;
  }

  /** Paired differences (strategy − reference) per (strategy, round, quantity) on the campaigns both ran. */
  public static List<Cell> differences(List<Row> rows, String reference, Bootstrap b) {
    Map<String, Map<Integer, List<Row>>> all = byStrategyRound(rows);
    Map<Integer, List<Row>> ref = all.get(reference);
    List<Cell> out = new ArrayList<>();
    if (ref == null) {
      return out;
    }
    for (var se : all.entrySet()) {
      if (se.getKey().equals(reference)) {
        continue;
      }
      for (var re : se.getValue().entrySet()) {
        List<Row> r0 = ref.get(re.getKey());
        if (r0 == null) {
          continue;
        }
        for (String q : QUANTITIES) {
          Grid g = Grid.of(re.getValue(), r0, q);
          if (g.values.length == 0) {
            continue;
          }
          Interval ci = b.grouped(g.groups, g.seedsPerTask(), Bootstrap.weightedMean(g.values));
          out.add(new Cell(se.getKey(), reference, re.getKey(), re.getValue().get(0).labelled(), q, g.values.length, g.runs,
              ci.estimate(), ci.lower(), ci.upper()));
        }
      }
    }
    return out;
  }

  private static Map<String, Map<Integer, List<Row>>> byStrategyRound(List<Row> rows) {
    Map<String, Map<Integer, List<Row>>> m = new TreeMap<>();
    for (Row r : rows) {
      m.computeIfAbsent(r.strategy(), s -> new TreeMap<>()).computeIfAbsent(r.round(), x -> new ArrayList<>()).add(r);
    }
    return m;
  }

  /** Values task → seed (sorted), minus the reference's on the same (task, seed) when given; groups numbered. */
  private record Grid(double[][] values, int[] groups, int runs) {
    int[] seedsPerTask() {
      int[] s = new int[values.length];
      for (int t = 0; t < s.length; t++) {
        s[t] = values[t].length;
      }
      return s;
    }

    static Grid of(List<Row> rows, List<Row> reference, String q) {
      Map<String, Double> ref = new TreeMap<>();
      if (reference != null) {
        reference.forEach(r -> ref.put(r.family() + "/" + r.task() + "|" + r.seed(), r.value(q)));
      }
      TreeMap<String, TreeMap<Long, Double>> byTask = new TreeMap<>();
      Map<String, String> groupOf = new TreeMap<>();
      for (Row r : rows) {
        String t = r.family() + "/" + r.task();
        Double base = reference == null ? Double.valueOf(0) : ref.get(t + "|" + r.seed());
        if (base == null) {
          continue;
        }
        byTask.computeIfAbsent(t, x -> new TreeMap<>()).put(r.seed(), r.value(q) - base);
        groupOf.put(t, r.group());
      }
      List<String> names = new ArrayList<>(new TreeSet<>(groupOf.values()));
      double[][] v = new double[byTask.size()][];
      int[] g = new int[byTask.size()];
      int i = 0;
      int runs = 0;
      for (var e : byTask.entrySet()) {
        v[i] = e.getValue().values().stream().mapToDouble(Double::doubleValue).toArray();
        g[i++] = names.indexOf(groupOf.get(e.getKey()));
        runs += v[i - 1].length;
      }
      return new Grid(v, g, runs);
    }
  }

  /** The rows as CSV text (header {@link #CSV_HEADER}). */
  public static String rowsCsv(List<Row> rows) {
    StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
    for (Row r : rows) {
      b.append(csv(r.task())).append(',').append(csv(r.family())).append(',').append(csv(r.group())).append(',')
          .append(csv(r.strategy())).append(',').append(r.seed()).append(',').append(r.round()).append(',')
          .append(r.labelled()).append(',').append(r.bestValue()).append(',').append(r.bestQuantile()).append(',')
          .append(r.spearmanRemaining()).append('\n');
    }
    return b.toString();
  }

  /** Means or differences as CSV text. */
  public static String cellsCsv(List<Cell> cells) {
    StringBuilder b = new StringBuilder("strategy,reference,round,labelled,quantity,tasks,runs,mean,ci_lower,ci_upper\n");
    for (Cell c : cells) {
      b.append(csv(c.strategy())).append(',').append(c.reference() == null ? "" : csv(c.reference())).append(',')
          .append(c.round()).append(',').append(c.labelled()).append(',').append(c.quantity()).append(',')
          .append(c.tasks()).append(',').append(c.runs()).append(',').append(c.mean()).append(',').append(c.lower())
          .append(',').append(c.upper()).append('\n');
    }
    return b.toString();
  }

  /** A self-contained HTML page: the settings, then one table per quantity of means and of differences to random. */
  public static String html(String title, Map<String, String> settings, List<Cell> means, List<Cell> diffs, double level)
      throws IOException {
    StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(ReportWriter.Html.esc(title)).append("</title><style>body{font-family:sans-serif;max-width:1100px;"
            + "margin:2em auto}table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #ccc;"
            + "padding:3px 8px;text-align:right}td.l,th.l{text-align:left}</style></head><body>\n<h1>")
        .append(ReportWriter.Html.esc(title)).append("</h1>\n<h2>Active learning</h2>\n<p>Each held-out task is a "
            + "simulated campaign: start from the same random labelled variants, then each round every strategy picks a "
            + "batch and its held-out labels are revealed. <b>best_quantile</b>: the best true value found so far, as the "
            + "fraction of the task's pool at or below it (1 = the pool's best); <b>spearman_remaining</b>: Spearman of the "
            + "strategy's model on the variants still unlabelled. Mean over tasks of the mean over seeds, ")
        .append(Math.round(level * 100)).append("% bootstrap interval over protein groups then seeds. Files: "
            + "active-learning.csv, active-learning-summary.csv, active-learning-vs-random.csv.</p>\n");
    b.append("<table><tr><th class=\"l\">setting</th><th class=\"l\">value</th></tr>\n");
    settings.forEach((k, v) -> b.append("<tr><td class=\"l\">").append(ReportWriter.Html.esc(k)).append("</td><td class=\"l\">")
        .append(ReportWriter.Html.esc(v)).append("</td></tr>\n"));
    b.append("</table>\n");
    for (String q : QUANTITIES) {
      b.append("<h3>").append(q).append(", mean [CI] after each round (labelled variants)</h3>\n");
      table(b, means, q);
      if (diffs.stream().anyMatch(c -> c.quantity().equals(q))) {
        b.append("<h3>").append(q).append(": difference to ").append(ReportWriter.Html.esc(diffs.get(0).reference()))
            .append(" on the same campaigns (positive = better)</h3>\n");
        table(b, diffs, q);
      }
    }
    return b.append("</body></html>\n").toString();
  }

  private static void table(StringBuilder b, List<Cell> cells, String q) {
    Map<String, Map<Integer, Cell>> grid = new TreeMap<>();
    TreeMap<Integer, Integer> rounds = new TreeMap<>();
    for (Cell c : cells) {
      if (c.quantity().equals(q)) {
        grid.computeIfAbsent(c.strategy(), s -> new TreeMap<>()).put(c.round(), c);
        rounds.put(c.round(), c.labelled());
      }
    }
    b.append("<table><tr><th class=\"l\">strategy</th>");
    rounds.forEach((r, n) -> b.append("<th>round ").append(r).append(" (").append(n).append(")</th>"));
    b.append("</tr>\n");
    for (var e : grid.entrySet()) {
      b.append("<tr><td class=\"l\">").append(ReportWriter.Html.esc(e.getKey())).append("</td>");
      for (int r : rounds.keySet()) {
        Cell c = e.getValue().get(r);
        b.append("<td>").append(c == null ? "" : String.format(Locale.ROOT, "%s [%s, %s]", ReportWriter.Html.fmt(c.mean()),
            ReportWriter.Html.fmt(c.lower()), ReportWriter.Html.fmt(c.upper()))).append("</td>");
      }
      b.append("</tr>\n");
    }
    b.append("</table>\n");
  }

  private static String csv(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
