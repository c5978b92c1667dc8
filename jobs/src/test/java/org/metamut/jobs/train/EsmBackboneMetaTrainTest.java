package org.metamut.jobs.train;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.ModelKeys;
import org.metamut.jobs.esm.TinyCheckpoint;
import org.metamut.jobs.ingest.IngestJob;
import org.metamut.lib.mutation.Notation;
import org.metamut.jobs.score.ScoreJob;
import org.metamut.jobs.score.ScoreRequest;
import org.metamut.jobs.score.ScoreRun;
import org.metamut.jobs.testing.BundledData;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.esm.EsmBackbone;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.mutation.Mutation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code metamut.model.backbone = esm2} end to end on the bundled FireProt slice and the tiny checkpoint of
 * lib/src/test/resources/esm2-tiny (random weights: the plumbing is what is tested): meta-train (FOMAML, Spark local)
 * initialises θ from the checkpoint, trains it and writes a model file with the rotary spec and the ESM encoder, which
 * {@code evaluate} loads ({@code metamut.evaluate.models}) and evaluates, and {@code score --model} loads and scores with
 * the model's own direct predictions; the cross-key refusals are one line
 * naming the keys.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class EsmBackboneMetaTrainTest {

  private static String conf(Path out, String model) {
    return "metamut.run.output-dir = \"" + out + "\"\n"
        + "metamut.run.data-dir = \"" + BundledData.dir() + "\"\n"
        + "metamut.ingest.only = [fireprot]\n"
        + "metamut.episodes { support-size = 8, query-size = 8, per-task = 2,"
        + "  split { protocol = leave-one-protein-out, test-fraction = 0.3, val-fraction = 0.1 } }\n"
        + "metamut.esm.checkpoint = \"" + TinyCheckpoint.dir() + "\"\n"
        + "metamut.model { " + model + " }\n"
        + "metamut.train { algorithm = fomaml, outer-steps = 3, meta-batch-tasks = 2, inner.steps = 1,\n"
        + "  inner.learning-rate = 0.005, outer.learning-rate = 0.003, eval.every-steps = 3, eval.max-tasks = 2,\n"
        + "  checkpoint.every-steps = 3 }\n";
  }

  private static final String ESM = "backbone = esm2, encoder = esm, max-tokens = 32, pooling = sites, dtype = double";

  @Test
  void metaTrainFineTunesTheCheckpointAndScoreLoadsTheModel(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    MetamutConfig cfg = MetamutConfig.fromString(conf(tmp, ESM));
    new IngestJob(spark, cfg, line -> { }).run();
    List<String> said = new ArrayList<>();
    long start = System.nanoTime();
    MetaTrainJob.Result r = new MetaTrainJob(spark, TrainSettings.from(cfg), ModelKeys.factory(cfg), ModelKeys.encoder(cfg),
        said::add).renderedConfig(cfg.renderMetamut()).run();
    System.out.printf("ESM backbone meta-train: 3 FOMAML outer steps in %.1f s%n", (System.nanoTime() - start) / 1e9);
    assertEquals(3, r.lastStep());
    assertTrue(said.stream().anyMatch(l -> l.contains("initialised from ESM-2 checkpoint " + TinyCheckpoint.dir())),
        String.join("\n", said));

    Path modelFile = Path.of(r.modelDir().replaceFirst("^file:", ""), "model.mmut");
    assertTrue(Files.isRegularFile(modelFile), modelFile.toString());
    SavedModel saved = ModelFile.read(modelFile);
    assertEquals(ModelSpec.Positional.ROTARY, saved.spec().positional());
    assertEquals(33, saved.spec().vocabSize());
    assertEquals(new EncoderSpec(EncoderSpec.ESM, 32), saved.encoder());
    // the file names the weights it started from by their fingerprint (model info lists it)
    String fingerprint = org.metamut.lib.esm.EsmCheckpoint.open(TinyCheckpoint.dir()).fingerprint();
    assertTrue(saved.provenance().getOrDefault("meta-train.model", "").contains(fingerprint), saved.provenance().toString());
    // trained from the checkpoint's weights: close to them, but moved (the zero head and the backbone)
    double[] init = EsmBackbone.load(TinyCheckpoint.dir(), 32).theta();
    ParamLayout layout = ParamLayout.of(saved.spec());
    double movedBackbone = 0;
    for (int i = 0; i < layout.headRange().from(); i++) {
      movedBackbone = Math.max(movedBackbone, Math.abs(saved.theta()[i] - init[i]));
    }
    assertTrue(movedBackbone > 0 && movedBackbone < 0.1, "backbone moved by " + movedBackbone);
    assertTrue(Math.abs(saved.theta()[layout.get("head.W").offset()]) > 0, "the head left zero");

    // evaluate --model: the file is loaded (not meta-trained again) under the same metamut.model.* and evaluated
    MetamutConfig eval = MetamutConfig.fromString(conf(tmp, ESM) + "metamut.evaluate { shots = [4, 8], seeds = 1, "
        + "max-tasks = 2, max-query = 20, min-query = 8, pool-size = 60, methods = [fomaml], ablation.encoders = [],"
        + " bootstrap.resamples = 50, models { fomaml = \"" + modelFile + "\" } }\n");
    List<String> evalSaid = new ArrayList<>();
    org.metamut.jobs.eval.EvaluateJob.Result er = new org.metamut.jobs.eval.EvaluateJob(spark, eval, evalSaid::add).run();
    assertTrue(er.failures().isEmpty(), er.failures().toString());
    assertTrue(er.records().stream().anyMatch(x -> x.method().equals("fomaml")
        && Double.isFinite(x.metrics().get(org.metamut.lib.metrics.Metric.SPEARMAN))), er.records().toString());
    assertTrue(evalSaid.stream().anyMatch(l -> l.contains("θ from " + modelFile)), String.join("\n", evalSaid));

    // score --model: the meta-trained model's predictions, variant by variant
    String wt = "MQYKLILNGKTLKGETTTEAVDAATAEKVFKQYANDNGVDGEWTYDDATKTFTVTE";
    Path fasta = tmp.resolve("p.fasta");
    Files.writeString(fasta, ">p\n" + wt + "\n");
    ScoreRun run = new ScoreRun(spark, MetamutConfig.fromString("metamut.run.output-dir = \"" + tmp.resolve("score")
        + "\"\nmetamut.score.batch-size = 5\n"), line -> { });
    ScoreJob.Result s = run.run(new ScoreRequest("p", fasta.toString(), modelFile.toString(), false, null, null, null, null,
        ScoreRequest.Library.combinatorial("39:AG,40:W"), Notation.oneBased(), tmp.resolve("score/out").toString()));
    assertEquals(5, s.scored()); // V39A, V39G, D40W and the two doubles
    Map<String, Double> scores = new HashMap<>();
    for (Row row : spark.read().parquet(tmp.resolve("score/out/scores").toString()).select("variant", "score").collectAsList()) {
      scores.put(row.getString(0), row.getDouble(1));
    }
    try (FlatModel flat = saved.factory(true).create()) {
      for (List<Mutation> v : List.of(List.of(new Mutation(39, 'V', 'A')),
          List.of(new Mutation(39, 'V', 'G'), new Mutation(40, 'D', 'W')))) {
        var e = org.metamut.lib.encode.Encoder.of(saved.encoder()).encode(wt, v);
        double direct = flat.predict(saved.theta(), new TokenBatch(1, e.length(), e.ids(), e.flags(), null))[0];
        assertEquals(direct, scores.get(Notation.format(v)), 1e-9 + 1e-6 * Math.abs(direct), v.toString());
      }
    }
  }

  @Test
  void crossKeyProblemsAreOneLineConfigErrors(@TempDir Path tmp) {
    for (String[] c : new String[][] {
        {"backbone = esm2, encoder = separator", "metamut.model.encoder is separator"},
        {"backbone = esm2, encoder = esm, substitution-features = true", "metamut.model.substitution-features = true"},
        {"backbone = esm2, encoder = esm, substitution-context = true", "metamut.model.substitution-context = true"},
        {"backbone = esm2, encoder = esm, use-flags = true", "metamut.model.use-flags = true"},
        {"encoder = esm", "only the ESM-2 backbone reads"},
        {"backbone = esm2, encoder = esm, max-tokens = 2000", "max_position_embeddings"}}) {
      MetamutConfig cfg = MetamutConfig.fromString(conf(tmp, c[0]));
      MetamutConfig.InvalidConfigException e = assertThrows(MetamutConfig.InvalidConfigException.class,
          () -> ModelKeys.factory(cfg), c[0]);
      // one reason, on one line, under the exception's "invalid configuration:" header
      assertTrue(e.getMessage().contains(c[1]) && e.getMessage().strip().lines().count() == 2, c[0] + ": " + e.getMessage());
    }
    MetamutConfig none = MetamutConfig.fromString(conf(tmp, ESM) + "metamut.esm.checkpoint = \"\"\n");
    MetamutConfig.InvalidConfigException e = assertThrows(MetamutConfig.InvalidConfigException.class,
        () -> ModelKeys.factory(none));
    assertTrue(e.getMessage().contains("metamut.esm.checkpoint is empty"), e.getMessage());
  }
}
