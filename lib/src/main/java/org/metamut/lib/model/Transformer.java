package org.metamut.lib.model;

import org.metamut.lib.backend.BlasCoreType;
import org.metamut.lib.backend.VectorApi;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.metamut.lib.model.Ops.gemm;

/**
 * The transformer regressor of DESIGN.md §6 as a {@link FlatModel}: a hand-written forward and backward pass
 * over ND4J ops, computing in a configurable data type (FLOAT for speed, DOUBLE for checks).
 *
 * <p>Why hand-written rather than SameDiff: the probe of DESIGN.md §8 measured it 2× faster at this size,
 * where per-op overhead dominates. So every intermediate lives in a buffer preallocated once per batch shape
 * (B, T) and reused; each op writes into its buffer ({@code Nd4j.gemm}/{@code Mmul} with an explicit output,
 * broadcast ops with z set); parameters and gradients are views of two flat arrays, so θ goes in and ∇θ comes
 * out with one copy each (in an internal order that stores each block's q, k, v weights fused,
 * {@link ParamViews#fusedOrder}). Token plus learned position embedding is one matmul of a [N, V+T] two-hot matrix
 * with the contiguous {@code [tok_emb; pos_emb]} block (and its gradient one transposed matmul), or with the host
 * kernels a gather of rows of θ ({@link HostKernels#embed}); masked mean pooling
 * is a [B, N] matrix. Padded keys get −1e9 before the softmax, so they get exactly zero attention and padding does
 * not change predictions; padded queries are computed but never pooled.
 *
 * <p>This class holds the parameters, the per-shape buffers ({@link Scratch}) and the workspace, and runs the
 * embedding, the head and the loss; each block's two halves are {@link AttentionBlock} and {@link FeedForwardBlock},
 * LayerNorm is {@link LayerNorm} and the CPU-only Java loops are {@link HostKernels}.
 *
 * <p>Not thread-safe (scratch buffers); one instance per thread. Close it to free native memory.
 */
@SuppressWarnings("try") // workspace scopes are opened for their side effect only
public final class Transformer implements FeatureModel {

  /** The LayerNorm ε (DESIGN.md §6, and ESM-2's: an imported checkpoint must use the same). */
  public static final double LN_EPS = 1e-5;
  static final double MASK_NEG = -1e9;
  private static final int MAX_SHAPES = 4;

  static {
    // before anything here can load ND4J's CPU backend (and with it OpenBLAS): see BlasCoreType
    BlasCoreType.ensure();
  }

  private static final WorkspaceConfiguration WS = WorkspaceConfiguration.builder()
      .initialSize(0).policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.FIRST_LOOP).build();

  private final ModelSpec spec;
  private final ParamLayout layout;
  private final DataType dt;
  private final int numParams;
  private final INDArray params;
  private final INDArray grads;
  private final ParamViews p;
  private final ParamViews g;
  private final float[] stageF;  // θ or ∇θ in the internal order, FLOAT models
  private final double[] stageD; // the same, DOUBLE models
  private final int[] order;     // order[i]: internal index of θ[i] (ParamViews.fusedOrder)
  private final String wsId = "metamut-transformer-" + UUID.randomUUID();
  private final Map<Long, Scratch> scratches = new LinkedHashMap<>(8, 0.75f, true);
  private INDArray sinusoid; // [maxLen, d] when positional == SINUSOIDAL
  private final boolean hostKernels;
  private final HostKernels host; // null unless hostKernels; its LayerNorm γ/β gradients are added to ∇θ at the end
  private final LayerNorm layerNorm;
  private final AttentionBlock attention;
  private final FeedForwardBlock feedForward;

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
    this(spec, dataType, hostKernels, hostKernels && dataType == DataType.FLOAT && VectorApi.available());
  }

  /** {@code vectorKernels}: the host kernels run as {@link VectorKernels} (FLOAT only; tests pin both ways). */
  Transformer(ModelSpec spec, DataType dataType, boolean hostKernels, boolean vectorKernels) {
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
      this.p = new ParamViews(params, spec, layout, dt);
      this.g = new ParamViews(grads, spec, layout, dt);
      if (spec.positional() == ModelSpec.Positional.SINUSOIDAL) {
        sinusoid = Nd4j.create(sinusoidTable(spec.maxLen(), spec.dModel()), new long[] {spec.maxLen(), spec.dModel()}, 'c').castTo(dt);
      }
    }
    this.order = ParamViews.fusedOrder(spec, layout);
    this.stageF = dt == DataType.FLOAT ? new float[numParams] : null;
    this.stageD = dt == DataType.DOUBLE ? new double[numParams] : null;
    this.host = hostKernels ? new HostKernels(spec, dt, numParams, vectorKernels) : null;
    this.layerNorm = new LayerNorm(host);
    this.attention = new AttentionBlock(spec, p, g, layerNorm, host);
    this.feedForward = new FeedForwardBlock(p, g, layerNorm, host);
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
      forward(s, false);
      double[] out = new double[s.b];
      for (int b = 0; b < s.b; b++) {
        out[b] = s.pred.getDouble(b, 0);
      }
      return out;
    }
  }

  /** The pooled state, then the substitution block when the model has one. */
  @Override
  public int featureDim() {
    return spec.dModel() + SubstitutionBlock.size(spec);
  }

  @Override
  public int learnedFeatureDim() {
    return spec.dModel();
  }

  /** The features the scalar head reads, [B][featureDim]. */
  @Override
  public double[][] features(double[] theta, TokenBatch batch) {
    Scratch s = prepare(theta, batch);
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, wsId)) {
      forward(s, false);
      return pooledFeatures(s);
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
      forward(s, true);
      loss = backward(s, y);
    }
    copyGradient(grad);
    if (spec.substitutionContext()) {
      double wDms = theta[layout.get("head.Ws").offset() + SubstitutionBlock.DMS_COLUMN];
      for (int b = 0; b < s.b; b++) {
        SubstitutionBlock.addDmsGradient(batch, b, s.dpred.getDouble(b, 0) * wDms, grad, s.input.dmsOffset);
      }
    }
    return loss;
  }

  @Override
  public void featureGradient(double[] theta, TokenBatch batch, double[][] dFeatures, double[] grad) {
    featureGradient(theta, batch, features -> dFeatures, grad);
  }

  @Override
  public void featureGradient(double[] theta, TokenBatch batch, java.util.function.UnaryOperator<double[][]> lossGradient,
                              double[] grad) {
    if (grad.length != numParams) {
      throw new IllegalArgumentException("gradient array has length " + grad.length + ", the model has " + numParams + " parameters");
    }
    Scratch s = prepare(theta, batch);
    double[][] dFeatures;
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, wsId)) {
      forward(s, true);
      dFeatures = lossGradient.apply(pooledFeatures(s));
      if (dFeatures.length != s.b) {
        throw new IllegalArgumentException(dFeatures.length + " feature gradients for a batch of " + s.b);
      }
      grads.assign(0.0);
      if (hostKernels) {
        Arrays.fill(host.grad, 0.0);
      }
      for (int b = 0; b < s.b; b++) {
        for (int i = 0; i < spec.dModel(); i++) {
          s.dpooled.putScalar(b, i, dFeatures[b][i]);
        }
      }
      gemm(s.input.pool, s.dpooled, s.dH, true, false, 0.0);
      backwardFromHidden(s);
    }
    copyGradient(grad);
    if (spec.substitutionContext()) {
      // the one side feature with parameters behind it: the DMS score is a sum of sub.dms entries
      int column = spec.dModel() + SubstitutionBlock.DMS_COLUMN;
      for (int b = 0; b < s.b; b++) {
        SubstitutionBlock.addDmsGradient(batch, b, dFeatures[b][column], grad, s.input.dmsOffset);
      }
    }
  }

  /** The features of the last forward pass, [B][featureDim]: the pooled state, then the substitution block. */
  private double[][] pooledFeatures(Scratch s) {
    int d = spec.dModel();
    double[][] out = new double[s.b][featureDim()];
    for (int b = 0; b < s.b; b++) {
      for (int i = 0; i < d; i++) {
        out[b][i] = s.pooled.getDouble(b, i);
      }
      if (spec.substitutionFeatures()) {
        System.arraycopy(s.input.subHost, b * s.input.subCols, out[b], d, s.input.subCols);
      }
    }
    return out;
  }

  private static double[] requireTargets(TokenBatch batch) {
    if (batch.targets() == null) {
      throw new IllegalArgumentException("batch " + batch + " has no targets; loss and gradient need them");
    }
    return batch.targets();
  }

  /** ∇θ out of {@link #grads} (internal order, plus the host kernels' LayerNorm part) into {@code grad} (θ order). */
  private void copyGradient(double[] grad) {
    int[] ord = order;
    if (!hostKernels) {
      // through the DataBuffer API, which synchronises device memory (the NIO view below is host memory only)
      double[] internal = grads.data().asDouble();
      for (int i = 0; i < numParams; i++) {
        grad[i] = internal[ord[i]];
      }
    } else if (dt == DataType.DOUBLE) {
      grads.data().asNioDouble().get(stageD);
      for (int i = 0; i < numParams; i++) {
        grad[i] = stageD[ord[i]];
      }
    } else {
      grads.data().asNioFloat().get(stageF);
      for (int i = 0; i < numParams; i++) {
        grad[i] = stageF[ord[i]];
      }
    }
    if (hostKernels) {
      double[] hostGrad = host.grad;
      for (int i = 0; i < numParams; i++) {
        grad[i] += hostGrad[i];
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- set-up

  private Scratch prepare(double[] theta, TokenBatch batch) {
    if (theta.length != numParams) {
      throw new IllegalArgumentException("θ has length " + theta.length + ", the model (" + spec.summary() + ") has " + numParams + " parameters");
    }
    if (batch.seqLen() > spec.maxLen()) {
      throw new IllegalArgumentException("batch " + batch + " is longer than the model's maxLen " + spec.maxLen());
    }
    if (hostKernels) {
      host.theta = theta;
    }
    int[] ord = order;
    // the host kernels' buffers are host memory: one bulk copy through the NIO view (DataBuffer.setData puts element
    // by element, ~1 ms for L4's 0.5M parameters); setData otherwise, which also brings device memory up to date
    if (dt == DataType.DOUBLE) {
      for (int i = 0; i < numParams; i++) {
        stageD[ord[i]] = theta[i];
      }
      if (hostKernels) {
        params.data().asNioDouble().put(stageD);
      } else {
        params.data().setData(stageD);
      }
    } else {
      for (int i = 0; i < numParams; i++) {
        stageF[ord[i]] = (float) theta[i];
      }
      if (hostKernels) {
        params.data().asNioFloat().put(stageF);
      } else {
        params.data().setData(stageF);
      }
    }
    Scratch s = scratchFor(batch.batchSize(), batch.seqLen());
    s.input.load(batch, theta);
    return s;
  }

  /** The buffers for shape (B, T): kept for the {@value #MAX_SHAPES} most recently used shapes. */
  private Scratch scratchFor(int b, int t) {
    long key = ((long) b << 32) | t;
    Scratch s = scratches.get(key);
    if (s == null) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        s = new Scratch(spec, dt, hostKernels, host != null && host.vector, p, g, sinusoid, b, t);
      }
      scratches.put(key, s);
      if (scratches.size() > MAX_SHAPES) {
        Long eldest = scratches.keySet().iterator().next();
        scratches.remove(eldest).close();
      }
    }
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

  // ---------------------------------------------------------------------------------------------- maths

  /** {@code backwardFollows}: keep what only the backward pass reads (a forward-only pass skips storing it). */
  private void forward(Scratch s, boolean backwardFollows) {
    int l = spec.layers();
    if (hostKernels) {
      host.embed(s);
    } else {
      gemm(s.input.oh, s.input.embP, s.x, false, false, 0.0);
    }
    if (s.input.posTiled != null) {
      s.x.addi(s.input.posTiled.reshape(s.n, spec.dModel()));
    }
    if (spec.useFlags()) {
      gemm(s.input.flagCol, p.flagEmb, s.x, false, false, 1.0);
    }
    for (int i = 0; i < l; i++) {
      attention.forward(s, i, backwardFollows);
      feedForward.forward(s, i, backwardFollows);
    }
    layerNorm.forward(s, s.x, p.lnfg, p.lnfb, s.lnf);
    gemm(s.input.pool, s.lnf.out, s.pooled, false, false, 0.0);
    gemm(s.pooled, p.headW, s.pred, false, false, 0.0);
    if (spec.substitutionFeatures()) {
      gemm(s.input.sub, p.headWs, s.pred, false, false, 1.0);
    }
    s.pred.addi(p.headB.getDouble(0));
  }

  /** Backward pass after {@link #forward}: fills {@link #grads} (and the host kernels' gradient), returns the MSE. */
  private double backward(Scratch s, double[] y) {
    grads.assign(0.0);
    if (hostKernels) {
      Arrays.fill(host.grad, 0.0);
    }
    double loss = headBackward(s, y);
    backwardFromHidden(s);
    return loss / s.b;
  }

  /** From ∂L/∂(final LayerNorm output) in s.dH down to the embeddings: the blocks' and embeddings' gradients. */
  private void backwardFromHidden(Scratch s) {
    int l = spec.layers();
    s.dX.assign(0.0);
    layerNorm.backward(s, s.dH, s.lnf, p.lnfg, g.lnfg, g.lnfb);
    for (int i = l - 1; i >= 0; i--) {
      feedForward.backward(s, i);
      attention.backward(s, i);
    }
    if (hostKernels) {
      host.embedBackward(s);
    } else {
      gemm(s.input.oh, s.dX, s.input.embG, true, false, 0.0);
    }
    if (spec.useFlags()) {
      gemm(s.input.flagCol, s.dX, g.flagEmb, true, false, 0.0);
    }
  }

  /**
   * ∂L/∂pred of the MSE, the head's gradients and ∂L/∂(final LayerNorm output) into s.dH (through the pooling
   * matrix); returns the sum of squared errors.
   */
  private double headBackward(Scratch s, double[] y) {
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
    if (spec.substitutionFeatures()) {
      gemm(s.input.sub, s.dpred, g.headWs, true, false, 0.0);
    }
    gemm(s.dpred, p.headW, s.dpooled, false, true, 0.0);
    gemm(s.input.pool, s.dpooled, s.dH, true, false, 0.0);
    return loss;
  }
}
