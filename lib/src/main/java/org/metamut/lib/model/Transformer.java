package org.metamut.lib.model;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The transformer regressor of DESIGN.md §6 as a {@link FlatModel}: a hand-written forward and backward pass
 * over ND4J ops, computing in a configurable data type (FLOAT for speed, DOUBLE for checks).
 *
 * <p>Why hand-written rather than SameDiff: the probe of DESIGN.md §8 measured it 2× faster at this size,
 * where per-op overhead dominates. So every intermediate lives in a buffer preallocated once per batch shape
 * (B, T) and reused; each op writes into its buffer ({@code Nd4j.gemm}/{@code Mmul} with an explicit output,
 * broadcast ops with z set); parameters and gradients are views of two flat arrays, so θ goes in and ∇θ comes
 * out with one copy each. Token plus learned position embedding is one matmul of a [N, V+T] two-hot matrix with
 * the contiguous {@code [tok_emb; pos_emb]} block (and its gradient one transposed matmul), masked mean pooling
 * is a [B, N] matrix. Padded keys get −1e9 before the softmax, so they get exactly zero attention and padding does
 * not change predictions; padded queries are computed but never pooled.
 *
 * <p>Not thread-safe (scratch buffers); one instance per thread. Close it to free native memory.
 */
@SuppressWarnings("try") // workspace scopes are opened for their side effect only
public final class Transformer implements FlatModel {

  static final double LN_EPS = 1e-5;
  static final double MASK_NEG = -1e9;
  private static final int MAX_SHAPES = 4;
  private static final WorkspaceConfiguration WS = WorkspaceConfiguration.builder()
      .initialSize(0).policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.FIRST_LOOP).build();

  private final ModelSpec spec;
  private final ParamLayout layout;
  private final DataType dt;
  private final int numParams;
  private final INDArray params;
  private final INDArray grads;
  private final View p;
  private final View g;
  private final float[] stageF;
  private final String wsId = "metamut-transformer-" + UUID.randomUUID();
  private final Map<Long, Scratch> scratches = new LinkedHashMap<>(8, 0.75f, true);
  private INDArray sinusoid; // [maxLen, d] when positional == SINUSOIDAL
  private final boolean hostKernels;
  private final double[] hostGrad; // LayerNorm γ/β gradients from the host kernels, added to ∇θ at the end
  private double[] theta;          // θ of the call in progress (host kernels read γ and β from it)

  /** Uses the host kernels (see {@link #hostKernelsDefault()}) on the CPU backend, ND4J ops elsewhere. */
  public Transformer(ModelSpec spec, DataType dataType) {
    this(spec, dataType, hostKernelsDefault());
  }

  /**
   * Host kernels: LayerNorm forward/backward and the softmax backward run as Java loops over the ND4J buffers
   * (bulk-copied to Java arrays) instead of as ND4J ops. Why: ND4J's broadcast of a per-row value (x − μ, x·(1/σ))
   * measured ~6× slower per element than a plain elementwise op, and each op costs ~20–40 µs of fixed overhead; a
   * fused Java pass over a LayerNorm's [N, d] was ~9× faster than its 8 ND4J ops. Only possible where ND4J's buffers are
   * host memory, i.e. the CPU backend; other backends use the ND4J-op path (same maths, tested against each other).
   */
  static boolean hostKernelsDefault() {
    return Nd4j.getBackend().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT).contains("cpu");
  }

  Transformer(ModelSpec spec, DataType dataType, boolean hostKernels) {
    this.hostKernels = hostKernels;
    if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
      throw new IllegalArgumentException("model data type must be FLOAT or DOUBLE, got " + dataType);
    }
    this.spec = spec;
    this.layout = ParamLayout.of(spec);
    this.dt = dataType;
    this.numParams = layout.numParams();
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      this.params = Nd4j.create(dt, numParams);
      this.grads = Nd4j.create(dt, numParams);
      this.p = new View(params);
      this.g = new View(grads);
      if (spec.positional() == ModelSpec.Positional.SINUSOIDAL) {
        sinusoid = Nd4j.create(sinusoidTable(spec.maxLen(), spec.dModel()), new long[] {spec.maxLen(), spec.dModel()}, 'c').castTo(dt);
      }
    }
    this.stageF = dt == DataType.FLOAT ? new float[numParams] : null;
    this.hostGrad = hostKernels ? new double[numParams] : null;
  }

  /** Fixed sinusoidal positions (Vaswani et al.): sin on even, cos on odd columns. */
  static double[] sinusoidTable(int maxLen, int d) {
    double[] t = new double[maxLen * d];
    for (int pos = 0; pos < maxLen; pos++) {
      for (int i = 0; i < d; i++) {
        double angle = pos / Math.pow(10000.0, (2 * (i / 2)) / (double) d);
        t[pos * d + i] = (i % 2 == 0) ? Math.sin(angle) : Math.cos(angle);
      }
    }
    return t;
  }

  public ModelSpec spec() {
    return spec;
  }

  public ParamLayout layout() {
    return layout;
  }

  public DataType dataType() {
    return dt;
  }

  @Override
  public int numParams() {
    return numParams;
  }

  @Override
  public double[] predict(double[] theta, TokenBatch batch) {
    Scratch s = prepare(theta, batch);
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, wsId)) {
      forward(s);
      double[] out = new double[s.b];
      for (int b = 0; b < s.b; b++) {
        out[b] = s.pred.getDouble(b, 0);
      }
      return out;
    }
  }

  /** The pooled features (input of the scalar head), [B][d]. */
  public double[][] features(double[] theta, TokenBatch batch) {
    Scratch s = prepare(theta, batch);
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, wsId)) {
      forward(s);
      double[][] out = new double[s.b][spec.dModel()];
      for (int b = 0; b < s.b; b++) {
        for (int i = 0; i < spec.dModel(); i++) {
          out[b][i] = s.pooled.getDouble(b, i);
        }
      }
      return out;
    }
  }

  @Override
  public double loss(double[] theta, TokenBatch batch) {
    double[] pred = predict(theta, batch);
    double[] y = requireTargets(batch);
    double sum = 0;
    for (int b = 0; b < pred.length; b++) {
      double e = pred[b] - y[b];
      sum += e * e;
    }
    return sum / pred.length;
  }

  @Override
  public double lossAndGradient(double[] theta, TokenBatch batch, double[] grad) {
    if (grad.length != numParams) {
      throw new IllegalArgumentException("gradient array has length " + grad.length + ", the model has " + numParams + " parameters");
    }
    double[] y = requireTargets(batch);
    Scratch s = prepare(theta, batch);
    double loss;
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, wsId)) {
      forward(s);
      loss = backward(s, y);
    }
    if (!hostKernels) {
      // through the DataBuffer API, which synchronises device memory (the NIO view below is host memory only)
      System.arraycopy(grads.data().asDouble(), 0, grad, 0, numParams);
    } else if (dt == DataType.DOUBLE) {
      grads.data().asNioDouble().get(grad);
    } else {
      grads.data().asNioFloat().get(stageF);
      for (int i = 0; i < numParams; i++) {
        grad[i] = stageF[i];
      }
    }
    if (hostKernels) {
      for (int i = 0; i < numParams; i++) {
        grad[i] += hostGrad[i];
      }
    }
    return loss;
  }

  private static double[] requireTargets(TokenBatch batch) {
    if (batch.targets() == null) {
      throw new IllegalArgumentException("batch " + batch + " has no targets; loss and gradient need them");
    }
    return batch.targets();
  }

  // ---------------------------------------------------------------------------------------------- set-up

  private Scratch prepare(double[] theta, TokenBatch batch) {
    if (theta.length != numParams) {
      throw new IllegalArgumentException("θ has length " + theta.length + ", the model (" + spec.summary() + ") has " + numParams + " parameters");
    }
    if (batch.seqLen() > spec.maxLen()) {
      throw new IllegalArgumentException("batch " + batch + " is longer than the model's maxLen " + spec.maxLen());
    }
    this.theta = theta;
    if (dt == DataType.DOUBLE) {
      params.data().setData(theta);
    } else {
      for (int i = 0; i < numParams; i++) {
        stageF[i] = (float) theta[i];
      }
      params.data().setData(stageF);
    }
    long key = ((long) batch.batchSize() << 32) | batch.seqLen();
    Scratch s = scratches.get(key);
    if (s == null) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        s = new Scratch(batch.batchSize(), batch.seqLen());
      }
      scratches.put(key, s);
      if (scratches.size() > MAX_SHAPES) {
        Long eldest = scratches.keySet().iterator().next();
        scratches.remove(eldest).close();
      }
    }
    s.load(batch);
    return s;
  }

  @Override
  public void close() {
    for (Scratch s : scratches.values()) {
      s.close();
    }
    scratches.clear();
    params.close();
    grads.close();
    if (sinusoid != null) {
      sinusoid.close();
    }
    Nd4j.getWorkspaceManager().destroyWorkspace(Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(WS, wsId));
  }

  /** Views of one flat array (parameters or gradients) shaped as the layout says. */
  private final class View {
    final INDArray tokEmb;
    final INDArray embBlock; // [V + maxLen, d] = tok_emb then pos_emb, contiguous (learned positions)
    final INDArray[] ln1g, ln1b, wq, bq, wk, bk, wv, bv, wo, bo, ln2g, ln2b, w1, b1, w2, b2;
    final INDArray lnfg, lnfb, headW, headB, flagEmb;

    View(INDArray flat) {
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

  /** LayerNorm intermediates of one application: normalised input, 1/σ per row, output. */
  private final class LnCache {
    final INDArray mean;
    final INDArray rstd;
    final INDArray xhat;
    final INDArray out;
    final double[] xhatH; // host-kernel copies of x̂ and 1/σ
    final double[] rstdH;

    LnCache(int n) {
      mean = Nd4j.create(dt, n);
      rstd = Nd4j.create(dt, n);
      xhat = Nd4j.create(dt, n, spec.dModel());
      out = Nd4j.create(dt, n, spec.dModel());
      xhatH = hostKernels ? new double[n * spec.dModel()] : null;
      rstdH = hostKernels ? new double[n] : null;
    }
  }

  /** Every buffer of one forward + backward pass at batch shape (B, T), allocated once and reused. */
  private final class Scratch implements AutoCloseable {
    final int b;
    final int t;
    final int n;
    final int embRows;
    final double[] ohHost;
    final double[] poolHost;
    final double[] biasHost;
    final double[] flagHost;
    final float[] stage;
    final double[] hA;   // host-kernel work arrays, max(N·d, B·H·T·T) long
    final double[] hB;
    final float[] hF;
    final INDArray oh;        // [N, V(+T)] token (+ position) one-hot rows
    final INDArray pool;      // [B, N] pooling weights
    final INDArray keyBias;   // [B, T] 0 or −1e9 at padded keys
    final INDArray maskFull;  // [B, H, T, T] keyBias broadcast over heads and queries
    final INDArray flagCol;   // [N, 1] or null
    final INDArray posTiled;  // [N, d] sinusoids, or null
    final INDArray embP;      // [V(+T), d] view of the embedding block used by this T
    final INDArray embG;
    final INDArray[] x0;      // [L+1][N, d] block inputs; x0[L] = last block's output
    final INDArray[] x1;      // [L][N, d] after attention
    final LnCache[] ln1;
    final LnCache[] ln2;
    final LnCache lnf;
    final INDArray[] q, k, v, qh, kh, vh, att, att2, ctxh, ctx, ctxPerm, z, erfp, gel;
    final INDArray[] qPerm, kPerm, vPerm;
    final INDArray pooled, pred, dpred, dpooled;
    final INDArray dX, dH, dxh, tN, dCtx, dCtxPerm, dCh, dA, tA, rs, dQh, dKh, dVh, dQ, dK, dV, dQPerm, dKPerm, dVPerm,
        dG, dZ, tF, r1, r2;

    Scratch(int b, int t) {
      this.b = b;
      this.t = t;
      this.n = b * t;
      int d = spec.dModel();
      int f = spec.ffDim();
      int h = spec.heads();
      int dh = spec.headDim();
      int l = spec.layers();
      boolean learned = spec.positional() == ModelSpec.Positional.LEARNED;
      embRows = spec.vocabSize() + (learned ? t : 0);
      ohHost = new double[n * embRows];
      poolHost = new double[b * n];
      biasHost = new double[b * t];
      flagHost = spec.useFlags() ? new double[n] : null;
      stage = dt == DataType.FLOAT ? new float[Math.max(n * embRows, b * n)] : null;
      int hostLen = hostKernels ? Math.max(n * d, b * h * t * t) : 0;
      hA = new double[hostLen];
      hB = new double[hostLen];
      hF = dt == DataType.FLOAT ? new float[hostLen] : null;
      oh = Nd4j.create(dt, n, embRows);
      pool = Nd4j.create(dt, b, n);
      keyBias = Nd4j.create(dt, b, t);
      maskFull = Nd4j.create(dt, b, h, t, t);
      flagCol = spec.useFlags() ? Nd4j.create(dt, n, 1) : null;
      if (learned) {
        posTiled = null;
        embP = p.embBlock.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, embRows),
            org.nd4j.linalg.indexing.NDArrayIndex.all());
        embG = g.embBlock.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, embRows),
            org.nd4j.linalg.indexing.NDArrayIndex.all());
      } else {
        posTiled = Nd4j.create(dt, b, t, d);
        INDArray rows = sinusoid.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, t), org.nd4j.linalg.indexing.NDArrayIndex.all());
        for (int i = 0; i < b; i++) {
          posTiled.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).assign(rows);
        }
        embP = p.tokEmb;
        embG = g.tokEmb;
      }
      x0 = new INDArray[l + 1];
      x1 = new INDArray[l];
      ln1 = new LnCache[l];
      ln2 = new LnCache[l];
      q = new INDArray[l];
      k = new INDArray[l];
      v = new INDArray[l];
      qh = new INDArray[l];
      kh = new INDArray[l];
      vh = new INDArray[l];
      qPerm = new INDArray[l];
      kPerm = new INDArray[l];
      vPerm = new INDArray[l];
      att = new INDArray[l];
      att2 = new INDArray[l];
      ctxh = new INDArray[l];
      ctx = new INDArray[l];
      ctxPerm = new INDArray[l];
      z = new INDArray[l];
      erfp = new INDArray[l];
      gel = new INDArray[l];
      for (int i = 0; i <= l; i++) {
        x0[i] = Nd4j.create(dt, n, d);
      }
      for (int i = 0; i < l; i++) {
        x1[i] = Nd4j.create(dt, n, d);
        ln1[i] = new LnCache(n);
        ln2[i] = new LnCache(n);
        q[i] = Nd4j.create(dt, n, d);
        k[i] = Nd4j.create(dt, n, d);
        v[i] = Nd4j.create(dt, n, d);
        qPerm[i] = heads(q[i]);
        kPerm[i] = heads(k[i]);
        vPerm[i] = heads(v[i]);
        qh[i] = Nd4j.create(dt, b, h, t, dh);
        kh[i] = Nd4j.create(dt, b, h, t, dh);
        vh[i] = Nd4j.create(dt, b, h, t, dh);
        att[i] = Nd4j.create(dt, b, h, t, t);
        att2[i] = att[i].reshape('c', (long) b * h * t, t);
        ctxh[i] = Nd4j.create(dt, b, h, t, dh);
        ctx[i] = Nd4j.create(dt, n, d);
        ctxPerm[i] = heads(ctx[i]);
        z[i] = Nd4j.create(dt, n, f);
        erfp[i] = Nd4j.create(dt, n, f);
        gel[i] = Nd4j.create(dt, n, f);
      }
      lnf = new LnCache(n);
      pooled = Nd4j.create(dt, b, d);
      pred = Nd4j.create(dt, b, 1);
      dpred = Nd4j.create(dt, b, 1);
      dpooled = Nd4j.create(dt, b, d);
      dX = Nd4j.create(dt, n, d);
      dH = Nd4j.create(dt, n, d);
      dxh = Nd4j.create(dt, n, d);
      tN = Nd4j.create(dt, n, d);
      dCtx = Nd4j.create(dt, n, d);
      dCtxPerm = heads(dCtx);
      dCh = Nd4j.create(dt, b, h, t, dh);
      dA = Nd4j.create(dt, b, h, t, t);
      tA = Nd4j.create(dt, b, h, t, t);
      rs = Nd4j.create(dt, b, h, t);
      dQh = Nd4j.create(dt, b, h, t, dh);
      dKh = Nd4j.create(dt, b, h, t, dh);
      dVh = Nd4j.create(dt, b, h, t, dh);
      dQ = Nd4j.create(dt, n, d);
      dK = Nd4j.create(dt, n, d);
      dV = Nd4j.create(dt, n, d);
      dQPerm = heads(dQ);
      dKPerm = heads(dK);
      dVPerm = heads(dV);
      dG = Nd4j.create(dt, n, f);
      dZ = Nd4j.create(dt, n, f);
      tF = Nd4j.create(dt, n, f);
      r1 = Nd4j.create(dt, n);
      r2 = Nd4j.create(dt, n);
    }

    /** [N, d] seen as [B, H, T, d/H] (a strided view: heads are contiguous column blocks). */
    private INDArray heads(INDArray nd) {
      return nd.reshape('c', b, t, spec.heads(), spec.headDim()).permute(0, 2, 1, 3);
    }

    /** Writes the batch's one-hot rows, pooling weights, key mask and flags into the input buffers. */
    void load(TokenBatch batch) {
      int[] ids = batch.ids();
      int vocab = spec.vocabSize();
      boolean learned = spec.positional() == ModelSpec.Positional.LEARNED;
      boolean cls = spec.pooling() == ModelSpec.Pooling.CLS;
      Arrays.fill(ohHost, 0.0);
      Arrays.fill(poolHost, 0.0);
      for (int bi = 0; bi < b; bi++) {
        int count = 0;
        for (int ti = 0; ti < t; ti++) {
          int id = ids[bi * t + ti];
          if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException("batch " + batch + ": token id " + id + " at example " + bi + ", position "
                + ti + " is outside the vocabulary [0, " + vocab + ")");
          }
          int row = bi * t + ti;
          ohHost[row * embRows + id] = 1.0;
          if (learned) {
            ohHost[row * embRows + vocab + ti] = 1.0;
          }
          boolean real = id != TokenBatch.PAD;
          biasHost[bi * t + ti] = real ? 0.0 : MASK_NEG;
          if (real) {
            count++;
          }
        }
        if (count == 0) {
          // ND4J's softmax returns NaN for a row whose every entry is -1e9, and a NaN anywhere poisons the pooling
          // matmul for the whole batch; an all-padding example attends to its padding instead (it pools to 0 anyway).
          Arrays.fill(biasHost, bi * t, bi * t + t, 0.0);
        }
        if (cls) {
          poolHost[bi * n + bi * t] = 1.0;
        } else if (count > 0) {
          // An all-padding example pools to zero features (prediction = head bias) rather than dividing by 0.
          for (int ti = 0; ti < t; ti++) {
            if (ids[bi * t + ti] != TokenBatch.PAD) {
              poolHost[bi * n + bi * t + ti] = 1.0 / count;
            }
          }
        }
      }
      upload(oh, ohHost, n * embRows);
      upload(pool, poolHost, b * n);
      upload(keyBias, biasHost, b * t);
      Nd4j.exec(new BroadcastAddOp(maskFull.assign(0.0), keyBias, maskFull, 0, 3));
      if (flagHost != null) {
        byte[] flags = batch.flags();
        for (int i = 0; i < n; i++) {
          flagHost[i] = flags != null && flags[i] != 0 ? 1.0 : 0.0;
        }
        upload(flagCol, flagHost, n);
      }
    }

    private void upload(INDArray arr, double[] host, int len) {
      if (!hostKernels) {
        // device backends: through assign, which synchronises device memory (the NIO views are host memory only)
        arr.assign(Nd4j.createFromArray(Arrays.copyOf(host, len)).reshape(arr.shape()).castTo(dt));
      } else if (dt == DataType.DOUBLE) {
        arr.data().asNioDouble().put(host, 0, len);
      } else {
        for (int i = 0; i < len; i++) {
          stage[i] = (float) host[i];
        }
        arr.data().asNioFloat().put(stage, 0, len);
      }
    }

    @Override
    public void close() {
      // Views share their parent's buffer; closing the owners frees the native memory.
      for (INDArray a : new INDArray[] {oh, pool, keyBias, maskFull, flagCol, posTiled, pooled, pred, dpred, dpooled, dX, dH, dxh, tN,
          dCtx, dCh, dA, tA, rs, dQh, dKh, dVh, dQ, dK, dV, dG, dZ, tF, r1, r2, lnf.mean, lnf.rstd, lnf.xhat, lnf.out}) {
        if (a != null) {
          a.close();
        }
      }
      for (INDArray a : x0) {
        a.close();
      }
      for (int i = 0; i < x1.length; i++) {
        for (INDArray a : new INDArray[] {x1[i], q[i], k[i], v[i], qh[i], kh[i], vh[i], att[i], ctxh[i], ctx[i], z[i], erfp[i],
            gel[i], ln1[i].mean, ln1[i].rstd, ln1[i].xhat, ln1[i].out, ln2[i].mean, ln2[i].rstd, ln2[i].xhat, ln2[i].out}) {
          a.close();
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- maths

  private void forward(Scratch s) {
    int l = spec.layers();
    double scale = 1.0 / Math.sqrt(spec.headDim());
    gemm(s.oh, s.embP, s.x0[0], false, false, 0.0);
    if (s.posTiled != null) {
      s.x0[0].addi(s.posTiled.reshape(s.n, spec.dModel()));
    }
    if (spec.useFlags()) {
      gemm(s.flagCol, p.flagEmb, s.x0[0], false, false, 1.0);
    }
    for (int i = 0; i < l; i++) {
      layerNorm(s, s.x0[i], p.ln1g[i], p.ln1b[i], s.ln1[i]);
      INDArray h = s.ln1[i].out;
      linear(h, p.wq[i], p.bq[i], s.q[i], 0.0);
      linear(h, p.wk[i], p.bk[i], s.k[i], 0.0);
      linear(h, p.wv[i], p.bv[i], s.v[i], 0.0);
      s.qh[i].assign(s.qPerm[i]);
      s.kh[i].assign(s.kPerm[i]);
      s.vh[i].assign(s.vPerm[i]);
      // scores = mask + scale·q·kᵀ: copying the precomputed [B,H,T,T] mask and accumulating (β = 1) into it was
      // cheaper than broadcasting a [B,T] mask over heads and queries (profiled)
      s.att[i].assign(s.maskFull);
      bmm(s.qh[i], s.kh[i], s.att[i], false, true, scale, 1.0);
      // softmax over keys on a 2-D [B·H·T, T] view: on the rank-4 array ND4J's kernel was 5× slower (profiled)
      Nd4j.exec(new SoftMax(s.att2[i], s.att2[i], 1));
      bmm(s.att[i], s.vh[i], s.ctxh[i], false, false, 1.0);
      s.ctxPerm[i].assign(s.ctxh[i]);
      s.x1[i].assign(s.x0[i]);
      linear(s.ctx[i], p.wo[i], p.bo[i], s.x1[i], 1.0);
      layerNorm(s, s.x1[i], p.ln2g[i], p.ln2b[i], s.ln2[i]);
      linear(s.ln2[i].out, p.w1[i], p.b1[i], s.z[i], 0.0);
      // exact GELU 0.5·z·(1 + erf(z/√2)); keep (1 + erf) for the backward pass
      s.z[i].mul(1.0 / Math.sqrt(2.0), s.erfp[i]);
      Nd4j.exec(new Erf(s.erfp[i], s.erfp[i]));
      s.erfp[i].addi(1.0);
      s.z[i].mul(s.erfp[i], s.gel[i]);
      s.gel[i].muli(0.5);
      s.x0[i + 1].assign(s.x1[i]);
      linear(s.gel[i], p.w2[i], p.b2[i], s.x0[i + 1], 1.0);
    }
    layerNorm(s, s.x0[l], p.lnfg, p.lnfb, s.lnf);
    gemm(s.pool, s.lnf.out, s.pooled, false, false, 0.0);
    gemm(s.pooled, p.headW, s.pred, false, false, 0.0);
    s.pred.addi(p.headB.getDouble(0));
  }

  /** Backward pass after {@link #forward}: fills {@link #grads}, returns the MSE. */
  private double backward(Scratch s, double[] y) {
    int l = spec.layers();
    double scale = 1.0 / Math.sqrt(spec.headDim());
    grads.assign(0.0);
    if (hostKernels) {
      Arrays.fill(hostGrad, 0.0);
    }
    double loss = 0;
    double sumD = 0;
    for (int b = 0; b < s.b; b++) {
      double e = s.pred.getDouble(b, 0) - y[b];
      loss += e * e;
      double dp = 2.0 * e / s.b;
      s.dpred.putScalar(b, 0, dp);
      sumD += dp;
    }
    g.headB.putScalar(0, sumD);
    gemm(s.pooled, s.dpred, g.headW, true, false, 0.0);
    gemm(s.dpred, p.headW, s.dpooled, false, true, 0.0);
    gemm(s.pool, s.dpooled, s.dH, true, false, 0.0);
    s.dX.assign(0.0);
    layerNormBackward(s, s.dH, s.lnf, p.lnfg, g.lnfg, g.lnfb);
    for (int i = l - 1; i >= 0; i--) {
      // feed-forward: x0[i+1] = x1[i] + GELU(LN2(x1)·W1 + b1)·W2 + b2; s.dX holds ∂L/∂x0[i+1]
      Nd4j.exec(new Sum(s.dX, g.b2[i], 0));
      gemm(s.gel[i], s.dX, g.w2[i], true, false, 0.0);
      gemm(s.dX, p.w2[i], s.dG, false, true, 0.0);
      // GELU'(z) = 0.5·(1 + erf(z/√2)) + z·φ(z)
      s.z[i].mul(s.z[i], s.tF);
      s.tF.muli(-0.5);
      Nd4j.exec(new Exp(s.tF, s.tF));
      s.tF.muli(s.z[i]);
      s.tF.muli(1.0 / Math.sqrt(2.0 * Math.PI));
      s.erfp[i].mul(0.5, s.dZ);
      s.dZ.addi(s.tF);
      s.dZ.muli(s.dG);
      Nd4j.exec(new Sum(s.dZ, g.b1[i], 0));
      gemm(s.ln2[i].out, s.dZ, g.w1[i], true, false, 0.0);
      gemm(s.dZ, p.w1[i], s.dH, false, true, 0.0);
      layerNormBackward(s, s.dH, s.ln2[i], p.ln2g[i], g.ln2g[i], g.ln2b[i]);
      // attention: x1 = x0 + concat_h(softmax(q·kᵀ·scale + mask)·v)·Wo + bo; s.dX holds ∂L/∂x1[i]
      Nd4j.exec(new Sum(s.dX, g.bo[i], 0));
      gemm(s.ctx[i], s.dX, g.wo[i], true, false, 0.0);
      gemm(s.dX, p.wo[i], s.dCtx, false, true, 0.0);
      s.dCh.assign(s.dCtxPerm);
      bmm(s.dCh, s.vh[i], s.dA, false, true, 1.0);
      bmm(s.att[i], s.dCh, s.dVh, true, false, 1.0);
      // softmax backward: dS = A ∘ (dA − Σ_k dA∘A)
      if (hostKernels) {
        hostSoftmaxBackward(s, s.att[i]);
      } else {
        s.dA.mul(s.att[i], s.tA);
        Nd4j.exec(new Sum(s.tA, s.rs, 3));
        Nd4j.exec(new BroadcastSubOp(s.dA, s.rs, s.dA, 0, 1, 2));
        s.dA.muli(s.att[i]);
      }
      bmm(s.dA, s.kh[i], s.dQh, false, false, scale);
      bmm(s.dA, s.qh[i], s.dKh, true, false, scale);
      s.dQPerm.assign(s.dQh);
      s.dKPerm.assign(s.dKh);
      s.dVPerm.assign(s.dVh);
      INDArray h = s.ln1[i].out;
      Nd4j.exec(new Sum(s.dQ, g.bq[i], 0));
      Nd4j.exec(new Sum(s.dK, g.bk[i], 0));
      Nd4j.exec(new Sum(s.dV, g.bv[i], 0));
      gemm(h, s.dQ, g.wq[i], true, false, 0.0);
      gemm(h, s.dK, g.wk[i], true, false, 0.0);
      gemm(h, s.dV, g.wv[i], true, false, 0.0);
      gemm(s.dQ, p.wq[i], s.dH, false, true, 0.0);
      gemm(s.dK, p.wk[i], s.dH, false, true, 1.0);
      gemm(s.dV, p.wv[i], s.dH, false, true, 1.0);
      layerNormBackward(s, s.dH, s.ln1[i], p.ln1g[i], g.ln1g[i], g.ln1b[i]);
    }
    gemm(s.oh, s.dX, s.embG, true, false, 0.0);
    if (spec.useFlags()) {
      gemm(s.flagCol, s.dX, g.flagEmb, true, false, 0.0);
    }
    return loss / s.b;
  }

  /** out = LN(x)·γ + β over the last dimension, keeping x̂ and 1/σ. */
  private void layerNorm(Scratch s, INDArray x, INDArray gamma, INDArray beta, LnCache c) {
    if (hostKernels) {
      hostLayerNorm(s, x, (int) gamma.offset(), (int) beta.offset(), c);
      return;
    }
    Nd4j.exec(new Mean(x, c.mean, 1));
    Nd4j.exec(new BroadcastSubOp(x, c.mean, c.xhat, 0));
    // biased variance as mean((x − μ)²): ND4J's Variance op was 3× slower than these two ops (profiled)
    c.xhat.mul(c.xhat, c.out);
    Nd4j.exec(new Mean(c.out, c.rstd, 1));
    c.rstd.addi(LN_EPS);
    Nd4j.exec(new RSqrt(c.rstd, c.rstd));
    Nd4j.exec(new BroadcastMulOp(c.xhat, c.rstd, c.xhat, 0));
    Nd4j.exec(new BroadcastMulOp(c.xhat, gamma, c.out, 1));
    Nd4j.exec(new BroadcastAddOp(c.out, beta, c.out, 1));
  }

  /**
   * Given dy = ∂L/∂out, writes ∂L/∂γ and ∂L/∂β and ADDS ∂L/∂x to s.dX (the residual stream's gradient):
   * dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂∘x̂))/σ with dx̂ = dy∘γ.
   */
  private void layerNormBackward(Scratch s, INDArray dy, LnCache c, INDArray gamma, INDArray dGamma, INDArray dBeta) {
    if (hostKernels) {
      hostLayerNormBackward(s, dy, c, (int) gamma.offset(), (int) dBeta.offset());
      return;
    }
    Nd4j.exec(new Sum(dy, dBeta, 0));
    dy.mul(c.xhat, s.tN);
    Nd4j.exec(new Sum(s.tN, dGamma, 0));
    Nd4j.exec(new BroadcastMulOp(dy, gamma, s.dxh, 1));
    Nd4j.exec(new Mean(s.dxh, s.r1, 1));
    s.dxh.mul(c.xhat, s.tN);
    Nd4j.exec(new Mean(s.tN, s.r2, 1));
    Nd4j.exec(new BroadcastMulOp(c.xhat, s.r2, s.tN, 0));
    Nd4j.exec(new BroadcastSubOp(s.dxh, s.r1, s.dxh, 0));
    s.dxh.subi(s.tN);
    Nd4j.exec(new BroadcastMulOp(s.dxh, c.rstd, s.dxh, 0));
    s.dX.addi(s.dxh);
  }

  // ------------------------------------------------------------------------------- host kernels (CPU backend)

  private void hostLayerNorm(Scratch s, INDArray x, int gOff, int bOff, LnCache c) {
    int n = s.n;
    int d = spec.dModel();
    double[] xs = s.hA;
    double[] out = s.hB;
    read(s, x, xs, n * d);
    double[] th = theta;
    for (int r = 0; r < n; r++) {
      int base = r * d;
      double mu = 0;
      for (int j = 0; j < d; j++) {
        mu += xs[base + j];
      }
      mu /= d;
      double var = 0;
      for (int j = 0; j < d; j++) {
        double e = xs[base + j] - mu;
        var += e * e;
      }
      double rs = 1.0 / Math.sqrt(var / d + LN_EPS);
      c.rstdH[r] = rs;
      for (int j = 0; j < d; j++) {
        double xh = (xs[base + j] - mu) * rs;
        c.xhatH[base + j] = xh;
        out[base + j] = xh * th[gOff + j] + th[bOff + j];
      }
    }
    write(s, out, c.out, n * d);
  }

  /** ∂L/∂γ, ∂L/∂β into hostGrad; ∂L/∂x added to s.dX. */
  private void hostLayerNormBackward(Scratch s, INDArray dy, LnCache c, int gOff, int bOff) {
    int n = s.n;
    int d = spec.dModel();
    double[] dys = s.hA;
    double[] dx = s.hB;
    read(s, dy, dys, n * d);
    read(s, s.dX, dx, n * d);
    double[] th = theta;
    double[] xh = c.xhatH;
    for (int r = 0; r < n; r++) {
      int base = r * d;
      double m1 = 0;
      double m2 = 0;
      for (int j = 0; j < d; j++) {
        double gy = dys[base + j];
        double dxh = gy * th[gOff + j];
        m1 += dxh;
        m2 += dxh * xh[base + j];
        hostGrad[bOff + j] += gy;
        hostGrad[gOff + j] += gy * xh[base + j];
      }
      m1 /= d;
      m2 /= d;
      double rs = c.rstdH[r];
      for (int j = 0; j < d; j++) {
        double dxh = dys[base + j] * th[gOff + j];
        dx[base + j] += (dxh - m1 - xh[base + j] * m2) * rs;
      }
    }
    write(s, dx, s.dX, n * d);
  }

  /** s.dA ← A ∘ (dA − Σ_k dA∘A), row by row over [B·H·T, T]. */
  private void hostSoftmaxBackward(Scratch s, INDArray att) {
    int t = s.t;
    int len = s.b * spec.heads() * t * t;
    double[] da = s.hA;
    double[] a = s.hB;
    read(s, s.dA, da, len);
    read(s, att, a, len);
    for (int base = 0; base < len; base += t) {
      double dot = 0;
      for (int k = 0; k < t; k++) {
        dot += da[base + k] * a[base + k];
      }
      for (int k = 0; k < t; k++) {
        da[base + k] = a[base + k] * (da[base + k] - dot);
      }
    }
    write(s, da, s.dA, len);
  }

  /** Bulk copy of a contiguous, zero-offset ND4J array into a Java array (converting from float). */
  private void read(Scratch s, INDArray a, double[] dst, int len) {
    if (dt == DataType.DOUBLE) {
      a.data().asNioDouble().get(0, dst, 0, len);
    } else {
      a.data().asNioFloat().get(0, s.hF, 0, len);
      float[] f = s.hF;
      for (int i = 0; i < len; i++) {
        dst[i] = f[i];
      }
    }
  }

  private void write(Scratch s, double[] src, INDArray a, int len) {
    if (dt == DataType.DOUBLE) {
      a.data().asNioDouble().put(0, src, 0, len);
    } else {
      float[] f = s.hF;
      for (int i = 0; i < len; i++) {
        f[i] = (float) src[i];
      }
      a.data().asNioFloat().put(0, f, 0, len);
    }
  }

  /** out = beta·out + x·W + b (b broadcast over rows). */
  private static void linear(INDArray x, INDArray w, INDArray bias, INDArray out, double beta) {
    gemm(x, w, out, false, false, beta);
    Nd4j.exec(new BroadcastAddOp(out, bias, out, 1));
  }

  private static void gemm(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double beta) {
    Nd4j.gemm(a, b, c, ta, tb, 1.0, beta);
  }

  /** Batched matmul over the leading dimensions, c = alpha·op(a)·op(b). */
  private static void bmm(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha) {
    bmm(a, b, c, ta, tb, alpha, 0.0);
  }

  /** c = alpha·op(a)·op(b) + beta·c. */
  private static void bmm(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
    Nd4j.exec(new Mmul(a, b, c, alpha, beta, MMulTranspose.builder().transposeA(ta).transposeB(tb).build()));
  }
}
