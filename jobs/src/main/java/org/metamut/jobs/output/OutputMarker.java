package org.metamut.jobs.output;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.metamut.lib.provenance.BuildInfo;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;

/**
 * The small file {@value #FILE} that says "metamut's {@code job} wrote this folder": which job, the metamut
 * version ({@link BuildInfo}), when, and the run id. Its presence (with the same job) is what allows a later run
 * to replace the folder. The leading underscore keeps it out of Spark/Parquet reads of the folder.
 */
public record OutputMarker(@JsonProperty("job") String job, @JsonProperty("metamut") String metamut,
                           @JsonProperty("written_at") String writtenAt, @JsonProperty("run_id") String runId) {
  public static final String FILE = "_METAMUT.json";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** A marker for {@code job} and {@code runId}, now, with this build's version. */
  public static OutputMarker now(String job, String runId) {
    return new OutputMarker(job, BuildInfo.current().toString(), Instant.now().toString(), runId);
  }

  /** Writes this marker into {@code dir} (replacing one that is there). */
  void writeTo(FileSystem fs, Path dir) throws IOException {
    FileSystem raw = Staging.raw(fs);
    try (FSDataOutputStream out = raw.create(new Path(dir, FILE), true)) {
      out.write(JSON.writeValueAsBytes(this));
    }
  }

  /**
   * The marker of {@code dir}: empty when there is none; an {@link IOException} naming the file when it cannot be
   * read as a marker.
   */
  static Optional<OutputMarker> read(FileSystem fs, Path dir) throws IOException {
    Path f = new Path(dir, FILE);
    if (!fs.exists(f)) {
      return Optional.empty();
    }
    try (InputStream in = fs.open(f)) {
      OutputMarker m = JSON.readValue(in, OutputMarker.class);
      if (m.job() == null) {
        throw new IOException("no \"job\"");
      }
      return Optional.of(m);
    } catch (IOException e) {
      throw new IOException(f + " is not a readable metamut marker: " + e.getMessage(), e);
    }
  }
}
