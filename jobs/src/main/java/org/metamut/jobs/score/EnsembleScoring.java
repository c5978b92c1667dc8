package org.metamut.jobs.score;

import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.metamut.lib.provenance.Sha256;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A deep ensemble as the score job sees it ({@code score --model A,B,C}): every member scores every variant, the score
 * is their mean and the SD that of the equal-weight mixture of their predictive distributions, √(mean σ² + var μ) —
 * what {@code evaluate --model cf-head=A,B,C} measures ({@code Adapter#ensemble}). The members' parameters travel as
 * one broadcast array, member after member ({@link #concatenate}).
 *
 * @param identity {@code ensemble-<first 12 hex of SHA-256 of the members' identities>}
 * @param members  two or more models that encode alike and share a score scale (adapted on the same labels, or none)
 * @param sizes    each member's number of parameters, in order
 */
public record EnsembleScoring(String identity, List<ScoringModel> members, int[] sizes) implements ScoreBackend {
  private static final long serialVersionUID = 1L;

  public EnsembleScoring {
    members = List.copyOf(members);
    if (members.size() < 2 || sizes.length != members.size()) {
      throw new IllegalArgumentException("an ensemble needs two or more members, each with its size; got "
          + members.size() + " members and " + sizes.length + " sizes");
    }
  }

  /**
   * The ensemble of {@code members}, refusing in one line members that encode variants differently
   * ({@link #requireAlikeEncoders}) or whose scores are on different scales (a mean of z-scores over different label sets means
   * nothing).
   */
  public static EnsembleScoring of(List<ScoreModel> members) {
    requireAlikeEncoders(members);
    ScoreModel first = members.get(0);
    List<ScoringModel> scoring = new ArrayList<>();
    int[] sizes = new int[members.size()];
    for (int i = 0; i < members.size(); i++) {
      ScoreModel m = members.get(i);
      ScoringModel.ScoreScale a = m.scale();
      ScoringModel.ScoreScale b = first.scale();
      if (!(Double.compare(a.labelMean(), b.labelMean()) == 0 && Double.compare(a.labelSd(), b.labelSd()) == 0)) {
        throw new IllegalArgumentException("ensemble member " + (i + 1) + " (" + m.identity() + ") scores on another "
            + "scale than member 1: " + a.description() + " vs " + b.description());
      }
      if ((m.esm() == null) != (first.esm() == null)) {
        throw new IllegalArgumentException("ensemble member " + (i + 1) + " (" + m.identity() + ") "
            + (m.esm() == null ? "has no" : "has an") + " ESM-2 block and member 1 does not: members must be adapted alike");
      }
      scoring.add(m.scoringModel());
      sizes[i] = m.theta().length;
    }
    String ids = members.stream().map(ScoreModel::identity).collect(Collectors.joining(","));
    return new EnsembleScoring("ensemble-" + Sha256.hex(ids.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .substring(0, 12), scoring, sizes);
  }

  /**
   * Refuses, in one line, members that encode variants differently (their batches would differ): checked before the
   * members are adapted, which encodes the labelled variants once for all of them.
   */
  static void requireAlikeEncoders(List<ScoreModel> members) {
    ScoreModel first = members.get(0);
    for (int i = 1; i < members.size(); i++) {
      ScoreModel m = members.get(i);
      if (!m.saved().encoder().equals(first.saved().encoder())) {
        throw new IllegalArgumentException("ensemble member " + (i + 1) + " (" + m.identity() + ") encodes with "
            + m.saved().encoder() + ", member 1 (" + first.identity() + ") with " + first.saved().encoder()
            + ": members must encode alike");
      }
    }
  }

  /** The members' parameters, member after member: the array the job broadcasts. */
  public static double[] concatenate(List<ScoreModel> members) {
    double[] all = new double[members.stream().mapToInt(m -> m.theta().length).sum()];
    int at = 0;
    for (ScoreModel m : members) {
      System.arraycopy(m.theta(), 0, all, at, m.theta().length);
      at += m.theta().length;
    }
    return all;
  }

  @Override
  public String describe() {
    return "ensemble of " + members.size() + " (" + members.stream().map(ScoringModel::identity)
        .collect(Collectors.joining(", ")) + "; mean score, mixture SD): " + members.get(0).describe();
  }

  @Override
  public String encoderDescription() {
    return members.get(0).encoderDescription();
  }

  @Override
  public ScoringModel.ScoreScale scale() {
    return members.get(0).scale();
  }

  /** Scores carry an SD when every member's do. */
  @Override
  public boolean hasSd() {
    return members.stream().allMatch(ScoringModel::hasSd);
  }

  @Override
  public Iterator<Row> rejected(Iterator<Candidate> in, String wildType) {
    return members.get(0).rejected(in, wildType); // members encode alike (checked in of)
  }

  @Override
  public Iterator<Row> scores(Iterator<Candidate> in, String wildType, double[] theta, int batchSize,
                             LongAccumulator progress) {
    int expected = Arrays.stream(sizes).sum();
    if (theta.length != expected) {
      throw new IllegalArgumentException("ensemble parameters: " + theta.length + " values for members of " + expected);
    }
    List<double[]> split = new ArrayList<>();
    int at = 0;
    for (int size : sizes) {
      split.add(Arrays.copyOfRange(theta, at, at + size));
      at += size;
    }
    return new ScoringIterator(in, wildType, members, split, identity, scale(), batchSize, progress);
  }
}
