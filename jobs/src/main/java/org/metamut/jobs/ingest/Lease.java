package org.metamut.jobs.ingest;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The ingest lock as a lease: a small file naming its owner (a fresh UUID per run, plus host and pid for people)
 * and an expiry, created atomically ({@code create(path, overwrite = false)}: of two runs exactly one wins) and
 * renewed by a daemon heartbeat every third of the lease while the run lives. A run that dies (kill -9, a deleted
 * Kubernetes pod) stops renewing, so once its expiry has passed <b>any</b> host takes the lease over; no host
 * name or PID has to match (PID 1 is "alive" in every container). A lease of a dead process on this host is taken
 * over at once. {@link #close} (also run by a shutdown hook, so SIGTERM releases it) deletes the lease only while
 * it is still this run's. Expiry compares the holder's clock with the taker's: hosts' clocks must agree to well
 * within the lease (NTP does).
 *
 * <p>A takeover first renames the expired lease aside (atomic: of several takers one wins), then creates its own.
 * A run whose heartbeat finds its lease gone or someone else's has lost it: {@link #checkHeld} then fails the
 * commit rather than write beside the new holder.
 */
final class Lease implements AutoCloseable {
  /**
   * The lease file's fields. Without an expiry (an unreadable file, or an older build's lock) a lease counts as
   * held until its modification time plus one lease.
   */
  record Holder(String owner, String host, long pid, long expiresMs, String since) {
    static Optional<Holder> parse(String text) {
      Map<String, String> f = new LinkedHashMap<>();
      for (String line : text.split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          f.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
      }
      try {
        String[] legacy = text.strip().split("\t");
        if (f.isEmpty() && legacy.length == 3) { // an older build's "pid<TAB>host<TAB>since": no owner, no expiry
          return Optional.of(new Holder(null, legacy[1], Long.parseLong(legacy[0]), -1, legacy[2]));
        }
        return Optional.of(new Holder(f.get("owner"), f.getOrDefault("host", "?"), Long.parseLong(f.getOrDefault("pid", "-1")),
            Long.parseLong(f.get("expires")), f.getOrDefault("since", "?")));
      } catch (RuntimeException e) {
        return Optional.empty(); // not a lease, or a file caught mid-renewal
      }
    }

    String render() {
      return "owner=" + owner + "\nhost=" + host + "\npid=" + pid + "\nsince=" + since + "\nexpires=" + expiresMs + "\n";
    }

    String describe(long expires) {
      return "pid " + pid + ", host " + host + ", since " + since + ", lease until " + Instant.ofEpochMilli(expires);
    }
  }

  private final FileSystem fs;
  private final Path file;
  private final long leaseMs;
  private final Holder me;
  private final Thread heartbeat;
  private final Thread shutdownHook;
  private volatile String lost;
  private boolean closed;

  private Lease(FileSystem fs, Path file, long leaseMs, Holder me) {
    this.fs = fs;
    this.file = file;
    this.leaseMs = leaseMs;
    this.me = me;
    this.heartbeat = new Thread(this::beat, "metamut-ingest-lease");
    this.heartbeat.setDaemon(true);
    this.shutdownHook = new Thread(this::releaseQuietly, "metamut-ingest-lease-release");
  }

  /**
   * Takes the lease at {@code file}: waits up to {@code waitMs} for a live holder, takes over an expired lease (or
   * one of a dead process on this host), saying so; fails ({@link OutputStore.ConcurrentRunException}) naming
   * the holder and when its lease ends.
   */
  static Lease acquire(FileSystem fs, Path file, long waitMs, long leaseMs, Consumer<String> say)
      throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + waitMs;
    boolean told = false;
    while (true) {
      Holder me = new Holder(UUID.randomUUID().toString(), host(), ProcessHandle.current().pid(),
          System.currentTimeMillis() + leaseMs, Instant.now().toString());
      if (tryCreate(fs, file, me)) {
        Lease l = new Lease(fs, file, leaseMs, me);
        l.heartbeat.start();
        Runtime.getRuntime().addShutdownHook(l.shutdownHook);
        return l;
      }
      String text = readSmall(fs, file);
      if (text == null) {
        continue; // released between our create and our read
      }
      Optional<Holder> holder = Holder.parse(text);
      long now = System.currentTimeMillis();
      long expires = holder.map(Holder::expiresMs).filter(e -> e >= 0).orElseGet(() -> modified(fs, file) + leaseMs);
      String why = holder.filter(h -> h.host().equals(host()) && h.pid() != 1 && isDead(h.pid()))
          .map(h -> "process " + h.pid() + " is no longer running").orElse(now > expires ? "it expired at "
          + Instant.ofEpochMilli(expires) : null);
      String who = holder.map(h -> h.describe(expires)).orElse(text.strip().replace('\t', ' ') + ", lease until "
          + Instant.ofEpochMilli(expires));
      if (why != null) {
        if (takeOver(fs, file, text)) {
          say.accept("taking over the ingest lock of " + who + ": " + why);
        }
        continue;
      }
      if (now >= deadline) {
        throw new OutputStore.ConcurrentRunException("another ingest is running (" + who + ") on " + file.getParent()
            + "; waited " + waitMs + " ms (metamut.ingest.lock-wait-ms). A dead run's lock is taken over once its lease "
            + "ends: rerun after " + Instant.ofEpochMilli(expires));
      }
      if (!told) {
        say.accept("another ingest is running (" + who + "); waiting up to " + waitMs + " ms");
        told = true;
      }
      Thread.sleep(Math.max(1, Math.min(500, Math.min(deadline, expires + 1) - now)));
    }
  }

  private static boolean tryCreate(FileSystem fs, Path file, Holder me) throws IOException {
    try (FSDataOutputStream out = fs.create(file, false)) {
      out.write(me.render().getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (fs.exists(file)) {
        return false; // some file systems report an existing file with a plain IOException
      }
      throw e;
    }
  }

  /** Moves the expired lease whose text was {@code seen} aside; false when another run got there first. */
  private static boolean takeOver(FileSystem fs, Path file, String seen) throws IOException {
    Path aside = new Path(file.getParent(), file.getName() + ".expired-" + UUID.randomUUID());
    if (!fs.rename(file, aside)) {
      return false;
    }
    String moved = readSmall(fs, aside);
    if (moved != null && !moved.equals(seen) && !fs.exists(file)) {
      fs.rename(aside, file); // renewed or replaced since we read it: not ours to take; put it back
      return false;
    }
    fs.delete(aside, false);
    return true;
  }

  /** Renews every third of the lease; stops, recording why, when the lease is no longer this run's. */
  private void beat() {
    long every = Math.max(1, leaseMs / 3);
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(every);
        renew();
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        // a transient failure: the next beat retries; the lease lasts three beats
      }
      if (lost != null) {
        return;
      }
    }
  }

  /** Extends the expiry (package-private: tests renew by hand); records a lost lease. */
  synchronized void renew() throws IOException {
    if (closed) {
      return;
    }
    String text = readSmall(fs, file);
    Optional<Holder> h = text == null ? Optional.empty() : Holder.parse(text);
    if (h.isEmpty() || !me.owner().equals(h.get().owner())) {
      lost = "the ingest lock " + file + " is no longer this run's (" + h.map(x -> x.describe(x.expiresMs())).orElse("gone")
          + "): this run stalled past its lease and another took it over";
      return;
    }
    Holder renewed = new Holder(me.owner(), me.host(), me.pid(), System.currentTimeMillis() + leaseMs, me.since());
    try (FSDataOutputStream out = fs.create(file, true)) {
      out.write(renewed.render().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Fails when the lease was lost (see the class doc): call before anything is committed. */
  void checkHeld() {
    if (lost != null) {
      throw new OutputStore.ConcurrentRunException(lost + "; nothing was committed, rerun");
    }
  }

  String owner() {
    return me.owner();
  }

  /** Stops the heartbeat and deletes the lease if it is still this run's; a foreign lease is left alone. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    heartbeat.interrupt();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: this is the hook
    }
    String text = readSmall(fs, file);
    if (text != null && Holder.parse(text).map(h -> me.owner().equals(h.owner())).orElse(false)) {
      fs.delete(file, false);
    }
  }

  private void releaseQuietly() {
    try {
      close();
    } catch (IOException | RuntimeException e) {
      // the process is ending; the lease then expires by itself
    }
  }

  private static String readSmall(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return new String(in.readNBytes(64 << 10), StandardCharsets.UTF_8);
    } catch (java.io.FileNotFoundException e) {
      return null;
    }
  }

  private static long modified(FileSystem fs, Path p) {
    try {
      return fs.getFileStatus(p).getModificationTime();
    } catch (IOException e) {
      return 0;
    }
  }

  private static boolean isDead(long pid) {
    return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
  }

  static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
