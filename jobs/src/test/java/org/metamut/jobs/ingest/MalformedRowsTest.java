package org.metamut.jobs.ingest;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.testing.LocalSpark;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real rows of every adapter's format, with malformed rows mixed in (and the file-level awkwardness: BOM,
 * CRLF, quotes, a truncated line, a 300 kB garbage line, exact duplicates, an empty file). Each bad line
 * must land in quarantine with the right reason; the good rows around them must survive; counts reconcile.
 */
class MalformedRowsTest {
  @TempDir
  static Path tmp;
  static IngestJob.Result result;
  static Map<String, Map<Long, String>> reasons = new TreeMap<>();

  static final String CATALOGUE = """
      metamut.ingest.max-line-bytes = 200000
      metamut.ingest.min-task-variants = 2
      metamut.ingest.only = [bad-subs, bad-seq, bad-pos, bad-class]
      metamut.episodes.support-size = 2
      metamut.episodes.query-size = 2
      metamut.episodes.per-task = 2
      metamut.episodes.split.protocol = random-task
      metamut.ingest.datasets = {
        bad-subs { path = "bad/avgfp.tsv", format = substitutions, family = fitness, delimiter = tab,
          protein = "{stem}", wt-metl-yaml = "metl-dms/data/dms_data/datasets.yml", index-base = 0,
          mutation-column = variant, mutation-separators = ",", value-column = score, unit = u, higher-is-better = true }
        empty-src { path = "bad/empty/avgfp.tsv", format = substitutions, family = fitness, delimiter = tab,
          protein = "{stem}", wt-metl-yaml = "metl-dms/data/dms_data/datasets.yml", index-base = 0,
          mutation-column = variant, value-column = score, unit = u, higher-is-better = true }
        bad-seq { path = "bad/blat/data.csv", format = mutant-sequence, family = fitness, delimiter = comma,
          protein = "{parent}", wt-fasta = "{dir}/wt.fasta", offset-from-fasta-header = true,
          sequence-column = seq, mutation-column = mutant, value-column = log_fitness, unit = u, higher-is-better = true }
        bad-pos { path = "bad/fireprot.csv", format = position-columns, family = stability, delimiter = comma,
          protein-column = pdb_id_corrected, wt-column = pdb_sequence, position-column = pdb_position, index-base = 0,
          wt-residue-column = wild_type, mt-residue-column = mutation, value-column = ddG, unit = kcal/mol,
          higher-is-better = false }
        bad-class { path = "bad/ponsol.csv", format = substitutions, family = solubility, delimiter = comma,
          protein-column = gi, wt-table = "ponsol2/all_protein_sequences.csv", wt-table-key-column = gi,
          wt-table-sequence-column = seq, mutation-column = variation, value-column = solubility,
          class-labels = ["-1", "0", "1"], unit = class, higher-is-better = true }
      }
      """;

  @BeforeAll
  static void ingest() throws Exception {
    Path data = tmp.resolve("data");
    Path real = IngestTesting.bundledData();
    Files.createDirectories(data.resolve("metl-dms/data/dms_data"));
    Files.copy(real.resolve("metl-dms/data/dms_data/datasets.yml"), data.resolve("metl-dms/data/dms_data/datasets.yml"));
    Files.createDirectories(data.resolve("ponsol2"));
    Files.copy(real.resolve("ponsol2/all_protein_sequences.csv"), data.resolve("ponsol2/all_protein_sequences.csv"));
    Files.createDirectories(data.resolve("bad/empty"));
    Files.createDirectories(data.resolve("bad/blat"));

    // substitutions (METL avgfp, 0-based, comma-joined): BOM + CRLF, real rows first
    String crlf = "\r\n";
    String subs = "\uFEFFvariant\tnum_mutations\tscore" + crlf
        + "K1E\t1\t-0.0681981" + crlf           // 2 ok (real)
        + "K1M\t1\t-0.0813679" + crlf           // 3 ok (real)
        + "K1B\t1\t0.1" + crlf                  // 4 bad letter
        + "A1E\t1\t0.1" + crlf                  // 5 wild type mismatch (avgfp[1] = K)
        + "K999E\t1\t0.1" + crlf                // 6 out of range
        + "K1E,S0A\t2\tabc" + crlf              // 7 non-numeric value
        + "K1\t1\t0.1" + crlf                   // 8 broken notation
        + "K1M\t1\t-0.0813679" + crlf           // 9 exact duplicate of line 3: merged
        + "\"S0A\"\t1\t\"0.25\"" + crlf         // 10 quoted fields: ok
        + "S0A,K1E\t2\t" + crlf                 // 11 missing value
        + "S0A,K1E" + crlf                      // 12 truncated line
        + "z".repeat(300_000) + crlf            // 13 garbage, 300 kB
        + crlf                                  // 14 blank
        + "S0A\t1\tNaN" + crlf                  // 15 not finite
        + "S0S\t1\t0.3" + crlf                  // 16 synonymous = wild type: kept
        + "E3A\t1\t0.4" + crlf                  // 17 ok
        + "K1E,K1M\t2\t0.4";                    // 18 same position twice, no final newline
    Files.writeString(data.resolve("bad/avgfp.tsv"), subs, StandardCharsets.UTF_8);
    Files.writeString(data.resolve("bad/empty/avgfp.tsv"), "");

    // mutant sequence + label (hsu BLAT, UniProt numbering +24)
    Path blat = real.resolve("hsu-dms/processed_data/BLAT_ECOLX_Ostermeier2014-linear");
    Files.copy(blat.resolve("wt.fasta"), data.resolve("bad/blat/wt.fasta"));
    List<String> b = new ArrayList<>(Files.readAllLines(blat.resolve("data.csv")).subList(0, 6));
    String v29a = b.get(2); // ...,V29A
    b.add(v29a.substring(0, v29a.lastIndexOf(',')) + ",V29C");          // 7 label disagrees with sequence
    b.add(v29a.substring(1));                                             // 8 sequence one residue short
    b.add(v29a.substring(0, v29a.lastIndexOf(',')) + ",V30A");          // 9 label wt mismatch
    Files.write(data.resolve("bad/blat/data.csv"), b);

    // position columns (FireProt)
    List<String> f = new ArrayList<>(Files.readAllLines(real.resolve("fireprot/fireprot_train.csv")).subList(0, 5));
    List<String> row = DelimitedLine.split(f.get(1), ',');
    List<String> wrongWt = new ArrayList<>(row);
    wrongWt.set(8, "W");                                                  // 6 wild type mismatch
    List<String> badPos = new ArrayList<>(row);
    badPos.set(39, "x1");                                                 // 7 position not an integer
    List<String> outOfRange = new ArrayList<>(row);
    outOfRange.set(39, "5000");                                           // 8 out of range
    f.add(csv(wrongWt));
    f.add(csv(badPos));
    f.add(csv(outOfRange));
    Files.write(data.resolve("bad/fireprot.csv"), f);

    // class labels (PON-Sol2), CRLF as in the real file
    List<String> p = new ArrayList<>(List.of(new String(Files.readAllBytes(real.resolve("ponsol2/train_dataset.csv")),
        StandardCharsets.UTF_8).split("\r\n")).subList(0, 6));
    p.add("9000,M226K,2,117391");                                         // 7 not a class label
    p.add("9001,M226K,-1,424242");                                        // 8 protein not in the table
    p.add("9002,M226K,-1,117391");                                        // 9 same variant as line 2: merged
    p.add("9003,R151Q,1,117391");                                         // 10 line 3 says -1: both quarantined
    Files.writeString(data.resolve("bad/ponsol.csv"), String.join("\r\n", p) + "\r\n");

    SparkSession spark = LocalSpark.get();
    result = new IngestJob(spark, IngestTesting.config(tmp.resolve("out"), data, CATALOGUE), s -> { }).run();
    for (Row r : spark.read().parquet(tmp.resolve("out/quarantine").toString())
        .select("source", "line_number", "reason").collectAsList()) {
      reasons.computeIfAbsent(r.getString(0), k -> new TreeMap<>()).put(r.getLong(1), r.getString(2));
    }
  }

  private static String csv(List<String> fields) {
    return String.join(",", fields.stream().map(x -> x.contains(",") ? "\"" + x + "\"" : x).toList());
  }

  @Test
  void substitutionRowsEachGetTheirReason() {
    assertEquals(Map.of(4L, "BAD_AMINO_ACID", 5L, "WT_MISMATCH", 6L, "POSITION_OUT_OF_RANGE", 7L, "BAD_VALUE",
        8L, "BAD_NOTATION", 11L, "MISSING_VALUE", 12L, "BAD_COLUMNS", 13L, "LINE_TOO_LONG", 15L, "NON_FINITE_VALUE",
        18L, "DUPLICATE_POSITION"), reasons.get("bad-subs"));
  }

  @Test
  void mutantSequenceLabelMustAgree() {
    assertEquals(Map.of(7L, "LABEL_SEQUENCE_DISAGREE", 8L, "SEQUENCE_LENGTH_MISMATCH", 9L, "WT_MISMATCH"),
        reasons.get("bad-seq"));
  }

  @Test
  void positionColumnsAndClassLabels() {
    assertEquals(Map.of(6L, "WT_MISMATCH", 7L, "BAD_POSITION", 8L, "POSITION_OUT_OF_RANGE"), reasons.get("bad-pos"));
    assertEquals(Map.of(3L, "CONFLICTING_CLASS_LABELS", 7L, "BAD_CLASS", 8L, "UNKNOWN_PROTEIN",
        10L, "CONFLICTING_CLASS_LABELS"), reasons.get("bad-class"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void countsReconcilePerSource() {
    Map<String, Map<String, Object>> s = (Map<String, Map<String, Object>>) result.manifest().get("sources");
    // bad-subs: 17 data lines minus 1 blank = 16 rows; 10 quarantined; K1M twice -> 1 merged; 5 variants
    assertCounts(s.get("bad-subs"), 16, 5, 1, 10);
    assertEquals(1L, ((Number) s.get("bad-subs").get("blank_lines")).longValue());
    assertCounts(s.get("bad-seq"), 8, 5, 0, 3);
    assertCounts(s.get("bad-pos"), 7, 4, 0, 3);
    assertCounts(s.get("bad-class"), 9, 4, 1, 4); // R151Q's conflicting duplicates (lines 3, 10) quarantined
    for (Map<String, Object> src : s.values()) {
      assertEquals(Boolean.TRUE, src.get("reconciled"));
    }
  }

  @Test
  void goodRowsSurviveAndDuplicatesAreMerged() {
    SparkSession spark = LocalSpark.get();
    var v = spark.read().parquet(tmp.resolve("out/variants").toString()).filter(col("source").equalTo("bad-subs"));
    Map<String, Row> byId = new TreeMap<>();
    for (Row r : v.collectAsList()) {
      byId.put(r.getAs("variant_id"), r);
    }
    assertEquals(List.of("bad-subs/avgfp/E4A", "bad-subs/avgfp/K2E", "bad-subs/avgfp/K2M", "bad-subs/avgfp/S1A",
        "bad-subs/avgfp/WT"), new ArrayList<>(byId.keySet()), "1-based canonical ids");
    Row k2m = byId.get("bad-subs/avgfp/K2M");
    assertEquals(2, (int) k2m.getAs("n_obs"));
    assertEquals(3L, (long) k2m.getAs("source_line"), "first occurrence");
    assertEquals(0.25, (double) byId.get("bad-subs/avgfp/S1A").getAs("raw_value"), 1e-12);
    Row e4a = byId.get("bad-subs/avgfp/E4A");
    Row m = e4a.<Row>getList(e4a.fieldIndex("mutations")).get(0);
    assertEquals(4, m.getInt(0));
    assertEquals("E", m.getString(1));
    assertEquals("A", m.getString(2));
    assertEquals(0, byId.get("bad-subs/avgfp/WT").getList(byId.get("bad-subs/avgfp/WT").fieldIndex("mutations")).size());
    // stability: lower ddG is better, so value = -ddG
    Row fp = spark.read().parquet(tmp.resolve("out/variants").toString()).filter(col("source").equalTo("bad-pos"))
        .limit(1).collectAsList().get(0);
    assertEquals(-(double) fp.getAs("raw_value"), (double) fp.getAs("value"), 1e-12);
    assertTrue(reasons.get("bad-subs").values().stream().noneMatch(r -> r.equals("WILD_TYPE")));
  }

  private static void assertCounts(Map<String, Object> s, long read, long variants, long merged, long quarantined) {
    assertEquals(read, ((Number) s.get("rows_read")).longValue(), "rows read " + s);
    assertEquals(variants, ((Number) s.get("variants")).longValue(), "variants " + s);
    assertEquals(merged, ((Number) s.get("duplicates_merged")).longValue(), "merged " + s);
    assertEquals(quarantined, ((Number) s.get("quarantined")).longValue(), "quarantined " + s);
  }
}
