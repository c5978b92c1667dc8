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
    for (String job : List.of("ingest", "meta-train", "evaluate", "score", "demo", "config", "bench")) {
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
}
