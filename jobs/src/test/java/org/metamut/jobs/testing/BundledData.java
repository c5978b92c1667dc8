package org.metamut.jobs.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's bundled datasets as tests use them: the folder, and the small evaluation slice of it. */
public final class BundledData {
  private BundledData() {
  }

  /** The bundled data folder (src/data of the repository), found from the test's working directory. */
  public static Path dir() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("src/data/metl-dms"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("src/data not found above " + Path.of("").toAbsolutePath());
    }
    return p.resolve("src/data");
  }

  /**
   * The config lines of the small end-to-end evaluation slice: output under {@code out}, the bundled FireProt and
   * PON-Sol2 files only, 8 + 8 episodes (2 per task), leave-one-protein-out with 30 % meta-test and 10 % meta-val.
   * Tests append their model, training and evaluation lines.
   */
  public static String evaluationSlice(Path out) {
    return "metamut.run.output-dir = \"" + out + "\"\n"
        + "metamut.run.data-dir = \"" + dir() + "\"\n"
        + "metamut.ingest.only = [fireprot, ponsol2]\n"
        + "metamut.episodes { support-size = 8, query-size = 8, per-task = 2,"
        + "  split { protocol = leave-one-protein-out, test-fraction = 0.3, val-fraction = 0.1 } }\n";
  }
}
