package org.metamut.lib.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * SHA-256 fingerprints of report inputs. A file: the digest of its bytes. A directory: the digest of the
 * lines {@code <relative path> <file digest>} of its regular files in sorted path order (hidden files and
 * Spark's {@code _SUCCESS}/{@code .crc} side files included as they are), so a Parquet table's fingerprint
 * changes when any of its files does.
 */
public final class Fingerprints {

  private Fingerprints() {}

  public static String sha256(Path path) {
    try {
      if (Files.isDirectory(path)) {
        MessageDigest d = digest();
        List<Path> files;
        try (Stream<Path> s = Files.walk(path)) {
          files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
          String line = path.relativize(f).toString().replace('\\', '/') + " " + sha256(f) + "\n";
          d.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(d.digest());
      }
      MessageDigest d = digest();
      try (InputStream in = Files.newInputStream(path)) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          d.update(buf, 0, n);
        }
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("could not fingerprint " + path + ": " + e.getMessage(), e);
    }
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
