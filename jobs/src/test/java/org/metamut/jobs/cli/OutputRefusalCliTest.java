package org.metamut.jobs.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Through the real command line: an output folder metamut will not replace ends the job with exit code 1 and one
 * line on stderr naming the folder, and every file stays. (Each command closes its Spark session; the shared test
 * session is recreated by the next test that needs it.)
 */
class OutputRefusalCliTest {

  private static String[] run(String... args) {
    CommandLine cl = MetamutCli.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new String[] {Integer.toString(code), err.toString()};
  }

  private static Map<String, String> tree(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (var s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        m.put(dir.relativize(p).toString(), new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
      }
    }
    return m;
  }

  @Test
  void scoreIntoAForeignFolderAndMetaTrainOverAnotherRunsCheckpointsAreRefused(@TempDir Path tmp) throws Exception {
    Path fasta = tmp.resolve("p.fasta");
    Files.writeString(fasta, ">p\nMKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ\n");
    Path work = tmp.resolve("work");
    Files.createDirectories(work.resolve("src"));
    Files.writeString(work.resolve("notes.txt"), "mine");
    Files.writeString(work.resolve("src/Main.java"), "class Main {}");
    Path ck = tmp.resolve("out/meta-train/checkpoints/step-00000003");
    Files.createDirectories(ck);
    Files.writeString(ck.resolve("state.bin"), "another run's state");
    Map<String, String> before = tree(tmp);

    String[] score = run("score", "--fasta", fasta.toString(), "--fresh-model", "--singles", "--output", work.toString(),
        "-Dmetamut.run.output-dir=" + tmp.resolve("out"));
    assertEquals("1", score[0], score[1]);
    assertEquals(1, score[1].strip().lines().count(), score[1]);
    assertTrue(score[1].startsWith("metamut score: refusing to replace " + work + ": the folder is not empty"), score[1]);

    String[] train = run("meta-train", "-Dmetamut.run.output-dir=" + tmp.resolve("out"));
    assertEquals("1", train[0], train[1]);
    assertEquals(1, train[1].strip().lines().count(), train[1]);
    assertTrue(train[1].startsWith("metamut meta-train: " + tmp.resolve("out/meta-train/checkpoints")
        + " holds another run's checkpoints (latest step-00000003)"), train[1]);
    assertEquals(before, tree(tmp), "every file left in place");

    String[] both = run("meta-train", "--resume", "--overwrite", "-Dmetamut.run.output-dir=" + tmp.resolve("out"));
    assertEquals("1", both[0], both[1]);
  }
}
