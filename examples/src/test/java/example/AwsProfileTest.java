package example;

import static example.Nodes.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.VmClient;
import org.junit.jupiter.api.Test;

/**
 * The {@code aws} provider found by its api id with ServiceLoader, from vm-aws's installed jar alone: this
 * project names no class of vm-aws. Nothing here reaches a network (jclouds is started on the first request).
 */
class AwsProfileTest {
  private static final Profile PROD = Profile.builder("aws-prod", "aws").region("us-west-2")
      .credentials("AKIAEXAMPLE", Secret.of("not-a-real-secret")).defaultImage("ami-98e114f8").build();

  @Test
  void anAwsProfileOpensTheEc2ProviderByItsApiId() {
    try (VmClient client = VmClient.builder().profile(PROD).build()) {
      Node web = Node.builder("web1").profile("aws-prod").build();
      assertThat(client.capabilities(web)).contains(Capability.STOP_START, Capability.IDEMPOTENT_CREATE,
          Capability.TAGS, Capability.SNAPSHOT_TO_IMAGE).doesNotContain(Capability.SNAPSHOTS);
      assertThat(client.types(web)).extracting(InstanceType::name).contains("t3.micro");
    }
  }

  @Test
  void anAwsProfileWithoutARegionIsRefusedNamingTheField() {
    Profile noRegion = Profile.builder("aws-prod", "aws").credentials("AKIAEXAMPLE", Secret.of("not-a-real-secret"))
        .build();
    try (VmClient client = VmClient.builder().profile(noRegion).build()) {
      assertThatThrownBy(() -> client.capabilities(node("web1").toBuilder().profile("aws-prod").build()))
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("profiles.aws-prod.auth.region")
          .hasMessageNotContaining("not-a-real-secret");
    }
  }
}
