package org.metamut.jobs.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetamutCliTest {

  private record Result(int code, String out, String err) {
  }

  private static Result run(String... args) {
    CommandLine cl = MetamutCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void everyJobHasHelp() {
    Result top = run("--help");
    assertEquals(0, top.code());
    for (String job : List.of("ingest", "meta-train", "evaluate", "score", "demo", "model", "config", "bench")) {
      assertTrue(top.out().contains(job), "top-level help lists " + job);
      Result r = run(job, "--help");
      assertEquals(0, r.code(), job + ": " + r.err());
      assertTrue(r.out().startsWith("Usage: metamut " + job), r.out());
    }
    Result show = run("config", "show", "--help");
    assertTrue(show.out().contains("--config=FILE") && show.out().contains("--profile=NAME") && show.out().contains("-D="),
        show.out());
  }

  @Test
  void anUnknownOptionIsAUsageError() {
    Result r = run("ingest", "--no-such-option");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("Unknown option: '--no-such-option'"), r.err());
  }

  @Test
  void anInvalidConfigurationStopsWithExitCode3AndNamesTheKey() {
    Result r = run("config", "check", "-Dmetamut.run.seed=abc", "-Dmetamut.nope=1");
    assertEquals(MetamutCli.EXIT_CONFIG, r.code());
    assertTrue(r.err().contains("metamut.run.seed = \"abc\""), r.err());
    assertTrue(r.err().contains("unknown key metamut.nope"), r.err());
  }

  @Test
  void configShowRedactsSecretLookingKeys(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path conf = tmp.resolve("secrets.conf");
    java.nio.file.Files.writeString(conf, org.metamut.jobs.config.RedactionTest.SECRETS);
    Result r = run("config", "show", "--config", conf.toString(),
        "-Dmetamut.spark.conf.\"spark.hadoop.fs.s3a.session.token\"=hunter2-cli");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("spark.authenticate.secret") && r.out().contains("*********(redacted)"), r.out());
    assertTrue(r.out().contains("3g"), r.out());
    assertTrue(!r.out().contains("hunter2") && !r.err().contains("hunter2"), r.out());
  }

  @Test
  void modelInfoDescribesAModelFileAndRefusesJunkInOneLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    org.metamut.lib.model.ModelSpec spec = org.metamut.lib.model.ModelSpec.reference(1, 16, 2, 32, 24)
        .withPooling(org.metamut.lib.model.ModelSpec.Pooling.SITES).withSubstitutionFeatures(true);
    org.metamut.lib.io.SavedModel m = new org.metamut.lib.io.SavedModel(spec,
        org.metamut.lib.encode.EncoderSpec.separator(24), org.metamut.lib.io.Normalisation.none(),
        org.metamut.lib.adapt.AdaptationRecipe.closedForm("cf-head", 0.5, 0.25,
            org.metamut.lib.adapt.AdaptationRecipe.HeadPrior.THETA),
        java.util.Map.of("meta-train.meta-val-spearman", "0.3000", "meta-train.protein-groups", "GFP,TEM1"),
        org.metamut.lib.model.ParamLayout.of(spec).initialise(1), null);
    java.nio.file.Path dir = tmp.resolve("model");
    java.nio.file.Files.createDirectories(dir);
    java.nio.file.Files.write(dir.resolve("model.mmut"), org.metamut.lib.io.ModelFile.toBytes(m));

    Result text = run("model", "info", dir.toString()); // a model folder works as well as its model.mmut
    assertEquals(0, text.code(), text.err());
    assertTrue(text.out().contains("learner:          cf-head"), text.out());
    assertTrue(text.out().contains("closed-form ridge head"), text.out());
    assertTrue(text.out().contains("mean query Spearman 0.3000"), text.out());
    Result json = run("model", "info", "--json", dir.resolve("model.mmut").toString());
    assertEquals(0, json.code(), json.err());
    com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
    assertEquals("cf-head", j.path("adaptation").path("learner").asText());
    assertEquals("GFP,TEM1", j.path("provenance").path("meta-train.protein-groups").asText());

    java.nio.file.Path junk = tmp.resolve("scores.csv");
    java.nio.file.Files.writeString(junk, "variant,score\nA1G,1\n");
    Result bad = run("model", "info", junk.toString());
    assertEquals(1, bad.code());
    assertEquals(1, bad.err().strip().lines().count(), bad.err());
    assertTrue(bad.err().contains(junk + ": not a metamut model file"), bad.err());
    Result missing = run("model", "info", tmp.resolve("nope.mmut").toString());
    assertEquals(1, missing.code());
    assertEquals(1, missing.err().strip().lines().count(), missing.err());
  }
}
