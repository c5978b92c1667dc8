package org.metamut.lib.provenance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Sha256Test {
  // FIPS 180-2 test vectors
  private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  private static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  void everyInputFormGivesTheStandardDigest() throws Exception {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
    assertEquals(ABC, Sha256.hex("abc"));
    assertEquals(ABC, Sha256.hex(abc));
    assertEquals(ABC, Sha256.hex(new ByteArrayInputStream(abc)));
    assertEquals(ABC, Sha256.toHex(Sha256.digest("xabcx".getBytes(StandardCharsets.US_ASCII), 1, 3)));
    assertEquals(EMPTY, Sha256.hex(new byte[0]));
  }

  @Test
  void aStreamLongerThanTheBufferIsHashedWhole() throws Exception {
    byte[] big = new byte[200_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    assertEquals(Sha256.hex(big), Sha256.hex(new ByteArrayInputStream(big)));
  }

  @Test
  void doublesAreHashedAsLittleEndianFloat64() {
    double[] v = {1.0, -2.5, Double.MIN_VALUE};
    ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    for (double x : v) {
      b.putDouble(x);
    }
    assertEquals(Sha256.hex(b.array()), Sha256.hex(v));
    // 1.0 is 00 00 00 00 00 00 f0 3f in little-endian order
    assertArrayEquals(HexFormat.of().parseHex("000000000000f03f"), java.util.Arrays.copyOf(b.array(), 8));
  }
}
