package org.metamut.jobs.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** The real command line for tests in other packages: {exit code, stderr}. */
public final class CliTestAccess {
  private CliTestAccess() {
  }

  public static String[] run(String... args) {
    CommandLine cl = MetamutCli.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new String[] {Integer.toString(code), err.toString()};
  }
}
