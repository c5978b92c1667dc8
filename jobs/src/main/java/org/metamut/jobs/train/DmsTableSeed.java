package org.metamut.jobs.train;

import org.metamut.jobs.data.EpisodeStore;
import org.metamut.jobs.data.VariantPool;
import org.metamut.lib.model.DmsMatrixEstimate;
import org.metamut.lib.model.ModelFactory;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.model.TransformerFactory;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * Starts a model's {@code sub.dms} table (the DMS substitution score of the substitution block's context columns,
 * {@code org.metamut.lib.model.SubstitutionBlock}) from the meta-train tasks' own labels before training: what
 * meta-training and fine-tuning's joint pre-training both do, so the two start from the same knowledge. Reads the
 * fresh-episode pool when there is one (every variant of every meta-train task), else the fixed meta-train episodes.
 * Meta-val and meta-test tasks never enter it.
 */
public final class DmsTableSeed {
  private DmsTableSeed() {
  }

  /**
   * Writes the estimate into {@code theta} when {@code factory}'s model has the context columns; does nothing
   * otherwise. Says in one line what it read.
   */
  public static void apply(double[] theta, ModelFactory factory, EpisodeStore store, VariantPool fresh,
                           Consumer<String> say) {
    if (!(factory instanceof TransformerFactory tf) || !tf.spec().substitutionContext()) {
      return;
    }
    ModelSpec spec = tf.spec();
    DmsMatrixEstimate estimate = new DmsMatrixEstimate();
    if (fresh != null) {
      fresh.addSingles(estimate);
    } else {
      for (int i : store.trainIndices()) {
        EpisodeStore.Episode e = store.episode(i);
        estimate.addSingles(e.taskId(), TokenBatch.of(e.supportY().length, e.seqLen(), e.supportIds(), e.supportY()));
        estimate.addSingles(e.taskId(), TokenBatch.of(e.queryY().length, e.seqLen(), e.queryIds(), e.queryY()));
      }
    }
    if (estimate.tasks() == 0) {
      say.accept("sub.dms starts at 0: no meta-train task has single substitutions");
      return;
    }
    double[] table = estimate.matrix();
    int offset = ParamLayout.of(spec).get("sub.dms").offset();
    System.arraycopy(table, 0, theta, offset, table.length);
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double v : table) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    say.accept(String.format(Locale.ROOT, "sub.dms starts from the %s (entries %.2f to %.2f)%s", estimate, lo, hi,
        fresh != null ? "" : " (fixed episodes: variants in several episodes count once per episode)"));
  }
}
