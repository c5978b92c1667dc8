package org.metamut.jobs.config;

import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;

import java.util.List;

import static org.metamut.jobs.config.ConfigKey.doubleKey;
import static org.metamut.jobs.config.ConfigKey.enumKey;
import static org.metamut.jobs.config.ConfigKey.intKey;
import static org.metamut.jobs.config.ConfigKey.positiveDoubleKey;

/**
 * Keys of few-shot adaptation, shared by {@code evaluate}, {@code score} and the demo (src/docs/adaptation.md). A
 * model is adapted by the recipe its model file records (the inner loop it was meta-trained with); these keys only
 * override it, and the override is recorded. Models that were not meta-trained (fine-tuning baseline, scratch,
 * freshly initialised) are given the fine-tune recipe.
 */
public final class AdaptKeys {
  private AdaptKeys() {
  }

  public static final ConfigKey<Integer> STEPS = intKey("metamut.adapt.steps",
      "override of the SGD steps on the labelled support variants (0 = the model's own recipe; 1..100000)", 0, 100_000);

  public static final ConfigKey<Double> LEARNING_RATE = doubleKey("metamut.adapt.learning-rate",
      "override of the inner SGD learning rate (0 = the model's own recipe, including Meta-SGD's learned rates)", 0, 100);

  public static final ConfigKey<String> SITE_BLOCK = enumKey("metamut.adapt.site-block",
      "override of a closed-form head's per-task site block (one-hot of the support's substitutions, penalty by support "
          + "LOO): model = the model's own recipe (chosen on meta-val by meta-train), on, off", "model", "on", "off");

  /** The site-block override of {@link #SITE_BLOCK}, null for the model's own. */
  public static AdaptationRecipe.Sites siteBlock(MetamutConfig c) {
    return switch (c.get(SITE_BLOCK)) {
      case "on" -> AdaptationRecipe.Sites.SUPPORT_LOO;
      case "off" -> AdaptationRecipe.Sites.OFF;
      default -> null;
    };
  }

  public static final ConfigKey<Integer> FINE_TUNE_STEPS = intKey("metamut.adapt.fine-tune.steps",
      "SGD steps of the recipe given to models that were not meta-trained: the fine-tuning baseline, scratch and "
          + "freshly initialised models (1..100000)", 1, 100_000);

  public static final ConfigKey<Double> FINE_TUNE_LEARNING_RATE = positiveDoubleKey("metamut.adapt.fine-tune.learning-rate",
      "SGD learning rate of the fine-tune recipe (> 0)", 100);

  /** The recipe of a model that was not meta-trained, produced by {@code learner} (a registry name). */
  public static AdaptationRecipe fineTuneRecipe(MetamutConfig c, String learner) {
    return AdaptationRecipe.fineTune(learner, c.get(FINE_TUNE_STEPS), c.get(FINE_TUNE_LEARNING_RATE));
  }

  /** The recipe of a freshly initialised model: the fine-tune recipe, learner = the registry's scratch method. */
  public static AdaptationRecipe freshRecipe(MetamutConfig c) {
    return fineTuneRecipe(c, Methods.names(MethodKind.SCRATCH).get(0));
  }

  static List<ConfigKey<?>> all() {
    return List.of(STEPS, LEARNING_RATE, SITE_BLOCK, FINE_TUNE_STEPS, FINE_TUNE_LEARNING_RATE);
  }
}
