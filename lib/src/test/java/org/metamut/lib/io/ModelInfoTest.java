package org.metamut.lib.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.provenance.Sha256;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelInfoTest {
  @TempDir
  Path dir;

  /** A cf-head model as meta-training writes it: closed-form recipe, site pooling, substitution block, provenance. */
  static SavedModel cfHead() {
    ModelSpec spec = ModelSpec.reference(1, 16, 2, 32, 24).withPooling(ModelSpec.Pooling.SITES)
        .withSubstitutionFeatures(true);
    return new SavedModel(spec, EncoderSpec.separator(24), Normalisation.none(),
        AdaptationRecipe.closedForm("cf-head", 1.25, -0.5, AdaptationRecipe.HeadPrior.THETA),
        Map.of(ModelInfo.STEP, "40", ModelInfo.LAST_STEP, "80", ModelInfo.SEED, "42",
            ModelInfo.SELECTION, "the best step by mean meta-val query Spearman", ModelInfo.META_VAL, "0.2150",
            ModelInfo.DATA_FINGERPRINT, "sha256:feed", ModelInfo.PROTEIN_GROUPS, "BLAT_ECOLX,P53_HUMAN",
            ModelInfo.EPISODES, "out/episodes (10 episodes, 320 variants)", "config", "a = 1\nb = 2\n"),
        ParamLayout.of(spec).initialise(3), null);
  }

  @Test
  void textAndJsonSayWhatTheFileHolds() throws Exception {
    SavedModel m = cfHead();
    Path f = dir.resolve("model.mmut");
    byte[] bytes = ModelFile.toBytes(m);
    Files.write(f, bytes);
    ModelInfo info = ModelInfo.read(f);
    assertEquals(2, info.formatVersion()); // version 3 is only written for rotary or ESM models
    assertEquals(bytes.length, info.bytes());
    assertEquals(Sha256.hex(bytes), info.sha256());
    assertEquals(List.of("BLAT_ECOLX", "P53_HUMAN"), info.trainedProteinGroups());

    String text = info.text();
    assertTrue(text.contains("architecture:     " + m.spec().summary() + ", " + m.theta().length + " parameters"), text);
    assertTrue(text.contains("encoder:          separator, 24 tokens"), text);
    assertTrue(text.contains("adaptation:       " + m.recipe().describe()), text);
    assertTrue(text.contains("mean query Spearman 0.2150"), text);
    assertTrue(text.contains("step 40 of 80, seed 42"), text);
    assertTrue(text.contains("data fingerprint: sha256:feed"), text);
    assertTrue(text.contains("2 meta-trained on: BLAT_ECOLX, P53_HUMAN"), text);
    assertTrue(text.contains("configuration:    2 lines recorded"), text);
    assertTrue(text.contains("build:"), text);
    assertFalse(text.contains("a = 1"), "the rendered config stays out of the text");

    JsonNode j = new ObjectMapper().readTree(info.json());
    assertEquals("cf-head", j.path("adaptation").path("learner").asText());
    assertEquals("CLOSED_FORM", j.path("adaptation").path("solver").asText());
    assertEquals(1.25, j.path("adaptation").path("headLogPenalty").asDouble());
    assertEquals("SITES", j.path("spec").path("pooling").asText());
    assertTrue(j.path("spec").path("substitutionFeatures").asBoolean());
    assertEquals(m.theta().length, j.path("numParams").asInt());
    assertEquals("0.2150", j.path("provenance").path(ModelInfo.META_VAL).asText());
    assertEquals("a = 1\nb = 2\n", j.path("provenance").path("config").asText());
    assertFalse(j.path("provenance").path("code.git-commit").asText().isEmpty());
  }

  @Test
  void aFileWithoutTrainingRecordsSaysSo() throws Exception {
    SavedModel m = cfHead();
    SavedModel bare = new SavedModel(m.spec(), m.encoder(), m.normalisation(), m.recipe(), Map.of(), m.theta(), null);
    Path f = dir.resolve("bare.mmut");
    Files.write(f, ModelFile.toBytes(bare));
    String text = ModelInfo.read(f).text();
    assertTrue(text.contains("meta-val score:   not recorded"), text);
    assertTrue(text.contains("protein groups:   not recorded"), text);
    assertTrue(ModelInfo.read(f).trainedProteinGroups().isEmpty());
  }

  @Test
  void refusesWhatIsNotAModelInOneLine() throws Exception {
    Path junk = dir.resolve("junk.mmut");
    Files.writeString(junk, "variant,score\nA1G,0.5\n");
    InvalidModelFileException e = assertThrows(InvalidModelFileException.class, () -> ModelInfo.read(junk));
    assertTrue(e.getMessage().startsWith("model file " + junk + ": not a metamut model file"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    byte[] good = ModelFile.toBytes(cfHead());
    good[good.length / 2] ^= 1;
    Path flipped = dir.resolve("flipped.mmut");
    Files.write(flipped, good);
    assertTrue(assertThrows(InvalidModelFileException.class, () -> ModelInfo.read(flipped)).getMessage()
        .contains("checksum mismatch"));
  }
}
