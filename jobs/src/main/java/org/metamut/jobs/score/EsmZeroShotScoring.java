package org.metamut.jobs.score;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.metamut.jobs.esm.SharedModels;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.esm.EsmCheckpoint;
import org.metamut.lib.esm.EsmFeatureStore;
import org.metamut.lib.esm.EsmScorer;
import org.metamut.lib.esm.EsmTokenizer;
import org.metamut.lib.esm.InvalidCheckpointException;
import org.metamut.lib.mutation.Mutation;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/**
 * {@code score --esm-zero-shot}: each variant's ESM-2 masked-marginal score Σ log p(mt) − log p(wt) over its mutations
 * ({@link EsmScorer#zeroShot}, each site masked in the wild type), no model file, no labels, no SD.
 *
 * <p><b>How the weights reach the executors.</b> Not through Spark: the record carries the checkpoint folder's path,
 * and each executor JVM loads the weights from that path once ({@link SharedModels}), shared by its task threads. So
 * the folder must be readable at the same path on every executor (a shared file system, or the same copy on every
 * node), as for {@code evaluate}'s ESM methods. Each partition has its own {@link EsmScorer}, whose site cache makes a
 * site's pass serve every variant of the partition at that site.
 *
 * @param checkpoint  the checkpoint folder
 * @param fingerprint its {@code sha256:} fingerprint (in {@link #identity()} and {@code summary.json})
 * @param summary     layers, hidden size and vocabulary, for the words of {@link #describe()}
 * @param store       the scores stored for this checkpoint (the ESM feature cache, {@code metamut.esm.feature-cache}),
 *                    read before any forward pass; null = none
 */
public record EsmZeroShotScoring(String checkpoint, String fingerprint, String summary, EsmFeatureStore store)
    implements ScoreBackend {
  private static final long serialVersionUID = 2L;

  public EsmZeroShotScoring {
    if (store != null && !store.fingerprint().equals(fingerprint)) {
      throw new IllegalArgumentException("ESM values of checkpoint " + store.fingerprint() + " given for " + fingerprint);
    }
  }

  /** This scoring reading {@code s} (of the same checkpoint) first. */
  public EsmZeroShotScoring withStore(EsmFeatureStore s) {
    return new EsmZeroShotScoring(checkpoint, fingerprint, summary, s);
  }

  /** The reason code of a variant whose residue the checkpoint's vocabulary lacks. */
  public static final String NOT_IN_VOCABULARY = "NOT_IN_ESM_VOCABULARY";

  /**
   * Opens and checks {@code dir} (a missing or broken folder, or one without the LM head the score needs, is an
   * {@link IllegalArgumentException} with a one-line message) and fingerprints it.
   */
  public static EsmZeroShotScoring open(String dir) {
    EsmCheckpoint c = EsmCheckpoint.open(Path.of(dir));
    if (!c.hasLmHead()) {
      throw new InvalidCheckpointException(Path.of(dir), "--esm-zero-shot needs the LM head (an EsmForMaskedLM "
          + "checkpoint with lm_head.* tensors, as the published facebook/esm2_* ones); this is an EsmModel checkpoint");
    }
    String s = c.config().layers() + " layers, hidden " + c.config().hidden() + ", " + c.config().vocab() + " tokens";
    return new EsmZeroShotScoring(Path.of(dir).toAbsolutePath().normalize().toString(), c.fingerprint(), s, null);
  }

  /** The checkpoint's tokenizer (checks a wild type before any work). */
  EsmTokenizer tokenizer() {
    return EsmTokenizer.read(Path.of(checkpoint).resolve(EsmCheckpoint.VOCAB));
  }

  @Override
  public String identity() {
    return "esm-zero-shot-" + fingerprint.substring(fingerprint.indexOf(':') + 1, fingerprint.indexOf(':') + 13);
  }

  @Override
  public String describe() {
    return "ESM-2 masked-marginal zero-shot score (" + summary + "; checkpoint " + checkpoint + ", " + fingerprint + ")";
  }

  @Override
  public String encoderDescription() {
    return "ESM-2 tokenizer of the checkpoint (wild type with the mutated site masked; proteins over the model's window "
        + "cut to a window centred on the site)";
  }

  @Override
  public ScoringModel.ScoreScale scale() {
    return ScoringModel.ScoreScale.unlabelled("ESM-2 masked-marginal log-likelihood ratio, sum over the mutations of "
        + "log p(mt) - log p(wt) (natural log) with each site masked in the wild type; 0 = as likely as the wild type, "
        + "higher = more likely under the model; zero-shot, no labels, no SD");
  }

  @Override
  public boolean hasSd() {
    return false;
  }

  /** null when every residue of {@code muts} is in the vocabulary, else the message. */
  private static String unknownResidue(EsmTokenizer tok, List<Mutation> muts) {
    for (Mutation m : muts) {
      try {
        tok.id(m.wt());
        tok.id(m.mt());
      } catch (IllegalArgumentException e) {
        return m + ": " + e.getMessage();
      }
    }
    return null;
  }

  @Override
  public Iterator<Row> rejected(Iterator<Candidate> in, String wildType) {
    EsmTokenizer tok = tokenizer();
    return new CandidateRows(in, c -> {
      if (!c.isValid()) {
        return RowFactory.create(c.index(), c.input(), c.reason(), c.message());
      }
      String why = unknownResidue(tok, c.mutations());
      return why == null ? null
          : RowFactory.create(c.index(), c.input() != null ? c.input() : c.variantText(), NOT_IN_VOCABULARY, why);
    }, () -> { });
  }

  @Override
  public Iterator<Row> scores(Iterator<Candidate> in, String wildType, double[] theta, int batchSize,
                              LongAccumulator progress) {
    EsmTokenizer tok = tokenizer();
    EsmScorer[] scorer = new EsmScorer[1]; // created on the first variant: an empty partition loads nothing
    int[] unreported = new int[1];
    Runnable report = () -> {
      if (progress != null && unreported[0] > 0) {
        progress.add(unreported[0]);
        unreported[0] = 0;
      }
    };
    return new CandidateRows(in, c -> {
      if (!c.isValid() || unknownResidue(tok, c.mutations()) != null) {
        return null; // written by the rejected pass
      }
      Variant v = new Variant(wildType, c.mutations());
      double s = EsmFeatureStore.zeroShot(store, v, u -> {
        if (scorer[0] == null) { // the model is loaded only when a score is not stored
          scorer[0] = new EsmScorer(SharedModels.get(checkpoint));
        }
        return scorer[0].zeroShot(u);
      });
      if (++unreported[0] == batchSize) {
        report.run();
      }
      return RowFactory.create(c.index(), c.variantText(), ScoreSchemas.mutationRows(c.mutations()),
          c.mutations().size(), s, null, identity(), null, null);
    }, report);
  }
}
