package dev.flotilla.vm.testkit;

import com.google.gson.Gson;
import dev.flotilla.vm.Capability;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.VmException;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A {@link FakeCloud} kept in a file, so that successive processes (a command run again, a process
 * started after another was killed) see the same VMs. Every call locks the file, reads it, runs on the
 * fake cloud and, for calls that change something, writes it back atomically: a process killed at any
 * point leaves the cloud as it was before or after a whole call. Runs on the system clock.
 */
public final class FileBackedFakeCloud implements Provider {
  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
  private static final Gson GSON = new Gson();

  private final Path file;
  private final FakeCloud cloud;
  private final ReentrantLock jvmLock;

  private FileBackedFakeCloud(Path file, FakeCloud cloud) {
    this.file = file.toAbsolutePath().normalize();
    this.cloud = cloud;
    this.jvmLock = JVM_LOCKS.computeIfAbsent(this.file, f -> new ReentrantLock());
  }

  /** A fake cloud kept in {@code file}, made on the first change; VMs change state at once. */
  public static FileBackedFakeCloud open(Path file) {
    return open(file, FakeCloud.builder());
  }

  /** A fake cloud kept in {@code file}, with the settings of {@code builder} (its clock is the system's). */
  public static FileBackedFakeCloud open(Path file, FakeCloudBuilder builder) {
    return new FileBackedFakeCloud(file, builder.clock(java.time.Clock.systemUTC()).build());
  }

  /** The file the cloud is kept in. */
  public Path file() {
    return file;
  }

  /** Answers a share of this process's calls with garbage; see {@link FakeCloud#garbage(double)}. */
  public FileBackedFakeCloud garbage(double share) {
    cloud.garbage(share);
    return this;
  }

  /** The largest state file read: far above any fake cloud a person makes. */
  private static final long MAX_STATE_BYTES = 256L << 20;

  /** Runs {@code look} on the cloud as the file holds it now, without writing it back. */
  public <T> T peek(Function<FakeCloud, T> look) {
    return locked(false, () -> look.apply(cloud));
  }

  private <T> T locked(boolean write, java.util.function.Supplier<T> call) {
    jvmLock.lock();
    try {
      Files.createDirectories(file.getParent());
      try (FileChannel channel = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = dev.flotilla.vm.support.FileLocks.lock(channel)) {
        if (Files.exists(file)) {
          byte[] state = dev.flotilla.vm.support.Json.readBounded(file, MAX_STATE_BYTES);
          try (com.google.gson.stream.JsonReader in = new com.google.gson.stream.JsonReader(
              new java.io.InputStreamReader(new java.io.ByteArrayInputStream(state), StandardCharsets.UTF_8
                  .newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)))) {
            in.setStrictness(com.google.gson.Strictness.STRICT);
            FakeCloudState.restore(cloud, in);
          } catch (RuntimeException | IOException corrupt) {
            throw new dev.flotilla.vm.ConfigurationException(file, null, "does not hold a fake cloud's state ("
                + corrupt.getClass().getSimpleName() + "); remove it to start an empty fake cloud");
          }
        }
        try {
          return call.get();
        } finally {
          if (write) {
            save();
          }
        }
      }
    } catch (IOException e) {
      throw new VmException("Cannot use the fake cloud kept in " + file + ": " + e.getMessage(), e);
    } finally {
      jvmLock.unlock();
    }
  }

  private void save() throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      out.write(ByteBuffer.wrap(GSON.toJson(FakeCloudState.save(cloud)).getBytes(StandardCharsets.UTF_8)));
      out.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private void change(Runnable call) {
    locked(true, () -> {
      call.run();
      return null;
    });
  }

  @Override
  public String api() {
    return cloud.api();
  }

  @Override
  public Set<Capability> traits() {
    return cloud.traits();
  }

  @Override
  public boolean failedForCapacity(Instance vm) {
    return cloud.failedForCapacity(vm);
  }

  /** Creates and saves; the failpoint {@code cloud-created} then halts a crash test's process before it answers. */
  @Override
  public List<Instance> create(CreateRequest request) {
    List<Instance> made = locked(true, () -> cloud.create(request));
    dev.flotilla.vm.support.Failpoints.hit("cloud-created");
    return made;
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.StoppedCreation> stoppedCreation() {
    return cloud.stoppedCreation().map(facet -> request -> {
      List<Instance> made = locked(true, () -> facet.createStopped(request));
      dev.flotilla.vm.support.Failpoints.hit("cloud-created");
      return made;
    });
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Resizing> resizing() {
    return cloud.resizing().map(facet -> (id, type) -> change(() -> facet.resize(id, type)));
  }

  @Override
  public List<Instance> describe(Collection<String> ids) {
    return locked(false, () -> cloud.describe(ids));
  }

  @Override
  public List<Instance> list() {
    return locked(false, cloud::list);
  }

  @Override
  public void start(Collection<String> ids) {
    change(() -> cloud.start(ids));
  }

  @Override
  public void stop(Collection<String> ids, boolean force) {
    change(() -> cloud.stop(ids, force));
  }

  @Override
  public void reboot(Collection<String> ids) {
    change(() -> cloud.reboot(ids));
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.HardReboot> hardReboot() {
    return cloud.hardReboot().map(facet -> ids -> change(() -> facet.reboot(ids)));
  }

  @Override
  public void terminate(Collection<String> ids) {
    change(() -> cloud.terminate(ids));
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Console> console() {
    return cloud.console().map(facet -> id -> locked(false, () -> facet.output(id)));
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Addresses> addresses() {
    return cloud.addresses().map(facet -> new dev.flotilla.vm.spi.Addresses() {
      @Override
      public List<dev.flotilla.vm.FloatingAddress> list() {
        return locked(false, facet::list);
      }

      @Override
      public dev.flotilla.vm.FloatingAddress allocate(String pool) {
        return locked(true, () -> facet.allocate(pool));
      }

      @Override
      public void associate(String address, String id) {
        change(() -> facet.associate(address, id));
      }

      @Override
      public void disassociate(String address, String id) {
        change(() -> facet.disassociate(address, id));
      }

      @Override
      public void release(String address) {
        change(() -> facet.release(address));
      }
    });
  }

  @Override
  public void tag(String id, Map<String, String> tags) {
    change(() -> cloud.tag(id, tags));
  }

  @Override
  public List<InstanceType> types() {
    return cloud.types();
  }

  @Override
  public List<Image> images() {
    return locked(false, cloud::images);
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.ImageSaving> imageSaving() {
    return cloud.imageSaving().map(facet -> new dev.flotilla.vm.spi.ImageSaving() {
      @Override
      public Image save(String id, String name, Map<String, String> tags) {
        return locked(true, () -> facet.save(id, name, tags));
      }

      @Override
      public java.util.Optional<Image> image(String imageId) {
        return locked(false, () -> facet.image(imageId));
      }

      @Override
      public void delete(String imageId) {
        change(() -> facet.delete(imageId));
      }
    });
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Keys> keys() {
    return cloud.keys().map(facet -> new dev.flotilla.vm.spi.Keys() {
      @Override
      public dev.flotilla.vm.KeyPair importKey(String name, String publicKey) {
        return locked(true, () -> facet.importKey(name, publicKey));
      }

      @Override
      public List<dev.flotilla.vm.KeyPair> list() {
        return locked(false, facet::list);
      }
    });
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Snapshots> snapshots() {
    return cloud.snapshots().map(facet -> new dev.flotilla.vm.spi.Snapshots() {
      @Override
      public Snapshot take(String id, String name, SnapshotOptions options) {
        return locked(true, () -> facet.take(id, name, options));
      }

      @Override
      public SnapshotChain chain(String id) {
        return locked(false, () -> facet.chain(id));
      }

      @Override
      public void revert(String id, String snapshotId) {
        change(() -> facet.revert(id, snapshotId));
      }

      @Override
      public void delete(String id, String snapshotId) {
        change(() -> facet.delete(id, snapshotId));
      }
    });
  }

  @Override
  public String toString() {
    return "FileBackedFakeCloud{" + file + "}";
  }
}
