package org.metamut.lib.progress;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Progress of a long piece of work with a known total: prints "name: done/total unit (pct), rate/s, ETA"
 * at most once per interval. Thread-safe. With {@code quietIfFast}, work that finishes before the first
 * interval prints nothing at all (so short stages don't clutter the output).
 */
public final class Progress {
  private final String name;
  private final long total;
  private final String unit;
  private final Consumer<String> sink;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final boolean quietIfFast;
  private final long start;
  private long done;
  private long lastPrint;
  private boolean printed;

  public Progress(String name, long total, String unit, Consumer<String> sink, long intervalMs,
                  LongSupplier nanoClock, boolean quietIfFast) {
    if (total < 0) {
      throw new IllegalArgumentException("total must be >= 0, got " + total);
    }
    this.name = name;
    this.total = total;
    this.unit = unit;
    this.sink = sink;
    this.intervalNanos = intervalMs * 1_000_000L;
    this.nanoClock = nanoClock;
    this.quietIfFast = quietIfFast;
    this.start = nanoClock.getAsLong();
    this.lastPrint = start;
  }

  /** Records {@code n} more units done; prints a line if the interval has passed. */
  public synchronized void advance(long n) {
    done += n;
    long now = nanoClock.getAsLong();
    if (now - lastPrint >= intervalNanos) {
      lastPrint = now;
      printed = true;
      sink.accept(line(now));
    }
  }

  /** Prints the closing line (unless quiet and nothing was printed). */
  public synchronized void finish() {
    if (printed || !quietIfFast) {
      long now = nanoClock.getAsLong();
      double secs = (now - start) / 1e9;
      sink.accept(String.format(Locale.ROOT, "%s: %,d %s done in %s (%,.0f %s/s)", name, done, unit,
          formatDuration(secs), secs > 0 ? done / secs : 0.0, unit));
    }
  }

  public synchronized long done() {
    return done;
  }

  String line(long now) {
    double secs = (now - start) / 1e9;
    double rate = secs > 0 ? done / secs : 0;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%s: %,d/%,d %s", name, done, total, unit));
    if (total > 0) {
      sb.append(String.format(Locale.ROOT, " (%.1f%%)", 100.0 * done / total));
    }
    sb.append(String.format(Locale.ROOT, ", %,.1f %s/s", rate, unit));
    if (rate > 0 && total >= done) {
      sb.append(", ETA ").append(formatDuration((total - done) / rate));
    }
    return sb.toString();
  }

  /** h:mm:ss or m:ss. */
  public static String formatDuration(double seconds) {
    long s = Math.max(0, Math.round(seconds));
    long h = s / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec) : String.format(Locale.ROOT, "%d:%02d", m, sec);
  }
}
