package org.metamut.lib.esm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A validated index of a safetensors file and the reader of its tensors as {@code float[]}.
 *
 * <p>The format: an unsigned 64-bit little-endian header length N, N bytes of JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the end of the header; an optional
 * {@code __metadata__} entry of strings), then the raw little-endian data. {@link #open} checks everything against
 * the file's length before anything is allocated from the header's numbers: the header length (at most
 * {@link #MAX_HEADER_BYTES} and inside the file), each tensor's dtype, shape (non-negative, element count overflow),
 * offsets (inside the data, begin ≤ end), that the byte span equals elements × dtype size, and that no two tensors
 * overlap, and that no name appears twice. Any problem is an {@link InvalidCheckpointException} with a one-line message naming the file and the
 * tensor. Only F32, F16 and BF16 are read (what ESM-2 checkpoints are published in); anything else is refused by
 * name when that tensor is read. No code is executed from the file (unlike a pickle).
 */
public final class SafeTensors {

  /** The largest JSON header accepted (the reference implementation's limit: 100 MB). */
  public static final long MAX_HEADER_BYTES = 100L * 1000 * 1000;

  /** One tensor's entry in the header. {@code begin}/{@code end}: byte offsets from the start of the data. */
  public record Entry(String name, String dtype, long[] shape, long begin, long end) {
    /** Number of elements (the product of the shape; 1 for a scalar). */
    public long elements() {
      long n = 1;
      for (long s : shape) {
        n *= s;
      }
      return n;
    }
  }

  private final Path file;
  private final long dataStart;
  private final Map<String, Entry> entries;

  private SafeTensors(Path file, long dataStart, Map<String, Entry> entries) {
    this.file = file;
    this.dataStart = dataStart;
    this.entries = Collections.unmodifiableMap(entries);
  }

  /** Reads and validates the header of {@code file}; no tensor data is read yet. */
  public static SafeTensors open(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new InvalidCheckpointException(file, "truncated safetensors file: " + size + " bytes, shorter than the "
            + "8-byte header length");
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, len, 0, file);
      long n = len.getLong(0);
      if (n < 2 || n > MAX_HEADER_BYTES) {
        throw new InvalidCheckpointException(file, "safetensors header length " + Long.toUnsignedString(n)
            + " is outside [2, " + MAX_HEADER_BYTES + "] bytes: not a safetensors file, or a corrupt one");
      }
      if (n > size - 8) {
        throw new InvalidCheckpointException(file, "truncated safetensors file: the header claims " + n
            + " bytes but only " + (size - 8) + " follow the length");
      }
      ByteBuffer header = ByteBuffer.allocate((int) n);
      readFully(ch, header, 8, file);
      return new SafeTensors(file, 8 + n, parse(file, header.array(), size - 8 - n));
    } catch (IOException e) {
      throw new InvalidCheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  private static Map<String, Entry> parse(Path file, byte[] header, long dataBytes) {
    JsonNode root;
    try {
      // a name given twice would silently keep one of two data spans: refused like any other ambiguous header
      root = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(header);
    } catch (JsonProcessingException e) {
      throw new InvalidCheckpointException(file, "safetensors header is not valid JSON: "
          + e.getOriginalMessage().lines().findFirst().orElse(""));
    } catch (IOException e) {
      throw new InvalidCheckpointException(file, "cannot parse the safetensors header: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new InvalidCheckpointException(file, "safetensors header is not a JSON object");
    }
    Map<String, Entry> out = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (f.getKey().equals("__metadata__")) {
        continue;
      }
      out.put(f.getKey(), entry(file, f.getKey(), f.getValue(), dataBytes));
    }
    checkOverlaps(file, out.values());
    return out;
  }

  private static Entry entry(Path file, String name, JsonNode node, long dataBytes) {
    String where = "tensor '" + name + "'";
    if (!node.isObject()) {
      throw new InvalidCheckpointException(file, where + ": header entry is not an object");
    }
    JsonNode dt = node.get("dtype");
    JsonNode shape = node.get("shape");
    JsonNode offs = node.get("data_offsets");
    if (dt == null || !dt.isTextual() || shape == null || !shape.isArray() || offs == null || !offs.isArray()
        || offs.size() != 2) {
      throw new InvalidCheckpointException(file, where + ": needs a string dtype, a shape array and two data_offsets");
    }
    long[] dims = new long[shape.size()];
    long elements = 1;
    for (int i = 0; i < dims.length; i++) {
      dims[i] = nonNegative(file, where + " shape", shape.get(i));
      try {
        elements = Math.multiplyExact(elements, dims[i]);
      } catch (ArithmeticException e) {
        throw new InvalidCheckpointException(file, where + ": shape " + shape + " overflows");
      }
    }
    long begin = nonNegative(file, where + " data_offsets", offs.get(0));
    long end = nonNegative(file, where + " data_offsets", offs.get(1));
    if (begin > end || end > dataBytes) {
      throw new InvalidCheckpointException(file, where + ": data_offsets [" + begin + ", " + end + "] point outside the "
          + dataBytes + " data bytes (truncated or corrupt file)");
    }
    int width = width(dt.asText());
    if (width > 0) {
      long bytes;
      try {
        bytes = Math.multiplyExact(elements, width);
      } catch (ArithmeticException e) {
        throw new InvalidCheckpointException(file, where + ": shape " + shape + " overflows");
      }
      if (bytes != end - begin) {
        throw new InvalidCheckpointException(file, where + ": shape " + shape + " of " + dt.asText() + " needs " + bytes
            + " bytes but data_offsets span " + (end - begin));
      }
    }
    return new Entry(name, dt.asText(), dims, begin, end);
  }

  private static long nonNegative(Path file, String what, JsonNode v) {
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
      throw new InvalidCheckpointException(file, what + ": " + v + " is not a non-negative integer");
    }
    return v.asLong();
  }

  private static void checkOverlaps(Path file, java.util.Collection<Entry> entries) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    for (int i = 1; i < sorted.size(); i++) {
      Entry a = sorted.get(i - 1);
      Entry b = sorted.get(i);
      if (b.begin() < a.end()) {
        throw new InvalidCheckpointException(file, "tensors '" + a.name() + "' and '" + b.name() + "' overlap (bytes ["
            + a.begin() + ", " + a.end() + ") and [" + b.begin() + ", " + b.end() + "))");
      }
    }
  }

  /** Bytes per element of the readable dtypes; 0 for any other (refused when read). */
  static int width(String dtype) {
    return switch (dtype) {
      case "F32" -> 4;
      case "F16", "BF16" -> 2;
      default -> 0;
    };
  }

  public Path file() {
    return file;
  }

  /** Every tensor in the file, by name (sorted). */
  public Map<String, Entry> entries() {
    return entries;
  }

  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  /** Total number of elements over all tensors. */
  public long elements() {
    return entries.values().stream().mapToLong(Entry::elements).sum();
  }

  /** The tensor's values as float32, row-major; F16 and BF16 widened exactly. */
  public float[] floats(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new InvalidCheckpointException(file, "no tensor '" + name + "'");
    }
    int width = width(e.dtype());
    if (width == 0) {
      throw new InvalidCheckpointException(file, "tensor '" + name + "' has dtype " + e.dtype()
          + "; only F32, F16 and BF16 are read");
    }
    if (e.elements() > Integer.MAX_VALUE - 8) {
      throw new InvalidCheckpointException(file, "tensor '" + name + "' has " + e.elements()
          + " elements, more than one Java array holds");
    }
    int n = (int) e.elements();
    float[] out = new float[n];
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      long pos = dataStart + e.begin();
      int done = 0;
      while (done < n) {
        int take = Math.min(n - done, buf.capacity() / width);
        buf.clear().limit(take * width);
        readFully(ch, buf, pos, file);
        pos += (long) take * width;
        buf.flip();
        decode(e.dtype(), buf, out, done, take);
        done += take;
      }
    } catch (IOException ex) {
      throw new InvalidCheckpointException(file, "cannot read tensor '" + name + "': " + ex.getMessage(), ex);
    }
    return out;
  }

  private static void decode(String dtype, ByteBuffer buf, float[] out, int at, int count) {
    switch (dtype) {
      case "F32" -> buf.asFloatBuffer().get(out, at, count);
      case "F16" -> {
        for (int i = 0; i < count; i++) {
          out[at + i] = halfToFloat(buf.getShort() & 0xffff);
        }
      }
      case "BF16" -> {
        for (int i = 0; i < count; i++) {
          out[at + i] = Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
        }
      }
      default -> throw new IllegalStateException(dtype);
    }
  }

  /** IEEE binary16 → float32, exact (Java 17 has no {@code Float.float16ToFloat}). */
  static float halfToFloat(int h) {
    int sign = (h >>> 15) & 1;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    float v;
    if (exp == 0) {
      v = mant * 0x1p-24f; // zero or subnormal: mant × 2^-24
    } else if (exp == 31) {
      v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
    } else {
      return Float.intBitsToFloat((sign << 31) | ((exp - 15 + 127) << 23) | (mant << 13));
    }
    return sign == 1 ? -v : v;
  }

  /** Fills {@code buf} from {@code pos}; a short file is an error, never a partly filled buffer. */
  private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
    long p = pos;
    while (buf.hasRemaining()) {
      int r = ch.read(buf, p);
      if (r < 0) {
        throw new InvalidCheckpointException(file, "truncated: the file ends at byte " + p + " where more data was expected");
      }
      p += r;
    }
  }

  @Override
  public String toString() {
    return "SafeTensors[" + file + ", " + entries.size() + " tensors, " + elements() + " elements]";
  }
}
