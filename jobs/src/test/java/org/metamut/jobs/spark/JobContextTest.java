package org.metamut.jobs.spark;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class JobContextTest {

  @Test
  void theEmbeddedModeRunsWithoutAUiAndNoMasterGetsKillLinks() {
    Map<String, String> local = JobContext.sessionSettings("local[*]", Map.of("spark.executor.memory", "2g"));
    assertEquals("false", local.get("spark.ui.enabled"));
    assertEquals("false", local.get("spark.ui.killEnabled"));
    assertEquals("2g", local.get("spark.executor.memory"));
    Map<String, String> cluster = JobContext.sessionSettings("spark://10.0.0.1:7077", Map.of());
    assertEquals("false", cluster.get("spark.ui.killEnabled"));
    assertFalse(cluster.containsKey("spark.ui.enabled"), "a cluster's driver keeps its UI");
    // the configuration can ask for the UI back
    assertEquals("true", JobContext.sessionSettings("local[2]", Map.of("spark.ui.enabled", "true")).get("spark.ui.enabled"));
  }

  @Test
  void everySessionRegistersTheNativeBackendPluginAfterTheUsersOwn() {
    String plugin = NativeBackendPlugin.class.getName();
    assertEquals(plugin, JobContext.sessionSettings("local[*]", Map.of()).get("spark.plugins"));
    assertEquals("com.example.A,com.example.B," + plugin,
        JobContext.sessionSettings("spark://h:7077", Map.of("spark.plugins", " com.example.A, com.example.B ,")).get("spark.plugins"));
    assertEquals("com.example.A," + plugin, NativeBackendPlugin.addTo("com.example.A," + plugin), "never twice");
  }
}
