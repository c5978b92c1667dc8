package org.metamut.lib.provenance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The metamut version and git commit this code was built from (recorded in every model file, checkpoint
 * and output manifest). Values the build could not fill in (e.g. no git checkout) read as "unknown".
 */
public record BuildInfo(String version, String gitCommit, boolean dirty) {

  private static final String RESOURCE = "/META-INF/metamut-build.properties";

  public static BuildInfo current() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    return new BuildInfo(clean(p.getProperty("version")), clean(p.getProperty("git.commit")),
        "true".equals(p.getProperty("git.dirty")));
  }

  private static String clean(String v) {
    return v == null || v.isBlank() || v.startsWith("${") ? "unknown" : v;
  }

  /** E.g. {@code 0.1.0-SNAPSHOT (3f2a1c9e0b7d, dirty)}. */
  @Override
  public String toString() {
    return version + " (" + gitCommit + (dirty ? ", dirty" : "") + ")";
  }
}
