package org.metamut.jobs.eval;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.ingest.IngestJob;
import org.metamut.jobs.testing.BundledData;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.esm.Esm2Model;
import org.metamut.lib.metrics.Metric;
import org.metamut.lib.report.ResultRecord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * evaluate with the ESM-2 methods end to end on the bundled FireProt slice and the tiny checkpoint of
 * lib/src/test/resources/esm2-tiny (random weights: the scores are meaningless, the plumbing is what is tested):
 * esm-zero-shot and ridge-esm produce rows on the same runs as ridge-onehot, the checkpoint's fingerprint reaches the
 * report, and a missing checkpoint is refused before anything runs.
 */
class EsmEvaluateTest {

  static Path tinyCheckpoint() {
    Path p = BundledData.dir().getParent().getParent();
    return p.resolve("lib/src/test/resources/esm2-tiny");
  }

  private static String conf(Path tmp, String checkpoint) {
    return "metamut.run.output-dir = \"" + tmp + "\"\n"
        + "metamut.run.data-dir = \"" + BundledData.dir() + "\"\n"
        + "metamut.ingest.only = [fireprot]\n"
        + "metamut.episodes { support-size = 8, query-size = 8, per-task = 2,"
        + "  split { protocol = leave-one-protein-out, test-fraction = 0.3, val-fraction = 0.1 } }\n"
        + "metamut.esm.checkpoint = \"" + checkpoint + "\"\n"
        + "metamut.evaluate { shots = [4, 8], seeds = 2, max-tasks = 2, max-query = 20, min-query = 8, pool-size = 60,\n"
        + "  methods = [esm-zero-shot, ridge-esm, ridge-onehot], ablation.encoders = [], bootstrap.resamples = 50 }\n";
  }

  @Test
  void zeroShotAndRidgeEsmRunEndToEnd(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    MetamutConfig cfg = MetamutConfig.fromString(conf(tmp, tinyCheckpoint().toString()));
    new IngestJob(spark, cfg, line -> { }).run();
    EvaluateJob.Result r = new EvaluateJob(spark, cfg, line -> { }).run();
    assertTrue(r.failures().isEmpty(), r.failures().toString());
    Set<String> methods = r.records().stream().map(ResultRecord::method).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(List.of("esm-zero-shot", "ridge-esm", "ridge-onehot")), methods);
    Set<String> runs = runs(r, "ridge-onehot");
    assertFalse(runs.isEmpty());
    assertEquals(runs, runs(r, "esm-zero-shot"));
    assertEquals(runs, runs(r, "ridge-esm"));
    String json = Files.readString(r.reportDir().resolve("results.json"));
    assertTrue(json.contains("\"esm-checkpoint\" : \"sha256:"), "fingerprint in the report");
    assertTrue(json.contains("metamut.esm.checkpoint"), "config in the report");

    ResultRecord any = r.records().stream().filter(x -> x.method().equals("esm-zero-shot")).findFirst().orElseThrow();
    assertTrue(Double.isFinite(any.metrics().get(Metric.SPEARMAN)), any.toString());
  }

  @Test
  void aMissingCheckpointIsAConfigErrorBeforeAnyRun(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    MetamutConfig cfg = MetamutConfig.fromString(conf(tmp, "")); // no ingest: refused before any data is read
    MetamutConfig.InvalidConfigException e = assertThrows(MetamutConfig.InvalidConfigException.class,
        () -> new EvaluateJob(spark, cfg, line -> { }).run());
    assertTrue(e.getMessage().contains("metamut.esm.checkpoint is empty but the methods [esm-zero-shot, ridge-esm]"),
        e.getMessage());
    MetamutConfig bad = MetamutConfig.fromString(conf(tmp, tmp.resolve("nowhere").toString()));
    e = assertThrows(MetamutConfig.InvalidConfigException.class, () -> new EvaluateJob(spark, bad, line -> { }).run());
    assertTrue(e.getMessage().contains("metamut.esm.checkpoint = \"" + tmp.resolve("nowhere") + "\"")
        && e.getMessage().contains("not a directory"), e.getMessage());
  }

  @Test
  void aSecondEvaluateReadsTheFeatureCacheRunsNoForwardPassAndGivesTheSameResults(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    MetamutConfig cfg = MetamutConfig.fromString(conf(tmp, tinyCheckpoint().toString()));
    new IngestJob(spark, cfg, line -> { }).run();
    EvaluateJob first = new EvaluateJob(spark, cfg, line -> { });
    EvaluateJob.Result r1 = first.run();
    assertTrue(r1.failures().isEmpty(), r1.failures().toString());
    assertTrue(first.lastEsmCache.computed() > 0, "computed on the first run");
    assertTrue(first.lastEsmCache.folder().startsWith(tmp.resolve("esm-features") + "/sha256-"),
        first.lastEsmCache.folder()); // default: under metamut.run.output-dir
    assertTrue(Files.isRegularFile(Path.of(first.lastEsmCache.folder(), "_cache.json")));

    long passes = Esm2Model.forwardPasses();
    List<String> said = new java.util.ArrayList<>();
    EvaluateJob second = new EvaluateJob(spark, cfg, said::add);
    EvaluateJob.Result r2 = second.run();
    assertEquals(0, second.lastEsmCache.computed());
    assertEquals(second.lastEsmCache.requested(), second.lastEsmCache.hits());
    assertEquals(passes, Esm2Model.forwardPasses(), "esm-zero-shot and ridge-esm read every value from the cache");
    assertEquals(metrics(r1), metrics(r2));
    assertTrue(said.stream().anyMatch(l -> l.startsWith("ESM features of ") && l.contains(" computed; cache ")), said.toString());

    // the cache off: no cache object, the same results
    MetamutConfig off = MetamutConfig.fromString(conf(tmp, tinyCheckpoint().toString())
        + "metamut.esm.feature-cache = none\n");
    EvaluateJob third = new EvaluateJob(spark, off, line -> { });
    EvaluateJob.Result r3 = third.run();
    assertEquals(null, third.lastEsmCache);
    assertEquals(metrics(r1), metrics(r3));
  }

  @Test
  void aClosedFormHeadWithEsmFeaturesRunsFromTheCacheAndTheFeaturesMoveItsResults(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    String conf = BundledData.evaluationSlice(tmp)
        + "metamut.model { layers = 1, d-model = 16, heads = 2, ff-dim = 32, max-tokens = 24, pooling = sites,"
        + "  substitution-features = true }\n"
        + "metamut.train { meta-batch-tasks = 2, inner.steps = 1 }\n"
        + "metamut.esm.checkpoint = \"" + tinyCheckpoint() + "\"\n"
        + "metamut.evaluate { shots = [8, 16], seeds = 2, max-tasks = 2, pool-size = 60, train.outer-steps = 2,"
        + "  bootstrap.resamples = 50, methods = [cf-head, ridge-onehot], ablation.encoders = [] }\n";
    MetamutConfig off = MetamutConfig.fromString(conf);
    new IngestJob(spark, off, line -> { }).run();
    EvaluateJob.Result r0 = new EvaluateJob(spark, off, line -> { }).run();
    assertTrue(r0.failures().isEmpty(), r0.failures().toString());
    Path trained = Files.walk(tmp).filter(p -> p.getFileName().toString().equals("model.mmut")).findFirst().orElseThrow();
    Path model = Files.copy(trained, tmp.resolve("cf-head.mmut")); // the next runs replace the report and its training
    // the same θ with and without the block: the difference is the block's
    String withModel = "metamut.evaluate.models { cf-head = \"" + model + "\" }\n";
    MetamutConfig on = MetamutConfig.fromString(conf + withModel + "metamut.esm.head-features = true\n");
    List<String> said = new java.util.ArrayList<>();
    EvaluateJob first = new EvaluateJob(spark, on, said::add);
    EvaluateJob.Result r1 = first.run();
    assertTrue(r1.failures().isEmpty(), r1.failures().toString());
    assertTrue(first.lastEsmCache != null && first.lastEsmCache.computed() > 0, "the features went through the cache");
    assertEquals(runs(r0, "cf-head"), runs(r1, "cf-head"));
    assertTrue(said.stream().anyMatch(l -> l.contains("ESM-2 features block on (checkpoint sha256:")), String.join("\n", said));
    EvaluateJob.Result rOff = new EvaluateJob(spark, MetamutConfig.fromString(conf + withModel), line -> { }).run();
    Map<String, List<Double>> cfOff = metrics(rOff, "cf-head");
    Map<String, List<Double>> cfOn = metrics(r1, "cf-head");
    assertEquals(cfOff.keySet(), cfOn.keySet());
    assertTrue(!cfOff.equals(cfOn), "the ESM-2 block changed no cf-head result");
    assertEquals(metrics(rOff, "ridge-onehot"), metrics(r1, "ridge-onehot"), "other methods are unchanged");

    // a second run reads every feature from the cache: no forward pass, the same results
    long passes = Esm2Model.forwardPasses();
    EvaluateJob second = new EvaluateJob(spark, on, line -> { });
    EvaluateJob.Result r2 = second.run();
    assertEquals(0, second.lastEsmCache.computed());
    assertEquals(passes, Esm2Model.forwardPasses(), "cf-head read its ESM-2 features from the cache");
    assertEquals(cfOn, metrics(r2, "cf-head"));

    // on, but no method takes the features: none are computed
    EvaluateJob ridgeOnly = new EvaluateJob(spark, MetamutConfig.fromString(conf.replace("methods = [cf-head, ridge-onehot]",
        "methods = [ridge-onehot]") + "metamut.esm.head-features = true\n"), line -> { });
    assertTrue(ridgeOnly.run().failures().isEmpty());
    assertEquals(null, ridgeOnly.lastEsmCache);

    // on without a checkpoint: refused before anything runs, naming both keys
    MetamutConfig none = MetamutConfig.fromString(conf.replace("metamut.esm.checkpoint = \"" + tinyCheckpoint() + "\"",
        "metamut.esm.checkpoint = \"\"") + "metamut.esm.head-features = true\n");
    MetamutConfig.InvalidConfigException e = assertThrows(MetamutConfig.InvalidConfigException.class,
        () -> new EvaluateJob(spark, none, line -> { }).run());
    assertTrue(e.getMessage().contains("metamut.esm.head-features = true but metamut.esm.checkpoint is empty"),
        e.getMessage());
  }

  private static Map<String, List<Double>> metrics(EvaluateJob.Result r, String method) {
    Map<String, List<Double>> m = new TreeMap<>();
    for (ResultRecord x : r.records()) {
      if (x.method().equals(method)) {
        m.put(x.task() + "|" + x.k() + "|" + x.seed(), List.of(x.metrics().get(Metric.SPEARMAN), x.metrics().get(Metric.RMSE)));
      }
    }
    assertFalse(m.isEmpty(), method);
    return m;
  }

  @Test
  void aFeatureCacheThatIsAFileIsAConfigError(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("cache.txt"), "not a folder");
    MetamutConfig cfg = MetamutConfig.fromString(conf(tmp, tinyCheckpoint().toString())
        + "metamut.esm.feature-cache = \"" + file + "\"\n");
    MetamutConfig.InvalidConfigException e = assertThrows(MetamutConfig.InvalidConfigException.class,
        () -> new EvaluateJob(LocalSpark.get(), cfg, line -> { }).run());
    assertTrue(e.getMessage().contains("metamut.esm.feature-cache = \"" + file + "\": " + file + " is a file"),
        e.getMessage());
    assertThrows(MetamutConfig.InvalidConfigException.class, () -> MetamutConfig.fromString(conf(tmp, "")
        + "metamut.esm.feature-cache = \" padded \"\n"));
  }

  /** task|k|seed|method → Spearman and RMSE of the ESM methods. */
  private static Map<String, List<Double>> metrics(EvaluateJob.Result r) {
    Map<String, List<Double>> m = new TreeMap<>();
    for (ResultRecord x : r.records()) {
      if (x.method().contains("esm")) {
        m.put(x.task() + "|" + x.k() + "|" + x.seed() + "|" + x.method(),
            List.of(x.metrics().get(Metric.SPEARMAN), x.metrics().get(Metric.RMSE)));
      }
    }
    assertFalse(m.isEmpty());
    return m;
  }

  private static Set<String> runs(EvaluateJob.Result r, String method) {
    return r.records().stream().filter(x -> x.method().equals(method)).map(x -> x.task() + "|" + x.k() + "|" + x.seed())
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
