package dev.flotilla.vm.stratuslab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.testkit.ProviderContract;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The provider contract against the OpenNebula 3.2 that StratusLab shipped, at its plain /RPC2 endpoint:
 * the version is asked, and what 3.2 lacks (poweroff, snapshots, template updates) is declared missing.
 */
class StratusLab3ContractTest extends ProviderContract {
  /** A StratusLab Marketplace image id. */
  static final String IMAGE = "GJ5vp8gIxhZ1w1MQF19R7dHNMo5";
  private static OneServer server;

  @BeforeAll
  static void startServer() throws IOException {
    server = OneServer.start("3.2.1");
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected Provider openProvider() {
    return new StratusLabProviderFactory().open(StratusLabContractTest.profile(server, "/RPC2"));
  }

  @Override
  protected Node.Builder node(String name) {
    return Node.builder(name).image("http://appliances.example.org/ttylinux-9.7.img.gz");
  }

  @Override
  protected String unknownId() {
    return "424242";
  }

  @Test
  void declaresWhatOpenNebula32Lacks() {
    assertThat(dev.flotilla.vm.spi.Capabilities.of(provider())).contains(Capability.REBOOT, Capability.USER_DATA)
        .doesNotContain(Capability.STOP_START, Capability.SNAPSHOTS, Capability.TAGS, Capability.HARD_REBOOT,
            Capability.RESIZE, Capability.CREATE_STOPPED);
  }
}
