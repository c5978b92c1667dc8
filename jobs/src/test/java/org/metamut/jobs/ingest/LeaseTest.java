package org.metamut.jobs.ingest;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ingest lease on the local file system, without Spark: takeover after expiry, live leases, foreign leases. */
class LeaseTest {
  static final long LEASE = 3000;

  @TempDir
  Path out;

  private Lease acquire(long waitMs, List<String> said) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    fs.setWriteChecksum(false);
    return Lease.acquire(fs, new org.apache.hadoop.fs.Path(out.resolve(OutputStore.LOCK).toUri()), waitMs, LEASE, said::add);
  }

  private void leaseOf(String host, long pid, long expiresMs) throws Exception {
    Files.writeString(out.resolve(OutputStore.LOCK), new Lease.Holder("someone-else", host, pid, expiresMs,
        "2026-01-01T00:00:00Z").render());
  }

  @Test
  void anExpiredLeaseOfAnotherHostIsTakenOver() throws Exception {
    leaseOf("pod-7f9c-killed", 4242, System.currentTimeMillis() - 1);
    List<String> said = new ArrayList<>();
    try (Lease l = acquire(0, said)) {
      assertTrue(said.get(0).startsWith("taking over the ingest lock of pid 4242, host pod-7f9c-killed")
          && said.get(0).contains("it expired at"), said.toString());
      assertTrue(Files.readString(out.resolve(OutputStore.LOCK)).contains("owner=" + l.owner()));
    }
    assertFalse(Files.exists(out.resolve(OutputStore.LOCK)), "released on close");
    try (var s = Files.list(out)) {
      assertEquals(0, s.count(), "no aside copy left");
    }
  }

  @Test
  void aLeaseOfPid1OnThisHostIsTakenOverOnlyAfterExpiry() throws Exception {
    // in a container PID 1 is always alive: only the expiry can free its lease
    leaseOf(Lease.host(), 1, System.currentTimeMillis() + 60_000);
    OutputStore.ConcurrentRunException e = assertThrows(OutputStore.ConcurrentRunException.class,
        () -> acquire(0, new ArrayList<>()));
    assertTrue(e.getMessage().startsWith("another ingest is running (pid 1, host " + Lease.host())
        && e.getMessage().contains("rerun after") && e.getMessage().indexOf('\n') < 0, e.getMessage());
    leaseOf(Lease.host(), 1, System.currentTimeMillis() + 300);
    List<String> said = new ArrayList<>();
    try (Lease l = acquire(5000, said)) { // waits for the expiry, then takes it
      assertTrue(said.stream().anyMatch(s -> s.startsWith("taking over the ingest lock of pid 1")), said.toString());
    }
  }

  @Test
  void aLiveLeaseBlocksAndIsRenewedWhileItsRunLives() throws Exception {
    try (Lease first = acquire(0, new ArrayList<>())) {
      long expiry = Lease.Holder.parse(Files.readString(out.resolve(OutputStore.LOCK))).orElseThrow().expiresMs();
      Thread.sleep(LEASE + 500); // past the first expiry: only the heartbeat keeps it
      assertTrue(Lease.Holder.parse(Files.readString(out.resolve(OutputStore.LOCK))).orElseThrow().expiresMs() > expiry,
          "the heartbeat renewed the lease");
      assertThrows(OutputStore.ConcurrentRunException.class, () -> acquire(0, new ArrayList<>()));
      first.checkHeld();
    }
  }

  @Test
  void closeNeverDeletesAForeignLeaseAndALostLeaseFailsTheCommit() throws Exception {
    Lease mine = acquire(0, new ArrayList<>());
    // this run stalled past its lease and another host took over
    leaseOf("other-host", 77, System.currentTimeMillis() + 60_000);
    mine.renew();
    OutputStore.ConcurrentRunException e = assertThrows(OutputStore.ConcurrentRunException.class, mine::checkHeld);
    assertTrue(e.getMessage().contains("no longer this run's (pid 77, host other-host"), e.getMessage());
    mine.close();
    assertTrue(Files.readString(out.resolve(OutputStore.LOCK)).contains("owner=someone-else"), "the other run's lease stays");
  }
}
