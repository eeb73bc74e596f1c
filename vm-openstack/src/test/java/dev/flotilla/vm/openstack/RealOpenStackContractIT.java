package dev.flotilla.vm.openstack;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.testkit.ProviderContract;

/** The provider contract against a real OpenStack Zed (Keystone v3, Nova with the fake virt driver). */
class RealOpenStackContractIT extends ProviderContract {
  @Override
  protected Provider openProvider() {
    return new OpenStackProviderFactory().open(RealCloud.profile());
  }

  @Override
  protected Node.Builder node(String name) {
    return Node.builder(name).image(RealCloud.IMAGE).type(RealCloud.FLAVOR);
  }

  /** Nova resizes on the one compute host, as up.sh sets allow_resize_to_same_host. */
  @Override
  protected String otherType() {
    return "m1.tiny";
  }

  @Override
  protected String unknownId() {
    return "00000000-0000-4000-8000-000000000000";
  }
}
