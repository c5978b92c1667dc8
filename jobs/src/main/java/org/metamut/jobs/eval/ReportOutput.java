package org.metamut.jobs.eval;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.metamut.jobs.output.AtomicFile;
import org.metamut.jobs.output.OutputFolder;
import org.metamut.lib.report.FailedRun;
import org.metamut.lib.report.ReportWriter;
import org.metamut.lib.report.ResultRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The evaluate report folder through the output layer ({@link OutputFolder}): opened before any work (a non-empty
 * folder that is not an evaluate report is refused), the per-method meta-training folders
 * ({@code training/<name>}) and the report files are written into its staged copy, then everything is published
 * at once, replacing the previous report and its training folders.
 *
 * <p>{@link ReportWriter} (lib) writes to a local {@code java.nio.file.Path}: on a local filesystem it writes
 * straight into the staged folder; on any other Hadoop filesystem it writes into a local temporary folder that is
 * then copied into the staged one, and the returned {@link ReportWriter.Written} paths name the files at their
 * final location on that filesystem (not local files).
 */
final class ReportOutput {
  static final String JOB = "evaluate";
  /** An unmarked folder holding this is a report written before markers existed. */
  static final Set<String> LEGACY_FILES = Set.of(ReportWriter.REPORT_HTML);

  private ReportOutput() {
  }

  /** Opens the report folder; a plain path is a local folder, a URI goes to its Hadoop filesystem. */
  static OutputFolder open(String reportDir, Configuration hadoop) throws IOException {
    Path p = AtomicFile.location(reportDir);
    return OutputFolder.open(p.getFileSystem(hadoop), p, JOB, OutputFolder.newRunId(), LEGACY_FILES);
  }

  /** Where a method's meta-training writes: {@code training/<name>} inside the staged report folder. */
  static String trainingDir(OutputFolder report, String name) throws IOException {
    return new Path(report.staging(), "training/" + name.replace('/', '-')).toString();
  }

  /** Writes the report files into the staged folder and publishes it; the paths returned are the final ones. */
  static ReportWriter.Written write(OutputFolder report, ReportWriter writer, List<ResultRecord> records,
                                   List<FailedRun> failures) throws IOException {
    Path staged = report.staging();
    boolean local = "file".equals(report.target().toUri().getScheme());
    java.nio.file.Path dir = local ? Paths.get(staged.toUri()) : Files.createTempDirectory("metamut-report");
    try {
      ReportWriter.Written w = writer.write(dir, records, failures);
      if (!local) {
        try (Stream<java.nio.file.Path> children = Files.list(dir)) {
          for (java.nio.file.Path c : children.toList()) {
            report.fs().copyFromLocalFile(false, true, new Path(c.toUri()), new Path(staged, c.getFileName().toString()));
          }
        }
      }
      report.publish();
      java.nio.file.Path base = local ? Paths.get(report.target().toUri()) : Paths.get(report.target().toUri().getPath());
      return new ReportWriter.Written(moved(w.html(), dir, base), moved(w.resultsCsv(), dir, base),
          moved(w.summaryCsv(), dir, base), moved(w.improvementsCsv(), dir, base), moved(w.json(), dir, base),
          w.charts().stream().map(c -> moved(c, dir, base)).toList(), moved(w.failedCsv(), dir, base));
    } finally {
      report.abort();
      if (!local) {
        deleteTree(dir);
      }
    }
  }

  private static java.nio.file.Path moved(java.nio.file.Path p, java.nio.file.Path from, java.nio.file.Path to) {
    return p == null ? null : to.resolve(from.relativize(p).toString());
  }

  private static void deleteTree(java.nio.file.Path dir) {
    try (Stream<java.nio.file.Path> s = Files.walk(dir)) {
      for (java.nio.file.Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the temporary report folder " + dir + ": " + e.getMessage(), e);
    }
  }
}
