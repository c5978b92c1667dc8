package org.metamut.jobs.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.testing.LocalSpark;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole bundled catalogue, once: counts reconcile per source and file; outputs have the contract columns. */
class BundledIngestTest {

  @Test
  @SuppressWarnings("unchecked")
  void everyBundledSourceReconciles(@TempDir Path tmp) throws Exception {
    System.setProperty("metamut.ingest.timings", "true");
    SparkSession spark = LocalSpark.get();
    IngestJob.Result r = new IngestJob(spark, IngestTesting.config(tmp.resolve("out"), IngestTesting.bundledData()),
        System.out::println).run();
    IngestReport.print(r, System.out::println);
    Map<String, Map<String, Object>> sources = (Map<String, Map<String, Object>>) r.manifest().get("sources");
    for (Map.Entry<String, Map<String, Object>> e : sources.entrySet()) {
      assertEquals(Boolean.TRUE, e.getValue().get("reconciled"), e.getKey());
    }
    Dataset<Row> v = spark.read().parquet(tmp.resolve("out/variants").toString());
    assertEquals(r.variants(), v.count());
    Dataset<Row> q = spark.read().parquet(tmp.resolve("out/quarantine").toString());
    assertEquals(r.quarantined(), q.count());
    assertTrue(r.rowsRead() > 440_000, "rows read " + r.rowsRead());
  }
}
