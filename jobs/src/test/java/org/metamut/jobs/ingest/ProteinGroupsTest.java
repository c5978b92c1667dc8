package org.metamut.jobs.ingest;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.lib.provenance.Sha256;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Protein groups on the real wild types of the whole bundled catalogue (no Spark: the catalogue's wild-type
 * files and tables are resolved as the ingest resolves them; FireProt's structure sequences are read from its
 * files): every protein that several sources measure ends in one group, so leave-one-protein-out keeps all its
 * tasks on one side.
 */
class ProteinGroupsTest {
  private static Map<String, String> groupOfAlias;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void groups(@TempDir Path tmp) throws Exception {
    Path data = IngestTesting.bundledData();
    MetamutConfig cfg = IngestTesting.config(tmp, data);
    WildTypes wt = new WildTypes(new Configuration(), data.toString());
    Map<String, Map<String, Object>> reports = new TreeMap<>();
    for (SourceSpec spec : Catalogue.load(cfg).values()) {
      List<Object> proteins = new ArrayList<>();
      for (SourceFile f : wt.resolve(spec)) {
        if (f.wildType() != null) {
          proteins.add(protein(f.proteinName(), f.wildType()));
        } else if (f.wtTable() != null) {
          f.wtTable().forEach((name, seq) -> proteins.add(protein(name, seq)));
        }
      }
      if (spec.id().equals("fireprot")) {
        for (String file : List.of("fireprot_train.csv", "fireprot_val.csv")) {
          List<String> lines = Files.readAllLines(data.resolve("fireprot").resolve(file));
          List<String> header = DelimitedLine.split(lines.get(0), ',');
          int name = header.indexOf("pdb_id_corrected");
          int seq = header.indexOf("pdb_sequence");
          Map<String, String> seen = new LinkedHashMap<>();
          for (String line : lines.subList(1, lines.size())) {
            List<String> fields = DelimitedLine.split(line, ',');
            seen.put(fields.get(name) + "~" + fields.get(seq).hashCode(), fields.get(name) + "\t" + fields.get(seq));
          }
          for (String v : seen.values()) {
            proteins.add(protein(v.substring(0, v.indexOf('\t')), v.substring(v.indexOf('\t') + 1)));
          }
        }
      }
      reports.put(spec.id(), Map.of("proteins", proteins));
    }
    groupOfAlias = new HashMap<>();
    for (Map<String, Object> p : ProteinGroups.table(reports)) {
      for (String a : (List<String>) p.get("aliases")) {
        groupOfAlias.put(a, (String) p.get("group_id"));
      }
    }
  }

  private static Map<String, Object> protein(String name, String seq) {
    String sha = Sha256.hex(seq);
    return Map.of("name", name, "sha256", sha, "protein_id", ProteinGroups.idOf(sha), "sequence", seq);
  }

  private static String sameGroup(String... aliases) {
    String g = groupOfAlias.get(aliases[0]);
    assertNotNull(g, aliases[0] + " is a bundled protein");
    for (String a : aliases) {
      assertEquals(g, groupOfAlias.get(a), a + " in the group of " + aliases[0]);
    }
    return g;
  }

  @Test
  void sharedProteinsEndInOneGroup() {
    String blat = sameGroup("metl-fitness/tem-1", "hsu-dms/BLAT_ECOLX_Ostermeier2014-linear",
        "hsu-dms/BLAT_ECOLX_Palzkill2012-ddG_stat", "hsu-dms/BLAT_ECOLX_Ranganathan2015-2500",
        "hsu-dms/BLAT_ECOLX_Tenaillon2013-singles-MIC_score", "pg-singles/BLAT_ECOLX_Deng_2012",
        "pg-singles/BLAT_ECOLX_Firnberg_2014", "pg-singles/BLAT_ECOLX_Jacquier_2013",
        "pg-singles/BLAT_ECOLX_Stiffler_2015", "ponsol2/213133708",
        "fireprot/1ZG4"); // a TEM-1 structure with point substitutions: near-identical, not contained
    String gb1 = sameGroup("flip-gb1/GB1-5LDE", "pg-singles/SPG1_STRSG_Olson_2014", // GB1 domain in two constructs
        "fireprot/1PGA");
    sameGroup("metl-fitness/avgfp", "hsu-dms/GFP_AEQVI_Sarkisyan2016", "pg-singles/GFP_AEQVI_Sarkisyan_2016");
    sameGroup("hsu-dms/HSP82_YEAST_Bolon2016-selection_coefficient", "pg-singles/HSP82_YEAST_Flynn_2019",
        "pg-singles/HSP82_YEAST_Mishra_2016");
    sameGroup("pg-singles/P53_HUMAN_Giacomelli_NULL_Etoposide_2018", "pg-singles/P53_HUMAN_Giacomelli_NULL_Nutlin_2018",
        "pg-singles/P53_HUMAN_Giacomelli_WT_Nutlin_2018", "pg-singles/P53_HUMAN_Kotler_2018", "fireprot/2OCJ");
    sameGroup("metl-fitness/pten-activity", "metl-abundance/pten-abundance", "pg-abundance/PTEN_HUMAN_Matreyek_2021",
        "pg-singles/PTEN_HUMAN_Mighell_2018");
    sameGroup("metl-fitness/ube4b", "hsu-dms/UBE4B_MOUSE_Klevit2013-nscor_log2_ratio",
        "pg-singles/UBE4B_MOUSE_Starita_2013");
    sameGroup("metl-fitness/dlg4-2022-binding", "metl-abundance/dlg4-2022-abundance",
        "hsu-dms/DLG4_RAT_Ranganathan2012-CRIPT", "pg-singles/DLG4_RAT_McLaughlin_2012", "pg-singles/DLG4_HUMAN_Faure_2021");
    sameGroup("ecnet-mth3/MTH3_HAEAESTABILIZED_Tawfik2015", "hsu-dms/MTH3_HAEAESTABILIZED_Tawfik2015-Wrel_G17_filtered",
        "pg-singles/MTH3_HAEAE_Rockah-Shmuel_2015");
    sameGroup("hsu-dms/BRCA1_HUMAN_Fields2015-e3", "hsu-dms/BRCA1_HUMAN_Fields2015-y2h",
        "pg-singles/BRCA1_HUMAN_Findlay_2018");
    sameGroup("metl-fitness/grb2-binding", "metl-abundance/grb2-abundance", "pg-singles/GRB2_HUMAN_Faure_2021");
    sameGroup("metl-fitness/pab1", "pg-singles/PABP_YEAST_Melamed_2013");
    sameGroup("hsu-dms/KKA2_KLEPN_Mikkelsen2014-Kan18_avg", "pg-singles/KKA2_KLEPN_Melnikov_2014");
    sameGroup("hsu-dms/POLG_HCVJF_Sun2014-fitness", "pg-singles/POLG_HCVJF_Qi_2014");
    sameGroup("hsu-dms/RL401_YEAST_Bolon2013-selection_coefficient", "hsu-dms/RL401_YEAST_Bolon2014-react_rel",
        "pg-singles/RL401_YEAST_Mavor_2016", "pg-singles/RL401_YEAST_Roscoe_2013", "pg-singles/RL401_YEAST_Roscoe_2014");
    sameGroup("hsu-dms/BG_STRSQ_Abate2015-enrichment", "pg-singles/Q59976_STRSQ_Romero_2015");
    sameGroup("pg-abundance/CP2C9_HUMAN_Amorosi_abundance_2021", "pg-singles/CP2C9_HUMAN_Amorosi_activity_2021");
    sameGroup("pg-abundance/VKOR1_HUMAN_Chiasson_abundance_2020", "pg-singles/VKOR1_HUMAN_Chiasson_activity_2020");
    sameGroup("pg-abundance/SPIKE_SARS2_Starr_expr_2020", "pg-singles/SPIKE_SARS2_Starr_bind_2020");
    sameGroup("pg-singles/DYR_ECOLI_Thompson_plusLon_2019", "fireprot/5DFR");
    sameGroup("pg-singles/B3VI55_LIPST_Klesmith_2015", "ponsol2/190610225");
    // strains at > 90 % identity are held out together too
    sameGroup("pg-singles/I6TAH8_I68A0_Doud_2015", "pg-singles/NCAP_I34A1_Doud_2015");
    sameGroup("pg-singles/A0A192B1T2_9HIV1_Haddox_2018", "pg-singles/Q2N0S5_9HIV1_Haddox_2018",
        "pg-singles/ENV_HV1BR_Haddox_2016", "pg-singles/ENV_HV1B9_DuenasDecamp_2016");

    assertNotEquals(blat, gb1);
    // below 90 % identity: cytochrome c of two species (FireProt 1HRC, 1CYC) stays apart
    assertNotEquals(groupOfAlias.get("fireprot/1HRC"), groupOfAlias.get("fireprot/1CYC"));
    // an unrelated assay is its own group
    String his7 = groupOfAlias.get("pg-singles/HIS7_YEAST_Pokusaeva_2019");
    assertEquals(1, groupOfAlias.values().stream().filter(his7::equals).count());
    assertEquals(73, groupOfAlias.keySet().stream().filter(a -> a.startsWith("pg-singles/")
        || a.startsWith("pg-abundance/") || a.startsWith("pg-aggregation/")).count());
  }

  @Test
  void sharedStretchRule() {
    String domain = "MTYKLILNGKTLKGETTTEAVDAATAEKVFKQYANDNGVDGEWTYDDATKTFTVTE"; // GB1, 56
    String other = "ARNDCQEGHILKMFPSTWYV".repeat(3);
    // the same domain in two constructs that extend it differently
    assertTrue(linked(other + domain + "GG", domain.substring(0, 55) + "PPPPPPPPPP"));
    // a point mutant: contained neither way
    String mutant = domain.substring(0, 20) + "W" + domain.substring(21);
    assertTrue(linked(domain, mutant));
    // 6 substitutions in 56 (89 %) spread evenly: apart
    StringBuilder far = new StringBuilder(domain);
    for (int i = 4; i < 56; i += 9) {
      far.setCharAt(i, far.charAt(i) == 'W' ? 'C' : 'W');
    }
    assertEquals(false, linked(domain, far.toString()));
    // a shared stretch of 49 residues (both longer) is not enough; 50 is
    String x = "P".repeat(30);
    String y = "C".repeat(30);
    assertEquals(false, linked(x + domain.substring(0, 49), y + domain.substring(0, 49) + "HHHHH"));
    assertTrue(linked(x + domain.substring(0, 50), y + domain.substring(0, 50) + "HHHHH"));
  }

  private static boolean linked(String a, String b) {
    return !ProteinGroups.links(List.of(a, b)).isEmpty();
  }
}
