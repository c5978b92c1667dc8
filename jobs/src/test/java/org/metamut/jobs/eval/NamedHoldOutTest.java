package org.metamut.jobs.eval;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.ingest.IngestJob;
import org.metamut.jobs.testing.BundledData;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.ModelInfo;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.metrics.Metric;
import org.metamut.lib.report.ResultRecord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code evaluate --tasks}: a task the split protocol put in meta-train is evaluated when named, its protein group
 * leaves meta-training (checked in the re-split episodes and in the provenance of the model meta-trained there), and a
 * given model that was meta-trained on that group is refused. Real Spark, the bundled FireProt and PON-Sol2 slice.
 */
class NamedHoldOutTest {

  @Test
  void aNamedMetaTrainTaskIsHeldOutWithItsProteinGroup(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    String conf = BundledData.evaluationSlice(tmp)
        + "metamut.model { layers = 1, d-model = 16, heads = 2, ff-dim = 32, max-tokens = 24 }\n"
        + "metamut.train { meta-batch-tasks = 2, inner.steps = 1 }\n"
        + "metamut.evaluate { methods = [cf-head, ridge-onehot], shots = [4], seeds = 1, max-query = 30, min-query = 8,\n"
        + "  pool-size = 120, train.outer-steps = 2, bootstrap.resamples = 50, ablation.encoders = [] }\n";
    MetamutConfig cfg = MetamutConfig.fromString(conf);
    new IngestJob(spark, cfg, line -> { }).run();

    // a single-protein meta-train task with enough variants, and its protein group
    Map<String, String> groupOf = new TreeMap<>();
    Map<String, Long> proteins = new TreeMap<>();
    for (Row r : spark.read().parquet(tmp.resolve("episodes").toString()).filter("split = 'meta-train'")
        .groupBy("task_id").agg(org.apache.spark.sql.functions.countDistinct("protein_id"),
            org.apache.spark.sql.functions.first("protein_group")).collectAsList()) {
      proteins.put(r.getString(0), r.getLong(1));
      groupOf.put(r.getString(0), r.getString(2));
    }
    String task = proteins.entrySet().stream().filter(e -> e.getValue() == 1).map(Map.Entry::getKey)
        .filter(t -> t.startsWith("fireprot/")).findFirst().orElseThrow();
    String group = groupOf.get(task);

    EvaluateJob.Result r = new EvaluateJob(spark, cfg, line -> System.out.println("[evaluate] " + line))
        .tasks(List.of(task)).run();
    assertEquals(List.of(task), r.tasks());
    assertFalse(r.records().isEmpty());
    for (ResultRecord rec : r.records()) {
      assertEquals(task, rec.task());
    }
    assertTrue(Files.readString(r.written().html()).contains(task), "the report names the held-out task");
    assertFalse(r.pretrainingTasks().contains(task));
    // nothing of its protein group is meta-train in the episodes the methods trained on
    long leaked = spark.read().parquet(r.reportDir().resolve("held-out/episodes").toString())
        .filter("split = 'meta-train'").filter(org.apache.spark.sql.functions.col("protein_group").equalTo(group)).count();
    assertEquals(0, leaked);
    // and the model meta-trained there records the groups it saw, without this one
    List<String> trained = ModelInfo.read(r.reportDir().resolve("training/cf-head/model/model.mmut"))
        .trainedProteinGroups();
    assertFalse(trained.isEmpty());
    assertFalse(trained.contains(group), trained.toString());
    // kept for the ensemble runs below (each evaluate run replaces its output folder)
    String model = Files.copy(r.reportDir().resolve("training/cf-head/model/model.mmut"), tmp.resolve("trained.mmut"))
        .toString();

    // a given model meta-trained on that group is refused, naming it
    ModelSpec spec = ModelSpec.reference(1, 16, 2, 32, 24);
    Path leaky = tmp.resolve("leaky.mmut");
    Files.write(leaky, ModelFile.toBytes(new SavedModel(spec, EncoderSpec.separator(24), Normalisation.none(),
        AdaptationRecipe.fineTune("cf-head", 1, 0.01), Map.of(ModelInfo.PROTEIN_GROUPS, "zzz," + group),
        ParamLayout.of(spec).initialise(1), null)));
    HeldOutTasks.LeakException e = assertThrows(HeldOutTasks.LeakException.class, () ->
        new EvaluateJob(spark, cfg, line -> { }).models(Map.of("cf-head", leaky.toString())).tasks(List.of(task)).run());
    assertTrue(e.getMessage().contains("meta-trained on protein group(s) [" + group + "]"), e.getMessage());
    // so is an ensemble with that model among its members
    HeldOutTasks.LeakException inEnsemble = assertThrows(HeldOutTasks.LeakException.class, () ->
        new EvaluateJob(spark, cfg, line -> { }).models(Map.of("cf-head", model + "," + leaky)).tasks(List.of(task)).run());
    assertTrue(inEnsemble.getMessage().contains(leaky.toString()), inEnsemble.getMessage());
    // an ensemble of one model twice (comma-separated paths) predicts what the model alone does
    MetamutConfig cfOnly = cfg.withOverrides("metamut.evaluate.methods = [cf-head]\n");
    List<ResultRecord> single = new EvaluateJob(spark, cfOnly, line -> { }).models(Map.of("cf-head", model))
        .tasks(List.of(task)).run().records();
    List<String> said = new ArrayList<>();
    List<ResultRecord> twice = new EvaluateJob(spark, cfOnly, said::add).models(Map.of("cf-head", model + ", " + model))
        .tasks(List.of(task)).run().records();
    assertTrue(said.stream().anyMatch(l -> l.startsWith("cf-head: an ensemble of 2 models")), said.toString());
    assertEquals(single.size(), twice.size());
    for (int i = 0; i < single.size(); i++) {
      assertEquals(single.get(i).seed(), twice.get(i).seed());
      assertEquals(single.get(i).metrics().get(Metric.SPEARMAN), twice.get(i).metrics().get(Metric.SPEARMAN), 1e-12);
      assertEquals(single.get(i).metrics().get(Metric.COVERAGE80), twice.get(i).metrics().get(Metric.COVERAGE80), 1e-12);
    }

    // a name that matches nothing is refused before any work
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () ->
        new EvaluateJob(spark, cfg, line -> { }).tasks(List.of("no-such-source/*")).run());
    assertTrue(none.getMessage().startsWith("--tasks no-such-source/*: no task"), none.getMessage());
  }

  @Test
  void theCheckLooksOnlyAtTheNamedGroups() {
    // random-task style: another meta-test task shares a protein group with meta-train; it is not evaluated here
    List<HeldOutTasks.TaskInfo> rows = List.of(
        new HeldOutTasks.TaskInfo("a/1", "fitness", "p1", "g1", "meta-test"),
        new HeldOutTasks.TaskInfo("b/1", "fitness", "p1", "g1", "meta-test"),
        new HeldOutTasks.TaskInfo("c/2", "fitness", "p2", "g2", "meta-test"),
        new HeldOutTasks.TaskInfo("d/2", "fitness", "p2", "g2", "meta-train"),
        new HeldOutTasks.TaskInfo("e/3", "fitness", "p3", "g3", "meta-val"));
    NamedHoldOut.check(HeldOutTasks.of(rows), List.of("a/1"));
    HeldOutTasks.LeakException e = assertThrows(HeldOutTasks.LeakException.class,
        () -> NamedHoldOut.check(HeldOutTasks.of(rows), List.of("a/1", "c/2")));
    assertTrue(e.getMessage().contains("task d/2 of held-out protein group g2 is in meta-train"), e.getMessage());
    assertFalse(e.getMessage().contains("e/3"), e.getMessage());
  }

  @Test
  void globsMatchAcrossSlashes() {
    assertTrue(NamedHoldOut.glob("pg-singles/SPG1*").matcher("pg-singles/SPG1_STRSG_Olson_2014").matches());
    assertTrue(NamedHoldOut.glob("*Olson*").matcher("pg-singles/SPG1_STRSG_Olson_2014").matches());
    assertFalse(NamedHoldOut.glob("fireprot/1A?P").matcher("fireprot/1A2PX").matches());
    assertTrue(NamedHoldOut.glob("fireprot/1A?P").matcher("fireprot/1A2P").matches());
    assertFalse(NamedHoldOut.glob("a.b").matcher("axb").matches(), "a dot is a dot");
  }
}
