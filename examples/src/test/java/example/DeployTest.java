package example;

// tag::deploy-test[]
import static dev.flotilla.vm.testkit.FlotillaAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.testkit.EventLog;
import dev.flotilla.vm.testkit.FakeCloud;
import dev.flotilla.vm.testkit.FakeCloudExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FakeCloudExtension.class)
class DeployTest {
  private static Node web(String name) {
    return Node.builder(name).image("debian-12").type("m1.small").build();
  }

  @Test
  void deploysThreeWebNodes(VmClient client, FakeCloud cloud, EventLog events) {
    client.start(List.of(web("web1"), web("web2"), web("web3")));   // 20 virtual seconds, no real sleep
    assertThat(cloud).hasCallCount("create", 1).hasLiveVms(3);       // FlotillaAssertions: the cloud's calls
    assertThat(events.progress()).contains("3/3 running");          // AssertJ: what the client reported
  }
}
// end::deploy-test[]
