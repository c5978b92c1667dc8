package org.metamut.lib.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Where each named tensor lives in θ. The order is DESIGN.md §6 and the names are those of
 * {@code maml-reference.json}: {@code tok_emb [V,d], pos_emb [T,d]}, then per block i
 * {@code blocks.i.ln1.g, .ln1.b, .attn.Wq, .attn.bq, .attn.Wk, .attn.bk, .attn.Wv, .attn.bv, .attn.Wo,
 * .attn.bo, .ln2.g, .ln2.b, .ff.W1, .ff.b1, .ff.W2, .ff.b2}, then {@code lnf.g, lnf.b, head.W [d,1], head.b [1]};
 * every tensor row-major, dense weights {@code [in, out]}. Options only ever drop a tensor
 * ({@code pos_emb} with sinusoidal positions) or append one after {@code head.b} ({@code flag_emb [d]}), so the
 * reference layout is unchanged by them.
 */
public final class ParamLayout {
  /**
   * The most parameters a layout may have: θ is one Java {@code double[]}, whose length is an int and whose
   * largest allocatable size is a little under {@code Integer.MAX_VALUE}.
   */
  public static final long MAX_PARAMS = Integer.MAX_VALUE - 8;

  /** One named tensor: its shape and its offset into θ. */
  public record Tensor(String name, int[] shape, int offset) {
    public int size() {
      int n = 1;
      for (int s : shape) {
        n *= s;
      }
      return n;
    }

    @Override
    public String toString() {
      return name + Arrays.toString(shape) + "@" + offset;
    }
  }

  private final List<Tensor> tensors;
  private final Map<String, Tensor> byName;
  private final int numParams;

  private ParamLayout(List<Tensor> tensors) {
    this.tensors = Collections.unmodifiableList(tensors);
    Map<String, Tensor> m = new LinkedHashMap<>();
    int n = 0;
    for (Tensor t : tensors) {
      m.put(t.name(), t);
      n = t.offset() + t.size();
    }
    this.byName = Collections.unmodifiableMap(m);
    this.numParams = n;
  }

  /**
   * The layout of {@code s}; refuses (one line, naming the count) a spec with more than {@link #MAX_PARAMS}
   * parameters, counted in {@code long} by {@link #count} first, so sizes that overflow an int never reach
   * {@code new double[n]} and absurd layer counts never allocate their tensor list.
   */
  public static ParamLayout of(ModelSpec s) {
    long n = count(s);
    if (n > MAX_PARAMS) {
      throw new IllegalArgumentException("model spec " + s.summary() + " has " + (n == Long.MAX_VALUE ? "more than 2^63"
          : String.valueOf(n)) + " parameters, more than the " + MAX_PARAMS + " a θ array can hold");
    }
    List<Tensor> ts = new ArrayList<>();
    int d = s.dModel();
    int[] off = {0};
    add(ts, off, "tok_emb", s.vocabSize(), d);
    if (s.positional() == ModelSpec.Positional.LEARNED) {
      add(ts, off, "pos_emb", s.maxLen(), d);
    }
    for (int i = 0; i < s.layers(); i++) {
      String p = "blocks." + i + ".";
      add(ts, off, p + "ln1.g", d);
      add(ts, off, p + "ln1.b", d);
      for (String w : new String[] {"q", "k", "v", "o"}) {
        add(ts, off, p + "attn.W" + w, d, d);
        add(ts, off, p + "attn.b" + w, d);
      }
      add(ts, off, p + "ln2.g", d);
      add(ts, off, p + "ln2.b", d);
      add(ts, off, p + "ff.W1", d, s.ffDim());
      add(ts, off, p + "ff.b1", s.ffDim());
      add(ts, off, p + "ff.W2", s.ffDim(), d);
      add(ts, off, p + "ff.b2", d);
    }
    add(ts, off, "lnf.g", d);
    add(ts, off, "lnf.b", d);
    add(ts, off, "head.W", d, 1);
    add(ts, off, "head.b", 1);
    if (s.substitutionFeatures()) {
      add(ts, off, "head.Ws", SubstitutionBlock.size(s), 1);
    }
    if (s.useFlags()) {
      add(ts, off, "flag_emb", d);
    }
    if (s.substitutionContext()) {
      add(ts, off, "sub.dms", SubstitutionBlock.RESIDUES.length(), SubstitutionBlock.RESIDUES.length());
    }
    return new ParamLayout(ts);
  }

  /**
   * The number of parameters of {@code s} without building the layout: closed form, in {@code long} with
   * overflow checks ({@link Long#MAX_VALUE} when it overflows), so a hostile header costs nothing to size.
   * Must equal {@code of(s).numParams()} (tested).
   */
  public static long count(ModelSpec s) {
    try {
      long d = s.dModel();
      long ff = s.ffDim();
      long n = Math.multiplyExact((long) s.vocabSize(), d);
      if (s.positional() == ModelSpec.Positional.LEARNED) {
        n = Math.addExact(n, Math.multiplyExact((long) s.maxLen(), d));
      }
      // per block: ln1 and ln2 (4d), attention (4·(d² + d)), feed-forward (d·ff + ff + ff·d + d)
      long block = Math.addExact(Math.addExact(4 * d, Math.multiplyExact(4L, Math.addExact(Math.multiplyExact(d, d), d))),
          Math.addExact(Math.multiplyExact(2L, Math.multiplyExact(d, ff)), ff + d));
      n = Math.addExact(n, Math.multiplyExact(block, (long) s.layers()));
      n = Math.addExact(n, 3 * d + 1); // lnf.g, lnf.b, head.W [d,1], head.b
      if (s.substitutionFeatures()) {
        n = Math.addExact(n, SubstitutionBlock.size(s)); // head.Ws
      }
      if (s.substitutionContext()) {
        n = Math.addExact(n, SubstitutionBlock.DMS_ENTRIES); // sub.dms
      }
      return s.useFlags() ? Math.addExact(n, d) : n;
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static void add(List<Tensor> ts, int[] off, String name, int... shape) {
    Tensor t = new Tensor(name, shape, off[0]);
    ts.add(t);
    off[0] += t.size();
  }

  public int numParams() {
    return numParams;
  }

  public List<Tensor> tensors() {
    return tensors;
  }

  public List<String> names() {
    return tensors.stream().map(Tensor::name).toList();
  }

  /** The tensor of that name; throws naming the unknown name. */
  public Tensor get(String name) {
    Tensor t = byName.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no parameter '" + name + "' in this model (have " + byName.keySet() + ")");
    }
    return t;
  }

  public boolean has(String name) {
    return byName.containsKey(name);
  }

  /**
   * The scalar head {@code head.W, head.b} (and {@code head.Ws} with the substitution block): what ANIL and
   * head-only adaptation move. Found by name, not as
   * "the last d + 1 parameters", because options append tensors after it ({@code flag_emb}).
   */
  public ParamRange headRange() {
    Tensor w = get("head.W");
    Tensor last = has("head.Ws") ? get("head.Ws") : get("head.b");
    return new ParamRange(w.offset(), last.offset() + last.size());
  }

  /**
   * §6 initialisation, deterministic from {@code seed} (plain Java RNG, so it doesn't depend on the ND4J
   * backend): embeddings N(0, 0.02²), dense W Xavier-uniform ±√(6/(in+out)), biases 0, LayerNorm g = 1, b = 0,
   * {@code flag_emb} N(0, 0.02²). Tensors are drawn in layout order from one stream.
   */
  public double[] initialise(long seed) {
    double[] theta = new double[numParams];
    SplittableRandom rng = new SplittableRandom(seed);
    for (Tensor t : tensors) {
      String leaf = t.name().substring(t.name().lastIndexOf('.') + 1);
      int o = t.offset();
      int n = t.size();
      if (t.name().endsWith("_emb")) {
        for (int i = 0; i < n; i++) {
          theta[o + i] = 0.02 * gaussian(rng);
        }
      } else if (leaf.startsWith("W")) {
        double a = Math.sqrt(6.0 / (t.shape()[0] + t.shape()[1]));
        for (int i = 0; i < n; i++) {
          theta[o + i] = rng.nextDouble(-a, a);
        }
      } else if (leaf.equals("g")) {
        Arrays.fill(theta, o, o + n, 1.0);
      }
      // biases and LayerNorm b stay 0
    }
    return theta;
  }

  private static double gaussian(SplittableRandom rng) {
    // Box–Muller; SplittableRandom has no nextGaussian on Java 17.
    double u1 = 1.0 - rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
