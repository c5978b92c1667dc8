package org.metamut.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One configuration key: its full path, a one-line doc that states the constraint, its type and its
 * validator, declared once beside the other keys of its area (see {@link Keys}).
 *
 * <p>The default value is not here: defaults live once, in {@code reference.conf}; {@code KeysTest}
 * checks that every key has a default there and that no default lacks a key.
 *
 * @param <T> the Java type the value is read as
 */
public final class ConfigKey<T> {

  /** Reads a value of one HOCON type, or throws {@link ConfigException} for a wrong type. */
  @FunctionalInterface
  interface Reader<T> {
    T read(Config config, String path);
  }

  private final String path;
  private final String doc;
  private final String accepted;
  private final Reader<T> reader;
  private final Predicate<? super T> valid;
  private final boolean subtree;
  private final Map<String, ConfigKey<?>> entryKeys;
  private final boolean optional;

  private ConfigKey(String path, String doc, String accepted, Reader<T> reader,
                    Predicate<? super T> valid, boolean subtree, Map<String, ConfigKey<?>> entryKeys) {
    this(path, doc, accepted, reader, valid, subtree, entryKeys, false);
  }

  private ConfigKey(String path, String doc, String accepted, Reader<T> reader,
                    Predicate<? super T> valid, boolean subtree, Map<String, ConfigKey<?>> entryKeys,
                    boolean optional) {
    this.path = Objects.requireNonNull(path);
    this.doc = Objects.requireNonNull(doc);
    this.accepted = Objects.requireNonNull(accepted);
    this.reader = reader;
    this.valid = valid;
    this.subtree = subtree;
    this.entryKeys = entryKeys;
    this.optional = optional;
  }

  /**
   * The same key, but allowed to be absent (read as {@code null}). Only for the fields of map entries
   * ({@link #entryMapKey}); top-level keys always have a default in {@code reference.conf}.
   */
  public ConfigKey<T> optional() {
    return new ConfigKey<>(path, doc, accepted, reader, valid, subtree, entryKeys, true);
  }

  public boolean isOptional() {
    return optional;
  }

  public String path() {
    return path;
  }

  public String doc() {
    return doc;
  }

  /** What values are accepted, in words (used in error messages). */
  public String accepted() {
    return accepted;
  }

  /** True if this key owns a whole subtree (a free-form map, or a map of validated entries). */
  boolean isSubtree() {
    return subtree;
  }

  /** For a map of structured entries: the keys of one entry, by their path relative to the entry. */
  Map<String, ConfigKey<?>> entryKeys() {
    return entryKeys;
  }

  /** Reads and validates the value; throws {@link InvalidValue} naming what is accepted. */
  T read(Config config) {
    T value;
    if (optional && !config.hasPath(path)) {
      return null;
    }
    try {
      value = reader.read(config, path);
    } catch (ConfigException.Missing e) {
      throw new InvalidValue("is missing");
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw new InvalidValue("has the wrong type");
    }
    if (!valid.test(value)) {
      throw new InvalidValue("is not accepted");
    }
    return value;
  }

  /** A relocated copy, for the keys of a map entry (e.g. {@code metamut.ingest.datasets.gb1.path}). */
  ConfigKey<T> at(String newPath) {
    return new ConfigKey<>(newPath, doc, accepted, reader, valid, subtree, entryKeys, optional);
  }

  /** Thrown by {@link #read} with the problem in words; the caller adds key, value and origin. */
  static final class InvalidValue extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidValue(String problem) {
      super(problem, null, false, false);
    }
  }

  // ---------------------------------------------------------------- factories

  public static ConfigKey<Integer> intKey(String path, String doc, int min, int max) {
    return new ConfigKey<>(path, doc, range("an integer", min, max, Integer.MIN_VALUE, Integer.MAX_VALUE),
        Config::getInt, v -> v >= min && v <= max, false, Map.of());
  }

  public static ConfigKey<Long> longKey(String path, String doc, long min, long max) {
    return new ConfigKey<>(path, doc, range("an integer", min, max, Long.MIN_VALUE, Long.MAX_VALUE),
        Config::getLong, v -> v >= min && v <= max, false, Map.of());
  }

  public static ConfigKey<Double> doubleKey(String path, String doc, double min, double max) {
    String acc = "a finite number" + (min == -Double.MAX_VALUE && max == Double.MAX_VALUE ? ""
        : " in [" + fmt(min) + ", " + fmt(max) + "]");
    return new ConfigKey<>(path, doc, acc, Config::getDouble,
        v -> Double.isFinite(v) && v >= min && v <= max, false, Map.of());
  }

  /** A number that must be strictly above {@code lowerExclusive}, e.g. a learning rate. */
  public static ConfigKey<Double> positiveDoubleKey(String path, String doc, double max) {
    return new ConfigKey<>(path, doc, "a finite number > 0 and <= " + fmt(max), Config::getDouble,
        v -> Double.isFinite(v) && v > 0 && v <= max, false, Map.of());
  }

  public static ConfigKey<Boolean> boolKey(String path, String doc) {
    return new ConfigKey<>(path, doc, "true or false", Config::getBoolean, v -> true, false, Map.of());
  }

  public static ConfigKey<String> stringKey(String path, String doc, boolean allowEmpty) {
    return new ConfigKey<>(path, doc, allowEmpty ? "a string" : "a non-empty string",
        Config::getString, v -> allowEmpty || !v.isBlank(), false, Map.of());
  }

  /**
   * The same key with a further rule: a value must also pass {@code extra}; {@code accepted} replaces the words
   * that say what is accepted.
   */
  public ConfigKey<T> accepting(String accepted, Predicate<? super T> extra) {
    Predicate<? super T> base = valid;
    return new ConfigKey<>(path, doc, accepted, reader, v -> base.test(v) && extra.test(v), subtree, entryKeys, optional);
  }

  public static ConfigKey<String> enumKey(String path, String doc, String... values) {
    Set<String> allowed = Set.of(values);
    return new ConfigKey<>(path, doc, "one of " + String.join(", ", values),
        Config::getString, allowed::contains, false, Map.of());
  }

  public static ConfigKey<List<Integer>> intListKey(String path, String doc, int min, int max, boolean allowEmpty) {
    return new ConfigKey<>(path, doc,
        (allowEmpty ? "a list" : "a non-empty list") + " of " + range("integers", min, max, Integer.MIN_VALUE, Integer.MAX_VALUE),
        (c, p) -> List.copyOf(c.getIntList(p)),
        v -> (allowEmpty || !v.isEmpty()) && v.stream().allMatch(x -> x >= min && x <= max), false, Map.of());
  }

  /** A list of finite numbers in (min, max] (exclusive minimum: rates, which must be &gt; 0). */
  public static ConfigKey<List<Double>> positiveDoubleListKey(String path, String doc, double max, boolean allowEmpty) {
    return new ConfigKey<>(path, doc,
        (allowEmpty ? "a list" : "a non-empty list") + " of numbers > 0 and <= " + fmt(max),
        (c, p) -> List.copyOf(c.getDoubleList(p)),
        v -> (allowEmpty || !v.isEmpty()) && v.stream().allMatch(x -> x > 0 && x <= max && Double.isFinite(x)), false,
        Map.of());
  }

  public static ConfigKey<List<String>> stringListKey(String path, String doc, boolean allowEmpty) {
    return new ConfigKey<>(path, doc, allowEmpty ? "a list of strings" : "a non-empty list of strings",
        (c, p) -> List.copyOf(c.getStringList(p)), v -> allowEmpty || !v.isEmpty(), false, Map.of());
  }

  public static ConfigKey<List<String>> enumListKey(String path, String doc, boolean allowEmpty, String... values) {
    Set<String> allowed = Set.of(values);
    return new ConfigKey<>(path, doc,
        (allowEmpty ? "a list" : "a non-empty list") + " with elements from " + String.join(", ", values),
        (c, p) -> List.copyOf(c.getStringList(p)),
        v -> (allowEmpty || !v.isEmpty()) && allowed.containsAll(v), false, Map.of());
  }

  /**
   * A free-form map of string values under this path (e.g. {@code metamut.spark.conf}); every key must
   * satisfy {@code keyRule} (described by {@code keyRuleDoc}), and values must be scalars.
   */
  public static ConfigKey<Map<String, String>> stringMapKey(String path, String doc,
                                                            Predicate<String> keyRule, String keyRuleDoc) {
    return new ConfigKey<>(path, doc, "an object of " + keyRuleDoc + " to scalar values",
        (c, p) -> flattenScalars(c.getConfig(p)),
        m -> m.keySet().stream().allMatch(keyRule), true, Map.of());
  }

  /**
   * A map of named entries, each validated by {@code entryKeys} (paths relative to the entry; a field may be
   * absent only if its key is {@link #optional()}). The value read is the entries' names, sorted; read each
   * field with {@link MetamutConfig#entry}.
   */
  public static ConfigKey<List<String>> entryMapKey(String path, String doc, List<ConfigKey<?>> entryKeys) {
    Map<String, ConfigKey<?>> byPath = new LinkedHashMap<>();
    for (ConfigKey<?> k : entryKeys) {
      byPath.put(k.path(), k);
    }
    return new ConfigKey<>(path, doc, "an object of named entries",
        (c, p) -> {
          c.getObject(p); // type check
          List<String> names = new ArrayList<>(c.getObject(p).keySet());
          Collections.sort(names);
          return List.copyOf(names);
        }, v -> true, true, Collections.unmodifiableMap(byPath));
  }

  // ---------------------------------------------------------------- helpers

  private static Map<String, String> flattenScalars(Config sub) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : sub.entrySet()) {
      ConfigValue v = e.getValue();
      if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST) {
        throw new ConfigException.WrongType(v.origin(), e.getKey() + " must be a scalar");
      }
      out.put(stripQuotes(e.getKey()), String.valueOf(v.unwrapped()));
    }
    return out;
  }

  /** HOCON quotes path elements that contain dots; free-form map keys are reported without them. */
  static String stripQuotes(String key) {
    return key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"") ? key.substring(1, key.length() - 1) : key;
  }

  private static String range(String what, long min, long max, long typeMin, long typeMax) {
    if (min == typeMin && max == typeMax) {
      return what;
    }
    if (max == typeMax) {
      return what + " >= " + min;
    }
    if (min == typeMin) {
      return what + " <= " + max;
    }
    return what + " in [" + min + ", " + max + "]";
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  @Override
  public String toString() {
    return path;
  }
}
