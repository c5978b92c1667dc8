package org.metamut.jobs.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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
import org.metamut.jobs.config.IngestKeys;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.schema.Schemas;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.shiftright;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.stddev_pop;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

/**
 * The ingestion job: catalogue → {@code variants/}, {@code quarantine/}, {@code proteins/}, {@code episodes/}
 * and {@code ingest-manifest.json} under the output folder. See {@code src/docs/ingest.md} for the rules
 * (duplicate merge, normalisation, pooling, splits) and the package doc for the invariants.
 *
 * <p>Flow: lock → recover an interrupted commit → resolve files and fingerprints → if nothing changed, say
 * so and stop → parse the changed sources' files (one Spark task per file, streamed line by line) → stage
 * their partitions of {@code variants}/{@code quarantine} → commit them → rebuild {@code proteins} and
 * {@code episodes} (small) → commit → manifest (last). Nothing proportional to the input rows reaches the
 * driver: only per-file, per-protein and per-task aggregates are collected.
 */
public final class IngestJob {
  static final String VARIANTS = "variants";
  static final String QUARANTINE_DIR = "quarantine";
  static final String PROTEINS = "proteins";
  static final String EPISODES = "episodes";
  static final String MANIFEST = "ingest-manifest.json";

  /** Where a test may make the job fail on purpose, to check that a crash leaves the outputs intact. */
  public enum FailurePoint { NONE, DURING_VARIANT_WRITE, BEFORE_COMMIT }

  private final SparkSession spark;
  private final MetamutConfig cfg;
  private final Consumer<String> say;
  private final FailurePoint failure;
  private long stageStart = System.nanoTime();

  public IngestJob(SparkSession spark, MetamutConfig cfg, Consumer<String> say) {
    this(spark, cfg, say, FailurePoint.NONE);
  }

  public IngestJob(SparkSession spark, MetamutConfig cfg, Consumer<String> say, FailurePoint failure) {
    this.spark = spark;
    this.cfg = cfg;
    this.say = say;
    this.failure = failure;
  }

  /** What one run did. */
  public record Result(boolean changedNothing, List<String> ingested, List<String> removed, long rowsRead,
                       long variants, long quarantined, long duplicatesMerged, double seconds,
                       Map<String, Object> manifest) {
  }

  public Result run() throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String outDir = cfg.get(RunKeys.OUTPUT_DIR);
    OutputStore store = new OutputStore(outDir, hadoop);
    Map<String, SourceSpec> catalogue = Catalogue.load(cfg);
    IngestSettings settings = IngestSettings.from(cfg);
    EpisodeBuilder.Settings epSettings = EpisodeBuilder.Settings.from(cfg);
    try (OutputStore.Lock lock = store.lock(cfg.get(IngestKeys.LOCK_WAIT_MS), say)) {
      if (store.recover(PROTEINS, EPISODES)) {
        say.accept("completed an interrupted commit of a previous run");
      }
      Map<String, Object> previous = readManifest(store);
      @SuppressWarnings("unchecked")
      Map<String, Map<String, Object>> prevSources = previous == null ? Map.of()
          : (Map<String, Map<String, Object>>) previous.getOrDefault("sources", Map.of());

      // ---- resolve files and fingerprints (driver; wild-type files are small, data files only hashed)
      WildTypes wildTypes = new WildTypes(hadoop, cfg.get(RunKeys.DATA_DIR));
      Fingerprints fp = new Fingerprints(hadoop, previousFiles(prevSources));
      Map<String, List<SourceFile>> files = new LinkedHashMap<>();
      Map<String, List<Map<String, Object>>> fileInfo = new LinkedHashMap<>();
      Map<String, String> fingerprints = new LinkedHashMap<>();
      for (SourceSpec s : catalogue.values()) {
        List<SourceFile> fs = wildTypes.resolve(s);
        List<Map<String, Object>> infos = new ArrayList<>();
        for (SourceFile f : fs) {
          infos.add(fp.file(new Path(f.path())));
        }
        List<Map<String, Object>> deps = new ArrayList<>();
        for (Path d : new TreeSet<>(wildTypes.dependencies(s, fs))) {
          deps.add(fp.file(d));
        }
        List<Map<String, Object>> all = new ArrayList<>(infos);
        all.addAll(deps);
        files.put(s.id(), fs);
        fileInfo.put(s.id(), infos);
        fingerprints.put(s.id(), Fingerprints.combine(s.toString(), settings.toString(), all));
      }
      mark("fingerprints");
      boolean force = cfg.get(IngestKeys.FORCE);
      boolean outputsPresent = store.fs().exists(store.path(VARIANTS)) && store.fs().exists(store.path(PROTEINS))
          && store.fs().exists(store.path(EPISODES));
      List<String> changed = new ArrayList<>();
      for (String id : catalogue.keySet()) {
        Map<String, Object> prev = prevSources.get(id);
        if (force || !outputsPresent || prev == null || !fingerprints.get(id).equals(prev.get("fingerprint"))) {
          changed.add(id);
        }
      }
      // a source left out by metamut.ingest.only but still enabled keeps its outputs; a source no longer in
      // the catalogue (or disabled) is removed
      java.util.Set<String> enabled = Catalogue.enabledIds(cfg);
      List<String> removed = new ArrayList<>();
      List<String> carried = new ArrayList<>();
      for (String id : prevSources.keySet()) {
        if (!enabled.contains(id)) {
          removed.add(id);
        } else if (!catalogue.containsKey(id)) {
          carried.add(id);
        }
      }
      String episodesHash = Fingerprints.of(epSettings.toString());
      @SuppressWarnings("unchecked")
      Map<String, Object> prevEpisodes = previous == null ? Map.of()
          : (Map<String, Object>) previous.getOrDefault("episodes", Map.of());
      boolean episodesStale = !episodesHash.equals(prevEpisodes.get("config_hash"));
      if (changed.isEmpty() && removed.isEmpty() && !episodesStale) {
        say.accept("inputs unchanged since " + previous.get("finished") + " (" + catalogue.size()
            + " sources, same fingerprints and settings): nothing to do");
        return new Result(true, List.of(), List.of(), 0, 0, 0, 0, (System.nanoTime() - t0) / 1e9, previous);
      }
      if (!changed.isEmpty()) {
        say.accept("ingesting " + changed.size() + " of " + catalogue.size() + " sources: " + String.join(", ", changed)
            + (changed.size() < catalogue.size() ? " (the others are unchanged)" : ""));
      }
      if (!removed.isEmpty()) {
        say.accept("removing sources no longer in the catalogue: " + String.join(", ", removed));
      }

      Path staging = store.newStaging();
      Map<String, Map<String, Object>> sourceReports = new TreeMap<>();
      for (String id : catalogue.keySet()) {
        if (!changed.contains(id)) {
          sourceReports.put(id, prevSources.get(id));
        }
      }
      for (String id : carried) {
        sourceReports.put(id, prevSources.get(id));
      }
      List<OutputStore.Swap> swaps = new ArrayList<>();
      long[] totals = new long[4];
      if (!changed.isEmpty()) {
        Map<String, SourceSpec> specs = new LinkedHashMap<>();
        List<SourceFile> toRead = new ArrayList<>();
        for (String id : changed) {
          specs.put(id, catalogue.get(id));
          toRead.addAll(files.get(id));
        }
        Map<String, Map<String, Object>> reports = ingest(specs, toRead, settings, staging);
        for (String id : changed) {
          Map<String, Object> r = reports.get(id);
          r.put("fingerprint", fingerprints.get(id));
          r.put("files", mergeFileCounts(fileInfo.get(id), r.remove("file_counts")));
          r.put("ingested_at", Instant.now().toString());
          sourceReports.put(id, r);
          totals[0] += ((Number) r.get("rows_read")).longValue();
          totals[1] += ((Number) r.get("variants")).longValue();
          totals[2] += ((Number) r.get("quarantined")).longValue();
          totals[3] += ((Number) r.get("duplicates_merged")).longValue();
          for (String table : List.of(VARIANTS, QUARANTINE_DIR)) {
            Path staged = new Path(new Path(staging, table), "source=" + id);
            swaps.add(new OutputStore.Swap(store.fs().exists(staged) ? staged : null,
                new Path(store.path(table), "source=" + id)));
          }
        }
      }
      for (String id : removed) {
        for (String table : List.of(VARIANTS, QUARANTINE_DIR)) {
          swaps.add(new OutputStore.Swap(null, new Path(store.path(table), "source=" + id)));
        }
      }
      if (failure == FailurePoint.BEFORE_COMMIT) {
        throw new IllegalStateException("injected failure before commit (test)");
      }
      // ---- commit variants/quarantine partitions first: proteins and episodes are built from them
      store.commit(swaps);
      ensureTable(store, VARIANTS, Schemas.VARIANTS);
      ensureTable(store, QUARANTINE_DIR, Schemas.QUARANTINE);

      // ---- proteins (from every source's protein list), then episodes
      List<Map<String, Object>> proteins = Proteins.table(sourceReports);
      Path stagedProteins = new Path(staging, PROTEINS);
      Proteins.write(spark, proteins, stagedProteins.toString());
      Map<String, String> groupOf = new HashMap<>();
      for (Map<String, Object> p : proteins) {
        groupOf.put((String) p.get("protein_id"), (String) p.get("group_id"));
      }
      mark("commit+proteins");
      Path stagedEpisodes = new Path(staging, EPISODES);
      Map<String, Object> episodesReport = new EpisodeBuilder(spark, epSettings, say)
          .build(spark.read().parquet(store.path(VARIANTS).toString()), groupOf, stagedEpisodes.toString());
      mark("episodes");
      episodesReport.put("config_hash", episodesHash);

      // ---- manifest last
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("format", "metamut-ingest-manifest/1");
      manifest.put("started", Instant.ofEpochMilli(System.currentTimeMillis() - (System.nanoTime() - t0) / 1_000_000).toString());
      manifest.put("finished", Instant.now().toString());
      manifest.put("data_dir", cfg.get(RunKeys.DATA_DIR));
      manifest.put("settings", settings.toString());
      Map<String, Object> outputs = new LinkedHashMap<>();
      for (String t : List.of(PROTEINS, VARIANTS, QUARANTINE_DIR, EPISODES)) {
        outputs.put(t, store.path(t).toString());
      }
      manifest.put("outputs", outputs);
      manifest.put("totals_this_run", Map.of("rows_read", totals[0], "variants", totals[1], "quarantined", totals[2],
          "duplicates_merged", totals[3]));
      manifest.put("sources", sourceReports);
      manifest.put("proteins", proteins.size());
      manifest.put("episodes", episodesReport);
      Path stagedManifest = new Path(staging, MANIFEST);
      store.writeSmall(stagedManifest, json().writeValueAsString(manifest));
      store.commit(List.of(new OutputStore.Swap(stagedProteins, store.path(PROTEINS)),
          new OutputStore.Swap(stagedEpisodes, store.path(EPISODES)),
          new OutputStore.Swap(stagedManifest, store.path(MANIFEST))));
      store.fs().delete(staging, true);
      double secs = (System.nanoTime() - t0) / 1e9;
      return new Result(false, changed, removed, totals[0], totals[1], totals[2], totals[3], secs, manifest);
    }
  }

  /**
   * Parses the files of the changed sources and stages their variants and quarantine partitions. The input is
   * read exactly once: every line becomes one row of a staged {@code parsed} Parquet table, and every later
   * step scans that table's few columns it needs. Aggregates use fixed-width buffers only (hash aggregation).
   */
  private Map<String, Map<String, Object>> ingest(Map<String, SourceSpec> specs, List<SourceFile> toRead,
                                                  IngestSettings settings, Path staging) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, SourceSpec> specsCopy = Map.copyOf(specs);
    FailurePoint fail = failure;
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
      return fail == FailurePoint.DURING_VARIANT_WRITE ? failingAfter(it, 100) : it;
    });
    String parsedPath = new Path(staging, "parsed").toString();
    spark.createDataFrame(rows, FileParser.PARSED).write().parquet(parsedPath);
    Dataset<Row> parsed = spark.read().parquet(parsedPath);
    List<Row> fileRows = new ArrayList<>();
    for (int i = 0; i < toRead.size(); i++) {
      fileRows.add(RowFactory.create(i, toRead.get(i).path()));
    }
    Dataset<Row> fileDf = spark.createDataFrame(fileRows, new StructType().add("file_id", DataTypes.IntegerType)
        .add("source_file", DataTypes.StringType));
    mark("parse");

    // per-file line counts (small: files x statuses)
    // per-file line counts and quarantine reasons, one pass (small: files x statuses x reasons)
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
    Dataset<Row> quarantine = parsed.filter(col("status").equalTo(FileParser.QUARANTINE));
    if (!reasons.isEmpty()) {
      quarantine.join(broadcast(fileDf), "file_id")
          .select(col("source_file"), col("line_number"), col("raw_line"), col("reason"), col("message"), col("source"))
          .write().partitionBy("source").parquet(new Path(staging, QUARANTINE_DIR).toString());
    }
    mark("counts+quarantine");

    // ---- proteins of each source, task assignment (pooling): small, on the driver
    Dataset<Row> ok = parsed.filter(col("status").equalTo(FileParser.OK));
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
      keyRows.add(RowFactory.create(source, name, sha, taskId, Proteins.idOf(sha), spec.higherIsBetter() ? 1.0 : -1.0));
      metaRows.put(taskId, RowFactory.create(taskId, source, pool, spec.family(), spec.unit(), spec.higherIsBetter(),
          spec.reference()));
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", taskName);
      p.put("sha256", sha);
      p.put("protein_id", Proteins.idOf(sha));
      p.put("sequence", seq);
      proteinLists.computeIfAbsent(source, k -> new ArrayList<>()).add(p);
    }
    Dataset<Row> taskKeys = spark.createDataFrame(keyRows, new StructType()
        .add("source", DataTypes.StringType).add("protein_name", DataTypes.StringType)
        .add("protein_sha", DataTypes.StringType).add("task_id", DataTypes.StringType)
        .add("protein_id", DataTypes.StringType).add("sign", DataTypes.DoubleType));
    Dataset<Row> taskMeta = spark.createDataFrame(new ArrayList<>(metaRows.values()), new StructType()
        .add("task_id", DataTypes.StringType).add("source", DataTypes.StringType)
        .add("pooled", DataTypes.BooleanType).add("family", DataTypes.StringType)
        .add("unit", DataTypes.StringType).add("higher_is_better", DataTypes.BooleanType)
        .add("reference", DataTypes.StringType));
    mark("proteins+tasks");

    // ---- merge duplicates: one row per (task, protein, canonical variant); raw value = mean, n_obs = count,
    // source line = the first (lowest file id, then line). Fixed-width buffers only.
    Dataset<Row> merged = ok.join(broadcast(taskKeys), new String[] {"source", "protein_name", "protein_sha"})
        .groupBy("task_id", "protein_id", "protein_name", "variant_key")
        .agg(avg("raw_value").as("raw_value"), avg(col("raw_value").multiply(col("sign"))).as("value"),
            count(lit(1)).as("n_obs"),
            min(col("file_id").cast("long").multiply(1L << 40).plus(col("line_number"))).as("first_line"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      // ---- per-task statistics (small), then y = (value - mean) / sd
      List<Row> stats = merged.groupBy("task_id").agg(avg("value"), stddev_pop("value"), count(lit(1)))
          .collectAsList();
      List<Row> statRows = new ArrayList<>();
      Map<String, Map<String, Object>> taskReport = new TreeMap<>();
      for (Row r : stats) {
        double mean = r.getDouble(1);
        double sd = r.isNullAt(2) ? 0.0 : r.getDouble(2);
        statRows.add(RowFactory.create(r.getString(0), mean, sd));
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("variants", r.getLong(3));
        t.put("mean", mean);
        t.put("sd", sd);
        taskReport.put(r.getString(0), t);
      }
      Dataset<Row> statDf = spark.createDataFrame(statRows, new StructType().add("task_id", DataTypes.StringType)
          .add("mean", DataTypes.DoubleType).add("sd", DataTypes.DoubleType));
      mark("merge+stats");
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
      variants.write().partitionBy("source").parquet(new Path(staging, VARIANTS).toString());
      mark("variants write");

      Map<String, Long> variantsPerSource = new HashMap<>();
      for (Map.Entry<String, Map<String, Object>> t : taskReport.entrySet()) {
        String src = t.getKey().substring(0, t.getKey().indexOf('/'));
        variantsPerSource.merge(src, (Long) t.getValue().get("variants"), Long::sum);
      }
      Map<String, Map<String, Object>> reports = new TreeMap<>();
      for (String id : specs.keySet()) {
        Map<String, Map<String, Long>> fc = fileCounts.getOrDefault(id, Map.of());
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
        r.put("reconciled", read == nVariants + (okN - nVariants) + quarantined && okN >= nVariants);
        r.put("quarantine_by_reason", reasons.getOrDefault(id, Map.of()));
        r.put("pooled_proteins", pooled.getOrDefault(id, List.of()));
        Map<String, Object> tr = new TreeMap<>();
        for (Map.Entry<String, Map<String, Object>> t : taskReport.entrySet()) {
          if (t.getKey().startsWith(id + "/")) {
            tr.put(t.getKey(), t.getValue());
          }
        }
        r.put("tasks", tr);
        r.put("proteins", proteinLists.getOrDefault(id, List.of()));
        r.put("file_counts", fc);
        reports.put(id, r);
        if (read == 0) {
          say.accept(String.format(Locale.ROOT, "%-16s no data rows (empty file or header only)", id));
        }
      }
      return reports;
    } finally {
      merged.unpersist();
    }
  }

  /** {@code "A23G:D40K"} (canonical, 1-based; {@code WT} = none) to {@code array<struct<pos, wt, mt>>}. */
  static Column mutationsOf(Column key) {
    return when(key.equalTo("WT"), expr("array()").cast(Schemas.MUTATIONS)).otherwise(
        transform(split(key, ":"), m -> struct(
            m.substr(lit(2), length(m).minus(2)).cast("int").as("pos"),
            m.substr(1, 1).as("wt"),
            m.substr(length(m), lit(1)).as("mt"))));
  }

  /** Logs the time since the previous stage mark (DEBUG-level detail for the benchmark and tuning). */
  private void mark(String stage) {
    long now = System.nanoTime();
    org.slf4j.LoggerFactory.getLogger(IngestJob.class).info("stage {} took {} ms", stage, (now - stageStart) / 1_000_000);
    if (Boolean.getBoolean("metamut.ingest.timings")) {
      say.accept(String.format(Locale.ROOT, "  stage %-22s %6.1f s", stage, (now - stageStart) / 1e9));
    }
    stageStart = now;
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

  /** The partition that holds a table's schema while no source has rows in it (zero rows). */
  static final String EMPTY_PARTITION = "source=_none";

  /**
   * Keeps a table readable by schema inference: when no source has a partition, an empty partition
   * {@code source=_none} with zero rows carries the schema; it is removed once a real partition exists.
   */
  private void ensureTable(OutputStore store, String name, StructType schema) throws IOException {
    Path p = store.path(name);
    List<Path> parts = store.children(p).stream().filter(c -> c.getName().startsWith("source=")).toList();
    boolean hasPlaceholder = parts.stream().anyMatch(c -> c.getName().equals(EMPTY_PARTITION));
    if (parts.isEmpty()) {
      Path staged = new Path(store.newStaging(), EMPTY_PARTITION);
      StructType noSource = new StructType(java.util.Arrays.stream(schema.fields())
          .filter(f -> !f.name().equals("source")).toArray(org.apache.spark.sql.types.StructField[]::new));
      spark.createDataFrame(Collections.emptyList(), noSource).coalesce(1).write().parquet(staged.toString());
      store.commit(List.of(new OutputStore.Swap(staged, new Path(p, EMPTY_PARTITION))));
    } else if (hasPlaceholder && parts.size() > 1) {
      store.commit(List.of(new OutputStore.Swap(null, new Path(p, EMPTY_PARTITION))));
    }
  }

  private static Map<String, Map<String, Object>> previousFiles(Map<String, Map<String, Object>> prevSources) {
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (Map<String, Object> s : prevSources.values()) {
      Object files = s.get("files");
      if (files instanceof List<?> l) {
        for (Object o : l) {
          @SuppressWarnings("unchecked")
          Map<String, Object> f = (Map<String, Object>) o;
          out.put((String) f.get("path"), f);
        }
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> mergeFileCounts(List<Map<String, Object>> infos, Object counts) {
    Map<String, Map<String, Long>> c = (Map<String, Map<String, Long>>) counts;
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> info : infos) {
      Map<String, Object> f = new LinkedHashMap<>(info);
      Map<String, Long> m = c.getOrDefault((String) info.get("path"), Map.of());
      long ok = m.getOrDefault(FileParser.OK, 0L);
      long q = m.getOrDefault(FileParser.QUARANTINE, 0L);
      f.put("rows_read", ok + q);
      f.put("accepted", ok);
      f.put("quarantined", q);
      f.put("blank_lines", m.getOrDefault(FileParser.BLANK, 0L));
      f.put("header_lines", m.getOrDefault(FileParser.HEADER, 0L));
      out.add(f);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> readManifest(OutputStore store) throws IOException {
    Path p = store.path(MANIFEST);
    if (!store.fs().exists(p)) {
      return null;
    }
    return json().readValue(store.readSmall(p), LinkedHashMap.class);
  }

  static ObjectMapper json() {
    return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }
}
