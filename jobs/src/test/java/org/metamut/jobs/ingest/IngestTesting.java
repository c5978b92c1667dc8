package org.metamut.jobs.ingest;

import org.metamut.jobs.config.MetamutConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Helpers for ingest tests: configs over the bundled data or over files a test writes. */
final class IngestTesting {
  private IngestTesting() {
  }

  /** The bundled data folder (src/data of the repository), found from the test's working directory. */
  static Path bundledData() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("src/data/metl-dms"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("src/data not found above " + Path.of("").toAbsolutePath());
    }
    return p.resolve("src/data");
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
}
