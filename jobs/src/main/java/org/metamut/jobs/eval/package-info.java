/**
 * {@code metamut evaluate}: k-shot generalisation to held-out tasks, meta-learned initialisations versus joint
 * pre-training + fine-tuning, training from scratch, ridge baselines and encoding ablations.
 *
 * <p>Data flow: {@link org.metamut.jobs.eval.HeldOutTasks} reads the ingest job's episodes (the split of every
 * task), proteins and variants, checks that no held-out task or protein group reaches meta-training, and keeps a
 * deterministic pool of each held-out task's variants. Tasks the user names ({@code --tasks}, or a dataset given with
 * {@code --dataset}, ingested by {@link org.metamut.jobs.eval.UserDataset}) are held out by
 * {@link org.metamut.jobs.eval.NamedHoldOut}: a re-split copy of the episodes in which every task of their protein
 * groups is meta-test, read by every training the job runs. {@link org.metamut.jobs.eval.EvaluateJob} obtains one
 * initial θ per neural method (a model folder, or a short meta-training / joint pre-training run by
 * {@link org.metamut.jobs.eval.JointPretrainer} and the meta-train job's engine), draws the (task, k, seed)
 * support/query indices on the driver ({@link org.metamut.jobs.eval.Draws}: nested supports, one query per
 * (task, seed)), ships units and θ (as {@code double[]} broadcasts, never INDArray) to executors where
 * {@link org.metamut.jobs.eval.UnitRunner} adapts and scores, and writes the report on the driver with
 * {@code ReportWriter}; methods with a predictive SD also report its calibration ({@code coverage80}, {@code nll}).
 * {@link org.metamut.jobs.eval.ActiveLearningJob} ({@code evaluate --active-learning}) runs simulated campaigns on
 * the same held-out pools instead ({@link org.metamut.jobs.eval.ActiveLearningRunner} on executors).
 *
 * <p>Invariants: a variant is always encoded and featurised against its own protein (a pooled task mixes
 * proteins); a unit that throws becomes a {@code FailedRun} row of the report, never a lost report; a task's
 * bootstrap group joins every task that shares a protein group with it.
 */
package org.metamut.jobs.eval;
