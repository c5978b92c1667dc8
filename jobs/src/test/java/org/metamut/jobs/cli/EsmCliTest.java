package org.metamut.jobs.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code metamut model import-esm} and {@code metamut bench esm} on the tiny test checkpoint. */
class EsmCliTest {

  private static Path tiny() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("lib/src/test/resources/esm2-tiny"))) {
      p = p.getParent();
    }
    return p.resolve("lib/src/test/resources/esm2-tiny");
  }

  private static String[] run(String... args) {
    CommandLine cl = MetamutCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  @Test
  void importEsmValidatesFingerprintsAndTimes() {
    String[] r = run("model", "import-esm", tiny().toString(), "--length", "40", "--variants", "2");
    assertEquals("0", r[0], r[2]);
    assertTrue(r[1].contains("2 layers, hidden 32, 4 heads, feed-forward 128, 33 tokens, window 1024 residues"), r[1]);
    assertTrue(r[1].contains("27,681 parameters"), r[1]); // 27,690 of the reference README less the unused contact head
    assertTrue(r[1].matches("(?s).*fingerprint: sha256:[0-9a-f]{64}\n.*"), r[1]);
    assertTrue(r[1].contains("ms per variant (protein of 40 residues"), r[1]);
    assertTrue(r[1].contains("metamut.esm.checkpoint = \"" + tiny().toAbsolutePath() + "\""), r[1]);
  }

  @Test
  void importEsmRefusesABrokenFolderInOneLine(@TempDir Path tmp) throws Exception {
    for (String f : new String[] {"config.json", "vocab.txt"}) {
      Files.copy(tiny().resolve(f), tmp.resolve(f));
    }
    byte[] w = Files.readAllBytes(tiny().resolve("model.safetensors"));
    Files.write(tmp.resolve("model.safetensors"), java.util.Arrays.copyOf(w, w.length - 100));
    String[] r = run("model", "import-esm", tmp.toString());
    assertEquals("1", r[0]);
    assertTrue(r[2].startsWith("metamut model import-esm: not a usable ESM-2 checkpoint: " + tmp.resolve("model.safetensors")),
        r[2]);
    assertTrue(r[2].contains("outside the"), r[2]);
    assertEquals(1, r[2].strip().lines().count(), r[2]);
    assertFalse(r[1].contains("fingerprint"));
  }

  @Test
  void pruneEsmCacheKeepsTheCurrentCheckpointsFolder(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("cache");
    String fp = org.metamut.lib.esm.EsmCheckpoint.open(tiny()).fingerprint();
    Path keep = Path.of(org.metamut.jobs.esm.EsmFeatureCache.folder(root.toString(), fp));
    Path other = Path.of(org.metamut.jobs.esm.EsmFeatureCache.folder(root.toString(), "sha256:" + "a".repeat(64)));
    for (Path p : new Path[] {keep, other}) {
      Files.createDirectories(p.resolve("features"));
      Files.writeString(p.resolve("features/part-0.parquet"), "x".repeat(1000));
      org.metamut.jobs.output.OutputFolder.mark(org.apache.hadoop.fs.FileSystem.getLocal(
          new org.apache.hadoop.conf.Configuration()), new org.apache.hadoop.fs.Path(p.toString()), "esm-feature-cache", "t");
    }
    String cache = "-Dmetamut.esm.feature-cache=" + root;
    String[] dry = run("model", "prune-esm-cache", "--checkpoint", tiny().toString(), cache, "--dry-run");
    assertEquals("0", dry[0], dry[2]);
    assertTrue(dry[1].contains("would remove " + other) && dry[1].contains("would remove 1 folder"), dry[1]);
    assertTrue(Files.exists(other));
    String[] r = run("model", "prune-esm-cache", "--checkpoint", tiny().toString(), cache);
    assertEquals("0", r[0], r[2]);
    assertTrue(r[1].contains("keeping " + fp) && r[1].contains("removed " + other) && r[1].contains("removed 1 folder"),
        r[1]);
    assertFalse(Files.exists(other));
    assertTrue(Files.exists(keep.resolve("features/part-0.parquet")));
    // no checkpoint to keep, or the cache off: one line each
    String[] none = run("model", "prune-esm-cache", cache, "-Dmetamut.esm.checkpoint=");
    assertEquals("1", none[0]);
    assertTrue(none[2].contains("no checkpoint to keep"), none[2]);
    assertEquals(1, none[2].strip().lines().count(), none[2]);
    String[] off = run("model", "prune-esm-cache", "--checkpoint", tiny().toString(), "-Dmetamut.esm.feature-cache=none");
    assertEquals("1", off[0]);
    assertTrue(off[2].contains("no feature cache to prune"), off[2]);
  }

  @Test
  void benchEsmRuns() {
    String[] r = run("bench", "esm", "--checkpoint", tiny().toString(), "--lengths", "20", "--variants", "2");
    assertEquals("0", r[0], r[2]);
    assertTrue(r[1].contains("-- protein of 20 residues") && r[1].contains("embedding (final layer"), r[1]);
  }
}
