package org.metamut.lib.provenance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, the one digest of the project: file checksums, data fingerprints, protein ids and model ids all
 * come from here, so a value computed by one job can be compared with another's. Hex is lower case. A
 * {@code double[]} is hashed as its little-endian IEEE-754 float64 bytes (the model file's byte order), so
 * the same θ has the same digest on every platform.
 */
public final class Sha256 {
  private static final HexFormat HEX = HexFormat.of();
  private static final int BUFFER = 1 << 16;

  private Sha256() {
  }

  /** A fresh digest, for callers that feed several pieces (each call returns a new, unshared instance). */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** The digest of {@code bytes[offset, offset + length)}. */
  public static byte[] digest(byte[] bytes, int offset, int length) {
    MessageDigest d = newDigest();
    d.update(bytes, offset, length);
    return d.digest();
  }

  /** Lower-case hex of the digest of {@code bytes}. */
  public static String hex(byte[] bytes) {
    return HEX.formatHex(digest(bytes, 0, bytes.length));
  }

  /** Lower-case hex of the digest of the UTF-8 bytes of {@code text}. */
  public static String hex(String text) {
    return hex(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Lower-case hex of the digest of {@code values} as little-endian float64. */
  public static String hex(double[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asDoubleBuffer().put(values);
    return hex(b.array());
  }

  /** Lower-case hex of the digest of everything left in {@code in}, read in 64 KiB pieces (not closed here). */
  public static String hex(InputStream in) throws IOException {
    MessageDigest d = newDigest();
    byte[] buf = new byte[BUFFER];
    for (int n; (n = in.read(buf)) > 0; ) {
      d.update(buf, 0, n);
    }
    return toHex(d.digest());
  }

  /** Lower-case hex of a finished digest (or any bytes). */
  public static String toHex(byte[] digest) {
    return HEX.formatHex(digest);
  }
}
