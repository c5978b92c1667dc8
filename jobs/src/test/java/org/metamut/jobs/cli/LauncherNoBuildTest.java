package org.metamut.jobs.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher ({@code deploy/bin/metamut}) never builds in a scheduled run: with {@code METAMUT_NO_BUILD=1} (what the
 * cron entry and the CronJob set), a missing or stale jar stops it in one line with exit 2, and
 * Maven is never started (a fake {@code mvn} first on the PATH would leave a marker file).
 */
class LauncherNoBuildTest {

  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("deploy/bin/metamut"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("deploy/bin/metamut not found above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  private record Run(int code, String err) {
  }

  private static Run launch(Path tmp, Map<String, String> env) throws Exception {
    Path bin = tmp.resolve("bin");
    Files.createDirectories(bin);
    Path mvn = bin.resolve("mvn");
    Files.writeString(mvn, "#!/bin/sh\ntouch '" + tmp.resolve("mvn-was-run") + "'\nexit 1\n");
    mvn.toFile().setExecutable(true);
    ProcessBuilder pb = new ProcessBuilder("bash", repoRoot().resolve("deploy/bin/metamut").toString(), "config", "check");
    pb.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().remove("METAMUT_NO_BUILD");
    pb.environment().remove("SPARK_HOME");
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))); // no terminal, as under cron
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Run(p.exitValue(), err);
  }

  @Test
  void aMissingJarFailsInOneLineWithoutBuilding(@TempDir Path tmp) throws Exception {
    Path jar = tmp.resolve("target/metamut-app.jar");
    Run r = launch(tmp, Map.of("METAMUT_APP_JAR", jar.toString(), "METAMUT_NO_BUILD", "1"));
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("metamut: " + jar + " or its embedded-classpath.txt is missing, and this run may "
        + "not build"), r.err());
    assertFalse(Files.exists(tmp.resolve("mvn-was-run")), "the launcher started mvn");
  }

  /** Without METAMUT_NO_BUILD a run from a script (no terminal) builds, as the quick start promises. */
  @Test
  void anUnscheduledRunWithoutATerminalStillBuilds(@TempDir Path tmp) throws Exception {
    Path jar = tmp.resolve("target/metamut-app.jar");
    Run r = launch(tmp, Map.of("METAMUT_APP_JAR", jar.toString()));
    assertTrue(Files.exists(tmp.resolve("mvn-was-run")), "the launcher did not start mvn: " + r.err());
    assertEquals(1, r.code(), "the fake mvn fails, so the build does: " + r.err());
    assertTrue(r.err().contains("metamut: build failed"), r.err());
  }

  @Test
  void aStaleJarFailsWithoutBuildingAndNamesANewerSource(@TempDir Path tmp) throws Exception {
    Path jar = tmp.resolve("target/metamut-app.jar");
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "not really a jar");
    Files.writeString(tmp.resolve("target/embedded-classpath.txt"), "");
    Files.setLastModifiedTime(jar, FileTime.fromMillis(0)); // 1970: every source is newer
    Run r = launch(tmp, Map.of("METAMUT_APP_JAR", jar.toString(), "METAMUT_NO_BUILD", "1"));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().startsWith("metamut: " + jar + " is older than " + repoRoot()), r.err());
    assertTrue(r.err().contains("build it first with 'mvn -B package -DskipTests'"), r.err());
    assertFalse(Files.exists(tmp.resolve("mvn-was-run")), "the launcher started mvn");
  }

  @Test
  void theScheduledEntriesSetNoBuild() throws Exception {
    Path root = repoRoot();
    assertTrue(Files.readAllLines(root.resolve("deploy/cron/metamut-ingest.cron")).contains("METAMUT_NO_BUILD=1"));
    assertTrue(Files.readString(root.resolve("deploy/kubernetes/ingest-cronjob.yaml"))
        .contains("{name: METAMUT_NO_BUILD, value: \"1\"}"));
  }
}
