package org.metamut.jobs.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.lib.provenance.Sha256;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoint integrity without Spark: checksums, bounded reads, fallback past corrupt ones, resume identity. */
class CheckpointsTest {
  static final int DIM = 5;
  static final Checkpoints.Identity ID = new Checkpoints.Identity("maml", 42, "transformer L=1", "EncoderSpec[wt-mask]",
      "adam", DIM, "sha256:abc");

  @TempDir
  Path tmp;

  private Checkpoints checkpoints(Checkpoints.Identity id) throws Exception {
    Checkpoints c = new Checkpoints(new RunFiles(tmp.toString(), new Configuration()),
        RunFiles.path(tmp.resolve("ck").toString()), 10, "run-1");
    c.identify(id);
    return c;
  }

  private static double[] phi(long step) {
    double[] p = new double[DIM];
    for (int i = 0; i < DIM; i++) {
      p[i] = step + i / 10.0;
    }
    return p;
  }

  private Checkpoints withSteps(long... steps) throws Exception {
    Checkpoints c = checkpoints(ID);
    for (long s : steps) {
      Map<String, double[]> state = new LinkedHashMap<>();
      state.put("m", phi(-s));
      state.put("t", new double[] {s});
      c.write(s, phi(s), "adam", state, "{\"step\": " + s + "}");
    }
    return c;
  }

  private Path state(long step) {
    return tmp.resolve("ck").resolve(Checkpoints.dirName(step)).resolve(Checkpoints.STATE);
  }

  @Test
  void roundTripAndTheManifestRecordsIdentityAndChecksum() throws Exception {
    Checkpoints c = withSteps(2);
    List<String> said = new ArrayList<>();
    Checkpoints.Checkpoint back = c.latestResumable(DIM, said::add).orElseThrow();
    assertArrayEquals(phi(2), back.phi(), 0.0);
    assertArrayEquals(phi(-2), back.optimizerState().get("m"), 0.0);
    assertEquals(List.of(), said);
    var manifest = new ObjectMapper().readTree(tmp.resolve("ck/step-00000002/manifest.json").toFile());
    assertEquals(2, manifest.get("step").asInt(), "the caller's fields stay");
    assertEquals("maml", manifest.get("resume").get("algorithm").asText());
    assertEquals("sha256:abc", manifest.get("resume").get("data").asText());
    byte[] bytes = Files.readAllBytes(state(2));
    assertEquals(Sha256.toHex(Sha256.digest(bytes, 0, bytes.length - 32)), manifest.get("state_sha256").asText());
  }

  @Test
  void aBitFlipInTheLatestFallsBackToThePreviousWithOneLine() throws Exception {
    Checkpoints c = withSteps(2, 4, 6);
    try (RandomAccessFile f = new RandomAccessFile(state(6).toFile(), "rw")) {
      f.seek(40);
      int b = f.read();
      f.seek(40);
      f.write(b ^ 0x10);
    }
    List<String> said = new ArrayList<>();
    Checkpoints.Checkpoint back = c.latestResumable(DIM, said::add).orElseThrow();
    assertEquals(4, back.step());
    assertArrayEquals(phi(4), back.phi(), 0.0);
    assertEquals(1, said.size(), said.toString());
    assertTrue(said.get(0).contains("step-00000006") && said.get(0).contains("checksum mismatch")
        && said.get(0).contains("falling back to the previous checkpoint"), said.get(0));
  }

  @Test
  void aTruncatedLatestFallsBackAndAllCorruptFailsInOneLine() throws Exception {
    Checkpoints c = withSteps(2, 4);
    try (RandomAccessFile f = new RandomAccessFile(state(4).toFile(), "rw")) {
      f.setLength(f.length() / 2);
    }
    List<String> said = new ArrayList<>();
    assertEquals(2, c.latestResumable(DIM, said::add).orElseThrow().step());
    assertTrue(said.get(0).contains("step-00000004"), said.toString());
    Files.write(state(2), new byte[7]); // shorter than the magic
    Checkpoints.CorruptCheckpointException e = assertThrows(Checkpoints.CorruptCheckpointException.class,
        () -> c.latestResumable(DIM, s -> { }));
    assertTrue(e.getMessage().contains("every checkpoint (step-00000004, step-00000002) is corrupt or truncated")
        && e.getMessage().contains("--overwrite") && e.getMessage().indexOf('\n') < 0, e.getMessage());
  }

  @Test
  void aHugeLengthWithAValidChecksumIsRefusedBeforeAllocating() throws Exception {
    Checkpoints c = withSteps(2, 4);
    // what a writer bug (or a crafted file) could produce: φ claims 2^31-1 values, and the checksum is right
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(Checkpoints.MAGIC.getBytes(StandardCharsets.US_ASCII));
    out.writeInt(Checkpoints.VERSION);
    out.writeLong(4);
    out.writeUTF("adam");
    out.writeInt(Integer.MAX_VALUE);
    out.writeDouble(1.0);
    byte[] body = bytes.toByteArray();
    out.write(Sha256.digest(body, 0, body.length));
    Files.write(state(4), bytes.toByteArray());
    List<String> said = new ArrayList<>();
    assertEquals(2, c.latestResumable(DIM, said::add).orElseThrow().step());
    assertTrue(said.get(0).contains("φ of 2147483647 values needs 17179869176 bytes, 8 are left"), said.toString());
  }

  @Test
  void anotherConfigurationIsRefusedNamingBothValues() throws Exception {
    withSteps(2);
    Checkpoints.Identity other = new Checkpoints.Identity("reptile", 7, ID.model(), ID.encoder(), "adam", DIM, "sha256:def");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> checkpoints(other).latestResumable(DIM, s -> { }));
    String m = e.getMessage();
    assertTrue(m.startsWith("--resume: checkpoint ") && m.contains("algorithm 'maml' (this configuration: 'reptile')")
        && m.contains("seed '42' (this configuration: '7')") && m.contains("data 'sha256:abc' (this configuration: 'sha256:def')")
        && !m.contains("encoder") && m.indexOf('\n') < 0, m);
    IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
        () -> checkpoints(ID).latestResumable(DIM + 1, s -> { }));
    assertTrue(size.getMessage().contains("holds 5 meta-parameters, this configuration has 6"), size.getMessage());
  }

  @Test
  void theDataFingerprintCoversTheVariantsTableWithFreshEpisodesOnly() throws Exception {
    for (String t : List.of("episodes", "proteins", "variants/source=a")) {
      Files.createDirectories(tmp.resolve("data/" + t));
      Files.writeString(tmp.resolve("data/" + t + "/part-0.parquet"), t);
    }
    String base = "metamut.run.output-dir = \"" + tmp.resolve("data") + "\"\n";
    TrainSettings fresh = TrainSettings.from(org.metamut.jobs.config.MetamutConfig.fromString(base
        + "metamut.train.episodes = fresh\n"));
    TrainSettings fixed = TrainSettings.from(org.metamut.jobs.config.MetamutConfig.fromString(base
        + "metamut.train.episodes = fixed\n"));
    Configuration hadoop = new Configuration();
    String freshBefore = Checkpoints.dataFingerprint(hadoop, fresh, null);
    String fixedBefore = Checkpoints.dataFingerprint(hadoop, fixed, null);
    assertNotEquals(freshBefore, fixedBefore);
    Files.writeString(tmp.resolve("data/variants/source=a/part-0.parquet"), "re-ingested");
    assertNotEquals(freshBefore, Checkpoints.dataFingerprint(hadoop, fresh, null), "fresh episodes draw from variants/");
    assertEquals(fixedBefore, Checkpoints.dataFingerprint(hadoop, fixed, null), "fixed episodes do not read variants/");
  }
}
