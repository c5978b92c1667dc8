package org.metamut.lib.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Views of one flat array (the {@link Transformer}'s parameters or its gradients) shaped as the {@link ParamLayout}
 * says, except that each block's q, k, v projections are stored fused (see {@link #fusedOrder}). Why views: θ goes in
 * and ∇θ comes out with one bulk copy each, and every op reads or writes a tensor in place. Per-block tensors are
 * arrays indexed by block.
 */
final class ParamViews {
  final INDArray tokEmb;
  final INDArray embBlock; // [V + maxLen, d] = tok_emb then pos_emb, contiguous (learned positions)
  final INDArray[] ln1g, ln1b, wqkv, wo, ln2g, ln2b, w1, w2; // wqkv [d, 3d] = [Wq | Wk | Wv]
  // each weight with its bias as one more row, [in + 1, out] (weight and bias are contiguous): see Ops.withOnes
  final INDArray[] wqkvB, woB, w1B, w2B;
  final INDArray lnfg, lnfb, headW, headB, headWs, flagEmb;

  private final ParamLayout layout;
  private final DataType dt;

  ParamViews(INDArray flat, ModelSpec spec, ParamLayout layout, DataType dt) {
    this.layout = layout;
    this.dt = dt;
    int l = spec.layers();
    tokEmb = view(flat, "tok_emb");
    embBlock = spec.positional() == ModelSpec.Positional.LEARNED
        ? Nd4j.create(flat.data(), new long[] {spec.vocabSize() + spec.maxLen(), spec.dModel()},
        new long[] {spec.dModel(), 1}, 0L, 'c', dt)
        : tokEmb;
    ln1g = new INDArray[l];
    ln1b = new INDArray[l];
    wqkv = new INDArray[l];
    wqkvB = new INDArray[l];
    woB = new INDArray[l];
    w1B = new INDArray[l];
    w2B = new INDArray[l];
    wo = new INDArray[l];
    ln2g = new INDArray[l];
    ln2b = new INDArray[l];
    w1 = new INDArray[l];
    w2 = new INDArray[l];
    for (int i = 0; i < l; i++) {
      String pre = "blocks." + i + ".";
      ln1g[i] = view(flat, pre + "ln1.g");
      ln1b[i] = view(flat, pre + "ln1.b");
      int qkv = layout.get(pre + "attn.Wq").offset();
      int d = spec.dModel();
      wqkv[i] = viewAs(flat, qkv, d, 3L * d);
      wqkvB[i] = viewAs(flat, qkv, d + 1, 3L * d);
      woB[i] = withBias(flat, pre + "attn.Wo", pre + "attn.bo");
      w1B[i] = withBias(flat, pre + "ff.W1", pre + "ff.b1");
      w2B[i] = withBias(flat, pre + "ff.W2", pre + "ff.b2");
      wo[i] = view(flat, pre + "attn.Wo");
      ln2g[i] = view(flat, pre + "ln2.g");
      ln2b[i] = view(flat, pre + "ln2.b");
      w1[i] = view(flat, pre + "ff.W1");
      w2[i] = view(flat, pre + "ff.W2");
    }
    lnfg = view(flat, "lnf.g");
    lnfb = view(flat, "lnf.b");
    headW = view(flat, "head.W");
    headB = view(flat, "head.b");
    headWs = spec.substitutionFeatures() ? view(flat, "head.Ws") : null;
    flagEmb = spec.useFlags() ? viewAs(flat, layout.get("flag_emb").offset(), 1, spec.dModel()) : null;
  }

  /**
   * Where each entry of θ (ParamLayout order) lives in the model's internal flat arrays: {@code order[i]} is the
   * internal index of θ[i]. The identity except inside each block's span {@code Wq, bq, Wk, bk, Wv, bv}, which is
   * stored as {@code Wqkv [d, 3d]} (row r = Wq[r] | Wk[r] | Wv[r]) then {@code bqkv [3d]} = bq | bk | bv. Why: q, k and
   * v are then one matmul, one bias add and one head permutation forward, and one of each backward, instead of three
   * (per-op overhead dominates at this size, DESIGN.md §8); the span keeps its place and length, so every other tensor
   * (LayerNorm γ/β included, which the host kernels read from θ directly) has the same offset in both orders.
   */
  static int[] fusedOrder(ModelSpec spec, ParamLayout layout) {
    int[] order = new int[layout.numParams()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    int d = spec.dModel();
    String[] parts = {"q", "k", "v"};
    for (int l = 0; l < spec.layers(); l++) {
      String pre = "blocks." + l + ".attn.";
      int base = layout.get(pre + "Wq").offset();
      for (int part = 0; part < 3; part++) {
        ParamLayout.Tensor w = layout.get(pre + "W" + parts[part]);
        ParamLayout.Tensor b = layout.get(pre + "b" + parts[part]);
        if (w.offset() != base + part * (d * d + d) || b.offset() != w.offset() + d * d) {
          throw new IllegalStateException("q, k, v tensors of block " + l + " are not contiguous in the layout");
        }
        for (int r = 0; r < d; r++) {
          for (int c = 0; c < d; c++) {
            order[w.offset() + r * d + c] = base + r * 3 * d + part * d + c;
          }
        }
        for (int c = 0; c < d; c++) {
          order[b.offset() + c] = base + 3 * d * d + part * d + c;
        }
      }
    }
    return order;
  }

  /** Weight [in, out] and the bias that follows it in θ as one [in + 1, out] view. */
  private INDArray withBias(INDArray flat, String weight, String bias) {
    ParamLayout.Tensor w = layout.get(weight);
    if (layout.get(bias).offset() != w.offset() + w.size()) {
      throw new IllegalStateException(bias + " does not follow " + weight + " in the layout");
    }
    return viewAs(flat, w.offset(), w.shape()[0] + 1, w.shape()[1]);
  }

  private INDArray view(INDArray flat, String name) {
    ParamLayout.Tensor t = layout.get(name);
    long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
    return viewAs(flat, t.offset(), shape);
  }

  private INDArray viewAs(INDArray flat, long offset, long... shape) {
    long[] stride = new long[shape.length];
    long st = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      stride[i] = st;
      st *= shape[i];
    }
    return Nd4j.create(flat.data(), shape, stride, offset, 'c', dt);
  }
}
