package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle;
import dev.flotilla.vm.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressSyntaxTest {
  @ParameterizedTest
  @ValueSource(strings = {"192.0.2.10", "10.0.0.1", "255.255.255.255", "2001:db8::1", "::1", "fe80::1:2:3:4",
      "host.example.org", "web1"})
  void ipLiteralsAndHostNamesAreAddresses(String address) {
    assertThat(AddressSyntax.problem(address)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"-oProxyCommand=touch PWNED", "-p", "1.2.3.256", "1.2.3", "10.0.0.1 ; rm -rf /",
      "a b", "2001:db8::1::2", "$(id)", "host_name", "", ":"})
  void anythingElseIsRefused(String address) {
    assertThat(AddressSyntax.problem(address)).isPresent();
  }

  @Test
  void aCloudsAddressThatIsNoAddressIsLeftOutOfTheObservation() {
    Instance vm = Instance.builder("i-1", Lifecycle.State.RUNNING).publicAddress("-oProxyCommand=touch PWNED")
        .privateAddress("10.0.0.5").build();
    assertThat(vm.publicAddress()).isEmpty();
    assertThat(vm.privateAddress()).hasValue("10.0.0.5");
  }

  @Test
  void aRecordsAddressThatIsNoAddressIsRefusedNamingTheField() {
    assertThatThrownBy(() -> NodeRecord.builder().publicAddress("-oProxyCommand=x").build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("ip_address")
        .hasMessageContaining("-oProxyCommand=x");
    assertThatThrownBy(() -> Node.builder("a1").loginUser("-oProxyCommand=x").build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("vm.login_user");
  }
}
