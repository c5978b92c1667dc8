package org.metamut.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The effective, validated metamut configuration.
 *
 * <p>Layers, lowest precedence first: {@code reference.conf} in the jars (the defaults), the user's
 * {@code conf/application.conf}, a named profile {@code conf/profiles/<name>.conf}, the files given with
 * {@code --config} (later files win), and {@code -Dkey=value} overrides. Only the {@code metamut} subtree
 * is ours; everything in it is validated against {@link Keys} at load time, and all problems are
 * reported together, each naming the key, the value, where it came from and what is accepted.
 *
 * <p>Parsed once on the driver; executors receive the typed settings records built from it, never this.
 */
public final class MetamutConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Environment variable naming the folder with {@code application.conf} and {@code profiles/}. */
  public static final String CONF_DIR_ENV = "METAMUT_CONF_DIR";
  public static final String ROOT = "metamut";

  // Config is not Serializable in a way we want to rely on; keep the rendered text and re-parse lazily.
  private final String rendered;
  private transient Config config;

  private MetamutConfig(Config config) {
    this.config = config;
    this.rendered = config.root().render(ConfigRenderOptions.concise());
  }

  /** Where the layers come from; every field may be empty. */
  public record Sources(Path confDir, String profile, List<Path> files, Map<String, String> overrides) {
    public Sources {
      files = List.copyOf(files);
      overrides = Map.copyOf(overrides);
    }

    public static Sources defaults() {
      return new Sources(defaultConfDir(), null, List.of(), Map.of());
    }
  }

  /** The conf folder: {@code $METAMUT_CONF_DIR}, else {@code ./conf} if it exists, else none. */
  public static Path defaultConfDir() {
    String env = System.getenv(CONF_DIR_ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    Path local = Path.of("conf");
    return Files.isDirectory(local) ? local : null;
  }

  /**
   * The {@code -D} values as config values: a value written as a list ({@code [8, 16]}, {@code [cf-head, finetune]})
   * is read as a HOCON list, so list keys can be overridden on the command line; anything else stays the string it is
   * (a path such as {@code hdfs://host/dir} must not be read as HOCON, where {@code //} starts a comment). A value
   * that looks like a list but does not parse as one stays a string and is reported by the key's own validation.
   */
  private static Map<String, Object> overrideValues(Map<String, String> overrides) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    overrides.forEach((key, value) -> {
      String v = value.strip();
      Object parsed = value;
      if (v.startsWith("[") && v.endsWith("]")) {
        try {
          parsed = ConfigFactory.parseString("v = " + v).getList("v").unwrapped();
        } catch (com.typesafe.config.ConfigException e) {
          parsed = value;
        }
      }
      out.put(key, parsed);
    });
    return out;
  }

  /** Loads and validates; throws {@link InvalidConfigException} listing every problem. */
  public static MetamutConfig load(Sources sources) {
    ConfigParseOptions strict = ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF);
    Config merged = ConfigFactory.parseMap(overrideValues(sources.overrides()), "command-line override (-D)");
    for (int i = sources.files().size() - 1; i >= 0; i--) {
      Path f = sources.files().get(i);
      requireFile(f, "--config");
      merged = merged.withFallback(parseFile(f, strict));
    }
    if (sources.profile() != null) {
      Path dir = sources.confDir();
      if (dir == null) {
        throw new InvalidConfigException(List.of("profile '" + sources.profile()
            + "' asked for, but there is no conf folder (set " + CONF_DIR_ENV + " or run from the metamut folder)"));
      }
      Path f = dir.resolve("profiles").resolve(sources.profile() + ".conf");
      if (!Files.isRegularFile(f)) {
        throw new InvalidConfigException(List.of("unknown profile '" + sources.profile() + "': no file " + f
            + " (profiles available: " + listProfiles(dir) + ")"));
      }
      merged = merged.withFallback(parseFile(f, strict));
    }
    if (sources.confDir() != null) {
      Path app = sources.confDir().resolve("application.conf");
      if (Files.isRegularFile(app)) {
        merged = merged.withFallback(parseFile(app, strict));
      }
    }
    Config reference = ConfigFactory.parseResources(MetamutConfig.class.getClassLoader(), "reference.conf");
    merged = merged.withFallback(reference);
    Config resolved;
    try {
      resolved = merged.resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(true));
    } catch (ConfigException e) {
      throw new InvalidConfigException(List.of(e.getMessage()));
    }
    Validator.validate(resolved, Keys.all());
    return new MetamutConfig(resolved);
  }

  /** For tests: validates a HOCON text layered over the defaults. */
  public static MetamutConfig fromString(String hocon) {
    Config user = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription("test string"));
    Config merged = user.withFallback(ConfigFactory.parseResources(MetamutConfig.class.getClassLoader(), "reference.conf"))
        .resolve();
    Validator.validate(merged, Keys.all());
    return new MetamutConfig(merged);
  }

  private static Config parseFile(Path f, ConfigParseOptions opts) {
    try {
      return ConfigFactory.parseFile(f.toFile(), opts);
    } catch (ConfigException e) {
      throw new InvalidConfigException(List.of("cannot parse " + f + ": " + e.getMessage()));
    }
  }

  private static void requireFile(Path f, String option) {
    if (!Files.isRegularFile(f)) {
      throw new InvalidConfigException(List.of(option + " " + f + ": no such file"));
    }
  }

  private static String listProfiles(Path dir) {
    try (var s = Files.list(dir.resolve("profiles"))) {
      return String.join(", ", s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".conf")).map(n -> n.substring(0, n.length() - 5)).sorted().toList());
    } catch (java.io.IOException e) {
      return "none";
    }
  }

  private Config config() {
    if (config == null) {
      config = ConfigFactory.parseString(rendered).resolve();
    }
    return config;
  }

  /** The validated value of a key. */
  public <T> T get(ConfigKey<T> key) {
    return key.read(config());
  }

  /** A field of a named entry of a map key (e.g. one dataset of the catalogue); null if optional and absent. */
  public <T> T entry(ConfigKey<List<String>> mapKey, String name, ConfigKey<T> field) {
    Objects.requireNonNull(mapKey.entryKeys().get(field.path()), () -> field.path() + " is not a field of " + mapKey.path());
    return field.at(mapKey.path() + "." + quote(name) + "." + field.path()).read(config());
  }

  static String quote(String name) {
    return name.matches("[A-Za-z0-9_-]+") ? name : ConfigUtilQuote.quote(name);
  }

  /**
   * The whole metamut subtree as HOCON, for provenance records (model files, manifests, summaries), with secrets
   * {@link Redaction redacted}: never parse it back into a config (use {@link #withOverrides}).
   */
  public String renderMetamut() {
    return Redaction.redact(config().getConfig(ROOT)).root()
        .render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
  }

  /**
   * This configuration with {@code hocon} laid over it (a run derived from this one: the demo's evaluation sizes,
   * a benchmark's output folder); secrets are carried, unlike {@link #renderMetamut}'s text.
   */
  public MetamutConfig withOverrides(String hocon) {
    return fromString(ROOT + " = " + config().getConfig(ROOT).root().render(ConfigRenderOptions.concise()) + "\n" + hocon);
  }

  /**
   * Every leaf value under metamut with its origin, sorted by key, for {@code metamut config show}; secret values
   * are {@link Redaction redacted}, their origins kept.
   */
  public Map<String, String[]> explain() {
    Map<String, String[]> out = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : config().getConfig(ROOT).entrySet()) {
      ConfigValue v = e.getValue();
      String shown = Redaction.isSecret(e.getKey()) ? Redaction.REDACTED : v.render(ConfigRenderOptions.concise());
      out.put(ROOT + "." + e.getKey(), new String[] {shown, describe(v.origin())});
    }
    return out;
  }

  static String describe(ConfigOrigin origin) {
    if (origin == null) {
      return "?";
    }
    String d = origin.description();
    if (d.contains("reference.conf")) {
      return "default (reference.conf" + (origin.lineNumber() > 0 ? ":" + origin.lineNumber() : "") + ")";
    }
    return d;
  }

  /** Helper separated out so the quoting rule has a name. */
  private static final class ConfigUtilQuote {
    static String quote(String s) {
      return com.typesafe.config.ConfigUtil.quoteString(s);
    }
  }

  /** All validation problems of one load, each a full sentence. */
  public static final class InvalidConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public InvalidConfigException(List<String> problems) {
      super("invalid configuration:\n  - " + String.join("\n  - ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }

  /** Checks a resolved config against the declared keys. */
  static final class Validator {
    private Validator() {
    }

    static void validate(Config resolved, List<ConfigKey<?>> keys) {
      List<String> problems = new ArrayList<>();
      Map<String, ConfigKey<?>> byPath = new LinkedHashMap<>();
      for (ConfigKey<?> k : keys) {
        byPath.put(k.path(), k);
        check(resolved, k, problems);
        if (!k.entryKeys().isEmpty() && resolved.hasPath(k.path())) {
          for (String name : resolved.getObject(k.path()).keySet()) {
            String base = k.path() + "." + quote(name);
            if (resolved.getValue(base).valueType() != com.typesafe.config.ConfigValueType.OBJECT) {
              problems.add(base + " must be an object (at " + describe(resolved.getValue(base).origin()) + ")");
              continue;
            }
            for (ConfigKey<?> f : k.entryKeys().values()) {
              check(resolved, f.at(base + "." + f.path()), problems);
            }
            for (String leaf : resolved.getConfig(base).entrySet().stream().map(Map.Entry::getKey).sorted().toList()) {
              if (!coveredBy(leaf, k.entryKeys())) {
                ConfigValue v = resolved.getValue(base + "." + leaf);
                problems.add("unknown key " + base + "." + leaf + " (at " + describe(v.origin()) + ")"
                    + suggestion(leaf, k.entryKeys().keySet()) + "; fields of an entry: "
                    + String.join(", ", k.entryKeys().keySet()));
              }
            }
          }
        }
      }
      if (resolved.hasPath(ROOT)) {
        for (Map.Entry<String, ConfigValue> e : resolved.getConfig(ROOT).entrySet()) {
          String full = ROOT + "." + e.getKey();
          if (!coveredBy(full, byPath)) {
            problems.add("unknown key " + full + " (at " + describe(e.getValue().origin()) + ")"
                + suggestion(full, byPath.keySet()) + "; see 'metamut config keys' for every key");
          }
        }
      }
      if (!problems.isEmpty()) {
        throw new InvalidConfigException(problems);
      }
    }

    private static void check(Config c, ConfigKey<?> k, List<String> problems) {
      try {
        k.read(c);
      } catch (ConfigKey.InvalidValue e) {
        String where = "";
        String value = "";
        if (c.hasPathOrNull(k.path())) {
          ConfigValue v = c.getValue(k.path());
          value = " = " + v.render(ConfigRenderOptions.concise());
          where = " (at " + describe(v.origin()) + ")";
        }
        problems.add(k.path() + value + where + " " + e.getMessage() + ": expected " + k.accepted()
            + " [" + k.doc() + "]");
      }
    }

    private static boolean coveredBy(String leaf, Map<String, ConfigKey<?>> keys) {
      if (keys.containsKey(leaf)) {
        return true;
      }
      for (ConfigKey<?> k : keys.values()) {
        if (k.isSubtree() && leaf.startsWith(k.path() + ".")) {
          return true;
        }
      }
      return false;
    }

    private static String suggestion(String leaf, java.util.Collection<String> known) {
      String best = null;
      int bestD = Integer.MAX_VALUE;
      for (String k : known) {
        int d = levenshtein(leaf, k);
        if (d < bestD) {
          bestD = d;
          best = k;
        }
      }
      return best != null && bestD <= Math.max(2, leaf.length() / 4) ? "; did you mean " + best + "?" : "";
    }

    static int levenshtein(String a, String b) {
      int[] prev = new int[b.length() + 1];
      int[] cur = new int[b.length() + 1];
      for (int j = 0; j <= b.length(); j++) {
        prev[j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        cur[0] = i;
        for (int j = 1; j <= b.length(); j++) {
          int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
          cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
        }
        int[] t = prev;
        prev = cur;
        cur = t;
      }
      return prev[b.length()];
    }
  }
}
