package org.metamut.jobs.score;

import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.metamut.lib.adapt.ClosedFormAdaptation;
import org.metamut.lib.adapt.Mixture;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Scores one partition's candidates lazily, a batch at a time, with one model instance per member for the partition
 * (created on the first batch, closed when the input is exhausted or the task ends). Rejected and unencodable
 * candidates are skipped here; the rejected pass writes them.
 *
 * <p>One model, or an ensemble ({@link EnsembleScoring}): each batch is encoded once and scored by every member; the
 * score is the members' mean and the SD that of their equal-weight mixture, √(mean σ² + var μ), as evaluate's
 * ensembles ({@code AdaptedModel#withSd}).
 */
final class ScoringIterator implements Iterator<Row> {
  private final Iterator<Candidate> in;
  private final String wildType;
  private final List<ScoringModel> members;
  private final List<double[]> thetas;
  private final String identity;
  private final ScoringModel.ScoreScale scale;
  private final int batchSize;
  private final LongAccumulator progress;
  private final ArrayDeque<Row> ready = new ArrayDeque<>();
  private final List<Candidate> pending = new ArrayList<>();
  private final List<EncodedVariant> encoded = new ArrayList<>();
  private final Encoder encoder;
  private final ScoringModel first;
  private final FlatModel[] flat;
  private boolean closed;

  ScoringIterator(Iterator<Candidate> in, String wildType, ScoringModel model, double[] theta, int batchSize,
                  LongAccumulator progress) {
    this(in, wildType, List.of(model), List.of(theta), model.identity(), model.scale(), batchSize, progress);
  }

  /** An ensemble's members with their parameters, in the same order; they share the encoder and the scale. */
  ScoringIterator(Iterator<Candidate> in, String wildType, List<ScoringModel> members, List<double[]> thetas,
                  String identity, ScoringModel.ScoreScale scale, int batchSize, LongAccumulator progress) {
    this.in = in;
    this.wildType = wildType;
    this.members = List.copyOf(members);
    this.thetas = List.copyOf(thetas);
    this.identity = identity;
    this.scale = scale;
    this.batchSize = batchSize;
    this.progress = progress;
    this.first = members.get(0);
    this.encoder = first.encoder().encoder();
    this.flat = new FlatModel[members.size()];
    TaskContext tc = TaskContext.get();
    if (tc != null) {
      tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> close());
    }
  }

  @Override
  public boolean hasNext() {
    while (ready.isEmpty() && in.hasNext()) {
      fillAndScore();
    }
    if (ready.isEmpty()) {
      close();
      return false;
    }
    return true;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.poll();
  }

  private void fillAndScore() {
    pending.clear();
    encoded.clear();
    while (pending.size() < batchSize && in.hasNext()) {
      Candidate c = in.next();
      if (!c.isValid()) {
        continue;
      }
      try {
        EncodedVariant e = VariantEncoder.encode(encoder, wildType, c.mutations());
        if (first.esm() != null) { // the ESM-2 block's features: the cache's store first, then the checkpoint
          e = e.withEsm(first.esmFeatures().features(new Variant(wildType, c.mutations())));
        }
        encoded.add(e);
        pending.add(c);
      } catch (VariantEncoder.Unencodable e) {
        // written by the rejected pass
      }
    }
    if (pending.isEmpty()) {
      return;
    }
    TokenBatch batch = Batches.pad(encoded, batchSize, first.encoder().maxLen(), null);
    double[] pred;
    double[] sd;
    if (members.size() == 1) {
      double[][] p = score(0, batch);
      pred = p[0];
      sd = p[1];
    } else { // the members' mixture, as evaluate's ensembles (AdaptedModel.withSd)
      Mixture mix = new Mixture(members.size(), pending.size());
      for (int m = 0; m < members.size(); m++) {
        double[][] p = score(m, batch);
        mix.add(p[0], p[1]);
      }
      pred = mix.mean();
      sd = mix.sd();
    }
    for (int b = 0; b < pending.size(); b++) {
      Candidate c = pending.get(b);
      Double s = sd == null || !Double.isFinite(sd[b]) ? null : sd[b];
      Double sLabel = s == null || !scale.hasLabelUnits() ? null : s * scale.labelSd();
      ready.add(RowFactory.create(c.index(), c.variantText(), ScoreSchemas.mutationRows(c.mutations()),
          c.mutations().size(), pred[b], scale.toLabelUnits(pred[b]), identity, s, sLabel));
    }
    if (progress != null) {
      progress.add(pending.size());
    }
  }

  /**
   * Member m's scores of the pending rows of {@code batch} and their predictive SDs (null when it has none), on the
   * scale it was adapted to.
   */
  private double[][] score(int m, TokenBatch batch) {
    ScoringModel model = members.get(m);
    double[] theta = thetas.get(m);
    if (flat[m] == null) {
      flat[m] = model.factory().create();
    }
    double[] pred = flat[m].predict(theta, batch);
    // a padded batch repeats its first row up to the batch size: only the pending rows are read
    List<long[]> sites = model.sites() == null ? null : encoded.stream().map(EncodedVariant::sites).toList();
    for (int b = 0; sites != null && b < pending.size(); b++) {
      pred[b] += model.sites().effect(sites.get(b));
    }
    for (int b = 0; model.esm() != null && b < pending.size(); b++) {
      pred[b] += model.esm().effect(encoded.get(b).esm());
    }
    // the head's posterior SD of the batch's features: a second forward pass, only for models with an SD
    double[][] features = model.hasSd() ? ClosedFormAdaptation.featureModel(flat[m]).features(theta, batch) : null;
    if (features != null && model.esm() != null) {
      features = model.esm().append(features, encoded.stream().map(EncodedVariant::esm).toList());
    }
    double[] sd = features == null ? null : sites == null ? model.posterior().sd(features)
        : model.sites().sd(model.posterior(), java.util.Arrays.copyOf(features, pending.size()), sites);
    return new double[][] {pred, sd};
  }

  private void close() {
    if (!closed) {
      closed = true;
      for (int m = 0; m < flat.length; m++) {
        if (flat[m] != null) {
          flat[m].close();
          flat[m] = null;
        }
      }
    }
  }
}
