package org.metamut.jobs.eval;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

/**
 * Held-out tasks named by the user instead of drawn by the split protocol ({@code evaluate --tasks}, the demo's GB1):
 * a copy of the episodes table in which every task that touches a protein group of a named task (the named tasks,
 * the other assays of those proteins, pooled tasks with one of them) is moved to {@code meta-test}, so meta-training,
 * its meta-val and the fine-tuning baseline's pre-training never see those proteins. Every other task keeps the
 * ingest job's split. The copy is small (episodes are thousands of rows); variants and proteins are not copied.
 */
public final class NamedHoldOut {

  /** The split named tasks are moved to (what evaluate evaluates by default). */
  public static final String SPLIT = "meta-test";

  /**
   * @param episodesDir the re-split episodes table
   * @param tasks       the named tasks, in the order given
   * @param groups      their protein groups (removed from meta-training)
   * @param moved       every task moved to {@link #SPLIT} that was in meta-train or meta-val before
   */
  public record Result(String episodesDir, List<String> tasks, Set<String> groups, Set<String> moved) {
  }

  private NamedHoldOut() {
  }

  /**
   * The task ids of {@code split} that the patterns name: an exact id, or a glob where {@code *} matches any run of
   * characters ({@code /} included) and {@code ?} one. A pattern that names no task is refused, listing a few ids.
   */
  public static List<String> resolve(HeldOutTasks split, List<String> patterns) {
    Set<String> all = new TreeSet<>();
    split.rows().forEach(t -> all.add(t.task()));
    List<String> out = new ArrayList<>();
    for (String p : patterns) {
      Pattern re = glob(p.trim());
      List<String> hit = all.stream().filter(t -> re.matcher(t).matches()).toList();
      if (hit.isEmpty()) {
        throw new IllegalArgumentException("--tasks " + p + ": no task with episodes matches (" + all.size()
            + " tasks, e.g. " + String.join(", ", all.stream().limit(3).toList()) + "; a task with too few "
            + "variants for episodes cannot be held out)");
      }
      hit.stream().filter(t -> !out.contains(t)).forEach(out::add);
    }
    return out;
  }

  static Pattern glob(String p) {
    StringBuilder b = new StringBuilder();
    for (char c : p.toCharArray()) {
      switch (c) {
        case '*' -> b.append(".*");
        case '?' -> b.append('.');
        default -> b.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(b.toString());
  }

  /**
   * The leak check of a re-split table: no task of a named task's protein group (the named ones included) is outside
   * {@link #SPLIT}. Only those groups are checked, so it holds under every split protocol (random-task keeps other
   * meta-test tasks whose proteins are also meta-trained on; they are not evaluated here).
   *
   * @throws HeldOutTasks.LeakException listing every such task
   */
  public static void check(HeldOutTasks split, List<String> named) {
    Set<String> groups = new TreeSet<>();
    split.rows().stream().filter(t -> named.contains(t.task())).forEach(t -> groups.add(t.proteinGroup()));
    List<String> problems = new ArrayList<>();
    for (HeldOutTasks.TaskInfo t : split.rows()) {
      if (!SPLIT.equals(t.split()) && groups.contains(t.proteinGroup())) {
        problems.add("task " + t.task() + " of held-out protein group " + t.proteinGroup() + " is in " + t.split());
      }
    }
    if (!problems.isEmpty()) {
      throw new HeldOutTasks.LeakException(problems);
    }
  }

  /** Writes the re-split episodes of {@code named} to {@code outDir} (replacing what is there). */
  public static Result write(SparkSession spark, String episodesDir, HeldOutTasks split, List<String> named,
                             String outDir, Consumer<String> say) {
    Set<String> groups = new TreeSet<>();
    for (HeldOutTasks.TaskInfo t : split.rows()) {
      if (named.contains(t.task())) {
        groups.add(t.proteinGroup());
      }
    }
    Set<String> touched = new TreeSet<>();
    Set<String> moved = new TreeSet<>();
    for (HeldOutTasks.TaskInfo t : split.rows()) {
      if (groups.contains(t.proteinGroup())) {
        touched.add(t.task());
        if (!SPLIT.equals(t.split())) {
          moved.add(t.task());
        }
      }
    }
    Dataset<Row> eps = spark.read().parquet(episodesDir);
    eps.withColumn("split", when(col("task_id").isin(touched.toArray()), lit(SPLIT)).otherwise(col("split")))
        .write().mode("overwrite").partitionBy("split").parquet(outDir);
    say.accept("held out by name: " + named + " (protein groups " + groups + "); " + moved.size()
        + " task(s) of those groups moved out of meta-train/meta-val" + (moved.isEmpty() ? "" : ": " + moved));
    return new Result(outDir, List.copyOf(named), groups, moved);
  }
}
