package org.metamut.lib.report;

import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The report's first screen: per family, the methods ranked by the primary metric (mean over tasks and its bootstrap
 * interval, at each k), the recommended method, and how it compares with the best ridge baseline. Also the method
 * groups the small-multiple chart draws one panel each for.
 *
 * <p>A recommendation is only a choice when it is made on tasks that are not the ones reported: the report says it
 * was made on meta-val when the evaluated split is {@code meta-val} ({@link #SPLIT_KEY} in the report's config), and
 * otherwise that it was made on the test tasks themselves and is indicative only.
 */
public final class FirstScreen {

  /** Config key (of {@link ReportSettings#config()}) naming the split the records come from. */
  public static final String SPLIT_KEY = "evaluate.split";
  /** Fallback: the configured split. */
  static final String CONFIGURED_SPLIT_KEY = "metamut.evaluate.split";

  /** Panel names of the small-multiple chart, in display order. */
  public static final String META_LEARNERS = "meta-learners";
  public static final String FINE_TUNING = "fine-tuning / scratch";
  public static final String BASELINES = "baselines";
  public static final String OTHER = "other methods";

  private FirstScreen() {
  }

  /** One method's line in a family's ranking: per k its summary row; {@code overall} = mean of its per-k means. */
  public record Ranked(String method, Map<Integer, Summary.Row> byK, double overall) {
  }

  /** The family's methods that have the quantity at every k of the family, best first by the mean over k. */
  public static List<Ranked> ranking(List<Summary.Row> rows, String family, String quantity) {
    Map<String, Map<Integer, Summary.Row>> grid = new TreeMap<>();
    TreeSet<Integer> ks = new TreeSet<>();
    for (Summary.Row r : rows) {
      if (r.family().equals(family) && r.quantity().equals(quantity)) {
        grid.computeIfAbsent(r.method(), m -> new TreeMap<>()).put(r.k(), r);
        ks.add(r.k());
      }
    }
    List<Ranked> out = new ArrayList<>();
    grid.forEach((m, byK) -> {
      if (byK.keySet().containsAll(ks)) {
        out.add(new Ranked(m, byK, byK.values().stream().mapToDouble(Summary.Row::mean).average().orElse(Double.NaN)));
      }
    });
    out.sort(Comparator.comparingDouble((Ranked r) -> Double.isNaN(r.overall()) ? Double.NEGATIVE_INFINITY : r.overall())
        .reversed().thenComparing(Ranked::method));
    return out;
  }

  /** The panel a method is drawn in, by its registry kind ({@code base/encoder} ablations by their base). */
  public static String group(String method) {
    String base = method.contains("/") ? method.substring(0, method.indexOf('/')) : method;
    if (!Methods.contains(base)) {
      return OTHER;
    }
    MethodKind k = Methods.get(base).kind();
    return switch (k) {
      case META_LEARNER -> META_LEARNERS;
      case FINE_TUNE, SCRATCH -> FINE_TUNING;
      case BASELINE -> BASELINES;
    };
  }

  /** A ridge baseline of the registry (the strongest simple models). */
  static boolean isRidge(String method) {
    return method.startsWith("ridge") && BASELINES.equals(group(method));
  }

  /** The best ridge of a ranking, or null. */
  public static Ranked bestRidge(List<Ranked> ranking) {
    return ranking.stream().filter(r -> isRidge(r.method())).findFirst().orElse(null);
  }

  /** Methods by panel, panels in display order, methods in ranking order. */
  public static Map<String, List<String>> panels(List<Ranked> ranking) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String g : List.of(META_LEARNERS, FINE_TUNING, BASELINES, OTHER)) {
      List<String> ms = ranking.stream().map(Ranked::method).filter(m -> group(m).equals(g)).toList();
      if (!ms.isEmpty()) {
        out.put(g, ms);
      }
    }
    return out;
  }

  /** Whether the records are meta-val figures (so a choice made on them is a fair one). */
  static boolean onMetaVal(ReportSettings s) {
    String split = s.config().getOrDefault(SPLIT_KEY, s.config().getOrDefault(CONFIGURED_SPLIT_KEY, ""));
    return "meta-val".equals(split);
  }

  /** The recommendation sentence of one family (HTML-escaped). */
  static String recommendation(String family, List<Ranked> ranking, String quantity) {
    if (ranking.isEmpty()) {
      return esc(family) + ": no method has " + esc(quantity) + " at every k";
    }
    Ranked best = ranking.get(0);
    Ranked ridge = bestRidge(ranking);
    StringBuilder b = new StringBuilder();
    b.append("<b>").append(esc(family)).append("</b>: use <b>").append(esc(best.method())).append("</b> (mean ")
        .append(esc(quantity)).append(" over k ").append(fmt(best.overall())).append(')');
    if (ridge == null) {
      b.append("; no ridge baseline in this run to compare with");
    } else if (ridge == best) {
      b.append(": the best ridge baseline itself — no other method beats it here");
    } else {
      b.append("; against the best ridge, ").append(esc(ridge.method())).append(" (").append(fmt(ridge.overall()))
          .append("): ").append(signed(best.overall() - ridge.overall())).append(" (");
      List<String> perK = new ArrayList<>();
      best.byK().forEach((k, r) -> perK.add("k=" + k + " " + signed(r.mean() - ridge.byK().get(k).mean())));
      b.append(String.join(", ", perK)).append(')');
    }
    return b.toString();
  }

  /** The summary section: recommendation lines, then one ranked table per family. */
  static void html(StringBuilder b, ReportSettings s, List<Summary.Row> rows, List<String> families) {
    String q = s.primaryMetric().key();
    boolean metaVal = onMetaVal(s);
    b.append("<section id=\"summary\"><h2>Summary</h2>\n<p class=\"basis\">");
    b.append(metaVal
        ? "The recommendation is the best method on these <b>meta-val</b> tasks (tasks not used for training nor for the "
            + "final test): a fair choice to carry to new proteins."
        : "These are the evaluated (test) tasks themselves, so the recommendation is <b>indicative only</b> (a method "
            + "chosen on the tasks it is scored on looks better than it is); make the choice on meta-val with "
            + "<code>-Dmetamut.evaluate.split=meta-val</code>.");
    b.append("</p>\n<ul class=\"rec\">\n");
    Map<String, List<Ranked>> rankings = new LinkedHashMap<>();
    for (String f : families) {
      rankings.put(f, ranking(rows, f, q));
      b.append("<li>").append(recommendation(f, rankings.get(f), q)).append("</li>\n");
    }
    b.append("</ul>\n");
    for (var e : rankings.entrySet()) {
      rankedTable(b, e.getKey(), e.getValue(), q, s.bootstrapLevel());
    }
    b.append("</section>\n");
  }

  private static void rankedTable(StringBuilder b, String family, List<Ranked> ranking, String q, double level) {
    if (ranking.isEmpty()) {
      return;
    }
    TreeSet<Integer> ks = new TreeSet<>(ranking.get(0).byK().keySet());
    Map<Integer, Double> bestAtK = new TreeMap<>();
    for (int k : ks) {
      bestAtK.put(k, ranking.stream().mapToDouble(r -> r.byK().get(k).mean()).max().orElse(Double.NaN));
    }
    b.append("<table class=\"ranked\"><caption>").append(esc(family)).append(": ").append(esc(q))
        .append(", mean over tasks [").append(Math.round(level * 100)).append("% interval], best first</caption>"
            + "<tr><th>#</th><th class=\"l\">method</th>");
    ks.forEach(k -> b.append("<th>k = ").append(k).append("</th>"));
    b.append("<th>mean over k</th></tr>\n");
    int rank = 1;
    for (Ranked r : ranking) {
      b.append("<tr><td>").append(rank++).append("</td><td class=\"l\">").append(esc(r.method())).append("</td>");
      for (int k : ks) {
        Summary.Row row = r.byK().get(k);
        boolean top = row.mean() == bestAtK.get(k);
        b.append("<td>").append(top ? "<b>" : "").append(fmt(row.mean())).append(top ? "</b>" : "")
            .append(" <small>[").append(fmt(row.lower())).append(", ").append(fmt(row.upper())).append("]</small></td>");
      }
      b.append("<td>").append(fmt(r.overall())).append("</td></tr>\n");
    }
    b.append("</table>\n");
  }

  private static String fmt(double v) {
    return ReportWriter.Html.fmt(v);
  }

  private static String signed(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.3f", v);
  }

  private static String esc(String s) {
    return ReportWriter.Html.esc(s);
  }
}
