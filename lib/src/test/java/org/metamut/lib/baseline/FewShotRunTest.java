package org.metamut.lib.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.metamut.lib.metrics.Metric;
import org.metamut.lib.metrics.Metrics;
import org.metamut.lib.report.ResultRecord;

class FewShotRunTest {

  private static final String WT = "MKTAYIAKQRQISFVKSHFSRQ";

  private static List<LabelledVariant> variants(int from, int to) {
    List<LabelledVariant> out = new ArrayList<>();
    String aa = "ACDEFGHIKLMNPQRSTVWY";
    for (int pos = from; pos <= to; pos++) {
      char wt = WT.charAt(pos - 1);
      char mt = aa.charAt((aa.indexOf(wt) + 3) % 20);
      out.add(new LabelledVariant(Variant.of(WT, "" + wt + pos + mt), Math.signum(Math.sin(pos))));
    }
    return out;
  }

  @Test
  void recordsTheRunWithItsMetrics() {
    ResultRecord r = FewShotRun.classes(RidgeBaseline.substitution("ridge-substitution"), "T", "solubility", 3, variants(1, 10),
        variants(11, 22));
    assertEquals("ridge-substitution", r.method());
    assertEquals(10, r.k());
    assertEquals(0.0, r.trainSeconds());
    assertTrue(r.adaptSeconds() >= 0);
    assertEquals(7, r.metrics().size()); // 4 regression metrics, accuracy, and the calibration of the ridge's SD
    double coverage = r.metric(Metric.COVERAGE80);
    assertTrue(coverage >= 0 && coverage <= 1);
    double acc = r.metric(Metric.ACCURACY);
    assertTrue(acc >= 0 && acc <= 1);
  }

  @Test
  void queryVariantsInTheSupportAreLeakage() {
    List<LabelledVariant> support = variants(1, 10);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FewShotRun.regression(RidgeBaseline.oneHot("ridge-onehot"), "T", "fitness", 1, support, variants(10, 15)));
    assertTrue(e.getMessage().contains("also in the support set"), e.getMessage());
  }

  @Test
  void nearestClassCodes() { // -0.5 is a tie between -1 and 0: the smaller code
    assertArrayEquals(new int[] {-1, -1, 0, 0, 1, 1}, Metrics.nearestClass(new double[] {-3, -0.5, -0.4, 0.4, 0.6, 9},
        new int[] {1, 0, -1, 0}));
  }
}
