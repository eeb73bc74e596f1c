package dev.flotilla.vm.stratuslab;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.WaitPolicy;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.testkit.ProviderContract;
import java.time.Duration;

/**
 * The provider contract, against a real OpenNebula 7.4 {@code oned} (dummy drivers) through the real
 * adapter, as real-cloud/test.sh runs it.
 */
class RealOpenNebulaContractIT extends ProviderContract {
  private final Profile profile = RealOne.profile(RealOne.endpoint()).build();

  @Override
  protected Provider openProvider() {
    return new StratusLabProviderFactory().open(profile);
  }

  /** Through the profile, so its default options (a tenth of a CPU per VM) apply. */
  @Override
  protected VmClient.Builder clientBuilder(Provider p) {
    return VmClient.builder().profile(profile, p).waitPolicy(WaitPolicy.builder().timeout(Duration.ofMinutes(2))
        .initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofSeconds(1)).visibilityGrace(Duration.ofSeconds(30))
            .build());
  }

  @Override
  protected Node.Builder node(String name) {
    return Node.builder(name).image(RealOne.image());
  }

  @Override
  protected String unknownId() {
    return "999999";
  }

  @Override
  protected String otherType() {
    return "m1.large";
  }
}
