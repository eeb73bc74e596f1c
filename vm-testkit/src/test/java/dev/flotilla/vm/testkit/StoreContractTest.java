package dev.flotilla.vm.testkit;

import dev.flotilla.vm.store.FileNodeStore;
import dev.flotilla.vm.store.InMemoryNodeStore;
import dev.flotilla.vm.store.NodeStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/** The node store contract on the stores of vm-core. */
class StoreContractTest {
  @Nested
  class InMemory extends NodeStoreContract {
    private NodeStore store;

    @Override
    protected NodeStore openStore() {
      store = new InMemoryNodeStore();
      return store;
    }

    @Override
    protected NodeStore openAgain() {
      return store;
    }
  }

  @Nested
  class Files extends NodeStoreContract {
    @TempDir
    Path dir;

    @Override
    protected NodeStore openStore() {
      return FileNodeStore.open(dir);
    }

    @Override
    protected NodeStore openAgain() {
      return FileNodeStore.open(dir);
    }
  }
}
