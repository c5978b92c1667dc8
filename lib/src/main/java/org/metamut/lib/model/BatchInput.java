package org.metamut.lib.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * A token batch encoded as the {@link Transformer}'s input matrices at one batch shape (B, T), allocated once and
 * refilled by {@link #load}: the [N, V(+T)] one-hot (plus position) rows whose product with the embedding block is
 * token plus learned position embedding in one matmul, the [B, N] masked-mean pooling matrix, the key mask and the
 * flag column. Why matrices: each replaces a gather or a masked reduction by one matmul (DESIGN.md §8). With the host
 * kernels the embedding is a gather over {@link #tokenIds} instead ({@link HostKernels#embed}), and there is no
 * one-hot matrix.
 */
final class BatchInput implements AutoCloseable {
  private final ModelSpec spec;
  private final DataType dt;
  private final boolean hostKernels;
  private final int b;
  private final int t;
  private final int n;
  private final int embRows;
  private final Staged ohHost;   // [N, V(+T)], mostly zeros; null with the host kernels
  private final Staged poolHost; // [B, N], mostly zeros
  private final Staged keyMask;  // [B, T] 0 or −1e9 at padded keys: see keyMaskFloats()
  private final double[] flagHost;
  private final float[] stage;
  final INDArray oh;        // [N, V(+T)] token (+ position) one-hot rows; null with the host kernels
  final int[] tokenIds;     // [N] the loaded batch's token ids
  final INDArray pool;      // [B, N] pooling weights
  final INDArray keyBias;   // [B, T] 0 or −1e9 at padded keys
  private INDArray maskFull;        // [B, H, T, T] keyBias broadcast over heads and queries, on first use: see maskFull()
  private boolean maskFullStale;
  final INDArray flagCol;   // [N, 1] or null
  final INDArray sub;       // [B, 8] the substitution block, or null
  final double[] subHost;
  /** Columns of the substitution block; θ offset of {@code sub.dms} (−1 without the context columns). */
  final int subCols, dmsOffset;
  final INDArray posTiled;  // [N, d] sinusoids, or null
  final INDArray embP;      // [V(+T), d] view of the embedding block used by this T
  final INDArray embG;

  /** {@code sinusoid} is the [maxLen, d] table when positions are sinusoidal, else unused. */
  BatchInput(ModelSpec spec, DataType dt, boolean hostKernels, ParamViews p, ParamViews g, INDArray sinusoid,
             int b, int t) {
    this.spec = spec;
    this.dt = dt;
    this.hostKernels = hostKernels;
    this.b = b;
    this.t = t;
    this.n = b * t;
    int d = spec.dModel();
    boolean learned = spec.positional() == ModelSpec.Positional.LEARNED;
    embRows = spec.vocabSize() + (learned ? t : 0);
    ohHost = hostKernels ? null : new Staged(n * embRows);
    tokenIds = new int[n];
    poolHost = new Staged(b * n);
    keyMask = new Staged(b * t);
    flagHost = spec.useFlags() ? new double[n] : null;
    subCols = SubstitutionBlock.size(spec);
    dmsOffset = spec.substitutionContext() ? ParamLayout.of(spec).get("sub.dms").offset() : -1;
    stage = dt == DataType.FLOAT ? new float[Math.max(n, b * subCols)] : null;
    oh = hostKernels ? null : Nd4j.create(dt, n, embRows);
    pool = Nd4j.create(dt, b, n);
    keyBias = Nd4j.create(dt, b, t);
    flagCol = spec.useFlags() ? Nd4j.create(dt, n, 1) : null;
    subHost = spec.substitutionFeatures() ? new double[b * subCols] : null;
    sub = spec.substitutionFeatures() ? Nd4j.create(dt, b, subCols) : null;
    if (learned) {
      posTiled = null;
      embP = p.embBlock.get(NDArrayIndex.interval(0, embRows), NDArrayIndex.all());
      embG = g.embBlock.get(NDArrayIndex.interval(0, embRows), NDArrayIndex.all());
    } else if (spec.positional() == ModelSpec.Positional.SINUSOIDAL) {
      posTiled = Nd4j.create(dt, b, t, d);
      INDArray rows = sinusoid.get(NDArrayIndex.interval(0, t), NDArrayIndex.all());
      for (int i = 0; i < b; i++) {
        posTiled.get(NDArrayIndex.point(i)).assign(rows);
      }
      embP = p.tokEmb;
      embG = g.tokEmb;
    } else {
      posTiled = null; // rotary: positions enter in the attention blocks
      embP = p.tokEmb;
      embG = g.tokEmb;
    }
  }

  /**
   * Site pooling of example {@code bi}: weight 1 at every site marker of the spec's vocabulary
   * ({@link ModelSpec#siteMarker()}, none outside the reference vocabulary), or else at every flagged token; returns how
   * many sites were found (0: the caller mean-pools).
   */
  private int siteWeights(TokenBatch batch, int bi) {
    int[] ids = batch.ids();
    int found = 0;
    int marker = spec.siteMarker();
    for (int ti = 0; marker >= 0 && ti < t; ti++) {
      if (ids[bi * t + ti] == marker) {
        poolHost.set(bi * n + bi * t + ti, 1.0);
        found++;
      }
    }
    byte[] flags = batch.flags();
    if (found == 0 && flags != null) {
      for (int ti = 0; ti < t; ti++) {
        if (flags[bi * t + ti] != 0 && ids[bi * t + ti] != TokenBatch.PAD) {
          poolHost.set(bi * n + bi * t + ti, 1.0);
          found++;
        }
      }
    }
    return found;
  }

  /**
   * Writes the batch's one-hot rows, pooling weights, key mask, flags and substitution block into the input buffers;
   * {@code theta} is read for the block's DMS column only (models with {@link ModelSpec#substitutionContext()}).
   */
  void load(TokenBatch batch, double[] theta) {
    int[] ids = batch.ids();
    int vocab = spec.vocabSize();
    boolean learned = spec.positional() == ModelSpec.Positional.LEARNED;
    boolean cls = spec.pooling() == ModelSpec.Pooling.CLS;
    boolean sites = spec.pooling() == ModelSpec.Pooling.SITES;
    if (ohHost != null) {
      ohHost.clear();
    }
    poolHost.clear();
    for (int bi = 0; bi < b; bi++) {
      int count = 0;
      for (int ti = 0; ti < t; ti++) {
        int id = ids[bi * t + ti];
        if (id < 0 || id >= vocab) {
          throw new IllegalArgumentException("batch " + batch + ": token id " + id + " at example " + bi + ", position "
              + ti + " is outside the vocabulary [0, " + vocab + ")");
        }
        int row = bi * t + ti;
        tokenIds[row] = id;
        if (ohHost != null) {
          ohHost.set(row * embRows + id, 1.0);
          if (learned) {
            ohHost.set(row * embRows + vocab + ti, 1.0);
          }
        }
        boolean real = id != TokenBatch.PAD;
        keyMask.set(bi * t + ti, real ? 0.0 : Transformer.MASK_NEG);
        if (real) {
          count++;
        }
      }
      if (count == 0) {
        // ND4J's softmax returns NaN for a row whose every entry is -1e9, and a NaN anywhere poisons the pooling
        // matmul for the whole batch; an all-padding example attends to its padding instead (it pools to 0 anyway).
        for (int ti = 0; ti < t; ti++) {
          keyMask.set(bi * t + ti, 0.0);
        }
      }
      if (cls) {
        poolHost.set(bi * n + bi * t, 1.0);
      } else if (sites && siteWeights(batch, bi) > 0) {
        // written by siteWeights: 1 at each mutated site
      } else if (count > 0) {
        // An all-padding example pools to zero features (prediction = head bias) rather than dividing by 0.
        for (int ti = 0; ti < t; ti++) {
          if (ids[bi * t + ti] != TokenBatch.PAD) {
            poolHost.set(bi * n + bi * t + ti, 1.0 / count);
          }
        }
      }
    }
    if (ohHost != null) {
      ohHost.upload(oh);
    }
    poolHost.upload(pool);
    keyMask.upload(keyBias);
    maskFullStale = true;
    if (subHost != null) {
      java.util.Arrays.fill(subHost, 0.0);
      for (int bi = 0; bi < b; bi++) {
        SubstitutionBlock.of(batch, bi, subHost, bi * subCols, dmsOffset >= 0 ? theta : null, dmsOffset);
      }
      upload(sub, subHost, subHost.length);
    }
    if (flagHost != null) {
      byte[] flags = batch.flags();
      for (int i = 0; i < n; i++) {
        flagHost[i] = flags != null && flags[i] != 0 ? 1.0 : 0.0;
      }
      upload(flagCol, flagHost, n);
    }
  }

  /**
   * The key mask broadcast over heads and queries, [B, H, T, T], allocated on first use and built on first use after
   * each {@link #load}: the ND4J-op attention copies it into its scores; the vector kernels' attention adds the [B, T]
   * mask itself and never asks (B·H·T² floats never allocated, 115 MB at B = 16, H = 20, T = 300; and a pass over them
   * saved per batch and per block).
   */
  @SuppressWarnings("try") // the scope is opened for its side effect only
  INDArray maskFull() {
    if (maskFull == null) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        maskFull = Nd4j.create(dt, b, spec.heads(), t, t);
      }
      maskFullStale = true;
    }
    if (maskFullStale) {
      Nd4j.exec(new BroadcastAddOp(maskFull.assign(0.0), keyBias, maskFull, 0, 3));
      maskFullStale = false;
    }
    return maskFull;
  }

  /**
   * The [B, T] key mask as floats, for the host softmax, which adds it itself (FLOAT models on host memory only:
   * other models stage it in double and never ask).
   */
  float[] keyMaskFloats() {
    if (keyMask.f == null) {
      throw new IllegalStateException("the key mask is staged as floats only for FLOAT models on the host kernels");
    }
    return keyMask.f;
  }

  /**
   * The host copy of one input matrix (the large, mostly-zero one-hot and pooling matrices, and the key mask): float
   * when the model computes in FLOAT on host memory, so that filling it is one pass over floats and its upload one bulk
   * copy (the double copy, cleared, filled, converted and copied again, was ~10 % of a scoring batch's forward pass,
   * profiled); double otherwise.
   */
  private final class Staged {
    private final double[] d;
    private final float[] f;

    Staged(int len) {
      boolean floats = hostKernels && dt == DataType.FLOAT;
      d = floats ? null : new double[len];
      f = floats ? new float[len] : null;
    }

    void clear() {
      if (f != null) {
        Arrays.fill(f, 0f);
      } else {
        Arrays.fill(d, 0.0);
      }
    }

    void set(int i, double v) {
      if (f != null) {
        f[i] = (float) v;
      } else {
        d[i] = v;
      }
    }

    void upload(INDArray arr) {
      if (f != null) {
        arr.data().asNioFloat().put(f, 0, f.length);
      } else {
        BatchInput.this.upload(arr, d, d.length);
      }
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
    // embP and embG are views of the model's parameters and gradients, which own their memory
    for (INDArray a : new INDArray[] {oh, pool, keyBias, maskFull, flagCol, posTiled, sub}) {
      if (a != null) {
        a.close();
      }
    }
  }
}
