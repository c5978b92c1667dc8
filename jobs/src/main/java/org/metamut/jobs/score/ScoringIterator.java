package org.metamut.jobs.score;

import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.metamut.lib.adapt.ClosedFormAdaptation;
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
 * Scores one partition's candidates lazily, a batch at a time, with one model instance for the partition
 * (created on the first batch, closed when the input is exhausted or the task ends). Rejected and unencodable
 * candidates are skipped here; the rejected pass writes them.
 */
final class ScoringIterator implements Iterator<Row> {
  private final Iterator<Candidate> in;
  private final String wildType;
  private final ScoringModel model;
  private final double[] theta;
  private final int batchSize;
  private final LongAccumulator progress;
  private final ArrayDeque<Row> ready = new ArrayDeque<>();
  private final List<Candidate> pending = new ArrayList<>();
  private final List<EncodedVariant> encoded = new ArrayList<>();
  private final Encoder encoder;
  private FlatModel flat;
  private boolean closed;

  ScoringIterator(Iterator<Candidate> in, String wildType, ScoringModel model, double[] theta, int batchSize,
                  LongAccumulator progress) {
    this.in = in;
    this.wildType = wildType;
    this.model = model;
    this.theta = theta;
    this.batchSize = batchSize;
    this.progress = progress;
    this.encoder = model.encoder().encoder();
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
        if (model.esm() != null) { // the ESM-2 block's features: the cache's store first, then the checkpoint
          e = e.withEsm(model.esmFeatures().features(new Variant(wildType, c.mutations())));
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
    if (flat == null) {
      flat = model.factory().create();
    }
    TokenBatch batch = Batches.pad(encoded, batchSize, model.encoder().maxLen(), null);
    double[] pred = flat.predict(theta, batch);
    // a padded batch repeats its first row up to the batch size: only the pending rows are read
    List<long[]> sites = model.sites() == null ? null : encoded.stream().map(EncodedVariant::sites).toList();
    for (int b = 0; sites != null && b < pending.size(); b++) {
      pred[b] += model.sites().effect(sites.get(b));
    }
    for (int b = 0; model.esm() != null && b < pending.size(); b++) {
      pred[b] += model.esm().effect(encoded.get(b).esm());
    }
    // the head's posterior SD of the batch's features: a second forward pass, only for models with an SD
    double[][] features = model.hasSd() ? ClosedFormAdaptation.featureModel(flat).features(theta, batch) : null;
    if (features != null && model.esm() != null) {
      features = model.esm().append(features, encoded.stream().map(EncodedVariant::esm).toList());
    }
    double[] sd = features == null ? null : sites == null ? model.posterior().sd(features)
        : model.sites().sd(model.posterior(), java.util.Arrays.copyOf(features, pending.size()), sites);
    for (int b = 0; b < pending.size(); b++) {
      Candidate c = pending.get(b);
      Double s = sd == null || !Double.isFinite(sd[b]) ? null : sd[b];
      Double sLabel = s == null || !model.scale().hasLabelUnits() ? null : s * model.scale().labelSd();
      ready.add(RowFactory.create(c.index(), c.variantText(), ScoreSchemas.mutationRows(c.mutations()),
          c.mutations().size(), pred[b], model.scale().toLabelUnits(pred[b]), model.identity(), s, sLabel));
    }
    if (progress != null) {
      progress.add(pending.size());
    }
  }

  private void close() {
    if (!closed) {
      closed = true;
      if (flat != null) {
        flat.close();
        flat = null;
      }
    }
  }
}
