package org.metamut.jobs.ingest;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.metamut.jobs.schema.Schemas;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.shiftright;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.stddev_pop;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

/**
 * The Spark half of an ingestion run ({@link IngestJob} does the driver-side bookkeeping and the commits): parses the
 * files of the changed sources and stages their {@code variants} and {@code quarantine} partitions under the staging
 * folder, returning one report per source (counts, tasks, proteins) for the manifest.
 *
 * <p>The input is read exactly once: every line becomes one row of a staged {@code parsed} Parquet table, and every
 * later step scans that table's few columns it needs. Aggregates use fixed-width buffers only (hash aggregation), and
 * only per-file, per-protein and per-task aggregates reach the driver.
 */
final class VariantStaging {

  private final SparkSession spark;
  private final IngestJob.FailurePoint failure;
  private final Consumer<String> say;
  private final StageTimer timer;

  VariantStaging(SparkSession spark, IngestJob.FailurePoint failure, Consumer<String> say, StageTimer timer) {
    this.spark = spark;
    this.failure = failure;
    this.say = say;
    this.timer = timer;
  }

  /** Per-source line counts (source → file → status → n) and quarantine reasons (source → reason → n). */
  private record LineCounts(Map<String, Map<String, Map<String, Long>>> fileCounts,
                            Map<String, Map<String, Long>> reasons) {
  }

  /**
   * The task of every (source, protein name, protein sha) as a small table to broadcast-join ({@code taskKeys}),
   * each task's metadata ({@code taskMeta}), and for the reports each source's protein list and pooled proteins.
   */
  private record Tasks(Dataset<Row> taskKeys, Dataset<Row> taskMeta, Map<String, List<Map<String, Object>>> proteinLists,
                       Map<String, List<String>> pooled) {
  }

  /** Per-task mean and sd as a table to broadcast-join, and the same (with counts) for the reports. */
  private record TaskStats(Dataset<Row> statDf, Map<String, Map<String, Object>> taskReport) {
  }

  /**
   * Parses {@code toRead} (the files of the sources in {@code specs}) and stages their variants and quarantine
   * partitions under {@code staging}; returns each source's report, keyed by source id.
   */
  Map<String, Map<String, Object>> stage(Map<String, SourceSpec> specs, List<SourceFile> toRead,
                                         IngestSettings settings, Path staging) {
    Dataset<Row> fileDf = fileTable(toRead);
    Dataset<Row> parsed = quarantineConflictingClasses(parse(specs, toRead, settings, staging), specs, fileDf);
    timer.mark("parse");

    LineCounts counts = countLines(parsed, toRead);
    Dataset<Row> quarantine = parsed.filter(col("status").equalTo(FileParser.QUARANTINE));
    if (!counts.reasons().isEmpty()) {
      quarantine.join(broadcast(fileDf), "file_id")
          .select(col("source_file"), col("line_number"), col("raw_line"), col("reason"), col("message"), col("source"))
          .write().partitionBy("source").parquet(new Path(staging, IngestJob.QUARANTINE_DIR).toString());
    }
    timer.mark("counts+quarantine");

    // ---- proteins of each source, task assignment (pooling): small, on the driver
    Dataset<Row> ok = parsed.filter(col("status").equalTo(FileParser.OK));
    Tasks tasks = assignTasks(ok, specs, toRead, settings);
    timer.mark("proteins+tasks");

    Dataset<Row> merged = mergeDuplicates(ok, tasks.taskKeys());
    try {
      TaskStats stats = taskStatistics(merged);
      timer.mark("merge+stats");
      writeVariants(merged, stats.statDf(), tasks.taskMeta(), fileDf, staging);
      timer.mark("variants write");
      return sourceReports(specs, counts, tasks, stats.taskReport());
    } finally {
      merged.unpersist();
    }
  }

  /** One Spark task per file, streamed line by line into the staged {@code parsed} table; returns that table. */
  private Dataset<Row> parse(Map<String, SourceSpec> specs, List<SourceFile> toRead, IngestSettings settings,
                             Path staging) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // the closure below captures these small immutable locals only, never this object
    Map<String, SourceSpec> specsCopy = Map.copyOf(specs);
    IngestJob.FailurePoint fail = failure;
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < toRead.size(); i++) {
      ids.add(i);
    }
    List<SourceFile> filesCopy = List.copyOf(toRead);
    JavaRDD<Row> rows = jsc.parallelize(ids, Math.max(1, ids.size())).flatMap(i -> {
      SourceFile f = filesCopy.get(i);
      Path p = new Path(f.path());
      FileSystem fs = p.getFileSystem(new Configuration());
      InputStream in = fs.open(p);
      TaskContext tc = TaskContext.get();
      if (tc != null) {
        tc.addTaskCompletionListener(ctx -> {
          try {
            in.close();
          } catch (IOException ignored) {
            // closing a read stream
          }
        });
      }
      Iterator<Row> it = new FileParser(specsCopy.get(f.sourceId()), f, i, settings, in);
      return fail == IngestJob.FailurePoint.DURING_VARIANT_WRITE ? failingAfter(it, 100) : it;
    });
    String parsedPath = new Path(staging, "parsed").toString();
    spark.createDataFrame(rows, FileParser.PARSED).write().parquet(parsedPath);
    return spark.read().parquet(parsedPath);
  }

  /**
   * Duplicates of a class target that disagree ({−1, +1} would average to 0, "unchanged", a label no row has) are not
   * merged: every row of such a (source, protein, variant) goes to quarantine with reason
   * {@link Reason#CONFLICTING_CLASS_LABELS}. Duplicates that agree merge as usual. Numeric targets are averaged.
   * Only sources with {@code class-labels} are looked at (one aggregation over their accepted rows).
   */
  private Dataset<Row> quarantineConflictingClasses(Dataset<Row> parsed, Map<String, SourceSpec> specs,
                                                    Dataset<Row> fileDf) {
    List<String> classSources = specs.values().stream().filter(sp -> sp.classLabels() != null).map(SourceSpec::id).toList();
    if (classSources.isEmpty()) {
      return parsed;
    }
    // the conflicting keys are few (collected once, so later scans of the parsed table do not redo the aggregation)
    List<Row> keys = parsed.filter(col("status").equalTo(FileParser.OK).and(col("source").isin(classSources.toArray())))
        .groupBy(col("source"), col("protein_sha"), col("variant_key"))
        .agg(countDistinct(col("raw_value")).as("labels"))
        .filter(col("labels").gt(1)).drop("labels").collectAsList();
    if (keys.isEmpty()) {
      return parsed;
    }
    Dataset<Row> conflicts = spark.createDataFrame(keys, new StructType().add("c_source", DataTypes.StringType)
        .add("c_sha", DataTypes.StringType).add("c_key", DataTypes.StringType));
    Dataset<Row> joined = parsed.join(broadcast(fileDf), "file_id").join(broadcast(conflicts),
        col("source").equalTo(col("c_source")).and(col("protein_sha").equalTo(col("c_sha")))
            .and(col("variant_key").equalTo(col("c_key"))), "left");
    Column hit = col("c_key").isNotNull();
    Column message = concat(col("source"), lit(" "), col("source_file"), lit(" line "), col("line_number").cast("string"),
        lit(": variant "), col("variant_key"), lit(" of protein "), col("protein_name"),
        lit(" has duplicates with another class label (a class target is not averaged)"));
    return joined.select(java.util.Arrays.stream(FileParser.PARSED.fieldNames()).map(f -> switch (f) {
      case "status" -> when(hit, lit(FileParser.QUARANTINE)).otherwise(col(f)).as(f);
      case "reason" -> when(hit, lit(Reason.CONFLICTING_CLASS_LABELS.name())).otherwise(col(f)).as(f);
      case "message" -> when(hit, message).otherwise(col(f)).as(f);
      // an accepted row's text is not kept: the quarantine row shows the variant and its class value
      case "raw_line" -> when(hit, concat(col("variant_key"), lit(" "), col("raw_value").cast("string"))).otherwise(col(f)).as(f);
      default -> col(f);
    }).toArray(Column[]::new));
  }

  /** file_id → source_file, small, for broadcast joins. */
  private Dataset<Row> fileTable(List<SourceFile> toRead) {
    List<Row> fileRows = new ArrayList<>();
    for (int i = 0; i < toRead.size(); i++) {
      fileRows.add(RowFactory.create(i, toRead.get(i).path()));
    }
    return spark.createDataFrame(fileRows, new StructType().add("file_id", DataTypes.IntegerType)
        .add("source_file", DataTypes.StringType));
  }

  /** Per-file line counts and quarantine reasons, one pass (small: files x statuses x reasons). */
  private static LineCounts countLines(Dataset<Row> parsed, List<SourceFile> toRead) {
    Map<String, Map<String, Map<String, Long>>> fileCounts = new HashMap<>();
    Map<String, Map<String, Long>> reasons = new HashMap<>();
    for (Row r : parsed.groupBy("source", "file_id", "status", "reason").count().collectAsList()) {
      fileCounts.computeIfAbsent(r.getString(0), k -> new TreeMap<>())
          .computeIfAbsent(toRead.get(r.getInt(1)).path(), k -> new TreeMap<>())
          .merge(r.getString(2), r.getLong(4), Long::sum);
      if (!r.isNullAt(3)) {
        reasons.computeIfAbsent(r.getString(0), k -> new TreeMap<>()).merge(r.getString(3), r.getLong(4), Long::sum);
      }
    }
    return new LineCounts(fileCounts, reasons);
  }

  /**
   * One task per protein of a source (named by the protein, with a sha prefix when one name has several
   * sequences); a multi-protein source's proteins with fewer than {@code minTaskVariants} rows share one pooled task.
   */
  private Tasks assignTasks(Dataset<Row> ok, Map<String, SourceSpec> specs, List<SourceFile> toRead,
                            IngestSettings settings) {
    List<Row> perProtein = ok.groupBy("source", "protein_name", "protein_sha").count().collectAsList();
    Map<String, String> rowWildTypes = new HashMap<>();
    for (Row r : ok.filter(col("wt_seq").isNotNull()).select("protein_sha", "wt_seq").distinct().collectAsList()) {
      rowWildTypes.put(r.getString(0), r.getString(1));
    }
    Map<String, Map<String, String>> fileWildTypes = new HashMap<>();
    for (SourceFile f : toRead) {
      if (f.wildType() != null) {
        fileWildTypes.computeIfAbsent(f.sourceId(), k -> new TreeMap<>()).put(f.proteinName(), f.wildType());
      }
    }
    Map<String, Integer> shasPerName = new HashMap<>();
    for (Row r : perProtein) {
      shasPerName.merge(r.getString(0) + "\t" + r.getString(1), 1, Integer::sum);
    }
    Map<String, List<Map<String, Object>>> proteinLists = new TreeMap<>();
    Map<String, List<String>> pooled = new TreeMap<>();
    List<Row> keyRows = new ArrayList<>();
    Map<String, Row> metaRows = new TreeMap<>();
    for (Row r : perProtein) {
      String source = r.getString(0);
      String name = r.getString(1);
      String sha = r.getString(2);
      long n = r.getLong(3);
      SourceSpec spec = specs.get(source);
      String seq = spec.multiProtein() ? rowWildTypes.get(sha) : fileWildTypes.get(source).get(name);
      String taskName = shasPerName.get(source + "\t" + name) > 1 ? name + "~" + sha.substring(0, 8) : name;
      boolean pool = spec.multiProtein() && n < settings.minTaskVariants();
      if (pool) {
        pooled.computeIfAbsent(source, k -> new ArrayList<>()).add(taskName + " (" + n + " rows)");
      }
      String taskId = source + "/" + (pool ? "pooled" : taskName);
      keyRows.add(RowFactory.create(source, name, sha, taskId, ProteinGroups.idOf(sha), spec.higherIsBetter() ? 1.0 : -1.0));
      metaRows.put(taskId, RowFactory.create(taskId, source, pool, spec.family(), spec.unit(), spec.higherIsBetter(),
          spec.reference()));
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", taskName);
      p.put("sha256", sha);
      p.put("protein_id", ProteinGroups.idOf(sha));
      p.put("sequence", seq);
      proteinLists.computeIfAbsent(source, k -> new ArrayList<>()).add(p);
    }
    return new Tasks(taskKeyTable(keyRows), taskMetaTable(metaRows), proteinLists, pooled);
  }

  private Dataset<Row> taskKeyTable(List<Row> keyRows) {
    return spark.createDataFrame(keyRows, new StructType()
        .add("source", DataTypes.StringType).add("protein_name", DataTypes.StringType)
        .add("protein_sha", DataTypes.StringType).add("task_id", DataTypes.StringType)
        .add("protein_id", DataTypes.StringType).add("sign", DataTypes.DoubleType));
  }

  private Dataset<Row> taskMetaTable(Map<String, Row> metaRows) {
    return spark.createDataFrame(new ArrayList<>(metaRows.values()), new StructType()
        .add("task_id", DataTypes.StringType).add("source", DataTypes.StringType)
        .add("pooled", DataTypes.BooleanType).add("family", DataTypes.StringType)
        .add("unit", DataTypes.StringType).add("higher_is_better", DataTypes.BooleanType)
        .add("reference", DataTypes.StringType));
  }

  /**
   * Merges duplicates: one row per (task, protein, canonical variant); raw value = mean, n_obs = count, source
   * line = the first (lowest file id, then line). Fixed-width buffers only. Persisted: the caller unpersists it.
   */
  private static Dataset<Row> mergeDuplicates(Dataset<Row> ok, Dataset<Row> taskKeys) {
    return ok.join(broadcast(taskKeys), new String[] {"source", "protein_name", "protein_sha"})
        .groupBy("task_id", "protein_id", "protein_name", "variant_key")
        .agg(avg("raw_value").as("raw_value"), avg(col("raw_value").multiply(col("sign"))).as("value"),
            count(lit(1)).as("n_obs"),
            min(col("file_id").cast("long").multiply(1L << 40).plus(col("line_number"))).as("first_line"))
        .persist(StorageLevel.MEMORY_AND_DISK());
  }

  /** Per-task statistics (small), for y = (value - mean) / sd. */
  private TaskStats taskStatistics(Dataset<Row> merged) {
    List<Row> stats = merged.groupBy("task_id").agg(avg("value"), stddev_pop("value"), count(lit(1)),
            sum("n_obs")).collectAsList();
    List<Row> statRows = new ArrayList<>();
    Map<String, Map<String, Object>> taskReport = new TreeMap<>();
    for (Row r : stats) {
      double mean = r.getDouble(1);
      double sd = r.isNullAt(2) ? 0.0 : r.getDouble(2);
      statRows.add(RowFactory.create(r.getString(0), mean, sd));
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("variants", r.getLong(3));
      t.put("observations", r.getLong(4));
      t.put("mean", mean);
      t.put("sd", sd);
      taskReport.put(r.getString(0), t);
    }
    Dataset<Row> statDf = spark.createDataFrame(statRows, new StructType().add("task_id", DataTypes.StringType)
        .add("mean", DataTypes.DoubleType).add("sd", DataTypes.DoubleType));
    return new TaskStats(statDf, taskReport);
  }

  /** The merged variants with their y, task metadata and source line, in the {@code variants} schema. */
  private static void writeVariants(Dataset<Row> merged, Dataset<Row> statDf, Dataset<Row> taskMeta,
                                    Dataset<Row> fileDf, Path staging) {
    Column variantId = concat(col("task_id"), lit("/"),
        when(col("pooled"), concat(col("protein_name"), lit("/"))).otherwise(lit("")), col("variant_key"));
    Dataset<Row> variants = merged.join(broadcast(statDf), "task_id").join(broadcast(taskMeta), "task_id")
        .withColumn("file_id", shiftright(col("first_line"), 40).cast("int"))
        .join(broadcast(fileDf), "file_id")
        .withColumn("y", when(col("sd").gt(0), col("value").minus(col("mean")).divide(col("sd"))).otherwise(lit(0.0)))
        .withColumn("mutations", mutationsOf(col("variant_key")))
        .select(col("task_id"), col("family"), col("protein_id"), col("protein_name"), variantId.as("variant_id"),
            col("mutations"), size(col("mutations")).as("n_mut"), col("raw_value"), col("unit"),
            col("higher_is_better"), col("value"), col("y"), col("n_obs").cast("int").as("n_obs"),
            col("source_file"), col("first_line").bitwiseAND((1L << 40) - 1).as("source_line"),
            col("reference"), col("source"));
    variants.write().partitionBy("source").parquet(new Path(staging, IngestJob.VARIANTS).toString());
  }

  /** Each source's report: counts (reconciled), quarantine reasons, pooled proteins, tasks, proteins, file counts. */
  private Map<String, Map<String, Object>> sourceReports(Map<String, SourceSpec> specs, LineCounts counts, Tasks tasks,
                                                         Map<String, Map<String, Object>> taskReport) {
    Map<String, Long> variantsPerSource = new HashMap<>();
    Map<String, Long> observationsPerSource = new HashMap<>();
    for (Map.Entry<String, Map<String, Object>> t : taskReport.entrySet()) {
      String src = t.getKey().substring(0, t.getKey().indexOf('/'));
      variantsPerSource.merge(src, (Long) t.getValue().get("variants"), Long::sum);
      observationsPerSource.merge(src, (Long) t.getValue().remove("observations"), Long::sum);
    }
    Map<String, Map<String, Object>> reports = new TreeMap<>();
    for (String id : specs.keySet()) {
      Map<String, Map<String, Long>> fc = counts.fileCounts().getOrDefault(id, Map.of());
      long read = 0;
      long quarantined = 0;
      long blank = 0;
      long okN = 0;
      for (Map<String, Long> m : fc.values()) {
        okN += m.getOrDefault(FileParser.OK, 0L);
        quarantined += m.getOrDefault(FileParser.QUARANTINE, 0L);
        blank += m.getOrDefault(FileParser.BLANK, 0L);
      }
      read = okN + quarantined;
      long nVariants = variantsPerSource.getOrDefault(id, 0L);
      Map<String, Object> r = new LinkedHashMap<>();
      SourceSpec s = specs.get(id);
      r.put("family", s.family());
      r.put("format", s.format().configName);
      r.put("rows_read", read);
      r.put("accepted", okN);
      r.put("variants", nVariants);
      r.put("duplicates_merged", okN - nVariants);
      r.put("quarantined", quarantined);
      r.put("blank_lines", blank);
      r.put("reconciled", reconciles(okN, nVariants, observationsPerSource.getOrDefault(id, 0L)));
      r.put("quarantine_by_reason", counts.reasons().getOrDefault(id, Map.of()));
      r.put("pooled_proteins", tasks.pooled().getOrDefault(id, List.of()));
      Map<String, Object> tr = new TreeMap<>();
      for (Map.Entry<String, Map<String, Object>> t : taskReport.entrySet()) {
        if (t.getKey().startsWith(id + "/")) {
          tr.put(t.getKey(), t.getValue());
        }
      }
      r.put("tasks", tr);
      r.put("proteins", tasks.proteinLists().getOrDefault(id, List.of()));
      r.put("file_counts", fc);
      reports.put(id, r);
      if (read == 0) {
        say.accept(String.format(Locale.ROOT, "%-16s no data rows (empty file or header only)", id));
      }
    }
    return reports;
  }

  /**
   * Whether a source's accepted rows (counted on the parsed table) all reach its written variants: the sum of
   * {@code n_obs} after the duplicate merge and the task join must equal them (an accepted row lost there, e.g.
   * one whose protein got no task, breaks it), and there are no more variants than rows.
   */
  static boolean reconciles(long accepted, long variants, long observations) {
    return observations == accepted && variants <= accepted && (variants > 0 || accepted == 0);
  }

  /** {@code "A23G:D40K"} (canonical, 1-based; {@code WT} = none) to {@code array<struct<pos, wt, mt>>}. */
  static Column mutationsOf(Column key) {
    return when(key.equalTo("WT"), expr("array()").cast(Schemas.MUTATIONS)).otherwise(
        transform(split(key, ":"), m -> struct(
            m.substr(lit(2), length(m).minus(2)).cast("int").as("pos"),
            m.substr(1, 1).as("wt"),
            m.substr(length(m), lit(1)).as("mt"))));
  }

  private static Iterator<Row> failingAfter(Iterator<Row> it, int n) {
    return new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Row next() {
        if (++i > n) {
          throw new IllegalStateException("injected failure while writing (test)");
        }
        return it.next();
      }
    };
  }
}
