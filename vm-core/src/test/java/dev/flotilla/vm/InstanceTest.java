package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceTest {
  @Test
  void keepsTheProvidersStateWordAndReadsTheNodeFromItsTag() {
    Instance vm = Instance.builder("i-1", Lifecycle.State.TERMINATING).providerState("shutting-down")
        .tags(Map.of(Instance.NODE_TAG, "web1")).launchTime(Instant.EPOCH).build();
    assertThat(vm.providerState()).isEqualTo("shutting-down");
    assertThat(vm.nodeName()).contains("web1");
    assertThat(vm.toString()).contains("i-1").contains("web1").contains("'shutting-down'");
    assertThat(vm.toBuilder().build()).isEqualTo(vm).hasSameHashCodeAs(vm);
    assertThat(Instance.builder("i-2", Lifecycle.State.RUNNING).build().providerState()).isEqualTo("RUNNING");
  }

  @Test
  void needsAnIdAndAState() {
    assertThatThrownBy(() -> Instance.builder(" ", Lifecycle.State.RUNNING).build()).hasMessageContaining("id");
    assertThatThrownBy(() -> Instance.builder("i-1", null).build()).hasMessageContaining("state");
  }

  @Test
  void instanceTypesAndImagesCheckTheirValues() {
    assertThatThrownBy(() -> new InstanceType("m1.small", 0, 128, 0, true)).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("type.m1.small");
    assertThat(new Image("ami-1", null, null).name()).isEqualTo("ami-1");
  }
}
