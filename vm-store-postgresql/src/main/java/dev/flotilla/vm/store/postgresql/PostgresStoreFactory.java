package dev.flotilla.vm.store.postgresql;

import dev.flotilla.vm.spi.NodeStoreFactory;
import dev.flotilla.vm.store.NodeStore;
import java.util.List;
import java.util.Map;

/** Opens {@code postgresql://} (and {@code postgres://}) stores for {@link dev.flotilla.vm.store.NodeStores}. */
public final class PostgresStoreFactory implements NodeStoreFactory {
  /** For {@link java.util.ServiceLoader}. */
  public PostgresStoreFactory() {}

  @Override
  public String scheme() {
    return "postgresql";
  }

  @Override
  public List<String> aliases() {
    return List.of("postgres");
  }

  @Override
  public NodeStore open(String location, Map<String, String> env) {
    return PostgresNodeStore.open(location, env);
  }
}
