/**
 * Variant libraries to score: every single substitution, a combinatorial library over chosen sites, or
 * random k-site mutants. Each is a pure function from an index in {@code [0, size)} to a canonical variant
 * (1-based positions, sorted, no synonymous substitution), with an exact {@code size()} computed without
 * enumerating: a Spark partition generates its own slice of indices, nothing proportional to the library is
 * ever materialised, and the variant at an index does not depend on how the indices are partitioned.
 *
 * <p>Invariants: libraries are immutable and serialisable (they travel to executors); randomness is derived
 * per index from the seed (no shared {@code Random}); no Spark imports.
 */
package org.metamut.lib.library;
