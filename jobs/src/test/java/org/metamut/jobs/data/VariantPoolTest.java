package org.metamut.jobs.data;

import org.junit.jupiter.api.Test;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.meta.MetaTask;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fresh draws: pure in (seed, step, slot, task), disjoint support and query, support-z-scored targets; their cost. */
class VariantPoolTest {
  static final String SEQ = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQIHFVHSQELLSRYPDLDAKGRERAIAKDLGAVFLVGIGGKLSDGHRHDVRAPDYDDWSTPSELGHAGLNGDILVWNPVLEDAFELSSMGIRVDADTLKHQLALTGDEDRLELEWHQALLRGEMPQTIGGGIGQSRLTMLLLQLPHIGQVQAGVWPAACRERVAEGMTWLNAMVDRLLSFSLEFL";

  /** Two tasks: 5000 single mutants of one protein; 300 of it pooled with a second protein. */
  static VariantPool pool() {
    int n0 = 5000;
    int n1 = 300;
    int n = n0 + n1;
    int[] protein = new int[n];
    int[] mutStart = new int[n + 1];
    int[] pos = new int[n];
    byte[] wt = new byte[n];
    byte[] mt = new byte[n];
    double[] y = new double[n];
    String other = SEQ.substring(20, 120);
    for (int v = 0; v < n; v++) {
      protein[v] = v >= n0 && v % 2 == 0 ? 1 : 0;
      String seq = protein[v] == 0 ? SEQ : other;
      pos[v] = 1 + v % seq.length();
      wt[v] = (byte) seq.charAt(pos[v] - 1);
      mt[v] = (byte) (wt[v] == 'A' ? 'G' : 'A');
      mutStart[v + 1] = v + 1;
      y[v] = Math.sin(v);
    }
    return new VariantPool(new EncoderSpec(EncoderSpec.SEPARATOR, 64), new String[] {SEQ, other},
        new String[] {"src/one", "src/pooled"}, new int[] {0, n0, n}, new int[] {16, 16}, new int[] {16, 16},
        protein, mutStart, pos, wt, mt, y);
  }

  @Test
  void aDrawIsAPureFunctionOfSeedStepSlotAndTask() {
    VariantPool p = pool();
    for (int t = 0; t < 2; t++) {
      int[] a = p.sample(7, 3, 1, t);
      assertArrayEquals(a, p.sample(7, 3, 1, t));
      Set<Integer> distinct = new HashSet<>();
      Arrays.stream(a).forEach(distinct::add);
      assertEquals(32, distinct.size(), "support and query are disjoint");
      int from = t == 0 ? 0 : 5000;
      int to = t == 0 ? 5000 : 5300;
      assertTrue(Arrays.stream(a).allMatch(v -> v >= from && v < to), "only the task's own variants");
      assertFalse(Arrays.equals(a, p.sample(7, 4, 1, t)), "another step draws another sample");
      assertFalse(Arrays.equals(a, p.sample(7, 3, 2, t)), "another slot draws another sample");
      assertFalse(Arrays.equals(a, p.sample(8, 3, 1, t)), "another seed draws another sample");
      MetaTask task = p.draw(7, 3, 1, t);
      assertEquals(16, task.support().batchSize());
      assertEquals(16, task.query().batchSize());
      double mean = Arrays.stream(task.support().targets()).average().orElseThrow();
      assertEquals(0, mean, 1e-12, "support targets are z-scored over the support");
    }
  }

  /**
   * Mixed support sizes ({@code metamut.train.support-sizes}): each draw's size is one of the list, every one of them
   * occurs, capped by what the task holds beside its query, pure in (seed, step, slot, task); an empty list draws
   * exactly what the pool drew before.
   */
  @Test
  void supportSizesAreDrawnFromTheListAndTheDefaultIsUnchanged() {
    VariantPool p = pool();
    VariantPool mixed = p.withSupportSizes(List.of(8, 64, 1000));
    Set<Integer> seen = new HashSet<>();
    for (int step = 0; step < 60; step++) {
      for (int t = 0; t < 2; t++) {
        int s = mixed.drawnSupportSize(7, step, 0, t);
        seen.add(t == 0 ? s : -s);
        MetaTask task = mixed.draw(7, step, 0, t);
        assertEquals(s, task.support().batchSize());
        assertEquals(16, task.query().batchSize());
        assertEquals(s, mixed.drawnSupportSize(7, step, 0, t));
        assertTrue(s == 8 || s == 64 || s == (t == 0 ? 1000 : 300 - 16), "size " + s + " of task " + t);
        assertArrayEquals(p.sample(7, step, 0, t), p.withSupportSizes(List.of()).sample(7, step, 0, t));
      }
    }
    assertEquals(Set.of(8, 64, 1000, -8, -64, -284), seen, "every size occurs; 1000 is capped at 300 - 16 for task 1");
  }

  /**
   * A task whose labels are almost all the wild type's: most drawn supports are near-constant. Their SD is floored at
   * {@link VariantPool#SCALE_FLOOR} × the task's SD, so query targets stay on the task's scale instead of ~1e12; a
   * draw with an ordinary support is z-scored exactly as before.
   */
  @Test
  void aNearConstantSupportIsScaledByTheFloorNotByItsOwnSd() {
    int n = 4000;
    int[] protein = new int[n];
    int[] mutStart = new int[n + 1];
    int[] pos = new int[n];
    byte[] wt = new byte[n];
    byte[] mt = new byte[n];
    double[] y = new double[n];
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    for (int v = 0; v < n; v++) {
      pos[v] = 1 + v % SEQ.length();
      wt[v] = (byte) SEQ.charAt(pos[v] - 1);
      mt[v] = (byte) (wt[v] == 'A' ? 'G' : 'A');
      mutStart[v + 1] = v + 1;
      y[v] = v % 50 == 0 ? -3 + r.nextGaussian() : 1e-12 * r.nextGaussian(); // 2 % damaging, the rest neutral
    }
    VariantPool p = new VariantPool(new EncoderSpec(EncoderSpec.SEPARATOR, 64), new String[] {SEQ},
        new String[] {"src/mostly-neutral"}, new int[] {0, n}, new int[] {16}, new int[] {16}, protein, mutStart, pos,
        wt, mt, y);
    double taskSd = org.metamut.lib.baseline.Standardizer.fit(y).scale();
    int floored = 0;
    int plain = 0;
    for (int step = 0; step < 200; step++) {
      int[] picked = p.sample(5, step, 0, 0);
      double[] sy = new double[16];
      for (int i = 0; i < 16; i++) {
        sy[i] = y[picked[i]];
      }
      org.metamut.lib.baseline.Standardizer own = org.metamut.lib.baseline.Standardizer.fit(sy);
      double scale = Math.max(own.scale(), VariantPool.SCALE_FLOOR * taskSd);
      MetaTask task = p.draw(5, step, 0, 0);
      for (int i = 0; i < 16; i++) {
        double expected = (y[picked[16 + i]] - own.mean()) / scale;
        assertEquals(expected, task.query().targets()[i], 1e-9 * Math.max(1, Math.abs(expected)));
        assertTrue(Math.abs(task.query().targets()[i]) < 100, "query target " + task.query().targets()[i]);
      }
      if (own.scale() < VariantPool.SCALE_FLOOR * taskSd) {
        floored++;
      } else {
        plain++;
      }
    }
    assertTrue(floored > 50 && plain > 20, "both kinds of draw were checked: " + floored + " floored, " + plain + " plain");
  }

  @Test
  void drawingIsCheapNextToAModelCall() {
    VariantPool p = pool();
    for (int i = 0; i < 2000; i++) {
      p.draw(1, i, i % 8, i % 2); // warm-up
    }
    int reps = 5000;
    long t0 = System.nanoTime();
    for (int i = 0; i < reps; i++) {
      p.draw(2, i, i % 8, i % 2);
    }
    double us = (System.nanoTime() - t0) / 1e3 / reps;
    // printed, not asserted (timings on a shared machine are noise): a model call is ~40,000 µs
    System.out.printf("fresh draw of a 16+16 episode (sample + encode + z-score): %.1f µs%n", us);
    assertTrue(us < 20_000, "a draw took " + us + " µs");
  }
}
