/**
 * Mutations and variants as immutable values, and the notations public datasets write them in
 * ({@link org.metamut.lib.mutation.Notation}: 0-/1-based positions, numbering offsets, separators,
 * wild-type labels, full mutant sequences diffed against the wild type).
 *
 * <p>Invariants: positions are 1-based into the wild-type sequence of the protein (whatever the source's
 * own numbering was; {@code Notation} converts); a canonical variant is sorted by position, has no
 * synonymous substitutions and no position twice; refusals are {@link
 * org.metamut.lib.mutation.NotationException}s with a stable reason code. No Spark imports.
 */
package org.metamut.lib.mutation;
