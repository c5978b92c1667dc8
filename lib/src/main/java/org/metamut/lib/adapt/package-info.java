/**
 * The adaptation contract: how a model is adapted to a new task from a few labelled variants. This package owns
 * the one inner-loop SGD used everywhere ({@link org.metamut.lib.adapt.SgdAdaptation}: meta-training's inner loop,
 * meta-val, evaluation, scoring), the recipe a model file records ({@link org.metamut.lib.adapt.AdaptationRecipe}:
 * which learner trained the model, which parameters adapt, how many steps at which rate, learned per-parameter
 * rates, how targets are normalised), and the single entry point that turns (model, labelled support variants)
 * into an adapted predictor ({@link org.metamut.lib.adapt.Adapter} → {@link org.metamut.lib.adapt.AdaptedModel}), with
 * the closed-form solver ({@link org.metamut.lib.adapt.ClosedFormAdaptation}) and its per-task site block
 * ({@link org.metamut.lib.adapt.SiteBlock}: weights that live beside θ', not in it) and ESM-2 block
 * ({@link org.metamut.lib.adapt.EsmBlock}: each variant's frozen ESM-2 features, carried by the encoded variant, solved
 * jointly with the head as a penalty block of their own; its weights live beside θ' too).
 *
 * <p>Invariants: by default a model is adapted exactly as it was trained (its recipe); overrides are explicit and
 * recorded in the effective recipe. Target normalisation is fitted on the support set only. The same inputs give
 * the same bits whichever job calls it (the evaluate and score jobs are tested against each other).
 */
package org.metamut.lib.adapt;
