package org.metamut.lib.adapt;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.metamut.lib.model.ParamRange;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a model adapts to a new task, recorded in its model file so every job adapts it the way it was trained.
 *
 * @param learner       the method that produced the parameters (a name of the method registry, e.g. {@code maml},
 *                      {@code finetune}), or {@code unrecorded} for files written before recipes existed
 * @param scope         which parameters the inner loop moves: all of them, or the scalar head only (ANIL)
 * @param steps         full-batch SGD steps on the support set (&gt;= 0)
 * @param learningRate  the inner rate α (the initial value of every rate when they are learned)
 * @param learnedRates  Meta-SGD: the model file carries one learned rate per parameter, used instead of α
 * @param targets       how support labels are normalised before the steps (and predictions mapped back)
 * @param overrides     what a user changed with respect to the model's own recipe (empty by default), e.g.
 *                      {@code "steps 20 (model: 1)"}; recorded in reports and adapted models
 * @param selection     how meta-training chose steps and rate, when it did (e.g. {@code "chosen on meta-val from
 *                      9 candidates: mean query Spearman 0.412; learner's own 1 step at 0.01: 0.388"}); empty when
 *                      the recipe is the learner's own. Not an override: it is the model's own recipe. Written only
 *                      when non-empty and read as empty when absent, so model files of format version 2 without it
 *                      are unchanged.
 * @param solver        how the adapted parameters are found: SGD steps, or the exact ridge solve of the scalar head
 *                      on the model's features ({@link Solver#CLOSED_FORM}; steps and rate are then unused)
 * @param headLogPenalty {@link Solver#CLOSED_FORM} only: the log prior precision of the head's weights on the learned
 *                      features (meta-learned)
 * @param sideLogPenalty {@link Solver#CLOSED_FORM} only: the same for the fixed side features (the substitution block)
 * @param penalties     {@link Solver#CLOSED_FORM} only: whether the two log-penalties are used as they are
 *                      ({@link PenaltyChoice#LEARNED}) or rescaled per task by exact leave-one-out on the support
 *                      ({@link PenaltyChoice#SUPPORT_LOO}); read as {@code LEARNED} from files that predate it
 * @param headPrior     {@link Solver#CLOSED_FORM} only: the prior mean of the head's weights — zero, or θ's own head
 *                      weights (meta-learned through the solve); read as {@code ZERO} from files that predate it
 * @param sites         {@link Solver#CLOSED_FORM} only: whether the head also solves a per-task site block (one-hot of
 *                      the support's substitutions, {@link SiteBlock}); read as {@code OFF} from files that predate it
 * @param esm           {@link Solver#CLOSED_FORM} only: whether the head also solves on each variant's frozen ESM-2
 *                      features ({@link EsmBlock}); null = off (the recipe of every model file: the block is switched on
 *                      per run by {@code metamut.esm.head-features}, so it is never written when off and files are
 *                      unchanged)
 */
public record AdaptationRecipe(String learner, Scope scope, int steps, double learningRate, boolean learnedRates,
                               TargetNormalisation targets, List<String> overrides,
                               @JsonInclude(JsonInclude.Include.NON_EMPTY) String selection, Solver solver,
                               double headLogPenalty, double sideLogPenalty,
                               @JsonInclude(JsonInclude.Include.NON_NULL) PenaltyChoice penalties,
                               @JsonInclude(JsonInclude.Include.NON_NULL) HeadPrior headPrior,
                               @JsonInclude(JsonInclude.Include.NON_NULL) Sites sites,
                               @JsonInclude(JsonInclude.Include.NON_NULL) Esm esm)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Learner name of model files that predate recipes (format version 1). */
  public static final String UNRECORDED = "unrecorded";

  /** Which parameters adapt. */
  public enum Scope {
    /** Every parameter of θ. */
    ALL,
    /** The scalar head only ({@code head.W, head.b}; ANIL). */
    HEAD
  }

  /** How labels are normalised for adaptation. */
  public enum TargetNormalisation {
    /**
     * {@code z = (y − mean) / sd} with the support set's mean and sample standard deviation (1 for a single or
     * constant support); predictions are mapped back with the same numbers. Never fitted on query labels.
     */
    SUPPORT_ZSCORE
  }

  /** How adapted parameters are found. */
  public enum Solver {
    /** {@code steps} SGD steps ({@link SgdAdaptation}). */
    SGD,
    /**
     * The scalar head is solved exactly: a ridge regression of the support labels on the model's features with
     * penalty {@code exp(headLogPenalty)}, written into {@code head.W, head.b} ({@code org.metamut.lib.head}).
     */
    CLOSED_FORM
  }

  /** How a closed-form head's penalties are set for a task. */
  public enum PenaltyChoice {
    /** The meta-learned log-penalties, the same for every task. */
    LEARNED,
    /**
     * Per task, the meta-learned log-penalties plus one log-scale per block from {@link #LOO_LOG_SCALES}, the
     * combination with the smallest exact leave-one-out error on the support set (what the ridge baselines do with
     * their penalty; the support labels alone decide, never the query).
     */
    SUPPORT_LOO;

    /** Natural-log scales tried around each learned log-penalty: factors e^-3 (~1/20) to e^3 (~20). */
    public static final double[] LOO_LOG_SCALES = {-3.0, -1.5, 0.0, 1.5, 3.0};
  }

  /** The prior mean of a closed-form head's weights. */
  public enum HeadPrior {
    /** w ~ N(0, ·): the head knows nothing before the support set (the ridge baselines' prior). */
    ZERO,
    /**
     * w ~ N(w₀, ·) with w₀ = θ's head weights ({@code head.W}, {@code head.Ws}), meta-learned: with few labels the
     * prediction stays near the model's own (what transfers across proteins), with many the support decides.
     */
    THETA
  }

  /** Whether a closed-form head adds a per-task site block to the model's features. */
  public enum Sites {
    /** The model's features only (learned features and the substitution block): what meta-training solves. */
    OFF,
    /**
     * Also one column per one-hot entry of the support's substitutions ({@link SiteBlock}), its penalty chosen per
     * task by support leave-one-out from {@link SiteBlock#LOO_LOG_SCALES}: site effects learned from the task's own
     * labels, which the shared backbone cannot carry across proteins. Not seen in meta-training (its tasks are
     * solved without it); chosen on meta-val against {@link #OFF}.
     */
    SUPPORT_LOO
  }

  /** Whether a closed-form head adds each variant's frozen ESM-2 features as a penalty block of its own. */
  public enum Esm {
    /** No ESM-2 features (stored as an absent field). */
    OFF,
    /**
     * The variant's ESM-2 features (final-layer state averaged over its mutated sites, plus the zero-shot score when the
     * checkpoint has an LM head; {@link EsmBlock}) appended to the model's features, standardised on the support, one
     * penalty block whose scale is chosen per task by support leave-one-out from {@link EsmBlock#LOO_LOG_SCALES},
     * jointly with the other blocks' scales when those are chosen by LOO too.
     */
    SUPPORT_LOO
  }

  /** An SGD recipe not chosen by a selection (the learner's own, or a user's). */
  public AdaptationRecipe(String learner, Scope scope, int steps, double learningRate, boolean learnedRates,
                          TargetNormalisation targets, List<String> overrides) {
    this(learner, scope, steps, learningRate, learnedRates, targets, overrides, "", Solver.SGD, 0.0, 0.0, null, null, null, null);
  }

  /** The recipe of a closed-form head with these log-penalties (learned features, side features) and prior mean. */
  public static AdaptationRecipe closedForm(String learner, double headLogPenalty, double sideLogPenalty,
                                            HeadPrior prior) {
    return new AdaptationRecipe(learner, Scope.HEAD, 0, 1.0, false, TargetNormalisation.SUPPORT_ZSCORE, List.of(), "",
        Solver.CLOSED_FORM, headLogPenalty, sideLogPenalty, PenaltyChoice.LEARNED, prior, Sites.OFF, null);
  }

  /** This closed-form recipe with its penalties set the {@code choice} way, said in {@code how} (a selection). */
  public AdaptationRecipe withPenalties(PenaltyChoice choice, String how) {
    if (solver != Solver.CLOSED_FORM) {
      throw new IllegalStateException("only a closed-form recipe has head penalties to choose (" + describe() + ")");
    }
    return new AdaptationRecipe(learner, scope, steps, learningRate, learnedRates, targets, overrides, how, solver,
        headLogPenalty, sideLogPenalty, choice, headPrior, sites, esm);
  }

  /** This closed-form recipe with its site block set ({@link Sites}); the rest, its selection note included, kept. */
  public AdaptationRecipe withSites(Sites choice) {
    if (solver != Solver.CLOSED_FORM) {
      throw new IllegalStateException("only a closed-form recipe has a site block (" + describe() + ")");
    }
    return new AdaptationRecipe(learner, scope, steps, learningRate, learnedRates, targets, overrides, selection, solver,
        headLogPenalty, sideLogPenalty, penalties, headPrior, choice, esm);
  }

  public AdaptationRecipe {
    if (learner == null || learner.isBlank()) {
      throw new IllegalArgumentException("an adaptation recipe names the learner that trained the model");
    }
    if (scope == null || targets == null) {
      throw new IllegalArgumentException("an adaptation recipe needs a scope and a target normalisation");
    }
    if (steps < 0) {
      throw new IllegalArgumentException("adaptation steps must be >= 0, got " + steps);
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("adaptation learning rate must be a finite number > 0, got " + learningRate);
    }
    overrides = overrides == null ? List.of() : List.copyOf(overrides);
    selection = selection == null ? "" : selection;
    solver = solver == null ? Solver.SGD : solver; // model files written before solvers were recorded
    penalties = solver != Solver.CLOSED_FORM ? null : penalties == null ? PenaltyChoice.LEARNED : penalties;
    headPrior = solver != Solver.CLOSED_FORM ? null : headPrior == null ? HeadPrior.ZERO : headPrior;
    sites = solver != Solver.CLOSED_FORM ? null : sites == null ? Sites.OFF : sites;
    esm = solver != Solver.CLOSED_FORM || esm == Esm.OFF ? null : esm;
    if (!Double.isFinite(headLogPenalty) || !Double.isFinite(sideLogPenalty)) {
      throw new IllegalArgumentException("head log-penalties must be finite, got " + headLogPenalty + ", " + sideLogPenalty);
    }
  }

  /**
   * This recipe with {@code newSteps} and {@code newLearningRate} chosen by meta-training (on meta-val), said in
   * {@code how}. The result is the model's own recipe, not an override; learned per-parameter rates stay when
   * {@code newLearningRate <= 0}. A closed-form recipe has no steps or rate to choose and is returned as it is.
   */
  public AdaptationRecipe chosen(int newSteps, double newLearningRate, String how) {
    if (solver == Solver.CLOSED_FORM) {
      return this;
    }
    boolean keepLearned = newLearningRate <= 0;
    return new AdaptationRecipe(learner, scope, newSteps, keepLearned ? learningRate : newLearningRate,
        keepLearned && learnedRates, targets, overrides, how, solver, headLogPenalty, sideLogPenalty, penalties,
        headPrior, sites, esm);
  }

  /** Plain SGD on every parameter: the recipe of fine-tuned and freshly initialised models. */
  public static AdaptationRecipe fineTune(String learner, int steps, double learningRate) {
    return new AdaptationRecipe(learner, Scope.ALL, steps, learningRate, false, TargetNormalisation.SUPPORT_ZSCORE, List.of());
  }

  /**
   * The recipe read from a model file that has none (format version 1): every parameter, 5 steps at 0.001, the
   * adaptation the score job applied to such files.
   */
  public static AdaptationRecipe legacy() {
    return fineTune(UNRECORDED, 5, 1e-3);
  }

  /**
   * This recipe with a user's overrides ({@code steps <= 0} and {@code learningRate <= 0} keep the model's own),
   * each recorded. A rate override replaces learned per-parameter rates by the one given.
   */
  public AdaptationRecipe override(int newSteps, double newLearningRate) {
    if (solver == Solver.CLOSED_FORM) {
      return this; // no steps or rate to override: the head is solved exactly
    }
    List<String> o = new ArrayList<>(overrides);
    int s = steps;
    double lr = learningRate;
    boolean learned = learnedRates;
    if (newSteps > 0 && newSteps != steps) {
      o.add("steps " + newSteps + " (model: " + steps + ")");
      s = newSteps;
    }
    if (newLearningRate > 0 && (newLearningRate != learningRate || learnedRates)) {
      o.add("learning rate " + number(newLearningRate) + " (model: "
          + (learnedRates ? "learned per-parameter rates" : number(learningRate)) + ")");
      lr = newLearningRate;
      learned = false;
    }
    return new AdaptationRecipe(learner, scope, s, lr, learned, targets, o, selection, solver, headLogPenalty,
        sideLogPenalty, penalties, headPrior, sites, esm);
  }

  /**
   * This recipe with a user's choice of site block (null keeps the model's own), recorded as an override when it
   * differs. Only a closed-form head has a site block; any other recipe is returned as it is.
   */
  public AdaptationRecipe overrideSites(Sites choice) {
    if (solver != Solver.CLOSED_FORM || choice == null || choice == sites) {
      return this;
    }
    List<String> o = new ArrayList<>(overrides);
    o.add("site block " + choice.name().toLowerCase(Locale.ROOT) + " (model: " + sites.name().toLowerCase(Locale.ROOT) + ")");
    return new AdaptationRecipe(learner, scope, steps, learningRate, learnedRates, targets, o, selection, solver,
        headLogPenalty, sideLogPenalty, penalties, headPrior, choice, esm);
  }

  /** True when a closed-form head solves on each variant's ESM-2 features too ({@link Esm#SUPPORT_LOO}). */
  public boolean esmFeatures() {
    return esm == Esm.SUPPORT_LOO;
  }

  /**
   * This recipe with the ESM-2 block switched on or off, recorded as an override naming the checkpoint
   * ({@code fingerprint}) when it changes. Only a closed-form head has the block; any other recipe is returned as it is.
   */
  public AdaptationRecipe overrideEsm(boolean on, String fingerprint) {
    if (solver != Solver.CLOSED_FORM || on == esmFeatures()) {
      return this;
    }
    List<String> o = new ArrayList<>(overrides);
    o.add(on ? "ESM-2 features block on (checkpoint " + fingerprint + ")" : "ESM-2 features block off");
    return new AdaptationRecipe(learner, scope, steps, learningRate, learnedRates, targets, o, selection, solver,
        headLogPenalty, sideLogPenalty, penalties, headPrior, sites, on ? Esm.SUPPORT_LOO : null);
  }

  /**
   * The effective per-parameter rate vector a of a model with {@code n} parameters: α (or the learned rate) inside
   * the adapted scope, 0 outside.
   *
   * @param head         the model's head (used when the scope is {@link Scope#HEAD})
   * @param learnedRates the learned rates (length n) when {@link #learnedRates()}, else ignored (may be null)
   */
  public double[] rates(int n, ParamRange head, double[] learnedRates) {
    return ratesInto(new double[n], head, learnedRates);
  }

  /** {@link #rates} written into {@code a} (every entry; its length is the model's parameter count); returns it. */
  public double[] ratesInto(double[] a, ParamRange head, double[] learnedRates) {
    int n = a.length;
    ParamRange r = scope == Scope.ALL ? ParamRange.all(n) : head.requireWithin(n);
    if (this.learnedRates && (learnedRates == null || learnedRates.length != n)) {
      throw new IllegalArgumentException("recipe of " + learner + " uses learned inner rates, but "
          + (learnedRates == null ? "none were given" : learnedRates.length + " were given for " + n + " parameters"));
    }
    Arrays.fill(a, 0.0);
    for (int i = r.from(); i < r.to(); i++) {
      a[i] = this.learnedRates ? learnedRates[i] : learningRate;
    }
    return a;
  }

  /** A rate as people write it: 0.01, 1e-05 (Java's shortest exact form, no padding zeros). */
  private static String number(double v) {
    return Double.toString(v);
  }

  /** One line for logs and reports. */
  public String describe() {
    if (solver == Solver.CLOSED_FORM) {
      return String.format(Locale.ROOT, "%s recipe: closed-form ridge head on the model's features, log-penalties "
          + "%.4g (learned features) / %.4g (substitution block, if any)%s, prior mean %s%s, support z-score%s", learner,
          headLogPenalty, sideLogPenalty, penalties == PenaltyChoice.SUPPORT_LOO ? ", each rescaled per task by support LOO" : "",
          headPrior == HeadPrior.THETA ? "θ's head (meta-learned)" : "zero",
          (sites == Sites.SUPPORT_LOO ? ", plus a site block (one-hot of the support's substitutions, penalty by support LOO)" : "")
              + (esmFeatures() ? ", plus an ESM-2 features block (penalty by support LOO)" : ""),
          (overrides.isEmpty() ? "" : "; overridden: " + String.join(", ", overrides))
              + (selection.isEmpty() ? "" : "; " + selection));
    }
    String rate = learnedRates ? "learned per-parameter rates" : "lr " + number(learningRate);
    return String.format(Locale.ROOT, "%s recipe: %d SGD step%s on %s parameters, %s, support z-score%s", learner,
        steps, steps == 1 ? "" : "s", scope == Scope.ALL ? "all" : "head", rate,
        overrides.isEmpty() ? "" : "; overridden: " + String.join(", ", overrides))
        + (selection.isEmpty() ? "" : "; " + selection);
  }
}
