package org.metamut.jobs.esm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The tiny ESM-2 test checkpoint of {@code lib/src/test/resources/esm2-tiny}, and copies derived from it. */
public final class TinyCheckpoint {
  private TinyCheckpoint() {
  }

  /** {@code lib/src/test/resources/esm2-tiny}, found from the working folder upwards. */
  public static Path dir() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("lib/src/test/resources/esm2-tiny"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("lib/src/test/resources/esm2-tiny not found above " + Path.of("").toAbsolutePath());
    }
    return p.resolve("lib/src/test/resources/esm2-tiny");
  }

  /**
   * A copy of the tiny checkpoint in {@code into} without its LM head: an {@code EsmModel}-style checkpoint (the
   * safetensors file rewritten without the {@code lm_head.*} tensors, the others' bytes unchanged).
   */
  public static Path withoutLmHead(Path into) throws IOException {
    Files.createDirectories(into);
    Files.copy(dir().resolve("config.json"), into.resolve("config.json"));
    Files.copy(dir().resolve("vocab.txt"), into.resolve("vocab.txt"));
    byte[] all = Files.readAllBytes(dir().resolve("model.safetensors"));
    long headerLen = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    int base = 8 + (int) headerLen;
    ObjectMapper json = new ObjectMapper();
    ObjectNode header = (ObjectNode) json.readTree(new String(all, 8, (int) headerLen, StandardCharsets.UTF_8));
    ObjectNode out = json.createObjectNode();
    List<byte[]> data = new ArrayList<>();
    long offset = 0;
    for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        out.set(e.getKey(), e.getValue());
        continue;
      }
      if (e.getKey().startsWith("lm_head.")) {
        continue;
      }
      long from = e.getValue().get("data_offsets").get(0).asLong();
      long to = e.getValue().get("data_offsets").get(1).asLong();
      byte[] b = java.util.Arrays.copyOfRange(all, base + (int) from, base + (int) to);
      ObjectNode t = e.getValue().deepCopy();
      t.putArray("data_offsets").add(offset).add(offset + b.length);
      out.set(e.getKey(), t);
      data.add(b);
      offset += b.length;
    }
    byte[] h = json.writeValueAsBytes(out);
    try (var os = Files.newOutputStream(into.resolve("model.safetensors"))) {
      os.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
      os.write(h);
      for (byte[] b : data) {
        os.write(b);
      }
    }
    return into;
  }
}
