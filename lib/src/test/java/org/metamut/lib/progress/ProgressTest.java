package org.metamut.lib.progress;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {

  @Test
  void printsCountsRateAndEtaAtMostOncePerInterval() {
    AtomicLong clock = new AtomicLong(0);
    List<String> lines = new ArrayList<>();
    Progress p = new Progress("ingest", 1000, "rows", lines::add, 1000, clock::get, false);
    p.advance(100);                 // t = 0: no line yet
    clock.set(2_000_000_000L);      // 2 s later, 250 rows done => 125 rows/s, 750 left => ETA 6 s
    p.advance(150);
    clock.set(2_500_000_000L);      // within the interval: no new line
    p.advance(10);
    assertEquals(List.of("ingest: 250/1,000 rows (25.0%), 125.0 rows/s, ETA 0:06"), lines);
    p.finish();
    assertEquals(2, lines.size());
    assertTrue(lines.get(1).startsWith("ingest: 260 rows done in 0:03"), lines.get(1));
  }

  @Test
  void quietWorkThatEndsBeforeTheFirstIntervalPrintsNothing() {
    AtomicLong clock = new AtomicLong(0);
    List<String> lines = new ArrayList<>();
    Progress p = new Progress("stage", 4, "tasks", lines::add, 1000, clock::get, true);
    p.advance(4);
    p.finish();
    assertTrue(lines.isEmpty());
  }

  @Test
  void formatsDurations() {
    assertEquals("0:59", Progress.formatDuration(59.4));
    assertEquals("1:00:01", Progress.formatDuration(3601));
  }
}
