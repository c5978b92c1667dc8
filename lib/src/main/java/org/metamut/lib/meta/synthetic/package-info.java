/**
 * Synthetic task families and small exact models for validating meta-learners without the transformer:
 * {@link org.metamut.lib.meta.synthetic.GridMlp} (a linear model or a one-hidden-layer tanh MLP with exact
 * gradients in plain double maths, reading real inputs from token ids through a fixed grid) and
 * {@link org.metamut.lib.meta.synthetic.SineTasks} / {@link org.metamut.lib.meta.synthetic.LinearTasks}
 * (seeded task generators). Used by tests, the meta-learning benchmark and the cluster test; not a
 * production model. Invariants: everything is a pure function of its inputs and seed. No Spark imports.
 */
package org.metamut.lib.meta.synthetic;
