package dev.flotilla.vm.store.postgresql;

import dev.flotilla.vm.store.NodeStore;
import dev.flotilla.vm.store.NodeStores;
import dev.flotilla.vm.testkit.NodeStoreContract;
import java.nio.file.Path;

/** The node store contract on a real PostgreSQL, each client with connections of its own. */
class PostgresStoreContractIT extends NodeStoreContract {
  private String url;

  @Override
  protected NodeStore openStore() {
    url = TestDatabase.freshSchemaUrl();
    return NodeStores.open(url, Path.of("."), TestDatabase.env());
  }

  @Override
  protected NodeStore openAgain() {
    return NodeStores.open(url, Path.of("."), TestDatabase.env());
  }
}
