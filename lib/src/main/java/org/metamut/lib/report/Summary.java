package org.metamut.lib.report;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.metamut.lib.metrics.Bootstrap;
import org.metamut.lib.metrics.Interval;

/**
 * Aggregates result records per (family, method, k) and, when there is more than one family, over all
 * families ({@link #ALL}).
 *
 * <p><b>Mean</b>: mean over tasks of the mean over seeds; interval: {@link Bootstrap#grouped} (protein groups,
 * each drawn group bringing all its tasks, then seeds within a task; {@link ResultRecord#group}). <b>Undefined values</b> (NaN) of a correlation count as 0 (a constant
 * prediction carries no ranking information) and are counted in {@code undefined}; undefined values of
 * other quantities are left out (and counted). <b>Relative change</b> of a method against the reference,
 * paired on the (task, seed) cells both have: {@code (mean_method − mean_ref) / |mean_ref|}; the
 * <b>improvement</b> is that change for higher-is-better quantities and its negative (a reduction) for
 * lower-is-better ones (RMSE, times), so "+29% Spearman" and "65% less adaptation time" are both positive.
 */
public final class Summary {

  /** Family name of the pooled rows. */
  public static final String ALL = "all";

  /** One (family, method, k, quantity) cell of the summary. */
  public record Row(String family, String method, int k, String quantity, int tasks, int runs, int undefined,
      double mean, double lower, double upper) {}

  /** One (family, method vs reference, k, quantity) relative change. */
  public record Improvement(String family, String method, String reference, int k, String quantity, int tasks,
      int pairs, double methodMean, double referenceMean, double relativeChange, double changeLower,
      double changeUpper, double improvement, double improvementLower, double improvementUpper) {}

  private Summary() {}

  /** Families in the records, sorted, plus {@link #ALL} when there are several. */
  public static List<String> families(List<ResultRecord> records) {
    List<String> out = new ArrayList<>(new TreeSet<>(records.stream().map(ResultRecord::family).toList()));
    if (out.size() > 1) {
      out.add(ALL);
    }
    return out;
  }

  public static List<Row> rows(List<ResultRecord> records, ReportSettings settings) {
    checkUnique(records);
    List<Row> out = new ArrayList<>();
    List<Quantity> quantities = Quantity.present(records);
    for (String family : families(records)) {
      Map<String, Map<Integer, List<ResultRecord>>> byMethodK = group(records, family);
      for (var me : byMethodK.entrySet()) {
        for (var ke : me.getValue().entrySet()) {
          for (Quantity q : quantities) {
            Cells c = Cells.of(ke.getValue(), q);
            if (c.tasks() == 0) {
              continue;
            }
            // seeded per cell, not per quantity: every quantity of a cell is resampled with the same draws
            String name = family + "/" + me.getKey() + "/" + ke.getKey();
            Interval ci = settings.bootstrap(name).grouped(c.groupOfTask(), c.seedsPerTask(),
                Bootstrap.weightedMean(c.values()));
            out.add(new Row(family, me.getKey(), ke.getKey(), q.key(), c.tasks(), c.runs(), c.undefined(),
                ci.estimate(), ci.lower(), ci.upper()));
          }
        }
      }
    }
    return out;
  }

  /** Relative changes of every other method against {@code settings.referenceMethod()}; empty when unset. */
  public static List<Improvement> improvements(List<ResultRecord> records, ReportSettings settings) {
    checkUnique(records);
    String ref = settings.referenceMethod();
    List<Improvement> out = new ArrayList<>();
    if (ref == null) {
      return out;
    }
    List<Quantity> quantities = Quantity.present(records);
    for (String family : families(records)) {
      Map<String, Map<Integer, List<ResultRecord>>> byMethodK = group(records, family);
      Map<Integer, List<ResultRecord>> refByK = byMethodK.get(ref);
      if (refByK == null) {
        continue;
      }
      for (var me : byMethodK.entrySet()) {
        if (me.getKey().equals(ref)) {
          continue;
        }
        for (var ke : me.getValue().entrySet()) {
          List<ResultRecord> refRecords = refByK.get(ke.getKey());
          if (refRecords == null) {
            continue;
          }
          for (Quantity q : quantities) {
            Cells[] paired = Cells.paired(ke.getValue(), refRecords, q);
            if (paired[0].tasks() == 0) {
              continue;
            }
            String name = family + "/" + me.getKey() + "/" + ref + "/" + ke.getKey();
            Bootstrap b = settings.bootstrap(name);
            int[] spt = paired[0].seedsPerTask();
            Interval ci = b.grouped(paired[0].groupOfTask(), spt,
                Bootstrap.relativeChange(paired[0].values(), paired[1].values()));
            double mMean = Bootstrap.weightedMean(paired[0].values()).apply(pointWeights(spt));
            double rMean = Bootstrap.weightedMean(paired[1].values()).apply(pointWeights(spt));
            double sign = q.higherIsBetter() ? 1 : -1;
            out.add(new Improvement(family, me.getKey(), ref, ke.getKey(), q.key(), paired[0].tasks(),
                paired[0].runs(), mMean, rMean, ci.estimate(), ci.lower(), ci.upper(), sign * ci.estimate(),
                sign > 0 ? ci.lower() : -ci.upper(), sign > 0 ? ci.upper() : -ci.lower()));
          }
        }
      }
    }
    return out;
  }

  private static double[][] pointWeights(int[] seedsPerTask) {
    double[][] w = new double[seedsPerTask.length][];
    for (int t = 0; t < w.length; t++) {
      w[t] = new double[seedsPerTask[t]];
      java.util.Arrays.fill(w[t], 1.0 / seedsPerTask.length / seedsPerTask[t]);
    }
    return w;
  }

  /** method → k → records of {@code family} (or of every family for {@link #ALL}), sorted. */
  private static Map<String, Map<Integer, List<ResultRecord>>> group(List<ResultRecord> records, String family) {
    Map<String, Map<Integer, List<ResultRecord>>> out = new TreeMap<>();
    for (ResultRecord r : records) {
      if (family.equals(ALL) || r.family().equals(family)) {
        out.computeIfAbsent(r.method(), m -> new TreeMap<>()).computeIfAbsent(r.k(), k -> new ArrayList<>()).add(r);
      }
    }
    return out;
  }

  static void checkUnique(List<ResultRecord> records) {
    Set<String> seen = new HashSet<>();
    for (ResultRecord r : records) {
      if (!seen.add(r.key())) {
        throw new IllegalArgumentException("duplicate result: family " + r.family() + ", task " + r.task() + ", method "
            + r.method() + ", k " + r.k() + ", seed " + r.seed());
      }
    }
  }

  /**
   * Values of one quantity arranged task → seed (both sorted), with the counts of the summary; {@code groupOfTask}
   * numbers each task's bootstrap group (0.. in the order of the groups' names).
   */
  record Cells(double[][] values, int[] groupOfTask, int runs, int undefined) {

    int tasks() {
      return values.length;
    }

    int[] seedsPerTask() {
      int[] s = new int[values.length];
      for (int t = 0; t < s.length; t++) {
        s[t] = values[t].length;
      }
      return s;
    }

    static Cells of(List<ResultRecord> records, Quantity q) {
      TreeMap<String, TreeMap<Long, Double>> byTask = new TreeMap<>();
      Map<String, String> groups = groups(records);
      int undefined = 0;
      for (ResultRecord r : records) {
        Double v = q.value(r);
        if (v == null) {
          continue;
        }
        if (v.isNaN()) {
          undefined++;
          if (!q.undefinedAsZero()) {
            continue;
          }
          v = 0.0;
        }
        byTask.computeIfAbsent(taskKey(r), t -> new TreeMap<>()).put(r.seed(), v);
      }
      return new Cells(toArray(byTask), groupIndex(byTask, groups), count(byTask), undefined);
    }

    /** [method cells, reference cells] on the (task, seed) cells where both have a usable value. */
    static Cells[] paired(List<ResultRecord> method, List<ResultRecord> reference, Quantity q) {
      TreeMap<String, TreeMap<Long, Double>> a = usable(method, q);
      TreeMap<String, TreeMap<Long, Double>> b = usable(reference, q);
      TreeMap<String, TreeMap<Long, Double>> pa = new TreeMap<>();
      TreeMap<String, TreeMap<Long, Double>> pb = new TreeMap<>();
      for (var te : a.entrySet()) {
        TreeMap<Long, Double> other = b.get(te.getKey());
        if (other == null) {
          continue;
        }
        for (var se : te.getValue().entrySet()) {
          Double ov = other.get(se.getKey());
          if (ov != null) {
            pa.computeIfAbsent(te.getKey(), t -> new TreeMap<>()).put(se.getKey(), se.getValue());
            pb.computeIfAbsent(te.getKey(), t -> new TreeMap<>()).put(se.getKey(), ov);
          }
        }
      }
      Map<String, String> groups = groups(method);
      int[] g = groupIndex(pa, groups);
      return new Cells[] {new Cells(toArray(pa), g, count(pa), 0), new Cells(toArray(pb), g, count(pb), 0)};
    }

    private static TreeMap<String, TreeMap<Long, Double>> usable(List<ResultRecord> records, Quantity q) {
      TreeMap<String, TreeMap<Long, Double>> out = new TreeMap<>();
      for (ResultRecord r : records) {
        Double v = q.value(r);
        if (v == null || (v.isNaN() && !q.undefinedAsZero())) {
          continue;
        }
        out.computeIfAbsent(taskKey(r), t -> new TreeMap<>()).put(r.seed(), v.isNaN() ? 0.0 : v);
      }
      return out;
    }

    /** task key → bootstrap group; one task in two groups is an error (the records disagree). */
    private static Map<String, String> groups(List<ResultRecord> records) {
      Map<String, String> out = new TreeMap<>();
      for (ResultRecord r : records) {
        String prev = out.putIfAbsent(taskKey(r), r.group());
        if (prev != null && !prev.equals(r.group())) {
          throw new IllegalArgumentException("task " + taskKey(r) + " is in bootstrap groups " + prev + " and " + r.group());
        }
      }
      return out;
    }

    /** Each task's group as a number 0..G-1, in the sorted order of the group names. */
    private static int[] groupIndex(TreeMap<String, TreeMap<Long, Double>> byTask, Map<String, String> groups) {
      List<String> names = new ArrayList<>(new TreeSet<>(byTask.keySet().stream().map(groups::get).toList()));
      int[] out = new int[byTask.size()];
      int t = 0;
      for (String task : byTask.keySet()) {
        out[t++] = java.util.Collections.binarySearch(names, groups.get(task));
      }
      return out;
    }

    private static String taskKey(ResultRecord r) {
      return r.family() + "/" + r.task();
    }

    private static double[][] toArray(TreeMap<String, TreeMap<Long, Double>> byTask) {
      double[][] out = new double[byTask.size()][];
      int t = 0;
      for (TreeMap<Long, Double> seeds : byTask.values()) {
        out[t++] = seeds.values().stream().mapToDouble(Double::doubleValue).toArray();
      }
      return out;
    }

    private static int count(TreeMap<String, TreeMap<Long, Double>> byTask) {
      return byTask.values().stream().mapToInt(Map::size).sum();
    }
  }
}
