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
  protected boolean fill() {
    ((FakeCloud) provider()).capacity("", 0);
    return true;
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
