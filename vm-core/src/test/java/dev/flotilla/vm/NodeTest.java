package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NodeTest {
  private static Node full() {
    return Node.builder("web1").profile("aws").image("debian-12").type("m1.small").cpus(2).memoryMb(512).swapMb(0)
        .region("eu-west-1").zone("eu-west-1a").keyPair("ops").loginUser("debian").tag("seattle", "web").service("webapp", "couchdb")
        .group("web").displayName("Web 1").userData("#cloud-config\npassword: hunter2\n")
        .securityGroups("ssh", "http").antiAffinityGroup("web").option("InstanceType", "t2.small")
        .build().withRecord(NodeRecord.builder().vmId("i-123").publicAddress("198.51.100.7").privateAddress("10.0.0.7")
            .build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"web1", "db-2", "a", "node.example.org", "A1-b2"})
  void acceptsHostNames(String name) {
    assertThat(Node.builder(name).build().name()).isEqualTo(name);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "web_1|contains '_' at position 3",
      "-web|starts or ends with '-'",
      "web-|starts or ends with '-'",
      "a..b|empty label at position 2",
      "web 1|contains ' ' at position 3",
      "wéb|contains 'é' at position 1"})
  void refusesBadHostNamesSayingWhy(String name, String why) {
    assertThatThrownBy(() -> Node.builder(name).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("field 'name'")
        .hasMessageContaining("'" + name + "' is not a valid host name")
        .hasMessageContaining(why)
        .hasMessageContaining("such as 'web1'");
  }

  @Test
  void refusesEmptyAndOverlongNames() {
    assertThatThrownBy(() -> Node.builder("").build()).hasMessageContaining("it is empty");
    assertThatThrownBy(() -> Node.builder(null).build()).hasMessageContaining("it is empty");
    assertThatThrownBy(() -> Node.builder("a".repeat(64)).build()).hasMessageContaining("64 characters long; at most 63");
    String longName = ("a".repeat(60) + ".").repeat(5);
    assertThatThrownBy(() -> Node.builder(longName).build()).hasMessageContaining("at most 253");
  }

  @Test
  void refusesResourceOverridesOutOfRange() {
    assertThatThrownBy(() -> Node.builder("web1").cpus(0).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("field 'cpus'").hasMessageContaining("asks for 0");
    assertThatThrownBy(() -> Node.builder("web1").memoryMb(-5).build()).hasMessageContaining("field 'memoryMb'");
    assertThatThrownBy(() -> Node.builder("web1").swapMb(-1).build()).hasMessageContaining("field 'swapMb'");
    assertThat(Node.builder("web1").swapMb(0).build().swapMb()).hasValue(0);
  }

  @Test
  void isImmutable() {
    List<String> groups = new ArrayList<>(List.of("ssh"));
    Node.Builder b = Node.builder("web1").securityGroups(groups).tag("a").option("k", "v");
    Node node = b.build();
    groups.add("http");
    b.tag("b").option("k2", "v2");

    assertThat(node.securityGroups()).containsExactly("ssh");
    assertThat(node.tags()).containsExactly("a");
    assertThat(node.options()).containsExactly(Map.entry("k", "v"));
    assertThatThrownBy(() -> node.tags().add("x")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> node.options().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> node.securityGroups().add("x")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void toBuilderKeepsEverythingAndEqualityFollowsValues() {
    Node node = full();
    assertThat(node.toBuilder().build()).isEqualTo(node).hasSameHashCodeAs(node);
    assertThat(node.toBuilder().zone("other").build()).isNotEqualTo(node);
    assertThat(node.toBuilder().userData("x").build()).isNotEqualTo(node);
    assertThat(node.toBuilder().option("InstanceType", null).build().options()).isEmpty();
  }

  @Test
  void deriveInheritsPropertiesButNotNameDisplayNameOrBinding() {
    Node parent = full();
    Node child = parent.derive("web2").type("m1.large").build();

    assertThat(child.name()).isEqualTo("web2");
    assertThat(child.type()).contains("m1.large");
    assertThat(child.image()).isEqualTo(parent.image());
    assertThat(child.tags()).isEqualTo(parent.tags());
    assertThat(child.services()).containsExactly("webapp", "couchdb");
    assertThat(child.parent()).contains("web1");
    assertThat(child.options()).isEqualTo(parent.options());
    assertThat(child.userData()).isEqualTo(parent.userData());
    assertThat(child.displayName()).isEmpty();
    assertThat(child.isBound()).isFalse();
    assertThat(child.publicAddress()).isEmpty();
  }

  @Test
  void bindAndUnbind() {
    Node node = Node.builder("web1").build();
    Node bound = node.bind("i-1", "198.51.100.1", null);
    assertThat(bound.isBound()).isTrue();
    assertThat(bound.vmId()).contains("i-1");
    assertThat(bound.publicAddress()).contains("198.51.100.1");
    assertThat(bound.unbind()).isEqualTo(node);
  }

  @Test
  void toStringHidesUserDataButShowsTheRest() {
    String s = full().toString();
    assertThat(s).doesNotContain("hunter2").contains("userData=<").contains("web1").contains("i-123")
        .contains("InstanceType=t2.small");
  }

  @Test
  void blankValuesCountAsUnset() {
    Node node = Node.builder("web1").image(" ").profile("").build();
    assertThat(node.image()).isEmpty();
    assertThat(node.profile()).isEmpty();
  }
}
