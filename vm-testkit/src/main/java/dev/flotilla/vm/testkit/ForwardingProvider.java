package dev.flotilla.vm.testkit;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A provider that passes every call to another one, facets included; override the calls a test wants to
 * change, such as a listing that lags behind or a step counted before each call.
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
  public Set<Capability> traits() {
    return delegate.traits();
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
  public java.util.Optional<java.time.Duration> settlesIn(Collection<String> ids) {
    return delegate.settlesIn(ids);
  }

  @Override
  public boolean failedForCapacity(Instance vm) {
    return delegate.failedForCapacity(vm);
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
  public void terminate(Collection<String> ids) {
    delegate.terminate(ids);
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
  public java.util.Optional<dev.flotilla.vm.spi.Snapshots> snapshots() {
    return delegate.snapshots();
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.ImageSaving> imageSaving() {
    return delegate.imageSaving();
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Addresses> addresses() {
    return delegate.addresses();
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Keys> keys() {
    return delegate.keys();
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.Console> console() {
    return delegate.console();
  }

  @Override
  public java.util.Optional<dev.flotilla.vm.spi.HardReboot> hardReboot() {
    return delegate.hardReboot();
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
