package org.metamut.jobs.ingest;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Generated input for the ingestion benchmark: one protein (a random 300-residue sequence) and TSV files in
 * the METL-like substitution format (1-3 substitutions per variant, 1-based, ':'-joined), {@code rowsPerFile}
 * rows each, with about 0.1% malformed rows. Written streaming; nothing is held in memory.
 */
public final class SyntheticData {
  private SyntheticData() {
  }

  /** Writes {@code rows} rows under {@code dir} (files {@code part-NNNN.tsv} + {@code wt.fasta}); returns files written. */
  public static int write(Path dir, long rows, long rowsPerFile, long seed) throws IOException {
    Files.createDirectories(dir);
    SplittableRandom rnd = new SplittableRandom(seed);
    String aa = "ACDEFGHIKLMNPQRSTVWY";
    StringBuilder wt = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      wt.append(aa.charAt(rnd.nextInt(20)));
    }
    Files.writeString(dir.resolve("wt.fasta"), ">synthetic/1-300\n" + wt + "\n");
    int files = 0;
    long written = 0;
    while (written < rows) {
      long n = Math.min(rowsPerFile, rows - written);
      try (BufferedWriter w = Files.newBufferedWriter(dir.resolve(String.format(Locale.ROOT, "part-%04d.tsv", files)),
          StandardCharsets.UTF_8)) {
        w.write("variant\tscore\n");
        StringBuilder sb = new StringBuilder(64);
        for (long i = 0; i < n; i++) {
          sb.setLength(0);
          if (rnd.nextInt(1000) == 0) {
            sb.append("Z1Q\tnot-a-number\n"); // malformed: bad letter
          } else {
            int k = 1 + rnd.nextInt(3);
            int pos = 1 + rnd.nextInt(100);
            for (int j = 0; j < k; j++) {
              if (j > 0) {
                sb.append(':');
              }
              char mt = aa.charAt(rnd.nextInt(20));
              if (mt == wt.charAt(pos - 1)) {
                mt = mt == 'A' ? 'C' : 'A';
              }
              sb.append(wt.charAt(pos - 1)).append(pos).append(mt);
              pos += 1 + rnd.nextInt(60);
            }
            sb.append('\t').append(String.format(Locale.ROOT, "%.4f", rnd.nextDouble() * 4 - 2)).append('\n');
          }
          w.append(sb);
        }
      }
      files++;
      written += n;
    }
    return files;
  }

  /** The catalogue entry for files written by {@link #write} (HOCON, for metamut.ingest.datasets). */
  public static String catalogueEntry(String id, Path dir) {
    return id + " { path = \"" + dir.toAbsolutePath() + "/part-*.tsv\", format = substitutions, family = fitness, "
        + "delimiter = tab, protein = \"synthetic\", wt-fasta = \"" + dir.toAbsolutePath() + "/wt.fasta\", "
        + "index-base = 1, mutation-column = variant, mutation-separators = \":\", value-column = score, "
        + "unit = \"synthetic\", higher-is-better = true }";
  }
}
