/**
 * Outer-loop optimisers over a flat parameter vector: {@link org.metamut.lib.optim.Adam} (default) and
 * plain {@link org.metamut.lib.optim.Sgd}, behind {@link org.metamut.lib.optim.OuterOptimizer}, plus global
 * norm {@link org.metamut.lib.optim.GradientClipping}.
 *
 * <p>Invariants: everything is plain {@code double[]} maths in a fixed element order (bitwise reproducible);
 * an optimiser's whole state is exported by {@code state()} and restored by {@code restore(..)} so a resumed
 * run continues bit for bit; a non-finite gradient is rejected before it touches θ or the state. No Spark imports.
 */
package org.metamut.lib.optim;
