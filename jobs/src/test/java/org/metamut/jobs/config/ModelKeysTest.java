package org.metamut.jobs.config;

import org.junit.jupiter.api.Test;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.ModelSpec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelKeysTest {
  @Test
  void defaultsAreTheReferenceArchitectureWithTheSeparatorEncoder() {
    MetamutConfig cfg = MetamutConfig.fromString("");
    assertEquals(ModelSpec.reference(), ModelKeys.spec(cfg));
    assertEquals(EncoderSpec.separator(64), ModelKeys.encoder(cfg));
  }

  @Test
  void optionsAndCrossKeyErrors() {
    MetamutConfig cfg = MetamutConfig.fromString("metamut.model { encoder = wt-mask, use-flags = true, pooling = cls }");
    assertTrue(ModelKeys.spec(cfg).useFlags());
    assertEquals(ModelSpec.Pooling.CLS, ModelKeys.spec(cfg).pooling());
    assertEquals(EncoderSpec.WT_MASK, ModelKeys.encoder(cfg).kind());
    MetamutConfig bad = MetamutConfig.fromString("metamut.model { d-model = 30, heads = 4 }");
    MetamutConfig.InvalidConfigException e = assertThrows(MetamutConfig.InvalidConfigException.class, () -> ModelKeys.spec(bad));
    assertTrue(e.getMessage().contains("divide dModel=30"), e.getMessage());
    assertThrows(MetamutConfig.InvalidConfigException.class, () -> MetamutConfig.fromString("metamut.model.encoder = esm-embed"));
    // the ESM encoder exists, but only for the ESM-2 backbone
    MetamutConfig esm = MetamutConfig.fromString("metamut.model.encoder = esm");
    e = assertThrows(MetamutConfig.InvalidConfigException.class, () -> ModelKeys.spec(esm));
    assertTrue(e.getMessage().contains("metamut.model.backbone = esm2"), e.getMessage());
    // the context columns extend the substitution block: on alone they are refused, naming both keys
    MetamutConfig context = MetamutConfig.fromString("metamut.model { substitution-features = true, substitution-context = true }");
    assertTrue(ModelKeys.spec(context).substitutionContext());
    MetamutConfig alone = MetamutConfig.fromString("metamut.model.substitution-context = true");
    e = assertThrows(MetamutConfig.InvalidConfigException.class, () -> ModelKeys.spec(alone));
    assertTrue(e.getMessage().contains("metamut.model.substitution-context = true")
        && e.getMessage().contains("needs metamut.model.substitution-features = true"), e.getMessage());
  }
}
