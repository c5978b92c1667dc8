package org.metamut.jobs.train;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.metamut.jobs.output.OutputFolder;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Atomic checkpoints under {@code <dir>}: each {@code step-NNNNNNNN/} is published once through
 * {@link OutputFolder} (written completely into a hidden {@code .step-NNNNNNNN.tmp-<id>/} sibling,
 * {@code state.bin}: φ and the optimiser state as raw float64; {@code manifest.json}: provenance; marked
 * {@code _METAMUT.json} as meta-train's; then renamed into place). A crash mid-write leaves only a hidden
 * folder, ignored (and cleaned) later, never a broken {@code step-*}. The latest checkpoint is found by listing;
 * only the last {@code keep} are kept.
 *
 * <p>{@code state.bin}: magic {@code MMUTCKPT}, int version 1, long step, UTF optimiser name, int n, n doubles
 * (φ), int entries, then per entry UTF name, int length, doubles (big-endian, {@link DataOutputStream}).
 */
public final class Checkpoints {
  static final String MAGIC = "MMUTCKPT";
  static final int VERSION = 1;
  /** An unmarked {@code step-*} folder holding this was written before markers existed. */
  static final java.util.Set<String> LEGACY_FILES = java.util.Set.of("state.bin");
  private static final Pattern STEP_DIR = Pattern.compile("step-(\\d{8,})");

  /** A loaded checkpoint. */
  public record Checkpoint(long step, double[] phi, String optimizer, Map<String, double[]> optimizerState, Path dir) {
  }

  private final RunFiles files;
  private final Path dir;
  private final int keep;
  private final String runId;

  Checkpoints(RunFiles files, Path dir, int keep, String runId) {
    this.files = files;
    this.dir = dir;
    this.keep = keep;
    this.runId = runId;
  }

  public static String dirName(long step) {
    return String.format("step-%08d", step);
  }

  /** Writes the checkpoint of {@code step} atomically, then prunes old ones. Returns its folder. */
  Path write(long step, double[] phi, String optimizer, Map<String, double[]> optState, String manifestJson)
      throws IOException {
    files.mkdirs(dir);
    OutputFolder folder = OutputFolder.open(files.fs(), new Path(dir, dirName(step)), MetaTrainJob.JOB, runId,
        LEGACY_FILES);
    try {
      writeFiles(folder.staging(), step, phi, optimizer, optState, manifestJson);
      folder.publish();
    } finally {
      folder.abort(); // after a failure; nothing to do once published
    }
    prune();
    return folder.target();
  }

  private void writeFiles(Path tmp, long step, double[] phi, String optimizer, Map<String, double[]> optState,
                          String manifestJson) throws IOException {
    try (OutputStream raw = files.create(new Path(tmp, "state.bin"));
         DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(raw, 1 << 16))) {
      out.write(MAGIC.getBytes(StandardCharsets.US_ASCII));
      out.writeInt(VERSION);
      out.writeLong(step);
      out.writeUTF(optimizer);
      writeArray(out, phi);
      out.writeInt(optState.size());
      for (Map.Entry<String, double[]> e : optState.entrySet()) {
        out.writeUTF(e.getKey());
        writeArray(out, e.getValue());
      }
    }
    try (OutputStream out = files.create(new Path(tmp, "manifest.json"))) {
      out.write(manifestJson.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void writeArray(DataOutputStream out, double[] a) throws IOException {
    out.writeInt(a.length);
    for (double v : a) {
      out.writeDouble(v);
    }
  }

  private static double[] readArray(DataInputStream in) throws IOException {
    double[] a = new double[in.readInt()];
    for (int i = 0; i < a.length; i++) {
      a[i] = in.readDouble();
    }
    return a;
  }

  /** Completed checkpoints, oldest first. */
  List<Long> steps() throws IOException {
    List<Long> steps = new ArrayList<>();
    for (FileStatus st : files.list(dir)) {
      Matcher m = STEP_DIR.matcher(st.getPath().getName());
      if (st.isDirectory() && m.matches()) {
        steps.add(Long.parseLong(m.group(1)));
      }
    }
    steps.sort(Comparator.naturalOrder());
    return steps;
  }

  /** The latest complete checkpoint, if any. */
  Optional<Checkpoint> latest() throws IOException {
    List<Long> steps = steps();
    return steps.isEmpty() ? Optional.empty() : Optional.of(read(steps.get(steps.size() - 1)));
  }

  Checkpoint read(long step) throws IOException {
    Path d = new Path(dir, dirName(step));
    Path f = new Path(d, "state.bin");
    try (InputStream raw = files.open(f);
         DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16))) {
      byte[] magic = new byte[MAGIC.length()];
      in.readFully(magic);
      if (!MAGIC.equals(new String(magic, StandardCharsets.US_ASCII))) {
        throw new IOException(f + " is not a metamut checkpoint (bad magic)");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IOException(f + " has checkpoint format version " + version + ", this build reads " + VERSION);
      }
      long s = in.readLong();
      if (s != step) {
        throw new IOException(f + " holds step " + s + " but its folder says " + step);
      }
      String opt = in.readUTF();
      double[] phi = readArray(in);
      int n = in.readInt();
      Map<String, double[]> state = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        state.put(in.readUTF(), readArray(in));
      }
      return new Checkpoint(step, phi, opt, state, d);
    }
  }

  /** Keeps the last {@code keep} checkpoints. */
  void prune() throws IOException {
    List<Long> steps = steps();
    for (int i = 0; i < steps.size() - keep; i++) {
      files.delete(new Path(dir, dirName(steps.get(i))));
    }
  }

  /** Removes leftovers of a crashed writer (call only when no writer runs); {@code .tmp-*}: older builds'. */
  void cleanTemporaries() throws IOException {
    for (FileStatus st : files.list(dir)) {
      String name = st.getPath().getName();
      if (name.startsWith(".tmp-") || OutputFolder.isLeftover(name)) {
        files.delete(st.getPath());
      }
    }
  }
}
