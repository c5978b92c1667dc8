package org.metamut.jobs.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.lib.provenance.Sha256;

class DataFingerprintTest {
  private static final Configuration HADOOP = new Configuration();

  @Test
  void fileDigestIsTheStandardSha256(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("abc.txt"), "abc");
    // FIPS 180-2 test vector for "abc"; a plain path and a file: URI name the same file
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", DataFingerprint.of(HADOOP, f.toString()));
    assertEquals(DataFingerprint.of(HADOOP, f.toString()), DataFingerprint.of(HADOOP, f.toUri().toString()));
  }

  @Test
  void folderDigestCoversEveryFileInSortedOrderAndChangesWithAnyOfThem(@TempDir Path dir) throws Exception {
    Path t = Files.createDirectories(dir.resolve("table"));
    Files.writeString(t.resolve("part-1.parquet"), "two");
    Files.writeString(t.resolve("part-0.parquet"), "one");
    Files.createDirectories(t.resolve("k=a"));
    Files.writeString(t.resolve("k=a/part-0.parquet"), "three");
    Files.writeString(t.resolve(".part-0.parquet.crc"), "crc"); // side files count, as on HDFS
    String expected = Sha256.hex(".part-0.parquet.crc " + Sha256.hex("crc") + "\n"
        + "k=a/part-0.parquet " + Sha256.hex("three") + "\n"
        + "part-0.parquet " + Sha256.hex("one") + "\n"
        + "part-1.parquet " + Sha256.hex("two") + "\n");
    String before = DataFingerprint.of(HADOOP, t.toUri().toString());
    assertEquals(expected, before);
    Files.writeString(t.resolve("part-1.parquet"), "tw0");
    assertNotEquals(before, DataFingerprint.of(HADOOP, t.toString()));
  }

  @Test
  void aMissingPathIsNamed(@TempDir Path dir) {
    String missing = dir.resolve("nope").toString();
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> DataFingerprint.of(HADOOP, missing));
    assertEquals(true, e.getMessage().contains(missing), e.getMessage());
  }
}
