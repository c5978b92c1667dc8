package org.metamut.jobs.cli;

import picocli.CommandLine;

/** Reports the version from the jar manifest (or "dev" when run from class folders). */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = MetamutCli.class.getPackage().getImplementationVersion();
    return new String[] {"metamut " + (v == null ? "dev" : v)};
  }
}
