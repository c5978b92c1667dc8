package org.metamut.lib.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser (headless Chromium, when installed; skipped otherwise, see README "The evaluation
 * report" for the same check by hand): the DOM Chromium builds opens with the summary, every embedded chart decodes
 * in the browser, and a screenshot of the first screen is not blank.
 */
class ReportBrowserTest {

  @TempDir
  Path dir;

  static String chromium() {
    for (String c : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
        if (Files.isExecutable(Path.of(d, c))) {
          return Path.of(d, c).toString();
        }
      }
    }
    return null;
  }

  private static String run(Path dir, String... cmd) throws Exception {
    Path log = dir.resolve("chromium.out");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectOutput(log.toFile())
        .redirectError(dir.resolve("chromium.err").toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
    assertEquals(0, p.exitValue(), Files.readString(dir.resolve("chromium.err")));
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  @Test
  void theFirstScreenRendersInChromium() throws Exception {
    String browser = chromium();
    assumeTrue(browser != null, "no chromium on PATH");
    ReportWriter.Written w = new ReportWriter(FirstScreenTest.settings("meta-val")).write(dir.resolve("report"),
        FirstScreenTest.records());
    String url = w.html().toUri().toString();
    List<String> base = List.of(browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars");

    // images that fail to decode have naturalWidth 0: a script appends the count the browser decoded
    Path probe = dir.resolve("report/probe.html");
    Files.writeString(probe, Files.readString(w.html()).replace("</body>", "<script>document.body.insertAdjacentHTML("
        + "'beforeend','<p id=\"decoded\">'+[...document.images].filter(i=>i.naturalWidth>0).length+'/'"
        + "+document.images.length+'</p>')</script></body>"));
    List<String> dump = new java.util.ArrayList<>(base);
    dump.addAll(List.of("--virtual-time-budget=5000", "--dump-dom", probe.toUri().toString()));
    String dom = run(dir, dump.toArray(String[]::new));
    int summary = dom.indexOf("<section id=\"summary\">");
    assertTrue(summary > 0 && summary < dom.indexOf("<h2>fitness</h2>"), "the summary comes first");
    long images = w.charts().size();
    assertTrue(dom.contains("<p id=\"decoded\">" + images + "/" + images + "</p>"), "every chart decodes in the browser");

    Path png = dir.resolve("first-screen.png");
    List<String> shot = new java.util.ArrayList<>(base);
    shot.addAll(List.of("--window-size=1280,1000", "--screenshot=" + png, url));
    run(dir, shot.toArray(String[]::new));
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(1280, img.getWidth());
    assertEquals(1000, img.getHeight());
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 7) {
      for (int x = 0; x < img.getWidth(); x += 7) {
        colours.add(img.getRGB(x, y));
      }
    }
    assertTrue(colours.size() > 20, "the first screen is not blank: " + colours.size() + " colours");
  }
}
