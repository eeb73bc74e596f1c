package dev.flotilla.vm.store;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmException;
import dev.flotilla.vm.support.Json;
import dev.flotilla.vm.support.NodeLocks;
import dev.flotilla.vm.support.NodeJson;
import dev.flotilla.vm.support.Records;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Node records as files, one {@code nodes/NAME.json} per node under a directory you choose, in LEAP's
 * keys ({@code ip_address}, {@code services}, {@code tags}, {@code vm.id}, {@code vm.auth},
 * {@code vm.options}...). A record may name a parent with {@code inherit}; it then has every property of
 * the parent it does not set itself, and only what differs is written to its file.
 *
 * <p>Every write goes to a file beside the record, is flushed to disk and then renamed over it, so a
 * crash leaves the old record or the new one, never half of one; what a killed write leaves beside it is
 * removed by the next process's first write. Updates hold a lock (a lock file across processes, a lock
 * within this JVM) around read, change and write, so concurrent writers, in one process or several, never
 * lose each other's changes. A file that cannot be read is reported with its path and never rewritten.
 *
 * <p>The per-node locks of {@link #lock} are operating-system locks on {@code nodes/.locks/NAME.lock},
 * which name their holder (process and host) and are released when the holder's process ends, however it
 * ends.
 */
public final class FileNodeStore implements NodeStore {
  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
  private static final Map<Path, Map<String, java.util.concurrent.Semaphore>> JVM_NODE_LOCKS = new ConcurrentHashMap<>();
  private static final String LOCK_FILE = ".lock";
  private static final String NODE_LOCKS = ".locks";
  private static final String TMP = ".tmp";
  /** A record is a few hundred bytes; one far larger is not one, and is not read into memory. */
  static final long MAX_RECORD_BYTES = 1 << 20;

  private final Path dir;
  private final ReentrantLock jvmLock;
  private final Map<String, java.util.concurrent.Semaphore> nodeLocks;
  private volatile boolean swept;

  private FileNodeStore(Path dir) {
    this.dir = dir;
    this.jvmLock = JVM_LOCKS.computeIfAbsent(dir, d -> new ReentrantLock());
    this.nodeLocks = JVM_NODE_LOCKS.computeIfAbsent(dir, d -> NodeLocks.table());
  }

  /** The store of records under {@code root}/nodes; the folder is made on the first write. */
  public static FileNodeStore open(Path root) {
    return new FileNodeStore(root.resolve("nodes").toAbsolutePath().normalize());
  }

  /** The folder that holds the records. */
  public Path directory() {
    return dir;
  }

  /** The file of node {@code name}. */
  public Path fileOf(String name) {
    return dir.resolve(name + ".json");
  }

  @Override
  public String location() {
    return dir.toString();
  }

  @Override
  public String whereIs(String name) {
    return fileOf(name).toString();
  }

  @Override
  public Optional<Node> get(String name) {
    return readRaw(name).map(raw -> resolve(raw, new LinkedHashSet<>()));
  }

  @Override
  public List<Node> list() {
    List<Node> out = new ArrayList<>();
    for (String name : names()) {
      get(name).ifPresent(out::add);
    }
    return out;
  }

  /** The names of the nodes that have records, sorted. */
  public List<String> names() {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.exists(dir)) {
      return List.of();
    }
    if (!Files.isDirectory(dir)) {
      throw new ConfigurationException(dir, null, "is not a folder, so it holds no node records; move it away (the"
          + " records live in nodes/NAME.json)");
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString())
          .filter(f -> f.endsWith(".json") && !f.startsWith("."))
          .map(f -> f.substring(0, f.length() - ".json".length())).sorted().toList();
    } catch (IOException e) {
      throw new VmException("Cannot list the node records in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Node> update(String name, UnaryOperator<Node> change) {
    return locked(() -> {
      sweepOnce();
      Node before = readRaw(name).map(r -> resolve(r, new LinkedHashSet<>())).orElse(null);
      Node after = change.apply(before);
      Path file = fileOf(name);
      if (after == null) {
        delete(file);
        return Optional.empty();
      }
      Node parent = Records.parentOf(name, after, this::get, file, this::whereIs);
      write(file, NodeJson.write(after, parent));
      return Optional.of(after);
    });
  }

  private Optional<Node> readRaw(String name) {
    Path file = fileOf(name);
    String text;
    try {
      text = Json.readFile(file, MAX_RECORD_BYTES);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    JsonObject json = Json.parseObject(text, file);
    return Optional.of(NodeJson.read(name, json, file));
  }

  private Node resolve(Node raw, Set<String> seen) {
    if (!seen.add(raw.name())) {
      throw new ConfigurationException(fileOf(raw.name()), "inherit", "inheritance loops back to itself: "
          + String.join(" -> ", seen) + " -> " + raw.name() + "; remove one 'inherit'");
    }
    if (raw.parent().isEmpty()) {
      return raw;
    }
    String parentName = raw.parent().get();
    Node parent = readRaw(parentName).orElseThrow(() -> new ConfigurationException(fileOf(raw.name()), "inherit",
        "names node '" + parentName + "', which has no record " + fileOf(parentName) + "; create it or fix the name"));
    return NodeJson.resolve(raw, resolve(parent, seen));
  }

  /** Removes what writes killed half-way left beside the records; once per store, under the lock. */
  private void sweepOnce() {
    if (swept) {
      return;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.getFileName().toString().startsWith(".")
          && f.getFileName().toString().endsWith(TMP)).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a leftover temporary file is harmless; the records themselves are intact
    }
    swept = true;
  }

  @Override
  public Lock lock(java.util.Collection<String> names, java.time.Duration wait) {
    java.time.Instant start = java.time.Instant.now();
    return NodeLocks.takeAll(names, NodeLocks.deadline(wait), (name, deadline) -> {
      Runnable jvm = NodeLocks.takeInJvm(nodeLocks, name, start, deadline);
      try {
        Runnable file = lockFile(name, start, deadline);
        return () -> {
          file.run();
          jvm.run();
        };
      } catch (RuntimeException e) {
        jvm.run();
        throw e;
      }
    });
  }

  /** The OS lock of {@code nodes/.locks/NAME.lock}, which then names its holder. */
  private Runnable lockFile(String name, java.time.Instant start, java.time.Instant deadline) {
    Path file = dir.resolve(NODE_LOCKS).resolve(name + ".lock");
    FileChannel channel = null;
    try {
      Files.createDirectories(file.getParent());
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
          java.nio.file.LinkOption.NOFOLLOW_LINKS);
      long pause = 5;
      while (true) {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          channel.truncate(0);
          channel.write(ByteBuffer.wrap((NodeLocks.here() + " since " + java.time.Instant.now() + "\n")
              .getBytes(StandardCharsets.UTF_8)), 0);
          FileChannel held = channel;
          return () -> {
            try {
              held.close(); // releases the lock
            } catch (IOException e) {
              // the lock goes with the channel, closed or not, when this process ends
            }
          };
        }
        if (!java.time.Instant.now().isBefore(deadline)) {
          String holder;
          try (java.io.InputStream in = Files.newInputStream(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            holder = new String(in.readNBytes(512), StandardCharsets.UTF_8).trim();
          }
          throw new dev.flotilla.vm.NodeLockedException(name, holder.isEmpty() ? "another process" : holder,
              java.time.Duration.between(start, java.time.Instant.now()));
        }
        Thread.sleep(pause);
        pause = Math.min(pause * 2, 100);
      }
    } catch (IOException e) {
      close(channel);
      throw new VmException("Cannot lock node " + name + " with " + file + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      close(channel);
      Thread.currentThread().interrupt();
      throw new VmException("Interrupted while waiting for the lock of node " + name + "; nothing was changed.", e);
    } catch (RuntimeException e) {
      close(channel);
      throw e;
    }
  }

  private static void close(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing was locked through it
      }
    }
  }

  private <T> T locked(java.util.function.Supplier<T> body) {
    jvmLock.lock();
    try {
      Files.createDirectories(dir);
      try (FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS);
          FileLock ignored = dev.flotilla.vm.support.FileLocks.lock(channel)) {
        return body.get();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot lock the node records in " + dir, e);
    } finally {
      jvmLock.unlock();
    }
  }

  /** Writes aside, flushes, renames over the record, then flushes the folder so the rename lasts. */
  private static void write(Path file, JsonObject json) {
    byte[] bytes = (new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(json) + "\n")
        .getBytes(StandardCharsets.UTF_8);
    // one name per record: a write killed half-way leaves a file the next write of the record replaces
    Path tmp = file.resolveSibling("." + file.getFileName() + TMP);
    try {
      Files.deleteIfExists(tmp); // a link there is removed, never written through
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
          java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        out.write(ByteBuffer.wrap(bytes));
        out.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
      syncDirectory(file.getParent());
    } catch (IOException e) {
      throw new VmException("Cannot write " + file + ": " + e.getMessage() + ". The previous record is unchanged.", e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the temporary file is harmless; the record itself is intact
        }
      }
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
      syncDirectory(file.getParent());
    } catch (IOException e) {
      throw new VmException("Cannot delete " + file + ": " + e.getMessage(), e);
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // some file systems cannot sync a folder; the rename itself is still atomic
    }
  }

  @Override
  public String toString() {
    return "FileNodeStore{" + dir + "}";
  }
}
