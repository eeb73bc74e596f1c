package dev.flotilla.vm.spi;

import dev.flotilla.vm.store.NodeStore;
import java.util.Map;

/**
 * Opens node stores for one URL scheme, such as {@code postgresql}. Found with {@link java.util.ServiceLoader}:
 * a module lists its factory in {@code META-INF/services/dev.flotilla.vm.spi.NodeStoreFactory}, and
 * {@link dev.flotilla.vm.store.NodeStores#open} picks it by the scheme of the store's location.
 */
public interface NodeStoreFactory {
  /** The URL scheme this factory serves, such as {@code postgresql}. */
  String scheme();

  /** Other schemes it serves, such as {@code postgres}; none by default. */
  default java.util.List<String> aliases() {
    return java.util.List.of();
  }

  /**
   * Opens the store at {@code location}, ready to use: reachable, and its schema current.
   *
   * @param location the URL, such as {@code postgresql://ops@db.example.org/flotilla}
   * @param env the environment to take defaults and credentials from (such as {@code PGPASSWORD})
   * @throws dev.flotilla.vm.ConfigurationException when the location or credentials are wrong, naming the field
   * @throws dev.flotilla.vm.VmException when the store cannot be reached or used
   */
  NodeStore open(String location, Map<String, String> env);
}
