package org.metamut.lib.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.Test;
import org.metamut.lib.metrics.Metrics;
import org.metamut.lib.mutation.Mutation;

/**
 * {@code ridge-combined}: the two-block ridge's closed-form LOO equals refitting by hand on a tiny case (and picks
 * the same penalties), and on a landscape where both blocks carry signal it is at least as good as the better single
 * block.
 */
class CombinedRidgeBaselineTest {

  private static final String AA = Mutation.AMINO_ACIDS;

  /** Brute force: for each left-out i, solve the penalised normal equations of the other n − 1 rows. */
  private static double bruteLoo(double[][] a, double[][] b, double[] y, double la, double lb) {
    int n = y.length;
    int pa = a[0].length;
    int p = pa + b[0].length;
    double sum = 0;
    for (int out = 0; out < n; out++) {
      double[][] x = new double[n - 1][];
      double[] t = new double[n - 1];
      int r = 0;
      for (int i = 0; i < n; i++) {
        if (i != out) {
          x[r] = concat(a[i], b[i]);
          t[r++] = y[i];
        }
      }
      double[] xm = new double[p];
      double tm = Arrays.stream(t).average().orElseThrow();
      for (double[] row : x) {
        for (int j = 0; j < p; j++) {
          xm[j] += row[j] / (n - 1);
        }
      }
      RealMatrix lhs = new Array2DRowRealMatrix(p, p);
      double[] rhs = new double[p];
      for (int i = 0; i < n - 1; i++) {
        for (int j = 0; j < p; j++) {
          rhs[j] += (x[i][j] - xm[j]) * (t[i] - tm);
          for (int k = 0; k < p; k++) {
            lhs.addToEntry(j, k, (x[i][j] - xm[j]) * (x[i][k] - xm[k]));
          }
        }
      }
      for (int j = 0; j < p; j++) {
        lhs.addToEntry(j, j, j < pa ? la : lb);
      }
      double[] beta = new LUDecomposition(lhs).getSolver().solve(new ArrayRealVector(rhs)).toArray();
      double[] xo = concat(a[out], b[out]);
      double pred = tm;
      for (int j = 0; j < p; j++) {
        pred += beta[j] * (xo[j] - xm[j]);
      }
      sum += (y[out] - pred) * (y[out] - pred);
    }
    return sum / n;
  }

  private static double[] concat(double[] a, double[] b) {
    double[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  @Test
  void looOfEveryPenaltyPairMatchesRefittingAndPicksItsMinimum() {
    Random r = new Random(3);
    int n = 9;
    double[][] a = new double[n][2];
    double[][] b = new double[n][5];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 2; j++) {
        a[i][j] = r.nextGaussian();
      }
      for (int j = 0; j < 5; j++) {
        b[i][j] = r.nextInt(2);
      }
      y[i] = 2 * a[i][0] - b[i][1] + 0.5 * b[i][3] + 0.3 * r.nextGaussian();
    }
    double[] ga = {0.01, 0.3, 10};
    double[] gb = {0.05, 1, 30, 1000};
    TwoBlockRidge.Fit fit = TwoBlockRidge.fitLoo(a, b, y, ga, gb);
    int bi = 0;
    int bj = 0;
    for (int i = 0; i < ga.length; i++) {
      for (int j = 0; j < gb.length; j++) {
        double brute = bruteLoo(a, b, y, ga[i], gb[j]);
        assertEquals(brute, fit.looMse()[i][j], 1e-9 * Math.max(1, brute), "LOO at λa=" + ga[i] + ", λb=" + gb[j]);
        if (brute < bruteLoo(a, b, y, ga[bi], gb[bj])) {
          bi = i;
          bj = j;
        }
      }
    }
    assertEquals(ga[bi], fit.lambdaA());
    assertEquals(gb[bj], fit.lambdaB());
    // coefficients mapped back to the original features: with block b shut off, the fit is ridge on block a alone
    TwoBlockRidge.Fit onlyA = TwoBlockRidge.fitLoo(a, b, y, new double[] {0.3}, new double[] {1e12});
    Ridge.Fit ridgeA = Ridge.fit(a, y, 0.3);
    for (int i = 0; i < n; i++) {
      assertEquals(ridgeA.predict(a[i]), onlyA.predict(a[i], b[i]), 1e-8);
    }
  }

  @Test
  void atLeastAsGoodAsTheBetterSingleBlockWhenBothMatter() {
    double[] rho = new double[3];
    for (int seed = 0; seed < 4; seed++) {
      Random r = new Random(100 + seed);
      StringBuilder wt = new StringBuilder();
      for (int i = 0; i < 12; i++) {
        wt.append(AA.charAt(r.nextInt(20)));
      }
      double[] site = new double[13];
      for (int pos = 1; pos <= 12; pos++) {
        site[pos] = 1.5 * r.nextGaussian(); // a site effect only the one-hot block can learn
      }
      List<Variant> variants = new ArrayList<>();
      for (int pos = 1; pos <= 12; pos++) {
        for (char mt : AA.toCharArray()) {
          if (mt != wt.charAt(pos - 1)) {
            variants.add(new Variant(wt.toString(), List.of(new Mutation(pos, wt.charAt(pos - 1), mt))));
          }
        }
      }
      Collections.shuffle(variants, r);
      double[] y = new double[variants.size()];
      for (int i = 0; i < y.length; i++) {
        Mutation m = variants.get(i).mutations().get(0);
        // a substitution-chemistry effect shared by every site, which the substitution block learns from few labels
        y[i] = site[m.pos()] + 0.6 * Blosum62.score(m.wt(), m.mt())
            - 0.02 * Math.abs(ResidueScales.volume(m.mt()) - ResidueScales.volume(m.wt())) + 0.4 * r.nextGaussian();
      }
      int k = 48;
      List<Baseline> bs = List.of(RidgeBaseline.oneHot("ridge-onehot"), RidgeBaseline.substitution("ridge-substitution"),
          CombinedRidgeBaseline.of("ridge-combined"));
      for (int m = 0; m < 3; m++) {
        rho[m] += heldOutSpearman(bs.get(m), variants, y, k) / 4;
      }
    }
    double better = Math.max(rho[0], rho[1]);
    assertTrue(rho[2] >= better, "combined " + rho[2] + " vs one-hot " + rho[0] + ", substitution " + rho[1]);
  }

  private static double heldOutSpearman(Baseline baseline, List<Variant> variants, double[] y, int k) {
    List<LabelledVariant> support = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      support.add(new LabelledVariant(variants.get(i), y[i]));
    }
    double[] pred = baseline.fit(support).predict(variants.subList(k, variants.size()));
    return Metrics.spearman(Arrays.copyOfRange(y, k, y.length), pred);
  }

  @Test
  void aMultiProteinSupportFitsEachVariantAgainstItsOwnProtein() {
    List<LabelledVariant> support = new ArrayList<>();
    String p1 = "MKTAYIAKQR";
    String p2 = "GSHMLEDPVAAW";
    for (int i = 0; i < 6; i++) {
      support.add(new LabelledVariant(Variant.of(p1, p1.charAt(i) + "" + (i + 1) + "A".replace(p1.charAt(i) + "", "G")),
          i));
      support.add(new LabelledVariant(Variant.of(p2, p2.charAt(i) + "" + (i + 1) + "W".replace(p2.charAt(i) + "", "Y")),
          -i));
    }
    for (Baseline b : List.of(RidgeBaseline.oneHot("ridge-onehot"), CombinedRidgeBaseline.of("ridge-combined"),
        RidgeBaseline.substitution("ridge-substitution"))) {
      Predictor p = b.fit(support);
      double[] pred = p.predict(List.of(Variant.of(p1, "K2D"), Variant.of(p2, "S2D"), Variant.of("ACDEFG", "C2W")));
      for (double v : pred) {
        assertTrue(Double.isFinite(v), b.name() + ": " + Arrays.toString(pred));
      }
    }
  }
}
