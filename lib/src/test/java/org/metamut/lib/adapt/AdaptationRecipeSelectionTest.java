package org.metamut.lib.adapt;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A recipe chosen on meta-val: recorded as the model's own, and the JSON of format version 2 stays readable. */
class AdaptationRecipeSelectionTest {
  static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  @Test
  void aChosenRecipeIsNotAnOverrideAndRoundTrips() throws Exception {
    AdaptationRecipe own = AdaptationRecipe.fineTune("maml", 1, 0.01);
    AdaptationRecipe chosen = own.chosen(3, 0.03, "chosen on meta-val at step 40");
    assertEquals(3, chosen.steps());
    assertEquals(0.03, chosen.learningRate());
    assertTrue(chosen.overrides().isEmpty());
    assertTrue(chosen.describe().endsWith("; chosen on meta-val at step 40"), chosen.describe());
    assertEquals(chosen, JSON.readValue(JSON.writeValueAsString(chosen), AdaptationRecipe.class));
    assertEquals("chosen on meta-val at step 40", chosen.override(5, 0).selection(), "an override keeps the note");
  }

  @Test
  void filesWithoutTheFieldReadAsBeforeAndAreWrittenAsBefore() throws Exception {
    String v2 = "{\"learner\":\"maml\",\"scope\":\"ALL\",\"steps\":1,\"learningRate\":0.01,\"learnedRates\":false,"
        + "\"targets\":\"SUPPORT_ZSCORE\",\"overrides\":[]}";
    AdaptationRecipe r = JSON.readValue(v2, AdaptationRecipe.class);
    assertEquals(AdaptationRecipe.fineTune("maml", 1, 0.01), r);
    assertEquals("", r.selection());
    assertFalse(JSON.writeValueAsString(r).contains("selection"), "an unchosen recipe writes the same JSON as before");
  }

  @Test
  void aClosedFormRecipeRecordsItsSiteBlockAndOlderOnesReadWithout() throws Exception {
    AdaptationRecipe own = AdaptationRecipe.closedForm("cf-head", 0.1, 0.2, AdaptationRecipe.HeadPrior.THETA);
    assertEquals(AdaptationRecipe.Sites.OFF, own.sites());
    AdaptationRecipe on = own.withSites(AdaptationRecipe.Sites.SUPPORT_LOO);
    assertEquals(on, JSON.readValue(JSON.writeValueAsString(on), AdaptationRecipe.class));
    assertTrue(on.describe().contains("site block"), on.describe());
    String older = JSON.writeValueAsString(own).replace(",\"sites\":\"OFF\"", "");
    assertFalse(older.contains("sites"), older);
    assertEquals(own, JSON.readValue(older, AdaptationRecipe.class), "a file without the field reads as OFF");
    assertEquals(java.util.List.of("site block off (model: support_loo)"),
        on.overrideSites(AdaptationRecipe.Sites.OFF).overrides());
    assertEquals(on, on.overrideSites(null));
    assertEquals(null, AdaptationRecipe.fineTune("maml", 1, 0.01).sites(), "an SGD recipe has no site block");
  }

  @Test
  void metaSgdKeepsItsLearnedRatesWhenOnlyTheStepsAreChosen() {
    AdaptationRecipe own = new AdaptationRecipe("maml", AdaptationRecipe.Scope.ALL, 1, 0.01, true,
        AdaptationRecipe.TargetNormalisation.SUPPORT_ZSCORE, java.util.List.of());
    AdaptationRecipe chosen = own.chosen(5, -1, "x");
    assertTrue(chosen.learnedRates());
    assertEquals(5, chosen.steps());
  }
}
