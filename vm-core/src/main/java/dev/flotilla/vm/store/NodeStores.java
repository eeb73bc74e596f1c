package dev.flotilla.vm.store;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.spi.NodeStoreFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens a {@link NodeStore} by where it is, so the store is chosen by configuration, not code: a directory
 * (or {@code file:} URL) is a {@link FileNodeStore}; a URL such as {@code postgresql://host/db} is opened by
 * the installed {@link NodeStoreFactory} of its scheme.
 */
public final class NodeStores {
  private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://.*");

  private NodeStores() {}

  /**
   * The store at {@code location}.
   *
   * @param location a directory that holds (or will hold) {@code nodes/}, relative to {@code base}; or a URL
   * @param base the directory relative locations start from
   * @param env the environment, for the credentials of database stores
   * @throws ConfigurationException naming the field {@code store} when no installed module serves the scheme
   */
  public static NodeStore open(String location, Path base, Map<String, String> env) {
    Matcher m = SCHEME.matcher(location.trim());
    if (!m.matches()) {
      return FileNodeStore.open(base.resolve(location.trim()));
    }
    String scheme = m.group(1).toLowerCase(java.util.Locale.ROOT);
    if (scheme.equals("file")) {
      return FileNodeStore.open(Path.of(java.net.URI.create(location.trim())));
    }
    Map<String, NodeStoreFactory> installed = new TreeMap<>();
    for (NodeStoreFactory f : ServiceLoader.load(NodeStoreFactory.class, NodeStores.class.getClassLoader())) {
      installed.put(f.scheme(), f);
      f.aliases().forEach(a -> installed.putIfAbsent(a, f));
    }
    NodeStoreFactory factory = installed.get(scheme);
    if (factory == null) {
      throw new ConfigurationException(null, "store", "no installed module keeps node records at '" + scheme
          + "://' locations" + (installed.isEmpty() ? "" : " (installed: " + String.join(", ", installed.keySet()) + ")")
          + "; give a directory, or a postgresql:// URL with dev.flotilla:vm-store-postgresql on the class path");
    }
    return factory.open(location.trim(), env);
  }
}
