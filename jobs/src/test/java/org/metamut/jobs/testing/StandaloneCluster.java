package org.metamut.jobs.testing;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Spark standalone cluster for tests (DESIGN.md §7): one Master and one Worker, separate JVMs started from
 * this test JVM's classpath on 127.0.0.1, the Worker offering {@code gpus} fake GPUs through a discovery script.
 * Executors are the Worker's child JVMs ({@code CoarseGrainedExecutorBackend}). {@link #close} destroys every
 * process it started, children first.
 */
public final class StandaloneCluster implements AutoCloseable {
  private final Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final String classpath;
  private final List<String> jvmFlags;
  private int port;
  private int webUi;

  private StandaloneCluster(Path dir) {
    this.dir = dir;
    String cp = System.getProperty("surefire.test.class.path");
    this.classpath = cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    this.jvmFlags = sparkJvmFlags();
  }

  /** The Java 17 flags Spark needs, as this JVM got them from surefire's argLine. */
  public static List<String> sparkJvmFlags() {
    List<String> out = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--add-modules")
          || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty") || a.equals("-XX:+IgnoreUnrecognizedVMOptions")
          || a.startsWith("--enable-native-access")) {
        out.add(a);
      }
    }
    return out;
  }

  public String classpath() {
    return classpath;
  }

  public String masterUrl() {
    return "spark://127.0.0.1:" + port;
  }

  /** Starts Master and Worker and waits until the worker is registered (or throws after {@code timeout}). */
  public static StandaloneCluster start(Path dir, int workerCores, int gpus, Duration timeout) throws Exception {
    StandaloneCluster c = new StandaloneCluster(dir);
    try {
      c.launch(workerCores, gpus, timeout);
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  private void launch(int cores, int gpus, Duration timeout) throws Exception {
    port = freePort();
    webUi = freePort();
    Path home = dir.resolve("spark-home");
    Files.createDirectories(home.resolve("jars"));
    Path script = dir.resolve("fake-gpus.sh");
    StringBuilder addrs = new StringBuilder();
    for (int i = 0; i < gpus; i++) {
      addrs.append(i == 0 ? "" : ",").append('"').append(i).append('"');
    }
    Files.writeString(script, "#!/usr/bin/env bash\necho '{\"name\":\"gpu\",\"addresses\":[" + addrs + "]}'\n");
    if (!script.toFile().setExecutable(true)) {
      throw new IOException("cannot make " + script + " executable");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    List<String> master = new ArrayList<>(List.of(java));
    master.addAll(jvmFlags);
    master.addAll(List.of("-Xmx512m", "-Dspark.master.rest.enabled=false", "-cp", classpath,
        "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", "" + port, "--webui-port", "" + webUi));
    processes.add(spawn(master, "master", home));

    List<String> worker = new ArrayList<>(List.of(java));
    worker.addAll(jvmFlags);
    worker.addAll(List.of("-Xmx512m", "-Dspark.worker.resource.gpu.amount=" + gpus,
        "-Dspark.worker.resource.gpu.discoveryScript=" + script, "-cp", classpath,
        "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--port", "0", "--webui-port", "0",
        "--cores", "" + cores, "--memory", "3g", "--work-dir", dir.resolve("work").toString(), masterUrl()));
    processes.add(spawn(worker, "worker", home));

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    Pattern alive = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
    while (true) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new IllegalStateException("a cluster process exited early; see logs in " + dir);
        }
      }
      try {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webUi + "/json/"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = alive.matcher(body);
        if (m.find() && Integer.parseInt(m.group(1)) >= 1) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("standalone cluster not ready after " + timeout + "; logs in " + dir);
      }
      Thread.sleep(250);
    }
  }

  private Process spawn(List<String> cmd, String name, Path home) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_DIST_CLASSPATH", classpath);
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("OMP_NUM_THREADS", "1");
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".log").toFile());
    return pb.start();
  }

  /** Process ids of this cluster's live executor JVMs. */
  public List<Long> executorPids() {
    List<Long> out = new ArrayList<>();
    for (Process p : processes) {
      p.descendants().filter(ProcessHandle::isAlive).forEach(h -> {
        String cmdline = cmdline(h.pid());
        if (cmdline.contains("CoarseGrainedExecutorBackend")) {
          out.add(h.pid());
        }
      });
    }
    return out;
  }

  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  /** SIGKILLs one executor JVM of this cluster; returns its pid. */
  public long killOneExecutor() {
    List<Long> pids = executorPids();
    if (pids.isEmpty()) {
      throw new IllegalStateException("no executor to kill");
    }
    long pid = pids.get(0);
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    return pid;
  }

  public Path logDir() {
    return dir;
  }

  @Override
  public void close() {
    List<Process> rev = new ArrayList<>(processes);
    rev.sort(Comparator.comparingInt(p -> -processes.indexOf(p))); // worker (and its executors) before master
    for (Process p : rev) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Process p : rev) {
      try {
        p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  static String join(List<String> parts) {
    return String.join(File.pathSeparator, parts);
  }
}
