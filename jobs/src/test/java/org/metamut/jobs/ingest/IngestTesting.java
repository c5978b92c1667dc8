package org.metamut.jobs.ingest;

import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.testing.BundledData;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Helpers for ingest tests: configs over the bundled data or over files a test writes. */
final class IngestTesting {
  private IngestTesting() {
  }

  /** The bundled data folder ({@link BundledData#dir}). */
  static Path bundledData() {
    return BundledData.dir();
  }

  static MetamutConfig config(Path out, Path dataDir, String... lines) {
    List<String> all = new ArrayList<>();
    all.add("metamut.run.output-dir = \"" + out + "\"");
    all.add("metamut.run.data-dir = \"" + dataDir + "\"");
    all.addAll(List.of(lines));
    return MetamutConfig.fromString(String.join("\n", all));
  }

  static String q(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /**
   * A copy of the bundled data folder where every data file (.csv/.tsv larger than 50 kB) keeps only its
   * header and first {@code rows} rows: real rows of every format, at a fraction of the cost.
   */
  static Path slice(Path target, int rows) throws java.io.IOException {
    Path src = bundledData();
    try (var walk = Files.walk(src)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        Path dst = target.resolve(src.relativize(p).toString());
        Files.createDirectories(dst.getParent());
        String n = p.getFileName().toString();
        if (n.endsWith(".zip")) {
          continue;
        }
        if ((n.endsWith(".csv") || n.endsWith(".tsv")) && Files.size(p) > 50_000) {
          try (var in = Files.newBufferedReader(p); var out = Files.newBufferedWriter(dst)) {
            String line;
            int i = 0;
            while ((line = in.readLine()) != null && i++ <= rows) {
              out.write(line);
              out.write("\n");
            }
          }
        } else {
          Files.copy(p, dst);
        }
      }
    }
    return target;
  }

  /** Every file under {@code dir} with its size, modification time and content hash, sorted by path. */
  static java.util.SortedMap<String, String> snapshot(Path dir) throws java.io.IOException {
    java.util.SortedMap<String, String> out = new java.util.TreeMap<>();
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(p).toString(), Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis() + " "
            + org.metamut.lib.provenance.Sha256.hex(Files.readAllBytes(p)));
      }
    }
    return out;
  }
}
