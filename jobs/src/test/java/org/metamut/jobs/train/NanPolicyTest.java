package org.metamut.jobs.train;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.meta.NonFiniteException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The meta-train NaN policy in real runs (Spark local mode), with a NaN injected into one task's computation at
 * chosen steps: the step is skipped (φ and the optimiser untouched), the outer rate is halved from then on, the skip
 * is in the metrics and the checkpoints, a run stopped by the NaN resumes past it to the uninterrupted θ, and too
 * many skips in a row fail in one line.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NanPolicyTest {

  @BeforeAll
  static void writeEpisodes(@TempDir Path dir) {
    MetaTrainJobTest.data = dir;
    SyntheticEpisodes.write(LocalSpark.get(), dir.toString(), 6, 2, 2, 6, 1);
  }

  /** φ and the report of every step of a run. */
  private static final class Steps implements TrainListener {
    final TreeMap<Long, double[]> phi = new TreeMap<>();
    final TreeMap<Long, StepReport> reports = new TreeMap<>();

    @Override
    public void onStepEnd(StepReport r) {
      phi.put(r.step(), r.state().phi());
      reports.put(r.step(), r);
    }
  }

  private static MetaTrainJob job(Path out, String extra, List<String> lines, Steps steps, FaultInjection fault) {
    MetaTrainJob j = MetaTrainJobTest.job(MetamutConfig.fromString(MetaTrainJobTest.conf(out, extra)), lines)
        .faultInjection(fault);
    return steps == null ? j : j.listener(steps);
  }

  @Test
  void aNonFiniteStepIsSkippedWithAHalvedRateAndAResumeContinuesPastIt(@TempDir Path tmp) throws Exception {
    FaultInjection nanAt3 = FaultInjection.nonFinite(3, 3, 1);
    List<String> lines = new ArrayList<>();
    Steps a = new Steps();
    MetaTrainJob.Result full = job(tmp.resolve("a"), "", lines, a, nanAt3).run();
    assertEquals(6, full.lastStep());
    assertArrayEquals(a.phi.get(2L), a.phi.get(3L), 0.0, "a skipped step leaves φ as it was");
    assertNotNull(a.reports.get(3L).skipped());
    assertNull(a.reports.get(4L).skipped());
    assertEquals(List.of(1.0, 1.0, 0.5, 0.5, 0.5, 0.5), a.reports.values().stream().map(TrainListener.StepReport::rateScale).toList());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("outer step 3 skipped (not applied)") && l.contains("x0.5")),
        lines.toString());
    // the synthetic proteins have 30 residues, the window 16 tokens: every episode variant is cropped, and said so
    assertTrue(lines.stream().anyMatch(l -> l.matches("crop window: (\\d+) of \\1 episode variants \\(4 of 4 proteins\\) "
        + "are longer than the 16-token window.*")), lines.toString());
    List<String> csv = Files.readAllLines(tmp.resolve("a/meta-train/metrics.csv"));
    assertTrue(csv.get(0).endsWith(",skipped,rate_scale"), csv.get(0));
    assertTrue(csv.get(3).startsWith("3,") && csv.get(3).contains("outer step 3") && csv.get(3).endsWith(",0.5"), csv.get(3));
    assertTrue(csv.get(2).endsWith(",,1.0"), csv.get(2));

    // the same run without lowering the rate: step 4's update is exactly twice the halved one (same φ, moments, batch)
    Steps b = new Steps();
    job(tmp.resolve("b"), "metamut.train.outer.nan.rate-factor = 1.0\n", new ArrayList<>(), b, nanAt3).run();
    assertArrayEquals(a.phi.get(3L), b.phi.get(3L), 0.0);
    for (int i = 0; i < a.phi.get(4L).length; i++) {
      double halved = a.phi.get(4L)[i] - a.phi.get(3L)[i];
      double whole = b.phi.get(4L)[i] - b.phi.get(3L)[i];
      assertEquals(0.5 * whole, halved, 1e-12 * Math.max(1e-300, Math.abs(whole)) + 1e-18, "parameter " + i);
    }

    // the old behaviour on request (no skips): stops at step 3 in one line, the checkpoint of step 2 stays
    Path c = tmp.resolve("c");
    NonFiniteException stop = assertThrows(NonFiniteException.class, () ->
        job(c, "metamut.train.outer.nan.max-consecutive-skips = 0\n", new ArrayList<>(), null, nanAt3).run());
    assertTrue(stop.getMessage().startsWith("outer step 3") && stop.getMessage().indexOf('\n') < 0
        && stop.getMessage().contains("max-consecutive-skips = 0"), stop.getMessage());
    // resumed under the default policy: step 3 is replayed, skipped, and the run reaches the uninterrupted θ
    MetaTrainJob.Result resumed = job(c, "", new ArrayList<>(), null, nanAt3).resume(true).run();
    assertArrayEquals(full.phi(), resumed.phi(), 0.0, "resumed past the NaN differs from the uninterrupted run");

    // a checkpoint written after the skip carries the lowered rate: resuming from it gives the same θ again
    Path d = tmp.resolve("d");
    job(d, "metamut.train.outer-steps = 4\n", new ArrayList<>(), null, nanAt3).run();
    List<String> resumeLines = new ArrayList<>();
    MetaTrainJob.Result fromFour = job(d, "", resumeLines, null, nanAt3).resume(true).run();
    assertTrue(resumeLines.stream().anyMatch(l -> l.contains("step-00000004") && l.contains("1 non-finite steps skipped")
        && l.contains("x0.5")), resumeLines.toString());
    assertArrayEquals(full.phi(), fromFour.phi(), 0.0, "the rate scale must come back from the checkpoint");
  }

  @Test
  void tooManySkipsInARowFailInOneLine(@TempDir Path tmp) {
    NonFiniteException e = assertThrows(NonFiniteException.class, () -> job(tmp.resolve("e"),
        "metamut.train.outer.nan.max-consecutive-skips = 2\n", new ArrayList<>(), null,
        FaultInjection.nonFinite(2, 6, 0)).run());
    assertTrue(e.getMessage().startsWith("outer step 4") && e.getMessage().contains("3 non-finite steps in a row, from step 2")
        && e.getMessage().contains("max-consecutive-skips = 2") && e.getMessage().indexOf('\n') < 0, e.getMessage());
  }
}
