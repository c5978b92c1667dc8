package org.metamut.jobs.ingest;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * Times the stages of one ingestion run: each {@link #mark} logs the time since the previous mark, and also says it
 * when the system property {@code metamut.ingest.timings} is set (for the benchmark and tuning). Driver-side only.
 */
final class StageTimer {
  private final Consumer<String> say;
  private long stageStart = System.nanoTime();

  StageTimer(Consumer<String> say) {
    this.say = say;
  }

  /** Logs the time since the previous stage mark (DEBUG-level detail for the benchmark and tuning). */
  void mark(String stage) {
    long now = System.nanoTime();
    org.slf4j.LoggerFactory.getLogger(IngestJob.class).info("stage {} took {} ms", stage, (now - stageStart) / 1_000_000);
    if (Boolean.getBoolean("metamut.ingest.timings")) {
      say.accept(String.format(Locale.ROOT, "  stage %-22s %6.1f s", stage, (now - stageStart) / 1e9));
    }
    stageStart = now;
  }
}
