package example;

import static dev.flotilla.vm.testkit.FlotillaAssertions.assertThat;
import static example.Nodes.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.testkit.EventLog;
import dev.flotilla.vm.testkit.FakeCloud;
import dev.flotilla.vm.testkit.FakeCloudExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

// tag::deploy-test[]
@ExtendWith(FakeCloudExtension.class)
class DeployTest {
  @Test
  void deploysThreeWebNodes(VmClient client, FakeCloud cloud, EventLog events) {
    client.start(List.of(node("web1"), node("web2"), node("web3")));   // 20 virtual seconds, no real sleep
    assertThat(cloud).hasCallCount("create", 1).hasLiveVms(3);
    assertThat(events.progress()).contains("3/3 running");
  }
}
// end::deploy-test[]
