package org.metamut.jobs.cli;

import org.metamut.jobs.config.MetamutConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The options every job shares: configuration layers and verbosity. */
public final class ConfigOptions {

  @Option(names = "--config", paramLabel = "FILE",
      description = "HOCON file layered over conf/application.conf and the profile (repeatable; later files win).")
  List<Path> files = new ArrayList<>();

  @Option(names = "--profile", paramLabel = "NAME",
      description = "Named profile conf/profiles/NAME.conf (local, standalone, yarn, kubernetes, gpu).")
  String profile;

  @Option(names = "-D", paramLabel = "KEY=VALUE", mapFallbackValue = "",
      description = "Override one key, e.g. -Dmetamut.run.seed=7 (highest precedence; repeatable).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = {"-v", "--verbose"},
      description = "Show Spark's and ND4J's INFO logs, and the stack trace of a failure.")
  boolean verbose;

  @Option(names = "--conf-dir", paramLabel = "DIR",
      description = "Folder with application.conf and profiles/ (default: $METAMUT_CONF_DIR, else ./conf).")
  Path confDir;

  public MetamutConfig load() {
    Path dir = confDir != null ? confDir : MetamutConfig.defaultConfDir();
    return MetamutConfig.load(new MetamutConfig.Sources(dir, profile, files, overrides));
  }

  public boolean verbose() {
    return verbose;
  }
}
