package org.metamut.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowLogTest {
  private static final String AWKWARD = "a,b \"quoted\"\nnext line";

  private static Map<String, Object> row(long step, Object note, Double loss) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("step", step);
    r.put("kind", "train");
    r.put("note", note);
    r.put("loss", loss);
    return r;
  }

  @Test
  void csvEscapesCommasQuotesAndNewlinesAndReadsBack() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RowLog log = new RowLog(bytes, RowLog.Format.CSV, List.of("step", "note", "loss"))) {
      log.append(row(1, AWKWARD, 0.25));
      log.append(row(2, "plain", null));
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertEquals("step,note,loss\n1,\"a,b \"\"quoted\"\"\nnext line\",0.25\n2,plain,\n", text);
    List<Map<String, Object>> back = RowLog.read(new ByteArrayInputStream(bytes.toByteArray()), RowLog.Format.CSV);
    assertEquals(List.of(Map.of("step", "1", "note", AWKWARD, "loss", "0.25"), Map.of("step", "2", "note", "plain",
        "loss", "")), back);
  }

  @Test
  void jsonLinesAreOneObjectPerLineAndReadBack() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RowLog log = new RowLog(bytes, RowLog.Format.JSONL, List.of())) {
      log.append(row(1, AWKWARD, 0.25));
      log.append(row(2, "plain", null));
    }
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(2, lines.length, Arrays.toString(lines));
    JsonNode first = new ObjectMapper().readTree(lines[0]);
    assertEquals(AWKWARD, first.get("note").asText());
    assertEquals(0.25, first.get("loss").asDouble());
    assertEquals(true, new ObjectMapper().readTree(lines[1]).get("loss").isNull());
    List<Map<String, Object>> back = RowLog.read(new ByteArrayInputStream(bytes.toByteArray()), RowLog.Format.JSONL);
    assertEquals(List.of("step", "kind", "note", "loss"), List.copyOf(back.get(0).keySet()));
    assertEquals(AWKWARD, back.get(0).get("note"));
    assertEquals(2, ((Number) back.get(1).get("step")).intValue());
  }
}
