package org.metamut.lib.encode;

/**
 * Chooses which residues of a long wild type an encoded variant shows, within a token budget.
 *
 * <p>Rule: every mutated site is kept; then context grows around the sites one residue at a time, alternating
 * left and right of each site in turn, until the budget is spent or the whole sequence is kept. When a side hits
 * the sequence end the other side keeps growing. Consequences:
 * <ul>
 *   <li>a single site sits in the middle of its window (off-centre only near a sequence end);</li>
 *   <li>sites close together get one contiguous window reaching (within a residue) equally far beyond the outermost sites, i.e.
 *       centred on the midpoint between the first and last site;</li>
 *   <li>sites further apart than the window get one stretch of context each (sharing the budget), and each skipped
 *       stretch between two kept stretches is written as one {@link Vocabulary#MASK} token so the model can see the
 *       break; residues cropped before the first or after the last kept residue are not marked;</li>
 *   <li>if the sites alone (with their groups, the gap markers, BOS and EOS) exceed the budget, encoding fails.</li>
 * </ul>
 * A wild type with no mutation gets a window centred on the middle of the sequence.
 */
final class CropWindow {
  private CropWindow() {
  }

  /**
   * @param length     wild-type length
   * @param sites      0-based mutated positions, sorted, distinct
   * @param fixed      tokens that don't depend on the window: BOS, EOS and each site's extra tokens
   * @param maxTokens  the budget
   * @return kept[i] for every residue
   */
  static boolean[] select(int length, int[] sites, int fixed, int maxTokens, String what) {
    boolean[] kept = new boolean[length];
    int room = maxTokens - fixed;
    if (sites.length == 0) {
      int w = Math.min(length, room);
      int start = (length - w) / 2;
      for (int i = start; i < start + w; i++) {
        kept[i] = true;
      }
      return kept;
    }
    int cost = fixed;
    for (int i = 0; i < sites.length; i++) {
      kept[sites[i]] = true;
      cost += 1;
      if (i > 0 && sites[i] > sites[i - 1] + 1) {
        cost += 1; // gap marker
      }
    }
    if (cost > maxTokens) {
      throw new IllegalArgumentException(what + ": " + sites.length + " sites need at least " + cost
          + " tokens with no context, more than the encoder's maxTokens " + maxTokens);
    }
    int[] lo = sites.clone();
    int[] hi = sites.clone();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int i = 0; i < sites.length; i++) {
        while (lo[i] > 0 && kept[lo[i] - 1]) {
          lo[i]--;
        }
        int p = lo[i] - 1;
        if (p >= 0) {
          int next = cost + 1 - (p > 0 && kept[p - 1] ? 1 : 0); // closing a one-residue gap removes its marker
          if (next <= maxTokens) {
            kept[p] = true;
            lo[i] = p;
            cost = next;
            progress = true;
          }
        }
        while (hi[i] < length - 1 && kept[hi[i] + 1]) {
          hi[i]++;
        }
        p = hi[i] + 1;
        if (p < length) {
          int next = cost + 1 - (p < length - 1 && kept[p + 1] ? 1 : 0);
          if (next <= maxTokens) {
            kept[p] = true;
            hi[i] = p;
            cost = next;
            progress = true;
          }
        }
      }
    }
    return kept;
  }
}
