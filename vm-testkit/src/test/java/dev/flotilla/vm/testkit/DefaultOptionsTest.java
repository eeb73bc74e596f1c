package dev.flotilla.vm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.spi.CreateRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A profile's default_options (LEAP's) reach the provider under the node's own options. */
class DefaultOptionsTest {
  @Test
  void nodeOptionsWinOverTheProfilesAndTheProfilesFillIn() {
    List<CreateRequest> received = new ArrayList<>();
    ForwardingProvider recording = new ForwardingProvider(FakeCloud.create()) {
      @Override
      public List<Instance> create(CreateRequest request) {
        received.add(request);
        return super.create(request);
      }
    };
    Profile lab = Profile.builder("lab", "fake").defaultOption("InstanceType", "m1.large").defaultOption("KeyName", "team")
        .build();
    try (VmClient client = VmClient.builder().profile(lab, recording).build()) {
      client.start(Node.builder("web1").build());
      client.start(Node.builder("web2").option("KeyName", "mine").build());
      client.start(Node.builder("web3").type("m1.small").build());
      // the type default_options names is the profile's default, as vm types marks it, on every cloud
      assertThat(client.types()).filteredOn(dev.flotilla.vm.InstanceType::isDefault)
          .extracting(dev.flotilla.vm.InstanceType::name).containsExactly("m1.large");
    }

    assertThat(received.get(0).spec().options()).isEqualTo(Map.of("InstanceType", "m1.large", "KeyName", "team"));
    assertThat(received.get(1).spec().options()).isEqualTo(Map.of("InstanceType", "m1.large", "KeyName", "mine"));
    assertThat(received.get(0).spec().type()).contains("m1.large");
    assertThat(received.get(2).spec().type()).as("the node's own type wins").contains("m1.small");
  }
}
