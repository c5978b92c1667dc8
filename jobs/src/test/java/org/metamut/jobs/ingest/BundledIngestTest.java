package org.metamut.jobs.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.testing.LocalSpark;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled catalogue as shipped (every entry, every format) on real slices of the bundled files (the
 * first 150 rows of each large data file; wild-type files whole): counts reconcile per source and file, the
 * outputs carry the contract columns, and protein identity merges identical / contained sequences.
 */
class BundledIngestTest {

  @Test
  @SuppressWarnings("unchecked")
  void bundledCatalogueOnRealSlices(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    Path data = IngestTesting.slice(tmp.resolve("data"), 150);
    Path out = tmp.resolve("out");
    IngestJob.Result r = new IngestJob(spark, IngestTesting.config(out, data), s -> { }).run();
    Map<String, Map<String, Object>> sources = (Map<String, Map<String, Object>>) r.manifest().get("sources");
    assertEquals(List.of("ecnet-mth3", "fireprot", "flip-gb1", "hsu-dms", "metl-abundance", "metl-fitness",
        "pg-abundance", "pg-aggregation", "pg-singles", "ponsol2"), List.copyOf(sources.keySet()));
    for (Map.Entry<String, Map<String, Object>> e : sources.entrySet()) {
      Map<String, Object> s = e.getValue();
      assertEquals(Boolean.TRUE, s.get("reconciled"), e.getKey());
      long read = ((Number) s.get("rows_read")).longValue();
      long sum = ((Number) s.get("variants")).longValue() + ((Number) s.get("duplicates_merged")).longValue()
          + ((Number) s.get("quarantined")).longValue();
      assertEquals(read, sum, e.getKey());
      for (Object f : (List<Object>) s.get("files")) {
        Map<String, Object> file = (Map<String, Object>) f;
        long rows = ((Number) file.get("rows_read")).longValue();
        assertTrue(rows > 0, e.getKey() + " " + file);
        assertEquals(64, ((String) file.get("sha256")).length());
      }
      assertEquals(0L, ((Number) s.get("quarantined")).longValue(), "the bundled rows are clean: " + e.getKey());
    }
    assertEquals(16, ((List<Object>) sources.get("hsu-dms").get("files")).size());
    // pg-singles: one catalogue entry, one task per file; every data line of the (sliced) files is accounted for
    Map<String, Object> pgs = sources.get("pg-singles");
    assertEquals(66, ((List<Object>) pgs.get("files")).size(), "one catalogue entry, 66 assays");
    assertEquals(66, ((Map<String, Object>) pgs.get("tasks")).size());
    long dataLines = 0;
    try (var files = java.nio.file.Files.list(data.resolve("pg-singles/gym_single/mutant"))) {
      for (Path f : files.toList()) {
        dataLines += java.nio.file.Files.readAllLines(f).size() - 1;
      }
    }
    assertEquals(dataLines, ((Number) pgs.get("rows_read")).longValue());
    assertEquals(dataLines, ((Number) pgs.get("variants")).longValue(), "clean, single, unique substitutions");
    assertEquals(r.rowsRead(), r.variants() + r.duplicatesMerged() + r.quarantined());

    Dataset<Row> v = spark.read().parquet(out.resolve("variants").toString());
    assertEquals(r.variants(), v.count());
    assertHasColumns(v.schema(), "task_id", "source", "family", "protein_id", "variant_id", "mutations", "raw_value",
        "unit", "value", "y", "n_obs", "source_file", "source_line", "reference");
    // hsu BLAT: label V29A at UniProt 29 is position 6 of the 24-286 region
    assertEquals(1, v.filter(col("variant_id").equalTo("hsu-dms/BLAT_ECOLX_Ostermeier2014-linear/V6A")).count());
    // METL 0-based P0A style: avgfp K1E is K2E
    assertEquals(1, v.filter(col("variant_id").equalTo("metl-fitness/avgfp/K2E")).count());
    // ProteinGym: `score` is the value, not the esm_if1_gvp4_t16_142M_UR50 model columns beside it
    Row a30q = v.filter(col("variant_id").equalTo("pg-singles/A0A192B1T2_9HIV1_Haddox_2018/A30Q")).first();
    assertEquals(-1.356247573, a30q.<Double>getAs("raw_value"), 1e-12);
    assertEquals("fitness", a30q.getAs("family"));
    // FLIP GB1 has a WT row
    assertEquals(1, v.filter(col("variant_id").equalTo("flip-gb1/GB1-5LDE/WT")).count());

    Dataset<Row> p = spark.read().parquet(out.resolve("proteins").toString());
    assertHasColumns(p.schema(), "protein_id", "sequence", "sha256", "aliases", "group_id");
    Map<String, Row> byAlias = new HashMap<>();
    for (Row row : p.collectAsList()) {
      for (Object a : row.getList(row.fieldIndex("aliases"))) {
        byAlias.put((String) a, row);
      }
    }
    Row mth3 = byAlias.get("ecnet-mth3/MTH3_HAEAESTABILIZED_Tawfik2015");
    assertEquals(mth3, byAlias.get("hsu-dms/MTH3_HAEAESTABILIZED_Tawfik2015-Wrel_G17_filtered"), "identical sequence");
    assertEquals(byAlias.get("metl-abundance/pten-abundance"), byAlias.get("pg-abundance/PTEN_HUMAN_Matreyek_2021"));
    String temGroup = byAlias.get("metl-fitness/tem-1").getAs("group_id");
    String blatGroup = byAlias.get("hsu-dms/BLAT_ECOLX_Ostermeier2014-linear").getAs("group_id");
    assertEquals(temGroup, blatGroup, "region inside full sequence");

    Dataset<Row> ep = spark.read().parquet(out.resolve("episodes").toString());
    assertHasColumns(ep.schema(), "task_id", "split", "family", "protein_id", "episode", "role", "variant_id",
        "mutations", "y", "value");
    assertEquals(0, ep.filter(col("split").isin("meta-train", "meta-val", "meta-test").equalTo(false)).count());
    assertEquals(3, ep.select("split").distinct().count());
    assertEquals(0, spark.read().parquet(out.resolve("quarantine").toString()).count());
  }

  static void assertHasColumns(StructType schema, String... names) {
    for (String n : names) {
      assertTrue(List.of(schema.fieldNames()).contains(n), n + " in " + schema.simpleString());
    }
  }
}
