/**
 * {@code metamut meta-train}: distributed meta-training on Spark. The driver holds φ (θ, plus per-parameter
 * inner rates with Meta-SGD) as a {@code double[]}; each outer step it samples a meta-batch from (seed, step),
 * broadcasts φ, runs the per-task meta-gradients on executors ({@link org.metamut.jobs.train.TaskComputer}),
 * sums them with {@link org.metamut.jobs.spark.PartitionFold} and {@link org.metamut.lib.meta.MetaGradientAggregator},
 * and applies the
 * outer optimiser ({@link org.metamut.lib.meta.OuterStep}). Metrics, progress and checkpoints are
 * {@link org.metamut.jobs.train.TrainListener}s; a checkpoint failure fails the job. Tasks are fresh episodes
 * drawn on the executors from every variant of the meta-train tasks ({@link org.metamut.jobs.data.VariantPool}), or
 * the fixed ones. Meta-val runs the evaluation protocol ({@link org.metamut.jobs.train.MetaValidation}, through
 * {@link org.metamut.lib.adapt.Adapter}); {@link org.metamut.jobs.train.MetaValSelector} keeps the best step's θ as
 * the model, stops early, and chooses the inner-loop recipe on meta-val. A non-finite outer step is skipped with a
 * lowered outer rate, a bounded number of times in a row ({@link org.metamut.jobs.train.NanPolicy}). Before the first
 * step, a model with the substitution block's context columns gets its {@code sub.dms} table from the meta-train tasks'
 * labels ({@link org.metamut.jobs.train.DmsTableSeed}; joint pre-training does the same).
 *
 * <p>Invariants:
 * <ul>
 *   <li>Same config + seed ⇒ same θ, bit for bit, for any partition count, after retried tasks and after a resume:
 *       the meta-batch depends only on (seed, step), a fresh episode only on (seed, step, slot, task), a task's
 *       result only on (φ, episode), the sum on the slot
 *       order only, and a checkpoint holds φ, the whole optimiser state and the NaN policy's state.</li>
 *   <li>Executors receive plain arrays and small serialisable records only (never {@code INDArray}, never a
 *       {@code Config}); closures never capture a job object.</li>
 *   <li>The only static mutable state is {@link org.metamut.jobs.train.ExecutorCache}: models per (run, thread),
 *       documented there; a cached model is a pure function of its arguments, so reuse cannot change results.</li>
 *   <li>A checkpoint directory {@code step-NNNNNNNN} and the {@code model/} folder are complete or absent
 *       (staged under a hidden sibling, marked and renamed in by {@link org.metamut.jobs.output.OutputFolder});
 *       "latest" is found by listing. A fresh run never mixes its checkpoints with another run's: it is refused,
 *       or starts clean with {@code --overwrite}.</li>
 * </ul>
 */
package org.metamut.jobs.train;
