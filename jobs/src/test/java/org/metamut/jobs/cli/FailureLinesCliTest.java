package org.metamut.jobs.cli;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.testing.LocalSpark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Job failures through the real command line, on real bad inputs: exit code 1 and one line on stderr (what, where,
 * what to do), the stack trace only under {@code --verbose}.
 */
public class FailureLinesCliTest {
  public static final String WT = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQIHFVHSQELLSRYPDLDAKGRERAIAKDLGAVFLVGIGGKLSDGHRHDVRAPDYDDWAQ";

  /** The lines of stderr. */
  private static List<String> lines(String err) {
    return err.strip().lines().toList();
  }

  /** A one-source catalogue ('toy': data/toy/toy.csv, wild type data/toy/wt.fasta) with small episodes. */
  public static String catalogue(Path out, Path data) {
    return "metamut.run.output-dir = \"" + out + "\"\n"
        + "metamut.run.data-dir = \"" + data + "\"\n"
        + "metamut.ingest.min-task-variants = 2\n"
        + "metamut.ingest.only = [toy]\n"
        + "metamut.episodes { support-size = 2, query-size = 2, per-task = 1, split.protocol = random-task }\n"
        + "metamut.ingest.datasets = {\n"
        + "  toy { path = \"toy/toy.csv\", format = substitutions, family = fitness, delimiter = comma, protein = toy,\n"
        + "    wt-fasta = \"{dir}/wt.fasta\", mutation-column = mutation, value-column = score, unit = u,\n"
        + "    higher-is-better = true }\n"
        + "}\n";
  }

  /** The header and 10 single substitutions of {@link #WT} with values, separated by {@code delimiter}. */
  public static String rows(char delimiter) {
    StringBuilder sb = new StringBuilder("mutation" + delimiter + "score\n");
    for (int i = 1; i <= 10; i++) {
      sb.append(WT.charAt(i - 1)).append(i).append(WT.charAt(i - 1) == 'A' ? 'G' : 'A').append(delimiter)
          .append(0.1 * i).append('\n');
    }
    return sb.toString();
  }

  private static Map<String, String> tables(Path out) throws Exception {
    Map<String, String> m = new TreeMap<>();
    for (String t : List.of("variants", "proteins", "episodes", "quarantine", "ingest-manifest.json")) {
      Path p = out.resolve(t);
      if (Files.isDirectory(p)) {
        try (var walk = Files.walk(p)) {
          for (Path f : walk.filter(Files::isRegularFile).toList()) {
            m.put(out.relativize(f).toString(), org.metamut.lib.provenance.Sha256.hex(Files.readAllBytes(f)));
          }
        }
      } else if (Files.exists(p)) {
        m.put(t, org.metamut.lib.provenance.Sha256.hex(Files.readAllBytes(p)));
      }
    }
    return m;
  }

  @Test
  void aSourceWhoseEveryRowIsQuarantinedFailsIngestAndLeavesThePreviousOutputs(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data.resolve("toy"));
    Files.writeString(data.resolve("toy/wt.fasta"), ">toy\n" + WT + "\n");
    Path csv = data.resolve("toy/toy.csv");
    Files.writeString(csv, rows(','));
    Path out = tmp.resolve("out");
    Path conf = tmp.resolve("toy.conf");
    Files.writeString(conf, catalogue(out, data));
    String[] ok = CliTestAccess.run("ingest", "--config", conf.toString());
    assertEquals("0", ok[0], ok[1]);
    Map<String, String> before = tables(out);
    assertFalse(before.isEmpty());

    Files.writeString(csv, rows(';')); // the wrong delimiter: the header has no 'mutation' / 'score' column
    String[] bad = CliTestAccess.run("ingest", "--config", conf.toString());
    assertEquals("1", bad[0], bad[1]);
    assertEquals(1, lines(bad[1]).size(), bad[1]);
    assertTrue(bad[1].startsWith("metamut ingest: source 'toy' (" + csv + "): every one of its 10 data rows was "
        + "quarantined {MISSING_COLUMN=10}; check the entry's delimiter"), bad[1]);
    assertEquals(before, tables(out), "the previous outputs stay");

    Files.writeString(csv, "mutation,score\n"); // a header only: the source yields no variant
    String[] empty = CliTestAccess.run("ingest", "--config", conf.toString());
    assertEquals("1", empty[0], empty[1]);
    assertEquals(1, lines(empty[1]).size(), empty[1]);
    assertTrue(empty[1].startsWith("metamut ingest: source 'toy' (" + csv + "): no data rows (an empty file or a "
        + "header only), so it yields no variant"), empty[1]);
    assertEquals(before, tables(out), "the previous outputs stay");
  }

  @Test
  void metaTrainWithoutEpisodesAndAnOverflowingLibraryEndInOneLineTheTraceOnlyUnderVerbose(@TempDir Path tmp)
      throws Exception {
    String[] train = CliTestAccess.run("meta-train", "-Dmetamut.run.output-dir=" + tmp.resolve("empty"));
    assertEquals("1", train[0], train[1]);
    assertEquals(1, lines(train[1]).size(), train[1]);
    assertTrue(train[1].startsWith("metamut meta-train: cannot read the proteins table at " + tmp.resolve("empty/proteins")
        + " (run 'metamut ingest' first)"), train[1]);
    assertTrue(train[1].strip().endsWith("(--verbose shows the stack trace)"), train[1]);

    Path fasta = tmp.resolve("p.fasta");
    Files.writeString(fasta, ">p\n" + WT.substring(0, 40) + "\n");
    StringBuilder sites = new StringBuilder();
    for (int i = 1; i <= 16; i++) {
      sites.append(i == 1 ? "" : ",").append(i).append(":*");
    }
    String[] args = {"score", "--fasta", fasta.toString(), "--fresh-model", "--combinatorial", sites.toString(),
        "--output", tmp.resolve("s").toString(), "-Dmetamut.run.output-dir=" + tmp.resolve("o")};
    String[] score = CliTestAccess.run(args);
    assertEquals("1", score[0], score[1]);
    assertEquals(1, lines(score[1]).size(), score[1]);
    assertTrue(score[1].startsWith("metamut score: combinatorial library of 16 sites has more than 9223372036854775807 "
        + "variants (the count overflows at site 15, number 15 of 16); use fewer sites"), score[1]);

    String[] ensemble = CliTestAccess.run("score", "--fasta", fasta.toString(), "--model",
        tmp.resolve("a.mmut") + "," + tmp.resolve("b.mmut"), "--singles", "--output", tmp.resolve("e").toString(),
        "-Dmetamut.run.output-dir=" + tmp.resolve("o"));
    assertEquals("1", ensemble[0], ensemble[1]);
    assertEquals(1, lines(ensemble[1]).size(), ensemble[1]);
    assertTrue(ensemble[1].contains("cannot read model " + tmp.resolve("a.mmut")), ensemble[1]);

    String[] verbose = new String[args.length + 1];
    System.arraycopy(args, 0, verbose, 0, args.length);
    verbose[args.length] = "--verbose";
    String[] v = CliTestAccess.run(verbose);
    assertEquals("1", v[0], v[1]);
    assertTrue(lines(v[1]).size() > 3 && v[1].contains("\tat org.metamut."), v[1]);
  }

  @Test
  void aSparkTaskFailureIsTheTasksOwnMessage() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(LocalSpark.get().sparkContext());
    Exception e = assertThrows(Exception.class, () -> jsc.parallelize(List.of(1, 2, 3), 1).map(i -> {
      if (i == 2) {
        throw new IllegalStateException("toy.csv line 7: wild type at 57 is 'A' but the protein has 'G'\nsecond line");
      }
      return i;
    }).collect());
    String line = Failures.oneLine(e);
    assertTrue(line.startsWith("a Spark task failed (Lost task 0.") && line.endsWith(
        "): toy.csv line 7: wild type at 57 is 'A' but the protein has 'G'"), line);
    assertEquals(-1, line.indexOf('\n'), line);
    assertEquals("NullPointerException: x is null", Failures.oneLine(new NullPointerException("x is null")));
  }
}
