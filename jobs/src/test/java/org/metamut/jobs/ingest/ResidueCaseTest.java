package org.metamut.jobs.ingest;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.metamut.jobs.config.MetamutConfig;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lower-case residue letters: read as upper case by default, quarantined (LOWER_CASE_RESIDUE) with
 * {@code metamut.ingest.strict-residue-case = true}; a lower-case wild-type label is not a residue. And catalogue ids
 * that Spark would escape in a partition path are refused at load, in one line.
 */
class ResidueCaseTest {
  static final String ENTRY = "metamut.ingest.datasets = { toy { path = \"toy.csv\", format = substitutions, "
      + "family = fitness, delimiter = comma, protein = toy, wt-fasta = \"wt.fasta\", mutation-column = mutation, "
      + "value-column = score, unit = u, higher-is-better = true } }\n";

  /** The (status, reason, variant) of each data line of {@code text} parsed under {@code extra} settings. */
  private static List<String> parse(String extra, String text) {
    MetamutConfig cfg = MetamutConfig.fromString(ENTRY + extra);
    SourceSpec spec = Catalogue.load(cfg).get("toy");
    SourceFile file = new SourceFile("toy", "toy.csv", "toy", "MKTAYIAKQR", 0, null);
    FileParser p = new FileParser(spec, file, 0, IngestSettings.from(cfg),
        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    List<String> out = new ArrayList<>();
    while (p.hasNext()) {
      Row r = p.next();
      int status = FileParser.PARSED.fieldIndex("status");
      if (!FileParser.HEADER.equals(r.getString(status))) { // the parser's rows carry no schema: by index
        out.add(r.getString(status) + " " + r.get(FileParser.PARSED.fieldIndex("reason")) + " "
            + r.get(FileParser.PARSED.fieldIndex("variant_key")));
      }
    }
    return out;
  }

  @Test
  void lowerCaseResiduesAreReadAsUpperCaseUnlessStrict() {
    String text = "mutation,score\nk2a,0.1\nK2A:t3g,0.2\nM1A,0.3\nwt,0.0\n";
    assertEquals(List.of("ok null K2A", "ok null K2A:T3G", "ok null M1A", "ok null WT"), parse("", text));
    assertEquals(List.of("quarantine LOWER_CASE_RESIDUE null", "quarantine LOWER_CASE_RESIDUE null", "ok null M1A",
        "ok null WT"), parse("metamut.ingest.strict-residue-case = true\n", text));
  }

  @Test
  void catalogueIdsSparkWouldEscapeAreRefusedInOneLine() {
    for (String id : List.of("\"a/b\"", "\"x=1\"", "\"_hidden\"", "\"sp ace\"", "\"50%\"")) {
      MetamutConfig cfg = MetamutConfig.fromString(ENTRY.replace("{ toy {", "{ " + id + " {"));
      MetamutConfig.InvalidConfigException e = assertThrows(MetamutConfig.InvalidConfigException.class,
          () -> Catalogue.load(cfg));
      assertTrue(e.getMessage().contains("is not a safe partition name"), e.getMessage());
    }
    MetamutConfig ok = MetamutConfig.fromString(ENTRY.replace("{ toy {", "{ \"my-src_2.v1\" {"));
    assertTrue(Catalogue.load(ok).containsKey("my-src_2.v1"));
  }
}
