package org.metamut.jobs.eval;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.data.VariantPool;
import org.metamut.jobs.data.VariantPoolLoader;
import org.metamut.jobs.ingest.IngestJob;
import org.metamut.jobs.testing.BundledData;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.report.ResultRecord;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leave-one-protein-out on the bundled FireProt and PON-Sol2 data, whose small proteins share one pooled task per
 * source: the pooled task's rows of held-out protein groups form {@code <task>@meta-test} (and {@code @meta-val}),
 * which meta-test holds and evaluate runs, each variant against its own protein; no row of a held-out group reaches
 * the meta-train episodes or the fresh-episode pool. Expected rows come from the {@code proteins} table's
 * {@code split} and {@code group_id} columns, joined here independently of the code under test.
 */
class HeldOutPooledTaskTest {
  static final String POOLED = "fireprot/pooled";
  static final String DERIVED = POOLED + "@meta-test";

  @Test
  void heldOutPartOfAPooledTaskIsEvaluatedAndNeverTrainedOn(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    String conf = "metamut.run.output-dir = \"" + tmp + "\"\n"
        + "metamut.run.data-dir = \"" + BundledData.dir() + "\"\n"
        + "metamut.ingest.only = [fireprot, ponsol2]\n"
        + "metamut.episodes { support-size = 4, query-size = 4, per-task = 1,"
        + "  split { protocol = leave-one-protein-out, test-fraction = 0.2, val-fraction = 0.15 } }\n"
        + "metamut.model { layers = 1, d-model = 8, heads = 2, ff-dim = 16, max-tokens = 24 }\n"
        + "metamut.adapt.fine-tune.steps = 1\n"
        + "metamut.evaluate { shots = [4, 8], seeds = 1, max-tasks = 0, max-query = 12, min-query = 4, pool-size = 200,"
        + "  bootstrap.resamples = 20, reference-method = \"\", ablation.encoders = [],"
        + "  methods = [scratch, ridge-onehot] }\n";
    MetamutConfig cfg = MetamutConfig.fromString(conf);
    IngestJob.Result ingest = new IngestJob(spark, cfg, line -> { }).run();
    String variantsDir = tmp.resolve("variants").toString();
    String proteinsDir = tmp.resolve("proteins").toString();
    String episodesDir = tmp.resolve("episodes").toString();
    Dataset<Row> proteins = spark.read().parquet(proteinsDir);
    Dataset<Row> pooledRows = spark.read().parquet(variantsDir).filter(col("task_id").equalTo(POOLED))
        .join(proteins.select("protein_id", "group_id", "split"), "protein_id");
    Set<String> expected = ids(pooledRows.filter(col("split").equalTo("meta-test")));
    Set<String> heldOutGroups = strings(proteins.filter(col("split").isin("meta-val", "meta-test")), "group_id");

    // meta-test holds the derived task, multi-protein, with exactly the held-out groups' rows
    Dataset<Row> episodes = spark.read().parquet(episodesDir);
    assertEquals(Set.of("meta-test"), strings(episodes.filter(col("task_id").equalTo(DERIVED)), "split"));
    List<TaskData> pools = HeldOutTasks.pools(spark, variantsDir, proteinsDir, List.of(DERIVED), 1_000_000, List.of(),
        line -> { });
    assertEquals(1, pools.size());
    assertEquals(expected, new TreeSet<>(pools.get(0).variantIds()), "the derived task's variants");
    assertTrue(pools.get(0).sequences().size() > 1, pools.get(0).toString());
    assertTrue(expected.containsAll(ids(episodes.filter(col("task_id").equalTo(DERIVED)))));
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> derived = (Map<String, Map<String, Object>>)
        ((Map<String, Object>) ingest.manifest().get("episodes")).get("derived_pooled_tasks");
    assertEquals(expected.size(), ((Number) derived.get(DERIVED).get("variants")).intValue(), derived.toString());

    // no row of a held-out group in meta-train episodes, nor in the fresh-episode pool of the pooled task
    Set<String> trainGroups = strings(episodes.filter(col("split").equalTo("meta-train")), "protein_group");
    trainGroups.retainAll(heldOutGroups);
    assertEquals(Set.of(), trainGroups);
    assertTrue(strings(episodes.filter(col("task_id").equalTo(POOLED)), "split").equals(Set.of("meta-train")));
    VariantPool pool = VariantPoolLoader.load(spark, variantsDir, episodesDir, proteinsDir,
        new EncoderSpec(EncoderSpec.SEPARATOR, 64), Map.of(POOLED, new VariantPoolLoader.Shape(4, 4)), line -> { });
    assertEquals(POOLED, pool.taskId(0));
    long trainRows = pooledRows.filter(col("group_id").isin(heldOutGroups.toArray()).equalTo(false)).count();
    assertEquals(trainRows, pool.variants(0), "the pool holds the pooled task's rows of meta-train groups only");
    assertTrue(trainRows < pooledRows.count());

    // evaluate runs the derived task, without a failed run
    EvaluateJob.Result r = new EvaluateJob(spark, cfg, line -> { }).run();
    assertEquals(List.of(), r.failures());
    Set<String> methods = new HashSet<>();
    for (ResultRecord rec : r.records()) {
      if (rec.task().equals(DERIVED)) {
        methods.add(rec.method() + "@" + rec.k());
      }
    }
    assertEquals(Set.of("scratch@4", "scratch@8", "ridge-onehot@4", "ridge-onehot@8"), methods);
  }

  private static Set<String> ids(Dataset<Row> rows) {
    return strings(rows, "variant_id");
  }

  private static Set<String> strings(Dataset<Row> rows, String column) {
    Set<String> out = new TreeSet<>();
    for (Row r : rows.select(column).distinct().collectAsList()) {
      out.add(r.getString(0));
    }
    return out;
  }
}
