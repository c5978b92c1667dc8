package org.metamut.jobs.score;

import org.junit.jupiter.api.Test;
import org.metamut.lib.model.TokenBatch;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdaptationTest {

  private static TokenBatch batch(int[][] rows, double[] y) {
    int t = 4;
    int[] ids = new int[rows.length * t];
    for (int b = 0; b < rows.length; b++) {
      System.arraycopy(rows[b], 0, ids, b * t, rows[b].length);
    }
    return TokenBatch.of(rows.length, t, ids, y);
  }

  @Test
  void chunkedSgdIsExactlyFullBatchSgdAndLowersTheLoss() {
    int[][] rows = {{2, 6, 7, 3}, {2, 8, 3}, {2, 9, 10, 3}, {2, 11, 3}, {2, 6, 12, 3}};
    double[] y = {1.0, -0.5, 0.25, 2.0, -1.0};
    TokenBatch all = batch(rows, y);
    List<TokenBatch> chunks = List.of(batch(new int[][] {rows[0], rows[1]}, new double[] {y[0], y[1]}),
        batch(new int[][] {rows[2], rows[3], rows[4]}, new double[] {y[2], y[3], y[4]}));
    ToyModel m = new ToyModel();
    Adaptation.Result full = Adaptation.sgd(m, ToyModel.thetaD(), all, 4, 0.05);
    Adaptation.Result chunked = Adaptation.sgd(m, ToyModel.thetaD(), chunks, 4, 0.05);
    assertArrayEquals(full.theta(), chunked.theta(), 1e-12);
    assertEquals(full.lossAfter(), chunked.lossAfter(), 1e-12);
    assertTrue(full.lossAfter() < full.lossBefore(), full.lossBefore() + " -> " + full.lossAfter());
    assertArrayEquals(ToyModel.thetaD(), Adaptation.sgd(m, ToyModel.thetaD(), all, 0, 0.05).theta(), 0.0, "0 steps: unchanged");
  }

  @Test
  void labelsAreZScoredWithPopulationSd() {
    double[] ms = Adaptation.meanSd(new double[] {1, 2, 3, 4});
    assertEquals(2.5, ms[0], 1e-12);
    assertEquals(Math.sqrt(1.25), ms[1], 1e-12);
    assertEquals(1.0, Adaptation.meanSd(new double[] {3, 3})[1], "constant labels: sd 1");
  }
}
