package org.metamut.jobs.score;

import org.metamut.lib.model.TransformerFactory;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.ModelKeys;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.config.ScoreKeys;
import org.metamut.jobs.data.Proteins;
import org.metamut.lib.library.CombinatorialLibrary;
import org.metamut.lib.library.RandomMutants;
import org.metamut.lib.library.SingleSubstitutions;
import org.metamut.lib.library.VariantLibrary;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.adapt.AdaptedModel;
import org.metamut.lib.adapt.Adapter;
import org.metamut.jobs.config.AdaptKeys;
import org.metamut.jobs.config.EsmKeys;
import org.metamut.lib.baseline.Featurizer;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.esm.EsmBaselines;
import org.metamut.lib.esm.EsmCheckpoint;
import org.metamut.jobs.esm.EsmFeatureCache;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.suggest.UcbSuggester;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The driver side of {@code metamut score}: protein, model (adapting it if asked), library, then {@link ScoreJob};
 * or, with {@code --esm-zero-shot} ({@link #runEsmZeroShot}), protein, ESM-2 checkpoint, library, then the same job.
 */
public final class ScoreRun {
  private final SparkSession spark;
  private final MetamutConfig config;
  private final Consumer<String> say;
  /** The labelled variants of the last {@link #adapt}, as {@link UcbSuggester#key}s: never suggested. */
  private final Set<String> labelledKeys = new HashSet<>();

  public ScoreRun(SparkSession spark, MetamutConfig config, Consumer<String> say) {
    this.spark = spark;
    this.config = config;
    this.say = say;
  }

  public static ScoreJob.Settings settings(MetamutConfig c) {
    return new ScoreJob.Settings(c.get(ScoreKeys.BATCH_SIZE), c.get(ScoreKeys.TOP_N), c.get(ScoreKeys.PARTITIONS),
        c.get(ScoreKeys.VARIANTS_PER_PARTITION), c.get(RunKeys.PROGRESS_INTERVAL_MS));
  }

  public ScoreJob.Result run(ScoreRequest req) {
    ScoreJob.open(req.output(), spark.sparkContext().hadoopConfiguration()); // refuses a foreign folder before any work
    if (req.suggest() > 0 && req.labelled() == null) {
      throw new IllegalArgumentException("--suggest needs --labelled: suggestions come from a model adapted here, and "
          + "the labelled variants are the ones never to suggest");
    }
    EsmKeys.headFeatures(config); // on without a usable checkpoint fails now, before any work
    Proteins.Protein protein = req.fasta() != null
        ? Proteins.fromFasta(spark.sparkContext().hadoopConfiguration(), req.fasta(), req.proteinId())
        : Proteins.fromTable(spark, config.get(RunKeys.OUTPUT_DIR) + "/proteins", req.proteinId());
    say.accept("protein " + protein.id() + " (" + protein.sequence().length() + " residues)");
    List<ScoreModel> models = loadModels(req);
    if (config.get(EsmKeys.HEAD_FEATURES) && req.labelled() == null) {
      say.accept("note: " + EsmKeys.HEAD_FEATURES.path() + " is on but nothing is adapted here (no --labelled): the "
          + "ESM-2 features are a closed-form head's per-task block, so they are not used");
    }
    if (models.size() > 1) {
      return runEnsemble(req, protein, models);
    }
    ScoreModel model = models.get(0);
    if (req.labelled() != null) {
      model = adapt(model, protein, req);
      if (req.saveAdapted() != null) {
        try {
          model.write(req.saveAdapted(), spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot save the adapted model to " + req.saveAdapted() + ": " + e.getMessage(), e);
        }
        say.accept("adapted model saved to " + req.saveAdapted() + " (" + model.identity() + "); reuse it with --model");
      }
    } else if (req.saveAdapted() != null) {
      throw new IllegalArgumentException("--save-adapted needs --labelled: there is nothing adapted to save");
    } else if (!"adapted".equals(model.kind())) {
      say.accept("note: scoring with a " + model.kind() + " model, not adapted to " + protein.id()
          + " (give --labelled to adapt): " + model.scale().description());
    }
    Map<String, Object> prov = new LinkedHashMap<>();
    prov.put("model_provenance", model.provenance());
    return score(req, protein, model.scoringModel(), model.theta(), prov);
  }

  /**
   * {@code score --model A,B,C}: a deep ensemble. Each member is adapted on the labelled variants as a single model
   * would be (its own recipe, site block and posterior), then every variant is scored by all of them
   * ({@link EnsembleScoring}: mean score, mixture SD). An adapted ensemble is not saved: each member's adaptation is
   * cheap to redo, and a model file holds one model.
   */
  private ScoreJob.Result runEnsemble(ScoreRequest req, Proteins.Protein protein, List<ScoreModel> models) {
    if (req.saveAdapted() != null) {
      throw new IllegalArgumentException("--save-adapted holds one model, and --model " + req.model() + " is an "
          + "ensemble of " + models.size() + ": score with --model and --labelled each time");
    }
    List<ScoreModel> members = new ArrayList<>();
    if (req.labelled() == null) {
      members.addAll(models);
    } else { // the labels and the ESM-2 features once, then each member adapted on them
      EnsembleScoring.requireAlikeEncoders(models);
      Labelled labelled = readLabelled(protein, req, models.get(0).encoder());
      EsmHead esmHead = new EsmHead();
      for (ScoreModel m : models) {
        members.add(adapt(m, protein, req, labelled, esmHead));
      }
    }
    if (req.labelled() == null && members.stream().anyMatch(m -> !"adapted".equals(m.kind()))) {
      say.accept("note: scoring with an ensemble not adapted to " + protein.id() + " (give --labelled to adapt every "
          + "member): " + members.get(0).scale().description());
    }
    EnsembleScoring ensemble = EnsembleScoring.of(members);
    say.accept("ensemble " + ensemble.identity() + " of " + members.size() + " members: mean score, SD of their mixture");
    Map<String, Object> prov = new LinkedHashMap<>();
    prov.put("model_provenance", members.stream().map(ScoreModel::provenance).toList());
    prov.put("ensemble_members", members.stream().map(ScoreModel::identity).toList());
    return score(req, protein, ensemble, EnsembleScoring.concatenate(members), prov);
  }

  /** The score job over the request's library with {@code backend}, then the report and the summary. */
  private ScoreJob.Result score(ScoreRequest req, Proteins.Protein protein, ScoreBackend backend, double[] theta,
                                Map<String, Object> prov) {
    prov.put("config", config.renderMetamut());
    ScoreJob job = new ScoreJob(spark, settings(config), say);
    if (req.suggest() > 0) {
      double beta = config.get(ScoreKeys.SUGGEST_BETA);
      job.suggest(new ScoreJob.Suggest(req.suggest(), req.perSite(), beta, labelledKeys));
      prov.put("suggest", Map.of("n", req.suggest(), "per_site", req.perSite(), "beta", beta));
    }
    ScoreRequest.Library lib = req.library();
    ScoreJob.Result r;
    if ("file".equals(lib.kind())) {
      var input = LibraryFiles.read(spark, lib.file(), lib.variantColumn());
      r = job.scoreFile(input, "file(" + lib.file() + ")", protein.sequence(), req.notation(), protein.id(), backend,
          theta, req.output(), prov);
    } else {
      r = job.scoreLibrary(generated(lib, protein.sequence()), protein.id(), backend, theta, req.output(), prov);
    }
    report(r, backend);
    summarise(r);
    return r;
  }

  /** The one line for {@code score --esm-zero-shot} without a checkpoint. */
  public static final String NO_CHECKPOINT = "--esm-zero-shot needs an ESM-2 checkpoint folder: give --checkpoint DIR "
      + "or set metamut.esm.checkpoint (see 'metamut model import-esm DIR')";

  /**
   * {@code score --esm-zero-shot}: scores the library with the ESM-2 masked-marginal zero-shot score of the checkpoint
   * in {@code checkpoint} (no model file, no labels, no SD), through the same job, passes and output files as
   * {@link #run}. A missing checkpoint, one that is not ESM-2, one without the LM head, or a wild type the checkpoint's
   * vocabulary cannot spell, is an {@link IllegalArgumentException} with a one-line message before any work.
   */
  public ScoreJob.Result runEsmZeroShot(ScoreRequest req, String checkpoint) {
    if (checkpoint == null || checkpoint.isBlank()) {
      throw new IllegalArgumentException(NO_CHECKPOINT);
    }
    if (req.model() != null || req.freshModel() || req.labelled() != null || req.saveAdapted() != null
        || req.suggest() > 0) {
      throw new IllegalArgumentException("--esm-zero-shot scores with the checkpoint alone: drop --model, --fresh-model, "
          + "--labelled, --save-adapted and --suggest");
    }
    ScoreJob.open(req.output(), spark.sparkContext().hadoopConfiguration()); // refuses a foreign folder before any work
    EsmZeroShotScoring esm = EsmZeroShotScoring.open(checkpoint);
    Proteins.Protein protein = req.fasta() != null
        ? Proteins.fromFasta(spark.sparkContext().hadoopConfiguration(), req.fasta(), req.proteinId())
        : Proteins.fromTable(spark, config.get(RunKeys.OUTPUT_DIR) + "/proteins", req.proteinId());
    try {
      esm.tokenizer().encode(protein.sequence());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("wild type of " + protein.id() + " cannot be scored by " + checkpoint + ": "
          + e.getMessage());
    }
    say.accept("protein " + protein.id() + " (" + protein.sequence().length() + " residues)");
    say.accept("ESM-2 checkpoint " + esm.checkpoint() + " (" + esm.summary() + "), " + esm.fingerprint());
    EsmFeatureCache.Result cached = esmCache(req, protein.sequence(), List.of(), esm.checkpoint(), esm.fingerprint(),
        true, false);
    if (cached != null) {
      esm = esm.withStore(cached.store());
    }
    Map<String, Object> prov = new LinkedHashMap<>();
    prov.put("esm_checkpoint", esm.checkpoint());
    prov.put("esm_fingerprint", esm.fingerprint());
    prov.put("config", config.renderMetamut());
    ScoreJob job = new ScoreJob(spark, settings(config), say);
    ScoreRequest.Library lib = req.library();
    ScoreJob.Result r;
    if ("file".equals(lib.kind())) {
      var input = LibraryFiles.read(spark, lib.file(), lib.variantColumn());
      r = job.scoreFile(input, "file(" + lib.file() + ")", protein.sequence(), req.notation(), protein.id(), esm,
          req.output(), prov);
    } else {
      r = job.scoreLibrary(generated(lib, protein.sequence()), protein.id(), esm, req.output(), prov);
    }
    report(r, esm);
    summarise(r);
    return r;
  }

  /** Libraries larger than this are scored without the ESM feature cache (its values are held on the driver). */
  static final long CACHE_MAX_VARIANTS = 2_000_000;

  /** What the ESM feature cache did in the last run (null: not used); for tests. */
  EsmFeatureCache.Result lastEsmCache;

  /**
   * The ESM-2 values of {@code extra} and of the request's library, through the Parquet feature cache evaluate uses
   * ({@code metamut.esm.feature-cache}): stored ones read, the others computed across executors and added; null when
   * the cache is off or the library is larger than {@link #CACHE_MAX_VARIANTS}.
   *
   * @param embeddings false: only the zero-shot score is needed ({@link EsmFeatureCache#resolve(String, String, String,
   *                   boolean, java.util.Collection, boolean)})
   */
  private EsmFeatureCache.Result esmCache(ScoreRequest req, String wildType, List<Variant> extra, String checkpointDir,
                                          String fingerprint, boolean lmHead, boolean embeddings) {
    Optional<String> root = EsmKeys.featureCache(config);
    if (root.isEmpty()) {
      return null;
    }
    ScoreRequest.Library lib = req.library();
    List<Variant> variants = new ArrayList<>(extra);
    if ("file".equals(lib.kind())) {
      VariantParser parser = new VariantParser(wildType, req.notation());
      List<Row> rows = LibraryFiles.read(spark, lib.file(), lib.variantColumn()).collectAsList();
      if (rows.size() > CACHE_MAX_VARIANTS) {
        say.accept("note: " + rows.size() + " library rows, more than " + CACHE_MAX_VARIANTS + ": scored without the ESM "
            + "feature cache");
        return null;
      }
      for (Row r : rows) {
        Candidate c = parser.parse(r.getLong(0), r.isNullAt(1) ? null : r.getString(1));
        if (c.isValid()) {
          variants.add(new Variant(wildType, c.mutations()));
        }
      }
    } else {
      VariantLibrary l = generated(lib, wildType);
      if (l.size() > CACHE_MAX_VARIANTS) {
        say.accept("note: " + l.describe() + " is larger than " + CACHE_MAX_VARIANTS + " variants: scored without the "
            + "ESM feature cache");
        return null;
      }
      for (long i = 0; i < l.size(); i++) {
        variants.add(new Variant(wildType, l.get(i)));
      }
    }
    lastEsmCache = new EsmFeatureCache(spark, say).resolve(root.get(), checkpointDir, fingerprint, lmHead, variants,
        embeddings);
    return lastEsmCache;
  }

  /** Quantiles of the score distribution {@link #summarise} prints. */
  static final double[] QUANTILES = {0.05, 0.25, 0.5, 0.75, 0.95};
  /** Top variants {@link #summarise} prints (top.csv has metamut.score.top-n). */
  static final int SUMMARY_TOP = 5;

  /**
   * The closing summary: the best variants, the score distribution (quantiles, on the scores' scale) and where the
   * files are, so a user sees what the scores say without opening them.
   */
  void summarise(ScoreJob.Result r) {
    if (r.scored() == 0) {
      say.accept("summary: nothing was scored; the reasons are in " + r.output() + "/rejected");
      return;
    }
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> scores = spark.read().parquet(r.output() + "/scores");
    List<String> top = new java.util.ArrayList<>();
    for (org.apache.spark.sql.Row row : scores.orderBy(org.apache.spark.sql.functions.desc("score"),
        org.apache.spark.sql.functions.asc("index")).select("variant", "score").limit(SUMMARY_TOP).collectAsList()) {
      top.add(String.format(Locale.ROOT, "%s %.3f", row.getString(0), row.getDouble(1)));
    }
    double[] q = scores.stat().approxQuantile("score", QUANTILES, 0.001);
    StringBuilder dist = new StringBuilder();
    for (int i = 0; i < q.length; i++) {
      dist.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%d%% %.3f", Math.round(QUANTILES[i] * 100), q[i]));
    }
    say.accept("summary: top " + top.size() + " of " + String.format(Locale.ROOT, "%,d", r.scored()) + " by score: "
        + String.join("; ", top));
    say.accept("summary: score quantiles " + dist + " (on the scale above)");
    say.accept("summary: every score in " + r.output() + "/scores (Parquet), the top variants in " + r.output()
        + "/top.csv, counts and the scale in " + r.output() + "/summary.json");
  }

  void report(ScoreJob.Result r, ScoreBackend sm) {
    say.accept(String.format(Locale.ROOT, "%,d variants: %,d scored, %,d rejected%s; %,.0f variants/s while scoring",
        r.input(), r.scored(), r.rejected(), r.rejectedByReason().isEmpty() ? "" : " " + r.rejectedByReason(),
        r.variantsPerSecond()));
    say.accept("scores are on this scale: " + sm.scale().description());
    say.accept("output: " + r.output() + " (scores/, rejected/, top.csv, summary.json)");
  }

  public static VariantLibrary generated(ScoreRequest.Library lib, String wildType) {
    return switch (lib.kind()) {
      case "singles" -> new SingleSubstitutions(wildType);
      case "combinatorial" -> new CombinatorialLibrary(wildType, CombinatorialLibrary.parseSites(lib.sites()));
      case "random" -> new RandomMutants(wildType, lib.k(), lib.n(), lib.seed());
      default -> throw new IllegalArgumentException("unknown library kind '" + lib.kind()
          + "' (singles, combinatorial, random, file)");
    };
  }

  /**
   * The model of {@code --model}, or the members of an ensemble given as comma-separated files (a path that exists
   * as written is one file, commas and all).
   */
  List<ScoreModel> loadModels(ScoreRequest req) {
    if (req.model() == null || !req.model().contains(",") || java.nio.file.Files.exists(Path.of(req.model()))) {
      return List.of(loadModel(req));
    }
    List<ScoreModel> members = new ArrayList<>();
    for (String file : req.model().split(",")) {
      if (file.isBlank()) {
        throw new IllegalArgumentException("--model " + req.model() + ": an empty file name in the comma-separated list");
      }
      members.add(read(file.trim()));
    }
    return members;
  }

  private ScoreModel read(String file) {
    try {
      ScoreModel m = ScoreModel.read(Path.of(file));
      say.accept("model " + file + ": " + m.identity() + ", " + m.spec().summary());
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model " + file + ": " + e.getMessage(), e);
    }
  }

  ScoreModel loadModel(ScoreRequest req) {
    if (req.model() != null) {
      return read(req.model());
    }
    if (!req.freshModel()) {
      throw new IllegalArgumentException("no model: give --model FILE (or --fresh-model for a freshly initialised one)");
    }
    return freshModel(ModelKeys.factory(config), ModelKeys.encoder(config), AdaptKeys.freshRecipe(config),
        config.get(RunKeys.SEED));
  }

  /** A freshly initialised model of the given architecture (e.g. {@code metamut.model.*}) with the fine-tune recipe. */
  public static ScoreModel freshModel(ModelSpec spec, EncoderSpec encoder, AdaptationRecipe recipe, long seed) {
    return freshModel(new org.metamut.lib.model.TransformerFactory(spec, false), encoder, recipe, seed);
  }

  /**
   * The factory's initial model (the §6 initialisation from {@code seed}, or a pretrained backbone's weights, e.g. an
   * ESM-2 checkpoint's with a zero head) with the fine-tune recipe.
   */
  public static ScoreModel freshModel(org.metamut.lib.model.TransformerFactory factory, EncoderSpec encoder,
                                      AdaptationRecipe recipe, long seed) {
    double[] theta = factory.initialTheta(seed);
    String origin = factory.init() == null ? "freshly initialised (seed " + seed + "), not meta-trained"
        : factory.init().describe() + " with a zero head, not meta-trained";
    return ScoreModel.of("initial", new SavedModel(factory.spec(), encoder, Normalisation.none(), recipe,
        Map.of("origin", origin, "seed", Long.toString(seed)), theta, null));
  }

  /**
   * The labelled variants of a request, read, parsed and encoded once: every member of an ensemble adapts on them.
   *
   * @param variants the support variants, for their ESM-2 features
   * @param rejected rejection counts by reason, for the adapted model's provenance
   */
  private record Labelled(List<EncodedVariant> ids, List<Variant> variants, double[] y, Map<String, Integer> rejected) {
  }

  /**
   * What ESM-2 head features need ({@code metamut.esm.head-features}), worked out once per run: the checkpoint, its
   * fingerprint (which hashes the weights) and, when a closed-form head first asks for them, the features of the
   * support and the library through the feature cache. Null fields when the key is off.
   */
  private final class EsmHead {
    final EsmCheckpoint checkpoint;
    final String fingerprint;
    private Featurizer features;

    EsmHead() {
      checkpoint = EsmKeys.headFeatures(config).orElse(null);
      fingerprint = checkpoint == null ? null : checkpoint.fingerprint();
    }

    boolean on() {
      return checkpoint != null;
    }

    /** The support's and the library's features: the cache's, the rest computed (resolved on the first call). */
    Featurizer features(ScoreRequest req, String wildType, List<Variant> support) {
      if (features == null) {
        String dir = config.get(EsmKeys.CHECKPOINT);
        EsmFeatureCache.Result cached = esmCache(req, wildType, support, dir, fingerprint, checkpoint.hasLmHead(), true);
        features = EsmBaselines.features(dir, cached == null ? null : cached.store());
      }
      return features;
    }
  }

  /**
   * Reads the request's labelled variants, encodes them with {@code enc}, says how many were not usable and why, and
   * refuses fewer than {@code metamut.score.adapt.min-labelled}; records them as never to suggest.
   */
  private Labelled readLabelled(Proteins.Protein protein, ScoreRequest req, VariantEncoder enc) {
    List<Row> rows = LibraryFiles.readLabelled(spark, req.labelled(), req.labelledVariantColumn(), req.labelColumn())
        .collectAsList(); // a few labelled variants: small by definition
    VariantParser parser = new VariantParser(protein.sequence(), req.notation());
    org.metamut.lib.encode.Encoder encoder = enc.encoder();
    List<EncodedVariant> ids = new ArrayList<>();
    List<Variant> supportVariants = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    Map<String, Integer> rejected = new TreeMap<>();
    String firstProblem = null;
    long row = 0;
    for (Row r : rows) {
      row++;
      Candidate c = parser.parse(row, r.isNullAt(0) ? null : r.getString(0));
      String reason = c.reason();
      String msg = c.message();
      if (c.isValid() && (r.isNullAt(1) || !Double.isFinite(r.getDouble(1)))) {
        reason = "BAD_LABEL";
        msg = "label is missing or not a number";
      }
      if (reason == null) {
        try {
          ids.add(VariantEncoder.encode(encoder, protein.sequence(), c.mutations()));
          supportVariants.add(new Variant(protein.sequence(), c.mutations()));
          ys.add(r.getDouble(1));
          labelledKeys.add(UcbSuggester.key(c.mutations().stream().map(Object::toString).toList()));
          continue;
        } catch (VariantEncoder.Unencodable e) {
          reason = e.reason();
          msg = e.getMessage();
        }
      }
      rejected.merge(reason, 1, Integer::sum);
      if (firstProblem == null) {
        firstProblem = req.labelled() + " row " + row + ": " + msg;
      }
    }
    if (!rejected.isEmpty()) {
      say.accept("labelled variants: " + rejected.values().stream().mapToInt(Integer::intValue).sum() + " of " + rows.size()
          + " not usable " + rejected + "; first: " + firstProblem);
    }
    int min = config.get(ScoreKeys.ADAPT_MIN_LABELLED);
    if (ids.size() < min) {
      throw new IllegalArgumentException("only " + ids.size() + " usable labelled variants in " + req.labelled()
          + ", at least " + min + " needed (metamut.score.adapt.min-labelled)");
    }
    return new Labelled(ids, supportVariants, ys.stream().mapToDouble(Double::doubleValue).toArray(), rejected);
  }

  /**
   * Adapts {@code base} on the labelled variants of the request through the adaptation contract ({@link Adapter}):
   * the model's own recipe unless {@code metamut.adapt.*} overrides it.
   */
  ScoreModel adapt(ScoreModel base, Proteins.Protein protein, ScoreRequest req) {
    return adapt(base, protein, req, readLabelled(protein, req, base.encoder()), new EsmHead());
  }

  private ScoreModel adapt(ScoreModel base, Proteins.Protein protein, ScoreRequest req, Labelled labelled,
                           EsmHead esmHead) {
    VariantEncoder enc = base.encoder();
    Adapter adapter = Adapter.of(base.saved()).override(config.get(AdaptKeys.STEPS), config.get(AdaptKeys.LEARNING_RATE))
        .overrideSites(AdaptKeys.siteBlock(config))
        .overrideEsm(esmHead.on() && req.saveAdapted() == null, esmHead.fingerprint);
    if (esmHead.on() && adapter.recipe().solver() != AdaptationRecipe.Solver.CLOSED_FORM) {
      say.accept("note: " + EsmKeys.HEAD_FEATURES.path() + " is on but " + base.identity() + " adapts by SGD ("
          + adapter.recipe().describe() + "): only a closed-form head takes ESM-2 features, so they are not used");
    } else if (esmHead.on() && req.saveAdapted() != null) {
      say.accept("note: --save-adapted: the closed-form head's ESM-2 block is left out (a model file cannot hold its "
          + "weights), in this run's scores too; score with --labelled each time to keep it");
    }
    List<EncodedVariant> ids = new ArrayList<>(labelled.ids());
    double[] y = labelled.y();
    Featurizer esm = null;
    if (adapter.recipe().esmFeatures()) {
      esm = esmHead.features(req, protein.sequence(), labelled.variants());
      for (int i = 0; i < ids.size(); i++) {
        ids.set(i, ids.get(i).withEsm(esm.features(labelled.variants().get(i))));
      }
    }
    if (req.saveAdapted() != null && adapter.recipe().sites() == AdaptationRecipe.Sites.SUPPORT_LOO) {
      // a model file holds θ only: adapting with the per-task site block would score this run differently from every
      // later run with the saved model, so the saved model and this run's scores both go without it
      adapter = adapter.overrideSites(AdaptationRecipe.Sites.OFF);
      say.accept("note: --save-adapted: the closed-form head's per-task site block is left out (a model file cannot "
          + "hold its weights), in this run's scores too; score with --labelled each time to keep it");
    }
    AdaptedModel a;
    try (FlatModel m = base.saved().factory(false).create()) {
      a = adapter.adapt(m, ids, y, enc.maxLen());
    }
    if (a.diverged()) {
      throw new IllegalStateException("adaptation diverged at SGD step " + a.divergedAt() + " (" + a.recipe().describe()
          + "); lower metamut.adapt.learning-rate");
    }
    say.accept(String.format(Locale.ROOT, "adapted %s on %d labelled variants (%s): support MSE %.4f -> %.4f",
        base.identity(), ids.size(), a.recipe().describe(), a.lossBefore(), a.lossAfter()));
    if (!(a.lossAfter() < a.lossBefore())) {
      say.accept("warning: adaptation did not lower the support loss; check the recipe (metamut.adapt.*)");
    }
    Map<String, String> prov = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : base.provenance().entrySet()) {
      if (!e.getKey().startsWith("score.")) {
        prov.put("base." + e.getKey(), e.getValue());
      }
    }
    prov.put("score.base-model", base.identity());
    prov.put("score.protein-id", protein.id());
    prov.put("score.labelled-file", req.labelled());
    prov.put("score.labelled-used", Integer.toString(ids.size()));
    prov.put("score.labelled-rejected", labelled.rejected().toString());
    prov.put("score.label", req.labelColumn() != null ? req.labelColumn() : "label");
    prov.put("score.adaptation", a.recipe().describe());
    prov.put("score.support-mse-before", Double.toString(a.lossBefore()));
    prov.put("score.support-mse-after", Double.toString(a.lossAfter()));
    SavedModel b = base.saved();
    return ScoreModel.of("adapted", new SavedModel(b.spec(), b.encoder(),
        Normalisation.zScore(a.targets().mean(), a.targets().scale(), 1.0), b.recipe(), prov, a.theta(), b.innerRates()))
        .withHead(a.hasUncertainty() ? a.posterior() : null, a.sites()).withEsm(a.esm(), a.esm() == null ? null : esm);
  }
}
