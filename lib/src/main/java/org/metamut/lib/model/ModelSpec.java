package org.metamut.lib.model;

/**
 * The transformer's architecture: everything that fixes the parameter layout and the forward maths.
 * {@link #reference(int, int, int, int, int)} is exactly DESIGN.md §6; the other fields are options on
 * top of it ({@link Positional#SINUSOIDAL}, {@link Positional#ROTARY}, {@link Pooling#CLS}, {@code useFlags}) whose reference value
 * leaves the §6 maths and layout untouched.
 *
 * @param vocabSize size of the token vocabulary (26 for {@code org.metamut.lib.encode.Vocabulary})
 * @param maxLen    longest token sequence the model accepts (rows of {@code pos_emb})
 * @param dModel    model width d
 * @param heads     attention heads H (must divide d)
 * @param ffDim     feed-forward width
 * @param layers    number of pre-LayerNorm blocks L
 * @param dropout   dropout probability; only 0 is implemented (the reference has none)
 * @param positional learned position embeddings (reference), fixed sinusoids (no parameters), or rotary embeddings of
 *                  q and k (no parameters; ESM-2's, see {@link Positional})
 * @param pooling   masked mean over non-padding tokens (reference), the first token (BOS/CLS), or the sum at the
 *                  mutated sites (see {@link Pooling})
 * @param useFlags  add a learned {@code flag_emb} vector at flagged tokens (the wild type + mask ablation);
 *                  appended after the reference parameters, so the reference layout stays a prefix
 * @param substitutionFeatures the scalar head also reads the substitution block of each variant (the
 *                  {@code SubstitutionFeaturizer} columns of the {@code wt SEP mt} groups in its tokens, at fixed
 *                  scales: {@link SubstitutionBlock}) through {@code head.Ws [8, 1]}, placed right after {@code head.b};
 *                  what lets a closed-form head weigh BLOSUM62, hydropathy, volume and charge like the ridge baseline
 * @param substitutionContext the substitution block has three more columns ({@code head.Ws [11, 1]}): a DMS
 *                  substitution score read from a 20 × 20 table {@code sub.dms} (appended to θ after every other
 *                  parameter) and the site's context hydropathy, alone and times Δ hydropathy ({@link SubstitutionBlock});
 *                  needs {@code substitutionFeatures}. Written to a model file only when true (files without it, and
 *                  every file written before it existed, read as false).
 */
public record ModelSpec(int vocabSize, int maxLen, int dModel, int heads, int ffDim, int layers,
                        double dropout, Positional positional, Pooling pooling, boolean useFlags,
                        boolean substitutionFeatures,
                        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_DEFAULT)
                        boolean substitutionContext) implements java.io.Serializable {

  /**
   * How positions enter the model: learned {@code pos_emb} rows (reference), fixed sinusoids added to the embeddings,
   * or rotary embeddings applied to q and k in every block (ESM-2; no parameters, see {@link Rotary}). {@code ROTARY}
   * uses the float32 frequencies {@code 1/10000^(2i/headDim)}; {@code ROTARY_FP16} the same values rounded to IEEE half
   * precision, which is what the published ESM-2 checkpoints store (they were trained in fp16, and recomputing the
   * frequencies changes their outputs).
   */
  public enum Positional { LEARNED, SINUSOIDAL, ROTARY, ROTARY_FP16;

    /** True for the rotary variants. */
    public boolean rotary() {
      return this == ROTARY || this == ROTARY_FP16;
    }
  }

  /**
   * How token states become the variant's feature vector: masked mean over non-padding tokens (reference), the
   * first token (BOS/CLS), or the sum at the mutated sites ({@code SITES}: the separator tokens of the separator
   * encoding, else the flagged tokens of the wild-type + mask encoding; a variant with neither is mean-pooled).
   */
  public enum Pooling { MEAN, CLS, SITES }

  /** The reference vocabulary size of DESIGN.md §6 (6 specials + 20 amino acids). */
  public static final int REFERENCE_VOCAB = 26;

  public ModelSpec {
    check(vocabSize >= 2, "vocabSize must be >= 2, got " + vocabSize);
    check(maxLen >= 1, "maxLen must be >= 1, got " + maxLen);
    check(dModel >= 1, "dModel must be >= 1, got " + dModel);
    check(heads >= 1 && dModel % heads == 0, "heads must be >= 1 and divide dModel=" + dModel + ", got " + heads);
    check(ffDim >= 1, "ffDim must be >= 1, got " + ffDim);
    check(layers >= 0, "layers must be >= 0, got " + layers);
    check(dropout == 0.0, "dropout must be 0 (dropout is not implemented), got " + dropout);
    check(positional != null, "positional must be set");
    check(pooling != null, "pooling must be set");
    check(!substitutionContext || substitutionFeatures, "substitutionContext adds columns to the substitution block: it "
        + "needs substitutionFeatures");
    check(!positional.rotary() || (dModel / heads) % 2 == 0, "rotary positions need an even head size, got "
        + (dModel / heads));
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("model spec: " + message);
    }
  }

  /** DESIGN.md §6 with the given sizes: learned positions, mean pooling, no flags, no dropout. */
  public static ModelSpec reference(int layers, int dModel, int heads, int ffDim, int maxLen) {
    return new ModelSpec(REFERENCE_VOCAB, maxLen, dModel, heads, ffDim, layers, 0.0, Positional.LEARNED, Pooling.MEAN, false, false, false);
  }

  /** The default configuration of DESIGN.md §6: L=2, d=64, H=4, ff=128, T=64 (72,897 parameters). */
  public static ModelSpec reference() {
    return reference(2, 64, 4, 128, 64);
  }

  public ModelSpec withPositional(Positional p) {
    return new ModelSpec(vocabSize, maxLen, dModel, heads, ffDim, layers, dropout, p, pooling, useFlags, substitutionFeatures,
        substitutionContext);
  }

  public ModelSpec withPooling(Pooling p) {
    return new ModelSpec(vocabSize, maxLen, dModel, heads, ffDim, layers, dropout, positional, p, useFlags, substitutionFeatures,
        substitutionContext);
  }

  public ModelSpec withFlags(boolean flags) {
    return new ModelSpec(vocabSize, maxLen, dModel, heads, ffDim, layers, dropout, positional, pooling, flags,
        substitutionFeatures, substitutionContext);
  }

  /** Substitution features on or off; off also turns the context columns off. */
  public ModelSpec withSubstitutionFeatures(boolean on) {
    return new ModelSpec(vocabSize, maxLen, dModel, heads, ffDim, layers, dropout, positional, pooling, useFlags, on,
        on && substitutionContext);
  }

  /** The context columns of the substitution block on or off (on needs substitution features). */
  public ModelSpec withSubstitutionContext(boolean on) {
    return new ModelSpec(vocabSize, maxLen, dModel, heads, ffDim, layers, dropout, positional, pooling, useFlags,
        substitutionFeatures, on);
  }

  /**
   * The token id that marks a mutated site in-line for {@link Pooling#SITES} ({@link TokenBatch#SITE_MARKER}, the
   * separator encoding's SEP), or −1 when the vocabulary has none: only the reference vocabulary has one. Other
   * vocabularies (ESM-2's, where id 5 is a residue) mark mutated positions with the batch's flags instead.
   */
  public int siteMarker() {
    return vocabSize == REFERENCE_VOCAB ? TokenBatch.SITE_MARKER : -1;
  }

  /** Width of one attention head. */
  public int headDim() {
    return dModel / heads;
  }

  /** Length of θ for this architecture. */
  public int numParams() {
    return ParamLayout.of(this).numParams();
  }

  /** True for the unmodified §6 architecture (any sizes). */
  public boolean referenceArchitecture() {
    return vocabSize == REFERENCE_VOCAB && dropout == 0 && positional == Positional.LEARNED && pooling == Pooling.MEAN && !useFlags
        && !substitutionFeatures;
  }

  /** One line for logs: {@code L=2 d=64 H=4 ff=128 T=64 learned/mean}. */
  public String summary() {
    return "L=" + layers + " d=" + dModel + " H=" + heads + " ff=" + ffDim + " T=" + maxLen + " V=" + vocabSize + " "
        + positional.name().toLowerCase() + "/" + pooling.name().toLowerCase() + (useFlags ? "/flags" : "")
        + (substitutionFeatures ? "/substitution" : "") + (substitutionContext ? "+context" : "");
  }
}
