package org.metamut.jobs.ingest;

import org.metamut.jobs.data.Proteins;
import org.metamut.lib.provenance.Sha256;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.metamut.jobs.config.IngestKeys;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.schema.Schemas;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The ingestion job: catalogue → {@code variants/}, {@code quarantine/}, {@code proteins/}, {@code episodes/}
 * and {@code ingest-manifest.json} under the output folder. See {@code src/docs/ingest.md} for the rules
 * (duplicate merge, normalisation, pooling, splits) and the package doc for the invariants.
 *
 * <p>Flow: lock → recover an interrupted commit → resolve files and fingerprints → if nothing changed, say
 * so and stop → parse the changed sources' files (one Spark task per file, streamed line by line) → stage
 * their partitions of {@code variants}/{@code quarantine} → commit them → rebuild {@code proteins} and
 * {@code episodes} (small) → commit → manifest (last). Nothing proportional to the input rows reaches the
 * driver: only per-file, per-protein and per-task aggregates are collected. The parsing and staging (the Spark
 * part) is {@link VariantStaging}; this class does the bookkeeping and the commits.
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
  private final StageTimer timer;

  public IngestJob(SparkSession spark, MetamutConfig cfg, Consumer<String> say) {
    this(spark, cfg, say, FailurePoint.NONE);
  }

  public IngestJob(SparkSession spark, MetamutConfig cfg, Consumer<String> say, FailurePoint failure) {
    this.spark = spark;
    this.cfg = cfg;
    this.say = say;
    this.failure = failure;
    this.timer = new StageTimer(say);
  }

  /** What one run did. */
  public record Result(boolean changedNothing, List<String> ingested, List<String> removed, long rowsRead,
                       long variants, long quarantined, long duplicatesMerged, double seconds,
                       Map<String, Object> manifest) {
  }

  /** The catalogue's files with their fingerprint entries, and each source's combined fingerprint. */
  private record Resolved(Map<String, List<SourceFile>> files, Map<String, List<Map<String, Object>>> fileInfo,
                          Map<String, String> fingerprints) {
  }

  /**
   * What a run does relative to the previous manifest's sources: the sources to (re)ingest, to remove, and to
   * carry over untouched, and whether the episodes must be rebuilt for their settings.
   */
  private record Plan(Map<String, Map<String, Object>> prevSources, Resolved resolved, List<String> changed,
                      List<String> removed, List<String> carried, String episodesHash, boolean episodesStale) {
    boolean nothingToDo() {
      return changed.isEmpty() && removed.isEmpty() && !episodesStale;
    }
  }

  public Result run() throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String outDir = cfg.get(RunKeys.OUTPUT_DIR);
    OutputStore store = new OutputStore(outDir, hadoop);
    Map<String, SourceSpec> catalogue = Catalogue.load(cfg);
    IngestSettings settings = IngestSettings.from(cfg);
    EpisodeBuilder.Settings epSettings = EpisodeBuilder.Settings.from(cfg);
    try (Lease lock = store.lock(cfg.get(IngestKeys.LOCK_WAIT_MS), cfg.get(IngestKeys.LOCK_LEASE_MS), say)) {
      if (store.recover(PROTEINS, EPISODES)) {
        say.accept("completed an interrupted commit of a previous run");
      }
      Map<String, Object> previous = readManifest(store);
      @SuppressWarnings("unchecked")
      Map<String, Map<String, Object>> prevSources = previous == null ? Map.of()
          : (Map<String, Map<String, Object>>) previous.getOrDefault("sources", Map.of());
      Resolved resolved = resolve(hadoop, catalogue, settings, prevSources);
      timer.mark("fingerprints");
      Plan plan = plan(store, catalogue, previous, prevSources, resolved, epSettings);
      if (plan.nothingToDo()) {
        say.accept("inputs unchanged since " + previous.get("finished") + " (" + catalogue.size()
            + " sources, same fingerprints and settings): nothing to do");
        return new Result(true, List.of(), List.of(), 0, 0, 0, 0, (System.nanoTime() - t0) / 1e9, previous);
      }
      announce(plan, catalogue);
      return update(store, catalogue, settings, epSettings, plan, t0);
    }
  }

  /** Resolves each source's files and fingerprints them (driver; wild-type files are small, data files only hashed). */
  private Resolved resolve(Configuration hadoop, Map<String, SourceSpec> catalogue, IngestSettings settings,
                           Map<String, Map<String, Object>> prevSources) throws IOException {
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
    return new Resolved(files, fileInfo, fingerprints);
  }

  /**
   * Compares the fingerprints and settings with the previous manifest: a source is changed when forced, when an
   * output table is missing, or when its fingerprint differs; episodes are stale when their settings changed.
   */
  private Plan plan(OutputStore store, Map<String, SourceSpec> catalogue, Map<String, Object> previous,
                    Map<String, Map<String, Object>> prevSources, Resolved resolved,
                    EpisodeBuilder.Settings epSettings) throws IOException {
    boolean force = cfg.get(IngestKeys.FORCE);
    boolean outputsPresent = store.fs().exists(store.path(VARIANTS)) && store.fs().exists(store.path(PROTEINS))
        && store.fs().exists(store.path(EPISODES));
    List<String> changed = new ArrayList<>();
    for (String id : catalogue.keySet()) {
      Map<String, Object> prev = prevSources.get(id);
      if (force || !outputsPresent || prev == null || !resolved.fingerprints().get(id).equals(prev.get("fingerprint"))) {
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
    String episodesHash = Sha256.hex(epSettings.toString());
    @SuppressWarnings("unchecked")
    Map<String, Object> prevEpisodes = previous == null ? Map.of()
        : (Map<String, Object>) previous.getOrDefault("episodes", Map.of());
    boolean episodesStale = !episodesHash.equals(prevEpisodes.get("config_hash"));
    return new Plan(prevSources, resolved, changed, removed, carried, episodesHash, episodesStale);
  }

  private void announce(Plan plan, Map<String, SourceSpec> catalogue) {
    List<String> changed = plan.changed();
    if (!changed.isEmpty()) {
      say.accept("ingesting " + changed.size() + " of " + catalogue.size() + " sources: " + String.join(", ", changed)
          + (changed.size() < catalogue.size() ? " (the others are unchanged)" : ""));
    }
    if (!plan.removed().isEmpty()) {
      say.accept("removing sources no longer in the catalogue: " + String.join(", ", plan.removed()));
    }
  }

  /**
   * Carries out a plan: stages the changed sources, commits their (and the removed sources') partitions, rebuilds
   * {@code proteins} and {@code episodes}, and commits them with the manifest last.
   */
  private Result update(OutputStore store, Map<String, SourceSpec> catalogue, IngestSettings settings,
                        EpisodeBuilder.Settings epSettings, Plan plan, long t0) throws IOException {
    Path staging = store.newStaging();
    Map<String, Map<String, Object>> sourceReports = new TreeMap<>();
    for (String id : catalogue.keySet()) {
      if (!plan.changed().contains(id)) {
        sourceReports.put(id, plan.prevSources().get(id));
      }
    }
    for (String id : plan.carried()) {
      sourceReports.put(id, plan.prevSources().get(id));
    }
    List<OutputStore.Swap> swaps = new ArrayList<>();
    long[] totals = new long[4];
    if (!plan.changed().isEmpty()) {
      totals = stageChanged(store, catalogue, plan, settings, staging, sourceReports, swaps);
    }
    for (String id : plan.removed()) {
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
    timer.mark("commit");

    // ---- episodes, then proteins (from every source's protein list, with the split of each one's group)
    List<Map<String, Object>> proteins = ProteinGroups.table(sourceReports);
    Map<String, String> groupOf = new HashMap<>();
    for (Map<String, Object> p : proteins) {
      groupOf.put((String) p.get("protein_id"), (String) p.get("group_id"));
    }
    Path stagedEpisodes = new Path(staging, EPISODES);
    EpisodeBuilder.Built built = new EpisodeBuilder(spark, epSettings, say)
        .build(spark.read().parquet(store.path(VARIANTS).toString()), groupOf, stagedEpisodes.toString());
    timer.mark("episodes");
    Map<String, Object> episodesReport = built.report();
    episodesReport.put("config_hash", plan.episodesHash());
    for (Map<String, Object> p : proteins) {
      p.put("split", built.splitOfGroup().get((String) p.get("group_id")));
    }
    Path stagedProteins = new Path(staging, PROTEINS);
    Proteins.write(spark, proteins, stagedProteins.toString());
    timer.mark("proteins");

    // ---- manifest last
    Map<String, Object> manifest = manifest(store, settings, t0, totals, sourceReports, proteins.size(), episodesReport);
    Path stagedManifest = new Path(staging, MANIFEST);
    store.writeSmall(stagedManifest, json().writeValueAsString(manifest));
    store.commit(List.of(new OutputStore.Swap(stagedProteins, store.path(PROTEINS)),
        new OutputStore.Swap(stagedEpisodes, store.path(EPISODES)),
        new OutputStore.Swap(stagedManifest, store.path(MANIFEST))));
    store.fs().delete(staging, true);
    double secs = (System.nanoTime() - t0) / 1e9;
    return new Result(false, plan.changed(), plan.removed(), totals[0], totals[1], totals[2], totals[3], secs, manifest);
  }

  /**
   * Parses and stages the changed sources ({@link VariantStaging}); puts their reports into {@code sourceReports}
   * and the swaps of their variants and quarantine partitions into {@code swaps}. Returns this run's totals: rows
   * read, variants, quarantined, duplicates merged.
   */
  private long[] stageChanged(OutputStore store, Map<String, SourceSpec> catalogue, Plan plan, IngestSettings settings,
                              Path staging, Map<String, Map<String, Object>> sourceReports,
                              List<OutputStore.Swap> swaps) throws IOException {
    long[] totals = new long[4];
    List<String> changed = plan.changed();
    Map<String, SourceSpec> specs = new LinkedHashMap<>();
    List<SourceFile> toRead = new ArrayList<>();
    for (String id : changed) {
      specs.put(id, catalogue.get(id));
      toRead.addAll(plan.resolved().files().get(id));
    }
    Map<String, Map<String, Object>> reports = new VariantStaging(spark, failure, say, timer)
        .stage(specs, toRead, settings, staging);
    for (String id : changed) {
      Map<String, Object> r = reports.get(id);
      r.put("fingerprint", plan.resolved().fingerprints().get(id));
      r.put("files", mergeFileCounts(plan.resolved().fileInfo().get(id), r.remove("file_counts")));
      r.put("ingested_at", Instant.now().toString());
      sourceReports.put(id, r);
      totals[0] += ((Number) r.get("rows_read")).longValue();
      totals[1] += ((Number) r.get("variants")).longValue();
      totals[2] += ((Number) r.get("quarantined")).longValue();
      totals[3] += ((Number) r.get("duplicates_merged")).longValue();
      requireUsable(id, r, plan.resolved().files().get(id));
      for (String table : List.of(VARIANTS, QUARANTINE_DIR)) {
        Path staged = new Path(new Path(staging, table), "source=" + id);
        swaps.add(new OutputStore.Swap(store.fs().exists(staged) ? staged : null,
            new Path(store.path(table), "source=" + id)));
      }
    }
    return totals;
  }

  /**
   * Fails the run, before anything is committed, for a source whose every data row was quarantined (a wrong
   * delimiter or header: the previous outputs stay, and the one line names the file and the reasons), or whose
   * counts do not reconcile, or that has no data row at all (an empty file, a header only: a source that yields no
   * variant is a failure, not a silent gap in the catalogue).
   */
  private static void requireUsable(String id, Map<String, Object> r, List<SourceFile> files) {
    long read = ((Number) r.get("rows_read")).longValue();
    long variants = ((Number) r.get("variants")).longValue();
    String where = files.isEmpty() ? "no file" : org.metamut.jobs.output.OutputFolder.display(new Path(files.get(0).path()))
        + (files.size() > 1 ? " and " + (files.size() - 1) + " more files" : "");
    if (read == 0) {
      throw new IllegalStateException("source '" + id + "' (" + where + "): no data rows (an empty file or a header "
          + "only), so it yields no variant; check the entry's path in metamut.ingest.datasets, or leave the source out "
          + "with metamut.ingest.only; nothing was committed");
    }
    if (variants == 0) {
      throw new IllegalStateException("source '" + id + "' (" + where + "): every one of its " + read
          + " data rows was quarantined " + r.get("quarantine_by_reason") + "; check the entry's delimiter and column "
          + "names in metamut.ingest.datasets against the file's header; nothing was committed");
    }
    if (!Boolean.TRUE.equals(r.get("reconciled"))) {
      throw new IllegalStateException("source '" + id + "' (" + where + "): counts do not reconcile (" + r.get("accepted")
          + " rows accepted, " + variants + " variants); nothing was committed; please report this with the "
          + "source file");
    }
  }

  /** The run manifest: when, with which settings, where the outputs are, this run's totals, every source's report. */
  private Map<String, Object> manifest(OutputStore store, IngestSettings settings, long t0, long[] totals,
                                       Map<String, Map<String, Object>> sourceReports, int proteins,
                                       Map<String, Object> episodesReport) {
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
    manifest.put("proteins", proteins);
    manifest.put("episodes", episodesReport);
    return manifest;
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
