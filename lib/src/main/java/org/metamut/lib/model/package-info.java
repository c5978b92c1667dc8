/**
 * The transformer regressor and its functional view ({@link org.metamut.lib.model.FlatModel}): parameters as one flat
 * vector with a stable, documented layout; loss and gradient at any θ. No Spark imports.
 *
 * <p>What lives here: {@link org.metamut.lib.model.ModelSpec} (architecture; {@code ModelSpec.reference(...)} is
 * DESIGN.md §6 exactly, options go on top), {@link org.metamut.lib.model.ParamLayout} (names, shapes, offsets of θ in
 * §6 order, names as in {@code maml-reference.json}; deterministic initialisation from a seed),
 * {@link org.metamut.lib.model.Transformer} (hand-written forward/backward over ND4J in FLOAT or DOUBLE),
 * {@link org.metamut.lib.model.TokenBatch} (padded ids + optional flags + targets). The transformer's internals are
 * package-private: {@code AttentionBlock} and {@code FeedForwardBlock} (the two halves of a block, forward and
 * backward), {@code LayerNorm}, {@code HostKernels} (CPU-only Java loops), {@code Ops} (matmuls into preallocated
 * outputs), {@code ParamViews} (θ and ∇θ as shaped views, internally in an order that stores each block's q, k, v weights
 * fused; θ itself keeps the reference order) and the per-batch-shape buffers {@code Scratch},
 * {@code BatchInput}, {@code BlockCache}. {@link org.metamut.lib.model.Rotary} holds the rotary position embeddings
 * ({@code Positional.ROTARY}, {@code ROTARY_FP16}: ESM-2's; an ESM-2 checkpoint becomes a spec and θ of this
 * transformer through {@code org.metamut.lib.esm.EsmBackbone}). {@link org.metamut.lib.model.SubstitutionBlock} is the
 * head's side block read from the tokens (with its context columns, a DMS score from θ's {@code sub.dms} table), and
 * {@link org.metamut.lib.model.DmsMatrixEstimate} that table's starting value from training tasks' labels.
 *
 * <p>Invariants: θ crosses this API as {@code double[]}; options never reorder the reference layout (they drop
 * {@code pos_emb} or append {@code flag_emb} and {@code sub.dms} at the end); only the reference vocabulary marks mutated sites in-line
 * ({@code ModelSpec.siteMarker()}), other vocabularies mark them with flags; padding (id 0) never changes a prediction; {@code loss} and
 * {@code predict} are deterministic (no dropout; dropout is not implemented and {@code ModelSpec} refuses a non-zero
 * rate); a {@code Transformer} is not thread-safe and holds native memory until closed.
 */
package org.metamut.lib.model;
