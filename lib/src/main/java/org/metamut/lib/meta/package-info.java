/**
 * Meta-learning over a {@link org.metamut.lib.model.FlatModel}: the {@link org.metamut.lib.meta.MetaLearner}
 * interface, MAML with second-order outer gradients, first-order MAML, ANIL and Reptile
 * ({@link org.metamut.lib.meta.Maml}, {@link org.metamut.lib.meta.Reptile}, registered by name in
 * {@code org.metamut.lib.method.Methods}), finite-difference Hessian-vector products
 * ({@link org.metamut.lib.meta.FiniteDifferenceHvp}) and the add/merge
 * {@link org.metamut.lib.meta.MetaGradientAggregator} that sums per-task results, per Spark partition and then
 * across partitions.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Meta-parameters φ are a flat {@code double[]}: the model's θ, followed (Meta-SGD only) by one inner
 *       learning rate per model parameter. Learners never keep φ or θ between calls: a per-task result is a
 *       pure function of (model architecture, φ, task), so a retried or re-partitioned task gives the same
 *       bits. Their parameter-length work arrays (adapted θ, gradients, Hessian-vector products) are per-thread
 *       scratch reused from task to task ({@code WorkArrays}), never state: a task writes every entry it reads, and
 *       only the meta-gradient it returns is its own array.</li>
 *   <li>A non-finite loss, gradient or adapted parameter raises {@link org.metamut.lib.meta.NonFiniteException}
 *       naming the task, its meta-batch slot and the inner step; nothing non-finite reaches an aggregator.</li>
 *   <li>The aggregator's sums do not depend on how tasks are partitioned or merged: gradients are summed in a
 *       canonical binary tree over meta-batch slots, scalars in slot order.</li>
 *   <li>The inner loop is {@code org.metamut.lib.adapt.SgdAdaptation}, the same code evaluation and scoring adapt
 *       with; each learner records its adaptation recipe ({@link org.metamut.lib.meta.MetaLearner#recipe()}).</li>
 *   <li>No Spark imports; ND4J only behind {@code FlatModel}.</li>
 * </ul>
 */
package org.metamut.lib.meta;
