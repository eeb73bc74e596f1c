package dev.flotilla.vm.store.postgresql;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.store.NodeStore;
import dev.flotilla.vm.store.NodeStores;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Prints, for the file store and for PostgreSQL: record updates per second (8 threads, each on records of its
 * own), and the updates lost when 4 processes of 8 threads each increment one record (must be 0). Exits 1 if
 * any update was lost. Run by real-db/test.sh after the tests; `vm status` of 10,000 records is timed there,
 * with the real command.
 */
public final class StoreBenchmark {
  private static final int THREADS = 8;
  private static final int PROCESSES = 4;

  private StoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("worker")) {
      increment(args[1], Integer.parseInt(args[2]));
      return;
    }
    Path dir = Files.createTempDirectory("flotilla-store-bench");
    long lost = 0;
    for (String[] store : List.of(new String[] {"file store", dir.toString()},
        new String[] {"PostgreSQL", TestDatabase.freshSchemaUrl()})) {
      double perSecond = updatesPerSecond(store[1], 250);
      int each = 50;
      long got = lostUpdates(store[1], each);
      long expected = (long) PROCESSES * THREADS * each;
      lost += expected - got;
      System.out.printf("%-10s: %,.0f record updates/s (%d threads, records of their own); %d processes x %d threads"
          + " x %d increments of one record: %d of %d counted, %d lost%n", store[0], perSecond, THREADS, PROCESSES,
          THREADS, each, got, expected, expected - got);
    }
    System.exit(lost == 0 ? 0 : 1);
  }

  private static NodeStore open(String location) {
    return NodeStores.open(location, Path.of("."), Map.of());
  }

  private static double updatesPerSecond(String location, int each) throws Exception {
    try (NodeStore store = open(location)) {
      for (int t = 0; t < THREADS; t++) {
        store.put(Node.builder("bench" + t).option("n", "0").build());
      }
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      long start = System.nanoTime();
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        String name = "bench" + t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            store.update(name, StoreBenchmark::plusOne);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      pool.shutdown();
      return THREADS * each / seconds;
    }
  }

  /** Starts the worker processes on one record, then reads what they counted. */
  private static long lostUpdates(String location, int each) throws Exception {
    try (NodeStore store = open(location)) {
      store.put(Node.builder("counter").option("n", "0").build());
    }
    List<Process> workers = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      workers.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Dorg.postgresql.pgpassfile=" + System.getProperty("org.postgresql.pgpassfile"),
          "-cp", System.getProperty("java.class.path"), StoreBenchmark.class.getName(), "worker", location,
          Integer.toString(each)).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }
    for (Process w : workers) {
      if (!w.waitFor(10, TimeUnit.MINUTES) || w.exitValue() != 0) {
        throw new IllegalStateException("a worker process failed");
      }
    }
    try (NodeStore store = open(location)) {
      return Long.parseLong(store.get("counter").orElseThrow().options().get("n"));
    }
  }

  private static void increment(String location, int each) throws Exception {
    try (NodeStore store = open(location)) {
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            store.update("counter", StoreBenchmark::plusOne);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
    }
  }

  private static Node plusOne(Node n) {
    return n.toBuilder().option("n", Long.toString(Long.parseLong(n.options().get("n")) + 1)).build();
  }
}
