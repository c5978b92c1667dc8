package org.metamut.jobs.cli;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code metamut evaluate --dataset FILE --wild-type FASTA} through the real command line: a user's CSV (here the
 * ProteinGym protein G assay under another name) is ingested, held out as the only evaluated task with its protein
 * group (which holds the bundled GB1 FireProt task), and reported; a given model meta-trained on that protein group
 * is refused in one line.
 */
class UserDatasetCliTest {


  @Test
  void aUserCsvIsTheOnlyHeldOutTaskAndAModelThatSawItsProteinIsRefused(@TempDir Path tmp) throws Exception {
    Path data = BundledData.dir();
    Path csv = tmp.resolve("my-gb1.csv");
    Path fasta = tmp.resolve("my-gb1.fasta");
    Files.copy(data.resolve("pg-singles/gym_single/mutant/SPG1_STRSG_Olson_2014.csv"), csv);
    Files.copy(data.resolve("pg-singles/gym_single/fasta/SPG1_STRSG_Olson_2014.fasta"), fasta);
    Path out = tmp.resolve("out");
    Path conf = tmp.resolve("small.conf");
    Files.writeString(conf, BundledData.evaluationSlice(out)
        + "metamut.model { layers = 1, d-model = 16, heads = 2, ff-dim = 32, max-tokens = 24 }\n"
        + "metamut.train { meta-batch-tasks = 2, inner.steps = 1 }\n"
        + "metamut.evaluate { methods = [cf-head, ridge-onehot], shots = [4], seeds = 1, max-query = 30, min-query = 8,\n"
        + "  pool-size = 120, train.outer-steps = 2, bootstrap.resamples = 50, ablation.encoders = [] }\n");
    String[] ingest = CliTestAccess.run("ingest", "--config", conf.toString());
    assertEquals("0", ingest[0], ingest[1]);

    String[] eval = CliTestAccess.run("evaluate", "--config", conf.toString(), "--dataset", csv.toString(),
        "--wild-type", fasta.toString());
    assertEquals("0", eval[0], eval[1]);
    String task = "user-my-gb1/my-gb1";
    Path report = out.resolve("evaluate");
    String results = Files.readString(report.resolve("results.csv"));
    List<String> rows = results.lines().skip(1).toList();
    assertTrue(!rows.isEmpty() && rows.stream().allMatch(l -> l.startsWith(task + ",")), results);
    assertTrue(Files.readString(report.resolve("report.html")).contains(task), "the report names the user's task");

    // its protein group (protein G, which holds FireProt's GB1 1PGA) is nowhere in meta-train in what was trained on
    String group = LocalSpark.get().read().parquet(out.resolve("episodes").toString())
        .filter(col("task_id").equalTo(task)).select("protein_group").first().getString(0);
    List<Row> sameGroup = LocalSpark.get().read().parquet(report.resolve("held-out/episodes").toString())
        .filter(col("protein_group").equalTo(group)).select("task_id", "split").distinct().collectAsList();
    assertTrue(sameGroup.stream().anyMatch(r -> r.getString(0).startsWith("fireprot/")), "GB1's FireProt task shares it: "
        + sameGroup);
    assertTrue(sameGroup.stream().allMatch(r -> r.getString(1).equals("meta-test")), sameGroup.toString());
    assertTrue(ModelInfo.read(report.resolve("training/cf-head/model/model.mmut")).trainedProteinGroups().stream()
        .noneMatch(group::equals));

    // a model meta-trained on that protein: refused, one line, nothing published over the report
    ModelSpec spec = ModelSpec.reference(1, 16, 2, 32, 24);
    Path leaky = tmp.resolve("leaky.mmut");
    Files.write(leaky, ModelFile.toBytes(new SavedModel(spec, EncoderSpec.separator(24), Normalisation.none(),
        AdaptationRecipe.fineTune("cf-head", 1, 0.01), Map.of(ModelInfo.PROTEIN_GROUPS, group),
        ParamLayout.of(spec).initialise(1), null)));
    String[] refused = CliTestAccess.run("evaluate", "--config", conf.toString(), "--dataset", csv.toString(),
        "--wild-type", fasta.toString(), "--model", "cf-head=" + leaky);
    assertEquals("1", refused[0], refused[1]);
    assertEquals(1, refused[1].strip().lines().count(), refused[1]);
    assertTrue(refused[1].contains("meta-trained on protein group(s) [" + group + "]"), refused[1]);
    assertEquals(results, Files.readString(report.resolve("results.csv")), "the previous report stays");

    String[] half = CliTestAccess.run("evaluate", "--config", conf.toString(), "--dataset", csv.toString());
    assertEquals("1", half[0]);
    assertTrue(half[1].contains("--dataset and --wild-type go together"), half[1]);
  }
}
