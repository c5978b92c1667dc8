package org.metamut.jobs.train;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.io.ModelFile;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Meta-train in Spark local mode: a corrupt latest checkpoint makes --resume fall back to the previous one and
 * still reach the uninterrupted θ; a resume under another configuration is refused; no secret reaches a file.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ResumeFallbackTest {
  static final String SECRET = "metamut.spark.conf { \"spark.hadoop.fs.s3a.secret.key\" = \"hunter2-s3\" }\n";

  @BeforeAll
  static void writeEpisodes(@TempDir Path dir) {
    MetaTrainJobTest.data = dir;
    SyntheticEpisodes.write(LocalSpark.get(), dir.toString(), 6, 2, 2, 6, 1);
  }

  @Test
  void aCorruptLatestCheckpointFallsBackAndTheResumedThetaIsTheUninterruptedOne(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("run");
    String four = "metamut.train.outer-steps = 4\n" + SECRET;
    MetaTrainJob.Result full = MetaTrainJobTest.job(MetamutConfig.fromString(MetaTrainJobTest.conf(out, four)),
        new ArrayList<>()).run(); // checkpoints at 2 and 4
    Path ck = out.resolve("meta-train/checkpoints");
    try (RandomAccessFile f = new RandomAccessFile(ck.resolve("step-00000004/state.bin").toFile(), "rw")) {
      long mid = f.length() / 2;
      f.seek(mid);
      int b = f.read();
      f.seek(mid); // read() moved the position: flip this byte, not the next one
      f.write(b ^ 1);
    }
    List<String> lines = new ArrayList<>();
    MetaTrainJob.Result resumed = MetaTrainJobTest.job(MetamutConfig.fromString(MetaTrainJobTest.conf(out, four)), lines)
        .resume(true).run();
    assertTrue(lines.stream().anyMatch(l -> l.contains("step-00000004") && l.contains("checksum mismatch")
        && l.contains("falling back")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.contains("resuming from") && l.contains("step-00000002")), lines.toString());
    assertArrayEquals(full.phi(), resumed.phi(), 0.0, "resumed past a corrupt checkpoint differs from the uninterrupted run");

    // no secret in the model's provenance, the manifests or any other file of the run
    assertFalse(String.valueOf(ModelFile.read(out.resolve("meta-train/model/model.mmut")).provenance()).contains("hunter2"));
    try (var walk = Files.walk(out)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        assertFalse(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains("hunter2"), p.toString());
      }
    }
    assertTrue(Files.readString(ck.resolve("step-00000004/manifest.json")).contains("\"resume\""));

    // another algorithm: refused in one line naming both, nothing trained
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetaTrainJobTest.job(
        MetamutConfig.fromString(MetaTrainJobTest.conf(out, four + "metamut.train.algorithm = reptile\n")),
        new ArrayList<>()).resume(true).run());
    assertTrue(e.getMessage().contains("algorithm 'maml' (this configuration: 'reptile')") && e.getMessage().indexOf('\n') < 0,
        e.getMessage());
  }

  @Test
  void everyCheckpointCorruptEndsTheCliInOneLine(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("run");
    String two = "metamut.train.outer-steps = 2\n";
    MetaTrainJobTest.job(MetamutConfig.fromString(MetaTrainJobTest.conf(out, two)), new ArrayList<>()).run();
    Path state = out.resolve("meta-train/checkpoints/step-00000002/state.bin");
    Files.write(state, java.util.Arrays.copyOf(Files.readAllBytes(state), 40)); // truncated
    Path conf = tmp.resolve("train.conf");
    Files.writeString(conf, MetaTrainJobTest.conf(out, two));
    String[] r = org.metamut.jobs.cli.CliTestAccess.run("meta-train", "--resume", "--config", conf.toString());
    assertTrue("1".equals(r[0]), r[1]);
    assertTrue(r[1].strip().lines().count() == 1 && r[1].startsWith("metamut meta-train: checkpoint ")
        && r[1].contains("every checkpoint (step-00000002")
        && r[1].contains("--overwrite"), r[1]);
  }
}
