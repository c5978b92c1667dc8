package org.metamut.jobs.eval;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.cli.CliTestAccess;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.ingest.IngestJob;
import org.metamut.jobs.testing.BundledData;
import org.metamut.jobs.testing.LocalSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Through the real command line on real bundled data (PON-Sol2 held out under leave-one-family-out, so its
 * multi-protein {@code ponsol2/pooled} task is evaluated): the pooled task evaluates with every method, each variant
 * against its own protein; and a task whose class values were corrupted (x.5 is no class code) makes the baselines'
 * units on it throw, which yields a complete report listing those runs, one line each, and exit code 1.
 */
class PooledAndFailedRunsTest {

  @Test
  void pooledTaskEvaluatesAndAFailingUnitYieldsAReportAndExitCode1(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    String base = "metamut.run.output-dir = \"" + tmp.resolve("data") + "\"\n"
        + "metamut.run.data-dir = \"" + BundledData.dir() + "\"\n"
        + "metamut.ingest.only = [fireprot, ponsol2]\n"
        + "metamut.episodes { support-size = 4, query-size = 4, per-task = 1,"
        + "  split { protocol = leave-one-family-out, test-families = [solubility], val-fraction = 0.1 } }\n"
        + "metamut.model { layers = 1, d-model = 8, heads = 2, ff-dim = 16, max-tokens = 24 }\n";
    new IngestJob(spark, MetamutConfig.fromString(base), line -> { }).run();

    // the corrupted copy of the ingest output: one single-protein task's class values are no class codes
    Path data = tmp.resolve("data");
    String broken = spark.read().parquet(data.resolve("episodes").toString()).filter(col("split").equalTo("meta-test"))
        .filter(col("task_id").notEqual("ponsol2/pooled")).select("task_id").distinct().orderBy("task_id")
        .first().getString(0);
    Path data2 = tmp.resolve("data2");
    copyTree(data.resolve("episodes"), data2.resolve("episodes"));
    copyTree(data.resolve("proteins"), data2.resolve("proteins"));
    Dataset<Row> v = spark.read().parquet(data.resolve("variants").toString());
    v.withColumn("value", when(col("task_id").equalTo(broken), col("value").plus(lit(0.5))).otherwise(col("value")))
        .write().parquet(data2.resolve("variants").toString());

    Path conf = tmp.resolve("eval.conf");
    Files.writeString(conf, base + "metamut.run.output-dir = \"" + tmp.resolve("out") + "\"\n"
        + "metamut.adapt.fine-tune.steps = 1\n"
        + "metamut.evaluate { data-dir = \"" + data2 + "\", shots = [4, 8], seeds = 1, max-tasks = 0, max-query = 12,"
        + "  min-query = 4, pool-size = 40, bootstrap.resamples = 20, reference-method = \"\", ablation.encoders = [],\n"
        + "  methods = [scratch, ridge-onehot, ridge-substitution, ridge-combined] }\n");
    String[] run = CliTestAccess.run("evaluate", "--config", conf.toString());

    assertEquals("1", run[0], run[1]);
    assertEquals(1, run[1].strip().lines().count(), run[1]);
    assertTrue(run[1].contains("runs failed") && run[1].contains("task " + broken), run[1]);
    Path report = tmp.resolve("out/evaluate");
    assertTrue(Files.size(report.resolve("report.html")) > 0);
    assertTrue(Files.readString(report.resolve("report.html")).contains("Failed runs"));
    List<String> failed = Files.readAllLines(report.resolve("failed.csv"));
    assertEquals(1 + 3 * 2, failed.size(), "header + 3 baselines × 2 k's on the broken task: " + failed);
    for (String line : failed.subList(1, failed.size())) {
      assertTrue(line.startsWith(broken + ",solubility,ridge-") && line.contains("not an integer class code"), line);
    }
    String results = Files.readString(report.resolve("results.csv"));
    for (String m : List.of("scratch", "ridge-onehot", "ridge-substitution", "ridge-combined")) {
      for (int k : new int[] {4, 8}) {
        assertTrue(results.contains("ponsol2/pooled,solubility,") && results.lines()
            .anyMatch(l -> l.startsWith("ponsol2/pooled,") && l.contains("," + m + "," + k + ",")), m + " k " + k);
      }
    }
    assertTrue(results.lines().anyMatch(l -> l.startsWith(broken + ",") && l.contains(",scratch,")),
        "the broken task's other runs are still reported");
    assertFalse(results.lines().anyMatch(l -> l.startsWith(broken + ",") && l.contains(",ridge-")));
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }
}
