/**
 * The method registry: every meta-learner, fine-tuning method and baseline metamut can train or evaluate,
 * registered once in {@link org.metamut.lib.method.Methods} with its name, kind and documentation. The CLI, config
 * validation, the meta-train and evaluate jobs, the report and the docs read names from here; no other code lists
 * method names. Adding a meta-learner is one {@link org.metamut.lib.meta.MetaLearner} class plus one
 * {@code register} line (src/docs/extending.md shows a worked example).
 */
package org.metamut.lib.method;
