package org.metamut.lib.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.model.Transformer;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFileTest {
  @TempDir
  Path dir;

  static final ModelSpec SPEC = ModelSpec.reference(2, 16, 2, 32, 12).withFlags(true);
  static final EncoderSpec ENC = new EncoderSpec(EncoderSpec.WT_MASK, 12);

  static SavedModel sample() {
    double[] theta = ParamLayout.of(SPEC).initialise(9);
    double[] rates = new double[theta.length];
    java.util.Arrays.fill(rates, 0.02);
    rates[3] = 0.5;
    return new SavedModel(SPEC, ENC, Normalisation.zScore(0.5, 2.0, -1),
        new AdaptationRecipe("anil", AdaptationRecipe.Scope.HEAD, 3, 0.01, true,
            AdaptationRecipe.TargetNormalisation.SUPPORT_ZSCORE, List.of()),
        Map.of("seed", "9", "code.version", "test", "data.gb1.sha256", "abc"), theta, rates);
  }

  @Test
  void roundTripPredictsBitIdentically() throws Exception {
    SavedModel m = sample();
    Path f = dir.resolve("m.mmodel");
    Files.write(f, ModelFile.toBytes(m));
    SavedModel back = ModelFile.read(f);
    assertEquals(m.spec(), back.spec());
    assertEquals(m.encoder(), back.encoder());
    assertEquals(m.normalisation(), back.normalisation());
    assertTrue(back.provenance().entrySet().containsAll(m.provenance().entrySet()));
    assertTrue(back.provenance().containsKey("code.git-commit"));
    assertArrayEquals(m.theta(), back.theta());
    assertEquals(m.recipe(), back.recipe());
    assertArrayEquals(m.innerRates(), back.innerRates());
    TokenBatch batch = new TokenBatch(2, 5, new int[] {2, 7, 8, 9, 3, 2, 10, 3, 0, 0}, new byte[] {0, 1, 0, 0, 0, 0, 1, 0, 0, 0}, null);
    for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      try (Transformer a = new Transformer(m.spec(), dt); Transformer b = new Transformer(back.spec(), dt)) {
        assertArrayEquals(a.predict(m.theta(), batch), b.predict(back.theta(), batch));
      }
    }
    // encoding is deterministic: the same model gives the same bytes
    assertArrayEquals(Files.readAllBytes(f), ModelFile.toBytes(m));
  }

  /** A closed-form recipe keeps its penalties, their per-task choice and its prior; older headers read as LEARNED, ZERO. */
  @Test
  void closedFormRecipeRoundTripsWithItsPenaltyChoice() throws Exception {
    SavedModel s = sample();
    AdaptationRecipe cf = AdaptationRecipe.closedForm("cf-head", 0.7, -1.3, AdaptationRecipe.HeadPrior.THETA)
        .withPenalties(AdaptationRecipe.PenaltyChoice.SUPPORT_LOO, "chosen on meta-val");
    SavedModel m = new SavedModel(s.spec(), s.encoder(), s.normalisation(), cf, s.provenance(), s.theta(), null);
    byte[] bytes = ModelFile.toBytes(m);
    assertEquals(cf, ModelFile.read(write(bytes)).recipe());
    int headerLen = java.nio.ByteBuffer.wrap(bytes, 12, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    String header = new String(bytes, 16, headerLen, StandardCharsets.UTF_8);
    assertTrue(header.contains("\"penalties\":\"SUPPORT_LOO\""), header);
    byte[] data = Arrays.copyOfRange(bytes, 16 + headerLen, bytes.length - 32);
    assertTrue(header.contains("\"headPrior\":\"THETA\""), header);
    String older = header.replace(",\"penalties\":\"SUPPORT_LOO\"", "").replace(",\"headPrior\":\"THETA\"", "");
    AdaptationRecipe read = ModelFile.read(write(ModelFile.assemble(2, older.getBytes(StandardCharsets.UTF_8), data)))
        .recipe();
    assertEquals(AdaptationRecipe.PenaltyChoice.LEARNED, read.penalties());
    assertEquals(AdaptationRecipe.HeadPrior.ZERO, read.headPrior(), "cf-head files written before the prior mean");
    assertEquals(-1.3, read.sideLogPenalty());
  }

  private Path write(byte[] bytes) throws Exception {
    Path f = Files.createTempFile(dir, "m", ".mmodel");
    Files.write(f, bytes);
    return f;
  }

  @Test
  void refusesCorruptTruncatedAndForeignFiles() throws Exception {
    Path f = dir.resolve("m.mmodel");
    Files.write(f, ModelFile.toBytes(sample()));
    byte[] good = Files.readAllBytes(f);

    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 1;
    assertRefused(flipped, "checksum mismatch");

    assertRefused(Arrays.copyOf(good, good.length - 100), "checksum mismatch");
    assertRefused(Arrays.copyOf(good, 20), "truncated");
    assertRefused("hello, I am not a model".getBytes(StandardCharsets.UTF_8), "not a metamut model file");
    assertRefused(new byte[0], "not a metamut model file");
  }

  @Test
  void refusesIncompatibleFiles() throws Exception {
    byte[] good = ModelFile.toBytes(sample());
    int headerLen = java.nio.ByteBuffer.wrap(good, 12, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    String header = new String(good, 16, headerLen, StandardCharsets.UTF_8);
    byte[] data = Arrays.copyOfRange(good, 16 + headerLen, good.length - 32);

    assertRefused(ModelFile.assemble(4, header.getBytes(StandardCharsets.UTF_8), data), "format version 4 is not supported");
    // a spec option this build doesn't know
    assertRefused(ModelFile.assemble(2, header.replace("\"pooling\"", "\"rotary\":true,\"pooling\"").getBytes(StandardCharsets.UTF_8), data),
        "incompatible header");
    // an unknown encoder kind
    assertRefused(ModelFile.assemble(2, header.replace("\"wt-mask\"", "\"esm-embed\"").getBytes(StandardCharsets.UTF_8), data),
        "incompatible header");
    // a tensor index that is not this build's layout
    assertRefused(ModelFile.assemble(2, header.replace("blocks.0.ff.W1", "blocks.0.ff.W0").getBytes(StandardCharsets.UTF_8), data), "incompatible: tensor");
    // data shorter than the index says (with a valid checksum)
    assertRefused(ModelFile.assemble(2, header.getBytes(StandardCharsets.UTF_8), Arrays.copyOf(data, data.length - 8)), "data bytes");
  }

  @Test
  void readsVersionOneFilesWithTheLegacyRecipe() throws Exception {
    SavedModel m = sample();
    SavedModel plain = new SavedModel(m.spec(), m.encoder(), m.normalisation(), AdaptationRecipe.fineTune("maml", 1, 0.01),
        m.provenance(), m.theta(), null);
    byte[] good = ModelFile.toBytes(plain);
    int headerLen = java.nio.ByteBuffer.wrap(good, 12, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    byte[] header = Arrays.copyOfRange(good, 16, 16 + headerLen);
    byte[] data = Arrays.copyOfRange(good, 16 + headerLen, good.length - 32);
    Path f = dir.resolve("v1.mmodel");
    Files.write(f, ModelFile.assemble(1, header, data));
    SavedModel back = ModelFile.read(f);
    assertEquals(AdaptationRecipe.legacy(), back.recipe());
    assertArrayEquals(plain.theta(), back.theta());
    // a rates block the header does not announce is refused
    byte[] longer = Arrays.copyOf(data, data.length * 2);
    Files.write(f, ModelFile.assemble(2, header, longer));
    assertThrows(InvalidModelFileException.class, () -> ModelFile.read(f));
  }

  @Test
  @org.junit.jupiter.api.Timeout(20)
  void aHostileHeaderWithHugeDimensionsAndAValidChecksumIsRefusedWithoutAllocating() throws Exception {
    byte[] good = ModelFile.toBytes(sample());
    int headerLen = java.nio.ByteBuffer.wrap(good, 12, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    String header = new String(good, 16, headerLen, StandardCharsets.UTF_8);
    byte[] data = Arrays.copyOfRange(good, 16 + headerLen, good.length - 32);
    assertTrue(header.contains("\"layers\":2,") && header.contains("\"dModel\":16,"), header);
    // 2^31-1 layers: building the layout alone would allocate billions of tensors
    assertRefused(ModelFile.assemble(2, header.replace("\"layers\":2,", "\"layers\":2147483647,")
        .getBytes(StandardCharsets.UTF_8), data), "data bytes, expected more than");
    // d = 2^30: d² overflows an int (and d²·layers a long in int arithmetic)
    assertRefused(ModelFile.assemble(2, header.replace("\"dModel\":16,", "\"dModel\":1073741824,")
        .getBytes(StandardCharsets.UTF_8), data), "data bytes");
    // one line each
    Path f = dir.resolve("bad.mmodel");
    InvalidModelFileException e = assertThrows(InvalidModelFileException.class, () -> ModelFile.read(f));
    assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
  }

  @Test
  void theContextColumnsRoundTripAsVersion3AndOtherModelsDoNotMentionThem() throws Exception {
    ModelSpec context = ModelSpec.reference(1, 8, 2, 16, 24).withPooling(ModelSpec.Pooling.SITES)
        .withSubstitutionFeatures(true).withSubstitutionContext(true);
    double[] theta = ParamLayout.of(context).initialise(3);
    int dms = ParamLayout.of(context).get("sub.dms").offset();
    for (int i = 0; i < 400; i++) {
      theta[dms + i] = Math.sin(i);
    }
    SavedModel m = new SavedModel(context, ENC, Normalisation.zScore(0, 1, 1),
        AdaptationRecipe.closedForm("cf-head", 0.5, -0.5, AdaptationRecipe.HeadPrior.THETA), Map.of(), theta, null);
    Path f = dir.resolve("context.mmodel");
    Files.write(f, ModelFile.toBytes(m));
    SavedModel back = ModelFile.read(f);
    assertEquals(context, back.spec());
    assertTrue(Arrays.equals(theta, back.theta()));
    assertEquals(3, org.metamut.lib.io.ModelInfo.read(f).formatVersion(), "an older reader must refuse it by its version");
    // every other model is written as before: version 2, no new key in its spec
    Path plain = dir.resolve("plain.mmodel");
    Files.write(plain, ModelFile.toBytes(sample()));
    assertEquals(2, org.metamut.lib.io.ModelInfo.read(plain).formatVersion());
    assertFalse(new String(Files.readAllBytes(plain), StandardCharsets.ISO_8859_1).contains("substitutionContext"));
    assertEquals(SPEC, ModelFile.read(plain).spec());
  }

  @Test
  void theParameterCountInLongMatchesTheLayout() {
    for (ModelSpec s : List.of(SPEC, ModelSpec.reference(), ModelSpec.reference(0, 4, 1, 3, 5),
        ModelSpec.reference(3, 8, 2, 5, 7).withPositional(ModelSpec.Positional.SINUSOIDAL).withFlags(true),
        ModelSpec.reference(1, 8, 2, 16, 24).withPooling(ModelSpec.Pooling.SITES).withSubstitutionFeatures(true),
        ModelSpec.reference(1, 8, 2, 16, 24).withSubstitutionFeatures(true).withSubstitutionContext(true).withFlags(true))) {
      assertEquals(ParamLayout.of(s).numParams(), ParamLayout.count(s), s.summary());
    }
    ModelSpec huge = ModelSpec.reference(2, 1 << 20, 4, 1 << 20, 64);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ParamLayout.of(huge));
    assertTrue(e.getMessage().contains("more than the " + ParamLayout.MAX_PARAMS), e.getMessage());
  }

  @Test
  void aFileOverTheSizeLimitIsRefusedBeforeItIsRead() throws Exception {
    Path f = dir.resolve("m.mmodel");
    Files.write(f, ModelFile.toBytes(sample()));
    InvalidModelFileException small = assertThrows(InvalidModelFileException.class, () -> ModelFile.read(f, 1000));
    assertTrue(small.getMessage().contains("more than the largest model file this build reads (1000 bytes)"), small.getMessage());
    // a sparse 3 GiB file: refused from its size alone (reading it would fail, or exhaust the heap)
    Path big = dir.resolve("big.mmodel");
    try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(big.toFile(), "rw")) {
      raf.setLength(3L << 30);
    }
    InvalidModelFileException e = assertThrows(InvalidModelFileException.class, () -> ModelFile.read(big));
    assertTrue(e.getMessage().contains("is 3221225472 bytes, more than") && e.getMessage().contains("big.mmodel"),
        e.getMessage());
    assertEquals(-1, e.getMessage().indexOf('\n'));
  }

  @Test
  void nanParametersAreRefusedOnWriteAndOnRead() throws Exception {
    SavedModel m = sample();
    double[] theta = m.theta().clone();
    theta[5] = Double.NaN;
    SavedModel nan = new SavedModel(m.spec(), m.encoder(), m.normalisation(), m.recipe(), m.provenance(), theta, m.innerRates());
    IllegalArgumentException w = assertThrows(IllegalArgumentException.class, () -> ModelFile.toBytes(nan));
    assertTrue(w.getMessage().startsWith("θ[5] (tok_emb) is NaN; refusing to save"), w.getMessage());
    double[] rates = m.innerRates().clone();
    rates[7] = Double.POSITIVE_INFINITY;
    SavedModel inf = new SavedModel(m.spec(), m.encoder(), m.normalisation(), m.recipe(), m.provenance(), m.theta(), rates);
    assertThrows(IllegalArgumentException.class, () -> ModelFile.toBytes(inf));
    // a file written by an older build (or by hand) with a NaN and a valid checksum
    byte[] good = ModelFile.toBytes(m);
    int headerLen = java.nio.ByteBuffer.wrap(good, 12, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    byte[] header = Arrays.copyOfRange(good, 16, 16 + headerLen);
    byte[] data = Arrays.copyOfRange(good, 16 + headerLen, good.length - 32);
    java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(8 * 5, Double.NaN);
    assertRefused(ModelFile.assemble(2, header, data), "θ[5] (tok_emb) is NaN; the model diverged");
  }

  private void assertRefused(byte[] bytes, String expected) throws Exception {
    Path f = dir.resolve("bad.mmodel");
    Files.write(f, bytes);
    InvalidModelFileException e = assertThrows(InvalidModelFileException.class, () -> ModelFile.read(f));
    assertTrue(e.getMessage().contains(expected) && e.getMessage().contains("bad.mmodel"), e.getMessage());
  }

  @Test
  void namedParametersRoundTripThroughJsonAndNpy() throws Exception {
    ParamLayout layout = ParamLayout.of(SPEC);
    double[] theta = layout.initialise(4);
    Path json = dir.resolve("p.json");
    NamedParams.writeJson(json, layout, theta);
    assertArrayEquals(theta, NamedParams.readJson(json, layout));
    NamedParams.writeNpy(dir.resolve("npy"), layout, theta);
    assertArrayEquals(theta, NamedParams.readNpy(dir.resolve("npy"), layout));
    assertTrue(Files.exists(dir.resolve("npy").resolve("blocks.1.attn.Wq.npy")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NamedParams.readJson(json, ParamLayout.of(ModelSpec.reference(2, 16, 2, 32, 12))));
    assertTrue(e.getMessage().contains("flag_emb"), e.getMessage());
  }
}
