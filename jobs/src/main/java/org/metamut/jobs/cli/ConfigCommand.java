package org.metamut.jobs.cli;

import org.metamut.jobs.config.ConfigKey;
import org.metamut.jobs.config.Keys;
import org.metamut.jobs.config.MetamutConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Map;

/** {@code metamut config show|keys|check}: inspect the configuration without running a job. */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Inspect the configuration: the effective values and their origins, or every known key.",
    subcommands = {ConfigCommand.Show.class, ConfigCommand.KeyList.class, ConfigCommand.Check.class})
final class ConfigCommand implements Runnable {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Print the effective configuration (after all layers) and where each value came from; "
          + "secret values (keys like *secret*, *password*, *token*, *access.key*) are redacted.")
  static final class Show implements Runnable {
    @Mixin
    ConfigOptions options = new ConfigOptions();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      MetamutConfig cfg = options.load();
      Map<String, String[]> values = cfg.explain(); // secrets already redacted
      int width = values.keySet().stream().mapToInt(String::length).max().orElse(10);
      java.io.PrintWriter out = spec.commandLine().getOut();
      for (Map.Entry<String, String[]> e : values.entrySet()) {
        out.printf("%-" + width + "s = %s%n%" + width + "s   # %s%n", e.getKey(), e.getValue()[0], "", e.getValue()[1]);
      }
      out.flush();
    }
  }

  @Command(name = "keys", mixinStandardHelpOptions = true, description = "List every configuration key with its doc.")
  static final class KeyList implements Runnable {
    @Override
    public void run() {
      for (ConfigKey<?> k : Keys.all()) {
        System.out.printf("%s%n    %s; %s%n", k.path(), k.doc(), k.accepted());
      }
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Validate the configuration and exit 0 if it is valid, 3 with every problem listed if not.")
  static final class Check implements Runnable {
    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Override
    public void run() {
      options.load();
      System.out.println("configuration is valid");
    }
  }
}
