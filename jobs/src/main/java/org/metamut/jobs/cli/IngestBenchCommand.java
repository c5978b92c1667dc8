package org.metamut.jobs.cli;

import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.ingest.IngestJob;
import org.metamut.jobs.ingest.SyntheticData;
import org.metamut.jobs.spark.JobContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code metamut bench ingest}: ingestion throughput (rows/s) on the bundled catalogue and on generated
 * inputs of growing size, with process CPU time and the peak JVM heap (driver and, in local mode, the
 * executors: it stays flat if nothing proportional to the input is collected). Every run is a fresh,
 * forced ingest into a scratch folder, episodes included.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Ingestion throughput on the bundled data and on generated inputs of growing size.")
final class IngestBenchCommand extends JobCommand {

  @Option(names = "--sizes", split = ",", paramLabel = "ROWS",
      description = "Generated input sizes in rows (default: 500000,1000000,2000000; e.g. add 10000000).")
  List<Long> sizes = new ArrayList<>(List.of(500_000L, 1_000_000L, 2_000_000L));

  @Option(names = "--rows-per-file", description = "Rows per generated file (default: ${DEFAULT-VALUE}).")
  long rowsPerFile = 250_000;

  @Option(names = "--no-bundled", description = "Skip the run on the bundled catalogue.")
  boolean noBundled;

  @Option(names = "--scratch", paramLabel = "DIR",
      description = "Scratch folder for generated inputs and outputs (default: <output-dir>/bench-ingest).")
  Path scratch;

  @Override
  String jobName() {
    return "bench-ingest";
  }

  @Override
  int run(JobContext ctx) throws Exception {
    MetamutConfig base = ctx.config();
    Path dir = scratch != null ? scratch : Path.of(base.get(RunKeys.OUTPUT_DIR), "bench-ingest");
    Files.createDirectories(dir);
    var spark = ctx.spark();
    ctx.say("Spark " + spark.version() + ", master " + spark.sparkContext().master() + ", "
        + Runtime.getRuntime().availableProcessors() + " cores visible, max heap "
        + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB. Timings on a shared machine are noisy; "
        + "CPU s is the process CPU time (all threads).");
    List<String[]> table = new ArrayList<>();
    if (!noBundled) {
      table.add(measure(ctx, "bundled catalogue", with(base, dir.resolve("out-bundled"), "")));
    }
    for (long n : sizes) {
      Path data = dir.resolve("gen-" + n);
      if (!Files.exists(data.resolve("wt.fasta"))) {
        long t = System.nanoTime();
        int files = SyntheticData.write(data, n, rowsPerFile, 7);
        ctx.say(String.format(Locale.ROOT, "generated %,d rows in %d files in %.1f s", n, files, (System.nanoTime() - t) / 1e9));
      }
      String extra = "metamut.ingest.only = [synthetic]\nmetamut.ingest.datasets { "
          + SyntheticData.catalogueEntry("synthetic", data) + " }\n";
      table.add(measure(ctx, String.format(Locale.ROOT, "generated %,d", n), with(base, dir.resolve("out-" + n), extra)));
    }
    ctx.say(String.format(Locale.ROOT, "%-22s %12s %9s %12s %9s %14s %16s", "input", "rows read", "wall s", "rows/s",
        "CPU s", "peak heap MB", "after-GC heap MB"));
    for (String[] r : table) {
      ctx.say(String.format(Locale.ROOT, "%-22s %12s %9s %12s %9s %14s %16s", (Object[]) r));
    }
    ctx.say("peak heap = highest sampled used heap (garbage included); after-GC heap = highest heap still in use right "
        + "after a collection (what the run retains: driver + local-mode executors)");
    return 0;
  }

  private static MetamutConfig with(MetamutConfig base, Path out, String extra) {
    return base.withOverrides("metamut.run.output-dir = \"" + out.toAbsolutePath() + "\"\nmetamut.ingest.force = true\n"
        + extra);
  }

  private String[] measure(JobContext ctx, String label, MetamutConfig cfg) throws Exception {
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    System.gc();
    AtomicLong peak = new AtomicLong(mem.getHeapMemoryUsage().getUsed());
    AtomicLong peakRetained = new AtomicLong(0);
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
        peakRetained.accumulateAndGet(retainedAfterGc(), Math::max);
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
    long cpu0 = cpuNanos();
    long t0 = System.nanoTime();
    IngestJob.Result r = new IngestJob(ctx.spark(), cfg, s -> { }).run();
    double secs = (System.nanoTime() - t0) / 1e9;
    double cpu = (cpuNanos() - cpu0) / 1e9;
    sampler.interrupt();
    sampler.join();
    ctx.say(String.format(Locale.ROOT, "%s: %,d rows read (%,d variants, %,d quarantined) in %.1f s = %,.0f rows/s",
        label, r.rowsRead(), r.variants(), r.quarantined(), secs, r.rowsRead() / secs));
    return new String[] {label, String.format(Locale.ROOT, "%,d", r.rowsRead()), String.format(Locale.ROOT, "%.1f", secs),
        String.format(Locale.ROOT, "%,.0f", r.rowsRead() / secs), String.format(Locale.ROOT, "%.1f", cpu),
        String.format(Locale.ROOT, "%,d", peak.get() >> 20), String.format(Locale.ROOT, "%,d", peakRetained.get() >> 20)};
  }

  /** Heap in use right after the last collection, summed over the heap pools that report it. */
  private static long retainedAfterGc() {
    long sum = 0;
    for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
        sum += pool.getCollectionUsage().getUsed();
      }
    }
    return sum;
  }

  private static long cpuNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0L;
  }
}
