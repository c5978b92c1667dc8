package org.metamut.jobs.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Named points in the commit paths where a real-process fault test stops the driver so that it can be killed
 * ({@code kill -9}) exactly there: {@code checkpoint-publish:<step>} (a checkpoint's state is written in its staging
 * folder, not yet published) and {@code ingest-swap:<n>} (the n-th folder swap of an ingest run is done, the
 * journal's other swaps are not). Enabled only by the JVM system property {@value #PAUSE} naming one point; there the
 * driver writes the file named by {@value #MARKER} and waits to be killed. Not a configuration key; unset, a point
 * costs one property lookup.
 */
public final class FaultPoint {
  public static final String PAUSE = "metamut.fault.pause";
  public static final String MARKER = "metamut.fault.marker";
  /** How long a paused driver waits for its kill before failing (a test that forgot to kill it). */
  private static final long WAIT_MS = 600_000;

  private FaultPoint() {
  }

  /** Pauses here when {@value #PAUSE} names {@code point}. */
  public static void reach(String point) {
    if (!point.equals(System.getProperty(PAUSE))) {
      return;
    }
    String marker = System.getProperty(MARKER);
    try {
      if (marker != null) {
        Files.writeString(Path.of(marker), point);
      }
      Thread.sleep(WAIT_MS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException("fault point " + point + " was not killed within " + WAIT_MS / 1000 + " s");
  }
}
