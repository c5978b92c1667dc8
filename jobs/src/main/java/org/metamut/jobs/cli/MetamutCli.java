package org.metamut.jobs.cli;

import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.output.OutputRefusedException;
import org.metamut.lib.backend.BlasCoreType;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code metamut} command line: one entry point with a sub-command per job. Launched through
 * {@code spark-submit --class org.metamut.jobs.cli.MetamutCli metamut-app.jar <job> ...} (the
 * {@code deploy/bin/metamut} launcher does this, with an embedded SparkSubmit when no SPARK_HOME is set).
 */
@Command(name = "metamut", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Meta-learning of transformer models for protein mutation property prediction, on Apache Spark.",
    subcommands = {
        IngestCommand.class,
        MetaTrainCommand.class,
        EvaluateCommand.class,
        ScoreCommand.class,
        DemoCommand.class,
        ModelCommand.class,
        BenchCommand.class,
        ConfigCommand.class,
        CommandLine.HelpCommand.class
    })
public final class MetamutCli implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Exit codes: 0 ok, 1 job failed, 2 usage error, 3 invalid configuration. */
  public static final int EXIT_CONFIG = 3;

  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command line (exception handling included), for the launcher and for tests. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new MetamutCli());
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      PrintWriter err = cmd.getErr();
      if (ex instanceof MetamutConfig.InvalidConfigException ice) {
        err.println("metamut: " + ice.getMessage());
        return EXIT_CONFIG;
      }
      if (ex instanceof OutputRefusedException ore) { // an output folder metamut will not replace: one line
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + ore.getMessage());
        return 1;
      }
      // every other failure: one line (the trace only under --verbose), exit 1
      boolean verbose = cmd.getParseResult() != null && cmd.getParseResult().hasMatchedOption("--verbose");
      String hint = ex instanceof JobFailedException || verbose ? "" : " (--verbose shows the stack trace)";
      err.println(cmd.getCommandSpec().qualifiedName() + ": " + Failures.oneLine(ex) + hint);
      if (verbose) {
        ex.printStackTrace(err);
      }
      err.flush();
      return 1;
    });
    return cl;
  }

  public static void main(String[] args) {
    BlasCoreType.ensure(); // before any command can load ND4J's CPU backend
    int rc = execute(args);
    // Spark's non-daemon threads must not keep a finished job's JVM alive.
    System.exit(rc);
  }
}
