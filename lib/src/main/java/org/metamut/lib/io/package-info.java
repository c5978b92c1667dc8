/**
 * Files: the model file format ({@link org.metamut.lib.io.ModelFile}: versioned, self-describing, SHA-256 checked,
 * written atomically, θ in float64 so loading is bit-exact) and named-parameter export/import
 * ({@link org.metamut.lib.io.NamedParams}: JSON in the layout of {@code maml-reference.json}, or one {@code .npy} per
 * tensor) for value-by-value comparison with other frameworks.
 *
 * <p>Invariants: no Java serialisation; a file that is corrupt, truncated or incompatible is refused with an
 * {@link org.metamut.lib.io.InvalidModelFileException} naming the file and the problem, never half-loaded. No Spark
 * imports.
 */
package org.metamut.lib.io;
