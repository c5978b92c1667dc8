package org.metamut.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.metamut.jobs.data.DataFingerprint;
import org.metamut.jobs.data.EpisodeStore;
import org.metamut.jobs.output.FaultPoint;
import org.metamut.jobs.output.OutputFolder;
import org.metamut.lib.provenance.Sha256;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UTFDataFormatException;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Atomic, checked checkpoints under {@code <dir>}: each {@code step-NNNNNNNN/} is published once through
 * {@link OutputFolder} (written completely into a hidden {@code .step-NNNNNNNN.tmp-<id>/} sibling,
 * {@code state.bin}: φ and the optimiser state as raw float64; {@code manifest.json}: provenance and the run's
 * {@link Identity}; marked {@code _METAMUT.json} as meta-train's; then renamed into place). A crash mid-write
 * leaves only a hidden folder, ignored (and cleaned) later, never a broken {@code step-*}. The latest checkpoint
 * is found by listing; only the last {@code keep} are kept.
 *
 * <p>{@code state.bin} (version 2): magic {@code MMUTCKPT}, int version, long step, UTF optimiser name, int n,
 * n doubles (φ), int entries, then per entry UTF name, int length, doubles (big-endian, {@link DataOutputStream}),
 * then the SHA-256 of everything before it (32 bytes). It is fsynced ({@code hsync}) before the folder is
 * published, where the file system supports it (local, HDFS), so a published checkpoint survives a power cut.
 * Reading checks, before any array is allocated: the size, the checksum (streamed), then every length against the
 * bytes left and φ's against the configuration's; a failure is a one-line {@link CorruptCheckpointException}, and
 * {@link #latestResumable} then falls back to the previous checkpoint, saying so. Version 1 files (no checksum)
 * are still read, with the same bounds.
 */
public final class Checkpoints {
  static final String MAGIC = "MMUTCKPT";
  static final int VERSION = 2;
  static final String STATE = "state.bin";
  static final String MANIFEST = "manifest.json";
  /** An unmarked {@code step-*} folder holding this was written before markers existed. */
  static final java.util.Set<String> LEGACY_FILES = java.util.Set.of(STATE);
  private static final Pattern STEP_DIR = Pattern.compile("step-(\\d{8,})");
  private static final int DIGEST = 32;
  /** More optimiser state arrays than any optimiser has (Adam: 3): a larger count is corruption. */
  private static final int MAX_STATE_ENTRIES = 64;
  /** A manifest is a few KiB (the rendered configuration is the bulk); a larger one is not read. */
  private static final long MAX_MANIFEST_BYTES = 16L << 20;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** A loaded checkpoint. */
  public record Checkpoint(long step, double[] phi, String optimizer, Map<String, double[]> optimizerState, Path dir) {
  }

  /**
   * What a checkpoint must share with the configuration that resumes it: continuing a run under another algorithm,
   * seed, encoder, model, optimiser or data would silently produce a model that no single configuration describes.
   * Recorded in each checkpoint's manifest under {@code "resume"}.
   */
  public record Identity(String algorithm, long seed, String model, String encoder, String optimizer, int metaParams,
                         String data) {
    /** The identity of a run of {@code s}; {@code data} from {@link #dataFingerprint}. */
    static Identity of(TrainSettings s, String model, Object encoder, String optimizer, int metaParams, String data) {
      return new Identity(s.algorithm(), s.seed(), model, String.valueOf(encoder), optimizer, metaParams, data);
    }

    Map<String, Object> fields() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("algorithm", algorithm);
      m.put("seed", seed);
      m.put("model", model);
      m.put("encoder", encoder);
      m.put("optimizer", optimizer);
      m.put("meta_params", metaParams);
      m.put("data", data);
      return m;
    }
  }

  /** A checkpoint that cannot be trusted (truncated, bit-flipped, not a checkpoint); the message says which, one line. */
  static final class CorruptCheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    CorruptCheckpointException(Path file, String problem) {
      super("checkpoint " + OutputFolder.display(file) + " is unreadable: " + problem);
    }
  }

  private final RunFiles files;
  private final Path dir;
  private final int keep;
  private final String runId;
  private Identity identity;

  Checkpoints(RunFiles files, Path dir, int keep, String runId) {
    this.files = files;
    this.dir = dir;
    this.keep = keep;
    this.runId = runId;
  }

  public static String dirName(long step) {
    return String.format("step-%08d", step);
  }

  /** The identity written into every checkpoint's manifest and required of the one a resume continues. */
  void identify(Identity id) {
    this.identity = id;
  }

  /**
   * The data a run trains on, for its {@link Identity}: the SHA-256 of the episodes' and proteins' table
   * fingerprints ({@link DataFingerprint}: every file's bytes), and with fresh episodes the variants table's (what
   * they are drawn from), or a description of episodes given in memory.
   */
  static String dataFingerprint(Configuration hadoop, TrainSettings s, EpisodeStore given) {
    if (given != null) {
      return "in memory: " + given.size() + " episodes, " + given.variants() + " variants";
    }
    String tables = DataFingerprint.of(hadoop, RunFiles.path(s.episodesDir()).toString()) + " "
        + DataFingerprint.of(hadoop, RunFiles.path(s.proteinsDir()).toString());
    if (TrainSettings.FRESH.equals(s.episodes())) { // fresh episodes are drawn from the variants table
      tables += " " + DataFingerprint.of(hadoop, RunFiles.path(s.variantsDir()).toString());
    }
    return "sha256:" + Sha256.hex(tables);
  }

  /** Writes the checkpoint of {@code step} atomically, then prunes old ones. Returns its folder. */
  Path write(long step, double[] phi, String optimizer, Map<String, double[]> optState, String manifestJson)
      throws IOException {
    files.mkdirs(dir);
    OutputFolder folder = OutputFolder.open(files.fs(), new Path(dir, dirName(step)), MetaTrainJob.JOB, runId,
        LEGACY_FILES);
    try {
      String digest = writeState(new Path(folder.staging(), STATE), step, phi, optimizer, optState);
      writeSynced(new Path(folder.staging(), MANIFEST), manifest(manifestJson, digest).getBytes(StandardCharsets.UTF_8));
      FaultPoint.reach("checkpoint-publish:" + step);
      folder.publish();
    } finally {
      folder.abort(); // after a failure; nothing to do once published
    }
    prune();
    return folder.target();
  }

  /** The caller's manifest with the run's identity and the state file's checksum added. */
  private String manifest(String manifestJson, String stateSha256) throws IOException {
    ObjectNode m = (ObjectNode) JSON.readTree(manifestJson);
    if (identity != null) {
      m.set("resume", JSON.valueToTree(identity.fields()));
    }
    m.put("state_sha256", stateSha256);
    return JSON.writeValueAsString(m);
  }

  /** Writes {@code state.bin} (format in the class doc), synced; returns the hex SHA-256 it ends with. */
  private String writeState(Path f, long step, double[] phi, String optimizer, Map<String, double[]> optState)
      throws IOException {
    MessageDigest digest = Sha256.newDigest();
    try (FSDataOutputStream raw = rawFs().create(f, true)) {
      DataOutputStream out = new DataOutputStream(new DigestOutputStream(new BufferedOutputStream(raw, 1 << 16), digest));
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
      out.flush();
      byte[] sum = digest.digest();
      raw.write(sum); // after the digested bytes (the buffer is flushed), not through the digest
      raw.hsync(); // a plain flush where the file system cannot sync
      return Sha256.toHex(sum);
    }
  }

  private void writeSynced(Path f, byte[] bytes) throws IOException {
    try (FSDataOutputStream out = rawFs().create(f, true)) {
      out.write(bytes);
      out.hsync();
    }
  }

  /** Without client-side checksums: the state file carries its own, and the raw local stream is the one that syncs. */
  private FileSystem rawFs() {
    return files.fs() instanceof ChecksumFileSystem c ? c.getRawFileSystem() : files.fs();
  }

  private static void writeArray(DataOutputStream out, double[] a) throws IOException {
    out.writeInt(a.length);
    for (double v : a) {
      out.writeDouble(v);
    }
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

  /** The latest complete checkpoint, if any (unchecked identity; a corrupt one throws). */
  Optional<Checkpoint> latest() throws IOException {
    List<Long> steps = steps();
    return steps.isEmpty() ? Optional.empty() : Optional.of(read(steps.get(steps.size() - 1)));
  }

  /**
   * The checkpoint {@code --resume} continues from: the latest readable one, skipping (one line each, through
   * {@code say}) any that is corrupt or truncated. It must match this run's {@link Identity} and hold
   * {@code metaParams} meta-parameters; a mismatch is refused in one line naming both values (not skipped: an
   * older checkpoint of the same folder was written by the same run). Empty when there is none at all; when every
   * checkpoint is unreadable, fails saying so.
   */
  Optional<Checkpoint> latestResumable(int metaParams, Consumer<String> say) throws IOException {
    List<Long> steps = steps();
    List<String> unreadable = new ArrayList<>();
    for (int i = steps.size() - 1; i >= 0; i--) {
      Checkpoint c;
      try {
        c = read(steps.get(i), metaParams);
      } catch (CorruptCheckpointException e) {
        unreadable.add(dirName(steps.get(i)));
        say.accept("--resume: " + e.getMessage() + "; falling back to the previous checkpoint");
        continue;
      }
      checkIdentity(c);
      return Optional.of(c);
    }
    if (!unreadable.isEmpty()) {
      throw new CorruptCheckpointException(dir, "every checkpoint (" + String.join(", ", unreadable)
          + ") is corrupt or truncated; start over with --overwrite, or choose another output folder");
    }
    return Optional.empty();
  }

  Checkpoint read(long step) throws IOException {
    return read(step, -1);
  }

  /**
   * Reads and checks (see the class doc) the checkpoint of {@code step}; {@code metaParams >= 0}: φ must have
   * that length (otherwise an {@link IllegalArgumentException} naming both: the configuration differs).
   */
  Checkpoint read(long step, int metaParams) throws IOException {
    Path d = new Path(dir, dirName(step));
    Path f = new Path(d, STATE);
    if (!files.exists(f)) {
      throw new CorruptCheckpointException(f, "the file is missing");
    }
    long size = files.fs().getFileStatus(f).getLen();
    int version = checkFrame(f, size);
    long body = version >= 2 ? size - DIGEST : size;
    try (InputStream raw = files.open(f);
         DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
      Bounded b = new Bounded(in, f, body);
      b.skip(MAGIC.length() + Integer.BYTES);
      long s = b.readLong();
      if (s != step) {
        throw new CorruptCheckpointException(f, "it holds step " + s + " but its folder says " + step);
      }
      String opt = b.readUTF();
      double[] phi = b.readArray("φ");
      if (metaParams >= 0 && phi.length != metaParams) {
        throw new IllegalArgumentException("--resume: checkpoint " + OutputFolder.display(d) + " holds " + phi.length
            + " meta-parameters, this configuration has " + metaParams + "; resume with the configuration that wrote it,"
            + " or start over with --overwrite");
      }
      int n = b.readInt();
      if (n < 0 || n > MAX_STATE_ENTRIES) {
        throw new CorruptCheckpointException(f, "it claims " + n + " optimiser state arrays (at most " + MAX_STATE_ENTRIES + ")");
      }
      Map<String, double[]> state = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        String name = b.readUTF();
        state.put(name, b.readArray("optimiser state '" + name + "'"));
      }
      if (b.left() != 0) {
        throw new CorruptCheckpointException(f, b.left() + " unexpected bytes after the optimiser state");
      }
      return new Checkpoint(step, phi, opt, state, d);
    }
  }

  /**
   * Size, magic and version from the first bytes; for version 2, the SHA-256 of the body (streamed, nothing held)
   * against the trailer. Returns the version.
   */
  private int checkFrame(Path f, long size) throws IOException {
    int fixed = MAGIC.length() + Integer.BYTES;
    if (size < fixed) {
      throw new CorruptCheckpointException(f, "truncated to " + size + " bytes");
    }
    int version;
    try (InputStream raw = files.open(f); DataInputStream in = new DataInputStream(raw)) {
      byte[] magic = new byte[MAGIC.length()];
      in.readFully(magic);
      if (!MAGIC.equals(new String(magic, StandardCharsets.US_ASCII))) {
        throw new CorruptCheckpointException(f, "not a metamut checkpoint (bad magic)");
      }
      version = in.readInt();
    }
    if (version < 1 || version > VERSION) {
      throw new CorruptCheckpointException(f, "checkpoint format version " + version + ", this build reads 1 to " + VERSION);
    }
    if (version >= 2) {
      if (size < fixed + DIGEST) {
        throw new CorruptCheckpointException(f, "truncated to " + size + " bytes");
      }
      MessageDigest d = Sha256.newDigest();
      byte[] want = new byte[DIGEST];
      try (InputStream in = new BufferedInputStream(files.open(f), 1 << 16)) {
        byte[] buf = new byte[1 << 16];
        long left = size - DIGEST;
        while (left > 0) {
          int r = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (r < 0) {
            throw new CorruptCheckpointException(f, "shorter than its listed size " + size);
          }
          d.update(buf, 0, r);
          left -= r;
        }
        new DataInputStream(in).readFully(want);
      }
      if (!MessageDigest.isEqual(want, d.digest())) {
        throw new CorruptCheckpointException(f, "checksum mismatch (" + size + " bytes): corrupt or truncated");
      }
    }
    return version;
  }

  /** Reads from a stream of {@code limit} bytes, checking every length against what is left before allocating. */
  private static final class Bounded {
    private final DataInputStream in;
    private final Path f;
    private long left;

    Bounded(DataInputStream in, Path f, long limit) {
      this.in = in;
      this.f = f;
      this.left = limit;
    }

    long left() {
      return left;
    }

    private void need(long n, String what) throws CorruptCheckpointException {
      if (n < 0 || n > left) {
        throw new CorruptCheckpointException(f, what + " needs " + n + " bytes, " + left + " are left: truncated or corrupt");
      }
      left -= n;
    }

    void skip(int n) throws IOException {
      need(n, "the header");
      in.readFully(new byte[n]);
    }

    int readInt() throws IOException {
      need(Integer.BYTES, "a length");
      return in.readInt();
    }

    long readLong() throws IOException {
      need(Long.BYTES, "the step");
      return in.readLong();
    }

    /** {@link DataInputStream#readUTF}'s format (a two-byte length, then modified UTF-8), length checked first. */
    String readUTF() throws IOException {
      need(2, "a name");
      int len = in.readUnsignedShort();
      need(len, "a name of " + len + " bytes");
      byte[] b = new byte[len + 2];
      b[0] = (byte) (len >>> 8);
      b[1] = (byte) len;
      in.readFully(b, 2, len);
      try {
        return new DataInputStream(new ByteArrayInputStream(b)).readUTF();
      } catch (UTFDataFormatException e) {
        throw new CorruptCheckpointException(f, "a name is not valid UTF-8");
      }
    }

    double[] readArray(String what) throws IOException {
      int n = readInt();
      need(8L * n, what + " of " + n + " values");
      double[] a = new double[n];
      for (int i = 0; i < n; i++) {
        a[i] = in.readDouble();
      }
      return a;
    }
  }

  /** Refuses (one line, both values of every difference) a checkpoint whose manifest records another identity. */
  private void checkIdentity(Checkpoint c) throws IOException {
    Path m = new Path(c.dir(), MANIFEST);
    JsonNode recorded = null;
    if (files.exists(m) && files.fs().getFileStatus(m).getLen() <= MAX_MANIFEST_BYTES) {
      try (InputStream in = files.open(m)) {
        recorded = JSON.readTree(in).get("resume");
      } catch (IOException e) {
        recorded = null; // an unreadable manifest: only the state file's own checks apply
      }
    }
    List<String> differences = new ArrayList<>();
    if (identity != null && recorded != null) {
      for (Map.Entry<String, Object> e : identity.fields().entrySet()) {
        JsonNode v = recorded.get(e.getKey());
        String want = String.valueOf(e.getValue());
        if (v != null && !v.asText().equals(want)) {
          differences.add(e.getKey() + " " + quote(v.asText()) + " (this configuration: " + quote(want) + ")");
        }
      }
    } else if (identity != null && !c.optimizer().equals(identity.optimizer())) {
      // a checkpoint from before identities were recorded: its optimiser (and φ's length, checked on read)
      differences.add("optimizer " + quote(c.optimizer()) + " (this configuration: " + quote(identity.optimizer()) + ")");
    }
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException("--resume: checkpoint " + OutputFolder.display(c.dir()) + " was written with "
          + String.join(", ", differences) + "; resume with the configuration that wrote it, or start over with "
          + "--overwrite (or another output folder)");
    }
  }

  private static String quote(String s) {
    return "'" + s + "'";
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
