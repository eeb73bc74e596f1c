package dev.flotilla.vm.testkit;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A provider that passes every call to another one; override the calls a test wants to change, such as a
 * listing that lags behind or a step counted before each call.
 */
public abstract class ForwardingProvider implements Provider {
  private final Provider delegate;

  /** Forwards to {@code delegate}. */
  protected ForwardingProvider(Provider delegate) {
    this.delegate = delegate;
  }

  /** The provider calls go to. */
  protected Provider delegate() {
    return delegate;
  }

  @Override
  public String api() {
    return delegate.api();
  }

  @Override
  public Set<Capability> capabilities() {
    return delegate.capabilities();
  }

  @Override
  public List<Instance> create(CreateRequest request) {
    return delegate.create(request);
  }

  @Override
  public List<Instance> describe(Collection<String> ids) {
    return delegate.describe(ids);
  }

  @Override
  public List<Instance> list() {
    return delegate.list();
  }

  @Override
  public void start(Collection<String> ids) {
    delegate.start(ids);
  }

  @Override
  public void stop(Collection<String> ids, boolean force) {
    delegate.stop(ids, force);
  }

  @Override
  public void reboot(Collection<String> ids) {
    delegate.reboot(ids);
  }

  @Override
  public void reboot(Collection<String> ids, boolean hard) {
    delegate.reboot(ids, hard);
  }

  @Override
  public void terminate(Collection<String> ids) {
    delegate.terminate(ids);
  }

  @Override
  public String consoleOutput(String id) {
    return delegate.consoleOutput(id);
  }

  @Override
  public List<dev.flotilla.vm.FloatingAddress> addresses() {
    return delegate.addresses();
  }

  @Override
  public dev.flotilla.vm.FloatingAddress allocateAddress(String pool) {
    return delegate.allocateAddress(pool);
  }

  @Override
  public void associateAddress(String address, String id) {
    delegate.associateAddress(address, id);
  }

  @Override
  public void disassociateAddress(String address, String id) {
    delegate.disassociateAddress(address, id);
  }

  @Override
  public void releaseAddress(String address) {
    delegate.releaseAddress(address);
  }

  @Override
  public java.util.Optional<Snapshot.Status> imageStatus(String imageId) {
    return delegate.imageStatus(imageId);
  }

  @Override
  public void tag(String id, Map<String, String> tags) {
    delegate.tag(id, tags);
  }

  @Override
  public List<InstanceType> types() {
    return delegate.types();
  }

  @Override
  public List<Image> images() {
    return delegate.images();
  }

  @Override
  public Image createImage(String id, String name, Map<String, String> tags) {
    return delegate.createImage(id, name, tags);
  }

  @Override
  public java.util.Optional<Image> image(String imageId) {
    return delegate.image(imageId);
  }

  @Override
  public void deleteImage(String imageId) {
    delegate.deleteImage(imageId);
  }

  @Override
  public dev.flotilla.vm.KeyPair importKey(String name, String publicKey) {
    return delegate.importKey(name, publicKey);
  }

  @Override
  public List<dev.flotilla.vm.KeyPair> keys() {
    return delegate.keys();
  }

  @Override
  public Snapshot snapshot(String id, String name, SnapshotOptions options) {
    return delegate.snapshot(id, name, options);
  }

  @Override
  public SnapshotChain snapshots(String id) {
    return delegate.snapshots(id);
  }

  @Override
  public void revert(String id, String snapshotId) {
    delegate.revert(id, snapshotId);
  }

  @Override
  public void deleteSnapshot(String id, String snapshotId) {
    delegate.deleteSnapshot(id, snapshotId);
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.StoppedCreation> stoppedCreation() {
    return delegate.stoppedCreation();
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Resizing> resizing() {
    return delegate.resizing();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
