package org.metamut.jobs.output;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * One output folder that a job replaces as a whole (see the package doc for the protocol):
 *
 * <pre>{@code
 * OutputFolder out = OutputFolder.open(fs, target, "score", runId); // repairs, refuses a foreign folder
 * write into out.staging() ...
 * out.publish();                                                     // marks, swaps; or out.abort()
 * }</pre>
 *
 * <p>{@link #open} is cheap and creates nothing: call it before the expensive work so that a refusal comes
 * first. The static methods are the same steps for callers that keep their own journal (ingest).
 */
public final class OutputFolder {
  private final FileSystem fs;
  private final Path target;
  private final String job;
  private final String runId;
  private final Set<String> legacyFiles;
  private final Optional<String> recovered;
  private Path staging;

  private OutputFolder(FileSystem fs, Path target, String job, String runId, Set<String> legacyFiles,
                       Optional<String> recovered) {
    this.fs = fs;
    this.target = target;
    this.job = job;
    this.runId = runId;
    this.legacyFiles = legacyFiles;
    this.recovered = recovered;
  }

  /** {@link #open(FileSystem, Path, String, String, Set)} for a location on its Hadoop file system. */
  public static OutputFolder open(String location, Configuration conf, String job, String runId) throws IOException {
    Path p = new Path(location);
    return open(p.getFileSystem(conf), p, job, runId, Set.of());
  }

  /** {@link #open(FileSystem, Path, String, String, Set)} without legacy files. */
  public static OutputFolder open(FileSystem fs, Path target, String job, String runId) throws IOException {
    return open(fs, target, job, runId, Set.of());
  }

  /**
   * Opens {@code target} for replacement by {@code job}: repairs an interrupted earlier replacement, then refuses
   * ({@link OutputRefusedException}) a target that is a file, or a non-empty folder that is not marked as
   * {@code job}'s output. {@code legacyFiles}: an unmarked folder that holds all these names counts as
   * {@code job}'s output written before markers existed (empty: no such allowance).
   */
  public static OutputFolder open(FileSystem fs, Path target, String job, String runId, Set<String> legacyFiles)
      throws IOException {
    Path t = Staging.qualify(fs, target);
    if (t.getParent() == null) {
      throw new OutputRefusedException("refusing to write metamut " + job + " output to the root folder "
          + Staging.display(t) + "; choose a sub-folder");
    }
    Optional<String> recovered = Staging.recover(fs, t);
    checkReplaceable(fs, t, job, legacyFiles);
    return new OutputFolder(fs, t, job, runId, Set.copyOf(legacyFiles), recovered);
  }

  public FileSystem fs() {
    return fs;
  }

  /** The folder that {@link #publish} replaces (qualified). */
  public Path target() {
    return target;
  }

  /** A sentence when {@link #open} restored a previous version that a dead run had moved aside. */
  public Optional<String> recovered() {
    return recovered;
  }

  /** The hidden sibling to write the new version into; created on the first call. */
  public Path staging() throws IOException {
    if (staging == null) {
      Path s = Staging.sibling(target, Staging.TMP);
      if (!fs.mkdirs(s)) {
        throw new IOException("cannot create folder " + s);
      }
      staging = s;
    }
    return staging;
  }

  /**
   * Marks the staged folder and puts it in place of the target (an empty folder when nothing was staged). The
   * target is checked again first (it may have changed while the job ran); a refusal then discards the staged
   * folder and leaves the target as it is.
   */
  public void publish() throws IOException {
    Path s = staging();
    try {
      mark(fs, s, job, runId);
      checkReplaceable(fs, target, job, legacyFiles);
      Staging.swap(fs, s, target);
      staging = null;
    } finally {
      abort();
    }
  }

  /** Deletes the staged folder, if any (after a failure); best effort, the next open removes leftovers too. */
  public void abort() {
    if (staging != null) {
      try {
        fs.delete(staging, true);
      } catch (IOException e) {
        // best effort: the next open of this target deletes it
      }
      staging = null;
    }
  }

  // ------------------------------------------------------------------ the steps, for callers with a journal

  /** Refuses ({@link OutputRefusedException}) to replace {@code target} unless it is absent, empty or {@code job}'s. */
  public static void checkReplaceable(FileSystem fs, Path target, String job, Set<String> legacyFiles)
      throws IOException {
    if (!fs.exists(target)) {
      return;
    }
    String where = Staging.display(target);
    FileStatus st = fs.getFileStatus(target);
    if (!st.isDirectory()) {
      throw new OutputRefusedException("refusing to replace " + where + ": it is a file, not a metamut " + job
          + " output folder; choose another output location or move the file away");
    }
    FileStatus[] children = fs.listStatus(target);
    if (children.length == 0) {
      return;
    }
    Optional<OutputMarker> marker;
    try {
      marker = OutputMarker.read(fs, target);
    } catch (IOException e) {
      throw new OutputRefusedException("refusing to replace " + where + ": " + Staging.oneLine(e.getMessage())
          + "; choose another output folder");
    }
    if (marker.isPresent()) {
      if (marker.get().job().equals(job)) {
        return;
      }
      throw new OutputRefusedException("refusing to replace " + where + ": it holds the output of metamut "
          + marker.get().job() + ", not " + job + "; choose another output folder");
    }
    if (!legacyFiles.isEmpty()) {
      Set<String> names = new HashSet<>();
      for (FileStatus c : children) {
        names.add(c.getPath().getName());
      }
      if (names.containsAll(legacyFiles)) {
        return;
      }
    }
    throw new OutputRefusedException("refusing to replace " + where + ": the folder is not empty and was not written "
        + "by metamut " + job + " (no " + OutputMarker.FILE + "); choose another output folder, or empty it yourself");
  }

  /** Writes the marker of {@code job} into the folder {@code dir}. */
  public static void mark(FileSystem fs, Path dir, String job, String runId) throws IOException {
    OutputMarker.now(job, runId).writeTo(fs, dir);
  }

  /**
   * Puts the complete {@code staged} folder or file in place of {@code target} ({@code staged == null}: removes
   * {@code target}), keeping the previous version until the new one is in. Check and mark first.
   */
  public static void replace(FileSystem fs, Path staged, Path target) throws IOException {
    Staging.swap(fs, staged, target);
  }

  /** Repairs what a dead writer of {@code target} left (see the package doc); a sentence when it restored one. */
  public static Optional<String> recover(FileSystem fs, Path target) throws IOException {
    return Staging.recover(fs, target);
  }

  /** A fresh hidden staging folder {@code <parent>/.<label>.tmp-<id>} for several outputs at once. */
  public static Path newStaging(FileSystem fs, Path parent, String label) throws IOException {
    Path p = Staging.sibling(new Path(parent, label), Staging.TMP);
    if (!fs.mkdirs(p)) {
      throw new IOException("cannot create folder " + p);
    }
    return p;
  }

  /** Whether a name is a staging or moved-aside leftover of this layer (to clean, or to skip when listing). */
  public static boolean isLeftover(String name) {
    return Staging.isLeftover(name);
  }

  /** {@code p} as a user reads it: a local path without {@code file:}, anything else as its URI. */
  public static String display(Path p) {
    return Staging.display(p);
  }

  /** A new run id (the marker's {@code run_id}) for callers without one. */
  public static String newRunId() {
    return UUID.randomUUID().toString();
  }
}
