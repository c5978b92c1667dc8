package org.metamut.jobs.esm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.metamut.jobs.output.OutputFolder;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.esm.EsmFeatureStore;
import org.metamut.lib.esm.EsmScorer;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.col;

/**
 * The Parquet cache of frozen ESM-2 features: per variant, the site embedding {@code ridge-esm} uses and the
 * masked-marginal zero-shot score, computed once and read by later runs instead of running the forward pass.
 *
 * <p><b>Layout.</b> Under the cache root ({@code metamut.esm.feature-cache}), one folder per checkpoint,
 * {@code sha256-<hex>} after its fingerprint ({@link org.metamut.lib.esm.EsmCheckpoint#fingerprint}: the SHA-256 of
 * its three files, so a copy of the same checkpoint elsewhere shares the cache and a changed file does not), holding
 * {@code features/} (Parquet, {@link #SCHEMA}, keyed by fingerprint, protein = SHA-256 of the wild type, and variant
 * = mutations in position order), {@value #MANIFEST} (fingerprint, row count, every data file with its size; written
 * last) and the {@code _METAMUT.json} marker.
 *
 * <p><b>Never a wrong or half row.</b> A cache is read only when its manifest names the expected fingerprint, lists
 * exactly the data files present with their sizes, the files hold the listed number of rows and every row read carries
 * the fingerprint; otherwise it is ignored with one line saying why and rebuilt. A run that adds variants writes the
 * old rows plus the new ones into a staged folder and renames it in ({@link OutputFolder}): a killed run leaves the
 * previous cache (or none), never a partial one. Concurrent runs on the same cache do not corrupt it: the last to
 * publish wins and the other's new rows are recomputed the next time.
 *
 * <p>Variants the model cannot embed (sites spanning more than its window, a residue outside its vocabulary) are not
 * cached; the baselines meet them as before and fail that run with the reason.
 */
public final class EsmFeatureCache {
  /** The job name in the cache folder's marker. */
  public static final String JOB = "esm-feature-cache";
  /** The manifest, written last. */
  public static final String MANIFEST = "_cache.json";
  /** The Parquet folder inside a cache folder. */
  public static final String DATA = "features";
  static final int FORMAT = 1;

  /**
   * {@code features/}: {@code fingerprint} (the checkpoint's {@code sha256:...}), {@code protein} (SHA-256 hex of the
   * wild-type sequence), {@code variant} (mutations in position order, {@code WT} for none), {@code embedding} (the
   * final-layer state averaged over the mutated sites, float32 as computed; empty in a row stored for the zero-shot
   * score alone) and {@code zero_shot} (Σ log p(mt) − log p(wt); null for a checkpoint without an LM head).
   */
  public static final StructType SCHEMA = new StructType(new StructField[] {
      DataTypes.createStructField("fingerprint", DataTypes.StringType, false),
      DataTypes.createStructField("protein", DataTypes.StringType, false),
      DataTypes.createStructField("variant", DataTypes.StringType, false),
      DataTypes.createStructField("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false),
      DataTypes.createStructField("zero_shot", DataTypes.DoubleType, true)});

  /**
   * What {@link #resolve} did.
   *
   * @param store     the values of every requested variant that could be computed, for the executors
   * @param requested distinct variants asked for
   * @param hits      read from the cache
   * @param computed  computed now (a forward pass each, plus its sites' zero-shot passes) and added to the cache
   * @param skipped   that the model cannot embed (not cached)
   * @param folder    the checkpoint's cache folder
   * @param ignored   why an existing cache was not used, or null
   */
  public record Result(CachedFeatures store, long requested, long hits, long computed, long skipped, String folder,
                       String ignored) {
  }

  private final SparkSession spark;
  private final Consumer<String> say;

  public EsmFeatureCache(SparkSession spark, Consumer<String> say) {
    this.spark = spark;
    this.say = say;
  }

  /** The cache folder of one checkpoint under {@code root}. */
  public static String folder(String root, String fingerprint) {
    if (!fingerprint.startsWith("sha256:")) {
      throw new IllegalArgumentException("not a checkpoint fingerprint: '" + fingerprint + "'");
    }
    String r = root.endsWith("/") && root.length() > 1 ? root.substring(0, root.length() - 1) : root;
    return r + "/sha256-" + fingerprint.substring("sha256:".length());
  }

  /**
   * The values of {@code variants} for the checkpoint in {@code checkpointDir} (whose fingerprint is
   * {@code fingerprint}): read from the cache under {@code root} where present, the rest computed across executors
   * (each partition loads the model) and the cache replaced by the old rows plus the new ones.
   */
  public Result resolve(String root, String checkpointDir, String fingerprint, boolean lmHead,
                        Collection<Variant> variants) {
    return resolve(root, checkpointDir, fingerprint, lmHead, variants, true);
  }

  /**
   * {@link #resolve(String, String, String, boolean, Collection)}; with {@code embeddings} false only the zero-shot
   * score is needed ({@code score --esm-zero-shot}; the checkpoint must have an LM head): a stored row of any kind
   * answers, and a variant not stored is computed and stored with the score alone (an empty {@code embedding}: one pass
   * per site, cached per partition, instead of one more pass per variant). A later run that needs the embedding of
   * such a row computes it and replaces the row.
   */
  public Result resolve(String root, String checkpointDir, String fingerprint, boolean lmHead,
                        Collection<Variant> variants, boolean embeddings) {
    if (!embeddings && !lmHead) {
      throw new IllegalArgumentException("only the zero-shot score asked for, but the checkpoint has no LM head");
    }
    Map<String, Variant> wanted = new LinkedHashMap<>();
    for (Variant v : variants) {
      wanted.putIfAbsent(CachedFeatures.key(v), v);
    }
    String dir = folder(root, fingerprint);
    Path target = new Path(dir);
    try {
      FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
      OutputFolder out = OutputFolder.open(fs, target, JOB, OutputFolder.newRunId()); // repairs a swap a dead run left
      out.recovered().ifPresent(say);
      Map<String, EsmFeatureStore.Entry> values = new HashMap<>();
      String ignored = null;
      long oldRows = 0;
      Path data = new Path(out.target(), DATA);
      if (fs.exists(new Path(out.target(), MANIFEST)) || fs.exists(data)) {
        try {
          oldRows = read(fs, out.target(), fingerprint, wanted, values);
        } catch (Exception e) {
          values.clear();
          oldRows = 0;
          ignored = oneLine(e.getMessage() != null ? e.getMessage() : e.toString());
          say.accept("ESM feature cache " + dir + " ignored (" + ignored + "); recomputing it");
        }
      }
      List<Variant> missing = new ArrayList<>();
      java.util.Set<String> partial = new java.util.HashSet<>(); // stored without the embedding this run needs
      for (Map.Entry<String, Variant> e : wanted.entrySet()) {
        EsmFeatureStore.Entry have = values.get(e.getKey());
        if (have == null || (embeddings && !have.hasEmbedding())) {
          missing.add(e.getValue());
          if (have != null) {
            partial.add(e.getKey());
          }
        }
      }
      long hits = wanted.size() - missing.size();
      long computed = 0;
      if (!missing.isEmpty()) {
        List<Computed> fresh = compute(checkpointDir, lmHead, missing, embeddings);
        computed = fresh.size();
        for (Computed c : fresh) {
          values.put(CachedFeatures.key(c.protein(), c.variant()), new EsmFeatureStore.Entry(c.embedding(), c.zeroShot()));
        }
        if (!fresh.isEmpty()) {
          long replaced = fresh.stream().filter(c -> partial.contains(CachedFeatures.key(c.protein(), c.variant()))).count();
          write(out, ignored == null && oldRows > 0 ? data : null, oldRows, fingerprint, fresh, replaced);
        }
      }
      long skipped = missing.size() - computed;
      say.accept(String.format(Locale.ROOT, "ESM features of %,d variants: %,d from the cache, %,d computed%s; cache %s",
          wanted.size(), hits, computed, skipped == 0 ? "" : ", " + skipped + " the model cannot embed (not cached)", dir));
      var bc = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(Map.copyOf(values));
      return new Result(new CachedFeatures(fingerprint, bc), wanted.size(), hits, computed, skipped, dir, ignored);
    } catch (IOException e) {
      throw new UncheckedIOException("ESM feature cache " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * What {@link #prune} did (or would do, on a dry run).
   *
   * @param removed the cache folders and leftovers of other fingerprints removed (or to remove), as the user reads them
   * @param bytes   their size in bytes
   * @param skipped folders named like a cache folder that are not this cache's output (no marker of {@value #JOB}):
   *                left alone, each with the reason
   */
  public record Pruned(List<String> removed, long bytes, List<String> skipped) {
  }

  /** A cache folder's name: {@code sha256-} and 64 hex digits. */
  private static final java.util.regex.Pattern CACHE_NAME = java.util.regex.Pattern.compile("sha256-[0-9a-f]{64}");
  /** A staging or moved-aside leftover of a cache folder: {@code .sha256-<hex>.<suffix>}. */
  private static final java.util.regex.Pattern LEFTOVER_NAME = java.util.regex.Pattern.compile("\\.(sha256-[0-9a-f]{64})\\..+");

  /**
   * Removes the cache folders under {@code root} of every checkpoint but {@code keepFingerprint}'s, with the staging
   * and moved-aside leftovers of their writers; the kept checkpoint's folder (and its leftovers, which its next run
   * repairs) stay. Only folders named {@code sha256-<64 hex>} and marked as this cache's output are removed; anything
   * else in {@code root} is left as it is. With {@code dryRun} nothing is removed, the result says what would be.
   * A run using another checkpoint at the same time loses its cache (it is recomputed the next time); prune between
   * runs.
   */
  public static Pruned prune(FileSystem fs, Path root, String keepFingerprint, boolean dryRun) throws IOException {
    String keep = new Path(folder(root.toString(), keepFingerprint)).getName();
    List<String> removed = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    long bytes = 0;
    if (!fs.exists(root)) {
      return new Pruned(removed, 0, skipped);
    }
    if (!fs.getFileStatus(root).isDirectory()) {
      throw new IOException(OutputFolder.display(root) + " is a file, not an ESM feature cache folder");
    }
    FileStatus[] children = fs.listStatus(root);
    java.util.Arrays.sort(children, java.util.Comparator.comparing(st -> st.getPath().getName()));
    for (FileStatus st : children) {
      String name = st.getPath().getName();
      java.util.regex.Matcher leftover = LEFTOVER_NAME.matcher(name);
      boolean cache = CACHE_NAME.matcher(name).matches() && st.isDirectory();
      boolean stray = leftover.matches() && OutputFolder.isLeftover(name) && !leftover.group(1).equals(keep);
      if ((!cache && !stray) || name.equals(keep)) {
        continue;
      }
      if (cache) {
        try {
          OutputFolder.checkReplaceable(fs, st.getPath(), JOB, java.util.Set.of());
        } catch (org.metamut.jobs.output.OutputRefusedException e) {
          skipped.add(oneLine(e.getMessage()));
          continue;
        }
      }
      long size = fs.getContentSummary(st.getPath()).getLength();
      if (!dryRun && !fs.delete(st.getPath(), true)) {
        throw new IOException("cannot remove " + OutputFolder.display(st.getPath()));
      }
      removed.add(OutputFolder.display(st.getPath()));
      bytes += size;
    }
    return new Pruned(removed, bytes, skipped);
  }

  /** One computed variant, as it travels back to the driver. */
  record Computed(String protein, String variant, float[] embedding, double zeroShot) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** A variant on its way to an executor, as text ({@link org.metamut.lib.mutation.Mutation} is not serialisable). */
  record Todo(String wildType, String variant) implements Serializable {
    private static final long serialVersionUID = 1L;

    Variant toVariant() {
      return "WT".equals(variant) ? Variant.of(wildType) : Variant.of(wildType, variant.split(":"));
    }
  }

  private List<Computed> compute(String checkpointDir, boolean lmHead, List<Variant> missing, boolean embeddings) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int parts = Math.max(1, Math.min(jsc.defaultParallelism(), missing.size()));
    List<Todo> todo = missing.stream().map(v -> new Todo(v.wildType(), EsmFeatureStore.variant(v))).toList();
    return jsc.parallelize(todo, parts).mapPartitions((FlatMapFunction<Iterator<Todo>, Computed>) it -> {
      EsmScorer scorer = new EsmScorer(SharedModels.get(checkpointDir));
      List<Computed> out = new ArrayList<>();
      while (it.hasNext()) {
        Variant v = it.next().toVariant();
        try {
          float[] e = embeddings ? scorer.siteEmbedding(v) : new float[0];
          double zs = lmHead ? scorer.zeroShot(v) : Double.NaN;
          out.add(new Computed(EsmFeatureStore.protein(v.wildType()), EsmFeatureStore.variant(v), e, zs));
        } catch (IllegalArgumentException e) {
          // sites wider than the window, a residue outside the vocabulary: the baseline reports it in its run
        }
      }
      return out.iterator();
    }).collect();
  }

  /**
   * Reads the rows of {@code wanted}'s proteins from a checked cache folder into {@code into}; returns the rows the
   * cache holds in all. Throws (with the reason) when the folder is not a complete cache of {@code fingerprint}.
   */
  private long read(FileSystem fs, Path folder, String fingerprint, Map<String, Variant> wanted,
                    Map<String, EsmFeatureStore.Entry> into) throws IOException {
    Path manifestFile = new Path(folder, MANIFEST);
    if (!fs.exists(manifestFile)) {
      throw new IOException("no " + MANIFEST + " (an incomplete cache)");
    }
    JsonNode m;
    try (FSDataInputStream in = fs.open(manifestFile)) {
      m = new ObjectMapper().readTree(in);
    }
    if (m == null || m.path("format").asInt() != FORMAT) {
      throw new IOException(MANIFEST + " is not a format-" + FORMAT + " cache manifest");
    }
    if (!fingerprint.equals(m.path("fingerprint").asText())) {
      throw new IOException(MANIFEST + " is for checkpoint " + m.path("fingerprint").asText() + ", not " + fingerprint);
    }
    Map<String, Long> listed = new TreeMap<>();
    m.path("files").fields().forEachRemaining(e -> listed.put(e.getKey(), e.getValue().asLong()));
    Map<String, Long> present = dataFiles(fs, new Path(folder, DATA));
    if (!listed.equals(present)) {
      throw new IOException("its data files " + present + " are not the ones " + MANIFEST + " lists " + listed
          + " (a truncated or partial cache)");
    }
    long rows = m.path("rows").asLong(-1);
    Dataset<Row> all = spark.read().schema(SCHEMA).parquet(new Path(folder, DATA).toString());
    long n = all.count();
    if (n != rows) {
      throw new IOException("it holds " + n + " rows, " + MANIFEST + " says " + rows);
    }
    List<String> proteins = wanted.values().stream().map(v -> EsmFeatureStore.protein(v.wildType())).distinct().toList();
    for (Row r : all.filter(col("protein").isin(proteins.toArray())).collectAsList()) {
      if (!fingerprint.equals(r.getString(0))) {
        throw new IOException("a row of checkpoint " + r.getString(0) + " in the cache of " + fingerprint);
      }
      String key = CachedFeatures.key(r.getString(1), r.getString(2));
      if (wanted.containsKey(key)) {
        List<Float> e = r.getList(3);
        float[] f = new float[e.size()];
        for (int i = 0; i < f.length; i++) {
          f[i] = e.get(i);
        }
        into.put(key, new EsmFeatureStore.Entry(f, r.isNullAt(4) ? Double.NaN : r.getDouble(4)));
      }
    }
    return rows;
  }

  /** The Parquet files of a data folder by name, with their sizes (Spark's hidden and side files aside). */
  private static Map<String, Long> dataFiles(FileSystem fs, Path data) throws IOException {
    Map<String, Long> files = new TreeMap<>();
    if (fs.exists(data)) {
      for (FileStatus st : fs.listStatus(data)) {
        String name = st.getPath().getName();
        if (st.isFile() && !name.startsWith(".") && !name.startsWith("_")) {
          files.put(name, st.getLen());
        }
      }
    }
    return files;
  }

  /**
   * Stages the old rows ({@code oldData}, null = none; less the {@code replaced} ones {@code fresh} recomputes with
   * their embedding) plus {@code fresh}, then the manifest, and publishes.
   */
  private void write(OutputFolder out, Path oldData, long oldRows, String fingerprint, List<Computed> fresh,
                     long replaced) throws IOException {
    try {
      List<Row> rows = new ArrayList<>(fresh.size());
      for (Computed c : fresh) {
        List<Float> e = new ArrayList<>(c.embedding().length);
        for (float f : c.embedding()) {
          e.add(f);
        }
        rows.add(RowFactory.create(fingerprint, c.protein(), c.variant(), e,
            Double.isNaN(c.zeroShot()) ? null : c.zeroShot()));
      }
      Dataset<Row> ds = spark.createDataFrame(rows, SCHEMA);
      long kept = oldRows;
      if (oldData != null) {
        Dataset<Row> old = spark.read().schema(SCHEMA).parquet(oldData.toString());
        if (replaced > 0) { // a recomputed key's old row (the score alone) leaves: one row per key
          old = old.join(ds.select("protein", "variant"), scala.collection.JavaConverters.asScalaBuffer(
              List.of("protein", "variant")).toSeq(), "left_anti")
              .select(java.util.Arrays.stream(SCHEMA.fieldNames()).map(org.apache.spark.sql.functions::col)
                  .toArray(org.apache.spark.sql.Column[]::new)); // a using-join puts its keys first: back to SCHEMA's order
          kept = oldRows - replaced;
        }
        ds = old.union(ds);
      } else {
        kept = 0;
      }
      Path data = new Path(out.staging(), DATA);
      ds.coalesce(1).write().parquet(data.toString());
      ObjectNode m = new ObjectMapper().createObjectNode();
      m.put("format", FORMAT);
      m.put("fingerprint", fingerprint);
      m.put("rows", kept + fresh.size());
      ObjectNode files = m.putObject("files");
      dataFiles(out.fs(), data).forEach(files::put);
      try (FSDataOutputStream os = out.fs().create(new Path(out.staging(), MANIFEST), false)) {
        os.write(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m).getBytes(StandardCharsets.UTF_8));
      }
      out.publish();
    } finally {
      out.abort();
    }
  }

  private static String oneLine(String s) {
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip();
  }
}
