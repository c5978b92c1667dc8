package org.metamut.lib.model;

import org.apache.commons.math3.special.Erf;
import org.metamut.lib.backend.VectorApi;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float SIMD kernels against the same maths in double (written out here, erf from Commons Math), at the
 * lengths that exercise full vectors, masked tails and rows shorter than one vector; a FLOAT model on them against
 * the scalar host kernels and against the DOUBLE model; and a JVM without the Vector API falling back.
 */
class VectorKernelsTest {
  private static final int[] LENGTHS = {1, 5, 8, 16, 24, 37, 45, 64, 70}; // whole vectors, 8-lane chunks, scalar tails
  // shorter than a vector (and than the context's four columns), whole vectors, whole vectors and a scalar tail, and
  // (with 16 lanes) two vectors, one and a tail
  private static final int[] HEAD_SIZES = {4, 6, 16, 24, 56};

  @Test
  void theTestJvmRunsTheVectorKernels() {
    // the surefire argLine carries --add-modules=jdk.incubator.vector (Spark's module options), so the FLOAT model
    // under test here and in TransformerTest runs VectorKernels; without it this class would test nothing
    assertTrue(VectorApi.available());
    assertEquals("float SIMD kernels (Vector API)", VectorApi.describe());
    String before = System.getProperty(VectorApi.PROPERTY);
    System.setProperty(VectorApi.PROPERTY, "false");
    try {
      assertEquals("scalar kernels (-Dmetamut.vector-kernels=false)", VectorApi.describe());
    } finally {
      if (before == null) {
        System.clearProperty(VectorApi.PROPERTY);
      } else {
        System.setProperty(VectorApi.PROPERTY, before);
      }
    }
  }

  /** Example 0 unpadded; 1 right-padded, with a masked key and a soft bias inside; 2 one key; 3 wholly masked. */
  private static float[] attentionMask(int nb, int t) {
    float[] mask = new float[nb * t];
    for (int j = 0; j < t; j++) {
      mask[t + j] = j >= (t + 1) / 2 || (j == 1 && t > 3) ? -1e9f : j == 0 ? 0.5f : 0f;
      mask[2 * t + j] = j >= 1 ? -1e9f : 0f;
      mask[3 * t + j] = -1e9f;
    }
    return mask;
  }

  /**
   * The attention weights in double for example b, head h: softmax of scale·q·kᵀ plus the mask, the mask added in
   * float as the model does (a wholly masked row is then uniform, as in ND4J's softmax). rel[i][j] receives the
   * weight's expected relative error: float rounding of the dot products of its score and of the maximum, of the
   * scores themselves (~1.2e-7 of each; the mask is exact), then of the exp, the sum and the quotient.
   */
  private static double[][] weights(float[] heads, int nb, int nh, int t, int dh, int b, int h, float scale,
                                    float[] mask, double[][] rel) {
    int block = t * dh;
    int q = (b * nh + h) * block;
    int k = nb * nh * block + q;
    double[][] p = new double[t][t];
    double[] sums = new double[t];
    for (int i = 0; i < t; i++) {
      double max = Double.NEGATIVE_INFINITY;
      double maxSum = 0;
      for (int j = 0; j < t; j++) {
        double dot = 0;
        sums[j] = 0;
        for (int c = 0; c < dh; c++) {
          dot += (double) heads[q + i * dh + c] * heads[k + j * dh + c];
          sums[j] += Math.abs((double) heads[q + i * dh + c] * heads[k + j * dh + c]) * scale;
        }
        p[i][j] = (float) (dot * scale) + mask[b * t + j];
        if (p[i][j] > max) {
          max = p[i][j];
          maxSum = sums[j];
        }
      }
      double sum = 0;
      for (int j = 0; j < t; j++) {
        // a float dot product of dh terms is off by at most dh·2^-24 of the sum of the terms' magnitudes
        rel[i][j] = 2e-6 + 2.4e-7 * (Math.abs(p[i][j] - mask[b * t + j]) + Math.abs(max))
            + 6e-8 * dh * (sums[j] + maxSum);
        p[i][j] = Math.exp(p[i][j] - max);
        sum += p[i][j];
      }
      for (int j = 0; j < t; j++) {
        p[i][j] /= sum;
      }
    }
    return p;
  }

  private static float[] gaussians(SplittableRandom rng, int n, double sd) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (rng.nextGaussian() * sd);
    }
    return x;
  }

  @Test
  void attentionMatchesDouble() {
    SplittableRandom rng = new SplittableRandom(3);
    int nb = 4;
    int nh = 2;
    int w = VectorKernels.lanes();
    for (int t : LENGTHS) {
      for (int dh : HEAD_SIZES) {
        int block = t * dh;
        int tPad = (t + w - 1) / w * w;
        float[] heads = gaussians(rng, 3 * nb * nh * block, 2);
        float[] mask = attentionMask(nb, t);
        int stride = nh * dh + 1;
        float[] ctx = new float[nb * t * stride];
        java.util.Arrays.fill(ctx, 7f);
        float[] att = new float[nb * nh * tPad * t];
        float scale = (float) (1 / Math.sqrt(dh));
        VectorKernels.attention(heads, nb, nh, t, dh, scale, mask, ctx, stride, att, new float[dh * tPad],
            new float[2 * t * w], new float[w]);
        for (int b = 0; b < nb; b++) {
          int keys = VectorKernels.unmaskedPrefix(mask, b * t, t);
          assertEquals(b == 0 || b == 3 ? t : b == 1 ? (t + 1) / 2 : 1, keys, "keys before the padding, T " + t);
          for (int h = 0; h < nh; h++) {
            double[][] rel = new double[t][t];
            double[][] p = weights(heads, nb, nh, t, dh, b, h, scale, mask, rel);
            int v = 2 * nb * nh * block + (b * nh + h) * block;
            for (int i = 0; i < t; i++) {
              String where = "T " + t + ", dh " + dh + ", example " + b + ", head " + h + ", query " + i;
              double relMax = 0;
              for (int j = 0; j < t; j++) {
                relMax = Math.max(relMax, rel[i][j]);
                if (j < keys) { // the lane layout: group i / W, key j, lane i % W
                  float got = att[((b * nh + h) * tPad + i / w * w) * t + j * w + i % w];
                  assertEquals(p[i][j], got, rel[i][j] * p[i][j] + 1e-30, where + ", key " + j);
                  if (mask[b * t + j] == -1e9f && b != 3) {
                    assertEquals(0f, got, "a masked key gets no weight, " + where);
                  }
                } else {
                  assertEquals(0.0, p[i][j], 1e-300, "a key after the padding has no weight, " + where);
                }
              }
              for (int c = 0; c < dh; c++) {
                double want = 0;
                double scaleOf = 0;
                for (int j = 0; j < t; j++) {
                  want += p[i][j] * heads[v + j * dh + c];
                  scaleOf += p[i][j] * Math.abs(heads[v + j * dh + c]);
                }
                assertEquals(want, ctx[(b * t + i) * stride + h * dh + c], 2 * relMax * (scaleOf + 1e-3), where + ", ctx " + c);
              }
              assertEquals(7f, ctx[(b * t + i) * stride + nh * dh], "the column after the heads is left alone");
            }
          }
        }
        float[] ctxOnly = new float[ctx.length];
        float[] staleQT = gaussians(rng, dh * tPad, 1e30); // a work array left over from other use
        VectorKernels.attention(heads, nb, nh, t, dh, scale, mask, ctxOnly, stride, null, staleQT, new float[2 * t * w],
            new float[w]);
        for (int i = 0; i < ctx.length; i++) {
          if (i % stride != nh * dh) {
            // the same up to the order of the Vector API's lane sums, which the JIT may change between the two calls
            assertEquals(ctx[i], ctxOnly[i], 1e-6 * (1 + Math.abs(ctx[i])),
                "without the weights kept the context is the same, T " + t + ", dh " + dh);
          }
        }
      }
    }
  }

  @Test
  void attentionBackwardMatchesDouble() {
    SplittableRandom rng = new SplittableRandom(17);
    int nb = 4;
    int nh = 2;
    int w = VectorKernels.lanes();
    for (int t : LENGTHS) {
      for (int dh : HEAD_SIZES) {
        int block = t * dh;
        int part = nb * nh * block;
        int tPad = (t + w - 1) / w * w;
        float[] heads = gaussians(rng, 3 * part, 1.5);
        float[] mask = attentionMask(nb, t);
        int d = nh * dh;
        float[] att = new float[nb * nh * tPad * t];
        float scale = (float) (1 / Math.sqrt(dh));
        VectorKernels.attention(heads, nb, nh, t, dh, scale, mask, new float[nb * t * d], d, att, new float[dh * tPad],
            new float[2 * t * w], new float[w]);
        int dStride = d + 3; // rows wider than the heads, as the model's are not
        float[] dCtx = gaussians(rng, nb * t * dStride, 1);
        float[] dHeads = gaussians(rng, 3 * part, 9); // stale values must not survive
        VectorKernels.attentionBackward(heads, att, nb, nh, t, dh, scale, mask, dCtx, dStride, dHeads,
            new float[2 * dh * w], new float[2 * t * w], new float[w]);
        for (int b = 0; b < nb; b++) {
          for (int h = 0; h < nh; h++) {
            double[][] rel = new double[t][t];
            double[][] a = weights(heads, nb, nh, t, dh, b, h, scale, mask, rel);
            int q = (b * nh + h) * block;
            int k = part + q;
            int v = 2 * part + q;
            double[][] dS = new double[t][t];
            double[][] bound = new double[t][t]; // |dS| before cancellation, for the tolerance
            for (int i = 0; i < t; i++) {
              double[] dA = new double[t];
              double dot = 0;
              double dotAbs = 0;
              for (int j = 0; j < t; j++) {
                for (int c = 0; c < dh; c++) {
                  dA[j] += (double) dCtx[(b * t + i) * dStride + h * dh + c] * heads[v + j * dh + c];
                }
                dot += dA[j] * a[i][j];
                dotAbs += Math.abs(dA[j]) * a[i][j];
              }
              for (int j = 0; j < t; j++) {
                dS[i][j] = a[i][j] * (dA[j] - dot);
                bound[i][j] = a[i][j] * (Math.abs(dA[j]) + dotAbs);
              }
            }
            String where = "T " + t + ", dh " + dh + ", example " + b + ", head " + h;
            for (int x = 0; x < t; x++) {
              for (int c = 0; c < dh; c++) {
                double dq = 0;
                double dqAbs = 0;
                double dk = 0;
                double dkAbs = 0;
                double dv = 0;
                double dvAbs = 0;
                for (int y = 0; y < t; y++) {
                  dq += scale * dS[x][y] * heads[k + y * dh + c];
                  dqAbs += scale * bound[x][y] * Math.abs(heads[k + y * dh + c]);
                  dk += scale * dS[y][x] * heads[q + y * dh + c];
                  dkAbs += scale * bound[y][x] * Math.abs(heads[q + y * dh + c]);
                  dv += a[y][x] * dCtx[(b * t + y) * dStride + h * dh + c];
                  dvAbs += a[y][x] * Math.abs(dCtx[(b * t + y) * dStride + h * dh + c]);
                }
                assertEquals(dq, dHeads[q + x * dh + c], 5e-5 * dqAbs + 1e-6, where + ", ∂q of query " + x + "[" + c + "]");
                assertEquals(dk, dHeads[k + x * dh + c], 5e-5 * dkAbs + 1e-6, where + ", ∂k of key " + x + "[" + c + "]");
                assertEquals(dv, dHeads[v + x * dh + c], 5e-5 * dvAbs + 1e-6, where + ", ∂v of key " + x + "[" + c + "]");
              }
            }
          }
        }
      }
    }
  }

  @Test
  void expIsFloatAccurateAndZeroBelowTheNormalRange() {
    int w = VectorKernels.lanes();
    float[] x = new float[w * 20_000];
    SplittableRandom rng = new SplittableRandom(21);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (rng.nextDouble() * 176 - 88); // [−88, 88]
    }
    float[] special = {0f, -0f, 1e-30f, -1e-30f, 0.5f * (float) Math.log(2), -0.5f * (float) Math.log(2), 1f, -1f,
        88f, -87.3f, -87.33654f, -87.34f, -100f, -1e9f, Float.NEGATIVE_INFINITY};
    System.arraycopy(special, 0, x, 0, special.length);
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i += w) {
      VectorKernels.exp(jdk.incubator.vector.FloatVector.fromArray(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, x, i))
          .intoArray(y, i);
    }
    for (int i = 0; i < x.length; i++) {
      double want = Math.exp(x[i]);
      if (x[i] < -87.33654f) {
        assertEquals(0f, y[i], "e^" + x[i] + " below the normal range is 0");
      } else {
        assertEquals(want, y[i], 1.2e-7 * want, "e^" + x[i]);
      }
    }
    assertEquals(1f, y[0], "e^0 is 1 exactly");
  }

  @Test
  void geluAndItsSlopeMatchDouble() {
    SplittableRandom rng = new SplittableRandom(4);
    int len = 20_003; // not a multiple of the vector length
    float[] u = new float[len];
    for (int i = 0; i < len; i++) {
      u[i] = (float) (rng.nextDouble() * 16 - 8);
    }
    float[] special = {0f, -0f, 1e-30f, -1e-30f, 1e-4f, -1e-4f, 0.5f, -0.5f, 3f, -3f, 9.5f, -9.5f, 30f, -30f};
    System.arraycopy(special, 0, u, 0, special.length);
    float[] gel = new float[len];
    float[] onePlusErf = new float[len];
    float[] dg = new float[len];
    for (int i = 0; i < len; i++) {
      dg[i] = (float) rng.nextGaussian();
    }
    float[] dIn = dg.clone();
    float[] uIn = u.clone();
    VectorKernels.gelu(u, gel, onePlusErf, len);
    assertArrayEquals(uIn, u, "u is read, not written");
    VectorKernels.geluBackward(u, onePlusErf, dg, len);
    float[] inPlace = u.clone();
    VectorKernels.gelu(inPlace, inPlace, new float[len], len);
    assertArrayEquals(gel, inPlace, "in place as out of place");
    for (int i = 0; i < len; i++) {
      double x = u[i];
      double want = Erf.erfc(-x); // = 1 + erf x, without the cancellation of 1 + erf x in double for x ≪ 0
      // the approximation (1.2e-7), float rounding in P(t) and the exp; for u ≪ 0, erfc(|u|) = t·exp(−u² + P(t)) and
      // the float rounding of the exponent (~u²·1.2e-7 twice) dominates
      assertEquals(want, onePlusErf[i], (6e-7 + 2.4e-7 * x * x) * want + 1e-37, "1 + erf u at u = " + x);
      double g = x * (1 + Erf.erf(x));
      // erf to 1.2e-7 of (1 − |erf|) plus float rounding of the product: a few ulps of the result's scale
      assertEquals(g, gel[i], 5e-7 * Math.abs(x) + 1e-37, "u·(1 + erf u) at u = " + x);
      double slope = 1 + Erf.erf(x) + x * 2 / Math.sqrt(Math.PI) * Math.exp(-x * x);
      assertEquals(dIn[i] * slope, dg[i], 1e-6 * Math.abs(dIn[i]) * (1 + Math.abs(slope)), "GELU slope at u = " + x);
    }
  }

  @Test
  void layerNormAndItsBackwardMatchDouble() {
    SplittableRandom rng = new SplittableRandom(5);
    for (int d : new int[] {5, 16, 64, 70}) {
      int n = 100; // more than one block of the γ/β gradient accumulator
      float[] x = new float[n * d];
      float[] dy = new float[n * d];
      float[] dx = new float[n * d];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (rng.nextGaussian() * 3 + 1);
        dy[i] = (float) rng.nextGaussian();
        dx[i] = (float) rng.nextGaussian();
      }
      float[] gamma = new float[d];
      float[] beta = new float[d];
      for (int j = 0; j < d; j++) {
        gamma[j] = (float) (1 + 0.3 * rng.nextGaussian());
        beta[j] = (float) (0.3 * rng.nextGaussian());
      }
      int stride = d + 1;
      float[] out = new float[n * stride];
      float[] xhat = new float[n * d];
      float[] rstd = new float[n];
      float[] dxIn = dx.clone();
      double[] grad = new double[2 * d + 3];
      VectorKernels.layerNorm(x, n, d, gamma, beta, out, stride, xhat, rstd, 1e-5f);
      VectorKernels.layerNormBackward(dy, dx, n, d, gamma, xhat, rstd, grad, 3, 3 + d, new float[2 * d]);
      double[] dGamma = new double[d];
      double[] dBeta = new double[d];
      for (int r = 0; r < n; r++) {
        double mu = 0;
        for (int j = 0; j < d; j++) {
          mu += x[r * d + j];
        }
        mu /= d;
        double var = 0;
        for (int j = 0; j < d; j++) {
          var += (x[r * d + j] - mu) * (x[r * d + j] - mu);
        }
        double rs = 1 / Math.sqrt(var / d + 1e-5);
        double m1 = 0;
        double m2 = 0;
        for (int j = 0; j < d; j++) {
          double xh = (x[r * d + j] - mu) * rs;
          assertEquals(xh * gamma[j] + beta[j], out[r * stride + j], 2e-6 * (1 + Math.abs(xh * gamma[j])), "LN out");
          double dxh = dy[r * d + j] * gamma[j];
          m1 += dxh / d;
          m2 += dxh * xh / d;
          dGamma[j] += dy[r * d + j] * xh;
          dBeta[j] += dy[r * d + j];
        }
        for (int j = 0; j < d; j++) {
          double xh = (x[r * d + j] - mu) * rs;
          double want = dxIn[r * d + j] + (dy[r * d + j] * gamma[j] - m1 - xh * m2) * rs;
          assertEquals(want, dx[r * d + j], 2e-6 * (1 + Math.abs(want)), "LN ∂x, d = " + d + ", row " + r);
        }
      }
      for (int j = 0; j < d; j++) {
        assertEquals(dGamma[j], grad[3 + j], 1e-5 * Math.sqrt(n), "∂γ, d = " + d);
        assertEquals(dBeta[j], grad[3 + d + j], 1e-5 * Math.sqrt(n), "∂β, d = " + d);
      }
      assertArrayEquals(new double[3], java.util.Arrays.copyOf(grad, 3), "nothing written outside γ, β");
    }
  }

  @Test
  void aFloatModelOnVectorKernelsAgreesWithTheScalarHostKernels() {
    for (ModelSpec spec : new ModelSpec[] {ModelSpec.reference(), ModelSpec.reference(2, 16, 2, 40, 12)
        .withPositional(ModelSpec.Positional.ROTARY).withPooling(ModelSpec.Pooling.SITES)}) {
      double[] theta = TransformerTest.perturbedInit(spec, 6);
      TokenBatch batch = TransformerTest.randomBatch(spec, 9, Math.min(spec.maxLen(), 45), 7, false);
      double[] gv = new double[theta.length];
      double[] gs = new double[theta.length];
      double[] gd = new double[theta.length];
      try (Transformer vector = new Transformer(spec, DataType.FLOAT, true, true);
           Transformer scalar = new Transformer(spec, DataType.FLOAT, true, false);
           Transformer exact = new Transformer(spec, DataType.DOUBLE, true, false)) {
        double lv = vector.lossAndGradient(theta, batch, gv);
        double ls = scalar.lossAndGradient(theta, batch, gs);
        double ld = exact.lossAndGradient(theta, batch, gd);
        assertEquals(ld, lv, 1e-5 * ld, spec.summary());
        assertEquals(ld, ls, 1e-5 * ld, spec.summary());
        double num = 0;
        double den = 0;
        for (int i = 0; i < theta.length; i++) {
          num += (gd[i] - gv[i]) * (gd[i] - gv[i]);
          den += gd[i] * gd[i];
          assertEquals(gs[i], gv[i], 1e-4 * (1e-3 + Math.abs(gd[i])) + 1e-6, spec.summary() + " parameter " + i);
        }
        assertTrue(Math.sqrt(num / den) < 1e-5, spec.summary() + ": relative gradient error " + Math.sqrt(num / den));
        assertArrayEquals(exact.predict(theta, batch), vector.predict(theta, batch), 1e-5, spec.summary());
      }
    }
  }

  @Test
  void aJvmWithoutTheVectorApiRunsTheScalarKernels() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        WithoutVectorApi.class.getName())).redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "fresh JVM did not finish");
    assertEquals(0, p.exitValue(), out);
    String[] lines = out.strip().split("\n");
    // the same prediction as this JVM's, on the vector kernels, to float rounding
    ModelSpec spec = ModelSpec.reference();
    double want;
    try (Transformer m = new Transformer(spec, DataType.FLOAT, true, true)) {
      want = m.predict(ParamLayout.of(spec).initialise(8), TransformerTest.randomBatch(spec, 4, 30, 8, false))[0];
    }
    assertEquals("scalar kernels (no --add-modules=jdk.incubator.vector)", lines[lines.length - 2]);
    assertEquals(want, Double.parseDouble(lines[lines.length - 1]), 1e-5 * (1 + Math.abs(want)));
  }

  /** Run in a JVM started without {@code --add-modules=jdk.incubator.vector}. */
  public static final class WithoutVectorApi {
    public static void main(String[] args) {
      System.out.println(VectorApi.describe());
      ModelSpec spec = ModelSpec.reference();
      try (Transformer m = new Transformer(spec, DataType.FLOAT)) {
        System.out.println(m.predict(ParamLayout.of(spec).initialise(8), TransformerTest.randomBatch(spec, 4, 30, 8, false))[0]);
      }
    }
  }
}
