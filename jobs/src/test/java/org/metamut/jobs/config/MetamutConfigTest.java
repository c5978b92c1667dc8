package org.metamut.jobs.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetamutConfigTest {

  @Test
  void defaultsAloneAreValidSoEveryKeyHasADefaultAndEveryDefaultAKey() {
    // Validation reports a declared key without a default ("is missing") and a default without a
    // declared key ("unknown key"), so loading the bare defaults proves both directions.
    MetamutConfig cfg = MetamutConfig.fromString("");
    assertEquals(42L, cfg.get(RunKeys.SEED));
    for (ConfigKey<?> k : Keys.all()) {
      // (a map key may default to an empty object, which has no leaf to explain)
      assertTrue(cfg.explain().keySet().stream().anyMatch(p -> p.equals(k.path()) || p.startsWith(k.path() + "."))
          || com.typesafe.config.ConfigFactory.defaultReference().hasPathOrNull(k.path()), "no default for " + k.path());
    }
  }

  @Test
  void aBadValueNamesTheKeyTheValueItsOriginAndWhatIsAccepted() {
    var e = assertThrows(MetamutConfig.InvalidConfigException.class,
        () -> MetamutConfig.fromString("metamut.run.progress-interval-ms = 5"));
    assertEquals(1, e.problems().size(), e.getMessage());
    String p = e.problems().get(0);
    assertTrue(p.startsWith("metamut.run.progress-interval-ms = 5 (at test string: 1)"), p);
    assertTrue(p.contains("expected an integer >= 100"), p);
  }

  @Test
  void aWrongTypeIsReportedAsSuch() {
    var e = assertThrows(MetamutConfig.InvalidConfigException.class,
        () -> MetamutConfig.fromString("metamut.run.seed = \"many\""));
    assertTrue(e.problems().get(0).contains("metamut.run.seed = \"many\"") && e.problems().get(0).contains("wrong type"),
        e.getMessage());
  }

  @Test
  void anUnknownKeyIsAnErrorWithASuggestion() {
    var e = assertThrows(MetamutConfig.InvalidConfigException.class,
        () -> MetamutConfig.fromString("metamut.run.sed = 7"));
    String p = e.problems().get(0);
    assertTrue(p.startsWith("unknown key metamut.run.sed (at test string: 1)"), p);
    assertTrue(p.contains("did you mean metamut.run.seed?"), p);
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    var e = assertThrows(MetamutConfig.InvalidConfigException.class,
        () -> MetamutConfig.fromString("metamut { run.seed = x, run.bogus = 1, spark.conf { \"executor.memory\" = 2 } }"));
    assertEquals(3, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().contains("metamut.spark.conf"), e.getMessage());
  }

  @Test
  void keysOutsideTheMetamutNamespaceAreNotOurs() {
    MetamutConfig.fromString("akka.whatever = 1\nsomething.else = true");
  }

  @Test
  void sparkConfIsAFreeFormMapOfSparkKeys() {
    MetamutConfig cfg = MetamutConfig.fromString("metamut.spark.conf { \"spark.executor.memory\" = 8g }");
    Map<String, String> conf = cfg.get(SparkKeys.CONF);
    assertEquals("8g", conf.get("spark.executor.memory"));
    assertEquals("false", conf.get("spark.ui.showConsoleProgress"), "defaults are kept beside the user's entries");
  }

  @Test
  void layersApplyInOrderOfPrecedenceAndShowTheirOrigin(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("profiles"));
    Files.writeString(dir.resolve("application.conf"), "metamut.run { seed = 1, output-dir = app, data-dir = app }\n");
    Files.writeString(dir.resolve("profiles/p.conf"), "metamut.run { seed = 2, output-dir = profile }\n");
    Path extra = dir.resolve("extra.conf");
    Files.writeString(extra, "metamut.run.seed = 3\n");

    var sources = new MetamutConfig.Sources(dir, "p", List.of(extra), Map.of("metamut.run.seed", "4"));
    MetamutConfig cfg = MetamutConfig.load(sources);
    assertEquals(4L, cfg.get(RunKeys.SEED), "-D wins");
    assertEquals("profile", cfg.get(RunKeys.OUTPUT_DIR), "the profile beats application.conf");
    assertEquals("app", cfg.get(RunKeys.DATA_DIR), "application.conf beats the defaults");
    Map<String, String[]> shown = cfg.explain();
    assertTrue(shown.get("metamut.run.seed")[1].contains("-D"), shown.get("metamut.run.seed")[1]);
    assertTrue(shown.get("metamut.run.output-dir")[1].contains("p.conf"), shown.get("metamut.run.output-dir")[1]);
    assertTrue(shown.get("metamut.run.progress-interval-ms")[1].startsWith("default (reference.conf"),
        shown.get("metamut.run.progress-interval-ms")[1]);

    var noD = new MetamutConfig.Sources(dir, "p", List.of(extra), Map.of());
    assertEquals(3L, MetamutConfig.load(noD).get(RunKeys.SEED), "--config beats the profile");
  }

  @Test
  void listsCanBeOverriddenOnTheCommandLineAndPathsStayStrings(@TempDir Path dir) {
    var sources = new MetamutConfig.Sources(dir, null, List.of(), Map.of("metamut.evaluate.shots", "[8, 16]",
        "metamut.evaluate.methods", "[cf-head,finetune]", "metamut.run.output-dir", "hdfs://nn:8020/runs/a",
        "metamut.train.support-sizes", "[]"));
    MetamutConfig cfg = MetamutConfig.load(sources);
    assertEquals(List.of(8, 16), cfg.get(EvalKeys.SHOTS));
    assertEquals(List.of("cf-head", "finetune"), cfg.get(EvalKeys.METHODS_KEY));
    assertEquals("hdfs://nn:8020/runs/a", cfg.get(RunKeys.OUTPUT_DIR));
    assertEquals(List.of(), cfg.get(TrainKeys.SUPPORT_SIZES));
    var bad = new MetamutConfig.Sources(dir, null, List.of(), Map.of("metamut.evaluate.shots", "[8, sixteen]"));
    var e = assertThrows(MetamutConfig.InvalidConfigException.class, () -> MetamutConfig.load(bad));
    assertTrue(e.getMessage().contains("metamut.evaluate.shots"), e.getMessage());
  }

  @Test
  void aBadOverrideOnTheCommandLineIsNamedWithItsOrigin(@TempDir Path dir) {
    var sources = new MetamutConfig.Sources(dir, null, List.of(), Map.of("metamut.run.progress-interval-ms", "-1"));
    var e = assertThrows(MetamutConfig.InvalidConfigException.class, () -> MetamutConfig.load(sources));
    assertTrue(e.getMessage().contains("metamut.run.progress-interval-ms = \"-1\" (at command-line override (-D))"),
        e.getMessage());
  }

  @Test
  void unknownProfileAndMissingFileAreClearErrors(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("profiles"));
    Files.writeString(dir.resolve("profiles/local.conf"), "");
    var e = assertThrows(MetamutConfig.InvalidConfigException.class,
        () -> MetamutConfig.load(new MetamutConfig.Sources(dir, "lcoal", List.of(), Map.of())));
    assertTrue(e.getMessage().contains("unknown profile 'lcoal'") && e.getMessage().contains("local"), e.getMessage());
    var f = assertThrows(MetamutConfig.InvalidConfigException.class,
        () -> MetamutConfig.load(new MetamutConfig.Sources(dir, null, List.of(dir.resolve("nope.conf")), Map.of())));
    assertTrue(f.getMessage().contains("nope.conf: no such file"), f.getMessage());
  }

  /** Every profile shipped in conf/profiles loads and validates (the list is the folder's, so none is forgotten). */
  @Test
  void theShippedProfilesAndApplicationConfAreValid() throws IOException {
    Path conf = Path.of("..", "conf");
    List<String> profiles;
    try (var files = Files.list(conf.resolve("profiles"))) {
      profiles = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".conf"))
          .map(n -> n.substring(0, n.length() - ".conf".length())).sorted().toList();
    }
    assertTrue(profiles.containsAll(List.of("local", "standalone", "yarn", "kubernetes", "gpu", "cf-head", "esm2")),
        profiles.toString());
    for (String profile : profiles) {
      MetamutConfig.load(new MetamutConfig.Sources(conf, profile, List.of(), Map.of()));
    }
    // the ESM-2 profile with a checkpoint describes the checkpoint's architecture, ready to fine-tune
    MetamutConfig esm = MetamutConfig.load(new MetamutConfig.Sources(conf, "esm2", List.of(),
        Map.of("metamut.esm.checkpoint", Path.of("..", "lib", "src", "test", "resources", "esm2-tiny").toString())));
    assertEquals(33, ModelKeys.spec(esm).vocabSize());
    assertEquals(org.metamut.lib.model.ModelSpec.Pooling.SITES, ModelKeys.spec(esm).pooling());
  }

  @Test
  void survivesJavaSerialisationForShippingToExecutors() throws Exception {
    MetamutConfig cfg = MetamutConfig.fromString("metamut.run.seed = 9");
    var bytes = new java.io.ByteArrayOutputStream();
    try (var oos = new java.io.ObjectOutputStream(bytes)) {
      oos.writeObject(cfg);
    }
    try (var ois = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(9L, ((MetamutConfig) ois.readObject()).get(RunKeys.SEED));
    }
  }
}
