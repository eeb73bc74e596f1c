package dev.flotilla.vm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.spi.Provider;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fake cloud kept in a file keeps the provider contract, and a second process (here, a second instance) sees its VMs. */
class FileBackedFakeCloudContractTest extends ProviderContract {
  @TempDir
  Path dir;

  @Override
  protected Provider openProvider() {
    return FileBackedFakeCloud.open(dir.resolve("cloud.json"));
  }

  @Test
  void anotherInstanceOnTheSameFileSeesTheSameVms() {
    Instance vm = VmClient.builder().provider(provider()).build().start(Node.builder("shared1").build());

    FileBackedFakeCloud other = FileBackedFakeCloud.open(dir.resolve("cloud.json"));

    assertThat(other.describe(java.util.List.of(vm.id()))).singleElement()
        .satisfies(i -> assertThat(i.nodeName()).contains("shared1"));
    assertThat(other.peek(FakeCloud::liveCount)).isEqualTo(1);
  }

  @Override
  protected String otherType() {
    return "m1.large";
  }
}
