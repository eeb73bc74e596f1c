package dev.flotilla.vm.testkit;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Lifecycle.Action;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.testkit.FakeCloud.Op;
import dev.flotilla.vm.testkit.internal.FakeVm;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What only some clouds have, as the fake cloud has it: resizing, console output, floating addresses, saved images, key
 * pairs and snapshot chains, each a facet over the cloud's state and under its lock; {@link
 * FakeCloudBuilder#without} takes a facet away.
 */
final class FakeCloudFacets {
  private final FakeCloud cloud;

  FakeCloudFacets(FakeCloud cloud) {
    this.cloud = cloud;
  }

  /** Gives a stopped VM another instance type, with its CPUs and memory. */
  void resize(String id, String type) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.RESIZE, List.of(id));
      FakeVm vm = cloud.existing(id);
      vm.settle(cloud.clock.instant());
      cloud.checkAllowed(vm, Action.RESIZE);
      InstanceType t = cloud.types.get(type);
      if (t == null) {
        throw cloud.error(Kind.INVALID_REQUEST, "InvalidInstanceType", "no instance type '" + type + "'; cloud.types: "
            + cloud.types.keySet());
      }
      vm.type = t.name();
      vm.cpus = t.cpus();
      vm.memoryMb = t.memoryMb();
    }
  }

  java.util.Optional<dev.flotilla.vm.spi.Resizing> resizing() {
    return cloud.facet(Capability.RESIZE, this::resize);
  }

  java.util.Optional<dev.flotilla.vm.spi.Console> console() {
    return cloud.facet(Capability.CONSOLE_OUTPUT, this::consoleOutput);
  }

  /** What a booted Debian with cloud-init prints, with the VM's name and how much user data it got. */
  private String consoleOutput(String id) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.CONSOLE_OUTPUT, List.of(id));
      FakeVm vm = cloud.existing(id);
      vm.settle(cloud.clock.instant());
      String name = vm.tags.getOrDefault(Instance.NODE_TAG, vm.id);
      StringBuilder out = new StringBuilder("[    0.000000] Linux version 6.1.0-fake (" + vm.image + ")\n");
      if (vm.state == State.RUNNING || vm.state == State.STOPPING || vm.state == State.STOPPED) {
        out.append("cloud-init: finished, datasource fake\n").append(name).append(" login: \n");
      }
      return out.toString();
    }
  }

  java.util.Optional<dev.flotilla.vm.spi.Addresses> addresses() {
    return cloud.facet(Capability.FLOATING_IP, new dev.flotilla.vm.spi.Addresses() {
      @Override
      public List<dev.flotilla.vm.FloatingAddress> list() {
        return listAddresses();
      }

      @Override
      public dev.flotilla.vm.FloatingAddress allocate(String pool) {
        return allocateAddress(pool);
      }

      @Override
      public void associate(String address, String id) {
        associateAddress(address, id);
      }

      @Override
      public void disassociate(String address, String id) {
        disassociateAddress(address, id);
      }

      @Override
      public void release(String address) {
        releaseAddress(address);
      }
    });
  }

  private List<dev.flotilla.vm.FloatingAddress> listAddresses() {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.ADDRESSES, List.of());
      return cloud.floating.entrySet().stream().map(e -> new dev.flotilla.vm.FloatingAddress(e.getKey(), "public",
          e.getValue())).toList();
    }
  }

  private dev.flotilla.vm.FloatingAddress allocateAddress(String pool) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.ALLOCATE_ADDRESS, List.of());
      if (pool != null && !pool.equals("public")) {
        throw cloud.error(Kind.NOT_FOUND, "FloatingIpPoolNotFound", "no cloud.floating IP pool '" + pool + "'; the pool is public");
      }
      for (int i = 1; i < 255; i++) {
        String address = "203.0.113." + i;
        if (!cloud.floating.containsKey(address)) {
          cloud.floating.put(address, null);
          return new dev.flotilla.vm.FloatingAddress(address, "public", null);
        }
      }
      throw cloud.error(Kind.CAPACITY, "FloatingIpLimitExceeded", "all 254 cloud.floating addresses are allocated");
    }
  }

  private void associateAddress(String address, String id) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.ASSOCIATE_ADDRESS, List.of(id));
      allocated(address);
      cloud.existing(id);
      cloud.floating.put(address, id);
    }
  }

  private void disassociateAddress(String address, String id) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.DISASSOCIATE_ADDRESS, List.of(id));
      if (!id.equals(allocated(address))) {
        throw cloud.error(Kind.INVALID_REQUEST, "FloatingIpNotAssociated", address + " does not point at VM " + id);
      }
      cloud.floating.put(address, null);
    }
  }

  private void releaseAddress(String address) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.RELEASE_ADDRESS, List.of());
      allocated(address);
      cloud.floating.remove(address);
    }
  }

  private String allocated(String address) {
    if (!cloud.floating.containsKey(address)) {
      throw cloud.error(Kind.NOT_FOUND, "FloatingIpNotFound", "no cloud.floating address " + address + " is allocated");
    }
    return cloud.floating.get(address);
  }

  java.util.Optional<dev.flotilla.vm.spi.ImageSaving> imageSaving() {
    return cloud.facet(Capability.SNAPSHOT_TO_IMAGE, new dev.flotilla.vm.spi.ImageSaving() {
      @Override
      public Image save(String id, String name, Map<String, String> tags) {
        return createImage(id, name, tags);
      }

      @Override
      public java.util.Optional<Image> image(String imageId) {
        synchronized (cloud.lock) {
          cloud.faults.receive(Op.IMAGES, List.of());
          return java.util.Optional.ofNullable(cloud.images.get(imageId));
        }
      }

      @Override
      public void delete(String imageId) {
        deleteImage(imageId);
      }
    });
  }

  private Image createImage(String id, String name, Map<String, String> tags) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.CREATE_IMAGE, List.of(id));
      cloud.existing(id);
      Image image = new Image("img-" + String.format("%06d", cloud.nextSnapshot++), name, "self", tags);
      cloud.images.put(image.id(), image);
      return image;
    }
  }

  private void deleteImage(String imageId) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.DELETE_IMAGE, List.of());
      if (cloud.images.remove(imageId) == null) {
        throw cloud.error(Kind.NOT_FOUND, "InvalidAMIID.NotFound", "no image '" + imageId + "'");
      }
    }
  }

  java.util.Optional<dev.flotilla.vm.spi.Keys> keys() {
    return cloud.facet(Capability.KEY_IMPORT, new dev.flotilla.vm.spi.Keys() {
      @Override
      public dev.flotilla.vm.KeyPair importKey(String name, String publicKey) {
        return FakeCloudFacets.this.importKey(name, publicKey);
      }

      @Override
      public List<dev.flotilla.vm.KeyPair> list() {
        return listKeys();
      }
    });
  }

  private dev.flotilla.vm.KeyPair importKey(String name, String publicKey) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.IMPORT_KEY, List.of());
      if (cloud.keys.containsKey(name)) {
        throw cloud.error(Kind.INVALID_REQUEST, "InvalidKeyPair.Duplicate", "a key named '" + name + "' is already registered");
      }
      String fingerprint = dev.flotilla.vm.support.SshKeys.md5(publicKey).orElseThrow(() -> cloud.error(Kind.INVALID_REQUEST,
          "InvalidKey.Format", "not an OpenSSH public key; give the one line of an id_*.pub file"));
      dev.flotilla.vm.KeyPair key = new dev.flotilla.vm.KeyPair(name, fingerprint);
      cloud.keys.put(name, key);
      return key;
    }
  }

  private List<dev.flotilla.vm.KeyPair> listKeys() {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.KEYS, List.of());
      return List.copyOf(cloud.keys.values());
    }
  }

  java.util.Optional<dev.flotilla.vm.spi.Snapshots> snapshots() {
    return cloud.facet(Capability.SNAPSHOTS, new dev.flotilla.vm.spi.Snapshots() {
      @Override
      public Snapshot take(String id, String name, SnapshotOptions options) {
        return snapshot(id, name, options);
      }

      @Override
      public SnapshotChain chain(String id) {
        return snapshots(id);
      }

      @Override
      public void revert(String id, String snapshotId) {
        FakeCloudFacets.this.revert(id, snapshotId);
      }

      @Override
      public void delete(String id, String snapshotId) {
        deleteSnapshot(id, snapshotId);
      }
    });
  }

  private Snapshot snapshot(String id, String name, SnapshotOptions options) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.SNAPSHOT, List.of(id));
      if (options.memory()) {
        cloud.require(Capability.SNAPSHOT_MEMORY);
      }
      Instant now = cloud.clock.instant();
      FakeVm vm = cloud.existing(id);
      vm.settle(now);
      cloud.checkAllowed(vm, Action.SNAPSHOT);
      Snapshot.Status status = cloud.snapshotTime.isZero() ? Snapshot.Status.READY : Snapshot.Status.CREATING;
      Snapshot s = Snapshot.of("snap-" + cloud.nextSnapshot++, name, null, options.memory(), now, status);
      vm.snapshots = vm.snapshots.add(s);
      if (status == Snapshot.Status.CREATING) {
        vm.snapshotReadyAt.put(s.id(), now.plus(cloud.snapshotTime));
      }
      vm.snapshotReadyAt.keySet().retainAll(ids(vm.snapshots));
      return vm.snapshots.get(s.id()).orElseThrow();
    }
  }

  private SnapshotChain snapshots(String id) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.SNAPSHOTS, List.of(id));
      FakeVm vm = cloud.existing(id);
      settleSnapshots(vm, cloud.clock.instant());
      return vm.snapshots;
    }
  }

  private void revert(String id, String snapshotId) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.REVERT, List.of(id));
      Instant now = cloud.clock.instant();
      FakeVm vm = cloud.existing(id);
      vm.settle(now);
      settleSnapshots(vm, now);
      cloud.checkAllowed(vm, Action.REVERT);
      Snapshot s = snapshotOf(vm, snapshotId);
      if (s.status() != Snapshot.Status.READY) {
        throw cloud.error(Kind.INVALID_REQUEST, "SnapshotNotReady", "snapshot " + snapshotId + " is " + s.status());
      }
      vm.snapshots = vm.snapshots.revertTo(snapshotId);
      // As CloudStack does: a memory snapshot comes back running, a disk-only one stopped.
      vm.state = s.includesMemory() ? State.RUNNING : State.STOPPED;
      vm.providerState = vm.state.name().toLowerCase(Locale.ROOT);
    }
  }

  private void deleteSnapshot(String id, String snapshotId) {
    synchronized (cloud.lock) {
      cloud.faults.receive(Op.DELETE_SNAPSHOT, List.of(id));
      FakeVm vm = cloud.existing(id);
      snapshotOf(vm, snapshotId);
      vm.snapshots = vm.snapshots.delete(snapshotId);
      vm.snapshotReadyAt.remove(snapshotId);
    }
  }

  private void settleSnapshots(FakeVm vm, Instant now) {
    var it = vm.snapshotReadyAt.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      if (!now.isBefore(e.getValue())) {
        vm.snapshots.get(e.getKey()).ifPresent(s -> vm.snapshots = vm.snapshots.replace(s.withStatus(Snapshot.Status.READY)));
        it.remove();
      }
    }
  }

  private static Set<String> ids(SnapshotChain chain) {
    Set<String> out = new HashSet<>();
    chain.snapshots().forEach(s -> out.add(s.id()));
    return out;
  }

  private Snapshot snapshotOf(FakeVm vm, String snapshotId) {
    return vm.snapshots.get(snapshotId).orElseThrow(() -> cloud.error(Kind.NOT_FOUND, "SnapshotNotFound",
        "VM " + vm.id + " has no snapshot " + snapshotId));
  }
}
