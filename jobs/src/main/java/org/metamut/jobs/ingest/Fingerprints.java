package org.metamut.jobs.ingest;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.metamut.jobs.data.DataFingerprint;
import org.metamut.lib.provenance.Sha256;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which inputs changed since the last ingest. A file whose path, size and modification time equal the previous
 * manifest's reuses its recorded hash, so an unchanged re-run reads no data; otherwise it is hashed by
 * {@link DataFingerprint} (streamed on the driver). A source's fingerprint covers its catalogue entry, the row
 * settings, and every data and wild-type file.
 */
final class Fingerprints {
  private final Configuration hadoop;
  private final Map<String, Map<String, Object>> previousFiles;

  /** {@code previousFiles}: path -> {size, mtime, sha256} from the last manifest (may be empty). */
  Fingerprints(Configuration hadoop, Map<String, Map<String, Object>> previousFiles) {
    this.hadoop = hadoop;
    this.previousFiles = previousFiles;
  }

  /** {path, size, mtime, sha256} of one file. */
  Map<String, Object> file(Path p) throws IOException {
    FileSystem fs = p.getFileSystem(hadoop);
    FileStatus st = fs.getFileStatus(p);
    String key = st.getPath().toString();
    Map<String, Object> prev = previousFiles.get(key);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("path", key);
    out.put("size", st.getLen());
    out.put("mtime", st.getModificationTime());
    if (prev != null && ((Number) prev.get("size")).longValue() == st.getLen()
        && ((Number) prev.get("mtime")).longValue() == st.getModificationTime()) {
      out.put("sha256", prev.get("sha256"));
    } else {
      out.put("sha256", DataFingerprint.file(fs, p));
    }
    return out;
  }

  static String combine(String spec, String settings, List<Map<String, Object>> files) {
    MessageDigest md = Sha256.newDigest();
    md.update(spec.getBytes(StandardCharsets.UTF_8));
    md.update(settings.getBytes(StandardCharsets.UTF_8));
    for (Map<String, Object> f : files) {
      md.update((f.get("path") + "\t" + f.get("sha256") + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return Sha256.toHex(md.digest());
  }
}
