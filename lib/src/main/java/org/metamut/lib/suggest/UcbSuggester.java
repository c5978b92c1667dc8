package org.metamut.lib.suggest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Upper confidence bound with a diversity rule: the candidates are taken in decreasing {@code ucb = mean + β·sd};
 * a candidate is skipped when it is already labelled or when one of its sites already has {@code perSite} picks,
 * otherwise it is picked, until {@code n} picks. The candidates met on the way are reported, picked or not, with the
 * reason ("highest UCB at site 39", "site 41 already has a pick", "already labelled"): every pick, and the first
 * {@value #SKIPS_LISTED_PER_PICK}·n candidates passed over (a library whose top is all at one site can pass over
 * thousands).
 *
 * <p>Why UCB: the mean alone (greedy) keeps measuring around what is already known to be good; mean + β·sd prefers
 * variants that are good <i>or</i> uncertain, so each round also learns. Why one pick per site by default: variants at
 * one site share most of their uncertainty (the site's effect), so a batch spread over sites learns more per
 * measurement.
 *
 * @param beta    weight of the SD ({@code >= 0}; 0 = greedy by the mean)
 * @param perSite most picks sharing a site ({@code >= 1})
 */
public record UcbSuggester(double beta, int perSite) {

  /** Candidates passed over that are listed, per pick asked for. */
  public static final int SKIPS_LISTED_PER_PICK = 10;

  /** The default β: mean + one SD, the 84th percentile of a Gaussian predictive distribution. */
  public static final double DEFAULT_BETA = 1.0;

  public UcbSuggester {
    if (!(beta >= 0) || !Double.isFinite(beta)) {
      throw new IllegalArgumentException("UCB beta must be finite and >= 0, got " + beta);
    }
    if (perSite < 1) {
      throw new IllegalArgumentException("picks per site must be >= 1, got " + perSite);
    }
  }

  /**
   * A variant that could be measured.
   *
   * @param id      stable identifier (e.g. library index) reported back
   * @param variant display text (e.g. {@code A39G:D41K})
   * @param key     identity of the variant, {@link #key}: compared with the labelled keys
   * @param sites   its mutated positions (1-based)
   * @param mean    predictive mean
   * @param sd      predictive SD (finite, >= 0)
   */
  public record Candidate(long id, String variant, String key, List<Integer> sites, double mean, double sd) {
    public Candidate {
      sites = List.copyOf(sites);
      if (!Double.isFinite(mean) || !(sd >= 0) || !Double.isFinite(sd)) {
        throw new IllegalArgumentException("candidate " + variant + ": mean " + mean + " and sd " + sd
            + " must be finite (sd >= 0)");
      }
    }
  }

  /** A candidate met in UCB order: picked (rank 1..n) or skipped (rank 0), and why. */
  public record Suggestion(int rank, Candidate candidate, double ucb, boolean picked, String reason) {
  }

  public double ucb(Candidate c) {
    return c.mean() + beta * c.sd();
  }

  /**
   * The identity of a variant from its mutations written as {@code <wt><pos><mt>} tokens, in any order:
   * the tokens sorted by position, joined by {@code :}; {@code WT} for none.
   */
  public static String key(List<String> mutationTokens) {
    if (mutationTokens.isEmpty()) {
      return "WT";
    }
    return mutationTokens.stream().sorted(Comparator.comparingInt(UcbSuggester::position).thenComparing(t -> t))
        .collect(Collectors.joining(":"));
  }

  private static int position(String token) {
    return Integer.parseInt(token.substring(1, token.length() - 1));
  }

  /** Sorts the candidates by decreasing UCB (stable: ties keep their order) and picks. */
  public List<Suggestion> suggest(List<Candidate> candidates, Set<String> labelledKeys, int n) {
    List<Candidate> sorted = new ArrayList<>(candidates);
    sorted.sort(Comparator.comparingDouble(this::ucb).reversed());
    return suggestSorted(sorted.iterator(), labelledKeys, n);
  }

  /**
   * Picks from candidates already in decreasing UCB order (refused otherwise), reading only as far as needed.
   *
   * @param n picks wanted ({@code >= 1}); fewer when the candidates run out
   */
  public List<Suggestion> suggestSorted(Iterator<Candidate> byUcb, Set<String> labelledKeys, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("number of suggestions must be >= 1, got " + n);
    }
    List<Suggestion> out = new ArrayList<>();
    Map<Integer, Integer> picksAt = new HashMap<>();
    double last = Double.POSITIVE_INFINITY;
    int picked = 0;
    long skipsListed = 0;
    while (picked < n && byUcb.hasNext()) {
      Candidate c = byUcb.next();
      double u = ucb(c);
      if (u > last) {
        throw new IllegalArgumentException("candidates are not in decreasing UCB order: " + c.variant() + " has " + u
            + " after " + last);
      }
      last = u;
      String skip = skipReason(c, labelledKeys, picksAt);
      if (skip != null) {
        if (skipsListed++ < (long) SKIPS_LISTED_PER_PICK * n) {
          out.add(new Suggestion(0, c, u, false, skip));
        }
        continue;
      }
      picked++;
      out.add(new Suggestion(picked, c, u, true, pickReason(c, picksAt)));
      c.sites().forEach(s -> picksAt.merge(s, 1, Integer::sum));
    }
    return out;
  }

  /** Only the picks. */
  public static List<Suggestion> picks(List<Suggestion> all) {
    return all.stream().filter(Suggestion::picked).toList();
  }

  private String skipReason(Candidate c, Set<String> labelledKeys, Map<Integer, Integer> picksAt) {
    if (labelledKeys.contains(c.key())) {
      return "already labelled (in the adaptation set)";
    }
    for (int s : new TreeSet<>(c.sites())) {
      int at = picksAt.getOrDefault(s, 0);
      if (at >= perSite) {
        return "site " + s + " already has " + (perSite == 1 ? "a pick" : at + " picks (at most " + perSite + " per site)");
      }
    }
    return null;
  }

  private static String pickReason(Candidate c, Map<Integer, Integer> picksAt) {
    if (c.sites().isEmpty()) {
      return "highest UCB left (no mutated site)";
    }
    TreeSet<Integer> sites = new TreeSet<>(c.sites());
    int before = sites.stream().mapToInt(s -> picksAt.getOrDefault(s, 0)).max().orElse(0);
    String where = (sites.size() == 1 ? "site " : "sites ") + sites.stream().map(String::valueOf)
        .collect(Collectors.joining("+"));
    return (before == 0 ? "highest" : ordinal(before + 1) + "-highest") + " UCB at " + where;
  }

  private static String ordinal(int i) {
    return i + (i % 100 >= 11 && i % 100 <= 13 ? "th" : switch (i % 10) {
      case 1 -> "st";
      case 2 -> "nd";
      case 3 -> "rd";
      default -> "th";
    });
  }
}
