package org.metamut.lib.esm;

import org.metamut.lib.baseline.Variant;
import org.metamut.lib.mutation.Mutation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What metamut reads from an ESM-2 model for a variant of a protein: the masked-marginal zero-shot score and the
 * frozen site embedding. Both are memoised (bounded LRU caches) because an evaluation scores the same sites and
 * variants again for every k and seed: a pure function of (wild type, site) or (wild type, mutations), so the cache
 * changes no result. Not thread-safe; one per thread (one per Spark partition).
 *
 * <p><b>Masked marginal</b> (Meier et al. 2021): for each mutated site i, the wild type with i replaced by
 * {@code <mask>} gives log p(· | x without i); the score of a variant is Σ_i log p(mt_i) − log p(wt_i). Multi-mutants
 * sum their sites (the sites are scored independently, each on the wild-type context).
 *
 * <p><b>Site embedding</b>: the final-layer hidden state of the <i>mutant</i> sequence, averaged over the mutated
 * positions (over every residue for the wild type itself).
 *
 * <p><b>Long proteins</b>: ESM-2 was trained on crops of at most {@link EsmConfig#maxResidues()} residues (1024).
 * A longer wild type is cut to a window of that many residues: centred on the site for a masked marginal, centred on
 * the middle of the mutated sites for an embedding (clamped to the ends of the protein). A variant whose sites span
 * more than the window cannot be embedded in one pass and is refused with its span in the message.
 */
public final class EsmScorer {

  private static final int CACHE_ENTRIES = 20_000;

  private final Esm2Model model;
  private final Map<String, double[]> siteCache = lru();
  private final Map<String, float[]> embeddingCache = lru();

  public EsmScorer(Esm2Model model) {
    this.model = model;
  }

  public Esm2Model model() {
    return model;
  }

  private static <V> Map<String, V> lru() {
    return new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> e) {
        return size() > CACHE_ENTRIES;
      }
    };
  }

  /** Σ over the variant's mutations of log p(mt) − log p(wt) at the masked site; 0 for the wild type. */
  public double zeroShot(Variant v) {
    EsmTokenizer tok = model.tokenizer();
    double s = 0;
    for (Mutation m : v.mutations()) {
      double[] lp = siteLogProbs(v.wildType(), m.pos());
      s += lp[tok.id(m.mt())] - lp[tok.id(m.wt())];
    }
    return s;
  }

  /** log-probabilities over the vocabulary at 1-based {@code pos} of {@code wildType}, that site masked. */
  public double[] siteLogProbs(String wildType, int pos) {
    String key = pos + ":" + wildType;
    double[] lp = siteCache.get(key);
    if (lp == null) {
      int start = windowStart(wildType.length(), pos - 1, pos - 1);
      String seq = wildType.substring(start, Math.min(wildType.length(), start + model.config().maxResidues()));
      int[] tokens = model.tokenizer().encode(seq);
      int at = pos - start; // token index: <cls> shifts the 0-based residue index by one
      tokens[at] = model.tokenizer().mask();
      float[] last = model.hidden(tokens, false)[model.config().layers()];
      float[] logits = model.logitsAt(last, at);
      lp = EsmMath.logSoftmax(logits, 0, logits.length);
      siteCache.put(key, lp);
    }
    return lp;
  }

  /** The mean final-layer state of the mutant sequence at its mutated sites ({@code hidden} values). */
  public float[] siteEmbedding(Variant v) {
    String key = v.label() + ":" + v.wildType();
    float[] e = embeddingCache.get(key);
    if (e == null) {
      e = embed(v);
      embeddingCache.put(key, e);
    }
    return e.clone();
  }

  private float[] embed(Variant v) {
    String mutant = v.mutantSequence();
    int lo = 0;
    int hi = mutant.length() - 1;
    if (!v.mutations().isEmpty()) {
      lo = v.mutations().stream().mapToInt(Mutation::pos).min().getAsInt() - 1;
      hi = v.mutations().stream().mapToInt(Mutation::pos).max().getAsInt() - 1;
    }
    int window = model.config().maxResidues();
    if (hi - lo + 1 > window && !v.mutations().isEmpty()) {
      throw new IllegalArgumentException("variant " + v.label() + ": its sites span " + (hi - lo + 1) + " residues, more "
          + "than the ESM-2 window of " + window + " (max_position_embeddings − 2)");
    }
    int start = windowStart(mutant.length(), lo, hi);
    String seq = mutant.substring(start, Math.min(mutant.length(), start + window));
    float[] last = model.hidden(model.tokenizer().encode(seq), false)[model.config().layers()];
    int d = model.config().hidden();
    float[] mean = new float[d];
    int n = 0;
    if (v.mutations().isEmpty()) {
      for (int i = 0; i < seq.length(); i++) {
        add(mean, last, (i + 1) * d);
        n++;
      }
    } else {
      for (Mutation m : v.mutations()) {
        add(mean, last, (m.pos() - start) * d);
        n++;
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    return mean;
  }

  private static void add(float[] acc, float[] rows, int off) {
    for (int j = 0; j < acc.length; j++) {
      acc[j] += rows[off + j];
    }
  }

  /**
   * The first residue (0-based) of the window of {@code maxResidues} that holds residues {@code lo..hi} as near its
   * middle as the protein's ends allow; 0 when the protein fits.
   */
  int windowStart(int length, int lo, int hi) {
    int window = model.config().maxResidues();
    if (length <= window) {
      return 0;
    }
    int start = (lo + hi) / 2 - window / 2;
    return Math.max(0, Math.min(start, length - window));
  }
}
