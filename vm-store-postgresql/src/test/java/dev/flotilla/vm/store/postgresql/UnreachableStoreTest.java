package dev.flotilla.vm.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.VmException;
import dev.flotilla.vm.store.NodeStores;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A store whose database is down: one line that names it and says what to check, and no password. */
class UnreachableStoreTest {
  @Test
  void aDatabaseThatIsDownIsOneClearLine() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // free once closed: nothing listens there
    }
    String url = "postgresql://ops:hunter2@127.0.0.1:" + port + "/fleet";
    assertThatThrownBy(() -> NodeStores.open(url, Path.of("."), Map.of()))
        .isInstanceOf(VmException.class)
        .hasMessageContaining("postgresql://ops@127.0.0.1:" + port + "/fleet")
        .hasMessageContaining("Is PostgreSQL running")
        .hasMessageContaining("Nothing was changed")
        .hasMessageNotContaining("hunter2")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }
}
