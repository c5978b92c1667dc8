package org.metamut.jobs.ingest;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.metamut.jobs.output.AtomicFile;
import org.metamut.jobs.output.FaultPoint;
import org.metamut.jobs.output.OutputFolder;
import org.metamut.jobs.output.OutputMarker;
import org.metamut.jobs.output.OutputRefusedException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The output folder of the ingest job and its two safety mechanisms, on any Hadoop filesystem:
 *
 * <ul>
 *   <li><b>Lock</b>: {@code <out>/.ingest.lock}, a {@link Lease} (owner id, expiry renewed while the run lives,
 *       created atomically). A second run waits up to {@code lock-wait-ms}, then fails naming the holder and
 *       when its lease ends. A dead run's lease is taken over by any host once it has expired (at once when the
 *       process is on this host and gone), said so; closing deletes only this run's own lease.</li>
 *   <li><b>Atomic replace</b>, through the output layer ({@link OutputFolder}): every output is first written
 *       completely under a staging folder {@code <out>/.ingest.tmp-<id>/}. Each staged folder is marked
 *       ({@code _METAMUT.json}, job {@value #JOB}) and each target checked: a non-empty folder that is not the
 *       ingest's own is refused ({@link OutputRefusedException}) before anything moves. Then a journal
 *       {@code <out>/.ingest-journal} listing the (staged, final) pairs is written, and each final folder is
 *       swapped by the layer (old version moved aside, staged one renamed in, old one deleted). Renames are
 *       atomic on a local filesystem and HDFS (not on object stores). A crash before the journal leaves the
 *       previous outputs untouched (the staged folder is removed at the next start); a crash after it is rolled
 *       forward by the next run before anything else happens (a swap cut between its two renames is first
 *       repaired by the layer).</li>
 * </ul>
 *
 * <p>Outputs of an ingest from before markers existed are recognised by the ingest manifest in {@code <out>}:
 * while it is there, an unmarked table folder counts as the ingest's own.
 */
final class OutputStore {
  static final String LOCK = ".ingest.lock";
  static final String JOURNAL = ".ingest-journal";
  /** The job name in output markers. */
  static final String JOB = "ingest";

  private final Path root;
  private final FileSystem fs;
  private final String runId = OutputFolder.newRunId();
  private Lease lease;

  OutputStore(String outputDir, Configuration hadoop) throws IOException {
    this.root = new Path(outputDir);
    this.fs = root.getFileSystem(hadoop);
    fs.setWriteChecksum(false); // no .crc side files on the local filesystem
    fs.mkdirs(root);
  }

  Path root() {
    return root;
  }

  FileSystem fs() {
    return fs;
  }

  Path path(String name) {
    return new Path(root, name);
  }

  /** A fresh staging folder {@code <out>/.ingest.tmp-<id>}. */
  Path newStaging() throws IOException {
    return OutputFolder.newStaging(fs, root, JOB);
  }

  // ------------------------------------------------------------------ lock

  /**
   * Takes the ingest lock {@code <out>/.ingest.lock}, a {@link Lease}: waits up to {@code waitMs} for a live run,
   * takes over an expired lease from any host; renewed every third of {@code leaseMs} until closed.
   */
  Lease lock(long waitMs, long leaseMs, java.util.function.Consumer<String> say) throws IOException, InterruptedException {
    lease = Lease.acquire(fs, new Path(root, LOCK), waitMs, leaseMs, say);
    return lease;
  }

  /** Thrown when the lock cannot be had. */
  static final class ConcurrentRunException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ConcurrentRunException(String msg) {
      super(msg);
    }
  }

  // ------------------------------------------------------------------ atomic replace

  /** One swap: the staged folder (or null = delete the final one) and the final folder. */
  record Swap(Path staged, Path target) {
  }

  /**
   * Replaces each target by its staged folder (journalled; see the class doc). A target whose staged folder
   * is null is removed. Staged folders must be complete when this is called.
   */
  void commit(List<Swap> swaps) throws IOException {
    if (lease != null) {
      lease.checkHeld(); // a run that lost its lease must not write beside the one that took it
    }
    for (Swap s : swaps) {
      checkReplaceable(s.target(), s.staged() != null ? fs.isFile(s.staged()) : fs.isFile(s.target()));
    }
    for (Swap s : swaps) {
      if (s.staged() != null && fs.getFileStatus(s.staged()).isDirectory()) {
        OutputFolder.mark(fs, s.staged(), JOB, runId);
      }
    }
    StringBuilder j = new StringBuilder();
    for (Swap s : swaps) {
      j.append(s.staged() == null ? "-" : s.staged().toString()).append('\t').append(s.target()).append('\n');
    }
    Path journal = new Path(root, JOURNAL);
    Path tmpJournal = new Path(root, JOURNAL + ".tmp");
    try (FSDataOutputStream out = fs.create(tmpJournal, true)) {
      out.write(j.toString().getBytes(StandardCharsets.UTF_8));
    }
    if (!fs.rename(tmpJournal, journal)) {
      throw new IOException("cannot rename " + tmpJournal + " to " + journal);
    }
    rollForward();
  }

  /**
   * Completes an interrupted commit, then removes staging and trash leftovers, then refuses
   * ({@link OutputRefusedException}) output folders that are not the ingest's own ({@code folders}, relative to
   * {@code <out>}), before any work. Call with the lock held.
   */
  boolean recover(String... folders) throws IOException {
    boolean rolled = false;
    if (fs.exists(new Path(root, JOURNAL))) {
      rollForward();
      rolled = true;
    }
    for (FileStatus st : fs.listStatus(root)) {
      String n = st.getPath().getName();
      if (n.startsWith(".tmp-") || n.startsWith(".trash-") || n.equals(JOURNAL + ".tmp")
          || n.startsWith(LOCK + ".expired-") || OutputFolder.isLeftover(n)) {
        fs.delete(st.getPath(), true);
      }
    }
    for (String f : folders) {
      checkReplaceable(path(f), false);
    }
    return rolled;
  }

  /** Refuses a target that is not the ingest's own (see the class doc for outputs written before markers). */
  private void checkReplaceable(Path target, boolean file) throws IOException {
    if (file) {
      AtomicFile.checkReplaceable(fs, target);
      return;
    }
    try {
      OutputFolder.checkReplaceable(fs, target, JOB, Set.of());
    } catch (OutputRefusedException e) {
      boolean legacy = fs.exists(new Path(root, IngestJob.MANIFEST)) && !fs.exists(new Path(target, OutputMarker.FILE));
      if (!legacy) {
        throw e;
      }
    }
  }

  /** Folder swaps this store has done (for {@link FaultPoint}). */
  private int swapsDone;

  private void rollForward() throws IOException {
    Path journal = new Path(root, JOURNAL);
    for (String line : readSmall(journal).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t");
      Path target = new Path(f[1]);
      Path staged = f[0].equals("-") ? null : new Path(f[0]);
      OutputFolder.recover(fs, target); // a swap cut between its two renames: the previous version is back
      if (staged != null && !fs.exists(staged)) {
        continue; // already moved into place
      }
      OutputFolder.replace(fs, staged, target);
      FaultPoint.reach("ingest-swap:" + (++swapsDone));
    }
    fs.delete(journal, false);
  }

  // ------------------------------------------------------------------ small files

  String readSmall(Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Writes a small file atomically ({@link AtomicFile}: temp file + rename over). */
  void writeSmall(Path p, String text) throws IOException {
    AtomicFile.write(fs, p, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  List<Path> children(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    if (fs.exists(dir)) {
      for (FileStatus st : fs.listStatus(dir)) {
        out.add(st.getPath());
      }
    }
    return out;
  }
}
