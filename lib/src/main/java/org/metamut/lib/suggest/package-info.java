/**
 * Which variants to measure next: upper-confidence-bound picks from a model's predictive mean and SD with a
 * diversity rule ({@link org.metamut.lib.suggest.UcbSuggester}), and the simulated campaign of the active-learning
 * benchmark ({@link org.metamut.lib.suggest.ActiveLearning}: rounds of picks on a task whose labels are known).
 * {@code metamut score --suggest} and the benchmark pick by exactly the same rule.
 *
 * <p>Invariants: a labelled variant (one of the adaptation set) is never suggested; no site gets more picks than the
 * per-site limit; picks come in decreasing UCB order (ties: the candidate met first, i.e. the lower library index).
 * Variants are identified by their mutations in position order, whatever order they were written in. Pure Java, no
 * Spark, no ND4J.
 */
package org.metamut.lib.suggest;
