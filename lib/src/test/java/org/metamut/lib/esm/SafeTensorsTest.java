package org.metamut.lib.esm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The safetensors reader: round trip, and every hostile or broken file refused in one line before allocation. */
class SafeTensorsTest {

  @TempDir
  Path tmp;

  private static byte[] f32(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b.array();
  }

  /** The refusal message: one line, naming the file, containing {@code part}. */
  private String refused(Path f, String part) {
    InvalidCheckpointException e = assertThrows(InvalidCheckpointException.class, () -> SafeTensors.open(f).floats("a"));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(part), e.getMessage());
    return e.getMessage();
  }

  @Test
  void roundTripsF32AndReadsF16() throws IOException {
    Path f = tmp.resolve("ok.safetensors");
    Map<String, TestCheckpoints.Tensor> t = new LinkedHashMap<>();
    t.put("a", TestCheckpoints.Tensor.f32(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f}));
    t.put("h", new TestCheckpoints.Tensor("F16", new long[] {2}, new byte[] {0x00, 0x3c, 0x00, (byte) 0xc0}));
    t.put("s", TestCheckpoints.Tensor.f32(new long[] {}, new float[] {7}));
    TestCheckpoints.write(f, t);
    SafeTensors st = SafeTensors.open(f);
    assertEquals(3, st.entries().size());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, -6.5f}, st.floats("a"));
    assertArrayEquals(new long[] {2, 3}, st.entries().get("a").shape());
    assertArrayEquals(new float[] {1, -2}, st.floats("h"));
    assertArrayEquals(new float[] {7}, st.floats("s"));
    assertEquals(9, st.elements());
  }

  @Test
  void theBundledCheckpointReads() {
    SafeTensors st = SafeTensors.open(TestCheckpoints.tiny().resolve(EsmCheckpoint.WEIGHTS));
    assertEquals(43, st.entries().size());
    assertEquals(33 * 32, st.floats("esm.embeddings.word_embeddings.weight").length);
  }

  @Test
  void aTruncatedFileIsRefused() throws IOException {
    Path ok = tmp.resolve("ok.safetensors");
    TestCheckpoints.write(ok, Map.of("a", TestCheckpoints.Tensor.f32(new long[] {4}, new float[] {1, 2, 3, 4})));
    byte[] all = Files.readAllBytes(ok);
    Path cut = Files.write(tmp.resolve("cut.safetensors"), Arrays.copyOf(all, all.length - 3));
    refused(cut, "point outside");
    Path header = Files.write(tmp.resolve("header.safetensors"), Arrays.copyOf(all, 20));
    refused(header, "truncated safetensors file: the header claims");
    Path tiny = Files.write(tmp.resolve("tiny.safetensors"), new byte[] {1, 2, 3});
    refused(tiny, "shorter than the 8-byte header length");
    Path model = tmp.resolve("model.safetensors");
    byte[] real = Files.readAllBytes(TestCheckpoints.tiny().resolve(EsmCheckpoint.WEIGHTS));
    Files.write(model, Arrays.copyOf(real, real.length / 2));
    InvalidCheckpointException e = assertThrows(InvalidCheckpointException.class, () -> SafeTensors.open(model));
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void aHeaderPointingPastTheEndIsRefused() throws IOException {
    Path f = tmp.resolve("past.safetensors");
    TestCheckpoints.writeRaw(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1000000000],\"data_offsets\":[0,4000000000]}}",
        f32(1, 2));
    assertEquals("point outside", refused(f, "data_offsets [0, 4000000000] point outside the 8 data bytes")
        .replaceAll(".*(point outside).*", "$1"));
  }

  @Test
  void hostileHeadersAreRefusedInOneLine() throws IOException {
    String[][] cases = {
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "needs 12 bytes but data_offsets span 8"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],"
            + "\"data_offsets\":[2,6]}}", "overlap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "is not a non-negative integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,4]}}", "overflows"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[6,4]}}", "point outside"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "needs a string dtype"},
        {"{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", "only F32, F16 and BF16"},
        {"[1,2]", "not a JSON object"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
            + "\"data_offsets\":[4,8]}}", "Duplicate field 'a'"},
        {"{\"a\": ", "not valid JSON"},
    };
    for (int i = 0; i < cases.length; i++) {
      Path f = tmp.resolve("case" + i + ".safetensors");
      TestCheckpoints.writeRaw(f, cases[i][0], f32(1, 2, 3, 4));
      refused(f, cases[i][1]);
    }
  }

  @Test
  void aHugeHeaderLengthIsRefusedBeforeAllocating() throws IOException {
    Path f = tmp.resolve("huge.safetensors");
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).putLong(0);
    Files.write(f, b.array());
    refused(f, "is outside [2, 100000000] bytes");
    b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(50_000_000).putLong(0);
    Files.write(f, b.array());
    refused(f, "the header claims 50000000 bytes but only 8 follow");
  }
}
