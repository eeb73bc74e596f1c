package dev.flotilla.vm.testkit;

import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.spi.Provider;

/** The fake cloud keeps the contract every provider keeps. */
class FakeCloudContractTest extends ProviderContract {
  @Override
  protected Provider openProvider() {
    return FakeCloudExtension.defaults(VirtualClock.create()).build();
  }

  @Override
  protected Runnable fill() {
    FakeCloud cloud = (FakeCloud) provider();
    cloud.capacity("", 0);
    return () -> cloud.capacity("", -1);
  }

  @Override
  protected VmClient.Builder clientBuilder(Provider p) {
    return ((FakeCloud) p).clientBuilder();
  }

  @Override
  protected String otherType() {
    return "m1.large";
  }
}
