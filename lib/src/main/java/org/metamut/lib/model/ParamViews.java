package org.metamut.lib.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Views of one flat array (the {@link Transformer}'s parameters or its gradients) shaped as the {@link ParamLayout}
 * says. Why views: θ goes in and ∇θ comes out with one bulk copy each, and every op reads or writes a tensor in place.
 * Per-block tensors are arrays indexed by block.
 */
final class ParamViews {
  final INDArray tokEmb;
  final INDArray embBlock; // [V + maxLen, d] = tok_emb then pos_emb, contiguous (learned positions)
  final INDArray[] ln1g, ln1b, wq, bq, wk, bk, wv, bv, wo, bo, ln2g, ln2b, w1, b1, w2, b2;
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
    wq = new INDArray[l];
    bq = new INDArray[l];
    wk = new INDArray[l];
    bk = new INDArray[l];
    wv = new INDArray[l];
    bv = new INDArray[l];
    wo = new INDArray[l];
    bo = new INDArray[l];
    ln2g = new INDArray[l];
    ln2b = new INDArray[l];
    w1 = new INDArray[l];
    b1 = new INDArray[l];
    w2 = new INDArray[l];
    b2 = new INDArray[l];
    for (int i = 0; i < l; i++) {
      String pre = "blocks." + i + ".";
      ln1g[i] = view(flat, pre + "ln1.g");
      ln1b[i] = view(flat, pre + "ln1.b");
      wq[i] = view(flat, pre + "attn.Wq");
      bq[i] = view(flat, pre + "attn.bq");
      wk[i] = view(flat, pre + "attn.Wk");
      bk[i] = view(flat, pre + "attn.bk");
      wv[i] = view(flat, pre + "attn.Wv");
      bv[i] = view(flat, pre + "attn.bv");
      wo[i] = view(flat, pre + "attn.Wo");
      bo[i] = view(flat, pre + "attn.bo");
      ln2g[i] = view(flat, pre + "ln2.g");
      ln2b[i] = view(flat, pre + "ln2.b");
      w1[i] = view(flat, pre + "ff.W1");
      b1[i] = view(flat, pre + "ff.b1");
      w2[i] = view(flat, pre + "ff.W2");
      b2[i] = view(flat, pre + "ff.b2");
    }
    lnfg = view(flat, "lnf.g");
    lnfb = view(flat, "lnf.b");
    headW = view(flat, "head.W");
    headB = view(flat, "head.b");
    headWs = spec.substitutionFeatures() ? view(flat, "head.Ws") : null;
    flagEmb = spec.useFlags() ? viewAs(flat, layout.get("flag_emb").offset(), 1, spec.dModel()) : null;
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
