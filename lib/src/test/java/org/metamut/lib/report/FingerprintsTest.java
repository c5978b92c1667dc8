package org.metamut.lib.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FingerprintsTest {

  @Test
  void fileDigestIsTheStandardSha256(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("abc.txt"), "abc");
    // FIPS 180-2 test vector for "abc"
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Fingerprints.sha256(f));
  }

  @Test
  void directoryDigestChangesWithAnyFile(@TempDir Path dir) throws Exception {
    Path t = Files.createDirectories(dir.resolve("table"));
    Files.writeString(t.resolve("part-0.parquet"), "one");
    Files.writeString(t.resolve("part-1.parquet"), "two");
    String before = Fingerprints.sha256(t);
    assertEquals(before, Fingerprints.sha256(t));
    Files.writeString(t.resolve("part-1.parquet"), "tw0");
    assertNotEquals(before, Fingerprints.sha256(t));
  }
}
