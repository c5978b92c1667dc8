package org.metamut.jobs.score;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.metamut.jobs.output.OutputFolder;
import org.metamut.jobs.output.OutputRefusedException;
import org.metamut.lib.library.VariantLibrary;
import org.metamut.lib.mutation.Notation;
import org.metamut.lib.progress.Progress;
import org.metamut.lib.suggest.UcbSuggester;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;

/**
 * Scores a variant library with one model (an adapted metamut model, or an ESM-2 checkpoint's zero-shot score: a
 * {@link ScoreBackend}) across executors and writes, replacing {@code output} as a whole
 * through {@link OutputFolder} (staged, marked {@code _METAMUT.json}, published by rename; a non-empty folder that
 * is not a score output is refused, see {@link #open}):
 * <ul>
 *   <li>{@code scores/} Parquet ({@link ScoreSchemas#SCORES}), one row per scored variant;</li>
 *   <li>{@code rejected/} Parquet ({@link ScoreSchemas#REJECTED}), one row per refused variant with its reason;</li>
 *   <li>{@code top.csv}, the top-N variants by score (highest first, ties by index; a NaN score, which Spark
 *       orders above every number, sorts after all of them);</li>
 *   <li>{@code suggestions.csv} with {@link #suggest}: the next variants to measure by upper confidence bound
 *       ({@link UcbSuggester}: mean + β·SD in label units, at most M per site, never a labelled variant), with the
 *       candidates passed over on the way and why;</li>
 *   <li>{@code summary.json}, counts (input = scored + rejected, checked), the scale of the scores, the model,
 *       the library, timings; also written as {@code _provenance.json}.</li>
 * </ul>
 * Two passes over the library: a cheap one (generate or parse, and encode) writes the rejected rows, the
 * scoring one writes the scores; generated libraries are produced from index ranges on the executors.
 */
public final class ScoreJob {
  /** The job name in output markers. */
  public static final String JOB = "score";
  /** An unmarked folder holding these is a score output written before markers existed. */
  static final java.util.Set<String> LEGACY_FILES = java.util.Set.of("summary.json", "_provenance.json");

  /** Tuning, from {@code metamut.score.*}. */
  public record Settings(int batchSize, int topN, int partitions, int variantsPerPartition, long progressIntervalMs)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    public Settings {
      if (batchSize < 1 || topN < 0 || partitions < 0 || variantsPerPartition < 1) {
        throw new IllegalArgumentException("invalid score settings " + batchSize + "/" + topN + "/" + partitions + "/"
            + variantsPerPartition);
      }
    }
  }

  /** What a run did. */
  public record Result(String output, String library, long input, long scored, long rejected,
                       Map<String, Long> rejectedByReason, double scoreSeconds, double totalSeconds, int partitions) {
    public double variantsPerSecond() {
      return scoreSeconds > 0 ? scored / scoreSeconds : 0;
    }
  }

  /**
   * What {@code score --suggest} asks for.
   *
   * @param n            picks wanted (>= 1)
   * @param labelledKeys the labelled (adaptation) variants, as {@link UcbSuggester#key} keys: never suggested
   */
  public record Suggest(int n, int perSite, double beta, java.util.Set<String> labelledKeys) {
    public Suggest {
      labelledKeys = java.util.Set.copyOf(labelledKeys);
      new UcbSuggester(beta, perSite); // validates now, before any work
      if (n < 1) {
        throw new IllegalArgumentException("--suggest must be >= 1, got " + n);
      }
    }
  }

  /** The file {@link #suggest} writes. */
  public static final String SUGGESTIONS_CSV = "suggestions.csv";

  private final SparkSession spark;
  private final Settings settings;
  private final Consumer<String> say;
  private Suggest suggest;

  public ScoreJob(SparkSession spark, Settings settings, Consumer<String> say) {
    this.spark = spark;
    this.settings = settings;
    this.say = say;
  }

  /** Also write {@value #SUGGESTIONS_CSV}; the model must have predictive SDs ({@link ScoringModel#hasSd}). */
  public ScoreJob suggest(Suggest s) {
    this.suggest = s;
    return this;
  }

  /** Scores a generated library; nothing proportional to its size is created on the driver. */
  public Result scoreLibrary(VariantLibrary library, String proteinId, ScoreBackend model, double[] theta,
                             String output, Map<String, Object> provenance) {
    long n = library.size();
    int parts = partitionsFor(n);
    Dataset<Long> ids = spark.range(0, n, 1, parts);
    return run(ids, n, new CandidateSource.Generated(library), library.wildType(), library.describe(), proteinId,
        model, theta, output, provenance, parts);
  }

  /** {@link #scoreLibrary(VariantLibrary, String, ScoreBackend, double[], String, Map)} with ESM-2 zero-shot scores. */
  public Result scoreLibrary(VariantLibrary library, String proteinId, EsmZeroShotScoring esm, String output,
                             Map<String, Object> provenance) {
    long n = library.size();
    int parts = partitionsFor(n);
    return run(spark.range(0, n, 1, parts), n, new CandidateSource.Generated(library), library.wildType(),
        library.describe(), proteinId, esm, new double[0], output, provenance, parts);
  }

  /** {@link #scoreFile(Dataset, String, String, Notation, String, ScoreBackend, double[], String, Map)} with ESM-2. */
  public Result scoreFile(Dataset<Row> input, String description, String wildType, Notation notation, String proteinId,
                          EsmZeroShotScoring esm, String output, Map<String, Object> provenance) {
    return scoreFile(input, description, wildType, notation, proteinId, (ScoreBackend) esm, new double[0], output,
        provenance);
  }

  /**
   * Scores the variants of a file library; {@code input} has the {@link ScoreSchemas#INPUT} schema (see
   * {@link LibraryFiles#read}).
   */
  public Result scoreFile(Dataset<Row> input, String description, String wildType, Notation notation, String proteinId,
                          ScoreBackend model, double[] theta, String output, Map<String, Object> provenance) {
    long n = input.count();
    int parts = partitionsFor(n);
    Dataset<Row> spread = input.repartition(parts);
    return run(spread, n, new CandidateSource.FromFile(new VariantParser(wildType, notation)), wildType, description,
        proteinId, model, theta, output, provenance, parts);
  }

  int partitionsFor(long n) {
    if (settings.partitions() > 0) {
      return settings.partitions();
    }
    int dp = spark.sparkContext().defaultParallelism();
    long byWork = (n + settings.variantsPerPartition() - 1) / settings.variantsPerPartition();
    return (int) Math.max(1, Math.min(100_000, Math.max(Math.min(dp, n), byWork)));
  }

  private <T> Result run(Dataset<T> input, long n, CandidateSource<T> source, String wildType, String libraryDesc,
                         String proteinId, ScoreBackend model, double[] theta, String output,
                         Map<String, Object> provenance, int parts) {
    long t0 = System.nanoTime();
    if (suggest != null && !model.hasSd()) {
      throw new IllegalArgumentException("--suggest needs predictive SDs, and " + model.identity() + " has none: adapt a "
          + "closed-form-head model (cf-head) here with --labelled (a saved adapted model keeps no posterior)");
    }
    OutputFolder out = open(output, spark.sparkContext().hadoopConfiguration());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<double[]> thetaBc = jsc.broadcast(theta);
    LongAccumulator scoredAcc = spark.sparkContext().longAccumulator("metamut.score.scored");
    boolean committed = false;
    try {
      say.accept(String.format(Locale.ROOT, "scoring %s with %s (%s) in %d partitions, batch %d", libraryDesc,
          model.identity(), model.describe(), parts, settings.batchSize()));
      // Pass 1: what cannot be scored, with reasons (cheap: generate/parse and encode or check only).
      input.mapPartitions((MapPartitionsFunction<T, Row>) it -> model.rejected(source.candidates(it), wildType),
          Encoders.row(ScoreSchemas.REJECTED)).write().parquet(staged(out, "rejected"));

      // Pass 2: scores.
      int batch = settings.batchSize();
      long ts = System.nanoTime();
      Progress progress = new Progress("scored", n, "variants", say, settings.progressIntervalMs(), System::nanoTime, true);
      ScheduledExecutorService poll = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread th = new Thread(r, "metamut-score-progress");
        th.setDaemon(true);
        return th;
      });
      long[] seen = {0};
      poll.scheduleAtFixedRate(() -> {
        long v = scoredAcc.value();
        progress.advance(v - seen[0]);
        seen[0] = v;
      }, 500, 500, TimeUnit.MILLISECONDS);
      try {
        input.mapPartitions((MapPartitionsFunction<T, Row>) it -> model.scores(source.candidates(it), wildType,
                thetaBc.value(), batch, scoredAcc), Encoders.row(ScoreSchemas.SCORES))
            .write().parquet(staged(out, "scores"));
      } finally {
        poll.shutdownNow();
      }
      double scoreSeconds = (System.nanoTime() - ts) / 1e9;

      // Counts from what was written (not from accumulators, which retried tasks can double).
      Dataset<Row> scores = spark.read().parquet(staged(out, "scores"));
      Dataset<Row> rejected = spark.read().parquet(staged(out, "rejected"));
      long scored = scores.count();
      Map<String, Long> byReason = new TreeMap<>();
      for (Row r : rejected.groupBy("reason").count().collectAsList()) { // one row per reason code
        byReason.put(r.getString(0), r.getLong(1));
      }
      long rej = byReason.values().stream().mapToLong(Long::longValue).sum();
      progress.advance(scored - progress.done());
      progress.finish();
      if (scored + rej != n) {
        throw new IllegalStateException("counts do not add up: " + n + " input variants, " + scored + " scored, " + rej
            + " rejected");
      }
      // Top-N: Spark's take-ordered keeps a bounded heap per partition and merges them; N rows reach the driver.
      // Spark orders NaN above every number, so a diverged model's NaN scores would fill the top: they go last.
      List<Row> top = settings.topN() == 0 ? List.of()
          : scores.orderBy(isnan(col("score")).asc(), col("score").desc(), col("index").asc())
              .limit(settings.topN()).collectAsList();
      writeTop(out, top);
      if (suggest != null) {
        writeSuggestions(out, scores);
      }
      double total = (System.nanoTime() - t0) / 1e9;
      Result result = new Result(out.target().toString(), libraryDesc, n, scored, rej, byReason, scoreSeconds, total, parts);
      writeSummary(out, result, proteinId, wildType, model, provenance);
      publish(out);
      committed = true;
      return result;
    } finally {
      thetaBc.destroy();
      if (!committed) {
        out.abort();
      }
    }
  }

  static Iterator<Row> rejectedRows(Iterator<Candidate> in, String wildType, VariantEncoder encoder) {
    org.metamut.lib.encode.Encoder enc = encoder.encoder();
    return new CandidateRows(in, c -> {
      if (!c.isValid()) {
        return RowFactory.create(c.index(), c.input(), c.reason(), c.message());
      }
      try {
        VariantEncoder.encode(enc, wildType, c.mutations());
        return null;
      } catch (VariantEncoder.Unencodable e) {
        return RowFactory.create(c.index(), c.input() != null ? c.input() : c.variantText(), e.reason(), e.getMessage());
      }
    }, () -> { });
  }

  /** {@code top.csv} through Jackson, so that a variant written with commas (e.g. "Y5G,A7C") stays one field. */
  private static void writeTop(OutputFolder out, List<Row> top) {
    CsvSchema schema = CsvSchema.builder().addColumn("rank").addColumn("index").addColumn("variant")
        .addColumn("num_mutations").addColumn("score").addColumn("score_label_units").addColumn("score_sd")
        .addColumn("score_sd_label_units").build().withHeader();
    List<List<Object>> rows = new ArrayList<>();
    for (Row r : top) {
      rows.add(Arrays.asList(rows.size() + 1, r.getLong(0), r.getString(1), r.getInt(3), r.getDouble(4),
          r.isNullAt(5) ? null : r.getDouble(5), r.isNullAt(7) ? null : r.getDouble(7),
          r.isNullAt(8) ? null : r.getDouble(8)));
    }
    try {
      writeText(out, "top.csv", new CsvMapper().writer(schema).writeValueAsString(rows));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@value #SUGGESTIONS_CSV}: the scored variants in decreasing UCB (label units; ties by index) streamed to the
   * driver only as far as the picks need, through {@link UcbSuggester}. Columns: rank (1..N; empty for a candidate
   * passed over), index, variant, mean, sd, ucb, picked, reason.
   */
  private void writeSuggestions(OutputFolder out, Dataset<Row> scores) {
    UcbSuggester rule = new UcbSuggester(suggest.beta(), suggest.perSite());
    Dataset<Row> ranked = scores.filter(col("score_sd_label_units").isNotNull().and(col("score_label_units").isNotNull())
            .and(org.apache.spark.sql.functions.not(isnan(col("score_label_units")))))
        .withColumn("ucb", col("score_label_units").plus(col("score_sd_label_units").multiply(suggest.beta())))
        .orderBy(col("ucb").desc(), col("index").asc());
    Iterator<Row> rows = ranked.toLocalIterator();
    Iterator<UcbSuggester.Candidate> candidates = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public UcbSuggester.Candidate next() {
        Row r = rows.next();
        List<Row> muts = r.getList(2);
        List<String> tokens = new ArrayList<>();
        List<Integer> sites = new ArrayList<>();
        for (Row m : muts) {
          tokens.add(m.getString(1) + m.getInt(0) + m.getString(2));
          sites.add(m.getInt(0));
        }
        return new UcbSuggester.Candidate(r.getLong(0), r.getString(1), UcbSuggester.key(tokens), sites, r.getDouble(5),
            r.getDouble(8));
      }
    };
    List<UcbSuggester.Suggestion> all = rule.suggestSorted(candidates, suggest.labelledKeys(), suggest.n());
    CsvSchema schema = CsvSchema.builder().addColumn("rank").addColumn("index").addColumn("variant").addColumn("mean")
        .addColumn("sd").addColumn("ucb").addColumn("picked").addColumn("reason").build().withHeader();
    List<List<Object>> lines = new ArrayList<>();
    for (UcbSuggester.Suggestion s : all) {
      UcbSuggester.Candidate c = s.candidate();
      lines.add(Arrays.asList(s.picked() ? s.rank() : null, c.id(), c.variant(), c.mean(), c.sd(), s.ucb(), s.picked(),
          s.reason()));
    }
    long picked = all.stream().filter(UcbSuggester.Suggestion::picked).count();
    say.accept(String.format(Locale.ROOT, "suggestions: %d of %d asked (UCB = mean + %.3g·SD, at most %d per site), "
        + "%d candidates passed over listed; %s", picked, suggest.n(), suggest.beta(), suggest.perSite(), all.size() - picked,
        SUGGESTIONS_CSV));
    try {
      writeText(out, SUGGESTIONS_CSV, new CsvMapper().writer(schema).writeValueAsString(lines));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeSummary(OutputFolder out, Result r, String proteinId, String wildType, ScoreBackend model,
                                   Map<String, Object> provenance) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("job", "score");
    s.put("created", Instant.now().toString());
    s.put("protein_id", proteinId);
    s.put("wild_type_length", wildType.length());
    s.put("library", r.library());
    s.put("model_id", model.identity());
    s.put("model", model.describe());
    s.put("encoder", model.encoderDescription());
    s.put("score_scale", model.scale().description());
    s.put("predictive_sd", model.hasSd() ? "closed-form head posterior (score_sd, score_sd_label_units)" : "none");
    if (model.scale().hasLabelUnits()) {
      s.put("label_mean", model.scale().labelMean());
      s.put("label_sd", model.scale().labelSd());
    }
    s.put("input", r.input());
    s.put("scored", r.scored());
    s.put("rejected", r.rejected());
    s.put("rejected_by_reason", r.rejectedByReason());
    s.put("partitions", r.partitions());
    s.put("score_seconds", r.scoreSeconds());
    s.put("variants_per_second", r.variantsPerSecond());
    s.put("total_seconds", r.totalSeconds());
    s.put("provenance", provenance);
    try {
      String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(s);
      writeText(out, "summary.json", json + "\n");
      writeText(out, "_provenance.json", json + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Opens the output folder for the score job: refuses ({@link OutputRefusedException}) a folder that is not empty
   * and not a score output. Cheap; callers may call it early to refuse before any work.
   */
  public static OutputFolder open(String output, Configuration hadoop) {
    try {
      return OutputFolder.open(new Path(output).getFileSystem(hadoop), new Path(output), JOB, OutputFolder.newRunId(),
          LEGACY_FILES);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare output " + output + ": " + e.getMessage(), e);
    }
  }

  private static String staged(OutputFolder out, String child) {
    try {
      return new Path(out.staging(), child).toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stage output " + out.target() + ": " + e.getMessage(), e);
    }
  }

  private static void publish(OutputFolder out) {
    try {
      out.publish();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish output " + out.target() + ": " + e.getMessage(), e);
    }
  }

  private static void writeText(OutputFolder out, String name, String text) {
    try (FSDataOutputStream os = out.fs().create(new Path(staged(out, name)), false)) {
      os.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + name + ": " + e.getMessage(), e);
    }
  }

  /** For a file library: rows of {@code (index, text)} as an RDD, 1-based row numbers. */
  static JavaRDD<Row> indexRows(JavaRDD<String> texts) {
    return texts.zipWithIndex().map(t -> RowFactory.create(t._2() + 1, t._1()));
  }
}
